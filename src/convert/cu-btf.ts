/**
 * What converting one unit gives (CuBtf) and what a converter is told (ConvertOptions): the interface the C and Rust
 * converters share and the encode stage consumes.
 */
import type { Btf } from "../btf/btf.js";
import type { CandidateList } from "./candidates.js";

/** The encoding choices the converters read (the encode stage's EncodeFeatures has these and more). */
export interface ConvertFeatures {
  /** FLOAT kind for floating-point base types; otherwise INTs without encoding. */
  float: boolean;
  /** `btf_decl_tag` annotations → DECL_TAG. */
  declTag: boolean;
  /** `btf_type_tag` annotations → TYPE_TAG. */
  typeTag: boolean;
  /** ENUM64 for enums wider than 4 bytes. */
  enum64: boolean;
  /** Collect variable candidates (per-CPU or global VARs are wanted). */
  var: boolean;
  /** Multi-dimensional arrays as one flat ARRAY (pahole ≤ 1.31). */
  flatArrays: boolean;
  /** Rust type names qualified with their namespaces. */
  rustQualifiedNames: boolean;
}

/** The result of converting one unit. Ids and string offsets are the unit's own. */
export interface CuBtf {
  btf: Btf;
  unitOffset: number;
  language: number;
  /** DIEs walked. */
  dies: number;
  /** Id of the unit's first base type named `int`, 0 when it has none. */
  intId: number;
  /** Id of the array index INT this unit added (it has arrays but no `int`), 0 when none. */
  syntheticIndexId: number;
  /** Function candidates (functions.ts F_* records). */
  functions: CandidateList;
  /** Variable candidates (variables.ts V_* records). */
  variables: CandidateList;
  /**
   * DieRefs of DIEs outside the unit that its types refer to; a reference to `externals[k]` is written as the
   * placeholder id `EXTERNAL_REF | k`, which the merge resolves (merge.ts).
   */
  externals: number[];
  /** For a type unit: the DieRef of its type DIE (what ref_sig8 points at) and that type's id; -1 and 0 otherwise. */
  exportRef: number;
  exportId: number;
  /** Base types whose size BTF cannot hold, encoded as `__SANITIZED_FAKE_INT__`. */
  sanitizedInts: number;
  /** Types dropped or changed in a way that loses information, by name (Rust units). */
  warnings?: string[];
  /**
   * Rust units: the namespace-qualified name (`kernel__sync__Mutex`, `core__primitive__char`) of each named type
   * whose BTF name is the short one, as parallel lists of the unit's type ids and names. The link stage gives a
   * Rust type this name when its short name is a different C type's (src/encode/rust-mirrors.ts).
   */
  qualifiedNames?: { ids: number[]; names: string[] };
}

export interface ConvertOptions {
  features: ConvertFeatures;
  /**
   * pahole ≥ 1.25's look at function definitions: out-of-line instances (DW_AT_abstract_origin) become candidates
   * too, and each parameter's location is checked against the registers the ABI passes it in (candidate flags
   * FUNC_UNEXPECTED_REG, FUNC_OPTIMIZED_PARMS, FUNC_UNCERTAIN_PARM_LOC). Off: pahole 1.24's view.
   */
  analyzeParams?: boolean;
  /** Names of the ELF file's function symbols; only these become function candidates. */
  functionNames: { has(name: string): boolean };
  /**
   * Write names that live in the file's `.debug_str` as `STR_REF | section offset` instead of interning them
   * into the unit's own string table: the merge (given the same `.debug_str`) interns each such string once for
   * all units. Off by default, so that a CuBtf is self-contained.
   */
  debugStrRefs?: boolean;
  /**
   * Build every unit's table in the same (growing) arrays: a CuBtf is then valid only until the next `convert`
   * (for a caller that merges each unit at once); saves allocating and freeing a table per unit.
   */
  reuseTables?: boolean;
}

/**
 * Bit 29 of a string offset marks (with `debugStrRefs`) an offset into `.debug_str` rather than the unit's table.
 * Not bit 31: an offset with it is no small integer to V8, and each one a converter function returns is a heap
 * allocation (millions of names in a vmlinux). So `.debug_str` offsets from 2^29 (512 MiB) are interned as the
 * unit's own, and a unit's own strings must stay below 2^29 bytes (the converter checks).
 */
export const STR_REF = 0x20000000;

/** Bit 31 of an id marks a reference to a DIE outside the unit (an index into `CuBtf.externals`). */
export const EXTERNAL_REF = 0x80000000;
