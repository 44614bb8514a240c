/** `btfkit encode` on a Rust object: warnings name the types that lost information, one line each, on stderr. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import yargs from "yargs";
import { encodeCommand } from "../../src/cli/encode.js";
import { RUSTFIX_O } from "./helpers.js";

async function stderrOf(args: string[]): Promise<string> {
  let stderr = "";
  const e = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    await yargs(args).command(encodeCommand).strict().exitProcess(false).parseAsync();
  } finally {
    e.mockRestore();
  }
  return stderr;
}

describe("btfkit encode of Rust units", () => {
  const out = join(mkdtempSync(join(tmpdir(), "btfkit-rust-cli-")), "r.btf");

  it("prints a warning naming the repr(u128) enum, then the summary", async () => {
    const lines = (await stderrOf(["encode", RUSTFIX_O, "-o", out])).trimEnd().split("\n");
    expect(lines[0]).toBe(
      "btfkit: warning: enum Huge (16 bytes) has no BTF enum kind: encoded as a typedef of its 128-bit integer, enumerators dropped",
    );
    expect(lines[1]).toMatch(/^1 CUs, /);
    expect(lines).toHaveLength(2);
  });

  it("--quiet silences warnings too", async () => {
    expect(await stderrOf(["encode", RUSTFIX_O, "-o", out, "--quiet"])).toBe("");
  });
});
