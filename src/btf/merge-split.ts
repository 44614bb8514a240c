import { Btf } from "./btf.js";
import { extraWords, infoKind, infoVlen } from "./kinds.js";
import { BtfStrings } from "./strings.js";

/**
 * One whole (non-split) BTF from a split BTF and its base chain: the types of every level concatenated in id
 * order and the string sections concatenated. Split BTF continues its base's type ids and string offsets, so no
 * id or offset needs rewriting: the result is exactly the blob the kernel would see if base and module were one.
 * Used to ask the kernel (BPF_BTF_LOAD takes whole BTF only) about a module's split BTF.
 */
export function mergeSplitBtf(split: Btf): Btf {
  const chain: Btf[] = [];
  for (let t: Btf | undefined = split; t; t = t.base) chain.unshift(t);
  let strLen = 0;
  let types = 0;
  let extra = 0;
  for (const t of chain) {
    strLen += t.strings.byteLength;
    types += t.count;
    for (let i = 0; i < t.count; i++) extra += extraWords(infoKind(t.info[i]!), infoVlen(t.info[i]!));
  }
  const bytes = new Uint8Array(strLen);
  let off = 0;
  for (const t of chain) {
    bytes.set(t.strings.bytes, off);
    off += t.strings.byteLength;
  }
  const out = new Btf({
    strings: new BtfStrings(bytes),
    capacity: types,
    extraCapacity: extra,
    byteOrder: split.byteOrder,
  });
  out.pointerSize = split.pointerSize;
  for (const t of chain) {
    for (let i = 0; i < t.count; i++) {
      const inf = t.info[i]!;
      const s = t.extraStart[i]!;
      const n = extraWords(infoKind(inf), infoVlen(inf));
      out.add(t.nameOff[i]!, inf, t.sizeType[i]!, t.extra.subarray(s, s + n));
    }
  }
  return out;
}
