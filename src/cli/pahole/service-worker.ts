/**
 * A worker process of btfkit-pahole's encode service (service-server.ts): runs one `paholeMain` at a time in the
 * client's working directory and environment, with what it prints captured for the client, and keeps the base BTF
 * loaded between requests (main.ts keepBasesLoaded), which is what a fresh process would spend most of its time on.
 */
import { keepBasesLoaded, paholeMain, preloadBase } from "./main.js";

interface RunMessage {
  type: "run";
  id: number;
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}
type Message = RunMessage | { type: "preload"; base: string };

keepBasesLoaded();

async function run(m: RunMessage): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stdout.write;
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  let exitCode: number;
  try {
    process.chdir(m.cwd);
    process.stdout.write = capture(out);
    process.stderr.write = capture(err);
    exitCode = await paholeMain(m.argv, m.env);
  } catch (e) {
    err.push(`btfkit-pahole: internal error: ${(e as Error).message.split("\n")[0]}\n`);
    exitCode = 1;
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  return { exitCode, stdout: out.join(""), stderr: err.join("") };
}

process.on("message", (m: Message) => {
  if (m.type === "preload") {
    preloadBase(m.base);
    // The server sends requests only to ready workers: one still loading would hold a request another could serve.
    process.send?.({ type: "ready" });
    return;
  }
  void run(m).then((r) => process.send?.({ id: m.id, ...r }));
});
process.on("disconnect", () => process.exit(0));
