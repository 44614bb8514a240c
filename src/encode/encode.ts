/**
 * The whole DWARF → BTF pipeline for one ELF file: select the compile units (by language), convert each one on its
 * own (convert-cu.ts), concatenate the per-CU tables in unit order (merge.ts), add the functions and variables
 * pahole would add (functions.ts, variables.ts), and deduplicate. Because each CU is converted without shared
 * state and the results are merged in unit order, the output does not depend on how the CUs were scheduled.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { Btf } from "../btf/btf.js";
import { BtfkitError, ErrorCode, isBtfkitError } from "../common/errors.js";
import { dedupBtf } from "../dedup/dedup.js";
import { readSymbols } from "../elf/symbols.js";
import { DW_TAG, langName } from "../dwarf/constants.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import { DieSpace, makeDieRef } from "../dwarf/offsets.js";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { unpackCuBtf } from "../dwarf/btf/cu-transfer.js";
import type { WorkerJob, WorkerMessage } from "./encode-worker.js";
import type { UnitHeader } from "../dwarf/unit.js";
import { type CuBtf, CuConverter } from "../dwarf/btf/convert-cu.js";
import { defaultFeatures, type EncodeFeatures } from "../dwarf/btf/features.js";
import { emitFunction, type FuncCandidate, functionSymbolNames, selectFunctions, typeSignature } from "../dwarf/btf/functions.js";
import { BtfMerger } from "../dwarf/btf/merge.js";
import { emitVariables, ObjectSymbols, type VarCandidate } from "../dwarf/btf/variables.js";

export interface EncodeOptions {
  features?: EncodeFeatures;
  /** Base BTF (vmlinux) for a module: the output is split BTF deduplicated against it. */
  base?: Btf;
  /** Deduplicate the result (default true). */
  dedup?: boolean;
  /** Languages whose CUs are skipped, by DWARF name without `DW_LANG_` (`rust`, `c_plus_plus`, `c++`, `mips_assembler`). */
  langExclude?: readonly string[];
  /** Called after each CU with the fraction of `.debug_info` done (0..1). */
  onProgress?: (fraction: number) => void;
}

export const EncodeStatsSchema = Type.Object(
  {
    file: Type.String({ description: "the input ELF file" }),
    cus: Type.Integer({ description: "compile units converted" }),
    cusSkipped: Type.Integer({ description: "units skipped: excluded languages, type units, empty units" }),
    dies: Type.Integer({ description: "DIEs walked in the converted units" }),
    typesBeforeDedup: Type.Integer({ description: "own types after merging all CUs and adding functions and variables" }),
    typesAfterDedup: Type.Integer({ description: "own types in the output (equal to typesBeforeDedup with --no-dedup)" }),
    functions: Type.Integer({ description: "FUNCs emitted" }),
    functionsInconsistent: Type.Integer({ description: "function names dropped because their prototypes differ between CUs" }),
    variables: Type.Integer({ description: "VARs emitted" }),
    externalRefs: Type.Integer({ description: "references to DIEs of other units that could not be linked (LTO ref_addr), encoded as void" }),
    sanitizedInts: Type.Integer({ description: "base types of a size BTF cannot hold, encoded as __SANITIZED_FAKE_INT__" }),
    bytes: Type.Optional(Type.Integer({ description: "size of the written raw BTF" })),
    ms: Type.Number({ description: "wall time of the conversion (and dedup) in milliseconds" }),
  },
  { $id: "btfkit/encode-stats", additionalProperties: false },
);
export type EncodeStats = Static<typeof EncodeStatsSchema>;

export interface EncodeResult {
  btf: Btf;
  stats: EncodeStats;
}

/** Normalise a language name as given on the command line to the DWARF spelling without `DW_LANG_`, lowercase. */
export function normalizeLanguage(name: string): string {
  const n = name.trim().toLowerCase().replace(/^dw_lang_/, "");
  return n.replace(/\+\+/g, "_plus_plus").replace(/^c_plus_plus(\d+)$/, "c_plus_plus_$1");
}

function unitLanguage(u: UnitHeader): string {
  return langName(u.language).replace(/^DW_LANG_/, "").toLowerCase();
}

/** Convert the DWARF of the ELF file at `path` to BTF. */
export function encodeFile(path: string, opts: EncodeOptions = {}): EncodeResult {
  const dwarf = DwarfFile.open(path);
  try {
    return encodeDwarf(dwarf, opts);
  } finally {
    dwarf.close();
  }
}

/** The units to convert (compile, partial and type units, minus excluded languages), in unit order. */
export function selectUnits(dwarf: DwarfFile, langExclude: readonly string[] = []): { units: UnitHeader[]; skipped: number } {
  const exclude = new Set(langExclude.map(normalizeLanguage));
  const units: UnitHeader[] = [];
  let skipped = 0;
  // Type units (DWARF 4 .debug_types, DWARF 5 DW_UT_type) are converted like CUs; the merge links the
  // references other units make to them by signature.
  for (const unit of dwarf.allUnits()) {
    const isCu = unit.rootTag === DW_TAG.DW_TAG_compile_unit || unit.rootTag === DW_TAG.DW_TAG_partial_unit || unit.rootTag === DW_TAG.DW_TAG_type_unit;
    if (!isCu || exclude.has(unitLanguage(unit))) skipped++;
    else units.push(unit);
  }
  return { units, skipped };
}

function checkDwarf(dwarf: DwarfFile): void {
  if (!dwarf.hasDebugInfo) {
    throw new BtfkitError(ErrorCode.NOT_FOUND, "no .debug_info section (build with -g)", { file: dwarf.path });
  }
}

/** Convert an open DwarfFile to BTF, one unit after the other. */
export function encodeDwarf(dwarf: DwarfFile, opts: EncodeOptions = {}): EncodeResult {
  const t0 = performance.now();
  const features = opts.features ?? defaultFeatures();
  checkDwarf(dwarf);
  const functionNames = functionSymbolNames(readSymbols(dwarf.elf), features.optimizedFunc);
  const converter = new CuConverter(dwarf, { features, functionNames });
  const { units, skipped } = selectUnits(dwarf, opts.langExclude);
  const infoLen = Math.max(1, dwarf.info.length);
  const cus: CuBtf[] = [];
  for (const unit of units) {
    try {
      cus.push(converter.convert(unit));
    } catch (e) {
      throw isBtfkitError(e) ? e.withLocation({ file: dwarf.path, section: unit.section, offset: unit.offset }) : e;
    }
    if (unit.space === DieSpace.INFO) opts.onProgress?.(unit.end / infoLen);
  }
  return finishEncode(dwarf, cus, skipped, features, opts, t0);
}

/**
 * Convert the DWARF of the ELF file at `path` with `jobs` worker threads (each converts every jobs-th unit). The
 * result is the same as `encodeFile`'s, byte for byte: units are merged in unit order whatever finished first.
 */
export async function encodeFileParallel(path: string, opts: EncodeOptions & { jobs: number }): Promise<EncodeResult> {
  if (opts.jobs <= 1) return encodeFile(path, opts);
  const t0 = performance.now();
  const features = opts.features ?? defaultFeatures();
  const dwarf = DwarfFile.open(path);
  try {
    checkDwarf(dwarf);
    const { units, skipped } = selectUnits(dwarf, opts.langExclude);
    const results: (CuBtf | undefined)[] = new Array<CuBtf | undefined>(units.length);
    const jobs = Math.min(opts.jobs, Math.max(1, units.length));
    let done = 0;
    await Promise.all(Array.from({ length: jobs }, (_, w) => new Promise<void>((resolve, reject) => {
      const mine = units.map((u, index) => ({ ref: makeDieRef(u.space, u.offset) as number, index })).filter((_, i) => i % jobs === w);
      const job: WorkerJob = { path, features, units: mine };
      const worker = new Worker(workerUrl(), { workerData: job });
      let finished = false;
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "cu") {
          results[m.index] = unpackCuBtf(m.cu);
          opts.onProgress?.(++done / units.length);
        } else if (m.type === "done") {
          finished = true;
          resolve();
        } else {
          finished = true;
          reject(new BtfkitError((m.code as ErrorCode | undefined) ?? ErrorCode.CORRUPT, m.reason, { file: path, section: m.section, offset: m.offset }));
        }
      });
      worker.on("error", reject);
      worker.on("exit", (code) => {
        if (!finished) reject(new BtfkitError(ErrorCode.IO, `encode worker exited with code ${code}`, { file: path }));
      });
    })));
    return finishEncode(dwarf, results.map((r) => r!), skipped, features, opts, t0);
  } finally {
    dwarf.close();
  }
}

/** The worker script: next to this module when built; the built copy when running from the TypeScript sources. */
function workerUrl(): URL {
  const here = new URL("./encode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(here.href.replace("/src/encode/", "/dist/encode/"));
}

/** Merge converted units in unit order, add functions and variables, deduplicate. */
function finishEncode(dwarf: DwarfFile, cus: readonly CuBtf[], skipped: number, features: EncodeFeatures, opts: EncodeOptions, t0: number): EncodeResult {
  const symtab = readSymbols(dwarf.elf);
  const merger = new BtfMerger(opts.base);
  const funcs: FuncCandidate[][] = [];
  const vars: VarCandidate[][] = [];
  let dies = 0;
  let sanitizedInts = 0;
  for (const cu of cus) {
    merger.add(cu);
    funcs.push(cu.functions);
    vars.push(cu.variables);
    dies += cu.dies;
    sanitizedInts += cu.sanitizedInts;
  }
  const out = merger.finish();
  const { chosen, stats: fstats } = selectFunctions(funcs, features.consistentFunc, (f, cu) => {
    let s = typeSignature(out, merger.mapType(cu, f.retType));
    for (let k = 1; k < f.params.length; k += 2) s += ", " + typeSignature(out, merger.mapType(cu, f.params[k]!));
    return s;
  });
  for (const { cand, cu } of chosen) {
    emitFunction(out, cand, (id) => merger.mapType(cu, id), (off) => merger.mapStr(cu, off), features.declTag);
  }
  let variables = 0;
  if (features.var) {
    const syms = new ObjectSymbols(dwarf.elf, symtab, features.globalVar);
    variables = emitVariables(out, vars, syms, (cu, id) => merger.mapType(cu, id), (cu, off) => merger.mapStr(cu, off), features.declTag).emitted;
  }
  const typesBefore = out.count;
  const btf = opts.dedup === false ? out : dedupBtf(out).btf;
  return {
    btf,
    stats: {
      file: dwarf.path, cus: cus.length, cusSkipped: skipped, dies, typesBeforeDedup: typesBefore, typesAfterDedup: btf.count,
      functions: fstats.emitted, functionsInconsistent: fstats.inconsistent, variables, externalRefs: merger.unresolved, sanitizedInts,
      ms: performance.now() - t0,
    },
  };
}
