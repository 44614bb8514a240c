/**
 * The tests' BTF assembler: one method per kind, returning the new type id, in the spirit of the kernel selftests'
 * BTF_*_ENC macros. Names are strings (interned) or raw string offsets (numbers) so that tests can build string
 * sections with duplicates and unreferenced strings on purpose (`rawString`). Nothing here checks the kernel's
 * rules. The dump and validate tests' assemblers are subclasses with their own argument orders and defaults.
 */
import { Btf } from "../../src/btf/btf.js";
import type { ByteOrder } from "../../src/common/byte-order.js";
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND, makeInfo, makeIntWord } from "../../src/btf/kinds.js";
import { encodeUtf8 } from "../../src/common/text.js";

export type Name = string | number;
/** [name, type, bit offset, bitfield size (only with kind_flag)] */
export type Member = [name: Name, type: number, bitOffset: number, bitfieldSize?: number];
export type IntEncoding = "signed" | "unsigned" | "char" | "bool";
const INT_ENCODING: Record<IntEncoding, number> = {
  signed: BTF_INT_SIGNED,
  unsigned: 0,
  char: BTF_INT_CHAR,
  bool: BTF_INT_BOOL,
};

export class BtfAsm {
  readonly btf: Btf;
  /** Linkage of a FUNC or VAR added without one. */
  protected readonly defaultLinkage: number = 0;

  constructor(base?: Btf, byteOrder?: ByteOrder) {
    this.btf = new Btf({ base, byteOrder });
  }

  /** Id the next added type will get (for forward references in cycles). */
  get next(): number {
    return this.btf.endId;
  }

  /** Append a string without looking for an existing copy; returns its offset. */
  rawString(s: string): number {
    return this.btf.strings.append(encodeUtf8(s));
  }

  protected off(name: Name): number {
    if (typeof name === "number") return name;
    return name === "" ? 0 : this.btf.strings.intern(name);
  }

  protected add(name: Name, kind: number, vlen: number, kflag: boolean, sizeType: number, extra?: number[]): number {
    return this.btf.add(this.off(name), makeInfo(kind, vlen, kflag), sizeType, extra);
  }

  /** kind_flag of a STRUCT or UNION added without one. */
  protected defaultKflag(_members: Member[]): boolean {
    return false;
  }

  int(name: Name, size: number, encoding: number | IntEncoding = BTF_INT_SIGNED, bits = size * 8, offset = 0): number {
    const enc = typeof encoding === "number" ? encoding : INT_ENCODING[encoding];
    return this.add(name, BTF_KIND.INT, 0, false, size, [makeIntWord(enc, offset, bits)]);
  }
  float(name: Name, size: number): number {
    return this.add(name, BTF_KIND.FLOAT, 0, false, size);
  }
  ptr(type: number): number {
    return this.add(0, BTF_KIND.PTR, 0, false, type);
  }
  const(type: number): number {
    return this.add(0, BTF_KIND.CONST, 0, false, type);
  }
  volatile(type: number): number {
    return this.add(0, BTF_KIND.VOLATILE, 0, false, type);
  }
  restrict(type: number): number {
    return this.add(0, BTF_KIND.RESTRICT, 0, false, type);
  }
  typedef(name: Name, type: number): number {
    return this.add(name, BTF_KIND.TYPEDEF, 0, false, type);
  }
  typeTag(name: Name, type: number): number {
    return this.add(name, BTF_KIND.TYPE_TAG, 0, false, type);
  }
  declTag(name: Name, type: number, componentIdx = -1): number {
    return this.add(name, BTF_KIND.DECL_TAG, 0, false, type, [componentIdx >>> 0]);
  }
  fwd(name: Name, isUnion = false): number {
    return this.add(name, BTF_KIND.FWD, 0, isUnion, 0);
  }
  array(elem: number, index: number, nelems: number): number {
    return this.add(0, BTF_KIND.ARRAY, 0, false, 0, [elem, index, nelems]);
  }
  struct(name: Name, size: number, members: Member[], kflag = this.defaultKflag(members)): number {
    return this.composite(BTF_KIND.STRUCT, name, size, members, kflag);
  }
  union(name: Name, size: number, members: Member[], kflag = this.defaultKflag(members)): number {
    return this.composite(BTF_KIND.UNION, name, size, members, kflag);
  }
  private composite(kind: number, name: Name, size: number, members: Member[], kflag: boolean): number {
    const extra: number[] = [];
    for (const [n, t, off, bits] of members)
      extra.push(this.off(n), t, kflag ? (((bits ?? 0) << 24) | off) >>> 0 : off);
    return this.add(name, kind, members.length, kflag, size, extra);
  }
  enum(name: Name, size: number, values: [Name, number][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) extra.push(this.off(n), v >>> 0);
    return this.add(name, BTF_KIND.ENUM, values.length, signed, size, extra);
  }
  enum64(name: Name, size: number, values: [Name, bigint][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) {
      const u = BigInt.asUintN(64, v);
      extra.push(this.off(n), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.add(name, BTF_KIND.ENUM64, values.length, signed, size, extra);
  }
  proto(ret: number, params: [Name, number][]): number {
    const extra: number[] = [];
    for (const [n, t] of params) extra.push(this.off(n), t);
    return this.add(0, BTF_KIND.FUNC_PROTO, params.length, false, ret, extra);
  }
  func(name: Name, proto: number, linkage = this.defaultLinkage): number {
    return this.add(name, BTF_KIND.FUNC, linkage, false, proto);
  }
  var(name: Name, type: number, linkage = this.defaultLinkage): number {
    return this.add(name, BTF_KIND.VAR, 0, false, type, [linkage]);
  }
  datasec(name: Name, size: number, entries: [type: number, offset: number, size: number][]): number {
    return this.add(name, BTF_KIND.DATASEC, entries.length, false, size, entries.flat());
  }
}
