/**
 * The convert stage's entry: one converter for a file's units that hands each unit to the lowering of its language,
 * chosen by DW_AT_language only (never by names): Rust units to rust/convert.ts, every other unit to the C lowering
 * (c-unit.ts). Both produce the same per-unit result (unit-result.ts).
 */
import { DW_LANG } from "../dwarf/constants.js";
import type { DwarfFile } from "../dwarf/dwarf-file.js";
import type { UnitHeader } from "../dwarf/unit.js";
import { CUnitConverter } from "./c/convert-unit.js";
import { RustCuConverter } from "./rust/convert.js";
import type { ConvertOptions, CuBtf } from "./cu-btf.js";

export { ARRAY_INDEX_TYPE_NAME, SANITIZED_INT_NAME } from "./c/convert-unit.js";
export { type ConvertFeatures, type ConvertOptions, type CuBtf, EXTERNAL_REF, STR_REF } from "./cu-btf.js";

export class CuConverter {
  private c: CUnitConverter | undefined;
  private rust: RustCuConverter | undefined;

  constructor(
    private readonly file: DwarfFile,
    private readonly opts: ConvertOptions,
  ) {}

  convert(unit: UnitHeader): CuBtf {
    if (unit.language === DW_LANG.DW_LANG_Rust)
      return (this.rust ??= new RustCuConverter(this.file, this.opts)).convert(unit);
    return (this.c ??= new CUnitConverter(this.file, this.opts)).convert(unit);
  }
}
