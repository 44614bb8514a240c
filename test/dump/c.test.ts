import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { writeBtf } from "../../src/btf/write.js";
import { BtfkitError } from "../../src/common/errors.js";
import { type DumpCOptions, btfPointerSize, dumpBtfAsC, writeBtfAsC } from "../../src/dump/c.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { announceSkip, debianKernel, debianModules, sysVmlinux, tool } from "../util/inputs.js";
import { BtfBuilder, lines } from "./build-btf.js";
import { randomBtf } from "./random-btf.js";

const gcc = tool("gcc");
const clang = tool("clang");
const bpftool = tool("bpftool");
const sys = sysVmlinux();
const deb = debianKernel();
announceSkip("C output compiled with gcc", gcc);
announceSkip("C output compiled with clang", clang);
announceSkip("C output compared with bpftool 7.1", bpftool);
announceSkip("C output of the running kernel", sys);
announceSkip("C output of the Debian 6.1 kernel", deb);

const tmp = mkdtempSync(join(tmpdir(), "btfkit-dump-c-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The types only, without the vmlinux.h guard and pragma. */
function body(btf: Btf, opts: DumpCOptions = {}): string {
  return dumpBtfAsC(btf, { header: false, ...opts });
}

/** Compile C text with `-fsyntax-only`; returns the compiler's diagnostics on failure. */
function compile(compiler: string, text: string, extraArgs: string[] = []): { ok: boolean; errors: string } {
  // clang warns that preserve_access_index only means something for the BPF target; the host target keeps
  // __builtin_va_list at its real size for the layout assertions.
  const args = [
    "-fsyntax-only",
    "-x",
    "c",
    "-",
    ...(compiler === "clang" ? ["-Wno-unknown-attributes"] : []),
    ...extraArgs,
  ];
  const r = spawnSync(compiler, args, { input: text, encoding: "utf8", maxBuffer: 1 << 28 });
  const errors = (r.stderr ?? "")
    .split("\n")
    .filter((l) => l.includes("error"))
    .slice(0, 10)
    .join("\n");
  return { ok: r.status === 0, errors };
}

/**
 * `_Static_assert`s on the size of every struct/union whose tag is unique (so its C name is its BTF name) and on
 * the byte offset of its named, byte-aligned, non-bitfield members: compiling them proves the header reproduces
 * the BTF layout, not only that it parses. The expected values come from the BTF, independently of the dumper.
 */
function layoutAsserts(btf: Btf): { text: string; count: number } {
  const tagCount = new Map<string, number>();
  for (let id = 1; id < btf.endId; id++) {
    const k = btf.kind(id);
    if (
      (k === BTF_KIND.STRUCT || k === BTF_KIND.UNION || k === BTF_KIND.ENUM || k === BTF_KIND.ENUM64) &&
      btf.nameOffOf(id)
    ) {
      tagCount.set(btf.name(id), (tagCount.get(btf.name(id)) ?? 0) + 1);
    }
  }
  const out: string[] = [];
  for (let id = 1; id < btf.endId; id++) {
    const k = btf.kind(id);
    if ((k !== BTF_KIND.STRUCT && k !== BTF_KIND.UNION) || !btf.nameOffOf(id) || tagCount.get(btf.name(id)) !== 1)
      continue;
    const tag = `${k === BTF_KIND.STRUCT ? "struct" : "union"} ${btf.name(id)}`;
    out.push(`_Static_assert(sizeof(${tag}) == ${btf.sizeTypeOf(id)}, "size of ${tag}");`);
    const kflag = btf.kflag(id);
    for (let j = 0; j < btf.vlen(id); j++) {
      const name = btf.strings.get(btf.extraWord(id, 3 * j));
      const w = btf.extraWord(id, 3 * j + 2);
      const bitOff = kflag ? w & 0xffffff : w;
      if (name === "" || (kflag && w >>> 24) || bitOff % 8) continue;
      out.push(`_Static_assert(__builtin_offsetof(${tag}, ${name}) == ${bitOff / 8}, "offset of ${tag}.${name}");`);
    }
  }
  return { text: out.join("\n") + "\n", count: out.length };
}

let fileSeq = 0;
function bpftoolC(btf: Btf): string {
  const path = join(tmp, `t${fileSeq++}.btf`);
  writeFileSync(path, writeBtf(btf));
  return execFileSync("bpftool", ["btf", "dump", "file", path, "format", "c"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
}

interface Case {
  name: string;
  build: (b: BtfBuilder) => void;
  /** Expected text of the types, written by hand from C's rules (not copied from the output). */
  expected: string;
  /** Extra C appended when compiling (uses of the types). */
  use?: string;
}

const CASES: Case[] = [
  {
    name: "dependency order: embedded structs first, forward declaration for a pointer-only use",
    build: (b) => {
      const int = b.int("int", 4);
      b.struct("outer", 16, [
        ["in", int + 2, 0],
        ["o", int + 4, 64],
      ]); // 2: embeds 3, points to 4
      b.struct("inner", 4, [["x", int, 0]]); // 3
      b.struct("other", 8, [["back", int + 5, 0]]); // 4
      b.ptr(4); // 5: struct other *
      b.ptr(2); // 6: struct outer *
      b.struct("list_head", 16, [
        ["next", 8, 0],
        ["prev", 8, 64],
      ]); // 7
      b.ptr(7); // 8
    },
    expected: lines(
      "struct inner {",
      "\tint x;",
      "};",
      "",
      "struct other;",
      "",
      "struct outer {",
      "\tstruct inner in;",
      "\tstruct other *o;",
      "};",
      "",
      "struct other {",
      "\tstruct outer *back;",
      "};",
      "",
      "struct list_head {",
      "\tstruct list_head *next;",
      "\tstruct list_head *prev;",
      "};",
      "",
      "",
    ),
  },
  {
    name: "typedefs: of an anonymous struct, of a function pointer, chains, and a typedef used as forward declaration",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const uint = b.int("unsigned int", 4, "unsigned"); // 2
      const anon = b.struct("", 4, [["counter", int, 0]]); // 3
      b.typedef("atomic_t", anon); // 4
      const vp = b.ptr(0); // 5: void *
      const proto = b.funcProto(int, [
        ["", vp],
        ["", int],
      ]); // 6
      b.typedef("cb_t", b.ptr(proto)); // 7 ptr, 8 typedef
      const u32 = b.typedef("u32", uint); // 9
      b.typedef("my_u32", u32); // 10
      const node = b.struct("node", 16, [
        ["next", 13, 0],
        ["v", int, 64],
      ]); // 11
      const nodeT = b.typedef("node_t", node); // 12
      b.ptr(nodeT); // 13
    },
    expected: lines(
      "typedef struct {",
      "\tint counter;",
      "} atomic_t;",
      "",
      "typedef int (*cb_t)(void *, int);",
      "",
      "typedef unsigned int u32;",
      "",
      "typedef u32 my_u32;",
      "",
      "struct node;",
      "",
      "typedef struct node node_t;",
      "",
      "struct node {",
      "\tnode_t *next;",
      "\tint v;",
      "};",
      "",
      "",
    ),
    use: "atomic_t a; cb_t cb; my_u32 m; node_t n;\n",
  },
  {
    name: "anonymous structs, unions and enums inline; an unreferenced anonymous enum at top level",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const short = b.int("short", 2); // 2
      const halves = b.struct("", 4, [
        ["lo", short, 0],
        ["hi", short, 16],
      ]); // 3
      const u = b.union("", 4, [
        ["a", int, 0],
        ["", halves, 0],
      ]); // 4
      const mode = b.enum("", 4, [
        ["MODE_A", 0],
        ["MODE_B", 1],
      ]); // 5
      b.struct("s", 12, [
        ["", u, 0],
        ["tail", int, 32],
        ["mode", mode, 64],
      ]); // 6
      b.enum("", 4, [
        ["GLOBAL_ONE", 1],
        ["GLOBAL_TWO", 2],
      ]); // 7
    },
    expected: lines(
      "struct s {",
      "\tunion {",
      "\t\tint a;",
      "\t\tstruct {",
      "\t\t\tshort lo;",
      "\t\t\tshort hi;",
      "\t\t};",
      "\t};",
      "\tint tail;",
      "\tenum {",
      "\t\tMODE_A = 0,",
      "\t\tMODE_B = 1,",
      "\t} mode;",
      "};",
      "",
      "enum {",
      "\tGLOBAL_ONE = 1,",
      "\tGLOBAL_TWO = 2,",
      "};",
      "",
      "",
    ),
    use: 'int g = GLOBAL_TWO;\n_Static_assert(__builtin_offsetof(struct s, hi) == 2, "hi");\n',
  },
  {
    name: "bitfields, a gap inside a bitfield run, natural padding left implicit",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const uint = b.int("unsigned int", 4, "unsigned"); // 2
      b.struct("flags", 12, [
        ["a", uint, 0, 1],
        ["b", uint, 1, 3],
        ["c", int, 32],
        ["d", uint, 64, 4],
      ]);
      b.struct("gap", 4, [
        ["a", uint, 0, 2],
        ["b", uint, 8, 4],
      ]);
    },
    expected: lines(
      "struct flags {",
      "\tunsigned int a: 1;",
      "\tunsigned int b: 3;",
      "\tint c;",
      "\tunsigned int d: 4;",
      "};",
      "",
      "struct gap {",
      "\tunsigned int a: 2;",
      "\tchar: 6;",
      "\tunsigned int b: 4;",
      "};",
      "",
      "",
    ),
  },
  {
    name: "packed structs and explicit padding",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const char = b.int("char", 1, "signed"); // 2
      const long = b.int("long", 8); // 3
      b.struct("p", 5, [
        ["c", char, 0],
        ["i", int, 8],
      ]); // 4: int at byte 1
      b.struct("padded", 12, [
        ["a", int, 0],
        ["b", int, 64],
      ]); // 5: 4 bytes of padding nothing forces
      b.struct("tail", 24, [
        ["x", long, 0],
        ["c", char, 64],
      ]); // 6: 16 bytes of tail padding
      b.struct("outer_packed", 9, [
        ["c", char, 0],
        ["l", long, 8],
      ]); // 7
    },
    expected: lines(
      "struct p {",
      "\tchar c;",
      "\tint i;",
      "} __attribute__((packed));",
      "",
      "struct padded {",
      "\tint a;",
      "\tlong: 0;",
      "\tint b;",
      "};",
      "",
      "struct tail {",
      "\tlong x;",
      "\tchar c;",
      "\tlong: 64;",
      "};",
      "",
      "struct outer_packed {",
      "\tchar c;",
      "\tlong l;",
      "} __attribute__((packed));",
      "",
      "",
    ),
  },
  {
    name: "arrays: multi-dimensional, of pointers, pointer to array, flexible",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const char = b.int("char", 1, "signed"); // 2
      const row = b.array(int, 3, int); // 3
      const m = b.array(row, 2, int); // 4
      const names = b.array(b.ptr(char), 4, int); // 5 ptr, 6 array
      const pa = b.ptr(b.array(int, 5, int)); // 7 array, 8 ptr
      const flex = b.array(char, 0, int); // 9
      b.struct("arr", 64, [
        ["m", m, 0],
        ["names", names, 192],
        ["pa", pa, 448],
        ["flex", flex, 512],
      ]);
      b.typedef("grid_t", m);
    },
    expected: lines(
      "struct arr {",
      "\tint m[2][3];",
      "\tchar *names[4];",
      "\tint (*pa)[5];",
      "\tchar flex[0];",
      "};",
      "",
      "typedef int grid_t[2][3];",
      "",
      "",
    ),
  },
  {
    name: "function pointers: no parameters, varargs, named parameters, returning a function pointer",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const char = b.int("char", 1, "signed"); // 2
      const inode = b.fwd("inode"); // 3
      const open = b.ptr(
        b.funcProto(int, [
          ["inode", b.ptr(inode)],
          ["data", b.ptr(0)],
        ]),
      ); // 4 ptr, 5 ptr, 6 proto, 7 ptr
      const release = b.ptr(b.funcProto(0, [])); // 8, 9
      const printk = b.ptr(
        b.funcProto(int, [
          ["", b.ptr(b.const(char))],
          ["", 0],
        ]),
      ); // 10 const, 11 ptr, 12 proto, 13
      const handler = b.ptr(b.funcProto(0, [["", int]])); // 14, 15
      const getHandler = b.ptr(b.funcProto(handler, [["", int]])); // 16, 17
      const voidArg = b.ptr(b.funcProto(int, [["", 0]])); // 18, 19: clang's f(void)
      b.struct("ops", 40, [
        ["open", open, 0],
        ["release", release, 64],
        ["printk", printk, 128],
        ["get_handler", getHandler, 192],
        ["v", voidArg, 256],
      ]);
    },
    expected: lines(
      "struct inode;",
      "",
      "struct ops {",
      "\tint (*open)(struct inode *inode, void *data);",
      "\tvoid (*release)(void);",
      "\tint (*printk)(const char *, ...);",
      "\tvoid (* (*get_handler)(int))(int);",
      "\tint (*v)(void);",
      "};",
      "",
      "",
    ),
  },
  {
    name: "enums: signed and unsigned ENUM, ENUM64 with 64-bit values",
    build: (b) => {
      b.enum(
        "rpm_status",
        4,
        [
          ["RPM_INVALID", -1],
          ["RPM_ACTIVE", 0],
        ],
        true,
      );
      b.enum("init_ns_ino", 4, [["IPC_NS_INIT_INO", 0xefffffff]]);
      b.enum64("perf_txn", 8, [
        ["PERF_TXN_ABORT_MASK", 0xffffffff00000000n],
        ["PERF_TXN_ABORT_SHIFT", 32n],
      ]);
      b.enum64(
        "big_signed",
        8,
        [
          ["NEG", -5n],
          ["POS", 0x100000000n],
        ],
        true,
      );
    },
    expected: lines(
      "enum rpm_status {",
      "\tRPM_INVALID = -1,",
      "\tRPM_ACTIVE = 0,",
      "};",
      "",
      "enum init_ns_ino {",
      "\tIPC_NS_INIT_INO = 4026531839,",
      "};",
      "",
      "enum perf_txn {",
      "\tPERF_TXN_ABORT_MASK = 18446744069414584320ULL,",
      "\tPERF_TXN_ABORT_SHIFT = 32ULL,",
      "};",
      "",
      "enum big_signed {",
      "\tNEG = -5LL,",
      "\tPOS = 4294967296LL,",
      "};",
      "",
      "",
    ),
    use: '_Static_assert(sizeof(enum perf_txn) == 8, "enum64");\n',
  },
  {
    name: "const/volatile/restrict placement, FLOAT",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const char = b.int("char", 1, "signed"); // 2
      const long = b.int("long", 8); // 3
      const dbl = b.float("double", 8); // 4
      const cv = b.const(b.volatile(int)); // 5 volatile, 6 const
      const cp = b.const(b.ptr(char)); // 7 ptr, 8 const
      const rp = b.restrict(b.ptr(int)); // 9 ptr, 10 restrict
      const vl = b.array(b.volatile(long), 2, int); // 11 volatile, 12 array
      const ccp = b.ptr(b.const(char)); // 13 const, 14 ptr
      b.struct("m", 56, [
        ["cv", cv, 0],
        ["cp", cp, 64],
        ["rp", rp, 128],
        ["d", dbl, 192],
        ["vl", vl, 256],
        ["s", ccp, 384],
      ]);
    },
    expected: lines(
      "struct m {",
      "\tvolatile const int cv;",
      "\tchar * const cp;",
      "\tint * restrict rp;",
      "\tdouble d;",
      "\tvolatile long vl[2];",
      "\tconst char *s;",
      "};",
      "",
      "",
    ),
  },
  {
    name: "name conflicts: struct foo___2, typedef foo_t___2, enumerator X___2",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const long = b.int("long", 8); // 2
      b.struct("foo", 4, [["a", int, 0]]); // 3
      const foo2 = b.struct("foo", 8, [["b", long, 0]]); // 4
      b.struct("user", 8, [["p", b.ptr(foo2), 0]]); // 5 ptr, 6 struct
      b.typedef("foo_t", int); // 7
      b.typedef("foo_t", long); // 8
      b.enum("a", 4, [["X", 0]]); // 9
      b.enum("b", 4, [["X", 1]]); // 10
      b.fwd("foo"); // 11: a forward declaration claims no name
    },
    expected: lines(
      "struct foo {",
      "\tint a;",
      "};",
      "",
      "struct foo___2 {",
      "\tlong b;",
      "};",
      "",
      "struct user {",
      "\tstruct foo___2 *p;",
      "};",
      "",
      "typedef int foo_t;",
      "",
      "typedef long foo_t___2;",
      "",
      "enum a {",
      "\tX = 0,",
      "};",
      "",
      "enum b {",
      "\tX___2 = 1,",
      "};",
      "",
      "struct foo;",
      "",
      "",
    ),
  },
  {
    name: "compiler built-ins, type tags; FUNC, VAR, DATASEC and DECL_TAG print nothing",
    build: (b) => {
      const int = b.int("int", 4); // 1
      const char = b.int("char", 1, "signed"); // 2
      const uint = b.int("unsigned int", 4, "unsigned"); // 3
      const vp = b.ptr(0); // 4
      // x86-64's va_list, as GCC describes it.
      const tag = b.struct("__va_list_tag", 24, [
        ["gp_offset", uint, 0],
        ["fp_offset", uint, 32],
        ["overflow_arg_area", vp, 64],
        ["reg_save_area", vp, 128],
      ]); // 5
      const va = b.typedef("__builtin_va_list", b.array(tag, 1, int)); // 6 array, 7 typedef
      b.typedef("__gnuc_va_list", 0); // 8: old GCCs' broken typedef
      const user = b.ptr(b.typeTag("user", int)); // 9 tag, 10 ptr
      const s = b.struct("va_holder", 32, [
        ["ap", va, 0],
        ["u", user, 192],
      ]); // 11
      const proto = b.funcProto(int, [["x", int]]); // 12
      const f = b.func("do_it", proto); // 13
      b.declTag("bpf_kfunc", f); // 14
      b.declTag("user", s, 1); // 15
      const v = b.var("counter", b.volatile(char)); // 16 volatile, 17 var
      b.datasec(".data", 1, [[v, 0, 1]]); // 18
    },
    expected: lines(
      "struct __va_list_tag {",
      "\tunsigned int gp_offset;",
      "\tunsigned int fp_offset;",
      "\tvoid *overflow_arg_area;",
      "\tvoid *reg_save_area;",
      "};",
      "",
      "typedef __builtin_va_list __gnuc_va_list;",
      "",
      "struct va_holder {",
      "\t__builtin_va_list ap;",
      '\tint __attribute__((btf_type_tag("user"))) *u;',
      "};",
      "",
      "",
    ),
  },
  {
    name: "empty structs and a struct with only padding",
    build: (b) => {
      b.struct("lock_class_key", 0, []); // 1
      b.struct("opaque", 16, []); // 2
      b.struct("holder", 4, [
        ["e", 4, 0],
        ["x", 5, 0],
      ]); // 3
      b.struct("", 0, []); // 4
      b.int("int", 4); // 5
    },
    expected: lines(
      "struct lock_class_key {};",
      "",
      "struct opaque {",
      "\tlong: 64;",
      "\tlong: 64;",
      "};",
      "",
      "struct holder {",
      "\tstruct {} e;",
      "\tint x;",
      "};",
      "",
      "",
    ),
  },
];

describe("dump --format c: hand-checked output of small BTFs", () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const b = new BtfBuilder();
      c.build(b);
      it("prints the expected C", () => {
        expect(body(b.btf)).toBe(c.expected);
      });
      it.skipIf(gcc.value === undefined)("compiles with gcc, layout included", () => {
        const asserts = layoutAsserts(b.btf);
        const r = compile("gcc", dumpBtfAsC(b.btf) + asserts.text + (c.use ?? ""));
        expect(r.errors).toBe("");
        expect(r.ok).toBe(true);
      });
      it.skipIf(clang.value === undefined)("compiles with clang, layout included", () => {
        const r = compile("clang", dumpBtfAsC(b.btf) + layoutAsserts(b.btf).text + (c.use ?? ""));
        expect(r.errors).toBe("");
        expect(r.ok).toBe(true);
      });
      it.skipIf(bpftool.value === undefined)("equals bpftool 7.1's output", () => {
        expect(dumpBtfAsC(b.btf, { enumSizeAttributes: false })).toBe(bpftoolC(b.btf));
      });
    });
  }
});

describe("dump --format c: details", () => {
  it.skipIf(gcc.value === undefined)("the compile check reports errors (so that passing means something)", () => {
    const r = compile("gcc", 'struct a { int x; };\n_Static_assert(sizeof(struct a) == 8, "size of struct a");\n');
    expect(r.ok).toBe(false);
    expect(r.errors).toMatch(/size of struct a/);
  });

  it("wraps the types in bpftool's vmlinux.h guard and preserve_access_index pragma", () => {
    const b = new BtfBuilder();
    b.typedef("u8", b.int("unsigned char", 1, "unsigned"));
    expect(dumpBtfAsC(b.btf)).toBe(
      lines(
        "#ifndef __VMLINUX_H__",
        "#define __VMLINUX_H__",
        "",
        "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX",
        "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)",
        "#endif",
        "",
        "typedef unsigned char u8;",
        "",
        "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX",
        "#pragma clang attribute pop",
        "#endif",
        "",
        "#endif /* __VMLINUX_H__ */",
        "",
      ),
    );
  });

  it("forces the size of 1-byte and 8-byte enums with mode attributes (libbpf >= 1.2), or not (bpftool 7.1)", () => {
    const b = new BtfBuilder();
    b.int("long", 8);
    b.enum("rw_hint", 1, [["WRITE_LIFE_NOT_SET", 0]]);
    b.enum("wide", 8, [["W", 1]]);
    b.enum64("wide64", 8, [["W64", 7n]]);
    b.enum64("natural64", 8, [["N64", 1n << 40n]]);
    const withAttrs = lines(
      "enum rw_hint {",
      "\tWRITE_LIFE_NOT_SET = 0,",
      "} __attribute__((mode(byte)));",
      "",
      "enum wide {",
      "\tW = 1,",
      "} __attribute__((mode(word)));",
      "",
      "enum wide64 {",
      "\tW64 = 7ULL,",
      "} __attribute__((mode(word)));",
      "",
      "enum natural64 {",
      "\tN64 = 1099511627776ULL,",
      "};",
      "",
      "",
    );
    expect(body(b.btf)).toBe(withAttrs);
    expect(body(b.btf, { enumSizeAttributes: false })).toBe(
      withAttrs.replace(/ __attribute__\(\(mode\(\w+\)\)\)/g, ""),
    );
  });

  it("dumps only the requested roots and what they need", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4);
    b.struct("unrelated", 4, [["x", int, 0]]);
    const inner = b.struct("inner", 4, [["x", int, 0]]);
    const outer = b.struct("outer", 4, [["i", inner, 0]]);
    expect(body(b.btf, { rootIds: [outer] })).toBe(
      lines("struct inner {", "\tint x;", "};", "", "struct outer {", "\tstruct inner i;", "};", "", ""),
    );
    expect(() => body(b.btf, { rootIds: [99] })).toThrow(BtfkitError);
  });

  it("rejects a struct that contains itself", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4);
    b.struct("loop", 8, [
      ["x", int, 0],
      ["self", 2, 32],
    ]);
    expect(() => body(b.btf)).toThrow(/unsatisfiable type cycle/);
  });

  it("rejects loops of modifiers and of pointers with a BtfkitError", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4); // 1
    b.const(3); // 2 -> 3
    b.volatile(2); // 3 -> 2
    b.struct("s", 8, [
      ["x", int, 0],
      ["p", 2, 32],
    ]); // 4: member of the looping type
    expect(() => body(b.btf)).toThrow(BtfkitError);
    const p = new BtfBuilder();
    p.ptr(2); // 1 -> 2
    p.ptr(1); // 2 -> 1
    expect(() => body(p.btf)).toThrow(BtfkitError);
  });

  it("takes the pointer size from the BTF's long", () => {
    const b32 = new BtfBuilder();
    b32.int("long int", 4);
    expect(btfPointerSize(b32.btf)).toBe(4);
    const b64 = new BtfBuilder();
    b64.int("long unsigned int", 8);
    expect(btfPointerSize(b64.btf)).toBe(8);
    // 32-bit target: `long` is 32 bits wide, so a 4-byte gap is one `long: 32`.
    const b = new BtfBuilder();
    const int = b.int("long int", 4);
    b.struct("s", 12, [
      ["p", b.ptr(int), 0],
      ["x", int, 64],
    ]);
    expect(body(b.btf)).toBe(lines("struct s {", "\tlong int *p;", "\tlong: 32;", "\tlong int x;", "};", "", ""));
  });

  it("streams in chunks that add up to the whole text", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4);
    for (let i = 0; i < 3000; i++) b.struct(`s${i}`, 4, [["x", int, 0]]);
    const chunks: string[] = [];
    writeBtfAsC(b.btf, (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(dumpBtfAsC(b.btf));
  });
});

describe("dump --format c: differential against bpftool 7.1 on random BTF", () => {
  it.skipIf(bpftool.value === undefined)(
    "200 random type graphs print the same C (or both refuse an impossible cycle)",
    () => {
      let same = 0;
      let refused = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const btf = randomBtf(seed, 8 + (seed % 5) * 12);
        const path = join(tmp, `random-${seed}.btf`);
        writeFileSync(path, writeBtf(btf));
        const ref = spawnSync("bpftool", ["btf", "dump", "file", path, "format", "c"], { encoding: "utf8" });
        if (ref.status !== 0) {
          // libbpf stops at a cycle through an anonymous struct ("unsatisfiable type cycle"); so must we.
          expect(() => dumpBtfAsC(btf, { enumSizeAttributes: false }), `seed ${seed}`).toThrow(BtfkitError);
          refused++;
          continue;
        }
        expect(dumpBtfAsC(btf, { enumSizeAttributes: false }), `seed ${seed}`).toBe(ref.stdout);
        same++;
      }
      expect(same).toBeGreaterThan(150);
      expect(same + refused).toBe(200);
    },
  );
});

describe("dump --format c: whole kernels", () => {
  it.skipIf(sys.value === undefined || gcc.value === undefined)(
    "/sys/kernel/btf/vmlinux compiles with gcc, with every unique struct's size and member offsets asserted",
    () => {
      const btf = loadBtf(sys.value!);
      const text = dumpBtfAsC(btf);
      const asserts = layoutAsserts(btf);
      expect(asserts.count).toBeGreaterThan(10_000);
      const r = compile("gcc", text + asserts.text);
      expect(r.errors).toBe("");
      expect(r.ok).toBe(true);
    },
  );
  it.skipIf(sys.value === undefined || clang.value === undefined)(
    "/sys/kernel/btf/vmlinux compiles with clang, for the host and for the BPF target (where vmlinux.h is used)",
    () => {
      const text = dumpBtfAsC(loadBtf(sys.value!));
      const host = compile("clang", text);
      expect(host.errors).toBe("");
      expect(host.ok).toBe(true);
      const bpf = compile("clang", text, ["--target=bpf"]);
      expect(bpf.errors).toBe("");
      expect(bpf.ok).toBe(true);
    },
  );
  it.skipIf(sys.value === undefined || bpftool.value === undefined)(
    "/sys/kernel/btf/vmlinux equals bpftool 7.1's output (without the enum size attributes it lacks)",
    () => {
      const expected = execFileSync("bpftool", ["btf", "dump", "file", sys.value!, "format", "c"], {
        encoding: "utf8",
        maxBuffer: 1 << 30,
      });
      expect(dumpBtfAsC(loadBtf(sys.value!), { enumSizeAttributes: false }) === expected).toBe(true);
    },
  );
  it.skipIf(deb.value === undefined || gcc.value === undefined)(
    "Debian 6.1 vmlinux .BTF compiles with gcc, layout asserted",
    () => {
      const btf = loadBtf(deb.value!.vmlinux);
      const r = compile("gcc", dumpBtfAsC(btf) + layoutAsserts(btf).text);
      expect(r.errors).toBe("");
      expect(r.ok).toBe(true);
    },
    120_000,
  );
  it.skipIf(deb.value === undefined || bpftool.value === undefined)(
    "Debian 6.1 vmlinux and split modules equal bpftool 7.1's output",
    () => {
      const vmlinux = deb.value!.vmlinux;
      const vm = loadBtf(vmlinux);
      const bpf = (args: string[]) => execFileSync("bpftool", args, { encoding: "utf8", maxBuffer: 1 << 30 });
      expect(
        dumpBtfAsC(vm, { enumSizeAttributes: false }) === bpf(["btf", "dump", "file", vmlinux, "format", "c"]),
      ).toBe(true);
      for (const ko of debianModules(deb.value!, 2)) {
        const mine = dumpBtfAsC(loadBtf(ko, { base: vm }), { enumSizeAttributes: false });
        expect(mine === bpf(["-B", vmlinux, "btf", "dump", "file", ko, "format", "c"]), ko).toBe(true);
      }
    },
    120_000,
  );
});
