/**
 * Which units of a file are converted: compile, partial and type units, minus those of excluded languages. A
 * module of its own, for the encode workers, which select the same units as they go.
 */
import { DW_TAG, langName } from "../dwarf/constants.js";
import type { DwarfFile } from "../dwarf/dwarf-file.js";
import type { UnitHeader } from "../dwarf/unit.js";

/** Normalise a language name as given on the command line to the DWARF spelling without `DW_LANG_`, lowercase. */
export function normalizeLanguage(name: string): string {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/^dw_lang_/, "");
  return n.replace(/\+\+/g, "_plus_plus").replace(/^c_plus_plus(\d+)$/, "c_plus_plus_$1");
}

function unitLanguage(u: UnitHeader): string {
  return langName(u.language)
    .replace(/^DW_LANG_/, "")
    .toLowerCase();
}

/** Whether a unit is to be converted (see selectUnits). */
export function unitSelector(
  langExclude: readonly string[] = [],
  langInclude?: readonly string[],
): (unit: UnitHeader) => boolean {
  const exclude = new Set(langExclude.map(normalizeLanguage));
  const include = langInclude === undefined ? undefined : new Set(langInclude.map(normalizeLanguage));
  // Type units (DWARF 4 .debug_types, DWARF 5 DW_UT_type) are converted like CUs; the merge links the
  // references other units make to them by signature.
  return (unit) => {
    const isCu =
      unit.rootTag === DW_TAG.DW_TAG_compile_unit ||
      unit.rootTag === DW_TAG.DW_TAG_partial_unit ||
      unit.rootTag === DW_TAG.DW_TAG_type_unit;
    const lang = unitLanguage(unit);
    return isCu && !exclude.has(lang) && (include === undefined || include.has(lang));
  };
}

/** The units to convert (compile, partial and type units, minus excluded languages), in unit order. */
export function selectUnits(
  dwarf: DwarfFile,
  langExclude: readonly string[] = [],
  langInclude?: readonly string[],
): { units: UnitHeader[]; skipped: number } {
  const want = unitSelector(langExclude, langInclude);
  const units: UnitHeader[] = [];
  let skipped = 0;
  for (const unit of dwarf.allUnits()) {
    if (want(unit)) units.push(unit);
    else skipped++;
  }
  return { units, skipped };
}
