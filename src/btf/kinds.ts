/**
 * BTF kinds and flag constants, spelled as in the kernel's `include/uapi/linux/btf.h`.
 * When a kind is added: extend `BTF_KIND`, `KIND_NAMES`, `extraWords` below, then the reader, writer, dump,
 * validate and dedup switches (each has a `default` that reports an unknown kind).
 */
export const BTF_KIND = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  /** Added in Linux 5.0 (with FUNC_PROTO). */
  FUNC: 12,
  FUNC_PROTO: 13,
  /** Added in 5.2 (with DATASEC). */
  VAR: 14,
  DATASEC: 15,
  /** Added in 5.13. */
  FLOAT: 16,
  /** Added in 5.16. */
  DECL_TAG: 17,
  /** Added in 5.17. */
  TYPE_TAG: 18,
  /** Added in 6.0. */
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BTF_KIND)[keyof typeof BTF_KIND];
export const BTF_KIND_MAX = 19;

export const KIND_NAMES: readonly string[] = [
  "UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT",
  "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
];

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `UNKNOWN_KIND_${kind}`;
}

/** BTF_INT_* encoding bits (bits 24..27 of the INT's extra word). */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** FUNC linkage (the FUNC's vlen) and VAR linkage (the VAR's extra word). */
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_SIZE = 24;
/** Size of the fixed part of every type record: name_off, info, size/type. */
export const BTF_TYPE_HEADER_WORDS = 3;
export const BTF_MAX_VLEN = 0xffff;
export const BTF_MAX_TYPE = 0x000fffff;
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;

/** The `info` word: bits 0-15 vlen, bits 24-28 kind, bit 31 kind_flag. */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x1f;
}
export function infoVlen(info: number): number {
  return info & 0xffff;
}
export function infoKflag(info: number): boolean {
  return info >>> 31 === 1;
}
export function makeInfo(kind: number, vlen: number, kflag: boolean): number {
  return ((kflag ? 0x80000000 : 0) | ((kind & 0x1f) << 24) | (vlen & 0xffff)) >>> 0;
}

/** Number of 32-bit words that follow the 12-byte type header for this kind and vlen. */
export function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND.INT:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return 1;
    case BTF_KIND.ARRAY:
      return 3;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.DATASEC:
    case BTF_KIND.ENUM64:
      return 3 * vlen;
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return 2 * vlen;
    default:
      return 0;
  }
}

/** Kinds whose third header word is a size (the others hold a type id, or nothing). */
export function kindHasSize(kind: number): boolean {
  return (
    kind === BTF_KIND.INT || kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION || kind === BTF_KIND.ENUM ||
    kind === BTF_KIND.ENUM64 || kind === BTF_KIND.DATASEC || kind === BTF_KIND.FLOAT
  );
}

/** Kinds whose third header word is a type id. */
export function kindHasTypeRef(kind: number): boolean {
  return (
    kind === BTF_KIND.PTR || kind === BTF_KIND.TYPEDEF || kind === BTF_KIND.VOLATILE || kind === BTF_KIND.CONST ||
    kind === BTF_KIND.RESTRICT || kind === BTF_KIND.FUNC || kind === BTF_KIND.FUNC_PROTO || kind === BTF_KIND.VAR ||
    kind === BTF_KIND.DECL_TAG || kind === BTF_KIND.TYPE_TAG
  );
}

/** INT extra word: bits 24-27 encoding, 16-23 bit offset, 0-7 bit count. */
export function intEncoding(word: number): number {
  return (word >>> 24) & 0x0f;
}
export function intOffset(word: number): number {
  return (word >>> 16) & 0xff;
}
export function intBits(word: number): number {
  return word & 0xff;
}
export function makeIntWord(encoding: number, offset: number, bits: number): number {
  return (((encoding & 0x0f) << 24) | ((offset & 0xff) << 16) | (bits & 0xff)) >>> 0;
}

/** Member offset word of a STRUCT/UNION with kind_flag set: bits 24-31 bitfield size, 0-23 bit offset. */
export function memberBitfieldSize(offsetWord: number, kflag: boolean): number {
  return kflag ? offsetWord >>> 24 : 0;
}
export function memberBitOffset(offsetWord: number, kflag: boolean): number {
  return kflag ? offsetWord & 0xffffff : offsetWord;
}

/**
 * Where a type record's type-id words are, in the order libbpf's `btf_field_iter` (BTF_FIELD_ITER_IDS) visits
 * them: `header` says whether the size/type word is an id (`kindHasTypeRef`); `first`, `step` and `count` give the
 * indexes of the id words in the kind's extra part (ARRAY: element then index type; STRUCT/UNION member types;
 * FUNC_PROTO parameter types; DATASEC entry VARs).
 */
export interface FieldLayout {
  header: boolean;
  first: number;
  step: number;
  count: number;
}

export function typeIdFields(kind: number, vlen: number): FieldLayout {
  switch (kind) {
    case BTF_KIND.ARRAY:
      return { header: false, first: 0, step: 1, count: 2 };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      return { header: false, first: 1, step: 3, count: vlen };
    case BTF_KIND.FUNC_PROTO:
      return { header: true, first: 1, step: 2, count: vlen };
    case BTF_KIND.DATASEC:
      return { header: false, first: 0, step: 3, count: vlen };
    default:
      return { header: kindHasTypeRef(kind), first: 0, step: 0, count: 0 };
  }
}

/**
 * Where a type record's string-offset words are (libbpf's BTF_FIELD_ITER_STRS order): `header` is the name; then the
 * member, enumerator or parameter names in the extra part.
 */
export function nameFields(kind: number, vlen: number): FieldLayout {
  switch (kind) {
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.ENUM64:
      return { header: true, first: 0, step: 3, count: vlen };
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return { header: true, first: 0, step: 2, count: vlen };
    default:
      return { header: true, first: 0, step: 0, count: 0 };
  }
}
