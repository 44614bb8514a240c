/**
 * `btfkit bench dedup` through the real executable (built by `npm test` before vitest starts): figures for each
 * input, the libbpf helper built into the cache directory on first use, byte identity with libbpf's output, and a
 * clear message when the helper cannot be built.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { BenchDedupSchema, type BenchDedupReport } from "../../src/cli/bench.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { BTF_FIXTURES, REPO_ROOT } from "../util/inputs.js";

const tmp = mkdtempSync(join(tmpdir(), "btfkit-bench-dedup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sample = join(BTF_FIXTURES, "sample.btf");
const hasLibbpf = existsSync("/usr/include/bpf/btf.h");

function btfkit(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/btfkit"), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("btfkit bench dedup", () => {
  it("reports first and warm figures and peak RSS; with libbpf installed, builds the helper into $XDG_CACHE_HOME/btfkit and finds the outputs byte-identical", (ctx) => {
    const cache = join(tmp, "cache");
    const r = btfkit(["bench", "dedup", sample, "--runs", "3", "--rounds", "2", "--json"], { XDG_CACHE_HOME: cache });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as BenchDedupReport;
    expect(Value.Check(BenchDedupSchema, report)).toBe(true);
    const e = report.inputs[0]!;
    expect(e.typesIn).toBe(loadBtf(sample).count);
    expect(e.btfkit.peakRssKb).toBeGreaterThan(1024);
    expect(e.btfkit.warmMinMs).toBeLessThanOrEqual(e.btfkit.warmMedianMs);
    if (!hasLibbpf) {
      expect(report.libbpfMissing).toContain("libbpf-dev");
      ctx.skip("SKIP: libbpf comparison: /usr/include/bpf/btf.h not found (apt-get install libbpf-dev)");
      return;
    }
    expect(readdirSync(join(cache, "btfkit")).filter((f) => /^libbpf-dedup-[0-9a-f]{12}$/.test(f))).toHaveLength(1);
    expect(report.libbpf).toMatch(/^v\d+\.\d+/);
    expect(e.libbpf!.typesOut).toBe(e.btfkit.typesOut);
    expect(e.byteIdentical).toBe(true);
  });

  it("split input on --base: the same bytes as libbpf's btf__dedup of the split part", (ctx) => {
    if (!hasLibbpf) return ctx.skip("SKIP: libbpf comparison: /usr/include/bpf/btf.h not found");
    const r = btfkit(
      [
        "bench",
        "dedup",
        join(BTF_FIXTURES, "module.btf"),
        "--base",
        sample,
        "--runs",
        "2",
        "--rounds",
        "1",
        "--against",
        "libbpf",
      ],
      {
        XDG_CACHE_HOME: join(tmp, "cache"),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("(base ");
    expect(r.stdout).toMatch(/outputs byte-identical/);
  });

  it("says why libbpf is not compared when the helper cannot be built; --against libbpf then fails in one line", () => {
    const notADir = join(tmp, "not-a-dir");
    writeFileSync(notADir, "");
    const auto = btfkit(["bench", "dedup", sample, "--runs", "2", "--rounds", "1"], { XDG_CACHE_HOME: notADir });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toContain(`libbpf: not compared: cannot create the cache directory ${notADir}/btfkit`);
    const forced = btfkit(["bench", "dedup", sample, "--runs", "2", "--rounds", "1", "--against", "libbpf"], {
      XDG_CACHE_HOME: notADir,
    });
    expect(forced.code).toBe(1);
    expect(forced.stderr.trim().split("\n")).toHaveLength(1);
    expect(forced.stderr).toMatch(/^btfkit: bench dedup --against libbpf: cannot create the cache directory /);
  });

  it("--runs below 2 is a usage error (exit 2)", () => {
    const r = btfkit(["bench", "dedup", sample, "--runs", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--runs must be a whole number >= 2");
  });
});
