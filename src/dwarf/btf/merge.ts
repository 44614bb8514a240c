/**
 * Concatenate per-CU tables into one `Btf`, in CU order (`add` each, then `finish`): every CU's ids are shifted to follow the previous CU's,
 * its strings re-interned into the output's string table. The array index INT a CU synthesised is dropped when an
 * earlier CU already provided the index type (pahole decides the index type once, for the first CU that needs
 * one), and the CU's arrays then use that one.
 */
import { Btf } from "../../btf/btf.js";
import { BTF_KIND, extraWords, infoKind, infoVlen, kindHasTypeRef } from "../../btf/kinds.js";
import type { BtfStrings } from "../../btf/strings.js";
import { type CuBtf, EXTERNAL_REF } from "./convert-cu.js";

export class BtfMerger {
  readonly out: Btf;
  /** Per merged CU: CU type id → output type id. */
  readonly typeMaps: Uint32Array[] = [];
  private readonly strMaps: Int32Array[] = [];
  private readonly cuStrings: BtfStrings[] = [];
  /** The array index type chosen so far (0: none yet). */
  private indexId = 0;
  private scratch: number[] = [];
  private readonly cus: CuBtf[] = [];
  private readonly extMaps: Uint32Array[] = [];
  /** DieRef of an exported DIE (a type unit's type) → output id. */
  private readonly exports = new Map<number, number>();
  private finished = false;
  /** External references no unit exported (LTO ref_addr into another unit): encoded as void. */
  unresolved = 0;

  constructor(base?: Btf, capacity = 1024) {
    this.out = new Btf({ base, capacity, extraCapacity: capacity * 4 });
  }

  /** Queue one CU's types (in CU order); returns its index for `mapType`/`mapStr` once `finish()` has run. */
  add(cu: CuBtf): number {
    if (this.finished) throw new Error("BtfMerger.add after finish");
    this.cus.push(cu);
    return this.cus.length - 1;
  }

  /**
   * Lay out every queued CU (ids first, so that references between units — type units, ref_addr — resolve in
   * either direction), then copy the types. References to DIEs no unit exports become void (`unresolved`).
   */
  finish(): Btf {
    if (this.finished) return this.out;
    this.finished = true;
    let next = this.out.endId;
    for (const cu of this.cus) {
      const map = new Uint32Array(cu.btf.count + 1);
      const dropSynthetic = cu.syntheticIndexId > 0 && this.indexId > 0;
      for (let k = 1; k <= cu.btf.count; k++) {
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
    }
    for (let i = 0; i < this.cus.length; i++) {
      const cu = this.cus[i]!;
      const ext = new Uint32Array(cu.externals.length);
      for (let k = 0; k < ext.length; k++) {
        const id = this.exports.get(cu.externals[k]!);
        if (id === undefined) this.unresolved++;
        ext[k] = id ?? 0;
      }
      this.extMaps.push(ext);
      this.copy(i);
    }
    return this.out;
  }

  private copy(idx: number): void {
    const cu = this.cus[idx]!;
    const src = cu.btf;
    const out = this.out;
    const map = this.typeMaps[idx]!;
    const ext = this.extMaps[idx]!;
    const t = (id: number): number => (id >= EXTERNAL_REF ? ext[id - EXTERNAL_REF]! : map[id]!);
    const w = this.scratch;
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
      w.length = n;
      switch (kind) {
        case BTF_KIND.ARRAY:
          w[0] = t(x[e]!);
          w[1] = t(x[e + 1]!);
          w[2] = x[e + 2]!;
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          for (let j = 0; j < n; j += 3) {
            w[j] = this.mapStr(idx, x[e + j]!);
            w[j + 1] = t(x[e + j + 1]!);
            w[j + 2] = x[e + j + 2]!;
          }
          break;
        case BTF_KIND.ENUM:
          for (let j = 0; j < n; j += 2) {
            w[j] = this.mapStr(idx, x[e + j]!);
            w[j + 1] = x[e + j + 1]!;
          }
          break;
        case BTF_KIND.ENUM64:
          for (let j = 0; j < n; j += 3) {
            w[j] = this.mapStr(idx, x[e + j]!);
            w[j + 1] = x[e + j + 1]!;
            w[j + 2] = x[e + j + 2]!;
          }
          break;
        case BTF_KIND.FUNC_PROTO:
          for (let j = 0; j < n; j += 2) {
            w[j] = this.mapStr(idx, x[e + j]!);
            w[j + 1] = t(x[e + j + 1]!);
          }
          break;
        case BTF_KIND.DATASEC:
          for (let j = 0; j < n; j += 3) {
            w[j] = t(x[e + j]!);
            w[j + 1] = x[e + j + 1]!;
            w[j + 2] = x[e + j + 2]!;
          }
          break;
        default:
          for (let j = 0; j < n; j++) w[j] = x[e + j]!;
      }
      const st = src.sizeType[i]!;
      out.add(this.mapStr(idx, src.nameOff[i]!), info, kindHasTypeRef(kind) ? t(st) : st, w);
    }
  }

  /** Output id of type `id` (or external placeholder) of merged CU `cu`; valid after `finish()`. */
  mapType(cu: number, id: number): number {
    return id >= EXTERNAL_REF ? this.extMaps[cu]![id - EXTERNAL_REF]! : this.typeMaps[cu]![id]!;
  }

  /** Output string offset of string offset `off` of merged CU `cu`. */
  mapStr(cu: number, off: number): number {
    if (off === 0) return 0;
    const m = this.strMaps[cu]!;
    let v = m[off]!;
    if (v < 0) {
      v = this.out.strings.intern(this.cuStrings[cu]!.bytesAt(off));
      m[off] = v;
    }
    return v;
  }
}
