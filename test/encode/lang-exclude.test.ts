import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES, REPO_ROOT } from "../util/inputs.js";

const tmp = mkdtempSync(join(tmpdir(), "btfkit-langx-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function encode(args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, "bin/btfkit"), "encode", ...args], { encoding: "utf8" });
}

describe("encode --lang-exclude", () => {
  it("fails with one line and no output file when every compile unit is excluded", () => {
    const out = join(tmp, "rust-only.btf");
    const r = encode([join(FIXTURES, "rust/rustfix.o"), "--lang-exclude", "rust", "-o", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^btfkit: .*rustfix\.o: every compile unit was excluded by --lang-exclude=rust \(1 skipped\); nothing to encode\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("keeps the C units of a mixed object and drops the Rust one", () => {
    const out = join(tmp, "mixed-c.btf");
    const r = encode([join(FIXTURES, "rust/mixed.o"), "--lang-exclude", "rust", "-o", out, "--json"]);
    expect(r.status).toBe(0);
    const stats = JSON.parse(r.stdout) as { cus: number; cusSkipped: number };
    expect(stats.cus).toBe(1);
    expect(stats.cusSkipped).toBe(1);
    expect(existsSync(out)).toBe(true);
  });
});
