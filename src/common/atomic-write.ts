import { closeSync, fchmodSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { BtfkitError, ErrorCode } from "./errors.js";

/**
 * Atomic output files. Every output is written to a temporary file in the same directory, flushed, and renamed over
 * the target, so a reader (a kernel build running with `set -e`, a loader) sees the old file or the complete new
 * one, never a partial file; on any error the temporary file is removed.
 *
 * A process killed with SIGKILL (or by the OOM killer, or a power cut) cannot remove its temporary file. The name
 * says whose it was — `.<name>.<pid>.<stamp>.tmp` next to `<name>` — and every atomic write first removes those
 * for the same target whose process is no longer running (see removeStaleTemps), so a rerun cleans up after a
 * killed one. The target itself is never opened for writing.
 *
 * Test hook: `BTFKIT_TEST_SLOW_WRITE=<chunk bytes>:<pause ms>` makes AtomicFile.write write in chunks of that size
 * and sleep after each, so a test can kill the process while the temporary file is half written. Nothing else
 * reads it; leave it unset.
 */

/** Writes larger than this are split; one chunk is also what a test hook pauses after. */
export const WRITE_CHUNK = 8 << 20;

const TEST_HOOK = "BTFKIT_TEST_SLOW_WRITE";

/** The temporary name for `path`: `.<name>.<pid>.<stamp>.tmp` in the same directory. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/**
 * Remove the temporary files of earlier atomic writes to `path` whose process is gone (killed before it could clean
 * up). A file of a process still running (this one, or another writing the same target) is left alone; so is one
 * whose pid cannot be checked. Returns the names removed.
 */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(".tmp")) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(n.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch {
      /* another run removed it first, or it is not ours to remove */
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** `{ chunk, pauseMs }` from the test hook, or undefined when it is not set (the normal case). */
function slowWriteHook(): { chunk: number; pauseMs: number } | undefined {
  const v = process.env[TEST_HOOK];
  if (v === undefined || v === "") return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1)
    throw new BtfkitError(ErrorCode.USAGE, `${TEST_HOOK} must be <chunk bytes>:<pause ms>, got '${v}'`);
  return { chunk: Number(m[1]), pauseMs: Number(m[2]) };
}

function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A file being written atomically: bytes are appended with `write` (and earlier ones overwritten with `writeAt`),
 * then `commit` flushes it and renames it over the target, or `abort` removes it. Create with `AtomicFile.create`.
 */
export class AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  private fd: number;
  /** Bytes appended so far. */
  private end = 0;
  private readonly hook: { chunk: number; pauseMs: number } | undefined;

  private constructor(
    path: string,
    tempPath: string,
    fd: number,
    hook: { chunk: number; pauseMs: number } | undefined,
  ) {
    this.path = path;
    this.tempPath = tempPath;
    this.fd = fd;
    this.hook = hook;
  }

  /**
   * Start writing `path`: remove stale temporary files of it, create this run's. `mode`, when given, is the new
   * file's permission bits, set exactly (not masked by the umask), so an executable rewritten in place stays
   * executable; without it the file gets 0644 less the umask.
   */
  static create(path: string, opts: { mode?: number } = {}): AtomicFile {
    const hook = slowWriteHook();
    removeStaleTemps(path);
    const tmp = tempPathFor(path);
    let fd = -1;
    try {
      fd = openSync(tmp, "wx", opts.mode ?? 0o644);
      if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        /* it was never created */
      }
      throw new BtfkitError(ErrorCode.IO, `cannot write: ${(e as Error).message}`, { file: path });
    }
    return new AtomicFile(path, tmp, fd, hook);
  }

  /** Bytes appended so far: the offset of the next `write`. */
  get size(): number {
    return this.end;
  }

  /** Append `bytes`, in chunks (WRITE_CHUNK, or the test hook's). */
  write(bytes: Uint8Array): void {
    const chunk = this.hook?.chunk ?? WRITE_CHUNK;
    for (let off = 0; off < bytes.length; ) {
      const n = Math.min(chunk, bytes.length - off);
      this.writeAll(bytes.subarray(off, off + n), this.end);
      this.end += n;
      off += n;
      if (this.hook) sleepSync(this.hook.pauseMs);
    }
  }

  /** Append `n` zero bytes (padding). */
  writeZeros(n: number): void {
    if (n > 0) this.write(new Uint8Array(n));
  }

  /** Overwrite already appended bytes at `offset` (a header field patched after the copy). */
  writeAt(bytes: Uint8Array, offset: number): void {
    if (offset + bytes.length > this.end)
      throw new RangeError(`writeAt ${offset}+${bytes.length} past the ${this.end} bytes written`);
    this.writeAll(bytes, offset);
  }

  private writeAll(bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
  }

  /** Flush the file to disk and rename it over the target. */
  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tempPath, this.path);
  }

  /** Remove the temporary file (after a failure); the target is untouched. Never throws. */
  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = -1;
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      /* the temp file may not exist */
    }
  }
}

/**
 * Write a file atomically with `fill`, which appends its contents to the AtomicFile it is given. Any error thrown
 * by `fill` (or by the writes) removes the temporary file and leaves `path` as it was; an I/O error becomes an IO
 * BtfkitError naming `path`, a BtfkitError passes through.
 */
export function writeAtomicWith(path: string, fill: (out: AtomicFile) => void, opts: { mode?: number } = {}): void {
  const out = AtomicFile.create(path, opts);
  try {
    fill(out);
    out.commit();
  } catch (e) {
    out.abort();
    if (e instanceof BtfkitError) throw e;
    throw new BtfkitError(ErrorCode.IO, `cannot write: ${(e as Error).message}`, { file: path });
  }
}

/**
 * Write `data` to `path` through a temporary file in the same directory and a rename, so that a failure (or a
 * kill) never leaves a partial output file behind — kernel builds run with `set -e` and must not pick one up.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  writeAtomicWith(path, (out) => out.write(bytes));
}
