#!/usr/bin/env node
// Part of `npm run build`: compiles btfkit-pahole's native client (native/pahole-client.c) into
// dist/native/btfkit-pahole-client with the system's C compiler. Optional: without a compiler (or with
// BTFKIT_NO_NATIVE=1) btfkit-pahole starts through Node, which works the same and costs Node's start-up per module.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "native/pahole-client.c");
const outDir = join(root, "dist/native");
const out = join(outDir, "btfkit-pahole-client");

if (process.env.BTFKIT_NO_NATIVE === "1") {
  console.log("btfkit: BTFKIT_NO_NATIVE=1: btfkit-pahole starts through Node");
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const failures = [];
for (const cc of [process.env.CC, "cc", "gcc", "clang"].filter(Boolean)) {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    // The node that builds btfkit is the one the client hands over to (else the one on PATH).
    execFileSync(
      cc,
      ["-O2", "-std=c11", "-Wall", "-Wextra", `-DBTFKIT_NODE=${JSON.stringify(process.execPath)}`, "-o", tmp, source],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    renameSync(tmp, out);
    process.exit(0);
  } catch (e) {
    rmSync(tmp, { force: true });
    const why =
      e.code === "ENOENT"
        ? "not found"
        : String(e.stderr ?? e.message)
            .trim()
            .split("\n")[0];
    failures.push(`${cc}: ${why}`);
  }
}
console.log(`btfkit: btfkit-pahole's native client not built (${failures.join("; ")}): it starts through Node`);
