import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BTF_FIXTURES, REPO_ROOT } from "../util/inputs.js";

/** Run the real executable (built by `npm test` before vitest starts). */
export function btfkit(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/btfkit"), ...args], { encoding: "utf8", input, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sample = join(BTF_FIXTURES, "sample.btf");

describe("btfkit CLI", () => {
  it("dump prints bpftool's raw text", () => {
    const r = btfkit(["dump", sample]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(BTF_FIXTURES, "sample.bpftool-raw.txt"), "utf8"));
  });

  it("a missing file is one line naming it, exit 1", () => {
    const r = btfkit(["dump", "/nonexistent/x.btf"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("btfkit: /nonexistent/x.btf: cannot read: no such file\n");
  });

  it("a truncated file names file, section and offset, exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-"));
    const bad = join(dir, "trunc.btf");
    writeFileSync(bad, readFileSync(sample).subarray(0, 100));
    const r = btfkit(["dump", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^btfkit: ${bad}: BTF\\+0x[0-9a-f]+: `));
  });

  it("an unknown option or format is a usage error, exit 2", () => {
    const r1 = btfkit(["dump", sample, "--no-such-flag"]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/Unknown argument/);
    const r2 = btfkit(["dump", sample, "--format", "yaml"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/Invalid values/);
    const r3 = btfkit([]);
    expect(r3.code).toBe(2);
  });

  it("--help explains every command", () => {
    const r = btfkit(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/btfkit dump <file>/);
  });

  it("does not leave temporary files next to outputs", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-"));
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});

describe("command index", () => {
  it("lists each command with the signature and description of its module", async () => {
    const { commandIndex } = await import("../../src/cli/commands.js");
    for (const entry of commandIndex) {
      const mod = await entry.load();
      expect(mod.command, entry.command).toBe(entry.command);
      expect(mod.describe, entry.command).toBe(entry.describe);
    }
  });
});
