/**
 * LEB128 (DWARF 5 §7.6), read and rewritten in one place. Every reader takes `(bytes, pos, end)`, never reads at or
 * past `end`, and leaves the position after the number in `leb.next` — or -1 when the number runs into `end`, so
 * truncation is handled the same way everywhere and each caller words its own error. The out-parameter is one
 * module-level object so that no read allocates and callers keep their positions in locals.
 *
 * Numbers come back exact below 2^53 (every offset, size and index in a real file); larger values lose low bits, and
 * callers that need all 64 bits use the `bigint` readers. The DIE cursor keeps its own inlined copy of the `number`
 * readers: it is the one hot path (tens of millions of attributes in a vmlinux).
 */

/** Where the last read ended: the index after the number, or -1 when it was cut off by `end`. */
export const leb = { next: 0 };

/** Unsigned LEB128 at `pos`; `leb.next` is set (-1 and a partial value when truncated). */
export function readUleb(bytes: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let mul = 1;
  while (pos < end) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      leb.next = pos;
      return value;
    }
    mul *= 128;
  }
  leb.next = -1;
  return value;
}

/** Signed LEB128 at `pos`; `leb.next` is set as by `readUleb`. */
export function readSleb(bytes: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let mul = 1;
  while (pos < end) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) {
      leb.next = pos;
      return b & 0x40 ? value - mul : value;
    }
  }
  leb.next = -1;
  return value;
}

/** Unsigned LEB128 at `pos` with every bit kept; `leb.next` is set as by `readUleb`. */
export function readUlebBig(bytes: Uint8Array, pos: number, end: number): bigint {
  let value = 0n;
  let shift = 0n;
  while (pos < end) {
    const b = bytes[pos++]!;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      leb.next = pos;
      return value;
    }
  }
  leb.next = -1;
  return value;
}

/** Signed LEB128 at `pos` with every bit kept; `leb.next` is set as by `readUleb`. */
export function readSlebBig(bytes: Uint8Array, pos: number, end: number): bigint {
  let value = 0n;
  let shift = 0n;
  while (pos < end) {
    const b = bytes[pos++]!;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      leb.next = pos;
      return b & 0x40 ? value - (1n << shift) : value;
    }
  }
  leb.next = -1;
  return value;
}

/** The index after the LEB128 number at `pos` (signed or not), or -1 when it runs into `end`. */
export function skipLeb(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) if ((bytes[pos++]! & 0x80) === 0) return pos;
  return -1;
}

/**
 * Overwrite the unsigned LEB128 at `pos` with `value` (as unsigned 64 bits) in the same number of bytes, as a linker
 * patches a field the assembler reserved (RISC-V's SET_ULEB128/SUB_ULEB128). Bits that do not fit the existing length
 * are dropped, as they are by the linkers. Returns false, writing nothing, when the number runs into `end`.
 */
export function rewriteUleb(bytes: Uint8Array, pos: number, end: number, value: bigint): boolean {
  const last = skipLeb(bytes, pos, end) - 1;
  if (last < 0) return false;
  let v = BigInt.asUintN(64, value);
  for (let i = pos; i <= last; i++) {
    bytes[i] = Number(v & 0x7fn) | (i < last ? 0x80 : 0);
    v >>= 7n;
  }
  return true;
}
