/** A small DWARF assembler for tests: bytes with labels patched later, ULEB/SLEB, and unit/abbrev helpers. */
export class Asm {
  readonly bytes: number[] = [];
  constructor(readonly little = true) {}
  get pos(): number {
    return this.bytes.length;
  }
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  uN(v: number | bigint, n: number): this {
    let b = BigInt.asUintN(n * 8, BigInt(v));
    const tmp: number[] = [];
    for (let i = 0; i < n; i++) {
      tmp.push(Number(b & 0xffn));
      b >>= 8n;
    }
    this.bytes.push(...(this.little ? tmp : tmp.reverse()));
    return this;
  }
  u16(v: number): this {
    return this.uN(v, 2);
  }
  u32(v: number): this {
    return this.uN(v, 4);
  }
  u64(v: number | bigint): this {
    return this.uN(v, 8);
  }
  uleb(v: number): this {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.bytes.push(b);
    } while (v > 0);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = Math.floor(v / 128);
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.bytes.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }
  cstr(s: string): this {
    this.bytes.push(...Buffer.from(s), 0);
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
    return this;
  }
  /** Overwrite an n-byte value at `at`. */
  patch(at: number, v: number, n: number): void {
    const a = new Asm(this.little).uN(v, n);
    for (let i = 0; i < n; i++) this.bytes[at + i] = a.bytes[i]!;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export type AbbrevSpec = [
  code: number,
  tag: number,
  children: boolean,
  attrs: [at: number, form: number, implicit?: number][],
];

export function abbrevTable(specs: AbbrevSpec[], a = new Asm()): Asm {
  for (const [code, tag, children, attrs] of specs) {
    a.uleb(code)
      .uleb(tag)
      .u8(children ? 1 : 0);
    for (const [at, form, imp] of attrs) {
      a.uleb(at).uleb(form);
      if (form === 0x21) a.sleb(imp ?? 0);
    }
    a.u8(0).u8(0);
  }
  return a.u8(0);
}

/**
 * Begin a unit at the current position: returns a function that patches unit_length once the DIEs are written.
 * DWARF 5 headers by default; `version` 2-4 writes the old layout.
 */
export function unitHeader(
  a: Asm,
  opts: { version?: number; dwarf64?: boolean; unitType?: number; abbrevOffset?: number; addressSize?: number } = {},
): () => void {
  const v = opts.version ?? 5;
  const start = a.pos;
  if (opts.dwarf64) a.u32(0xffffffff).u64(0);
  else a.u32(0);
  const lenEnd = a.pos;
  const osz = opts.dwarf64 ? 8 : 4;
  a.u16(v);
  if (v >= 5)
    a.u8(opts.unitType ?? 1)
      .u8(opts.addressSize ?? 8)
      .uN(opts.abbrevOffset ?? 0, osz);
  else a.uN(opts.abbrevOffset ?? 0, osz).u8(opts.addressSize ?? 8);
  return () => a.patch(opts.dwarf64 ? start + 4 : start, a.pos - lenEnd, osz);
}
