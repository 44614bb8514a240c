/**
 * Concatenate per-CU tables into one `Btf`, in CU order (`add` each, then `finish`): every CU's ids are shifted to
 * follow the previous CU's, its strings re-interned into the output's string table (names the converter left in
 * `.debug_str`, `STR_REF` offsets, are interned once per `.debug_str` offset for all units). A CU is copied when it
 * is added, so the caller can drop its table at once. The array index INT a CU synthesised is dropped when an
 * earlier CU already provided the index type (pahole decides the index type once, for the first CU that needs
 * one), and the CU's arrays then use that one.
 */
import { Btf } from "../btf/btf.js";
import { BTF_KIND, extraWords, infoKind, infoVlen, kindHasTypeRef } from "../btf/kinds.js";
import type { BtfStrings } from "../btf/strings.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { type CuBtf, EXTERNAL_REF, STR_REF } from "../convert/cu-btf.js";

export interface MergerOptions {
  /** The `.debug_str` the units' `STR_REF` string offsets point into (units converted with `debugStrRefs`). */
  debugStr?: Uint8Array;
  /** Initial capacity in types of the output table. */
  capacity?: number;
  /** Initial capacity in words of the output table's variable parts (default 4 per type). */
  extraCapacity?: number;
}

export class BtfMerger {
  readonly out: Btf;
  /** Per merged CU: CU type id → output type id. */
  readonly typeMaps: Uint32Array[] = [];
  private readonly strMaps: Int32Array[] = [];
  private readonly cuStrings: BtfStrings[] = [];
  /** `.debug_str` offset → output string offset + 1 (0: not interned yet), shared by all units. */
  private readonly debugStr: Uint8Array | undefined;
  private debugStrMap: Int32Array | undefined;
  /** The array index type chosen so far (0: none yet). */
  private indexId = 0;
  private scratch = new Uint32Array(256);
  /** Per merged CU: the DieRefs of its external references (resolved by `finish`). */
  private readonly cuExternals: number[][] = [];
  private readonly extMaps: Uint32Array[] = [];
  /** DieRef of an exported DIE (a type unit's type) → output id. */
  private readonly exports = new Map<number, number>();
  /**
   * External references written before the unit exporting them was merged, to be filled in by `finish`: triples
   * (where, CU index, external index); `where` is a type index in `out` (>= 0) or `-1 - extra index`.
   */
  private patches: number[] = [];
  private cuCount = 0;
  private finished = false;
  /** External references no unit exported (LTO ref_addr into another unit): encoded as void. */
  unresolved = 0;

  constructor(base?: Btf, opts: MergerOptions | number = {}) {
    const o = typeof opts === "number" ? { capacity: opts } : opts;
    const capacity = o.capacity ?? 1024;
    this.out = new Btf({ base, capacity, extraCapacity: o.extraCapacity ?? capacity * 4 });
    this.debugStr = o.debugStr;
  }

  /**
   * Merge one CU's types (CUs in unit order): its ids are laid out after the previous CU's and its types copied
   * at once, so the CU's own table is not needed afterwards. Returns its index for `mapType`/`mapStr`, which are
   * valid once `finish()` has run. References to units merged later (type units, ref_addr) are filled in by
   * `finish`.
   */
  add(cu: CuBtf): number {
    if (this.finished) throw new BtfkitError(ErrorCode.INTERNAL, "BtfMerger.add after finish");
    const idx = this.cuCount++;
    let next = this.out.endId;
    const count = cu.btf.count;
    const map = new Uint32Array(count + 1);
    const dropSynthetic = cu.syntheticIndexId > 0 && this.indexId > 0;
    for (let k = 1; k <= count; k++) {
      if (dropSynthetic && k === cu.syntheticIndexId) map[k] = this.indexId;
      else map[k] = next++;
    }
    if (this.indexId === 0) {
      if (cu.intId > 0) this.indexId = map[cu.intId]!;
      else if (cu.syntheticIndexId > 0) this.indexId = map[cu.syntheticIndexId]!;
    }
    if (cu.exportRef >= 0 && cu.exportId > 0) this.exports.set(cu.exportRef, map[cu.exportId]!);
    this.typeMaps.push(map);
    this.strMaps.push(new Int32Array(cu.btf.strings.endOffset + 1).fill(-1));
    this.cuStrings.push(cu.btf.strings);
    this.cuExternals.push(cu.externals);
    this.copy(idx, cu);
    return idx;
  }

  /** Resolve the references between units; returns the merged table. */
  finish(): Btf {
    if (this.finished) return this.out;
    this.finished = true;
    for (let i = 0; i < this.cuCount; i++) {
      const externals = this.cuExternals[i]!;
      const ext = new Uint32Array(externals.length);
      for (let k = 0; k < ext.length; k++) {
        const id = this.exports.get(externals[k]!);
        if (id === undefined) this.unresolved++;
        ext[k] = id ?? 0;
      }
      this.extMaps.push(ext);
    }
    const p = this.patches;
    const out = this.out;
    for (let j = 0; j < p.length; j += 3) {
      const where = p[j]!;
      const id = this.extMaps[p[j + 1]!]![p[j + 2]!]!;
      if (where >= 0) out.sizeType[where] = id;
      else out.extra[-1 - where] = id;
    }
    this.patches = [];
    return this.out;
  }

  private copy(idx: number, cu: CuBtf): void {
    const src = cu.btf;
    const out = this.out;
    const map = this.typeMaps[idx]!;
    const exports = this.exports;
    const externals = cu.externals;
    const patches = this.patches;
    // An external reference (bit 31) resolves now if its unit was merged already, else it is patched by finish().
    // `where`: the type index (header word) or -1 - extra index the id is written to.
    const t = (id: number, where: number): number => {
      if (id < EXTERNAL_REF) return map[id]!;
      const k = id - EXTERNAL_REF;
      const v = exports.get(externals[k]!);
      if (v !== undefined) return v;
      patches.push(where, idx, k);
      return 0;
    };
    let expected = out.endId;
    for (let k = 1; k <= src.count; k++) {
      if (map[k] !== expected) continue; // the dropped synthetic index type
      expected++;
      const i = k - 1;
      const info = src.info[i]!;
      const kind = infoKind(info);
      const vlen = infoVlen(info);
      const n = extraWords(kind, vlen);
      const e = src.extraStart[i]!;
      const x = src.extra;
      // The variable part is written straight into `out` when it has room (it is sized for the whole input),
      // else into the scratch buffer for Btf.add, which grows `out`.
      const direct = out.count < out.info.length && out.extraLen + n <= out.extra.length;
      let w: Uint32Array;
      let p: number;
      if (direct) {
        w = out.extra;
        p = out.extraLen;
      } else {
        if (this.scratch.length < n) this.scratch = new Uint32Array(Math.max(n, 2 * this.scratch.length));
        w = this.scratch;
        p = 0;
      }
      const xw = -1 - out.extraLen; // where extra word j ends up: -1 - (extraLen + j) = xw - j
      switch (kind) {
        case BTF_KIND.ARRAY:
          w[p] = t(x[e]!, xw);
          w[p + 1] = t(x[e + 1]!, xw - 1);
          w[p + 2] = x[e + 2]!;
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          for (let j = 0; j < n; j += 3) {
            w[p + j] = this.mapStr(idx, x[e + j]!);
            w[p + j + 1] = t(x[e + j + 1]!, xw - j - 1);
            w[p + j + 2] = x[e + j + 2]!;
          }
          break;
        case BTF_KIND.ENUM:
          for (let j = 0; j < n; j += 2) {
            w[p + j] = this.mapStr(idx, x[e + j]!);
            w[p + j + 1] = x[e + j + 1]!;
          }
          break;
        case BTF_KIND.ENUM64:
          for (let j = 0; j < n; j += 3) {
            w[p + j] = this.mapStr(idx, x[e + j]!);
            w[p + j + 1] = x[e + j + 1]!;
            w[p + j + 2] = x[e + j + 2]!;
          }
          break;
        case BTF_KIND.FUNC_PROTO:
          for (let j = 0; j < n; j += 2) {
            w[p + j] = this.mapStr(idx, x[e + j]!);
            w[p + j + 1] = t(x[e + j + 1]!, xw - j - 1);
          }
          break;
        case BTF_KIND.DATASEC:
          for (let j = 0; j < n; j += 3) {
            w[p + j] = t(x[e + j]!, xw - j);
            w[p + j + 1] = x[e + j + 1]!;
            w[p + j + 2] = x[e + j + 2]!;
          }
          break;
        default:
          for (let j = 0; j < n; j++) w[p + j] = x[e + j]!;
      }
      const st = src.sizeType[i]!;
      const name = this.mapStr(idx, src.nameOff[i]!);
      const sizeType = kindHasTypeRef(kind) ? t(st, out.count) : st;
      if (direct) {
        const o = out.count++;
        out.info[o] = info;
        out.nameOff[o] = name;
        out.sizeType[o] = sizeType;
        out.extraStart[o] = p;
        out.extraLen = p + n;
      } else {
        out.add(name, info, sizeType, w.subarray(0, n));
      }
    }
  }

  /** Output id of type `id` (or external placeholder) of merged CU `cu`; valid after `finish()`. */
  mapType(cu: number, id: number): number {
    return id >= EXTERNAL_REF ? this.extMaps[cu]![id - EXTERNAL_REF]! : this.typeMaps[cu]![id]!;
  }

  /** Output string offset of string offset `off` of merged CU `cu` (a `STR_REF` offset: of `.debug_str`). */
  mapStr(cu: number, off: number): number {
    if (off === 0) return 0;
    if (off >= STR_REF) return this.mapDebugStr(off - STR_REF);
    const m = this.strMaps[cu]!;
    let v = m[off]!;
    if (v < 0) {
      v = this.out.strings.intern(this.cuStrings[cu]!.bytesAt(off));
      m[off] = v;
    }
    return v;
  }

  /**
   * The bytes of string offset `off` of merged CU `cu` (a view). Unlike `mapStr` nothing is added to the output: for
   * names that are only compared (function and variable candidates' symbol names).
   */
  strBytes(cu: number, off: number): Uint8Array {
    if (off < STR_REF) return this.cuStrings[cu]!.bytesAt(off);
    const s = this.debugStr;
    if (!s)
      throw new BtfkitError(
        ErrorCode.INTERNAL,
        "BtfMerger: a unit refers to .debug_str, but the merger was not given it",
      );
    const start = off - STR_REF;
    const end = s.indexOf(0, start);
    if (end < 0)
      throw new BtfkitError(ErrorCode.CORRUPT, `the string at offset ${start} has no terminating NUL`, {
        section: ".debug_str",
        offset: start,
      });
    return s.subarray(start, end);
  }

  private mapDebugStr(off: number): number {
    const s = this.debugStr;
    if (!s)
      throw new BtfkitError(
        ErrorCode.INTERNAL,
        "BtfMerger: a unit refers to .debug_str, but the merger was not given it",
      );
    // Holds output offset + 1 (0: not interned yet), so that the pages of offsets never used stay untouched.
    let m = this.debugStrMap;
    if (!m) m = this.debugStrMap = new Int32Array(s.length + 1);
    const v = m[off]!;
    if (v > 0) return v - 1;
    const end = s.indexOf(0, off);
    if (end < 0)
      throw new BtfkitError(ErrorCode.CORRUPT, `the string at offset ${off} has no terminating NUL`, {
        section: ".debug_str",
        offset: off,
      });
    const o = this.out.strings.intern(s.subarray(off, end));
    m[off] = o + 1;
    return o;
  }
}
