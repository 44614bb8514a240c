/**
 * The function and variable candidates a converter finds in one unit, in the unit's own type ids and string offsets:
 * the records the encode stage chooses FUNCs and VARs from (src/encode/functions.ts, variables.ts).
 */

/**
 * The candidates (functions or variables) found in one unit, in that unit's own ids and string offsets, kept
 * compact because every unit's candidates live until all units are merged (tens of thousands for a kernel): record
 * `i` is `words[start[i]]` to `words[start[i + 1]]`, laid out as the F_* (functions) or V_* (variables) indices say,
 * with its decl tags last as [value name_off, component_idx] pairs (component 0xffffffff: the declaration itself).
 */
export interface CandidateList {
  count: number;
  /** count + 1 record boundaries. */
  start: Uint32Array;
  words: Uint32Array;
}

// A function record: name, key, return type, flags, parameter count, then [name_off, type] per parameter (varargs
// is a final [0, 0]), then decl tags.
/** The BTF name's string offset. */
export const F_NAME = 0;
/**
 * The string offset of the name the function is matched to its symbol and grouped by (the BTF name in C; a Rust
 * unit's linkage name). Once the unit is merged, MergeAccumulator replaces it with a number equal for equal names.
 */
export const F_KEY = 1;
/** Return type id (0: void). */
export const F_RET = 2;
/** FUNC_* flags in the low byte, the FUNC linkage above. */
export const F_FLAGS = 3;
export const F_PARAM_COUNT = 4;
export const F_PARAMS = 5;
/** A parameter without a name: pahole skips such functions. */
export const FUNC_UNNAMED_PARAM = 1;
/** The DIE has code (DW_AT_low_pc or DW_AT_ranges); a weak definition the linker dropped has none. */
export const FUNC_HAS_CODE = 2;
/**
 * With parameter analysis (ConvertOptions.analyzeParams), pahole ≥ 1.25's verdicts on the definition: a parameter
 * that should arrive in a register (the first N of the ABI) is found in another one, and no parameter is a struct
 * (which spreads over registers and would explain it).
 */
export const FUNC_UNEXPECTED_REG = 4;
/** A parameter is optimized out (no location, a constant value, or no register at entry). */
export const FUNC_OPTIMIZED_PARMS = 8;
/** A parameter past the register ones is a named packed struct: its stack slot is uncertain (pahole 1.31). */
export const FUNC_UNCERTAIN_PARM_LOC = 16;
/** The record is an out-of-line instance (DW_AT_abstract_origin) of a function described elsewhere in the unit. */
export const FUNC_CONCRETE = 32;
export const FUNC_LINKAGE_SHIFT = 8;

/**
 * Builds a CandidateList one record at a time. One record is open at a time (candidates are top-level DIEs, never
 * nested); its decl tags are held aside until `end`, as they arrive between its parameters.
 */
export class CandidateListBuilder {
  private words: Uint32Array = new Uint32Array(256);
  private len = 0;
  private start: Uint32Array = new Uint32Array(64);
  private count = 0;
  /** Start of the open record (-1: none). */
  private open = -1;
  private tags: number[] = [];

  /** Open a record (one opened earlier and not ended is dropped). */
  begin(): void {
    this.len = this.start[this.count]!;
    this.open = this.len;
    this.tags.length = 0;
  }

  push(word: number): void {
    if (this.len === this.words.length) this.words = grow(this.words, this.len + 1);
    this.words[this.len++] = word;
  }

  /** The index the open record will have. */
  get openIndex(): number {
    return this.count;
  }

  /** Word `k` of the open record. */
  get(k: number): number {
    return this.words[this.open + k]!;
  }

  set(k: number, word: number): void {
    this.words[this.open + k] = word;
  }

  tag(value: number, component: number): void {
    this.tags.push(value, component >>> 0);
  }

  end(): void {
    if (this.open < 0) return;
    for (const w of this.tags) this.push(w);
    this.tags.length = 0;
    this.open = -1;
    if (this.count + 2 > this.start.length) this.start = grow(this.start, this.count + 2);
    this.start[++this.count] = this.len;
  }

  /**
   * The records so far, in exactly sized arrays of their own (they outlive the unit, and can be transferred between
   * threads); the builder starts over.
   */
  take(): CandidateList {
    const list: CandidateList = {
      count: this.count,
      start: this.start.slice(0, this.count + 1),
      words: this.words.slice(0, this.start[this.count]),
    };
    this.reset();
    return list;
  }

  /** Drop every record. */
  reset(): void {
    this.count = 0;
    this.len = 0;
    this.open = -1;
    this.tags.length = 0;
  }
}

function grow(a: Uint32Array, need: number): Uint32Array {
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

// A variable record of a CandidateList : these words, then decl tags.
/** The BTF name's string offset. */
export const V_NAME = 0;
/** The string offset of the name matched to the object symbol (the BTF name in C; a Rust unit's linkage name). */
export const V_SYMBOL = 1;
export const V_TYPE = 2;
/** 1: DW_AT_external. */
export const V_EXTERNAL = 3;
/** DW_OP_addr address as two 32-bit halves (kernel addresses do not fit a double). */
export const V_ADDR_LO = 4;
export const V_ADDR_HI = 5;
export const V_TAGS = 6;
