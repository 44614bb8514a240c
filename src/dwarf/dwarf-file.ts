import { existsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { ByteOrder } from "../common/byte-order.js";
import { BtfkitError, ErrorCode, isBtfkitError } from "../common/errors.js";
import { decodeAscii } from "../common/text.js";
import { DebugSections } from "../elf/debug-sections.js";
import { ElfFile } from "../elf/elf-file.js";
import { type AbbrevTable, parseAbbrevTable } from "./abbrev.js";
import { DW_AT, DW_UT } from "./constants.js";
import { DieCursor } from "./die-cursor.js";
import { type DebugAbbrevOffset, type DieRef, DieSpace, dieRefOffset, dieRefSpace, makeDieRef } from "./offsets.js";
import { type UnitHeader, parseUnitHeader } from "./unit.js";
import { UnitWindow, UnitWindowCache } from "./unit-windows.js";

const EMPTY = new Uint8Array(0);

export interface DwarfOpenOptions {
  /** The dwz supplementary file; default: the file named by `.gnu_debugaltlink`, relative to this file's folder. */
  altPath?: string;
  /**
   * How `.debug_info` is held: `"units"` reads each unit from the file when a cursor needs it (and keeps only the
   * most recently used ones, `UNIT_WINDOW_BUDGET` bytes), `"whole"` reads the section once. The default, `"auto"`,
   * reads by units whenever the section can be read in pieces (stored uncompressed, no relocations to apply: a
   * vmlinux or an executable) — a vmlinux's 164 MB `.debug_info` is then never in memory at once.
   */
  infoReading?: "auto" | "units" | "whole";
  /** Reading by units: how many bytes of recently used units to keep (default `UNIT_WINDOW_BUDGET`). */
  unitWindowBudget?: number;
}

/** Most bytes of units read piecewise that are kept for reuse (at least the last unit read is always kept). */
export const UNIT_WINDOW_BUDGET = 8 << 20;
/** Abbreviation tables kept decoded (least recently used dropped first). */
const ABBREV_TABLES_KEPT = 64;
/** Bytes read to decode a unit's root DIE when listing units read by units (a root DIE is ~100 bytes). */
const ROOT_PREFIX = 4096;

/**
 * The DWARF of one ELF file: its debug sections (read once each, decompressed and relocated, when first needed; a
 * plain `.debug_info` one unit at a time), its units (parsed lazily, in order, and kept as a small index),
 * abbreviation tables (decoded when needed, the recently used ones kept), cursors over DIEs, random access to a DIE
 * by reference, type-unit signatures and the dwz alt file.
 */
export class DwarfFile {
  readonly path: string;
  readonly elf: ElfFile;
  readonly sections: DebugSections;
  readonly byteOrder: ByteOrder;
  readonly little: boolean;
  /** DieSpace.ALT when this is a dwz supplementary file opened for another file, else DieSpace.INFO. */
  readonly infoSpace: DieSpace;
  private readonly ownsElf: boolean;
  private readonly altPathOpt: string | undefined;
  private readonly abbrevs = new Map<number, AbbrevTable>();
  private lastAbbrev: AbbrevTable | undefined;
  private readonly unitList: UnitHeader[][] = [[], [], []];
  private readonly unitsDone = [false, false, false];
  private sigIndex: Map<bigint, DieRef> | undefined;
  private alt: DwarfFile | undefined;
  private readonly root = new DieCursor();
  private readonly secs = new Map<string, Uint8Array>();
  /** `.debug_info` read unit by unit (see `DwarfOpenOptions.infoReading`), else undefined. */
  private readonly unitWindows: UnitWindowCache | undefined;
  /** Windows over whole sections, by DieSpace. */
  private readonly wholeWindows: (UnitWindow | undefined)[] = [undefined, undefined, undefined];
  private lastWindowUnit: UnitHeader | undefined;
  private lastWindow: UnitWindow | undefined;
  /** Reused for unit headers and root DIEs when reading by units. */
  private readonly scratch = new Uint8Array(ROOT_PREFIX);

  private constructor(elf: ElfFile, ownsElf: boolean, opts: DwarfOpenOptions, infoSpace: DieSpace) {
    this.elf = elf;
    this.path = elf.path;
    this.sections = new DebugSections(elf);
    this.byteOrder = elf.byteOrder;
    this.little = elf.byteOrder === "little";
    this.ownsElf = ownsElf;
    this.altPathOpt = opts.altPath;
    this.infoSpace = infoSpace;
    const mode = opts.infoReading ?? "auto";
    if (mode !== "whole" && this.sections.readableInPieces(".debug_info")) {
      this.unitWindows = new UnitWindowCache(
        (start, dest) => this.sections.readInto(".debug_info", start, dest),
        opts.unitWindowBudget ?? UNIT_WINDOW_BUDGET,
      );
    }
  }

  /** Open the ELF file at `path` (read lazily at offsets). Call `close()` when done. */
  static open(path: string, opts: DwarfOpenOptions = {}): DwarfFile {
    return new DwarfFile(ElfFile.open(path), true, opts, DieSpace.INFO);
  }

  /** Read the DWARF of an already open ELF file (which stays the caller's to close). */
  static fromElf(elf: ElfFile, opts: DwarfOpenOptions = {}): DwarfFile {
    return new DwarfFile(elf, false, opts, DieSpace.INFO);
  }

  close(): void {
    this.alt?.close();
    if (this.ownsElf) this.elf.close();
  }

  /** True when the file has a `.debug_info` (or `.zdebug_info`) section. */
  get hasDebugInfo(): boolean {
    return this.sections.has(".debug_info");
  }

  private sec(name: string): Uint8Array {
    let b = this.secs.get(name);
    if (!b) {
      b = this.sections.get(name) ?? EMPTY;
      this.secs.set(name, b);
    }
    return b;
  }
  get info(): Uint8Array {
    return this.sec(".debug_info");
  }
  get types(): Uint8Array {
    return this.sec(".debug_types");
  }
  get abbrev(): Uint8Array {
    return this.sec(".debug_abbrev");
  }
  get str(): Uint8Array {
    return this.sec(".debug_str");
  }
  get lineStr(): Uint8Array {
    return this.sec(".debug_line_str");
  }
  get strOffsets(): Uint8Array {
    return this.sec(".debug_str_offsets");
  }
  get addr(): Uint8Array {
    return this.sec(".debug_addr");
  }
  /** Location lists: `.debug_loc` (DWARF 2–4) and `.debug_loclists` (DWARF 5); empty when absent. */
  get loc(): Uint8Array {
    return this.sec(".debug_loc");
  }
  get loclists(): Uint8Array {
    return this.sec(".debug_loclists");
  }

  /** Size of `.debug_info` in bytes (decompressed), without reading it. */
  get infoSize(): number {
    return this.sections.size(".debug_info") ?? 0;
  }

  /** True when `.debug_info` is read unit by unit rather than whole. */
  get readsByUnits(): boolean {
    return this.unitWindows !== undefined;
  }

  /** The bytes a unit's DIEs are read from: the whole section, or the unit alone when reading by units. */
  unitWindow(unit: UnitHeader): UnitWindow {
    if (unit === this.lastWindowUnit) return this.lastWindow!;
    let w: UnitWindow;
    if (unit.space === DieSpace.TYPES || !this.unitWindows) {
      w = this.wholeWindows[unit.space] ??= new UnitWindow(unit.space === DieSpace.TYPES ? this.types : this.info, 0);
    } else {
      const len = unit.end - unit.offset;
      w = this.unitWindows.get(unit.offset, len);
      if (w.bytes.length !== len) {
        throw new BtfkitError(
          ErrorCode.TRUNCATED,
          `unit runs past the end of the file (${w.bytes.length} of ${len} bytes)`,
          { file: this.path, section: ".debug_info", offset: unit.offset },
        );
      }
    }
    this.lastWindowUnit = unit;
    this.lastWindow = w;
    return w;
  }

  /** The units of `.debug_info` (compile, partial, type, skeleton units), parsed lazily in order. */
  units(): Generator<UnitHeader> {
    return this.unitsOf(this.infoSpace);
  }

  /** The DWARF 4 type units of `.debug_types`. */
  typeUnits(): Generator<UnitHeader> {
    return this.unitsOf(DieSpace.TYPES);
  }

  /** Every unit: `.debug_info`, then `.debug_types`. */
  *allUnits(): Generator<UnitHeader> {
    yield* this.units();
    yield* this.typeUnits();
  }

  private *unitsOf(space: DieSpace): Generator<UnitHeader> {
    const list = this.unitList[space]!;
    for (let i = 0; ; i++) {
      if (i >= list.length && !this.parseNextUnit(space)) return;
      yield list[i]!;
    }
  }

  /** Parse the unit after the last one known in `space`; false at the end of the section. */
  private parseNextUnit(space: DieSpace): boolean {
    if (this.unitsDone[space]) return false;
    const list = this.unitList[space]!;
    const pos = list.length === 0 ? 0 : list[list.length - 1]!.end;
    const section = space === DieSpace.TYPES ? ".debug_types" : ".debug_info";
    let u: UnitHeader;
    if (space !== DieSpace.TYPES && this.unitWindows) {
      // Only the header is read here (at most 40 bytes); the unit's DIEs when a cursor needs them.
      const size = this.infoSize;
      if (pos >= size) {
        this.unitsDone[space] = true;
        return false;
      }
      const n = this.sections.readInto(section, pos, this.scratch.subarray(0, 64));
      u = parseUnitHeader(this.scratch.subarray(0, n), this.little, pos, space, section, this.path, pos, size);
    } else {
      const bytes = space === DieSpace.TYPES ? this.types : this.info;
      if (pos >= bytes.length) {
        this.unitsDone[space] = true;
        return false;
      }
      u = parseUnitHeader(bytes, this.little, pos, space, section, this.path);
    }
    this.initUnit(u);
    list.push(u);
    return true;
  }

  private initUnit(u: UnitHeader): void {
    u.owner = this;
    u.abbrevLookup = this.abbrevLookup;
    if (u.unitType === DW_UT.DW_UT_split_compile || u.unitType === DW_UT.DW_UT_split_type) {
      u.strOffsetsBase = u.offsetSize === 8 ? 16 : 8;
    }
    u.rootString = (at: number): string | undefined => {
      const r = new DieCursor().reset(u);
      return r.next() ? r.string(at) : undefined;
    };
    // Reading by units, the root DIE is read from the unit's first bytes only (listing a vmlinux's units must not
    // read all of .debug_info); a root DIE longer than that is read again from the whole unit.
    const len = u.end - u.offset;
    if (this.unitWindows && u.space !== DieSpace.TYPES && len > ROOT_PREFIX) {
      try {
        const n = this.sections.readInto(".debug_info", u.offset, this.scratch);
        this.readRoot(u, new UnitWindow(this.scratch.subarray(0, n), u.offset));
        return;
      } catch {
        // read below from the whole unit, which reports any real error
      }
    }
    this.readRoot(u, undefined);
  }

  private readRoot(u: UnitHeader, window: UnitWindow | undefined): void {
    const c = this.root.reset(u, window);
    if (c.next()) {
      u.rootTag = c.tag;
      u.language = c.unsigned(DW_AT.DW_AT_language) ?? 0;
      u.strOffsetsBase = c.unsigned(DW_AT.DW_AT_str_offsets_base) ?? u.strOffsetsBase;
      u.addrBase = c.unsigned(DW_AT.DW_AT_addr_base) ?? c.unsigned(DW_AT.DW_AT_GNU_addr_base) ?? 0;
      u.rnglistsBase = c.unsigned(DW_AT.DW_AT_rnglists_base) ?? c.unsigned(DW_AT.DW_AT_GNU_ranges_base) ?? 0;
      u.loclistsBase = c.unsigned(DW_AT.DW_AT_loclists_base) ?? 0;
    }
  }

  /**
   * The abbreviation table at `offset` of `.debug_abbrev`, decoded when first asked for. Only the most recently
   * used `ABBREV_TABLES_KEPT` are kept: a vmlinux has one table per compile unit (2,000 tables, ~30 MB decoded), and
   * a unit's is needed only while the unit is read.
   */
  abbrevTable(offset: DebugAbbrevOffset): AbbrevTable {
    const last = this.lastAbbrev;
    if (last !== undefined && last.offset === offset) return last;
    let t = this.abbrevs.get(offset);
    if (t) {
      this.abbrevs.delete(offset); // most recently used goes last
    } else {
      t = parseAbbrevTable(this.abbrev, offset, this.path);
      if (this.abbrevs.size >= ABBREV_TABLES_KEPT) this.abbrevs.delete(this.abbrevs.keys().next().value!);
    }
    this.abbrevs.set(offset, t);
    this.lastAbbrev = t;
    return t;
  }

  private readonly abbrevLookup = (offset: DebugAbbrevOffset): AbbrevTable => this.abbrevTable(offset);

  /** A cursor at the start of `unit` (or an unpositioned one, for `dieAt`). */
  cursor(unit?: UnitHeader): DieCursor {
    const c = new DieCursor();
    return unit ? c.reset(unit) : c;
  }

  /** The unit that contains section offset `offset` of `space`. */
  unitAt(ref: DieRef): UnitHeader {
    const space = dieRefSpace(ref);
    const off = dieRefOffset(ref);
    if (space !== DieSpace.INFO && space !== DieSpace.TYPES && space !== DieSpace.ALT) {
      throw new BtfkitError(ErrorCode.CORRUPT, `DIE reference 0x${ref.toString(16)} names no section`, {
        file: this.path,
        section: ".debug_info",
        offset: off,
      });
    }
    if (space === DieSpace.ALT && this.infoSpace !== DieSpace.ALT) return this.altFile(off).unitAt(ref);
    while (this.parseNextUnit(space));
    const list = this.unitList[space]!;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = list[mid]!;
      if (off < u.offset) hi = mid - 1;
      else if (off >= u.end) lo = mid + 1;
      else return u;
    }
    throw new BtfkitError(ErrorCode.CORRUPT, `DIE reference 0x${off.toString(16)} is not inside any unit`, {
      file: this.path,
      section: space === DieSpace.TYPES ? ".debug_types" : ".debug_info",
      offset: off,
    });
  }

  /** Position `cursor` (a new one by default) on the DIE `ref` points to: a type reference, ref_addr, ref_sig8, alt. */
  dieAt(ref: DieRef, cursor: DieCursor = new DieCursor()): DieCursor {
    const unit = this.unitAt(ref);
    return cursor.seek(unit, dieRefOffset(ref));
  }

  /** The DIE of the type unit with signature `sig` (`.debug_types` or DWARF 5 type units), or undefined. */
  resolveSignature(sig: bigint): DieRef | undefined {
    if (!this.sigIndex) {
      const m = new Map<bigint, DieRef>();
      for (const u of this.allUnits()) {
        if (u.typeSignature !== undefined && u.typeOffset !== undefined) {
          m.set(u.typeSignature, makeDieRef(u.space, u.offset + u.typeOffset));
        }
      }
      this.sigIndex = m;
    }
    return this.sigIndex.get(sig);
  }

  /** Path of the dwz alt file named by `.gnu_debugaltlink`, if any. */
  altLink(): string | undefined {
    const sec = this.elf.section(".gnu_debugaltlink");
    if (!sec) return undefined;
    const b = this.elf.sectionBytes(sec);
    let z = b.indexOf(0);
    if (z < 0) z = b.length;
    const name = decodeAscii(b, 0, z);
    return isAbsolute(name) ? name : join(dirname(this.path), name);
  }

  /** The dwz supplementary file (opened on first use); `at` is the offset that needed it, for the error message. */
  altFile(at: number): DwarfFile {
    if (this.alt) return this.alt;
    if (this.infoSpace === DieSpace.ALT) {
      throw new BtfkitError(ErrorCode.CORRUPT, "alt reference inside the alt file itself", {
        file: this.path,
        section: ".debug_info",
        offset: at,
      });
    }
    const path = this.altPathOpt ?? this.altLink();
    if (path === undefined || !existsSync(path)) {
      const why = path === undefined ? "the file has no .gnu_debugaltlink" : `${path} does not exist`;
      throw new BtfkitError(
        ErrorCode.NOT_FOUND,
        `DW_FORM_GNU_ref_alt/GNU_strp_alt needs the dwz alt file (${why}); pass it with --alt FILE`,
        {
          file: this.path,
          section: ".debug_info",
          offset: at,
        },
      );
    }
    try {
      this.alt = new DwarfFile(ElfFile.open(path), true, {}, DieSpace.ALT);
    } catch (e) {
      throw isBtfkitError(e)
        ? e
        : new BtfkitError(ErrorCode.IO, `cannot open dwz alt file ${path}: ${(e as Error).message}`, {
            file: this.path,
          });
    }
    return this.alt;
  }
}
