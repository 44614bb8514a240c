/**
 * The dedup table: hand-written inputs (with the C they stand for), the exact expected output types and string
 * section, and whether libbpf 1.1 (the version Debian ships, used by the differential test) gives the same
 * output. Expected outputs were worked out by hand from docs/dedup.md, not taken from btfkit.
 */
import { BTF_INT_CHAR } from "../../src/btf/kinds.js";
import type { Btf } from "../../src/btf/btf.js";
import { BtfAsm } from "../util/btf-asm.js";

export interface DedupCase {
  name: string;
  /** Base BTF for split cases (built once, shared by input and expectation). */
  base?: (a: BtfAsm) => void;
  input: (a: BtfAsm) => void;
  expect: (a: BtfAsm) => void;
  /** The output's own string section, in order. */
  strings: string[];
  /**
   * libbpf 1.1.2 on the same input: "same" output, "differs" (a documented version difference), or "fails"
   * (returns an error).
   */
  libbpf11: "same" | "differs" | "fails";
  /** Set when dedup must fail with this message fragment (expect/strings are then unused). */
  error?: string;
}

/** All the reference kinds once, ids relative to `s` (the id of the first type). */
function refKinds(a: BtfAsm): void {
  const s = a.next;
  const int = a.int("int", 4); // s
  const ptr = a.ptr(int); // s+1
  const cst = a.const(int); // s+2
  a.volatile(cst); // s+3
  const rst = a.restrict(ptr); // s+4
  a.typeTag("user", int); // s+5
  a.array(int, int, 8); // s+6
  const proto = a.proto(int, [
    ["a", ptr],
    ["b", rst],
  ]); // s+7
  const fn = a.func("f", proto, 1); // s+8
  a.declTag("tag", fn, -1); // s+9
  a.declTag("tag", fn, 0); // s+10
  a.float("double", 8); // s+11
  if (a.next !== s + 12) throw new Error("refKinds layout changed");
}

export const CASES: DedupCase[] = [
  {
    name: "strings: duplicates collapse, unreferenced strings go, first-reference order",
    input: (a) => {
      a.rawString("unused");
      const int1 = a.rawString("int");
      const s = a.rawString("s");
      const int2 = a.rawString("int");
      const x = a.rawString("x");
      a.int(int2, 4); // [1] named by the second copy of "int"
      a.struct(s, 4, [[x, 1, 0]]); // [2]
      a.int(int1, 4); // [3] == [1]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("s", 4, [["x", 1, 0]]);
    },
    strings: ["", "int", "s", "x"],
    libbpf11: "same",
  },
  {
    // The input's member names are read in place unless two offsets hold one string (then they are rewritten).
    name: "strings: member names at two offsets of one string still match",
    input: (a) => {
      const x1 = a.rawString("x");
      const x2 = a.rawString("x");
      const int = a.int("int", 4); // [1]
      a.struct("s", 4, [[x1, int, 0]]); // [2]
      a.struct("s", 4, [[x2, int, 0]]); // [3] == [2]
      a.proto(int, [[x1, int]]); // [4]
      a.proto(int, [[x2, int]]); // [5] == [4]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("s", 4, [["x", 1, 0]]);
      e.proto(1, [["x", 1]]);
    },
    strings: ["", "int", "s", "x"],
    libbpf11: "same",
  },
  {
    name: "INT: equal ints merge; encoding, bit count and name keep them apart",
    input: (a) => {
      a.int("int", 4); // [1]
      a.int("int", 4, 0); // [2] unsigned
      a.int("int", 4); // [3] == [1]
      a.int("int", 4, 1, 16); // [4] 16 bits
      a.int("char", 1, BTF_INT_CHAR); // [5]
      a.int("int", 4, 0); // [6] == [2]
    },
    expect: (e) => {
      e.int("int", 4);
      e.int("int", 4, 0);
      e.int("int", 4, 1, 16);
      e.int("char", 1, BTF_INT_CHAR);
    },
    strings: ["", "int", "char"],
    libbpf11: "same",
  },
  {
    name: "FLOAT: equal floats merge, other sizes stay",
    input: (a) => {
      a.float("double", 8);
      a.float("float", 4);
      a.float("double", 8);
    },
    expect: (e) => {
      e.float("double", 8);
      e.float("float", 4);
    },
    strings: ["", "double", "float"],
    libbpf11: "same",
  },
  {
    name: "ENUM: identical enums merge; signed and unsigned stay apart",
    input: (a) => {
      a.enum("e", 4, [
        ["A", 0],
        ["B", 1],
      ]);
      a.enum("e", 4, [
        ["A", 0],
        ["B", 1],
      ]);
      a.enum(
        "e",
        4,
        [
          ["A", 0],
          ["B", 1],
        ],
        true,
      );
      a.enum("e", 4, [
        ["A", 0],
        ["B", 2],
      ]);
    },
    expect: (e) => {
      e.enum("e", 4, [
        ["A", 0],
        ["B", 1],
      ]);
      e.enum(
        "e",
        4,
        [
          ["A", 0],
          ["B", 1],
        ],
        true,
      );
      e.enum("e", 4, [
        ["A", 0],
        ["B", 2],
      ]);
    },
    strings: ["", "e", "A", "B"],
    libbpf11: "same",
  },
  {
    name: "ENUM: a forward enum after the full enum maps onto it",
    // enum e { A }; enum e;  (enum e *p)
    input: (a) => {
      a.enum("e", 4, [["A", 0]]); // [1]
      const fwd = a.enum("e", 4, []); // [2]
      a.ptr(fwd); // [3]
    },
    expect: (e) => {
      e.enum("e", 4, [["A", 0]]);
      e.ptr(1);
    },
    strings: ["", "e", "A"],
    libbpf11: "same",
  },
  {
    name: "ENUM: a canonical forward enum is redirected to a later full enum",
    input: (a) => {
      const fwd = a.enum("e", 4, []); // [1]
      a.enum("e", 4, [["A", 0]]); // [2]
      a.ptr(fwd); // [3] -> [2]
    },
    expect: (e) => {
      e.enum("e", 4, [["A", 0]]);
      e.ptr(1);
    },
    strings: ["", "e", "A"],
    libbpf11: "same",
  },
  {
    name: "ENUM: with two different full enums of one name, the last redirects the forward",
    input: (a) => {
      const fwd = a.enum("e", 4, []); // [1]
      a.enum("e", 4, [["A", 0]]); // [2]
      a.enum("e", 4, [["B", 1]]); // [3]
      a.ptr(fwd); // [4] -> [3]
    },
    expect: (e) => {
      e.enum("e", 4, [["A", 0]]);
      e.enum("e", 4, [["B", 1]]);
      e.ptr(2);
    },
    strings: ["", "e", "A", "B"],
    libbpf11: "same",
  },
  {
    name: "candidate order: a forward enum matching two full enums takes the one libbpf's hashmap yields first",
    // libbpf's chains are newest-first and reversed whenever the table grows (here before its 4th entry), so
    // after the growth the older enum [1] comes first.
    input: (a) => {
      a.enum("e", 4, [["A", 0]]); // [1]
      a.enum("e", 4, [["B", 1]]); // [2]
      a.int("a", 4); // [3]
      a.int("b", 4); // [4] (the table grows before this insert)
      a.int("c", 4); // [5]
      a.ptr(a.enum("e", 4, [])); // [6] forward enum e -> [1], [7]
    },
    expect: (e) => {
      e.enum("e", 4, [["A", 0]]);
      e.enum("e", 4, [["B", 1]]);
      e.int("a", 4);
      e.int("b", 4);
      e.int("c", 4);
      e.ptr(1);
    },
    strings: ["", "e", "A", "B", "a", "b", "c"],
    libbpf11: "same",
  },
  {
    name: "ENUM64: a forward ENUM resolves to a full ENUM64 and a forward ENUM64 to a full ENUM",
    input: (a) => {
      const f1 = a.enum("e", 4, []); // [1] forward enum e
      a.enum64("e", 8, [["BIG", 1n << 40n]]); // [2]
      a.ptr(f1); // [3] -> [2]
      a.enum("g", 4, [["G", 7]]); // [4]
      const f2 = a.enum64("g", 8, []); // [5] forward enum64 g -> [4]
      a.ptr(f2); // [6] -> [4]
    },
    expect: (e) => {
      e.enum64("e", 8, [["BIG", 1n << 40n]]);
      e.ptr(1);
      e.enum("g", 4, [["G", 7]]);
      e.ptr(3);
    },
    strings: ["", "e", "BIG", "g", "G"],
    libbpf11: "same",
  },
  {
    name: "FWD: identical forwards merge; struct and union forwards stay apart",
    input: (a) => {
      a.fwd("s");
      a.fwd("s");
      a.fwd("s", true);
    },
    expect: (e) => {
      e.fwd("s");
      e.fwd("s", true);
    },
    strings: ["", "s"],
    libbpf11: "same",
  },
  {
    name: "FWD: a stand-alone forward resolves to the only struct of its name",
    // struct s { int a; };  struct s; struct s *p;  (the FWD never meets the struct inside a graph)
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("s", 4, [["a", 1, 0]]); // [2]
      const fwd = a.fwd("s"); // [3] -> [2]
      a.ptr(fwd); // [4]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("s", 4, [["a", 1, 0]]);
      e.ptr(2);
    },
    strings: ["", "int", "s", "a"],
    libbpf11: "same",
  },
  {
    name: "FWD: an ambiguous name or the wrong kind keeps the forward",
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("s", 4, [["a", 1, 0]]); // [2]
      a.struct("s", 8, [
        ["a", 1, 0],
        ["b", 1, 32],
      ]); // [3]
      a.ptr(a.fwd("s")); // [4] [5]
      a.struct("t", 4, [["a", 1, 0]]); // [6]
      a.ptr(a.fwd("t", true)); // [7] union t: no union named t
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("s", 4, [["a", 1, 0]]);
      e.struct("s", 8, [
        ["a", 1, 0],
        ["b", 1, 32],
      ]);
      e.ptr(e.fwd("s"));
      e.struct("t", 4, [["a", 1, 0]]);
      e.ptr(e.fwd("t", true));
    },
    strings: ["", "int", "s", "a", "b", "t"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: a forward inside a compared graph resolves to the struct (CU 2 only declares struct n)",
    // CU 1: struct n { int a; }; struct s { struct n *p; };   CU 2: struct n; struct s { struct n *p; };
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("n", 4, [["a", 1, 0]]); // [2]
      a.ptr(2); // [3]
      a.struct("s", 8, [["p", 3, 0]]); // [4]
      a.fwd("n"); // [5] -> [2]
      a.ptr(5); // [6] -> [3]
      a.struct("s", 8, [["p", 6, 0]]); // [7] -> [4]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("n", 4, [["a", 1, 0]]);
      e.ptr(2);
      e.struct("s", 8, [["p", 3, 0]]);
    },
    strings: ["", "int", "n", "a", "s", "p"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: self-referencing structs of two CUs merge (cycle closed by the hypothetical map)",
    // struct list { struct list *next; int v; };  twice, the second with the pointer first
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("list", 16, [
        ["next", 3, 0],
        ["v", 1, 64],
      ]); // [2]
      a.ptr(2); // [3]
      a.int("int", 4); // [4]
      a.ptr(6); // [5]
      a.struct("list", 16, [
        ["next", 5, 0],
        ["v", 4, 64],
      ]); // [6]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("list", 16, [
        ["next", 3, 0],
        ["v", 1, 64],
      ]);
      e.ptr(2);
    },
    strings: ["", "int", "list", "next", "v"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: shallow-equal unions merge only when their member types are equivalent",
    // union { int x; int *p; } twice and union { int x; long *p; } once, all anonymous
    input: (a) => {
      a.int("int", 4); // [1]
      a.int("long", 8); // [2]
      a.ptr(1); // [3]
      a.ptr(2); // [4]
      a.union("", 8, [
        ["x", 1, 0],
        ["p", 3, 0],
      ]); // [5]
      a.union("", 8, [
        ["x", 1, 0],
        ["p", 4, 0],
      ]); // [6] differs in p's target
      a.ptr(1); // [7] -> [3]
      a.union("", 8, [
        ["x", 1, 0],
        ["p", 7, 0],
      ]); // [8] -> [5] (after rejecting [6])
    },
    expect: (e) => {
      e.int("int", 4);
      e.int("long", 8);
      e.ptr(1);
      e.ptr(2);
      e.union("", 8, [
        ["x", 1, 0],
        ["p", 3, 0],
      ]);
      e.union("", 8, [
        ["x", 1, 0],
        ["p", 4, 0],
      ]);
    },
    strings: ["", "int", "long", "x", "p"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: duplicated identical arrays inside one CU",
    // CU 2's compiler emitted int[4] twice and used one for each member.
    input: (a) => {
      a.int("int", 4); // [1]
      a.array(1, 1, 4); // [2]
      a.struct("s", 32, [
        ["a", 2, 0],
        ["b", 2, 128],
      ]); // [3]
      a.int("int", 4); // [4]
      a.array(4, 4, 4); // [5]
      a.array(4, 4, 4); // [6]
      a.struct("s", 32, [
        ["a", 5, 0],
        ["b", 6, 128],
      ]); // [7] -> [3]
    },
    expect: (e) => {
      e.int("int", 4);
      e.array(1, 1, 4);
      e.struct("s", 32, [
        ["a", 2, 0],
        ["b", 2, 128],
      ]);
    },
    strings: ["", "int", "s", "a", "b"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: duplicated identical structs inside one CU",
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("in", 4, [["v", 1, 0]]); // [2]
      a.struct("out", 8, [
        ["a", 2, 0],
        ["b", 2, 32],
      ]); // [3]
      a.int("int", 4); // [4]
      a.struct("out", 8, [
        ["a", 6, 0],
        ["b", 7, 32],
      ]); // [5] -> [3], compared before its members are mapped
      a.struct("in", 4, [["v", 4, 0]]); // [6]
      a.struct("in", 4, [["v", 4, 0]]); // [7] duplicate of [6] in the same CU
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("in", 4, [["v", 1, 0]]);
      e.struct("out", 8, [
        ["a", 2, 0],
        ["b", 2, 32],
      ]);
    },
    strings: ["", "int", "in", "v", "out", "a", "b"],
    libbpf11: "same",
  },
  {
    name: "STRUCT: duplicated identical pointers inside one CU (libbpf >= 1.6 behaviour)",
    // struct s { int *a; int *b; } where CU 2 has two ids for int *
    input: (a) => {
      a.int("int", 4); // [1]
      a.ptr(1); // [2]
      a.struct("s", 16, [
        ["a", 2, 0],
        ["b", 2, 64],
      ]); // [3]
      a.int("int", 4); // [4]
      a.ptr(4); // [5]
      a.ptr(4); // [6]
      a.struct("s", 16, [
        ["a", 5, 0],
        ["b", 6, 64],
      ]); // [7] -> [3]
    },
    expect: (e) => {
      e.int("int", 4);
      e.ptr(1);
      e.struct("s", 16, [
        ["a", 2, 0],
        ["b", 2, 64],
      ]);
    },
    strings: ["", "int", "s", "a", "b"],
    libbpf11: "differs",
  },
  {
    name: "STRUCT: arrays with the same count but different element types stay apart (libbpf >= 1.6 merges them)",
    // CU 1: struct s { int a[4]; int b[4]; };  CU 2: struct s { int a[4]; unsigned int b[4]; };
    input: (a) => {
      a.int("int", 4); // [1]
      a.int("unsigned int", 4, 0); // [2]
      a.array(1, 1, 4); // [3]
      a.struct("s", 32, [
        ["a", 3, 0],
        ["b", 3, 128],
      ]); // [4]
      a.int("int", 4); // [5]
      a.int("unsigned int", 4, 0); // [6]
      a.array(5, 5, 4); // [7]
      a.array(6, 5, 4); // [8]
      a.struct("s", 32, [
        ["a", 7, 0],
        ["b", 8, 128],
      ]); // [9]
    },
    expect: (e) => {
      e.int("int", 4);
      e.int("unsigned int", 4, 0);
      e.array(1, 1, 4);
      e.struct("s", 32, [
        ["a", 3, 0],
        ["b", 3, 128],
      ]);
      e.array(2, 1, 4);
      e.struct("s", 32, [
        ["a", 3, 0],
        ["b", 5, 128],
      ]);
    },
    strings: ["", "int", "unsigned int", "s", "a", "b"],
    libbpf11: "same",
  },
  {
    name: "TYPEDEF: a recursive typedef (Go: type F func() F) dedups instead of looping",
    input: (a) => {
      a.typedef("F", 2); // [1]
      a.ptr(3); // [2]
      a.proto(1, []); // [3]
      a.typedef("F", 5); // [4]
      a.ptr(6); // [5]
      a.proto(4, []); // [6]
    },
    expect: (e) => {
      e.typedef("F", 2);
      e.ptr(3);
      e.proto(1, []);
    },
    strings: ["", "F"],
    libbpf11: "fails",
  },
  {
    name: "TYPEDEF: a typedef of a forward unifies with the typedef of the struct and resolves the forward",
    // The name "s" is ambiguous (two structs s), so only the typedef graph pass (libbpf >= 1.7) resolves it.
    input: (a) => {
      a.int("int", 4); // [1]
      a.struct("s", 4, [["a", 1, 0]]); // [2]
      a.typedef("t", 2); // [3]
      a.fwd("s"); // [4] -> [2]
      a.typedef("t", 4); // [5] -> [3]
      a.ptr(5); // [6]
      a.struct("s", 8, [
        ["a", 1, 0],
        ["b", 1, 32],
      ]); // [7]
    },
    expect: (e) => {
      e.int("int", 4);
      e.struct("s", 4, [["a", 1, 0]]);
      e.typedef("t", 2);
      e.ptr(3);
      e.struct("s", 8, [
        ["a", 1, 0],
        ["b", 1, 32],
      ]);
    },
    strings: ["", "int", "s", "a", "t", "b"],
    libbpf11: "differs",
  },
  {
    name: "reference kinds: every kind of a second CU folds onto the first; DECL_TAGs differ by component",
    input: (a) => {
      refKinds(a);
      refKinds(a);
    },
    expect: (e) => refKinds(e),
    strings: ["", "int", "user", "a", "b", "f", "tag", "double"],
    libbpf11: "same",
  },
  {
    name: "VAR and DATASEC are never merged",
    input: (a) => {
      a.int("int", 4); // [1]
      a.var("v", 1, 1); // [2]
      a.datasec(".data", 4, [[2, 0, 4]]); // [3]
      a.int("int", 4); // [4]
      a.var("v", 4, 1); // [5]
      a.datasec(".data", 4, [[5, 0, 4]]); // [6]
    },
    expect: (e) => {
      e.int("int", 4);
      e.var("v", 1, 1);
      e.datasec(".data", 4, [[2, 0, 4]]);
      e.var("v", 1, 1);
      e.datasec(".data", 4, [[4, 0, 4]]);
    },
    strings: ["", "int", "v", ".data"],
    libbpf11: "same",
  },
  {
    name: "a reference loop without a struct or typedef is an error",
    input: (a) => {
      a.ptr(2); // [1]
      a.const(1); // [2]
    },
    expect: () => {},
    strings: [],
    libbpf11: "fails",
    error: "reference loop",
  },
  {
    name: "split: own types equal to base types map onto them; an own FWD resolves to a base struct",
    base: (b) => {
      b.int("int", 4); // [1]
      b.struct("s", 4, [["a", 1, 0]]); // [2]
      b.ptr(2); // [3]
    },
    input: (a) => {
      a.int(a.rawString("int"), 4); // [4] -> [1] (own copy of the string "int")
      a.struct("s", 4, [["a", 4, 0]]); // [5] -> [2]
      a.ptr(5); // [6] -> [3]
      a.fwd("s"); // [7] -> [2] (stand-alone FWD pass sees base structs)
      a.ptr(7); // [8] -> [3]
      a.struct("u", 16, [
        ["p", 8, 0],
        ["q", 6, 64],
      ]); // [9] -> new [4]
    },
    expect: (e) => {
      e.struct("u", 16, [
        ["p", 3, 0],
        ["q", 3, 64],
      ]);
    },
    strings: ["u", "p", "q"],
    libbpf11: "same",
  },
  {
    name: "split: a module struct whose base twin points at a base FWD stays separate (adjust_canon)",
    // base: struct s2; struct s1 { struct s2 *p; };   module: struct s2 { int a; }; struct s1 { struct s2 *p; };
    base: (b) => {
      b.int("int", 4); // [1]
      b.fwd("s2"); // [2]
      b.ptr(2); // [3]
      b.struct("s1", 8, [["p", 3, 0]]); // [4]
    },
    input: (a) => {
      a.struct("s2", 4, [["a", 1, 0]]); // [5]
      a.ptr(5); // [6]
      a.struct("s1", 8, [["p", 6, 0]]); // [7] stays: merging would resolve the base FWD
      a.ptr(2); // [8] own pointer to the base FWD: lands on the own struct -> [6]
    },
    expect: (e) => {
      e.struct("s2", 4, [["a", 1, 0]]);
      e.ptr(5);
      e.struct("s1", 8, [["p", 6, 0]]);
    },
    strings: ["a"],
    libbpf11: "same",
  },
];

/** Build a case's input and expectation (split cases share one base). */
export function buildCase(c: DedupCase): { base?: Btf; input: Btf; expected: Btf } {
  let base: Btf | undefined;
  if (c.base) {
    const b = new BtfAsm();
    c.base(b);
    base = b.btf;
  }
  const a = new BtfAsm(base);
  c.input(a);
  const e = new BtfAsm(base);
  c.expect(e);
  return { base, input: a.btf, expected: e.btf };
}
