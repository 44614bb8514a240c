/**
 * Helpers for the Rust → BTF tests: the fixtures, and a small independent renderer of a type's shape (written
 * for these tests, not taken from src/dump or src/diff) so that expected BTF can be written by hand.
 */
import { join } from "node:path";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND, intBits, intEncoding } from "../../src/btf/kinds.js";
import { FIXTURES } from "../util/inputs.js";

export const RUST_FIXTURES = join(FIXTURES, "rust");
export const RUSTFIX_O = join(RUST_FIXTURES, "rustfix.o");
export const MIXED_O = join(RUST_FIXTURES, "mixed.o");
export const BUILD_SH = join(RUST_FIXTURES, "build.sh");

/** Typedefs for the names of Rust's primitive types, so that a C dump of Rust BTF compiles (see README). */
export const RUST_C_PRELUDE = `typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long u64;
typedef unsigned __int128 u128; typedef unsigned long usize;
typedef signed char i8; typedef short i16; typedef int i32; typedef long i64; typedef __int128 i128; typedef long isize;
typedef float f32; typedef double f64; typedef _Bool bool;
typedef struct {} _28__29_; typedef struct {} _21_; typedef unsigned int core__primitive__char;
`;

/** Ids of the types of `kind` named `name` (Btf.findTypes). */
export function findAll(btf: Btf, kind: number, name: string): number[] {
  return btf.findTypes(kind, name);
}

/** The one type of `kind` named `name` (throws when there is none or several). */
export function find(btf: Btf, kind: number, name: string): number {
  const r = findAll(btf, kind, name);
  if (r.length !== 1) throw new Error(`${r.length} types of kind ${kind} named '${name}'`);
  return r[0]!;
}

/**
 * A one-line shape: named aggregates and enums are expanded at the top only (`struct 'Name'` below), anonymous
 * ones everywhere; members as `name: type @bitoffset`.
 */
export function shape(btf: Btf, id: number, top = true): string {
  if (id === 0) return "void";
  const kind = btf.kind(id);
  const name = btf.name(id);
  const size = btf.sizeTypeOf(id);
  switch (kind) {
    case BTF_KIND.INT: {
      const w = btf.extraWord(id, 0);
      const e = intEncoding(w);
      const enc = e === BTF_INT_SIGNED ? "signed" : e === BTF_INT_BOOL ? "bool" : e === 0 ? "none" : `enc${e}`;
      return `int '${name}' size=${size} bits=${intBits(w)} ${enc}`;
    }
    case BTF_KIND.FLOAT:
      return `float '${name}' size=${size}`;
    case BTF_KIND.PTR:
      return `ptr(${name}) -> ${shape(btf, size, false)}`;
    case BTF_KIND.TYPEDEF:
      return `typedef '${name}' -> ${shape(btf, size, false)}`;
    case BTF_KIND.ARRAY:
      return `[${btf.extraWord(id, 2)}] ${shape(btf, btf.extraWord(id, 0), false)} index ${shape(btf, btf.extraWord(id, 1), false)}`;
    case BTF_KIND.FUNC_PROTO: {
      const ps: string[] = [];
      for (let k = 0; k < btf.vlen(id); k++) {
        const pn = btf.strings.get(btf.extraWord(id, 2 * k));
        ps.push(`${pn === "" ? "" : pn + ": "}${shape(btf, btf.extraWord(id, 2 * k + 1), false)}`);
      }
      return `fn(${ps.join(", ")}) -> ${shape(btf, size, false)}`;
    }
    case BTF_KIND.FUNC:
      return `func '${name}' linkage=${btf.vlen(id)} ${shape(btf, size, false)}`;
    case BTF_KIND.VAR:
      return `var '${name}' linkage=${btf.extraWord(id, 0)} ${shape(btf, size, false)}`;
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64: {
      const signed = btf.kflag(id);
      if (!top && name !== "") return `enum '${name}'`;
      const vs: string[] = [];
      for (let k = 0; k < btf.vlen(id); k++) {
        const en = btf.strings.get(btf.extraWord(id, (kind === BTF_KIND.ENUM ? 2 : 3) * k));
        let v: bigint;
        if (kind === BTF_KIND.ENUM) {
          const u = btf.extraWord(id, 2 * k + 1);
          v = signed ? BigInt(u | 0) : BigInt(u >>> 0);
        } else {
          const u = (BigInt(btf.extraWord(id, 3 * k + 2) >>> 0) << 32n) | BigInt(btf.extraWord(id, 3 * k + 1) >>> 0);
          v = signed ? BigInt.asIntN(64, u) : u;
        }
        vs.push(`${en}=${v}`);
      }
      return `${kind === BTF_KIND.ENUM ? "enum" : "enum64"} '${name}' size=${size} ${signed ? "signed" : "unsigned"} {${vs.join(", ")}}`;
    }
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      const word = kind === BTF_KIND.STRUCT ? "struct" : "union";
      if (!top && name !== "") return `${word} '${name}'`;
      const ms: string[] = [];
      for (let k = 0; k < btf.vlen(id); k++) {
        const mn = btf.strings.get(btf.extraWord(id, 3 * k));
        ms.push(
          `${mn === "" ? "(anon)" : mn}: ${shape(btf, btf.extraWord(id, 3 * k + 1), false)} @${btf.extraWord(id, 3 * k + 2)}`,
        );
      }
      return `${word} '${name}' size=${size} {${ms.join("; ")}}`;
    }
    case BTF_KIND.FWD:
      return `fwd '${name}'`;
    default:
      return `kind${kind} '${name}'`;
  }
}
