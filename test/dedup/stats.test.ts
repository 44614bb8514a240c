/**
 * dedup --stats: the per-pass report adds up, and its counters match what was worked out by hand (from
 * docs/dedup.md) for small constructed inputs.
 */
import { describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import type { Btf } from "../../src/btf/btf.js";
import { infoKind, kindName } from "../../src/btf/kinds.js";
import { dedupBtf, type DedupPass } from "../../src/dedup/dedup.js";
import { dedupWithReport, DedupReportSchema, formatDedupReport } from "../../src/dedup/report.js";
import { BtfAsm } from "../util/btf-asm.js";
import { buildCase, CASES } from "./cases.js";

/** Own types per kind name, counted here from the table's info words (not with the code under test). */
function kindsOf(btf: Btf): Record<string, number> {
  const r: Record<string, number> = {};
  for (let i = 0; i < btf.count; i++) {
    const k = kindName(infoKind(btf.info[i]!));
    r[k] = (r[k] ?? 0) + 1;
  }
  return r;
}

function sumByKind(passes: DedupPass[], field: "merged"): Record<string, number> {
  const r: Record<string, number> = {};
  for (const p of passes) for (const [k, n] of Object.entries(p[field])) r[k] = (r[k] ?? 0) + n;
  return r;
}

const pass = (passes: DedupPass[], name: DedupPass["name"]) => passes.find((p) => p.name === name)!;

describe("dedup statistics add up on every hand-written dedup case", () => {
  for (const c of CASES) {
    if (c.error) continue;
    for (const forceCollisions of [false, true]) {
      it(`${c.name}${forceCollisions ? " [all hashes collide]" : ""}`, () => {
        const { input, expected } = buildCase(c);
        const inKinds = kindsOf(input);
        const res = dedupBtf(input, { collectStats: true, forceCollisions });
        const passes = res.passes!;
        expect(passes.map((p) => p.name)).toEqual([
          ...(c.base ? ["base"] : []),
          "strings",
          "primitives",
          "structs",
          "fwds",
          "references",
          "compaction",
        ]);
        // The first pass sees every input type, the last leaves the expected output's kinds.
        expect(passes[0]!.typesIn).toEqual(inKinds);
        expect(passes[passes.length - 1]!.typesOut).toEqual(kindsOf(expected));
        // Types in = types out + merged, per kind, overall and in each pass; each pass starts where the last ended.
        const merged = sumByKind(passes, "merged");
        for (const k of Object.keys(inKinds))
          expect(inKinds[k], k).toBe((kindsOf(expected)[k] ?? 0) + (merged[k] ?? 0));
        for (let i = 0; i < passes.length; i++) {
          const p = passes[i]!;
          for (const k of Object.keys(p.typesIn))
            expect(p.typesIn[k], `${p.name} ${k}`).toBe((p.typesOut[k] ?? 0) + (p.merged[k] ?? 0));
          if (i > 0) expect(p.typesIn).toEqual(passes[i - 1]!.typesOut);
        }
        // Nothing merges before the primitives pass or in compaction.
        expect(pass(passes, "strings").merged).toEqual({});
        expect(pass(passes, "compaction").merged).toEqual({});
        // Collisions are a subset of the candidates compared; failed walks a subset of the walks.
        for (const p of passes)
          if (p.candidatesCompared !== undefined) expect(p.hashCollisions!).toBeLessThanOrEqual(p.candidatesCompared);
        const s = pass(passes, "structs");
        expect(s.equivalenceFailed!).toBeLessThanOrEqual(s.equivalenceChecks!);
        // The report validates against its schema.
        const { report } = dedupWithReport(buildCase(c).input, { file: c.name, forceCollisions });
        expect(Value.Check(DedupReportSchema, report)).toBe(true);
        expect(report.typesInByKind).toEqual(inKinds);
        expect(report.typesOutByKind).toEqual(kindsOf(expected));
      });
    }
  }
});

describe("dedup statistics: counters on constructed inputs", () => {
  /**
   * CU 1: int, struct t { int a } (8 bytes), t *, struct s { t *p }.  CU 2: long, struct t { long a } (8 bytes),
   * t *, struct s { t *p }. Nothing merges. The two `struct s` are shallow-equal and their members lead to
   * shallow-equal `struct t`s, so the cheap pre-check cannot decide: one graph walk, which fails at int vs long.
   */
  function twoStructs(): Btf {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const t1 = a.struct("t", 8, [["a", int, 0]]);
    a.struct("s", 8, [["p", a.ptr(t1), 0]]);
    const long = a.int("long", 8);
    const t2 = a.struct("t", 8, [["a", long, 0]]);
    a.struct("s", 8, [["p", a.ptr(t2), 0]]);
    return a.btf;
  }

  it("one failed graph walk for two struct s that differ two levels down", () => {
    const passes = dedupBtf(twoStructs(), { collectStats: true }).passes!;
    const s = pass(passes, "structs");
    expect(s.equivalenceChecks).toBe(1);
    expect(s.equivalenceFailed).toBe(1);
    expect(s.merged).toEqual({});
    expect(pass(passes, "compaction").typesOut).toEqual({ INT: 2, PTR: 2, STRUCT: 4 });
  });

  it("with every hash colliding, each candidate of the one chain is counted", () => {
    // Chain contents in pass 3 (all canonical types so far): int, long (pass 2), then each struct as it is added.
    // [t1]: int, long -> 2 compared, 2 collisions.  [s1]: int, long, t1 -> 3, 3.  [t2]: int, long, t1, s1 -> 4
    // compared, t1 shallow-equal but rejected by the pre-check (int vs long), 3 collisions.  [s2]: 5 compared, s1
    // shallow-equal, pre-check undecided (t vs t shallow-equal), walk fails; 4 collisions.
    const passes = dedupBtf(twoStructs(), { collectStats: true, forceCollisions: true }).passes!;
    const s = pass(passes, "structs");
    expect(s.candidatesCompared).toBe(2 + 3 + 4 + 5);
    expect(s.hashCollisions).toBe(2 + 3 + 3 + 4);
    expect(s.precheckRejected).toBe(1);
    expect(s.equivalenceChecks).toBe(1);
    expect(s.equivalenceFailed).toBe(1);
    // Pass 2: int then long; long meets int in the chain and is rejected.
    expect(pass(passes, "primitives").candidatesCompared).toBe(1);
    expect(pass(passes, "primitives").hashCollisions).toBe(1);
  });

  it("two CUs of the same struct: the second merges in the struct pass, its pointer in the reference pass", () => {
    const a = new BtfAsm();
    for (let cu = 0; cu < 2; cu++) {
      const int = a.int("int", 4);
      const s = a.struct("s", 4, [["x", int, 0]]);
      a.ptr(s);
    }
    const passes = dedupBtf(a.btf, { collectStats: true }).passes!;
    expect(pass(passes, "primitives").merged).toEqual({ INT: 1 });
    expect(pass(passes, "structs").merged).toEqual({ STRUCT: 1 });
    expect(pass(passes, "structs").equivalenceChecks).toBe(1);
    expect(pass(passes, "structs").equivalenceFailed).toBe(0);
    expect(pass(passes, "references").merged).toEqual({ PTR: 1 });
    expect(pass(passes, "compaction").typesOut).toEqual({ INT: 1, PTR: 1, STRUCT: 1 });
  });

  it("stand-alone FWDs: resolved, ambiguous, without a definition, struct/union mismatch", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const long = a.int("long", 8);
    a.ptr(a.fwd("one")); // resolved to the one struct one
    a.ptr(a.fwd("two")); // two different struct two: ambiguous
    a.ptr(a.fwd("none")); // no struct none
    a.ptr(a.fwd("three", true)); // union FWD, but three is a struct
    a.struct("one", 4, [["x", int, 0]]);
    a.struct("two", 4, [["x", int, 0]]);
    a.struct("two", 8, [["x", long, 0]]);
    a.struct("three", 4, [["x", int, 0]]);
    const passes = dedupBtf(a.btf, { collectStats: true }).passes!;
    const f = pass(passes, "fwds");
    expect(f.fwdsPending).toBe(4);
    expect(f.fwdsResolved).toBe(1);
    expect(f.fwdsAmbiguous).toBe(1);
    expect(f.fwdsWithoutDefinition).toBe(1);
    expect(f.fwdsKindMismatch).toBe(1);
    expect(f.merged).toEqual({ FWD: 1 });
  });

  it("a FWD met inside a compared graph is resolved by the struct pass, not the FWD pass", () => {
    // CU 1: struct s { struct t *p } with t only declared; CU 2: the same with t defined.
    const a = new BtfAsm();
    a.struct("s", 8, [["p", a.ptr(a.fwd("t")), 0]]);
    const int = a.int("int", 4);
    const t = a.struct("t", 4, [["x", int, 0]]);
    a.struct("s", 8, [["p", a.ptr(t), 0]]);
    const passes = dedupBtf(a.btf, { collectStats: true }).passes!;
    expect(pass(passes, "structs").merged).toEqual({ STRUCT: 1, FWD: 1 });
    expect(pass(passes, "fwds").fwdsPending ?? 0).toBe(0);
    expect(pass(passes, "references").merged).toEqual({ PTR: 1 });
  });

  it("split BTF: types folded into the base, and the kept struct explained against the base's", () => {
    const b = new BtfAsm();
    const bint = b.int("int", 4);
    b.struct("s", 4, [["x", bint, 0]]);
    b.struct("u", 8, [["y", bint, 0]]);
    b.ptr(b.fwd("priv")); // the base only declares struct priv
    const a = new BtfAsm(b.btf);
    const int = a.int("int", 4); // folds into the base's int
    a.struct("s", 4, [["x", int, 0]]); // folds into the base's s
    const long = a.int("long", 8); // new
    const u = a.struct("u", 8, [["y", long, 0]]); // kept: y is long here, int in the base
    a.ptr(u);
    a.struct("priv", 4, [["z", int, 0]]); // new: a base FWD cannot take a definition
    const { btf, report } = dedupWithReport(a.btf, { file: "split", base: "base" });
    expect(Value.Check(DedupReportSchema, report)).toBe(true);
    const split = report.split!;
    expect(split.foldedByKind).toEqual({ INT: 1, STRUCT: 1 });
    expect(split.foldedIntoBase).toBe(2);
    expect(split.keptWithBaseName).toBe(1);
    expect(split.keptNew).toBe(2); // long, struct priv
    expect(split.notFolded).toHaveLength(1);
    const e = split.notFolded[0]!;
    expect(btf.name(e.id)).toBe("u");
    expect(e.baseId).toBe(3);
    expect(e.path).toBe("struct u.y");
    expect(e.difference).toBe("type int vs long");
    expect(formatDedupReport(report)).toContain(`[${e.id}] struct u vs base [3]: struct u.y: type int vs long`);
  });
});
