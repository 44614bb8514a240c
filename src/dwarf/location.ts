/**
 * DWARF location descriptions (DWARF 5 §2.5–2.6, §7.7): the length of one expression operation, and the walk over a
 * location attribute's expressions — one for an `exprloc`/block form, one per entry of a location list in
 * `.debug_loc` (DWARF 2–4) or `.debug_loclists` (DWARF 5, also through `DW_FORM_loclistx`).
 *
 * Only what the encoder needs is decoded: which registers a function parameter arrives in (pahole's
 * `parameter__reg`, docs/modern-kernel.md §2.3), and the static address of a variable (`staticAddress`, for both
 * converters). Addresses of list entries are skipped, not computed.
 */
import { leb, readUleb, skipLeb } from "../common/leb128.js";
import { DW_FORM, DW_OP } from "./constants.js";

const enum Operand {
  NONE = 0,
  U8 = 1,
  U16 = 2,
  U32 = 3,
  U64 = 4,
  ULEB = 5,
  SLEB = 6,
  ADDR = 7,
  OFFSET = 8,
  ULEB_ULEB = 9,
  ULEB_SLEB = 10,
  ULEB_BLOCK = 11,
  OFFSET_SLEB = 12,
  ULEB_U8_BLOCK = 13,
  U8_ULEB = 14,
  UNKNOWN = 15,
}

/** What `staticAddress` needs of the unit. */
export interface AddressUnit {
  readonly addressSize: number;
  /** DW_AT_addr_base: where the unit's entries start in `.debug_addr`. */
  readonly addrBase: number;
}

/** What `staticAddress` needs of the file: `.debug_addr` is read only when an expression indexes it. */
export interface AddressSections {
  readonly addr: Uint8Array;
  readonly little: boolean;
}

/**
 * The address a variable's DW_AT_location expression (`expr[start..end)`) names when it is exactly one static
 * address: `DW_OP_addr A`, or `DW_OP_addrx i` / `DW_OP_GNU_addr_index i` naming entry i of the unit's `.debug_addr`
 * (clang and rustc write those with DWARF 5). The address goes to `out` as two 32-bit halves, `out[0]` low and
 * `out[1]` high, because a kernel address does not fit a double. Any other expression (a thread-local offset, a
 * register, an address plus an offset) has no static address: false.
 */
export function staticAddress(
  expr: Uint8Array,
  start: number,
  end: number,
  unit: AddressUnit,
  sections: AddressSections,
  out: Uint32Array,
): boolean {
  const size = unit.addressSize;
  const op = expr[start];
  if (op === DW_OP.DW_OP_addr) {
    if (end - start !== 1 + size) return false;
    readAddress(expr, start + 1, size, sections.little, out);
    return true;
  }
  if (op === DW_OP.DW_OP_addrx || op === DW_OP.DW_OP_GNU_addr_index) {
    const index = readUleb(expr, start + 1, end);
    if (leb.next !== end) return false; // cut off, or more operations after it
    const table = sections.addr;
    const at = unit.addrBase + index * size;
    if (at + size > table.length) return false;
    readAddress(table, at, size, sections.little, out);
    return true;
  }
  return false;
}

/** The `size`-byte address at `p` into `out` as (low, high) 32-bit halves. */
function readAddress(b: Uint8Array, p: number, size: number, little: boolean, out: Uint32Array): void {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < size; i++) {
    const byte = b[little ? p + i : p + size - 1 - i]!;
    if (i < 4) lo |= byte << (8 * i);
    else hi |= byte << (8 * (i - 4));
  }
  out[0] = lo;
  out[1] = hi;
}

/** Operand layout per opcode (DWARF 5 table 7.9 and the GNU extensions libdw reads). */
const OPERANDS = new Uint8Array(256).fill(Operand.UNKNOWN);
{
  const set = (ops: number[], kind: Operand): void => {
    for (const op of ops) OPERANDS[op] = kind;
  };
  const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  set([0x03], Operand.ADDR);
  set(
    [
      0x06,
      ...range(0x12, 0x14),
      ...range(0x16, 0x27),
      ...range(0x29, 0x2e),
      ...range(0x30, 0x6f),
      0x96,
      0x97,
      0x9b,
      0x9c,
      0x9f,
      0xe0,
      0xf0,
    ],
    Operand.NONE,
  );
  set([0x08, 0x09, 0x15, 0x94, 0x95], Operand.U8);
  set([0x0a, 0x0b, 0x28, 0x2f, 0x98], Operand.U16);
  set([0x0c, 0x0d, 0x99, 0xfa], Operand.U32);
  set([0x0e, 0x0f], Operand.U64);
  set([0x10, 0x23, 0x90, 0x93, 0xa1, 0xa2, 0xa8, 0xa9, 0xf7, 0xf9, 0xfb, 0xfc], Operand.ULEB);
  set([0x11, 0x91, ...range(0x70, 0x8f)], Operand.SLEB);
  set([0x9a, 0xfd], Operand.OFFSET);
  set([0x9d, 0xa5, 0xf5], Operand.ULEB_ULEB);
  set([0x92], Operand.ULEB_SLEB);
  set([0x9e, 0xa3, 0xf3], Operand.ULEB_BLOCK);
  set([0xa0, 0xf2], Operand.OFFSET_SLEB);
  set([0xa4, 0xf4], Operand.ULEB_U8_BLOCK);
  set([0xa6, 0xa7, 0xf6], Operand.U8_ULEB);
}

/**
 * Where the operation at `p` ends (opcode and operands), or -1 for an opcode this reader does not know or an
 * operation cut off by `end` (libdw fails on both, and the caller stops as libdw's callers do).
 */
export function opEnd(b: Uint8Array, p: number, end: number, addrSize: number, offsetSize: number): number {
  if (p >= end) return -1;
  let q = p + 1;
  switch (OPERANDS[b[p]!] as Operand) {
    case Operand.NONE:
      break;
    case Operand.U8:
      q += 1;
      break;
    case Operand.U16:
      q += 2;
      break;
    case Operand.U32:
      q += 4;
      break;
    case Operand.U64:
      q += 8;
      break;
    case Operand.ADDR:
      q += addrSize;
      break;
    case Operand.OFFSET:
      q += offsetSize;
      break;
    case Operand.ULEB:
    case Operand.SLEB:
      q = skipLeb(b, q, end);
      break;
    case Operand.ULEB_ULEB:
    case Operand.ULEB_SLEB:
      q = skipLeb(b, q, end);
      if (q >= 0) q = skipLeb(b, q, end);
      break;
    case Operand.OFFSET_SLEB:
      q = skipLeb(b, q + offsetSize, end);
      break;
    case Operand.U8_ULEB:
      q = skipLeb(b, q + 1, end);
      break;
    case Operand.ULEB_BLOCK: {
      const n = readUleb(b, q, end);
      if (leb.next < 0) return -1;
      q = leb.next + n;
      break;
    }
    case Operand.ULEB_U8_BLOCK: {
      q = skipLeb(b, q, end);
      if (q < 0 || q >= end) return -1;
      q += 1 + b[q]!;
      break;
    }
    default:
      return -1;
  }
  return q < 0 || q > end ? -1 : q;
}

/** What a location attribute is: where its bytes are and how to read them. */
export interface LocationSource {
  /** The attribute's form (DW_FORM_*, indirect resolved). */
  form: number;
  /** For exprloc/block forms: the expression (`bytes[start..end)`). */
  bytes?: Uint8Array;
  start?: number;
  end?: number;
  /** For list forms: the section offset (sec_offset, data4/8 in DWARF ≤ 3) or the loclistx index. */
  value?: number;
}

/** The unit facts a location list needs. */
export interface LocationUnit {
  version: number;
  addressSize: number;
  offsetSize: 4 | 8;
  loclistsBase: number;
  /** Byte order of the file. */
  little: boolean;
}

/** The sections location lists live in (already relocated in a relocatable file). */
export interface LocationSections {
  loc(): Uint8Array | undefined;
  loclists(): Uint8Array | undefined;
}

/** DW_LLE_* (DWARF 5 §7.7.3). */
const LLE = {
  end_of_list: 0,
  base_addressx: 1,
  startx_endx: 2,
  startx_length: 3,
  offset_pair: 4,
  default_location: 5,
  base_address: 6,
  start_end: 7,
  start_length: 8,
} as const;

/**
 * Call `visit(bytes, start, end, index)` for each location expression of the attribute, in order, `index` counting
 * the expressions (base-address entries are not expressions). Stops when `visit` returns true, at the end of the
 * list, or at anything malformed (as libdw's `dwarf_getlocations` loop does).
 */
export function forEachLocation(
  src: LocationSource,
  unit: LocationUnit,
  sections: LocationSections,
  visit: (bytes: Uint8Array, start: number, end: number, index: number) => boolean,
): void {
  if (src.bytes !== undefined) {
    visit(src.bytes, src.start!, src.end!, 0);
    return;
  }
  if (src.value === undefined) return;
  if (unit.version < 5) {
    const b = sections.loc();
    if (!b) return;
    walkLoc(b, src.value, unit.addressSize, unit.little, visit);
    return;
  }
  const b = sections.loclists();
  if (!b) return;
  let off = src.value;
  if (src.form === DW_FORM.DW_FORM_loclistx) {
    const at = unit.loclistsBase + off * unit.offsetSize;
    if (at + unit.offsetSize > b.length) return;
    const dv = new DataView(b.buffer, b.byteOffset + at, unit.offsetSize);
    // Offsets in the table are relative to the table, i.e. to DW_AT_loclists_base.
    off =
      unit.loclistsBase +
      (unit.offsetSize === 4 ? dv.getUint32(0, unit.little) : Number(dv.getBigUint64(0, unit.little)));
  }
  walkLoclists(b, off, unit.addressSize, visit);
}

/** DWARF 2–4 `.debug_loc`: (begin, end) address pairs, (0, 0) ends the list, (max, base) selects a base. */
function walkLoc(
  b: Uint8Array,
  p: number,
  addrSize: number,
  little: boolean,
  visit: (bytes: Uint8Array, start: number, end: number, index: number) => boolean,
): void {
  let index = 0;
  for (;;) {
    if (p + 2 * addrSize > b.length) return;
    let allZero = true;
    let allOnes = true;
    for (let k = 0; k < addrSize; k++) {
      const x = b[p + k]!;
      const y = b[p + addrSize + k]!;
      if (x !== 0 || y !== 0) allZero = false;
      if (x !== 0xff) allOnes = false;
    }
    p += 2 * addrSize;
    if (allZero) return;
    if (allOnes) continue;
    if (p + 2 > b.length) return;
    const len = little ? b[p]! | (b[p + 1]! << 8) : (b[p]! << 8) | b[p + 1]!;
    p += 2;
    if (p + len > b.length) return;
    if (visit(b, p, p + len, index++)) return;
    p += len;
  }
}

/** DWARF 5 `.debug_loclists` entries from `p` to DW_LLE_end_of_list. */
function walkLoclists(
  b: Uint8Array,
  p: number,
  addrSize: number,
  visit: (bytes: Uint8Array, start: number, end: number, index: number) => boolean,
): void {
  let index = 0;
  const end = b.length;
  for (;;) {
    if (p >= end) return;
    const kind = b[p++]!;
    switch (kind) {
      case LLE.end_of_list:
        return;
      case LLE.base_addressx:
        p = skipLeb(b, p, end);
        if (p < 0) return;
        continue;
      case LLE.base_address:
        p += addrSize;
        continue;
      case LLE.startx_endx:
      case LLE.startx_length:
      case LLE.offset_pair:
        p = skipLeb(b, p, end);
        if (p >= 0) p = skipLeb(b, p, end);
        break;
      case LLE.default_location:
        break;
      case LLE.start_end:
        p += 2 * addrSize;
        break;
      case LLE.start_length:
        p = skipLeb(b, p + addrSize, end);
        break;
      default:
        return;
    }
    if (p < 0 || p >= end) return;
    const len = readUleb(b, p, end);
    if (leb.next < 0) return;
    p = leb.next;
    if (p + len > end) return;
    if (visit(b, p, p + len, index++)) return;
    p += len;
  }
}

/**
 * The register a parameter arrives in, as pahole ≥ 1.25's `parameter__reg` decides it (dwarf_loader.c): over the
 * location's expressions that are a single operation (after dropping a final DW_OP_stack_value), a DW_OP_regN counts
 * in the first expression only, the single operation inside a DW_OP_entry_value in any; the result is
 * `expected` (a DW_OP_regN opcode) as soon as it is seen, else the last such opcode seen, else -1.
 */
export function parameterRegister(
  src: LocationSource,
  unit: LocationUnit,
  sections: LocationSections,
  expected: number,
): number {
  let ret = -1;
  const addrSize = unit.addressSize;
  const offsetSize = unit.offsetSize;
  forEachLocation(src, unit, sections, (b, start, end, index) => {
    const first = opEnd(b, start, end, addrSize, offsetSize);
    if (first < 0) return true; // libdw cannot parse it: its loop ends
    let single = first === end;
    if (!single && first + 1 === end && b[first] === DW_OP.DW_OP_stack_value) single = true;
    if (!single) return false;
    const op = b[start]!;
    if (op >= DW_OP.DW_OP_reg0 && op <= DW_OP.DW_OP_reg31) {
      if (index !== 0) return false;
      ret = op;
      return ret === expected;
    }
    if (op === DW_OP.DW_OP_entry_value || op === DW_OP.DW_OP_GNU_entry_value) {
      const n = readUleb(b, start + 1, end);
      const inner = leb.next;
      if (inner < 0 || n <= 0 || inner + n > end) return false;
      // Exactly one operation inside.
      if (opEnd(b, inner, inner + n, addrSize, offsetSize) !== inner + n) return false;
      ret = b[inner]!;
      return ret === expected;
    }
    return false;
  });
  return ret;
}

/**
 * The DW_OP_regN opcodes that carry the first parameters of a function at entry, per ELF machine, as pahole knows
 * them (`arch__set_register_params`), and how many parameters go in registers (`arch__nr_register_params`). An
 * architecture pahole has no map for checks no registers (expected -1).
 */
export function registerParams(machine: number): { count: number; expected: number[] } {
  const r = (...regs: number[]): number[] => regs.map((n) => DW_OP.DW_OP_reg0 + n);
  switch (machine) {
    case 22:
      return { count: 5, expected: r(2, 3, 4, 5, 6) }; // EM_S390
    case 62:
      return { count: 6, expected: r(5, 4, 1, 2, 8, 9) }; // EM_X86_64: rdi rsi rdx rcx r8 r9
    case 40: // EM_ARM
    case 183:
      return { count: 8, expected: r(0, 1, 2, 3, 4, 5, 6, 7) }; // EM_AARCH64
    case 2:
    case 43:
      return { count: 6, expected: [] }; // EM_SPARC, EM_SPARCV9
    case 195:
    case 8:
    case 20:
    case 21:
    case 243:
      return { count: 8, expected: [] }; // ARC, MIPS, PPC, PPC64, RISC-V
    default:
      return { count: 0, expected: [] };
  }
}
