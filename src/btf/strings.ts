import { BtfkitError, ErrorCode } from "../common/errors.js";
import { decodeAscii, encodeUtf8 } from "../common/text.js";

/**
 * A BTF string section: NUL-terminated strings addressed by byte offset. For split BTF, offsets below
 * `startOffset` belong to the base's table and are looked up there.
 *
 * The same class serves reading (bytes taken as they are) and building (`intern` appends a string unless an equal
 * one exists). The intern index is an open-addressing table of offsets keyed by a hash of the bytes; it is built
 * on the first `intern` call, so read-only use pays nothing for it.
 */
export class BtfStrings {
  readonly base: BtfStrings | undefined;
  /** First offset that belongs to this table (the base table's total length, or 0). */
  readonly startOffset: number;
  private buf: Uint8Array;
  private len: number;
  private index: Int32Array | undefined;
  private indexCount = 0;

  constructor(bytes?: Uint8Array, base?: BtfStrings) {
    this.base = base;
    this.startOffset = base ? base.endOffset : 0;
    if (bytes) {
      this.buf = bytes;
      this.len = bytes.length;
    } else {
      // A fresh table starts with the empty string at offset 0, unless it continues a base.
      this.buf = new Uint8Array(256);
      this.len = base ? 0 : 1;
    }
  }

  /** Exclusive end offset: the next string added gets this offset. */
  get endOffset(): number {
    return this.startOffset + this.len;
  }

  /** Size in bytes of this table's own part. */
  get byteLength(): number {
    return this.len;
  }

  /** This table's own bytes (without the base). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /**
   * The backing buffer itself, valid from 0 to `byteLength` (no copy, no view object): for hot loops that read many
   * names. It changes when strings are appended.
   */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** True if `off` is the start of, or inside, a NUL-terminated string of this table or its base. */
  isValidOffset(off: number): boolean {
    if (off < this.startOffset) return this.base ? this.base.isValidOffset(off) : false;
    return off - this.startOffset < this.len;
  }

  /**
   * The string at `off`. Throws CORRUPT for an offset outside the table (parseBtf has checked every offset of a table
   * it read; the caller's Btf.locateError adds the file and record).
   */
  get(off: number): string {
    if (off < this.startOffset) {
      if (this.base) return this.base.get(off);
      throw new BtfkitError(ErrorCode.CORRUPT, `string offset ${off} is out of range`);
    }
    const start = off - this.startOffset;
    if (start >= this.len) {
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `string offset ${off} is past the end of the string section (${this.endOffset})`,
      );
    }
    const end = this.endOf(start);
    return decodeAscii(this.buf, start, end);
  }

  /** Length in bytes of the string at `off` (without its NUL). */
  lengthAt(off: number): number {
    if (off < this.startOffset) return this.base ? this.base.lengthAt(off) : 0;
    const start = off - this.startOffset;
    return this.endOf(start) - start;
  }

  /** The raw bytes of the string at `off` (a view, no copy). */
  bytesAt(off: number): Uint8Array {
    if (off < this.startOffset) return this.base ? this.base.bytesAt(off) : new Uint8Array(0);
    const start = off - this.startOffset;
    return this.buf.subarray(start, this.endOf(start));
  }

  private endOf(start: number): number {
    const nul = this.buf.indexOf(0, start);
    return nul < 0 || nul >= this.len ? this.len : nul;
  }

  /** Offset of `s`: an existing equal string (here or in the base) or a newly appended one. */
  intern(s: string | Uint8Array): number {
    const bytes = typeof s === "string" ? encodeUtf8(s) : s;
    if (bytes.length === 0) return this.base ? (this.base.findBytes(bytes) ?? this.internOwn(bytes)) : 0;
    if (this.base) {
      const b = this.base.findBytes(bytes);
      if (b !== undefined) return b;
    }
    return this.internOwn(bytes);
  }

  /** Offset of an existing string equal to `bytes`, here or in the base; undefined if there is none. */
  findBytes(bytes: Uint8Array): number | undefined {
    if (this.base) {
      const b = this.base.findBytes(bytes);
      if (b !== undefined) return b;
    }
    this.ensureIndex();
    const slot = this.lookup(bytes, hashBytes(bytes, 0, bytes.length));
    const v = this.index![slot]!;
    return v >= 0 ? v + this.startOffset : undefined;
  }

  private internOwn(bytes: Uint8Array): number {
    this.ensureIndex();
    const h = hashBytes(bytes, 0, bytes.length);
    const slot = this.lookup(bytes, h);
    const found = this.index![slot]!;
    if (found >= 0) return found + this.startOffset;
    const off = this.len;
    this.append(bytes);
    this.index![slot] = off;
    if (++this.indexCount * 2 > this.index!.length) this.rebuildIndex(this.index!.length * 2);
    return off + this.startOffset;
  }

  /** Append without looking for an existing copy (used when the layout must be reproduced exactly). */
  append(bytes: Uint8Array): number {
    const need = this.len + bytes.length + 1;
    if (need > this.buf.length) {
      let cap = Math.max(256, this.buf.length * 2);
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    const off = this.len;
    this.buf.set(bytes, off);
    this.buf[off + bytes.length] = 0;
    this.len = need;
    if (this.index) {
      const slot = this.lookup(bytes, hashBytes(bytes, 0, bytes.length));
      if (this.index[slot]! < 0) {
        this.index[slot] = off;
        if (++this.indexCount * 2 > this.index.length) this.rebuildIndex(this.index.length * 2);
      }
    }
    return off + this.startOffset;
  }

  private ensureIndex(): void {
    if (this.index) return;
    let cap = 1024;
    while (cap < this.len / 4) cap *= 2;
    this.rebuildIndex(cap);
  }

  /** Index every string start (first occurrence wins), so intern() reuses strings of a table that was read. */
  private rebuildIndex(capacity: number): void {
    this.index = new Int32Array(capacity).fill(-1);
    this.indexCount = 0;
    let start = 0;
    const buf = this.buf;
    while (start < this.len) {
      let end = buf.indexOf(0, start);
      if (end < 0 || end >= this.len) end = this.len;
      const slot = this.lookupRange(start, end, hashBytes(buf, start, end));
      if (this.index[slot]! < 0) {
        this.index[slot] = start;
        this.indexCount++;
        if (this.indexCount * 2 > this.index.length) return this.rebuildIndex(capacity * 2);
      }
      start = end + 1;
    }
  }

  private lookup(bytes: Uint8Array, h: number): number {
    const index = this.index!;
    const mask = index.length - 1;
    const buf = this.buf;
    let slot = h & mask;
    for (;;) {
      const off = index[slot]!;
      if (off < 0) return slot;
      if (buf[off + bytes.length] === 0 && off + bytes.length < this.len) {
        let eq = true;
        for (let i = 0; i < bytes.length; i++) {
          if (buf[off + i] !== bytes[i]) {
            eq = false;
            break;
          }
        }
        if (eq) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  private lookupRange(start: number, end: number, h: number): number {
    return this.lookup(this.buf.subarray(start, end), h);
  }
}

/** FNV-1a over a byte range, as an unsigned 32-bit number. */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
