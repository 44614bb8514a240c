/**
 * The client side of btfkit-pahole's encode service. A kernel build runs `btfkit-pahole --btf_base vmlinux M.ko`
 * once per module, each a fresh process: Node's start-up, loading btfkit's modules and reading and indexing the
 * base's BTF (5 MB for a distribution kernel) would cost more than encoding the module. So a module encode hands its
 * command line to a long-lived service for that base (service-server.ts), which runs the same `paholeMain` in a
 * process that has all of that done already, and prints what it printed. Output files and exit codes are the
 * in-process run's; only the work is done elsewhere.
 *
 * The first call of a build finds no service: it starts one (detached, per user and base) and
 * encodes in-process itself. Any failure to reach the service, or a service that dies mid-request, also falls back
 * to the in-process run. `BTFKIT_SERVICE=0` turns the service off; it idles out after `BTFKIT_SERVICE_IDLE` seconds
 * (default 30) without requests.
 *
 * This module loads no part of the encoder: it runs before btfkit-pahole decides whether it needs it. It is
 * CommonJS, as bin/btfkit-pahole is: Node starts a CommonJS script ~25 ms sooner than an ES module, a tenth of what a
 * module's encode costs through the service.
 *
 * native/pahole-client.c does the common case (a service is listening) without Node at all, and hands the rest to
 * this client. It computes moduleEncodeBase and socketPath the same way: change them together
 * (test/cli/pahole-native-client.test.ts compares the two).
 *
 * The socket is per user and per base: `$XDG_RUNTIME_DIR/btfkit-UID/KEY.sock` (or the temporary directory's), in a
 * directory only the user can enter. KEY hashes the base file's identity (real path, device, inode, size, mtime) and
 * the identity of the installed btfkit (its service modules' paths and mtimes), so a rebuilt vmlinux or a new btfkit
 * gets a new service and the old one idles out.
 */
import childProcess = require("node:child_process");
import crypto = require("node:crypto");
import fs = require("node:fs");
import net = require("node:net");
import os = require("node:os");
import path = require("node:path");
import type { ServiceReply, ServiceRequest } from "./service-protocol.js";

/** The built service modules, next to this one. */
const SERVER_SCRIPT = path.join(__dirname, "service-server.js");
const WORKER_SCRIPT = path.join(__dirname, "service-worker.js");
const MAIN_SCRIPT = path.join(__dirname, "main.js");

/** The longest path a Unix socket can have on Linux (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** The user's private socket directory, created when missing; undefined when it is not safely private. */
function socketDir(env: Record<string, string | undefined>): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(env.XDG_RUNTIME_DIR || os.tmpdir(), `btfkit-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700, recursive: true });
    const st = fs.lstatSync(dir);
    // Someone else's directory, a symlink, or one others can enter: no service (the in-process run is always safe).
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The socket of the service for base BTF `basePath`, or undefined when there can be none. */
function socketPath(basePath: string, env: Record<string, string | undefined>): string | undefined {
  const dir = socketDir(env);
  if (dir === undefined) return undefined;
  try {
    const real = fs.realpathSync(basePath);
    const st = fs.statSync(real, { bigint: true });
    const h = crypto.createHash("sha256");
    h.update([real, st.dev, st.ino, st.size, st.mtimeNs].join("\0"));
    // Integers only (nanoseconds), so that native/pahole-client.c computes the same key.
    for (const script of [SERVER_SCRIPT, WORKER_SCRIPT, MAIN_SCRIPT])
      h.update("\0" + script + "\0" + fs.statSync(script, { bigint: true }).mtimeNs);
    const sock = path.join(dir, h.digest("hex").slice(0, 32) + ".sock");
    // A Unix socket's path has at most 107 bytes (sun_path): past that no service could listen, and starting one
    // per module would only cost time. Such a run stays in-process (so does the native client's).
    return Buffer.byteLength(sock) <= MAX_SOCKET_PATH ? sock : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The base BTF path of a module encode (`-J … --btf_base PATH FILE`), or undefined when the command line is not one
 * (then it runs in-process: a vmlinux encode, --version, a usage error, an abbreviation the service does not parse).
 */
function moduleEncodeBase(argv: readonly string[]): string | undefined {
  let base: string | undefined;
  let encode = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a === "--btf_base") base = argv[++i];
    else if (a.startsWith("--btf_base=")) base = a.slice("--btf_base=".length);
    else if (a === "-J" || a === "--btf_encode" || a.startsWith("--btf_encode_detached=")) encode = true;
    else if (/^-[A-Za-z]*J/.test(a) && !a.startsWith("--")) encode = true;
    else if (a === "--help" || a === "--usage" || a === "--version" || a === "-V" || a.startsWith("--supported"))
      return undefined;
  }
  return encode && base !== undefined && base !== "" ? base : undefined;
}

/** Send `req` to the service at `sock`; undefined when there is none or it did not answer. */
function ask(sock: string, req: ServiceRequest): Promise<ServiceReply | undefined> {
  return new Promise((resolve) => {
    const conn = net.connect(sock);
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (r: ServiceReply | undefined) => {
      if (settled) return;
      settled = true;
      conn.destroy();
      resolve(r);
    };
    conn.on("connect", () => conn.write(JSON.stringify(req) + "\n"));
    conn.on("data", (c: Buffer) => chunks.push(c));
    conn.on("error", () => done(undefined));
    conn.on("close", () => {
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        const r = JSON.parse(text) as Partial<ServiceReply>;
        done(
          typeof r.exitCode === "number" && typeof r.stdout === "string" && typeof r.stderr === "string"
            ? (r as ServiceReply)
            : undefined,
        );
      } catch {
        done(undefined);
      }
    });
  });
}

/** Start the service for `sock` in the background; it outlives this process. */
function startService(sock: string, base: string, env: Record<string, string | undefined>): void {
  try {
    // In "/", so that the service keeps no build directory busy; requests carry their own.
    const child = childProcess.spawn(process.execPath, [SERVER_SCRIPT, sock, path.resolve(base)], {
      cwd: "/",
      detached: true,
      stdio: "ignore",
      env: env as NodeJS.ProcessEnv,
    });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no service this time: every call runs in-process
  }
}

/**
 * Run a module encode through the service: the exit code after printing the service's output, or undefined when the
 * caller must run it in-process (no service yet — one is started —, the service is off, or it failed).
 */
async function runThroughService(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<number | undefined> {
  if (env.BTFKIT_SERVICE === "0" || env.BTFKIT_SERVICE === "off") return undefined;
  const base = moduleEncodeBase(argv);
  if (base === undefined) return undefined;
  const sock = socketPath(base, env);
  if (sock === undefined) return undefined;
  const reply = await ask(sock, { argv: [...argv], cwd: process.cwd(), env });
  if (reply === undefined) {
    startService(sock, base, env);
    return undefined;
  }
  if (reply.stdout) process.stdout.write(reply.stdout);
  if (reply.stderr) process.stderr.write(reply.stderr);
  return reply.exitCode;
}

export = { moduleEncodeBase, runThroughService, socketPath, socketDir };
