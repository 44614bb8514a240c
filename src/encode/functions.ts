/**
 * Functions the way pahole selects them (dwarves btf_encoder.c; docs kernel-build.md §9): a FUNC only for a
 * defined function whose name is an STT_FUNC symbol of the ELF file, all parameters named, one FUNC per name,
 * and — with `consistent_func` — none for a name whose prototypes disagree between CUs. Every FUNC has static
 * linkage; the FUNCs are emitted after all CUs (all prototypes must be known to compare them), in the order their
 * names first appear.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, makeInfo } from "../btf/kinds.js";
import { STT, type SymbolTable } from "../elf/symbols.js";
import { type CandidateList, F_FLAGS, F_KEY, F_NAME, F_PARAM_COUNT, F_PARAMS, F_RET, FUNC_HAS_CODE, FUNC_LINKAGE_SHIFT, FUNC_UNNAMED_PARAM } from "../convert/candidates.js";


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
export function selectFunctions(perCu: readonly CandidateList[], consistent: boolean,
  sigOf: (cu: number, words: Uint32Array, rec: number) => string,
  strOf?: (off: number, cu: number) => string): { chosen: Int32Array; stats: FuncSelectionStats } {
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
export function emitFunction(out: Btf, maps: UnitMaps, cu: number, list: CandidateList, i: number, declTags: boolean): number {
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
  const fn = out.add(maps.mapStr(cu, words[rec + F_NAME]!), makeInfo(BTF_KIND.FUNC, words[rec + F_FLAGS]! >>> FUNC_LINKAGE_SHIFT, false), protoId);
  if (declTags) {
    for (let t = rec + F_PARAMS + 2 * n; t < end; t += 2) {
      out.add(maps.mapStr(cu, words[t]!), makeInfo(BTF_KIND.DECL_TAG, 0, false), fn, [words[t + 1]!]);
    }
  }
  return fn;
}
