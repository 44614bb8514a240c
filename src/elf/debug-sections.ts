import { BtfkitError, ErrorCode } from "../common/errors.js";
import { type ElfFile, type ElfSection, ET, SHT } from "./elf-file.js";
import { decompressSection, isCompressed, uncompressedSize } from "./compression.js";
import { applyRelocations, relocationSectionsFor } from "./relocations.js";
import { SymbolTable, readSymbols } from "./symbols.js";

/**
 * "The bytes of debug section X, ready to read": found under its normal name or its legacy `.zdebug_*` name,
 * decompressed (SHF_COMPRESSED zlib/zstd, GNU `.zdebug`), and — in a relocatable file (ET_REL: `.o`, `.ko`) — with
 * the relocation sections that target it applied. Each section is read once, when first asked for, and cached.
 */
export class DebugSections {
  readonly elf: ElfFile;
  private readonly cache = new Map<string, Uint8Array>();
  private symbols: SymbolTable | undefined | null = null;

  constructor(elf: ElfFile) {
    this.elf = elf;
  }

  get path(): string {
    return this.elf.path;
  }

  /** The section header for `name` (e.g. `.debug_info`), also when stored as `.zdebug_info`. */
  find(name: string): ElfSection | undefined {
    const sec = this.elf.section(name);
    if (sec && sec.type !== SHT.NOBITS) return sec;
    if (name.startsWith(".debug")) {
      const z = this.elf.section(".z" + name.slice(1));
      if (z && z.type !== SHT.NOBITS) return z;
      // A split-DWARF object (.dwo) names its sections .debug_info.dwo, .debug_abbrev.dwo, …
      const dwo = this.elf.section(name + ".dwo");
      if (dwo && dwo.type !== SHT.NOBITS) return dwo;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Size of `name` once decompressed (from the compression header: nothing is read or inflated), or undefined. */
  size(name: string): number | undefined {
    const sec = this.find(name);
    return sec ? uncompressedSize(this.elf, sec) : undefined;
  }

  /** Decompressed and relocated contents of `name`, or undefined when the file has no such section. */
  get(name: string): Uint8Array | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const sec = this.find(name);
    if (!sec) return undefined;
    const bytes = this.load(sec);
    this.cache.set(name, bytes);
    return bytes;
  }

  /** Like `get`, but a missing section is a NOT_FOUND error. */
  require(name: string, why: string): Uint8Array {
    const b = this.get(name);
    if (!b)
      throw new BtfkitError(ErrorCode.NOT_FOUND, `no ${name} section (needed for ${why})`, { file: this.elf.path });
    return b;
  }

  /**
   * True when `name` can be read in pieces (`readInto`) straight from the file: stored uncompressed, and with no
   * relocations to apply (anything but ET_REL). A vmlinux's `.debug_info` then never has to be in memory whole.
   */
  readableInPieces(name: string): boolean {
    const sec = this.find(name);
    if (!sec || isCompressed(sec)) return false;
    return this.elf.header.type !== ET.REL || relocationSectionsFor(this.elf, sec).length === 0;
  }

  /**
   * Fill `dest` (or its start) with the bytes of `name` from offset `start`; returns how many were read (fewer at
   * the end of the section). Straight from the file when the section is `readableInPieces` and not already cached
   * whole, else copied from the whole (decompressed, relocated) section.
   */
  readInto(name: string, start: number, dest: Uint8Array): number {
    const sec = this.find(name);
    if (!sec) return 0;
    const hit = this.cache.get(name);
    if (!hit && this.readableInPieces(name)) {
      if (sec.offset + sec.size > this.elf.fileSize) this.elf.sectionBytes(sec); // throws the truncation error
      return this.elf.readSectionInto(sec, start, dest);
    }
    const src = (hit ?? this.get(name)!).subarray(start, start + dest.length);
    dest.set(src);
    return src.length;
  }

  /** Forget a cached section (the memory goes when the caller drops its reference too). */
  release(name: string): void {
    this.cache.delete(name);
  }

  private load(sec: ElfSection): Uint8Array {
    let bytes = decompressSection(this.elf, sec);
    if (this.elf.header.type !== ET.REL) return bytes;
    const rels = relocationSectionsFor(this.elf, sec);
    if (rels.length === 0) return bytes;
    // Relocations write into the buffer: make sure it is ours and not a view of a shared input buffer.
    if (!isCompressed(sec)) bytes = bytes.slice();
    const symbols = this.symbolTable(rels[0]!);
    for (const rel of rels) applyRelocations(this.elf, rel, bytes, symbols, sec.name);
    return bytes;
  }

  private symbolTable(rel: ElfSection): SymbolTable {
    if (this.symbols === null) {
      const linked = this.elf.sections[rel.link];
      this.symbols =
        linked && linked.type === SHT.SYMTAB ? new SymbolTable(this.elf, linked) : readSymbols(this.elf, "symtab");
    }
    if (!this.symbols) {
      throw new BtfkitError(ErrorCode.CORRUPT, "relocations without a symbol table", {
        file: this.elf.path,
        section: rel.name,
        offset: 0,
      });
    }
    return this.symbols;
  }
}
