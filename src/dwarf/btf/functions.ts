/**
 * Functions the way pahole selects them (dwarves btf_encoder.c; docs kernel-build.md §9): a FUNC only for a
 * defined function whose name is an STT_FUNC symbol of the ELF file, all parameters named, one FUNC per name,
 * and — with `consistent_func` — none for a name whose prototypes disagree between CUs. Every FUNC has static
 * linkage; the FUNCs are emitted after all CUs (all prototypes must be known to compare them), in the order their
 * names first appear.
 */
import type { Btf } from "../../btf/btf.js";
import { BTF_FUNC_STATIC, BTF_KIND, makeInfo } from "../../btf/kinds.js";
import { STT, type SymbolTable } from "../../elf/symbols.js";

/** A function found in one CU, in that CU's own ids and string offsets. */
export interface FuncCandidate {
  name: string;
  nameOff: number;
  /** Return type id (0: void). */
  retType: number;
  /** [name_off, type] per parameter; varargs is a final [0, 0]. */
  params: number[];
  /** [value name_off, component_idx] per decl tag (component -1: the function itself). */
  declTags: number[];
  /** A parameter without a name: pahole skips such functions. */
  unnamedParam: boolean;
  /** The DIE has code (DW_AT_low_pc or DW_AT_ranges); a weak definition the linker dropped has none. */
  hasCode: boolean;
  /** FUNC linkage (BTF_FUNC_STATIC when absent, as pahole); Rust units take it from the symbol's binding. */
  linkage?: number;
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

/** One function chosen for the output: the candidate and the id map of its CU. */
export interface ChosenFunc {
  cand: FuncCandidate;
  cu: number;
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
 * order pahole 1.24 emits FUNCs in; it does not depend on how CUs were scheduled). `sigOf` gives the prototype
 * signature of a candidate (computed on the merged table).
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
export function selectFunctions(perCu: readonly (readonly FuncCandidate[])[], consistent: boolean,
  sigOf: (cand: FuncCandidate, cu: number) => string,
  strOf?: (off: number, cu: number) => string): { chosen: ChosenFunc[]; stats: FuncSelectionStats } {
  const byName = new Map<string, ChosenFunc[]>();
  const stats: FuncSelectionStats = { candidates: 0, emitted: 0, inconsistent: 0, unnamedParams: 0 };
  for (let cu = 0; cu < perCu.length; cu++) {
    for (const cand of perCu[cu]!) {
      stats.candidates++;
      let list = byName.get(cand.name);
      if (!list) byName.set(cand.name, (list = []));
      list.push({ cand, cu });
    }
  }
  const chosen: ChosenFunc[] = [];
  for (const list of byName.values()) {
    if (!consistent && strOf) {
      const named = list.filter((f) => !f.cand.unnamedParam);
      if (named.length === 0) {
        stats.unnamedParams++;
        continue;
      }
      const seen = new Set<string>();
      for (const f of named) {
        let key = "";
        if (list.length > 1) {
          key = sigOf(f.cand, f.cu);
          for (let k = 0; k < f.cand.params.length; k += 2) key += "|" + strOf(f.cand.params[k]!, f.cu);
        }
        if (seen.has(key)) continue;
        seen.add(key);
        chosen.push(f);
      }
      continue;
    }
    if (list.some((f) => f.cand.unnamedParam)) {
      stats.unnamedParams++;
      continue;
    }
    if (consistent && list.length > 1) {
      const first = sigOf(list[0]!.cand, list[0]!.cu);
      if (list.some((f, i) => i > 0 && sigOf(f.cand, f.cu) !== first)) {
        stats.inconsistent++;
        continue;
      }
    }
    // Prefer a definition with code: a weak default (`sys_ni.c`) the linker replaced keeps its DIE without code.
    chosen.push(list.find((f) => f.cand.hasCode) ?? list[0]!);
  }
  stats.emitted = chosen.length;
  return { chosen, stats };
}

/**
 * Append FUNC_PROTO, FUNC and the decl tags of one chosen function to `out`. `mapType` maps the CU's type ids,
 * `mapStr` its string offsets, to `out`'s.
 */
export function emitFunction(out: Btf, f: FuncCandidate, mapType: (id: number) => number, mapStr: (off: number) => number, declTags: boolean): number {
  const n = f.params.length >> 1;
  const words = new Array<number>(n * 2);
  for (let k = 0; k < n; k++) {
    words[2 * k] = mapStr(f.params[2 * k]!);
    words[2 * k + 1] = mapType(f.params[2 * k + 1]!);
  }
  const proto = out.add(0, makeInfo(BTF_KIND.FUNC_PROTO, n, false), mapType(f.retType), words);
  const fn = out.add(mapStr(f.nameOff), makeInfo(BTF_KIND.FUNC, f.linkage ?? BTF_FUNC_STATIC, false), proto);
  if (declTags) {
    for (let k = 0; k < f.declTags.length; k += 2) {
      out.add(mapStr(f.declTags[k]!), makeInfo(BTF_KIND.DECL_TAG, 0, false), fn, [f.declTags[k + 1]! >>> 0]);
    }
  }
  return fn;
}
