/**
 * BTF kinds and flag constants, spelled as in the kernel's `include/uapi/linux/btf.h`, and every kind's properties
 * declared once (`KIND_INFO`).
 *
 * When a kind is added: add it to `BTF_KIND`, then give it its row in `KIND_INFO` (a compile error until it has
 * one); the names, sizes and predicates below follow from that row. Then follow the compile errors: every switch
 * that must handle each kind ends in `exhaustiveKind(kind)` (the raw and JSON dumps, the C dump's ordering, the
 * diff's canonical forms, the verifier's per-kind checks in validate.ts, `Btf.resolveSize`), so a kind without a case
 * does not compile. What the compiler cannot find: the reader's reference checks (reader.ts) and the dedup's hashing
 * and comparison (dedup.ts), which each report a kind they do not know as unsupported.
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
export type BtfKindName = keyof typeof BTF_KIND;

/** What the third word of a type's header holds. */
export type HeaderWord = "size" | "type" | "none";

/** The kernel's rule for a type's name (kernel/bpf/btf.c, the kinds' `check_meta`). */
export type NameRule =
  /** Must be 0 ("Invalid name" otherwise). */
  | "anonymous"
  /** May be 0; when present it must be a valid identifier. */
  | "optional"
  /** Must be present: a valid identifier, or for DATASEC a printable section name, or for a tag any non-empty text. */
  | "required"
  /** Not checked (INT, FLOAT). */
  | "unchecked";

/** Where repeated words of a kind's variable part sit: the word `first` of every `step` words, per entry. */
export interface RepeatedField {
  readonly first: number;
  readonly step: number;
}

export interface KindInfo {
  /** The Linux release that added the kind. */
  readonly since: string;
  readonly headerWord: HeaderWord;
  /** Words after the 12-byte header: `extraFixed + extraPerVlen * vlen`. */
  readonly extraFixed: number;
  readonly extraPerVlen: number;
  readonly name: NameRule;
  /** CONST, VOLATILE, RESTRICT and TYPE_TAG: qualify the type they refer to (libbpf's `btf_is_mod`). */
  readonly modifier: boolean;
  /** STRUCT and UNION: members with names, types and offsets (libbpf's `btf_is_composite`). */
  readonly composite: boolean;
  /** Type ids in the variable part (libbpf's BTF_FIELD_ITER_IDS order), after the header word's id if any. */
  readonly typeIds: "none" | "array" | RepeatedField;
  /** Name offsets in the variable part (member, enumerator and parameter names), after the type's own name. */
  readonly names: "none" | RepeatedField;
}

/**
 * Every kind's properties, once. The `Record` over `BtfKindName` makes a kind added to `BTF_KIND` without a row here
 * a compile error. Sources: the kernel's `include/uapi/linux/btf.h` (layouts), `kernel/bpf/btf.c` (name rules),
 * libbpf's `btf_field_iter_init` (the order of ids and names).
 */
export const KIND_INFO: { readonly [K in BtfKindName]: KindInfo } = {
  UNKN: {
    since: "4.18",
    headerWord: "none",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  INT: {
    since: "4.18",
    headerWord: "size",
    extraFixed: 1,
    extraPerVlen: 0,
    name: "unchecked",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  PTR: {
    since: "4.18",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  ARRAY: {
    since: "4.18",
    headerWord: "none",
    extraFixed: 3,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: false,
    composite: false,
    typeIds: "array",
    names: "none",
  },
  STRUCT: {
    since: "4.18",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 3,
    name: "optional",
    modifier: false,
    composite: true,
    typeIds: { first: 1, step: 3 },
    names: { first: 0, step: 3 },
  },
  UNION: {
    since: "4.18",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 3,
    name: "optional",
    modifier: false,
    composite: true,
    typeIds: { first: 1, step: 3 },
    names: { first: 0, step: 3 },
  },
  ENUM: {
    since: "4.18",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 2,
    name: "optional",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: { first: 0, step: 2 },
  },
  FWD: {
    since: "4.18",
    headerWord: "none",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  TYPEDEF: {
    since: "4.18",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  VOLATILE: {
    since: "4.18",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: true,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  CONST: {
    since: "4.18",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: true,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  RESTRICT: {
    since: "4.18",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "anonymous",
    modifier: true,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  FUNC: {
    since: "5.0",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  FUNC_PROTO: {
    since: "5.0",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 2,
    name: "anonymous",
    modifier: false,
    composite: false,
    typeIds: { first: 1, step: 2 },
    names: { first: 0, step: 2 },
  },
  VAR: {
    since: "5.2",
    headerWord: "type",
    extraFixed: 1,
    extraPerVlen: 0,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  DATASEC: {
    since: "5.2",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 3,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: { first: 0, step: 3 },
    names: "none",
  },
  FLOAT: {
    since: "5.13",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "unchecked",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  DECL_TAG: {
    since: "5.16",
    headerWord: "type",
    extraFixed: 1,
    extraPerVlen: 0,
    name: "required",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  TYPE_TAG: {
    since: "5.17",
    headerWord: "type",
    extraFixed: 0,
    extraPerVlen: 0,
    name: "required",
    modifier: true,
    composite: false,
    typeIds: "none",
    names: "none",
  },
  ENUM64: {
    since: "6.0",
    headerWord: "size",
    extraFixed: 0,
    extraPerVlen: 3,
    name: "optional",
    modifier: false,
    composite: false,
    typeIds: "none",
    names: { first: 0, step: 3 },
  },
};

/** Kind names by value: `KIND_NAMES[BTF_KIND.STRUCT]` is "STRUCT". */
export const KIND_NAMES: readonly BtfKindName[] = (() => {
  const names: BtfKindName[] = [];
  for (const name of Object.keys(BTF_KIND) as BtfKindName[]) names[BTF_KIND[name]] = name;
  return names;
})();

/** The largest kind this build knows (the reader rejects larger ones as unsupported). */
export const BTF_KIND_MAX: number = KIND_NAMES.length - 1;

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `UNKNOWN_KIND_${kind}`;
}

/** The properties of `kind`, undefined past BTF_KIND_MAX. */
export function kindInfo(kind: number): KindInfo | undefined {
  const name = KIND_NAMES[kind];
  return name === undefined ? undefined : KIND_INFO[name];
}

/**
 * The `default` of a switch over a `BtfKind` that names every kind: there `kind` is `never`, so a kind added to
 * BTF_KIND without its `case` is a compile error. At run time a value past BTF_KIND_MAX (a table built in memory)
 * still reaches it: the value comes back as a number for the caller's fallback.
 */
export function exhaustiveKind(kind: never): number {
  return kind;
}

// Per-kind properties the hot paths read, as typed arrays indexed by kind (infoKind gives at most 31).
const KIND_SLOTS = 32;
const EXTRA_FIXED = new Uint8Array(KIND_SLOTS);
const EXTRA_PER_VLEN = new Uint8Array(KIND_SLOTS);
/** Bit 0: the header word is a size; bit 1: a type id; bit 2: a modifier; bit 3: a composite. */
const FLAGS = new Uint8Array(KIND_SLOTS);
const F_SIZE = 1,
  F_TYPE = 2,
  F_MODIFIER = 4,
  F_COMPOSITE = 8;
for (const name of Object.keys(KIND_INFO) as BtfKindName[]) {
  const k = BTF_KIND[name];
  const info = KIND_INFO[name];
  EXTRA_FIXED[k] = info.extraFixed;
  EXTRA_PER_VLEN[k] = info.extraPerVlen;
  FLAGS[k] =
    (info.headerWord === "size" ? F_SIZE : info.headerWord === "type" ? F_TYPE : 0) |
    (info.modifier ? F_MODIFIER : 0) |
    (info.composite ? F_COMPOSITE : 0);
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

/**
 * The `info` word: bits 0-15 vlen, bits 24-28 kind, bit 31 kind_flag. The kind is typed `BtfKind` so that switches
 * over it can be checked for completeness (`exhaustiveKind`); a value past BTF_KIND_MAX is still possible in bytes
 * not yet checked (the reader rejects them) and reaches those switches' `default`.
 */
export function infoKind(info: number): BtfKind {
  return ((info >>> 24) & 0x1f) as BtfKind;
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

/**
 * Where names and type ids sit in each kind's variable part (`KIND_INFO`'s `names` and `typeIds`), as typed arrays
 * by kind for passes over every record that must not allocate (the reader's reference check): names at words
 * 0, step, 2·step, … (`KIND_NAME_STEP`, 0: none, one per vlen); type ids from word `KIND_ID_FIRST` (-1: none) every
 * `KIND_ID_STEP` words, one per vlen, or two for ARRAY (`KIND_ID_FIXED`).
 */
export const KIND_NAME_STEP: Readonly<Uint8Array> = new Uint8Array(KIND_SLOTS);
export const KIND_ID_FIRST: Readonly<Int8Array> = new Int8Array(KIND_SLOTS).fill(-1);
export const KIND_ID_STEP: Readonly<Uint8Array> = new Uint8Array(KIND_SLOTS);
/** The number of type ids when it does not follow vlen (ARRAY: element and index), else 0. */
export const KIND_ID_FIXED: Readonly<Uint8Array> = new Uint8Array(KIND_SLOTS);
for (const name of Object.keys(KIND_INFO) as BtfKindName[]) {
  const k = BTF_KIND[name];
  const { names, typeIds } = KIND_INFO[name];
  if (names !== "none") (KIND_NAME_STEP as Uint8Array)[k] = names.step;
  if (typeIds === "array") {
    (KIND_ID_FIRST as Int8Array)[k] = 0;
    (KIND_ID_STEP as Uint8Array)[k] = 1;
    (KIND_ID_FIXED as Uint8Array)[k] = 2;
  } else if (typeIds !== "none") {
    (KIND_ID_FIRST as Int8Array)[k] = typeIds.first;
    (KIND_ID_STEP as Uint8Array)[k] = typeIds.step;
  }
}

/** Number of 32-bit words that follow the 12-byte type header for this kind and vlen (0 for an unknown kind). */
export function extraWords(kind: number, vlen: number): number {
  if (kind >= KIND_SLOTS) return 0;
  return EXTRA_FIXED[kind]! + EXTRA_PER_VLEN[kind]! * vlen;
}

/** Kinds whose third header word is a size (the others hold a type id, or nothing). */
export function kindHasSize(kind: number): boolean {
  return kind < KIND_SLOTS && (FLAGS[kind]! & F_SIZE) !== 0;
}

/** Kinds whose third header word is a type id. */
export function kindHasTypeRef(kind: number): boolean {
  return kind < KIND_SLOTS && (FLAGS[kind]! & F_TYPE) !== 0;
}

/** CONST, VOLATILE, RESTRICT, TYPE_TAG (libbpf's `btf_is_mod`; TYPEDEF is not one). */
export function isModifierKind(kind: number): boolean {
  return kind < KIND_SLOTS && (FLAGS[kind]! & F_MODIFIER) !== 0;
}

/** STRUCT and UNION (libbpf's `btf_is_composite`). */
export function isCompositeKind(kind: number): boolean {
  return kind < KIND_SLOTS && (FLAGS[kind]! & F_COMPOSITE) !== 0;
}

/** ENUM and ENUM64. */
export function isEnumKind(kind: number): boolean {
  return kind === BTF_KIND.ENUM || kind === BTF_KIND.ENUM64;
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
  const info = kindInfo(kind);
  const header = kindHasTypeRef(kind);
  const ids = info?.typeIds ?? "none";
  if (ids === "none") return { header, first: 0, step: 0, count: 0 };
  // ARRAY: the element type, then the index type.
  if (ids === "array") return { header, first: 0, step: 1, count: 2 };
  return { header, first: ids.first, step: ids.step, count: vlen };
}

/**
 * Where a type record's string-offset words are (libbpf's BTF_FIELD_ITER_STRS order): `header` is the name; then the
 * member, enumerator or parameter names in the extra part.
 */
export function nameFields(kind: number, vlen: number): FieldLayout {
  const names = kindInfo(kind)?.names ?? "none";
  if (names === "none") return { header: true, first: 0, step: 0, count: 0 };
  return { header: true, first: names.first, step: names.step, count: vlen };
}
