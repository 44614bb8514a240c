/**
 * Output text assembled directly as bytes: names are copied from the BTF string table without decoding them to JS
 * strings, and numbers are formatted digit by digit. Dumping a kernel (hundreds of thousands of lines) this way
 * is several times faster than building JS strings. Full chunks are handed to `emit` (which owns each chunk it is given).
 */
export class ByteSink {
  private buf: Uint8Array;
  private pos = 0;
  private readonly emit: (chunk: Uint8Array) => void;

  constructor(emit: (chunk: Uint8Array) => void, chunkSize = 1 << 20) {
    this.emit = emit;
    this.buf = new Uint8Array(chunkSize);
  }

  private flushFor(n: number): void {
    // Hand the filled buffer over and start a fresh one: no copy.
    if (this.pos > 0) {
      this.emit(this.buf.subarray(0, this.pos));
      this.buf = new Uint8Array(Math.max(this.buf.length, n * 2));
    } else if (n > this.buf.length) {
      this.buf = new Uint8Array(n * 2);
    }
    this.pos = 0;
  }

  /** Bytes of an ASCII string (callers pass identifiers and punctuation, never arbitrary text). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.flushFor(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i) & 0xff;
    this.pos = p;
  }

  /** Pre-encoded bytes (see `enc`). */
  lit(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.pos + n > this.buf.length) this.flushFor(n);
    // A plain loop beats TypedArray.set for the short literals this is used with.
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
    this.pos = p;
  }

  /** A range of raw bytes (a name from a string table). */
  range(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.buf.length) this.flushFor(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) b[p++] = src[i]!;
    this.pos = p;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.flushFor(1);
    this.buf[this.pos++] = c;
  }

  /** An unsigned integer below 2^53 in decimal. */
  uint(v: number): void {
    if (this.pos + 20 > this.buf.length) this.flushFor(20);
    const b = this.buf;
    if (v < 10) {
      b[this.pos++] = 48 + v;
      return;
    }
    if (v <= 0x7fffffff) {
      // Small integers (nearly all ids, sizes and offsets): int32 arithmetic.
      let digits = 1;
      for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
      let p = this.pos + digits;
      this.pos = p;
      let x = v | 0;
      while (x >= 10) {
        const q = (x / 10) | 0;
        b[--p] = 48 + x - q * 10;
        x = q;
      }
      b[--p] = 48 + x;
      return;
    }
    let digits = 0;
    for (let t = v; t >= 1; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 1) {
      const q = Math.floor(v / 10);
      b[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** A signed integer in decimal. */
  int(v: number): void {
    if (v < 0) {
      this.byte(45);
      this.uint(-v);
    } else {
      this.uint(v);
    }
  }

  end(): void {
    if (this.pos > 0) {
      this.emit(this.buf.subarray(0, this.pos));
      this.buf = new Uint8Array(this.buf.length);
    }
    this.pos = 0;
  }
}

const encoder = new TextEncoder();
/** Encode a literal once, at module load. */
export function enc(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Run `fn` against a sink and return all bytes it produced, as a string (for tests and small BTF). */
export function collectBytes(fn: (sink: ByteSink) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  const sink = new ByteSink((c) => parts.push(c));
  fn(sink);
  sink.end();
  return Buffer.concat(parts);
}
