import { BtfkitError, ErrorCode } from "./errors.js";
import { type ByteOrder, viewOf } from "./byte-order.js";
import { leb, readSleb, readUleb } from "./leb128.js";

/**
 * A bounds-checked reader over one section's bytes, with the byte order fixed at construction. It knows the file
 * and section it reads and the section's own base offset, so every error says `file: section+0xOFF: what`.
 * Reads allocate nothing; 64-bit values come back as numbers when they fit 2^53 (`u64`), else as `bigint` on request.
 */
export class ByteCursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
  readonly file: string | undefined;
  readonly section: string;
  /** Current read position, relative to `bytes`. */
  pos: number;
  /** Exclusive end of the readable window. */
  end: number;

  constructor(bytes: Uint8Array, order: ByteOrder, section: string, file?: string, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.little = order === "little";
    this.section = section;
    this.file = file;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  error(reason: string, at = this.pos, code: ErrorCode = ErrorCode.CORRUPT): BtfkitError {
    return new BtfkitError(code, reason, { file: this.file, section: this.section, offset: at });
  }

  /** Throws TRUNCATED unless `n` bytes can be read at the current position. */
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw this.error(
        `truncated ${what}: need ${n} bytes, ${Math.max(0, this.end - this.pos)} left`,
        this.pos,
        ErrorCode.TRUNCATED,
      );
    }
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1, "u8");
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) this.need(2, "u16");
    const v = this.view.getUint16(this.pos, this.little);
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (this.pos + 4 > this.end) this.need(4, "u32");
    const v = this.view.getUint32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  i32(): number {
    if (this.pos + 4 > this.end) this.need(4, "i32");
    const v = this.view.getInt32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  /** A 64-bit unsigned value as a number; exact up to 2^53, which covers every offset and size in real files. */
  u64(): number {
    if (this.pos + 8 > this.end) this.need(8, "u64");
    const lo = this.view.getUint32(this.pos + (this.little ? 0 : 4), this.little);
    const hi = this.view.getUint32(this.pos + (this.little ? 4 : 0), this.little);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  u64big(): bigint {
    if (this.pos + 8 > this.end) this.need(8, "u64");
    const v = this.view.getBigUint64(this.pos, this.little);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 as a number (exact up to 2^53; larger values lose low bits, which no offset needs). */
  uleb(): number {
    const v = readUleb(this.bytes, this.pos, this.end);
    if (leb.next < 0) throw this.error("truncated ULEB128", this.pos, ErrorCode.TRUNCATED);
    this.pos = leb.next;
    return v;
  }

  /** Signed LEB128 as a number. */
  sleb(): number {
    const v = readSleb(this.bytes, this.pos, this.end);
    if (leb.next < 0) throw this.error("truncated SLEB128", this.pos, ErrorCode.TRUNCATED);
    this.pos = leb.next;
    return v;
  }

  skip(n: number): void {
    this.need(n, "data");
    this.pos += n;
  }

  /** The bytes of a NUL-terminated string at the current position (without the NUL); advances past the NUL. */
  cstrBytes(): Uint8Array {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) throw this.error("unterminated string", start, ErrorCode.TRUNCATED);
    this.pos = nul + 1;
    return this.bytes.subarray(start, nul);
  }

  sub(n: number, what: string): Uint8Array {
    this.need(n, what);
    const s = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
