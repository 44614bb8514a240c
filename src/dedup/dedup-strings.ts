import { BtfStrings } from "../btf/strings.js";

/**
 * Builds the deduplicated string section (docs/dedup.md §4): strings are added in the order they are first
 * referenced, each once; strings already in a base table keep their base offset. Interning hashes the bytes in
 * place in the source section and compares them against the output buffer, so no string or view is allocated
 * per reference, and each distinct source offset is interned only once (memo).
 */
export class StringDeduper {
  private readonly src: Uint8Array;
  /** First source offset of this table (offsets below are the base's and stay). */
  readonly srcStart: number;
  /** One past the last source offset. */
  readonly srcEnd: number;
  private readonly base: BtfStrings | undefined;
  /** Source offset (relative) → output offset + 1; 0 when not seen yet. */
  readonly memo: Uint32Array;
  private out: Uint8Array;
  private outLen: number;
  /** Open addressing over output-relative offsets; -1 marks an empty slot. */
  private slots: Int32Array;
  private used = 0;
  /**
   * True while no two distinct source offsets have been mapped to one output offset (no repeated string, no string
   * found in the base, no empty string but at offset 0): then equal source offsets mean equal strings.
   */
  injective = true;

  constructor(src: BtfStrings) {
    this.src = src.bytes;
    this.srcStart = src.startOffset;
    this.srcEnd = src.endOffset;
    this.base = src.base;
    this.memo = new Uint32Array(Math.max(1, this.src.length));
    this.out = new Uint8Array(Math.max(256, this.src.length));
    // A table without a base starts with the empty string at offset 0; a split table starts empty.
    this.outLen = this.base ? 0 : 1;
    let cap = 1024;
    while (cap < this.src.length / 8) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
  }

  /** True if `off` is a valid offset to remap (inside this table, not the base). */
  inRange(off: number): boolean {
    return off < this.srcEnd;
  }

  /** New offset for the string at source offset `off` (0 and base offsets stay). */
  remap(off: number): number {
    if (off === 0 || off < this.srcStart) return off;
    const local = off - this.srcStart;
    const m = this.memo[local]!;
    if (m !== 0) return m - 1;
    const r = this.intern(local);
    this.memo[local] = r + 1;
    return r;
  }

  private intern(local: number): number {
    const src = this.src;
    // FNV-1a over the bytes up to the NUL, measuring the length on the way.
    let h = 0x811c9dc5;
    let end = local;
    const n = src.length;
    while (end < n) {
      const c = src[end]!;
      if (c === 0) break;
      h = Math.imul(h ^ c, 0x01000193);
      end++;
    }
    h ^= h >>> 15;
    const len = end - local;
    if (this.base) {
      const inBase = this.base.findBytes(src.subarray(local, end));
      if (inBase !== undefined) {
        this.injective = false;
        return inBase;
      }
    } else if (len === 0) {
      this.injective = false;
      return 0;
    }
    const out = this.out,
      slots = this.slots;
    const mask = slots.length - 1;
    let s = (h >>> 0) & mask;
    for (;;) {
      const o = slots[s]!;
      if (o < 0) break;
      if (out[o + len] === 0 && o + len < this.outLen) {
        let k = 0;
        while (k < len && out[o + k] === src[local + k]) k++;
        if (k === len) {
          this.injective = false;
          return o + this.srcStart;
        }
      }
      s = (s + 1) & mask;
    }
    // Append.
    const at = this.outLen;
    if (at + len + 1 > this.out.length) {
      let cap = this.out.length * 2;
      while (cap < at + len + 1) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.out.subarray(0, at));
      this.out = nb;
    }
    const o = this.out;
    for (let k = 0; k < len; k++) o[at + k] = src[local + k]!;
    o[at + len] = 0;
    this.outLen = at + len + 1;
    slots[s] = at;
    if (++this.used * 2 > slots.length) this.growSlots();
    return at + this.srcStart;
  }

  private growSlots(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2).fill(-1);
    const mask = slots.length - 1,
      out = this.out;
    for (let i = 0; i < old.length; i++) {
      const o = old[i]!;
      if (o < 0) continue;
      let h = 0x811c9dc5;
      for (let p = o; out[p] !== 0; p++) h = Math.imul(h ^ out[p]!, 0x01000193);
      h ^= h >>> 15;
      let s = (h >>> 0) & mask;
      while (slots[s]! >= 0) s = (s + 1) & mask;
      slots[s] = o;
    }
    this.slots = slots;
  }

  /** The finished string table (continuing the same base as the source). */
  finish(): BtfStrings {
    return new BtfStrings(this.out.slice(0, this.outLen), this.base);
  }
}
