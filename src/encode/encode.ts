/**
 * The whole DWARF → BTF pipeline for one ELF file: select the compile units (by language), convert each one on its
 * own (convert-cu.ts), concatenate the per-CU tables in unit order (merge.ts), add the functions and variables
 * pahole would add (functions.ts, variables.ts), and deduplicate. Because each CU is converted without shared
 * state and the results are merged in unit order, the output does not depend on how the CUs were scheduled: with
 * `jobs` (encodeFileParallel) this thread and worker threads take units from a shared counter, and this thread merges
 * the results in unit order between units of its own.
 *
 * Memory (bench/encode.mjs; Debian's 6.1 vmlinux: 2172 units, 3.4 million types before dedup; peak ~0.9x pahole's):
 * `.debug_info` is read one unit at a time (DwarfFile), each unit is merged as soon as it is converted (and every
 * unit is built in the same reused arrays), names stay in `.debug_str` until the merge interns each one once, the
 * function and variable candidates are kept as one typed-array list per unit, what the conversion no longer needs
 * is collected before the dedup starts, and the dedup takes over the merged table rather than copying it.
 */
import type { Static } from "@sinclair/typebox";
import type { EncodeStatsSchema } from "./stats-schema.js";
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, infoKflag, infoKind, infoVlen, isCompositeKind } from "../btf/kinds.js";
import { BtfkitError, ErrorCode, isBtfkitError } from "../common/errors.js";
import { dedupBtf } from "../dedup/dedup.js";
import { DW_LANG } from "../dwarf/constants.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import { DieSpace } from "../dwarf/offsets.js";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { packCuBtf, unpackCuBtf } from "../convert/cu-transfer.js";
import {
  CONTROL_FUNCTION_TABLE,
  CONTROL_NEXT,
  CONTROL_SIGNAL,
  CONTROL_WORDS,
  type WorkerJob,
  type WorkerMessage,
} from "./worker-protocol.js";
import type { UnitHeader } from "../dwarf/unit.js";
import { type CuBtf, CuConverter, EXTERNAL_REF } from "../convert/convert.js";
import { defaultFeatures, type EncodeFeatures } from "./features.js";
import { type CandidateList, F_KEY, F_PARAM_COUNT, F_PARAMS, F_RET } from "../convert/candidates.js";
import {
  emitFunction,
  looseTypesMatch,
  pahole130FunctionTable,
  selectFunctions,
  selectFunctionsPahole130,
  typeSignature,
  ambiguousFunctionNames,
} from "./functions.js";
import { readKfuncs } from "./kfuncs.js";
import { floatMemberRejected, lowerMisalignedFloats } from "./kernel-fixups.js";
import { converterOptions, fileSymbols } from "./convert-options.js";
import { selectUnits } from "./units.js";

export { normalizeLanguage, selectUnits } from "./units.js";
import { BtfMerger } from "./link.js";
import { emitVariables, ObjectSymbols } from "./variables.js";
import { mapRustMirrors } from "./rust-mirrors.js";
import { BtfStrings } from "../btf/strings.js";
import { encodeUtf8 } from "../common/text.js";

export interface EncodeOptions {
  features?: EncodeFeatures;
  /** Base BTF (vmlinux) for a module: the output is split BTF deduplicated against it. */
  base?: Btf;
  /** Deduplicate the result (default true). */
  dedup?: boolean;
  /** Languages whose CUs are skipped, by DWARF name without `DW_LANG_` (`rust`, `c_plus_plus`, `c++`, `mips_assembler`). */
  langExclude?: readonly string[];
  /** Only CUs of these languages are converted (pahole's `--lang`); same spelling as `langExclude`. */
  langInclude?: readonly string[];
  /**
   * Repair what the kernel would reject and pahole would write anyway (default true): a FLOAT member at an offset the
   * kernel refuses (a packed struct's double) points at an INT of the same size and name (kernel-fixups.ts).
   */
  kernelFixups?: boolean;
  /** Called after each CU with the fraction of `.debug_info` done (0..1). */
  onProgress?: (fraction: number) => void;
}

// The schema is a value of its own module: typebox takes as long to load as the whole encoder, and btfkit-pahole,
// run once per kernel module, never prints JSON.
export type EncodeStats = Static<typeof EncodeStatsSchema>;

export interface EncodeResult {
  btf: Btf;
  stats: EncodeStats;
  /** Types the conversion dropped or changed with a loss, each naming the type (Rust units), in unit order. */
  warnings?: string[];
}

/** Convert the DWARF of the ELF file at `path` to BTF. */
export function encodeFile(path: string, opts: EncodeOptions = {}): EncodeResult {
  const t0 = performance.now();
  let dwarf: DwarfFile | undefined = DwarfFile.open(path);
  let merged: Merged;
  try {
    merged = convertAll(dwarf, opts);
  } finally {
    dwarf.close();
  }
  // The DWARF sections (the largest part of the input) are no longer referenced while the dedup runs.
  dwarf = undefined;
  if (merged.stats.typesBeforeDedup >= GC_BEFORE_DEDUP_TYPES) collectGarbage();
  return dedupMerged(merged, opts, t0);
}

function checkDwarf(dwarf: DwarfFile): void {
  if (!dwarf.hasDebugInfo) {
    throw new BtfkitError(ErrorCode.NOT_FOUND, "no .debug_info section (build with -g)", { file: dwarf.path });
  }
}

/** Convert an open DwarfFile to BTF, one unit after the other. */
export function encodeDwarf(dwarf: DwarfFile, opts: EncodeOptions = {}): EncodeResult {
  const t0 = performance.now();
  return dedupMerged(convertAll(dwarf, opts), opts, t0);
}

/** Convert every selected unit, merging each as soon as it is converted (no unit's table outlives its merge). */
function convertAll(dwarf: DwarfFile, opts: EncodeOptions): Merged {
  const features = opts.features ?? defaultFeatures();
  checkDwarf(dwarf);
  const converter = new CuConverter(dwarf, {
    ...converterOptions(dwarf, features),
    debugStrRefs: true,
    reuseTables: true,
  });
  const { units, skipped } = selectUnits(dwarf, opts.langExclude, opts.langInclude);
  const infoLen = Math.max(1, dwarf.infoSize);
  const acc = new MergeAccumulator(dwarf, opts);
  for (const unit of units) {
    try {
      acc.add(converter.convert(unit));
    } catch (e) {
      throw isBtfkitError(e) ? e.withLocation({ file: dwarf.path, section: unit.section, offset: unit.offset }) : e;
    }
    if (unit.space === DieSpace.INFO) opts.onProgress?.(unit.end / infoLen);
  }
  return acc.complete(dwarf, skipped, features);
}

/** Below this much `.debug_info` in the units to convert, `encodeFileParallel` converts in its own thread. */
export const MIN_PARALLEL_DEBUG_INFO = 8 << 20;

/**
 * Convert the DWARF of the ELF file at `path` in `jobs` threads: this one and `jobs - 1` workers. The result is the
 * same as `encodeFile`'s, byte for byte: units are merged in unit order whatever finished first. Inputs with fewer
 * than two units or under `minParallelBytes` of them (default MIN_PARALLEL_DEBUG_INFO) are converted in this thread.
 *
 * Each thread takes the next unit from a shared counter, so the threads stay busy however the units' sizes differ.
 * This thread also merges: between two units of its own it reads the workers' results synchronously
 * (receiveMessageOnPort) and merges whatever is next in unit order, so with `jobs` threads on `jobs` cores no
 * thread waits and none competes with a merging thread. Once the counter runs out it waits for the workers. The
 * workers start before this thread lists the units (when `.debug_info` alone is large enough) and list them as
 * they go, and the table of function symbols that every converter needs (pahole 1.30's, read and sorted) is built
 * here once for all.
 */
export async function encodeFileParallel(
  path: string,
  opts: EncodeOptions & { jobs: number; minParallelBytes?: number },
): Promise<EncodeResult> {
  if (opts.jobs <= 1) return encodeFile(path, opts);
  const t0 = performance.now();
  const features = opts.features ?? defaultFeatures();
  const minBytes = opts.minParallelBytes ?? MIN_PARALLEL_DEBUG_INFO;
  let dwarf: DwarfFile | undefined = DwarfFile.open(path);
  let merged: Merged;
  let pool: WorkerPool | undefined;
  try {
    checkDwarf(dwarf);
    if (dwarf.infoSize >= minBytes) pool = startWorkers(dwarf, opts.jobs - 1, opts, features);
    const { units, skipped } = selectUnits(dwarf, opts.langExclude, opts.langInclude);
    // A worker costs Node's start-up and a module load (~0.15 s, the time to convert a few MB of DWARF): a module
    // (one unit, or a few small ones) is done sooner in this thread. The output is the same either way.
    let unitBytes = 0;
    for (const u of units) unitBytes += u.end - u.offset;
    if (units.length < 2 || unitBytes < minBytes) {
      dwarf.close();
      dwarf = undefined;
      return encodeFile(path, opts);
    }
    pool ??= startWorkers(dwarf, Math.min(opts.jobs, units.length) - 1, opts, features);
    const acc = await convertShared(dwarf, units, pool, opts, features);
    merged = acc.complete(dwarf, skipped, features);
  } finally {
    if (pool) for (const w of pool.workers) void w.terminate();
    dwarf?.close();
  }
  dwarf = undefined;
  if (merged.stats.typesBeforeDedup >= GC_BEFORE_DEDUP_TYPES) collectGarbage();
  return dedupMerged(merged, opts, t0);
}

/** Workers of `encodeFileParallel` and what this thread knows of them. */
interface WorkerPool {
  workers: Worker[];
  /** This thread's end of each worker's port. */
  ports: MessagePort[];
  control: Int32Array;
  /** Per worker: its "done" message was read. */
  finished: boolean[];
  /** Per worker: its exit code, once it exited. */
  exited: (number | undefined)[];
  /** An uncaught error of a worker. */
  failure: unknown;
}

/** Bump the signal word, waking this thread if it waits for the workers. */
function wake(control: Int32Array): void {
  Atomics.add(control, CONTROL_SIGNAL, 1);
  Atomics.notify(control, CONTROL_SIGNAL);
}

/**
 * Start `count` workers on `dwarf`'s file. They start converting while this thread lists the units; pahole 1.30's
 * function table is built here and posted to them.
 */
function startWorkers(dwarf: DwarfFile, count: number, opts: EncodeOptions, features: EncodeFeatures): WorkerPool {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  // The converter options use pahole 1.30's function table only for 1.30's rules (functionMatchNames).
  const functionTable = features.compat === "1.30";
  const pool: WorkerPool = { workers: [], ports: [], control, finished: [], exited: [], failure: undefined };
  for (let w = 0; w < count; w++) {
    const { port1, port2 } = new MessageChannel();
    const job: WorkerJob = {
      path: dwarf.path,
      features,
      ...(opts.langExclude ? { langExclude: opts.langExclude } : {}),
      ...(opts.langInclude ? { langInclude: opts.langInclude } : {}),
      control: control.buffer as SharedArrayBuffer,
      port: port2,
      debugStrRefs: true,
      functionTable,
    };
    const worker = new Worker(workerUrl(), { workerData: job, transferList: [port2] });
    pool.workers.push(worker);
    pool.ports.push(port1);
    pool.finished.push(false);
    pool.exited.push(undefined);
    worker.on("error", (e) => {
      pool.failure ??= e;
      wake(control);
    });
    worker.on("exit", (code) => {
      pool.exited[w] = code;
      wake(control);
    });
  }
  if (functionTable) {
    // While the workers start (Node, the modules, their files).
    const shared = pahole130FunctionTable(fileSymbols(dwarf.elf)).shared;
    for (const p of pool.ports) p.postMessage(shared);
    Atomics.store(control, CONTROL_FUNCTION_TABLE, 1);
    Atomics.notify(control, CONTROL_FUNCTION_TABLE);
  }
  return pool;
}

/**
 * Convert and merge `units` in this thread and `pool`'s workers (which the caller terminates), as
 * `encodeFileParallel` describes.
 */
async function convertShared(
  dwarf: DwarfFile,
  units: UnitHeader[],
  pool: WorkerPool,
  opts: EncodeOptions,
  features: EncodeFeatures,
): Promise<MergeAccumulator> {
  const path = dwarf.path;
  const n = units.length;
  const ctl = pool.control;
  const { ports, finished, exited } = pool;
  const converter = new CuConverter(dwarf, {
    ...converterOptions(dwarf, features),
    debugStrRefs: true,
    reuseTables: true,
  });
  // Results that arrived before the units ahead of them were merged.
  const results: (CuBtf | undefined)[] = new Array<CuBtf | undefined>(n);
  const acc = new MergeAccumulator(dwarf, opts);
  let nextToMerge = 0;
  const mergeReady = (): void => {
    while (nextToMerge < n && results[nextToMerge] !== undefined) {
      acc.add(results[nextToMerge]!);
      results[nextToMerge++] = undefined;
      opts.onProgress?.(nextToMerge / n);
    }
  };
  // Every message already posted (a worker's messages are queued on its port when posted, before it exits).
  const drain = (): void => {
    for (let w = 0; w < ports.length; w++) {
      for (let r = receiveMessageOnPort(ports[w]!); r !== undefined; r = receiveMessageOnPort(ports[w]!)) {
        const m = r.message as WorkerMessage;
        if (m.type === "cu") {
          // The worker selected the units itself, from the same file: the same ones.
          if (m.index >= n)
            throw new BtfkitError(ErrorCode.INTERNAL, `an encode worker converted unit ${m.index} of ${n}`, {
              file: path,
            });
          results[m.index] = unpackCuBtf(m.cu);
        } else if (m.type === "done") finished[w] = true;
        else
          throw new BtfkitError((m.code as ErrorCode | undefined) ?? ErrorCode.CORRUPT, m.reason, {
            file: path,
            section: m.section,
            offset: m.offset,
          });
      }
    }
    if (pool.failure !== undefined) throw pool.failure;
    mergeReady();
  };
  try {
    for (;;) {
      drain();
      const i = Atomics.add(ctl, CONTROL_NEXT, 1);
      if (i >= n) break;
      const unit = units[i]!;
      let cu: CuBtf;
      try {
        cu = converter.convert(unit);
      } catch (e) {
        throw isBtfkitError(e) ? e.withLocation({ file: path, section: unit.section, offset: unit.offset }) : e;
      }
      // The units before this one have usually arrived meanwhile: then this one is merged without a copy.
      drain();
      if (i === nextToMerge) {
        acc.add(cu);
        nextToMerge++;
        opts.onProgress?.(nextToMerge / n);
      } else {
        // Built in the converter's reused arrays: a copy waits for its turn.
        results[i] = unpackCuBtf(packCuBtf(cu).packed);
      }
    }
    while (nextToMerge < n) {
      const signal = Atomics.load(ctl, CONTROL_SIGNAL);
      drain();
      if (nextToMerge >= n) break;
      for (let w = 0; w < ports.length; w++) {
        if (exited[w] !== undefined && !finished[w])
          throw new BtfkitError(ErrorCode.IO, `encode worker exited with code ${exited[w]}`, { file: path });
      }
      if (finished.every((f) => f))
        throw new BtfkitError(ErrorCode.IO, `encode workers returned ${nextToMerge} of ${n} units`, { file: path });
      // Woken by a worker's next message or by its exit; the timeout only guards against a missed wake-up.
      const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(ctl, CONTROL_SIGNAL, signal, 1000);
      if (wait.async) await wait.value;
    }
  } catch (e) {
    // The workers stop after their current unit (the caller terminates them).
    Atomics.store(ctl, CONTROL_NEXT, n);
    throw e;
  } finally {
    for (const p of ports) p.close();
  }
  return acc;
}

/** `Atomics.waitAsync` (Node 16 and later; in TypeScript's ES2024 library, this project compiles with ES2022's). */
interface AtomicsWaitAsync {
  waitAsync(
    a: Int32Array,
    index: number,
    value: number,
    timeout: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Types before dedup from which `encode` collects garbage before the dedup (a vmlinux has millions, a module thousands). */
const GC_BEFORE_DEDUP_TYPES = 250_000;

/**
 * Run full garbage collections, so that what the conversion no longer needs (per-unit maps, function candidates,
 * abbreviation tables, unit buffers) is returned to the system before the dedup allocates its tables; V8 would
 * collect it only later. One collection is not enough: the buffers of dead typed arrays are freed a collection or
 * two later, so collections run until the total of live buffers stops falling (a vmlinux encode: 264, 214, 197,
 * 170 MB after the first four; peak RSS ~60 MB lower than after one). `gc` is not exposed by default; enabling the
 * flag at run time and taking `gc` from a new context is the way jest's leak detector does it. Without it nothing
 * happens. Only worth it for large inputs: on a kernel module the collections cost more time than the memory they
 * save matters (the base BTF alone is a few full-heap walks).
 */
function collectGarbage(): void {
  try {
    const g = globalThis as { gc?: () => void };
    let gc: unknown = g.gc;
    if (typeof gc !== "function") {
      v8.setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc");
    }
    if (typeof gc !== "function") return;
    let live = Infinity;
    for (let i = 0; i < 8; i++) {
      (gc as () => void)();
      const now = process.memoryUsage().arrayBuffers;
      if (now >= live) break;
      live = now;
    }
  } catch {
    // not available: the memory is freed by a later collection
  }
}

/** The worker script: next to this module when built; the built copy when running from the TypeScript sources. */
function workerUrl(): URL {
  const here = new URL("./encode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(here.href.replace("/src/encode/", "/dist/encode/"));
}

/** The merged table with functions and variables, before dedup, and the statistics so far. */
interface Merged {
  out: Btf;
  stats: Omit<EncodeStats, "typesAfterDedup" | "ms">;
  warnings: string[];
}

const UTF8 = new TextDecoder();

/** Merges converted units in unit order, keeping only what functions and variables need of each. */
class MergeAccumulator {
  readonly merger: BtfMerger;
  /** Per unit, its candidates as converted, except that F_KEY holds the function's offset in `funcNames`. */
  readonly funcs: CandidateList[] = [];
  readonly vars: CandidateList[] = [];
  /**
   * Every function candidate's name once, so that an offset here stands for a name. Not the merged table's own
   * strings: interning there would add the names of functions never emitted and change its string order.
   */
  readonly funcNames = new BtfStrings();
  dies = 0;
  sanitizedInts = 0;
  cus = 0;
  /** Merged Rust units: their index, type count and qualified names (unit ids). */
  private readonly rustUnits: { idx: number; count: number; qualified: CuBtf["qualifiedNames"] }[] = [];
  readonly warnings: string[] = [];
  private readonly kernelFixups: boolean;
  /**
   * Some merged unit may have a FLOAT member lowerMisalignedFloats would change (mayLowerFloats); when none has, the
   * walk over every member of the merged table is skipped (it changes nothing then).
   */
  private mayLowerFloats: boolean;

  constructor(dwarf: DwarfFile, opts: EncodeOptions) {
    this.kernelFixups = opts.kernelFixups !== false;
    // Base types are not in the units: a member's type could resolve to a base FLOAT.
    this.mayLowerFloats = opts.base !== undefined;
    // Sized for the whole input at once: untouched capacity costs address space, not memory, and growing a
    // multi-million-type table by copying would hold two copies for a while.
    // (The Debian 6.1 vmlinux: 3.3 million types with 22 million extra words from 164 MB of .debug_info.)
    const info = dwarf.infoSize;
    this.merger = new BtfMerger(opts.base, {
      debugStr: dwarf.str,
      capacity: Math.max(1024, Math.ceil(info / 40)),
      extraCapacity: Math.max(4096, Math.ceil(info / 6)),
    });
  }

  add(cu: CuBtf): void {
    const idx = this.merger.add(cu);
    if (cu.language === DW_LANG.DW_LANG_Rust)
      this.rustUnits.push({ idx, count: cu.btf.count, qualified: cu.qualifiedNames });
    const { count, start, words } = cu.functions;
    for (let i = 0; i < count; i++) {
      let name = this.merger.strBytes(idx, words[start[i]! + F_KEY]!);
      // Names used to be compared as decoded strings; re-encoding keeps that equality where bytes are not UTF-8.
      for (const b of name) {
        if (b >= 0x80) {
          name = encodeUtf8(UTF8.decode(name));
          break;
        }
      }
      words[start[i]! + F_KEY] = this.funcNames.intern(name);
    }
    this.funcs.push(cu.functions);
    this.vars.push(cu.variables);
    this.dies += cu.dies;
    this.sanitizedInts += cu.sanitizedInts;
    if (cu.warnings) this.warnings.push(...cu.warnings);
    if (this.kernelFixups && !this.mayLowerFloats) this.mayLowerFloats = mayLowerFloats(cu);
    this.cus++;
  }

  /** Resolve references between units, add functions and variables. */
  complete(dwarf: DwarfFile, skipped: number, features: EncodeFeatures): Merged {
    const merger = this.merger;
    const symtab = fileSymbols(dwarf.elf);
    const out = merger.finish();
    // Written in the input's byte order (pahole does), sized for its pointers; the dedup keeps both.
    out.byteOrder = dwarf.byteOrder;
    out.pointerSize = dwarf.elf.header.class === 32 ? 4 : 8;
    const funcs = this.funcs;
    const { chosen, stats: fstats } =
      features.compat === "1.24"
        ? selectFunctions(
            funcs,
            features.consistentFunc,
            (cu, words, rec) => {
              let s = typeSignature(out, merger.mapType(cu, words[rec + F_RET]!));
              const end = rec + F_PARAMS + 2 * words[rec + F_PARAM_COUNT]!;
              for (let p = rec + F_PARAMS + 1; p < end; p += 2)
                s += ", " + typeSignature(out, merger.mapType(cu, words[p]!));
              return s;
            },
            (off, cu) => out.strings.get(merger.mapStr(cu, off)),
          )
        : selectFunctionsPahole130(funcs, {
            compat: features.compat,
            consistent: features.consistentFunc,
            ...(features.compat === "1.31" ? { ambiguous: ambiguousFunctionNames(symtab) } : {}),
            keyName: (key) => this.funcNames.get(key),
            keyBytes: (key) => this.funcNames.bytesAt(key),
            prototypesMatch: (cuA, recA, cuB, recB) => prototypesMatch(out, merger, funcs, cuA, recA, cuB, recB),
          });
    let kfuncs =
      features.compat !== "1.24" && features.declTagKfuncs && features.declTag
        ? readKfuncs(dwarf.elf, symtab)
        : undefined;
    if (kfuncs !== undefined && kfuncs.size > 0 && features.compat === "1.30") {
      // pahole 1.30 marks a kfunc only when its exact search of the symbol table finds it (see the table's comment).
      const table = pahole130FunctionTable(symtab);
      kfuncs = new Map([...kfuncs].filter(([name]) => table.findExact(name)));
    }
    for (let k = 0; k < chosen.length; k += 2) {
      const cu = chosen[k]!;
      const list = funcs[cu]!;
      const i = chosen[k + 1]!;
      const kfuncFlags =
        kfuncs === undefined || kfuncs.size === 0
          ? -1
          : (kfuncs.get(this.funcNames.get(list.words[list.start[i]! + F_KEY]!)) ?? -1);
      emitFunction(out, merger, cu, list, i, features.declTag, kfuncFlags);
    }
    let variables = 0;
    if (features.var) {
      const syms = new ObjectSymbols(dwarf.elf, symtab, features.globalVar);
      variables = emitVariables(out, this.vars, syms, merger, (cu, off) => UTF8.decode(merger.strBytes(cu, off)), {
        byAddress: features.compat !== "1.24",
        declTags: features.declTag,
        sizeOf: (cu, type) => out.resolveSize(merger.mapType(cu, type)),
      }).emitted;
    }
    // Rust types that mirror C types (bindgen's) fold into them; other Rust types with C names get qualified names.
    let rustStats: { rustMirrored: number; rustRenamed: number } | undefined;
    if (this.rustUnits.length > 0 && !features.rustDuplicates) {
      const rust = new Uint8Array(out.count);
      const qualified = new Map<number, string>();
      for (const u of this.rustUnits) {
        for (let k = 1; k <= u.count; k++) rust[merger.mapType(u.idx, k) - out.startId] = 1;
        if (u.qualified)
          for (let j = 0; j < u.qualified.ids.length; j++)
            qualified.set(merger.mapType(u.idx, u.qualified.ids[j]!), u.qualified.names[j]!);
      }
      const m = mapRustMirrors(out, rust, qualified);
      this.warnings.push(...m.warnings);
      rustStats = { rustMirrored: m.mapped + m.mappedNested, rustRenamed: m.renamed };
    }
    // FLOAT members the kernel refuses (a packed struct's misaligned double) point at an INT of the same size
    // instead, as the Rust lowering does; before the dedup, so the INTs merge.
    // (Rust mirrors may have pointed members at other types since.)
    const loweredFloats =
      this.kernelFixups && (this.mayLowerFloats || this.rustUnits.length > 0) ? lowerMisalignedFloats(out) : 0;
    if (loweredFloats > 0)
      this.warnings.push(
        `${loweredFloats} misaligned floating-point member(s) of packed structs encoded as INTs of the same size (the kernel rejects a misaligned FLOAT)`,
      );
    return {
      out,
      warnings: this.warnings,
      stats: {
        file: dwarf.path,
        cus: this.cus,
        cusSkipped: skipped,
        dies: this.dies,
        typesBeforeDedup: out.count,
        functions: fstats.emitted,
        functionsInconsistent: fstats.inconsistent,
        variables,
        externalRefs: merger.unresolved,
        sanitizedInts: this.sanitizedInts,
        ...rustStats,
      },
    };
  }
}

/**
 * Whether lowerMisalignedFloats could change a member of this unit's types once merged: a STRUCT or UNION member
 * whose type resolves (through the same typedefs and modifiers, as far) to a FLOAT the kernel would refuse there,
 * or leads out of the unit (another unit's type, unknown here). A unit without a FLOAT or an external reference has
 * none (most units of a kernel).
 */
function mayLowerFloats(cu: CuBtf): boolean {
  const b = cu.btf;
  const n = b.count;
  if (cu.externals.length === 0) {
    let floats = false;
    for (let i = 0; i < n && !floats; i++) floats = infoKind(b.info[i]!) === BTF_KIND.FLOAT;
    if (!floats) return false;
  }
  for (let i = 0; i < n; i++) {
    const info = b.info[i]!;
    const kind = infoKind(info);
    if (kind !== BTF_KIND.STRUCT && kind !== BTF_KIND.UNION) continue;
    const kflag = infoKflag(info);
    const vlen = infoVlen(info);
    for (let m = 0; m < vlen; m++) {
      const at = b.extraStart[i]! + 3 * m;
      let id = b.extra[at + 1]!;
      // kernel-fixups.ts resolveFloat, on the unit's ids (1..count; EXTERNAL_REF and above: another unit's).
      for (let depth = 0; depth < 32; depth++) {
        if (id >= EXTERNAL_REF || id > n) return true;
        if (id === 0) break;
        const k = infoKind(b.info[id - 1]!);
        if (k === BTF_KIND.FLOAT) {
          if (floatMemberRejected(b.extra[at + 2]!, kflag, b.sizeType[id - 1]!)) return true;
          break;
        }
        if (
          k !== BTF_KIND.TYPEDEF &&
          k !== BTF_KIND.CONST &&
          k !== BTF_KIND.VOLATILE &&
          k !== BTF_KIND.RESTRICT &&
          k !== BTF_KIND.TYPE_TAG
        )
          break;
        id = b.sizeType[id - 1]!;
      }
    }
  }
  return false;
}

/**
 * pahole's `funcs__match` on two candidates of one name (in the merged table): the same number of parameters
 * (varargs counting as one), and return and parameter types that match loosely (looseTypesMatch). Parameter names
 * are not compared.
 */
function prototypesMatch(
  out: Btf,
  merger: BtfMerger,
  funcs: readonly CandidateList[],
  cuA: number,
  iA: number,
  cuB: number,
  iB: number,
): boolean {
  const a = funcs[cuA]!;
  const b = funcs[cuB]!;
  const ra = a.start[iA]!;
  const rb = b.start[iB]!;
  const n = a.words[ra + F_PARAM_COUNT]!;
  if (n !== b.words[rb + F_PARAM_COUNT]!) return false;
  if (!looseTypesMatch(out, merger.mapType(cuA, a.words[ra + F_RET]!), merger.mapType(cuB, b.words[rb + F_RET]!)))
    return false;
  for (let p = 0; p < n; p++) {
    const ta = merger.mapType(cuA, a.words[ra + F_PARAMS + 2 * p + 1]!);
    const tb = merger.mapType(cuB, b.words[rb + F_PARAMS + 2 * p + 1]!);
    if (!looseTypesMatch(out, ta, tb)) return false;
  }
  return true;
}

/**
 * Split BTF that re-defines many of its base's structs by name usually means the base was encoded with other
 * choices (pahole's flattened multi-dimensional arrays, say, against btfkit's nested ones): each such struct then
 * fails to fold into the base and drags its whole type graph into the module. Say so, with the likely fix.
 */
export function baseMismatchWarning(split: Btf): string | undefined {
  const base = split.base;
  if (!base) return undefined;
  // The split's named structs and unions by name offset (how many of each), then one pass over the base: a module
  // has a few hundred, its base a hundred thousand types, and this runs once per module.
  const ownNames = new Map<number, number>();
  let own = 0;
  for (let id = split.startId; id < split.endId; id++) {
    const k = split.kind(id);
    if (!isCompositeKind(k) || split.nameOffOf(id) === 0) continue;
    own++;
    ownNames.set(split.nameOffOf(id), (ownNames.get(split.nameOffOf(id)) ?? 0) + 1);
  }
  if (own < 50) return undefined;
  let again = 0;
  for (let id = base.startId; id < base.endId; id++) {
    if (!isCompositeKind(base.kind(id))) continue;
    // Strings are deduplicated against the base, so a base name has the base's offset.
    const n = ownNames.get(base.nameOffOf(id));
    if (n !== undefined) {
      again += n;
      ownNames.delete(base.nameOffOf(id));
    }
  }
  if (again < 50 || again * 2 < own) return undefined;
  return (
    `${again} of the split BTF's ${own} named structs and unions also exist in the base by name but did not fold into it: ` +
    "was the base encoded with other features? (pahole flattens multi-dimensional arrays: try --features +flat_arrays)"
  );
}

/** Deduplicate a merged table (unless `dedup: false`). */
function dedupMerged(merged: Merged, opts: EncodeOptions, t0: number): EncodeResult {
  const btf = opts.dedup === false ? merged.out : dedupBtf(merged.out, { consumeInput: true }).btf;
  const m = merged.stats;
  const warnings = [...merged.warnings];
  if (btf.base && opts.dedup !== false) {
    const w = baseMismatchWarning(btf);
    if (w) warnings.push(w);
  }
  return {
    btf,
    ...(warnings.length > 0 ? { warnings } : {}),
    stats: {
      file: m.file,
      cus: m.cus,
      cusSkipped: m.cusSkipped,
      dies: m.dies,
      typesBeforeDedup: m.typesBeforeDedup,
      typesAfterDedup: btf.count,
      functions: m.functions,
      functionsInconsistent: m.functionsInconsistent,
      variables: m.variables,
      externalRefs: m.externalRefs,
      sanitizedInts: m.sanitizedInts,
      ...(m.rustMirrored !== undefined ? { rustMirrored: m.rustMirrored, rustRenamed: m.rustRenamed } : {}),
      ms: performance.now() - t0,
    },
  };
}
