/**
 * Add or replace named sections of an existing ELF file, as `pahole -J` does when it writes `.BTF` (and `.BTF.base`)
 * into the ELF it encoded: pahole ≤ 1.31 runs `llvm-objcopy --add-section .BTF=<file>` for a new section and
 * rewrites an existing one through libelf. ELF32 and ELF64, either byte order, any file type (a `.o`/`.ko`, a linked
 * `vmlinux` or program).
 *
 * What changes, and nothing else (every other byte of the input is copied unchanged):
 * - An added section gets a new entry at the end of the section header table (existing indices, and so symbols,
 *   relocations and `sh_link`s, stay valid): SHT_PROGBITS, flags 0, address 0, alignment 1 unless asked otherwise —
 *   what `llvm-objcopy --add-section` and GNU `objcopy --add-section` give `.BTF` (and pahole 1.24's in-place
 *   `pahole -J file.o`). Its data is appended after the existing contents, aligned.
 * - A name not yet in `.shstrtab` is appended to it; the grown table is written after the existing contents (the old
 *   bytes stay where they were, unused, unless they were in the reclaimed tail, see below).
 * - The section header table is rewritten after everything else (`e_shoff`, `e_shnum` updated; `e_shstrndx` keeps
 *   its index). When no entry is added and it need not move, it is patched where it is.
 * - A replaced section keeps its entry (name, link, info, entsize; type, flags and alignment unless given; a
 *   SHF_COMPRESSED flag is dropped, the new data being plain). Its new data goes where the old was when it fits (the
 *   rest of the old bytes zeroed), else after the existing contents; the old bytes are then left unused. A section
 *   loaded by a program header (SHF_ALLOC, or inside a segment's file range: the `.BTF` of a linked vmlinux) cannot
 *   move and is only replaced by data of exactly its size.
 *
 * The reclaimed tail: the file's end usually holds only what this writer rewrites anyway — the section header
 * table, `.shstrtab`, a replaced section's old data (after an earlier run: `.shstrtab`, `.BTF`, the table). When
 * every byte after the last fixed content (anything else: other sections, program headers, segments) belongs to
 * those or is zero padding, that tail is dropped and written again. So `pahole -J x.o` gives the layout llvm-objcopy
 * gives, and writing the same sections again gives a byte-identical file (replacing twice is the same as once).
 * When other bytes follow (a module signature, unknown trailing data), the whole input is kept and the new parts
 * come after it.
 *
 * Files with extended section numbering (e_shnum 0 or e_shstrndx SHN_XINDEX: 0xff00 sections or more), or that
 * would need it, are refused: no kernel object comes close.
 *
 * Output is atomic (src/common/atomic-write.ts): a temporary file next to the output, renamed over it when complete;
 * the input is only read, so a failure or a kill leaves it (and an existing output) unchanged. The output gets the
 * input's permission bits. An output path that is a symbolic link is resolved: its target is replaced.
 */
import { closeSync, existsSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { viewOf } from "../common/byte-order.js";
import { writeAtomicWith, WRITE_CHUNK } from "../common/atomic-write.js";
import { ElfFile, type ElfSection, SHF, SHT } from "./elf-file.js";

/** A section to add (no section of that name) or replace (one section of that name). */
export interface SectionToWrite {
  name: string;
  data: Uint8Array;
  /** sh_type; default SHT_PROGBITS for a new section, the old one's when replacing. SHT_NOBITS is refused. */
  type?: number;
  /** sh_flags; default 0 for a new section, the old one's (less SHF_COMPRESSED) when replacing. */
  flags?: number;
  /** sh_addralign (a power of two, or 0); default 1 for a new section, the old one's when replacing. */
  align?: number;
  /**
   * When the existing section of this name is loaded (SHF_ALLOC or inside a program segment) and the new data has
   * another size, it cannot move: keep it under this name (its bytes stay where the program image has them) and add
   * the new section after the contents. Without it, such a replacement is refused.
   */
  renameLoaded?: string;
}

/** What happened to one requested section. */
export interface WrittenSection {
  name: string;
  /** Its index in the section header table. */
  index: number;
  /** File offset and size of its data in the output. */
  offset: number;
  size: number;
  /** `added`; `replaced in place` (where the old data was); `moved` (replaced, data written after the contents). */
  how: "added" | "replaced in place" | "moved";
}

export interface WriteElfSectionsResult {
  /** The file written (the output path, or the target of the symbolic link it names). */
  output: string;
  /** Size of the output file. */
  fileSize: number;
  /** The output's first `keptBytes` bytes are the input's, except the patched fields (ELF header, table entries, in-place data). */
  keptBytes: number;
  sections: WrittenSection[];
  shstrtab: { offset: number; size: number; moved: boolean };
  sectionTable: { offset: number; count: number; moved: boolean };
}

/**
 * Write `inputPath` with `sections` added or replaced to `outputPath` (which may be `inputPath`: in place, as
 * `pahole -J`). See the module comment for the layout. Throws a BtfkitError (input unchanged, no output written)
 * for a file this cannot handle: not ELF, no section name table, extended numbering, a loaded section that would
 * change size, two existing sections of a requested name.
 */
export function writeElfWithSections(
  inputPath: string,
  outputPath: string,
  sections: readonly SectionToWrite[],
): WriteElfSectionsResult {
  const layout = readLayout(inputPath);
  try {
    const plan = planSections(layout, sections);
    const output = resolveOutput(outputPath);
    writeAtomicWith(
      output,
      (out) => {
        copyPrefix(layout.fd, plan.keptBytes, out, inputPath);
        for (const p of plan.patches) out.writeAt(p.bytes, p.offset);
        for (const t of plan.tail) {
          out.writeZeros(t.offset - out.size);
          out.write(t.bytes);
        }
      },
      { mode: layout.mode },
    );
    return { ...plan.result, output };
  } finally {
    closeSync(layout.fd);
  }
}

/** Add or replace `sections` of `elfPath` in place (pahole's `-J` without a detached file). */
export function embedSections(elfPath: string, sections: readonly SectionToWrite[]): WriteElfSectionsResult {
  return writeElfWithSections(elfPath, elfPath, sections);
}

/** SHN_LORESERVE: from here on section indices need extended numbering. */
const SHN_LORESERVE = 0xff00;
const SHN_XINDEX = 0xffff;
/** e_phnum's marker for a program header count kept in section header 0 (PN_XNUM). */
const PN_XNUM = 0xffff;

interface Segment {
  index: number;
  offset: number;
  end: number;
}

/** What the planner needs of the input: header fields, the raw section header table, segments, `.shstrtab`. */
interface Layout {
  file: string;
  fd: number;
  mode: number;
  size: number;
  is64: boolean;
  le: boolean;
  ehdr: Uint8Array;
  phdrEnd: number;
  shoff: number;
  entSize: number;
  shstrndx: number;
  /** The section header table as stored. */
  table: Uint8Array;
  sections: readonly ElfSection[];
  segments: Segment[];
  shstrtab: Uint8Array;
}

function readLayout(file: string): Layout {
  const elf = ElfFile.open(file);
  let fd = -1;
  try {
    fd = openSync(file, "r");
    const st = fstatSync(fd);
    const h = elf.header;
    const is64 = h.class === 64;
    const le = h.byteOrder === "little";
    const ehsize = is64 ? 64 : 52;
    const ehdr = readAt(fd, 0, ehsize, file);
    const v = viewOf(ehdr);
    const rawShnum = v.getUint16(is64 ? 60 : 48, le);
    const rawShstrndx = v.getUint16(is64 ? 62 : 50, le);
    if (h.shoff === 0 || elf.sections.length === 0) {
      throw new BtfkitError(ErrorCode.UNSUPPORTED, "the ELF file has no section header table to add a section to", {
        file,
      });
    }
    if (rawShnum === 0 || rawShstrndx === SHN_XINDEX) {
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `extended section numbering (${h.shnum} sections) is not supported`,
        { file, offset: is64 ? 60 : 48 },
      );
    }
    if (h.shstrndx === 0)
      throw new BtfkitError(ErrorCode.UNSUPPORTED, "the ELF file has no section name table (e_shstrndx 0)", {
        file,
        offset: is64 ? 62 : 50,
      });
    const entSize = h.shentsize;
    const table = readAt(fd, h.shoff, h.shnum * entSize, file);
    for (const s of elf.sections) {
      if (hasBytes(s) && s.offset + s.size > st.size) {
        throw new BtfkitError(
          ErrorCode.TRUNCATED,
          `section ${s.name} [${s.index}] extends to 0x${(s.offset + s.size).toString(16)} past the end of the file (0x${st.size.toString(16)} bytes)`,
          { file, section: s.name, offset: 0 },
        );
      }
    }
    // Program headers: their table and every segment's file range are fixed.
    const phoff = is64 ? Number(v.getBigUint64(32, le)) : v.getUint32(28, le);
    const phentsize = v.getUint16(is64 ? 54 : 42, le);
    let phnum = v.getUint16(is64 ? 56 : 44, le);
    if (phnum === PN_XNUM) phnum = viewOf(table).getUint32(is64 ? 44 : 28, le); // sh_info of section 0
    const segments: Segment[] = [];
    let phdrEnd = 0;
    if (phoff !== 0 && phnum > 0) {
      phdrEnd = phoff + phnum * phentsize;
      if (phdrEnd > st.size)
        throw new BtfkitError(ErrorCode.TRUNCATED, "program header table extends past the end of the file", {
          file,
          offset: phoff,
        });
      const pv = viewOf(readAt(fd, phoff, phnum * phentsize, file));
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        const offset = is64 ? Number(pv.getBigUint64(o + 8, le)) : pv.getUint32(o + 4, le);
        const filesz = is64 ? Number(pv.getBigUint64(o + 32, le)) : pv.getUint32(o + 16, le);
        if (pv.getUint32(o, le) !== 0 && filesz > 0) segments.push({ index: i, offset, end: offset + filesz });
      }
    }
    const strSec = elf.sections[h.shstrndx]!;
    return {
      file,
      fd,
      mode: st.mode & 0o7777,
      size: st.size,
      is64,
      le,
      ehdr,
      phdrEnd,
      shoff: h.shoff,
      entSize,
      shstrndx: h.shstrndx,
      table,
      sections: elf.sections,
      segments,
      shstrtab: readAt(fd, strSec.offset, strSec.size, file),
    };
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    throw e;
  } finally {
    elf.close();
  }
}

function readAt(fd: number, offset: number, length: number, file?: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  if (done < length)
    throw new BtfkitError(
      ErrorCode.TRUNCATED,
      `${length} bytes at 0x${offset.toString(16)} run past the end of the file`,
      { file, offset },
    );
  return out;
}

function hasBytes(s: ElfSection): boolean {
  return s.type !== SHT.NOBITS && s.size > 0;
}

/** A byte range that this writer rewrites anyway, and so may drop from the file's tail. */
interface Movable {
  offset: number;
  end: number;
}

interface Plan {
  keptBytes: number;
  /** Bytes to overwrite within the kept prefix. */
  patches: { offset: number; bytes: Uint8Array }[];
  /** Bytes to append, at increasing offsets ≥ keptBytes (zero padding between). */
  tail: { offset: number; bytes: Uint8Array }[];
  result: Omit<WriteElfSectionsResult, "output">;
}

function alignUp(n: number, a: number): number {
  return a <= 1 ? n : Math.ceil(n / a) * a;
}

function isPowerOfTwoOrZero(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/** Offset of `name` as a NUL-terminated string in a string table (suffixes of longer names count), or -1. */
function findString(table: Uint8Array, name: Uint8Array): number {
  const needle = new Uint8Array(name.length + 1);
  needle.set(name);
  const at = Buffer.from(table.buffer, table.byteOffset, table.byteLength).indexOf(needle);
  return at > 0 ? at : -1;
}

function planSections(l: Layout, requests: readonly SectionToWrite[]): Plan {
  const { file, is64, le } = l;
  const usage = (msg: string): BtfkitError => new BtfkitError(ErrorCode.USAGE, msg, { file });
  if (requests.length === 0) throw usage("no section to write");
  const seen = new Set<string>();
  const reqs = requests.map((r) => {
    if (typeof r.name !== "string" || r.name === "" || r.name.includes("\0"))
      throw usage(`bad section name ${JSON.stringify(r.name)}`);
    if (seen.has(r.name)) throw usage(`section ${r.name} is requested twice`);
    seen.add(r.name);
    if (!(r.data instanceof Uint8Array)) throw usage(`section ${r.name}: data must be a Uint8Array`);
    if (r.type === SHT.NOBITS || r.type === SHT.NULL)
      throw usage(`section ${r.name}: type ${r.type} (SHT_NULL/SHT_NOBITS) cannot hold data`);
    if (r.type !== undefined && !(Number.isInteger(r.type) && r.type >= 0 && r.type <= 0xffffffff))
      throw usage(`section ${r.name}: bad type ${r.type}`);
    if (r.flags !== undefined && !(Number.isSafeInteger(r.flags) && r.flags >= 0 && (is64 || r.flags <= 0xffffffff)))
      throw usage(`section ${r.name}: bad flags ${r.flags}`);
    if (r.align !== undefined && !isPowerOfTwoOrZero(r.align))
      throw usage(`section ${r.name}: alignment ${r.align} is not a power of two`);
    const existing = l.sections.filter((s) => s.index !== 0 && s.name === r.name);
    if (existing.length > 1) {
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `${existing.length} sections are named ${r.name} (${existing.map((s) => `[${s.index}]`).join(", ")}): which to replace is ambiguous`,
        { file, section: r.name },
      );
    }
    const old = existing[0];
    if (old && old.index === l.shstrndx)
      throw usage(`section ${r.name} is the section name table; it cannot be replaced`);
    if (old && old.type === SHT.NOBITS && r.type === undefined) {
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `section ${r.name} [${old.index}] is SHT_NOBITS (no file data); give a type to replace it`,
        { file, section: r.name },
      );
    }
    return { ...r, old: old as ElfSection | undefined, nameBytes: Buffer.from(r.name, "utf8") };
  });

  const inSegment = (s: ElfSection): Segment | undefined =>
    hasBytes(s) ? l.segments.find((g) => s.offset < g.end && s.offset + s.size > g.offset) : undefined;
  const loaded = (s: ElfSection): boolean => hasBytes(s) && ((s.flags & SHF.ALLOC) !== 0 || inSegment(s) !== undefined);
  const renames: { index: number; name: string; nameBytes: Uint8Array }[] = [];
  for (const r of reqs) {
    if (r.old && loaded(r.old) && r.data.length !== r.old.size && r.renameLoaded !== undefined) {
      const to = r.renameLoaded;
      if (to === "" || to.includes("\0") || l.sections.some((s) => s.name === to) || seen.has(to))
        throw usage(
          `section ${r.name}: cannot keep the loaded one as ${JSON.stringify(to)} (empty, or the name is taken)`,
        );
      renames.push({ index: r.old.index, name: to, nameBytes: Buffer.from(to, "utf8") });
      r.old = undefined;
      continue;
    }
    if (r.old && loaded(r.old) && r.data.length !== r.old.size) {
      const seg = inSegment(r.old);
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `section ${r.name} [${r.old.index}] is loaded (${seg ? `in program segment ${seg.index}` : "SHF_ALLOC"}) and cannot move: ` +
          `its new data (${r.data.length} bytes) must be exactly its size (${r.old.size} bytes); relink, or write a detached file`,
        { file, section: r.name },
      );
    }
  }

  // Names: reuse a string already in .shstrtab, append the others.
  const strSec = l.sections[l.shstrndx]!;
  const appended: Uint8Array[] = [];
  let strSize = l.shstrtab.length;
  const nameOff = new Map<string, number>();
  for (const r of [...reqs.filter((x) => !x.old), ...renames]) {
    let at = findString(l.shstrtab, r.nameBytes);
    if (at < 0) {
      at = strSize;
      appended.push(r.nameBytes, new Uint8Array(1));
      strSize += r.nameBytes.length + 1;
    }
    nameOff.set(r.name, at);
  }
  const strGrows = appended.length > 0;
  const added = reqs.filter((r) => !r.old).length;
  const count = l.sections.length + added;
  if (count >= SHN_LORESERVE) {
    throw new BtfkitError(
      ErrorCode.UNSUPPORTED,
      `${count} sections would need extended section numbering, which is not supported`,
      { file },
    );
  }

  // The tail: everything after the last fixed byte, if it holds only movable ranges and zero padding.
  const tableRange: Movable = { offset: l.shoff, end: l.shoff + l.table.length };
  const movable = new Map<number, Movable>(); // by section index
  if (!loaded(strSec) && hasBytes(strSec))
    movable.set(strSec.index, { offset: strSec.offset, end: strSec.offset + strSec.size });
  for (const r of reqs)
    if (r.old && hasBytes(r.old) && !loaded(r.old))
      movable.set(r.old.index, { offset: r.old.offset, end: r.old.offset + r.old.size });
  let fixedEnd = Math.max(l.ehdr.length, l.phdrEnd, ...l.segments.map((g) => g.end));
  for (const s of l.sections)
    if (hasBytes(s) && !movable.has(s.index)) fixedEnd = Math.max(fixedEnd, s.offset + s.size);
  const ranges = [tableRange, ...movable.values()];
  // A movable range that starts before the fixed end is not in the tail; its end is then fixed too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of ranges) {
      if (m.offset < fixedEnd && m.end > fixedEnd) {
        fixedEnd = m.end;
        changed = true;
      }
    }
  }
  const keptBytes = tailIsReclaimable(l, fixedEnd, ranges) ? fixedEnd : l.size;
  const inTail = (m: Movable): boolean => m.offset >= keptBytes && m.end > m.offset;

  const patches: Plan["patches"] = [];
  const tail: Plan["tail"] = [];
  let end = keptBytes;
  const place = (bytes: Uint8Array, align: number): number => {
    const offset = alignUp(end, Math.max(1, align));
    tail.push({ offset, bytes });
    end = offset + bytes.length;
    return offset;
  };

  // The section header table, patched below.
  const table = new Uint8Array(count * l.entSize);
  table.set(l.table);
  const tv = viewOf(table);
  const word = (i: number, off32: number, off64: number, value: number): void => {
    const o = i * l.entSize;
    if (is64) tv.setBigUint64(o + off64, BigInt(value), le);
    else {
      if (value > 0xffffffff)
        throw new BtfkitError(
          ErrorCode.UNSUPPORTED,
          `ELF32 output would need a field of 0x${value.toString(16)} (over 4 GiB)`,
          { file },
        );
      tv.setUint32(o + off32, value, le);
    }
  };
  const setOffset = (i: number, v: number): void => word(i, 16, 24, v);
  const setSize = (i: number, v: number): void => word(i, 20, 32, v);
  const setFlags = (i: number, v: number): void => word(i, 8, 8, v);
  const setAlign = (i: number, v: number): void => word(i, 32, 48, v);
  const setType = (i: number, v: number): void => tv.setUint32(i * l.entSize + 4, v, le);

  // 1. .shstrtab, first in the tail (at its old offset when the tail starts there: its old bytes stay a prefix).
  const strRange = movable.get(strSec.index);
  const strMoves = strGrows || (strRange !== undefined && inTail(strRange));
  let strOffset = strSec.offset;
  if (strMoves) {
    const bytes = new Uint8Array(strSize);
    bytes.set(l.shstrtab);
    let at = l.shstrtab.length;
    for (const a of appended) {
      bytes.set(a, at);
      at += a.length;
    }
    strOffset = place(bytes, Math.max(1, strSec.addralign));
    setOffset(strSec.index, strOffset);
    setSize(strSec.index, strSize);
  }

  // 2. The sections, in the order asked; loaded ones kept under another name first.
  for (const rn of renames) tv.setUint32(rn.index * l.entSize, nameOff.get(rn.name)!, le);
  const written: WrittenSection[] = [];
  let next = l.sections.length;
  for (const r of reqs) {
    const old = r.old;
    if (!old) {
      const i = next++;
      const o = i * l.entSize;
      table.fill(0, o, o + l.entSize);
      tv.setUint32(o, nameOff.get(r.name)!, le);
      setType(i, r.type ?? SHT.PROGBITS);
      setFlags(i, r.flags ?? 0);
      const align = r.align ?? 1;
      setAlign(i, align);
      const offset = place(r.data, align);
      setOffset(i, offset);
      setSize(i, r.data.length);
      written.push({ name: r.name, index: i, offset, size: r.data.length, how: "added" });
      continue;
    }
    const i = old.index;
    if (r.type !== undefined) setType(i, r.type);
    // (Arithmetic, not `& ~`: flags may use bit 31 and above, where JavaScript's bit operators would wrap.)
    setFlags(i, r.flags ?? ((old.flags & SHF.COMPRESSED) !== 0 ? old.flags - SHF.COMPRESSED : old.flags));
    const align = r.align ?? old.addralign;
    setAlign(i, align);
    const range = movable.get(i);
    const fitsInPlace = hasBytes(old) && r.data.length <= old.size && old.offset % Math.max(1, align) === 0;
    if (loaded(old) || (fitsInPlace && !(range && inTail(range)))) {
      const bytes = new Uint8Array(old.size);
      bytes.set(r.data);
      patches.push({ offset: old.offset, bytes });
      setSize(i, r.data.length);
      written.push({ name: r.name, index: i, offset: old.offset, size: r.data.length, how: "replaced in place" });
    } else {
      const offset = place(r.data, align);
      setOffset(i, offset);
      setSize(i, r.data.length);
      written.push({
        name: r.name,
        index: i,
        offset,
        size: r.data.length,
        how: offset === old.offset ? "replaced in place" : "moved",
      });
    }
  }

  // 3. The section header table: last, unless it can stay where it is.
  const tableMoves = added > 0 || inTail(tableRange);
  let shoff = l.shoff;
  if (tableMoves) shoff = place(table, is64 ? 8 : 4);
  else patches.push({ offset: l.shoff, bytes: table });

  // 4. The ELF header: e_shoff, e_shnum.
  const ehdr = l.ehdr.slice();
  const hv = viewOf(ehdr);
  if (is64) hv.setBigUint64(40, BigInt(shoff), le);
  else {
    if (shoff > 0xffffffff) throw new BtfkitError(ErrorCode.UNSUPPORTED, "ELF32 output would exceed 4 GiB", { file });
    hv.setUint32(32, shoff, le);
  }
  hv.setUint16(is64 ? 60 : 48, count, le);
  patches.unshift({ offset: 0, bytes: ehdr });

  return {
    keptBytes,
    patches,
    tail,
    result: {
      fileSize: end,
      keptBytes,
      sections: written,
      shstrtab: { offset: strOffset, size: strSize, moved: strMoves },
      sectionTable: { offset: shoff, count, moved: tableMoves },
    },
  };
}

/**
 * True if every byte of the input from `from` to its end lies in one of the movable `ranges` or is zero (alignment
 * padding): then nothing there needs keeping.
 */
function tailIsReclaimable(l: Layout, from: number, ranges: readonly Movable[]): boolean {
  const inTail = ranges.filter((m) => m.offset >= from && m.end > m.offset).sort((a, b) => a.offset - b.offset);
  let at = from;
  const gapIsZero = (start: number, stop: number): boolean => {
    if (stop <= start) return true;
    if (stop - start > 1 << 20) return false; // not padding
    return readAt(l.fd, start, stop - start, l.file).every((b) => b === 0);
  };
  for (const m of inTail) {
    if (!gapIsZero(at, m.offset)) return false;
    at = Math.max(at, m.end);
  }
  return gapIsZero(at, l.size);
}

/** Copy the input's first `n` bytes to `out`, in chunks. */
function copyPrefix(fd: number, n: number, out: { write(b: Uint8Array): void }, file: string): void {
  const buf = new Uint8Array(Math.min(WRITE_CHUNK, Math.max(n, 1)));
  for (let at = 0; at < n; ) {
    const want = Math.min(buf.length, n - at);
    const got = readSync(fd, buf, 0, want, at);
    if (got === 0)
      throw new BtfkitError(ErrorCode.TRUNCATED, `the input ended at 0x${at.toString(16)} while being copied`, {
        file,
        offset: at,
      });
    out.write(buf.subarray(0, got));
    at += got;
  }
}

/** The path to write: the target of an existing symbolic link, else `path` itself. */
function resolveOutput(path: string): string {
  try {
    if (existsSync(path) && lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    /* a dangling link: write the path itself */
  }
  return path;
}
