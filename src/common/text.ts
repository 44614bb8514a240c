const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Decode a NUL-free byte range to a JS string. Pure ASCII (nearly every identifier) takes a fast path without
 * TextDecoder; anything else is decoded as UTF-8 with replacement characters.
 */
export function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}

const encoder = new TextEncoder();
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** C's strcmp order of two NUL-free byte strings: unsigned bytes, a prefix before the longer string. */
export function strcmpBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
