/**
 * Offline BTF validation: the checks the Linux kernel's BTF verifier (`kernel/bpf/btf.c`, `btf_parse`) makes when
 * a program loads BTF with `bpf(BPF_BTF_LOAD)`, so that a BTF can be judged without a kernel. The rules are those of
 * the kernel btfkit is tested against (6.18); each problem names the type id and the rule in the kernel's own words
 * ("Invalid name", "vlen != 0", "Loop detected", …) plus a sentence on what exactly is wrong.
 *
 * The kernel verifies in passes, and so does this module:
 *
 * 1. Header and sections (`btf_parse_hdr`, `btf_check_sec_info`, `btf_parse_str_sec`, `btf_parse_type_sec`): only
 *    `validateBtfBlob` sees the raw bytes, so only it can check these.
 * 2. Meta (`btf_check_all_metas`, one `*_check_meta` per kind): each record on its own — info bits, names, vlen,
 *    kind_flag, sizes, member offsets in order, enum sizes, linkage, DATASEC entries, DECL_TAG component index.
 * 3. Resolve (`btf_check_all_types`): a depth-first walk from every type that refers to others, with the kernel's
 *    explicit stack of 32 entries, its three "resolve modes" (what counts as a sink depends on whether the walk
 *    started at a pointer, a struct/array or something else) and its visit states; a type met again while still on
 *    the stack is a loop. On the way it checks struct members against the member type (bitfields, alignment, size),
 *    array element and index types, VAR and DATASEC types, FUNC prototypes and DECL_TAG targets.
 * 4. Type tags (`btf_check_type_tags`): in a chain of modifiers, TYPE_TAGs must come first.
 *
 * The kernel stops at the first error; btfkit reports every problem it can without cascades: a type that failed
 * is marked FAILED, and a walk that meets a FAILED type stops silently (the referring type is then broken by
 * consequence, not by its own fault). Up to the first problem, the walk is the kernel's, step for step, so the
 * verdict — valid or not — is the kernel's.
 *
 * The kernel's type table holds BTF_MAX_TYPE entries (void included): types with higher ids pass the meta checks
 * and are then dropped without an error (btf_check_all_metas ignores btf_add_type's "Exceeded max num of types").
 * Like the kernel, btfkit checks their meta and leaves them out of the later passes, where they do not exist.
 *
 * Not checked (the kernel does these after parsing, for map values and kfuncs only): the layout of special fields
 * (`bpf_spin_lock`, `bpf_list_head`, kptrs, …) in `btf_parse_struct_metas`.
 */
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { type ByteOrder, HOST_BYTE_ORDER, viewOf } from "../common/byte-order.js";
import type { Btf } from "./btf.js";
import {
  BTF_FUNC_GLOBAL,
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_TYPE,
  BTF_VAR_GLOBAL_ALLOCATED,
  BTF_VAR_STATIC,
  BTF_VERSION,
  exhaustiveKind,
  infoKflag,
  infoKind,
  infoVlen,
  isCompositeKind,
  isModifierKind,
  kindHasSize,
  kindName,
} from "./kinds.js";
import { btfByteOrder, parseBtf } from "./reader.js";

/** Stable identifiers of the rules, for programs that switch on them (the message text may improve over time). */
export const BTF_RULE = {
  /** Header, section layout, string section: the blob as a whole. */
  HEADER: "header",
  STRINGS: "strings",
  /** The blob could not be parsed into types at all (truncated record, unknown kind). */
  PARSE: "parse",
  TOO_LARGE: "too-large",
  INFO: "info",
  NAME_OFFSET: "name-offset",
  NAME: "name",
  VLEN: "vlen",
  KIND_FLAG: "kind-flag",
  TYPE_ID: "type-id",
  SIZE: "size",
  INT: "int",
  ARRAY: "array",
  MEMBER: "member",
  ENUM_SIZE: "enum-size",
  LINKAGE: "linkage",
  FUNC_PROTO: "func-proto",
  DATASEC: "datasec",
  DECL_TAG: "decl-tag",
  LOOP: "loop",
  DEPTH: "depth",
  RESOLVE: "resolve",
  TYPE_TAG_ORDER: "type-tag-order",
} as const;
export type BtfRule = (typeof BTF_RULE)[keyof typeof BTF_RULE];

/** One broken rule. */
export interface BtfProblem {
  /** The type the problem is about; absent for header, section and string-section problems. */
  typeId?: number;
  /** Kind name of that type (`STRUCT`, `FUNC_PROTO`, …). */
  kind?: string;
  /** Its name ("" when anonymous). */
  name?: string;
  /** Member, enumerator, parameter or DATASEC entry index (from 0) when the problem is in one. */
  component?: number;
  /** Stable rule id. */
  rule: BtfRule;
  /** The rule in the kernel verifier's words ("Invalid name", "vlen != 0", "Loop detected"). */
  message: string;
  /** What exactly is wrong. */
  detail: string;
}

export interface ValidateOptions {
  /** Size of a pointer on the target (the kernel's sizeof(void *)); default 8. */
  pointerSize?: number;
}

export interface ValidateBlobOptions extends ValidateOptions {
  /** Base BTF for split BTF (a module on vmlinux). */
  base?: Btf;
  /**
   * Byte order the loading kernel uses: a kernel reads BTF only in its own byte order ("Invalid magic" otherwise).
   * Default: the host's; "any" accepts both.
   */
  byteOrder?: ByteOrder | "any";
  /** File name, for parse errors. */
  file?: string;
}

export interface BlobValidation {
  /** The parsed table when the blob could be parsed (also when it breaks rules). */
  btf: Btf | undefined;
  problems: BtfProblem[];
}

/** BTF_MAX_SIZE: the kernel refuses a blob larger than 16 MiB. */
export const BTF_MAX_SIZE = 16 * 1024 * 1024;
/** KSYM_NAME_LEN (512 since Linux 6.1): a name may have up to this many bytes. */
export const BTF_NAME_MAX_BYTES = 512;
/** Depth of the kernel's resolve stack. */
export const MAX_RESOLVE_DEPTH = 32;

const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;
const K = BTF_KIND;

/*
 * Character classes of the kernel's <linux/ctype.h>, which classifies Latin-1 (so 'é' is a letter there, and the
 * bytes 0xa0-0xff are printable). Names are bytes, checked byte by byte as the kernel does.
 */
const C_ALPHA = 1,
  C_DIGIT = 2,
  C_PRINT = 4;
const CTYPE = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x20; c <= 0x7e; c++) t[c]! |= C_PRINT;
  for (let c = 0xa0; c <= 0xff; c++) t[c]! |= C_PRINT;
  for (let c = 0x41; c <= 0x5a; c++) t[c]! |= C_ALPHA;
  for (let c = 0x61; c <= 0x7a; c++) t[c]! |= C_ALPHA;
  for (let c = 0xc0; c <= 0xff; c++) if (c !== 0xd7 && c !== 0xf7) t[c]! |= C_ALPHA;
  for (let c = 0x30; c <= 0x39; c++) t[c]! |= C_DIGIT;
  return t;
})();
const UNDERSCORE = 0x5f,
  DOT = 0x2e;

/** The kernel's btf_name_valid_identifier: a C identifier that may also contain (and start with) '.'. */
export function isValidIdentifier(name: Uint8Array): boolean {
  if (name.length === 0 || name.length > BTF_NAME_MAX_BYTES) return false;
  const c0 = name[0]!;
  if (!(CTYPE[c0]! & C_ALPHA) && c0 !== UNDERSCORE && c0 !== DOT) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name[i]!;
    if (!(CTYPE[c]! & (C_ALPHA | C_DIGIT)) && c !== UNDERSCORE && c !== DOT) return false;
  }
  return true;
}

/** The kernel's btf_name_valid_section: any printable characters (DATASEC names such as ".data..percpu"). */
export function isValidSectionName(name: Uint8Array): boolean {
  if (name.length === 0 || name.length > BTF_NAME_MAX_BYTES) return false;
  for (let i = 0; i < name.length; i++) if (!(CTYPE[name[i]!]! & C_PRINT)) return false;
  return true;
}

const IDENT_RULE = `not a C identifier (letters, digits, '_' and '.', not starting with a digit, at most ${BTF_NAME_MAX_BYTES} bytes)`;

/** The kernel's btf_type_is_modifier: libbpf's modifiers and TYPEDEF. */
function isModifier(kind: number): boolean {
  return kind === K.TYPEDEF || isModifierKind(kind);
}
const isStruct = isCompositeKind;
/** Types that only refer to others and are never referred to as a type (btf_type_is_resolve_source_only). */
function isSourceOnly(kind: number): boolean {
  return kind === K.VAR || kind === K.DECL_TAG || kind === K.DATASEC;
}
function needsResolve(kind: number): boolean {
  return (
    isModifier(kind) ||
    kind === K.PTR ||
    isStruct(kind) ||
    kind === K.ARRAY ||
    kind === K.VAR ||
    kind === K.FUNC ||
    kind === K.DECL_TAG ||
    kind === K.DATASEC
  );
}
/** void (kind UNKN here), FWD, FUNC and FUNC_PROTO have no size. */
function isNoSize(kind: number): boolean {
  return kind === K.UNKN || kind === K.FWD || kind === K.FUNC || kind === K.FUNC_PROTO;
}
const hasSize = kindHasSize;
function bitsRoundupBytes(bits: number): number {
  return Math.floor(bits / 8) + (bits % 8 === 0 ? 0 : 1);
}
function isPowerOf2(n: number): boolean {
  return n !== 0 && (n & (n - 1)) === 0;
}

/** Collects problems, filling in kind and name of the type. */
class Reporter {
  readonly problems: BtfProblem[] = [];
  constructor(private readonly btf: Btf) {}

  type(id: number, rule: BtfRule, message: string, detail: string, component?: number): void {
    const p: BtfProblem = {
      typeId: id,
      kind: kindName(this.btf.kind(id)),
      name: safeName(this.btf, this.btf.nameOffOf(id)),
      rule,
      message,
      detail,
    };
    if (component !== undefined) p.component = component;
    this.problems.push(p);
  }
}

function safeName(btf: Btf, off: number): string {
  return btf.strings.isValidOffset(off) ? btf.strings.get(off) : "(invalid-name-offset)";
}
function describeName(btf: Btf, off: number): string {
  return `'${safeName(btf, off)}'`;
}

/** Validate a parsed BTF against the kernel's rules (the meta, resolve and type-tag passes). Empty: valid. */
export function validateBtf(btf: Btf, opts: ValidateOptions = {}): BtfProblem[] {
  const report = new Reporter(btf);
  const metaFailed = checkAllMetas(btf, report);
  const resolver = new Resolver(btf, report, opts.pointerSize ?? 8, metaFailed);
  resolver.checkAllTypes();
  checkTypeTags(btf, report, (id) => resolver.isFailed(id), Math.min(btf.endId, BTF_MAX_TYPE));
  return report.problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 2: meta, one record at a time.

function nameOffsetValid(btf: Btf, off: number): boolean {
  return off <= BTF_MAX_NAME_OFFSET && btf.strings.isValidOffset(off);
}

/** Runs every type's meta check; returns one flag per own type: 1 when it failed. */
function checkAllMetas(btf: Btf, report: Reporter): Uint8Array {
  const failed = new Uint8Array(btf.count);
  for (let i = 0; i < btf.count; i++) {
    const id = btf.startId + i;
    const n = report.problems.length;
    checkMeta(btf, id, report);
    if (report.problems.length !== n) failed[i] = 1;
  }
  return failed;
}

function checkMeta(btf: Btf, id: number, r: Reporter): void {
  const i = id - btf.startId;
  const info = btf.info[i]!;
  const nameOff = btf.nameOff[i]!;
  const st = btf.sizeType[i]!;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const x = btf.extraStart[i]!;
  const extra = btf.extra;
  const name = (): Uint8Array => btf.strings.bytesAt(nameOff);

  if ((info & ~BTF_INFO_MASK) >>> 0 !== 0) {
    return r.type(
      id,
      BTF_RULE.INFO,
      "Invalid btf_info",
      `info word 0x${info.toString(16)} has bits set outside kind, kind_flag and vlen`,
    );
  }
  if (!nameOffsetValid(btf, nameOff)) {
    return r.type(
      id,
      BTF_RULE.NAME_OFFSET,
      "Invalid name_offset",
      `name offset ${nameOff} is outside the string section (ends at ${btf.strings.endOffset})`,
    );
  }
  const noVlen = (): boolean => {
    if (vlen !== 0)
      r.type(id, BTF_RULE.VLEN, "vlen != 0", `a ${kindName(kind)} has no members, vlen must be 0, not ${vlen}`);
    return vlen === 0;
  };
  const noKflag = (): boolean => {
    if (kflag)
      r.type(id, BTF_RULE.KIND_FLAG, "Invalid btf_info kind_flag", `kind_flag must be 0 for ${kindName(kind)}`);
    return !kflag;
  };
  const validTypeId = (
    t: number,
    allowVoid: boolean,
    what: string,
    message = "Invalid type_id",
    component?: number,
  ): boolean => {
    if ((t === 0 && !allowVoid) || t > BTF_MAX_TYPE) {
      r.type(
        id,
        kind === K.ARRAY ? BTF_RULE.ARRAY : BTF_RULE.TYPE_ID,
        message,
        t === 0 ? `${what} cannot be void (type id 0)` : `${what} type id ${t} exceeds the maximum ${BTF_MAX_TYPE}`,
        component,
      );
      return false;
    }
    return true;
  };

  switch (kind) {
    case K.INT: {
      if (!noVlen() || !noKflag()) return;
      const data = extra[x]!;
      if ((data & ~BTF_INT_MASK) >>> 0 !== 0)
        return r.type(
          id,
          BTF_RULE.INT,
          "Invalid int_data",
          `INT encoding word 0x${data.toString(16)} has bits set above bit 27`,
        );
      const bits = (data & 0xff) + ((data >>> 16) & 0xff);
      if (bits > 128)
        return r.type(
          id,
          BTF_RULE.INT,
          "nr_bits exceeds 128",
          `bit offset ${(data >>> 16) & 0xff} + bits ${data & 0xff} = ${bits}`,
        );
      if (bitsRoundupBytes(bits) > st)
        return r.type(
          id,
          BTF_RULE.INT,
          "nr_bits exceeds type_size",
          `${bits} bits (offset included) do not fit in ${st} bytes`,
        );
      const enc = (data >>> 24) & 0x0f;
      if (enc !== 0 && enc !== BTF_INT_SIGNED && enc !== BTF_INT_CHAR && enc !== BTF_INT_BOOL) {
        return r.type(
          id,
          BTF_RULE.INT,
          "Unsupported encoding",
          `encoding 0x${enc.toString(16)} is not one of none, SIGNED, CHAR, BOOL`,
        );
      }
      return;
    }
    case K.PTR:
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.TYPE_TAG: {
      if (!noVlen()) return;
      // A TYPE_TAG may set kind_flag (an attribute tag rather than a btf_type_tag; accepted by the 6.18 kernel).
      if (kind !== K.TYPE_TAG && !noKflag()) return;
      if (!validTypeId(st, true, "referenced")) return;
      if (kind === K.TYPEDEF) {
        if (nameOff === 0 || !isValidIdentifier(name()))
          return r.type(
            id,
            BTF_RULE.NAME,
            "Invalid name",
            nameOff === 0 ? "a TYPEDEF must have a name" : `${describeName(btf, nameOff)} is ${IDENT_RULE}`,
          );
      } else if (kind === K.TYPE_TAG) {
        if (name().length === 0)
          return r.type(id, BTF_RULE.NAME, "Invalid name", "a TYPE_TAG must have a non-empty value");
      } else if (nameOff !== 0) {
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          `a ${kindName(kind)} must be anonymous, it is named ${describeName(btf, nameOff)}`,
        );
      }
      return;
    }
    case K.ARRAY: {
      if (nameOff !== 0)
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          `an ARRAY must be anonymous, it is named ${describeName(btf, nameOff)}`,
        );
      if (!noVlen() || !noKflag()) return;
      if (st !== 0) return r.type(id, BTF_RULE.SIZE, "size != 0", `the size word of an ARRAY must be 0, not ${st}`);
      if (!validTypeId(extra[x]!, false, "the element", "Invalid elem")) return;
      if (!validTypeId(extra[x + 1]!, false, "the index", "Invalid index")) return;
      return;
    }
    case K.STRUCT:
    case K.UNION: {
      if (nameOff !== 0 && !isValidIdentifier(name()))
        return r.type(id, BTF_RULE.NAME, "Invalid name", `${describeName(btf, nameOff)} is ${IDENT_RULE}`);
      let lastOffset = 0;
      for (let m = 0; m < vlen; m++) {
        const mName = extra[x + 3 * m]!;
        const mType = extra[x + 3 * m + 1]!;
        const mOff = extra[x + 3 * m + 2]!;
        if (!nameOffsetValid(btf, mName))
          return r.type(
            id,
            BTF_RULE.NAME_OFFSET,
            "Invalid member name_offset",
            `member #${m} name offset ${mName} is outside the string section`,
            m,
          );
        if (mName !== 0 && !isValidIdentifier(btf.strings.bytesAt(mName)))
          return r.type(
            id,
            BTF_RULE.NAME,
            "Invalid name",
            `member #${m} name ${describeName(btf, mName)} is ${IDENT_RULE}`,
            m,
          );
        if (mType === 0 || mType > BTF_MAX_TYPE)
          return r.type(
            id,
            BTF_RULE.TYPE_ID,
            "Invalid type_id",
            mType === 0 ? `member #${m} has type void` : `member #${m} type id ${mType} exceeds ${BTF_MAX_TYPE}`,
            m,
          );
        const bitOff = kflag ? mOff & 0xffffff : mOff;
        if (kind === K.UNION && bitOff !== 0)
          return r.type(
            id,
            BTF_RULE.MEMBER,
            "Invalid member bits_offset",
            `union member #${m} is at bit ${bitOff}, union members must be at 0`,
            m,
          );
        // ">" not ">=": a flexible array member may share the offset of the member before it.
        if (lastOffset > bitOff)
          return r.type(
            id,
            BTF_RULE.MEMBER,
            "Invalid member bits_offset",
            `member #${m} at bit ${bitOff} comes before the previous member's bit ${lastOffset}`,
            m,
          );
        if (bitsRoundupBytes(bitOff) > st)
          return r.type(
            id,
            BTF_RULE.MEMBER,
            "Member bits_offset exceeds its struct size",
            `member #${m} at bit ${bitOff} is past the ${st}-byte size`,
            m,
          );
        lastOffset = bitOff;
      }
      return;
    }
    case K.ENUM:
    case K.ENUM64: {
      if (st > 8 || !isPowerOf2(st))
        return r.type(
          id,
          BTF_RULE.ENUM_SIZE,
          "Unexpected size",
          `an ${kindName(kind)} must have size 1, 2, 4 or 8, not ${st}`,
        );
      if (nameOff !== 0 && !isValidIdentifier(name()))
        return r.type(id, BTF_RULE.NAME, "Invalid name", `${describeName(btf, nameOff)} is ${IDENT_RULE}`);
      const stride = kind === K.ENUM ? 2 : 3;
      for (let e = 0; e < vlen; e++) {
        const eName = extra[x + stride * e]!;
        if (!nameOffsetValid(btf, eName))
          return r.type(
            id,
            BTF_RULE.NAME_OFFSET,
            "Invalid name_offset",
            `enumerator #${e} name offset ${eName} is outside the string section`,
            e,
          );
        if (eName === 0 || !isValidIdentifier(btf.strings.bytesAt(eName))) {
          return r.type(
            id,
            BTF_RULE.NAME,
            "Invalid name",
            eName === 0
              ? `enumerator #${e} has no name`
              : `enumerator #${e} name ${describeName(btf, eName)} is ${IDENT_RULE}`,
            e,
          );
        }
      }
      return;
    }
    case K.FWD: {
      if (!noVlen()) return;
      if (st !== 0) return r.type(id, BTF_RULE.TYPE_ID, "type != 0", `the type word of a FWD must be 0, not ${st}`);
      if (nameOff === 0 || !isValidIdentifier(name()))
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          nameOff === 0 ? "a FWD must have a name" : `${describeName(btf, nameOff)} is ${IDENT_RULE}`,
        );
      return;
    }
    case K.FUNC_PROTO: {
      if (nameOff !== 0)
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          `a FUNC_PROTO must be anonymous, it is named ${describeName(btf, nameOff)}`,
        );
      noKflag();
      return;
    }
    case K.FUNC: {
      if (nameOff === 0 || !isValidIdentifier(name()))
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          nameOff === 0 ? "a FUNC must have a name" : `${describeName(btf, nameOff)} is ${IDENT_RULE}`,
        );
      if (vlen > BTF_FUNC_GLOBAL)
        return r.type(
          id,
          BTF_RULE.LINKAGE,
          "Invalid func linkage",
          `linkage (vlen) ${vlen}: only static (0) and global (1) load into the kernel`,
        );
      noKflag();
      return;
    }
    case K.VAR: {
      if (!noVlen() || !noKflag()) return;
      if (nameOff === 0 || !isValidIdentifier(name()))
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          nameOff === 0 ? "a VAR must have a name" : `${describeName(btf, nameOff)} is ${IDENT_RULE}`,
        );
      if (!validTypeId(st, false, "the variable's")) return;
      const linkage = extra[x]!;
      if (linkage !== BTF_VAR_STATIC && linkage !== BTF_VAR_GLOBAL_ALLOCATED) {
        return r.type(
          id,
          BTF_RULE.LINKAGE,
          "Linkage not supported",
          `linkage ${linkage}: only static (0) and global allocated (1) load into the kernel`,
        );
      }
      return;
    }
    case K.DATASEC: {
      if (st === 0) return r.type(id, BTF_RULE.SIZE, "size == 0", "a DATASEC must have a non-zero size");
      if (!noKflag()) return;
      if (nameOff === 0 || !isValidSectionName(name())) {
        return r.type(
          id,
          BTF_RULE.NAME,
          "Invalid name",
          nameOff === 0
            ? "a DATASEC must have a name"
            : `${describeName(btf, nameOff)} is not a section name (printable characters, at most ${BTF_NAME_MAX_BYTES} bytes)`,
        );
      }
      let lastEnd = 0;
      let sum = 0;
      for (let e = 0; e < vlen; e++) {
        const vt = extra[x + 3 * e]!,
          off = extra[x + 3 * e + 1]!,
          size = extra[x + 3 * e + 2]!;
        if (vt === 0 || vt > BTF_MAX_TYPE)
          return r.type(
            id,
            BTF_RULE.TYPE_ID,
            "Invalid type_id",
            vt === 0 ? `entry #${e} has type void` : `entry #${e} type id ${vt} exceeds ${BTF_MAX_TYPE}`,
            e,
          );
        if (off < lastEnd || off >= st)
          return r.type(
            id,
            BTF_RULE.DATASEC,
            "Invalid offset",
            off >= st
              ? `entry #${e} offset ${off} is not below the section size ${st}`
              : `entry #${e} offset ${off} overlaps the previous entry (ends at ${lastEnd})`,
            e,
          );
        if (size === 0 || size > st)
          return r.type(
            id,
            BTF_RULE.DATASEC,
            "Invalid size",
            `entry #${e} size ${size} must be between 1 and the section size ${st}`,
            e,
          );
        lastEnd = off + size;
        if (lastEnd > st)
          return r.type(
            id,
            BTF_RULE.DATASEC,
            "Invalid offset+size",
            `entry #${e} ends at ${lastEnd}, past the section size ${st}`,
            e,
          );
        sum += size;
      }
      if (st < sum)
        return r.type(
          id,
          BTF_RULE.SIZE,
          "Invalid btf_info size",
          `the entries' sizes add up to ${sum}, more than the section size ${st}`,
        );
      return;
    }
    case K.FLOAT: {
      if (!noVlen() || !noKflag()) return;
      if (st !== 2 && st !== 4 && st !== 8 && st !== 12 && st !== 16)
        return r.type(id, BTF_RULE.SIZE, "Invalid type_size", `a FLOAT must have size 2, 4, 8, 12 or 16, not ${st}`);
      return;
    }
    case K.DECL_TAG: {
      if (name().length === 0)
        return r.type(id, BTF_RULE.DECL_TAG, "Invalid value", "a DECL_TAG must have a non-empty value");
      // kind_flag is allowed (attribute tags; accepted by the 6.18 kernel).
      if (!noVlen()) return;
      const idx = extra[x]! | 0;
      if (idx < -1) return r.type(id, BTF_RULE.DECL_TAG, "Invalid component_idx", `component_idx ${idx} is below -1`);
      return;
    }
    default:
      // Every kind has its check above (a kind added to BTF_KIND without one does not compile); UNKN and values past
      // BTF_KIND_MAX are what the kernel calls an invalid kind.
      if (kind !== K.UNKN) exhaustiveKind(kind);
      return r.type(id, BTF_RULE.INFO, "Invalid kind", `unknown kind ${kind}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 3: resolve, the kernel's depth-first walk (btf_resolve and the per-kind resolve callbacks).

const NOT_VISITED = 0,
  VISITED = 1,
  RESOLVED = 2,
  FAILED = 3;
/** What counts as a sink (a type the walk does not enter) depends on where the walk started. */
const MODE_TBD = 0,
  MODE_PTR = 1,
  MODE_STRUCT_OR_ARRAY = 2;
/** Outcomes of one resolve step besides "progress" (0). */
const E_DEPTH = -1,
  E_LOOP = -2,
  E_SKIP = -3,
  E_REPORTED = -4;

/** Per-table resolve results, kept so a split BTF can look up its base's. */
const baseResolutions = new WeakMap<Btf, { ids: Uint32Array; sizes: Uint32Array }>();

class Resolver {
  private readonly start: number;
  private readonly end: number;
  /** Root BTF: slot 0 is void (as in the kernel, whose root type table starts with void). Split: slot 0 is startId. */
  private readonly slotBase: number;
  private readonly state: Uint8Array;
  readonly resolvedIds: Uint32Array;
  readonly resolvedSizes: Uint32Array;
  private readonly base: { ids: Uint32Array; sizes: Uint32Array; start: number } | undefined;
  private readonly stackId = new Uint32Array(MAX_RESOLVE_DEPTH);
  private readonly stackNext = new Uint32Array(MAX_RESOLVE_DEPTH);
  private top = 0;
  private mode = MODE_TBD;
  /** Results of typeIdSize. */
  private outId = 0;
  private outSize = 0;

  constructor(
    private readonly btf: Btf,
    private readonly report: Reporter,
    private readonly pointerSize: number,
    metaFailed: Uint8Array,
  ) {
    this.start = btf.startId;
    // Types from BTF_MAX_TYPE up never enter the kernel's table (see the top of this file).
    this.end = Math.min(btf.endId, BTF_MAX_TYPE);
    this.slotBase = btf.isSplit ? btf.startId : 0;
    const slots = btf.endId - this.slotBase;
    this.state = new Uint8Array(slots);
    this.resolvedIds = new Uint32Array(slots);
    this.resolvedSizes = new Uint32Array(slots);
    for (let i = 0; i < metaFailed.length; i++) if (metaFailed[i]) this.state[btf.startId + i - this.slotBase] = FAILED;
    if (btf.base) {
      let b = baseResolutions.get(btf.base);
      if (!b) {
        // The base (vmlinux) is taken as valid; resolve it once, silently, for its resolved ids and sizes.
        const quiet = new Resolver(btf.base, new Reporter(btf.base), pointerSize, new Uint8Array(btf.base.count));
        quiet.checkAllTypes();
        b = { ids: quiet.resolvedIds, sizes: quiet.resolvedSizes };
        baseResolutions.set(btf.base, b);
      }
      this.base = { ...b, start: btf.base.isSplit ? btf.base.startId : 0 };
    }
  }

  /** True for an own type that broke a rule, or depends on one that did. */
  isFailed(id: number): boolean {
    return id >= this.start && id < this.end && this.state[id - this.slotBase] === FAILED;
  }

  // The kernel's btf_type_by_id returns NULL past the last type; `exists` is that test (id 0, void, exists).
  private exists(id: number): boolean {
    return id < this.end;
  }
  private kind(id: number): number {
    return this.btf.kind(id);
  }
  private isResolved(id: number): boolean {
    if (id < this.start && this.btf.isSplit) return true;
    return this.state[id - this.slotBase] === RESOLVED;
  }
  private resolvedId(id: number): number {
    if (id < this.start && this.base) return this.base.ids[id - this.base.start]!;
    return this.resolvedIds[id - this.slotBase]!;
  }
  private resolvedSize(id: number): number {
    if (id < this.start && this.base) return this.base.sizes[id - this.base.start]!;
    return this.resolvedSizes[id - this.slotBase]!;
  }

  private isSink(id: number): boolean {
    const k = this.kind(id);
    switch (this.mode) {
      case MODE_TBD:
        return !needsResolve(k);
      case MODE_PTR:
        return !isModifier(k) && k !== K.PTR;
      default:
        return !isModifier(k) && k !== K.ARRAY && !isStruct(k);
    }
  }

  private push(id: number): number {
    if (this.top === MAX_RESOLVE_DEPTH) return E_DEPTH;
    if ((this.btf.isSplit && id < this.start) || id === 0) return E_LOOP;
    const s = this.state[id - this.slotBase]!;
    if (s === FAILED) return E_SKIP;
    if (s !== NOT_VISITED) return E_LOOP;
    this.state[id - this.slotBase] = VISITED;
    this.stackId[this.top] = id;
    this.stackNext[this.top] = 0;
    this.top++;
    if (this.mode === MODE_TBD) {
      const k = this.kind(id);
      if (k === K.PTR) this.mode = MODE_PTR;
      else if (isStruct(k) || k === K.ARRAY) this.mode = MODE_STRUCT_OR_ARRAY;
    }
    return 0;
  }
  private popResolved(resolvedId: number, resolvedSize: number): number {
    const id = this.stackId[--this.top]!;
    const slot = id - this.slotBase;
    this.resolvedIds[slot] = resolvedId;
    this.resolvedSizes[slot] = resolvedSize >>> 0;
    this.state[slot] = RESOLVED;
    return 0;
  }

  /** btf_type_id_size: the sized type behind `id` (through modifiers and VAR) into outId/outSize, or false. */
  private typeIdSize(id: number): boolean {
    if (!this.exists(id)) return false;
    let k = this.kind(id);
    if (isNoSize(k)) return false;
    let size: number;
    if (hasSize(k)) size = this.btf.sizeTypeOf(id);
    else if (k === K.ARRAY) size = this.resolvedSize(id);
    else if (k === K.PTR) size = this.pointerSize;
    else {
      if (!isModifier(k) && k !== K.VAR) return false;
      id = this.resolvedId(id);
      if (!this.exists(id)) return false;
      k = this.kind(id);
      if (isNoSize(k)) return false;
      if (hasSize(k)) size = this.btf.sizeTypeOf(id);
      else if (k === K.ARRAY) size = this.resolvedSize(id);
      else if (k === K.PTR) size = this.pointerSize;
      else return false;
    }
    this.outId = id;
    this.outSize = size;
    return true;
  }

  private fail(id: number, rule: BtfRule, message: string, detail: string, component?: number): number {
    this.report.type(id, rule, message, detail, component);
    return E_REPORTED;
  }

  checkAllTypes(): void {
    for (let id = this.start; id < this.end; id++) {
      if (this.state[id - this.slotBase] === FAILED) continue;
      const k = this.kind(id);
      if (needsResolve(k) && !this.isResolved(id)) this.resolve(id);
      if (k === K.FUNC_PROTO) this.funcProtoCheck(id);
    }
  }

  /** btf_resolve: walk from `id` until it is resolved. False when it (or something it needs) is broken. */
  private resolve(id: number): boolean {
    this.mode = MODE_TBD;
    let err = this.push(id);
    while (err === 0 && this.top > 0) err = this.step(this.top - 1);
    if (err === E_DEPTH) {
      this.report.type(
        id,
        BTF_RULE.DEPTH,
        `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`,
        `more than ${MAX_RESOLVE_DEPTH} types must be followed to resolve this type`,
      );
    } else if (err === E_LOOP) {
      this.report.type(
        id,
        BTF_RULE.LOOP,
        "Loop detected",
        `following references from this type leads back to type [${this.loopId}] while it is being resolved`,
      );
    } else if (err === 0 && !this.resolveValid(id)) {
      this.report.type(
        id,
        BTF_RULE.RESOLVE,
        "Invalid resolve state",
        "the type did not resolve to what its kind requires",
      );
      err = E_REPORTED;
    }
    if (err !== 0) {
      for (let s = 0; s < this.top; s++) this.state[this.stackId[s]! - this.slotBase] = FAILED;
      this.state[id - this.slotBase] = FAILED;
      this.top = 0;
      return false;
    }
    return true;
  }

  private loopId = 0;
  /** push() for a type the current one refers to; remembers the id for the loop message. */
  private enter(id: number): number {
    this.loopId = id;
    return this.push(id);
  }

  private step(si: number): number {
    const id = this.stackId[si]!;
    switch (this.kind(id)) {
      case K.TYPEDEF:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
        return this.refResolve(id, false);
      case K.PTR:
        return this.refResolve(id, true);
      case K.VAR:
        return this.varResolve(id);
      case K.ARRAY:
        return this.arrayResolve(id);
      case K.STRUCT:
      case K.UNION:
        return this.structResolve(id, si);
      case K.DATASEC:
        return this.datasecResolve(id, si);
      case K.FUNC:
        return this.funcResolve(id);
      case K.DECL_TAG:
        return this.declTagResolve(id);
      default:
        return this.fail(id, BTF_RULE.RESOLVE, "Unsupported resolve", `a ${kindName(this.kind(id))} is never resolved`);
    }
  }

  /** btf_modifier_resolve and btf_ptr_resolve. */
  private refResolve(id: number, isPtr: boolean): number {
    let next = this.btf.sizeTypeOf(id);
    if (!this.exists(next) || isSourceOnly(this.kind(next))) {
      return this.fail(
        id,
        BTF_RULE.TYPE_ID,
        "Invalid type_id",
        this.exists(next)
          ? `refers to a ${kindName(this.kind(next))} [${next}], which is not a type`
          : `refers to type [${next}], which does not exist`,
      );
    }
    if (!this.isSink(next) && !this.isResolved(next)) return this.enter(next);
    if (isPtr && isModifier(this.kind(next))) {
      // A modifier resolved while walking a struct may have stopped at a pointer; continue from that pointer so
      // that it cannot lead back to this one.
      const r = this.resolvedId(next);
      if (this.exists(r) && this.kind(r) === K.PTR && !this.isSink(r) && !this.isResolved(r)) return this.enter(r);
    }
    if (!this.typeIdSize(next)) {
      let nk = this.kind(next);
      if (this.isResolved(next) && next !== 0) {
        next = this.resolvedId(next);
        nk = this.exists(next) ? this.kind(next) : -1;
      }
      if (nk !== K.UNKN && nk !== K.FWD && nk !== K.FUNC_PROTO) {
        return this.fail(
          id,
          BTF_RULE.TYPE_ID,
          "Invalid type_id",
          `refers to ${nk < 0 ? "a missing type" : `a ${kindName(nk)} [${next}]`}, which has no size and is not void, a FWD or a FUNC_PROTO`,
        );
      }
    } else {
      next = this.outId;
    }
    return this.popResolved(next, 0);
  }

  private varResolve(id: number): number {
    let next = this.btf.sizeTypeOf(id);
    if (!this.exists(next) || isSourceOnly(this.kind(next))) {
      return this.fail(
        id,
        BTF_RULE.TYPE_ID,
        "Invalid type_id",
        this.exists(next)
          ? `the variable's type is a ${kindName(this.kind(next))} [${next}]`
          : `the variable's type [${next}] does not exist`,
      );
    }
    if (!this.isSink(next) && !this.isResolved(next)) return this.enter(next);
    if (isModifier(this.kind(next))) {
      const r = this.resolvedId(next);
      if (this.exists(r) && this.kind(r) === K.PTR && !this.isSink(r) && !this.isResolved(r)) return this.enter(r);
    }
    // A variable must have a concrete type: not void, a FWD or a function.
    if (!this.typeIdSize(next))
      return this.fail(id, BTF_RULE.TYPE_ID, "Invalid type_id", `the variable's type [${next}] has no size`);
    next = this.outId;
    return this.popResolved(next, 0);
  }

  private arrayResolve(id: number): number {
    const elem = this.btf.extraWord(id, 0);
    const index = this.btf.extraWord(id, 1);
    const nelems = this.btf.extraWord(id, 2);
    if (!this.exists(index) || isNoSize(this.kind(index)) || isSourceOnly(this.kind(index))) {
      return this.fail(
        id,
        BTF_RULE.ARRAY,
        "Invalid index",
        `the index type [${index}] ${this.exists(index) ? `is a ${kindName(this.kind(index))}` : "does not exist"}`,
      );
    }
    if (!this.isSink(index) && !this.isResolved(index)) return this.enter(index);
    if (!this.typeIdSize(index) || this.kind(this.outId) !== K.INT || !this.intIsRegular(this.outId)) {
      return this.fail(
        id,
        BTF_RULE.ARRAY,
        "Invalid index",
        `the index type [${index}] is not a regular INT (1, 2, 4, 8 or 16 bytes, no bit offset)`,
      );
    }
    if (!this.exists(elem) || isNoSize(this.kind(elem)) || isSourceOnly(this.kind(elem))) {
      return this.fail(
        id,
        BTF_RULE.ARRAY,
        "Invalid elem",
        `the element type [${elem}] ${this.exists(elem) ? `is a ${kindName(this.kind(elem))}, which has no size` : "does not exist"}`,
      );
    }
    if (!this.isSink(elem) && !this.isResolved(elem)) return this.enter(elem);
    if (!this.typeIdSize(elem))
      return this.fail(id, BTF_RULE.ARRAY, "Invalid elem", `the element type [${elem}] has no size`);
    const elemId = this.outId,
      elemSize = this.outSize;
    if (this.kind(elemId) === K.INT && !this.intIsRegular(elemId)) {
      return this.fail(
        id,
        BTF_RULE.ARRAY,
        "Invalid array of int",
        `the element INT [${elemId}] is a bitfield-like INT (bit offset, or bits not a whole 1, 2, 4, 8 or 16 bytes)`,
      );
    }
    if (nelems !== 0 && elemSize > Math.floor(0xffffffff / nelems)) {
      return this.fail(id, BTF_RULE.ARRAY, "Array size overflows U32_MAX", `${nelems} elements of ${elemSize} bytes`);
    }
    return this.popResolved(elemId, Math.imul(elemSize, nelems) >>> 0);
  }

  private intIsRegular(id: number): boolean {
    const data = this.btf.extraWord(id, 0);
    const bits = data & 0xff;
    const bytes = bitsRoundupBytes(bits);
    return (
      bits % 8 === 0 &&
      ((data >>> 16) & 0xff) === 0 &&
      (bytes === 1 || bytes === 2 || bytes === 4 || bytes === 8 || bytes === 16)
    );
  }

  private structResolve(id: number, si: number): number {
    const vlen = this.btf.vlen(id);
    const kflag = this.btf.kflag(id);
    const next = this.stackNext[si]!;
    if (next > 0) {
      // The member we went to resolve must now be resolved; check it against the struct.
      const mType = this.btf.extraWord(id, 3 * (next - 1) + 1);
      if (!this.isResolved(mType))
        return this.fail(
          id,
          BTF_RULE.MEMBER,
          "Invalid member",
          `member #${next - 1} type [${mType}] did not resolve`,
          next - 1,
        );
      const err = this.checkMember(id, next - 1, mType, kflag);
      if (err) return err;
    }
    for (let m = next; m < vlen; m++) {
      const mType = this.btf.extraWord(id, 3 * m + 1);
      if (!this.exists(mType) || isNoSize(this.kind(mType)) || isSourceOnly(this.kind(mType))) {
        return this.fail(
          id,
          BTF_RULE.MEMBER,
          "Invalid member",
          `member #${m} type [${mType}] ${this.exists(mType) ? `is a ${kindName(this.kind(mType))}, which has no size` : "does not exist"}`,
          m,
        );
      }
      if (!this.isSink(mType) && !this.isResolved(mType)) {
        this.stackNext[si] = m + 1;
        return this.enter(mType);
      }
      const err = this.checkMember(id, m, mType, kflag);
      if (err) return err;
    }
    return this.popResolved(0, 0);
  }

  /** check_member / check_kflag_member of the member's type. `mType` may be a resolved replacement. */
  private checkMember(sid: number, m: number, mType: number, kflag: boolean): number {
    const word = this.btf.extraWord(sid, 3 * m + 2);
    const k = this.kind(mType);
    if (isModifier(k)) {
      if (!this.typeIdSize(mType))
        return this.fail(
          sid,
          BTF_RULE.MEMBER,
          "Invalid member",
          `member #${m} type [${mType}] does not resolve to a type with a size`,
          m,
        );
      return this.checkMember(sid, m, this.outId, kflag);
    }
    if (k === K.INT) return kflag ? this.intKflagMember(sid, m, mType, word) : this.intMember(sid, m, mType, word);
    if (k === K.ENUM || k === K.ENUM64)
      return kflag ? this.enumKflagMember(sid, m, word) : this.sizedMember(sid, m, word, this.btf.sizeTypeOf(mType));
    if (kflag && word >>> 24 !== 0) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Invalid member bitfield_size",
        `member #${m} of type ${kindName(k)} [${mType}] cannot be a bitfield`,
        m,
      );
    }
    switch (k) {
      case K.PTR:
        return this.sizedMember(sid, m, word, this.pointerSize);
      case K.ARRAY:
        return this.sizedMember(sid, m, word, this.resolvedSize(mType));
      case K.STRUCT:
      case K.UNION:
        return this.sizedMember(sid, m, word, this.btf.sizeTypeOf(mType));
      case K.FLOAT:
        return this.floatMember(sid, m, word, this.btf.sizeTypeOf(mType));
      default:
        return this.fail(
          sid,
          BTF_RULE.MEMBER,
          "Unsupported check_member",
          `member #${m} is a ${kindName(k)} [${mType}]`,
          m,
        );
    }
  }

  /** Byte-aligned members of PTR, ARRAY, STRUCT/UNION and (without kind_flag) ENUM type. */
  private sizedMember(sid: number, m: number, bitOff: number, size: number): number {
    if (bitOff % 8 !== 0)
      return this.fail(sid, BTF_RULE.MEMBER, "Member is not byte aligned", `member #${m} at bit ${bitOff}`, m);
    const structSize = this.btf.sizeTypeOf(sid);
    // u32 arithmetic as in the kernel (the meta pass already keeps the offset inside the struct).
    if ((structSize - Math.floor(bitOff / 8)) >>> 0 < size) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Member exceeds struct_size",
        `member #${m} at byte ${Math.floor(bitOff / 8)} with size ${size} ends past the ${structSize}-byte size`,
        m,
      );
    }
    return 0;
  }

  private floatMember(sid: number, m: number, bitOff: number, size: number): number {
    // Only the smallest alignment any architecture needs: min(pointer size, float size).
    const alignBits = Math.min(this.pointerSize, size) * 8;
    if (alignBits !== 0 && bitOff % alignBits !== 0)
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Member is not properly aligned",
        `FLOAT member #${m} at bit ${bitOff} is not aligned to ${alignBits / 8} bytes`,
        m,
      );
    const structSize = this.btf.sizeTypeOf(sid);
    if (Math.floor(bitOff / 8) + size > structSize)
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Member exceeds struct_size",
        `FLOAT member #${m} ends past the ${structSize}-byte size`,
        m,
      );
    return 0;
  }

  private intMember(sid: number, m: number, intId: number, bitOff: number): number {
    const data = this.btf.extraWord(intId, 0);
    const intOff = (data >>> 16) & 0xff;
    if (0xffffffff - bitOff < intOff)
      return this.fail(sid, BTF_RULE.MEMBER, "bits_offset exceeds U32_MAX", `member #${m}`, m);
    const off = bitOff + intOff;
    return this.bitsFit(sid, m, off, (data & 0xff) + (off % 8));
  }

  private bitsFit(sid: number, m: number, off: number, copyBits: number): number {
    if (copyBits > 128)
      return this.fail(sid, BTF_RULE.MEMBER, "nr_copy_bits exceeds 128", `member #${m} spans ${copyBits} bits`, m);
    const structSize = this.btf.sizeTypeOf(sid);
    const bytesOff = Math.floor(off / 8);
    if (structSize < bytesOff || structSize - bytesOff < bitsRoundupBytes(copyBits)) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Member exceeds struct_size",
        `member #${m} at bit ${off} with ${copyBits - (off % 8)} bits ends past the ${structSize}-byte size`,
        m,
      );
    }
    return 0;
  }

  private intKflagMember(sid: number, m: number, intId: number, word: number): number {
    if (!this.intIsRegular(intId)) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Invalid member base type",
        `member #${m} of a kind_flag struct has INT [${intId}], which is not a regular INT`,
        m,
      );
    }
    let bits = word >>> 24;
    const off = word & 0xffffff;
    const intBits = this.btf.extraWord(intId, 0) & 0xff;
    if (bits === 0) {
      if (off % 8 !== 0)
        return this.fail(
          sid,
          BTF_RULE.MEMBER,
          "Invalid member offset",
          `member #${m} is not a bitfield but sits at bit ${off}`,
          m,
        );
      bits = intBits;
    } else if (bits > intBits) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Invalid member bitfield_size",
        `member #${m} bitfield of ${bits} bits is wider than its ${intBits}-bit INT`,
        m,
      );
    }
    return this.bitsFit(sid, m, off, bits + (off % 8));
  }

  private enumKflagMember(sid: number, m: number, word: number): number {
    // The kernel takes an enum as 32 bits here, also for ENUM64.
    let bits = word >>> 24;
    const off = word & 0xffffff;
    if (bits === 0) {
      if (off % 8 !== 0)
        return this.fail(sid, BTF_RULE.MEMBER, "Member is not byte aligned", `member #${m} at bit ${off}`, m);
      bits = 32;
    } else if (bits > 32) {
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Invalid member bitfield_size",
        `enum member #${m} bitfield of ${bits} bits is wider than 32`,
        m,
      );
    }
    const structSize = this.btf.sizeTypeOf(sid);
    if (structSize < bitsRoundupBytes(off + bits))
      return this.fail(
        sid,
        BTF_RULE.MEMBER,
        "Member exceeds struct_size",
        `member #${m} ends past the ${structSize}-byte size`,
        m,
      );
    return 0;
  }

  private datasecResolve(id: number, si: number): number {
    const vlen = this.btf.vlen(id);
    for (let e = this.stackNext[si]!; e < vlen; e++) {
      const vt = this.btf.extraWord(id, 3 * e);
      const size = this.btf.extraWord(id, 3 * e + 2);
      if (!this.exists(vt) || this.kind(vt) !== K.VAR) {
        return this.fail(
          id,
          BTF_RULE.DATASEC,
          "Not a VAR kind member",
          `entry #${e} type [${vt}] ${this.exists(vt) ? `is a ${kindName(this.kind(vt))}` : "does not exist"}`,
          e,
        );
      }
      if (!this.isSink(vt) && !this.isResolved(vt)) {
        this.stackNext[si] = e + 1;
        return this.enter(vt);
      }
      if (!this.typeIdSize(this.btf.sizeTypeOf(vt)))
        return this.fail(id, BTF_RULE.DATASEC, "Invalid type", `entry #${e}: the VAR [${vt}] has no sized type`, e);
      if (size < this.outSize)
        return this.fail(
          id,
          BTF_RULE.DATASEC,
          "Invalid size",
          `entry #${e} size ${size} is smaller than its variable's type (${this.outSize} bytes)`,
          e,
        );
    }
    return this.popResolved(0, 0);
  }

  private funcResolve(id: number): number {
    const proto = this.btf.sizeTypeOf(id);
    if (!this.exists(proto) || this.kind(proto) !== K.FUNC_PROTO) {
      return this.fail(
        id,
        BTF_RULE.TYPE_ID,
        "Invalid type_id",
        `a FUNC must refer to a FUNC_PROTO; [${proto}] ${this.exists(proto) ? `is a ${kindName(this.kind(proto))}` : "does not exist"}`,
      );
    }
    const n = this.btf.vlen(proto);
    for (let a = 0; a < n; a++) {
      if (this.btf.extraWord(proto, 2 * a) === 0 && this.btf.extraWord(proto, 2 * a + 1) !== 0) {
        return this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          `Invalid arg#${a + 1}`,
          `parameter #${a + 1} of the FUNC's prototype [${proto}] has no name`,
          a,
        );
      }
    }
    return this.popResolved(proto, 0);
  }

  private declTagResolve(id: number): number {
    const target = this.btf.sizeTypeOf(id);
    const tk = this.exists(target) ? this.kind(target) : -1;
    if (tk !== K.FUNC && !isStruct(tk) && tk !== K.VAR && tk !== K.TYPEDEF) {
      return this.fail(
        id,
        BTF_RULE.TYPE_ID,
        "Invalid type_id",
        `a DECL_TAG must tag a STRUCT, UNION, FUNC, VAR or TYPEDEF; [${target}] ${tk < 0 ? "does not exist" : `is a ${kindName(tk)}`}`,
      );
    }
    if (!this.isSink(target) && !this.isResolved(target)) return this.enter(target);
    const idx = this.btf.extraWord(id, 0) | 0;
    if (idx !== -1) {
      if (tk === K.VAR || tk === K.TYPEDEF)
        return this.fail(
          id,
          BTF_RULE.DECL_TAG,
          "Invalid component_idx",
          `component_idx ${idx}: a ${kindName(tk)} has no components, use -1`,
        );
      let vlen = 0;
      if (isStruct(tk)) vlen = this.btf.vlen(target);
      else {
        const proto = this.btf.sizeTypeOf(target);
        if (this.exists(proto)) vlen = this.btf.vlen(proto);
      }
      if (idx >>> 0 >= vlen)
        return this.fail(
          id,
          BTF_RULE.DECL_TAG,
          "Invalid component_idx",
          `component_idx ${idx} but [${target}] has ${vlen} ${isStruct(tk) ? "members" : "parameters"}`,
        );
    }
    return this.popResolved(target, 0);
  }

  /** btf_resolve_valid: the final sanity check of a resolved type. */
  private resolveValid(id: number): boolean {
    if (!this.isResolved(id)) return false;
    const k = this.kind(id);
    if (isStruct(k) || k === K.DATASEC) return this.resolvedId(id) === 0 && this.resolvedSize(id) === 0;
    if (k === K.DECL_TAG || k === K.FUNC) return this.resolvedId(id) !== 0 && this.resolvedSize(id) === 0;
    if (isModifier(k) || k === K.PTR || k === K.VAR) {
      const r = this.resolvedId(id);
      if (!this.exists(r)) return false;
      const rk = this.kind(r);
      return !isModifier(rk) && rk !== K.VAR && rk !== K.DATASEC;
    }
    if (k === K.ARRAY) {
      if (!this.typeIdSize(this.btf.extraWord(id, 0))) return false;
      return (
        !isModifier(this.kind(this.outId)) &&
        Math.imul(this.btf.extraWord(id, 2), this.outSize) >>> 0 === this.resolvedSize(id)
      );
    }
    return false;
  }

  /** btf_func_proto_check: return and parameter types, parameter names. */
  private funcProtoCheck(id: number): void {
    const ret = this.btf.sizeTypeOf(id);
    if (ret !== 0) {
      // A VAR, DATASEC or DECL_TAG is refused too (the kernel we test against does; they are not value types).
      if (!this.exists(ret) || isSourceOnly(this.kind(ret))) {
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          "Invalid return type",
          `return type [${ret}] ${this.exists(ret) ? `is a ${kindName(this.kind(ret))}` : "does not exist"}`,
        );
      }
      if (needsResolve(this.kind(ret)) && !this.isResolved(ret)) {
        if (this.state[ret - this.slotBase] === FAILED || !this.resolve(ret)) return;
      }
      if (!this.typeIdSize(ret))
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          "Invalid return type",
          `return type [${ret}] is a ${kindName(this.kind(ret))}, which has no size`,
        );
    }
    let n = this.btf.vlen(id);
    if (n === 0) return;
    if (this.btf.extraWord(id, 2 * (n - 1) + 1) === 0) {
      // A last parameter of type void is "...": it must not have a name.
      if (this.btf.extraWord(id, 2 * (n - 1)) !== 0)
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          `Invalid arg#${n}`,
          `the variadic marker (last parameter, type void) must not have a name`,
          n - 1,
        );
      n--;
    }
    for (let a = 0; a < n; a++) {
      const at = this.btf.extraWord(id, 2 * a + 1);
      const an = this.btf.extraWord(id, 2 * a);
      if (!this.exists(at) || isSourceOnly(this.kind(at))) {
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          `Invalid arg#${a + 1}`,
          `parameter #${a + 1} type [${at}] ${this.exists(at) ? `is a ${kindName(this.kind(at))}` : "does not exist"}`,
          a,
        );
      }
      if (an !== 0 && (!nameOffsetValid(this.btf, an) || !isValidIdentifier(this.btf.strings.bytesAt(an)))) {
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          `Invalid arg#${a + 1}`,
          `parameter #${a + 1} name ${nameOffsetValid(this.btf, an) ? `${describeName(this.btf, an)} is ${IDENT_RULE}` : `offset ${an} is outside the string section`}`,
          a,
        );
      }
      if (needsResolve(this.kind(at)) && !this.isResolved(at)) {
        if (this.state[at - this.slotBase] === FAILED || !this.resolve(at)) return;
      }
      if (!this.typeIdSize(at)) {
        return void this.fail(
          id,
          BTF_RULE.FUNC_PROTO,
          `Invalid arg#${a + 1}`,
          at === 0
            ? `parameter #${a + 1} has type void and is not the last one`
            : `parameter #${a + 1} type [${at}] is a ${kindName(this.kind(at))}, which has no size`,
          a,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 4: type tags before other modifiers (btf_check_type_tags).

function checkTypeTags(btf: Btf, r: Reporter, failed: (id: number) => boolean, end: number): void {
  let good = btf.startId - 1;
  for (let id = btf.startId; id < end; id++) {
    let k = btf.kind(id);
    if (!isModifier(k)) continue;
    let inTags = k === K.TYPE_TAG;
    let chain = 32;
    let cur = id;
    while (isModifier(k)) {
      // A chain through a broken type (a loop, a bad reference) has been reported already.
      if (failed(cur)) break;
      if (chain-- === 0) {
        r.type(
          id,
          BTF_RULE.LOOP,
          "Max chain length or cycle detected",
          "more than 32 modifiers in a row, or a cycle of modifiers",
        );
        break;
      }
      if (k === K.TYPE_TAG) {
        if (!inTags) {
          r.type(
            id,
            BTF_RULE.TYPE_TAG_ORDER,
            "Type tags don't precede modifiers",
            `TYPE_TAG [${cur}] comes after a CONST, VOLATILE, RESTRICT or TYPEDEF in the chain from this type`,
          );
          break;
        }
      } else {
        inTags = false;
      }
      if (cur <= good) break;
      cur = btf.sizeTypeOf(cur);
      // A reference past the last type: the resolve pass has reported it already.
      if (cur >= end) break;
      k = btf.kind(cur);
    }
    good = id;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pass 1: the raw blob (btf_parse_hdr, btf_check_sec_info, btf_parse_str_sec, btf_parse_type_sec).

function headerProblem(message: string, detail: string, rule: BtfRule = BTF_RULE.HEADER): BtfProblem {
  return { rule, message, detail };
}

/**
 * Check the header and section layout of a raw BTF blob as the kernel does. Returns the problems (empty: the
 * blob's layout is acceptable and it can be parsed).
 */
export function checkBtfHeader(
  bytes: Uint8Array,
  opts: { split?: boolean; byteOrder?: ByteOrder | "any" } = {},
): BtfProblem[] {
  const split = opts.split ?? false;
  const size = bytes.length;
  if (size > BTF_MAX_SIZE)
    return [
      headerProblem(
        "BTF too large",
        `${size} bytes; the kernel loads at most ${BTF_MAX_SIZE} (16 MiB)`,
        BTF_RULE.TOO_LARGE,
      ),
    ];
  if (size < 8) return [headerProblem("hdr_len not found", `${size} bytes is too short for a BTF header`)];
  const order = btfByteOrder(bytes);
  if (!order)
    return [
      headerProblem(
        "Invalid magic",
        `magic 0x${((bytes[0]! << 8) | bytes[1]!).toString(16)} is not 0x${BTF_MAGIC.toString(16)}`,
      ),
    ];
  const want = opts.byteOrder ?? HOST_BYTE_ORDER;
  if (want !== "any" && order !== want) {
    return [
      headerProblem(
        "Invalid magic",
        `the BTF is ${order}-endian; a ${want}-endian kernel reads only its own byte order`,
      ),
    ];
  }
  const v = viewOf(bytes);
  const le = order === "little";
  const hdrLen = v.getUint32(4, le);
  if (size < hdrLen)
    return [headerProblem("btf_header not found", `header length ${hdrLen} exceeds the ${size}-byte blob`)];
  for (let i = BTF_HEADER_SIZE; i < hdrLen; i++) {
    if (bytes[i] !== 0)
      return [
        headerProblem(
          "Unsupported btf_header",
          `byte ${i} of the ${hdrLen}-byte header is not zero (a header field this kernel does not know)`,
        ),
      ];
  }
  // A shorter header leaves the missing fields zero, as in the kernel.
  const field = (off: number): number => (off + 4 <= hdrLen ? v.getUint32(off, le) : 0);
  const version = bytes[2]!,
    flags = bytes[3]!;
  if (version !== BTF_VERSION)
    return [headerProblem("Unsupported version", `version ${version}, expected ${BTF_VERSION}`)];
  if (flags !== 0) return [headerProblem("Unsupported flags", `flags 0x${flags.toString(16)}, expected 0`)];
  if (!split && size === hdrLen) return [headerProblem("No data", "the blob has a header and nothing else")];
  const typeOff = field(8),
    typeLen = field(12),
    strOff = field(16),
    strLen = field(20);

  // btf_check_sec_info: the two sections, in offset order, must tile the data after the header exactly.
  const secs = [
    { name: "type", off: typeOff, len: typeLen },
    { name: "string", off: strOff, len: strLen },
  ].sort((a, b) => a.off - b.off || a.len - b.len);
  const expected = size - hdrLen;
  let total = 0;
  for (const s of secs) {
    if (expected < s.off)
      return [
        headerProblem(
          "Invalid section offset",
          `${s.name} section offset ${s.off} is past the end of the data (${expected} bytes)`,
        ),
      ];
    if (total < s.off)
      return [
        headerProblem(
          "Unsupported section found",
          `${s.off - total} bytes before the ${s.name} section belong to no section`,
        ),
      ];
    if (total > s.off)
      return [
        headerProblem(
          "Section overlap found",
          `the ${s.name} section (offset ${s.off}) overlaps the section before it (which ends at ${total})`,
        ),
      ];
    if (expected - total < s.len)
      return [
        headerProblem(
          "Total section length too long",
          `the ${s.name} section (offset ${s.off}, length ${s.len}) extends past the end of the data (${expected} bytes)`,
        ),
      ];
    total += s.len;
  }
  if (expected !== total)
    return [
      headerProblem("Unsupported section found", `${expected - total} bytes after the sections belong to no section`),
    ];

  // btf_parse_str_sec
  if (strOff + strLen !== expected)
    return [
      headerProblem(
        "String section is not at the end",
        `the string section ends at ${strOff + strLen}, the data at ${expected}`,
        BTF_RULE.STRINGS,
      ),
    ];
  if (!(split && strLen === 0)) {
    const strStart = hdrLen + strOff;
    if (strLen === 0 || strLen - 1 > BTF_MAX_NAME_OFFSET || bytes[strStart + strLen - 1] !== 0) {
      return [
        headerProblem(
          "Invalid string section",
          strLen === 0
            ? "the string section is empty"
            : strLen - 1 > BTF_MAX_NAME_OFFSET
              ? `the string section (${strLen} bytes) is larger than the largest name offset allows`
              : "the string section does not end with a NUL byte",
          BTF_RULE.STRINGS,
        ),
      ];
    }
    if (!split && bytes[strStart] !== 0)
      return [
        headerProblem(
          "Invalid string section",
          "the string section must start with the empty string (a NUL byte)",
          BTF_RULE.STRINGS,
        ),
      ];
  }

  // btf_parse_type_sec
  if (typeOff % 4 !== 0)
    return [headerProblem("Unaligned type_off", `type section offset ${typeOff} is not a multiple of 4`)];
  if (!split && typeLen === 0) return [headerProblem("No type found", "the type section is empty")];
  return [];
}

/**
 * Validate a raw BTF blob the way `bpf(BPF_BTF_LOAD)` would: header and sections first, then (when those are sound)
 * the types. A blob that cannot be parsed yields a `parse` problem, with the type id when the parser knows it.
 */
export function validateBtfBlob(bytes: Uint8Array, opts: ValidateBlobOptions = {}): BlobValidation {
  const header = checkBtfHeader(bytes, { split: opts.base !== undefined, byteOrder: opts.byteOrder });
  if (header.length > 0) return { btf: undefined, problems: header };
  let btf: Btf;
  try {
    // Bad name offsets and type ids are rules of their own below, reported per type as the kernel does.
    btf = parseBtf(bytes, { base: opts.base, file: opts.file, section: "BTF", checkReferences: false });
  } catch (e) {
    if (!(e instanceof BtfkitError)) throw e;
    const p: BtfProblem = { rule: BTF_RULE.PARSE, message: parseMessage(e), detail: e.reason };
    if (e.typeId !== undefined) p.typeId = e.typeId;
    return { btf: undefined, problems: [p] };
  }
  return { btf, problems: validateBtf(btf, opts) };
}

/**
 * The kernel's words for what the parser found: a record that does not fit (TRUNCATED), or a kind the reader cannot
 * size (UNSUPPORTED: 0 or past BTF_KIND_MAX), which the kernel calls an invalid kind.
 */
function parseMessage(e: BtfkitError): string {
  if (e.code === ErrorCode.TRUNCATED) return "meta_left < meta_needed";
  if (e.code === ErrorCode.UNSUPPORTED) return "Invalid kind";
  return "Invalid BTF";
}

/** One line per problem: `type [ID] KIND 'name': rule: details` (or `header: rule: details`). */
export function formatProblem(p: BtfProblem): string {
  let where: string;
  if (p.typeId === undefined) where = p.rule === BTF_RULE.PARSE ? "types" : "header";
  else where = `type [${p.typeId}]${p.kind !== undefined ? ` ${p.kind} '${p.name ?? ""}'` : ""}`;
  return escapeControls(`${where}: ${p.message}: ${p.detail}`);
}

/** Tag values may hold any byte but NUL; keep the line one line. */
function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}
