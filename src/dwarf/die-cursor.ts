import { BtfkitError, ErrorCode } from "../common/errors.js";
import { decodeAscii } from "../common/text.js";
import { leb, readSlebBig, readUlebBig } from "../common/leb128.js";
import * as abbrevActions from "./abbrev.js";
import type { AbbrevTable } from "./abbrev.js";
import { DW_AT, DW_FORM, attrName, formName } from "./constants.js";
import type { DwarfFile } from "./dwarf-file.js";
import type { UnitWindow } from "./unit-windows.js";
import { FormClass, formClass, formSize } from "./forms.js";
import { type DebugInfoOffset, type DieRef, DieSpace, makeDieRef } from "./offsets.js";
import type { UnitHeader } from "./unit.js";

const EMPTY = new Uint8Array(0);
const MAX_SECTION_OFFSET = 2 ** 44;

/**
 * The decode actions of `AbbrevTable.action` (`ACT_*` in abbrev.ts) as a const enum, so that the hot switches below
 * compile to literal cases (a jump table) rather than to loads of imported bindings; checked against abbrev.ts
 * when this module loads.
 */
const enum Act {
  GENERIC = 0,
  REF4 = 1,
  DATA1 = 2,
  DATA2 = 3,
  DATA4 = 4,
  DATA8 = 5,
  STRP4 = 6,
  STRING = 7,
  IMPLICIT = 8,
  SDATA = 9,
  UDATA = 10,
  FLAG_PRESENT = 11,
  FLAG = 12,
  SEC_OFFSET4 = 13,
  ADDR8 = 14,
  EXPRLOC = 15,
  LISTX = 16,
}
{
  const a = abbrevActions;
  const expected: Array<[number, number]> = [
    [a.ACT_GENERIC, Act.GENERIC],
    [a.ACT_REF4, Act.REF4],
    [a.ACT_DATA1, Act.DATA1],
    [a.ACT_DATA2, Act.DATA2],
    [a.ACT_DATA4, Act.DATA4],
    [a.ACT_DATA8, Act.DATA8],
    [a.ACT_STRP4, Act.STRP4],
    [a.ACT_STRING, Act.STRING],
    [a.ACT_IMPLICIT, Act.IMPLICIT],
    [a.ACT_SDATA, Act.SDATA],
    [a.ACT_UDATA, Act.UDATA],
    [a.ACT_FLAG_PRESENT, Act.FLAG_PRESENT],
    [a.ACT_FLAG, Act.FLAG],
    [a.ACT_SEC_OFFSET4, Act.SEC_OFFSET4],
    [a.ACT_ADDR8, Act.ADDR8],
    [a.ACT_EXPRLOC, Act.EXPRLOC],
    [a.ACT_LISTX, Act.LISTX],
  ];
  for (const [x, y] of expected) if (x !== y) throw new Error("die-cursor.ts: Act out of step with abbrev.ts ACT_*");
}

/* What the generic decode path does per standard form (0x00-0x2f), so that its switch is dense. */
const G_OTHER = 0,
  G_REF4 = 1,
  G_DATA1 = 2,
  G_DATA2 = 3,
  G_STRP = 4,
  G_STRING = 5,
  G_REF = 6,
  G_CONST = 7,
  G_DATA16 = 8,
  G_FLAG = 9,
  G_SEC_OFFSET = 10,
  G_ADDRESS = 11,
  G_BLOCK = 12,
  G_LIST = 13;
const G_ACTION = new Uint8Array(0x30);
{
  const F = DW_FORM;
  const set = (forms: number[], action: number): void => {
    for (const f of forms) G_ACTION[f] = action;
  };
  set([F.DW_FORM_ref4], G_REF4);
  set([F.DW_FORM_data1], G_DATA1);
  set([F.DW_FORM_data2], G_DATA2);
  set([F.DW_FORM_strp], G_STRP);
  set(
    [
      F.DW_FORM_string,
      F.DW_FORM_line_strp,
      F.DW_FORM_strx,
      F.DW_FORM_strx1,
      F.DW_FORM_strx2,
      F.DW_FORM_strx3,
      F.DW_FORM_strx4,
      F.DW_FORM_strp_sup,
    ],
    G_STRING,
  );
  set(
    [
      F.DW_FORM_ref1,
      F.DW_FORM_ref2,
      F.DW_FORM_ref8,
      F.DW_FORM_ref_udata,
      F.DW_FORM_ref_addr,
      F.DW_FORM_ref_sig8,
      F.DW_FORM_ref_sup4,
      F.DW_FORM_ref_sup8,
    ],
    G_REF,
  );
  set([F.DW_FORM_data4, F.DW_FORM_data8, F.DW_FORM_udata, F.DW_FORM_sdata, F.DW_FORM_implicit_const], G_CONST);
  set([F.DW_FORM_data16], G_DATA16);
  set([F.DW_FORM_flag, F.DW_FORM_flag_present], G_FLAG);
  set([F.DW_FORM_sec_offset], G_SEC_OFFSET);
  set(
    [F.DW_FORM_addr, F.DW_FORM_addrx, F.DW_FORM_addrx1, F.DW_FORM_addrx2, F.DW_FORM_addrx3, F.DW_FORM_addrx4],
    G_ADDRESS,
  );
  set([F.DW_FORM_block1, F.DW_FORM_block2, F.DW_FORM_block4, F.DW_FORM_block, F.DW_FORM_exprloc], G_BLOCK);
  set([F.DW_FORM_loclistx, F.DW_FORM_rnglistx], G_LIST);
}

/**
 * DW_FORM_* as a const enum, so that the hot switches below (`skipAttrs`, `rawUnsigned`) name their cases and still
 * compile to literal cases; checked against constants.ts when this module loads. The sizes those switches spell out
 * are forms.ts's `FORMS` table (test/dwarf/forms.test.ts runs every form through them).
 */
const enum Form {
  addr = 0x01,
  block2 = 0x03,
  block4 = 0x04,
  data2 = 0x05,
  data4 = 0x06,
  data8 = 0x07,
  string = 0x08,
  block = 0x09,
  block1 = 0x0a,
  data1 = 0x0b,
  flag = 0x0c,
  sdata = 0x0d,
  strp = 0x0e,
  udata = 0x0f,
  ref_addr = 0x10,
  ref1 = 0x11,
  ref2 = 0x12,
  ref4 = 0x13,
  ref8 = 0x14,
  ref_udata = 0x15,
  indirect = 0x16,
  sec_offset = 0x17,
  exprloc = 0x18,
  flag_present = 0x19,
  strx = 0x1a,
  addrx = 0x1b,
  ref_sup4 = 0x1c,
  strp_sup = 0x1d,
  data16 = 0x1e,
  line_strp = 0x1f,
  ref_sig8 = 0x20,
  implicit_const = 0x21,
  loclistx = 0x22,
  rnglistx = 0x23,
  ref_sup8 = 0x24,
  strx1 = 0x25,
  strx2 = 0x26,
  strx3 = 0x27,
  strx4 = 0x28,
  addrx1 = 0x29,
  addrx2 = 0x2a,
  addrx3 = 0x2b,
  addrx4 = 0x2c,
  GNU_addr_index = 0x1f01,
  GNU_str_index = 0x1f02,
  GNU_ref_alt = 0x1f20,
  GNU_strp_alt = 0x1f21,
}
{
  const F = DW_FORM;
  const pairs: Array<[number, number]> = [
    [Form.addr, F.DW_FORM_addr],
    [Form.block2, F.DW_FORM_block2],
    [Form.block4, F.DW_FORM_block4],
    [Form.data2, F.DW_FORM_data2],
    [Form.data4, F.DW_FORM_data4],
    [Form.data8, F.DW_FORM_data8],
    [Form.string, F.DW_FORM_string],
    [Form.block, F.DW_FORM_block],
    [Form.block1, F.DW_FORM_block1],
    [Form.data1, F.DW_FORM_data1],
    [Form.flag, F.DW_FORM_flag],
    [Form.sdata, F.DW_FORM_sdata],
    [Form.strp, F.DW_FORM_strp],
    [Form.udata, F.DW_FORM_udata],
    [Form.ref_addr, F.DW_FORM_ref_addr],
    [Form.ref1, F.DW_FORM_ref1],
    [Form.ref2, F.DW_FORM_ref2],
    [Form.ref4, F.DW_FORM_ref4],
    [Form.ref8, F.DW_FORM_ref8],
    [Form.ref_udata, F.DW_FORM_ref_udata],
    [Form.indirect, F.DW_FORM_indirect],
    [Form.sec_offset, F.DW_FORM_sec_offset],
    [Form.exprloc, F.DW_FORM_exprloc],
    [Form.flag_present, F.DW_FORM_flag_present],
    [Form.strx, F.DW_FORM_strx],
    [Form.addrx, F.DW_FORM_addrx],
    [Form.ref_sup4, F.DW_FORM_ref_sup4],
    [Form.strp_sup, F.DW_FORM_strp_sup],
    [Form.data16, F.DW_FORM_data16],
    [Form.line_strp, F.DW_FORM_line_strp],
    [Form.ref_sig8, F.DW_FORM_ref_sig8],
    [Form.implicit_const, F.DW_FORM_implicit_const],
    [Form.loclistx, F.DW_FORM_loclistx],
    [Form.rnglistx, F.DW_FORM_rnglistx],
    [Form.ref_sup8, F.DW_FORM_ref_sup8],
    [Form.strx1, F.DW_FORM_strx1],
    [Form.strx2, F.DW_FORM_strx2],
    [Form.strx3, F.DW_FORM_strx3],
    [Form.strx4, F.DW_FORM_strx4],
    [Form.addrx1, F.DW_FORM_addrx1],
    [Form.addrx2, F.DW_FORM_addrx2],
    [Form.addrx3, F.DW_FORM_addrx3],
    [Form.addrx4, F.DW_FORM_addrx4],
    [Form.GNU_addr_index, F.DW_FORM_GNU_addr_index],
    [Form.GNU_str_index, F.DW_FORM_GNU_str_index],
    [Form.GNU_ref_alt, F.DW_FORM_GNU_ref_alt],
    [Form.GNU_strp_alt, F.DW_FORM_GNU_strp_alt],
  ];
  for (const [x, y] of pairs)
    if (x !== y) throw new Error(`die-cursor.ts: Form 0x${x.toString(16)} out of step with constants.ts`);
}

/** Value of a decoded attribute in the generic (allocating) accessors. */
export type AttrValue = number | bigint | string | Uint8Array | undefined;

/**
 * A cursor over the DIEs of one unit, in depth-first order. It allocates nothing per DIE: the current DIE is the
 * cursor's own fields (offset, depth, tag, abbreviation), and attribute positions go into a scratch array that is
 * filled only when an attribute is asked for (or the walk has to step over the DIE). Values are decoded on demand;
 * strings and blocks are handed out as byte ranges (`str()`, `block()`), JS strings only by `string()`.
 *
 * ```ts
 * const c = dwarf.cursor(unit);
 * while (c.next()) {
 *   if (c.tag === DW_TAG.DW_TAG_structure_type) { c.string(DW_AT.DW_AT_name); c.skipChildren(); }
 * }
 * ```
 */
export class DieCursor {
  /** The unit being walked. */
  unit!: UnitHeader;
  /** Section offset of the current DIE. */
  offset = 0 as DebugInfoOffset;
  /** Depth of the current DIE: 0 for the unit's root (or for the DIE a `seek` landed on). */
  depth = 0;
  /** DW_TAG_* of the current DIE. */
  tag = 0;
  hasChildren = false;
  /** Abbreviation code of the current DIE. */
  code = 0;

  /** Set by `str()`: the string is `strBytes[strStart, strEnd)`. */
  strBytes: Uint8Array = EMPTY;
  strStart = 0;
  /** End of the string (its NUL), found on first read: decoding a string attribute does not scan the string. */
  get strEnd(): number {
    if (this.strEndCache < 0) this.strEndCache = this.findNul();
    return this.strEndCache;
  }
  /** Set by `block()`: the block is `blockBytes[blockStart, blockEnd)`. */
  blockBytes: Uint8Array = EMPTY;
  blockStart = 0;
  blockEnd = 0;
  /** Set by `decodeAt()` for numeric classes (addresses, constants, flags, offsets, list indices) and references. */
  numValue = 0;

  private file!: DwarfFile;
  /**
   * The bytes the unit's DIEs are read from: the whole section, or (a large file read unit by unit) a window that
   * starts at section offset `shift`. Positions stay section offsets throughout; only byte reads subtract `shift`.
   */
  private bytes: Uint8Array = EMPTY;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private shift = 0;
  private window: UnitWindow | undefined;
  private little = true;
  private table!: AbbrevTable;
  private unitEnd = 0;
  private unitOffset = 0;
  private unitSpace: DieSpace = DieSpace.INFO;
  /** unitSpace === DieSpace.INFO (references are plain section offsets). */
  private inInfo = true;
  private offsetSize = 4;
  private addrSize = 8;
  private refAddrSize = 4;
  private abbrev = -1;
  private attrBase = 0;
  private nAttrs = 0;
  private attrPos = 0;
  private nextPos = 0;
  private scanned = false;
  private pending = -1;
  private started = false;
  private done = false;
  private floor = 0;
  private pos = new Uint32Array(64);
  private strEndCache = 0;
  /** Section name and attribute position of the current string, for the error when it has no NUL. */
  private strSecName = "";
  private strAttrPos = 0;
  private forms: Uint16Array = new Uint16Array(0);
  private relOffset: Int32Array = new Int32Array(0);
  private action: Uint8Array = new Uint8Array(0);
  /** String and address sections of `secFile`, fetched on first use. */
  private secFile: DwarfFile | undefined;
  private strSec: Uint8Array | undefined;
  private lineStrSec: Uint8Array | undefined;
  private strOffSec: Uint8Array | undefined;
  private addrSec: Uint8Array | undefined;
  /** Outputs of `locate`: the real form (after DW_FORM_indirect) and the position of its data. */
  private f = 0;
  private p = 0;

  /**
   * Start walking `unit` from its root DIE. `window` (default: the file's for the unit) may hold only the start of
   * the unit: reading past its end then fails as a truncated unit.
   */
  reset(unit: UnitHeader, window?: UnitWindow): this {
    this.unit = unit;
    this.file = unit.owner as DwarfFile;
    const w = window ?? this.file.unitWindow(unit);
    // Count the cursors in each window: a window's buffer is reused for another unit only when none is left.
    if (w !== this.window) {
      if (this.window) this.window.users--;
      w.users++;
      this.window = w;
    }
    this.bytes = w.bytes;
    this.view = w.view;
    this.shift = w.base;
    this.little = this.file.little;
    this.table = unit.abbrevs;
    this.table.layout(unit.addressSize, unit.offsetSize, unit.refAddrSize);
    this.forms = this.table.forms;
    this.relOffset = this.table.relOffset;
    this.action = this.table.action;
    if (this.file !== this.secFile) {
      this.secFile = this.file;
      this.strSec = this.lineStrSec = this.strOffSec = this.addrSec = undefined;
    }
    if (this.pos.length < this.table.maxAttrs) this.pos = new Uint32Array(this.table.maxAttrs);
    this.unitEnd = Math.min(unit.end, w.base + w.bytes.length);
    this.unitOffset = unit.offset;
    this.unitSpace = unit.space;
    this.inInfo = unit.space === DieSpace.INFO;
    this.offsetSize = unit.offsetSize;
    this.addrSize = unit.addressSize;
    this.refAddrSize = unit.refAddrSize;
    this.started = false;
    this.done = false;
    this.pending = -1;
    this.floor = 0;
    this.depth = 0;
    this.hasChildren = false;
    this.tag = 0;
    this.abbrev = -1;
    return this;
  }

  /**
   * Make the DIE at `offset` (a section offset inside `unit`) the current DIE, at depth 0. A following `next()`
   * walks its children (depth 1, …) and then carries on past it, with depths going negative once its parent's
   * children end.
   */
  seek(unit: UnitHeader, offset: number): this {
    this.reset(unit);
    if (offset < unit.firstDie || offset >= unit.end) {
      throw this.fail(
        ErrorCode.CORRUPT,
        `DIE offset 0x${offset.toString(16)} is outside its unit (0x${unit.offset.toString(16)}-0x${unit.end.toString(16)})`,
        offset,
      );
    }
    this.started = true;
    this.floor = -Infinity;
    const p = this.readDie(offset, 0);
    if (p < 0) throw this.fail(ErrorCode.CORRUPT, "reference to a null entry, not a DIE", offset);
    return this;
  }

  /** Move to the next DIE in depth-first order (children before siblings). False at the end of the unit. */
  next(): boolean {
    if (this.done) return false;
    let p: number;
    let depth: number;
    if (!this.started) {
      this.started = true;
      p = this.unit.firstDie;
      depth = 0;
    } else if (this.pending >= 0) {
      p = this.pending;
      this.pending = -1;
      depth = this.depth;
    } else {
      if (!this.scanned) {
        const fixed = this.table.fixedSize[this.abbrev]!;
        if (fixed >= 0) {
          this.nextPos = this.attrPos + fixed;
          if (this.nextPos > this.unitEnd) this.scan(); // throws the precise truncation error
        } else this.scan();
      }
      p = this.nextPos;
      depth = this.hasChildren ? this.depth + 1 : this.depth;
    }
    const b = this.bytes;
    const s = this.shift;
    const end = this.unitEnd;
    while (p < end) {
      if (b[p - s] === 0) {
        // A null entry ends a list of children; at the unit's top level it is padding.
        p++;
        if (depth > this.floor) depth--;
        continue;
      }
      if (this.readDie(p, depth) >= 0) return true;
    }
    this.done = true;
    this.tag = 0;
    this.hasChildren = false;
    this.abbrev = -1;
    return false;
  }

  /** Skip the current DIE's children: the next `next()` returns its next sibling (or what follows). */
  skipChildren(): void {
    if (!this.hasChildren || this.abbrev < 0) return;
    const si = this.table.findAttr(this.abbrev, DW_AT.DW_AT_sibling);
    if (si >= 0) {
      this.locate(si);
      const f = this.f;
      if (
        f !== DW_FORM.DW_FORM_ref_addr &&
        f !== DW_FORM.DW_FORM_ref_sig8 &&
        f !== DW_FORM.DW_FORM_GNU_ref_alt &&
        f !== DW_FORM.DW_FORM_ref_sup4 &&
        f !== DW_FORM.DW_FORM_ref_sup8
      ) {
        const target = this.unit.offset + this.rawUnsigned(f, this.p, si);
        if (target > this.offset && target <= this.unitEnd) {
          this.pending = target;
          return;
        }
      }
    }
    if (!this.scanned) this.scan();
    const b = this.bytes;
    const s = this.shift;
    const end = this.unitEnd;
    const t = this.table;
    let p = this.nextPos;
    let level = 1;
    while (level > 0 && p < end) {
      const at = p;
      let code = b[p++ - s]!;
      if (code === 0) {
        level--;
        continue;
      }
      if (code & 0x80) {
        code = this.ulebFrom(at);
        p = this.p;
      }
      const idx = t.indexOf(code);
      if (idx < 0)
        throw this.fail(
          ErrorCode.CORRUPT,
          `abbreviation code ${code} not in the table at .debug_abbrev+0x${t.offset.toString(16)}`,
          at,
        );
      p = this.skipAttrs(idx, p, false);
      if (t.hasChildren[idx]) level++;
    }
    this.pending = Math.min(p, end);
  }

  /** Number of attributes of the current DIE, for index-based access (`attrAt`, `formAt`, `decodeAt`). */
  get attrCount(): number {
    return this.nAttrs;
  }
  /** DW_AT_* of the `i`-th attribute of the current DIE. */
  attrAt(i: number): number {
    return this.table.attrs[this.attrBase + i]!;
  }
  /** DW_FORM_* of the `i`-th attribute as declared in the abbreviation (DW_FORM_indirect is not resolved). */
  formAt(i: number): number {
    return this.table.forms[this.attrBase + i]!;
  }

  /** Index of attribute `at` in the current DIE, or -1. */
  indexOf(at: number): number {
    return this.abbrev < 0 ? -1 : this.table.findAttr(this.abbrev, at);
  }
  has(at: number): boolean {
    return this.indexOf(at) >= 0;
  }
  /** The form of attribute `at` (DW_FORM_indirect resolved), or 0 when the DIE does not have it. */
  attrForm(at: number): number {
    const i = this.indexOf(at);
    if (i < 0) return 0;
    this.locate(i);
    return this.f;
  }

  /**
   * Decode attribute `i` into the cursor's output fields without allocating; returns its FormClass. Numbers
   * (constants, flags, addresses with `addrx` resolved, section offsets, list indices) and references (resolved to a
   * DieRef) go to `numValue`, strings to `strBytes/strStart/strEnd`, blocks and `data16` to
   * `blockBytes/blockStart/blockEnd`.
   */
  decodeAt(i: number): FormClass {
    // Kept small enough for V8 to inline into callers' loops: the forms that make up ~97% of a kernel's attributes
    // (data1, ref4, strp, data2, implicit_const, sec_offset, flag_present) are decoded here, the rest in decodeRest.
    const k = this.attrBase + i;
    const act = this.action[k]!;
    // Where the value is: at a fixed offset from the DIE's first attribute while every attribute before it has a
    // fixed size (16 bytes of slack keep every fast read inside the unit), else where the scan recorded it.
    let p: number;
    const rel = this.relOffset[k]!;
    if (rel >= 0 && !this.scanned && this.attrPos + rel + 16 <= this.unitEnd) p = this.attrPos + rel;
    else {
      if (!this.scanned) this.scan();
      p = this.pos[i]!;
    }
    switch (act) {
      case Act.DATA1:
        this.f = 0x0b;
        this.numValue = this.bytes[p - this.shift]!;
        return 3; // CONSTANT
      case Act.REF4: {
        this.f = 0x13;
        const off = this.unitOffset + this.view.getUint32(p - this.shift, this.little);
        if (off >= this.unitEnd || !this.inInfo) return this.decodeRest(i, k, act, p);
        this.numValue = off;
        return 7; // REFERENCE
      }
      case Act.STRP4:
        return this.strp4(p, i);
      case Act.DATA2:
        this.f = 0x05;
        this.numValue = this.view.getUint16(p - this.shift, this.little);
        return 3; // CONSTANT
      case Act.IMPLICIT:
        this.f = 0x21;
        this.numValue = this.table.implicit[k]!;
        return 3; // CONSTANT
      case Act.SEC_OFFSET4:
        this.f = 0x17;
        this.numValue = this.view.getUint32(p - this.shift, this.little);
        return 6; // SEC_OFFSET
      case Act.FLAG_PRESENT:
        this.f = 0x19;
        this.numValue = 1;
        return 5; // FLAG
      default:
        return this.decodeRest(i, k, act, p);
    }
  }

  private strp4(p: number, i: number): FormClass {
    this.f = 0x0e;
    const sec = (this.strSec ??= this.file.str);
    const off = this.view.getUint32(p - this.shift, this.little);
    if (off >= sec.length) this.strAt(0x0e, p, i); // throws
    this.strBytes = sec;
    this.strStart = off;
    this.strEndCache = -1;
    this.strSecName = ".debug_str";
    this.strAttrPos = p;
    return 8; // STRING
  }

  /** decodeAt for the less common forms; `p` is the value's position. */
  private decodeRest(i: number, k: number, act: number, p: number): FormClass {
    this.p = p; // valueAt reads wide constants and addresses again from here
    switch (act) {
      case Act.REF4: {
        // Outside its unit (throws the precise error), or in a space other than .debug_info.
        const off = this.unitOffset + this.view.getUint32(p - this.shift, this.little);
        if (off >= this.unitEnd) this.refAt(0x13, p, i);
        this.numValue = this.unitSpace === DieSpace.INFO ? off : makeDieRef(this.unitSpace, off);
        return 7; // REFERENCE
      }
      case Act.DATA4:
        this.f = 0x06;
        this.numValue = this.view.getUint32(p - this.shift, this.little);
        return 3; // CONSTANT
      case Act.DATA8:
        this.f = 0x07;
        this.numValue = this.u64(p);
        return 3; // CONSTANT
      case Act.STRING:
        this.f = 0x08;
        this.strBytes = this.bytes;
        this.strStart = p - this.shift;
        this.strEndCache = -1;
        this.strSecName = this.unit.section;
        this.strAttrPos = p;
        return 8; // STRING
      case Act.SDATA:
        this.f = 0x0d;
        this.numValue = this.slebAt(p);
        return 3; // CONSTANT
      case Act.UDATA: {
        this.f = 0x0f;
        const c = this.bytes[p - this.shift]!;
        this.numValue = c < 0x80 ? c : this.ulebFrom(p);
        this.p = p; // ulebFrom moved it past the value
        return 3; // CONSTANT
      }
      case Act.FLAG:
        this.f = 0x0c;
        this.numValue = this.bytes[p - this.shift]!;
        return 5; // FLAG
      case Act.ADDR8:
        this.f = 0x01;
        this.numValue = this.u64(p);
        return 1; // ADDRESS
      case Act.EXPRLOC: {
        this.f = 0x18;
        const c = this.bytes[p - this.shift]!;
        if (c < 0x80) {
          this.blockBytes = this.bytes;
          this.blockStart = p + 1 - this.shift;
          this.blockEnd = p + 1 + c - this.shift;
        } else this.blockAt(0x18, p, i);
        return 4; // EXPRLOC
      }
      case Act.LISTX: {
        this.f = this.forms[k]!;
        const c = this.bytes[p - this.shift]!;
        this.numValue = c < 0x80 ? c : this.ulebFrom(p);
        return 9; // LIST_INDEX
      }
      default:
        return this.decodeGeneric(i);
    }
  }

  /** decodeAt for every form (the fast path above covers the common ones). */
  private decodeGeneric(i: number): FormClass {
    this.locate(i);
    const f = this.f;
    const p = this.p;
    // The common forms first, without a call: ref4, data1/2, strp, fixed sec_offset.
    switch (f < 0x30 ? G_ACTION[f]! : G_OTHER) {
      case G_REF4: {
        const off = this.unitOffset + this.view.getUint32(p - this.shift, this.little);
        if (off >= this.unitEnd) this.refAt(f, p, i); // throws the precise error
        this.numValue = this.unitSpace === DieSpace.INFO ? off : makeDieRef(this.unitSpace, off);
        return FormClass.REFERENCE;
      }
      case G_DATA1:
        this.numValue = this.bytes[p - this.shift]!;
        return FormClass.CONSTANT;
      case G_DATA2:
        this.numValue = this.view.getUint16(p - this.shift, this.little);
        return FormClass.CONSTANT;
      case G_STRP:
        if (this.offsetSize === 4) {
          const sec = (this.strSec ??= this.file.str);
          const off = this.view.getUint32(p - this.shift, this.little);
          if (off >= sec.length) this.strAt(f, p, i); // throws
          this.strBytes = sec;
          this.strStart = off;
          this.strEndCache = -1;
          this.strSecName = ".debug_str";
          this.strAttrPos = p;
        } else this.strAt(f, p, i);
        return FormClass.STRING;
      case G_STRING:
        this.strAt(f, p, i);
        return FormClass.STRING;
      case G_REF:
        this.numValue = this.refAt(f, p, i);
        return FormClass.REFERENCE;
      case G_CONST:
        this.numValue = f === DW_FORM.DW_FORM_sdata ? this.slebAt(p) : this.rawUnsigned(f, p, i);
        return FormClass.CONSTANT;
      case G_DATA16:
        this.blockBytes = this.bytes;
        this.blockStart = p - this.shift;
        this.blockEnd = p + 16 - this.shift;
        this.numValue = 0;
        return FormClass.CONSTANT;
      case G_FLAG:
        this.numValue = f === DW_FORM.DW_FORM_flag_present ? 1 : this.bytes[p - this.shift]!;
        return FormClass.FLAG;
      case G_SEC_OFFSET:
        this.numValue = this.rawUnsigned(f, p, i);
        return FormClass.SEC_OFFSET;
      case G_ADDRESS:
        this.numValue = this.addressAt(f, p, i);
        return FormClass.ADDRESS;
      case G_BLOCK:
        this.blockAt(f, p, i);
        return f === DW_FORM.DW_FORM_exprloc ? FormClass.EXPRLOC : FormClass.BLOCK;
      case G_LIST:
        this.numValue = this.rawUnsigned(f, p, i);
        return FormClass.LIST_INDEX;
      default:
        switch (f) {
          case DW_FORM.DW_FORM_GNU_str_index:
          case DW_FORM.DW_FORM_GNU_strp_alt:
            this.strAt(f, p, i);
            return FormClass.STRING;
          case DW_FORM.DW_FORM_GNU_ref_alt:
            this.numValue = this.refAt(f, p, i);
            return FormClass.REFERENCE;
          case DW_FORM.DW_FORM_GNU_addr_index:
            this.numValue = this.addressAt(f, p, i);
            return FormClass.ADDRESS;
          default:
            throw this.fail(ErrorCode.UNSUPPORTED, `unsupported form ${formName(f)}`, p);
        }
    }
  }

  /**
   * An unsigned number: constants (data1-8, udata; sdata and implicit_const as their signed value), flags, section
   * offsets, list indices, and addresses (`addrx` resolved through `.debug_addr`). Exact below 2^53; use
   * `bigUnsigned` for wider values. Undefined when absent or not numeric.
   */
  unsigned(at: number): number | undefined {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    this.locate(i);
    const f = this.f;
    switch (formClass(f)) {
      case FormClass.ADDRESS:
        return this.addressAt(f, this.p, i);
      case FormClass.CONSTANT:
        if (f === DW_FORM.DW_FORM_data16) return undefined;
        if (f === DW_FORM.DW_FORM_sdata) return this.slebAt(this.p);
        return this.rawUnsigned(f, this.p, i);
      case FormClass.FLAG:
      case FormClass.SEC_OFFSET:
      case FormClass.LIST_INDEX:
        return this.rawUnsigned(f, this.p, i);
      default:
        return undefined;
    }
  }

  /** A signed constant: data1/2/4/8 are sign-extended from their width; sdata, implicit_const as stored. */
  signed(at: number): number | undefined {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    this.locate(i);
    const f = this.f;
    const p = this.p;
    switch (f) {
      case DW_FORM.DW_FORM_data1:
        return (this.bytes[p - this.shift]! << 24) >> 24;
      case DW_FORM.DW_FORM_data2:
        return this.view.getInt16(p - this.shift, this.little);
      case DW_FORM.DW_FORM_data4:
        return this.view.getInt32(p - this.shift, this.little);
      case DW_FORM.DW_FORM_data8:
        return Number(this.view.getBigInt64(p - this.shift, this.little));
      case DW_FORM.DW_FORM_sdata:
        return this.slebAt(p);
      default:
        return this.unsigned(at);
    }
  }

  /**
   * An exact unsigned value as a bigint: any constant including data16, an address, or a block of up to 16 bytes
   * (DW_AT_const_value of a wide integer) read in the file's byte order.
   */
  bigUnsigned(at: number): bigint | undefined {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    this.locate(i);
    const f = this.f;
    const p = this.p;
    switch (f) {
      case DW_FORM.DW_FORM_data8:
      case DW_FORM.DW_FORM_ref_sig8:
        return this.view.getBigUint64(p - this.shift, this.little);
      case DW_FORM.DW_FORM_data16:
        return this.bigFromBytes(p - this.shift, 16);
      case DW_FORM.DW_FORM_udata:
        return this.bigUleb(p);
      case DW_FORM.DW_FORM_sdata:
        return BigInt.asUintN(64, this.bigSleb(p));
      case DW_FORM.DW_FORM_addr:
        return this.addrSize === 8
          ? this.view.getBigUint64(p - this.shift, this.little)
          : BigInt(this.rawUnsigned(f, p, i));
      default: {
        const cls = formClass(f);
        if (cls === FormClass.BLOCK) {
          this.blockAt(f, p, i);
          const n = this.blockEnd - this.blockStart;
          if (n > 16)
            throw this.fail(
              ErrorCode.UNSUPPORTED,
              `${attrName(at)}: block constant of ${n} bytes (at most 16 are supported)`,
              p,
            );
          return this.bigFromBytes(this.blockStart, n);
        }
        if (cls === FormClass.ADDRESS) return this.bigAddressAt(f, p, i);
        const v = this.unsigned(at);
        return v === undefined ? undefined : BigInt(v);
      }
    }
  }

  /** Like `bigUnsigned`, sign-extended from the value's width (data1-16, blocks) or as stored (sdata). */
  bigSigned(at: number): bigint | undefined {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    this.locate(i);
    const f = this.f;
    const u = this.bigUnsigned(at);
    if (u === undefined) return undefined;
    switch (f) {
      case DW_FORM.DW_FORM_data1:
        return BigInt.asIntN(8, u);
      case DW_FORM.DW_FORM_data2:
        return BigInt.asIntN(16, u);
      case DW_FORM.DW_FORM_data4:
        return BigInt.asIntN(32, u);
      case DW_FORM.DW_FORM_data8:
        return BigInt.asIntN(64, u);
      case DW_FORM.DW_FORM_data16:
        return BigInt.asIntN(128, u);
      case DW_FORM.DW_FORM_sdata:
        return this.bigSleb(this.p);
      case DW_FORM.DW_FORM_implicit_const:
        return BigInt(this.table.implicit[this.attrBase + i]!);
      default:
        if (formClass(f) === FormClass.BLOCK) return BigInt.asIntN((this.blockEnd - this.blockStart) * 8, u);
        return u;
    }
  }

  /** A reference resolved to a DieRef: unit-relative refs, ref_addr, ref_sig8 (type units) and dwz alt refs. */
  ref(at: number): DieRef | undefined {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    this.locate(i);
    if (formClass(this.f) !== FormClass.REFERENCE) return undefined;
    return this.refAt(this.f, this.p, i);
  }

  /**
   * Find string attribute `at` and set `strBytes/strStart/strEnd` to its bytes (without the NUL). False when the
   * DIE has no such attribute or it is not a string.
   */
  str(at: number): boolean {
    const i = this.indexOf(at);
    if (i < 0) return false;
    this.locate(i);
    if (formClass(this.f) !== FormClass.STRING) return false;
    this.strAt(this.f, this.p, i);
    return true;
  }

  /** A string attribute as a JS string (this allocates: prefer `str()` on hot paths). */
  string(at: number): string | undefined {
    return this.str(at) ? decodeAscii(this.strBytes, this.strStart, this.strEnd) : undefined;
  }

  /** Find block or exprloc attribute `at` and set `blockBytes/blockStart/blockEnd`. */
  block(at: number): boolean {
    const i = this.indexOf(at);
    if (i < 0) return false;
    this.locate(i);
    const cls = formClass(this.f);
    if (cls !== FormClass.BLOCK && cls !== FormClass.EXPRLOC) return false;
    this.blockAt(this.f, this.p, i);
    return true;
  }

  /**
   * Generic access by attribute name (allocates for strings and blocks): numbers for constants, flags, addresses
   * and section offsets (bigint when above 2^53 or data16), a DieRef number for references, a string for strings,
   * a Uint8Array (a copy: a window of a unit read from the file is reused) for blocks and exprlocs.
   */
  attr(at: number): AttrValue {
    const i = this.indexOf(at);
    if (i < 0) return undefined;
    return this.valueAt(i);
  }

  /** `attr` by attribute index. */
  valueAt(i: number): AttrValue {
    const cls = this.decodeAt(i);
    switch (cls) {
      case FormClass.STRING:
        return decodeAscii(this.strBytes, this.strStart, this.strEnd);
      case FormClass.BLOCK:
      case FormClass.EXPRLOC:
        return this.blockBytes.slice(this.blockStart, this.blockEnd);
      case FormClass.CONSTANT:
        if (this.f === DW_FORM.DW_FORM_data16) return this.bigFromBytes(this.blockStart, 16);
        if (this.f === DW_FORM.DW_FORM_data8 || this.f === DW_FORM.DW_FORM_udata) {
          if (this.numValue > Number.MAX_SAFE_INTEGER)
            return this.f === DW_FORM.DW_FORM_data8
              ? this.view.getBigUint64(this.p - this.shift, this.little)
              : this.bigUleb(this.p);
        }
        return this.numValue;
      case FormClass.ADDRESS:
        return this.numValue > Number.MAX_SAFE_INTEGER ? this.bigAddressAt(this.f, this.p, i) : this.numValue;
      default:
        return this.numValue;
    }
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  /** Read the DIE at `p` as the current one; returns -1 for a null entry. */
  private readDie(p: number, depth: number): number {
    const b = this.bytes;
    const s = this.shift;
    const at = p;
    let code = b[p++ - s]!;
    if (code === 0) return -1;
    if (code & 0x80) {
      code = this.ulebFrom(at);
      p = this.p;
    }
    const t = this.table;
    const idx = t.indexOf(code);
    if (idx < 0)
      throw this.fail(
        ErrorCode.CORRUPT,
        `abbreviation code ${code} not in the table at .debug_abbrev+0x${t.offset.toString(16)}`,
        at,
      );
    this.offset = at as DebugInfoOffset;
    this.depth = depth;
    this.code = code;
    this.abbrev = idx;
    this.tag = t.tag[idx]!;
    this.hasChildren = t.hasChildren[idx] === 1;
    this.attrBase = t.attrStart[idx]!;
    this.nAttrs = t.attrCount[idx]!;
    this.attrPos = p;
    this.scanned = false;
    return at;
  }

  /** Record the position of every attribute of the current DIE and where the DIE ends. */
  private scan(): void {
    this.nextPos = this.skipAttrs(this.abbrev, this.attrPos, true);
    this.scanned = true;
  }

  private skipAttrs(idx: number, p: number, record: boolean): number {
    const t = this.table;
    const forms = t.forms;
    const s = t.attrStart[idx]!;
    const n = t.attrCount[idx]!;
    const b = this.bytes;
    const sh = this.shift;
    const end = this.unitEnd;
    const pos = this.pos;
    for (let i = 0; i < n; i++) {
      if (record) pos[i] = p;
      const f = forms[s + i]!;
      switch (f) {
        case Form.data1:
        case Form.ref1:
        case Form.flag:
        case Form.strx1:
        case Form.addrx1:
          p += 1;
          break;
        case Form.data2:
        case Form.ref2:
        case Form.strx2:
        case Form.addrx2:
          p += 2;
          break;
        case Form.strx3:
        case Form.addrx3:
          p += 3;
          break;
        case Form.data4:
        case Form.ref4:
        case Form.strx4:
        case Form.addrx4:
        case Form.ref_sup4:
          p += 4;
          break;
        case Form.data8:
        case Form.ref8:
        case Form.ref_sig8:
        case Form.ref_sup8:
          p += 8;
          break;
        case Form.data16:
          p += 16;
          break;
        case Form.addr:
          p += this.addrSize;
          break;
        case Form.strp:
        case Form.sec_offset:
        case Form.line_strp:
        case Form.strp_sup:
        case Form.GNU_ref_alt:
        case Form.GNU_strp_alt:
          p += this.offsetSize;
          break;
        case Form.ref_addr:
          p += this.refAddrSize;
          break;
        case Form.flag_present:
        case Form.implicit_const:
          break;
        case Form.sdata:
        case Form.udata:
        case Form.ref_udata:
        case Form.strx:
        case Form.addrx:
        case Form.loclistx:
        case Form.rnglistx:
        case Form.GNU_addr_index:
        case Form.GNU_str_index:
          while (p < end && b[p++ - sh]! & 0x80);
          break;
        case Form.string: // names are short, a plain loop beats a call to indexOf
          while (p < end && b[p - sh] !== 0) p++;
          p++;
          break;
        case Form.block1:
          p += 1 + (p < end ? b[p - sh]! : 0);
          break;
        case Form.block2:
          p += p + 2 <= end ? 2 + this.view.getUint16(p - this.shift, this.little) : 2;
          break;
        case Form.block4:
          p += p + 4 <= end ? 4 + this.view.getUint32(p - this.shift, this.little) : 4;
          break;
        case Form.block:
        case Form.exprloc: {
          const len = this.ulebFrom(p);
          p = this.p + len;
          break;
        }
        case Form.indirect: {
          const form = this.ulebFrom(p);
          p = this.skipIndirect(form, this.p, 0);
          break;
        }
        default:
          throw this.fail(ErrorCode.UNSUPPORTED, `unsupported form ${formName(f)}`, p);
      }
      if (p > end) {
        throw this.fail(
          ErrorCode.TRUNCATED,
          `attribute ${attrName(t.attrs[s + i]!)} (${formName(f)}) runs past the end of the unit`,
          record ? pos[i]! : p,
        );
      }
    }
    return p;
  }

  /** Skip one value of a form named in the data (DW_FORM_indirect), with a nesting limit against hostile input. */
  private skipIndirect(form: number, p: number, nesting: number): number {
    if (nesting > 8) throw this.fail(ErrorCode.CORRUPT, "DW_FORM_indirect nested too deeply", p);
    if (form === DW_FORM.DW_FORM_indirect) {
      const f2 = this.ulebFrom(p);
      return this.skipIndirect(f2, this.p, nesting + 1);
    }
    if (form === DW_FORM.DW_FORM_implicit_const)
      throw this.fail(ErrorCode.CORRUPT, "DW_FORM_implicit_const through DW_FORM_indirect", p);
    const size = formSize(form, this.addrSize, this.offsetSize, this.refAddrSize);
    if (size >= 0) return p + size;
    switch (form) {
      case Form.string: {
        const z = this.bytes.indexOf(0, p - this.shift);
        return z < 0 || z + this.shift >= this.unitEnd ? this.unitEnd + 1 : z + this.shift + 1;
      }
      case Form.block1:
        return p + 1 + (this.bytes[p - this.shift] ?? 0);
      case Form.block2:
        return p + 2 + (p + 2 <= this.unitEnd ? this.view.getUint16(p - this.shift, this.little) : 0);
      case Form.block4:
        return p + 4 + (p + 4 <= this.unitEnd ? this.view.getUint32(p - this.shift, this.little) : 0);
      case Form.block:
      case Form.exprloc: {
        const len = this.ulebFrom(p);
        return this.p + len;
      }
      default:
        if (formClass(form) === FormClass.UNKNOWN)
          throw this.fail(ErrorCode.UNSUPPORTED, `unsupported form ${formName(form)} (through DW_FORM_indirect)`, p);
        this.ulebFrom(p);
        return this.p;
    }
  }

  /** Set `f`/`p` to attribute `i`'s real form and data position. */
  private locate(i: number): void {
    let f = this.forms[this.attrBase + i]!;
    let p: number;
    const rel = this.relOffset[this.attrBase + i]!;
    if (rel >= 0 && !this.scanned) {
      p = this.attrPos + rel;
      if (p + 16 > this.unitEnd) {
        this.scan();
        p = this.pos[i]!;
      }
    } else {
      if (!this.scanned) this.scan();
      p = this.pos[i]!;
    }
    let guard = 0;
    while (f === DW_FORM.DW_FORM_indirect) {
      f = this.ulebFrom(p);
      p = this.p;
      if (++guard > 8) throw this.fail(ErrorCode.CORRUPT, "DW_FORM_indirect nested too deeply", p);
    }
    this.f = f;
    this.p = p;
  }

  /** The unsigned integer stored for form `f` at `p` (no indirection through other sections). */
  private rawUnsigned(f: number, p: number, i: number): number {
    const b = this.bytes;
    const s = this.shift;
    const v = this.view;
    const le = this.little;
    switch (f) {
      case Form.data1:
      case Form.ref1:
      case Form.flag:
      case Form.strx1:
      case Form.addrx1:
        return b[p - s]!;
      case Form.data2:
      case Form.ref2:
      case Form.strx2:
      case Form.addrx2:
        return v.getUint16(p - s, le);
      case Form.strx3:
      case Form.addrx3:
        return le
          ? b[p - s]! | (b[p + 1 - s]! << 8) | (b[p + 2 - s]! << 16)
          : (b[p - s]! << 16) | (b[p + 1 - s]! << 8) | b[p + 2 - s]!;
      case Form.data4:
      case Form.ref4:
      case Form.strx4:
      case Form.addrx4:
      case Form.ref_sup4:
        return v.getUint32(p - s, le);
      case Form.data8:
      case Form.ref8:
      case Form.ref_sig8:
      case Form.ref_sup8:
        return this.u64(p);
      case Form.addr:
        return this.sized(p, this.addrSize);
      case Form.strp:
      case Form.sec_offset:
      case Form.line_strp:
      case Form.strp_sup:
      case Form.GNU_ref_alt:
      case Form.GNU_strp_alt:
        return this.offsetSize === 4 ? v.getUint32(p - s, le) : this.u64(p);
      case Form.ref_addr:
        return this.sized(p, this.refAddrSize);
      case Form.flag_present:
        return 1;
      case Form.implicit_const:
        return this.table.implicit[this.attrBase + i]!;
      case Form.sdata:
        return this.slebAt(p);
      default:
        return this.ulebFrom(p);
    }
  }

  private sized(p: number, n: number): number {
    switch (n) {
      case 1:
        return this.bytes[p - this.shift]!;
      case 2:
        return this.view.getUint16(p - this.shift, this.little);
      case 4:
        return this.view.getUint32(p - this.shift, this.little);
      default:
        return this.u64(p);
    }
  }

  private u64(p: number): number {
    const le = this.little;
    return (
      this.view.getUint32(p + (le ? 4 : 0) - this.shift, le) * 0x1_0000_0000 +
      this.view.getUint32(p + (le ? 0 : 4) - this.shift, le)
    );
  }

  /**
   * ULEB128 at `p` (bounded by the unit end); leaves the position after it in `this.p`. This and `slebAt` are the
   * one inlined copy of src/common/leb128.ts: every attribute of every DIE comes through here.
   */
  private ulebFrom(p: number): number {
    const b = this.bytes;
    const s = this.shift;
    const end = this.unitEnd;
    let r = 0;
    let mul = 1;
    const start = p;
    for (;;) {
      if (p >= end) throw this.fail(ErrorCode.TRUNCATED, "truncated ULEB128", start);
      const c = b[p++ - s]!;
      r += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) break;
      mul *= 128;
    }
    this.p = p;
    return r;
  }

  private slebAt(p: number): number {
    const b = this.bytes;
    const s = this.shift;
    const end = this.unitEnd;
    let r = 0;
    let mul = 1;
    const start = p;
    for (;;) {
      if (p >= end) throw this.fail(ErrorCode.TRUNCATED, "truncated SLEB128", start);
      const c = b[p++ - s]!;
      r += (c & 0x7f) * mul;
      mul *= 128;
      if ((c & 0x80) === 0) return c & 0x40 ? r - mul : r;
    }
  }

  // The 64-bit LEB128 readers are off the hot path (values past 2^53 are rare): the shared module's.
  private bigUleb(p: number): bigint {
    const v = readUlebBig(this.bytes, p - this.shift, this.unitEnd - this.shift);
    if (leb.next < 0) throw this.fail(ErrorCode.TRUNCATED, "truncated ULEB128", p);
    return v;
  }

  private bigSleb(p: number): bigint {
    const v = readSlebBig(this.bytes, p - this.shift, this.unitEnd - this.shift);
    if (leb.next < 0) throw this.fail(ErrorCode.TRUNCATED, "truncated SLEB128", p);
    return v;
  }

  /** The n-byte integer at index `p` of `bytes` (not a section offset: blocks and data16 live there), in the file's byte order. */
  private bigFromBytes(p: number, n: number): bigint {
    const src = this.bytes;
    let r = 0n;
    for (let k = 0; k < n; k++) {
      const byte = this.little ? src[p + n - 1 - k]! : src[p + k]!;
      r = (r << 8n) | BigInt(byte);
    }
    return r;
  }

  private strAt(f: number, p: number, i: number): void {
    const file = this.file;
    let sec: Uint8Array;
    let off: number;
    let secName: string;
    switch (f) {
      case DW_FORM.DW_FORM_string: {
        // The scan of the DIE already found the NUL inside the unit.
        this.strBytes = this.bytes;
        this.strStart = p - this.shift;
        this.strEndCache = -1;
        this.strSecName = this.unit.section;
        this.strAttrPos = p;
        return;
      }
      case DW_FORM.DW_FORM_strp:
        sec = this.strSec ??= file.str;
        secName = ".debug_str";
        off = this.rawUnsigned(f, p, i);
        break;
      case DW_FORM.DW_FORM_line_strp:
        sec = this.lineStrSec ??= file.lineStr;
        secName = ".debug_line_str";
        off = this.rawUnsigned(f, p, i);
        break;
      case DW_FORM.DW_FORM_GNU_strp_alt:
      case DW_FORM.DW_FORM_strp_sup:
        sec = file.altFile(this.offset).str;
        secName = "alt .debug_str";
        off = this.rawUnsigned(f, p, i);
        break;
      default: {
        // strx, strx1-4, GNU_str_index: an index into this unit's slice of .debug_str_offsets
        const idx = this.rawUnsigned(f, p, i);
        const so = (this.strOffSec ??= file.strOffsets);
        const at = this.unit.strOffsetsBase + idx * this.offsetSize;
        if (at + this.offsetSize > so.length) {
          throw this.fail(
            ErrorCode.CORRUPT,
            `string index ${idx} outside .debug_str_offsets (base 0x${this.unit.strOffsetsBase.toString(16)}, 0x${so.length.toString(16)} bytes)`,
            p,
          );
        }
        const dv = new DataView(so.buffer, so.byteOffset + at, this.offsetSize);
        off = this.offsetSize === 4 ? dv.getUint32(0, this.little) : Number(dv.getBigUint64(0, this.little));
        sec = this.strSec ??= file.str;
        secName = ".debug_str";
      }
    }
    if (off >= sec.length) {
      throw this.fail(
        ErrorCode.CORRUPT,
        `${formName(f)} offset 0x${off.toString(16)} outside ${secName} (0x${sec.length.toString(16)} bytes)`,
        p,
      );
    }
    this.strBytes = sec;
    this.strStart = off;
    this.strEndCache = -1;
    this.strSecName = secName;
    this.strAttrPos = p;
  }

  private findNul(): number {
    const sec = this.strBytes;
    const n = sec.length;
    let z = this.strStart;
    while (z < n && sec[z] !== 0) z++;
    if (z >= n)
      throw this.fail(
        ErrorCode.CORRUPT,
        `unterminated string at ${this.strSecName}+0x${(this.strStart + (sec === this.bytes ? this.shift : 0)).toString(16)}`,
        this.strAttrPos,
      );
    return z;
  }

  private blockAt(f: number, p: number, _i: number): void {
    let len: number;
    switch (f) {
      case DW_FORM.DW_FORM_block1:
        len = this.bytes[p - this.shift]!;
        p += 1;
        break;
      case DW_FORM.DW_FORM_block2:
        len = this.view.getUint16(p - this.shift, this.little);
        p += 2;
        break;
      case DW_FORM.DW_FORM_block4:
        len = this.view.getUint32(p - this.shift, this.little);
        p += 4;
        break;
      default:
        len = this.ulebFrom(p);
        p = this.p;
    }
    this.blockBytes = this.bytes;
    this.blockStart = p - this.shift;
    this.blockEnd = p + len - this.shift;
  }

  private addressAt(f: number, p: number, i: number): number {
    if (f === DW_FORM.DW_FORM_addr) return this.sized(p, this.addrSize);
    const at = this.addrIndexOffset(f, p, i);
    const a = (this.addrSec ??= this.file.addr);
    const dv = new DataView(a.buffer, a.byteOffset + at, this.addrSize);
    switch (this.addrSize) {
      case 1:
        return dv.getUint8(0);
      case 2:
        return dv.getUint16(0, this.little);
      case 4:
        return dv.getUint32(0, this.little);
      default:
        return Number(dv.getBigUint64(0, this.little));
    }
  }

  private bigAddressAt(f: number, p: number, i: number): bigint {
    if (this.addrSize !== 8) return BigInt(this.addressAt(f, p, i));
    if (f === DW_FORM.DW_FORM_addr) return this.view.getBigUint64(p - this.shift, this.little);
    const at = this.addrIndexOffset(f, p, i);
    const a = (this.addrSec ??= this.file.addr);
    return new DataView(a.buffer, a.byteOffset + at, 8).getBigUint64(0, this.little);
  }

  private addrIndexOffset(f: number, p: number, i: number): number {
    const idx = this.rawUnsigned(f, p, i);
    const a = (this.addrSec ??= this.file.addr);
    const at = this.unit.addrBase + idx * this.addrSize;
    if (at + this.addrSize > a.length) {
      throw this.fail(
        ErrorCode.CORRUPT,
        `address index ${idx} outside .debug_addr (base 0x${this.unit.addrBase.toString(16)}, 0x${a.length.toString(16)} bytes)`,
        p,
      );
    }
    return at;
  }

  private refAt(f: number, p: number, i: number): DieRef {
    const unit = this.unit;
    switch (f) {
      case DW_FORM.DW_FORM_ref_addr: {
        // ref_addr always points into .debug_info (also from a .debug_types unit) of the same file.
        const space = unit.space === DieSpace.ALT ? DieSpace.ALT : DieSpace.INFO;
        return makeDieRef(space, this.sectionRef(f, p, i));
      }
      case DW_FORM.DW_FORM_ref_sig8: {
        const sig = this.view.getBigUint64(p - this.shift, this.little);
        const r = this.file.resolveSignature(sig);
        if (r === undefined)
          throw this.fail(
            ErrorCode.NOT_FOUND,
            `no type unit with signature 0x${sig.toString(16).padStart(16, "0")}`,
            p,
          );
        return r;
      }
      case DW_FORM.DW_FORM_GNU_ref_alt:
      case DW_FORM.DW_FORM_ref_sup4:
      case DW_FORM.DW_FORM_ref_sup8:
        return makeDieRef(DieSpace.ALT, this.sectionRef(f, p, i));
      default: {
        const off = unit.offset + this.rawUnsigned(f, p, i);
        if (off >= unit.end) {
          throw this.fail(
            ErrorCode.CORRUPT,
            `${attrName(this.table.attrs[this.attrBase + i]!)}: reference 0x${off.toString(16)} outside its unit (ends at 0x${unit.end.toString(16)})`,
            p,
          );
        }
        return makeDieRef(unit.space, off);
      }
    }
  }

  /** A section-relative reference value, checked to fit a DieRef. */
  private sectionRef(f: number, p: number, i: number): number {
    const v = this.rawUnsigned(f, p, i);
    if (v >= MAX_SECTION_OFFSET)
      throw this.fail(ErrorCode.CORRUPT, `${formName(f)} reference 0x${v.toString(16)} is beyond any section`, p);
    return v;
  }

  private fail(code: ErrorCode, reason: string, at: number): BtfkitError {
    return new BtfkitError(code, reason, { file: this.file?.path, section: this.unit?.section, offset: at });
  }
}
