/**
 * One error type for the whole toolkit. Every failure caused by input (a truncated ELF, a bad DWARF form, a BTF
 * type that breaks a kernel rule, a wrong option) is a BtfkitError carrying a stable `code` that library users can
 * switch on, and the location: file, section and byte offset. `message` is always a single line.
 */
export const ErrorCode = {
  /** A read ran past the end of a file, section or record. */
  TRUNCATED: "TRUNCATED",
  /** A magic number, version or header field does not have a value this format allows. */
  BAD_HEADER: "BAD_HEADER",
  /** Structurally corrupt data (an offset out of range, a length that does not fit, …). */
  CORRUPT: "CORRUPT",
  /** Valid input that uses something btfkit does not implement (a relocation type, a DWARF form). */
  UNSUPPORTED: "UNSUPPORTED",
  /** A BTF type breaks a rule of the kernel's verifier. */
  BTF_INVALID: "BTF_INVALID",
  /** A named section or object was not found in the input. */
  NOT_FOUND: "NOT_FOUND",
  /** Wrong command-line options or API arguments. */
  USAGE: "USAGE",
  /** An I/O failure (cannot open, cannot write). */
  IO: "IO",
  /** An invariant of btfkit itself broke: a bug in btfkit, not a fault of the input (please report it). */
  INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorLocation {
  /** Path of the input file, when known. */
  file?: string;
  /** Section name (`.BTF`, `.debug_info`) or a pseudo-section (`types`, `strings`). */
  section?: string;
  /** Byte offset, relative to the start of `section` when given, else to the file. */
  offset?: number;
  /** BTF type id the error is about, when there is one. */
  typeId?: number;
}

export class BtfkitError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly section?: string;
  readonly offset?: number;
  readonly typeId?: number;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(code: ErrorCode, reason: string, where: ErrorLocation = {}) {
    super(formatLocation(where) + oneLine(reason));
    this.name = "BtfkitError";
    this.code = code;
    this.reason = oneLine(reason);
    this.file = where.file;
    this.section = where.section;
    this.offset = where.offset;
    this.typeId = where.typeId;
  }

  /** A copy of this error with missing location fields filled from `where` (used as errors bubble up). */
  withLocation(where: ErrorLocation): BtfkitError {
    return new BtfkitError(this.code, this.reason, {
      file: this.file ?? where.file,
      section: this.section ?? where.section,
      offset: this.offset ?? where.offset,
      typeId: this.typeId ?? where.typeId,
    });
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ");
}

/** `file: section+0x1c: ` — the prefix every error message starts with. */
export function formatLocation(where: ErrorLocation): string {
  let s = "";
  if (where.file !== undefined) s += where.file + ": ";
  if (where.section !== undefined) {
    s += where.section;
    if (where.offset !== undefined) s += "+0x" + where.offset.toString(16);
    s += ": ";
  } else if (where.offset !== undefined) {
    s += "offset 0x" + where.offset.toString(16) + ": ";
  }
  if (where.typeId !== undefined) s += "type [" + where.typeId + "]: ";
  return s;
}

export function isBtfkitError(e: unknown): e is BtfkitError {
  return e instanceof BtfkitError;
}
