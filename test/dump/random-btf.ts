/**
 * Random but well-formed BTF for differential tests against bpftool: a few base types, then structs, unions,
 * enums, typedefs, pointers, arrays, modifiers, prototypes, forward declarations and type tags that refer to each
 * other, with names drawn from small pools so that tag and identifier clashes are frequent, and member offsets
 * with random gaps and bitfields so that padding and packing are exercised. Only pointers and prototypes refer
 * "forward" (to a higher id), so every cycle goes through a pointer, as in C.
 */
import { BTF_KIND } from "../../src/btf/kinds.js";
import type { Btf } from "../../src/btf/btf.js";
import { BtfBuilder, type Member } from "./build-btf.js";
import { rng } from "../fuzz/rng.mjs";

const KINDS: [number, number][] = [
  [BTF_KIND.STRUCT, 24],
  [BTF_KIND.UNION, 8],
  [BTF_KIND.PTR, 16],
  [BTF_KIND.TYPEDEF, 10],
  [BTF_KIND.ARRAY, 8],
  [BTF_KIND.CONST, 4],
  [BTF_KIND.VOLATILE, 3],
  [BTF_KIND.ENUM, 6],
  [BTF_KIND.ENUM64, 3],
  [BTF_KIND.FUNC_PROTO, 7],
  [BTF_KIND.FWD, 4],
  [BTF_KIND.TYPE_TAG, 2],
  [BTF_KIND.RESTRICT, 1],
  [BTF_KIND.FUNC, 1],
  [BTF_KIND.VAR, 1],
];
const TAG_NAMES = ["foo", "bar", "baz", "", "", "qux"];
const IDENT_NAMES = ["foo_t", "bar_t", "A", "B", "X"];

export function randomBtf(seed: number, count = 30): Btf {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const b = new BtfBuilder();
  const base = [
    b.int("int", 4),
    b.int("char", 1),
    b.int("long", 8),
    b.int("unsigned int", 4, "unsigned"),
    b.int("short", 2),
    b.int("_Bool", 1, "bool"),
    b.float("double", 8),
    b.int("long long unsigned int", 8, "unsigned"),
  ];
  const first = base[base.length - 1]! + 1;
  const total = KINDS.reduce((s, [, w]) => s + w, 0);
  const kinds: number[] = [];
  for (let i = 0; i < count; i++) {
    let x = r() * total;
    let k = KINDS[0]![0];
    for (const [kind, w] of KINDS) {
      if ((x -= w) < 0) {
        k = kind;
        break;
      }
    }
    kinds.push(k);
  }
  const kindOf = (id: number): number => (id < first ? (id === 7 ? BTF_KIND.FLOAT : BTF_KIND.INT) : kinds[id - first]!);
  const isTagged = (k: number) =>
    k === BTF_KIND.STRUCT || k === BTF_KIND.UNION || k === BTF_KIND.ENUM || k === BTF_KIND.ENUM64 || k === BTF_KIND.FWD;
  /** The type under typedefs, modifiers and arrays (all below `id` when called for a lower id). */
  const under = (t: number): number => {
    for (;;) {
      const k = t === 0 ? 0 : b.btf.kind(t);
      if (k === BTF_KIND.ARRAY) t = b.btf.extraWord(t, 0);
      else if (
        k === BTF_KIND.TYPEDEF ||
        k === BTF_KIND.CONST ||
        k === BTF_KIND.VOLATILE ||
        k === BTF_KIND.RESTRICT ||
        k === BTF_KIND.TYPE_TAG
      )
        t = b.btf.sizeTypeOf(t);
      else return t;
    }
  };
  /**
   * A type that `id` may refer to. Pointers (and prototypes, which only appear behind pointers) may refer to a
   * tagged type anywhere, which creates forward references and pointer cycles; everything else refers to lower
   * ids only, so that C can define it. A member (or array element, or parameter) must have a complete object type.
   */
  const target = (id: number, mode: "ptr" | "ref" | "member"): number => {
    for (let tries = 0; ; tries++) {
      const t = int(mode === "ptr" ? 0 : 1, mode === "ptr" ? first + count - 1 : id - 1);
      if (t === 0) return 0;
      const k = kindOf(t);
      if (k === BTF_KIND.FUNC || k === BTF_KIND.VAR) continue;
      if (mode === "ptr") {
        if (t < id || isTagged(k)) return t;
        continue;
      }
      if (mode === "member") {
        const u = under(t);
        const uk = u === 0 ? -1 : b.btf.kind(u);
        if (uk === -1 || uk === BTF_KIND.FWD || uk === BTF_KIND.FUNC_PROTO) continue;
      }
      return t;
    }
  };
  for (let i = 0; i < count; i++) {
    const id = first + i;
    const k = kinds[i]!;
    switch (k) {
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        const n = int(0, 5);
        const members: Member[] = [];
        let off = 0;
        for (let j = 0; j < n; j++) {
          const t = target(id, "member");
          const bitfield = r() < 0.25 && kindOf(t) === BTF_KIND.INT;
          if (k === BTF_KIND.UNION) off = 0;
          else off += pick([0, 0, 8, 16, 32, 64, 3]);
          const name = r() < 0.15 ? "" : `m${j}`;
          members.push([name, t, off, bitfield ? int(1, 8) : 0]);
          off += bitfield ? members[j]![3]! : pick([8, 16, 32, 64, 128]);
        }
        const size = Math.ceil(off / 8) + pick([0, 0, 1, 4, 8]);
        if (k === BTF_KIND.STRUCT) b.struct(pick(TAG_NAMES), size, members);
        else b.union(pick(TAG_NAMES), size, members);
        break;
      }
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: {
        const vals = Array.from({ length: int(0, 3) }, (_, j) => [pick(IDENT_NAMES), j * 7 - 3] as [string, number]);
        const signed = r() < 0.5;
        const size = pick([1, 2, 4, 8]);
        if (k === BTF_KIND.ENUM) b.enum(pick(TAG_NAMES), size, vals, signed);
        else
          b.enum64(
            pick(TAG_NAMES),
            8,
            vals.map(([n, v]) => [n, BigInt(v) << BigInt(int(0, 40))]),
            signed,
          );
        break;
      }
      case BTF_KIND.PTR:
        b.ptr(target(id, "ptr"));
        break;
      case BTF_KIND.TYPEDEF:
        b.typedef(pick(IDENT_NAMES), r() < 0.1 ? 0 : target(id, "ref"));
        break;
      case BTF_KIND.ARRAY:
        b.array(target(id, "member"), pick([0, 1, 2, 5]), base[0]!);
        break;
      case BTF_KIND.CONST:
        b.const(target(id, "ref"));
        break;
      case BTF_KIND.VOLATILE:
        b.volatile(target(id, "ref"));
        break;
      case BTF_KIND.RESTRICT:
        b.restrict(target(id, "ref"));
        break;
      case BTF_KIND.TYPE_TAG:
        b.typeTag(pick(["user", "rcu"]), target(id, "ref"));
        break;
      case BTF_KIND.FUNC_PROTO: {
        const params = Array.from(
          { length: int(0, 3) },
          (_, j) => [r() < 0.5 ? "" : `p${j}`, target(id, "ptr")] as [string, number],
        );
        if (r() < 0.2) params.push(["", 0]);
        b.funcProto(target(id, "ptr"), params);
        break;
      }
      case BTF_KIND.FWD:
        b.fwd(pick(TAG_NAMES.filter((n) => n !== "")), r() < 0.3);
        break;
      case BTF_KIND.FUNC: {
        // A FUNC needs a prototype below it; without one, use a VAR instead.
        const protos = kinds
          .slice(0, i)
          .map((kk, j) => (kk === BTF_KIND.FUNC_PROTO ? first + j : 0))
          .filter((x) => x);
        if (protos.length) b.func(`fn${i}`, pick(protos));
        else b.var(`v${i}`, base[0]!);
        break;
      }
      case BTF_KIND.VAR:
        b.var(`v${i}`, target(id, "ref"));
        break;
    }
  }
  return b.btf;
}
