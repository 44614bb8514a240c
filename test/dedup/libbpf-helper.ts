/**
 * The libbpf oracle: `native/libbpf-dedup.c` (shipped in the package for `btfkit bench dedup`) compiled against the system libbpf (`libbpf-dev`) into
 * `test/dedup/.build/` (gitignored) on first use, and a wrapper to run it. Absent headers or compiler make it
 * an Optional with the reason, so the differential tests skip visibly.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Optional } from "../util/inputs.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "../../native/libbpf-dedup.c");
const BUILD_DIR = join(HERE, ".build");
const BINARY = join(BUILD_DIR, "libbpf-dedup");
const HEADER = "/usr/include/bpf/btf.h";

let cached: Optional<string> | undefined;

/** Path of the compiled helper, building it when needed. */
export function libbpfDedupHelper(): Optional<string> {
  if (cached) return cached;
  if (!existsSync(HEADER)) return (cached = { missing: `${HEADER} not found (apt-get install libbpf-dev)` });
  try {
    if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < statSync(SOURCE).mtimeMs) {
      mkdirSync(BUILD_DIR, { recursive: true });
      const tmp = `${BINARY}.${process.pid}.tmp`;
      compile(tmp);
      renameSync(tmp, BINARY);
    }
    return (cached = { value: BINARY });
  } catch (e) {
    return (cached = {
      missing: `cannot build ${SOURCE} with cc/clang/gcc -lbpf: ${String((e as Error).message).split("\n")[0]}`,
    });
  }
}

/** Compile with the first C compiler found (CI installs clang, which does not always provide `cc`). */
function compile(out: string): void {
  let last: unknown;
  for (const cc of ["cc", "clang", "gcc"]) {
    try {
      execFileSync(cc, ["-O2", "-Wall", "-o", out, SOURCE, "-lbpf"], { stdio: "pipe" });
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

export interface LibbpfRun {
  /** btf__dedup wall time of each repetition, in ms. */
  ms: number[];
  typesIn: number;
  typesOut: number;
  maxRssKb: number;
}

/** Run libbpf's btf__dedup on `input` (split on `base` when given), writing raw BTF to `output`. */
export function runLibbpfDedup(helper: string, input: string, output: string, base?: string, repeat = 1): LibbpfRun {
  const out = execFileSync(helper, [input, output, base ?? "", String(repeat)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out) as LibbpfRun;
}
