/** The converter options that follow from the encode features (shared by the main thread and the workers). */
import type { DwarfFile } from "../dwarf/dwarf-file.js";
import type { ElfFile } from "../elf/elf-file.js";
import { readSymbols, type SymbolTable } from "../elf/symbols.js";
import type { EncodeFeatures } from "./features.js";
import { functionMatchNames, type FunctionNameMatcher, type Pahole130FunctionTable } from "./functions.js";

const symbolTables = new WeakMap<ElfFile, SymbolTable | undefined>();

/** `readSymbols(elf)`, read once per open file: the converter's options and the function selection both need it. */
export function fileSymbols(elf: ElfFile): SymbolTable | undefined {
  if (symbolTables.has(elf)) return symbolTables.get(elf);
  const t = readSymbols(elf);
  symbolTables.set(elf, t);
  return t;
}

/**
 * What the converters are told, from the features (the worker threads compute the same). `table130`: pahole 1.30's
 * function table of the file, built by another thread; with it, the symbol table is not read for 1.30's rules.
 */
export function converterOptions(
  dwarf: DwarfFile,
  features: EncodeFeatures,
  table130?: Pahole130FunctionTable,
): { features: EncodeFeatures; functionNames: FunctionNameMatcher; analyzeParams: boolean } {
  const symtab = table130 !== undefined && features.compat === "1.30" ? undefined : fileSymbols(dwarf.elf);
  return {
    features,
    functionNames: functionMatchNames(symtab, features.compat, features.optimizedFunc, table130),
    analyzeParams: features.compat !== "1.24",
  };
}
