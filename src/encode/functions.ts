/**
 * Functions the way pahole selects them (dwarves btf_encoder.c; docs/kernel-build.md §9, docs/modern-kernel.md §2.3): a
 * FUNC only for a defined function whose name matches an STT_FUNC symbol of the ELF file, all parameters named,
 * one FUNC per name, and — with `consistent_func` — none for a name whose prototypes disagree between CUs. Every
 * FUNC has static linkage; the FUNCs are emitted after all CUs (all prototypes must be known to compare them).
 *
 * Two generations of rules, chosen by EncodeFeatures.compat:
 * - pahole 1.24 (`selectFunctions`): exact symbol names, FUNCs in the order names first appear.
 * - pahole 1.30 and 1.31 (`selectFunctionsPahole130`): names also match the base of a suffixed symbol, the
 *   candidates' parameter registers count, prototypes are compared loosely, one FUNC per name from the first
 *   unit's definition, FUNCs in name order.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, makeInfo } from "../btf/kinds.js";
import { STT, type SymbolTable } from "../elf/symbols.js";
import {
  type CandidateList,
  F_FLAGS,
  F_KEY,
  F_NAME,
  F_PARAM_COUNT,
  F_PARAMS,
  F_RET,
  FUNC_HAS_CODE,
  FUNC_LINKAGE_SHIFT,
  FUNC_UNCERTAIN_PARM_LOC,
  FUNC_UNEXPECTED_REG,
  FUNC_UNNAMED_PARAM,
} from "../convert/candidates.js";

/** Which DWARF function names have a symbol to be matched to. */
export interface FunctionNameMatcher {
  has(name: string): boolean;
}

/**
 * The DWARF function names that can match a function symbol under pahole `compat`'s rules (btf_encoder.c
 * `elf_functions__collect` and `btf_encoder__find_function`):
 * - 1.30: the name of an STT_FUNC symbol as pahole 1.30 finds it (Pahole130FunctionTable), or — with `optimized` and
 *   at least one suffixed symbol — the base name (before the first '.') of a suffixed one, `.cold` and `.part`
 *   pieces included.
 * - 1.31: the base name of every STT_FUNC symbol except those with `.cold` or `.part` after the first '.'.
 * - 1.24: `functionSymbolNames` (defined symbols, exact names; suffixed ones only with `optimized`).
 */
export function functionMatchNames(
  symtab: SymbolTable | undefined,
  compat: "1.24" | "1.30" | "1.31",
  optimized: boolean,
  /** For 1.30: the table of `symtab`, built already (by another thread). */
  table130?: Pahole130FunctionTable,
): FunctionNameMatcher {
  if (compat === "1.24") return functionSymbolNames(symtab, optimized);
  if (compat === "1.30") {
    const table = table130 ?? pahole130FunctionTable(symtab);
    const prefix = optimized && table.suffixed > 0;
    // A header's static inline functions are asked for again in every unit that includes it: each name is
    // searched once (a vmlinux asks ~10 times per distinct name).
    const known = new Map<string, boolean>();
    return {
      has: (name) => {
        let v = known.get(name);
        if (v === undefined) {
          v = table.findExact(name) || (prefix && table.findPrefix(name));
          known.set(name, v);
        }
        return v;
      },
    };
  }
  const names = new Set<string>();
  if (!symtab) return names;
  for (let i = 0; i < symtab.count; i++) {
    if (symtab.type(i) !== STT.FUNC) continue;
    const name = symtab.name(i);
    const dot = name.indexOf(".");
    if (dot >= 0 && hasNonFunctionSuffix(name, dot)) continue;
    names.add(dot >= 0 ? name.slice(0, dot) : name);
  }
  return names;
}

const tables = new WeakMap<SymbolTable, Pahole130FunctionTable>();

/** `new Pahole130FunctionTable(symtab)`, built once per symbol table (the converter and the kfunc check search it). */
export function pahole130FunctionTable(symtab: SymbolTable | undefined): Pahole130FunctionTable {
  if (symtab === undefined) return new Pahole130FunctionTable(undefined);
  let t = tables.get(symtab);
  if (t === undefined) tables.set(symtab, (t = new Pahole130FunctionTable(symtab)));
  return t;
}

/**
 * A Pahole130FunctionTable's arrays, for another thread (a structured-clone message) to rebuild the table without
 * reading the symbol table or sorting (`Pahole130FunctionTable.shared`, `new Pahole130FunctionTable(shared)`).
 */
export interface SharedFunctionTable {
  bytes: Uint8Array;
  starts: Int32Array;
  prefixLens: Int32Array;
  order: Int32Array;
  suffixed: number;
}

/**
 * pahole 1.30's table of function symbols, searched the way it searches it: every STT_FUNC symbol with its
 * `prefixlen` (up to the first '.'), sorted by glibc's merge sort with `functions_cmp` and searched with glibc's
 * bsearch. `functions_cmp` compares two names by their prefixes when the prefix lengths agree and whole otherwise,
 * which is no total order: `foo.cold` may sort before `foo`, and an exact search for `foo` then goes the wrong way
 * and fails (pahole then falls back to the prefix match, so the FUNC is still emitted, but its kfunc tags are not:
 * 28 kfuncs of Debian's 7.3.4 vmlinux, all with a `.cold` piece). Following the same steps gives the same answers.
 */
export class Pahole130FunctionTable {
  /** The names, each followed by a NUL (strncmp reads up to it), in symbol-table order. */
  private readonly bytes: Uint8Array;
  /** Where each name starts in `bytes`. */
  private readonly starts: Int32Array;
  private readonly prefixLens: Int32Array;
  /** Sorted order: indices into `starts`. */
  private readonly order: Int32Array;
  /** Symbols with a '.' in their name. */
  readonly suffixed: number;

  /** The STT_FUNC symbols of `symtab`, the given names in symbol-table order, or another table's arrays. */
  constructor(symtab: SymbolTable | undefined | readonly string[] | SharedFunctionTable) {
    if (symtab !== undefined && !Array.isArray(symtab) && "order" in symtab) {
      const t = symtab as SharedFunctionTable;
      this.bytes = t.bytes;
      this.starts = t.starts;
      this.prefixLens = t.prefixLens;
      this.order = t.order;
      this.suffixed = t.suffixed;
      return;
    }
    // The names' bytes, copied from the string table in one pass rather than decoded one by one (a vmlinux has
    // 120,000 function symbols). A name that is not ASCII is what pahole compares only if it is UTF-8, so such a
    // name is decoded and encoded again, as it always was.
    let bytes = new Uint8Array(1024);
    let len = 0;
    const starts: number[] = [];
    const append = (src: Uint8Array, from: number, to: number): void => {
      if (len + (to - from) + 1 > bytes.length) {
        const grown = new Uint8Array(Math.max(2 * bytes.length, len + (to - from) + 1));
        grown.set(bytes.subarray(0, len));
        bytes = grown;
      }
      starts.push(len);
      bytes.set(src.subarray(from, to), len);
      len += to - from;
      bytes[len++] = 0;
    };
    if (Array.isArray(symtab)) {
      for (const name of symtab as readonly string[]) {
        const b = Buffer.from(name, "utf8");
        append(b, 0, b.length);
      }
    } else if (symtab) {
      const t = symtab as SymbolTable;
      const str = t.strtab;
      bytes = new Uint8Array(str.length + 1024);
      for (let i = 0; i < t.count; i++) {
        if ((t.info[i]! & 0xf) !== STT.FUNC) continue;
        // SymbolTable.nameRange without its array: out of range reads as empty, a missing NUL as the end.
        let start = t.nameOff[i]!;
        let end = start;
        if (start >= str.length) start = end = 0;
        else while (end < str.length && str[end] !== 0) end++;
        let ascii = true;
        for (let j = start; j < end; j++) {
          if (str[j]! >= 0x80) {
            ascii = false;
            break;
          }
        }
        if (ascii) append(str, start, end);
        else {
          const b = Buffer.from(t.name(i), "utf8");
          append(b, 0, b.length);
        }
      }
    }
    const n = starts.length;
    const prefixLens = new Int32Array(n);
    let suffixed = 0;
    for (let i = 0; i < n; i++) {
      const start = starts[i]!;
      const end = i + 1 < n ? starts[i + 1]! - 1 : len - 1;
      let dot = -1;
      for (let j = start; j < end; j++) {
        if (bytes[j] === 0x2e) {
          dot = j - start;
          break;
        }
      }
      if (dot >= 0) suffixed++;
      prefixLens[i] = dot >= 0 ? dot : end - start;
    }
    this.bytes = bytes.subarray(0, len);
    this.starts = Int32Array.from(starts);
    this.prefixLens = prefixLens;
    this.suffixed = suffixed;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    glibcMergeSort(order, (x, y) => this.cmpEntries(x, y));
    this.order = order;
  }

  /** The table's arrays, for `new Pahole130FunctionTable(shared)` in another thread. */
  get shared(): SharedFunctionTable {
    return {
      bytes: this.bytes,
      starts: this.starts,
      prefixLens: this.prefixLens,
      order: this.order,
      suffixed: this.suffixed,
    };
  }

  /** functions_cmp(a, b) for two entries: strncmp over `prefixlen` bytes when they agree, else strcmp. */
  private cmpEntries(a: number, b: number): number {
    const la = this.prefixLens[a]!;
    const n = la !== 0 && la === this.prefixLens[b]! ? la : Infinity;
    const bytes = this.bytes;
    let i = this.starts[a]!;
    let j = this.starts[b]!;
    for (let k = 0; k < n; k++, i++, j++) {
      const x = bytes[i]!;
      const y = bytes[j]!;
      if (x !== y) return x - y;
      if (x === 0) return 0;
    }
    return 0;
  }

  /** bsearch with a key whose prefixlen is `keyLen` (0: exact); the key's end reads as NUL. */
  private search(key: Uint8Array, keyLen: number): boolean {
    const bytes = this.bytes;
    let l = 0;
    let u = this.order.length;
    while (l < u) {
      const idx = (l + u) >>> 1;
      const e = this.order[idx]!;
      const n = keyLen !== 0 && keyLen === this.prefixLens[e]! ? keyLen : Infinity;
      let c = 0;
      for (let k = 0, j = this.starts[e]!; k < n; k++, j++) {
        const x = k < key.length ? key[k]! : 0;
        const y = bytes[j]!;
        if (x !== y) {
          c = x - y;
          break;
        }
        if (x === 0) break;
      }
      if (c < 0) u = idx;
      else if (c > 0) l = idx + 1;
      else return true;
    }
    return false;
  }

  /** `btf_encoder__find_function(encoder, name, 0)` found a symbol. */
  findExact(name: string): boolean {
    return this.search(Buffer.from(name, "utf8"), 0);
  }

  /** `btf_encoder__find_function(encoder, name, strlen(name))` found a symbol (`name.<suffix>`, or `name`). */
  findPrefix(name: string): boolean {
    const b = Buffer.from(name, "utf8");
    return this.search(b, b.length);
  }
}

/**
 * glibc's qsort (msort.c `msort_with_tmp`: top-down, the first half of n/2 elements, ties to the left): with a
 * comparator that is not a total order, only the same steps give the same order.
 */
export function glibcMergeSort(a: Int32Array, cmp: (x: number, y: number) => number): void {
  const tmp = new Int32Array(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >>> 1;
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    let k = 0;
    let r1 = n1;
    let r2 = n2;
    while (r1 > 0 && r2 > 0) {
      if (cmp(a[i]!, a[j]!) <= 0) {
        tmp[k++] = a[i++]!;
        r1--;
      } else {
        tmp[k++] = a[j++]!;
        r2--;
      }
    }
    while (r1 > 0) {
      tmp[k++] = a[i++]!;
      r1--;
    }
    // The rest of the second half is in place already.
    a.set(tmp.subarray(0, k), lo);
  };
  sort(0, a.length);
}

/** pahole 1.31's `str_contains_non_fn_suffix`: `.cold` or `.part` anywhere from the first '.'. */
function hasNonFunctionSuffix(name: string, dot: number): boolean {
  return name.indexOf(".cold", dot) >= 0 || name.indexOf(".part", dot) >= 0;
}

/**
 * pahole 1.31's `ambiguous_addr`: base names whose kept symbols (see functionMatchNames) have several addresses —
 * `foo` and `foo.isra.0` both emitted, or two static `foo`s. As pahole, symbols are visited in name order (stable),
 * and an address of 0 does not count as a first address (a quirk of its loop, which matters in relocatable files).
 */
export function ambiguousFunctionNames(symtab: SymbolTable | undefined): Set<string> {
  const out = new Set<string>();
  if (!symtab) return out;
  const byBase = new Map<string, { name: string; lo: number; hi: number }[]>();
  for (let i = 0; i < symtab.count; i++) {
    if (symtab.type(i) !== STT.FUNC) continue;
    const name = symtab.name(i);
    const dot = name.indexOf(".");
    if (dot >= 0 && hasNonFunctionSuffix(name, dot)) continue;
    const base = dot >= 0 ? name.slice(0, dot) : name;
    let list = byBase.get(base);
    if (!list) byBase.set(base, (list = []));
    list.push({ name, lo: symtab.valueLo[i]!, hi: symtab.valueHi[i]! });
  }
  for (const [base, list] of byBase) {
    if (list.length < 2) continue;
    let lo = 0;
    let hi = 0;
    for (const sym of list) {
      if ((lo !== 0 || hi !== 0) && (lo !== sym.lo || hi !== sym.hi)) {
        out.add(base);
        break;
      }
      lo = sym.lo;
      hi = sym.hi;
    }
  }
  return out;
}

/**
 * pahole 1.30's `types__match` (btf_encoder.c), the loose comparison of two prototypes' types in one table: CONST is
 * skipped when the kinds differ, named types (typedef, struct, union, enum) compare by name only, a FWD equals a
 * struct or union of its kind, pointers, modifiers, type tags and arrays (with their counts) are followed. For two
 * FUNC_PROTOs it compares the counts and the return types only — pahole ≤ 1.31 compares the return types again in
 * its parameter loop (fixed in 1.32), and btfkit answers as the version it follows.
 */
export function looseTypesMatch(btf: Btf, a: number, b: number): boolean {
  for (let guard = 0; guard < 64; guard++) {
    if (a === b) return true;
    if (a === 0 || b === 0) return false;
    const k1 = fwdKind(btf, a);
    const k2 = fwdKind(btf, b);
    if (k1 !== k2) {
      if (k1 === BTF_KIND.CONST) {
        a = btf.sizeTypeOf(a);
        continue;
      }
      if (k2 === BTF_KIND.CONST) {
        b = btf.sizeTypeOf(b);
        continue;
      }
      return false;
    }
    switch (k1) {
      case BTF_KIND.INT:
        return (
          btf.sizeTypeOf(a) === btf.sizeTypeOf(b) && btf.extraWord(a, 0) === btf.extraWord(b, 0) && sameName(btf, a, b)
        );
      case BTF_KIND.FLOAT:
        return btf.sizeTypeOf(a) === btf.sizeTypeOf(b) && sameName(btf, a, b);
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        return sameName(btf, a, b);
      case BTF_KIND.PTR:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        a = btf.sizeTypeOf(a);
        b = btf.sizeTypeOf(b);
        continue;
      case BTF_KIND.ARRAY:
        if (btf.extraWord(a, 2) !== btf.extraWord(b, 2)) return false;
        a = btf.extraWord(a, 0);
        b = btf.extraWord(b, 0);
        continue;
      case BTF_KIND.FUNC_PROTO:
        return btf.vlen(a) === btf.vlen(b) && looseTypesMatch(btf, btf.sizeTypeOf(a), btf.sizeTypeOf(b));
      default:
        return false;
    }
  }
  return false;
}

function fwdKind(btf: Btf, id: number): number {
  const k = btf.kind(id);
  if (k === BTF_KIND.FWD) return btf.kflag(id) ? BTF_KIND.UNION : BTF_KIND.STRUCT;
  return k;
}

function sameName(btf: Btf, a: number, b: number): boolean {
  const x = btf.nameOffOf(a);
  const y = btf.nameOffOf(b);
  return x === y || btf.strings.get(x) === btf.strings.get(y);
}

/** What selectFunctionsPahole130 needs to know beyond the candidates. */
export interface Pahole130Rules {
  compat: "1.30" | "1.31";
  /** `consistent_func`: drop names with an unexpected register or differing prototypes (and 1.31's new reasons). */
  consistent: boolean;
  /** 1.31: base names whose symbols have several addresses (ambiguousFunctionNames). */
  ambiguous?: ReadonlySet<string>;
  /** The name of a group key (a candidate's F_KEY word), for sorting and `ambiguous`. */
  keyName(key: number): string;
  /** The name's UTF-8 bytes, when at hand (then they are not encoded again for sorting). */
  keyBytes?(key: number): Uint8Array;
  /** Whether candidate `b`'s prototype matches candidate `a`'s (pahole's funcs__match; see looseTypesMatch). */
  prototypesMatch(cuA: number, recA: number, cuB: number, recB: number): boolean;
}

/**
 * pahole 1.30/1.31's choice (btf_encoder.c `btf_encoder__add_saved_funcs`): the candidates with every parameter named
 * are grouped by name and the groups sorted by name (pahole sorts its saved functions by symbol name with a stable
 * sort); each group emits one FUNC, from its first candidate in unit order, unless `consistent` and some candidate
 * has an unexpected parameter register (FUNC_UNEXPECTED_REG; the flags are shared across the group), or some
 * prototype does not match the first one's; 1.31 also drops a name with an uncertain stack parameter
 * (FUNC_UNCERTAIN_PARM_LOC) or an ambiguous address. Optimized-out parameters are no reason to drop a function.
 * Returns (unit, record index) pairs in emission order.
 */
export function selectFunctionsPahole130(
  perCu: readonly CandidateList[],
  rules: Pahole130Rules,
): { chosen: Int32Array; stats: FuncSelectionStats } {
  const groups = new Map<number, number[]>(); // key → [cu, rec, cu, rec, …] in unit order
  const stats: FuncSelectionStats = { candidates: 0, emitted: 0, inconsistent: 0, unnamedParams: 0 };
  for (let cu = 0; cu < perCu.length; cu++) {
    const { count, start, words } = perCu[cu]!;
    for (let i = 0; i < count; i++) {
      stats.candidates++;
      const rec = start[i]!;
      if ((words[rec + F_FLAGS]! & FUNC_UNNAMED_PARAM) !== 0) {
        stats.unnamedParams++;
        continue;
      }
      const key = words[rec + F_KEY]!;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(cu, i);
    }
  }
  // In strcmp order (UTF-16 order differs from byte order above U+FFFF and for surrogates): each name as a string
  // of one character per byte (Latin-1), which JavaScript compares as strcmp compares the bytes, natively.
  const keys = [...groups.keys()].map((k) => {
    const b = rules.keyBytes?.(k) ?? Buffer.from(rules.keyName(k), "utf8");
    return { k, order: Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1") };
  });
  keys.sort((x, y) => (x.order < y.order ? -1 : x.order > y.order ? 1 : 0));
  const chosen = new Int32Array(2 * keys.length);
  let emitted = 0;
  const v131 = rules.compat === "1.31";
  for (const { k } of keys) {
    const g = groups.get(k)!;
    const cu0 = g[0]!;
    const rec0 = g[1]!;
    let keep = true;
    if (rules.consistent) {
      let unexpected = false;
      let inconsistent = false;
      let uncertain = false;
      for (let j = 0; j < g.length; j += 2) {
        const list = perCu[g[j]!]!;
        const flags = list.words[list.start[g[j + 1]!]! + F_FLAGS]!;
        if ((flags & FUNC_UNEXPECTED_REG) !== 0) unexpected = true;
        if ((flags & FUNC_UNCERTAIN_PARM_LOC) !== 0) uncertain = true;
        if (j > 0 && !unexpected && !inconsistent && !rules.prototypesMatch(cu0, rec0, g[j]!, g[j + 1]!))
          inconsistent = true;
      }
      if (inconsistent) stats.inconsistent++;
      keep = !unexpected && !inconsistent && !(v131 && (uncertain || rules.ambiguous?.has(rules.keyName(k)) === true));
    }
    if (!keep) continue;
    chosen[2 * emitted] = cu0;
    chosen[2 * emitted++ + 1] = rec0;
  }
  stats.emitted = emitted;
  return { chosen: chosen.slice(0, 2 * emitted), stats };
}

/** The names of the ELF file's function symbols, as pahole matches them. */
export function functionSymbolNames(symtab: SymbolTable | undefined, optimized: boolean): Set<string> {
  const names = new Set<string>();
  if (!symtab) return names;
  for (let i = 0; i < symtab.count; i++) {
    if (symtab.type(i) !== STT.FUNC || symtab.shndx[i] === 0) continue;
    let name = symtab.name(i);
    const dot = name.indexOf(".");
    if (dot >= 0) {
      // Compiler clones (`foo.isra.0`, `foo.constprop.1`); `.cold`/`.part` pieces are never whole functions.
      if (!optimized || name.includes(".cold") || name.includes(".part")) continue;
      name = name.slice(0, dot);
    }
    if (name !== "") names.add(name);
  }
  return names;
}

/**
 * A description of a type by meaning, used to compare prototypes of one function across CUs: modifiers and
 * pointers are followed, named types are named (`ptr const struct foo`).
 */
export function typeSignature(btf: Btf, id: number): string {
  let s = "";
  for (let depth = 0; depth < 32; depth++) {
    if (id === 0) return s + "void";
    const kind = btf.kind(id);
    switch (kind) {
      case BTF_KIND.PTR:
      case BTF_KIND.CONST:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        s += kind + (kind === BTF_KIND.TYPE_TAG ? `(${btf.name(id)})` : "") + " ";
        id = btf.sizeTypeOf(id);
        continue;
      case BTF_KIND.ARRAY:
        s += `[${btf.extraWord(id, 2)}] `;
        id = btf.extraWord(id, 0);
        continue;
      case BTF_KIND.FUNC_PROTO:
        return s + `proto/${btf.vlen(id)}`;
      default: {
        const name = btf.name(id);
        // Anonymous aggregates compare by size: their members are not compared (neither does pahole).
        return s + `${kind}:${name === "" ? `anon/${btf.sizeTypeOf(id)}` : name}`;
      }
    }
  }
  return s;
}

/** The DECL_TAG values pahole puts on kfuncs (include/linux/btf.h: `__bpf_kfunc`, KF_FASTCALL). */
export const KFUNC_TAG = "bpf_kfunc";
export const FASTCALL_TAG = "bpf_fastcall";
export const KF_FASTCALL = 1 << 12;

/** Maps a merged unit's type ids and string offsets to the merged table's (BtfMerger). */
export interface UnitMaps {
  mapType(cu: number, id: number): number;
  mapStr(cu: number, off: number): number;
}

/** Why functions were dropped, for the summary. */
export interface FuncSelectionStats {
  candidates: number;
  emitted: number;
  inconsistent: number;
  unnamedParams: number;
}

/**
 * Choose the definitions to emit per function name, in the order names first appear (CU order, then DIE order: the
 * order pahole 1.24 emits FUNCs in; it does not depend on how CUs were scheduled). Candidates are grouped by their
 * F_KEY word, which must be equal exactly for equal names. `sigOf` gives the prototype signature of a candidate
 * (computed on the merged table). The result holds (unit, record index) pairs.
 *
 * With `consistent` (pahole ≥ 1.25's `consistent_func`): one FUNC per name, none for a name whose signatures differ.
 *
 * Without it, given `strOf` (a CU's string at an offset, for parameter names): one FUNC per distinct definition
 * (signature and parameter names) of a name, as pahole 1.24 run with `-j` (the kernel's build) emits them. Each of
 * its encoder threads emits the first definition of a name among its own CUs, and btf__dedup merges only identical
 * FUNCs, so a kernel's BTF keeps several FUNCs of one name when the definitions differ (a weak `sys_ni.c` stub with
 * `__unused` next to the real syscall, static functions of the same name in two files: 444 extra FUNCs in Debian's
 * 6.1 vmlinux). Which ones depends on thread scheduling; btfkit emits every distinct definition, the deterministic
 * superset, and skips only the definitions with an unnamed parameter (pahole skips per definition too). Without
 * `strOf`: one FUNC per name, preferring a definition with code.
 */
export function selectFunctions(
  perCu: readonly CandidateList[],
  consistent: boolean,
  sigOf: (cu: number, words: Uint32Array, rec: number) => string,
  strOf?: (off: number, cu: number) => string,
): { chosen: Int32Array; stats: FuncSelectionStats } {
  let total = 0;
  for (const list of perCu) total += list.count;
  // Groups as linked lists over all candidates (numbered in unit then record order), groups numbered in the order
  // their names first appear: no object per candidate.
  const candCu = new Int32Array(total);
  const candRec = new Int32Array(total);
  const next = new Int32Array(total).fill(-1);
  const groupHead = new Int32Array(total);
  const groupTail = new Int32Array(total);
  const groupSize = new Int32Array(total);
  const groupOf = new Map<number, number>();
  let groups = 0;
  let c = 0;
  for (let cu = 0; cu < perCu.length; cu++) {
    const { count, start, words } = perCu[cu]!;
    for (let i = 0; i < count; i++, c++) {
      candCu[c] = cu;
      candRec[c] = i;
      const key = words[start[i]! + F_KEY]!;
      const g = groupOf.get(key);
      if (g === undefined) {
        groupOf.set(key, groups);
        groupHead[groups] = groupTail[groups] = c;
        groupSize[groups++] = 1;
      } else {
        next[groupTail[g]!] = c;
        groupTail[g] = c;
        groupSize[g]!++;
      }
    }
  }
  groupOf.clear();
  const stats: FuncSelectionStats = { candidates: total, emitted: 0, inconsistent: 0, unnamedParams: 0 };
  const chosen = new Int32Array(2 * total);
  let emitted = 0;
  const recOf = (k: number): number => perCu[candCu[k]!]!.start[candRec[k]!]!;
  const flagsOf = (k: number): number => perCu[candCu[k]!]!.words[recOf(k) + F_FLAGS]!;
  const sig = (k: number): string => sigOf(candCu[k]!, perCu[candCu[k]!]!.words, recOf(k));
  const choose = (k: number): void => {
    chosen[2 * emitted] = candCu[k]!;
    chosen[2 * emitted++ + 1] = candRec[k]!;
  };
  for (let g = 0; g < groups; g++) {
    const head = groupHead[g]!;
    const size = groupSize[g]!;
    if (!consistent && strOf) {
      let any = false;
      let seen: Set<string> | undefined;
      for (let k = head; k >= 0; k = next[k]!) {
        if ((flagsOf(k) & FUNC_UNNAMED_PARAM) !== 0) continue;
        any = true;
        if (size === 1) {
          choose(k);
          continue;
        }
        const cu = candCu[k]!;
        const words = perCu[cu]!.words;
        const rec = recOf(k);
        let key = sig(k);
        const n = words[rec + F_PARAM_COUNT]!;
        for (let p = 0; p < n; p++) key += "|" + strOf(words[rec + F_PARAMS + 2 * p]!, cu);
        seen ??= new Set<string>();
        if (seen.has(key)) continue;
        seen.add(key);
        choose(k);
      }
      if (!any) stats.unnamedParams++;
      continue;
    }
    let unnamed = false;
    for (let k = head; k >= 0; k = next[k]!) if ((flagsOf(k) & FUNC_UNNAMED_PARAM) !== 0) unnamed = true;
    if (unnamed) {
      stats.unnamedParams++;
      continue;
    }
    if (consistent && size > 1) {
      const first = sig(head);
      let same = true;
      for (let k = next[head]!; k >= 0 && same; k = next[k]!) same = sig(k) === first;
      if (!same) {
        stats.inconsistent++;
        continue;
      }
    }
    // Prefer a definition with code: a weak default (`sys_ni.c`) the linker replaced keeps its DIE without code.
    let pick = head;
    for (let k = head; k >= 0; k = next[k]!) {
      if ((flagsOf(k) & FUNC_HAS_CODE) !== 0) {
        pick = k;
        break;
      }
    }
    choose(pick);
  }
  stats.emitted = emitted;
  return { chosen: chosen.slice(0, 2 * emitted), stats };
}

/**
 * Append FUNC_PROTO, FUNC and the decl tags of function `i` of unit `cu` (`list`) to `out`, whose ids and string
 * offsets `maps` gives.
 */
export function emitFunction(
  out: Btf,
  maps: UnitMaps,
  cu: number,
  list: CandidateList,
  i: number,
  declTags: boolean,
  kfuncFlags = -1,
): number {
  const { words } = list;
  const rec = list.start[i]!;
  const end = list.start[i + 1]!;
  const n = words[rec + F_PARAM_COUNT]!;
  const proto = new Array<number>(n * 2);
  for (let k = 0, p = rec + F_PARAMS; k < n; k++, p += 2) {
    proto[2 * k] = maps.mapStr(cu, words[p]!);
    proto[2 * k + 1] = maps.mapType(cu, words[p + 1]!);
  }
  const protoId = out.add(0, makeInfo(BTF_KIND.FUNC_PROTO, n, false), maps.mapType(cu, words[rec + F_RET]!), proto);
  const fn = out.add(
    maps.mapStr(cu, words[rec + F_NAME]!),
    makeInfo(BTF_KIND.FUNC, words[rec + F_FLAGS]! >>> FUNC_LINKAGE_SHIFT, false),
    protoId,
  );
  if (declTags && kfuncFlags >= 0) {
    // pahole's btf__tag_kfunc: the kfunc tags come right after the FUNC, before the function's own tags.
    out.add(out.strings.intern(KFUNC_TAG), makeInfo(BTF_KIND.DECL_TAG, 0, false), fn, [0xffffffff]);
    if ((kfuncFlags & KF_FASTCALL) !== 0)
      out.add(out.strings.intern(FASTCALL_TAG), makeInfo(BTF_KIND.DECL_TAG, 0, false), fn, [0xffffffff]);
  }
  if (declTags) {
    for (let t = rec + F_PARAMS + 2 * n; t < end; t += 2) {
      out.add(maps.mapStr(cu, words[t]!), makeInfo(BTF_KIND.DECL_TAG, 0, false), fn, [words[t + 1]!]);
    }
  }
  return fn;
}
