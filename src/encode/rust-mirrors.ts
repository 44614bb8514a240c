/**
 * One definition per C name in a BTF with Rust units in it (issue 12).
 *
 * A Rust-for-Linux kernel carries bindgen's mirrors of C types (`bindings::task_struct`: `#[repr(C)]`, the C name,
 * the C layout, members typed `i32`/`u64` instead of C's `int`/`u64` typedefs). Lowered as they are, they become
 * second definitions of C names, which the dedup cannot merge (their members' types differ) and which break
 * everything that looks a type up by name (CO-RE, `bpftool btf dump format c`, libbpf's FWD resolution, which then
 * changes C types). This pass runs on the merged table, before the dedup, and for every Rust type whose name a C
 * type (of the file's other units, or of the base) already has:
 *  - when the two have the same layout (below), the Rust type's record becomes a copy of the C type's record, so
 *    the dedup folds it into the C type and every Rust reference to it ends at the C type;
 *  - otherwise the Rust type gets its namespace-qualified name (`bindings__task_struct`, `kernel__sync__Mutex`,
 *    `core__primitive__char`; the converter's CuBtf.qualifiedNames) and a warning names it.
 * Rust types whose names no C type has keep their short names.
 *
 * "Same layout" (R: the Rust type, C: the C type, typedefs and qualifiers of either side looked through):
 *  - scalars: an INT matches an INT of the same size and signedness (so `i32` matches `int`, `u64` matches
 *    `unsigned long long`, and Rust's `u32` is C's `typedef u32`); an ENUM matches an INT or ENUM of the same size
 *    (bindgen writes C enums as integer aliases), and bindgen's newtype enum (`struct irqreturn(u32)`) matches the C
 *    enum; a FLOAT matches a FLOAT (or its INT twin) of the same size;
 *  - pointers match pointers whatever they point to (a pointer's layout does not depend on its pointee; the pointee,
 *    when it is a mirror, is mapped on its own), and a C pointer also matches Rust's pointer-sized niche
 *    `Option<fn …>` (bindgen's nullable function pointers);
 *  - arrays: the same number of elements (nested or flattened) of matching elements;
 *  - structs and unions: the same kind and size; every C member of non-zero size is matched by a Rust member at
 *    the same bit offset with a matching type, by name (or the name with a `_` appended: bindgen's escape of Rust
 *    keywords), the k-th anonymous C member by bindgen's `__bindgen_anon_k` (or, against a base's copy of a Rust
 *    type, the k-th anonymous Rust member); C bitfields by a bindgen bitfield unit (`_bitfield_N`) that covers
 *    their bits; a C member bindgen could not express (an anonymous member of a named type) by its
 *    `__bindgen_padding_N`; every other Rust member of non-zero size is matched; a named member type must be a
 *    mirror of the C member type of that name, or of bindgen's `Outer_Inner` for a struct defined inside another
 *    (recursively: the pairs that hold form the greatest fixed point, so cycles through pointers are fine), an
 *    anonymous C member type may be matched by any Rust aggregate (bindgen's `X__bindgen_ty_N`), which maps too;
 *  - bindgen's stand-ins: for a type it has no layout for (`_unused: [u8; 0]`, size 0; `_address: u8`, size 1) any
 *    C struct, union or declaration of its name, unless Rust uses it by value with another size (the kernel crate
 *    embeds them in `Opaque<T>`); an opaque blob (`_bindgen_opaque_blob`) a C struct or union of its size; a union
 *    written as a struct of `__BindgenUnionField` markers and a `bindgen_union_field` a C union of its size;
 *  - a Rust declaration matches a C type of its name and kind, unless used by value; a Rust definition never
 *    completes a C declaration (C's FWDs would then resolve to it);
 *  - enums: the same size and the same set of values.
 * Against a base, a Rust type is compared with each of the base's definitions of its name (a btfkit base with Rust
 * defines Rust names several times) and folds into the first that matches.
 * Never changed: INTs used as an array index (the kernel wants a plain INT there).
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_INT_SIGNED,
  BTF_KIND,
  extraWords,
  infoKind,
  infoVlen,
  intBits,
  intEncoding,
  isCompositeKind,
} from "../btf/kinds.js";

export interface RustMirrorResult {
  /** Rust types whose names C types have, made copies of those C types (the dedup folds them in). */
  mapped: number;
  /** Rust types without a C name mapped as part of a mirror (bindgen's `X__bindgen_ty_N` for C's anonymous members). */
  mappedNested: number;
  /** Rust types renamed to their qualified names. */
  renamed: number;
  warnings: string[];
}

const K = BTF_KIND;

function definesName(kind: number): boolean {
  switch (kind) {
    case K.STRUCT:
    case K.UNION:
    case K.ENUM:
    case K.ENUM64:
    case K.TYPEDEF:
    case K.FWD:
    case K.INT:
    case K.FLOAT:
      return true;
    default:
      return false;
  }
}

const PADDING = /^__bindgen_padding_\d+$/;
const BITFIELD_UNIT = /^_bitfield_\d+$/;

/**
 * Map Rust mirrors of C types onto them and rename Rust types that would be second definitions of C names (see the
 * file comment). `rust` marks the own types (index id - startId) that come from Rust units; `qualified` gives the
 * qualified name of a Rust type. Changes `out` in place.
 */
export function mapRustMirrors(out: Btf, rust: Uint8Array, qualified: ReadonlyMap<number, string>): RustMirrorResult {
  const start = out.startId;
  const end = out.endId;
  const isRust = (id: number): boolean => id >= start && rust[id - start] === 1;
  const strip = (id: number): number => {
    for (let guard = 0; guard < 32 && id !== 0; guard++) {
      const k = out.kind(id);
      if (k !== K.TYPEDEF && k !== K.CONST && k !== K.VOLATILE && k !== K.RESTRICT && k !== K.TYPE_TAG) return id;
      id = out.sizeTypeOf(id);
    }
    return id;
  };
  const sizeOf = (id: number): number => {
    try {
      return out.resolveSize(id);
    } catch {
      return -1;
    }
  };

  // C names: the first complete definition of each name (base types first, then the file's own non-Rust types), else
  // the first declaration.
  const def = new Map<number, number>();
  const fwd = new Map<number, number>();
  /**
   * Every definition of a name the base defines more than once: a base made by btfkit with Rust in it has Rust
   * names defined several times (`Error`: core::fmt's and the kernel crate's), and a module's copy of any of them is
   * that type. (The file's own C units are not deduplicated yet: their first definition stands for all.)
   */
  const baseAlternatives = new Map<number, number[]>();
  const noteC = (id: number): void => {
    const k = out.kind(id);
    if (!definesName(k)) return;
    const n = out.nameOffOf(id);
    if (n === 0) return;
    if (k === K.FWD) {
      if (!fwd.has(n)) fwd.set(n, id);
    } else if (!def.has(n)) def.set(n, id);
    else if (id < start) {
      const alt = baseAlternatives.get(n);
      if (alt) alt.push(id);
      else baseAlternatives.set(n, [def.get(n)!, id]);
    }
  };
  if (out.base) for (let id = 1; id < start; id++) noteC(id);
  for (let id = start; id < end; id++) if (!isRust(id)) noteC(id);

  // Rust types used by value (a member or an array element) or as an array index.
  const byValue = new Uint8Array(end - start);
  const asIndex = new Uint8Array(end - start);
  for (let id = start; id < end; id++) {
    const k = out.kind(id);
    if (k === K.ARRAY) {
      const e = strip(out.extraWord(id, 0));
      if (e >= start) byValue[e - start] = 1;
      const ix = out.extraWord(id, 1);
      if (ix >= start) asIndex[ix - start] = 1;
    } else if (isCompositeKind(k) && isRust(id)) {
      for (let j = 0; j < out.vlen(id); j++) {
        const t = strip(out.extraWord(id, 3 * j + 1));
        if (t >= start) byValue[t - start] = 1;
      }
    }
  }

  // Candidate pairs (R, C), each with the pairs its verdict depends on.
  const pairR: number[] = [];
  const pairC: number[] = [];
  const failed: boolean[] = [];
  /** Why a pair does not hold: its own reason, or the pair it depends on that does not. */
  const why = new Map<number, string | number>();
  const deps: number[][] = [];
  const pairOf = new Map<number, number>();
  const work: number[] = [];
  const pair = (r: number, c: number): number => {
    const key = r * 0x2000000 + c;
    let p = pairOf.get(key);
    if (p === undefined) {
      p = pairR.length;
      pairR.push(r);
      pairC.push(c);
      failed.push(false);
      deps.push([]);
      pairOf.set(key, p);
      work.push(p);
    }
    return p;
  };

  /** The element count and innermost element of an array (nested or flat), typedefs looked through. */
  const flatArray = (id: number): { n: number; elem: number } => {
    let n = 1;
    for (let guard = 0; guard < 32; guard++) {
      id = strip(id);
      if (id === 0 || out.kind(id) !== K.ARRAY) break;
      n *= out.extraWord(id, 2);
      id = out.extraWord(id, 0);
    }
    return { n, elem: id };
  };
  /**
   * Rust's nullable pointer, `Option<fn …>` / `Option<&T>` / `Option<NonNull<T>>` as the Rust lowering writes it: a
   * pointer-sized struct whose union of variants has a `Some` holding one pointer.
   */
  const isNichePointer = (id: number): boolean => {
    if (out.kind(id) !== K.STRUCT || out.sizeTypeOf(id) !== out.pointerSize) return false;
    for (let j = 0; j < out.vlen(id); j++) {
      const u = out.extraWord(id, 3 * j + 1);
      if (out.nameOffOf(id) === 0 || out.kind(u) !== K.UNION || out.strings.get(out.extraWord(id, 3 * j)) !== "")
        continue;
      for (let v = 0; v < out.vlen(u); v++) {
        if (out.strings.get(out.extraWord(u, 3 * v)) !== "Some") continue;
        const some = strip(out.extraWord(u, 3 * v + 1));
        if (out.kind(some) !== K.STRUCT || out.vlen(some) !== 1) return false;
        const inner = strip(out.extraWord(some, 1));
        return out.kind(inner) === K.PTR || isNichePointer(inner);
      }
    }
    return false;
  };
  const intSigned = (id: number): boolean => (intEncoding(out.extraWord(id, 0)) & BTF_INT_SIGNED) !== 0;

  /** Do member types `rt` (Rust) and `ct` (C) match? Aggregates become pairs `from` depends on. */
  const sameType = (rt: number, ct: number, from: number): boolean => {
    rt = strip(rt);
    ct = strip(ct);
    if (ct === 0 || rt === 0) return ct === rt;
    const kc = out.kind(ct);
    const kr = out.kind(rt);
    switch (kc) {
      case K.INT:
        if (kr === K.ENUM || kr === K.ENUM64) return out.sizeTypeOf(rt) === out.sizeTypeOf(ct);
        return (
          kr === K.INT &&
          out.sizeTypeOf(rt) === out.sizeTypeOf(ct) &&
          intSigned(rt) === intSigned(ct) &&
          intBits(out.extraWord(ct, 0)) === out.sizeTypeOf(ct) * 8
        );
      case K.ENUM:
      case K.ENUM64:
        if (kr === K.STRUCT && newtypeEnum(rt) === out.sizeTypeOf(ct)) {
          deps[pair(rt, def.get(out.nameOffOf(ct)) ?? ct)]!.push(from);
          return out.nameOffOf(rt) === out.nameOffOf(ct) || out.nameOffOf(ct) === 0;
        }
        return (kr === K.INT || kr === K.ENUM || kr === K.ENUM64) && out.sizeTypeOf(rt) === out.sizeTypeOf(ct);
      case K.FLOAT:
        return (kr === K.FLOAT || kr === K.INT) && out.sizeTypeOf(rt) === out.sizeTypeOf(ct);
      case K.PTR:
        return kr === K.PTR || isNichePointer(rt);
      case K.ARRAY: {
        if (kr !== K.ARRAY) return false;
        const a = flatArray(rt);
        const b = flatArray(ct);
        return a.n === b.n && sameType(a.elem, b.elem, from);
      }
      case K.STRUCT:
      case K.UNION: {
        if (kr !== kc && !(kc === K.UNION && unionAsStruct(rt))) return false;
        const cn = out.nameOffOf(ct);
        if (cn !== 0) {
          // bindgen names a struct defined inside another `Outer_Inner`.
          if (out.nameOffOf(rt) !== cn && !out.name(rt).endsWith("_" + out.strings.get(cn))) return false;
          // One C definition per name stands for all (the dedup makes them one); the base is deduplicated already.
          if (ct >= start) ct = def.get(cn) ?? ct;
        }
        if (isRust(rt)) deps[pair(rt, ct)]!.push(from);
        else if (rt !== ct) return false;
        return true;
      }
      case K.FWD:
        return (isCompositeKind(kr) || kr === K.FWD) && out.nameOffOf(rt) === out.nameOffOf(ct);
      default:
        return false;
    }
  };

  /** A member list: [name offset, type, bit offset, bitfield size] per member of non-zero size. */
  const membersOf = (id: number): number[] => {
    const kflag = out.kflag(id);
    const m: number[] = [];
    for (let j = 0; j < out.vlen(id); j++) {
      const t = out.extraWord(id, 3 * j + 1);
      const w = out.extraWord(id, 3 * j + 2);
      let bits = kflag ? w >>> 24 : 0;
      const off = kflag ? w & 0xffffff : w;
      const st = strip(t);
      if (!kflag && st !== 0 && out.kind(st) === K.INT) {
        const iw = out.extraWord(st, 0);
        if (intBits(iw) !== out.sizeTypeOf(st) * 8) bits = intBits(iw);
      }
      if (bits === 0 && sizeOf(t) <= 0) continue;
      m.push(out.extraWord(id, 3 * j), t, off, bits);
    }
    return m;
  };

  /**
   * bindgen's stand-ins: `stub` for a type it has no layout for (a C declaration: `_unused: [u8; 0]`, size 0; an
   * empty or opaque type: `_address: u8`, size 1), `blob` for one it gives only a size (`_bindgen_opaque_blob`).
   */
  const opaque = (r: number): "stub" | "blob" | undefined => {
    const vlen = out.vlen(r);
    const size = out.sizeTypeOf(r);
    const only = vlen === 1 ? out.strings.get(out.extraWord(r, 0)) : "";
    if (only === "_bindgen_opaque_blob") return "blob";
    if (size === 1 && only === "_address") return "stub";
    if (size !== 0) return undefined;
    for (let j = 0; j < vlen; j++) if (sizeOf(out.extraWord(r, 3 * j + 1)) > 0) return undefined;
    return "stub";
  };
  /** bindgen's union without Rust unions: a struct of `__BindgenUnionField<T>` markers and a `bindgen_union_field` blob. */
  const unionAsStruct = (r: number): boolean => {
    if (out.kind(r) !== K.STRUCT) return false;
    for (let j = 0; j < out.vlen(r); j++)
      if (out.strings.get(out.extraWord(r, 3 * j)) === "bindgen_union_field") return true;
    return false;
  };
  /** bindgen's newtype enum (`struct irqreturn(u32)`): one integer member `__0`; its size, else -1. */
  const newtypeEnum = (r: number): number => {
    if (out.kind(r) !== K.STRUCT || out.vlen(r) !== 1 || out.strings.get(out.extraWord(r, 0)) !== "__0") return -1;
    const t = strip(out.extraWord(r, 1));
    return out.kind(t) === K.INT && out.sizeTypeOf(t) === out.sizeTypeOf(r) ? out.sizeTypeOf(r) : -1;
  };

  /** The verdict on pair `p` from the two types alone (aggregate members become pairs): undefined, or why not. */
  const check = (p: number): string | undefined => {
    const r = pairR[p]!;
    const c0 = pairC[p]!;
    const kr = out.kind(r);
    const c = strip(c0);
    if (c === 0) return "the C name is void";
    const kc = out.kind(c);
    if (kr === K.FWD) {
      if (byValue[r - start]) return "a declaration used by value";
      const ok = kc === K.FWD ? out.kflag(r) === out.kflag(c) : kc === (out.kflag(r) ? K.UNION : K.STRUCT);
      return ok ? undefined : "a declaration of another kind";
    }
    if (kr === K.INT || kr === K.FLOAT) {
      if (asIndex[r - start]) return "an array index type";
      return sameType(r, c, p)
        ? undefined
        : `${out.sizeTypeOf(r)}-byte ${kr === K.INT ? "integer" : "float"} vs a C type of ${sizeOf(c)} bytes or another signedness`;
    }
    if (kr === K.ENUM || kr === K.ENUM64) {
      if (kc !== K.ENUM && kc !== K.ENUM64) return "an enum vs a C type of another kind";
      if (out.sizeTypeOf(r) !== out.sizeTypeOf(c) || out.vlen(r) !== out.vlen(c))
        return "another size or number of values";
      const values = (id: number): string[] => {
        const wide = out.kind(id) === K.ENUM64;
        const v: string[] = [];
        for (let j = 0; j < out.vlen(id); j++) {
          v.push(
            wide
              ? `${out.extraWord(id, 3 * j + 2)}:${out.extraWord(id, 3 * j + 1)}`
              : `0:${out.extraWord(id, 2 * j + 1)}`,
          );
        }
        return v.sort();
      };
      return values(r).join(",") === values(c).join(",") ? undefined : "other values";
    }
    if (kr !== K.STRUCT && kr !== K.UNION) return "a typedef"; // of a 128-bit enum
    const stand = opaque(r);
    if (stand !== undefined) {
      if (kc !== K.STRUCT && kc !== K.UNION && (kc !== K.FWD || stand === "blob"))
        return "an opaque type vs a C type of another kind";
      // Used by value, a stand-in must have the C type's size (else the Rust structs around it would change).
      if (out.sizeTypeOf(r) !== sizeOf(c) && (stand === "blob" || byValue[r - start]))
        return `an opaque type of ${out.sizeTypeOf(r)} bytes used by value`;
      return undefined;
    }
    if (kc === K.ENUM || kc === K.ENUM64)
      return newtypeEnum(r) === out.sizeTypeOf(c) ? undefined : "a struct vs a C enum";
    if (kc === K.FWD) return "C has only a declaration of it";
    if (kc === K.UNION && unionAsStruct(r)) {
      // The members are zero-sized markers: only the size can be compared.
      return out.sizeTypeOf(r) === out.sizeTypeOf(c) ? undefined : `${out.sizeTypeOf(r)} bytes vs ${out.sizeTypeOf(c)}`;
    }
    if (kc !== kr) return `a ${kr === K.UNION ? "union" : "struct"} vs a C type of another kind`;
    if (out.sizeTypeOf(r) !== out.sizeTypeOf(c)) return `${out.sizeTypeOf(r)} bytes vs ${out.sizeTypeOf(c)}`;
    const rm = membersOf(r);
    const cm = membersOf(c);
    // Rust members by name; bitfield units as bit ranges; anonymous members by bindgen's number.
    const byName = new Map<string, number>();
    /** Anonymous Rust members in order: another Rust type's anonymous union (a base type compared with its copy). */
    const anonR: number[] = [];
    const units: number[] = [];
    const pads: number[] = [];
    const used = new Uint8Array(rm.length / 4);
    /** bindgen's padding and bitfield units need no C counterpart (a base's copy of a Rust type has them by name). */
    const optional = new Uint8Array(rm.length / 4);
    for (let j = 0; j < rm.length; j += 4) {
      const name = out.strings.get(rm[j]!);
      if (PADDING.test(name)) {
        optional[j / 4] = 1;
        pads.push(rm[j + 2]!, rm[j + 2]! + 8 * Math.max(0, sizeOf(rm[j + 1]!)));
      } else if (BITFIELD_UNIT.test(name)) {
        optional[j / 4] = 1;
        units.push(rm[j + 2]!, rm[j + 2]! + 8 * Math.max(0, sizeOf(rm[j + 1]!)));
      }
      if (name === "") anonR.push(j);
      else byName.set(name, j);
    }
    let anon = 0;
    for (let j = 0; j < cm.length; j += 4) {
      const off = cm[j + 2]!;
      const bits = cm[j + 3]!;
      const cname = out.strings.get(cm[j]!);
      if (bits > 0) {
        let covered = false;
        for (let u = 0; u < units.length && !covered; u += 2) covered = off >= units[u]! && off + bits <= units[u + 1]!;
        if (!covered) return `bitfield ${cname || "(anonymous)"} is in no bitfield unit`;
        continue;
      }
      const what = cname === "" ? `anonymous member ${anon + 1}` : `member ${cname}`;
      let rj =
        cname === ""
          ? (byName.get(`__bindgen_anon_${anon + 1}`) ?? anonR[anon])
          : (byName.get(cname) ?? byName.get(cname + "_"));
      if (rj !== undefined && cname === "" && rm[rj + 2] !== off) rj = undefined;
      if (rj === undefined || used[rj / 4]) {
        // A member bindgen could not express (an anonymous member of a named type, -fms-extensions) is padding there.
        const msize = 8 * Math.max(0, sizeOf(cm[j + 1]!));
        let covered = false;
        for (let u = 0; u < pads.length && !covered; u += 2) covered = off >= pads[u]! && off + msize <= pads[u + 1]!;
        if (covered) continue;
        return `no ${what}`;
      }
      if (cname === "") anon++;
      if (rm[rj + 2] !== off) return `${what} at bit ${rm[rj + 2]} vs ${off}`;
      used[rj / 4] = 1;
      if (!sameType(rm[rj + 1]!, cm[j + 1]!, p)) return `${what} has another type`;
    }
    for (let j = 0; j < used.length; j++)
      if (!used[j] && !optional[j]) return `member ${out.strings.get(rm[4 * j]!)} is not in C`;
    return undefined;
  };

  // Seeds: every named Rust type whose name a C type has (with each of the base's definitions of it).
  const seedOf = new Map<number, number[]>();
  for (let id = start; id < end; id++) {
    if (!isRust(id)) continue;
    const k = out.kind(id);
    const n = out.nameOffOf(id);
    // An array index INT is never changed; the dedup folds identical ones (a module's and its base's) anyway.
    if (n === 0 || !definesName(k) || asIndex[id - start]) continue;
    const alt = baseAlternatives.get(n);
    if (alt)
      seedOf.set(
        id,
        alt.map((c) => pair(id, c)),
      );
    else {
      const c = def.get(n) ?? fwd.get(n);
      if (c !== undefined) seedOf.set(id, [pair(id, c)]);
    }
  }
  while (work.length > 0) {
    const p = work.pop()!;
    const reason = check(p);
    if (reason !== undefined) {
      failed[p] = true;
      why.set(p, reason);
    }
  }
  // A pair fails when a pair it depends on fails: spread failures to the dependents until nothing changes.
  const spread: number[] = [];
  for (let p = 0; p < failed.length; p++) if (failed[p]) spread.push(p);
  while (spread.length > 0) {
    const p = spread.pop()!;
    for (const q of deps[p]!) {
      if (!failed[q]) {
        failed[q] = true;
        why.set(q, p);
        spread.push(q);
      }
    }
  }

  // Each Rust type maps onto the C type of its own name when that pair holds, else onto the first that holds.
  const target = new Map<number, number>();
  for (const [r, ps] of seedOf) {
    const p = ps.find((q) => !failed[q]);
    if (p !== undefined) target.set(r, pairC[p]!);
  }
  for (let p = 0; p < pairR.length; p++) if (!failed[p] && !target.has(pairR[p]!)) target.set(pairR[p]!, pairC[p]!);

  const result: RustMirrorResult = { mapped: 0, mappedNested: 0, renamed: 0, warnings: [] };
  for (const [r, c] of target) {
    copyRecord(out, r, c);
    if (seedOf.has(r)) result.mapped++;
    else result.mappedNested++;
  }
  /** The reason a pair fails, following the chain of member types down to the first difference. */
  const explain = (p: number): string => {
    const path: string[] = [];
    for (let guard = 0; guard < 8; guard++) {
      const w = why.get(p);
      if (typeof w !== "number") return (path.length > 0 ? `through ${path.join(" -> ")}: ` : "") + (w ?? "?");
      p = w;
      path.push(out.name(pairR[p]!) || out.name(pairC[p]!) || "(anonymous)");
    }
    return path.join(" -> ") + " …";
  };
  const renamedNames = new Map<string, string>();
  for (const [r] of seedOf) {
    if (target.has(r)) continue;
    const short = out.name(r);
    const q = qualified.get(r);
    if (q === undefined) {
      if (!renamedNames.has(short))
        result.warnings.push(
          `Rust type ${short} (id ${r}) is not the same as the C type of that name and has no qualified name: it keeps the C name`,
        );
      renamedNames.set(short, short);
      continue;
    }
    out.nameOff[r - start] = out.strings.intern(q);
    result.renamed++;
    if (renamedNames.get(short) !== q) {
      renamedNames.set(short, q);
      const p = seedOf.get(r)![0]!;
      const other = pairC[p]! < start ? "the base's type" : "the C type";
      result.warnings.push(
        `Rust type ${short} is not the same as ${other} of that name (${explain(p)}): encoded as ${q}`,
      );
    }
  }
  return result;
}

/** Make own type `r` a copy of type `c` (kind, name, size or type, variable part). */
function copyRecord(out: Btf, r: number, c: number): void {
  const i = r - out.startId;
  const info = out.infoOf(c);
  const n = extraWords(infoKind(info), infoVlen(info));
  const { table, start } = out.extraOf(c);
  let at = out.extraStart[i]!;
  if (n > extraWords(infoKind(out.info[i]!), infoVlen(out.info[i]!))) {
    // The pool may hold records out of order (the dedup and the writer follow extraStart): append at its end.
    if (out.extraLen + n > out.extra.length) {
      const grown = new Uint32Array(Math.max(out.extra.length * 2, out.extraLen + n));
      grown.set(out.extra.subarray(0, out.extraLen));
      out.extra = grown;
    }
    at = out.extraLen;
    out.extraLen += n;
  }
  // `table` is read as it was before any growing (a grown pool holds the same words).
  for (let k = 0; k < n; k++) out.extra[at + k] = table[start + k]!;
  out.info[i] = info;
  out.nameOff[i] = out.nameOffOf(c);
  out.sizeType[i] = out.sizeTypeOf(c);
  out.extraStart[i] = at;
}
