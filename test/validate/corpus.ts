/**
 * The validate corpus: BTF blobs, each with the verdict the kernel's verifier (kernel/bpf/btf.c, Linux 6.18)
 * gives. Valid blobs exercise every kind in legal ways; each broken blob breaks exactly one rule, and its
 * expectation names the type id and the rule (in the kernel's words) that the kernel reports.
 *
 * The expectations come from reading btf.c and were checked against the running kernel with the btf-load oracle;
 * the agreement test re-checks every one of them against the kernel wherever BPF_BTF_LOAD is permitted.
 */
import { BTF_RULE, type BtfRule } from "../../src/btf/validate.js";
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND as K,
  BTF_MAX_TYPE,
  makeInfo,
} from "../../src/btf/kinds.js";
import { writeBtf } from "../../src/btf/write.js";
import { Asm, HDR, concat, getU32, withU32 } from "./asm.js";

export interface Broken {
  /** The type the kernel complains about; undefined for header and section problems. */
  typeId?: number;
  rule: BtfRule;
  /** The kernel's words for the rule (a substring of btfkit's message). */
  message: string;
}

export interface Case {
  name: string;
  blob: () => Uint8Array;
  /** "valid", or the first problem the kernel reports. */
  expect: "valid" | Broken;
}

const bad = (typeId: number | undefined, rule: BtfRule, message: string): Broken => ({ typeId, rule, message });

/** An assembler whose type [1] is `int`. */
function withInt(): Asm {
  const a = new Asm();
  a.int("int");
  return a;
}
/** A one-type blob built by `f` on top of `int` [1]. */
function one(f: (a: Asm) => void): () => Uint8Array {
  return () => {
    const a = withInt();
    f(a);
    return a.blob();
  };
}
function smallValid(): Uint8Array {
  return withInt().blob();
}

/** A BTF with every kind used legally, as a C compiler for BPF would emit it (and some legal oddities). */
export function everyKind(): Uint8Array {
  const a = new Asm();
  const int = a.int("int"); // 1
  const char = a.int("char", 1, 8, BTF_INT_CHAR); // 2
  const bool = a.int("_Bool", 1, 8, BTF_INT_BOOL); // 3
  const u64 = a.int("unsigned long long", 8, 64, 0); // 4  (INT names are not checked)
  const i128 = a.int("__int128", 16, 128, BTF_INT_SIGNED); // 5
  const fwd = a.fwd("later_defined"); // 6
  const ufwd = a.fwd("some_union", true); // 7
  const arr4 = a.array(char, int, 4); // 8
  const flex = a.array(char, int, 0); // 9
  // 10: struct node { int v; struct node *next; char tag[4]; u64 flags:3, mode:5; char data[]; }
  const nodePtr = 11; // created right after the struct: a forward reference
  const node = a.struct(
    "node",
    24,
    [
      ["v", int, 0, 0],
      ["next", nodePtr, 64, 0],
      ["tag", arr4, 128, 0],
      ["flags", u64, 160, 3],
      ["mode", u64, 163, 5],
      ["data", flex, 192, 0],
    ],
    true,
  ); // 10
  if (a.ptr(node) !== nodePtr) throw new Error("type ids moved"); // 11
  a.union("u", 8, [
    ["i", int, 0],
    ["c", char, 0],
    ["l", u64, 0],
  ]); // 12
  a.enum(
    "color",
    4,
    [
      ["RED", 0],
      ["GREEN", 1],
      ["MINUS", -1],
    ],
    true,
  ); // 13
  a.enum64("big", 8, [
    ["HUGE", 1n << 40n],
    ["SMALL", 1n],
  ]); // 14
  const cint = a.cnst(int); // 15
  const tag = a.typeTag("user", cint); // 16  type tags first, then modifiers: tag -> const -> int
  a.ptr(tag); // 17
  a.typedef("myint", int); // 18
  a.ptr(a.volatile(0)); // 19 volatile void, 20 pointer to it
  const proto = a.proto(int, [
    ["a", int],
    ["p", nodePtr],
    ["", 0],
  ]); // 21  int (int a, struct node *p, ...)
  const fn = a.func("main_like", proto, 1); // 22
  a.func("helper.cold", a.proto(0, [["x", u64]]), 0); // 23 proto, 24 func: dotted names are accepted
  a.ptr(proto); // 25  function pointer
  const v1 = a.variable("counter", int, 1); // 26
  const v2 = a.variable("state.local", node, 0); // 27
  a.datasec(".data..percpu x", 64, [
    [v1, 0, 4],
    [v2, 8, 24],
  ]); // 28
  a.float("double", 8); // 29
  a.float("long double", 16); // 30
  a.declTag("kfunc", fn); // 31
  a.declTag("arg", fn, 1); // 32  component 1: the parameter p
  a.declTag("field", node, 5); // 33
  a.declTag("var", v1); // 34
  a.struct("", 0, []); // 35  anonymous empty struct
  a.enum("", 4, []); // 36  enum without enumerators
  a.union("ufwd_user", 16, [
    ["p", a.ptr(ufwd), 0],
    ["f", a.ptr(fwd), 0],
    ["b", bool, 0],
    ["w", i128, 0, 0],
  ]); // 37, 38, 39
  return a.blob();
}

export const validCases: Case[] = [
  { name: "one int", blob: smallValid, expect: "valid" },
  { name: "every kind used legally", blob: everyKind, expect: "valid" },
  {
    name: "header with 4 zero bytes of padding (hdr_len 28)",
    blob: () => {
      const b = smallValid();
      const padded = concat(b.subarray(0, 24), new Uint8Array(4), b.subarray(24));
      return withU32(padded, HDR.hdrLen, 28);
    },
    expect: "valid",
  },
  {
    name: "names: Latin-1 letters, dots, 512 bytes",
    blob: one((a) => {
      a.typedef(a.latin1("caf\u00e9"), 1);
      a.typedef(".leading.dot", 1);
      a.typedef("a".repeat(512), 1);
    }),
    expect: "valid",
  },
  {
    name: "DATASEC names may hold any printable character",
    blob: one((a) => {
      const v = a.variable("x", 1);
      a.datasec("  .rodata.str1.1 (x)", 4, [[v, 0, 4]]);
    }),
    expect: "valid",
  },
  {
    name: "typedef void, const void, pointer to FUNC_PROTO",
    blob: one((a) => {
      a.typedef("v", 0);
      a.cnst(0);
      a.ptr(a.proto(0, []));
    }),
    expect: "valid",
  },
  // A modifier of a FUNC resolves to the FUNC's prototype, which a modifier may qualify (btf_modifier_resolve).
  {
    name: "CONST of a FUNC",
    blob: one((a) => {
      a.cnst(a.func("f", a.proto(1, [])));
    }),
    expect: "valid",
  },
  {
    name: "type ids referring forward",
    blob: one((a) => {
      a.ptr(3);
      a.typedef("t", 4);
      a.cnst(1);
    }),
    expect: "valid",
  },
  {
    name: "ARRAY indexed through a TYPEDEF of int",
    blob: one((a) => {
      a.array(1, a.typedef("idx_t", 1), 3);
    }),
    expect: "valid",
  },
  // The kernel checks a kind_flag struct's ENUM64 member as 32 bits wide (btf_enum_check_kflag_member).
  {
    name: "kind_flag STRUCT of 4 bytes holding an ENUM64",
    blob: one((a) => {
      a.struct("s", 4, [["e", a.enum64("e", 8, [["A", 1n]]), 0, 0]], true);
    }),
    expect: "valid",
  },
  {
    name: "TYPE_TAG with kind_flag (attribute tag)",
    blob: one((a) => {
      a.raw(a.s("attr"), makeInfo(K.TYPE_TAG, 0, true), 1);
    }),
    expect: "valid",
  },
  {
    name: "DECL_TAG with kind_flag on a struct member",
    blob: one((a) => {
      const s = a.struct("s", 4, [["m", 1, 0]]);
      a.raw(a.s("attr"), makeInfo(K.DECL_TAG, 0, true), s, [0]);
    }),
    expect: "valid",
  },
  {
    name: "descending chain of 40 typedefs (each resolves in one step)",
    blob: one((a) => {
      let prev = 1;
      for (let i = 0; i < 40; i++) prev = a.typedef(`t${i}`, prev);
    }),
    expect: "valid",
  },
];

/** One broken rule each. Type ids: [1] is `int` unless a case says otherwise. */
export const brokenCases: Case[] = [
  // --- header and sections -------------------------------------------------------------------------------
  {
    name: "bad magic",
    blob: () => {
      const b = smallValid();
      b[0] = 0x9e;
      return b;
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Invalid magic"),
  },
  {
    name: "big-endian BTF on a little-endian kernel",
    blob: () => writeBig(withInt()),
    expect: bad(undefined, BTF_RULE.HEADER, "Invalid magic"),
  },
  {
    name: "version 2",
    blob: () => {
      const b = smallValid();
      b[2] = 2;
      return b;
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Unsupported version"),
  },
  {
    name: "flags set",
    blob: () => {
      const b = smallValid();
      b[3] = 1;
      return b;
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Unsupported flags"),
  },
  {
    name: "longer header with a non-zero unknown field",
    blob: () => {
      const b = smallValid();
      return withU32(concat(b.subarray(0, 24), Uint8Array.of(1, 0, 0, 0), b.subarray(24)), HDR.hdrLen, 28);
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Unsupported btf_header"),
  },
  {
    name: "blob shorter than hdr_len",
    blob: () => smallValid().subarray(0, 6),
    expect: bad(undefined, BTF_RULE.HEADER, "hdr_len not found"),
  },
  {
    name: "hdr_len past the end",
    blob: () => withU32(smallValid(), HDR.hdrLen, 4096),
    expect: bad(undefined, BTF_RULE.HEADER, "btf_header not found"),
  },
  {
    name: "header only",
    blob: () => withU32(smallValid().slice(0, 24), HDR.hdrLen, 24),
    expect: bad(undefined, BTF_RULE.HEADER, "No data"),
  },
  {
    name: "gap between type and string sections",
    blob: () => {
      const b = smallValid();
      const typeLen = getU32(b, HDR.typeLen);
      const gapped = concat(b.subarray(0, 24 + typeLen), new Uint8Array(4), b.subarray(24 + typeLen));
      return withU32(gapped, HDR.strOff, typeLen + 4);
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Unsupported section found"),
  },
  {
    name: "trailing bytes after the string section",
    blob: () => concat(smallValid(), new Uint8Array(4)),
    expect: bad(undefined, BTF_RULE.HEADER, "Unsupported section found"),
  },
  {
    name: "string section overlapping the type section",
    blob: () => {
      const b = smallValid();
      return withU32(withU32(b, HDR.strOff, getU32(b, HDR.strOff) - 4), HDR.strLen, getU32(b, HDR.strLen) + 4);
    },
    expect: bad(undefined, BTF_RULE.HEADER, "Section overlap found"),
  },
  {
    name: "string section before the type section",
    blob: () => {
      const b = smallValid();
      const typeLen = getU32(b, HDR.typeLen),
        strLen = getU32(b, HDR.strLen);
      // Strings padded to 8 bytes first (so the types stay aligned), then the types.
      const strs = concat(b.subarray(24 + typeLen), new Uint8Array(8 - strLen));
      let out = concat(b.subarray(0, 24), strs, b.subarray(24, 24 + typeLen));
      out = withU32(out, HDR.strOff, 0);
      out = withU32(out, HDR.strLen, 8);
      return withU32(out, HDR.typeOff, 8);
    },
    expect: bad(undefined, BTF_RULE.STRINGS, "String section is not at the end"),
  },
  {
    name: "string section not starting with NUL",
    blob: () => {
      const b = smallValid();
      b[24 + getU32(b, HDR.strOff)] = 0x41;
      return b;
    },
    expect: bad(undefined, BTF_RULE.STRINGS, "Invalid string section"),
  },
  {
    name: "string section not ending with NUL",
    blob: () => {
      const b = smallValid();
      b[b.length - 1] = 0x41;
      return b;
    },
    expect: bad(undefined, BTF_RULE.STRINGS, "Invalid string section"),
  },
  {
    name: "empty type section",
    blob: () => {
      const b = smallValid();
      const typeLen = getU32(b, HDR.typeLen);
      let out = concat(b.subarray(0, 24), b.subarray(24 + typeLen));
      out = withU32(out, HDR.typeLen, 0);
      return withU32(out, HDR.strOff, 0);
    },
    expect: bad(undefined, BTF_RULE.HEADER, "No type found"),
  },
  {
    name: "more than 16 MiB",
    blob: () => {
      const a = withInt();
      a.s("x".repeat(BTF_MAX_SIZE_PLUS));
      return a.blob();
    },
    expect: bad(undefined, BTF_RULE.TOO_LARGE, "BTF too large"),
  },
  {
    name: "truncated type record",
    blob: () => {
      // An INT record without its encoding word: 12 bytes where 16 are needed.
      const b = smallValid();
      let out = concat(b.subarray(0, 24 + 12), b.subarray(24 + 16));
      out = withU32(out, HDR.typeLen, 12);
      return withU32(out, HDR.strOff, 12);
    },
    expect: bad(1, BTF_RULE.PARSE, "meta_left"),
  },
  {
    name: "unknown kind 20",
    blob: one((a) => {
      a.raw(0, 20 << 24, 0);
    }),
    expect: bad(2, BTF_RULE.PARSE, "Invalid kind"),
  },
  {
    name: "info bit 29 set",
    blob: one((a) => {
      a.raw(0, makeInfo(K.PTR, 0, false) | (1 << 29), 1);
    }),
    expect: bad(2, BTF_RULE.INFO, "Invalid btf_info"),
  },

  // --- meta: names, vlen, kind_flag, sizes -----------------------------------------------------------------
  {
    name: "name offset past the string section",
    blob: one((a) => {
      a.raw(9999, makeInfo(K.TYPEDEF, 0, false), 1);
    }),
    expect: bad(2, BTF_RULE.NAME_OFFSET, "Invalid name_offset"),
  },
  {
    name: "INT with vlen",
    blob: one((a) => {
      a.raw(a.s("i"), makeInfo(K.INT, 1, false), 4, [32]);
    }),
    expect: bad(2, BTF_RULE.VLEN, "vlen != 0"),
  },
  {
    name: "INT with kind_flag",
    blob: one((a) => {
      a.raw(a.s("i"), makeInfo(K.INT, 0, true), 4, [32]);
    }),
    expect: bad(2, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag"),
  },
  {
    name: "INT encoding word with bit 28",
    blob: one((a) => {
      a.raw(a.s("i"), makeInfo(K.INT, 0, false), 4, [(1 << 28) | 32]);
    }),
    expect: bad(2, BTF_RULE.INT, "Invalid int_data"),
  },
  {
    name: "INT of 129 bits",
    blob: one((a) => {
      a.int("i", 17, 129);
    }),
    expect: bad(2, BTF_RULE.INT, "nr_bits exceeds 128"),
  },
  {
    name: "INT bits larger than its size",
    blob: one((a) => {
      a.int("i", 4, 33);
    }),
    expect: bad(2, BTF_RULE.INT, "nr_bits exceeds type_size"),
  },
  {
    name: "INT bit offset pushing it past its size",
    blob: one((a) => {
      a.int("i", 4, 32, 0, 1);
    }),
    expect: bad(2, BTF_RULE.INT, "nr_bits exceeds type_size"),
  },
  {
    name: "INT with two encodings",
    blob: one((a) => {
      a.int("i", 1, 8, BTF_INT_SIGNED | BTF_INT_CHAR);
    }),
    expect: bad(2, BTF_RULE.INT, "Unsupported encoding"),
  },
  {
    name: "named PTR",
    blob: one((a) => {
      a.t("p", K.PTR, 0, false, 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "PTR with vlen",
    blob: one((a) => {
      a.t("", K.PTR, 1, false, 1);
    }),
    expect: bad(2, BTF_RULE.VLEN, "vlen != 0"),
  },
  {
    name: "CONST with kind_flag",
    blob: one((a) => {
      a.t("", K.CONST, 0, true, 1);
    }),
    expect: bad(2, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag"),
  },
  {
    name: "TYPEDEF type id above BTF_MAX_TYPE",
    blob: one((a) => {
      a.typedef("t", 0x100000);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "anonymous TYPEDEF",
    blob: one((a) => {
      a.typedef("", 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "TYPEDEF name starting with a digit",
    blob: one((a) => {
      a.typedef("9lives", 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "TYPEDEF name of 513 bytes",
    blob: one((a) => {
      a.typedef("a".repeat(513), 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "TYPEDEF name with the Latin-1 sign \u00d7",
    blob: one((a) => {
      a.typedef(a.latin1("a\u00d7"), 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "TYPE_TAG without a value",
    blob: one((a) => {
      a.typeTag("", 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "named ARRAY",
    blob: one((a) => {
      a.t("arr", K.ARRAY, 0, false, 0, [1, 1, 4]);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "ARRAY with a size",
    blob: one((a) => {
      a.t("", K.ARRAY, 0, false, 16, [1, 1, 4]);
    }),
    expect: bad(2, BTF_RULE.SIZE, "size != 0"),
  },
  {
    name: "ARRAY of void",
    blob: one((a) => {
      a.array(0, 1, 4);
    }),
    expect: bad(2, BTF_RULE.ARRAY, "Invalid elem"),
  },
  {
    name: "ARRAY with index void",
    blob: one((a) => {
      a.array(1, 0, 4);
    }),
    expect: bad(2, BTF_RULE.ARRAY, "Invalid index"),
  },
  {
    name: "STRUCT name with a space",
    blob: one((a) => {
      a.struct("my struct", 4, [["a", 1, 0]]);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "STRUCT member name with '-'",
    blob: one((a) => {
      a.struct("s", 4, [["a-b", 1, 0]]);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "STRUCT member name offset past the strings",
    blob: one((a) => {
      a.t("s", K.STRUCT, 1, false, 4, [9999, 1, 0]);
    }),
    expect: bad(2, BTF_RULE.NAME_OFFSET, "Invalid member name_offset"),
  },
  {
    name: "STRUCT member of type void",
    blob: one((a) => {
      a.struct("s", 4, [["a", 0, 0]]);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "STRUCT members out of order",
    blob: one((a) => {
      a.struct("s", 8, [
        ["a", 1, 32],
        ["b", 1, 0],
      ]);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Invalid member bits_offset"),
  },
  {
    name: "UNION member at a non-zero offset",
    blob: one((a) => {
      a.union("u", 8, [
        ["a", 1, 0],
        ["b", 1, 32],
      ]);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Invalid member bits_offset"),
  },
  {
    name: "STRUCT member offset past the struct",
    blob: one((a) => {
      a.struct("s", 4, [["a", 1, 40]]);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Member bits_offset exceeds its struct size"),
  },
  {
    name: "ENUM of size 3",
    blob: one((a) => {
      a.enum("e", 3, [["A", 1]]);
    }),
    expect: bad(2, BTF_RULE.ENUM_SIZE, "Unexpected size"),
  },
  {
    name: "ENUM64 of size 16",
    blob: one((a) => {
      a.enum64("e", 16, [["A", 1n]]);
    }),
    expect: bad(2, BTF_RULE.ENUM_SIZE, "Unexpected size"),
  },
  {
    name: "ENUM name with '+'",
    blob: one((a) => {
      a.enum("e+", 4, [["A", 1]]);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "ENUM enumerator without a name",
    blob: one((a) => {
      a.enum("e", 4, [
        ["A", 1],
        ["", 2],
      ]);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "ENUM enumerator name offset past the strings",
    blob: one((a) => {
      a.t("e", K.ENUM, 1, false, 4, [9999, 1]);
    }),
    expect: bad(2, BTF_RULE.NAME_OFFSET, "Invalid name_offset"),
  },
  {
    name: "FWD with a type",
    blob: one((a) => {
      a.t("f", K.FWD, 0, false, 1);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "type != 0"),
  },
  {
    name: "FWD with vlen",
    blob: one((a) => {
      a.t("f", K.FWD, 2, false, 0);
    }),
    expect: bad(2, BTF_RULE.VLEN, "vlen != 0"),
  },
  {
    name: "anonymous FWD",
    blob: one((a) => {
      a.fwd("");
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "named FUNC_PROTO",
    blob: one((a) => {
      a.t("p", K.FUNC_PROTO, 0, false, 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "FUNC_PROTO with kind_flag",
    blob: one((a) => {
      a.t("", K.FUNC_PROTO, 0, true, 1);
    }),
    expect: bad(2, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag"),
  },
  {
    name: "anonymous FUNC",
    blob: one((a) => {
      a.func("", a.proto(1, []));
    }),
    expect: bad(3, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "FUNC with extern linkage",
    blob: one((a) => {
      a.func("f", a.proto(1, []), 2);
    }),
    expect: bad(3, BTF_RULE.LINKAGE, "Invalid func linkage"),
  },
  {
    name: "FUNC with kind_flag",
    blob: one((a) => {
      a.t("f", K.FUNC, 0, true, a.proto(1, []));
    }),
    expect: bad(3, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag"),
  },
  {
    name: "VAR with vlen",
    blob: one((a) => {
      a.t("v", K.VAR, 1, false, 1, [1]);
    }),
    expect: bad(2, BTF_RULE.VLEN, "vlen != 0"),
  },
  {
    name: "VAR name with a space",
    blob: one((a) => {
      a.variable("my var", 1);
    }),
    expect: bad(2, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "VAR of type void",
    blob: one((a) => {
      a.variable("v", 0);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "VAR with extern linkage",
    blob: one((a) => {
      a.variable("v", 1, 2);
    }),
    expect: bad(2, BTF_RULE.LINKAGE, "Linkage not supported"),
  },
  {
    name: "DATASEC of size 0",
    blob: one((a) => {
      a.datasec(".data", 0, [[a.variable("v", 1), 0, 4]]);
    }),
    expect: bad(3, BTF_RULE.SIZE, "size == 0"),
  },
  {
    name: "DATASEC with kind_flag",
    blob: one((a) => {
      const v = a.variable("v", 1);
      a.t(".data", K.DATASEC, 1, true, 4, [v, 0, 4]);
    }),
    expect: bad(3, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag"),
  },
  {
    name: "DATASEC name with a control character",
    blob: one((a) => {
      a.datasec(".da\tta", 4, [[a.variable("v", 1), 0, 4]]);
    }),
    expect: bad(3, BTF_RULE.NAME, "Invalid name"),
  },
  {
    name: "DATASEC entry at the section's end",
    blob: one((a) => {
      a.datasec(".data", 4, [[a.variable("v", 1), 4, 4]]);
    }),
    expect: bad(3, BTF_RULE.DATASEC, "Invalid offset"),
  },
  {
    name: "DATASEC entries overlapping",
    blob: one((a) => {
      const v = a.variable("v", 1),
        w = a.variable("w", 1);
      a.datasec(".data", 8, [
        [v, 0, 4],
        [w, 2, 4],
      ]);
    }),
    expect: bad(4, BTF_RULE.DATASEC, "Invalid offset"),
  },
  {
    name: "DATASEC entry of size 0",
    blob: one((a) => {
      a.datasec(".data", 4, [[a.variable("v", 1), 0, 0]]);
    }),
    expect: bad(3, BTF_RULE.DATASEC, "Invalid size"),
  },
  {
    name: "DATASEC entry running past the end",
    blob: one((a) => {
      a.datasec(".data", 6, [[a.variable("v", 1), 4, 4]]);
    }),
    expect: bad(3, BTF_RULE.DATASEC, "Invalid offset+size"),
  },
  {
    name: "DATASEC entry of type void",
    blob: one((a) => {
      a.datasec(".data", 4, [[0, 0, 4]]);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "FLOAT of size 3",
    blob: one((a) => {
      a.float("f", 3);
    }),
    expect: bad(2, BTF_RULE.SIZE, "Invalid type_size"),
  },
  {
    name: "FLOAT with vlen",
    blob: one((a) => {
      a.t("f", K.FLOAT, 1, false, 4);
    }),
    expect: bad(2, BTF_RULE.VLEN, "vlen != 0"),
  },
  {
    name: "DECL_TAG without a value",
    blob: one((a) => {
      a.declTag("", a.struct("s", 4, [["m", 1, 0]]));
    }),
    expect: bad(3, BTF_RULE.DECL_TAG, "Invalid value"),
  },
  {
    name: "DECL_TAG component_idx -2",
    blob: one((a) => {
      a.declTag("t", a.struct("s", 4, [["m", 1, 0]]), -2);
    }),
    expect: bad(3, BTF_RULE.DECL_TAG, "Invalid component_idx"),
  },
  {
    name: "DECL_TAG with vlen",
    blob: one((a) => {
      a.t("t", K.DECL_TAG, 1, false, a.struct("s", 4, [["m", 1, 0]]), [-1]);
    }),
    expect: bad(3, BTF_RULE.VLEN, "vlen != 0"),
  },

  // --- resolve: references, loops, members, arrays, functions, sections, tags ----------------------------
  {
    name: "PTR to a type that does not exist",
    blob: one((a) => {
      a.ptr(50);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "TYPEDEF of a VAR",
    blob: one((a) => {
      a.typedef("t", a.variable("v", 1));
    }),
    expect: bad(3, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "CONST of a DECL_TAG",
    blob: one((a) => {
      a.cnst(a.declTag("t", a.struct("s", 4, [["m", 1, 0]])));
    }),
    expect: bad(4, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "TYPEDEF loop",
    blob: one((a) => {
      a.typedef("a", 3);
      a.typedef("b", 2);
    }),
    expect: bad(2, BTF_RULE.LOOP, "Loop detected"),
  },
  {
    name: "PTR loop through CONST",
    blob: one((a) => {
      a.ptr(3);
      a.cnst(2);
    }),
    expect: bad(2, BTF_RULE.LOOP, "Loop detected"),
  },
  {
    name: "STRUCT containing itself",
    blob: one((a) => {
      a.struct("s", 8, [
        ["a", 1, 0],
        ["self", 2, 32],
      ]);
    }),
    expect: bad(2, BTF_RULE.LOOP, "Loop detected"),
  },
  {
    name: "33 typedefs referring forward (resolve depth)",
    blob: one((a) => {
      for (let i = 0; i < 33; i++) a.typedef(`t${i}`, 3 + i);
      a.cnst(1);
    }),
    expect: bad(2, BTF_RULE.DEPTH, "Exceeded max resolving depth"),
  },
  {
    name: "ARRAY indexed by a STRUCT",
    blob: one((a) => {
      a.array(1, a.struct("s", 4, [["m", 1, 0]]), 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid index"),
  },
  {
    name: "ARRAY indexed by a 3-bit INT",
    blob: one((a) => {
      a.array(1, a.int("i3", 1, 3, 0), 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid index"),
  },
  {
    name: "ARRAY of FUNC_PROTO",
    blob: one((a) => {
      a.array(a.proto(1, []), 1, 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid elem"),
  },
  {
    name: "ARRAY of a 3-bit INT",
    blob: one((a) => {
      a.array(a.int("i3", 1, 3, 0), 1, 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid array of int"),
  },
  {
    name: "ARRAY larger than 4 GiB",
    blob: one((a) => {
      a.array(1, 1, 0x40000000);
    }),
    expect: bad(2, BTF_RULE.ARRAY, "Array size overflows U32_MAX"),
  },
  {
    name: "STRUCT member of FWD type",
    blob: one((a) => {
      a.struct("s", 4, [["m", a.fwd("f"), 0]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Invalid member"),
  },
  {
    name: "STRUCT member of a typedef of void",
    blob: one((a) => {
      a.struct("s", 4, [["m", a.typedef("v", 0), 0]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Invalid member"),
  },
  {
    name: "STRUCT member INT running past the end",
    blob: one((a) => {
      a.struct("s", 4, [["m", 1, 8]]);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Member exceeds struct_size"),
  },
  {
    name: "STRUCT member PTR not byte aligned",
    blob: one((a) => {
      a.struct("s", 16, [["p", a.ptr(1), 4]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Member is not byte aligned"),
  },
  {
    name: "STRUCT member STRUCT past the end",
    blob: one((a) => {
      const i = a.struct("in", 8, []);
      a.struct("s", 8, [
        ["a", 1, 0],
        ["b", i, 32],
      ]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Member exceeds struct_size"),
  },
  {
    name: "kind_flag STRUCT with a PTR bitfield",
    blob: one((a) => {
      a.struct("s", 8, [["p", a.ptr(1), 0, 4]], true);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Invalid member bitfield_size"),
  },
  {
    name: "kind_flag STRUCT bitfield wider than its INT",
    blob: one((a) => {
      a.struct("s", 8, [["b", 1, 0, 33]], true);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Invalid member bitfield_size"),
  },
  {
    name: "kind_flag STRUCT member of a bitfield INT",
    blob: one((a) => {
      a.struct("s", 4, [["b", a.int("i3", 1, 3, 0), 0, 2]], true);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Invalid member base type"),
  },
  {
    name: "kind_flag STRUCT non-bitfield INT at bit 4",
    blob: one((a) => {
      a.struct("s", 8, [["b", 1, 4, 0]], true);
    }),
    expect: bad(2, BTF_RULE.MEMBER, "Invalid member offset"),
  },
  {
    name: "FLOAT member misaligned",
    blob: one((a) => {
      a.struct("s", 16, [["f", a.float("double", 8), 32]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Member is not properly aligned"),
  },
  {
    name: "kind_flag STRUCT enum bitfield of 33 bits",
    blob: one((a) => {
      a.struct("s", 8, [["e", a.enum("e", 4, [["A", 0]]), 0, 33]], true);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Invalid member bitfield_size"),
  },
  {
    name: "ENUM member not byte aligned",
    blob: one((a) => {
      a.struct("s", 8, [["e", a.enum("e", 4, [["A", 0]]), 3]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Member is not byte aligned"),
  },
  {
    name: "STRUCT of 4 bytes holding an ENUM64",
    blob: one((a) => {
      a.struct("s", 4, [["e", a.enum64("e", 8, [["A", 1n]]), 0]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "Member exceeds struct_size"),
  },
  {
    name: "STRUCT member __int128 at bit 4",
    blob: one((a) => {
      a.struct("s", 32, [["w", a.int("__int128", 16, 128), 4]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "nr_copy_bits exceeds 128"),
  },
  {
    name: "STRUCT member at bit 0xffffffff of an INT with a bit offset",
    blob: one((a) => {
      a.struct("s", 0x20000000, [["b", a.int("i", 4, 31, 0, 1), 0xffffffff]]);
    }),
    expect: bad(3, BTF_RULE.MEMBER, "bits_offset exceeds U32_MAX"),
  },
  {
    name: "STRUCT member of DATASEC type",
    blob: one((a) => {
      a.struct("s", 4, [["d", a.datasec(".bss", 4, [[a.variable("v", 1), 0, 4]]), 0]]);
    }),
    expect: bad(4, BTF_RULE.MEMBER, "Invalid member"),
  },
  {
    name: "PTR to a DATASEC",
    blob: one((a) => {
      a.ptr(a.datasec(".bss", 4, [[a.variable("v", 1), 0, 4]]));
    }),
    expect: bad(4, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "ARRAY of VAR",
    blob: one((a) => {
      a.array(a.variable("v", 1), 1, 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid elem"),
  },
  {
    name: "ARRAY indexed by an ENUM",
    blob: one((a) => {
      a.array(1, a.enum("e", 4, [["A", 0]]), 2);
    }),
    expect: bad(3, BTF_RULE.ARRAY, "Invalid index"),
  },
  {
    name: "VAR of a FWD",
    blob: one((a) => {
      a.variable("v", a.fwd("f"));
    }),
    expect: bad(3, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "DATASEC entry that is not a VAR",
    blob: one((a) => {
      a.datasec(".data", 4, [[1, 0, 4]]);
    }),
    expect: bad(2, BTF_RULE.DATASEC, "Not a VAR kind member"),
  },
  {
    name: "DATASEC entry smaller than its variable",
    blob: one((a) => {
      a.datasec(".data", 4, [[a.variable("v", a.int("long", 8)), 0, 4]]);
    }),
    expect: bad(4, BTF_RULE.DATASEC, "Invalid size"),
  },
  {
    name: "FUNC of a non-prototype",
    blob: one((a) => {
      a.func("f", 1);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "FUNC whose parameter has no name",
    blob: one((a) => {
      a.func("f", a.proto(1, [["", 1]]));
    }),
    expect: bad(3, BTF_RULE.FUNC_PROTO, "Invalid arg#1"),
  },
  {
    name: "FUNC_PROTO returning a FUNC_PROTO",
    blob: one((a) => {
      a.proto(a.proto(1, []), []);
    }),
    expect: bad(3, BTF_RULE.FUNC_PROTO, "Invalid return type"),
  },
  {
    name: "FUNC_PROTO returning a DATASEC",
    blob: one((a) => {
      a.proto(a.datasec(".bss", 4, [[a.variable("v", 1), 0, 4]]), []);
    }),
    expect: bad(4, BTF_RULE.FUNC_PROTO, "Invalid return type"),
  },
  {
    name: "FUNC_PROTO taking a VAR",
    blob: one((a) => {
      a.proto(1, [["x", a.variable("v", 1)]]);
    }),
    expect: bad(3, BTF_RULE.FUNC_PROTO, "Invalid arg#1"),
  },
  {
    name: "FUNC_PROTO returning a missing type",
    blob: one((a) => {
      a.proto(77, []);
    }),
    expect: bad(2, BTF_RULE.FUNC_PROTO, "Invalid return type"),
  },
  {
    name: "FUNC_PROTO with a named vararg",
    blob: one((a) => {
      a.proto(1, [
        ["a", 1],
        ["rest", 0],
      ]);
    }),
    expect: bad(2, BTF_RULE.FUNC_PROTO, "Invalid arg#2"),
  },
  {
    name: "FUNC_PROTO with void in the middle",
    blob: one((a) => {
      a.proto(1, [
        ["", 0],
        ["b", 1],
      ]);
    }),
    expect: bad(2, BTF_RULE.FUNC_PROTO, "Invalid arg#1"),
  },
  {
    name: "FUNC_PROTO parameter name starting with a digit",
    blob: one((a) => {
      a.proto(1, [["1st", 1]]);
    }),
    expect: bad(2, BTF_RULE.FUNC_PROTO, "Invalid arg#1"),
  },
  {
    name: "FUNC_PROTO parameter of a missing type",
    blob: one((a) => {
      a.proto(1, [["a", 99]]);
    }),
    expect: bad(2, BTF_RULE.FUNC_PROTO, "Invalid arg#1"),
  },
  {
    name: "DECL_TAG on an INT",
    blob: one((a) => {
      a.declTag("t", 1);
    }),
    expect: bad(2, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "DECL_TAG component on a VAR",
    blob: one((a) => {
      a.declTag("t", a.variable("v", 1), 0);
    }),
    expect: bad(3, BTF_RULE.DECL_TAG, "Invalid component_idx"),
  },
  {
    name: "DECL_TAG component past the members",
    blob: one((a) => {
      a.declTag("t", a.struct("s", 4, [["m", 1, 0]]), 1);
    }),
    expect: bad(3, BTF_RULE.DECL_TAG, "Invalid component_idx"),
  },
  {
    name: "DECL_TAG component past the parameters",
    blob: one((a) => {
      a.declTag("t", a.func("f", a.proto(1, [["a", 1]])), 1);
    }),
    expect: bad(4, BTF_RULE.DECL_TAG, "Invalid component_idx"),
  },
  {
    name: "TYPE_TAG after CONST",
    blob: one((a) => {
      a.cnst(a.typeTag("user", 1));
    }),
    expect: bad(3, BTF_RULE.TYPE_TAG_ORDER, "Type tags don't precede modifiers"),
  },
];

/**
 * Around BTF_MAX_TYPE: the kernel's table holds ids up to 0xffffe; later types get their meta checked and are then
 * dropped without an error, so nothing can refer to them. `consts` CONST-void records come first.
 */
function manyTypes(consts: number, f: (a: Asm) => void): () => Uint8Array {
  return () => {
    const a = new Asm();
    const info = makeInfo(K.CONST, 0, false);
    for (let i = 0; i < consts; i++) a.btf.add(0, info, 0);
    f(a);
    return a.blob();
  };
}
validCases.push({
  name: "types past BTF_MAX_TYPE (dropped by the kernel, so a reference among them is never resolved)",
  blob: manyTypes(BTF_MAX_TYPE, (a) => {
    a.typedef("t", BTF_MAX_TYPE);
  }),
  expect: "valid",
});
brokenCases.push(
  {
    name: "a type past BTF_MAX_TYPE breaking a meta rule",
    blob: manyTypes(BTF_MAX_TYPE, (a) => {
      a.typedef("t", BTF_MAX_TYPE + 1);
    }),
    expect: bad(BTF_MAX_TYPE + 1, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
  {
    name: "a reference to a type past BTF_MAX_TYPE",
    blob: manyTypes(BTF_MAX_TYPE - 2, (a) => {
      a.typedef("t", BTF_MAX_TYPE);
      a.cnst(0);
    }),
    expect: bad(BTF_MAX_TYPE - 1, BTF_RULE.TYPE_ID, "Invalid type_id"),
  },
);

/** 16 MiB + 1 byte of string: just over the kernel's BTF_MAX_SIZE with the header and one INT. */
const BTF_MAX_SIZE_PLUS = 16 * 1024 * 1024;

function writeBig(a: Asm): Uint8Array {
  return writeBtf(a.btf, { byteOrder: "big" });
}
