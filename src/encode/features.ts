/**
 * pahole's BTF feature names (`--btf_features`) and legacy flags, turned into one options object for the
 * converter. Names and defaults follow dwarves `pahole.c` (see docs kernel-build.md §6): unknown names are ignored
 * unless `strict`, `default` selects the default set, `+name` adds to the defaults.
 */
import { BtfkitError, ErrorCode } from "../common/errors.js";

export interface EncodeFeatures {
  /** Skip symbols with invalid names instead of failing. */
  encodeForce: boolean;
  /** VAR + DATASEC for per-CPU variables (`.data..percpu`). */
  var: boolean;
  /** FLOAT kind for floating-point base types; otherwise they become INTs without encoding. */
  float: boolean;
  /** `btf_decl_tag` annotations → DECL_TAG. */
  declTag: boolean;
  /** `btf_type_tag` annotations → TYPE_TAG. */
  typeTag: boolean;
  /** ENUM64 for enums wider than 4 bytes; off: an ENUM of the same size with the values' low 32 bits. */
  enum64: boolean;
  /** Also match functions whose symbols carry a compiler suffix (`foo.isra.0` → `foo`). */
  optimizedFunc: boolean;
  /** Drop functions whose prototypes differ between CUs. */
  consistentFunc: boolean;
  /** VARs for every global variable in an allocated data section, not only per-CPU ones. */
  globalVar: boolean;
  /**
   * Multi-dimensional arrays as one flat ARRAY with the product of the dimensions, as pahole does
   * ("TODO: Encode one dimension at a time" in btf_encoder.c). Off: nested ARRAYs, one per dimension.
   */
  flatArrays: boolean;
  /**
   * Rust units: type names qualified with their namespaces (`mycrate__net__ipv4__Addr`, joined with `__`, then
   * escaped) instead of the short `DW_AT_name` (what LLVM, pahole and bpf-linker emit). Not a pahole feature.
   */
  rustQualifiedNames: boolean;
}

/** Feature name → field; the order is the order `--supported-features` lists them. */
export const FEATURE_NAMES = {
  encode_force: "encodeForce",
  var: "var",
  float: "float",
  decl_tag: "declTag",
  type_tag: "typeTag",
  enum64: "enum64",
  optimized_func: "optimizedFunc",
  consistent_func: "consistentFunc",
  global_var: "globalVar",
  flat_arrays: "flatArrays",
  rust_qualified_names: "rustQualifiedNames",
} as const satisfies Record<string, keyof EncodeFeatures>;

/** Names pahole knows that btfkit accepts and ignores (they do not change what the converter emits). */
const IGNORED_FEATURES = new Set(["reproducible_build", "decl_tag_kfuncs", "distilled_base", "attributes", "true_signature", "layout"]);

/** pahole's `default` set; arrays stay nested (`flat_arrays` gives pahole's flattening). */
export function defaultFeatures(): EncodeFeatures {
  return {
    encodeForce: true, var: true, float: true, declTag: true, typeTag: true, enum64: true,
    optimizedFunc: false, consistentFunc: true, globalVar: false, flatArrays: false, rustQualifiedNames: false,
  };
}

/** Nothing on: the base a plain feature list (without `default` or `+`) starts from. */
function noFeatures(): EncodeFeatures {
  return {
    encodeForce: false, var: false, float: false, declTag: false, typeTag: false, enum64: false,
    optimizedFunc: false, consistentFunc: false, globalVar: false, flatArrays: false, rustQualifiedNames: false,
  };
}

/**
 * Parse one or more comma lists (several `--features` options are united, as the kernel passes several
 * `--btf_features`). Undefined or empty: the default set.
 */
export function parseFeatures(lists: string | readonly string[] | undefined, opts: { strict?: boolean } = {}): EncodeFeatures {
  const items = (typeof lists === "string" ? [lists] : lists ?? [])
    .flatMap((l) => l.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) return defaultFeatures();
  const additive = items.some((s) => s === "default" || s.startsWith("+"));
  const f = additive ? defaultFeatures() : noFeatures();
  for (const raw of items) {
    if (raw === "default") continue;
    const negate = raw.startsWith("-") || raw.startsWith("no_");
    const name = raw.replace(/^[+-]/, "").replace(/^no_/, "");
    const field = (FEATURE_NAMES as Record<string, keyof EncodeFeatures>)[name];
    if (field !== undefined) f[field] = !negate;
    else if (opts.strict && !IGNORED_FEATURES.has(name)) {
      throw new BtfkitError(ErrorCode.USAGE, `unknown BTF feature '${name}' (known: ${Object.keys(FEATURE_NAMES).join(", ")})`);
    }
  }
  return f;
}

/** pahole's legacy flags, applied on top of a feature set. */
export interface LegacyFlags {
  skipEncodingBtfVars?: boolean;
  btfGenFloats?: boolean;
  skipEncodingBtfEnum64?: boolean;
  skipEncodingBtfDeclTag?: boolean;
  skipEncodingBtfTypeTag?: boolean;
  btfGenOptimized?: boolean;
  skipEncodingBtfInconsistentProto?: boolean;
  btfEncodeForce?: boolean;
}

/** Apply legacy flags to `f` (returns a new object). */
export function applyLegacyFlags(f: EncodeFeatures, flags: LegacyFlags): EncodeFeatures {
  const r = { ...f };
  if (flags.skipEncodingBtfVars) r.var = false;
  if (flags.btfGenFloats) r.float = true;
  if (flags.skipEncodingBtfEnum64) r.enum64 = false;
  if (flags.skipEncodingBtfDeclTag) r.declTag = false;
  if (flags.skipEncodingBtfTypeTag) r.typeTag = false;
  if (flags.btfGenOptimized) r.optimizedFunc = true;
  if (flags.skipEncodingBtfInconsistentProto) r.consistentFunc = true;
  if (flags.btfEncodeForce) r.encodeForce = true;
  return r;
}

/** What pahole 1.24 does with no feature options (the 6.1 kernel style): no floats, no prototype check. */
export function pahole124Features(): EncodeFeatures {
  return { ...defaultFeatures(), float: false, consistentFunc: false, flatArrays: true };
}
