import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";
import { BtfDiffSchema, diffBtf, type BtfDiff } from "../../src/diff/diff-btf.js";
import { CanonicalForms } from "../../src/diff/canonical.js";
import { Value } from "@sinclair/typebox/value";
import { buildSample, type SampleChanges } from "./sample.js";
import { permuteBtf } from "./permute.js";

type Counts = { inA: number; inB: number; matched: number; onlyInA: number; onlyInB: number; changed: number };

/** Roots of the unchanged sample per kind, counted by hand from the C in sample.ts. */
const SAMPLE_ROOTS: Record<string, number> = { STRUCT: 2, ENUM: 1, TYPEDEF: 1, INT: 4, FUNC: 1, VAR: 3, DATASEC: 1 };

function counts(d: BtfDiff): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const r of d.kinds)
    out[r.kind] = {
      inA: r.inA,
      inB: r.inB,
      matched: r.matched,
      onlyInA: r.onlyInA,
      onlyInB: r.onlyInB,
      changed: r.changed,
    };
  return out;
}

/** The counts expected when A is the sample and B differs from it only in `kind` as given. */
function expectedCounts(kind: string, delta: Partial<Counts>): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const [k, n] of Object.entries(SAMPLE_ROOTS))
    out[k] = { inA: n, inB: n, matched: n, onlyInA: 0, onlyInB: 0, changed: 0 };
  out[kind] = { ...out[kind]!, ...delta };
  return out;
}

function diffAgainst(changes: SampleChanges, seed = 7): BtfDiff {
  const d = diffBtf(buildSample(), permuteBtf(buildSample(changes), seed));
  expect(Value.Check(BtfDiffSchema, d)).toBe(true);
  return d;
}

describe("diffBtf on hand-built pairs", () => {
  it("finds a BTF equal to itself with ids and string offsets permuted", () => {
    for (const seed of [1, 2, 3]) {
      const b = permuteBtf(buildSample(), seed);
      const d = diffBtf(buildSample(), b);
      expect(d.equal).toBe(true);
      expect(counts(d)).toEqual(expectedCounts("STRUCT", {}));
      expect(d.total).toEqual({ inA: 13, inB: 13, matched: 13, onlyInA: 0, onlyInB: 0, changed: 0 });
    }
  });

  it("reports a changed member type as one changed struct, naming the member", () => {
    const d = diffAgainst({ memberType: true });
    expect(d.equal).toBe(false);
    expect(counts(d)).toEqual(expectedCounts("STRUCT", { matched: 1, changed: 1 }));
    const ex = d.kinds.find((r) => r.kind === "STRUCT")!.examples.changed;
    expect(ex).toHaveLength(1);
    expect(ex[0]!.key).toBe("struct foo");
    expect(ex[0]!.difference).toBe("member `x`: int 'int' @32 vs int 'long int' @32");
  });

  it("reports an added member and the size change it brings", () => {
    const d = diffAgainst({ memberAdded: true });
    expect(counts(d)).toEqual(expectedCounts("STRUCT", { matched: 1, changed: 1 }));
    const ex = d.kinds.find((r) => r.kind === "STRUCT")!.examples.changed[0]!;
    expect(ex.key).toBe("struct foo");
    expect(ex.difference).toBe("member `y` only in B; size=8 vs size=12");
  });

  it("reports a changed enumerator value", () => {
    const d = diffAgainst({ enumValue: true });
    expect(counts(d)).toEqual(expectedCounts("ENUM", { matched: 0, changed: 1 }));
    const ex = d.kinds.find((r) => r.kind === "ENUM")!.examples.changed[0]!;
    expect(ex).toMatchObject({ key: "enum e", difference: "value `B`: = 2 vs = 3" });
  });

  it("reports a changed function prototype on the FUNC", () => {
    const d = diffAgainst({ funcProto: true });
    expect(counts(d)).toEqual(expectedCounts("FUNC", { matched: 0, changed: 1 }));
    const ex = d.kinds.find((r) => r.kind === "FUNC")!.examples.changed[0]!;
    expect(ex).toMatchObject({ key: "func f", difference: "param `a`: int 'int' vs int 'long int'" });
  });

  it("reports a removed VAR as only in A, with its form", () => {
    const d = diffAgainst({ varRemoved: true });
    expect(counts(d)).toEqual(expectedCounts("VAR", { inB: 2, matched: 2, onlyInA: 1 }));
    const row = d.kinds.find((r) => r.kind === "VAR")!;
    expect(row.examples.onlyInA).toEqual([
      { key: "var w", idA: 14, form: "var w linkage=static {type int 'long int'}" },
    ]);
    expect(row.examples.onlyInB).toEqual([]);
    // And the other way round.
    const back = diffBtf(buildSample({ varRemoved: true }), buildSample());
    expect(counts(back).VAR).toEqual({ inA: 2, inB: 3, matched: 2, onlyInA: 0, onlyInB: 1, changed: 0 });
  });

  it("follows a change inside an anonymous union to the member path", () => {
    const d = diffAgainst({ nestedUnion: true });
    expect(counts(d)).toEqual(expectedCounts("STRUCT", { matched: 1, changed: 1 }));
    const ex = d.kinds.find((r) => r.kind === "STRUCT")!.examples.changed[0]!;
    expect(ex).toMatchObject({
      key: "struct bar",
      difference: "member `(anon 1).u2`: int 'long int' @0 vs *struct foo @0",
    });
  });

  it("limits examples to --examples per category", () => {
    const a = buildSample();
    const b = buildSample({ varRemoved: true });
    expect(diffBtf(a, b, { examples: 0 }).kinds.find((r) => r.kind === "VAR")!.examples.onlyInA).toEqual([]);
    expect(() => diffBtf(a, b, { examples: -1 })).toThrow(/non-negative integer/);
  });
});

/** A BTF with the given structs `name { member: int|long @offset }` after int and long int. */
function structs(list: [string, "int" | "long", number][][], names: string[]): Btf {
  const btf = new Btf();
  const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
  const long = btf.addNamed("long int", BTF_KIND.INT, 0, false, 8, [makeIntWord(BTF_INT_SIGNED, 0, 64)]);
  list.forEach((members, k) => {
    const ex: number[] = [];
    for (const [m, t, off] of members) ex.push(btf.strings.intern(m), t === "int" ? int : long, off);
    btf.addNamed(names[k]!, BTF_KIND.STRUCT, members.length, false, 8, ex);
  });
  return btf;
}

describe("diffBtf matching rules", () => {
  it("matches several types of the same name as multisets", () => {
    const s1: [string, "int" | "long", number][] = [["a", "int", 0]];
    const s2: [string, "int" | "long", number][] = [["b", "long", 0]];
    expect(diffBtf(structs([s1, s2], ["foo", "foo"]), structs([s2, s1], ["foo", "foo"])).equal).toBe(true);

    const d = diffBtf(structs([s1, s2], ["foo", "foo"]), structs([s2], ["foo"]));
    expect(counts(d).STRUCT).toEqual({ inA: 2, inB: 1, matched: 1, onlyInA: 1, onlyInB: 0, changed: 0 });
    expect(d.kinds[0]!.examples.onlyInA).toEqual([
      { key: "struct foo", idA: 3, form: "struct foo size=8 {a int 'int' @0}" },
    ]);

    // One left on each side under the same key: a change, not an addition plus a removal.
    const s3: [string, "int" | "long", number][] = [["c", "int", 0]];
    const c = diffBtf(structs([s1, s2], ["foo", "foo"]), structs([s2, s3], ["foo", "foo"]));
    expect(counts(c).STRUCT).toEqual({ inA: 2, inB: 2, matched: 1, onlyInA: 0, onlyInB: 0, changed: 1 });
    expect(c.kinds[0]!.examples.changed[0]).toEqual({
      key: "struct foo",
      idA: 3,
      idB: 4,
      difference: "member `a` only in A",
    });
  });

  it("treats a reference to a FWD like a reference to the struct, but counts the FWD", () => {
    const make = (viaFwd: boolean): Btf => {
      const btf = new Btf();
      const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
      const target = viaFwd ? btf.addNamed("node", BTF_KIND.FWD, 0, false, 0) : 0;
      const ptr = btf.addNamed("", BTF_KIND.PTR, 0, false, target);
      const node = btf.addNamed("node", BTF_KIND.STRUCT, 2, false, 16, [
        btf.strings.intern("next"),
        ptr,
        0,
        btf.strings.intern("v"),
        int,
        64,
      ]);
      if (!viaFwd) btf.sizeType[ptr - 1] = node;
      return btf;
    };
    const d = diffBtf(make(true), make(false));
    expect(counts(d)).toEqual({
      STRUCT: { inA: 1, inB: 1, matched: 1, onlyInA: 0, onlyInB: 0, changed: 0 },
      FWD: { inA: 1, inB: 0, matched: 0, onlyInA: 1, onlyInB: 0, changed: 0 },
      INT: { inA: 1, inB: 1, matched: 1, onlyInA: 0, onlyInB: 0, changed: 0 },
    });
    expect(d.kinds.find((r) => r.kind === "FWD")!.examples.onlyInA[0]!.key).toBe("fwd struct node");
  });

  it("compares old-style (INT-encoded) and kind_flag bitfields by meaning", () => {
    const make = (kflag: boolean): Btf => {
      const btf = new Btf();
      const uint = btf.addNamed("unsigned int", BTF_KIND.INT, 0, false, 4, [makeIntWord(0, 0, 32)]);
      // Old style: the member's type is an INT of 3 bits at bit offset 0; the member offset is the bit offset.
      const member = kflag ? uint : btf.addNamed("unsigned int", BTF_KIND.INT, 0, false, 4, [makeIntWord(0, 0, 3)]);
      const offWord = kflag ? ((3 << 24) | 5) >>> 0 : 5;
      btf.addNamed("flags", BTF_KIND.STRUCT, 1, kflag, 4, [btf.strings.intern("f"), member, offWord]);
      return btf;
    };
    const d = diffBtf(make(false), make(true));
    expect(counts(d).STRUCT).toEqual({ inA: 1, inB: 1, matched: 1, onlyInA: 0, onlyInB: 0, changed: 0 });
    // The 3-bit INT itself has no counterpart.
    expect(counts(d).INT).toEqual({ inA: 2, inB: 1, matched: 1, onlyInA: 1, onlyInB: 0, changed: 0 });
    expect(new CanonicalForms(make(true)).rootForm(2)).toBe("struct flags size=4 {f int 'unsigned int' @5:3}");
  });

  it("renders 64-bit enumerators exactly and tells signed from unsigned", () => {
    const make = (signed: boolean): Btf => {
      const btf = new Btf();
      btf.addNamed("big", BTF_KIND.ENUM64, 1, signed, 8, [btf.strings.intern("ALL"), 0xffffffff, 0xffffffff]);
      return btf;
    };
    expect(new CanonicalForms(make(false)).rootForm(1)).toBe("enum64 big size=8 unsigned {ALL = 18446744073709551615}");
    const d = diffBtf(make(true), make(false));
    expect(d.kinds[0]!.examples.changed[0]!.difference).toBe(
      "value `ALL`: = -1 vs = 18446744073709551615; signed vs unsigned",
    );
  });

  it("keys DECL_TAGs by tag, target and component", () => {
    const make = (component: number): Btf => {
      const btf = buildSample();
      btf.addNamed("user", BTF_KIND.DECL_TAG, 0, false, 4 /* struct foo */, [component]);
      return btf;
    };
    expect(new CanonicalForms(make(1)).rootKey(buildSample().endId)).toBe("decl_tag user on struct foo #1(x)");
    expect(diffBtf(make(1), permuteBtf(make(1), 5)).equal).toBe(true);
    const d = diffBtf(make(1), make(0));
    expect(counts(d).DECL_TAG).toEqual({ inA: 1, inB: 1, matched: 0, onlyInA: 1, onlyInB: 1, changed: 0 });
  });

  it("follows differences through typedefs, pointers and arrays of anonymous aggregates", () => {
    // typedef struct { int m; } t;  struct holder { union { int k; } *p[2]; };
    const make = (changed: boolean): Btf => {
      const btf = new Btf();
      const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
      const long = btf.addNamed("long int", BTF_KIND.INT, 0, false, 8, [makeIntWord(BTF_INT_SIGNED, 0, 64)]);
      const anonStruct = btf.addNamed("", BTF_KIND.STRUCT, 1, false, 8, [
        btf.strings.intern("m"),
        changed ? long : int,
        0,
      ]);
      btf.addNamed("t", BTF_KIND.TYPEDEF, 0, false, anonStruct);
      const anonAggregate = changed
        ? btf.addNamed("", BTF_KIND.STRUCT, 1, false, 4, [btf.strings.intern("k"), int, 0])
        : btf.addNamed("", BTF_KIND.UNION, 1, false, 4, [btf.strings.intern("k"), int, 0]);
      const ptr = btf.addNamed("", BTF_KIND.PTR, 0, false, anonAggregate);
      const arr = btf.addNamed("", BTF_KIND.ARRAY, 0, false, 0, [ptr, int, 2]);
      btf.addNamed("holder", BTF_KIND.STRUCT, 1, false, 16, [btf.strings.intern("p"), arr, 0]);
      return btf;
    };
    const d = diffBtf(make(false), permuteBtf(make(true), 8));
    expect(counts(d).TYPEDEF).toEqual({ inA: 1, inB: 1, matched: 0, onlyInA: 0, onlyInB: 0, changed: 1 });
    expect(d.kinds.find((r) => r.kind === "TYPEDEF")!.examples.changed[0]!.difference).toBe(
      "member `m`: int 'int' @0 vs int 'long int' @0",
    );
    expect(d.kinds.find((r) => r.kind === "STRUCT")!.examples.changed[0]!.difference).toBe(
      "member `p`: [2]*union size=4 {k int 'int' @0} @0 vs [2]*struct size=4 {k int 'int' @0} @0",
    );
  });

  it("survives reference loops through anonymous types", () => {
    const btf = new Btf();
    // PTR 1 -> PTR 2 -> PTR 1: impossible in C, harmless to the diff.
    btf.addNamed("", BTF_KIND.PTR, 0, false, 2);
    btf.addNamed("", BTF_KIND.PTR, 0, false, 1);
    btf.addNamed("loopy", BTF_KIND.TYPEDEF, 0, false, 1);
    btf.addNamed("dangling", BTF_KIND.TYPEDEF, 0, false, 99);
    const c = new CanonicalForms(btf);
    expect(c.rootForm(3)).toBe("typedef loopy {type **<loop>}");
    expect(c.rootForm(4)).toBe("typedef dangling {type <bad id 99>}");
    expect(diffBtf(btf, permuteBtf(btf, 3)).equal).toBe(true);
  });
});
