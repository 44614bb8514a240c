/**
 * The divergence finder (compareGraphs) and explain-dup's grouping on constructed inputs: each case differs in one
 * known place, and the finder must name that member and difference.
 */
import { describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { compareGraphs, formatDivergence } from "../../src/dedup/divergence.js";
import { explainDuplicates, ExplainDupSchema, findDefinitions, formatExplainDup } from "../../src/dedup/explain.js";
import { BtfkitError } from "../../src/common/errors.js";
import { dedupWithReport } from "../../src/dedup/report.js";
import { BtfAsm } from "../util/btf-asm.js";

describe("compareGraphs", () => {
  it("names the member path through a pointer: struct foo.bar -> struct baz.x: type int vs long", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const long = a.int("long", 8);
    const baz1 = a.struct("baz", 8, [
      ["w", int, 0],
      ["x", int, 32],
    ]);
    const foo1 = a.struct("foo", 16, [
      ["a", int, 0],
      ["bar", a.ptr(baz1), 64],
    ]);
    const baz2 = a.struct("baz", 8, [
      ["w", int, 0],
      ["x", long, 32],
    ]);
    const foo2 = a.struct("foo", 16, [
      ["a", int, 0],
      ["bar", a.ptr(baz2), 64],
    ]);
    const d = compareGraphs(a.btf, foo1, foo2).divergence!;
    expect(d.path).toBe("struct foo.bar -> struct baz.x");
    expect(d.difference).toBe("type int vs long");
    expect(d.ids).toEqual([int, long]);
  });

  it("reports the first difference in member order, not a later one", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const uint = a.int("unsigned int", 4, "unsigned");
    const char = a.int("char", 1, "char");
    const s1 = a.struct("s", 12, [
      ["p", int, 0],
      ["q", int, 32],
      ["r", int, 64],
    ]);
    const s2 = a.struct("s", 12, [
      ["p", int, 0],
      ["q", uint, 32],
      ["r", char, 64],
    ]);
    expect(compareGraphs(a.btf, s1, s2).divergence).toMatchObject({
      path: "struct s.q",
      difference: "type int vs unsigned int",
    });
  });

  it("sizes, member names, offsets, member counts, array lengths, enumerators, parameters", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const cmp = (x: number, y: number) => compareGraphs(a.btf, x, y).divergence;
    expect(cmp(a.struct("s", 4, [["x", int, 0]]), a.struct("s", 8, [["x", int, 0]]))).toMatchObject({
      path: "struct s",
      difference: "size 4 vs 8",
    });
    expect(cmp(a.struct("m", 4, [["x", int, 0]]), a.struct("m", 4, [["y", int, 0]]))).toMatchObject({
      path: "struct m",
      difference: "member 0 is x vs y",
    });
    expect(cmp(a.struct("o", 8, [["x", int, 0]]), a.struct("o", 8, [["x", int, 32]]))).toMatchObject({
      difference: ".x: bit offset 0 vs 32",
    });
    expect(
      cmp(
        a.struct("c", 8, [["x", int, 0]]),
        a.struct("c", 8, [
          ["x", int, 0],
          ["y", int, 32],
        ]),
      ),
    ).toMatchObject({
      difference: "1 members vs 2 (.y only in the second)",
    });
    const arr1 = a.struct("a", 16, [["v", a.array(int, int, 4), 0]]);
    const arr2 = a.struct("a", 16, [["v", a.array(int, int, 2), 0]]);
    expect(cmp(arr1, arr2)).toMatchObject({ path: "struct a.v", difference: "array length 4 vs 2" });
    const e1 = a.struct("e", 4, [
      [
        "k",
        a.enum("kind", 4, [
          ["A", 0],
          ["B", 1],
        ]),
        0,
      ],
    ]);
    const e2 = a.struct("e", 4, [
      [
        "k",
        a.enum("kind", 4, [
          ["A", 0],
          ["B", 2],
        ]),
        0,
      ],
    ]);
    expect(cmp(e1, e2)).toMatchObject({ path: "struct e.k", difference: "enum kind: B = 1 vs 2" });
    const f1 = a.struct("f", 8, [["cb", a.ptr(a.proto(int, [["x", int]])), 0]]);
    const f2 = a.struct("f", 8, [["cb", a.ptr(a.proto(int, [["y", int]])), 0]]);
    expect(cmp(f1, f2)).toMatchObject({ path: "struct f.cb", difference: "parameter 0 is x vs y" });
  });

  it("through a typedef, the typedef is named on the path", () => {
    const a = new BtfAsm();
    const uint = a.int("unsigned int", 4, "unsigned");
    const ulong = a.int("long unsigned int", 8, "unsigned");
    const s1 = a.struct("s", 8, [["len", a.typedef("u32", uint), 0]]);
    const s2 = a.struct("s", 8, [["len", a.typedef("u32", ulong), 0]]);
    expect(compareGraphs(a.btf, s1, s2).divergence).toMatchObject({
      path: "struct s.len -> u32",
      difference: "type unsigned int vs long unsigned int",
    });
  });

  it("same shapes (with a cycle through a pointer) have no divergence", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const mk = () => {
      const self = a.next;
      const p = a.ptr(self + 1);
      return {
        s: a.struct("node", 16, [
          ["next", p, 0],
          ["v", int, 64],
        ]),
        p,
      };
    };
    const n1 = mk(),
      n2 = mk();
    expect(n1.s).not.toBe(n2.s);
    const r = compareGraphs(a.btf, n1.s, n2.s);
    expect(r.divergence).toBeUndefined();
    expect(r.forwardOnly).toBeUndefined();
  });

  it("a FWD against the definition is the same shape, reported as forward-only", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const s1 = a.struct("s", 8, [["t", a.ptr(a.fwd("t")), 0]]);
    const s2 = a.struct("s", 8, [["t", a.ptr(a.struct("t", 4, [["x", int, 0]])), 0]]);
    const r = compareGraphs(a.btf, s1, s2);
    expect(r.divergence).toBeUndefined();
    expect(r.forwardOnly).toEqual({ path: "struct s.t", side: "first", type: "struct t" });
    // A union FWD against a struct is a difference.
    const s3 = a.struct("s", 8, [["t", a.ptr(a.fwd("t", true)), 0]]);
    expect(compareGraphs(a.btf, s3, s2).divergence).toMatchObject({
      path: "struct s.t",
      difference: "type union t (forward) vs struct t",
    });
  });

  it("one type of the first graph matched with two non-identical types of the second (the dedup's pairing)", () => {
    // First: struct pair { struct b *x; struct b *y } with one struct b. Second: x and y point at two different
    // struct b, whose members are themselves two different (not identical) struct c.
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const c1 = a.struct("c", 4, [["v", int, 0]]);
    const b1 = a.struct("b", 8, [["c", a.ptr(c1), 0]]);
    const pb1 = a.ptr(b1);
    const first = a.struct("pair", 16, [
      ["x", pb1, 0],
      ["y", pb1, 64],
    ]);
    const long = a.int("long", 4); // named differently: the second struct c is not identical to the first
    const c2 = a.struct("c", 4, [["v", int, 0]]);
    const c3 = a.struct("c", 4, [["v", long, 0]]);
    const b2 = a.struct("b", 8, [["c", a.ptr(c2), 0]]);
    const b3 = a.struct("b", 8, [["c", a.ptr(c3), 0]]);
    const pb2 = a.ptr(b2),
      pb3 = a.ptr(b3);
    const second = a.struct("pair", 16, [
      ["x", pb2, 0],
      ["y", pb3, 64],
    ]);
    const d = compareGraphs(a.btf, first, second).divergence!;
    expect(d.path).toBe("struct pair.y");
    expect(d.difference).toBe(
      `struct b * [${pb1}] is matched with two types that are not identical: [${pb2}] and [${pb3}]`,
    );
    expect(d.copies).toEqual({ path: "struct b * -> struct b.c -> struct c.v", difference: "type int vs long" });
    expect(formatDivergence(d)).toBe(
      `struct pair.y: struct b * [${pb1}] is matched with two types that are not identical: [${pb2}] and [${pb3}] ` +
        "(they differ at struct b * -> struct b.c -> struct c.v: type int vs long)",
    );
    expect(d.ids).toEqual([pb1, pb3]);
    // With identical copies (the second struct c like the first) the pairing is accepted and the shapes agree.
    const c4 = a.struct("c", 4, [["v", int, 0]]);
    const b4 = a.struct("b", 8, [["c", a.ptr(c4), 0]]);
    const third = a.struct("pair", 16, [
      ["x", pb2, 0],
      ["y", a.ptr(b4), 64],
    ]);
    expect(compareGraphs(a.btf, first, third).divergence).toBeUndefined();
  });

  it("two copies of one self-referential struct: same shape, but not provably identical within 16 levels", () => {
    const a = new BtfAsm();
    const node = () => {
      const s = a.next;
      a.struct("n", 8, [["next", s + 1, 0]]);
      return a.ptr(s);
    };
    const pn1 = node();
    const first = a.struct("pair", 16, [
      ["x", pn1, 0],
      ["y", pn1, 64],
    ]);
    const pn2 = node(),
      pn3 = node();
    const second = a.struct("pair", 16, [
      ["x", pn2, 0],
      ["y", pn3, 64],
    ]);
    expect(compareGraphs(a.btf, pn2, pn3).divergence).toBeUndefined();
    expect(compareGraphs(a.btf, first, second).divergence).toEqual({
      path: "struct pair.y",
      difference: `struct n * [${pn1}] is matched with two types that are not identical: [${pn2}] and [${pn3}]`,
      ids: [pn1, pn3],
      copies: { sameShape: true },
    });
  });
});

describe("explainDuplicates", () => {
  it("split BTF: a base struct that reaches a base FWD keeps an own copy of the same shape (the dedup refuses it)", () => {
    // libbpf's split_struct_duped: base `struct e { struct h *helper; }` with h only declared in the base.
    const b = new BtfAsm();
    const baseE = b.struct("e", 8, [["helper", b.ptr(b.fwd("h")), 0]]);
    const a = new BtfAsm(b.btf);
    const int = a.int("int", 4);
    const h = a.struct("h", 4, [["x", int, 0]]);
    const ownE = a.struct("e", 8, [["helper", a.ptr(h), 0]]);
    const r = explainDuplicates(a.btf, "struct e", { file: "m.btf", base: "b.btf" });
    expect(Value.Check(ExplainDupSchema, r)).toBe(true);
    expect(r.shapes).toHaveLength(1);
    expect(r.shapes[0]!.forwardOnly).toEqual({
      path: "struct e.helper",
      side: "first",
      type: "struct h",
      ids: [baseE, ownE],
    });
    expect(formatExplainDup(r)).toContain(
      `[${baseE}], [${ownE}]: the same shape; at struct e.helper [${baseE}] has only a forward declaration of struct h`,
    );
    const { report } = dedupWithReport(a.btf, { file: "m.btf", base: "b.btf" });
    expect(report.passes.find((p) => p.name === "structs")!.baseFwdRefusals).toBe(1);
    expect(report.split!.notFolded).toEqual([
      {
        id: ownE,
        type: "struct e",
        baseId: baseE,
        forwardOnly: "struct e.helper: the base has only a forward declaration of struct h",
      },
    ]);
  });

  function threeFoos() {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const long = a.int("long", 8);
    const baz1 = a.struct("baz", 4, [["x", int, 0]]);
    const foo1 = a.struct("foo", 8, [["bar", a.ptr(baz1), 0]]);
    const baz2 = a.struct("baz", 4, [["x", int, 0]]);
    const foo2 = a.struct("foo", 8, [["bar", a.ptr(baz2), 0]]); // same shape as foo1
    const baz3 = a.struct("baz", 4, [["x", long, 0]]);
    const foo3 = a.struct("foo", 8, [["bar", a.ptr(baz3), 0]]);
    const typedefFoo = a.typedef("foo", foo1); // a typedef of the same name is not a definition of struct foo
    return { btf: a.btf, foo1, foo2, foo3, typedefFoo };
  }

  it("groups the definitions by shape and explains each other group against the first", () => {
    const { btf, foo1, foo2, foo3 } = threeFoos();
    const r = explainDuplicates(btf, "struct foo", { file: "x.btf" });
    expect(Value.Check(ExplainDupSchema, r)).toBe(true);
    expect(r.name).toBe("struct foo");
    expect(r.definitions.map((d) => [d.id, d.shape])).toEqual([
      [foo1, 0],
      [foo2, 0],
      [foo3, 1],
    ]);
    expect(r.shapes[1]!.divergence).toMatchObject({
      path: "struct foo.bar -> struct baz.x",
      difference: "type int vs long",
    });
    expect(formatExplainDup(r)).toContain(`[${foo1}] vs [${foo3}]: struct foo.bar -> struct baz.x: type int vs long`);
  });

  it("a bare name takes the kind with the most definitions; a missing name is an error", () => {
    const { btf, foo1, foo2, foo3, typedefFoo } = threeFoos();
    expect(findDefinitions(btf, "foo")).toEqual({ label: "struct foo", ids: [foo1, foo2, foo3] });
    expect(findDefinitions(btf, "typedef foo").ids).toEqual([typedefFoo]);
    expect(() => explainDuplicates(btf, "struct nope", { file: "x.btf" })).toThrow(BtfkitError);
    expect(() => explainDuplicates(btf, "struct nope", { file: "x.btf" })).toThrow(
      "x.btf: no definition of struct nope",
    );
  });

  it("lists the base's definition first for split BTF", () => {
    const b = new BtfAsm();
    const bint = b.int("int", 4);
    const baseFoo = b.struct("foo", 4, [["x", bint, 0]]);
    const a = new BtfAsm(b.btf);
    const long = a.int("long", 8);
    const own = a.struct("foo", 4, [["x", long, 0]]);
    const r = explainDuplicates(a.btf, "struct foo", { file: "m.btf", base: "b.btf" });
    expect(r.definitions.map((d) => [d.id, d.inBase])).toEqual([
      [baseFoo, true],
      [own, false],
    ]);
    expect(r.shapes[1]!.divergence).toMatchObject({ path: "struct foo.x", difference: "type int vs long" });
  });
});
