/**
 * The command line of `btfkit-pahole`: pahole's own (dwarves `pahole.c` v1.30, parsed by glibc's argp), so that a
 * kernel build can run btfkit where it runs `pahole -J` (`make PAHOLE=btfkit-pahole`). Parsing follows getopt_long:
 * options and files may interleave, `--` ends the options, a long option may be shortened to any unique prefix (an
 * exact name wins), `--name=value` or `--name value` for a required argument, only `--name=value` for an optional
 * one; short options cluster (`-JV`), a required argument is the rest of the cluster or the next word, an optional
 * one (`-j`) only the rest of the cluster — `-j 16` is `-j` and a file named 16, as in pahole.
 *
 * Every pahole option is known here. Those btfkit implements set the fields of PaholeCommand; the rest (pahole's
 * struct printing, CTF, …) are refused with "unsupported" and exit 64, never ignored.
 */

/** How `--btf_features` and the legacy switches leave pahole's encoder settings (`struct conf_load`). */
export interface PaholeConf {
  btfEncodeForce: boolean;
  skipEncodingBtfVars: boolean;
  btfGenFloats: boolean;
  skipEncodingBtfDeclTag: boolean;
  skipEncodingBtfTypeTag: boolean;
  skipEncodingBtfEnum64: boolean;
  btfGenOptimized: boolean;
  skipEncodingBtfInconsistentProto: boolean;
  btfDeclTagKfuncs: boolean;
  reproducibleBuild: boolean;
  btfGenDistilledBase: boolean;
  encodeBtfGlobalVars: boolean;
  btfAttributes: boolean;
}

/** pahole 1.30's `btf_features[]`, in its order: name, the setting, its initial value, in the default set. */
const BTF_FEATURES: readonly { name: string; conf: keyof PaholeConf; initial: boolean; isDefault: boolean }[] = [
  { name: "encode_force", conf: "btfEncodeForce", initial: false, isDefault: true },
  { name: "var", conf: "skipEncodingBtfVars", initial: true, isDefault: true },
  { name: "float", conf: "btfGenFloats", initial: false, isDefault: true },
  { name: "decl_tag", conf: "skipEncodingBtfDeclTag", initial: true, isDefault: true },
  { name: "type_tag", conf: "skipEncodingBtfTypeTag", initial: true, isDefault: true },
  { name: "enum64", conf: "skipEncodingBtfEnum64", initial: true, isDefault: true },
  { name: "optimized_func", conf: "btfGenOptimized", initial: false, isDefault: true },
  { name: "consistent_func", conf: "skipEncodingBtfInconsistentProto", initial: false, isDefault: true },
  { name: "decl_tag_kfuncs", conf: "btfDeclTagKfuncs", initial: false, isDefault: true },
  { name: "reproducible_build", conf: "reproducibleBuild", initial: false, isDefault: false },
  { name: "distilled_base", conf: "btfGenDistilledBase", initial: false, isDefault: false },
  { name: "global_var", conf: "encodeBtfGlobalVars", initial: false, isDefault: false },
];

/**
 * What `--supported_btf_features` prints: pahole 1.30's table as Debian 13 builds it (its libbpf lacks
 * `btf__add_type_attr`, so `attributes` fails its check and is not offered; btfkit does not implement it either).
 */
export const SUPPORTED_BTF_FEATURES = BTF_FEATURES.map((f) => f.name).join(",");

/** The version btfkit-pahole reports (see the README): the pahole whose BTF dialect btfkit implements in full. */
export const PAHOLE_VERSION = { major: 1, minor: 30 } as const;

export interface PaholeCommand {
  /** What to do: encode, or one of the informational answers. */
  action: "encode" | "version" | "numeric_version" | "supported_btf_features" | "help" | "usage";
  files: string[];
  /** `-J`, `--btf_encode` or `--btf_encode_detached`. */
  btfEncode: boolean;
  /** `--btf_encode_detached=FILE`: raw BTF to FILE; otherwise `.BTF` goes into the ELF. */
  detached?: string;
  base?: string;
  /** Worker threads (`-j`: about 1.1 × the online CPUs; `-jN`); undefined: one. */
  jobs?: number;
  conf: PaholeConf;
  /** `--lang` / `--lang_exclude` (the last one given), or PAHOLE_LANG_EXCLUDE. */
  languages?: { list: string; exclude: boolean };
  verbose: boolean;
  /** `-F`: the formats pahole tries; encoding reads DWARF only. */
  formatPath?: string;
  /** Lines `--btf_features_strict` prints before exiting 1 (an unknown feature). */
  strictFailure?: string;
  /**
   * Encode Rust units although the build excludes them (`--lang_exclude=rust`, which the kernel's Makefile.btf
   * always passes with CONFIG_RUST): btfkit's own feature `rust` in `--btf_features`, or BTFKIT_RUST=1.
   */
  rust?: boolean;
}

/**
 * Feature names only btfkit-pahole knows. `--supported_btf_features` does not list them (it prints pahole 1.30's
 * table, which a kernel build reads), but `--btf_features` and `--btf_features_strict` accept them.
 */
export const BTFKIT_ONLY_FEATURES = ["rust"] as const;
/** The environment variable that turns Rust encoding on as the `rust` feature does (for `make PAHOLE=btfkit-pahole`). */
export const RUST_ENV = "BTFKIT_RUST";

/** A command line pahole's argp would refuse (exit 64), or one naming what btfkit-pahole does not do. */
export class PaholeUsageError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Arg = "none" | "required" | "optional";
interface OptionDef {
  long: string;
  short?: string;
  arg: Arg;
  /** Undefined: pahole has it, btfkit does not (refused as unsupported). */
  apply?: (cmd: PaholeCommand, value: string | undefined) => void;
}

const legacy =
  (field: keyof PaholeConf, value = true) =>
  (cmd: PaholeCommand) => {
    cmd.conf[field] = value;
  };

/** pahole 1.30's options (pahole.c `pahole__options`) plus argp's own, in its order. */
const OPTIONS: readonly OptionDef[] = [
  ...[
    "bit_holes:B",
    "cacheline_size:c",
    "class_name:C",
    "count",
    "skip",
    "seek_bytes",
    "size_bytes",
    "range",
    "header_type",
    "find_pointers_to:f",
  ].map((s) => unsupported(s, "required")),
  {
    long: "format_path",
    short: "F",
    arg: "required",
    apply: (c, v) => {
      c.formatPath = v;
    },
  },
  ...["contains:i", "contains_enumerator"].map((s) => unsupported(s, "required")),
  unsupported("show_decl_info:I", "none"),
  ...["holes:H", "padding_ge", "hole_size_ge:z"].map((s) => unsupported(s, "required")),
  ...[
    "packable:P",
    "with_flexible_array",
    "with_embedded_flexible_array",
    "expand_types:E",
    "nr_members:n",
    "rel_offset:r",
    "recursive:d",
    "reorganize:R",
    "show_reorg_steps:S",
    "class_name_len:N",
    "show_first_biggest_size_base_type_member:l",
    "nr_methods:m",
    "show_only_data_members:M",
    "expand_pointers:p",
    "sizes:s",
  ].map((s) => unsupported(s, "none")),
  unsupported("separator:t", "required"),
  unsupported("nr_definitions:T", "none"),
  ...["decl_exclude:D", "exclude:x", "prefix_filter:y", "cu_exclude:X"].map((s) => unsupported(s, "required")),
  ...["anon_include:a", "nested_anon_include:A", "quiet:q", "defined_in:u"].map((s) => unsupported(s, "none")),
  {
    long: "verbose",
    short: "V",
    arg: "none",
    apply: (c) => {
      c.verbose = true;
    },
  },
  unsupported("word_size:w", "required"),
  unsupported("ctf_encode:Z", "none"),
  ...[
    "flat_arrays",
    "suppress_aligned_attribute",
    "suppress_force_paddings",
    "suppress_packed",
    "show_private_classes",
    "fixup_silly_bitfields",
    "first_obj_only",
    "classes_as_structs",
    "hex",
  ].map((s) => unsupported(s, "none")),
  {
    long: "btf_base",
    arg: "required",
    apply: (c, v) => {
      c.base = v;
    },
  },
  unsupported("kabi_prefix", "required"),
  {
    long: "jobs",
    short: "j",
    arg: "optional",
    apply: (c, v) => {
      c.jobs = v === undefined ? defaultJobs() : atoi(v);
    },
  },
  {
    long: "btf_encode",
    short: "J",
    arg: "none",
    apply: (c) => {
      c.btfEncode = true;
    },
  },
  {
    long: "btf_encode_detached",
    arg: "required",
    apply: (c, v) => {
      c.detached = v;
      c.btfEncode = true;
    },
  },
  { long: "skip_encoding_btf_vars", arg: "none", apply: legacy("skipEncodingBtfVars") },
  { long: "btf_encode_force", arg: "none", apply: legacy("btfEncodeForce") },
  { long: "btf_gen_floats", arg: "none", apply: legacy("btfGenFloats") },
  // pahole 1.30 runs parse_btf_features("all"): an unknown name, so (besides resetting to the initial values on a
  // first use) nothing is switched on.
  { long: "btf_gen_all", arg: "none", apply: (c) => parseBtfFeatures(c, "all", false) },
  ...["compile", "structs", "unions", "packed"].map((s) => unsupported(s, "none")),
  {
    long: "numeric_version",
    arg: "none",
    apply: (c) => {
      c.action = c.action === "encode" ? "numeric_version" : c.action;
    },
  },
  unsupported("sort", "none"),
  unsupported("prettify", "required"),
  unsupported("hashbits", "required"),
  unsupported("ptr_table_stats", "none"),
  { long: "skip_encoding_btf_decl_tag", arg: "none", apply: legacy("skipEncodingBtfDeclTag") },
  unsupported("skip_missing", "none"),
  { long: "skip_encoding_btf_type_tag", arg: "none", apply: legacy("skipEncodingBtfTypeTag") },
  {
    long: "lang",
    arg: "required",
    apply: (c, v) => {
      c.languages = { list: v!, exclude: false };
    },
  },
  {
    long: "lang_exclude",
    arg: "required",
    apply: (c, v) => {
      c.languages = { list: v!, exclude: true };
    },
  },
  { long: "skip_encoding_btf_enum64", arg: "none", apply: legacy("skipEncodingBtfEnum64") },
  unsupported("skip_emitting_atomic_typedefs", "none"),
  { long: "btf_gen_optimized", arg: "none", apply: legacy("btfGenOptimized") },
  { long: "skip_encoding_btf_inconsistent_proto", arg: "none", apply: legacy("skipEncodingBtfInconsistentProto") },
  { long: "btf_features", arg: "required", apply: (c, v) => parseBtfFeatures(c, v!, false) },
  {
    long: "supported_btf_features",
    arg: "none",
    apply: (c) => {
      c.action = "supported_btf_features";
    },
  },
  { long: "btf_features_strict", arg: "required", apply: (c, v) => parseBtfFeatures(c, v!, true) },
  { long: "reproducible_build", arg: "none", apply: legacy("reproducibleBuild") },
  unsupported("running_kernel_vmlinux", "none"),
  unsupported("btf_attributes", "none"),
  // argp's own.
  {
    long: "help",
    short: "?",
    arg: "none",
    apply: (c) => {
      c.action = "help";
    },
  },
  {
    long: "usage",
    arg: "none",
    apply: (c) => {
      c.action = "usage";
    },
  },
  {
    long: "version",
    arg: "none",
    apply: (c) => {
      c.action = "version";
    },
  },
];

function unsupported(spec: string, arg: Arg): OptionDef {
  const [long, short] = spec.split(":");
  return short === undefined ? { long: long!, arg } : { long: long!, short, arg };
}

/** C's atoi: leading blanks, a sign, digits; anything else ends it (0 if none). */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** pahole's bare `-j`: sysconf(_SC_NPROCESSORS_ONLN) * 1.1, truncated. */
function defaultJobs(): number {
  // os.availableParallelism is what Node offers for the online CPUs.
  return Math.trunc(onlineCpus() * 1.1);
}

let cpus: (() => number) | undefined;
function onlineCpus(): number {
  return cpus ? cpus() : 1;
}
/** Set by main.ts (keeps this module free of node:os, so that it can be tested with any count). */
export function setOnlineCpus(f: () => number): void {
  cpus = f;
}

/** The conf before any option: what pahole encodes without `--btf_features` (vars, tags, enum64; no floats). */
export function initialConf(): PaholeConf {
  return {
    btfEncodeForce: false,
    skipEncodingBtfVars: false,
    btfGenFloats: false,
    skipEncodingBtfDeclTag: false,
    skipEncodingBtfTypeTag: false,
    skipEncodingBtfEnum64: false,
    btfGenOptimized: false,
    skipEncodingBtfInconsistentProto: false,
    btfDeclTagKfuncs: false,
    reproducibleBuild: false,
    btfGenDistilledBase: false,
    encodeBtfGlobalVars: false,
    btfAttributes: false,
  };
}

const featuresSeen = new WeakSet<PaholeCommand>();

/**
 * pahole's `parse_btf_features`: the first use (of `--btf_features`, `--btf_features_strict` or `--btf_gen_all`)
 * resets every feature to its initial value; `default` (the whole value, or a name in the list) and a leading `+`
 * switch the default set on; each known name switches its feature on; an unknown one is ignored, or with `strict`
 * ends the run (exit 1) listing the supported ones. The value is cut at 1024 characters, as pahole's buffer is.
 */
export function parseBtfFeatures(cmd: PaholeCommand, value: string, strict: boolean): void {
  if (!featuresSeen.has(cmd)) {
    featuresSeen.add(cmd);
    for (const f of BTF_FEATURES) cmd.conf[f.conf] = f.initial;
  }
  const enable = (f: (typeof BTF_FEATURES)[number]): void => {
    cmd.conf[f.conf] = !f.initial;
  };
  const enableDefaults = (): void => {
    for (const f of BTF_FEATURES) if (f.isDefault) enable(f);
  };
  if (value === "default") {
    enableDefaults();
    return;
  }
  let list = value;
  if (list.startsWith("+")) {
    enableDefaults();
    list = list.slice(1);
  }
  for (const name of list.slice(0, 1024).split(",")) {
    if (name === "") continue;
    const f = BTF_FEATURES.find((x) => x.name === name);
    if (f) enable(f);
    else if (name === "default") enableDefaults();
    else if (name === "rust") cmd.rust = true;
    else if (strict) {
      cmd.strictFailure ??= `Feature '${name}' in '${list}' is not supported.  Supported BTF features are:\n${SUPPORTED_BTF_FEATURES}\n`;
    } else if (cmd.verbose) {
      process.stderr.write(`Ignoring unsupported feature '${name}'\n`);
    }
  }
}

/** Parse argv (without the program name) as pahole 1.30's argp would. */
export function parsePaholeArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): PaholeCommand {
  const cmd: PaholeCommand = { action: "encode", files: [], btfEncode: false, conf: initialConf(), verbose: false };
  const apply = (o: OptionDef, value: string | undefined, spelled: string): void => {
    if (!o.apply)
      throw new PaholeUsageError(`option '${spelled}' is not supported by btfkit-pahole (it only encodes BTF)`, true);
    o.apply(cmd, value);
  };
  // pahole exits inside the option parser when --btf_features_strict names an unknown feature.
  const stopped = (): boolean => cmd.strictFailure !== undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      cmd.files.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const o = findLong(name);
      const value = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (o.arg === "none") {
        if (value !== undefined) throw new PaholeUsageError(`option '--${o.long}' doesn't allow an argument`);
        apply(o, undefined, `--${o.long}`);
      } else if (o.arg === "optional") {
        apply(o, value, `--${o.long}`);
      } else if (value !== undefined) {
        apply(o, value, `--${o.long}`);
      } else {
        if (i + 1 >= argv.length) throw new PaholeUsageError(`option '--${o.long}' requires an argument`);
        apply(o, argv[++i], `--${o.long}`);
      }
      if (stopped()) return cmd;
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const ch = a[k]!;
        const o = OPTIONS.find((x) => x.short === ch);
        if (!o) throw new PaholeUsageError(`invalid option -- '${ch}'`);
        if (o.arg === "none") {
          apply(o, undefined, `-${ch}`);
          continue;
        }
        const rest = a.slice(k + 1);
        if (o.arg === "optional") {
          apply(o, rest === "" ? undefined : rest, `-${ch}`);
        } else if (rest !== "") {
          apply(o, rest, `-${ch}`);
        } else {
          if (i + 1 >= argv.length) throw new PaholeUsageError(`option requires an argument -- '${ch}'`);
          apply(o, argv[++i], `-${ch}`);
        }
        break;
      }
      if (stopped()) return cmd;
      continue;
    }
    cmd.files.push(a);
  }
  // PAHOLE_LANG_EXCLUDE applies when no --lang option was given, and means exclusion (dwarves.c languages__init).
  if (cmd.languages === undefined && env.PAHOLE_LANG_EXCLUDE)
    cmd.languages = { list: env.PAHOLE_LANG_EXCLUDE, exclude: true };
  if (env[RUST_ENV] !== undefined && env[RUST_ENV] !== "" && env[RUST_ENV] !== "0") cmd.rust = true;
  return cmd;
}

/** getopt_long's lookup: an exact name, else the only option the name is a prefix of. */
function findLong(name: string): OptionDef {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const matches = name === "" ? [] : OPTIONS.filter((o) => o.long.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new PaholeUsageError(
      `option '--${name}' is ambiguous; possibilities: ${matches.map((o) => `'--${o.long}'`).join(" ")}`,
    );
  }
  throw new PaholeUsageError(`unrecognized option '--${name}'`);
}

/** pahole's usage line and the options btfkit-pahole implements (for `--help`). */
export const HELP_TEXT = `Usage: btfkit-pahole [OPTION...] FILE
btfkit's stand-in for pahole -J: encodes the DWARF of FILE (vmlinux, a .ko, a .o) as BTF the way pahole 1.30
does, for kernel builds (make PAHOLE=btfkit-pahole). Only BTF encoding is implemented; pahole's other options are
refused with exit code 64.

  -J, --btf_encode           Encode as BTF: write a .BTF section into FILE
      --btf_encode_detached=FILENAME
                             Encode as BTF into FILENAME (raw BTF), FILE unchanged
      --btf_base=PATH        Base BTF (raw or an ELF's .BTF): write split BTF for a module
  -j, --jobs[=NR_JOBS]       Worker threads (bare -j: 1.1 × the online CPUs); the output does not depend on it
      --btf_features=FEATURE_LIST
                             Comma list; repeatable; 'default' or a leading '+' for the default set:
                             ${SUPPORTED_BTF_FEATURES}
                             btfkit's own: rust (encode Rust units even with --lang_exclude=rust;
                             also ${RUST_ENV}=1)
      --btf_features_strict=FEATURE_LIST_STRICT
                             As --btf_features, but an unknown feature is an error
      --supported_btf_features
                             Print the features and exit
      --lang=LANGUAGES       Only encode compile units of these languages
      --lang_exclude=LANGUAGES
                             Do not encode compile units of these languages (also PAHOLE_LANG_EXCLUDE)
      --btf_gen_floats, --btf_gen_optimized, --btf_encode_force, --skip_encoding_btf_vars,
      --skip_encoding_btf_decl_tag, --skip_encoding_btf_type_tag, --skip_encoding_btf_enum64,
      --skip_encoding_btf_inconsistent_proto, --reproducible_build, --btf_gen_all
                             pahole's legacy switches
  -F, --format_path=FORMAT_LIST
                             Formats to read; only 'dwarf' is supported
  -V, --verbose              Print what was encoded
      --numeric_version      Print the version as a number (130)
      --version              Print the version (v1.30)
  -?, --help                 Give this help list
      --usage                Give a short usage message

Exit status: 0 on success, 1 when encoding fails, 64 for a usage error or an unsupported option.
`;

export const USAGE_TEXT =
  "Usage: btfkit-pahole [-JV?] [-F FORMAT_LIST] [-j[NR_JOBS]] [--btf_base=PATH] [--btf_encode_detached=FILENAME]\n" +
  "            [--btf_features=FEATURE_LIST] [--lang_exclude=LANGUAGES] FILE\n";
