/**
 * Moving a converted CU between threads: its type table and strings become a handful of ArrayBuffers that are
 * transferred (not copied) to the main thread, which rebuilds the CuBtf around them.
 */
import { Btf } from "../btf/btf.js";
import { BtfStrings } from "../btf/strings.js";
import type { CuBtf } from "./cu-btf.js";

/** A CuBtf as a structured-clone message; the typed arrays are exactly sized copies that can be transferred. */
export interface PackedCuBtf extends Omit<CuBtf, "btf"> {
  count: number;
  info: Uint32Array;
  nameOff: Uint32Array;
  sizeType: Uint32Array;
  extraStart: Uint32Array;
  extra: Uint32Array;
  strings: Uint8Array;
}

export function packCuBtf(cu: CuBtf): { packed: PackedCuBtf; transfer: ArrayBuffer[] } {
  const b = cu.btf;
  const n = b.count;
  const { btf: _btf, ...rest } = cu;
  const packed: PackedCuBtf = {
    ...rest,
    count: n,
    info: b.info.slice(0, n),
    nameOff: b.nameOff.slice(0, n),
    sizeType: b.sizeType.slice(0, n),
    extraStart: b.extraStart.slice(0, n),
    extra: b.extra.slice(0, b.extraLen),
    strings: b.strings.bytes.slice(),
  };
  // The candidate lists' arrays are the unit's own (CandidateListBuilder.take copies them out): transferable too.
  const f = cu.functions;
  const v = cu.variables;
  const transfer = [
    packed.info,
    packed.nameOff,
    packed.sizeType,
    packed.extraStart,
    packed.extra,
    packed.strings,
    f.start,
    f.words,
    v.start,
    v.words,
  ].map((a) => a.buffer as ArrayBuffer);
  return { packed, transfer };
}

export function unpackCuBtf(p: PackedCuBtf): CuBtf {
  const btf = new Btf({ strings: new BtfStrings(p.strings), capacity: 16 });
  btf.info = p.info;
  btf.nameOff = p.nameOff;
  btf.sizeType = p.sizeType;
  btf.extraStart = p.extraStart;
  btf.extra = p.extra;
  btf.extraLen = p.extra.length;
  btf.count = p.count;
  const { count: _c, info: _i, nameOff: _n, sizeType: _s, extraStart: _e, extra: _x, strings: _t, ...rest } = p;
  return { ...rest, btf };
}
