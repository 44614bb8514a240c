/**
 * The "studying dedup" commands through the real executable (built by `npm test` before vitest starts):
 * `dedup --stats [--json]` and `explain-dup`, on hand-written BTF files.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { writeBtf } from "../../src/btf/write.js";
import { DedupReportSchema, type DedupReport } from "../../src/dedup/report.js";
import { ExplainDupSchema } from "../../src/dedup/explain.js";
import { BtfAsm } from "../util/btf-asm.js";
import { REPO_ROOT } from "../util/inputs.js";

/** Run the real executable (importing cli.test.ts's helper would run its tests again here). */
function btfkit(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/btfkit"), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "btfkit-dedup-study-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two CUs: the same struct s (merges) and two different struct foo (foo.bar -> baz.x is int in one, long in the other). */
function twoCus(): string {
  const a = new BtfAsm();
  for (const xType of ["int", "long"]) {
    const int = a.int("int", 4);
    const x = xType === "int" ? int : a.int("long", 8);
    a.struct("s", 4, [["v", int, 0]]);
    const baz = a.struct("baz", 8, [["x", x, 0]]);
    a.struct("foo", 8, [["bar", a.ptr(baz), 0]]);
  }
  const path = join(tmp, "two-cus.btf");
  writeFileSync(path, writeBtf(a.btf));
  return path;
}

describe("btfkit dedup --stats", () => {
  it("--json: a DedupReportSchema report whose counts add up, no output file needed", () => {
    const file = twoCus();
    const r = btfkit(["dedup", file, "--stats", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DedupReport;
    expect(Value.Check(DedupReportSchema, report)).toBe(true);
    // In: 2 int, 1 long, 6 structs, 2 pointers. Merged: one int, struct s. baz and foo differ (int vs long), stay.
    expect(report.typesInByKind).toEqual({ INT: 3, PTR: 2, STRUCT: 6 });
    expect(report.mergedByKind).toEqual({ INT: 1, STRUCT: 1 });
    expect(report.typesOutByKind).toEqual({ INT: 2, PTR: 2, STRUCT: 5 });
    expect(report.passes.find((p) => p.name === "structs")!.merged).toEqual({ STRUCT: 1 });
  });

  it("text: a pass table and a kind table; with -o the output is also written", () => {
    const file = twoCus();
    const out = join(tmp, "out.btf");
    const r = btfkit(["dedup", file, "--stats", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^struct\/union\/typedef graphs\s+[\d.]+\s+[\d.]+\s+STRUCT 1$/m);
    expect(r.stdout).toMatch(/^STRUCT\s+6\s+5\s+1$/m);
    expect(existsSync(out)).toBe(true);
  });

  it("without --stats, -o is still required (usage error, exit 2)", () => {
    const r = btfkit(["dedup", twoCus()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--output must name a file");
  });

  it("--base: the split types that folded and why the kept one did not", () => {
    const b = new BtfAsm();
    const bint = b.int("int", 4);
    b.struct("baz", 8, [["x", bint, 0]]);
    const base = join(tmp, "base.btf");
    writeFileSync(base, writeBtf(b.btf));
    const a = new BtfAsm(b.btf);
    const long = a.int("long", 8);
    a.struct("baz", 8, [["x", long, 0]]);
    a.int("int", 4);
    const mod = join(tmp, "mod.btf");
    writeFileSync(mod, writeBtf(a.btf));
    const r = btfkit(["dedup", mod, "--base", base, "--stats"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("split: 1 types folded into the base (INT 1)");
    expect(r.stdout).toContain(
      "1 named types kept although the base has a type of that name; 1 named types new to the split BTF",
    );
    expect(r.stdout).toMatch(/\[\d+\] struct baz vs base \[2\]: struct baz\.x: type int vs long/);
  });
});

describe("btfkit explain-dup", () => {
  it("names the member where two struct foo differ", () => {
    const r = btfkit(["explain-dup", twoCus(), "struct foo"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^struct foo: 2 definitions in .*two-cus\.btf, 2 shapes$/m);
    expect(r.stdout).toMatch(/^\[\d+\] vs \[\d+\]: struct foo\.bar -> struct baz\.x: type int vs long$/m);
  });

  it("--json matches ExplainDupSchema", () => {
    const r = btfkit(["explain-dup", twoCus(), "foo", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as unknown;
    expect(Value.Check(ExplainDupSchema, report)).toBe(true);
  });

  it("a name with no definition is one line naming the file, exit 1", () => {
    const file = twoCus();
    const r = btfkit(["explain-dup", file, "struct nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`btfkit: ${file}: no definition of struct nope\n`);
  });
});
