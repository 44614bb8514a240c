import type { CommandModule } from "yargs";
import type { Btf } from "../btf/btf.js";
import { validateBtf } from "../btf/validate.js";
import { writeBtf } from "../btf/write.js";
import { writeFileAtomic } from "../common/atomic-write.js";
import { type ByteOrder, HOST_BYTE_ORDER } from "../common/byte-order.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { writeElfWithSections } from "../elf/add-section.js";
import { ElfFile } from "../elf/elf-file.js";
import { encodeFile, encodeFileParallel, type EncodeResult, type EncodeStats } from "../encode/encode.js";
import { DEFAULT_COMPAT, FEATURE_NAMES, PAHOLE_COMPATS, parseCompat, parseFeatures } from "../encode/features.js";
import { loadBtf } from "../io/load-btf.js";

interface EncodeArgs {
  input: string;
  output?: string;
  embed?: boolean;
  base?: string;
  features?: string | string[];
  strictFeatures?: boolean;
  compat?: string;
  dedup?: boolean;
  langExclude?: string | string[];
  json?: boolean;
  quiet?: boolean;
  jobs?: number;
  validate?: boolean;
  byteOrder?: ByteOrderChoice;
}

/** `--byte-order`: an order, or `native` for this machine's. Without the option: the input ELF's. */
export const BYTE_ORDER_CHOICES = ["little", "big", "native"] as const;
export type ByteOrderChoice = (typeof BYTE_ORDER_CHOICES)[number];

/**
 * `btfkit encode ELF -o OUT.btf`: DWARF → BTF like `pahole -J --btf_encode_detached`. With `--embed`, the BTF goes
 * into the ELF's `.BTF` section instead, in place like `pahole -J ELF` (or into a copy: `--embed -o OUT`).
 */
export const encodeCommand: CommandModule<object, EncodeArgs> = {
  command: "encode <input>",
  describe: "convert the DWARF of an ELF file to BTF (as pahole -J); writes raw BTF, or with --embed a .BTF section",
  builder: (y) =>
    y
      .positional("input", {
        type: "string",
        demandOption: true,
        describe: "ELF file with DWARF (vmlinux, a .ko, a .o)",
      })
      .option("output", {
        alias: "o",
        type: "string",
        describe: "output file: raw BTF; with --embed, the ELF file with .BTF (default: the input, in place)",
      })
      .option("embed", {
        type: "boolean",
        describe:
          "write the BTF into the ELF as its .BTF section (added, or replaced), as pahole -J without a detached file: " +
          "in place, or into -o OUT; the file is written to a temporary file and renamed, so the input stays intact on any failure",
      })
      .option("base", {
        alias: "B",
        type: "string",
        describe: "base BTF (raw or ELF .BTF): write split BTF for a module",
      })
      // Not yargs arrays (those would swallow a following positional); a repeated option still gives a list.
      .option("features", {
        type: "string",
        describe: `comma list of BTF features (pahole --btf_features): default, +name, ${Object.keys(FEATURE_NAMES).join(", ")}`,
      })
      .option("compat", {
        type: "string",
        describe: `follow this pahole version's rules where versions differ (${PAHOLE_COMPATS.join(", ")}): which functions get a FUNC, kfunc tags, flattened arrays; default: pahole ${DEFAULT_COMPAT}'s function rules with nested arrays`,
      })
      .option("strict-features", {
        type: "boolean",
        describe: "reject unknown feature names (pahole --btf_features_strict)",
      })
      .option("dedup", {
        type: "boolean",
        default: true,
        describe: "deduplicate the result (--no-dedup: keep every CU's types)",
      })
      .option("lang-exclude", { type: "string", describe: "skip CUs of these languages (comma list: rust, c++, …)" })
      .option("jobs", {
        alias: "j",
        type: "number",
        default: 1,
        describe: "convert CUs in this many worker threads (the output does not depend on it)",
      })
      .option("byte-order", {
        choices: BYTE_ORDER_CHOICES,
        describe:
          "byte order of the output BTF (native: this machine's); default: the input ELF's, as pahole (a kernel loads BTF only in its own byte order)",
      })
      .option("validate", {
        type: "boolean",
        default: true,
        describe:
          "check the BTF against the kernel verifier's rules (as btfkit validate) before writing it; when it breaks one, fail and write nothing. " +
          "--no-validate skips the check, for speed (it adds a few percent: about 0.2 s to the 7 s of a vmlinux)",
      })
      .option("json", { type: "boolean", describe: "print the summary as JSON (EncodeStatsSchema) on stdout" })
      .option("quiet", { alias: "q", type: "boolean", describe: "print no summary" })
      .example("$0 encode vmlinux -o vmlinux.btf", "encode a kernel")
      .example("$0 encode .tmp_vmlinux.btf --embed", "add .BTF to the ELF in place (pahole -J .tmp_vmlinux.btf)")
      .example("$0 encode mod.ko --base vmlinux --embed", "a module's split BTF as its .BTF section")
      .example("$0 encode mod.ko --base vmlinux.btf -o mod.btf", "split BTF for a module")
      .example("$0 encode prog.o --features default,global_var -o prog.btf", "all global variables too"),
  handler: async (argv) => {
    if (argv.output === "") throw new BtfkitError(ErrorCode.USAGE, "--output must name a file");
    if (argv.output === undefined && argv.embed !== true) {
      throw new BtfkitError(
        ErrorCode.USAGE,
        "missing --output (-o OUT): where to write the BTF (or --embed to write it into the ELF)",
      );
    }
    const features = parseFeatures(argv.features === undefined ? undefined : [argv.features].flat(), {
      strict: argv.strictFeatures === true,
      ...(argv.compat !== undefined ? { compat: parseCompat(argv.compat) } : {}),
    });
    const langExclude = [argv.langExclude ?? []]
      .flat()
      .flatMap((s) => s.split(","))
      .filter((s) => s.trim() !== "");
    const base = argv.base !== undefined ? loadBtf(argv.base) : undefined;
    const progress = progressBar(argv.quiet === true);
    let result: EncodeResult;
    try {
      const jobs = argv.jobs ?? 1;
      if (!Number.isInteger(jobs) || jobs < 1)
        throw new BtfkitError(ErrorCode.USAGE, `--jobs must be a positive integer, got ${argv.jobs}`);
      const opts = { features, base, dedup: argv.dedup !== false, langExclude, onProgress: progress.update };
      result = jobs > 1 ? await encodeFileParallel(argv.input, { ...opts, jobs }) : encodeFile(argv.input, opts);
    } finally {
      progress.done();
    }
    // An encode that kept no compile unit (a pure-Rust object with --lang-exclude=rust) is a failure here: pahole
    // writes nothing and exits 0, which hides the mistake from a script. No output file is written.
    if (result.stats.cus === 0 && langExclude.length > 0) {
      throw new BtfkitError(
        ErrorCode.NOT_FOUND,
        `every compile unit was excluded by --lang-exclude=${langExclude.join(",")} (${result.stats.cusSkipped} skipped); nothing to encode`,
        { file: argv.input },
      );
    }
    if (!argv.quiet) for (const w of result.warnings ?? []) process.stderr.write(`btfkit: warning: ${w}\n`);
    const target = elfTarget(argv.input);
    // Never write BTF the kernel would reject: a kernel build (or a loader) would only find out at boot or load time.
    if (argv.validate !== false) assertKernelAccepts(result.btf, { file: argv.input, pointerSize: target.pointerSize });
    const bytes = writeBtf(result.btf, { byteOrder: outputByteOrder(argv.byteOrder, target.byteOrder) });
    if (argv.embed === true)
      writeElfWithSections(argv.input, argv.output ?? argv.input, [{ name: ".BTF", data: bytes }]);
    else writeFileAtomic(argv.output!, bytes);
    const stats: EncodeStats = { ...result.stats, bytes: bytes.length };
    if (argv.json) process.stdout.write(JSON.stringify(stats) + "\n");
    else if (!argv.quiet) process.stderr.write(encodeSummaryLine(stats) + "\n");
  },
};

/** What of the input ELF decides how its BTF is written and checked: its byte order and its pointer size. */
export function elfTarget(path: string): { byteOrder: ByteOrder; pointerSize: number } {
  const elf = ElfFile.open(path);
  try {
    return { byteOrder: elf.header.byteOrder, pointerSize: elf.header.class === 32 ? 4 : 8 };
  } finally {
    elf.close();
  }
}

/** The byte order to write: the one asked for (`native`: this machine's), else the input's. */
export function outputByteOrder(choice: ByteOrderChoice | undefined, input: ByteOrder): ByteOrder {
  if (choice === undefined) return input;
  return choice === "native" ? HOST_BYTE_ORDER : choice;
}

/** Names longer than this are cut in the gate's message (a name that breaks the length rule may have thousands). */
const NAME_SHOWN = 64;

/**
 * The validation gate of `btfkit encode`: run btfkit's offline verifier (the kernel's checks, validateBtf) over the
 * BTF about to be written — for split BTF its own types, resolved against its base — and throw a BTF_INVALID
 * BtfkitError for the first problem, in one line: the input file and the type id (the error's location), the
 * type's kind and name, the rule in the kernel's words and its stable id (BTF_RULE), the detail, and how many more
 * problems there are. `pointerSize` is the target's sizeof(void *) (pointer members, float alignment); default 8.
 */
export function assertKernelAccepts(btf: Btf, opts: { file?: string; pointerSize?: number } = {}): void {
  const problems = validateBtf(btf, { pointerSize: opts.pointerSize ?? 8 });
  if (problems.length === 0) return;
  const p = problems[0]!;
  const more = problems.length - 1;
  const what = p.kind !== undefined ? `${p.kind} '${p.name ?? ""}'` : "the BTF";
  throw new BtfkitError(
    ErrorCode.BTF_INVALID,
    printable(
      shortenQuoted(`the kernel would reject the encoded BTF: ${what}: ${p.message} (rule ${p.rule}): ${p.detail}`),
    ) +
      (more > 0 ? `; ${more} more problem${more === 1 ? "" : "s"}` : "") +
      "; nothing written (--no-validate writes it anyway)",
    {
      ...(opts.file !== undefined ? { file: opts.file } : {}),
      ...(p.typeId !== undefined ? { typeId: p.typeId } : {}),
    },
  );
}

/** Cut every quoted name longer than NAME_SHOWN characters. */
function shortenQuoted(s: string): string {
  return s.replace(
    new RegExp(`'([^']{${NAME_SHOWN + 1},})'`, "g"),
    (_, n: string) => `'${n.slice(0, NAME_SHOWN)}…' (${n.length} characters)`,
  );
}

/** Control bytes (a Rust name, a tag value may hold any) as \xNN, so the message stays one line. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}

/** `12 CUs, 3456 DIEs, types 800 -> 120, 3 funcs, 1 vars, 2345 bytes, 12.3 ms` */
export function encodeSummaryLine(s: EncodeStats): string {
  return (
    `${s.cus} CUs, ${s.dies} DIEs, types ${s.typesBeforeDedup} -> ${s.typesAfterDedup}, ` +
    `${s.functions} funcs, ${s.variables} vars, ${s.bytes ?? 0} bytes, ${s.ms.toFixed(1)} ms`
  );
}

/** A one-line progress bar on stderr, shown only on a terminal and only once a run has taken a second. */
function progressBar(quiet: boolean): { update: (f: number) => void; done: () => void } {
  const tty = !quiet && process.stderr.isTTY === true;
  const t0 = Date.now();
  let shown = false;
  let last = -1;
  return {
    update: (f: number) => {
      if (!tty || Date.now() - t0 < 1000) return;
      const pct = Math.floor(f * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\rencode [${"#".repeat(fill)}${" ".repeat(width - fill)}] ${pct}%`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}
