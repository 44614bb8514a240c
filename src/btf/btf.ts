import { BtfkitError, ErrorCode, type ErrorLocation } from "../common/errors.js";
import { type ByteOrder, HOST_BYTE_ORDER } from "../common/byte-order.js";
import {
  BTF_KIND,
  type BtfKind,
  exhaustiveKind,
  extraWords,
  infoKflag,
  infoKind,
  infoVlen,
  isModifierKind,
  makeInfo,
} from "./kinds.js";
import { BtfStrings } from "./strings.js";

/** A `Uint32Array` the type system does not let you write: what `Btf.arrays` hands out. */
export type ReadonlyUint32Array = Omit<Uint32Array, "set" | "fill" | "copyWithin" | "reverse" | "sort" | number> & {
  readonly [index: number]: number;
};

/** A table's arrays, read-only (see `Btf`): `info[i]`, `nameOff[i]`, `sizeType[i]`, `extra[extraStart[i]…]`. */
export interface BtfArrays {
  readonly count: number;
  readonly info: ReadonlyUint32Array;
  readonly nameOff: ReadonlyUint32Array;
  readonly sizeType: ReadonlyUint32Array;
  readonly extraStart: ReadonlyUint32Array;
  readonly extra: ReadonlyUint32Array;
}

/** The file, section and type section position a table was read from. */
export interface BtfSource {
  file?: string;
  section: string;
  /** Byte offset of the type section in `section`. */
  typesOffset: number;
  /** Types read from the bytes; types added after them have no position. */
  count: number;
}

/**
 * A BTF type table, stored as a struct of arrays: no JavaScript object per type, because a converted kernel holds
 * millions of them. Each own type `id` (from `startId` up to `endId - 1`) has at index `i = id - startId`:
 *
 * - `info[i]`      the raw info word (kind, vlen, kind_flag),
 * - `nameOff[i]`   the name's string offset,
 * - `sizeType[i]`  the size or type word,
 * - `extraStart[i]` where its variable part starts in `extra` (members, params, enumerators, …): exactly the words
 *   that follow the 12-byte record header in the wire format, in that order.
 *
 * Type id 0 is `void` and has no record. A split BTF (a module) continues the ids and string offsets of its `base`;
 * the accessors below accept any id and look base ids up in the base.
 */
export class Btf {
  readonly base: Btf | undefined;
  readonly strings: BtfStrings;
  /** First own type id: 1, or the base's endId for split BTF. */
  readonly startId: number;
  /** Byte order of the blob this was read from (the default for writing it back). */
  byteOrder: ByteOrder;
  /** Size of a pointer in bytes, for resolveSize (BTF itself does not record it). */
  pointerSize = 8;

  // The arrays themselves, writable by btfkit's own stages (reader, converters, link, dedup). `@internal` keeps them
  // out of the published declarations (stripInternal): library users read them through `arrays`, typed read-only.
  /** @internal Number of own types. */
  count = 0;
  /** @internal */
  info: Uint32Array;
  /** @internal */
  nameOff: Uint32Array;
  /** @internal */
  sizeType: Uint32Array;
  /** @internal */
  extraStart: Uint32Array;
  /** @internal Pool of variable parts; a table read from a blob uses the blob's type section itself (headers included). */
  extra: Uint32Array;
  /** @internal Fill level of `extra`: where the next added type's variable part goes. */
  extraLen = 0;
  /** Where a table read from bytes came from (set by parseBtf), so that errors about its types can say where. */
  source: BtfSource | undefined;

  constructor(
    opts: { base?: Btf; strings?: BtfStrings; capacity?: number; extraCapacity?: number; byteOrder?: ByteOrder } = {},
  ) {
    this.base = opts.base;
    this.startId = opts.base ? opts.base.endId : 1;
    this.strings = opts.strings ?? new BtfStrings(undefined, opts.base?.strings);
    this.byteOrder = opts.byteOrder ?? opts.base?.byteOrder ?? HOST_BYTE_ORDER;
    const cap = Math.max(16, opts.capacity ?? 64);
    this.info = afterZeroWord(cap);
    this.nameOff = afterZeroWord(cap);
    this.sizeType = new Uint32Array(cap);
    this.extraStart = afterZeroWord(cap);
    this.extra = new Uint32Array(Math.max(16, opts.extraCapacity ?? cap * 2));
  }

  /**
   * Drop this table's types (count 0) and let go of its arrays, for a consumer that has taken over what it needs
   * of them (dedup's `consumeInput`): a multi-million-type table is then not held twice. Strings stay.
   */
  release(): void {
    this.count = 0;
    this.extraLen = 0;
    this.info = this.nameOff = this.sizeType = this.extraStart = this.extra = new Uint32Array(0);
  }

  /** One past the last type id (own types included). */
  get endId(): number {
    return this.startId + this.count;
  }

  /** True for split BTF: types and strings continue a base. */
  get isSplit(): boolean {
    return this.base !== undefined;
  }

  /** The table (this one or a base) that holds `id`. Throws for an id out of range. */
  owner(id: number): Btf {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let t: Btf | undefined = this;
    while (t) {
      if (id >= t.startId) {
        if (id < t.endId) return t;
        break;
      }
      t = t.base;
    }
    throw new BtfkitError(ErrorCode.CORRUPT, `type id ${id} out of range (1..${this.endId - 1})`, { typeId: id });
  }

  hasId(id: number): boolean {
    return id >= 1 && id < this.endId;
  }

  /** Kind of `id`; void (id 0) reports BTF_KIND.UNKN. */
  kind(id: number): BtfKind {
    if (id >= this.startId && id < this.endId) return infoKind(this.info[id - this.startId]!);
    if (id === 0) return BTF_KIND.UNKN;
    return this.owner(id).kind(id);
  }
  infoOf(id: number): number {
    if (id >= this.startId && id < this.endId) return this.info[id - this.startId]!;
    if (id === 0) return 0;
    return this.owner(id).infoOf(id);
  }
  vlen(id: number): number {
    return infoVlen(this.infoOf(id));
  }
  kflag(id: number): boolean {
    return infoKflag(this.infoOf(id));
  }
  nameOffOf(id: number): number {
    if (id >= this.startId && id < this.endId) return this.nameOff[id - this.startId]!;
    if (id === 0) return 0;
    return this.owner(id).nameOffOf(id);
  }
  /** The name of `id` as a string ("" for anonymous types and void). */
  name(id: number): string {
    return this.strings.get(this.nameOffOf(id));
  }
  /** The size/type word of `id`. */
  sizeTypeOf(id: number): number {
    if (id >= this.startId && id < this.endId) return this.sizeType[id - this.startId]!;
    if (id === 0) return 0;
    return this.owner(id).sizeTypeOf(id);
  }
  /** The table holding the extra words of `id` and the index of its first extra word there. */
  extraOf(id: number): { table: Uint32Array; start: number } {
    const t = this.owner(id);
    return { table: t.extra, start: t.extraStart[id - t.startId]! };
  }
  /** Extra word `k` of type `id` (member k of a struct is words 3k..3k+2). */
  extraWord(id: number, k: number): number {
    if (id >= this.startId && id < this.endId) return this.extra[this.extraStart[id - this.startId]! + k]!;
    return this.owner(id).extraWord(id, k);
  }

  /** Append a type; returns its id. `extraWordsIn` must hold exactly the kind's variable part. */
  add(nameOff: number, info: number, sizeType: number, extraWordsIn?: ArrayLike<number>): number {
    const n = extraWordsIn ? extraWordsIn.length : 0;
    const expect = extraWords(infoKind(info), infoVlen(info));
    if (n !== expect) {
      // The caller built the record wrong: a bug, not bad input.
      throw new BtfkitError(
        ErrorCode.INTERNAL,
        `kind ${infoKind(info)} with vlen ${infoVlen(info)} needs ${expect} extra words, got ${n}`,
      );
    }
    const i = this.appendHeader(nameOff, info, sizeType, n);
    for (let k = 0; k < n; k++) this.extra[this.extraLen + k] = extraWordsIn![k]!;
    this.extraLen += n;
    return this.startId + i;
  }

  /** Room for one more type and `n` extra words (written by the caller from `extraLen`); returns its index. */
  private appendHeader(nameOff: number, info: number, sizeType: number, n: number): number {
    if (this.count === this.info.length) this.growTypes(this.count * 2);
    if (this.extraLen + n > this.extra.length) this.growExtra(Math.max(this.extra.length * 2, this.extraLen + n));
    const i = this.count++;
    this.info[i] = info;
    this.nameOff[i] = nameOff;
    this.sizeType[i] = sizeType;
    this.extraStart[i] = this.extraLen;
    return i;
  }

  /**
   * Append a type whose variable part is the `extraWords(kind, vlen)` words of `src` from `srcStart`: `add` without
   * an array per type, for converters that collect the words in a scratch buffer.
   */
  addFrom(nameOff: number, info: number, sizeType: number, src: Uint32Array, srcStart: number): number {
    const n = extraWords(infoKind(info), infoVlen(info));
    if (srcStart + n > src.length)
      throw new BtfkitError(ErrorCode.INTERNAL, `addFrom: ${n} extra words from ${srcStart}, source has ${src.length}`);
    const i = this.appendHeader(nameOff, info, sizeType, n);
    const x = this.extra;
    const to = this.extraLen;
    for (let k = 0; k < n; k++) x[to + k] = src[srcStart + k]!;
    this.extraLen += n;
    return this.startId + i;
  }

  /** Append a type with a name given as a string. */
  addNamed(
    name: string,
    kind: number,
    vlen: number,
    kflag: boolean,
    sizeType: number,
    extra?: ArrayLike<number>,
  ): number {
    return this.add(name === "" ? 0 : this.strings.intern(name), makeInfo(kind, vlen, kflag), sizeType, extra);
  }

  private growTypes(cap: number): void {
    const g = (a: Uint32Array, b: Uint32Array): Uint32Array => {
      b.set(a.subarray(0, this.count));
      return b;
    };
    this.info = g(this.info, afterZeroWord(cap));
    this.nameOff = g(this.nameOff, afterZeroWord(cap));
    this.sizeType = g(this.sizeType, new Uint32Array(cap));
    this.extraStart = g(this.extraStart, afterZeroWord(cap));
  }
  private growExtra(cap: number): void {
    const b = new Uint32Array(cap);
    b.set(this.extra.subarray(0, this.extraLen));
    this.extra = b;
  }

  /**
   * Size in bytes of a value of type `id`, following typedefs, modifiers, VARs and arrays, as libbpf's
   * btf__resolve_size does (at most 32 steps, its MAX_RESOLVE_DEPTH); pointers take `pointerSize` (the C dump passes
   * its target's). Returns -1 for types without a size (void, FWD, FUNC, FUNC_PROTO), a bad id, or a reference loop.
   */
  resolveSize(id: number, pointerSize: number = this.pointerSize): number {
    let nelems = 1;
    for (let depth = 0; depth < 32; depth++) {
      if (id === 0 || !this.hasId(id)) return -1;
      const kind = this.kind(id);
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.DATASEC:
        case BTF_KIND.FLOAT:
          return this.sizeTypeOf(id) * nelems;
        case BTF_KIND.PTR:
          return pointerSize * nelems;
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.TYPE_TAG:
        case BTF_KIND.VAR:
        case BTF_KIND.DECL_TAG:
          id = this.sizeTypeOf(id);
          break;
        case BTF_KIND.ARRAY:
          nelems *= this.extraWord(id, 2);
          id = this.extraWord(id, 0);
          break;
        case BTF_KIND.UNKN:
        case BTF_KIND.FWD:
        case BTF_KIND.FUNC:
        case BTF_KIND.FUNC_PROTO:
          return -1;
        default:
          exhaustiveKind(kind);
          return -1;
      }
    }
    return -1;
  }

  /**
   * Where type `id` was read from: file, section and the byte offset of its record (of the section, for an id
   * whose record is not in any bytes read). Empty for a table built in memory.
   */
  locate(id: number): ErrorLocation {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let t: Btf | undefined = this;
    while (t && id < t.startId && t.base) t = t.base;
    const src = (t ?? this).source;
    if (!src) return {};
    const i = id - t!.startId;
    // A record read from the blob keeps its variable part in the type section itself, 3 words past the header.
    const offset = i >= 0 && i < src.count && i < t!.count ? src.typesOffset + 4 * (t!.extraStart[i]! - 3) : undefined;
    return { file: src.file, section: src.section, offset, typeId: offset !== undefined ? id : undefined };
  }

  /**
   * `e` with the location it lacks filled in from this table: the record of the type it names, else the table's
   * file and section. Commands pass every error through this, so that a dump, dedup or diff failure names the file.
   */
  locateError(e: unknown): unknown {
    if (!(e instanceof BtfkitError) || e.file !== undefined) return e;
    const where =
      e.typeId !== undefined ? this.locate(e.typeId) : { file: this.source?.file, section: this.source?.section };
    return where.file === undefined && where.section === undefined ? e : e.withLocation(where);
  }

  /**
   * The own types' arrays, read-only (the struct-of-arrays layout described above): own id `startId + i` for
   * `i < arrays.count`. The live arrays, not a copy: valid until the table grows or is released.
   */
  get arrays(): BtfArrays {
    return this;
  }

  /** Own type ids of `kind` named `name`, in id order (a split BTF's base is not searched). */
  findTypes(kind: number, name: string): number[] {
    const ids: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (infoKind(this.info[i]!) === kind && this.strings.get(this.nameOff[i]!) === name) ids.push(this.startId + i);
    }
    return ids;
  }

  /** The first own type of `kind` named `name` (libbpf's btf__find_by_name_kind_own), or -1 when there is none. */
  findType(kind: number, name: string): number {
    for (let i = 0; i < this.count; i++) {
      if (infoKind(this.info[i]!) === kind && this.strings.get(this.nameOff[i]!) === name) return this.startId + i;
    }
    return -1;
  }

  /** Follow typedefs, modifiers and type tags to the underlying type id (0 for void). */
  skipModsAndTypedefs(id: number): number {
    for (let depth = 0; depth < 64 && id !== 0; depth++) {
      const k = this.kind(id);
      if (k === BTF_KIND.TYPEDEF || isModifierKind(k)) {
        id = this.sizeTypeOf(id);
      } else {
        return id;
      }
    }
    return id;
  }
}

/**
 * `cap` words preceded by a zero word of the same buffer: the dedup reads `info`, `nameOff` and `extraStart` of a whole table
 * through a view that starts there, indexed by type id (id 1 at index 1, void's info 0), instead of copying them.
 */
function afterZeroWord(cap: number): Uint32Array {
  return new Uint32Array(cap + 1).subarray(1);
}
