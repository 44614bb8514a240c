/**
 * Rust → BTF on the committed crate object (test/fixtures/rust/rustfix.o, built from src/lib.rs by build.sh).
 * The expected BTF below is written by hand from lib.rs and docs/rust-to-btf.md §4; layouts (offsets, tag types)
 * are rustc's (x86-64), read off the Rust source: rustc sorts fields by alignment, largest first, and puts
 * zero-sized fields last.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { parseFeatures } from "../../src/encode/features.js";
import { encodeFile, type EncodeResult } from "../../src/encode/encode.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip } from "../util/inputs.js";
import { find, findAll, RUSTFIX_O, shape } from "./helpers.js";

const oracle = oracleAvailable();
announceSkip("Rust BTF: the kernel's verdict", oracle.available ? { value: true } : { missing: oracle.reason });

const U8 = "int 'u8' size=1 bits=8 none";
const U16 = "int 'u16' size=2 bits=16 none";
const U32 = "int 'u32' size=4 bits=32 none";
const U64 = "int 'u64' size=8 bits=64 none";
const I32 = "int 'i32' size=4 bits=32 signed";
const USIZE = "int 'usize' size=8 bits=64 none";
const CHAR = "int 'char' size=4 bits=32 none";
const BOOL = "int 'bool' size=1 bits=8 bool";
const INDEX = "int '__ARRAY_SIZE_TYPE__' size=8 bits=64 none";

let r: EncodeResult;
let btf: Btf;
beforeAll(() => {
  r = encodeFile(RUSTFIX_O, { features: parseFeatures("default,global_var") });
  btf = r.btf;
});

describe("rustfix.o: the kernel's rules", () => {
  it("passes btfkit's offline verifier", () => {
    expect(validateBtf(btf)).toEqual([]);
  });

  it.skipIf(!oracle.available)("is accepted by the kernel (BPF_BTF_LOAD)", () => {
    expect(kernelVerdict(writeBtf(btf)).reason).toBe("");
    expect(
      kernelVerdict(writeBtf(encodeFile(RUSTFIX_O, { features: parseFeatures("default,rust_qualified_names") }).btf))
        .reason,
    ).toBe("");
    // pahole 1.24's defaults: no FLOAT kind, flat arrays.
    expect(
      kernelVerdict(
        writeBtf(encodeFile(RUSTFIX_O, { features: parseFeatures("encode_force,var,enum64,flat_arrays") }).btf),
      ).reason,
    ).toBe("");
  });

  it("names every type with a portable identifier; pointers, arrays and prototypes are anonymous", () => {
    const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
    for (let id = btf.startId; id < btf.endId; id++) {
      const kind = btf.kind(id);
      const name = btf.name(id);
      if (kind === BTF_KIND.PTR || kind === BTF_KIND.ARRAY || kind === BTF_KIND.FUNC_PROTO)
        expect(name, `type ${id}`).toBe("");
      // Section names and decl tag values are not identifiers (the kernel checks them as printable strings).
      else if (kind === BTF_KIND.DATASEC || kind === BTF_KIND.DECL_TAG) continue;
      else if (name !== "") {
        expect(name, `type ${id}`).toMatch(ident);
        expect(name.length).toBeLessThanOrEqual(128);
      }
      if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) {
        for (let k = 0; k < btf.vlen(id); k++) {
          const m = btf.strings.get(btf.extraWord(id, 3 * k));
          if (m !== "") expect(m).toMatch(ident);
        }
      }
    }
  });

  it("warns about the one type it cannot keep whole, by name", () => {
    expect(r.warnings).toEqual([
      "enum Huge (16 bytes) has no BTF enum kind: encoded as a typedef of its 128-bit integer, enumerators dropped",
    ]);
    expect(shape(btf, find(btf, BTF_KIND.TYPEDEF, "Huge"))).toBe("typedef 'Huge' -> int 'u128' size=16 bits=128 none");
  });

  it("encodes every named Rust type of the crate", () => {
    for (const [kind, name] of [
      [BTF_KIND.STRUCT, "Msg"],
      [BTF_KIND.STRUCT, "Reordered"],
      [BTF_KIND.STRUCT, "WithZst"],
      [BTF_KIND.STRUCT, "Packed"],
      [BTF_KIND.STRUCT, "Dst"],
      [BTF_KIND.STRUCT, "Holder"],
      [BTF_KIND.STRUCT, "CPoint"],
      [BTF_KIND.UNION, "CUnion"],
      [BTF_KIND.STRUCT, "String"],
      [BTF_KIND.STRUCT, "Unit"],
      [BTF_KIND.ENUM, "Color"],
      [BTF_KIND.ENUM64, "Wide"],
    ] as const)
      expect(findAll(btf, kind, name), name).toHaveLength(1);
    // net::ipv4::Addr and net::ipv6::Addr share the short name; qualified names tell them apart.
    expect(findAll(btf, BTF_KIND.STRUCT, "Addr")).toHaveLength(2);
    const q = encodeFile(RUSTFIX_O, { features: parseFeatures("default,rust_qualified_names") }).btf;
    expect(shape(q, find(q, BTF_KIND.STRUCT, "rustfix__net__ipv4__Addr"))).toBe(
      `struct 'rustfix__net__ipv4__Addr' size=4 {octets: [4] ${U8} index ${INDEX} @0}`,
    );
    expect(shape(q, find(q, BTF_KIND.STRUCT, "rustfix__net__ipv6__Addr"))).toBe(
      `struct 'rustfix__net__ipv6__Addr' size=16 {segments: [8] ${U16} index ${INDEX} @0}`,
    );
    expect(findAll(q, BTF_KIND.STRUCT, "rustfix__Msg__Move")).toHaveLength(1);
  });
});

describe("rustfix.o: exact BTF of representative types", () => {
  it("a data-carrying enum: the tag, and an anonymous union of full-size variant structs Enum__Variant", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Msg"))).toBe(
      `struct 'Msg' size=16 {__discr: ${U32} @0; (anon): union '' size=16 {Quit: struct 'Msg__Quit' @0; Move: struct 'Msg__Move' @0; Write: struct 'Msg__Write' @0} @0}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Msg__Quit"))).toBe("struct 'Msg__Quit' size=16 {}");
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Msg__Move"))).toBe(
      `struct 'Msg__Move' size=16 {x: ${I32} @32; y: ${I32} @64}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Msg__Write"))).toBe(`struct 'Msg__Write' size=16 {__0: ${U64} @64}`);
  });

  it("a niche enum: Option<&CPoint> has the pointer as its discriminant", () => {
    const name = "Option_3C__26_rustfix_3A__3A_CPoint_3E_";
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, name))).toBe(
      `struct '${name}' size=8 {__discr: ${U64} @0; (anon): union '' size=8 {None: struct '${name}_None' @0; Some: struct '${name}_Some' @0} @0}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, `${name}_Some`))).toBe(
      `struct '${name}_Some' size=8 {__0: ptr() -> struct 'CPoint' @0}`,
    );
  });

  it("discriminant values as decl tags on the variants' union members", () => {
    const tagsOf = (structName: string): string[] => {
      const sid = find(btf, BTF_KIND.STRUCT, structName);
      const union = btf.extraWord(sid, 3 * 1 + 1); // the anonymous union, after __discr at the same offset
      expect(btf.kind(union)).toBe(BTF_KIND.UNION);
      const r: string[] = [];
      for (let id = btf.startId; id < btf.endId; id++) {
        if (btf.kind(id) === BTF_KIND.DECL_TAG && btf.sizeTypeOf(id) === union)
          r.push(`${btf.extraWord(id, 0)}:${btf.name(id)}`);
      }
      return r.sort();
    };
    // Msg's variants are numbered in declaration order; Option<&T>'s None is the null pointer, Some the default.
    expect(tagsOf("Msg")).toEqual(["0:discr=0", "1:discr=1", "2:discr=2"]);
    expect(tagsOf("Option_3C__26_rustfix_3A__3A_CPoint_3E_")).toEqual(["0:discr=0"]);
  });

  it("generic and const-generic structs: escaped names, fields by offset", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Pair_3C_u16_2C__20_char_3E_"))).toBe(
      `struct 'Pair_3C_u16_2C__20_char_3E_' size=8 {second: ${CHAR} @0; first: ${U16} @32}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Buf_3C_12_3E_"))).toBe(
      `struct 'Buf_3C_12_3E_' size=16 {len: ${U32} @0; data: [12] ${U8} index ${INDEX} @32}`,
    );
  });

  it("a slice, &str and &dyn Trait: fat pointers", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "_26__5B_u32_5D_"))).toBe(
      `struct '_26__5B_u32_5D_' size=16 {data_ptr: ptr() -> ${U32} @0; length: ${USIZE} @64}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "_26_str"))).toBe(
      `struct '_26_str' size=16 {data_ptr: ptr() -> ${U8} @0; length: ${USIZE} @64}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "_26_dyn_20_rustfix_3A__3A_Shape"))).toBe(
      `struct '_26_dyn_20_rustfix_3A__3A_Shape' size=16 {pointer: ptr() -> struct 'dyn_20_rustfix_3A__3A_Shape' @0; vtable: ptr() -> [4] ${USIZE} index ${INDEX} @64}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "dyn_20_rustfix_3A__3A_Shape"))).toBe(
      "struct 'dyn_20_rustfix_3A__3A_Shape' size=0 {}",
    );
  });

  it("a closure: its environment struct with the captured variable", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "_7B_closure_env_23_0_7D_"))).toBe(
      `struct '_7B_closure_env_23_0_7D_' size=4 {offset: ${U32} @0}`,
    );
  });

  it("a tuple, reordered fields, zero-sized fields and the unit type", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "_28_u8_2C__20_u64_2C__20_bool_29_"))).toBe(
      `struct '_28_u8_2C__20_u64_2C__20_bool_29_' size=16 {__1: ${U64} @0; __0: ${U8} @64; __2: ${BOOL} @72}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Reordered"))).toBe(
      `struct 'Reordered' size=16 {big: ${U64} @0; ch: ${CHAR} @64; mid: ${U16} @96; flag: ${BOOL} @112; small: ${U8} @120}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "WithZst"))).toBe(
      `struct 'WithZst' size=4 {v: ${U32} @0; u: struct 'Unit' @32; nothing: int '_28__29_' size=0 bits=0 none @32; marker: struct 'PhantomData_3C_u64_3E_' @32}`,
    );
  });

  it("repr(packed): a misaligned float becomes an INT of the same size and name; repr(C) unions", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Packed"))).toBe(
      `struct 'Packed' size=13 {tag: ${U8} @0; value: int 'f64' size=8 bits=64 none @8; count: ${U32} @72}`,
    );
    expect(shape(btf, find(btf, BTF_KIND.UNION, "CUnion"))).toBe(
      `union 'CUnion' size=4 {i: ${U32} @0; f: float 'f32' size=4 @0; b: [4] ${U8} index ${INDEX} @0}`,
    );
  });

  it("an unsized tail becomes a flexible array", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Dst"))).toBe(
      `struct 'Dst' size=4 {len: ${U32} @0; data: [0] ${U16} index ${INDEX} @32}`,
    );
  });

  it("field-less enums: ENUM or ENUM64 with the signedness of their repr", () => {
    expect(shape(btf, find(btf, BTF_KIND.ENUM, "Color"))).toBe("enum 'Color' size=1 unsigned {Red=1, Green=2, Blue=4}");
    expect(shape(btf, find(btf, BTF_KIND.ENUM, "Signed"))).toBe("enum 'Signed' size=2 signed {Low=-300, High=300}");
    expect(shape(btf, find(btf, BTF_KIND.ENUM64, "Wide"))).toBe(
      "enum64 'Wide' size=8 signed {Neg=-5, Big=1099511627776}",
    );
  });

  it("Holder: every member kind, sorted by offset, String and Vec included", () => {
    const s = shape(btf, find(btf, BTF_KIND.STRUCT, "Holder"));
    for (const m of [
      "big: int 'u128' size=16 bits=128 none",
      "neg: int 'i128' size=16 bits=128 signed",
      "ratio: float 'f32' size=4",
      `callback: ptr() -> fn(${U32}) -> ${U32}`,
      "owned: struct 'String'",
      "list: struct 'Vec_3C_u64_2C__20_alloc_3A__3A_alloc_3A__3A_Global_3E_'",
      "res: struct 'Result_3C_u32_2C__20_i16_3E_'",
      "opt128: struct 'Option_3C_i128_3E_'",
    ])
      expect(s).toContain(m);
    const h = find(btf, BTF_KIND.STRUCT, "Holder");
    const offs = Array.from({ length: btf.vlen(h) }, (_, k) => btf.extraWord(h, 3 * k + 2));
    expect(offs).toEqual([...offs].sort((a, b) => a - b));
    expect(btf.vlen(h)).toBe(14); // the 14 fields of Holder in lib.rs
  });
});

describe("rustfix.o: functions and statics", () => {
  it("no_mangle functions keep their symbol, global linkage, unnamed parameters argN", () => {
    expect(shape(btf, find(btf, BTF_KIND.FUNC, "rust_sum_point"))).toBe(
      `func 'rust_sum_point' linkage=1 fn(p: ptr() -> struct 'CPoint', arg1: ${U32}) -> int 'i64' size=8 bits=64 signed`,
    );
    expect(shape(btf, find(btf, BTF_KIND.FUNC, "rust_holder_size"))).toBe(
      `func 'rust_holder_size' linkage=1 fn(h: ptr() -> struct 'Holder') -> ${U64}`,
    );
  });

  it("other functions are named by their mangled symbol (a valid identifier) with static linkage", () => {
    const funcs: string[] = [];
    for (let id = btf.startId; id < btf.endId; id++) if (btf.kind(id) === BTF_KIND.FUNC) funcs.push(shape(btf, id));
    const msg = funcs.find((f) => /^func '_ZN7rustfix9msg_value17h[0-9a-f]{16}E' /.test(f));
    expect(msg).toMatch(/linkage=0 fn\(m: ptr\(\) -> struct 'Msg'\) -> int 'u64'/);
  });

  it("statics: VAR and DATASEC with global_var", () => {
    expect(shape(btf, find(btf, BTF_KIND.VAR, "RUST_COUNTER"))).toBe(`var 'RUST_COUNTER' linkage=1 ${U64}`);
    expect(shape(btf, find(btf, BTF_KIND.VAR, "RUST_TABLE"))).toBe(
      `var 'RUST_TABLE' linkage=1 [4] ${U32} index ${INDEX}`,
    );
    const secs = findAll(btf, BTF_KIND.DATASEC, ".data.RUST_COUNTER");
    expect(secs).toHaveLength(1);
    expect(btf.sizeTypeOf(secs[0]!)).toBe(8);
    expect(findAll(encodeFile(RUSTFIX_O).btf, BTF_KIND.VAR, "RUST_COUNTER")).toEqual([]);
  });
});
