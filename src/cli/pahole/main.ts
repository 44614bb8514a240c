/**
 * `btfkit-pahole`: pahole's command line over btfkit's encoder, for kernel builds (`make PAHOLE=btfkit-pahole`).
 * It reports pahole 1.30's version, takes its options (options.ts) and writes what pahole 1.30 writes: raw BTF for
 * `--btf_encode_detached` (7.0+ kernels), else a `.BTF` section in the input ELF (every kernel before 7.0).
 *
 * Exit codes as pahole's: 0 success (also when every compile unit was filtered out: nothing is written, as pahole
 * does), 1 when encoding fails (an ELF without DWARF included: pahole answers "Invalid argument"), 64 for a usage
 * error or an option btfkit does not implement.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Btf } from "../../btf/btf.js";
import { distillBase } from "../../btf/distill.js";
import { dedupBtf, keepPreparedBases } from "../../dedup/dedup.js";
import { writeBtf } from "../../btf/write.js";
import { writeFileAtomic } from "../../common/atomic-write.js";
import { BtfkitError } from "../../common/errors.js";
import { embedSections } from "../../elf/add-section.js";
import { encodeFile, encodeFileParallel, type EncodeResult } from "../../encode/encode.js";
import { type EncodeFeatures, defaultFeatures } from "../../encode/features.js";
import { loadBtf } from "../../io/load-btf.js";
import { assertKernelAccepts, elfTarget, encodeSummaryLine } from "../encode.js";
import {
  HELP_TEXT,
  PAHOLE_VERSION,
  type PaholeCommand,
  type PaholeConf,
  PaholeUsageError,
  parsePaholeArgs,
  setOnlineCpus,
  SUPPORTED_BTF_FEATURES,
  USAGE_TEXT,
} from "./options.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** sysexits.h EX_USAGE, what argp exits with. */
export const EXIT_USAGE = 64;
const PROG = "btfkit-pahole";

/** pahole's encoder settings as btfkit's features: pahole 1.30's rules, arrays flattened as pahole ≤ 1.31 does. */
export function featuresOf(conf: PaholeConf): EncodeFeatures {
  return {
    ...defaultFeatures(),
    encodeForce: conf.btfEncodeForce,
    var: !conf.skipEncodingBtfVars,
    float: conf.btfGenFloats,
    declTag: !conf.skipEncodingBtfDeclTag,
    typeTag: !conf.skipEncodingBtfTypeTag,
    enum64: !conf.skipEncodingBtfEnum64,
    optimizedFunc: conf.btfGenOptimized,
    consistentFunc: conf.skipEncodingBtfInconsistentProto,
    declTagKfuncs: conf.btfDeclTagKfuncs,
    globalVar: conf.encodeBtfGlobalVars,
    flatArrays: true,
    rustQualifiedNames: false,
    compat: "1.30",
  };
}

export async function paholeMain(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  setOnlineCpus(() => availableParallelism());
  let cmd: PaholeCommand;
  try {
    cmd = parsePaholeArgs(argv, env);
  } catch (e) {
    if (e instanceof PaholeUsageError) return usageError(e.message, e.unsupported);
    throw e;
  }
  if (cmd.strictFailure !== undefined) {
    process.stderr.write(cmd.strictFailure);
    return EXIT_FAILURE;
  }
  switch (cmd.action) {
    case "help":
      process.stdout.write(HELP_TEXT);
      return EXIT_OK;
    case "usage":
      process.stdout.write(USAGE_TEXT);
      return EXIT_OK;
    case "version":
      process.stdout.write(`v${PAHOLE_VERSION.major}.${PAHOLE_VERSION.minor}\n`);
      return EXIT_OK;
    case "numeric_version":
      process.stdout.write(`${PAHOLE_VERSION.major * 100 + PAHOLE_VERSION.minor}\n`);
      return EXIT_OK;
    case "supported_btf_features":
      process.stdout.write(SUPPORTED_BTF_FEATURES + "\n");
      return EXIT_OK;
    case "encode":
      break;
  }
  if (!cmd.btfEncode) return usageError("btfkit-pahole only encodes BTF: give -J or --btf_encode_detached=FILE", true);
  if (cmd.formatPath !== undefined && !cmd.formatPath.split(",").includes("dwarf")) {
    return usageError(`-F ${cmd.formatPath}: btfkit-pahole encodes BTF from DWARF only`, true);
  }
  if (cmd.files.length === 0)
    return usageError(
      "no FILE given (pahole would encode the running kernel's vmlinux; btfkit-pahole needs the file)",
      true,
    );
  if (cmd.files.length > 1) {
    // pahole loads the files in turn and fails on the first it cannot read (`-j 16 vmlinux`: "16: Invalid argument").
    const missing = cmd.files.find((f) => !existsSync(f));
    if (missing !== undefined) {
      process.stderr.write(`${PROG}: ${missing}: no such file\n`);
      return EXIT_FAILURE;
    }
    return usageError(`${cmd.files.length} files given: btfkit-pahole encodes one FILE per run`, true);
  }
  try {
    return await encode(cmd, cmd.files[0]!);
  } catch (e) {
    const msg = e instanceof BtfkitError ? e.message : `internal error: ${(e as Error).message.split("\n")[0]}`;
    process.stderr.write(`${PROG}: ${msg}\n`);
    if (!(e instanceof BtfkitError) && env.BTFKIT_DEBUG) process.stderr.write(String((e as Error).stack) + "\n");
    return EXIT_FAILURE;
  }
}

/**
 * Base BTFs kept between calls of paholeMain in one process (the encode service's workers), by real path, with the
 * identity of the file they were read from; undefined in a one-shot process.
 */
let keptBases: Map<string, { identity: string; btf: Btf }> | undefined;

/** Keep base BTFs loaded between calls of paholeMain in this process (see service-worker.ts). */
export function keepBasesLoaded(): void {
  keptBases ??= new Map();
  keepPreparedBases();
}

/**
 * Load `path` as a base now, and prepare it for the dedup (an empty split BTF deduplicated on it hashes the base,
 * which keepPreparedBases keeps), so that the first request finds both done. Errors are left to that request.
 */
export function preloadBase(path: string): void {
  try {
    const base = loadBase(path);
    if (keptBases !== undefined) dedupBtf(new Btf({ base }));
  } catch {
    // reported when a request needs it
  }
}

function loadBase(path: string): Btf {
  if (keptBases === undefined || !existsSync(path)) return loadBtf(path); // (its error, as in a one-shot run)
  const real = realpathSync(path);
  const st = statSync(real, { bigint: true });
  const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  const kept = keptBases.get(real);
  if (kept?.identity === identity) return kept.btf;
  const btf = loadBtf(path);
  // A build uses one vmlinux; a second base replaces the first rather than pile up.
  keptBases.clear();
  keptBases.set(real, { identity, btf });
  return btf;
}

async function encode(cmd: PaholeCommand, file: string): Promise<number> {
  let base: Btf | undefined;
  if (cmd.base !== undefined) {
    try {
      base = loadBase(cmd.base);
    } catch (e) {
      process.stderr.write(
        `Failed to parse base BTF '${cmd.base}': ${e instanceof BtfkitError ? e.message : (e as Error).message}\n`,
      );
      return EXIT_FAILURE;
    }
  }
  let languages = cmd.languages?.list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  // The opt-in to Rust: `--lang_exclude=rust` stays the kernel's choice unless the `rust` feature asks otherwise.
  if (cmd.rust && languages && cmd.languages!.exclude) languages = languages.filter((l) => l.toLowerCase() !== "rust");
  const opts = {
    features: featuresOf(cmd.conf),
    ...(base ? { base } : {}),
    ...(languages && cmd.languages!.exclude ? { langExclude: languages } : {}),
    ...(languages && !cmd.languages!.exclude ? { langInclude: languages } : {}),
  };
  const jobs = Math.max(1, Math.min(cmd.jobs ?? 1, availableParallelism()));
  const result: EncodeResult = jobs > 1 ? await encodeFileParallel(file, { ...opts, jobs }) : encodeFile(file, opts);
  // pahole writes nothing when the BTF would hold no type but void (every unit filtered out), and succeeds; split
  // BTF counts its base's types, so an empty module split is written.
  if (result.btf.count === 0 && base === undefined) {
    if (cmd.verbose) process.stdout.write(`${file}: no types to encode; nothing written\n`);
    return EXIT_OK;
  }
  const target = elfTarget(file);
  assertKernelAccepts(result.btf, { file, pointerSize: target.pointerSize });
  // distilled_base applies to in-place output only, as in pahole (a detached file is one raw blob); without a base
  // there is nothing to distill, and pahole fails the same way.
  if (cmd.conf.btfGenDistilledBase && cmd.detached === undefined) {
    if (base === undefined) {
      process.stderr.write("could not generate distilled base BTF: Invalid argument\nFailed to encode BTF\n");
      return EXIT_FAILURE;
    }
    const distilled = distillBase(result.btf, { file });
    assertKernelAccepts(distilled.split, { file, pointerSize: target.pointerSize });
    const split = writeBtf(distilled.split);
    const distilledBase = writeBtf(distilled.base);
    embedSections(file, [
      { name: ".BTF", data: split, renameLoaded: ".BTF.orig" },
      { name: ".BTF.base", data: distilledBase },
    ]);
    if (cmd.verbose) {
      process.stdout.write(
        `${file}: .BTF (${split.length} bytes, ${distilled.split.count} types) on .BTF.base (${distilledBase.length} bytes, ${distilled.base.count} types)\n`,
      );
    }
    return EXIT_OK;
  }
  const bytes = writeBtf(result.btf);
  if (cmd.detached !== undefined) {
    writeFileAtomic(cmd.detached, bytes);
  } else {
    // pahole -J without a detached file: .BTF added to (or replaced in) the input ELF, atomically. A final vmlinux
    // already has a loaded .BTF, which cannot change size without a relink: it stays where the image has it, as
    // .BTF.orig, and the new .BTF goes after the contents (pahole's libelf rewrite moves sections out of their
    // segments instead). A kernel build never gets here: it runs pahole on .tmp_vmlinux1, which has no .BTF yet.
    const r = embedSections(file, [{ name: ".BTF", data: bytes, renameLoaded: ".BTF.orig" }]);
    if (r.sections.length > 0 && cmd.verbose)
      process.stdout.write(`${file}: .BTF ${r.sections[0]!.how} (${bytes.length} bytes)\n`);
  }
  if (cmd.verbose) {
    for (const w of result.warnings ?? []) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(encodeSummaryLine({ ...result.stats, bytes: bytes.length }) + "\n");
  }
  return EXIT_OK;
}

function usageError(message: string, unsupported = false): number {
  process.stderr.write(`${PROG}: ${message}\n`);
  if (!unsupported) process.stderr.write(`Try \`${PROG} --help' or \`${PROG} --usage' for more information.\n`);
  return EXIT_USAGE;
}
