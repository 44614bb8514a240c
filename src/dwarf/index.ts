/**
 * The DWARF reader. Entry point: `DwarfFile.open(path)` → `units()` → `cursor(unit)` → `next()` / `attr…()` /
 * `skipChildren()`; `dieAt(ref)` for references. Constants with spec names are in `constants.ts`.
 */
export * from "./constants.js";
export * from "./offsets.js";
export { FormClass, formClass } from "./forms.js";
export { AbbrevTable, parseAbbrevTable } from "./abbrev.js";
export { UnitHeader, parseUnitHeader } from "./unit.js";
export { DieCursor, type AttrValue } from "./die-cursor.js";
export { DwarfFile, type DwarfOpenOptions } from "./dwarf-file.js";
export { collectDwarfStats, type DwarfStats } from "./stats.js";
