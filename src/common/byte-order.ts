/** Byte order of a file or blob. The host order of every machine Node runs on today is little-endian. */
export type ByteOrder = "little" | "big";

export const HOST_BYTE_ORDER: ByteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "little" : "big";

/** A DataView over exactly the bytes of `u8`, also when it is a subarray or a pooled Node Buffer. */
export function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}
