/**
 * BTF deduplication, equivalent to libbpf's `btf__dedup` (see `docs/dedup.md`, which this follows section by
 * section).
 *
 * Passes, in order:
 *   0. split BTF only: every base type except VAR/DATASEC is hashed into the candidate table;
 *   1. strings: every string reference of the own types is re-interned, in type id order, into a fresh string
 *      section (first-reference order; strings that exist in a base keep the base offset);
 *   2. primitive kinds (INT, FLOAT, FWD, ENUM, ENUM64): exact match, plus enum forward ↔ full enum;
 *   3. STRUCT, UNION and TYPEDEF: graph equivalence with a hypothetical map, resolving FWDs on the way;
 *   4. stand-alone FWDs resolved by unambiguous name;
 *   5. reference kinds (PTR, modifiers, FUNC, TYPE_TAG, DECL_TAG, ARRAY, FUNC_PROTO): ids resolved first, then
 *      exact match;
 *   6. compaction: the own types that are their own representative keep their relative order and are numbered
 *      from the first own id;
 *   7. every type-id field of the kept types is remapped.
 *
 * Output order: the surviving types in their input order (a canonical type is always the first of its
 * equivalence class that was processed), then the string section in first-reference order. The result depends
 * only on the input: candidate order reproduces libbpf's hashmap (see `candidate-table.ts`) and nothing depends
 * on timing or table capacities.
 *
 * One deliberate difference from libbpf ≥1.6: the "identical types" check used when one compilation unit holds
 * two ids for one type compares the element and index types of BOTH arrays (libbpf compares the first array with
 * itself and merges structs whose arrays differ only in element type).
 *
 * Data layout: all type records (base and own) are copied into one id-indexed array of four words per type
 * (info, name, size/type, extra start: one cache line per type) and their variable parts packed into `extra`; the
 * canonical and hypothetical maps are interleaved likewise. The own records' name and size/type words are rewritten
 * in place (strings, resolved references); the variable parts of a whole (non-split) input are read from its own
 * pool, copied only when their names must be rewritten (see `dedupStrings`), and their type ids are resolved
 * where they are read rather than rewritten. The input `Btf` is never modified. Recursive walks (graph
 * equivalence, reference resolution) use explicit stacks, so deep type graphs cannot overflow the JS stack; the
 * identical-types check recurses at most 16 deep. Shortcuts that libbpf does not take, all exact (the output does
 * not change): pairs that already resolve to one type or are already in the hypothetical map are not pushed on
 * the walk's stack; STRUCT/UNION hash keys include the shape of the member types (`memberShape`), so structs the
 * walk would reject rarely meet; and `surelyNotEquiv` rejects shallow-equal structs whose members differ in
 * name/kind/INT a few pointers deep without the full walk (`checkShortcuts` verifies it in tests).
 *
 * Measured (bench/dedup.mjs, CPU time, side by side with libbpf 1.1.2 on a shared 2-core machine): byte-identical
 * to libbpf on the running 6.18 kernel's BTF, that BTF appended to (a shuffled copy of) itself, Debian 6.1's
 * vmlinux and module BTF, and the undeduplicated Debian 6.1 BTF (3.4 million types). Warm medians: 6.18 + itself
 * 0.6-0.8x libbpf's, Debian + shuffled copy 0.8-1.3x, undeduplicated Debian 0.75-0.85x; the first run in a fresh
 * process: 2.1-2.2x, 2.7-4x and 0.95-1.1x (V8 compiles the passes while they run). Peak RSS (load included) is
 * 60-70 MiB above libbpf's on the small inputs (Node itself) and ~100 MiB above on the 3.4 million types (most of
 * it the loaded input).
 *
 * Two costs shape the code beyond the algorithm. Fresh memory: every page is faulted in (~3 ms per MB on a virtual
 * machine), so a whole input's arrays are read in place (views, see the constructor) rather than copied. And the
 * first run: V8 optimises each pass while it runs, with the type feedback gathered so far, and discards that code
 * the first time it reaches an operation that never ran; so loops are table-driven or take the same operations for
 * every kind (bit masks rather than chains of comparisons), one function per loop and per pass, and the values in
 * typed arrays stay below 2^31 (signed info words, negative sentinels), which V8 keeps as small integers.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Btf } from "../btf/btf.js";
import type { BtfStrings } from "../btf/strings.js";
import {
  BTF_KIND,
  BTF_KIND_MAX,
  extraWords,
  infoKind,
  KIND_ID_FIRST,
  KIND_ID_FIXED,
  KIND_ID_STEP,
  KIND_NAME_STEP,
  kindHasTypeRef,
  kindName,
} from "../btf/kinds.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { CandidateTable } from "./candidate-table.js";
import { StringDeduper } from "./dedup-strings.js";

export interface DedupOptions {
  /**
   * Let the dedup take over the input table's arrays instead of copying them: its variable parts are edited in place
   * (string offsets rewritten) and its arrays are released as soon as they have been read, so that a converted
   * kernel (3.4 million types, ~140 MB) is not held twice. The input is left empty (count 0): use this only for a
   * table nothing else will read again, such as the one `encode` has just merged.
   */
  consumeInput?: boolean;
  /** Give every type the same hash key, so that only the exact comparisons decide (for tests). */
  forceCollisions?: boolean;
  /**
   * Also run the full graph walk where the cheap pre-check already answered "not equivalent", and throw if they
   * disagree (for tests; slower).
   */
  checkShortcuts?: boolean;
  /**
   * Collect the per-pass report (`DedupResult.passes`): CPU time and a census of the own types per kind after each
   * pass (one scan of the canonical map per pass), and, for split BTF, the own types folded into the base. The
   * counters of comparisons are plain integer increments and are always kept; this adds only the scans.
   */
  collectStats?: boolean;
}

export const DedupStatsSchema = Type.Object(
  {
    split: Type.Boolean({ description: "true when the input was split BTF deduplicated against a base" }),
    typesIn: Type.Integer({ description: "own types in the input" }),
    typesOut: Type.Integer({ description: "own types in the output" }),
    stringBytesIn: Type.Integer({ description: "size of the input's own string section in bytes" }),
    stringBytesOut: Type.Integer({ description: "size of the output's own string section in bytes" }),
    ms: Type.Number({ description: "wall time of the whole dedup in milliseconds" }),
    passMs: Type.Object(
      {
        prepare: Type.Number(),
        strings: Type.Number(),
        primitives: Type.Number(),
        structs: Type.Number(),
        fwds: Type.Number(),
        references: Type.Number(),
        compact: Type.Number(),
      },
      { description: "wall time of each pass in milliseconds" },
    ),
  },
  { $id: "btfkit/dedup-stats", additionalProperties: false },
);
export type DedupStats = Static<typeof DedupStatsSchema>;

/** Type counts by kind name (`"STRUCT": 12`); kinds with no type are left out. */
export const KindCountsSchema = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));
export type KindCounts = Static<typeof KindCountsSchema>;

export const DEDUP_PASS_NAMES = [
  "base",
  "strings",
  "primitives",
  "structs",
  "fwds",
  "references",
  "compaction",
] as const;
export type DedupPassName = (typeof DEDUP_PASS_NAMES)[number];

const count = (description: string) => Type.Optional(Type.Integer({ minimum: 0, description }));

/**
 * One pass of the dedup as `btfkit dedup --stats --json` reports it. `typesIn`/`typesOut` count, per kind, the own
 * types not merged into another type at the start/end of the pass (types a later pass decides on are counted as
 * not merged yet), so `typesIn[k] = typesOut[k] + merged[k]` and each pass's `typesOut` is the next one's `typesIn`.
 * A pass can merge kinds it does not own: the struct pass resolves FWDs, the primitive pass redirects enum forwards.
 */
export const DedupPassSchema = Type.Object(
  {
    name: Type.Union(DEDUP_PASS_NAMES.map((n) => Type.Literal(n))),
    wallMs: Type.Number({ minimum: 0 }),
    cpuMs: Type.Number({ minimum: 0, description: "user + system time of the whole process (GC threads included)" }),
    typesIn: KindCountsSchema,
    typesOut: KindCountsSchema,
    merged: KindCountsSchema,
    candidatesCompared: count("candidates taken from the hash table's chain and compared"),
    hashCollisions: count(
      "candidates with the same hash key whose hashed fields differ (rejected by the first comparison; btfkit's " +
        "hash is not libbpf's, so this is btfkit's figure)",
    ),
    enumForwardsRedirected: count("canonical forward enums redirected to a full enum of the same name"),
    precheckRejected: count("shallow-equal candidates rejected by the cheap pre-check without a graph walk"),
    equivalenceChecks: count("graph equivalence walks"),
    equivalenceFailed: count("graph equivalence walks that found a difference"),
    baseFwdRefusals: count("equivalent graphs not merged because a base FWD would have to resolve to an own struct"),
    fwdsPending: count("own FWDs still unresolved before the pass"),
    fwdsResolved: count("FWDs resolved to the one STRUCT/UNION of their name"),
    fwdsAmbiguous: count("FWDs left alone because two canonical structs/unions share their name"),
    fwdsWithoutDefinition: count("FWDs left alone because no STRUCT/UNION has their name"),
    fwdsKindMismatch: count("FWDs left alone because the type of their name is a union for a struct FWD or vice versa"),
    stringBytesIn: count("own string section bytes before"),
    stringBytesOut: count("own string section bytes after"),
  },
  { additionalProperties: false },
);
export type DedupPass = Static<typeof DedupPassSchema>;

export interface DedupResult {
  /** The deduplicated BTF: a new table (split on the same base when the input was split). */
  btf: Btf;
  /** For every input type id (base ids included), its id in the output. */
  idMap: Uint32Array;
  stats: DedupStats;
  /** With `collectStats`: the passes in order (`base` only for split BTF). */
  passes?: DedupPass[];
  /** With `collectStats` on split BTF: own input types whose representative is a base type, per kind. */
  foldedIntoBase?: KindCounts;
}

/**
 * Sentinels of the canonical and hypothetical maps: negative, as the maps are Int32Arrays (type ids are below 2^31,
 * libbpf's BTF_MAX_NR_TYPES). V8 keeps signed 32-bit values as small integers, whereas a Uint32Array element of
 * 2^31 or more is a heap number: a boxed value per read in unoptimised code, and a recompile of optimised code.
 */
const UNPROCESSED = -1;
const IN_PROGRESS = -2;
/** Depth bound of the identical-types check (libbpf ≥1.6). */
const IDENTICAL_DEPTH = 16;

const K = BTF_KIND;
// The kinds as module constants: unoptimised code (most of a first run in a process, before V8 has optimised the
// passes) compares against these without a property lookup per \`case\`.
const K_ARRAY = K.ARRAY;
const K_CONST = K.CONST;
const K_DATASEC = K.DATASEC;
const K_DECL_TAG = K.DECL_TAG;
const K_ENUM = K.ENUM;
const K_ENUM64 = K.ENUM64;
const K_FLOAT = K.FLOAT;
const K_FUNC = K.FUNC;
const K_FUNC_PROTO = K.FUNC_PROTO;
const K_FWD = K.FWD;
const K_INT = K.INT;
const K_PTR = K.PTR;
const K_RESTRICT = K.RESTRICT;
const K_STRUCT = K.STRUCT;
const K_TYPEDEF = K.TYPEDEF;
const K_TYPE_TAG = K.TYPE_TAG;
const K_UNION = K.UNION;
const K_UNKN = K.UNKN;
const K_VAR = K.VAR;
const K_VOLATILE = K.VOLATILE;
/** ENUM and ENUM64 as bits of a kind mask. */
const ENUM_KINDS = (1 << K_ENUM) | (1 << K_ENUM64);
/** The kinds of the primitive pass. */
const PRIMITIVE_KINDS = (1 << K_INT) | (1 << K_FWD) | (1 << K_FLOAT) | ENUM_KINDS;

/** Deduplicate `btf` (split BTF against its base). Returns a new table; the input is not modified. */
export function dedupBtf(btf: Btf, opts: DedupOptions = {}): DedupResult {
  const t0 = performance.now();
  const typesIn = btf.count;
  const stringBytesIn = btf.strings.byteLength;
  const d = new Deduper(btf, opts.forceCollisions === true, opts.checkShortcuts === true, opts.consumeInput === true);
  const passMs = { prepare: 0, strings: 0, primitives: 0, structs: 0, fwds: 0, references: 0, compact: 0 };
  const collect = opts.collectStats === true;
  const passes: DedupPass[] = [];
  let t = t0;
  let cpu = collect ? process.cpuUsage() : undefined;
  let census = collect ? d.census() : undefined;
  const lap = (name: DedupPassName, extra?: Partial<DedupPass>): number => {
    const now = performance.now();
    const dt = now - t;
    t = now;
    if (collect && census && cpu) {
      const c = process.cpuUsage(cpu);
      const after = d.census();
      const pass: DedupPass = {
        name,
        wallMs: dt,
        cpuMs: (c.user + c.system) / 1000,
        typesIn: byKindName(census),
        typesOut: byKindName(after),
        merged: byKindName(census.map((v, k) => v - after[k]!)),
        ...extra,
      };
      if (name !== "base" || d.isSplit) passes.push(pass);
      census = after;
      // The census scans are not part of the next pass's figures.
      cpu = process.cpuUsage();
      t = performance.now();
    }
    return dt;
  };
  const c = d.counts;
  d.prepareBase();
  passMs.prepare = lap("base");
  const strings = d.dedupStrings();
  passMs.strings = lap("strings", { stringBytesIn, stringBytesOut: strings.byteLength });
  d.dedupPrimitives();
  passMs.primitives = lap("primitives", {
    candidatesCompared: c.primCompared,
    hashCollisions: c.primCollisions,
    enumForwardsRedirected: c.enumFwdRedirects,
  });
  d.dedupStructs();
  passMs.structs = lap("structs", {
    candidatesCompared: c.structCompared,
    hashCollisions: c.structCollisions,
    precheckRejected: c.precheckRejected,
    equivalenceChecks: c.equivChecks,
    equivalenceFailed: c.equivFailed,
    baseFwdRefusals: c.baseFwdRefusals,
  });
  d.resolveFwds();
  passMs.fwds = lap("fwds", {
    fwdsPending: c.fwdPending,
    fwdsResolved: c.fwdResolved,
    fwdsAmbiguous: c.fwdAmbiguous,
    fwdsWithoutDefinition: c.fwdNoMatch,
    fwdsKindMismatch: c.fwdKindMismatch,
  });
  d.dedupReferences();
  passMs.references = lap("references", { candidatesCompared: c.refCompared, hashCollisions: c.refCollisions });
  const folded = collect && d.isSplit ? byKindName(d.foldedIntoBase()) : undefined;
  const { out, idMap } = d.compactAndRemap(strings);
  passMs.compact = performance.now() - t;
  if (collect && census && cpu) {
    // Compaction keeps exactly the types not merged: its census is the output's kinds, counted on the output.
    const kept = new Float64Array(KIND_SLOTS);
    for (let i = 0; i < out.count; i++) kept[infoKind(out.info[i]!)]!++;
    const cu = process.cpuUsage(cpu);
    passes.push({
      name: "compaction",
      wallMs: passMs.compact,
      cpuMs: (cu.user + cu.system) / 1000,
      typesIn: byKindName(census),
      typesOut: byKindName(kept),
      merged: byKindName(census.map((v, k) => v - kept[k]!)),
    });
  }
  const ms = performance.now() - t0;
  const result: DedupResult = {
    btf: out,
    idMap,
    stats: {
      split: btf.base !== undefined,
      typesIn,
      typesOut: out.count,
      stringBytesIn,
      stringBytesOut: out.strings.byteLength,
      ms,
      passMs,
    },
  };
  if (collect) result.passes = passes;
  if (folded) result.foldedIntoBase = folded;
  return result;
}

/** One slot per BTF kind (0..BTF_KIND_MAX) and one for anything unknown. */
const KIND_SLOTS = BTF_KIND_MAX + 2;

/** Kind counts as `{ "STRUCT": n, … }`, in kind order, zero counts left out. */
function byKindName(counts: ArrayLike<number>): KindCounts {
  const r: KindCounts = {};
  for (let k = 0; k < counts.length; k++)
    if (counts[k]! !== 0) r[k <= BTF_KIND_MAX ? kindName(k) : "UNKNOWN"] = counts[k]!;
  return r;
}

/**
 * Counters of the comparisons each pass makes, for `--stats`. Plain integer increments on a fixed-shape object,
 * mostly added once per pass from locals: always on, so the normal path takes no branch for them.
 */
interface DedupCounters {
  primCompared: number;
  primCollisions: number;
  enumFwdRedirects: number;
  structCompared: number;
  structCollisions: number;
  precheckRejected: number;
  equivChecks: number;
  equivFailed: number;
  baseFwdRefusals: number;
  fwdPending: number;
  fwdResolved: number;
  fwdAmbiguous: number;
  fwdNoMatch: number;
  fwdKindMismatch: number;
  refCompared: number;
  refCollisions: number;
}

/**
 * What dedup pass 0 makes of a base: its records as the dedup lays them out (id-indexed, variable parts packed) and
 * its candidate table. It depends on the base alone (not on the split, not on timing), so a process that dedups one
 * split after another on the same base (btfkit-pahole's encode service) can start each from a copy.
 */
interface PreparedBase {
  ti: Int32Array;
  tn: Uint32Array;
  ts: Uint32Array;
  tx: Uint32Array;
  extra: Uint32Array;
  table: CandidateTable;
}
/** Bases prepared so far, once keepPreparedBases() was called; undefined otherwise (a one-shot run keeps nothing). */
let preparedBases: WeakMap<Btf, PreparedBase> | undefined;

/**
 * Keep each base's dedup preparation (its records and hashed candidate table) for later dedups of split BTF on the
 * same base `Btf` object: the output is unchanged, only the time to hash a kernel's base (~100k types) is saved.
 */
export function keepPreparedBases(): void {
  preparedBases ??= new WeakMap();
}

class Deduper {
  private readonly input: Btf;
  private readonly force: boolean;
  private readonly checkShortcuts: boolean;
  /** First own id; ids below are base types (read-only). */
  private readonly ownStart: number;
  /** One past the last id. */
  private readonly n: number;
  /**
   * Id-indexed type records (index 0 is void: all zero): `ti[id]` the info word, `tn[id]` the name offset, `ts[id]`
   * the size/type word, `tx[id]` where its variable part starts in `extra`. When the dedup consumes a whole table
   * these are the input's own arrays, moved up one slot, so a converted kernel's records are not held twice.
   * The info words are read as signed integers: V8 keeps those as small integers, whereas a Uint32Array element
   * with the top bit set (kind_flag: bitfield structs, FWD unions, signed enums) is a heap number, and its first
   * appearance in an optimised loop throws that code away.
   */
  private readonly ti: Int32Array;
  private tn: Uint32Array;
  private readonly ts: Uint32Array;
  private readonly tx: Uint32Array;
  private extra: Uint32Array;
  /**
   * False while `extra` and `tn` are the input's own pool and name words, which must not be written (the input is
   * left unchanged); true once they are copies or were handed over (`consumeInput`).
   */
  private ownsExtra: boolean;
  /**
   * Whether the names in `tn` and `extra` are offsets into the output's string section (rewritten by
   * `dedupStrings`) rather than the input's (see there).
   */
  private namesRemapped = false;
  /** The string pass's deduper: its memo still maps input offsets at compaction. */
  private strings: StringDeduper | undefined;
  /**
   * The canonical map (`mh[2 * id]`) and the hypothetical map (`mh[2 * id + 1]`, canonical id → candidate id),
   * interleaved: the graph walk reads both for the same canonical id.
   */
  private readonly mh: Int32Array;
  /** The list of the set entries of the hypothetical map. */
  private hypotList: Uint32Array;
  private hypotCnt = 0;
  private hypotAdjustCanon = false;
  /** Explicit stack of (candidate, canonical) pairs for the graph walk. */
  private eqStack: Uint32Array;
  private table: CandidateTable;
  /** The base's records and candidate table from an earlier dedup on the same base (see keepPreparedBases). */
  private prepared: PreparedBase | undefined;
  /** Whether this dedup may store its base preparation for the next one. */
  private readonly mayKeepBase: boolean;
  /** Where the base's variable parts end in `extra` (split input copied from its chain). */
  private baseExtraEnd = 0;
  readonly counts: DedupCounters = {
    primCompared: 0,
    primCollisions: 0,
    enumFwdRedirects: 0,
    structCompared: 0,
    structCollisions: 0,
    precheckRejected: 0,
    equivChecks: 0,
    equivFailed: 0,
    baseFwdRefusals: 0,
    fwdPending: 0,
    fwdResolved: 0,
    fwdAmbiguous: 0,
    fwdNoMatch: 0,
    fwdKindMismatch: 0,
    refCompared: 0,
    refCollisions: 0,
  };

  constructor(btf: Btf, force: boolean, checkShortcuts: boolean, consume: boolean) {
    this.input = btf;
    this.force = force;
    this.checkShortcuts = checkShortcuts;
    this.ownStart = btf.startId;
    const n = (this.n = btf.endId);
    const chain: Btf[] = [];
    for (let b: Btf | undefined = btf; b; b = b.base) chain.unshift(b);
    const c = btf.count;
    // The setup is split into one small function per loop: a one-shot constructor holding every loop would be
    // optimised loop by loop (on-stack replacement) and thrown away at each next loop for want of type feedback.
    if (
      consume &&
      chain.length === 1 &&
      Math.min(btf.info.length, btf.nameOff.length, btf.sizeType.length, btf.extraStart.length) > c
    ) {
      // A whole (non-split) table given to us with room for one more record: its arrays become the id-indexed ones
      // by moving every record up one slot (id 1 was at index 0), and its pool of variable parts is used where it
      // is, gaps and all.
      const own = [btf.info, btf.nameOff, btf.sizeType, btf.extraStart].map((a) => {
        a.copyWithin(1, 0, c);
        a[0] = 0;
        return a.subarray(0, c + 1);
      });
      [this.tn, this.ts, this.tx] = own.slice(1) as [Uint32Array, Uint32Array, Uint32Array];
      this.ti = asInt32(own[0]!);
      this.extra = btf.extra;
      this.ownsExtra = true;
    } else if (chain.length === 1) {
      // A whole table that stays the caller's: its records are copied (their name and size/type words are
      // rewritten), but its pool of variable parts is read where it is. Fresh memory is expensive (every page is
      // faulted in, ~3 ms per MB on a virtual machine), and the pool of a converted kernel is 130 MB: it is copied
      // only if string dedup must rewrite member names (see `dedupStrings`); resolved reference ids are never
      // written into it (see `dedupReferences`).
      // The info and extra-start words are only read: seen through a view where the table allows one.
      this.ti = asInt32(idView(btf.info, c) ?? shiftedCopy(btf.info, c));
      this.tx = idView(btf.extraStart, c) ?? shiftedCopy(btf.extraStart, c);
      this.tn = idView(btf.nameOff, c) ?? shiftedCopy(btf.nameOff, c);
      this.ts = shiftedCopy(btf.sizeType, c);
      this.extra = btf.extra;
      this.ownsExtra = false;
    } else {
      // Copies of the records of every table in the base chain and of `btf` itself. Only the variable parts are
      // copied, packed in id order: a table read from a file has its whole type section (headers included) as its
      // extra pool, a third more than the variable parts of a typical kernel.
      const ti = (this.ti = new Int32Array(n));
      const tn = (this.tn = new Uint32Array(n));
      const ts = (this.ts = new Uint32Array(n));
      const tx = (this.tx = new Uint32Array(n));
      // A base prepared by an earlier dedup (a service encoding module after module): its records are copied from
      // there, and only the split's are read from the table.
      const prep = chain.length === 2 && !force ? preparedBases?.get(chain[0]!) : undefined;
      const copied = prep ? chain.slice(1) : chain;
      let extraTotal = prep ? prep.extra.length : 0;
      for (const b of copied) extraTotal += extraSize(b);
      const ex = (this.extra = new Uint32Array(extraTotal));
      this.ownsExtra = true;
      let e = 0;
      if (prep) {
        ti.set(prep.ti);
        tn.set(prep.tn);
        ts.set(prep.ts);
        tx.set(prep.tx);
        ex.set(prep.extra);
        e = prep.extra.length;
        this.prepared = prep;
      }
      for (const b of copied) {
        if (b === btf) this.baseExtraEnd = e;
        e = copyRecords(b, ti, tn, ts, tx, ex, e);
      }
    }
    if (consume) btf.release();
    this.mayKeepBase = preparedBases !== undefined && chain.length === 2 && !force && this.prepared === undefined;
    this.checkReferences();
    this.mh = initialMaps(this.ti, n);
    this.hypotList = new Uint32Array(1024);
    this.eqStack = new Uint32Array(2048);
    // Only canonical types enter the table: not sized for the input (a converted kernel's 3.4 million types dedup to
    // 100k), but for half of it up to a kernel's worth, so that a kernel's dedup does not grow it (each growth
    // rehashes every entry).
    this.table = new CandidateTable(Math.min(n >>> 1, 1 << 17));
  }

  get isSplit(): boolean {
    return this.ownStart > 1;
  }

  /** Own types per kind that are not merged into another type (canonical, or not decided yet). */
  census(): Float64Array {
    const { ti, mh } = this;
    const c = new Float64Array(KIND_SLOTS);
    for (let id = this.ownStart; id < this.n; id++) {
      const m = mh[2 * id]!;
      if (m < 0 || m === id) c[Math.min((ti[id]! >>> 24) & 0x1f, KIND_SLOTS - 1)]!++;
    }
    return c;
  }

  /** Own types per kind whose representative is a base type (after the reference pass). */
  foldedIntoBase(): Float64Array {
    const c = new Float64Array(KIND_SLOTS);
    for (let id = this.ownStart; id < this.n; id++) {
      if (this.resolve(id) < this.ownStart) c[Math.min((this.ti[id]! >>> 24) & 0x1f, KIND_SLOTS - 1)]!++;
    }
    return c;
  }

  private fail(reason: string, typeId: number): never {
    throw new BtfkitError(ErrorCode.BTF_INVALID, `dedup: ${reason}`, { typeId });
  }

  /**
   * Every type id an own type refers to must exist (later passes index arrays with them unchecked), and VAR,
   * DATASEC and DECL_TAG may only be referenced from DATASEC entries and DECL_TAG targets: the kernel rejects
   * anything else, and libbpf's graph walk fails with EINVAL when it meets one, so such input is rejected up front
   * (which also keeps `surelyNotEquiv` exact). One pass; target kinds are read from a byte per id.
   */
  private checkReferences(): void {
    const { ti, ts, tx, extra, n } = this;
    // 1 for the kinds nothing but DATASEC/DECL_TAG may point at.
    const leaf = leafKinds(ti, n);
    // Table-driven (kinds.ts's layout arrays) rather than a switch on the kind: every record takes the same code,
    // so the loop is optimised once instead of again at each kind it meets for the first time.
    for (let id = this.ownStart; id < n; id++) {
      const inf = ti[id]!;
      const kind = (inf >>> 24) & 0x1f;
      if (kind === K_UNKN || kind > BTF_KIND_MAX) this.fail(`unknown kind ${kind}`, id);
      // DATASEC entries and DECL_TAG targets may be VAR, DATASEC or DECL_TAG.
      const mask = kind === K_DATASEC || kind === K_DECL_TAG ? 0 : 1;
      let bad = -1;
      if (kindHasTypeRef(kind)) {
        const t = ts[id]!;
        if (t >= n || (leaf[t]! & mask) !== 0) bad = t;
      }
      const first = KIND_ID_FIRST[kind]!;
      if (first >= 0) {
        const fixed = KIND_ID_FIXED[kind]!;
        const cnt = fixed !== 0 ? fixed : inf & 0xffff,
          step = KIND_ID_STEP[kind]!,
          x = tx[id]! + first;
        for (let k = 0; k < cnt; k++) {
          const t = extra[x + k * step]!;
          if (t >= n || (leaf[t]! & mask) !== 0) bad = t;
        }
      }
      if (bad >= 0) this.badReference(id, bad);
    }
  }

  private badReference(id: number, bad: number): never {
    if (bad >= this.n)
      throw new BtfkitError(ErrorCode.CORRUPT, `references type id ${bad}, past the last type ${this.n - 1}`, {
        typeId: id,
      });
    const kind = (this.ti[id]! >>> 24) & 0x1f;
    const bk = kindName((this.ti[bad]! >>> 24) & 0x1f);
    throw new BtfkitError(ErrorCode.BTF_INVALID, `${kindName(kind)} refers to ${bk} [${bad}]`, { typeId: id });
  }

  // ---------------------------------------------------------------- hashing and comparisons

  /**
   * Hash key of a type over exactly the fields its equality check compares (docs/dedup.md §3). Any function of
   * those fields works (see candidate-table.ts); this one mixes 32-bit words. One function per pass (primitives,
   * structs, references): each is optimised for the kinds its pass meets, and not thrown away when the next pass
   * reaches a branch it never took.
   */
  private hashOf(id: number): number {
    switch ((this.ti[id]! >>> 24) & 0x1f) {
      case K_INT:
      case K_FWD:
      case K_FLOAT:
      case K_ENUM:
      case K_ENUM64:
        return this.hashPrimitive(id);
      case K_STRUCT:
      case K_UNION:
      case K_TYPEDEF:
        return this.hashStruct(id);
      default:
        return this.hashReference(id);
    }
  }

  /** INT, FWD, FLOAT, ENUM, ENUM64. */
  private hashPrimitive(id: number): number {
    if (this.force) return 0;
    const inf = this.ti[id]!;
    const kind = (inf >>> 24) & 0x1f;
    const h = mix(0x2545f491, this.tn[id]!);
    // Name only for enums: forward enums, enums and enum64s of one name must share a chain.
    if (kind === K_ENUM || kind === K_ENUM64) return fin(h);
    if (kind === K_INT) return fin(mix(mix(mix(h, inf), this.ts[id]!), this.extra[this.tx[id]!]!));
    return fin(mix(mix(h, inf), this.ts[id]!));
  }

  /** STRUCT, UNION, TYPEDEF. */
  private hashStruct(id: number): number {
    if (this.force) return 0;
    const inf = this.ti[id]!;
    let h = mix(0x2545f491, this.tn[id]!);
    if (((inf >>> 24) & 0x1f) === K_TYPEDEF) return fin(mix(h, inf));
    h = mix(mix(h, inf), this.ts[id]!);
    const x = this.tx[id]!,
      vlen = inf & 0xffff,
      ex = this.extra;
    for (let k = 0; k < vlen; k++)
      h = mix(mix(mix(h, ex[x + 3 * k]!), ex[x + 3 * k + 2]!), this.memberShape(ex[x + 3 * k + 1]!));
    return fin(h);
  }

  /**
   * PTR, CONST, VOLATILE, RESTRICT, FUNC, TYPE_TAG, DECL_TAG, ARRAY, FUNC_PROTO. Hashed in the reference pass, whose
   * resolved ids are not written into the variable parts (`refField`).
   */
  private hashReference(id: number): number {
    if (this.force) return 0;
    const inf = this.ti[id]!;
    const kind = (inf >>> 24) & 0x1f;
    const h = mix(mix(mix(0x2545f491, this.tn[id]!), inf), this.ts[id]!);
    const x = this.tx[id]!,
      ex = this.extra;
    if (kind === K_DECL_TAG) return fin(mix(h, ex[x]!));
    if (kind === K_ARRAY) return fin(mix(mix(mix(h, this.resolve(ex[x]!)), this.resolve(ex[x + 1]!)), ex[x + 2]!));
    if (kind !== K_FUNC_PROTO) return fin(h);
    const vlen = inf & 0xffff;
    let hp = h;
    for (let k = 0; k < vlen; k++) hp = mix(mix(hp, ex[x + 2 * k]!), this.resolve(ex[x + 2 * k + 1]!));
    return fin(hp);
  }

  /**
   * What every type equivalent to member type `t` shares with it: the name and kind class (FWD, STRUCT and UNION
   * are one class, ENUM and ENUM64 another) of `t` and of the types it leads to through pointers, modifiers and
   * typedefs (a few steps). The graph walk only accepts a pair of types with equal names and kinds in the same
   * class, and for those kinds equal info and again acceptable targets (already-merged types, identical types and
   * FWD resolution all keep name and class), so structs that differ here are never equivalent. Hashing it keeps
   * shallow-equal structs with different member types (hundreds of `{ event; handler }` unions in a kernel) out
   * of each other's candidate lists; lists only lose candidates the walk would reject, so the output is the same.
   */
  private memberShape(t: number): number {
    const ti = this.ti,
      tn = this.tn,
      ts = this.ts,
      n = this.n;
    let h = 0;
    for (let step = 0; step < 4 && t < n; step++) {
      const k = (ti[t]! >>> 24) & 0x1f;
      const cls = k === K_FWD || k === K_UNION ? K_STRUCT : k === K_ENUM64 ? K_ENUM : k;
      h = mix(mix(h, tn[t]!), cls);
      if (k !== K_PTR && k !== K_CONST && k !== K_VOLATILE && k !== K_RESTRICT && k !== K_TYPEDEF && k !== K_TYPE_TAG)
        break;
      t = ts[t]!;
    }
    return h;
  }

  private equalCommon(a: number, b: number): boolean {
    return this.tn[a] === this.tn[b] && this.ti[a] === this.ti[b] && this.ts[a] === this.ts[b];
  }

  /** INT and DECL_TAG: common fields plus the one extra word. */
  private equalIntTag(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.extra[this.tx[a]!] === this.extra[this.tx[b]!];
  }

  /** ENUM/ENUM64 with identical common fields and (name, value) lists. */
  private equalEnum(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const inf = this.ti[a]!;
    const words = extraWords((inf >>> 24) & 0x1f, inf & 0xffff);
    return this.equalExtra(a, b, words);
  }

  private equalExtra(a: number, b: number, words: number): boolean {
    const ex = this.extra,
      xa = this.tx[a]!,
      xb = this.tx[b]!;
    for (let k = 0; k < words; k++) if (ex[xa + k] !== ex[xb + k]) return false;
    return true;
  }

  /**
   * ARRAY (element, index, nelems) or FUNC_PROTO (parameter names and types) variable parts equal, type ids compared
   * through the canonical map (see `refField`); the info words are equal.
   */
  private equalRefs(a: number, b: number): boolean {
    const ex = this.extra,
      xa = this.tx[a]!,
      xb = this.tx[b]!;
    const inf = this.ti[a]!;
    if (((inf >>> 24) & 0x1f) === K_ARRAY) {
      return (
        ex[xa + 2] === ex[xb + 2] &&
        this.resolve(ex[xa]!) === this.resolve(ex[xb]!) &&
        this.resolve(ex[xa + 1]!) === this.resolve(ex[xb + 1]!)
      );
    }
    const vlen = inf & 0xffff;
    for (let k = 0; k < vlen; k++) {
      if (ex[xa + 2 * k] !== ex[xb + 2 * k]) return false;
      const ta = ex[xa + 2 * k + 1]!,
        tb = ex[xb + 2 * k + 1]!;
      if (ta !== tb && this.resolve(ta) !== this.resolve(tb)) return false;
    }
    return true;
  }

  /**
   * Equal, or one side is a forward enum with the same name (size and ENUM/ENUM64 ignored). Kind tests as bits, so
   * that every comparison runs on every call: one an earlier call skipped (short-circuit) would have no type
   * feedback, and reaching it would throw away the optimised primitive pass.
   */
  private compatEnum(a: number, b: number): boolean {
    const ia = this.ti[a]!,
      ib = this.ti[b]!;
    const enumA = (ENUM_KINDS >>> ((ia >>> 24) & 0x1f)) & 1,
      enumB = (ENUM_KINDS >>> ((ib >>> 24) & 0x1f)) & 1;
    const fwdA = enumA & ((ia & 0xffff) === 0 ? 1 : 0),
      fwdB = enumB & ((ib & 0xffff) === 0 ? 1 : 0);
    if ((fwdA | fwdB) === 0) return this.equalEnum(a, b);
    return (enumA & enumB) === 1 && this.tn[a] === this.tn[b];
  }

  /** STRUCT/UNION: common fields and every member's name and offset word (not member types). */
  private shallowEqualStruct(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const vlen = this.ti[a]! & 0xffff;
    const ex = this.extra,
      xa = this.tx[a]!,
      xb = this.tx[b]!;
    for (let k = 0; k < vlen; k++) {
      const o = 3 * k;
      if (ex[xa + o] !== ex[xb + o] || ex[xa + o + 2] !== ex[xb + o + 2]) return false;
    }
    return true;
  }

  /** ARRAY: common fields and nelems (element and index types compared separately). */
  private compatArray(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.extra[this.tx[a]! + 2] === this.extra[this.tx[b]! + 2];
  }

  /** FUNC_PROTO: name, info and parameter names (return and parameter types compared separately). */
  private compatFnProto(a: number, b: number): boolean {
    if (this.tn[a] !== this.tn[b] || this.ti[a] !== this.ti[b]) return false;
    const vlen = this.ti[a]! & 0xffff;
    const ex = this.extra,
      xa = this.tx[a]!,
      xb = this.tx[b]!;
    for (let k = 0; k < vlen; k++) if (ex[xa + 2 * k] !== ex[xb + 2 * k]) return false;
    return true;
  }

  // ---------------------------------------------------------------- canonical map helpers

  private resolve(id: number): number {
    const mh = this.mh;
    for (;;) {
      const m = mh[2 * id]!;
      if (m < 0 || m === id) return id;
      id = m;
    }
  }

  /** A FWD that already resolves to a STRUCT/UNION becomes that type; anything else stays as it is. */
  private resolveFwd(id: number): number {
    if (((this.ti[id]! >>> 24) & 0x1f) !== K_FWD) return id;
    const r = this.resolve(id);
    return ((this.ti[r]! >>> 24) & 0x1f) === K_FWD ? id : r;
  }

  private add(key: number, id: number): void {
    this.table.add(key, id);
  }

  // ---------------------------------------------------------------- pass 0: base types

  prepareBase(): void {
    const mh = this.mh,
      ti = this.ti;
    if (this.prepared) {
      // The same base, hashed into the same candidate order before: a copy of that table.
      for (let id = 1; id < this.ownStart; id++) mh[2 * id] = id;
      this.table = this.prepared.table.clone();
      return;
    }
    for (let id = 1; id < this.ownStart; id++) {
      mh[2 * id] = id;
      const k = (ti[id]! >>> 24) & 0x1f;
      if (k === K_VAR || k === K_DATASEC) continue;
      if (k === K_UNKN || k > K_ENUM64) this.fail(`unknown kind ${k} in base`, id);
      this.add(this.hashOf(id), id);
    }
    if (this.mayKeepBase) {
      const base = this.input.base!;
      const end = this.ownStart;
      preparedBases!.set(base, {
        ti: this.ti.slice(0, end),
        tn: this.tn.slice(0, end),
        ts: this.ts.slice(0, end),
        tx: this.tx.slice(0, end),
        extra: this.extra.slice(0, this.baseExtraEnd),
        table: this.table.clone(),
      });
    }
  }

  // ---------------------------------------------------------------- pass 1: strings

  dedupStrings(): BtfStrings {
    const strings = (this.strings = new StringDeduper(this.input.strings));
    if (this.ownsExtra) {
      this.remapNames(strings, true);
      this.namesRemapped = true;
    } else {
      // The input's pool and name words are only read: its names are interned (in first-reference order all the
      // same) but left as they are. While no two distinct input offsets map to one output offset, comparing input offsets is comparing
      // strings, so the later passes work on them unchanged and only the output's names are rewritten (compaction).
      // Otherwise (repeated strings in the input) the pool and the name words are copied and rewritten after all.
      this.remapNames(strings, false);
      if (!strings.injective) {
        this.extra = this.extra.slice();
        this.tn = shiftedCopy(this.input.nameOff, this.n - 1);
        this.ownsExtra = true;
        this.remapMemoised(strings);
        this.namesRemapped = true;
      }
    }
    return strings.finish();
  }

  /** Intern every own name in first-reference order, and rewrite them in place when `write`. */
  private remapNames(strings: StringDeduper, write: boolean): void {
    const { ti, tn, tx, extra } = this;
    // The deduper's memo is read here rather than through `remap` (a call per name in unoptimised code).
    const memo = strings.memo,
      start = strings.srcStart,
      end = strings.srcEnd;
    for (let id = this.ownStart; id < this.n; id++) {
      let off = tn[id]!;
      if (off >= end) this.badString(off, id);
      if (off !== 0 && off >= start) {
        const m = memo[off - start]!;
        const r = m !== 0 ? m - 1 : strings.remap(off);
        if (write) tn[id] = r;
      }
      const inf = ti[id]!;
      const stride = KIND_NAME_STEP[(inf >>> 24) & 0x1f]!;
      if (stride === 0) continue;
      const vlen = inf & 0xffff,
        x = tx[id]!;
      for (let k = 0; k < vlen; k++) {
        off = extra[x + stride * k]!;
        if (off >= end) this.badString(off, id);
        if (off === 0 || off < start) continue;
        const m = memo[off - start]!;
        const r = m !== 0 ? m - 1 : strings.remap(off);
        if (write) extra[x + stride * k] = r;
      }
    }
  }

  /** What `remapNames(strings, true)` would have written, after `remapNames(strings, false)`: every name is memoised. */
  private remapMemoised(strings: StringDeduper): void {
    const { ti, tn, tx, extra } = this;
    for (let id = this.ownStart; id < this.n; id++) {
      tn[id] = strings.remap(tn[id]!);
      const inf = ti[id]!;
      const stride = KIND_NAME_STEP[(inf >>> 24) & 0x1f]!;
      if (stride === 0) continue;
      const vlen = inf & 0xffff,
        x = tx[id]!;
      for (let k = 0; k < vlen; k++) extra[x + stride * k] = strings.remap(extra[x + stride * k]!);
    }
  }

  private badString(off: number, id: number): never {
    this.fail(`string offset ${off} is past the end of the string section`, id);
  }

  // ---------------------------------------------------------------- pass 2: primitive kinds

  dedupPrimitives(): void {
    const { ti, tn, ts, table, mh } = this;
    // Candidates compared and, of those, the ones no comparison accepted (counted per pass, not per candidate).
    let compared = 0,
      rejected = 0,
      redirected = 0;
    // One comparison for every kind (common fields and the whole variable part: the INT encoding, the enumerators),
    // not a loop per kind: the pass is then optimised once rather than again at each kind it meets first.
    for (let id = this.ownStart; id < this.n; id++) {
      const inf = ti[id]!;
      const kind = (inf >>> 24) & 0x1f;
      const vlen = inf & 0xffff;
      // Kind tests as bits: every operation runs for every type, so none lacks type feedback when the optimised
      // loop meets a kind for the first time.
      if (((PRIMITIVE_KINDS >>> kind) & 1) === 0) continue;
      const words = extraWords(kind, vlen);
      const isEnum = ((ENUM_KINDS >>> kind) & 1) === 1;
      const name = tn[id]!,
        st = ts[id]!;
      const key = this.hashPrimitive(id);
      let newId = id;
      for (let node = table.first(key); node >= 0; node = table.next(node)) {
        const cand = table.value(node);
        compared++;
        // equalCommon, inline (a call per candidate is dear in the unoptimised code of a first run).(a call per candidate is dear in the unoptimised code of a first run).
        if (tn[cand] === name && ti[cand] === inf && ts[cand] === st && this.equalExtra(id, cand, words)) {
          newId = cand;
          break;
        }
        if (isEnum && this.compatEnum(id, cand)) {
          if (vlen === 0) {
            newId = cand;
            break;
          }
          // A canonical forward enum now resolves to this full enum; keep scanning (the last one wins).
          mh[2 * cand] = id;
          redirected++;
        } else {
          rejected++;
        }
      }
      mh[2 * id] = newId;
      if (newId === id) table.add(key, id);
    }
    const c = this.counts;
    c.primCompared += compared;
    c.primCollisions += rejected;
    c.enumFwdRedirects += redirected;
  }

  // ---------------------------------------------------------------- pass 3: struct/union/typedef graphs

  dedupStructs(): void {
    // Fields read before the loop: one first read inside it, late in a kernel's pass, would throw away the
    // optimised loop.
    const { ti, table, mh, checkShortcuts } = this;
    let compared = 0,
      shallowRejected = 0,
      prechecked = 0,
      walks = 0,
      walksFailed = 0,
      refusals = 0;
    for (let id = this.ownStart; id < this.n; id++) {
      if (mh[2 * id]! >= 0) continue;
      const kind = (ti[id]! >>> 24) & 0x1f;
      const isTypedef = kind === K_TYPEDEF;
      if (!isTypedef && kind !== K_STRUCT && kind !== K_UNION) continue;
      const key = this.hashStruct(id);
      let newId = id;
      for (let node = table.first(key); node >= 0; node = table.next(node)) {
        const cand = table.value(node);
        compared++;
        // Guard against FWDs and other kinds sharing the chain (a FWD "equivalent" to its struct would loop).
        if (isTypedef) {
          if (this.tn[id] !== this.tn[cand] || ti[id] !== ti[cand]) {
            shallowRejected++;
            continue;
          }
        } else if (!this.shallowEqualStruct(id, cand)) {
          shallowRejected++;
          continue;
        }
        if (!isTypedef && this.surelyNotEquiv(id, cand)) {
          prechecked++;
          if (checkShortcuts) {
            this.clearHypot();
            if (this.isEquiv(id, cand))
              throw new BtfkitError(ErrorCode.INTERNAL, `dedup: pre-check rejected an equivalent candidate ${cand}`, {
                typeId: id,
              });
          }
          continue;
        }
        this.clearHypot();
        walks++;
        if (!this.isEquiv(id, cand)) {
          walksFailed++;
          continue;
        }
        this.mergeHypot();
        if (this.hypotAdjustCanon) {
          refusals++;
          continue;
        }
        newId = cand;
        break;
      }
      mh[2 * id] = newId;
      if (newId === id) table.add(key, id);
    }
    const c = this.counts;
    c.structCompared += compared;
    c.structCollisions += shallowRejected;
    c.precheckRejected += prechecked;
    c.equivChecks += walks;
    c.equivFailed += walksFailed;
    c.baseFwdRefusals += refusals;
  }

  /**
   * A cheap exact pre-check for two shallow-equal structs: true only when `isEquiv` would certainly answer "not
   * equivalent". Large kernels have hundreds of shallow-equal anonymous unions (`{ event; handler }` × 1601 in
   * Linux 6.18) whose members differ one or two pointers deep; this rejects those pairs without the walk.
   *
   * Why it is exact: each member pair is followed down its chain of single-target kinds (pointers, modifiers,
   * typedefs) while both sides resolve differently. A pair with different names, different non-FWD kinds, or
   * unequal INT/FLOAT can never be accepted by the walk: not by the hypothetical map (the first visit of that pair
   * would have failed the same test) nor by the identical-types check (which demands the same kind, name and INT
   * encoding, so it cannot bridge a difference the canonical side also has). Every member subtree is visited
   * unless an earlier one fails, so one such pair anywhere makes the whole answer "no". FWDs and everything else
   * stop the chain without a verdict. (`checkReferences` guarantees that no VAR/DATASEC/DECL_TAG, which would make
   * the walk fail with an error rather than "no", is reachable from a member.)
   */
  private surelyNotEquiv(cand: number, canon: number): boolean {
    const { ti, tn, ts, tx, extra } = this;
    const vlen = ti[cand]! & 0xffff;
    const xc = tx[cand]!,
      xn = tx[canon]!;
    for (let k = 0; k < vlen; k++) {
      let a = extra[xc + 3 * k + 1]!;
      let c = extra[xn + 3 * k + 1]!;
      for (let step = 0; step < 8; step++) {
        if (this.resolve(a) === this.resolve(c)) break;
        c = this.resolveFwd(c);
        if (tn[a] !== tn[c]) return true;
        const ia = ti[a]!,
          ic = ti[c]!;
        const ka = (ia >>> 24) & 0x1f,
          kc = (ic >>> 24) & 0x1f;
        if (ka === K_FWD || kc === K_FWD) break;
        if (ka !== kc) return true;
        if (ka === K_INT) {
          if (!this.equalIntTag(a, c)) return true;
          break;
        }
        if (ka === K_FLOAT) {
          if (!this.equalCommon(a, c)) return true;
          break;
        }
        if (
          ka === K_PTR ||
          ka === K_CONST ||
          ka === K_VOLATILE ||
          ka === K_RESTRICT ||
          ka === K_TYPEDEF ||
          ka === K_TYPE_TAG
        ) {
          if (ia !== ic) return true;
          a = ts[a]!;
          c = ts[c]!;
          continue;
        }
        if (ka === K_STRUCT || ka === K_UNION) {
          if (!this.shallowEqualStruct(a, c)) return true;
        }
        break;
      }
    }
    return false;
  }

  private clearHypot(): void {
    const mh = this.mh,
      list = this.hypotList;
    for (let i = 0; i < this.hypotCnt; i++) mh[2 * list[i]! + 1] = UNPROCESSED;
    this.hypotCnt = 0;
    this.hypotAdjustCanon = false;
  }

  private hypotAdd(canon: number, cand: number): void {
    if (this.hypotCnt === this.hypotList.length) {
      const nl = new Uint32Array(this.hypotList.length * 2);
      nl.set(this.hypotList);
      this.hypotList = nl;
    }
    this.hypotList[this.hypotCnt++] = canon;
    this.mh[2 * canon + 1] = cand;
  }

  /** The pair stack with room for at least `words` entries. */
  private growEqStack(words: number): Uint32Array {
    let cap = this.eqStack.length * 2;
    while (cap < words) cap *= 2;
    const ns = new Uint32Array(cap);
    ns.set(this.eqStack);
    return (this.eqStack = ns);
  }

  /**
   * Graph equivalence of the candidate graph rooted at `candRoot` and the canonical graph at `canonRoot`.
   * libbpf recurses; every level returns "not equivalent" as soon as a child does and has nothing to do after
   * its children, so a pre-order walk with an explicit stack (children pushed in reverse) visits the same pairs
   * in the same order and records the same hypothetical map.
   */
  private isEquiv(candRoot: number, canonRoot: number): boolean {
    const { ti, tn, ts, tx, extra, mh } = this;
    // Pairs whose sides already resolve to one canonical type are equivalent and visited without side effects,
    // so they are dropped when pushed rather than when popped (the map does not change during a walk): on a
    // kernel this is half of the tens of millions of pairs.
    if (this.resolve(candRoot) === this.resolve(canonRoot)) return true;
    let stack = this.eqStack;
    stack[0] = candRoot;
    stack[1] = canonRoot;
    let sp = 2;
    while (sp > 0) {
      sp -= 2;
      const cand = stack[sp]!;
      let canon = stack[sp + 1]!;
      // Revisits first (a third of all pairs on a kernel), before touching the canonical record: the hypothetical
      // map never holds a FWD that resolves to a struct (entries are made for the resolved id), so this is exact.
      if (mh[2 * canon + 1] === cand) continue;
      if (((ti[canon]! >>> 24) & 0x1f) === K_FWD) canon = this.resolveFwd(canon);
      const h = mh[2 * canon + 1]!;
      if (h >= 0) {
        if (h === cand) continue; // a cycle closed
        // One CU holding two ids for one type (compilers do this): accept if the two are identical.
        if (this.identical(h, cand, IDENTICAL_DEPTH)) continue;
        return false;
      }
      this.hypotAdd(canon, cand);
      if (tn[cand] !== tn[canon]) return false;
      const candInfo = ti[cand]!,
        canonInfo = ti[canon]!;
      const ck = (candInfo >>> 24) & 0x1f,
        nk = (canonInfo >>> 24) & 0x1f;
      if ((ck === K_FWD || nk === K_FWD) && ck !== nk) {
        let realKind: number, fwdKind: number;
        if (ck === K_FWD) {
          realKind = nk;
          fwdKind = candInfo >>> 31 === 1 ? K_UNION : K_STRUCT;
        } else {
          realKind = ck;
          fwdKind = canonInfo >>> 31 === 1 ? K_UNION : K_STRUCT;
          // Resolving a base FWD to an own struct would change the base: refused later in the merge.
          if (fwdKind === realKind && canon < this.ownStart) this.hypotAdjustCanon = true;
        }
        if (fwdKind !== realKind) return false;
        continue;
      }
      if (ck !== nk) return false;
      // The checks of the pair itself, and where its children are: `cnt` type ids in the variable part from word
      // `first`, `step` apart, in visiting order, after the size/type word when `withType`. One push loop for every
      // kind keeps this hottest function small (it is compiled sooner on a first run).
      let cnt = 0,
        first = 0,
        step = 0,
        withType = false;
      switch (ck) {
        case K_INT:
          if (!this.equalIntTag(cand, canon)) return false;
          break;
        case K_ENUM:
        case K_ENUM64:
          if (!this.compatEnum(cand, canon)) return false;
          break;
        case K_FWD:
        case K_FLOAT:
          if (!this.equalCommon(cand, canon)) return false;
          break;
        case K_CONST:
        case K_VOLATILE:
        case K_RESTRICT:
        case K_PTR:
        case K_TYPEDEF:
        case K_FUNC:
        case K_TYPE_TAG:
          if (candInfo !== canonInfo) return false;
          withType = true;
          break;
        case K_ARRAY:
          if (!this.compatArray(cand, canon)) return false;
          // The index type (word 1) first, then the element type (word 0).
          cnt = 2;
          first = 1;
          step = -1;
          break;
        case K_STRUCT:
        case K_UNION:
          if (!this.shallowEqualStruct(cand, canon)) return false;
          cnt = candInfo & 0xffff;
          first = 1;
          step = 3;
          break;
        case K_FUNC_PROTO:
          // The return type first, then the parameters.
          if (!this.compatFnProto(cand, canon)) return false;
          cnt = candInfo & 0xffff;
          first = 1;
          step = 2;
          withType = true;
          break;
        default:
          this.fail(`graph equivalence reached a ${kindName(ck)} (from type ${candRoot})`, cand);
      }
      if (sp + 2 * cnt + 2 > stack.length) stack = this.growEqStack(sp + 2 * cnt + 2);
      // Children are pushed in reverse so that they are visited in libbpf's order. A pair is not pushed when it is
      // already in the hypothetical map (entries never change during a walk, so popping it would only find it
      // there) or both sides already resolve to one type.
      const xc = tx[cand]! + first,
        xn = tx[canon]! + first;
      for (let k = cnt - 1; k >= -1; k--) {
        let c: number, n: number;
        if (k >= 0) {
          c = extra[xc + k * step]!;
          n = extra[xn + k * step]!;
        } else if (withType) {
          c = ts[cand]!;
          n = ts[canon]!;
        } else {
          break;
        }
        if (mh[2 * n + 1] === c) continue;
        let rc = c,
          rn = n;
        for (let m = mh[2 * rc]!; m >= 0 && m !== rc; m = mh[2 * rc]!) rc = m;
        for (let m = mh[2 * rn]!; m >= 0 && m !== rn; m = mh[2 * rn]!) rn = m;
        if (rc === rn) continue;
        stack[sp] = c;
        stack[sp + 1] = n;
        sp += 2;
      }
    }
    return true;
  }

  /**
   * Are two candidate-side types identical (same shape down to equal or again identical referenced types)?
   * libbpf ≥1.6's check, bounded at depth 16, except that the ARRAY branch compares the second array's own
   * element and index types (libbpf reads both from the first array, merging arrays of different element types).
   * Each step through a modifier, pointer or typedef also counts against the depth bound.
   */
  private identical(id1: number, id2: number, depth: number): boolean {
    const { ti, tn, ts, tx, extra } = this;
    for (;;) {
      if (depth <= 0) return false;
      const k1 = (ti[id1]! >>> 24) & 0x1f,
        k2 = (ti[id2]! >>> 24) & 0x1f;
      if (k1 !== k2) return false;
      switch (k1) {
        case K_UNKN:
          return true;
        case K_INT:
          return this.equalIntTag(id1, id2);
        case K_ENUM:
        case K_ENUM64:
          return this.compatEnum(id1, id2);
        case K_FWD:
        case K_FLOAT:
          return this.equalCommon(id1, id2);
        case K_CONST:
        case K_VOLATILE:
        case K_RESTRICT:
        case K_PTR:
        case K_TYPEDEF:
        case K_FUNC:
        case K_TYPE_TAG:
          if (ti[id1] !== ti[id2] || tn[id1] !== tn[id2]) return false;
          id1 = ts[id1]!;
          id2 = ts[id2]!;
          depth--;
          continue;
        case K_ARRAY: {
          if (!this.compatArray(id1, id2)) return false;
          const x1 = tx[id1]!,
            x2 = tx[id2]!;
          const i1 = extra[x1 + 1]!,
            i2 = extra[x2 + 1]!;
          if (i1 !== i2 && !this.identical(i1, i2, depth - 1)) return false;
          const e1 = extra[x1]!,
            e2 = extra[x2]!;
          return e1 === e2 || this.identical(e1, e2, depth - 1);
        }
        case K_STRUCT:
        case K_UNION: {
          if (!this.shallowEqualStruct(id1, id2)) return false;
          const x1 = tx[id1]!,
            x2 = tx[id2]!;
          const vlen = ti[id1]! & 0xffff;
          for (let k = 0; k < vlen; k++) {
            const m1 = extra[x1 + 3 * k + 1]!,
              m2 = extra[x2 + 3 * k + 1]!;
            if (m1 !== m2 && !this.identical(m1, m2, depth - 1)) return false;
          }
          return true;
        }
        case K_FUNC_PROTO: {
          if (!this.compatFnProto(id1, id2)) return false;
          const r1 = ts[id1]!,
            r2 = ts[id2]!;
          if (r1 !== r2 && !this.identical(r1, r2, depth - 1)) return false;
          const x1 = tx[id1]!,
            x2 = tx[id2]!;
          const vlen = ti[id1]! & 0xffff;
          for (let k = 0; k < vlen; k++) {
            const p1 = extra[x1 + 2 * k + 1]!,
              p2 = extra[x2 + 2 * k + 1]!;
            if (p1 !== p2 && !this.identical(p1, p2, depth - 1)) return false;
          }
          return true;
        }
        default:
          return false;
      }
    }
  }

  /** Turn a successful hypothesis into canonical mappings (docs/dedup.md §6, "Merging"). */
  private mergeHypot(): void {
    const { ti, hypotList, mh } = this;
    // The hypothetical map is cleared on the way (what `clearHypot` would do next), in the same pass.
    const cnt = this.hypotCnt;
    this.hypotCnt = 0;
    for (let i = 0; i < cnt; i++) {
      const canon = hypotList[i]!;
      const cand = mh[2 * canon + 1]!;
      mh[2 * canon + 1] = UNPROCESSED;
      // Only FWD, STRUCT and UNION pairs merge; the walk accepted every pair, so a pair of any other kind has that
      // kind on both sides (and keeps it through `resolve`): skip it without resolving.
      const rk = (ti[canon]! >>> 24) & 0x1f;
      if (rk !== K_FWD && rk !== K_STRUCT && rk !== K_UNION) continue;
      const tId = this.resolve(cand);
      const cId = this.resolve(canon);
      const tk = (ti[tId]! >>> 24) & 0x1f,
        ck = (ti[cId]! >>> 24) & 0x1f;
      // A canonical FWD resolves to the candidate's struct, even in the adjust_canon case: own references to a
      // base FWD then land on the own struct, while the base itself is never rewritten.
      if (tk !== K_FWD && ck === K_FWD) mh[2 * cId] = tId;
      if (this.hypotAdjustCanon) continue;
      if (tk === K_FWD && ck !== K_FWD) mh[2 * tId] = cId;
      if ((tk === K_STRUCT || tk === K_UNION) && ck !== K_FWD && mh[2 * cId]! >= 0 && mh[2 * tId]! < 0) {
        mh[2 * tId] = cId;
      }
    }
  }

  // ---------------------------------------------------------------- pass 4: stand-alone FWDs

  /** Map every own FWD still canonical to the one canonical STRUCT/UNION of its name, if unambiguous. */
  resolveFwds(): void {
    const { ti, tn, mh } = this;
    let pending = false;
    for (let id = this.ownStart; id < this.n; id++) {
      if (((ti[id]! >>> 24) & 0x1f) === K_FWD && mh[2 * id] === id) {
        pending = true;
        break;
      }
    }
    if (!pending) return;
    const c = this.counts;
    // name offset → struct id, or 0 when two canonical structs/unions share the name.
    const byName = new Map<number, number>();
    for (let id = 1; id < this.n; id++) {
      const k = (ti[id]! >>> 24) & 0x1f;
      if ((k !== K_STRUCT && k !== K_UNION) || mh[2 * id] !== id) continue;
      const nm = tn[id]!;
      byName.set(nm, byName.has(nm) ? 0 : id);
    }
    for (let id = this.ownStart; id < this.n; id++) {
      const inf = ti[id]!;
      if (((inf >>> 24) & 0x1f) !== K_FWD || mh[2 * id] !== id) continue;
      c.fwdPending++;
      const cand = byName.get(tn[id]!);
      if (cand === undefined || cand === 0) {
        if (cand === 0) c.fwdAmbiguous++;
        else c.fwdNoMatch++;
        continue;
      }
      const candKind = (ti[cand]! >>> 24) & 0x1f;
      const fwdKind = inf >>> 31 === 1 ? K_UNION : K_STRUCT;
      if (candKind !== fwdKind) {
        c.fwdKindMismatch++;
        continue;
      }
      mh[2 * id] = cand;
      c.fwdResolved++;
    }
  }

  // ---------------------------------------------------------------- pass 5: reference kinds

  dedupReferences(): void {
    const { ti, ts, extra, mh } = this;
    let stack = new Uint32Array(64);
    let childIdx = new Uint32Array(64);
    for (let root = this.ownStart; root < this.n; root++) {
      if (mh[2 * root] !== UNPROCESSED) continue;
      const rootKind = (ti[root]! >>> 24) & 0x1f;
      if (!isRefKind(rootKind)) this.fail(`${kindName(rootKind)} left unprocessed`, root);
      // Most roots (pointers and modifiers of already-resolved types) need no walk: resolve the one referenced id
      // and look the record up, exactly what the walk below would do for them.
      if (rootKind !== K_ARRAY && rootKind !== K_FUNC_PROTO) {
        const child = ts[root]!;
        if (mh[2 * child]! >= 0) {
          ts[root] = this.resolve(child);
          this.dedupRefRecord(root);
          continue;
        }
      }
      // Post-order walk with an explicit stack: resolve each referenced id (writing it back into the record),
      // then look the completed record up. `IN_PROGRESS` marks the ids on the stack: meeting one is a loop.
      mh[2 * root] = IN_PROGRESS;
      stack[0] = root;
      childIdx[0] = 0;
      let sp = 1;
      while (sp > 0) {
        const id = stack[sp - 1]!;
        const k = childIdx[sp - 1]!;
        const field = this.refField(id, k);
        if (field !== NO_FIELD) {
          const child = field < 0 ? ts[id]! : extra[field]!;
          const m = mh[2 * child]!;
          if (m === IN_PROGRESS) this.fail(`reference loop through type ${child}`, id);
          if (m >= 0) {
            // Only the size/type word is rewritten (see hashReference and equalRefs).
            if (field < 0) ts[id] = this.resolve(child);
            childIdx[sp - 1] = k + 1;
            continue;
          }
          if (!isRefKind((ti[child]! >>> 24) & 0x1f))
            this.fail(`${kindName((ti[child]! >>> 24) & 0x1f)} left unprocessed`, child);
          mh[2 * child] = IN_PROGRESS;
          if (sp === stack.length) {
            const ns = new Uint32Array(sp * 2);
            ns.set(stack);
            stack = ns;
            const nc = new Uint32Array(sp * 2);
            nc.set(childIdx);
            childIdx = nc;
          }
          stack[sp] = child;
          childIdx[sp] = 0;
          sp++;
          continue;
        }
        const newId = this.dedupRefRecord(id);
        sp--;
        if (sp > 0) {
          const parent = stack[sp - 1]!;
          const pk = childIdx[sp - 1]!;
          if (this.refField(parent, pk) < 0) ts[parent] = newId;
          childIdx[sp - 1] = pk + 1;
        }
      }
    }
  }

  /**
   * Where the `k`-th referenced id of a reference type lives: -1 for the size/type word, an index into `extra`,
   * or NO_FIELD past the last one. Order as libbpf: ARRAY element then index; FUNC_PROTO return then parameters.
   * Resolved ids are written back into the size/type word only: ids in the variable parts (array element and index,
   * parameters) stay as they are, so that the input's pool need not be copied; `hashReference` and `equalRefs`
   * resolve them where they read them.
   */
  private refField(id: number, k: number): number {
    const inf = this.ti[id]!;
    switch ((inf >>> 24) & 0x1f) {
      case K_ARRAY:
        return k < 2 ? this.tx[id]! + k : NO_FIELD;
      case K_FUNC_PROTO:
        if (k === 0) return -1;
        return k <= (inf & 0xffff) ? this.tx[id]! + 2 * (k - 1) + 1 : NO_FIELD;
      default:
        return k === 0 ? -1 : NO_FIELD;
    }
  }

  /** Exact-match a reference type whose referenced ids are all resolved; returns its representative. */
  private dedupRefRecord(id: number): number {
    const { table, ti, tn, ts, tx, extra } = this;
    const inf = ti[id]!,
      name = tn[id]!,
      st = ts[id]!;
    const kind = (inf >>> 24) & 0x1f;
    // What else must be equal: 1 the DECL_TAG component index, 2 the ARRAY/FUNC_PROTO variable part, 0 nothing.
    const more = kind === K_DECL_TAG ? 1 : kind === K_ARRAY || kind === K_FUNC_PROTO ? 2 : 0;
    const key = this.hashReference(id);
    let newId = id;
    let compared = 0;
    for (let node = table.first(key); node >= 0; node = table.next(node)) {
      const cand = table.value(node);
      compared++;
      // equalCommon, inline (a call per candidate is dear in the unoptimised code of a first run).
      if (tn[cand] !== name || ti[cand] !== inf || ts[cand] !== st) continue;
      if (more === 1 ? extra[tx[id]!] === extra[tx[cand]!] : more === 0 || this.equalRefs(id, cand)) {
        newId = cand;
        break;
      }
    }
    const c = this.counts;
    c.refCompared += compared;
    c.refCollisions += newId === id ? compared : compared - 1;
    this.mh[2 * id] = newId;
    if (newId === id) table.add(key, id);
    return newId;
  }

  // ---------------------------------------------------------------- passes 6–7: compaction and remap

  // Each loop is a function of its own, and the copy is table-driven (kinds.ts's layout arrays), so that each is
  // optimised once rather than again at each loop or kind it reaches for the first time.
  compactAndRemap(strings: BtfStrings): { out: Btf; idMap: Uint32Array } {
    const { kept, keptExtra } = this.numberKept();
    const out = new Btf({
      base: this.input.base,
      strings,
      capacity: kept,
      extraCapacity: keptExtra,
      byteOrder: this.input.byteOrder,
    });
    out.pointerSize = this.input.pointerSize;
    this.copyKept(out);
    out.count = kept;
    out.extraLen = keptExtra;
    return { out, idMap: this.finalIdMap() };
  }

  /** Give the kept types their new ids, in the hypothetical map's slots (unused after pass 3). */
  private numberKept(): { kept: number; keptExtra: number } {
    const { ti, n, ownStart, mh } = this;
    for (let id = 0; id < ownStart; id++) mh[2 * id + 1] = id;
    let kept = 0,
      keptExtra = 0;
    for (let id = ownStart; id < n; id++) {
      if (mh[2 * id] === id) {
        mh[2 * id + 1] = ownStart + kept++;
        const inf = ti[id]!;
        keptExtra += extraWords((inf >>> 24) & 0x1f, inf & 0xffff);
      } else {
        mh[2 * id + 1] = UNPROCESSED;
      }
    }
    return { kept, keptExtra };
  }

  private remapId(old: number, from: number): number {
    const r = this.mh[2 * this.resolve(old) + 1]!;
    if (r < 0) this.fail(`referenced type ${old} has no representative in the output`, from);
    return r;
  }

  /** Copy the kept types into `out`, type ids remapped (and names, unless `dedupStrings` rewrote them already). */
  private copyKept(out: Btf): void {
    const { ti, tn, ts, tx, extra, n, ownStart, mh } = this;
    const oInfo = out.info,
      oName = out.nameOff,
      oSt = out.sizeType,
      oXs = out.extraStart,
      oEx = out.extra;
    const names = this.namesRemapped ? undefined : this.strings;
    let i = 0,
      e = 0;
    for (let id = ownStart; id < n; id++) {
      if (mh[2 * id] !== id) continue;
      const inf = ti[id]!;
      const kind = (inf >>> 24) & 0x1f,
        vlen = inf & 0xffff,
        x = tx[id]!;
      const words = extraWords(kind, vlen);
      oInfo[i] = inf;
      oName[i] = names !== undefined ? names.remap(tn[id]!) : tn[id]!;
      oXs[i] = e;
      for (let k = 0; k < words; k++) oEx[e + k] = extra[x + k]!;
      oSt[i] = kindHasTypeRef(kind) ? this.remapId(ts[id]!, id) : ts[id]!;
      const first = KIND_ID_FIRST[kind]!;
      if (first >= 0) {
        const fixed = KIND_ID_FIXED[kind]!;
        const cnt = fixed !== 0 ? fixed : vlen,
          step = KIND_ID_STEP[kind]!;
        for (let k = 0; k < cnt; k++) {
          const w = first + k * step;
          oEx[e + w] = this.remapId(extra[x + w]!, id);
        }
      }
      const nameStep = KIND_NAME_STEP[kind]!;
      if (names !== undefined && nameStep !== 0) {
        for (let k = 0; k < vlen; k++) oEx[e + k * nameStep] = names.remap(extra[x + k * nameStep]!);
      }
      e += words;
      i++;
    }
  }

  /**
   * Final ids for every input id (through its representative), in the size/type array, which nothing reads any
   * more (resolve reads only the canonical map) and is always the dedup's own (the name array may be the input's):
   * no other id-indexed array is allocated.
   */
  private finalIdMap(): Uint32Array {
    const { n, mh } = this;
    const idMap = this.ts;
    for (let id = 0; id < n; id++) {
      const r = mh[2 * this.resolve(id) + 1]!;
      idMap[id] = r < 0 ? 0 : r;
    }
    return idMap;
  }
}

const NO_FIELD = -2;

/** The kinds of the reference pass, as bits of a kind mask. */
const REF_KINDS =
  (1 << K_PTR) |
  (1 << K_CONST) |
  (1 << K_VOLATILE) |
  (1 << K_RESTRICT) |
  (1 << K_FUNC) |
  (1 << K_TYPE_TAG) |
  (1 << K_DECL_TAG) |
  (1 << K_ARRAY) |
  (1 << K_FUNC_PROTO);

/** A bit test rather than a chain of comparisons (most of which a first run would reach without type feedback). */
function isRefKind(k: number): boolean {
  return ((REF_KINDS >>> k) & 1) === 1;
}

/** One step of the type hash: a multiply-xorshift mix of a 32-bit word into the running state. */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

function fin(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Words of variable parts in `b`'s own records. */
function extraSize(b: Btf): number {
  const bi = b.info;
  let total = 0;
  for (let i = 0; i < b.count; i++) total += extraWords((bi[i]! >>> 24) & 0x1f, bi[i]! & 0xffff);
  return total;
}

/** Copy `b`'s own records into the id-indexed arrays, their variable parts packed from `e`; returns the new end. */
function copyRecords(
  b: Btf,
  ti: Int32Array,
  tn: Uint32Array,
  ts: Uint32Array,
  tx: Uint32Array,
  ex: Uint32Array,
  e: number,
): number {
  const bi = b.info,
    bn = b.nameOff,
    bs = b.sizeType,
    bx = b.extraStart,
    bex = b.extra;
  for (let i = 0, id = b.startId; i < b.count; i++, id++) {
    const inf = bi[i]!;
    ti[id] = inf;
    tn[id] = bn[i]!;
    ts[id] = bs[i]!;
    tx[id] = e;
    const w = extraWords((inf >>> 24) & 0x1f, inf & 0xffff);
    for (let k = 0, x = bx[i]!; k < w; k++) ex[e + k] = bex[x + k]!;
    e += w;
  }
  return e;
}

/**
 * The interleaved canonical and hypothetical maps: every id unprocessed, except void and VAR/DATASEC (their own
 * representatives: libbpf never merges them).
 */
function initialMaps(ti: Int32Array, n: number): Int32Array {
  const mh = new Int32Array(2 * n).fill(UNPROCESSED);
  mh[0] = 0;
  for (let id = 1; id < n; id++) {
    const k = (ti[id]! >>> 24) & 0x1f;
    if (k === K_VAR || k === K_DATASEC) mh[2 * id] = id;
  }
  return mh;
}

/** A byte per id: 1 for VAR, DATASEC and DECL_TAG (which only DATASEC entries and DECL_TAG targets may refer to). */
function leafKinds(ti: Int32Array, n: number): Uint8Array {
  const leaf = new Uint8Array(n);
  for (let id = 1; id < n; id++) {
    const k = (ti[id]! >>> 24) & 0x1f;
    if (k === K_VAR || k === K_DATASEC || k === K_DECL_TAG) leaf[id] = 1;
  }
  return leaf;
}

/**
 * A whole table's per-type array `a` seen from the word before it, so that type id `id` is at index `id`: possible
 * when that word is in the same buffer and zero (void's record; `Btf` allocates one). Read-only use.
 */
function idView(a: Uint32Array, count: number): Uint32Array | undefined {
  if (a.byteOffset < 4 || a.length < count) return undefined;
  const v = new Uint32Array(a.buffer, a.byteOffset - 4, count + 1);
  return v[0] === 0 ? v : undefined;
}

/** A copy of a whole table's per-type array `a`, indexed by type id (index 0, void, zero). */
function shiftedCopy(a: Uint32Array, count: number): Uint32Array {
  const c = new Uint32Array(count + 1);
  c.set(a.subarray(0, count), 1);
  return c;
}

/** The same words as signed integers (see `Deduper.ti`). */
function asInt32(a: Uint32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}
