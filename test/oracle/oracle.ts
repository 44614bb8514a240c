/**
 * The kernel as a test oracle: does the running kernel accept this BTF? The answer comes from `btf-load`, a small C
 * helper (btf-load.c, next to this file) that calls bpf(BPF_BTF_LOAD). It is compiled with the machine's `cc` into
 * test/oracle/build/ (gitignored) on first use and rebuilt when the source is newer than the binary.
 *
 * Where there is no C compiler, or the syscall is not permitted (no root, no CAP_BPF, a seccomp filter, a kernel
 * without BPF), `oracleAvailable()` says why, and tests skip with that reason.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "btf-load.c");
const BUILD_DIR = join(HERE, "build");
const HELPER = join(BUILD_DIR, "btf-load");

/** Exit codes of btf-load (see btf-load.c). */
const EXIT_OK = 0,
  EXIT_REJECT = 1,
  EXIT_UNAVAILABLE = 3;

export interface KernelVerdict {
  /** True when the kernel loaded the BTF. */
  accepted: boolean;
  /** errno of the refusal (EINVAL = 22, E2BIG = 7, …). */
  errno?: number;
  /** The kernel verifier's log for a refusal (its last line usually holds the reason). */
  log: string;
  /** The last non-empty line of the log: the kernel's reason. */
  reason: string;
}

export type OracleStatus = { available: true } | { available: false; reason: string };

let built: string | undefined;
let status: OracleStatus | undefined;

/** Compile btf-load.c unless an up-to-date binary exists. Returns an error message or undefined. */
function build(): string | undefined {
  if (built !== undefined) return built || undefined;
  try {
    const src = statSync(SOURCE).mtimeMs;
    let fresh = false;
    try {
      fresh = statSync(HELPER).mtimeMs >= src;
    } catch {
      fresh = false;
    }
    if (!fresh) {
      mkdirSync(BUILD_DIR, { recursive: true });
      // Build under a unique name and rename: test files run in parallel workers and may race here.
      const tmp = `${HELPER}.${process.pid}.${Date.now()}.tmp`;
      const cc = spawnSync(process.env.CC ?? "cc", ["-O1", "-Wall", "-o", tmp, SOURCE], { encoding: "utf8" });
      if (cc.error) return (built = `cannot run the C compiler (${process.env.CC ?? "cc"}): ${cc.error.message}`);
      if (cc.status !== 0) return (built = `compiling btf-load.c failed: ${cc.stderr.trim().split("\n")[0] ?? ""}`);
      renameSync(tmp, HELPER);
    }
  } catch (e) {
    return (built = `cannot build the btf-load helper: ${(e as Error).message}`);
  }
  built = "";
  return undefined;
}

/** A minimal valid BTF (one `int`), to ask whether the syscall works at all. */
function probeBlob(): Uint8Array {
  const strings = Buffer.from("\0int\0", "latin1");
  const b = Buffer.alloc(24 + 16 + strings.length);
  b.writeUInt16LE(0xeb9f, 0);
  b[2] = 1;
  b.writeUInt32LE(24, 4);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(16, 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt32LE(strings.length, 20);
  b.writeUInt32LE(1, 24); // name "int"
  b.writeUInt32LE(0x01000000, 28); // kind INT
  b.writeUInt32LE(4, 32); // size 4
  b.writeUInt32LE(0x01000020, 36); // signed, 32 bits
  strings.copy(b, 40);
  return b;
}

/** Whether the kernel oracle can be asked here, and why not. */
export function oracleAvailable(): OracleStatus {
  if (status) return status;
  if (process.platform !== "linux") return (status = { available: false, reason: "not Linux" });
  const err = build();
  if (err) return (status = { available: false, reason: err });
  const r = run(probeBlob());
  if (r.code === EXIT_UNAVAILABLE)
    return (status = { available: false, reason: `bpf(BPF_BTF_LOAD) is not available: ${r.out.trim()}` });
  if (r.code !== EXIT_OK)
    return (status = {
      available: false,
      reason: `the kernel refused a minimal valid BTF: ${r.out.trim().split("\n").pop() ?? ""}`,
    });
  return (status = { available: true });
}

let scratchSeq = 0;

function run(bytes: Uint8Array): { code: number; out: string } {
  // Blobs go next to the helper, in the gitignored build directory, and are removed at once.
  const file = join(BUILD_DIR, `blob-${process.pid}-${scratchSeq++}.btf`);
  try {
    writeFileSync(file, bytes);
    // latin1: the log quotes names, which may hold any byte.
    const r = spawnSync(HELPER, [file], { encoding: "latin1", maxBuffer: 64 << 20, timeout: 60_000 });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, out: r.stdout + r.stderr };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Ask the running kernel whether it accepts `bytes` (a raw, non-split BTF blob). Call oracleAvailable() first. */
export function kernelVerdict(bytes: Uint8Array): KernelVerdict {
  const st = oracleAvailable();
  if (!st.available) throw new Error(`kernel oracle unavailable: ${st.reason}`);
  const r = run(bytes);
  const lines = r.out.split("\n");
  if (r.code === EXIT_OK) return { accepted: true, log: "", reason: "" };
  if (r.code !== EXIT_REJECT) throw new Error(`btf-load failed (exit ${r.code}): ${r.out.trim()}`);
  const m = /^REJECT (\d+)/.exec(lines[0] ?? "");
  const log = lines.slice(1).join("\n");
  const reason =
    lines
      .slice(1)
      .filter((l) => l.trim() !== "")
      .pop() ?? "";
  return { accepted: false, errno: m ? Number(m[1]) : undefined, log, reason };
}
