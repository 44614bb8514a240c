import { BtfkitError, ErrorCode, type ErrorLocation } from "../common/errors.js";
import { type ByteOrder, HOST_BYTE_ORDER, viewOf } from "../common/byte-order.js";
import { Btf } from "./btf.js";
import {
  BTF_HEADER_SIZE,
  BTF_KIND,
  BTF_MAGIC,
  BTF_VERSION,
  extraWords,
  infoKind,
  infoVlen,
  BTF_KIND_MAX,
  kindHasTypeRef,
  KIND_ID_FIRST,
  KIND_ID_FIXED,
  KIND_ID_STEP,
  KIND_NAME_STEP,
} from "./kinds.js";
import { BtfStrings } from "./strings.js";

/** The fixed BTF header (struct btf_header). */
export interface BtfHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

export interface ParseBtfOptions {
  /** Base BTF for split BTF (a module's `.BTF` on vmlinux). */
  base?: Btf;
  /** Names used in error messages. */
  file?: string;
  section?: string;
  /** Offset of the blob inside the file, added to error offsets (so they point into the file/section). */
  offsetInSection?: number;
  /**
   * Check that every name offset is inside the string section and every referenced type id exists (default true),
   * as libbpf's btf__parse does: the dumps, dedup and diff can then trust them, and a bad one is reported here with
   * its file and byte offset. `validateBtfBlob` turns this off to report them as the kernel's rules instead.
   */
  checkReferences?: boolean;
}

/** Detect the byte order of a raw BTF blob from its magic, or undefined if it is not BTF. */
export function btfByteOrder(bytes: Uint8Array): ByteOrder | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return "little";
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return "big";
  return undefined;
}

export function readBtfHeader(
  bytes: Uint8Array,
  opts: ParseBtfOptions = {},
): { header: BtfHeader; byteOrder: ByteOrder } {
  const where = (offset: number) => ({
    file: opts.file,
    section: opts.section ?? "BTF",
    offset: (opts.offsetInSection ?? 0) + offset,
  });
  const order = btfByteOrder(bytes);
  if (!order) {
    if (bytes.length < 2)
      throw new BtfkitError(ErrorCode.TRUNCATED, `truncated BTF header: ${bytes.length} bytes`, where(0));
    throw new BtfkitError(
      ErrorCode.BAD_HEADER,
      `bad BTF magic 0x${((bytes[0]! << 8) | bytes[1]!).toString(16).padStart(4, "0")} (expected 0x${BTF_MAGIC.toString(16)})`,
      where(0),
    );
  }
  if (bytes.length < BTF_HEADER_SIZE)
    throw new BtfkitError(
      ErrorCode.TRUNCATED,
      `truncated BTF header: ${bytes.length} of ${BTF_HEADER_SIZE} bytes`,
      where(0),
    );
  const v = viewOf(bytes);
  const le = order === "little";
  const header: BtfHeader = {
    magic: BTF_MAGIC,
    version: bytes[2]!,
    flags: bytes[3]!,
    hdrLen: v.getUint32(4, le),
    typeOff: v.getUint32(8, le),
    typeLen: v.getUint32(12, le),
    strOff: v.getUint32(16, le),
    strLen: v.getUint32(20, le),
  };
  if (header.version !== BTF_VERSION)
    throw new BtfkitError(ErrorCode.BAD_HEADER, `unsupported BTF version ${header.version}`, where(2));
  if (header.flags !== 0)
    throw new BtfkitError(
      ErrorCode.BAD_HEADER,
      `unsupported BTF header flags 0x${header.flags.toString(16)}`,
      where(3),
    );
  if (header.hdrLen < BTF_HEADER_SIZE)
    throw new BtfkitError(
      ErrorCode.BAD_HEADER,
      `BTF header length ${header.hdrLen} is shorter than ${BTF_HEADER_SIZE}`,
      where(4),
    );
  if (header.hdrLen > bytes.length)
    throw new BtfkitError(
      ErrorCode.TRUNCATED,
      `BTF header length ${header.hdrLen} exceeds the blob (${bytes.length} bytes)`,
      where(4),
    );
  const dataLen = bytes.length - header.hdrLen;
  const checkSec = (off: number, len: number, name: string, fieldAt: number) => {
    if (off % 4 !== 0 && name === "type")
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `BTF ${name} section offset ${off} is not 4-byte aligned`,
        where(fieldAt),
      );
    if (off + len > dataLen || off + len < off) {
      throw new BtfkitError(
        ErrorCode.TRUNCATED,
        `BTF ${name} section (offset ${off}, length ${len}) extends past the end of the data (${dataLen} bytes)`,
        where(fieldAt),
      );
    }
  };
  checkSec(header.typeOff, header.typeLen, "type", 8);
  checkSec(header.strOff, header.strLen, "string", 16);
  if (header.typeLen % 4 !== 0)
    throw new BtfkitError(
      ErrorCode.CORRUPT,
      `BTF type section length ${header.typeLen} is not a multiple of 4`,
      where(12),
    );
  return { header, byteOrder: order };
}

/**
 * Parse a raw BTF blob (struct btf_header, type section, string section) in either byte order. The structure is
 * checked (header, section bounds, every record fits, known kinds, string section NUL-terminated); the kernel's
 * semantic rules are `validateBtf`'s job, so a reader can still dump a BTF the kernel would refuse.
 */
export function parseBtf(bytes: Uint8Array, opts: ParseBtfOptions = {}): Btf {
  const { header, byteOrder } = readBtfHeader(bytes, opts);
  const base0 = opts.offsetInSection ?? 0;
  const where = (offset: number, typeId?: number) => ({
    file: opts.file,
    section: opts.section ?? "BTF",
    offset: base0 + offset,
    typeId,
  });

  // Strings: copy the section (the input buffer may be a pooled Buffer we must not hold on to).
  const strStart = header.hdrLen + header.strOff;
  const strBytes = Uint8Array.prototype.slice.call(bytes, strStart, strStart + header.strLen);
  if (!opts.base) {
    if (header.strLen === 0 || strBytes[0] !== 0) {
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        "BTF string section must start with an empty string (a NUL byte)",
        where(strStart),
      );
    }
  }
  if (header.strLen > 0 && strBytes[header.strLen - 1] !== 0) {
    throw new BtfkitError(
      ErrorCode.CORRUPT,
      "BTF string section does not end with a NUL byte",
      where(strStart + header.strLen - 1),
    );
  }
  const strings = new BtfStrings(strBytes, opts.base?.strings);

  // Types: the type section's words, in host order. A little-endian blob on a little-endian host is one memcpy.
  const typeStart = header.hdrLen + header.typeOff;
  const nWords = header.typeLen >>> 2;
  let words: Uint32Array;
  if (byteOrder === HOST_BYTE_ORDER) {
    // Uint8Array's slice copies (a Node Buffer's own slice would only make a view).
    words = new Uint32Array(Uint8Array.prototype.slice.call(bytes, typeStart, typeStart + header.typeLen).buffer);
  } else {
    words = new Uint32Array(nWords);
    const v = viewOf(bytes);
    const le = byteOrder === "little";
    for (let i = 0; i < nWords; i++) words[i] = v.getUint32(typeStart + 4 * i, le);
  }

  // Count the records first, so that the per-type arrays are allocated once.
  let count = 0;
  const firstId = opts.base ? opts.base.endId : 1;
  for (let w = 0; w < nWords; ) {
    if (w + 3 > nWords)
      throw new BtfkitError(
        ErrorCode.TRUNCATED,
        `truncated type record (${(nWords - w) * 4} bytes left)`,
        where(typeStart + 4 * w, firstId + count),
      );
    const info = words[w + 1]!;
    const kind = infoKind(info);
    if (kind === 0 || kind > BTF_KIND_MAX) {
      // UNSUPPORTED: a kind this reader cannot size (0, or one added after BTF_KIND_MAX), so no record after it
      // can be found either.
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `unknown BTF kind ${kind}`,
        where(typeStart + 4 * w + 4, firstId + count),
      );
    }
    const n = extraWords(kind, infoVlen(info));
    if (w + 3 + n > nWords) {
      throw new BtfkitError(
        ErrorCode.TRUNCATED,
        `type record needs ${12 + 4 * n} bytes, ${(nWords - w) * 4} left in the type section`,
        where(typeStart + 4 * w, firstId + count),
      );
    }
    count++;
    w += 3 + n;
  }

  // The variable parts stay where they are: `extra` is the type section itself and each type's extraStart points
  // just past its 12-byte header. (Headers are gathered into the per-type arrays.)
  const btf = new Btf({ base: opts.base, strings, capacity: count, extraCapacity: 0, byteOrder });
  const info = btf.info,
    nameOff = btf.nameOff,
    sizeType = btf.sizeType,
    extraStart = btf.extraStart;
  for (let w = 0, i = 0; i < count; i++) {
    nameOff[i] = words[w]!;
    const inf = words[w + 1]!;
    info[i] = inf;
    sizeType[i] = words[w + 2]!;
    extraStart[i] = w + 3;
    w += 3 + extraWords(infoKind(inf), infoVlen(inf));
  }
  btf.count = count;
  btf.extra = words;
  btf.extraLen = nWords;
  btf.source = { file: opts.file, section: opts.section ?? "BTF", typesOffset: base0 + typeStart, count };
  if (opts.checkReferences !== false) checkReferences(btf, (word, id) => where(typeStart + 4 * word, id));
  return btf;
}

/**
 * Every name offset inside the strings (own or base) and every type id below endId, record by record. One pass over
 * the typed arrays; `at` turns a word index of the type section into an error location.
 */
function checkReferences(btf: Btf, at: (word: number, typeId: number) => ErrorLocation): void {
  const { info, nameOff, sizeType, extraStart, extra, strings } = btf;
  const endId = btf.endId;
  // A table's offsets continue its base's, so every valid offset, own or base, is below this one.
  const strEnd = strings.endOffset;
  const badName = (word: number, id: number, what: string, off: number): BtfkitError =>
    new BtfkitError(
      ErrorCode.CORRUPT,
      `${what}name offset ${off} is past the end of the strings (${strings.endOffset})`,
      at(word, id),
    );
  const badId = (word: number, id: number, what: string, ref: number): BtfkitError =>
    new BtfkitError(ErrorCode.CORRUPT, `${what}type id ${ref} is past the last type (${endId - 1})`, at(word, id));
  /** "member #2 ", "parameter #0 ", …: which part of the record the bad word is in (only built for a message). */
  const part = (kind: number, k: number): string => `${PART_NAMES[kind] ?? "entry"} #${k} `;
  for (let i = 0; i < btf.count; i++) {
    const id = btf.startId + i;
    const x = extraStart[i]!;
    const head = x - 3;
    const kind = infoKind(info[i]!);
    const vlen = infoVlen(info[i]!);
    if (nameOff[i]! >= strEnd) throw badName(head, id, "", nameOff[i]!);
    if (kindHasTypeRef(kind) && sizeType[i]! >= endId) throw badId(head + 2, id, "", sizeType[i]!);
    // Names and type ids in the variable part, by kind (kinds.ts's layout arrays: the pass allocates nothing per type).
    const nameStep = KIND_NAME_STEP[kind]!,
      idFirst = KIND_ID_FIRST[kind]!,
      idStep = KIND_ID_STEP[kind]!;
    const idCount = idFirst < 0 ? 0 : KIND_ID_FIXED[kind]! !== 0 ? KIND_ID_FIXED[kind]! : vlen;
    if (nameStep !== 0) {
      for (let k = 0; k < vlen; k++) {
        const w = x + k * nameStep;
        if (extra[w]! >= strEnd) throw badName(w, id, part(kind, k), extra[w]!);
      }
    }
    for (let k = 0; k < idCount; k++) {
      const w = x + idFirst + k * idStep;
      if (extra[w]! >= endId)
        throw badId(w, id, kind === BTF_KIND.ARRAY ? (k === 0 ? "element " : "index ") : part(kind, k), extra[w]!);
    }
  }
}

const PART_NAMES: Partial<Record<number, string>> = {
  [BTF_KIND.STRUCT]: "member",
  [BTF_KIND.UNION]: "member",
  [BTF_KIND.ENUM]: "enumerator",
  [BTF_KIND.ENUM64]: "enumerator",
  [BTF_KIND.FUNC_PROTO]: "parameter",
  [BTF_KIND.DATASEC]: "entry",
};
