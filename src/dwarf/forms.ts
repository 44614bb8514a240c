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

const F = DW_FORM;
const CLASS = new Map<number, FormClass>([
  [F.DW_FORM_addr, FormClass.ADDRESS], [F.DW_FORM_addrx, FormClass.ADDRESS], [F.DW_FORM_addrx1, FormClass.ADDRESS],
  [F.DW_FORM_addrx2, FormClass.ADDRESS], [F.DW_FORM_addrx3, FormClass.ADDRESS], [F.DW_FORM_addrx4, FormClass.ADDRESS],
  [F.DW_FORM_GNU_addr_index, FormClass.ADDRESS],
  [F.DW_FORM_block, FormClass.BLOCK], [F.DW_FORM_block1, FormClass.BLOCK], [F.DW_FORM_block2, FormClass.BLOCK],
  [F.DW_FORM_block4, FormClass.BLOCK],
  [F.DW_FORM_data1, FormClass.CONSTANT], [F.DW_FORM_data2, FormClass.CONSTANT], [F.DW_FORM_data4, FormClass.CONSTANT],
  [F.DW_FORM_data8, FormClass.CONSTANT], [F.DW_FORM_data16, FormClass.CONSTANT], [F.DW_FORM_sdata, FormClass.CONSTANT],
  [F.DW_FORM_udata, FormClass.CONSTANT], [F.DW_FORM_implicit_const, FormClass.CONSTANT],
  [F.DW_FORM_exprloc, FormClass.EXPRLOC],
  [F.DW_FORM_flag, FormClass.FLAG], [F.DW_FORM_flag_present, FormClass.FLAG],
  [F.DW_FORM_sec_offset, FormClass.SEC_OFFSET],
  [F.DW_FORM_loclistx, FormClass.LIST_INDEX], [F.DW_FORM_rnglistx, FormClass.LIST_INDEX],
  [F.DW_FORM_ref1, FormClass.REFERENCE], [F.DW_FORM_ref2, FormClass.REFERENCE], [F.DW_FORM_ref4, FormClass.REFERENCE],
  [F.DW_FORM_ref8, FormClass.REFERENCE], [F.DW_FORM_ref_udata, FormClass.REFERENCE], [F.DW_FORM_ref_addr, FormClass.REFERENCE],
  [F.DW_FORM_ref_sig8, FormClass.REFERENCE], [F.DW_FORM_ref_sup4, FormClass.REFERENCE], [F.DW_FORM_ref_sup8, FormClass.REFERENCE],
  [F.DW_FORM_GNU_ref_alt, FormClass.REFERENCE],
  [F.DW_FORM_string, FormClass.STRING], [F.DW_FORM_strp, FormClass.STRING], [F.DW_FORM_line_strp, FormClass.STRING],
  [F.DW_FORM_strp_sup, FormClass.STRING], [F.DW_FORM_strx, FormClass.STRING], [F.DW_FORM_strx1, FormClass.STRING],
  [F.DW_FORM_strx2, FormClass.STRING], [F.DW_FORM_strx3, FormClass.STRING], [F.DW_FORM_strx4, FormClass.STRING],
  [F.DW_FORM_GNU_str_index, FormClass.STRING], [F.DW_FORM_GNU_strp_alt, FormClass.STRING],
  [F.DW_FORM_indirect, FormClass.INDIRECT],
]);

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
