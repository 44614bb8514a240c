/**
 * btfkit-pahole's native client (native/pahole-client.c): it must take the same command lines to the same service
 * socket as the Node client (service-client.cts), deliver a request with any bytes in its arguments intact, and
 * hand the run to Node whenever the service does not answer properly. Real processes on the distill fixture.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { announceSkip, FIXTURES, REPO_ROOT } from "../util/inputs.js";

type ServiceClient = typeof import("../../src/cli/pahole/service-client.cjs");
// CommonJS, which vitest does not transform: the built one, as bin/btfkit-pahole.cjs loads it.
const client = createRequire(import.meta.url)("../../dist/cli/pahole/service-client.cjs") as ServiceClient;

const BIN = join(REPO_ROOT, "bin/btfkit-pahole");
const NATIVE = join(REPO_ROOT, "dist/native/btfkit-pahole-client");
const built = existsSync(NATIVE)
  ? { value: NATIVE }
  : { missing: "dist/native/btfkit-pahole-client was not built (no C compiler during npm run build)" };
const skip = announceSkip("native btfkit-pahole client", built);
const FLAGS = ["-J", "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func"];

const dir = mkdtempSync(join(tmpdir(), "btfkit-native-client-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runtime = join(dir, "run");
mkdirSync(runtime);
copyFileSync(join(FIXTURES, "distill/mod.o"), join(dir, "mod.o"));
copyFileSync(join(FIXTURES, "distill/base.btf"), join(dir, "base.btf"));
const env: Record<string, string | undefined> = { ...process.env, XDG_RUNTIME_DIR: runtime, BTFKIT_SERVICE_IDLE: "5" };
delete env.BTFKIT_SERVICE;
delete env.BTFKIT_CLIENT_DEBUG;

function run(args: string[], extra: Record<string, string> = {}) {
  return spawnSync(BIN, args, { cwd: dir, encoding: "utf8", env: { ...env, ...extra } });
}

describe.skipIf(skip)("the native btfkit-pahole client", () => {
  it("decides like the Node client: module encodes go to the same socket, everything else to Node", () => {
    client.socketDir(env); // the Node client creates the private directory; the native one only checks it
    const cases: string[][] = [
      ["-J", "--btf_base", "base.btf", "mod.o"],
      ["--btf_base=base.btf", "--btf_encode_detached=x", "mod.o"],
      ["-Jj4", "--btf_base", "base.btf", "mod.o"],
      ["-j2J", "--btf_base", "base.btf", "mod.o"],
      ["-j", "-J", "--btf_base", `${dir}/base.btf`, "mod.o"],
      ["-J", "--btf_base", "base.btf", "--btf_base=mod.o", "mod.o"],
      ["-J", "mod.o"],
      ["--btf_base", "base.btf", "mod.o"],
      ["-J", "--btf_base", "base.btf", "--version"],
      ["-J", "--btf_base", "base.btf", "-V"],
      ["-J", "--btf_base", "base.btf", "--supported_btf_features"],
      ["-J", "--", "--btf_base", "base.btf"],
      ["-J", "--btf_base"],
      ["-J", "--btf_base="],
      ["-J", "--btf_base", "no-such-base", "mod.o"],
      ["--btf_encode", "--btf_base", "base.btf", "mod.o"],
      ["-1J", "--btf_base", "base.btf", "mod.o"],
    ];
    for (const argv of cases) {
      const r = run(argv, { BTFKIT_CLIENT_DEBUG: "1" });
      expect(r.status, argv.join(" ")).toBe(0);
      const base = client.moduleEncodeBase(argv);
      const cwd = process.cwd();
      let want: string | undefined;
      try {
        process.chdir(dir);
        want = base === undefined ? undefined : client.socketPath(base, env);
      } finally {
        process.chdir(cwd);
      }
      const said = r.stderr.trim();
      if (want === undefined) expect(said, argv.join(" ")).toMatch(/^node /);
      else expect(said, argv.join(" ")).toBe(`socket ${want}`);
    }
    // A runtime directory so deep that no socket fits in sun_path: no service for either client (no doomed start).
    const deep = join(runtime, "d".repeat(60));
    mkdirSync(deep);
    const deepEnv = { ...env, XDG_RUNTIME_DIR: deep };
    expect(client.socketPath(join(dir, "base.btf"), deepEnv)).toBeUndefined();
    expect(
      spawnSync(BIN, ["-J", "--btf_base", "base.btf", "mod.o"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...deepEnv, BTFKIT_CLIENT_DEBUG: "1" },
      }).stderr,
    ).toBe("node no socket path\n");
    // The service off: always Node.
    expect(
      run(["-J", "--btf_base", "base.btf", "mod.o"], { BTFKIT_CLIENT_DEBUG: "1", BTFKIT_SERVICE: "0" }).stderr,
    ).toBe("node service off\n");
  });

  it("hands the run to Node when the service closes without an answer or answers garbage", async () => {
    const sock = client.socketPath(join(dir, "base.btf"), env)!;
    expect(sock).toBeDefined();
    const alone = run([...FLAGS, "--btf_base", "base.btf", "--btf_encode_detached=alone.btf", "mod.o"], {
      BTFKIT_SERVICE: "0",
    });
    expect([alone.status, alone.stderr]).toEqual([0, ""]);
    // A "service" that hangs up on every request, then one that answers a frame whose lengths do not add up.
    for (const answer of [undefined, Buffer.from([0, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 65])]) {
      const fake: Server = createServer((c) => {
        c.once("data", () => (answer ? c.end(answer) : c.destroy()));
      });
      rmSync(sock, { force: true });
      await new Promise<void>((resolve) => fake.listen(sock, resolve));
      try {
        const out = `fallback-${answer ? "garbage" : "hangup"}.btf`;
        // Asynchronous: the fake service runs in this process.
        const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = spawn(BIN, [...FLAGS, "--btf_base", "base.btf", `--btf_encode_detached=${out}`, "mod.o"], {
            cwd: dir,
            env: { ...env, BTFKIT_SERVICE_IDLE: "1" },
          });
          let stderr = "";
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          child.on("close", (status) => resolve({ status, stderr }));
        });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(readFileSync(join(dir, out)).equals(readFileSync(join(dir, "alone.btf")))).toBe(true);
      } finally {
        await new Promise<void>((resolve) => fake.close(() => resolve()));
      }
    }
  }, 60_000);

  it("sends arguments and environment with any characters intact, and prints the service's answer", async () => {
    const log = join(dir, "service.log");
    // Idle long enough to outlast a slow first run on a loaded machine; stopped at the end through its logged pid.
    const e = { BTFKIT_SERVICE_LOG: log, BTFKIT_SERVICE_IDLE: "60" };
    const sock = client.socketPath(join(dir, "base.btf"), env)!;
    rmSync(sock, { force: true });
    // The first call finds no service: Node runs it and starts one.
    const first = run([...FLAGS, "--btf_base", "base.btf", "--btf_encode_detached=first.btf", "mod.o"], e);
    expect([first.status, first.stderr]).toEqual([0, ""]);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (let t = 0; t < 300 && !(existsSync(log) && /listening/.test(readFileSync(log, "utf8"))); t++) await sleep(100);
    const pid = Number(/ (\d+) listening for base/.exec(readFileSync(log, "utf8"))?.[1]);
    expect(pid).toBeGreaterThan(0);
    onTestFinished(() => {
      try {
        process.kill(pid);
      } catch {
        // gone already
      }
    });
    const name = 'we"ird\\ name\tü€\n.btf';
    const r = run([...FLAGS, "--btf_base", "base.btf", `--btf_encode_detached=${name}`, "mod.o"], {
      ...e,
      BTFKIT_ODD: 'a"b\\c\nd\u0001é',
    });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(readFileSync(log, "utf8")).toMatch(/served exit 0 \(binary reply\): /);
    expect(readFileSync(join(dir, name)).equals(readFileSync(join(dir, "first.btf")))).toBe(true);
    // What the service prints reaches the caller's stderr, with its exit code.
    const missing = run([...FLAGS, "--btf_base", "base.btf", "--btf_encode_detached=x.btf", "no-such.o"], e);
    const missingAlone = run([...FLAGS, "--btf_base", "base.btf", "--btf_encode_detached=x.btf", "no-such.o"], {
      BTFKIT_SERVICE: "0",
    });
    expect(missing.status).not.toBe(0);
    expect([missing.status, missing.stderr]).toEqual([missingAlone.status, missingAlone.stderr]);
    expect(readFileSync(log, "utf8")).toMatch(/served exit [1-9]\d* \(binary reply\): .*no-such\.o/);
  }, 60_000);
});
