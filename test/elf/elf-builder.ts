/** A tiny ELF writer for tests: a header, the given sections, a section name table and the section headers. */
export interface SectionSpec {
  name: string;
  type?: number;
  flags?: number;
  data: Uint8Array;
  link?: number;
  info?: number;
  entsize?: number;
  addralign?: number;
}

export interface ElfSpec {
  class?: 32 | 64;
  little?: boolean;
  /** e_type: 1 ET_REL, 2 ET_EXEC. */
  type?: number;
  machine?: number;
  /** Sections in order; index 0 (the null section) is added in front, so the first spec is section 1. */
  sections: SectionSpec[];
}

export function buildElf(spec: ElfSpec): Uint8Array {
  const is64 = (spec.class ?? 64) === 64;
  const le = spec.little ?? true;
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const names: number[] = [0];
  const nameOff: number[] = [];
  const allNames = [...spec.sections.map((s) => s.name), ".shstrtab"];
  for (const n of allNames) {
    nameOff.push(names.length);
    for (const c of Buffer.from(n)) names.push(c);
    names.push(0);
  }
  const secs = [...spec.sections, { name: ".shstrtab", type: 3, data: Uint8Array.from(names) }];
  let off = ehsize;
  const offsets: number[] = [];
  for (const s of secs) {
    off = (off + 7) & ~7;
    offsets.push(off);
    off += s.data.length;
  }
  off = (off + 7) & ~7;
  const shoff = off;
  const total = shoff + shentsize * (secs.length + 1);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  v.setUint16(16, spec.type ?? 2, le);
  v.setUint16(18, spec.machine ?? 62, le);
  v.setUint32(20, 1, le);
  if (is64) {
    v.setBigUint64(40, BigInt(shoff), le);
    v.setUint16(52, ehsize, le);
    v.setUint16(58, shentsize, le);
    v.setUint16(60, secs.length + 1, le);
    v.setUint16(62, secs.length, le);
  } else {
    v.setUint32(32, shoff, le);
    v.setUint16(40, ehsize, le);
    v.setUint16(46, shentsize, le);
    v.setUint16(48, secs.length + 1, le);
    v.setUint16(50, secs.length, le);
  }
  secs.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const o = shoff + (i + 1) * shentsize;
    const x = s as SectionSpec;
    v.setUint32(o, nameOff[i]!, le);
    v.setUint32(o + 4, x.type ?? 1, le);
    if (is64) {
      v.setBigUint64(o + 8, BigInt(x.flags ?? 0), le);
      v.setBigUint64(o + 24, BigInt(offsets[i]!), le);
      v.setBigUint64(o + 32, BigInt(s.data.length), le);
      v.setUint32(o + 40, x.link ?? 0, le);
      v.setUint32(o + 44, x.info ?? 0, le);
      v.setBigUint64(o + 48, BigInt(x.addralign ?? 1), le);
      v.setBigUint64(o + 56, BigInt(x.entsize ?? 0), le);
    } else {
      v.setUint32(o + 8, x.flags ?? 0, le);
      v.setUint32(o + 16, offsets[i]!, le);
      v.setUint32(o + 20, s.data.length, le);
      v.setUint32(o + 24, x.link ?? 0, le);
      v.setUint32(o + 28, x.info ?? 0, le);
      v.setUint32(o + 32, x.addralign ?? 1, le);
      v.setUint32(o + 36, x.entsize ?? 0, le);
    }
  });
  return out;
}
