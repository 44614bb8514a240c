/**
 * Seeded random damage to valid BTF blobs, for differential testing against the kernel: a few words of the type
 * section (ids, sizes, offsets, info words) or bytes of the header and string section are replaced by values
 * likely to matter (small ids, flipped bits, off-by-one, a new kind or bitfield byte, zero).
 */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function mutate(blob: Uint8Array, rnd: () => number): Uint8Array {
  const b = blob.slice();
  const dv = new DataView(b.buffer);
  const typeLen = dv.getUint32(12, true);
  const n = 1 + Math.floor(rnd() * 2);
  for (let m = 0; m < n; m++) {
    if (rnd() < 0.15) {
      // A byte of the header or the string section.
      const i = Math.floor(rnd() * b.length);
      if (i < 24 || i >= 24 + typeLen) {
        b[i] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
        continue;
      }
    }
    const w = 24 + 4 * Math.floor(rnd() * (typeLen / 4));
    let v = dv.getUint32(w, true);
    const r = rnd();
    if (r < 0.3) v = Math.floor(rnd() * 40);
    else if (r < 0.5) v ^= 1 << Math.floor(rnd() * 32);
    else if (r < 0.6) v += 1;
    else if (r < 0.7) v -= 1;
    else if (r < 0.8) v = (Math.floor(rnd() * 0x100) << 24) | (v & 0xffffff);
    else if (r < 0.9) v = Math.floor(rnd() * 300);
    else v = 0;
    dv.setUint32(w, v >>> 0, true);
  }
  return b;
}
