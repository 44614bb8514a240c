/**
 * The BTF assembler for the validate tests (see ../util/btf-asm.ts): little-endian, arguments as in the wire format
 * so a test reads like the type list it builds, plus raw types and Latin-1 names. Nothing here checks the kernel's
 * rules: the point is to build broken BTF.
 */
import type { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED } from "../../src/btf/kinds.js";
import { writeBtf } from "../../src/btf/write.js";
import { BtfAsm, type Member, type Name } from "../util/btf-asm.js";

/** [name, type, bit offset] or, in a kind_flag struct, [name, type, bit offset, bitfield size]. */
export type MemberSpec = Member;

export class Asm extends BtfAsm {
  protected override readonly defaultLinkage = 1;
  private readonly latin1Off = new Map<string, number>();
  constructor(base?: Btf) {
    super(base, "little");
  }

  /** The string offset of `name` (0 for ""). */
  s(name: string): number {
    return this.off(name);
  }
  protected override off(name: Name): number {
    return (typeof name === "string" && name !== "" ? this.latin1Off.get(name) : undefined) ?? super.off(name);
  }
  /** The string offset of `name` stored as Latin-1 bytes (one byte per character), as the kernel's ctype sees them. */
  latin1(name: string): string {
    this.latin1Off.set(name, this.btf.strings.intern(Uint8Array.from(name, (c) => c.charCodeAt(0))));
    return name;
  }
  /** Append a type with a raw name offset and info word. */
  raw(nameOff: number, info: number, sizeType: number, extra: number[] = []): number {
    return this.btf.add(
      nameOff,
      info >>> 0,
      sizeType >>> 0,
      extra.map((x) => x >>> 0),
    );
  }
  t(name: string, kind: number, vlen: number, kflag: boolean, sizeType: number, extra: number[] = []): number {
    return this.add(name, kind, vlen, kflag, sizeType, extra);
  }

  override int(name: string, size = 4, bits = size * 8, encoding = BTF_INT_SIGNED, bitOffset = 0): number {
    return super.int(name, size, encoding, bits, bitOffset);
  }
  cnst(type: number): number {
    return this.const(type);
  }
  variable(name: string, type: number, linkage = this.defaultLinkage): number {
    return this.var(name, type, linkage);
  }

  /** The raw little-endian blob (what the kernel of an x86 or arm64 machine reads). */
  blob(): Uint8Array {
    return writeBtf(this.btf, { byteOrder: "little" });
  }
}
/** Header fields by byte offset, for patching blobs. */
export const HDR = {
  magic: 0,
  version: 2,
  flags: 3,
  hdrLen: 4,
  typeOff: 8,
  typeLen: 12,
  strOff: 16,
  strLen: 20,
} as const;

export function getU32(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
}
/** A copy of `b` with the little-endian u32 at `off` replaced. */
export function withU32(b: Uint8Array, off: number, value: number): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32(off, value >>> 0, true);
  return c;
}
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
