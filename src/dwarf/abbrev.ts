import { BtfkitError, ErrorCode } from "../common/errors.js";
import { leb, readSleb, readUleb } from "../common/leb128.js";
import { DW_FORM, formName } from "./constants.js";
import { formSize, isKnownForm } from "./forms.js";
import type { DebugAbbrevOffset } from "./offsets.js";

/**
 * One abbreviation table (the run of abbreviations starting at one `.debug_abbrev` offset), decoded once into
 * struct-of-arrays: per abbreviation its tag, children flag and a slice of the shared attribute/form/implicit-value
 * arrays. Codes 1..n (what every compiler emits) index a dense array; other codes go through a Map.
 */
export class AbbrevTable {
  readonly offset: DebugAbbrevOffset;
  /** Number of abbreviations. */
  readonly count: number;
  readonly tag: Uint16Array;
  readonly hasChildren: Uint8Array;
  readonly attrStart: Uint32Array;
  readonly attrCount: Uint16Array;
  readonly attrs: Uint16Array;
  readonly forms: Uint16Array;
  /** Value of a DW_FORM_implicit_const attribute (0 for other forms). */
  readonly implicit: Float64Array;
  /** Largest attribute count of any abbreviation, so cursors can size their scratch arrays once. */
  readonly maxAttrs: number;
  /**
   * Layout for one unit format (address size, offset size, ref_addr size), computed on first use: per abbreviation
   * its total size when every form has a fixed size (else -1), and per attribute its offset from the start of the
   * attributes while all attributes before it have fixed sizes (else -1). Lets the cursor step over most DIEs and
   * find most attributes without decoding anything.
   */
  fixedSize: Int32Array = new Int32Array(0);
  relOffset: Int32Array = new Int32Array(0);
  /** Per attribute, how the cursor decodes its form in this layout (`ACT_*`; ACT_GENERIC for the rare forms). */
  action: Uint8Array = new Uint8Array(0);
  private layoutKey = -1;
  /** A code defined twice (the parser reports it), or -1. */
  readonly duplicate: number;
  private readonly dense: Int32Array;
  private readonly sparse: Map<number, number> | undefined;

  constructor(
    offset: DebugAbbrevOffset,
    codes: ArrayLike<number>,
    tag: Uint16Array,
    children: Uint8Array,
    start: Uint32Array,
    count: Uint16Array,
    attrs: Uint16Array,
    forms: Uint16Array,
    implicit: Float64Array,
  ) {
    this.offset = offset;
    this.count = codes.length;
    this.tag = tag;
    this.hasChildren = children;
    this.attrStart = start;
    this.attrCount = count;
    this.attrs = attrs;
    this.forms = forms;
    this.implicit = implicit;
    let maxAttrs = 0;
    for (let i = 0; i < count.length; i++) if (count[i]! > maxAttrs) maxAttrs = count[i]!;
    this.maxAttrs = maxAttrs;
    let maxDense = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c <= 4 * codes.length + 64 && c > maxDense) maxDense = c;
    }
    this.dense = new Int32Array(maxDense + 1).fill(-1);
    let sparse: Map<number, number> | undefined;
    let duplicate = -1;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c <= maxDense) {
        if (this.dense[c] !== -1) duplicate = c;
        this.dense[c] = i;
      } else {
        sparse ??= new Map();
        if (sparse.has(c)) duplicate = c;
        sparse.set(c, i);
      }
    }
    this.sparse = sparse;
    this.duplicate = duplicate;
  }

  /** Make `fixedSize`/`relOffset` valid for a unit with these sizes. */
  layout(addrSize: number, offsetSize: number, refAddrSize: number): void {
    const key = addrSize * 256 + offsetSize * 16 + refAddrSize;
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    this.fixedSize = new Int32Array(this.count);
    const rel = (this.relOffset = new Int32Array(this.attrs.length));
    const action = (this.action = new Uint8Array(this.attrs.length));
    const forms = this.forms;
    for (let a = 0; a < this.count; a++) {
      const s = this.attrStart[a]!;
      const n = this.attrCount[a]!;
      let off = 0;
      for (let i = 0; i < n; i++) {
        const f = forms[s + i]!;
        action[s + i] = formAction(f, addrSize, offsetSize);
        rel[s + i] = off;
        if (off >= 0) {
          const sz = formSize(f, addrSize, offsetSize, refAddrSize);
          off = sz < 0 ? -1 : off + sz;
        }
      }
      this.fixedSize[a] = off;
    }
  }

  /** Index of the abbreviation with `code`, or -1. */
  indexOf(code: number): number {
    if (code < this.dense.length) return this.dense[code]!;
    return this.sparse?.get(code) ?? -1;
  }

  /** Position of attribute `at` within abbreviation `index`'s attribute list, or -1. */
  findAttr(index: number, at: number): number {
    const s = this.attrStart[index]!;
    const n = this.attrCount[index]!;
    const a = this.attrs;
    for (let i = 0; i < n; i++) if (a[s + i] === at) return i;
    return -1;
  }
}

/**
 * Decode the abbreviation table at `offset` of `.debug_abbrev`. Every form is checked here, once, so that the DIE
 * walk never meets a form it cannot skip.
 */
/** Scratch arrays reused by every parse (grown by doubling); each table keeps exact-size copies. */
let sCodes = new Float64Array(256);
let sTag = new Uint16Array(256);
let sChildren = new Uint8Array(256);
let sStart = new Uint32Array(256);
let sCount = new Uint16Array(256);
let sAttrs = new Uint16Array(2048);
let sForms = new Uint16Array(2048);
let sImplicit = new Float64Array(2048);

function growAbbrevs(): void {
  const n = sCodes.length * 2;
  const g = <T extends Float64Array | Uint16Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
    const b = make(n);
    b.set(a);
    return b;
  };
  sCodes = g(sCodes, (k) => new Float64Array(k));
  sTag = g(sTag, (k) => new Uint16Array(k));
  sChildren = g(sChildren, (k) => new Uint8Array(k));
  sStart = g(sStart, (k) => new Uint32Array(k));
  sCount = g(sCount, (k) => new Uint16Array(k));
}

function growAttrs(): void {
  const n = sAttrs.length * 2;
  const a = new Uint16Array(n);
  a.set(sAttrs);
  sAttrs = a;
  const f = new Uint16Array(n);
  f.set(sForms);
  sForms = f;
  const im = new Float64Array(n);
  im.set(sImplicit);
  sImplicit = im;
}

function abbrevFail(file: string | undefined, code: ErrorCode, reason: string, at: number): never {
  throw new BtfkitError(code, reason, { file, section: ".debug_abbrev", offset: at });
}

/** ULEB128 at `p`, bounded by `bytes.length`; the position after it is `leb.next`. */
function ulebAt(bytes: Uint8Array, p: number, file: string | undefined): number {
  const v = readUleb(bytes, p, bytes.length);
  if (leb.next < 0) abbrevFail(file, ErrorCode.TRUNCATED, "truncated ULEB128 in abbreviation table", p);
  return v;
}

function slebAt(bytes: Uint8Array, p: number, file: string | undefined): number {
  const v = readSleb(bytes, p, bytes.length);
  if (leb.next < 0) abbrevFail(file, ErrorCode.TRUNCATED, "truncated SLEB128 in abbreviation table", p);
  return v;
}

export function parseAbbrevTable(bytes: Uint8Array, offset: DebugAbbrevOffset, file: string | undefined): AbbrevTable {
  if (offset >= bytes.length)
    abbrevFail(
      file,
      ErrorCode.CORRUPT,
      `abbreviation table offset 0x${offset.toString(16)} past the end of .debug_abbrev (0x${bytes.length.toString(16)} bytes)`,
      offset,
    );
  const end = bytes.length;
  let p: number = offset;
  let na = 0; // abbreviations
  let nattr = 0; // attributes
  // ULEB128s here are nearly always one byte: decode inline, falling back to ulebAt for longer ones. No closure
  // captures `p`, so it stays in a register.
  for (;;) {
    const at = p;
    if (p >= end) break; // a table that runs to the end of the section without its terminating 0 is tolerated
    let code = bytes[p]!;
    if (code < 0x80) p++;
    else {
      code = ulebAt(bytes, p, file);
      p = leb.next;
    }
    if (code === 0) break;
    let t = p < end ? bytes[p]! : 0x80;
    if (t < 0x80) p++;
    else {
      t = ulebAt(bytes, p, file);
      p = leb.next;
    }
    if (t > 0xffff)
      abbrevFail(file, ErrorCode.CORRUPT, `abbreviation ${code}: tag 0x${t.toString(16)} out of range`, at);
    if (p >= end) abbrevFail(file, ErrorCode.TRUNCATED, `abbreviation ${code}: truncated`, at);
    const ch = bytes[p++]!;
    if (ch > 1) abbrevFail(file, ErrorCode.CORRUPT, `abbreviation ${code}: bad DW_CHILDREN value ${ch}`, p - 1);
    if (na === sCodes.length) growAbbrevs();
    sCodes[na] = code;
    sTag[na] = t;
    sChildren[na] = ch;
    sStart[na] = nattr;
    let n = 0;
    for (;;) {
      const apos = p;
      let a = p < end ? bytes[p]! : 0x80;
      if (a < 0x80) p++;
      else {
        a = ulebAt(bytes, p, file);
        p = leb.next;
      }
      let f = p < end ? bytes[p]! : 0x80;
      if (f < 0x80) p++;
      else {
        f = ulebAt(bytes, p, file);
        p = leb.next;
      }
      if (a === 0 && f === 0) break;
      if (a > 0xffff)
        abbrevFail(file, ErrorCode.CORRUPT, `abbreviation ${code}: attribute 0x${a.toString(16)} out of range`, apos);
      if (!(f < 0x30 ? KNOWN_DENSE[f] === 1 : isKnownForm(f)))
        abbrevFail(file, ErrorCode.UNSUPPORTED, `abbreviation ${code}: unsupported form ${formName(f)}`, apos);
      if (nattr === sAttrs.length) growAttrs();
      sAttrs[nattr] = a;
      sForms[nattr] = f;
      if (f === DW_FORM.DW_FORM_implicit_const) {
        sImplicit[nattr] = slebAt(bytes, p, file);
        p = leb.next;
      } else sImplicit[nattr] = 0;
      nattr++;
      if (++n > 0xffff) abbrevFail(file, ErrorCode.CORRUPT, `abbreviation ${code}: too many attributes`, apos);
    }
    sCount[na] = n;
    na++;
  }
  const table = new AbbrevTable(
    offset,
    sCodes.subarray(0, na),
    sTag.slice(0, na),
    sChildren.slice(0, na),
    sStart.slice(0, na),
    sCount.slice(0, na),
    sAttrs.slice(0, nattr),
    sForms.slice(0, nattr),
    sImplicit.slice(0, nattr),
  );
  if (table.duplicate >= 0)
    abbrevFail(file, ErrorCode.CORRUPT, `duplicate abbreviation code ${table.duplicate}`, offset);
  return table;
}

/** isKnownForm for the standard forms, as a byte table. */
const KNOWN_DENSE = new Uint8Array(0x30);
for (let f = 0; f < 0x30; f++) KNOWN_DENSE[f] = isKnownForm(f) ? 1 : 0;

/*
 * Decode actions of the DIE cursor's fast path, one per common form in a given unit layout. Everything else
 * (indirect, strx*, addrx*, blocks, 64-bit DWARF offsets, …) takes the generic path.
 */
export const ACT_GENERIC = 0,
  ACT_REF4 = 1,
  ACT_DATA1 = 2,
  ACT_DATA2 = 3,
  ACT_DATA4 = 4,
  ACT_DATA8 = 5,
  ACT_STRP4 = 6,
  ACT_STRING = 7,
  ACT_IMPLICIT = 8,
  ACT_SDATA = 9,
  ACT_UDATA = 10,
  ACT_FLAG_PRESENT = 11,
  ACT_FLAG = 12,
  ACT_SEC_OFFSET4 = 13,
  ACT_ADDR8 = 14,
  ACT_EXPRLOC = 15,
  ACT_LISTX = 16;

const F = DW_FORM;

/** The fast-path action for attributes of form `f` in a unit with these sizes (called once per table layout). */
export function formAction(f: number, addrSize: number, offsetSize: number): number {
  switch (f) {
    case F.DW_FORM_ref4:
      return ACT_REF4;
    case F.DW_FORM_data1:
      return ACT_DATA1;
    case F.DW_FORM_data2:
      return ACT_DATA2;
    case F.DW_FORM_data4:
      return ACT_DATA4;
    case F.DW_FORM_data8:
      return ACT_DATA8;
    case F.DW_FORM_strp:
      return offsetSize === 4 ? ACT_STRP4 : ACT_GENERIC;
    case F.DW_FORM_string:
      return ACT_STRING;
    case F.DW_FORM_implicit_const:
      return ACT_IMPLICIT;
    case F.DW_FORM_sdata:
      return ACT_SDATA;
    case F.DW_FORM_udata:
      return ACT_UDATA;
    case F.DW_FORM_flag_present:
      return ACT_FLAG_PRESENT;
    case F.DW_FORM_flag:
      return ACT_FLAG;
    case F.DW_FORM_sec_offset:
      return offsetSize === 4 ? ACT_SEC_OFFSET4 : ACT_GENERIC;
    case F.DW_FORM_addr:
      return addrSize === 8 ? ACT_ADDR8 : ACT_GENERIC;
    case F.DW_FORM_exprloc:
      return ACT_EXPRLOC;
    case F.DW_FORM_loclistx:
    case F.DW_FORM_rnglistx:
      return ACT_LISTX;
    default:
      return ACT_GENERIC;
  }
}
