/**
 * btfkit-pahole's encode service (see service-client.cts): `node service-server.js SOCKET BASE`, started detached by
 * the first btfkit-pahole call of a build that found none. It listens on SOCKET, hands each request to an idle
 * worker process (service-worker.ts: `paholeMain` with BASE's BTF already loaded, in the client's directory and
 * environment), and sends back what the run printed and its exit code. Worker processes rather than threads: each
 * request runs in its own working directory, and a crash loses one request (whose client then runs it in-process),
 * not the service.
 *
 * Up to as many workers as CPUs (at most 8) run at once, one request each; more requests wait in order, and go to
 * the first worker that is free and has loaded the base (a new one is started when all are busy). With no
 * request for BTFKIT_SERVICE_IDLE seconds (default 30) the service exits, and Node removes the socket.
 */
import { fork, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, unlinkSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { encodeBinaryReply, type ServiceReply, type ServiceRequest } from "./service-protocol.js";

const WORKER_SCRIPT = fileURLToPath(new URL("./service-worker.js", import.meta.url));

const [sock, base] = process.argv.slice(2);
if (sock === undefined || base === undefined) {
  process.stderr.write("usage: service-server.js SOCKET BASE (started by btfkit-pahole)\n");
  process.exit(64);
}
const idleSeconds = Number(process.env.BTFKIT_SERVICE_IDLE ?? "30");
const IDLE_MS = Number.isFinite(idleSeconds) && idleSeconds > 0 ? idleSeconds * 1000 : 30_000;
const MAX_WORKERS = Math.max(1, Math.min(availableParallelism(), 8));
/** For tests and debugging: one line per request served. */
const LOG = process.env.BTFKIT_SERVICE_LOG;

interface Job {
  id: number;
  req: ServiceRequest;
  conn: Socket;
}
interface Worker {
  child: ChildProcess;
  job: Job | undefined;
  /** Done loading the base (its "ready" message): only then is it given requests. */
  ready: boolean;
}

const workers: Worker[] = [];
const queue: Job[] = [];
let nextId = 1;
let idleTimer: NodeJS.Timeout | undefined;

function log(line: string): void {
  if (LOG) {
    try {
      appendFileSync(LOG, `${new Date().toISOString()} ${process.pid} ${line}\n`);
    } catch {
      // logging is best-effort
    }
  }
}

function newWorker(): Worker {
  const child = fork(WORKER_SCRIPT, [], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
  const w: Worker = { child, job: undefined, ready: false };
  child.send({ type: "preload", base });
  child.on("message", (m: ({ id: number } & ServiceReply) | { type: "ready" }) => {
    if ("type" in m) {
      w.ready = true;
      dispatch();
      return;
    }
    const job = w.job;
    if (!job || m.id !== job.id) return;
    w.job = undefined;
    const reply: ServiceReply = { exitCode: m.exitCode, stdout: m.stdout, stderr: m.stderr };
    log(`served exit ${m.exitCode}${job.req.reply === "binary" ? " (binary reply)" : ""}: ${job.req.argv.join(" ")}`);
    job.conn.end(job.req.reply === "binary" ? encodeBinaryReply(reply) : JSON.stringify(reply));
    dispatch();
  });
  child.on("exit", (code, signal) => {
    workers.splice(workers.indexOf(w), 1);
    if (!w.ready) {
      // A worker that cannot even start will not be the last: the waiting clients run in-process, the service ends.
      log(`worker exited while starting (${signal ?? code}): exiting`);
      for (const job of queue.splice(0)) job.conn.destroy();
      shutdown();
      return;
    }
    // The client sees the connection close without an answer and runs the request in-process.
    if (w.job) {
      log(`worker died (${signal ?? code}) on: ${w.job.req.argv.join(" ")}`);
      w.job.conn.destroy();
    }
    dispatch();
  });
  workers.push(w);
  return w;
}

function dispatch(): void {
  while (queue.length > 0) {
    const job = queue[0]!;
    if (job.conn.destroyed) {
      queue.shift();
      continue;
    }
    const w = workers.find((x) => x.ready && x.job === undefined && x.child.connected);
    if (!w) {
      // Every worker busy: start another (up to MAX_WORKERS) unless enough are already loading for the waiting
      // requests; whichever worker is free first takes the request.
      const loading = workers.filter((x) => !x.ready).length;
      if (loading < queue.length && workers.length < MAX_WORKERS) newWorker();
      break;
    }
    queue.shift();
    w.job = job;
    const { argv, cwd, env } = job.req;
    w.child.send({ type: "run", id: job.id, argv, cwd, env });
  }
  armIdleTimer();
}

function armIdleTimer(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (queue.length > 0 || workers.some((w) => w.job !== undefined)) return;
  idleTimer = setTimeout(shutdown, IDLE_MS);
  idleTimer.unref();
}

function shutdown(): void {
  log("idle: exiting");
  server.close();
  for (const w of workers) w.child.kill();
  // The workers' IPC channels would keep the event loop alive a little longer; nothing else is pending.
  setTimeout(() => process.exit(0), 100).unref();
}

const server = createServer((conn) => {
  conn.on("error", () => undefined);
  let text = "";
  let started = false;
  conn.setEncoding("utf8");
  conn.on("data", (d: string) => {
    if (started) return;
    text += d;
    const nl = text.indexOf("\n");
    if (nl < 0) return;
    started = true;
    let req: ServiceRequest;
    try {
      req = JSON.parse(text.slice(0, nl)) as ServiceRequest;
      if (!Array.isArray(req.argv) || typeof req.cwd !== "string" || typeof req.env !== "object")
        throw new Error("bad request");
    } catch {
      conn.destroy();
      return;
    }
    queue.push({ id: nextId++, req, conn });
    dispatch();
  });
});

server.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EADDRINUSE") process.exit(1);
  // Another service may own the socket (two clients started one each): leave it to that one. A stale file left by
  // a service that was killed answers nothing: remove it and listen.
  const probe = connect(sock);
  probe.on("connect", () => {
    probe.destroy();
    process.exit(0);
  });
  probe.on("error", () => {
    try {
      unlinkSync(sock);
    } catch {
      // gone already
    }
    server.listen(sock);
  });
});
server.listen(sock, () => {
  try {
    chmodSync(sock, 0o600);
  } catch {
    // the directory is private already
  }
  log(`listening for base ${base}`);
  newWorker();
  armIdleTimer();
});
