/**
 * Variables the way pahole selects them (docs/kernel-build.md §10, docs/modern-kernel.md §2.2): VAR + DATASEC for
 * per-CPU variables (`.data..percpu`) by default, for every variable of an allocated data section with
 * `global_var`. A variable qualifies when it is a top-level definition with a static address (`DW_OP_addr`).
 *
 * Two rule sets (EncodeFeatures.compat):
 * - pahole 1.24: an STT_OBJECT symbol of the same name and address confirms the variable; the DATASEC entry's offset
 *   and size come from that symbol.
 * - pahole ≥ 1.28 (`byAddress`): the section is the one whose address range holds the variable's address, the size
 *   is that of its DWARF type, and only a variable at a section's first byte needs a symbol of its name there
 *   (btf_encoder.c `btf_encoder__encode_cu_variables`). In a relocatable file (a `.ko`), whose sections all start
 *   at 0, the symbol tells the section, as libdwfl's layout of the sections does for pahole.
 * Addresses are compared as 64-bit integers: a kernel's per-CPU section lies at 0xffffffff8…, where a double has a
 * resolution of 2 KiB.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_STATIC, makeInfo } from "../btf/kinds.js";
import { ET, type ElfFile, SHF, SHT } from "../elf/elf-file.js";
import { STT, type SymbolTable } from "../elf/symbols.js";
import {
  type CandidateList,
  V_ADDR_HI,
  V_ADDR_LO,
  V_EXTERNAL,
  V_NAME,
  V_SYMBOL,
  V_TAGS,
  V_TYPE,
} from "../convert/candidates.js";
import type { UnitMaps } from "./functions.js";

export const PERCPU_SECTION = ".data..percpu";

/** Names pahole never encodes as VARs (generated symbols). */
const SKIPPED_PREFIXES = [
  "__UNIQUE_ID",
  "__tpstrtab_",
  "__exitcall_",
  "__gendwarfksyms_ptr_",
  "__func_stack_frame_non_standard_",
];

export function isSkippedVarName(name: string): boolean {
  for (const p of SKIPPED_PREFIXES) if (name.startsWith(p)) return true;
  return false;
}

/** The object symbols of an ELF file by name (indices into the table), for matching variables. */
export class ObjectSymbols {
  private readonly byName = new Map<string, number[]>();
  private readonly sectionOk: Uint8Array;
  /** ET_REL: addresses are section offsets. */
  readonly relocatable: boolean;

  constructor(
    readonly elf: ElfFile,
    readonly symtab: SymbolTable | undefined,
    globalVar: boolean,
  ) {
    this.relocatable = elf.header.type === ET.REL;
    this.sectionOk = new Uint8Array(elf.sections.length);
    for (const s of elf.sections) {
      const data =
        (s.type === SHT.PROGBITS || s.type === SHT.NOBITS) &&
        (s.flags & SHF.ALLOC) !== 0 &&
        (s.flags & SHF.EXECINSTR) === 0;
      this.sectionOk[s.index] = s.name === PERCPU_SECTION || (globalVar && data) ? 1 : 0;
    }
    if (!symtab) return;
    for (let i = 0; i < symtab.count; i++) {
      if (symtab.type(i) !== STT.OBJECT) continue;
      const sh = symtab.shndx[i]!;
      if (sh === 0 || sh >= this.sectionOk.length || this.sectionOk[sh] === 0) continue;
      const name = symtab.name(i);
      let list = this.byName.get(name);
      if (!list) this.byName.set(name, (list = []));
      list.push(i);
    }
  }

  /** Whether variables of section `index` are wanted (`.data..percpu`, or every data section with `global_var`). */
  includes(index: number): boolean {
    return this.sectionOk[index] === 1;
  }

  /** pahole's `variable_in_sec`: an STT_OBJECT symbol named `name` in section `index`. */
  hasObjectIn(name: string, index: number): boolean {
    const list = this.byName.get(name);
    if (!list || !this.symtab) return false;
    for (const i of list) if (this.symtab.shndx[i] === index) return true;
    return false;
  }

  /** The symbol that confirms a variable (same name and address, in a wanted section), or -1. */
  find(name: string, addrLo: number, addrHi: number): number {
    const list = this.byName.get(name);
    if (!list || !this.symtab) return -1;
    for (const i of list) {
      if (this.symtab.valueLo[i] === addrLo && this.symtab.valueHi[i] === addrHi) return i;
    }
    return -1;
  }
}

/** Counts for the summary. */
export interface VarSelectionStats {
  candidates: number;
  emitted: number;
  sections: number;
}

interface SecEntry {
  varId: number;
  offset: number;
  size: number;
}

/** How emitVariables decides; see the file comment. */
export interface VarRules {
  /** pahole ≥ 1.28: section by address, size from the DWARF type. */
  byAddress: boolean;
  declTags: boolean;
  /** Byte size of a unit's type (for `byAddress`); ≤ 0 when it has none. */
  sizeOf(cu: number, type: number): number;
}

/**
 * Append VARs (with their decl tags) for the qualifying candidates of every CU, in CU order, then one DATASEC per
 * section with entries sorted by offset. `maps` maps a CU's ids and string offsets to `out`'s; `strOf` gives a CU's
 * string at an offset without adding it to `out` (the symbol names of variables that do not qualify stay out).
 * A second variable at an address already taken is left out: two DATASEC entries of one place would overlap, which
 * the kernel rejects.
 */
export function emitVariables(
  out: Btf,
  perCu: readonly CandidateList[],
  syms: ObjectSymbols,
  maps: UnitMaps,
  strOf: (cu: number, off: number) => string,
  rules: VarRules,
): VarSelectionStats {
  const stats: VarSelectionStats = { candidates: 0, emitted: 0, sections: 0 };
  const symtab = syms.symtab;
  if (!symtab) return stats;
  const elf = syms.elf;
  const byAddress = rules.byAddress && !syms.relocatable;
  const dataSections = byAddress
    ? elf.sections.filter((s) => s.index > 0 && (s.type === SHT.PROGBITS || s.type === SHT.NOBITS))
    : [];
  const seen = new Set<string>();
  const bySection = new Map<number, SecEntry[]>();
  for (let cu = 0; cu < perCu.length; cu++) {
    const { count, start, words } = perCu[cu]!;
    for (let i = 0; i < count; i++) {
      stats.candidates++;
      const rec = start[i]!;
      const type = words[rec + V_TYPE]!;
      if (type === 0) continue;
      const name = strOf(cu, words[rec + V_SYMBOL]!);
      if (isSkippedVarName(name)) continue;
      const addrLo = words[rec + V_ADDR_LO]!;
      const addrHi = words[rec + V_ADDR_HI]!;
      let secIndex: number;
      let offset: number;
      let size: number;
      if (byAddress) {
        const addr = (BigInt(addrHi) << 32n) | BigInt(addrLo);
        const sec = dataSections.find((s) => s.addrBig <= addr && addr - s.addrBig < BigInt(s.size));
        if (!sec || !syms.includes(sec.index)) continue;
        const rel = addr - sec.addrBig;
        // Address 0 of a section may be a variable of a discarded section (DWARF keeps it at 0): a symbol decides.
        if (rel === 0n && !syms.hasObjectIn(name, sec.index)) continue;
        if (rel > 0xffffffffn) continue;
        secIndex = sec.index;
        offset = Number(rel);
        size = rules.sizeOf(cu, type);
      } else {
        // In a linked file address 0 is no address (pahole 1.24 leaves such variables out, e.g. x86's
        // fixed_percpu_data placed first in .data..percpu by DEFINE_PER_CPU_FIRST); in an object file it is the
        // section's first byte.
        if (!syms.relocatable && addrLo === 0 && addrHi === 0) continue;
        const si = syms.find(name, addrLo, addrHi);
        if (si < 0) continue;
        const sec = elf.sections[symtab.shndx[si]!]!;
        const rel = symtab.valueBig(si) - sec.addrBig;
        if (rel < 0n || rel > 0xffffffffn) continue;
        secIndex = sec.index;
        offset = Number(rel);
        size = rules.byAddress ? rules.sizeOf(cu, type) : symtab.size(si);
      }
      if (size <= 0 || size > 0xffffffff) continue;
      const place = `${secIndex}:${offset}`;
      if (seen.has(place)) continue;
      seen.add(place);
      const linkage = words[rec + V_EXTERNAL] !== 0 ? BTF_VAR_GLOBAL_ALLOCATED : BTF_VAR_STATIC;
      const id = out.add(
        maps.mapStr(cu, words[rec + V_NAME]!),
        makeInfo(BTF_KIND.VAR, 0, false),
        maps.mapType(cu, type),
        [linkage],
      );
      if (rules.declTags) {
        for (let t = rec + V_TAGS, end = start[i + 1]!; t < end; t += 2) {
          out.add(maps.mapStr(cu, words[t]!), makeInfo(BTF_KIND.DECL_TAG, 0, false), id, [words[t + 1]!]);
        }
      }
      stats.emitted++;
      let list = bySection.get(secIndex);
      if (!list) bySection.set(secIndex, (list = []));
      list.push({ varId: id, offset, size });
    }
  }
  for (const secIndex of [...bySection.keys()].sort((a, b) => a - b)) {
    const list = bySection.get(secIndex)!.sort((a, b) => a.offset - b.offset || a.varId - b.varId);
    const words: number[] = [];
    for (const e of list) words.push(e.varId, e.offset, e.size);
    const last = list[list.length - 1]!;
    const name = elf.sections[secIndex]!.name;
    out.add(out.strings.intern(name), makeInfo(BTF_KIND.DATASEC, list.length, false), last.offset + last.size, words);
    stats.sections++;
  }
  return stats;
}
