import { BtfkitError, ErrorCode } from "../common/errors.js";
import { viewOf } from "../common/byte-order.js";
import { DW_AT, DW_UT } from "./constants.js";
import type { AbbrevTable } from "./abbrev.js";
import type { DebugAbbrevOffset, DebugInfoOffset, DieSpace, UnitOffset } from "./offsets.js";

/**
 * The header of one unit (DWARF 2-5; 32- and 64-bit format; compile, partial, type, skeleton and split units), plus
 * the attributes of its root DIE that decoding the rest of the unit needs (`str_offsets_base`, `addr_base`, …).
 * Strings of the root DIE (`producer`, `name`, `comp_dir`) are decoded when first read.
 */
export class UnitHeader {
  readonly space: DieSpace;
  /** `.debug_info` or `.debug_types`. */
  readonly section: string;
  /** Offset of the unit header in its section. */
  readonly offset: DebugInfoOffset;
  /** Offset just past the unit. */
  readonly end: DebugInfoOffset;
  /** 4 for 32-bit DWARF, 8 for 64-bit DWARF. */
  readonly offsetSize: 4 | 8;
  readonly version: number;
  /** DW_UT_*; for DWARF 2-4, DW_UT_compile in .debug_info and DW_UT_type in .debug_types. */
  readonly unitType: number;
  readonly addressSize: number;
  readonly abbrevOffset: DebugAbbrevOffset;
  /** Type units: the 8-byte signature and the offset of the type's DIE. */
  readonly typeSignature: bigint | undefined;
  readonly typeOffset: UnitOffset | undefined;
  /** Skeleton and split compile units: the DWO id. */
  readonly dwoId: bigint | undefined;
  /** Offset of the first (root) DIE. */
  readonly firstDie: DebugInfoOffset;
  /** Size of a DW_FORM_ref_addr value: the address size in DWARF 2, the offset size after. */
  readonly refAddrSize: number;

  /** The DwarfFile the unit belongs to (typed loosely to keep this module free of a cycle). */
  owner: unknown;
  /** Filled in by the DwarfFile: its abbreviation table at an offset (decoded once, kept while recently used). */
  abbrevLookup: (offset: DebugAbbrevOffset) => AbbrevTable = () => {
    throw new BtfkitError(ErrorCode.INTERNAL, "unit without a DwarfFile");
  };
  /** The unit's abbreviation table. */
  get abbrevs(): AbbrevTable {
    return this.abbrevLookup(this.abbrevOffset);
  }
  /** Tag of the root DIE (DW_TAG_compile_unit, DW_TAG_partial_unit, DW_TAG_type_unit, …); 0 for an empty unit. */
  rootTag = 0;
  /** DW_AT_language of the root DIE, 0 when absent. */
  language = 0;
  strOffsetsBase = 0;
  addrBase = 0;
  rnglistsBase = 0;
  loclistsBase = 0;
  /** Filled in by the DwarfFile: decodes a string attribute of the root DIE. */
  rootString: (at: number) => string | undefined = () => undefined;
  private strings: Map<number, string | undefined> | undefined;

  constructor(
    h: Omit<
      UnitHeader,
      | "owner"
      | "abbrevs"
      | "abbrevLookup"
      | "rootTag"
      | "language"
      | "strOffsetsBase"
      | "addrBase"
      | "rnglistsBase"
      | "loclistsBase"
      | "rootString"
      | "producer"
      | "name"
      | "compDir"
      | "isTypeUnit"
      | "string"
    >,
  ) {
    this.space = h.space;
    this.section = h.section;
    this.offset = h.offset;
    this.end = h.end;
    this.offsetSize = h.offsetSize;
    this.version = h.version;
    this.unitType = h.unitType;
    this.addressSize = h.addressSize;
    this.abbrevOffset = h.abbrevOffset;
    this.typeSignature = h.typeSignature;
    this.typeOffset = h.typeOffset;
    this.dwoId = h.dwoId;
    this.firstDie = h.firstDie;
    this.refAddrSize = h.refAddrSize;
  }

  get isTypeUnit(): boolean {
    return this.unitType === DW_UT.DW_UT_type || this.unitType === DW_UT.DW_UT_split_type;
  }

  /** A string attribute of the root DIE, decoded once and cached. */
  string(at: number): string | undefined {
    this.strings ??= new Map();
    if (!this.strings.has(at)) this.strings.set(at, this.rootString(at));
    return this.strings.get(at);
  }

  get producer(): string | undefined {
    return this.string(DW_AT.DW_AT_producer);
  }
  get name(): string | undefined {
    return this.string(DW_AT.DW_AT_name);
  }
  get compDir(): string | undefined {
    return this.string(DW_AT.DW_AT_comp_dir);
  }
}

/**
 * Parse the unit header at `offset` of `bytes` (`.debug_info` or `.debug_types`). The header is validated against
 * the section: its length must fit, the version must be 2-5, the address size 1, 2, 4 or 8.
 */
export function parseUnitHeader(
  bytes: Uint8Array,
  little: boolean,
  offset: number,
  space: DieSpace,
  section: string,
  file: string | undefined,
  base = 0,
  sectionLength = base + bytes.length,
): UnitHeader {
  // `bytes` holds the section from offset `base` on (the whole section, or a piece read from the file that holds at
  // least the header); `p` is a section offset, and reads subtract `base`.
  const fail = (code: ErrorCode, reason: string, at: number): never => {
    throw new BtfkitError(code, reason, { file, section, offset: at });
  };
  const v = viewOf(bytes);
  const len = base + bytes.length;
  let p = offset;
  const need = (n: number, what: string): void => {
    if (p + n > len) fail(ErrorCode.TRUNCATED, `truncated unit header (${what})`, p);
  };
  need(4, "unit_length");
  let unitLength = v.getUint32(p - base, little);
  p += 4;
  let offsetSize: 4 | 8 = 4;
  if (unitLength === 0xffffffff) {
    need(8, "64-bit unit_length");
    const lo = v.getUint32(p - base + (little ? 0 : 4), little);
    const hi = v.getUint32(p - base + (little ? 4 : 0), little);
    unitLength = hi * 0x1_0000_0000 + lo;
    p += 8;
    offsetSize = 8;
  } else if (unitLength >= 0xfffffff0) {
    fail(ErrorCode.BAD_HEADER, `reserved unit_length value 0x${unitLength.toString(16)}`, offset);
  }
  const end = p + unitLength;
  if (end > sectionLength)
    fail(
      ErrorCode.TRUNCATED,
      `unit length 0x${unitLength.toString(16)} runs past the end of the section (0x${sectionLength.toString(16)} bytes)`,
      offset,
    );
  const rd = (n: 1 | 2 | 4 | 8, what: string): number => {
    if (p + n > end || p + n > len) fail(ErrorCode.TRUNCATED, `truncated unit header (${what})`, p);
    const q = p - base;
    let r: number;
    if (n === 1) r = bytes[q]!;
    else if (n === 2) r = v.getUint16(q, little);
    else if (n === 4) r = v.getUint32(q, little);
    else r = v.getUint32(q + (little ? 4 : 0), little) * 0x1_0000_0000 + v.getUint32(q + (little ? 0 : 4), little);
    p += n;
    return r;
  };
  const rdBig = (what: string): bigint => {
    if (p + 8 > end || p + 8 > len) fail(ErrorCode.TRUNCATED, `truncated unit header (${what})`, p);
    const r = v.getBigUint64(p - base, little);
    p += 8;
    return r;
  };
  const version = rd(2, "version");
  if (version < 2 || version > 5)
    fail(
      ErrorCode.UNSUPPORTED,
      `unsupported DWARF version ${version} (2 to 5 are supported)`,
      offset + (offsetSize === 8 ? 12 : 4),
    );
  let unitType: number = section === ".debug_types" ? DW_UT.DW_UT_type : DW_UT.DW_UT_compile;
  let addressSize: number;
  let abbrevOffset: number;
  let typeSignature: bigint | undefined;
  let typeOffset: number | undefined;
  let dwoId: bigint | undefined;
  if (version >= 5) {
    unitType = rd(1, "unit_type");
    addressSize = rd(1, "address_size");
    abbrevOffset = rd(offsetSize, "debug_abbrev_offset");
    if (unitType === DW_UT.DW_UT_type || unitType === DW_UT.DW_UT_split_type) {
      typeSignature = rdBig("type_signature");
      typeOffset = rd(offsetSize, "type_offset");
    } else if (unitType === DW_UT.DW_UT_skeleton || unitType === DW_UT.DW_UT_split_compile) {
      dwoId = rdBig("dwo_id");
    } else if (unitType !== DW_UT.DW_UT_compile && unitType !== DW_UT.DW_UT_partial) {
      fail(ErrorCode.UNSUPPORTED, `unknown unit type 0x${unitType.toString(16)}`, p - 2 - offsetSize);
    }
  } else {
    abbrevOffset = rd(offsetSize, "debug_abbrev_offset");
    addressSize = rd(1, "address_size");
    if (section === ".debug_types") {
      typeSignature = rdBig("type_signature");
      typeOffset = rd(offsetSize, "type_offset");
    }
  }
  if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8) {
    fail(ErrorCode.BAD_HEADER, `bad address size ${addressSize}`, offset);
  }
  if (typeOffset !== undefined && (typeOffset < p - offset || offset + typeOffset >= end)) {
    fail(ErrorCode.CORRUPT, `type_offset 0x${typeOffset.toString(16)} outside the unit`, offset);
  }
  return new UnitHeader({
    space,
    section,
    offset: offset as DebugInfoOffset,
    end: end as DebugInfoOffset,
    offsetSize,
    version,
    unitType,
    addressSize,
    abbrevOffset: abbrevOffset as DebugAbbrevOffset,
    typeSignature,
    typeOffset: typeOffset as UnitOffset | undefined,
    dwoId,
    firstDie: p as DebugInfoOffset,
    refAddrSize: version === 2 ? addressSize : offsetSize,
  });
}
