/**
 * Reading `.debug_info` one unit at a time. A vmlinux has 164 MB of `.debug_info` in ~2,000 units; holding only the
 * units in use keeps that out of memory (pahole gets the same from mmap). Each unit is read into a buffer of its
 * own — a "window" — which is reused for a later unit once no cursor reads it any more: allocating a fresh buffer
 * per unit (160 MB of short-lived buffers in all) leaves the C heap fragmented, and ~55 MB of it is never given back.
 */

/** The bytes one cursor reads a unit's DIEs from: `bytes[0]` is the byte at section offset `base`. */
export class UnitWindow {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly base: number;
  /** Cursors currently positioned in this window (see `DieCursor.reset`): its buffer is reused only at zero. */
  users = 0;
  /** The whole buffer `bytes` is the start of (given back to the pool when the window is dropped). */
  readonly storage: Uint8Array;

  constructor(bytes: Uint8Array, base: number, storage: Uint8Array = bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.storage = storage;
  }
}

/** Idle buffers kept for reuse (a unit being converted, the one before, and room for an odd larger one). */
const POOLED_BUFFERS = 4;

/** Fills `dest` with the section's bytes from `start`; returns how many there were. */
export type SectionReader = (start: number, dest: Uint8Array) => number;

/**
 * The windows of recently used units (least recently used dropped first once they hold more than `budget` bytes)
 * and a pool of buffers to read new units into.
 */
export class UnitWindowCache {
  private readonly windows = new Map<number, UnitWindow>();
  private bytes = 0;
  private readonly pool: Uint8Array[] = [];

  constructor(
    private readonly read: SectionReader,
    private readonly budget: number,
  ) {}

  /**
   * The window of the unit at section offset `offset` that is `length` bytes long; read when not cached. Returns
   * fewer bytes than `length` only when the section ends first (the caller reports the truncation).
   */
  get(offset: number, length: number): UnitWindow {
    const hit = this.windows.get(offset);
    if (hit && hit.bytes.length === length) {
      // Most recently used goes last.
      this.windows.delete(offset);
      this.windows.set(offset, hit);
      return hit;
    }
    const storage = this.buffer(length);
    const n = this.read(offset, storage.subarray(0, length));
    const w = new UnitWindow(storage.subarray(0, n), offset, storage);
    if (hit) this.drop(offset, hit);
    this.windows.set(offset, w);
    this.bytes += storage.length;
    for (const [off, old] of this.windows) {
      if (this.bytes <= this.budget || old === w) break;
      this.drop(off, old);
    }
    return w;
  }

  private drop(offset: number, w: UnitWindow): void {
    this.windows.delete(offset);
    this.bytes -= w.storage.length;
    // A window some cursor still reads is left to the garbage collector; an idle one lends its buffer to the next.
    if (w.users === 0) {
      this.pool.push(w.storage);
      if (this.pool.length > POOLED_BUFFERS) this.pool.shift();
    }
  }

  /** A buffer of at least `length` bytes: a pooled one that fits, else a new one sized to a power of two. */
  private buffer(length: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.pool.length; i++) {
      const b = this.pool[i]!;
      if (b.length >= length && (best < 0 || b.length < this.pool[best]!.length)) best = i;
    }
    if (best >= 0) {
      const b = this.pool[best]!;
      this.pool.splice(best, 1);
      return b;
    }
    let size = 64 * 1024;
    while (size < length) size *= 2;
    return new Uint8Array(size);
  }
}
