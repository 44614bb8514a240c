/**
 * Explanations of what the dedup left apart, built on `compareGraphs`:
 *   - `explainDuplicates`: every definition of one name (`struct foo`) in a BTF (and its base), grouped by shape,
 *     with the first place where each group's graph differs from the first definition's (`btfkit explain-dup`);
 *   - `splitFoldReport`: for deduplicated split BTF, the own named types the base also has a type of that name for,
 *     and why the first few did not fold into it (`btfkit dedup --stats --base`).
 */
import { Type, type Static } from "@sinclair/typebox";
import type { Btf } from "../btf/btf.js";
import { BTF_KIND, infoKind, infoVlen, isCompositeKind, kindName } from "../btf/kinds.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { compareGraphs, formatDivergence, typeLabel, type GraphComparison } from "./divergence.js";

const K = BTF_KIND;

/** C keyword of the kinds a name can be asked for with (`struct foo`); FWDs are declarations, not definitions. */
const KEYWORD_KINDS: Record<string, readonly number[]> = {
  struct: [K.STRUCT],
  union: [K.UNION],
  enum: [K.ENUM, K.ENUM64],
  typedef: [K.TYPEDEF],
};
const DEFINITION_KINDS: readonly number[] = [
  K.STRUCT,
  K.UNION,
  K.ENUM,
  K.ENUM64,
  K.TYPEDEF,
  K.INT,
  K.FLOAT,
  K.FUNC,
  K.VAR,
];

/** Which keyword groups a definition kind: struct and union apart, ENUM and ENUM64 together. */
function kindGroup(k: number): string {
  switch (k) {
    case K.STRUCT:
      return "struct";
    case K.UNION:
      return "union";
    case K.ENUM:
    case K.ENUM64:
      return "enum";
    case K.TYPEDEF:
      return "typedef";
    default:
      return kindName(k).toLowerCase();
  }
}

export const CopiesSchema = Type.Union(
  [
    Type.Object({ path: Type.String(), difference: Type.String() }, { description: "where the two copies differ" }),
    Type.Object(
      { sameShape: Type.Literal(true) },
      { description: "one shape, not provably identical within 16 levels" },
    ),
  ],
  { description: "for a type matched with two non-identical types: what those two have" },
);

const ComparisonSchema = Type.Object({
  path: Type.String({ description: "where the graphs first differ: root, .member steps, -> named types entered" }),
  difference: Type.String({ description: "what differs there" }),
  ids: Type.Tuple([Type.Integer(), Type.Integer()], { description: "the two type ids compared at that point" }),
  copies: Type.Optional(CopiesSchema),
});

export const ExplainDupSchema = Type.Object(
  {
    file: Type.String(),
    base: Type.Optional(Type.String()),
    name: Type.String({ description: "the name asked for, with its keyword (struct foo)" }),
    definitions: Type.Array(
      Type.Object({
        id: Type.Integer(),
        inBase: Type.Boolean(),
        kind: Type.String(),
        size: Type.Optional(Type.Integer()),
        members: Type.Optional(Type.Integer()),
        shape: Type.Integer({ description: "index of its shape group in `shapes` (0: the first definition's)" }),
      }),
    ),
    shapes: Type.Array(
      Type.Object({
        ids: Type.Array(Type.Integer(), { description: "definitions with this shape" }),
        divergence: Type.Optional(ComparisonSchema),
        forwardOnly: Type.Optional(
          Type.Object(
            {
              path: Type.String(),
              side: Type.Union([Type.Literal("first"), Type.Literal("second")]),
              type: Type.String(),
              ids: Type.Tuple([Type.Integer(), Type.Integer()], {
                description: "the two definitions compared (first, second)",
              }),
            },
            { description: "the same shape only because one side reaches a FWD here" },
          ),
        ),
      }),
      { description: "shape groups; each after the first has the first point where it differs from the first" },
    ),
  },
  { $id: "btfkit/explain-dup", additionalProperties: false },
);
export type ExplainDupReport = Static<typeof ExplainDupSchema>;

/**
 * The definitions of `query` in `btf` (base types first): "struct foo", "union foo", "enum foo", "typedef foo", or a
 * bare name, which takes the kind group with the most definitions (struct before typedef on a tie).
 */
export function findDefinitions(btf: Btf, query: string): { label: string; ids: number[] } {
  const m = /^\s*(?:(struct|union|enum|typedef)\s+)?(\S+)\s*$/.exec(query);
  if (!m) throw new BtfkitError(ErrorCode.USAGE, `cannot read the name '${query}' (write e.g. 'struct foo' or 'foo')`);
  const keyword = m[1],
    name = m[2]!;
  const kinds = keyword ? KEYWORD_KINDS[keyword]! : DEFINITION_KINDS;
  const byGroup = new Map<string, number[]>();
  for (let id = 1; id < btf.endId; id++) {
    const inf = btf.infoOf(id);
    const k = infoKind(inf);
    if (!kinds.includes(k)) continue;
    if ((k === K.ENUM || k === K.ENUM64) && infoVlen(inf) === 0) continue; // a forward enum
    if (btf.name(id) !== name) continue;
    const g = kindGroup(k);
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(id);
  }
  let best: [string, number[]] | undefined;
  for (const e of byGroup) if (!best || e[1].length > best[1].length) best = e;
  if (!best) return { label: keyword ? `${keyword} ${name}` : name, ids: [] };
  const label = ["struct", "union", "enum", "typedef"].includes(best[0])
    ? `${best[0]} ${name}`
    : `${name} (${best[0]})`;
  return { label, ids: best[1] };
}

/** Group the definitions of `query` by shape and say where each group differs from the first definition. */
export function explainDuplicates(btf: Btf, query: string, where: { file: string; base?: string }): ExplainDupReport {
  const { label, ids } = findDefinitions(btf, query);
  if (ids.length === 0) throw new BtfkitError(ErrorCode.NOT_FOUND, `no definition of ${label}`, { file: where.file });
  // `cmp`: the group's representative against the first definition; `forwardOnly`: the first place where a member of
  // the group has the same shape as its representative only because one side reaches a FWD (why split BTF keeps it).
  const shapes: Array<{
    rep: number;
    ids: number[];
    cmp?: GraphComparison;
    forwardOnly?: GraphComparison["forwardOnly"];
    fwdPartner?: number;
  }> = [];
  const shapeOf: number[] = [];
  for (const id of ids) {
    let group = -1;
    for (let g = 0; g < shapes.length && group < 0; g++) {
      const c = compareGraphs(btf, shapes[g]!.rep, id);
      if (c.divergence) continue;
      group = g;
      if (c.forwardOnly && !shapes[g]!.forwardOnly) {
        shapes[g]!.forwardOnly = c.forwardOnly;
        shapes[g]!.fwdPartner = id;
      }
    }
    if (group < 0) {
      group = shapes.length;
      shapes.push({ rep: id, ids: [], cmp: shapes.length > 0 ? compareGraphs(btf, shapes[0]!.rep, id) : undefined });
    }
    shapes[group]!.ids.push(id);
    shapeOf.push(group);
  }
  const firstOwn = btf.startId;
  const report: ExplainDupReport = {
    file: where.file,
    name: label,
    definitions: ids.map((id, i) => {
      const k = btf.kind(id);
      const d: ExplainDupReport["definitions"][number] = {
        id,
        inBase: id < firstOwn,
        kind: kindName(k),
        shape: shapeOf[i]!,
      };
      if (k === K.STRUCT || k === K.UNION || k === K.ENUM || k === K.ENUM64 || k === K.INT || k === K.FLOAT)
        d.size = btf.sizeTypeOf(id);
      if (isCompositeKind(k)) d.members = btf.vlen(id);
      return d;
    }),
    shapes: shapes.map((s) => {
      const g: ExplainDupReport["shapes"][number] = { ids: s.ids };
      if (s.cmp?.divergence) g.divergence = s.cmp.divergence;
      if (s.forwardOnly) g.forwardOnly = { ...s.forwardOnly, ids: [s.rep, s.fwdPartner!] };
      else if (s.cmp?.forwardOnly) g.forwardOnly = { ...s.cmp.forwardOnly, ids: [shapes[0]!.rep, s.rep] };
      return g;
    }),
  };
  if (where.base !== undefined) report.base = where.base;
  return report;
}

/** `explain-dup`'s text rendering. */
export function formatExplainDup(r: ExplainDupReport): string {
  const lines: string[] = [];
  const n = r.definitions.length;
  lines.push(
    `${r.name}: ${n} definition${n === 1 ? "" : "s"} in ${r.file}${r.base ? ` (base ${r.base})` : ""}, ${r.shapes.length} shape${r.shapes.length === 1 ? "" : "s"}`,
  );
  for (const d of r.definitions) {
    const size = d.size !== undefined ? `, ${d.size} bytes` : "";
    const members = d.members !== undefined ? `, ${d.members} members` : "";
    lines.push(`  [${d.id}]${d.inBase ? " (base)" : ""} ${d.kind}${size}${members}  shape ${d.shape + 1}`);
  }
  const first = r.shapes[0]!.ids[0]!;
  r.shapes.forEach((s, i) => {
    if (i === 0) return;
    const rep = s.ids[0]!;
    if (s.divergence) lines.push(`[${first}] vs [${rep}]: ${formatDivergence(s.divergence)}`);
  });
  for (const s of r.shapes) {
    if (s.ids.length < 2 || s.divergence) continue;
    const fwd = s.forwardOnly;
    const where = fwd
      ? `; at ${fwd.path} [${fwd.side === "first" ? fwd.ids[0] : fwd.ids[1]}] has only a forward declaration of ${fwd.type}`
      : "";
    lines.push(
      `${s.ids.map((id) => `[${id}]`).join(", ")}: the same shape${where}` +
        (fwd
          ? " (split BTF: a base type that reaches a base FWD cannot take an own definition)"
          : " (the dedup merges them)"),
    );
  }
  return lines.join("\n") + "\n";
}

export const SplitFoldSchema = Type.Object(
  {
    foldedIntoBase: Type.Integer({ minimum: 0, description: "own input types whose representative is a base type" }),
    foldedByKind: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    keptWithBaseName: Type.Integer({
      minimum: 0,
      description: "own named output types the base has a type of that name and kind for",
    }),
    keptNew: Type.Integer({
      minimum: 0,
      description:
        "own named output types whose name the base does not have for that kind (a base FWD alone does not count: it cannot take a definition)",
    }),
    notFolded: Type.Array(
      Type.Object({
        id: Type.Integer(),
        type: Type.String(),
        baseId: Type.Integer(),
        path: Type.Optional(Type.String()),
        difference: Type.Optional(Type.String()),
        copies: Type.Optional(CopiesSchema),
        forwardOnly: Type.Optional(Type.String({ description: "same shape, but one side reaches only a FWD here" })),
      }),
      { description: "the first of the kept types with a base name, and where each differs from the base's type" },
    ),
  },
  { additionalProperties: false },
);
export type SplitFold = Static<typeof SplitFoldSchema>;

/** Kinds whose named types are compared with the base's (the kinds a C declaration names). */
const FOLDABLE: readonly number[] = [K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.TYPEDEF, K.INT, K.FLOAT, K.FWD];

/**
 * For deduplicated split BTF `out` (on its base): the own named types that stayed although the base has a type of
 * that name and kind, with the first `explain` explained against the base's type (the first of that name).
 */
export function splitFoldReport(out: Btf, foldedByKind: Record<string, number>, explain = 10): SplitFold {
  const base = out.base;
  if (!base) throw new BtfkitError(ErrorCode.USAGE, "the fold report needs split BTF");
  // First definition of each name in the base, and apart from them its forward declarations: an own definition is
  // compared with a base definition only (a base FWD cannot take it), an own FWD with either.
  const baseDefinitions = new Map<string, number>();
  const baseForwards = new Map<string, number>();
  for (let id = 1; id < base.endId; id++) {
    const k = base.kind(id);
    if (!FOLDABLE.includes(k)) continue;
    const name = base.name(id);
    if (name === "") continue;
    const map = k === K.FWD ? baseForwards : baseDefinitions;
    const key = `${kindGroup(k === K.FWD ? (base.kflag(id) ? K.UNION : K.STRUCT) : k)} ${name}`;
    if (!map.has(key)) map.set(key, id);
  }
  const report: SplitFold = {
    foldedIntoBase: Object.values(foldedByKind).reduce((a, b) => a + b, 0),
    foldedByKind,
    keptWithBaseName: 0,
    keptNew: 0,
    notFolded: [],
  };
  for (let id = out.startId; id < out.endId; id++) {
    const k = out.kind(id);
    if (!FOLDABLE.includes(k)) continue;
    const name = out.name(id);
    if (name === "") continue;
    const key = `${kindGroup(k === K.FWD ? (out.kflag(id) ? K.UNION : K.STRUCT) : k)} ${name}`;
    const baseId = baseDefinitions.get(key) ?? (k === K.FWD ? baseForwards.get(key) : undefined);
    if (baseId === undefined) {
      report.keptNew++;
      continue;
    }
    report.keptWithBaseName++;
    if (report.notFolded.length >= explain) continue;
    const cmp = compareGraphs(out, baseId, id);
    const entry: SplitFold["notFolded"][number] = { id, type: typeLabel(out, id), baseId };
    if (cmp.divergence) {
      entry.path = cmp.divergence.path;
      entry.difference = cmp.divergence.difference;
      if (cmp.divergence.copies) entry.copies = cmp.divergence.copies;
    } else if (cmp.forwardOnly) {
      entry.forwardOnly = `${cmp.forwardOnly.path}: the ${cmp.forwardOnly.side === "first" ? "base" : "split BTF"} has only a forward declaration of ${cmp.forwardOnly.type}`;
    }
    report.notFolded.push(entry);
  }
  return report;
}
