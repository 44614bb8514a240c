/**
 * Where the encode service of one base BTF listens (see service-client.ts). Kept free of the encoder's modules:
 * the client imports it in every btfkit-pahole process before deciding whether to load them.
 *
 * The socket is per user and per base: `$XDG_RUNTIME_DIR/btfkit-UID/KEY.sock` (or the temporary directory's), in a
 * directory only the user can enter. KEY hashes the base file's identity (real path, device, inode, size, mtime) and
 * the identity of the installed btfkit (its service modules' paths and mtimes), so a rebuilt vmlinux or a new btfkit
 * gets a new service and the old one idles out.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built service modules, next to this one. */
export const SERVER_SCRIPT = fileURLToPath(new URL("./service-server.js", import.meta.url));
export const WORKER_SCRIPT = fileURLToPath(new URL("./service-worker.js", import.meta.url));
const MAIN_SCRIPT = fileURLToPath(new URL("./main.js", import.meta.url));

/** The user's private socket directory, created when missing; undefined when it is not safely private. */
export function socketDir(env: Record<string, string | undefined>): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(env.XDG_RUNTIME_DIR || tmpdir(), `btfkit-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const st = lstatSync(dir);
    // Someone else's directory, a symlink, or one others can enter: no service (the in-process run is always safe).
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The socket of the service for base BTF `basePath`, or undefined when there can be none. */
export function socketPath(basePath: string, env: Record<string, string | undefined>): string | undefined {
  const dir = socketDir(env);
  if (dir === undefined) return undefined;
  try {
    const real = realpathSync(basePath);
    const st = statSync(real, { bigint: true });
    const h = createHash("sha256");
    h.update([real, st.dev, st.ino, st.size, st.mtimeNs].join("\0"));
    for (const script of [SERVER_SCRIPT, WORKER_SCRIPT, MAIN_SCRIPT])
      h.update("\0" + script + "\0" + statSync(script).mtimeMs);
    return join(dir, h.digest("hex").slice(0, 32) + ".sock");
  } catch {
    return undefined;
  }
}

/** One request: what a btfkit-pahole process would have run. */
export interface ServiceRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The answer: what that process would have printed, and its exit code. */
export interface ServiceReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}
