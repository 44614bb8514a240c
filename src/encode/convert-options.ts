/** The converter options that follow from the encode features (shared by the main thread and the workers). */
import type { DwarfFile } from "../dwarf/dwarf-file.js";
import { readSymbols } from "../elf/symbols.js";
import type { EncodeFeatures } from "./features.js";
import { functionMatchNames, type FunctionNameMatcher } from "./functions.js";

/** What the converters are told, from the features (the worker threads compute the same). */
export function converterOptions(
  dwarf: DwarfFile,
  features: EncodeFeatures,
): { features: EncodeFeatures; functionNames: FunctionNameMatcher; analyzeParams: boolean } {
  return {
    features,
    functionNames: functionMatchNames(readSymbols(dwarf.elf), features.compat, features.optimizedFunc),
    analyzeParams: features.compat !== "1.24",
  };
}
