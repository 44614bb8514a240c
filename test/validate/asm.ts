/**
 * A small BTF assembler for the validate tests: one method per kind, arguments as in the wire format, so a test
 * reads like the type list it builds. Nothing here checks the kernel's rules: the point is to build broken BTF.
 */
import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED, BTF_KIND as K, makeInfo, makeIntWord } from "../../src/btf/kinds.js";
import { writeBtf } from "../../src/btf-writer/write.js";

/** [name, type, bit offset] or, in a kind_flag struct, [name, type, bit offset, bitfield size]. */
export type MemberSpec = [name: string, type: number, bitOffset: number, bitfieldSize?: number];

export class Asm {
  readonly btf: Btf;
  constructor(base?: Btf) {
    this.btf = new Btf({ base, byteOrder: "little" });
  }

  /** The string offset of `name` (0 for ""). */
  s(name: string): number {
    return name === "" ? 0 : this.latin1Off.get(name) ?? this.btf.strings.intern(name);
  }
  /** The string offset of `name` stored as Latin-1 bytes (one byte per character), as the kernel's ctype sees them. */
  latin1(name: string): string {
    this.latin1Off.set(name, this.btf.strings.intern(Uint8Array.from(name, (c) => c.charCodeAt(0))));
    return name;
  }
  private readonly latin1Off = new Map<string, number>();
  /** Append a type with a raw name offset and info word. */
  raw(nameOff: number, info: number, sizeType: number, extra: number[] = []): number {
    return this.btf.add(nameOff, info >>> 0, sizeType >>> 0, extra.map((x) => x >>> 0));
  }
  t(name: string, kind: number, vlen: number, kflag: boolean, sizeType: number, extra: number[] = []): number {
    return this.raw(this.s(name), makeInfo(kind, vlen, kflag), sizeType, extra);
  }

  int(name: string, size = 4, bits = size * 8, encoding = BTF_INT_SIGNED, bitOffset = 0): number {
    return this.t(name, K.INT, 0, false, size, [makeIntWord(encoding, bitOffset, bits)]);
  }
  ptr(type: number): number {
    return this.t("", K.PTR, 0, false, type);
  }
  cnst(type: number): number {
    return this.t("", K.CONST, 0, false, type);
  }
  volatile(type: number): number {
    return this.t("", K.VOLATILE, 0, false, type);
  }
  typedef(name: string, type: number): number {
    return this.t(name, K.TYPEDEF, 0, false, type);
  }
  typeTag(value: string, type: number): number {
    return this.t(value, K.TYPE_TAG, 0, false, type);
  }
  array(elem: number, index: number, nelems: number): number {
    return this.t("", K.ARRAY, 0, false, 0, [elem, index, nelems]);
  }
  struct(name: string, size: number, members: MemberSpec[], kflag = false, union = false): number {
    const extra: number[] = [];
    for (const [n, type, off, bits] of members) extra.push(this.s(n), type, kflag ? ((bits ?? 0) << 24) | off : off);
    return this.t(name, union ? K.UNION : K.STRUCT, members.length, kflag, size, extra);
  }
  union(name: string, size: number, members: MemberSpec[], kflag = false): number {
    return this.struct(name, size, members, kflag, true);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) extra.push(this.s(n), v);
    return this.t(name, K.ENUM, values.length, signed, size, extra);
  }
  enum64(name: string, size: number, values: [string, bigint][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) extra.push(this.s(n), Number(BigInt.asUintN(64, v) & 0xffffffffn), Number(BigInt.asUintN(64, v) >> 32n));
    return this.t(name, K.ENUM64, values.length, signed, size, extra);
  }
  fwd(name: string, union = false): number {
    return this.t(name, K.FWD, 0, union, 0);
  }
  proto(ret: number, params: [string, number][]): number {
    const extra: number[] = [];
    for (const [n, type] of params) extra.push(this.s(n), type);
    return this.t("", K.FUNC_PROTO, params.length, false, ret, extra);
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.t(name, K.FUNC, linkage, false, proto);
  }
  variable(name: string, type: number, linkage = 1): number {
    return this.t(name, K.VAR, 0, false, type, [linkage]);
  }
  datasec(name: string, size: number, entries: [type: number, offset: number, size: number][]): number {
    return this.t(name, K.DATASEC, entries.length, false, size, entries.flat());
  }
  float(name: string, size: number): number {
    return this.t(name, K.FLOAT, 0, false, size);
  }
  declTag(value: string, target: number, componentIdx = -1): number {
    return this.t(value, K.DECL_TAG, 0, false, target, [componentIdx]);
  }

  /** The raw little-endian blob (what the kernel of an x86 or arm64 machine reads). */
  blob(): Uint8Array {
    return writeBtf(this.btf, { byteOrder: "little" });
  }
}

/** Header fields by byte offset, for patching blobs. */
export const HDR = { magic: 0, version: 2, flags: 3, hdrLen: 4, typeOff: 8, typeLen: 12, strOff: 16, strLen: 20 } as const;

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
