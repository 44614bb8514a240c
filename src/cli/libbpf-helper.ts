/**
 * The libbpf side of `btfkit bench dedup`: `native/libbpf-dedup.c` (shipped in the package) compiled with the
 * system's C compiler against libbpf (`-lbpf`, headers from libbpf-dev) on first use, into the user's cache
 * directory ($XDG_CACHE_HOME/btfkit, else ~/.cache/btfkit). The binary's name carries a hash of the source, so a
 * newer package builds a new one; it is written to a temporary file and renamed, so two runs can build at once.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The C source: `native/` next to `dist/` (installed package) or `src/` (checkout). */
export const LIBBPF_HELPER_SOURCE = join(dirname(fileURLToPath(import.meta.url)), "../../native/libbpf-dedup.c");
const HEADER = "/usr/include/bpf/btf.h";

export function btfkitCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg?.startsWith("/") ? xdg : join(homedir(), ".cache"), "btfkit");
}

/** The built helper's path, or why it cannot be built (one line). */
export function buildLibbpfHelper(): { path: string } | { missing: string } {
  if (!existsSync(LIBBPF_HELPER_SOURCE))
    return { missing: `${LIBBPF_HELPER_SOURCE} is missing from this installation` };
  if (!existsSync(HEADER))
    return { missing: `${HEADER} not found (install libbpf's headers and library: apt-get install libbpf-dev)` };
  const source = readFileSync(LIBBPF_HELPER_SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const dir = btfkitCacheDir();
  const binary = join(dir, `libbpf-dedup-${hash}`);
  if (existsSync(binary)) return { path: binary };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return { missing: `cannot create the cache directory ${dir}: ${(e as Error).message}` };
  }
  const tmp = `${binary}.${process.pid}.tmp`;
  const failures: string[] = [];
  for (const cc of [process.env.CC, "cc", "clang", "gcc"].filter((c): c is string => !!c)) {
    try {
      execFileSync(cc, ["-O2", "-Wall", "-o", tmp, LIBBPF_HELPER_SOURCE, "-lbpf"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      renameSync(tmp, binary);
      return { path: binary };
    } catch (e) {
      rmSync(tmp, { force: true });
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      const why =
        err.code === "ENOENT"
          ? "not found"
          : (err.stderr
              ?.toString()
              .trim()
              .split("\n")
              .find((l) => /error/i.test(l)) ?? err.message.split("\n")[0]);
      failures.push(`${cc}: ${why}`);
    }
  }
  return { missing: `cannot build ${LIBBPF_HELPER_SOURCE} with -lbpf (${failures.join("; ")})` };
}
