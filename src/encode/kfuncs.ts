/**
 * The kernel functions BPF programs may call (kfuncs), as pahole ≥ 1.27's `decl_tag_kfuncs` finds them
 * (btf_encoder.c `btf_encoder__collect_kfuncs`): the `.BTF_ids` section holds, for every `BTF_SET8_KFUNCS` set, a
 * symbol `__BTF_ID__set8__<set>` spanning `{u32 cnt; u32 flags; {u32 id; u32 flags} pairs[]}`, and for each of
 * its functions a symbol `__BTF_ID__func__<name>__<n>` at its pair. The encoder tags each such FUNC with
 * `bpf_kfunc` (and `bpf_fastcall` for KF_FASTCALL). The section is read in the target's byte order.
 */
import { BtfkitError, ErrorCode } from "../common/errors.js";
import type { ElfFile } from "../elf/elf-file.js";
import type { SymbolTable } from "../elf/symbols.js";

export const BTF_IDS_SECTION = ".BTF_ids";
const SET8_PREFIX = "__BTF_ID__set8__";
const FUNC_PREFIX = "__BTF_ID__func__";
/** `btf_id_set8.flags` bit: the set lists kfuncs (include/linux/btf_ids.h). */
const BTF_SET8_KFUNCS = 1;

/** kfunc name → its flags word (KF_*), for the functions of the kfunc sets of `elf`; empty without `.BTF_ids`. */
export function readKfuncs(elf: ElfFile, symtab: SymbolTable | undefined): Map<string, number> {
  const kfuncs = new Map<string, number>();
  const sec = elf.section(BTF_IDS_SECTION);
  if (!sec || !symtab) return kfuncs;
  const bytes = elf.sectionBytes(sec);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = elf.header.byteOrder === "little";
  const base = sec.addrBig;
  const offsetOf = (i: number): number => Number(symtab.valueBig(i) - base);
  const u32 = (off: number, what: string): number => {
    if (off < 0 || off + 4 > bytes.length) {
      throw new BtfkitError(ErrorCode.CORRUPT, `${what} lies outside the section (${bytes.length} bytes)`, {
        file: elf.path,
        section: BTF_IDS_SECTION,
        offset: Math.max(0, off),
      });
    }
    return view.getUint32(off, little);
  };
  // The kfunc sets: [start, end) offsets in the section.
  const ranges: number[] = [];
  for (let i = 0; i < symtab.count; i++) {
    if (symtab.shndx[i] !== sec.index) continue;
    const name = symtab.name(i);
    if (!name.startsWith(SET8_PREFIX)) continue;
    const off = offsetOf(i);
    if (off < 0 || off >= bytes.length) continue; // pahole: "symbol out of bounds", skipped
    if ((u32(off + 4, `the flags of ${name}`) & BTF_SET8_KFUNCS) === 0) continue;
    ranges.push(off, off + symtab.size(i));
  }
  if (ranges.length === 0) return kfuncs;
  for (let i = 0; i < symtab.count; i++) {
    if (symtab.shndx[i] !== sec.index) continue;
    const func = funcNameOf(symtab.name(i));
    if (func === undefined) continue;
    const off = offsetOf(i);
    for (let r = 0; r < ranges.length; r += 2) {
      if (off >= ranges[r]! && off < ranges[r + 1]!) {
        kfuncs.set(func, u32(off + 4, `the kfunc pair of ${func}`));
        break;
      }
    }
  }
  return kfuncs;
}

/** `__BTF_ID__func__vfs_close__1` → `vfs_close` (pahole's `get_func_name`); undefined for anything else. */
export function funcNameOf(sym: string): string | undefined {
  if (!sym.startsWith(FUNC_PREFIX)) return undefined;
  const rest = sym.slice(FUNC_PREFIX.length);
  if (!rest.includes("__")) return undefined;
  const end = rest.lastIndexOf("_");
  if (end < 1 || rest[end - 1] !== "_") return undefined;
  return rest.slice(0, end - 1);
}
