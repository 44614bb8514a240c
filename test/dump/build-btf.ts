/**
 * A tiny BTF assembler for dump tests: one method per kind, each returning the new type's id. Members are
 * `[name, type, bitOffset, bitfieldSize?]`; a struct with any bitfield gets kind_flag set (offsets then carry the
 * bitfield size in their top byte, as pahole writes them).
 */
import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";

export type Member = [name: string, type: number, bitOffset: number, bitfieldSize?: number];

export class BtfBuilder {
  readonly btf: Btf;
  constructor(base?: Btf) {
    this.btf = new Btf(base ? { base } : {});
  }
  private s(name: string): number {
    return name === "" ? 0 : this.btf.strings.intern(name);
  }
  int(name: string, size: number, enc: "signed" | "unsigned" | "char" | "bool" = "signed"): number {
    const e = enc === "signed" ? BTF_INT_SIGNED : enc === "char" ? BTF_INT_CHAR : enc === "bool" ? BTF_INT_BOOL : 0;
    return this.btf.addNamed(name, BTF_KIND.INT, 0, false, size, [makeIntWord(e, 0, size * 8)]);
  }
  float(name: string, size: number): number {
    return this.btf.addNamed(name, BTF_KIND.FLOAT, 0, false, size);
  }
  ptr(type: number): number {
    return this.btf.addNamed("", BTF_KIND.PTR, 0, false, type);
  }
  const(type: number): number {
    return this.btf.addNamed("", BTF_KIND.CONST, 0, false, type);
  }
  volatile(type: number): number {
    return this.btf.addNamed("", BTF_KIND.VOLATILE, 0, false, type);
  }
  restrict(type: number): number {
    return this.btf.addNamed("", BTF_KIND.RESTRICT, 0, false, type);
  }
  typeTag(name: string, type: number): number {
    return this.btf.addNamed(name, BTF_KIND.TYPE_TAG, 0, false, type);
  }
  typedef(name: string, type: number): number {
    return this.btf.addNamed(name, BTF_KIND.TYPEDEF, 0, false, type);
  }
  array(elem: number, nelems: number, indexType: number): number {
    return this.btf.addNamed("", BTF_KIND.ARRAY, 0, false, 0, [elem, indexType, nelems]);
  }
  private composite(kind: number, name: string, size: number, members: Member[]): number {
    const kflag = members.some((m) => (m[3] ?? 0) > 0);
    const words: number[] = [];
    for (const [n, t, off, bits] of members) words.push(this.s(n), t, kflag ? (((bits ?? 0) << 24) | off) >>> 0 : off);
    return this.btf.addNamed(name, kind, members.length, kflag, size, words);
  }
  struct(name: string, size: number, members: Member[]): number {
    return this.composite(BTF_KIND.STRUCT, name, size, members);
  }
  union(name: string, size: number, members: Member[]): number {
    return this.composite(BTF_KIND.UNION, name, size, members);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    const words: number[] = [];
    for (const [n, v] of values) words.push(this.s(n), v >>> 0);
    return this.btf.addNamed(name, BTF_KIND.ENUM, values.length, signed, size, words);
  }
  enum64(name: string, size: number, values: [string, bigint][], signed = false): number {
    const words: number[] = [];
    for (const [n, v] of values) {
      const u = BigInt.asUintN(64, v);
      words.push(this.s(n), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.btf.addNamed(name, BTF_KIND.ENUM64, values.length, signed, size, words);
  }
  fwd(name: string, isUnion = false): number {
    return this.btf.addNamed(name, BTF_KIND.FWD, 0, isUnion, 0);
  }
  funcProto(ret: number, params: [string, number][]): number {
    const words: number[] = [];
    for (const [n, t] of params) words.push(this.s(n), t);
    return this.btf.addNamed("", BTF_KIND.FUNC_PROTO, params.length, false, ret, words);
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.btf.addNamed(name, BTF_KIND.FUNC, linkage, false, proto);
  }
  var(name: string, type: number, linkage = 1): number {
    return this.btf.addNamed(name, BTF_KIND.VAR, 0, false, type, [linkage]);
  }
  datasec(name: string, size: number, vars: [type: number, offset: number, size: number][]): number {
    return this.btf.addNamed(name, BTF_KIND.DATASEC, vars.length, false, size, vars.flat());
  }
  declTag(name: string, type: number, componentIdx = -1): number {
    return this.btf.addNamed(name, BTF_KIND.DECL_TAG, 0, false, type, [componentIdx >>> 0]);
  }
}

/** Lines joined with "\n" (expected C text is easier to read as one string per line). */
export function lines(...ls: string[]): string {
  return ls.join("\n");
}
