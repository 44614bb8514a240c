import { DW_FORM } from "./constants.js";

/** The class of values a form encodes (DWARF 5 section 7.5.5, table 7.5.6). */
export const FormClass = {
  UNKNOWN: 0,
  ADDRESS: 1,
  BLOCK: 2,
  CONSTANT: 3,
  EXPRLOC: 4,
  FLAG: 5,
  /** An offset into another section (lineptr, loclist, rnglist, macptr, …). */
  SEC_OFFSET: 6,
  REFERENCE: 7,
  STRING: 8,
  /** An index into `.debug_loclists`/`.debug_rnglists` offsets. */
  LIST_INDEX: 9,
  /** `DW_FORM_indirect`: the form is in the data. */
  INDIRECT: 10,
} as const;
export type FormClass = (typeof FormClass)[keyof typeof FormClass];

/**
 * How many bytes a form's value takes: a fixed count (≥ 0), or one of these, which depend on the unit or the data.
 * `formSize` resolves the unit-dependent ones; the rest are read from the data.
 */
export const FormSize = {
  /** The unit's address size (`DW_FORM_addr`). */
  ADDRESS: -1,
  /** 4 or 8, with the unit's 32- or 64-bit DWARF format (section offsets). */
  OFFSET: -2,
  /** `DW_FORM_ref_addr`: the address size in DWARF 2, the offset size later. */
  REF_ADDR: -3,
  /** A LEB128 number. */
  LEB128: -4,
  /** A NUL-terminated string. */
  STRING: -5,
  /** A length (1, 2 or 4 bytes, or a ULEB128), then that many bytes. */
  BLOCK1: -6,
  BLOCK2: -7,
  BLOCK4: -8,
  BLOCK_LEB128: -9,
  /** `DW_FORM_indirect`: a ULEB128 form, then a value of that form. */
  INDIRECT: -10,
} as const;

const F = DW_FORM;
const C = FormClass;
const Z = FormSize;

/**
 * Every form btfkit decodes, once: its class and its size (DWARF 5 §7.5.6, table 7.6; the GNU forms as libdw reads
 * them). The abbreviation parser, the DIE cursor's generic path and `formSize` are derived from it; the DIE cursor's
 * hot switches spell the same sizes with `case` names and are checked against it in test/dwarf.
 */
export const FORMS: ReadonlyArray<readonly [form: number, cls: FormClass, size: number]> = [
  [F.DW_FORM_addr, C.ADDRESS, Z.ADDRESS],
  [F.DW_FORM_addrx, C.ADDRESS, Z.LEB128],
  [F.DW_FORM_addrx1, C.ADDRESS, 1],
  [F.DW_FORM_addrx2, C.ADDRESS, 2],
  [F.DW_FORM_addrx3, C.ADDRESS, 3],
  [F.DW_FORM_addrx4, C.ADDRESS, 4],
  [F.DW_FORM_GNU_addr_index, C.ADDRESS, Z.LEB128],
  [F.DW_FORM_block, C.BLOCK, Z.BLOCK_LEB128],
  [F.DW_FORM_block1, C.BLOCK, Z.BLOCK1],
  [F.DW_FORM_block2, C.BLOCK, Z.BLOCK2],
  [F.DW_FORM_block4, C.BLOCK, Z.BLOCK4],
  [F.DW_FORM_data1, C.CONSTANT, 1],
  [F.DW_FORM_data2, C.CONSTANT, 2],
  [F.DW_FORM_data4, C.CONSTANT, 4],
  [F.DW_FORM_data8, C.CONSTANT, 8],
  [F.DW_FORM_data16, C.CONSTANT, 16],
  [F.DW_FORM_sdata, C.CONSTANT, Z.LEB128],
  [F.DW_FORM_udata, C.CONSTANT, Z.LEB128],
  // The value sits in the abbreviation, not in the DIE.
  [F.DW_FORM_implicit_const, C.CONSTANT, 0],
  [F.DW_FORM_exprloc, C.EXPRLOC, Z.BLOCK_LEB128],
  [F.DW_FORM_flag, C.FLAG, 1],
  [F.DW_FORM_flag_present, C.FLAG, 0],
  [F.DW_FORM_sec_offset, C.SEC_OFFSET, Z.OFFSET],
  [F.DW_FORM_loclistx, C.LIST_INDEX, Z.LEB128],
  [F.DW_FORM_rnglistx, C.LIST_INDEX, Z.LEB128],
  [F.DW_FORM_ref1, C.REFERENCE, 1],
  [F.DW_FORM_ref2, C.REFERENCE, 2],
  [F.DW_FORM_ref4, C.REFERENCE, 4],
  [F.DW_FORM_ref8, C.REFERENCE, 8],
  [F.DW_FORM_ref_udata, C.REFERENCE, Z.LEB128],
  [F.DW_FORM_ref_addr, C.REFERENCE, Z.REF_ADDR],
  [F.DW_FORM_ref_sig8, C.REFERENCE, 8],
  [F.DW_FORM_ref_sup4, C.REFERENCE, 4],
  [F.DW_FORM_ref_sup8, C.REFERENCE, 8],
  [F.DW_FORM_GNU_ref_alt, C.REFERENCE, Z.OFFSET],
  [F.DW_FORM_string, C.STRING, Z.STRING],
  [F.DW_FORM_strp, C.STRING, Z.OFFSET],
  [F.DW_FORM_line_strp, C.STRING, Z.OFFSET],
  [F.DW_FORM_strp_sup, C.STRING, Z.OFFSET],
  [F.DW_FORM_strx, C.STRING, Z.LEB128],
  [F.DW_FORM_strx1, C.STRING, 1],
  [F.DW_FORM_strx2, C.STRING, 2],
  [F.DW_FORM_strx3, C.STRING, 3],
  [F.DW_FORM_strx4, C.STRING, 4],
  [F.DW_FORM_GNU_str_index, C.STRING, Z.LEB128],
  [F.DW_FORM_GNU_strp_alt, C.STRING, Z.OFFSET],
  [F.DW_FORM_indirect, C.INDIRECT, Z.INDIRECT],
];

const CLASS = new Map<number, FormClass>(FORMS.map(([form, cls]) => [form, cls]));
const SIZE = new Map<number, number>(FORMS.map(([form, , size]) => [form, size]));

/**
 * Bytes a value of `form` takes in a unit with these sizes when that does not depend on the data; -1 when it does
 * (LEB128s, strings, blocks, indirect) or the form is unknown.
 */
export function formSize(form: number, addrSize: number, offsetSize: number, refAddrSize: number): number {
  const size = SIZE.get(form);
  if (size === undefined) return -1;
  if (size >= 0) return size;
  switch (size) {
    case Z.ADDRESS:
      return addrSize;
    case Z.OFFSET:
      return offsetSize;
    case Z.REF_ADDR:
      return refAddrSize;
    default:
      return -1;
  }
}

/** The size class of `form` (a byte count ≥ 0 or a `FormSize`), undefined for a form btfkit cannot decode. */
export function formSizeKind(form: number): number | undefined {
  return SIZE.get(form);
}

/** Dense table for the standard forms (0x00-0x2c): the hot path does not go through a Map. */
const DENSE = new Uint8Array(0x30);
for (const [f, c] of CLASS) if (f < DENSE.length) DENSE[f] = c;

/** The class of `form`, UNKNOWN for a form btfkit cannot decode (and so cannot skip). */
export function formClass(form: number): FormClass {
  return (form < 0x30 ? DENSE[form]! : (CLASS.get(form) ?? FormClass.UNKNOWN)) as FormClass;
}

export function isKnownForm(form: number): boolean {
  return CLASS.has(form);
}
