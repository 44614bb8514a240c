/**
 * btfkit-pahole's encode service: a module encode (--btf_base) hands its command line to a long-lived process for
 * that base, which prints and writes exactly what the in-process run would. Runs real processes on the distill
 * fixture (a module and its base), in a private runtime directory, with a short idle time.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";

// The client is CommonJS (it starts in every btfkit-pahole process), which vitest does not transform: the test reads
// the built one, as bin/btfkit-pahole.cjs does (npm test builds first).
const { moduleEncodeBase } = createRequire(import.meta.url)(
  "../../dist/cli/pahole/service-client.cjs",
) as typeof import("../../src/cli/pahole/service-client.cjs");
import { FIXTURES } from "../util/inputs.js";

// The Node entry, which the native client (pahole-native-client.test.ts) hands everything but served requests to.
const BIN = join(import.meta.dirname, "../../bin/btfkit-pahole.cjs");
const FLAGS = ["-J", "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func"];

describe("moduleEncodeBase", () => {
  it("finds the base of module encodes only", () => {
    expect(moduleEncodeBase(["-J", "--btf_base", "vmlinux", "m.ko"])).toBe("vmlinux");
    expect(moduleEncodeBase(["--btf_base=vm", "--btf_encode_detached=x", "m.ko"])).toBe("vm");
    expect(moduleEncodeBase(["-Jj4", "--btf_base", "vm", "m.ko"])).toBe("vm");
    expect(moduleEncodeBase(["-J", "vmlinux"])).toBeUndefined(); // vmlinux: no base
    expect(moduleEncodeBase(["--btf_base", "vm", "m.ko"])).toBeUndefined(); // not an encode
    expect(moduleEncodeBase(["-J", "--btf_base", "vm", "--version"])).toBeUndefined();
    expect(moduleEncodeBase(["-J", "--", "--btf_base", "vm"])).toBeUndefined();
  });
});

describe("the encode service", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (what()) return true;
    return what();
  }

  it("serves module encodes byte-identical to the in-process run, from the caller's directory, then idles out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-service-"));
    const runtime = join(dir, "run");
    mkdirSync(runtime);
    const log = join(dir, "service.log");
    copyFileSync(join(FIXTURES, "distill/mod.o"), join(dir, "mod.o"));
    copyFileSync(join(FIXTURES, "distill/base.btf"), join(dir, "base.btf"));
    const env: Record<string, string | undefined> = {
      ...process.env,
      XDG_RUNTIME_DIR: runtime,
      BTFKIT_SERVICE_LOG: log,
      BTFKIT_SERVICE_IDLE: "4",
    };
    delete env.BTFKIT_SERVICE;
    // Relative paths: the service must run the request in this directory.
    const run = (out: string, extra: Record<string, string> = {}, file = "mod.o") =>
      spawnSync(process.execPath, [BIN, ...FLAGS, "--btf_base", "base.btf", `--btf_encode_detached=${out}`, file], {
        cwd: dir,
        encoding: "utf8",
        env: { ...env, ...extra },
      });
    const logText = () => (existsSync(log) ? readFileSync(log, "utf8") : "");

    const first = run("first.btf"); // no service yet: runs here, starts one
    expect([first.status, first.stderr]).toEqual([0, ""]);
    expect(await waitFor(() => /listening for base/.test(logText()), 15_000)).toBe(true);
    const served = run("served.btf");
    expect([served.status, served.stderr]).toEqual([0, ""]);
    expect(logText()).toMatch(/served exit 0: .*--btf_encode_detached=served\.btf mod\.o/);
    const alone = run("alone.btf", { BTFKIT_SERVICE: "0" });
    expect(alone.status).toBe(0);
    const bytes = readFileSync(join(dir, "alone.btf"));
    expect(readFileSync(join(dir, "first.btf")).equals(bytes)).toBe(true);
    expect(readFileSync(join(dir, "served.btf")).equals(bytes)).toBe(true);

    // A failure reads the same through the service as in-process: message and exit code.
    const missingServed = run("x.btf", {}, "no-such.o");
    const missingAlone = run("x.btf", { BTFKIT_SERVICE: "0" }, "no-such.o");
    expect(missingServed.status).toBe(missingAlone.status);
    expect(missingServed.stderr).toBe(missingAlone.stderr);
    expect(missingServed.status).not.toBe(0);
    expect(logText()).toMatch(/served exit [1-9]\d*: .*no-such\.o/);

    // The socket lives in a directory only this user can enter, and goes away when the service idles out.
    const sockDir = readdirSync(runtime).find((d) => d.startsWith("btfkit-"))!;
    expect(readdirSync(join(runtime, sockDir)).filter((f) => f.endsWith(".sock"))).toHaveLength(1);
    expect(await waitFor(() => readdirSync(join(runtime, sockDir)).length === 0, 15_000)).toBe(true);
    expect(logText()).toMatch(/idle: exiting/);
  }, 60_000);
});
