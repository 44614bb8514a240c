/**
 * Reading the attributes of C type DIEs into BTF words: base type encodings, subrange counts, member offsets with
 * both DWARF bitfield encodings, enumerator values. Each helper reads the cursor's current DIE and allocates
 * nothing on the common paths.
 */
import { BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../btf/kinds.js";
import { readUleb } from "../common/leb128.js";
import { DW_AT, DW_ATE, DW_FORM, DW_OP, DW_TAG } from "../dwarf/constants.js";
import type { DieCursor } from "../dwarf/die-cursor.js";
import { FormClass } from "../dwarf/forms.js";

/** Tags that become a BTF type (or an alias of one) in a C unit. */
export function isTypeTag(tag: number): boolean {
  switch (tag) {
    case DW_TAG.DW_TAG_base_type:
    case DW_TAG.DW_TAG_pointer_type:
    case DW_TAG.DW_TAG_reference_type:
    case DW_TAG.DW_TAG_rvalue_reference_type:
    case DW_TAG.DW_TAG_const_type:
    case DW_TAG.DW_TAG_volatile_type:
    case DW_TAG.DW_TAG_restrict_type:
    case DW_TAG.DW_TAG_atomic_type:
    case DW_TAG.DW_TAG_typedef:
    case DW_TAG.DW_TAG_array_type:
    case DW_TAG.DW_TAG_structure_type:
    case DW_TAG.DW_TAG_class_type:
    case DW_TAG.DW_TAG_union_type:
    case DW_TAG.DW_TAG_enumeration_type:
    case DW_TAG.DW_TAG_subroutine_type:
    case DW_TAG.DW_TAG_unspecified_type:
      return true;
    default:
      return false;
  }
}

/** Modifier and pointer tags → their BTF kind (0 for other tags). */
export function refKindOf(tag: number): number {
  switch (tag) {
    case DW_TAG.DW_TAG_pointer_type:
    case DW_TAG.DW_TAG_reference_type:
    case DW_TAG.DW_TAG_rvalue_reference_type:
      return BTF_KIND.PTR;
    case DW_TAG.DW_TAG_const_type:
      return BTF_KIND.CONST;
    case DW_TAG.DW_TAG_volatile_type:
      return BTF_KIND.VOLATILE;
    case DW_TAG.DW_TAG_restrict_type:
      return BTF_KIND.RESTRICT;
    case DW_TAG.DW_TAG_typedef:
      return BTF_KIND.TYPEDEF;
    default:
      return 0;
  }
}

/** Result of `baseTypeRecord`: kind, size and (for INT) the encoding word. */
export interface BaseTypeRecord {
  kind: number;
  size: number;
  intWord: number;
  /** True when the DWARF type had a width BTF cannot hold and became pahole's `__SANITIZED_FAKE_INT__`. */
  sanitized: boolean;
}

const FLOAT_SIZES = new Set([2, 4, 8, 12, 16]);

/**
 * The BTF record of the DW_TAG_base_type under the cursor (written into `out`, which is reused). `char` is a
 * signed INT without BTF_INT_CHAR, `_Bool` has BTF_INT_BOOL (as pahole 1.24). Floats are FLOAT when `floats`,
 * otherwise INTs of their full width without encoding. Sizes other than 1/2/4/8/16 bytes become a 4-byte INT (pahole's
 * `__SANITIZED_FAKE_INT__`), since the kernel rejects them.
 */
export function baseTypeRecord(c: DieCursor, floats: boolean, out: BaseTypeRecord): BaseTypeRecord {
  const size = c.unsigned(DW_AT.DW_AT_byte_size) ?? 0;
  const enc = c.unsigned(DW_AT.DW_AT_encoding) ?? 0;
  const isFloat =
    enc === DW_ATE.DW_ATE_float ||
    enc === DW_ATE.DW_ATE_complex_float ||
    enc === DW_ATE.DW_ATE_imaginary_float ||
    enc === DW_ATE.DW_ATE_decimal_float;
  out.sanitized = false;
  if (isFloat && floats && enc === DW_ATE.DW_ATE_float && FLOAT_SIZES.has(size)) {
    out.kind = BTF_KIND.FLOAT;
    out.size = size;
    out.intWord = 0;
    return out;
  }
  out.kind = BTF_KIND.INT;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8 && size !== 16) {
    out.size = 4;
    out.intWord = makeIntWord(0, 0, 32);
    out.sanitized = true;
    return out;
  }
  let encoding = 0;
  if (enc === DW_ATE.DW_ATE_signed || enc === DW_ATE.DW_ATE_signed_char || enc === DW_ATE.DW_ATE_signed_fixed)
    encoding = BTF_INT_SIGNED;
  else if (enc === DW_ATE.DW_ATE_boolean) encoding = BTF_INT_BOOL;
  const bits = c.unsigned(DW_AT.DW_AT_bit_size) ?? size * 8;
  const bitOffset = c.unsigned(DW_AT.DW_AT_data_bit_offset) ?? 0;
  out.size = size;
  out.intWord = makeIntWord(encoding, bitOffset, Math.min(bits, 128));
  return out;
}

/** True when the base type under the cursor is named exactly `int` (the array index type pahole picks). */
export function isNamedInt(c: DieCursor): boolean {
  if (!c.str(DW_AT.DW_AT_name) || c.strEnd - c.strStart !== 3) return false;
  const b = c.strBytes;
  const s = c.strStart;
  return b[s] === 0x69 && b[s + 1] === 0x6e && b[s + 2] === 0x74;
}

/**
 * Element count of the DW_TAG_subrange_type (or DW_TAG_enumeration_type used as an index) under the cursor:
 * DW_AT_count, else upper - lower + 1. Flexible and variable-length arrays (no bound, or a bound that is an
 * expression or a reference) have 0 elements; so do gcc's old `upper_bound = -1` flexible arrays.
 */
export function subrangeCount(c: DieCursor): number {
  const ci = c.indexOf(DW_AT.DW_AT_count);
  if (ci >= 0) {
    if (c.decodeAt(ci) !== FormClass.CONSTANT) return 0;
    return clampCount(c.numValue);
  }
  const ui = c.indexOf(DW_AT.DW_AT_upper_bound);
  if (ui < 0) return 0;
  if (c.decodeAt(ui) !== FormClass.CONSTANT) return 0;
  const upper = boundValue(c, DW_AT.DW_AT_upper_bound);
  const lower = c.has(DW_AT.DW_AT_lower_bound) ? boundValue(c, DW_AT.DW_AT_lower_bound) : 0;
  return clampCount(upper - lower + 1);
}

/**
 * A bound as compilers write it: `DW_FORM_sdata` is signed, data forms and udata are unsigned (gcc writes 255 as
 * data1 0xff) — except an all-ones data4/data8, which old gcc writes as the -1 upper bound of a flexible array.
 */
function boundValue(c: DieCursor, at: number): number {
  const form = c.attrForm(at);
  if (form === DW_FORM.DW_FORM_sdata) return c.signed(at) ?? 0;
  const v = c.unsigned(at) ?? 0;
  if ((form === DW_FORM.DW_FORM_data4 && v === 0xffffffff) || (form === DW_FORM.DW_FORM_data8 && v >= 2 ** 64 - 4096))
    return -1;
  return v;
}

function clampCount(n: number): number {
  return n > 0 && n <= 0xffffffff ? n : 0;
}

/** Output of `memberLocation`. */
export interface MemberLocation {
  /** Bit offset of the member from the start of its struct. */
  bitOffset: number;
  /** Bitfield width, 0 for a plain member. */
  bitSize: number;
}

/**
 * Bit offset and bitfield size of the DW_TAG_member under the cursor, for both DWARF bitfield encodings:
 * DWARF 4+ `DW_AT_data_bit_offset` (from the start of the struct), and DWARF 2/3 `DW_AT_bit_offset` (counted from
 * the most significant bit of a storage unit of `DW_AT_byte_size` bytes at `DW_AT_data_member_location`).
 * `typeSize` gives the storage unit size when the member has no DW_AT_byte_size.
 */
export function memberLocation(
  c: DieCursor,
  little: boolean,
  typeSize: (c: DieCursor) => number,
  out: MemberLocation,
): MemberLocation {
  const bitSize = c.unsigned(DW_AT.DW_AT_bit_size) ?? 0;
  const dbo = c.unsigned(DW_AT.DW_AT_data_bit_offset);
  out.bitSize = bitSize;
  if (dbo !== undefined) {
    out.bitOffset = dbo;
    return out;
  }
  const byteOffset = dataMemberLocation(c);
  const bo = bitSize > 0 ? c.unsigned(DW_AT.DW_AT_bit_offset) : undefined;
  if (bo === undefined) {
    out.bitOffset = byteOffset * 8;
    return out;
  }
  const unitBytes = c.unsigned(DW_AT.DW_AT_byte_size) ?? typeSize(c);
  // DW_AT_bit_offset counts from the storage unit's most significant bit; on a little-endian machine that is the
  // far end of the unit. It can be negative (sdata) when a bitfield straddles the unit gcc picked.
  const boSigned = c.signed(DW_AT.DW_AT_bit_offset) ?? bo;
  out.bitOffset = little ? byteOffset * 8 + unitBytes * 8 - boSigned - bitSize : byteOffset * 8 + boSigned;
  return out;
}

/** DW_AT_data_member_location: a constant, or a DWARF 2 expression `DW_OP_plus_uconst N` (or `DW_OP_constu N`). */
function dataMemberLocation(c: DieCursor): number {
  const i = c.indexOf(DW_AT.DW_AT_data_member_location);
  if (i < 0) return 0;
  const cls = c.decodeAt(i);
  if (cls === FormClass.CONSTANT) return c.numValue;
  if (cls === FormClass.BLOCK || cls === FormClass.EXPRLOC) {
    const b = c.blockBytes;
    let p = c.blockStart;
    const end = c.blockEnd;
    if (p >= end) return 0;
    const op = b[p++]!;
    if (op !== DW_OP.DW_OP_plus_uconst && op !== DW_OP.DW_OP_constu) return 0;
    return readUleb(b, p, end); // a truncated number gives the bits that are there
  }
  return 0;
}

/**
 * The DW_AT_const_value of the enumerator under the cursor as two 32-bit halves (`out[0]` low, `out[1]` high).
 * `DW_FORM_sdata` is signed; data1-8 and udata are unsigned (gcc writes 128 as data1 0x80 even in an enum of
 * type int, and negative values as sdata), unless `signedData` (the enum's underlying type is signed and the
 * producer is known to write signed values in data forms). Returns true when the value is negative.
 */
export function enumeratorValue(c: DieCursor, signedData: boolean, out: Uint32Array): boolean {
  const form = c.attrForm(DW_AT.DW_AT_const_value);
  if (form === 0) {
    out[0] = 0;
    out[1] = 0;
    return false;
  }
  if (
    form === DW_FORM.DW_FORM_data8 ||
    form === DW_FORM.DW_FORM_data16 ||
    form === DW_FORM.DW_FORM_udata ||
    form === DW_FORM.DW_FORM_sdata ||
    form === DW_FORM.DW_FORM_block1 ||
    form === DW_FORM.DW_FORM_block
  ) {
    const signed = form === DW_FORM.DW_FORM_sdata || (signedData && form !== DW_FORM.DW_FORM_udata);
    const v = signed ? c.bigSigned(DW_AT.DW_AT_const_value)! : c.bigUnsigned(DW_AT.DW_AT_const_value)!;
    const u = BigInt.asUintN(64, v);
    out[0] = Number(u & 0xffffffffn);
    out[1] = Number(u >> 32n);
    return v < 0n;
  }
  const v = signedData ? c.signed(DW_AT.DW_AT_const_value)! : c.unsigned(DW_AT.DW_AT_const_value)!;
  out[0] = v >>> 0;
  out[1] = Math.floor(v / 0x1_0000_0000) >>> 0;
  return v < 0;
}
