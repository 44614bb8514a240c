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
 * function table of the file, built by another thread; with it, the symbol table is not read for 1.30's rules. As a
 * function it is asked for when the converter first matches a name (a worker converts while the table is on its way).
 */
export function converterOptions(
  dwarf: DwarfFile,
  features: EncodeFeatures,
  table130?: Pahole130FunctionTable | (() => Pahole130FunctionTable),
): { features: EncodeFeatures; functionNames: FunctionNameMatcher; analyzeParams: boolean } {
  const shared = table130 !== undefined && features.compat === "1.30";
  let functionNames: FunctionNameMatcher;
  if (shared && typeof table130 === "function") {
    let names: FunctionNameMatcher | undefined;
    functionNames = {
      has: (name) => (names ??= functionMatchNames(undefined, "1.30", features.optimizedFunc, table130())).has(name),
    };
  } else {
    functionNames = functionMatchNames(
      shared ? undefined : fileSymbols(dwarf.elf),
      features.compat,
      features.optimizedFunc,
      typeof table130 === "function" ? undefined : table130,
    );
  }
  return { features, functionNames, analyzeParams: features.compat !== "1.24" };
}
