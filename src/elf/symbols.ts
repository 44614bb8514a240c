import { BtfkitError, ErrorCode } from "../common/errors.js";
import { viewOf } from "../common/byte-order.js";
import { decodeAscii } from "../common/text.js";
import { type ElfFile, type ElfSection, SHT } from "./elf-file.js";

/** Symbol binding (high nibble of st_info). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Symbol type (low nibble of st_info). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6 } as const;
/** Special section indices. */
export const SHN = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2, XINDEX: 0xffff } as const;

/**
 * One symbol table (`.symtab` or `.dynsym`) as struct-of-arrays: nothing is allocated per symbol, names are decoded
 * only when asked for. 64-bit values are kept as two 32-bit halves so that kernel addresses (above 2^53) stay exact.
 */
export class SymbolTable {
  readonly section: ElfSection;
  readonly count: number;
  /** Offset of the name in `strtab`. */
  readonly nameOff: Uint32Array;
  readonly valueLo: Uint32Array;
  readonly valueHi: Uint32Array;
  readonly sizeLo: Uint32Array;
  readonly sizeHi: Uint32Array;
  /** st_info: binding << 4 | type. */
  readonly info: Uint8Array;
  readonly other: Uint8Array;
  /** Section index, with SHN_XINDEX already resolved through SHT_SYMTAB_SHNDX. */
  readonly shndx: Uint32Array;
  readonly strtab: Uint8Array;
  private readonly file: string;

  constructor(elf: ElfFile, section: ElfSection) {
    this.section = section;
    this.file = elf.path;
    const is64 = elf.header.class === 64;
    const entSize = is64 ? 24 : 16;
    if (section.entsize !== 0 && section.entsize !== entSize) {
      throw new BtfkitError(ErrorCode.CORRUPT, `symbol table entry size ${section.entsize} (expected ${entSize})`, {
        file: elf.path,
        section: section.name,
        offset: 0,
      });
    }
    const bytes = elf.sectionBytes(section);
    const n = Math.floor(bytes.length / entSize);
    this.count = n;
    this.nameOff = new Uint32Array(n);
    this.valueLo = new Uint32Array(n);
    this.valueHi = new Uint32Array(n);
    this.sizeLo = new Uint32Array(n);
    this.sizeHi = new Uint32Array(n);
    this.info = new Uint8Array(n);
    this.other = new Uint8Array(n);
    this.shndx = new Uint32Array(n);
    const strSec = elf.sections[section.link];
    if (!strSec) {
      throw new BtfkitError(ErrorCode.CORRUPT, `symbol table links to missing string table [${section.link}]`, {
        file: elf.path,
        section: section.name,
        offset: 0,
      });
    }
    this.strtab = elf.sectionBytes(strSec);
    const v = viewOf(bytes);
    const le = elf.byteOrder === "little";
    for (let i = 0, o = 0; i < n; i++, o += entSize) {
      this.nameOff[i] = v.getUint32(o, le);
      if (is64) {
        this.info[i] = bytes[o + 4]!;
        this.other[i] = bytes[o + 5]!;
        this.shndx[i] = v.getUint16(o + 6, le);
        this.valueLo[i] = v.getUint32(o + (le ? 8 : 12), le);
        this.valueHi[i] = v.getUint32(o + (le ? 12 : 8), le);
        this.sizeLo[i] = v.getUint32(o + (le ? 16 : 20), le);
        this.sizeHi[i] = v.getUint32(o + (le ? 20 : 16), le);
      } else {
        this.valueLo[i] = v.getUint32(o + 4, le);
        this.sizeLo[i] = v.getUint32(o + 8, le);
        this.info[i] = bytes[o + 12]!;
        this.other[i] = bytes[o + 13]!;
        this.shndx[i] = v.getUint16(o + 14, le);
      }
    }
    // Extended section indices live in a parallel SHT_SYMTAB_SHNDX table whose sh_link names this table.
    const xsec = elf.sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === section.index);
    if (xsec) {
      const xb = elf.sectionBytes(xsec);
      const xv = viewOf(xb);
      for (let i = 0; i < n; i++) {
        if (this.shndx[i] === SHN.XINDEX && i * 4 + 4 <= xb.length) this.shndx[i] = xv.getUint32(i * 4, le);
      }
    }
  }

  /** The symbol's value as a number: exact below 2^53 (every value in a relocatable file). */
  value(i: number): number {
    return this.valueHi[i]! * 0x1_0000_0000 + this.valueLo[i]!;
  }

  valueBig(i: number): bigint {
    return (BigInt(this.valueHi[i]!) << 32n) | BigInt(this.valueLo[i]!);
  }

  size(i: number): number {
    return this.sizeHi[i]! * 0x1_0000_0000 + this.sizeLo[i]!;
  }

  type(i: number): number {
    return this.info[i]! & 0xf;
  }

  binding(i: number): number {
    return this.info[i]! >> 4;
  }

  /** Start and end of the symbol's name in `strtab`, or [0, 0] when the offset is out of range. */
  nameRange(i: number): [number, number] {
    const off = this.nameOff[i]!;
    if (off >= this.strtab.length) return [0, 0];
    let end = this.strtab.indexOf(0, off);
    if (end < 0) end = this.strtab.length;
    return [off, end];
  }

  name(i: number): string {
    const off = this.nameOff[i]!;
    if (off >= this.strtab.length) {
      if (off === 0) return "";
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `symbol ${i} name offset 0x${off.toString(16)} outside the string table`,
        {
          file: this.file,
          section: this.section.name,
          offset: i * (this.section.entsize || 1),
        },
      );
    }
    const [s, e] = this.nameRange(i);
    return decodeAscii(this.strtab, s, e);
  }
}

/** The static symbol table (`.symtab`), else the dynamic one, else undefined. */
export function readSymbols(elf: ElfFile, which: "symtab" | "dynsym" = "symtab"): SymbolTable | undefined {
  const want = which === "symtab" ? SHT.SYMTAB : SHT.DYNSYM;
  const sec = elf.sections.find((s) => s.type === want);
  return sec ? new SymbolTable(elf, sec) : undefined;
}
