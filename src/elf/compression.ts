import { inflateSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { viewOf } from "../common/byte-order.js";
import type { ElfFile, ElfSection } from "./elf-file.js";
import { SHF } from "./elf-file.js";

/** ch_type values of an `Elf_Chdr` (SHF_COMPRESSED sections). */
export const ELFCOMPRESS = { ZLIB: 1, ZSTD: 2 } as const;

/*
 * A corrupt header can claim any uncompressed size. Before allocating, the claim must be plausible: deflate cannot
 * expand more than 1032:1, and zstd (whose RLE blocks expand further) is held to 4096:1, far above what debug
 * sections reach (≈ 3-10:1). Nothing above 2^32-1 bytes is accepted (a typed array's practical limit).
 */
const ZLIB_MAX_RATIO = 1032;
const ZSTD_MAX_RATIO = 4096;
const MAX_SECTION = 0xffff_ffff;

/** True for a section whose bytes must be decompressed before use. */
export function isCompressed(sec: ElfSection): boolean {
  return (sec.flags & SHF.COMPRESSED) !== 0 || sec.name.startsWith(".zdebug");
}

/**
 * The uncompressed bytes of `sec`: `SHF_COMPRESSED` (an `Elf32_Chdr`/`Elf64_Chdr` then zlib or zstd data), legacy
 * GNU `.zdebug_*` (`"ZLIB"`, a big-endian 64-bit size, zlib data), or the raw bytes when neither applies.
 */
export function decompressSection(elf: ElfFile, sec: ElfSection, raw: Uint8Array = elf.sectionBytes(sec)): Uint8Array {
  const where = { file: elf.path, section: sec.name, offset: 0 };
  if ((sec.flags & SHF.COMPRESSED) !== 0) {
    const is64 = elf.header.class === 64;
    const hdrSize = is64 ? 24 : 12;
    if (raw.length < hdrSize) {
      throw new BtfkitError(
        ErrorCode.TRUNCATED,
        `compressed section header needs ${hdrSize} bytes, section has ${raw.length}`,
        where,
      );
    }
    const v = viewOf(raw);
    const le = elf.byteOrder === "little";
    const type = v.getUint32(0, le);
    const size = is64
      ? v.getUint32(le ? 8 : 12, le) + v.getUint32(le ? 12 : 8, le) * 0x1_0000_0000
      : v.getUint32(4, le);
    return inflateOrThrow(type, raw.subarray(hdrSize), size, where, hdrSize);
  }
  if (sec.name.startsWith(".zdebug")) {
    if (raw.length < 12 || raw[0] !== 0x5a || raw[1] !== 0x4c || raw[2] !== 0x49 || raw[3] !== 0x42) {
      // binutils leaves a .zdebug section uncompressed when compression would not shrink it.
      return raw;
    }
    const v = viewOf(raw);
    const size = v.getUint32(4, false) * 0x1_0000_0000 + v.getUint32(8, false);
    return inflateOrThrow(ELFCOMPRESS.ZLIB, raw.subarray(12), size, where, 12);
  }
  return raw;
}

function inflateOrThrow(
  type: number,
  data: Uint8Array,
  size: number,
  where: { file: string; section: string; offset: number },
  dataOffset: number,
): Uint8Array {
  const ratio = type === ELFCOMPRESS.ZLIB ? ZLIB_MAX_RATIO : ZSTD_MAX_RATIO;
  if (type !== ELFCOMPRESS.ZLIB && type !== ELFCOMPRESS.ZSTD) {
    throw new BtfkitError(
      ErrorCode.UNSUPPORTED,
      `unknown compression type ${type} (ELFCOMPRESS_ZLIB=1 and ELFCOMPRESS_ZSTD=2 are supported)`,
      where,
    );
  }
  if (size > MAX_SECTION || size > data.length * ratio + 65536) {
    throw new BtfkitError(
      ErrorCode.CORRUPT,
      `implausible uncompressed size ${size} for ${data.length} compressed bytes`,
      where,
    );
  }
  const name = type === ELFCOMPRESS.ZLIB ? "zlib" : "zstd";
  let out: Uint8Array;
  try {
    if (type === ELFCOMPRESS.ZLIB) {
      const b = inflateSync(data, { maxOutputLength: Math.max(1, size) });
      out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } else {
      out = zstdDecompress(data, new Uint8Array(size));
    }
  } catch (e) {
    throw new BtfkitError(ErrorCode.CORRUPT, `${name} data does not decompress: ${(e as Error).message}`, {
      ...where,
      offset: dataOffset,
    });
  }
  if (out.length !== size) {
    throw new BtfkitError(ErrorCode.CORRUPT, `${name} data decompresses to ${out.length} bytes, header says ${size}`, {
      ...where,
      offset: dataOffset,
    });
  }
  return out;
}

/** The size of a section once decompressed, read from its compression header only (no decompression). */
export function uncompressedSize(elf: ElfFile, sec: ElfSection): number {
  if ((sec.flags & SHF.COMPRESSED) !== 0) {
    const h = elf.sectionPrefix(sec, 24);
    const is64 = elf.header.class === 64;
    if (h.length < (is64 ? 24 : 12)) return 0;
    const v = viewOf(h);
    const le = elf.byteOrder === "little";
    return is64 ? v.getUint32(le ? 8 : 12, le) + v.getUint32(le ? 12 : 8, le) * 0x1_0000_0000 : v.getUint32(4, le);
  }
  if (sec.name.startsWith(".zdebug")) {
    const h = elf.sectionPrefix(sec, 12);
    if (h.length < 12 || h[0] !== 0x5a || h[1] !== 0x4c || h[2] !== 0x49 || h[3] !== 0x42) return sec.size;
    const v = viewOf(h);
    return v.getUint32(4, false) * 0x1_0000_0000 + v.getUint32(8, false);
  }
  return sec.size;
}
