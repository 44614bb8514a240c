/**
 * Rust compile units → BTF the kernel accepts (docs/rust-to-btf.md §4). Chosen per unit by `DW_AT_language`
 * (convert-cu.ts dispatches here); the result is a `CuBtf` like the C converter's, so the merge, the function and
 * variable selection and the dedup treat Rust and C units alike.
 *
 * What the lowering does, with the kernel rule behind each step:
 *  - names escaped (names.ts); pointers, arrays and prototypes anonymous; unnamed parameters `argN`;
 *  - members sorted by offset (stable); a member past the struct's end (a DST tail) becomes `T[0]`; a FLOAT
 *    member misaligned by `repr(packed)` points to an INT twin of the same size and name;
 *  - `()`, `!` and other zero-sized base types are INTs of size 0;
 *  - data-carrying and niche enums become `struct E { <discriminant> __discr; union { struct E__V V; … }; }`, the
 *    variant structs keep their full-size layout;
 *  - field-less enums are ENUM (≤ 4 bytes) or ENUM64 with the signedness of their underlying type; a 128-bit one
 *    becomes a TYPEDEF of its integer (with a warning: the enumerators are lost);
 *  - types of other units reached through `DW_FORM_ref_addr` are converted into this unit's table (the dedup
 *    merges the copies), so nothing becomes void.
 * Every type that is dropped or loses information is named in `CuBtf.warnings`.
 */
import { Btf } from "../../btf/btf.js";
import {
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND,
  makeInfo,
  makeIntWord,
} from "../../btf/kinds.js";
import { readSymbols, STB, STT } from "../../elf/symbols.js";
import { DW_ATE, DW_TAG } from "../../dwarf/constants.js";
import type { DwarfFile } from "../../dwarf/dwarf-file.js";
import { staticAddress } from "../../dwarf/location.js";
import type { UnitHeader } from "../../dwarf/unit.js";
import type { ConvertOptions, CuBtf } from "../cu-btf.js";
import { isTypeTag } from "../types.js";
import { CandidateListBuilder, FUNC_HAS_CODE, FUNC_LINKAGE_SHIFT } from "../candidates.js";
import { isPortableIdentifier, joinNames, rustName } from "./names.js";
import { type RNode, RustTreeReader } from "./tree.js";

/**
 * Name of the array index INT a Rust unit adds: the same 8-byte unsigned INT rustc writes (the dedup merges the
 * two), but made here, so that a DWARF type of that name is never trusted as the index.
 */
export const RUST_INDEX_TYPE_NAME = "__ARRAY_SIZE_TYPE__";
/** Name of the discriminant member of a data-carrying enum. */
export const DISCR_MEMBER_NAME = "__discr";
/** Decl tag on a variant's union member: `discr=<DW_AT_discr_value>` (decimal, unsigned). */
export const DISCR_TAG_PREFIX = "discr=";

const FLOAT_SIZES = new Set([2, 4, 8, 12, 16]);

/** A function candidate before its strings are interned: `symbol` matches it to its ELF symbol. */
interface RustFunc {
  symbol: string;
  btfName: string;
  retType: number;
  linkage: number;
  /** Per parameter; varargs is a final "" with type 0. */
  paramNames: string[];
  paramTypes: number[];
}

interface RustVar {
  symbol: string;
  btfName: string;
  type: number;
  external: boolean;
  addrLo: number;
  addrHi: number;
}

/** One type being built: strings stay JS strings until the unit is written into its `Btf`. */
interface Rec {
  kind: number;
  name: string;
  kflag: boolean;
  vlen: number;
  sizeType: number;
  /** The kind's variable part; strings are names (interned at the end). */
  extra: (number | string)[];
  /**
   * The name qualified with its namespaces (`bindings__task_struct`), when it differs from `name`: the link stage
   * renames a Rust type to it when its short name is taken by a different C type (rust-mirrors.ts).
   */
  qualified?: string;
}

function isAggregateTag(tag: number): boolean {
  return tag === DW_TAG.DW_TAG_structure_type || tag === DW_TAG.DW_TAG_class_type || tag === DW_TAG.DW_TAG_union_type;
}

/** A struct that holds a `DW_TAG_variant_part`: a data-carrying (or niche) enum. */
function variantPart(n: RNode): RNode | undefined {
  if (!isAggregateTag(n.tag)) return undefined;
  for (const ch of n.children) if (ch.tag === DW_TAG.DW_TAG_variant_part) return ch;
  return undefined;
}

export class RustCuConverter {
  private readonly tree: RustTreeReader;
  private symbolBinding: Map<string, number> | undefined;

  // Per-unit state.
  private recs: Rec[] = [];
  private idOf = new Map<RNode, number>();
  /** Types reserved but not filled yet: (node, record) pairs. */
  private queue: (RNode | Rec)[] = [];
  private twinOf = new Map<number, number>();
  private indexId = 0;
  /** The unit's candidates with names as strings; interned into the unit's table once its types are. */
  private functions: RustFunc[] = [];
  private variables: RustVar[] = [];
  private readonly funcList = new CandidateListBuilder();
  private readonly varList = new CandidateListBuilder();
  private warnings: string[] = [];
  private warned = new Set<string>();
  private dies = 0;
  private unit!: UnitHeader;
  /** A static address as (low, high) 32-bit halves. */
  private readonly address = new Uint32Array(2);

  constructor(
    private readonly file: DwarfFile,
    private readonly opts: ConvertOptions,
  ) {
    this.tree = new RustTreeReader(file);
  }

  convert(unit: UnitHeader): CuBtf {
    this.unit = unit;
    this.recs = [];
    this.idOf = new Map();
    this.queue = [];
    this.twinOf = new Map();
    this.indexId = 0;
    this.functions = [];
    this.variables = [];
    this.warnings = [];
    this.warned = new Set();
    this.dies = 0;
    const root = this.tree.unitRoot(unit);
    this.walk(root, true);
    this.drain();
    const btf = new Btf({
      capacity: this.recs.length + 16,
      extraCapacity: this.recs.length * 4 + 16,
      byteOrder: this.file.byteOrder,
    });
    const strings = btf.strings;
    const qualifiedIds: number[] = [];
    const qualifiedNames: string[] = [];
    for (const r of this.recs) {
      const words = r.extra.map((w) => (typeof w === "string" ? strings.intern(w) : w));
      const id = btf.add(strings.intern(r.name), makeInfo(r.kind, r.vlen, r.kflag), r.sizeType, words);
      if (r.qualified !== undefined && r.qualified !== r.name && r.name !== "") {
        qualifiedIds.push(id);
        qualifiedNames.push(r.qualified);
      }
    }
    // Function and variable names were strings until now: intern them into the unit's table. The symbols are interned
    // too, as the names the candidates are matched by; a string only the unit's table holds never reaches the output.
    const fl = this.funcList;
    for (const f of this.functions) {
      fl.begin();
      fl.push(strings.intern(f.btfName));
      fl.push(strings.intern(f.symbol));
      fl.push(f.retType);
      fl.push(FUNC_HAS_CODE | (f.linkage << FUNC_LINKAGE_SHIFT));
      fl.push(f.paramTypes.length);
      for (let k = 0; k < f.paramTypes.length; k++) {
        fl.push(f.paramNames[k] === "" ? 0 : strings.intern(f.paramNames[k]!));
        fl.push(f.paramTypes[k]!);
      }
      fl.end();
    }
    const vl = this.varList;
    for (const v of this.variables) {
      vl.begin();
      vl.push(strings.intern(v.btfName));
      vl.push(strings.intern(v.symbol));
      vl.push(v.type);
      vl.push(v.external ? 1 : 0);
      vl.push(v.addrLo);
      vl.push(v.addrHi);
      vl.end();
    }
    this.functions = [];
    this.variables = [];
    const cu: CuBtf = {
      // The unit keeps its own index INT (the dedup merges the copies): it never becomes the index type of the C
      // units that follow, so their output is the same as without Rust units.
      btf,
      unitOffset: unit.offset,
      language: unit.language,
      dies: this.dies,
      intId: 0,
      syntheticIndexId: 0,
      functions: fl.take(),
      variables: vl.take(),
      externals: [],
      exportRef: -1,
      exportId: 0,
      sanitizedInts: 0,
    };
    if (this.warnings.length > 0) cu.warnings = this.warnings;
    if (qualifiedIds.length > 0) cu.qualifiedNames = { ids: qualifiedIds, names: qualifiedNames };
    return cu;
  }

  private warn(msg: string): void {
    if (this.warned.has(msg)) return;
    this.warned.add(msg);
    this.warnings.push(msg);
  }

  // ---- the walk ---------------------------------------------------------------------------------------------------

  /** Convert every type of the unit, and collect functions and statics at the top level and in namespaces. */
  private walk(n: RNode, topLevel: boolean): void {
    for (const ch of n.children) {
      this.dies++;
      const tag = ch.tag;
      if (isTypeTag(tag)) {
        // Every type, vtable structs (`<T as Trait>::{vtable_type}`) too: their escaped names get the hash suffix.
        this.typeId(ch);
        this.drain();
      } else if (tag === DW_TAG.DW_TAG_subprogram) {
        if (topLevel) this.functionCandidate(ch);
      } else if (tag === DW_TAG.DW_TAG_variable) {
        if (topLevel && this.opts.features.var) this.variableCandidate(ch);
        continue;
      }
      if (ch.children.length > 0) this.walk(ch, topLevel && tag === DW_TAG.DW_TAG_namespace);
    }
  }

  // ---- types ------------------------------------------------------------------------------------------------------

  private add(r: Rec): number {
    this.recs.push(r);
    return this.recs.length;
  }

  private reserve(n: RNode): { id: number; rec: Rec } {
    const rec: Rec = { kind: BTF_KIND.INT, name: "", kflag: false, vlen: 0, sizeType: 0, extra: [] };
    const id = this.add(rec);
    this.idOf.set(n, id);
    return { id, rec };
  }

  /** The id of the type DIE `ref` points to (-1: none): 0 for void. */
  private ref(ref: number): number {
    if (ref < 0) return 0;
    const n = this.tree.node(ref);
    if (n === undefined || !isTypeTag(n.tag)) return 0;
    return this.typeId(n);
  }

  private typeId(n: RNode): number {
    const known = this.idOf.get(n);
    if (known !== undefined) return known;
    switch (n.tag) {
      case DW_TAG.DW_TAG_unspecified_type:
        this.idOf.set(n, 0);
        return 0;
      case DW_TAG.DW_TAG_atomic_type: {
        this.idOf.set(n, 0);
        const t = this.ref(n.type);
        this.idOf.set(n, t);
        return t;
      }
      case DW_TAG.DW_TAG_base_type:
        return this.baseType(n);
      case DW_TAG.DW_TAG_pointer_type:
      case DW_TAG.DW_TAG_reference_type:
      case DW_TAG.DW_TAG_rvalue_reference_type:
      case DW_TAG.DW_TAG_const_type:
      case DW_TAG.DW_TAG_volatile_type:
      case DW_TAG.DW_TAG_restrict_type:
      case DW_TAG.DW_TAG_typedef:
      case DW_TAG.DW_TAG_array_type:
      case DW_TAG.DW_TAG_subroutine_type:
      case DW_TAG.DW_TAG_structure_type:
      case DW_TAG.DW_TAG_class_type:
      case DW_TAG.DW_TAG_union_type: {
        // Filled later (drain): converting a type never recurses into the types it refers to, however deep.
        const { id, rec } = this.reserve(n);
        this.queue.push(n, rec);
        return id;
      }
      case DW_TAG.DW_TAG_enumeration_type:
        return this.enumType(n);
      default:
        this.idOf.set(n, 0);
        return 0;
    }
  }

  /** Fill the types reserved by `typeId` until none is left. */
  private drain(): void {
    const q = this.queue;
    while (q.length > 0) {
      const rec = q.pop() as Rec;
      const n = q.pop() as RNode;
      this.fill(n, rec);
    }
  }

  private fill(n: RNode, rec: Rec): void {
    switch (n.tag) {
      case DW_TAG.DW_TAG_array_type:
        this.arrayType(n, rec);
        return;
      case DW_TAG.DW_TAG_subroutine_type:
        rec.kind = BTF_KIND.FUNC_PROTO;
        rec.sizeType = this.ref(n.type);
        for (const p of n.children) {
          if (p.tag === DW_TAG.DW_TAG_formal_parameter) {
            const t = this.ref(p.type);
            // A void parameter before the end would read as varargs: the kernel rejects it.
            if (t === 0) this.warn(`function type at DIE 0x${n.ref.toString(16)}: a parameter without a type dropped`);
            else rec.extra.push("", t);
          } else if (p.tag === DW_TAG.DW_TAG_unspecified_parameters) rec.extra.push("", 0);
        }
        rec.vlen = rec.extra.length / 2;
        return;
      case DW_TAG.DW_TAG_structure_type:
      case DW_TAG.DW_TAG_class_type:
      case DW_TAG.DW_TAG_union_type:
        this.aggregate(n, rec);
        return;
      default: {
        rec.kind =
          n.tag === DW_TAG.DW_TAG_typedef
            ? BTF_KIND.TYPEDEF
            : n.tag === DW_TAG.DW_TAG_const_type
              ? BTF_KIND.CONST
              : n.tag === DW_TAG.DW_TAG_volatile_type
                ? BTF_KIND.VOLATILE
                : n.tag === DW_TAG.DW_TAG_restrict_type
                  ? BTF_KIND.RESTRICT
                  : BTF_KIND.PTR;
        // Rust names its pointers (`&u8`, `*const T`): BTF pointers must be anonymous.
        if (rec.kind === BTF_KIND.TYPEDEF) {
          rec.name = this.typeName(n);
          rec.qualified = this.typeName(n, true);
        }
        rec.sizeType = this.ref(n.type);
        if (rec.kind === BTF_KIND.TYPEDEF && rec.name === "") {
          // A TYPEDEF must be named: an anonymous one is the type it names.
          rec.kind = BTF_KIND.CONST;
          this.warn(`anonymous typedef at DIE 0x${n.ref.toString(16)}: encoded as a CONST of its type`);
        }
      }
    }
  }

  private baseType(n: RNode): number {
    const { id, rec } = this.reserve(n);
    const size = Math.max(0, n.size);
    const enc = n.encoding;
    rec.name = rustName(n.name);
    // Primitives live in `core::primitive` (`char` there is 4 bytes, C's is 1).
    if (rec.name !== "") rec.qualified = joinNames(["core", "primitive", rec.name]);
    rec.sizeType = size;
    if (enc === DW_ATE.DW_ATE_float && this.opts.features.float && FLOAT_SIZES.has(size)) {
      rec.kind = BTF_KIND.FLOAT;
      return id;
    }
    let encoding = 0;
    if (enc === DW_ATE.DW_ATE_signed || enc === DW_ATE.DW_ATE_signed_char) encoding = BTF_INT_SIGNED;
    else if (enc === DW_ATE.DW_ATE_boolean) encoding = BTF_INT_BOOL;
    // `char` (DW_ATE_UTF, 4 bytes) is an INT without encoding; `()` and `!` have size 0 and 0 bits.
    rec.kind = BTF_KIND.INT;
    rec.extra = [makeIntWord(encoding, 0, Math.min(size * 8, 128))];
    return id;
  }

  /** The INT twin of FLOAT `id` (same size and name), for members `repr(packed)` misaligned. */
  private intTwin(id: number): number {
    let t = this.twinOf.get(id);
    if (t === undefined) {
      const f = this.recs[id - 1]!;
      t = this.add({
        kind: BTF_KIND.INT,
        name: f.name,
        kflag: false,
        vlen: 0,
        sizeType: f.sizeType,
        extra: [makeIntWord(0, 0, Math.min(f.sizeType * 8, 128))],
      });
      this.twinOf.set(id, t);
    }
    return t;
  }

  private index(): number {
    if (this.indexId === 0) {
      this.indexId = this.add({
        kind: BTF_KIND.INT,
        name: RUST_INDEX_TYPE_NAME,
        kflag: false,
        vlen: 0,
        sizeType: 8,
        extra: [makeIntWord(0, 0, 64)],
      });
    }
    return this.indexId;
  }

  private arrayType(n: RNode, rec: Rec): void {
    const counts = n.children.filter((c) => c.tag === DW_TAG.DW_TAG_subrange_type).map((c) => c.count);
    if (counts.length === 0) counts.push(0);
    rec.kind = BTF_KIND.ARRAY;
    // One ARRAY per dimension, the outer one first.
    const index = this.index();
    let cur = rec;
    for (let k = 0; k < counts.length; k++) {
      if (k > 0) {
        const next: Rec = { kind: BTF_KIND.ARRAY, name: "", kflag: false, vlen: 0, sizeType: 0, extra: [] };
        cur.extra = [this.add(next), index, counts[k - 1]!];
        cur = next;
      }
    }
    cur.extra = [0, index, counts[counts.length - 1]!];
    const elem = this.ref(n.type);
    if (elem === 0)
      this.warn(`array type at DIE 0x${n.ref.toString(16)} has no element type: encoded as an array of u8`);
    cur.extra[0] = elem === 0 ? this.byteType() : elem;
  }

  private byteId = 0;
  private byteType(): number {
    if (this.byteId === 0 || this.recs[this.byteId - 1]?.name !== "u8") {
      this.byteId = this.add({
        kind: BTF_KIND.INT,
        name: "u8",
        kflag: false,
        vlen: 0,
        sizeType: 1,
        extra: [makeIntWord(0, 0, 8)],
      });
    }
    return this.byteId;
  }

  /** Signedness of the underlying integer of an enum (its DW_AT_type). */
  private enumBase(n: RNode): RNode | undefined {
    let ref = n.type;
    for (let guard = 0; guard < 16 && ref >= 0; guard++) {
      const b = this.tree.node(ref);
      if (b === undefined) return undefined;
      if (b.tag === DW_TAG.DW_TAG_base_type) return b;
      ref = b.type;
    }
    return undefined;
  }

  private enumType(n: RNode): number {
    const base = this.enumBase(n);
    const signed =
      base !== undefined && (base.encoding === DW_ATE.DW_ATE_signed || base.encoding === DW_ATE.DW_ATE_signed_char);
    const size = n.size >= 0 ? n.size : base && base.size >= 0 ? base.size : 4;
    const name = this.typeName(n);
    const qualified = this.typeName(n, true);
    if (size > 8 || (size & (size - 1)) !== 0) {
      // ENUM of size 16 is rejected (`Unexpected size`): keep the name and the layout, lose the enumerators.
      this.warn(
        `enum ${n.name} (${size} bytes) has no BTF enum kind: encoded as a typedef of its ${size * 8}-bit integer, enumerators dropped`,
      );
      const { id, rec } = this.reserve(n);
      rec.kind = BTF_KIND.TYPEDEF;
      rec.name = name;
      rec.qualified = qualified;
      rec.sizeType = base
        ? this.typeId(base)
        : this.add({
            kind: BTF_KIND.INT,
            name: signed ? "i128" : "u128",
            kflag: false,
            vlen: 0,
            sizeType: size,
            extra: [makeIntWord(signed ? BTF_INT_SIGNED : 0, 0, Math.min(128, size * 8))],
          });
      return id;
    }
    const { id, rec } = this.reserve(n);
    rec.name = name;
    rec.qualified = qualified;
    rec.sizeType = size;
    rec.kflag = signed;
    if (n.declaration) {
      rec.kind = BTF_KIND.ENUM;
      return id;
    }
    const wide = size > 4 && this.opts.features.enum64;
    rec.kind = wide ? BTF_KIND.ENUM64 : BTF_KIND.ENUM;
    for (const e of n.children) {
      if (e.tag !== DW_TAG.DW_TAG_enumerator) continue;
      let v = e.constValue;
      // Data forms carry the value's bits; an enum with a signed base reads them signed.
      if (!e.constSigned && signed && e.constBytes < 8) v = BigInt.asIntN(e.constBytes * 8, v);
      else if (!e.constSigned && signed) v = BigInt.asIntN(64, v);
      const u = BigInt.asUintN(64, v);
      const lo = Number(u & 0xffffffffn);
      const hi = Number(u >> 32n);
      if (wide) rec.extra.push(rustName(e.name) || "_", lo, hi);
      else rec.extra.push(rustName(e.name) || "_", lo);
    }
    rec.vlen = rec.extra.length / (wide ? 3 : 2);
    return id;
  }

  /** The BTF name of a named type DIE: escaped, qualified with its namespaces when asked, `Enum__Variant` for variants. */
  private typeName(n: RNode, qualified = this.opts.features.rustQualifiedNames): string {
    const parent = n.parent;
    if (parent && isAggregateTag(parent.tag) && variantPart(parent) !== undefined && n.name !== "") {
      return joinNames([this.typeName(parent, qualified), rustName(n.name)]);
    }
    if (n.name === "") return "";
    if (!qualified) return rustName(n.name);
    const parts: string[] = [];
    for (let p = parent; p; p = p.parent) {
      if (p.tag === DW_TAG.DW_TAG_namespace || isAggregateTag(p.tag) || p.tag === DW_TAG.DW_TAG_subprogram) {
        if (p.name !== "") parts.unshift(rustName(p.name));
      }
    }
    parts.push(rustName(n.name));
    return joinNames(parts);
  }

  /** Byte size of the type DIE `ref` points to (following typedefs and qualifiers), -1 when unknown. */
  private sizeOf(ref: number, depth = 0): number {
    if (ref < 0 || depth > 32) return ref < 0 ? 0 : -1;
    const n = this.tree.node(ref);
    if (n === undefined) return -1;
    if (n.size >= 0 && n.tag !== DW_TAG.DW_TAG_array_type) return n.size;
    switch (n.tag) {
      case DW_TAG.DW_TAG_pointer_type:
      case DW_TAG.DW_TAG_reference_type:
      case DW_TAG.DW_TAG_rvalue_reference_type:
        return this.file.elf.header.class === 64 ? 8 : 4;
      case DW_TAG.DW_TAG_array_type: {
        if (n.size >= 0) return n.size;
        let total = 1;
        for (const c of n.children) if (c.tag === DW_TAG.DW_TAG_subrange_type) total *= c.count;
        const e = this.sizeOf(n.type, depth + 1);
        return e < 0 ? -1 : total * e;
      }
      case DW_TAG.DW_TAG_typedef:
      case DW_TAG.DW_TAG_const_type:
      case DW_TAG.DW_TAG_volatile_type:
      case DW_TAG.DW_TAG_restrict_type:
      case DW_TAG.DW_TAG_atomic_type:
        return this.sizeOf(n.type, depth + 1);
      default:
        return n.size;
    }
  }

  private aggregate(n: RNode, rec: Rec): void {
    const isUnion = n.tag === DW_TAG.DW_TAG_union_type;
    rec.name = this.typeName(n);
    rec.qualified = this.typeName(n, true);
    if (n.declaration) {
      rec.kind = BTF_KIND.FWD;
      rec.kflag = isUnion;
      if (rec.name === "") {
        // A FWD must be named: an anonymous declaration becomes an empty aggregate.
        rec.kind = isUnion ? BTF_KIND.UNION : BTF_KIND.STRUCT;
        this.warn(
          `anonymous declaration at DIE 0x${n.ref.toString(16)}: encoded as an empty ${isUnion ? "union" : "struct"}`,
        );
      }
      return;
    }
    rec.kind = isUnion ? BTF_KIND.UNION : BTF_KIND.STRUCT;
    const size = Math.max(0, n.size);
    rec.sizeType = size;
    const members: { name: string; type: number; off: number; size: number }[] = [];
    const vp = variantPart(n);
    if (vp !== undefined) {
      // Data-carrying or niche enum: the discriminant at its offset, and an anonymous union of the variants.
      const d = vp.children.find((c) => c.tag === DW_TAG.DW_TAG_member && (vp.discr < 0 || c.ref === vp.discr));
      if (d !== undefined) this.member(n, d, DISCR_MEMBER_NAME, size, members);
      const union: Rec = { kind: BTF_KIND.UNION, name: "", kflag: false, vlen: 0, sizeType: size, extra: [] };
      const uid = this.add(union);
      const tags: (string | number)[] = [];
      for (const v of vp.children) {
        if (v.tag !== DW_TAG.DW_TAG_variant) continue;
        for (const m of v.children) {
          if (m.tag !== DW_TAG.DW_TAG_member) continue;
          const t = this.ref(m.type);
          if (t === 0) {
            this.warn(`variant ${n.name}::${m.name} has no type: dropped`);
            continue;
          }
          // The discriminant value that selects the variant, as a decl tag on its union member (none for the
          // variant a niche layout selects by default).
          if (v.discrValue !== undefined && this.opts.features.declTag)
            tags.push(`${DISCR_TAG_PREFIX}${v.discrValue}`, union.extra.length / 3);
          union.extra.push(rustName(m.name), t, 0);
        }
      }
      union.vlen = union.extra.length / 3;
      for (let k = 0; k < tags.length; k += 2) {
        this.add({
          kind: BTF_KIND.DECL_TAG,
          name: tags[k] as string,
          kflag: false,
          vlen: 0,
          sizeType: uid,
          extra: [tags[k + 1] as number],
        });
      }
      members.push({ name: "", type: uid, off: 0, size });
    }
    for (const m of n.children) if (m.tag === DW_TAG.DW_TAG_member) this.member(n, m, rustName(m.name), size, members);
    // DWARF lists Rust fields in declaration order; the kernel wants offsets in order. A stable sort keeps equal
    // offsets (zero-sized fields) in DWARF order.
    if (!isUnion) members.sort((a, b) => a.off - b.off);
    for (const m of members) rec.extra.push(m.name, m.type, isUnion ? 0 : m.off);
    rec.vlen = members.length;
  }

  /** Add member `m` of aggregate `n`, with the kernel's fit and alignment rules applied. */
  private member(
    n: RNode,
    m: RNode,
    name: string,
    size: number,
    out: { name: string; type: number; off: number; size: number }[],
  ): void {
    let type = this.ref(m.type);
    const what = `${n.name || "(anonymous)"}::${m.name || "(unnamed)"}`;
    if (type === 0) {
      this.warn(`member ${what} has no type the kernel accepts (void): dropped`);
      return;
    }
    if (this.tree.node(m.type)?.tag === DW_TAG.DW_TAG_subroutine_type) {
      this.warn(`member ${what} is a function type, not a pointer: dropped`);
      return;
    }
    let msize = this.sizeOf(m.type);
    const off = m.bitOffset;
    if (msize > 0 && off >= size * 8 && n.tag !== DW_TAG.DW_TAG_union_type) {
      // An unsized tail (`data: [T]`): DWARF puts one T past the struct's sized prefix; BTF has T[0].
      type = this.add({
        kind: BTF_KIND.ARRAY,
        name: "",
        kflag: false,
        vlen: 0,
        sizeType: 0,
        extra: [type, this.index(), 0],
      });
      msize = 0;
    } else if (msize > 0 && off + msize * 8 > size * 8) {
      this.warn(`member ${what} ends past its struct's ${size} bytes: dropped`);
      return;
    }
    // Base types are converted at once (never queued), so a FLOAT member's record is complete here.
    const t = this.recs[type - 1]!;
    if (t.kind === BTF_KIND.FLOAT) {
      const align = Math.min(8, t.sizeType) * 8;
      if (off % align !== 0) type = this.intTwin(type);
    }
    out.push({ name, type, off, size: msize });
  }

  // ---- functions and statics --------------------------------------------------------------------------------------

  private binding(symbol: string): number {
    if (!this.symbolBinding) {
      const m = new Map<string, number>();
      const symtab = readSymbols(this.file.elf);
      if (symtab) {
        for (let i = 0; i < symtab.count; i++) {
          const t = symtab.type(i);
          if ((t === STT.FUNC || t === STT.OBJECT) && symtab.shndx[i] !== 0) {
            const name = symtab.name(i);
            if (!m.has(name) || symtab.binding(i) === STB.GLOBAL) m.set(name, symtab.binding(i));
          }
        }
      }
      this.symbolBinding = m;
    }
    return this.symbolBinding.get(symbol) ?? STB.LOCAL;
  }

  /** The DIE that carries a definition's name and type: its abstract origin or specification when it has one. */
  private origin(n: RNode): RNode {
    let cur = n;
    for (let guard = 0; guard < 8 && cur.origin >= 0; guard++) {
      const o = this.tree.node(cur.origin);
      if (o === undefined) break;
      cur = o;
    }
    return cur;
  }

  private functionCandidate(n: RNode): void {
    if (n.declaration || !n.hasCode) return;
    const src = this.origin(n);
    const symbol = n.linkage || src.linkage || src.name;
    if (symbol === "" || !this.opts.functionNames.has(symbol)) return;
    const btfName = isPortableIdentifier(symbol) ? symbol : rustName(src.name || symbol);
    const paramNames: string[] = [];
    const paramTypes: number[] = [];
    // Parameters: the concrete DIE's when it lists them, else the origin's.
    const own = n.children.filter(
      (c) => c.tag === DW_TAG.DW_TAG_formal_parameter || c.tag === DW_TAG.DW_TAG_unspecified_parameters,
    );
    const list =
      own.length > 0
        ? own
        : src.children.filter(
            (c) => c.tag === DW_TAG.DW_TAG_formal_parameter || c.tag === DW_TAG.DW_TAG_unspecified_parameters,
          );
    for (const p of list) {
      if (p.tag === DW_TAG.DW_TAG_unspecified_parameters) {
        paramNames.push("");
        paramTypes.push(0);
        continue;
      }
      const po = this.origin(p);
      const pname = rustName(p.name || po.name);
      const ptype = this.ref(p.type >= 0 ? p.type : po.type);
      if (ptype === 0) {
        this.warn(`function ${src.name || symbol}: parameter ${paramNames.length} has no type: no FUNC`);
        return;
      }
      paramNames.push(pname === "" ? `arg${paramNames.length}` : pname);
      paramTypes.push(ptype);
    }
    const linkage = this.binding(symbol) === STB.GLOBAL ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC;
    this.functions.push({
      symbol,
      btfName,
      retType: this.ref(n.type >= 0 ? n.type : src.type),
      linkage,
      paramNames,
      paramTypes,
    });
  }

  private variableCandidate(n: RNode): void {
    if (n.declaration || !n.location) return;
    // DW_OP_addr, or DW_OP_addrx with DWARF 5 (`-C dwarf-version=5`): the same helper as the C converter's.
    if (!staticAddress(n.location, 0, n.location.length, this.unit, this.file, this.address)) return;
    const lo = this.address[0]!;
    const hi = this.address[1]!;
    const src = this.origin(n);
    const symbol = n.linkage || src.linkage || src.name;
    if (symbol === "") return;
    const type = this.ref(n.type >= 0 ? n.type : src.type);
    if (type === 0) {
      this.warn(`static ${src.name} has no type: not encoded`);
      return;
    }
    const btfName = isPortableIdentifier(symbol) ? symbol : rustName(src.name || symbol);
    this.variables.push({
      symbol,
      btfName,
      type,
      external: n.external || src.external || this.binding(symbol) === STB.GLOBAL,
      addrLo: lo,
      addrHi: hi,
    });
  }
}
