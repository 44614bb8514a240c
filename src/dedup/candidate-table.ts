/**
 * The dedup table: a multimap from a type's hash key to the ids of canonical types with that key, tried in the
 * same order libbpf tries them.
 *
 * Why the order matters: when several canonical candidates match (FWD resolution, enum-forward redirection), the
 * first one tried wins, so a bit-exact port must reproduce libbpf's candidate order. libbpf's `hashmap` keeps each
 * bucket newest-first (insert at the head) and, when it grows, re-inserts every bucket head to tail into the new
 * buckets, which reverses the relative order of entries that share a key. It grows before an insert when
 * `cap == 0 || (size + 1) * 4 / 3 > cap`, from 4 buckets, doubling. So: per-key lists, prepend on insert, and
 * reverse every list at each growth point. Growth points depend only on the number of entries ever inserted,
 * never on our own table's capacity, so the order (and the output) is deterministic.
 *
 * Entries that share a key but differ in the hashed fields never match each other, so the actual hash function
 * only has to give equal keys to equal fields (docs/dedup.md §11): merging two of libbpf's lists into one of ours
 * keeps the relative order within each, which is all that matching depends on. Splitting one of libbpf's lists is
 * just as safe when the entries split off could never match: STRUCT/UNION keys also hash what every equivalent
 * type shares (`memberShape` in dedup.ts), so shallow-equal structs that the graph walk would reject anyway do not
 * share a list.
 *
 * Layout, chosen so that a lookup touches two cache lines: open addressing over `slots`, two words per slot (the
 * key, and its list's head node + 1, 0 meaning empty); a node pool `nodes`, two words per node (next node + 1,
 * type id). No object per entry. `multiSlots` lists the slots whose list ever held two entries, so a growth point
 * only reverses lists that can change.
 */
export class CandidateTable {
  private slots: Uint32Array;
  private slotMask: number;
  private usedSlots = 0;
  private multiSlots: Int32Array;
  private multiCount = 0;
  private nodes: Uint32Array;
  /** Number of entries (libbpf's `map->sz`). */
  size = 0;
  /** The bucket count libbpf's hashmap would have now: only its growth points matter. */
  private libbpfCap = 0;

  constructor(expectedEntries = 1024) {
    const n = Math.max(1024, expectedEntries);
    let cap = 2048;
    while (cap < n * 2) cap *= 2;
    this.slots = new Uint32Array(2 * cap);
    this.slotMask = cap - 1;
    this.multiSlots = new Int32Array(256);
    this.nodes = new Uint32Array(2 * n);
  }

  /** An independent copy: the same entries, in the same order, with the same growth points ahead. */
  clone(): CandidateTable {
    const c = new CandidateTable(0);
    c.slots = this.slots.slice();
    c.slotMask = this.slotMask;
    c.usedSlots = this.usedSlots;
    c.multiSlots = this.multiSlots.slice();
    c.multiCount = this.multiCount;
    c.nodes = this.nodes.slice();
    c.size = this.size;
    c.libbpfCap = this.libbpfCap;
    return c;
  }

  /** First node of the candidate list for `key`, or -1. Walk on with `next(node)`, read ids with `value(node)`. */
  first(key: number): number {
    const slots = this.slots,
      mask = this.slotMask;
    // mixSlot, inline: a call costs much more than this in the unoptimised code of a first run.
    const m = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
    let s = (m ^ (m >>> 16)) & mask;
    for (;;) {
      const head = slots[2 * s + 1]!;
      if (head === 0) return -1;
      if (slots[2 * s] === key) return head - 1;
      s = (s + 1) & mask;
    }
  }

  next(node: number): number {
    return this.nodes[2 * node]! - 1;
  }

  value(node: number): number {
    return this.nodes[2 * node + 1]!;
  }

  /** Add `id` under `key` (libbpf's `hashmap__append`). */
  add(key: number, id: number): void {
    if (this.libbpfCap === 0 || Math.floor(((this.size + 1) * 4) / 3) > this.libbpfCap) {
      this.libbpfCap = this.libbpfCap === 0 ? 4 : this.libbpfCap * 2;
      this.reverseAll();
    }
    const n = this.size++;
    if (2 * n === this.nodes.length) this.growNodes();
    const nodes = this.nodes,
      slots = this.slots,
      mask = this.slotMask;
    nodes[2 * n + 1] = id;
    const m = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
    let s = (m ^ (m >>> 16)) & mask;
    for (;;) {
      const head = slots[2 * s + 1]!;
      if (head === 0) break;
      if (slots[2 * s] === key) {
        nodes[2 * n] = head;
        slots[2 * s + 1] = n + 1;
        if (nodes[2 * (head - 1)] === 0) this.addMulti(s); // the list had one entry, now two
        return;
      }
      s = (s + 1) & mask;
    }
    nodes[2 * n] = 0;
    slots[2 * s] = key;
    slots[2 * s + 1] = n + 1;
    if (++this.usedSlots * 2 > mask + 1) this.growSlots();
  }

  /** Reverse every per-key list in place (what libbpf's rehash does to same-key entries). */
  private reverseAll(): void {
    const slots = this.slots,
      nodes = this.nodes,
      multi = this.multiSlots;
    for (let i = 0; i < this.multiCount; i++) {
      const s = multi[i]!;
      let node = slots[2 * s + 1]!; // node + 1
      let prev = 0;
      while (node !== 0) {
        const nx = nodes[2 * (node - 1)]!;
        nodes[2 * (node - 1)] = prev;
        prev = node;
        node = nx;
      }
      slots[2 * s + 1] = prev;
    }
  }

  private addMulti(slot: number): void {
    if (this.multiCount === this.multiSlots.length) {
      const m = new Int32Array(this.multiSlots.length * 2);
      m.set(this.multiSlots);
      this.multiSlots = m;
    }
    this.multiSlots[this.multiCount++] = slot;
  }

  private growNodes(): void {
    const nodes = new Uint32Array(this.nodes.length * 2);
    nodes.set(this.nodes);
    this.nodes = nodes;
  }

  /** Double the slots; slot numbers change, so the list of multi-entry slots is rebuilt too. */
  private growSlots(): void {
    const old = this.slots;
    const cap = 2 * (this.slotMask + 1);
    const slots = new Uint32Array(2 * cap);
    const mask = cap - 1;
    const nodes = this.nodes;
    this.multiCount = 0;
    for (let o = 0; o < old.length; o += 2) {
      const head = old[o + 1]!;
      if (head === 0) continue;
      let s = mixSlot(old[o]!) & mask;
      while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      slots[2 * s] = old[o]!;
      slots[2 * s + 1] = head;
      if (nodes[2 * (head - 1)] !== 0) this.addMulti(s);
    }
    this.slots = slots;
    this.slotMask = mask;
  }
}

/** Spread a key over the slots (keys are already hashes, but cheap mixing keeps linear probing short). */
function mixSlot(key: number): number {
  const h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
