/**
 * pahole's BTF feature names (`--btf_features`) and legacy flags, turned into one options object for the
 * converter. Names and defaults follow dwarves `pahole.c` (docs/kernel-build.md §6): unknown names are ignored
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
  /**
   * Rust units next to C (or on a base): keep Rust types whose names C types have as they are, second definitions of
   * C names. Off (the default): bindgen's mirrors fold into the C types and other such Rust types get their
   * qualified names (rust-mirrors.ts). Not a pahole feature.
   */
  rustDuplicates: boolean;
  /**
   * `bpf_kfunc` (and `bpf_fastcall`) DECL_TAGs on the FUNCs of the kfunc sets in `.BTF_ids` (pahole ≥ 1.27's
   * `decl_tag_kfuncs`, on by default there); needs `declTag`. Kernels 7.0–7.2 find kfuncs only through these tags.
   */
  declTagKfuncs: boolean;
  /** Which pahole's rules to follow where versions differ: function selection above all (see PaholeCompat). */
  compat: PaholeCompat;
}

/**
 * The pahole version whose rules `encode` follows where pahole versions differ (docs/modern-kernel.md §2.3):
 * - `1.24`: FUNCs for exact symbol names only; without `consistent_func`, every distinct definition of a name (as the
 *   kernel's `pahole -j` left them); no kfunc tags (Debian 6.1's build).
 * - `1.30`: exact name, else the base name of a suffixed symbol (`foo.isra.0`) with `optimized_func`; one FUNC per
 *   name from the first unit's definition; with `consistent_func` none for a name with an unexpected parameter
 *   register or prototypes that differ (pahole's loose match) (Debian 7.3's build).
 * - `1.31`: as 1.30, but `.cold`/`.part` symbols are ignored, names always match by base name, and a name with
 *   symbols at several addresses or a packed struct passed on the stack gets no FUNC.
 */
export type PaholeCompat = "1.24" | "1.30" | "1.31";
export const PAHOLE_COMPATS: readonly PaholeCompat[] = ["1.24", "1.30", "1.31"];
/** The rules of the pahole version btfkit-pahole reports (`v1.30`). */
export const DEFAULT_COMPAT: PaholeCompat = "1.30";

/** A `--compat` value checked (USAGE error for anything else). */
export function parseCompat(v: string): PaholeCompat {
  const c = v.trim().replace(/^v/, "");
  if ((PAHOLE_COMPATS as readonly string[]).includes(c)) return c as PaholeCompat;
  throw new BtfkitError(ErrorCode.USAGE, `unknown --compat '${v}' (known: ${PAHOLE_COMPATS.join(", ")})`);
}

/** Feature name → field; the order is the order `--supported-features` lists them. */
/** The on/off fields of EncodeFeatures. */
export type FeatureFlag = Exclude<keyof EncodeFeatures, "compat">;

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
  rust_duplicates: "rustDuplicates",
  decl_tag_kfuncs: "declTagKfuncs",
} as const satisfies Record<string, FeatureFlag>;

/** Names pahole knows that btfkit accepts and ignores (they do not change what the converter emits). */
const IGNORED_FEATURES = new Set(["reproducible_build", "distilled_base", "attributes", "true_signature", "layout"]);

/** pahole's `default` set; arrays stay nested (`flat_arrays` gives pahole's flattening). */
export function defaultFeatures(): EncodeFeatures {
  return {
    encodeForce: true,
    var: true,
    float: true,
    declTag: true,
    typeTag: true,
    enum64: true,
    optimizedFunc: true,
    consistentFunc: true,
    globalVar: false,
    flatArrays: false,
    rustQualifiedNames: false,
    rustDuplicates: false,
    declTagKfuncs: true,
    compat: DEFAULT_COMPAT,
  };
}

/** Nothing on: the base a plain feature list (without `default` or `+`) starts from. */
function noFeatures(): EncodeFeatures {
  return {
    encodeForce: false,
    var: false,
    float: false,
    declTag: false,
    typeTag: false,
    enum64: false,
    optimizedFunc: false,
    consistentFunc: false,
    globalVar: false,
    flatArrays: false,
    rustQualifiedNames: false,
    rustDuplicates: false,
    declTagKfuncs: false,
    compat: DEFAULT_COMPAT,
  };
}

/**
 * Parse one or more comma lists (several `--features` options are united, as the kernel passes several
 * `--btf_features`). Undefined or empty: the default set.
 *
 * `compat` (a pahole version, see PaholeCompat) makes the result that version's: its function rules, and what it
 * cannot do switched off whatever the list says (1.24 has neither `optimized_func` nor kfunc tags). Given
 * explicitly, it also flattens multi-dimensional arrays by default, as every pahole up to 1.31 does (the list can
 * still say `-flat_arrays`); without it btfkit keeps them nested.
 */
export function parseFeatures(
  lists: string | readonly string[] | undefined,
  opts: { strict?: boolean; compat?: PaholeCompat } = {},
): EncodeFeatures {
  const items = (typeof lists === "string" ? [lists] : (lists ?? []))
    .flatMap((l) => l.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const additive = items.length === 0 || items.some((s) => s === "default" || s.startsWith("+"));
  const f = additive ? defaultFeatures() : noFeatures();
  if (opts.compat !== undefined) {
    f.compat = opts.compat;
    f.flatArrays = true;
  }
  for (const raw of items) {
    if (raw === "default") continue;
    const negate = raw.startsWith("-") || raw.startsWith("no_");
    const name = raw.replace(/^[+-]/, "").replace(/^no_/, "");
    const field = (FEATURE_NAMES as Record<string, FeatureFlag>)[name];
    if (field !== undefined) f[field] = !negate;
    else if (opts.strict && !IGNORED_FEATURES.has(name)) {
      throw new BtfkitError(
        ErrorCode.USAGE,
        `unknown BTF feature '${name}' (known: ${Object.keys(FEATURE_NAMES).join(", ")})`,
      );
    }
  }
  return withCompat(f);
}

/** Switch off what the chosen pahole version does not have. */
export function withCompat(f: EncodeFeatures): EncodeFeatures {
  if (f.compat === "1.24") return { ...f, optimizedFunc: false, declTagKfuncs: false };
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
  return withCompat({ ...defaultFeatures(), float: false, consistentFunc: false, flatArrays: true, compat: "1.24" });
}
