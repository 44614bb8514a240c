/**
 * Per-CU conversion of C DWARF into BTF.
 *
 * A `CUnitConverter` turns one unit into its own small `Btf` (own ids from 1, own strings) plus the unit's function
 * and variable candidates; it shares no mutable state with other converters, so units can be converted in any
 * order or in worker threads and merged in unit order afterwards (merge.ts).
 *
 * Two walks over the unit's DIEs, with no object per DIE:
 *  1. assign ids: every type DIE gets its id in *post-order* — a type with children (a struct with nested anonymous
 *     types, a pointer with `btf_type_tag` annotations) is numbered after its children, which is the order pahole's
 *     loader adds types to a CU. Ids live in an Int32Array indexed by (DIE offset - unit offset).
 *  2. emit: the same walk appends each type when its id comes up; members, enumerators, parameters and subranges
 *     are collected on a small typed-array stack while the children are walked.
 * Then, as pahole: the array index INT when the unit has arrays but no `int`, and the decl tags of types.
 *
 * Not read yet: gcc ≥ 14's DW_TAG_GNU_annotation (referenced through DW_AT_GNU_annotation) and clang's
 * `btf:type_tag` annotations on pointee types (the "v2" encoding); clang's pointer-child annotations are.
 *
 * References that leave the unit (type units via ref_sig8, LTO's ref_addr) cannot be resolved per unit: they are
 * written as placeholders that the merge resolves once every unit is converted.
 *
 * For the encode pipeline (which merges each unit at once) two options save most of the work and memory:
 * `debugStrRefs` leaves names in `.debug_str` (string offsets `STR_REF | offset`, interned once by the merge for all
 * units, instead of once per unit and again in the merge), and `reuseTables` builds every unit in the same arrays.
 */
import { Btf } from "../../btf/btf.js";
import { BTF_FUNC_STATIC, BTF_INT_SIGNED, BTF_KIND, makeInfo, makeIntWord } from "../../btf/kinds.js";
import { BtfkitError, ErrorCode } from "../../common/errors.js";
import { DW_AT, DW_ATE, DW_TAG } from "../../dwarf/constants.js";
import type { DieCursor } from "../../dwarf/die-cursor.js";
import type { DwarfFile } from "../../dwarf/dwarf-file.js";
import { makeDieRef } from "../../dwarf/offsets.js";
import type { UnitHeader } from "../../dwarf/unit.js";
import {
  type CandidateList,
  CandidateListBuilder,
  F_FLAGS,
  F_PARAM_COUNT,
  F_PARAMS,
  FUNC_CONCRETE,
  FUNC_HAS_CODE,
  FUNC_LINKAGE_SHIFT,
  FUNC_OPTIMIZED_PARMS,
  FUNC_UNCERTAIN_PARM_LOC,
  FUNC_UNEXPECTED_REG,
  FUNC_UNNAMED_PARAM,
} from "../candidates.js";
import {
  type LocationSections,
  type LocationSource,
  parameterRegister,
  registerParams,
  staticAddress,
} from "../../dwarf/location.js";
import { type ConvertOptions, type CuBtf, EXTERNAL_REF, STR_REF } from "../cu-btf.js";
import {
  type BaseTypeRecord,
  baseTypeRecord,
  enumeratorValue,
  isNamedInt,
  isTypeTag,
  memberLocation,
  type MemberLocation,
  refKindOf,
  subrangeCount,
} from "../types.js";

/** The INT pahole 1.24 adds as array index type when a unit has arrays but no `int`: a signed 32-bit `int`. */
export const ARRAY_INDEX_TYPE_NAME = "int";
export const SANITIZED_INT_NAME = "__SANITIZED_FAKE_INT__";

// `idOf` is 0 for a DIE that is not a type, the type's id for a type, or one of:
/** `idOf` value of DW_TAG_unspecified_type: void. */
const VOID_TYPE = -1;
/** `idOf` value of DW_TAG_atomic_type: the type it qualifies (pahole drops the qualifier). */
const ALIAS_TYPE = -2;

/** Parameter facts (pahole's `struct parameter` bits), kept per parameter until the unit is read. */
const P_HAS_LOC = 1;
const P_OPTIMIZED = 2;
const P_UNEXPECTED = 4;

/** Roles of the entries on the walk stack. */
const ROLE_OTHER = 0;
const ROLE_TYPE = 1;
const ROLE_FUNC = 2;
const ROLE_VAR = 3;
const ROLE_PARAM = 4;
const ROLE_MEMBER = 5;

const UTF8 = new TextDecoder();

export class CUnitConverter {
  private readonly c: DieCursor;
  /** A second cursor for random access (origins, sizes of bitfield storage units, enum base types). */
  private readonly c2: DieCursor;
  private idOf: Int32Array = new Int32Array(1024);
  /** DW_TAG_atomic_type DIE (unit-relative offset) → the DieRef it qualifies (-1: void). */
  private aliasOf = new Map<number, number>();
  private externals: number[] = [];
  private externalIndex = new Map<number, number>();
  private spaceBase = 0;
  /** .debug_str offset → own string offset, for the unit being converted (without `debugStrRefs`). */
  private strCache = new Map<number, number>();
  private debugStr: Uint8Array = new Uint8Array(0);
  private readonly strRefs: boolean;

  // The walk stack, one slot per open DIE with children.
  private sp = 0;
  private sOff: Float64Array = new Float64Array(64);
  private sDepth: Int32Array = new Int32Array(64);
  private sTag: Int32Array = new Int32Array(64);
  private sRole: Uint8Array = new Uint8Array(64);
  private sWords: Int32Array = new Int32Array(64);
  private sCount: Int32Array = new Int32Array(64);
  private sFlag: Int32Array = new Int32Array(64);
  private sRef: Int32Array = new Int32Array(64);
  private sName: Int32Array = new Int32Array(64);
  private sSize: Float64Array = new Float64Array(64);

  /** Variable parts being collected (members are 4 words here: name, type, bit offset, bitfield size). */
  private words: Uint32Array = new Uint32Array(1024);
  private wlen = 0;
  private readonly base: BaseTypeRecord = { kind: 0, size: 0, intWord: 0, sanitized: false };
  private readonly loc: MemberLocation = { bitOffset: 0, bitSize: 0 };
  private readonly val = new Uint32Array(2);
  /** A type's variable part before Btf.addFrom copies it (no array per type: a vmlinux has millions). */
  private ex: Uint32Array = new Uint32Array(1024);
  /** For memberLocation, made once: a closure per member would be millions of allocations. */
  private readonly refByteSizeOf = (cc: DieCursor): number => this.refByteSize(cc);

  // Per-unit state, reset by convert().
  private unit!: UnitHeader;
  private unitBase = 0;
  private unitLen = 0;
  private btf!: Btf;
  private intId = 0;
  private indexId = 0;
  private sanitized = 0;
  private declTags: number[] = [];
  /**
   * With `analyzeParams`: per parameter of a function candidate, in DIE order, its unit-relative DIE offset, the
   * unit-relative offset of its DW_AT_abstract_origin (-1: none), its P_* flags and its candidate's index.
   */
  private pOff: number[] = [];
  private pOrigin: number[] = [];
  private pFlags: number[] = [];
  private pCand: number[] = [];
  private readonly regs: { count: number; expected: number[] };
  private readonly locSections: LocationSections;
  private readonly locSrc: LocationSource = { form: 0 };
  /** The open ROLE_FUNC / ROLE_VAR entry's record is the open record of these. */
  private readonly functions = new CandidateListBuilder();
  private readonly variables = new CandidateListBuilder();

  constructor(
    private readonly file: DwarfFile,
    private readonly opts: ConvertOptions,
  ) {
    this.c = file.cursor();
    this.c2 = file.cursor();
    this.strRefs = opts.debugStrRefs === true;
    this.regs = registerParams(file.elf.header.machine);
    this.locSections = { loc: () => file.loc, loclists: () => file.loclists };
  }

  convert(unit: UnitHeader): CuBtf {
    this.unit = unit;
    this.unitBase = unit.offset;
    this.unitLen = unit.end - unit.offset;
    this.spaceBase = makeDieRef(unit.space, 0);
    this.strCache.clear();
    this.debugStr = this.file.str;
    this.externals = [];
    this.externalIndex = new Map();
    if (this.idOf.length < this.unitLen) this.idOf = new Int32Array(Math.max(this.unitLen, this.idOf.length * 2));
    else this.idOf.fill(0, 0, this.unitLen);
    this.aliasOf.clear();
    this.sanitized = 0;
    this.declTags = [];
    this.functions.reset();
    this.variables.reset();
    this.pOff.length = this.pOrigin.length = this.pFlags.length = this.pCand.length = 0;
    const { count, dies, intOff, arrays } = this.assignIds();
    this.btf = this.newTable(count);
    this.intId = intOff >= 0 ? this.idOf[intOff]! : 0;
    this.indexId = this.intId > 0 ? this.intId : arrays ? count + 1 : 0;
    this.emitTypes();
    if (this.btf.endId !== count + 1) throw this.internal(`emitted ${this.btf.endId - 1} types, expected ${count}`);
    let synthetic = 0;
    if (this.intId === 0 && arrays) {
      synthetic = this.btf.add(this.btf.strings.intern(ARRAY_INDEX_TYPE_NAME), makeInfo(BTF_KIND.INT, 0, false), 4, [
        makeIntWord(BTF_INT_SIGNED, 0, 32),
      ]);
    }
    // A type unit exports its type DIE: other units refer to it by signature.
    const exportId =
      unit.isTypeUnit && unit.typeOffset !== undefined
        ? this.resolveRef(this.spaceBase + unit.offset + unit.typeOffset)
        : 0;
    if (this.strRefs && this.btf.strings.endOffset > STR_REF)
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `the unit's own strings take ${this.btf.strings.endOffset} bytes, more than btfkit handles in one unit (${STR_REF})`,
        { file: this.file.path, section: unit.section, offset: unit.offset },
      );
    const dt = this.declTags;
    for (let k = 0; k < dt.length; k += 3) {
      const target = this.idOf[dt[k + 1]!]!;
      if (target > 0) this.btf.add(dt[k]!, makeInfo(BTF_KIND.DECL_TAG, 0, false), target, [dt[k + 2]! >>> 0]);
    }
    return {
      btf: this.btf,
      unitOffset: unit.offset,
      language: unit.language,
      dies,
      intId: this.intId,
      syntheticIndexId: synthetic,
      functions: this.finishFunctions(this.functions.take()),
      variables: this.variables.take(),
      externals: this.externals,
      exportRef: exportId > 0 && exportId < EXTERNAL_REF ? this.spaceBase + unit.offset + unit.typeOffset! : -1,
      exportId: exportId < EXTERNAL_REF ? exportId : 0,
      sanitizedInts: this.sanitized,
    };
  }

  /** The unit's table: fresh arrays, or with `reuseTables` the previous unit's arrays (grown if need be). */
  private newTable(count: number): Btf {
    if (!this.opts.reuseTables)
      return new Btf({ capacity: count + 16, extraCapacity: count * 4 + 16, byteOrder: this.file.byteOrder });
    const b = new Btf({ capacity: 16, extraCapacity: 16, byteOrder: this.file.byteOrder });
    const prev = this.btf as Btf | undefined; // the previous unit's table, if any
    if (prev !== undefined && prev.info.length >= count + 16) {
      b.info = prev.info;
      b.nameOff = prev.nameOff;
      b.sizeType = prev.sizeType;
      b.extraStart = prev.extraStart;
    } else {
      const cap = Math.max(count + 16, 2 * (prev?.info.length ?? 0), 1024);
      b.info = new Uint32Array(cap);
      b.nameOff = new Uint32Array(cap);
      b.sizeType = new Uint32Array(cap);
      b.extraStart = new Uint32Array(cap);
    }
    b.extra =
      prev !== undefined && prev.extra.length >= count * 4 + 16
        ? prev.extra
        : new Uint32Array(Math.max(count * 4 + 16, 2 * (prev?.extra.length ?? 0), 4096));
    return b;
  }

  // ---- pass 1 ----------------------------------------------------------------------------------------------------

  private assignIds(): { count: number; dies: number; intOff: number; arrays: boolean } {
    const c = this.c.reset(this.unit);
    const idOf = this.idOf;
    const base = this.unitBase;
    const flat = this.opts.features.flatArrays;
    let next = 1;
    let dies = 0;
    let intOff = -1;
    let arrays = false;
    this.sp = 0;
    while (c.next()) {
      dies++;
      const d = c.depth;
      while (this.sp > 0 && this.sDepth[this.sp - 1]! >= d) {
        const s = --this.sp;
        if (this.sRole[s] === ROLE_TYPE) {
          idOf[this.sOff[s]!] = next;
          next += this.sTag[s] === DW_TAG.DW_TAG_array_type && !flat ? Math.max(1, this.sCount[s]!) : 1;
        }
      }
      const tag = c.tag;
      const off = c.offset - base;
      const parentTag = this.sp > 0 ? this.sTag[this.sp - 1]! : 0;
      let role = ROLE_OTHER;
      if (isTypeTag(tag)) {
        if (tag === DW_TAG.DW_TAG_atomic_type) {
          idOf[off] = ALIAS_TYPE;
          const r = c.ref(DW_AT.DW_AT_type);
          this.aliasOf.set(off, r === undefined ? -1 : r);
        } else if (tag === DW_TAG.DW_TAG_unspecified_type) {
          idOf[off] = VOID_TYPE;
        } else if (c.hasChildren) {
          role = ROLE_TYPE;
          if (tag === DW_TAG.DW_TAG_array_type) arrays = true;
        } else {
          idOf[off] = next++;
          if (tag === DW_TAG.DW_TAG_array_type) arrays = true;
          else if (tag === DW_TAG.DW_TAG_base_type && intOff < 0 && isNamedInt(c)) intOff = off;
        }
      } else if (tag === DW_TAG.DW_TAG_subrange_type && parentTag === DW_TAG.DW_TAG_array_type) {
        this.sCount[this.sp - 1]!++;
      } else if (
        tag === DW_TAG.DW_TAG_LLVM_annotation &&
        parentTag === DW_TAG.DW_TAG_pointer_type &&
        this.isTypeTagAnnotation(c)
      ) {
        idOf[off] = next++;
      }
      if (c.hasChildren) this.push(off, d, tag, role);
    }
    while (this.sp > 0) {
      const s = --this.sp;
      if (this.sRole[s] === ROLE_TYPE) {
        idOf[this.sOff[s]!] = next;
        next += this.sTag[s] === DW_TAG.DW_TAG_array_type && !flat ? Math.max(1, this.sCount[s]!) : 1;
      }
    }
    return { count: next - 1, dies, intOff, arrays };
  }

  private isTypeTagAnnotation(c: DieCursor): boolean {
    return this.opts.features.typeTag && this.annotationIs(c, "btf_type_tag");
  }

  private annotationIs(c: DieCursor, what: string): boolean {
    if (!c.str(DW_AT.DW_AT_name) || c.strEnd - c.strStart !== what.length) return false;
    for (let k = 0; k < what.length; k++) if (c.strBytes[c.strStart + k] !== what.charCodeAt(k)) return false;
    return true;
  }

  private push(off: number, depth: number, tag: number, role: number): number {
    if (this.sp === this.sOff.length) this.growStack();
    const s = this.sp++;
    this.sOff[s] = off;
    this.sDepth[s] = depth;
    this.sTag[s] = tag;
    this.sRole[s] = role;
    this.sWords[s] = this.wlen;
    this.sCount[s] = 0;
    this.sFlag[s] = 0;
    this.sRef[s] = 0;
    this.sName[s] = 0;
    this.sSize[s] = 0;
    return s;
  }

  private growStack(): void {
    const n = this.sOff.length * 2;
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.sOff = g64(this.sOff);
    this.sSize = g64(this.sSize);
    this.sDepth = g32(this.sDepth);
    this.sTag = g32(this.sTag);
    this.sWords = g32(this.sWords);
    this.sCount = g32(this.sCount);
    this.sFlag = g32(this.sFlag);
    this.sRef = g32(this.sRef);
    this.sName = g32(this.sName);
    const r = new Uint8Array(n);
    r.set(this.sRole);
    this.sRole = r;
  }

  private pushWords(a: number, b: number, c: number, d: number, n: number): void {
    if (this.wlen + 4 > this.words.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words.subarray(0, this.wlen));
      this.words = w;
    }
    const w = this.words;
    const p = this.wlen;
    w[p] = a;
    if (n > 1) w[p + 1] = b;
    if (n > 2) w[p + 2] = c;
    if (n > 3) w[p + 3] = d;
    this.wlen += n;
  }

  // ---- references ------------------------------------------------------------------------------------------------

  /** The BTF id of the type attribute `at` of the current DIE: 0 for void, missing or unresolvable references. */
  private typeRef(c: DieCursor, at: number = DW_AT.DW_AT_type): number {
    const r = c.ref(at);
    return r === undefined ? 0 : this.resolveRef(r);
  }

  /**
   * The id for a reference: an own type, or — for a DIE outside the unit (a type unit's type through ref_sig8,
   * another unit's DIE through ref_addr) — a placeholder `EXTERNAL_REF | k` that the merge resolves (`externals[k]`).
   */
  private resolveRef(r: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const off = r - this.spaceBase - this.unitBase;
      if (off < 0 || off >= this.unitLen) {
        let k = this.externalIndex.get(r);
        if (k === undefined) {
          k = this.externals.length;
          this.externals.push(r);
          this.externalIndex.set(r, k);
        }
        return (EXTERNAL_REF | k) >>> 0;
      }
      const v = this.idOf[off]!;
      if (v > 0) return v;
      if (v !== ALIAS_TYPE) return 0;
      const t = this.aliasOf.get(off);
      if (t === undefined || t < 0) return 0;
      r = t;
    }
    return 0;
  }

  /** Byte size of the type a DIE refers to, following typedefs and qualifiers (for DWARF 2 bitfield storage). */
  private refByteSize(c: DieCursor): number {
    let r = c.ref(DW_AT.DW_AT_type);
    for (let guard = 0; guard < 16 && r !== undefined; guard++) {
      const d = this.file.dieAt(r, this.c2);
      const size = d.unsigned(DW_AT.DW_AT_byte_size);
      if (size !== undefined) return size;
      r = d.ref(DW_AT.DW_AT_type);
    }
    return 0;
  }

  /** Whether the enum under the cursor has a signed underlying type (DW_AT_type); undefined when it has none. */
  private enumSigned(c: DieCursor): boolean | undefined {
    let r = c.ref(DW_AT.DW_AT_type);
    for (let guard = 0; guard < 16 && r !== undefined; guard++) {
      const d = this.file.dieAt(r, this.c2);
      const enc = d.unsigned(DW_AT.DW_AT_encoding);
      if (enc !== undefined) return enc === DW_ATE.DW_ATE_signed || enc === DW_ATE.DW_ATE_signed_char;
      r = d.ref(DW_AT.DW_AT_type);
    }
    return undefined;
  }

  private nameOff(c: DieCursor, at: number = DW_AT.DW_AT_name): number {
    if (!c.str(at)) return 0;
    // A .debug_str name stays where it is (the merge reads it): its end is not even looked for here.
    if (this.strRefs && c.strBytes === this.debugStr && c.strStart < STR_REF && c.strStart < c.strBytes.length) {
      return c.strBytes[c.strStart] === 0 ? 0 : (STR_REF | c.strStart) >>> 0;
    }
    if (c.strEnd === c.strStart) return 0;
    return this.curStrOff(c);
  }

  /** The string offset for the string `c.str()` just decoded (not empty). */
  private curStrOff(c: DieCursor): number {
    // Most names are shared .debug_str entries: cache them by section offset, which skips hashing the bytes.
    if (c.strBytes === this.debugStr) {
      if (this.strRefs && c.strStart < STR_REF) return (STR_REF | c.strStart) >>> 0;
      let v = this.strCache.get(c.strStart);
      if (v === undefined) {
        v = this.btf.strings.intern(c.strBytes.subarray(c.strStart, c.strEnd));
        this.strCache.set(c.strStart, v);
      }
      return v;
    }
    return this.btf.strings.intern(c.strBytes.subarray(c.strStart, c.strEnd));
  }

  // ---- pass 2 ----------------------------------------------------------------------------------------------------

  private emitTypes(): void {
    const c = this.c.reset(this.unit);
    this.sp = 0;
    this.wlen = 0;
    while (c.next()) {
      const d = c.depth;
      while (this.sp > 0 && this.sDepth[this.sp - 1]! >= d) this.close(--this.sp);
      this.open(c, d);
    }
    while (this.sp > 0) this.close(--this.sp);
  }

  private expect(off: number, got: number): void {
    if (this.idOf[off] !== got)
      throw this.internal(
        `DIE 0x${(off + this.unitBase).toString(16)}: emitted as type ${got}, numbered ${this.idOf[off]}`,
      );
  }

  private internal(msg: string): BtfkitError {
    return new BtfkitError(ErrorCode.INTERNAL, `internal: ${msg}`, {
      file: this.file.path,
      section: this.unit.section,
      offset: this.unitBase,
    });
  }

  private open(c: DieCursor, d: number): void {
    const tag = c.tag;
    const off = c.offset - this.unitBase;
    const ps = this.sp - 1;
    const parentRole = ps >= 0 ? this.sRole[ps]! : -1;
    const parentTag = ps >= 0 ? this.sTag[ps]! : 0;
    const btf = this.btf;
    if (isTypeTag(tag)) {
      if (tag === DW_TAG.DW_TAG_atomic_type || tag === DW_TAG.DW_TAG_unspecified_type) {
        if (c.hasChildren) this.push(off, d, tag, ROLE_OTHER);
        return;
      }
      let s = -1;
      if (c.hasChildren) s = this.push(off, d, tag, ROLE_TYPE);
      switch (tag) {
        case DW_TAG.DW_TAG_base_type: {
          const r = baseTypeRecord(c, this.opts.features.float, this.base);
          const name = r.sanitized ? btf.strings.intern(SANITIZED_INT_NAME) : this.nameOff(c);
          if (r.sanitized) this.sanitized++;
          if (s >= 0) {
            this.sName[s] = name;
            this.sSize[s] = r.size;
            this.sFlag[s] = r.kind;
            this.sRef[s] = r.intWord;
          } else {
            this.expect(
              off,
              r.kind === BTF_KIND.INT
                ? btf.add(name, makeInfo(BTF_KIND.INT, 0, false), r.size, [r.intWord])
                : btf.add(name, makeInfo(r.kind, 0, false), r.size),
            );
          }
          return;
        }
        case DW_TAG.DW_TAG_array_type: {
          const elem = this.typeRef(c);
          if (s >= 0) this.sRef[s] = elem;
          else this.expect(off, btf.add(0, makeInfo(BTF_KIND.ARRAY, 0, false), 0, [elem, this.indexId, 0]));
          return;
        }
        case DW_TAG.DW_TAG_structure_type:
        case DW_TAG.DW_TAG_class_type:
        case DW_TAG.DW_TAG_union_type:
        case DW_TAG.DW_TAG_enumeration_type: {
          const name = this.nameOff(c);
          const decl = c.has(DW_AT.DW_AT_declaration);
          const size = c.unsigned(DW_AT.DW_AT_byte_size) ?? (tag === DW_TAG.DW_TAG_enumeration_type ? 4 : 0);
          let signed = false;
          if (tag === DW_TAG.DW_TAG_enumeration_type) signed = this.enumSigned(c) ?? false;
          if (s >= 0) {
            this.sName[s] = name;
            this.sSize[s] = size;
            this.sFlag[s] = (decl ? 1 : 0) | (signed ? 4 : 0);
          } else {
            this.expect(off, this.emitAggregate(tag, name, size, decl, 0, 0, false, false));
          }
          return;
        }
        case DW_TAG.DW_TAG_subroutine_type: {
          const ret = this.typeRef(c);
          if (s >= 0) this.sRef[s] = ret;
          else this.expect(off, btf.add(0, makeInfo(BTF_KIND.FUNC_PROTO, 0, false), ret));
          return;
        }
        default: {
          // Pointers, modifiers and typedefs.
          const kind = refKindOf(tag);
          const name = tag === DW_TAG.DW_TAG_typedef ? this.nameOff(c) : 0;
          const ref = this.typeRef(c);
          if (s >= 0) {
            this.sName[s] = name;
            this.sRef[s] = ref;
            this.sFlag[s] = kind;
          } else {
            this.expect(off, btf.add(name, makeInfo(kind, 0, false), ref));
          }
          return;
        }
      }
    }
    switch (tag) {
      case DW_TAG.DW_TAG_member:
        if (
          parentRole === ROLE_TYPE &&
          (parentTag === DW_TAG.DW_TAG_structure_type ||
            parentTag === DW_TAG.DW_TAG_union_type ||
            parentTag === DW_TAG.DW_TAG_class_type)
        ) {
          const loc = memberLocation(c, this.file.little, this.refByteSizeOf, this.loc);
          this.pushWords(this.nameOff(c), this.typeRef(c), loc.bitOffset, loc.bitSize, 4);
          if (loc.bitSize > 0) this.sFlag[ps] = this.sFlag[ps]! | 2;
          const idx = this.sCount[ps]!++;
          if (c.hasChildren) this.sCount[this.push(off, d, tag, ROLE_MEMBER)] = idx;
          return;
        }
        break;
      case DW_TAG.DW_TAG_subrange_type:
        if (parentRole === ROLE_TYPE && parentTag === DW_TAG.DW_TAG_array_type) {
          this.pushWords(subrangeCount(c), 0, 0, 0, 1);
          this.sCount[ps]!++;
        }
        break;
      case DW_TAG.DW_TAG_enumerator:
        if (parentRole === ROLE_TYPE && parentTag === DW_TAG.DW_TAG_enumeration_type) {
          const neg = enumeratorValue(c, false, this.val);
          if (neg) this.sFlag[ps] = this.sFlag[ps]! | 2;
          this.pushWords(this.nameOff(c), this.val[0]!, this.val[1]!, 0, 3);
          this.sCount[ps]!++;
        }
        break;
      case DW_TAG.DW_TAG_formal_parameter:
      case DW_TAG.DW_TAG_unspecified_parameters: {
        const isVarargs = tag === DW_TAG.DW_TAG_unspecified_parameters;
        if (parentRole === ROLE_TYPE && parentTag === DW_TAG.DW_TAG_subroutine_type) {
          this.pushWords(isVarargs ? 0 : this.nameOff(c), isVarargs ? 0 : this.typeRef(c), 0, 0, 2);
          this.sCount[ps]!++;
        } else if (parentRole === ROLE_FUNC) {
          const f = this.functions;
          const idx = f.get(F_PARAM_COUNT);
          let name = isVarargs ? 0 : this.nameOff(c);
          let type = isVarargs ? 0 : this.typeRef(c);
          if (!isVarargs && this.opts.analyzeParams) {
            // An out-of-line instance's parameter names its abstract one, which has the name and the type.
            const origin = c.has(DW_AT.DW_AT_type) ? undefined : c.ref(DW_AT.DW_AT_abstract_origin);
            this.pOff.push(off);
            this.pOrigin.push(origin === undefined ? -1 : origin - this.spaceBase - this.unitBase);
            this.pFlags.push(this.paramFlags(c, idx));
            this.pCand.push(f.openIndex);
            if (origin !== undefined) {
              const o = this.file.dieAt(origin, this.c2);
              name = this.nameOff(o);
              type = this.typeRef(o);
            }
          }
          if (!isVarargs && name === 0) f.set(F_FLAGS, f.get(F_FLAGS) | FUNC_UNNAMED_PARAM);
          f.push(name);
          f.push(type);
          f.set(F_PARAM_COUNT, idx + 1);
          if (c.hasChildren) this.sCount[this.push(off, d, tag, ROLE_PARAM)] = idx;
          return;
        }
        break;
      }
      case DW_TAG.DW_TAG_LLVM_annotation:
        this.annotation(c, ps, parentRole, parentTag);
        break;
      case DW_TAG.DW_TAG_subprogram:
        if (this.isTopLevel(ps)) {
          if (this.functionCandidate(c)) {
            if (c.hasChildren) this.push(off, d, tag, ROLE_FUNC);
            else this.functions.end();
            return;
          }
        }
        break;
      case DW_TAG.DW_TAG_variable:
        if (this.isTopLevel(ps) && this.opts.features.var) {
          if (this.variableCandidate(c)) {
            if (c.hasChildren) this.push(off, d, tag, ROLE_VAR);
            else this.variables.end();
            return;
          }
        }
        break;
    }
    if (c.hasChildren) this.push(off, d, tag, ROLE_OTHER);
  }

  /** Directly in the unit, or in namespaces only (Rust and C++ put functions and statics in namespaces). */
  private isTopLevel(ps: number): boolean {
    if (ps < 0 || (this.sTag[0] !== DW_TAG.DW_TAG_compile_unit && this.sTag[0] !== DW_TAG.DW_TAG_partial_unit))
      return false;
    for (let s = 1; s <= ps; s++) if (this.sTag[s] !== DW_TAG.DW_TAG_namespace) return false;
    return true;
  }

  private annotation(c: DieCursor, ps: number, parentRole: number, parentTag: number): void {
    if (ps < 0) return;
    if (parentRole === ROLE_TYPE && parentTag === DW_TAG.DW_TAG_pointer_type && this.isTypeTagAnnotation(c)) {
      // pahole chains the tags of `int __a __b *`: PTR -> b -> a -> int.
      const id = this.btf.add(
        this.nameOff(c, DW_AT.DW_AT_const_value),
        makeInfo(BTF_KIND.TYPE_TAG, 0, false),
        this.sRef[ps]!,
      );
      this.expect(c.offset - this.unitBase, id);
      this.sRef[ps] = id;
      return;
    }
    if (!this.opts.features.declTag || !this.annotationIs(c, "btf_decl_tag")) return;
    const value = this.nameOff(c, DW_AT.DW_AT_const_value);
    if (value === 0) return;
    switch (parentRole) {
      case ROLE_TYPE:
        if (
          parentTag !== DW_TAG.DW_TAG_pointer_type &&
          parentTag !== DW_TAG.DW_TAG_array_type &&
          parentTag !== DW_TAG.DW_TAG_subroutine_type
        ) {
          this.declTags.push(value, this.sOff[ps]!, -1);
        }
        break;
      case ROLE_MEMBER:
        if (ps > 0) this.declTags.push(value, this.sOff[ps - 1]!, this.sCount[ps]!);
        break;
      case ROLE_FUNC:
        this.functions.tag(value, -1);
        break;
      case ROLE_PARAM:
        if (ps > 0 && this.sRole[ps - 1] === ROLE_FUNC) this.functions.tag(value, this.sCount[ps]!);
        break;
      case ROLE_VAR:
        this.variables.tag(value, -1);
        break;
    }
  }

  private close(s: number): void {
    const role = this.sRole[s]!;
    const start = this.sWords[s]!;
    if (role === ROLE_FUNC) this.functions.end();
    else if (role === ROLE_VAR) this.variables.end();
    if (role !== ROLE_TYPE) {
      this.wlen = start;
      return;
    }
    const tag = this.sTag[s]!;
    const off = this.sOff[s]!;
    const n = this.sCount[s]!;
    const w = this.words;
    const btf = this.btf;
    let id: number;
    switch (tag) {
      case DW_TAG.DW_TAG_base_type: {
        const kind = this.sFlag[s]!;
        id =
          kind === BTF_KIND.INT
            ? btf.add(this.sName[s]!, makeInfo(BTF_KIND.INT, 0, false), this.sSize[s]!, [this.sRef[s]!])
            : btf.add(this.sName[s]!, makeInfo(kind, 0, false), this.sSize[s]!);
        break;
      }
      case DW_TAG.DW_TAG_array_type:
        id = this.emitArray(this.sRef[s]!, w, start, n);
        break;
      case DW_TAG.DW_TAG_structure_type:
      case DW_TAG.DW_TAG_class_type:
      case DW_TAG.DW_TAG_union_type:
      case DW_TAG.DW_TAG_enumeration_type: {
        const f = this.sFlag[s]!;
        id = this.emitAggregate(
          tag,
          this.sName[s]!,
          this.sSize[s]!,
          (f & 1) !== 0,
          start,
          n,
          (f & 2) !== 0,
          (f & 4) !== 0,
        );
        break;
      }
      case DW_TAG.DW_TAG_subroutine_type:
        // The parameters' words (name, type) are already in BTF's layout.
        id = btf.addFrom(0, makeInfo(BTF_KIND.FUNC_PROTO, n, false), this.sRef[s]!, w, start);
        break;
      default:
        id = btf.add(this.sName[s]!, makeInfo(this.sFlag[s]!, 0, false), this.sRef[s]!);
    }
    this.expect(off, id);
    this.wlen = start;
  }

  /** ARRAY types for an array DIE with subrange counts `w[start..start+n)`: nested (one per dimension) or flat. */
  private emitArray(elem: number, w: Uint32Array, start: number, n: number): number {
    const btf = this.btf;
    const info = makeInfo(BTF_KIND.ARRAY, 0, false);
    if (n === 0) return btf.add(0, info, 0, [elem, this.indexId, 0]);
    if (this.opts.features.flatArrays || n === 1) {
      let total = 1;
      for (let k = 0; k < n; k++) total *= w[start + k]!;
      return btf.add(0, info, 0, [elem, this.indexId, total > 0xffffffff ? 0 : total]);
    }
    // The outer dimension gets the DIE's id; each ARRAY refers to the next one, the last to the element type.
    const first = btf.endId;
    for (let k = 0; k < n; k++) btf.add(0, info, 0, [k === n - 1 ? elem : first + k + 1, this.indexId, w[start + k]!]);
    return first;
  }

  /**
   * STRUCT/UNION (members as 4 collected words each), ENUM/ENUM64 (enumerators as 3 words) or FWD. kind_flag is set
   * on a struct with any bitfield (offsets then carry size << 24), on an enum with a negative value.
   */
  private emitAggregate(
    tag: number,
    name: number,
    size: number,
    decl: boolean,
    start: number,
    n: number,
    flag: boolean,
    signed: boolean,
  ): number {
    const btf = this.btf;
    const w = this.words;
    const isEnum = tag === DW_TAG.DW_TAG_enumeration_type;
    const isUnion = tag === DW_TAG.DW_TAG_union_type;
    if (decl) {
      if (isEnum) return btf.add(name, makeInfo(BTF_KIND.ENUM, 0, false), size);
      return btf.add(name, makeInfo(BTF_KIND.FWD, 0, isUnion), 0);
    }
    if (isEnum) {
      // Enumerators are collected as ENUM64's words (name, low, high).
      if (size > 4 && this.opts.features.enum64)
        return btf.addFrom(name, makeInfo(BTF_KIND.ENUM64, n, flag || signed), size, w, start);
      const ex = this.scratch(2 * n);
      for (let k = 0; k < n; k++) {
        ex[2 * k] = w[start + 3 * k]!;
        ex[2 * k + 1] = w[start + 3 * k + 1]!;
      }
      // Without ENUM64 a wide enum keeps its size and the values' low 32 bits.
      return btf.addFrom(name, makeInfo(BTF_KIND.ENUM, n, flag), size, ex, 0);
    }
    const ex = this.scratch(3 * n);
    for (let k = 0; k < n; k++) {
      const bitOffset = w[start + 4 * k + 2]!;
      const bitSize = w[start + 4 * k + 3]!;
      ex[3 * k] = w[start + 4 * k]!;
      ex[3 * k + 1] = w[start + 4 * k + 1]!;
      ex[3 * k + 2] = flag ? ((bitSize << 24) | (bitOffset & 0xffffff)) >>> 0 : bitOffset;
    }
    return btf.addFrom(name, makeInfo(isUnion ? BTF_KIND.UNION : BTF_KIND.STRUCT, n, flag), size, ex, 0);
  }

  /** The scratch buffer `ex`, with room for `n` words. */
  private scratch(n: number): Uint32Array {
    if (this.ex.length < n) this.ex = new Uint32Array(Math.max(n, 2 * this.ex.length));
    return this.ex;
  }

  // ---- functions and variables -----------------------------------------------------------------------------------

  /** Opens a record in `functions` (F_* layout) when the DIE is a function candidate. */
  private functionCandidate(c: DieCursor): boolean {
    if (c.has(DW_AT.DW_AT_declaration)) return false;
    let named: DieCursor = c;
    let concrete = false;
    if (!c.str(DW_AT.DW_AT_name)) {
      // pahole ≥ 1.25 also takes the out-of-line instances of functions, named (and typed) by their origin.
      if (!this.opts.analyzeParams) return false;
      const origin = c.ref(DW_AT.DW_AT_abstract_origin) ?? c.ref(DW_AT.DW_AT_specification);
      if (origin === undefined) return false;
      named = this.file.dieAt(origin, this.c2);
      if (!named.str(DW_AT.DW_AT_name)) return false;
      concrete = true;
    } else if (c.has(DW_AT.DW_AT_abstract_origin) || c.has(DW_AT.DW_AT_specification)) {
      if (!this.opts.analyzeParams) return false;
    }
    const name = UTF8.decode(named.strBytes.subarray(named.strStart, named.strEnd));
    if (!this.opts.functionNames.has(name)) return false;
    const hasCode = c.has(DW_AT.DW_AT_low_pc) || c.has(DW_AT.DW_AT_ranges);
    const nameOff = this.nameOff(named);
    const ret =
      c.has(DW_AT.DW_AT_type) || !concrete
        ? this.typeRef(c)
        : this.typeRef(
            this.file.dieAt(c.ref(DW_AT.DW_AT_abstract_origin) ?? c.ref(DW_AT.DW_AT_specification)!, this.c2),
          );
    const f = this.functions;
    f.begin();
    f.push(nameOff);
    f.push(nameOff);
    f.push(ret);
    f.push((hasCode ? FUNC_HAS_CODE : 0) | (concrete ? FUNC_CONCRETE : 0) | (BTF_FUNC_STATIC << FUNC_LINKAGE_SHIFT));
    f.push(0);
    return true;
  }

  /**
   * pahole's verdict on one parameter (dwarf_loader.c `parameter__new`): for the first parameters of the ABI, whether
   * it has a location, and whether that location is the register the ABI passes it in.
   */
  private paramFlags(c: DieCursor, idx: number): number {
    if (idx >= this.regs.count) return 0;
    const at = c.indexOf(DW_AT.DW_AT_location);
    if (at < 0) return c.has(DW_AT.DW_AT_const_value) ? P_OPTIMIZED : 0;
    const src = this.locSrc;
    src.form = c.attrForm(DW_AT.DW_AT_location);
    src.bytes = undefined;
    src.value = undefined;
    if (c.block(DW_AT.DW_AT_location)) {
      src.bytes = c.blockBytes;
      src.start = c.blockStart;
      src.end = c.blockEnd;
    } else {
      src.value = c.unsigned(DW_AT.DW_AT_location);
    }
    const expected = this.regs.expected[idx] ?? -1;
    const reg = parameterRegister(src, this.locUnit(), this.locSections, expected);
    if (reg < 0) return P_HAS_LOC | P_OPTIMIZED;
    if (expected >= 0 && reg !== expected) return P_HAS_LOC | P_UNEXPECTED;
    return P_HAS_LOC;
  }

  private locUnit(): {
    version: number;
    addressSize: number;
    offsetSize: 4 | 8;
    loclistsBase: number;
    little: boolean;
  } {
    const u = this.unit;
    return {
      version: u.version,
      addressSize: u.addressSize,
      offsetSize: u.offsetSize,
      loclistsBase: u.loclistsBase,
      little: this.file.little,
    };
  }

  /**
   * pahole's per-function verdicts (dwarf_loader.c `cu__resolve_func_ret_types_optimized`), once the whole unit is
   * read: an out-of-line instance's parameters lend their location facts to the abstract parameters they name, then
   * a function has optimized-out parameters if one has no location or is optimized, and an unexpected register if
   * one is in the wrong register and none is a struct (through const and typedefs).
   */
  private finishFunctions(list: CandidateList): CandidateList {
    const n = this.pOff.length;
    if (n === 0) return list;
    const byOff = new Map<number, number>();
    for (let k = 0; k < n; k++) byOff.set(this.pOff[k]!, k);
    for (let k = 0; k < n; k++) {
      const o = this.pOrigin[k]!;
      if (o < 0) continue;
      const t = byOff.get(o);
      if (t !== undefined)
        this.pFlags[t] = this.pFlags[t]! | (this.pFlags[k]! & (P_HAS_LOC | P_OPTIMIZED | P_UNEXPECTED));
    }
    const { start, words } = list;
    for (let k = 0; k < n; ) {
      const cand = this.pCand[k]!;
      let optimized = false;
      let unexpected = false;
      for (; k < n && this.pCand[k] === cand; k++) {
        const fl = this.pFlags[k]!;
        if ((fl & P_OPTIMIZED) !== 0 || (fl & P_HAS_LOC) === 0) optimized = true;
        if ((fl & P_UNEXPECTED) !== 0) unexpected = true;
      }
      if (cand >= list.count) continue;
      const rec = start[cand]!;
      let flags = words[rec + F_FLAGS]!;
      if (optimized) flags |= FUNC_OPTIMIZED_PARMS;
      const count = words[rec + F_PARAM_COUNT]!;
      if (unexpected) {
        let struct = false;
        for (let p = 0; p < count && !struct; p++)
          struct = this.isStructThroughConstTypedef(words[rec + F_PARAMS + 2 * p + 1]!);
        if (!struct) flags |= FUNC_UNEXPECTED_REG;
      }
      if (count > this.regs.count && this.regs.count > 0) {
        for (let p = this.regs.count; p < count; p++) {
          if (this.isNamedPackedStruct(words[rec + F_PARAMS + 2 * p + 1]!)) flags |= FUNC_UNCERTAIN_PARM_LOC;
        }
      }
      words[rec + F_FLAGS] = flags;
    }
    return list;
  }

  /** pahole's `param__is_struct`: a struct (or its declaration), seen through const and typedefs only. */
  private isStructThroughConstTypedef(id: number): boolean {
    const btf = this.btf;
    for (let guard = 0; guard < 32; guard++) {
      if (id <= 0 || id >= EXTERNAL_REF || id >= btf.endId) return false;
      const kind = btf.kind(id);
      if (kind === BTF_KIND.STRUCT) return true;
      if (kind === BTF_KIND.FWD) return !btf.kflag(id);
      if (kind !== BTF_KIND.CONST && kind !== BTF_KIND.TYPEDEF) return false;
      id = btf.sizeTypeOf(id);
    }
    return false;
  }

  /**
   * pahole 1.31's `ftype__has_uncertain_arg_loc` for one stack parameter: a named struct (the type itself, no
   * typedef) that looks packed — a member not at a multiple of its natural alignment, or a size that is not a
   * multiple of the largest member alignment (pahole infers `__attribute__((packed))` from the layout the same way).
   */
  private isNamedPackedStruct(id: number): boolean {
    const btf = this.btf;
    if (id <= 0 || id >= EXTERNAL_REF || id >= btf.endId || btf.kind(id) !== BTF_KIND.STRUCT || btf.nameOffOf(id) === 0)
      return false;
    let maxAlign = 1;
    const vlen = btf.vlen(id);
    const bitfields = btf.kflag(id);
    for (let m = 0; m < vlen; m++) {
      const word = btf.extraWord(id, 3 * m + 2);
      const bitSize = bitfields ? word >>> 24 : 0;
      if (bitSize !== 0) continue;
      const bitOff = bitfields ? word & 0xffffff : word;
      const align = this.naturalAlign(btf.extraWord(id, 3 * m + 1), 0);
      if (align > maxAlign) maxAlign = align;
      if (bitOff % (8 * align) !== 0) return true;
    }
    return btf.sizeTypeOf(id) % maxAlign !== 0;
  }

  private naturalAlign(id: number, depth: number): number {
    const btf = this.btf;
    if (depth > 16 || id <= 0 || id >= EXTERNAL_REF || id >= btf.endId) return 1;
    switch (btf.kind(id)) {
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        return Math.min(8, Math.max(1, btf.sizeTypeOf(id)));
      case BTF_KIND.PTR:
        return this.unit.addressSize;
      case BTF_KIND.ARRAY:
        return this.naturalAlign(btf.extraWord(id, 0), depth + 1);
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        let a = 1;
        for (let m = 0; m < btf.vlen(id); m++)
          a = Math.max(a, this.naturalAlign(btf.extraWord(id, 3 * m + 1), depth + 1));
        return a;
      }
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.CONST:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        return this.naturalAlign(btf.sizeTypeOf(id), depth + 1);
      default:
        return 1;
    }
  }

  /** Opens a record in `variables` (V_* layout) when the DIE is a variable candidate. */
  private variableCandidate(c: DieCursor): boolean {
    if (c.has(DW_AT.DW_AT_declaration)) return false;
    if (!c.block(DW_AT.DW_AT_location)) return false;
    if (!staticAddress(c.blockBytes, c.blockStart, c.blockEnd, this.unit, this.file, this.val)) return false;
    const lo = this.val[0]!;
    const hi = this.val[1]!;
    // A definition of an earlier declaration names it through DW_AT_specification.
    let named: DieCursor = c;
    let external = c.has(DW_AT.DW_AT_external);
    const spec = c.ref(DW_AT.DW_AT_specification);
    const type = this.typeRef(c);
    let typeId = type;
    if (!c.str(DW_AT.DW_AT_name) && spec !== undefined) {
      named = this.file.dieAt(spec, this.c2);
      external = external || named.has(DW_AT.DW_AT_external);
      if (typeId === 0) {
        const r = named.ref(DW_AT.DW_AT_type);
        typeId = r === undefined ? 0 : this.resolveRef(r);
      }
    }
    if (!named.str(DW_AT.DW_AT_name)) return false;
    const nameOff =
      named.strEnd === named.strStart
        ? this.btf.strings.intern(named.strBytes.subarray(named.strStart, named.strEnd))
        : this.curStrOff(named);
    const v = this.variables;
    v.begin();
    v.push(nameOff);
    v.push(nameOff);
    v.push(typeId);
    v.push(external ? 1 : 0);
    v.push(lo);
    v.push(hi);
    return true;
  }
}
