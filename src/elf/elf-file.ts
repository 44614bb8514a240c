import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { type ByteOrder, viewOf } from "../common/byte-order.js";
import { decodeAscii } from "../common/text.js";

/** ELF identification: the first bytes of every ELF file. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

export const ET = { REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  GROUP: 17,
  SYMTAB_SHNDX: 18,
} as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4, INFO_LINK: 0x40, COMPRESSED: 0x800 } as const;

export interface ElfSection {
  /** Index in the section header table. */
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** Virtual address; a kernel's (0xffffffff8…) is above 2^53 and rounded here: use `addrBig` to compute with it. */
  readonly addr: number;
  /** Virtual address, exact. */
  readonly addrBig: bigint;
  /** File offset of the section's bytes. */
  readonly offset: number;
  /** Size in the file (0 bytes are read for SHT_NOBITS). */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface ElfHeader {
  readonly class: 32 | 64;
  readonly byteOrder: ByteOrder;
  readonly type: number;
  readonly machine: number;
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

/** Where the bytes of an ELF file come from: a whole buffer, or a file read at offsets on demand. */
interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  /** Fill `dest` with the bytes at `offset`; returns how many there were (fewer at the end of the file). */
  readInto(offset: number, dest: Uint8Array): number;
  close(): void;
}

class BufferSource implements ByteSource {
  constructor(private readonly buf: Uint8Array) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.buf.subarray(offset, offset + length);
  }
  readInto(offset: number, dest: Uint8Array): number {
    const src = this.buf.subarray(offset, offset + dest.length);
    dest.set(src);
    return src.length;
  }
  close(): void {}
}

class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Uint8Array {
    // allocUnsafe: no zero-fill of a buffer that readSync overwrites (160 MB for a vmlinux .debug_info); it is not
    // pooled above 4 KB, and a short read is cut off below.
    const b = Buffer.allocUnsafe(length);
    const out = new Uint8Array(b.buffer, b.byteOffset, length);
    const done = this.readInto(offset, out);
    return done === length ? out : out.subarray(0, done);
  }
  readInto(offset: number, dest: Uint8Array): number {
    let done = 0;
    while (done < dest.length) {
      const n = readSync(this.fd, dest, done, dest.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** True if the bytes start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * An ELF file's header and section table. Section contents are read only when asked for, at their offsets, so a
 * 600 MB vmlinux is never loaded whole.
 */
export class ElfFile {
  readonly path: string;
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  private readonly source: ByteSource;

  private constructor(path: string, source: ByteSource) {
    this.path = path;
    this.source = source;
    this.header = readElfHeader(source, path);
    this.sections = readSectionHeaders(source, this.header, path);
  }

  /** Open an ELF file on disk; its bytes are read lazily. Call `close()` when done. */
  static open(path: string): ElfFile {
    let src: FileSource;
    try {
      src = new FileSource(path);
    } catch (e) {
      throw new BtfkitError(ErrorCode.IO, `cannot open: ${(e as Error).message}`, { file: path });
    }
    try {
      return new ElfFile(path, src);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Parse an ELF image already in memory. */
  static fromBytes(bytes: Uint8Array, path = "<memory>"): ElfFile {
    return new ElfFile(path, new BufferSource(bytes));
  }

  /** Size of the file in bytes. */
  get fileSize(): number {
    return this.source.size;
  }

  get byteOrder(): ByteOrder {
    return this.header.byteOrder;
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The raw bytes of a section as stored in the file (not decompressed, not relocated). */
  sectionBytes(sec: ElfSection): Uint8Array {
    if (sec.type === SHT.NOBITS || sec.size === 0) return new Uint8Array(0);
    if (sec.offset + sec.size > this.source.size) {
      throw new BtfkitError(
        ErrorCode.TRUNCATED,
        `section ${sec.name} [${sec.index}] extends to 0x${(sec.offset + sec.size).toString(16)} past the end of the file (0x${this.source.size.toString(16)} bytes)`,
        { file: this.path, section: sec.name, offset: 0 },
      );
    }
    return this.source.read(sec.offset, sec.size);
  }

  /** `length` bytes at `start` of a section's stored bytes (clamped to the section), without reading the rest. */
  sectionPrefix(sec: ElfSection, length: number): Uint8Array {
    if (sec.type === SHT.NOBITS || sec.size === 0) return new Uint8Array(0);
    const n = Math.min(length, sec.size, Math.max(0, this.source.size - sec.offset));
    return this.source.read(sec.offset, n);
  }

  /**
   * Fill `dest` (or its start) with the stored bytes of a section from offset `start`, without reading the rest:
   * returns the number of bytes read, fewer than `dest.length` at the end of the section or of the file.
   */
  readSectionInto(sec: ElfSection, start: number, dest: Uint8Array): number {
    if (sec.type === SHT.NOBITS || start >= sec.size) return 0;
    const n = Math.min(dest.length, sec.size - start, Math.max(0, this.source.size - sec.offset - start));
    return this.source.readInto(sec.offset + start, dest.subarray(0, n));
  }

  close(): void {
    this.source.close();
  }
}

function readElfHeader(src: ByteSource, file: string): ElfHeader {
  const ident = src.read(0, Math.min(64, src.size));
  if (!isElf(ident)) throw new BtfkitError(ErrorCode.BAD_HEADER, "not an ELF file (bad magic)", { file, offset: 0 });
  if (ident.length < 16)
    throw new BtfkitError(ErrorCode.TRUNCATED, "truncated ELF identification", { file, offset: 0 });
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) throw new BtfkitError(ErrorCode.BAD_HEADER, `bad ELF class ${cls}`, { file, offset: 4 });
  if (data !== 1 && data !== 2)
    throw new BtfkitError(ErrorCode.BAD_HEADER, `bad ELF data encoding ${data}`, { file, offset: 5 });
  const is64 = cls === 2;
  const ehsize = is64 ? 64 : 52;
  if (ident.length < ehsize)
    throw new BtfkitError(ErrorCode.TRUNCATED, `truncated ELF header (${ident.length} of ${ehsize} bytes)`, {
      file,
      offset: 0,
    });
  const v = viewOf(ident);
  const le = data === 1;
  const type = v.getUint16(16, le);
  const machine = v.getUint16(18, le);
  const shoff = is64 ? Number(v.getBigUint64(40, le)) : v.getUint32(32, le);
  const shentsize = v.getUint16(is64 ? 58 : 46, le);
  let shnum = v.getUint16(is64 ? 60 : 48, le);
  let shstrndx = v.getUint16(is64 ? 62 : 50, le);
  const wantEnt = is64 ? 64 : 40;
  if (shoff !== 0 && shentsize !== wantEnt) {
    throw new BtfkitError(ErrorCode.BAD_HEADER, `bad section header entry size ${shentsize} (expected ${wantEnt})`, {
      file,
      offset: is64 ? 58 : 46,
    });
  }
  // Extended numbering: with more than 0xff00 sections, the counts live in section header 0.
  if (shoff !== 0 && (shnum === 0 || shstrndx === 0xffff)) {
    if (shoff + wantEnt > src.size)
      throw new BtfkitError(ErrorCode.TRUNCATED, "section header 0 past end of file", { file, offset: shoff });
    const sh0 = viewOf(src.read(shoff, wantEnt));
    if (shnum === 0) shnum = is64 ? Number(sh0.getBigUint64(32, le)) : sh0.getUint32(20, le);
    if (shstrndx === 0xffff) shstrndx = sh0.getUint32(is64 ? 40 : 24, le);
  }
  return {
    class: is64 ? 64 : 32,
    byteOrder: le ? "little" : "big",
    type,
    machine,
    shoff,
    shentsize: wantEnt,
    shnum,
    shstrndx,
  };
}

function readSectionHeaders(src: ByteSource, h: ElfHeader, file: string): ElfSection[] {
  if (h.shoff === 0 || h.shnum === 0) return [];
  const tableSize = h.shnum * h.shentsize;
  if (h.shoff + tableSize > src.size) {
    throw new BtfkitError(
      ErrorCode.TRUNCATED,
      `section header table (${h.shnum} entries at 0x${h.shoff.toString(16)}) extends past the end of the file`,
      { file, offset: h.shoff },
    );
  }
  const v = viewOf(src.read(h.shoff, tableSize));
  const le = h.byteOrder === "little";
  const is64 = h.class === 64;
  const raw: Omit<ElfSection, "name">[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const o = i * h.shentsize;
    const rd = (off32: number, off64: number): number =>
      is64 ? Number(v.getBigUint64(o + off64, le)) : v.getUint32(o + off32, le);
    nameOffs.push(v.getUint32(o, le));
    raw.push({
      index: i,
      type: v.getUint32(o + 4, le),
      flags: rd(8, 8),
      addr: rd(12, 16),
      addrBig: is64 ? v.getBigUint64(o + 16, le) : BigInt(v.getUint32(o + 12, le)),
      offset: rd(16, 24),
      size: rd(20, 32),
      link: v.getUint32(o + (is64 ? 40 : 24), le),
      info: v.getUint32(o + (is64 ? 44 : 28), le),
      addralign: rd(32, 48),
      entsize: rd(36, 56),
    });
  }
  let names: Uint8Array = new Uint8Array(0);
  if (h.shstrndx !== 0) {
    const strSec = raw[h.shstrndx];
    if (!strSec)
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `section name table index ${h.shstrndx} out of range (${h.shnum} sections)`,
        { file, offset: is64 ? 62 : 50 },
      );
    if (strSec.offset + strSec.size > src.size) {
      throw new BtfkitError(ErrorCode.TRUNCATED, "section name table extends past the end of the file", {
        file,
        offset: strSec.offset,
      });
    }
    names = src.read(strSec.offset, strSec.size);
  }
  return raw.map((r, i) => {
    const off = nameOffs[i]!;
    let name = "";
    if (off !== 0 || names.length > 0) {
      if (off >= names.length && names.length > 0) {
        throw new BtfkitError(
          ErrorCode.CORRUPT,
          `section [${i}] name offset 0x${off.toString(16)} outside the section name table`,
          { file, offset: h.shoff + i * h.shentsize },
        );
      }
      let end = names.indexOf(0, off);
      if (end < 0) end = names.length;
      name = decodeAscii(names, off, end);
    }
    return { ...r, name };
  });
}
