import { type ByteOrder, HOST_BYTE_ORDER } from "../common/byte-order.js";
import type { Btf } from "./btf.js";
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION, extraWords, infoKind, infoVlen } from "./kinds.js";

export interface WriteBtfOptions {
  /** Output byte order; defaults to the order the BTF was read in (or the host's). */
  byteOrder?: ByteOrder;
}

/** Size in bytes of the type section the table serialises to. */
export function typeSectionSize(btf: Btf): number {
  // Summed per type: `extraLen` is the pool's fill level, which (for a table read from a blob) also spans headers.
  let words = 3 * btf.count;
  for (let i = 0; i < btf.count; i++) {
    const inf = btf.info[i]!;
    words += extraWords(infoKind(inf), infoVlen(inf));
  }
  return words * 4;
}

/**
 * Serialise the own types and strings of `btf` as a raw BTF blob: the 24-byte header, the type section, then the
 * string section (type_off 0, str_off = type_len), which is the layout libbpf and pahole write. For split BTF only
 * the split part is written; its ids and string offsets continue the base's.
 */
export function writeBtf(btf: Btf, opts: WriteBtfOptions = {}): Uint8Array {
  const order = opts.byteOrder ?? btf.byteOrder ?? HOST_BYTE_ORDER;
  const typeLen = typeSectionSize(btf);
  const strBytes = btf.strings.bytes;
  const strLen = strBytes.length;
  const total = BTF_HEADER_SIZE + typeLen + strLen;
  const out = new Uint8Array(total);

  // Lay the type words out in host order in an aligned Uint32Array, then byte-swap in place if needed.
  const words = new Uint32Array(typeLen >>> 2);
  let w = 0;
  const { info, nameOff, sizeType, extraStart, extra } = btf;
  for (let i = 0; i < btf.count; i++) {
    const inf = info[i]!;
    words[w++] = nameOff[i]!;
    words[w++] = inf;
    words[w++] = sizeType[i]!;
    const n = extraWords(infoKind(inf), infoVlen(inf));
    const s = extraStart[i]!;
    for (let k = 0; k < n; k++) words[w++] = extra[s + k]!;
  }
  const typeBytes = new Uint8Array(words.buffer, 0, typeLen);
  if (order !== HOST_BYTE_ORDER) swap32InPlace(typeBytes);
  out.set(typeBytes, BTF_HEADER_SIZE);
  out.set(strBytes, BTF_HEADER_SIZE + typeLen);

  const v = new DataView(out.buffer);
  const le = order === "little";
  v.setUint16(0, BTF_MAGIC, le);
  out[2] = BTF_VERSION;
  out[3] = 0;
  v.setUint32(4, BTF_HEADER_SIZE, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, typeLen, le);
  v.setUint32(16, typeLen, le);
  v.setUint32(20, strLen, le);
  return out;
}

function swap32InPlace(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const a0 = b[i]!,
      a1 = b[i + 1]!;
    b[i] = b[i + 3]!;
    b[i + 1] = b[i + 2]!;
    b[i + 2] = a1;
    b[i + 3] = a0;
  }
}
