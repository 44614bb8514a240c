import { type Static, Type } from "@sinclair/typebox";
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, isCompositeKind, isEnumKind, kindName } from "../btf/kinds.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { CanonicalForms, hasName, ROOT_KINDS, type Shape } from "./canonical.js";

/**
 * Compare two BTFs by meaning rather than by type id (see canonical.ts for the canonical forms).
 *
 * Every root of A and B is grouped by its key (`struct foo`). Within a key, roots are matched as multisets of
 * canonical forms — a kernel can hold several different `struct foo` — so equal forms pair up first. What is left
 * of a key on both sides pairs up in id order as *changed* (same key, different shape) with a short first
 * difference; the rest is *only in A* / *only in B*. The BTFs are equal by meaning when nothing is left over.
 */

export interface DiffBtfOptions {
  /** Examples kept per kind and per category (only-in-A, only-in-B, changed). Default 5. */
  examples?: number;
  /**
   * Also compare the types of the bases of split BTF. By default only the own (split) types of a split BTF are
   * roots; references into the base are rendered by name as usual.
   */
  includeBase?: boolean;
}

/** Longest canonical form or difference text kept in an example. */
const EXAMPLE_TEXT_MAX = 240;

export const DiffExampleSchema = Type.Object(
  {
    key: Type.String({ description: "kind and name, e.g. `struct foo` (DECL_TAG: tag, target and component)" }),
    idA: Type.Optional(Type.Integer({ description: "type id in A" })),
    idB: Type.Optional(Type.Integer({ description: "type id in B" })),
    form: Type.Optional(Type.String({ description: "canonical form of the unmatched type (truncated)" })),
    difference: Type.Optional(
      Type.String({ description: "first difference of a changed type: `member `x`: int vs long`" }),
    ),
  },
  { additionalProperties: false },
);
export type DiffExample = Static<typeof DiffExampleSchema>;

const countsFields = {
  inA: Type.Integer({ minimum: 0, description: "roots of this kind in A" }),
  inB: Type.Integer({ minimum: 0, description: "roots of this kind in B" }),
  matched: Type.Integer({ minimum: 0, description: "roots of A with an equal root in B (as multisets)" }),
  onlyInA: Type.Integer({ minimum: 0, description: "roots of A whose key does not occur (often enough) in B" }),
  onlyInB: Type.Integer({ minimum: 0, description: "roots of B whose key does not occur (often enough) in A" }),
  changed: Type.Integer({ minimum: 0, description: "pairs with the same key and different shapes" }),
};

export const DiffCountsSchema = Type.Object(countsFields, { additionalProperties: false });
export type DiffCounts = Static<typeof DiffCountsSchema>;

export const DiffKindRowSchema = Type.Object(
  {
    kind: Type.String({ description: "BTF kind of the roots: STRUCT, UNION, ENUM, …, DECL_TAG" }),
    ...countsFields,
    examples: Type.Object(
      {
        onlyInA: Type.Array(DiffExampleSchema),
        onlyInB: Type.Array(DiffExampleSchema),
        changed: Type.Array(DiffExampleSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type DiffKindRow = Static<typeof DiffKindRowSchema>;

export const DiffSideSchema = Type.Object(
  {
    file: Type.Optional(Type.String()),
    types: Type.Integer({ minimum: 0, description: "own types (split part only for split BTF)" }),
    baseTypes: Type.Integer({ minimum: 0, description: "types of the base (0 unless split)" }),
    roots: Type.Integer({ minimum: 0, description: "types compared" }),
  },
  { additionalProperties: false },
);
export type DiffSide = Static<typeof DiffSideSchema>;

/** The JSON printed by `btfkit diff --json`. */
export const BtfDiffSchema = Type.Object(
  {
    equal: Type.Boolean({ description: "true when every root of A matches one of B and vice versa" }),
    a: DiffSideSchema,
    b: DiffSideSchema,
    kinds: Type.Array(DiffKindRowSchema, { description: "one row per root kind present in A or B" }),
    total: DiffCountsSchema,
  },
  { additionalProperties: false },
);
export type BtfDiff = Static<typeof BtfDiffSchema>;

/** Roots of one key, per side. */
interface KeyGroup {
  kind: number;
  a: number[];
  b: number[];
}

/** Unmatched roots of one kind, before the examples are picked. */
interface Leftovers {
  onlyInA: { key: string; id: number }[];
  onlyInB: { key: string; id: number }[];
  changed: { key: string; idA: number; idB: number }[];
}

export function diffBtf(a: Btf, b: Btf, opts: DiffBtfOptions = {}): BtfDiff {
  const nExamples = opts.examples ?? 5;
  if (!Number.isInteger(nExamples) || nExamples < 0) {
    throw new BtfkitError(ErrorCode.USAGE, `examples must be a non-negative integer, got ${nExamples}`);
  }
  const ca = new CanonicalForms(a);
  const cb = new CanonicalForms(b);

  const groups = new Map<string, KeyGroup>();
  const rootsA = collectRoots(ca, opts.includeBase === true, groups, "a");
  const rootsB = collectRoots(cb, opts.includeBase === true, groups, "b");

  const counts = new Map<number, DiffCounts>();
  const leftovers = new Map<number, Leftovers>();
  for (const k of ROOT_KINDS) {
    counts.set(k, { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 });
    leftovers.set(k, { onlyInA: [], onlyInB: [], changed: [] });
  }

  for (const [key, g] of groups) {
    const c = counts.get(g.kind)!;
    const left = leftovers.get(g.kind)!;
    c.inA += g.a.length;
    c.inB += g.b.length;
    let restA: number[];
    let restB: number[];
    if (g.a.length === 1 && g.b.length === 1) {
      // The common case: one root per key on each side.
      if (ca.rootForm(g.a[0]!) === cb.rootForm(g.b[0]!)) {
        c.matched++;
        continue;
      }
      restA = g.a;
      restB = g.b;
    } else if (g.a.length === 0 || g.b.length === 0) {
      restA = g.a;
      restB = g.b;
    } else {
      // Multiset match on the forms.
      const byForm = new Map<string, number[]>();
      for (const id of g.a) {
        const f = ca.rootForm(id);
        const list = byForm.get(f);
        if (list) list.push(id);
        else byForm.set(f, [id]);
      }
      restB = [];
      for (const id of g.b) {
        const list = byForm.get(cb.rootForm(id));
        if (list && list.length > 0) {
          list.pop();
          c.matched++;
        } else {
          restB.push(id);
        }
      }
      restA = [];
      for (const list of byForm.values()) for (const id of list) restA.push(id);
      restA.sort((x, y) => x - y);
    }
    const nChanged = Math.min(restA.length, restB.length);
    for (let k = 0; k < nChanged; k++) left.changed.push({ key, idA: restA[k]!, idB: restB[k]! });
    for (let k = nChanged; k < restA.length; k++) left.onlyInA.push({ key, id: restA[k]! });
    for (let k = nChanged; k < restB.length; k++) left.onlyInB.push({ key, id: restB[k]! });
    c.changed += nChanged;
    c.onlyInA += restA.length - nChanged;
    c.onlyInB += restB.length - nChanged;
  }

  const rows: DiffKindRow[] = [];
  const total: DiffCounts = { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 };
  for (const k of ROOT_KINDS) {
    const c = counts.get(k)!;
    if (c.inA === 0 && c.inB === 0) continue;
    const left = leftovers.get(k)!;
    const byKey = (x: { key: string }, y: { key: string }): number => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
    const examples: DiffKindRow["examples"] = {
      onlyInA: pick(left.onlyInA, nExamples, byKey).map((e) => ({
        key: e.key,
        idA: e.id,
        form: truncate(ca.rootForm(e.id)),
      })),
      onlyInB: pick(left.onlyInB, nExamples, byKey).map((e) => ({
        key: e.key,
        idB: e.id,
        form: truncate(cb.rootForm(e.id)),
      })),
      changed: pick(left.changed, nExamples, byKey).map((e) => ({
        key: e.key,
        idA: e.idA,
        idB: e.idB,
        difference: truncate(firstDifference(ca, e.idA, cb, e.idB)),
      })),
    };
    rows.push({ kind: kindName(k), ...c, examples });
    for (const f of ["inA", "inB", "matched", "onlyInA", "onlyInB", "changed"] as const) total[f] += c[f];
  }

  return {
    equal: total.onlyInA === 0 && total.onlyInB === 0 && total.changed === 0,
    a: { types: a.count, baseTypes: a.startId - 1, roots: rootsA },
    b: { types: b.count, baseTypes: b.startId - 1, roots: rootsB },
    kinds: rows,
    total,
  };
}

function collectRoots(c: CanonicalForms, includeBase: boolean, groups: Map<string, KeyGroup>, side: "a" | "b"): number {
  const btf = c.btf;
  const first = includeBase ? 1 : btf.startId;
  let n = 0;
  for (let id = first; id < btf.endId; id++) {
    if (!c.isRoot(id)) continue;
    n++;
    const key = c.rootKey(id);
    let g = groups.get(key);
    if (!g) {
      g = { kind: btf.kind(id), a: [], b: [] };
      groups.set(key, g);
    }
    g[side].push(id);
  }
  return n;
}

/** The first `n` of `list` in `order` (sorted by key, so examples do not depend on type ids). */
function pick<T>(list: T[], n: number, order: (x: T, y: T) => number): T[] {
  if (n === 0) return [];
  return list.slice().sort(order).slice(0, n);
}

function truncate(s: string): string {
  return s.length <= EXAMPLE_TEXT_MAX ? s : s.slice(0, EXAMPLE_TEXT_MAX - 1) + "…";
}

/** Longest item text quoted in a difference message. */
const DIFF_TEXT_MAX = 100;
/** How far a difference is followed into nested anonymous aggregates. */
const MAX_DRILL = 16;

/**
 * A short description of the first difference between two roots with the same key: the first item that differs
 * (followed into anonymous structs, unions, enums and prototypes, so a change deep in an anonymous union names
 * the member path), then the first attribute that differs.
 */
export function firstDifference(ca: CanonicalForms, idA: number, cb: CanonicalForms, idB: number): string {
  return diffShapes(ca, ca.shape(idA), cb, cb.shape(idB), "", 0) ?? "canonical forms differ";
}

function diffShapes(
  ca: CanonicalForms,
  sa: Shape,
  cb: CanonicalForms,
  sb: Shape,
  path: string,
  depth: number,
): string | undefined {
  const parts: string[] = [];
  if (sa.head !== sb.head) parts.push(`${path === "" ? "" : "`" + path.slice(0, -1) + "`: "}${sa.head} vs ${sb.head}`);
  const items = diffItems(ca, sa, cb, sb, path, depth);
  if (items !== undefined) parts.push(items);
  const n = Math.max(sa.attrs.length, sb.attrs.length);
  for (let k = 0; k < n; k++) {
    const x = sa.attrs[k];
    const y = sb.attrs[k];
    if (x !== y) {
      parts.push(`${path === "" ? "" : "`" + path.slice(0, -1) + "` "}${x ?? "(none)"} vs ${y ?? "(none)"}`);
      break;
    }
  }
  return parts.length === 0 ? undefined : parts.join("; ");
}

function diffItems(
  ca: CanonicalForms,
  sa: Shape,
  cb: CanonicalForms,
  sb: Shape,
  path: string,
  depth: number,
): string | undefined {
  const word = sa.itemWord === "" ? "" : sa.itemWord + " ";
  const ia = sa.items;
  const ib = sb.items;
  const n = Math.min(ia.length, ib.length);
  for (let k = 0; k < n; k++) {
    const x = ia[k]!;
    const y = ib[k]!;
    if (x.label === y.label) {
      if (x.text === y.text) continue;
      if (depth < MAX_DRILL) {
        const inner = drill(ca, x.typeId, cb, y.typeId, sa.itemWord === "" ? path : path + x.label + ".", depth);
        if (inner !== undefined) return inner;
      }
      return `${word}\`${path}${x.label}\`: ${clip(x.text)} vs ${clip(y.text)}`;
    }
    return labelMismatch(word, path, x.label, y.label, ia, ib);
  }
  if (ia.length > n) return labelMismatch(word, path, ia[n]!.label, undefined, ia, ib);
  if (ib.length > n) return labelMismatch(word, path, undefined, ib[n]!.label, ia, ib);
  return undefined;
}

function labelMismatch(
  word: string,
  path: string,
  la: string | undefined,
  lb: string | undefined,
  ia: Shape["items"],
  ib: Shape["items"],
): string {
  if (la !== undefined && !ib.some((i) => i.label === la)) return `${word}\`${path}${la}\` only in A`;
  if (lb !== undefined && !ia.some((i) => i.label === lb)) return `${word}\`${path}${lb}\` only in B`;
  return `${word}order differs at \`${path}${la ?? lb}\``;
}

/**
 * When two differing items refer, through the same chain of pointers, modifiers and arrays, to anonymous types of
 * the same kind, describe the difference inside them instead of quoting both expansions.
 */
function drill(
  ca: CanonicalForms,
  ta: number,
  cb: CanonicalForms,
  tb: number,
  path: string,
  depth: number,
): string | undefined {
  const pa = peel(ca, ta);
  const pb = peel(cb, tb);
  if (pa.prefix !== pb.prefix || pa.core === 0 || pb.core === 0) return undefined;
  const ka = ca.btf.kind(pa.core);
  if (ka !== cb.btf.kind(pb.core) || !isDrillable(ca.btf, pa.core) || !isDrillable(cb.btf, pb.core)) return undefined;
  return diffShapes(ca, ca.shape(pa.core), cb, cb.shape(pb.core), path, depth + 1);
}

function isDrillable(btf: Btf, id: number): boolean {
  const k = btf.kind(id);
  const aggregate = isCompositeKind(k) || isEnumKind(k);
  return (aggregate && !hasName(btf, id)) || k === BTF_KIND.FUNC_PROTO;
}

/** Follow anonymous pointers, modifiers and arrays: the chain as text and the type it ends at. */
function peel(c: CanonicalForms, id: number): { prefix: string; core: number } {
  const btf = c.btf;
  let prefix = "";
  for (let steps = 0; steps < 64; steps++) {
    if (id === 0 || !btf.hasId(id)) return { prefix, core: 0 };
    switch (btf.kind(id)) {
      case BTF_KIND.PTR:
        prefix += "*";
        id = btf.sizeTypeOf(id);
        break;
      case BTF_KIND.CONST:
        prefix += "const ";
        id = btf.sizeTypeOf(id);
        break;
      case BTF_KIND.VOLATILE:
        prefix += "volatile ";
        id = btf.sizeTypeOf(id);
        break;
      case BTF_KIND.RESTRICT:
        prefix += "restrict ";
        id = btf.sizeTypeOf(id);
        break;
      case BTF_KIND.TYPE_TAG:
        prefix += `${btf.kflag(id) ? "type_attr" : "type_tag"}(${btf.name(id)}) `;
        id = btf.sizeTypeOf(id);
        break;
      case BTF_KIND.ARRAY:
        prefix += `[${btf.extraWord(id, 2)}]`;
        id = btf.extraWord(id, 0);
        break;
      default:
        return { prefix, core: id };
    }
  }
  return { prefix, core: 0 };
}

function clip(s: string): string {
  return s.length <= DIFF_TEXT_MAX ? s : s.slice(0, DIFF_TEXT_MAX - 1) + "…";
}
