/**
 * The report of `btfkit dedup --stats`: the dedup's per-pass figures (`dedupBtf(…, { collectStats: true })`), the
 * totals per kind, and for split BTF what folded into the base and why the rest did not (`splitFoldReport`).
 */
import { Type, type Static } from "@sinclair/typebox";
import type { Btf } from "../btf/btf.js";
import { kindName, infoKind } from "../btf/kinds.js";
import { dedupBtf, DedupPassSchema, KindCountsSchema, type DedupPass, type KindCounts } from "./dedup.js";
import { formatDivergence } from "./divergence.js";
import { splitFoldReport, SplitFoldSchema } from "./explain.js";

export const DedupReportSchema = Type.Object(
  {
    file: Type.String(),
    base: Type.Optional(Type.String()),
    typesIn: Type.Integer({ minimum: 0, description: "own types in the input" }),
    typesOut: Type.Integer({ minimum: 0, description: "own types in the output" }),
    typesInByKind: KindCountsSchema,
    typesOutByKind: KindCountsSchema,
    mergedByKind: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: "own input types merged into another type (typesInByKind = typesOutByKind + mergedByKind)",
    }),
    stringBytesIn: Type.Integer({ minimum: 0 }),
    stringBytesOut: Type.Integer({ minimum: 0 }),
    wallMs: Type.Number({ minimum: 0, description: "the dedup call (the census scans of --stats included)" }),
    cpuMs: Type.Number({ minimum: 0, description: "sum of the passes' CPU time" }),
    passes: Type.Array(DedupPassSchema),
    split: Type.Optional(SplitFoldSchema),
  },
  { $id: "btfkit/dedup-report", additionalProperties: false },
);
export type DedupReport = Static<typeof DedupReportSchema>;

export interface DedupReportOptions {
  file: string;
  base?: string;
  /** How many kept split types with a base name get a divergence path (default 10). */
  explain?: number;
  consumeInput?: boolean;
  forceCollisions?: boolean;
}

/** Deduplicate `btf` with statistics; returns the output table and the report. */
export function dedupWithReport(btf: Btf, opts: DedupReportOptions): { btf: Btf; report: DedupReport } {
  // Counted before the dedup: with consumeInput the input's arrays are taken over.
  const typesInByKind = countKinds(btf);
  const res = dedupBtf(btf, {
    collectStats: true,
    consumeInput: opts.consumeInput,
    forceCollisions: opts.forceCollisions,
  });
  const passes = res.passes!;
  const typesOutByKind = countKinds(res.btf);
  const mergedByKind: KindCounts = {};
  for (const [k, n] of Object.entries(typesInByKind)) {
    const m = n - (typesOutByKind[k] ?? 0);
    if (m !== 0) mergedByKind[k] = m;
  }
  const report: DedupReport = {
    file: opts.file,
    typesIn: res.stats.typesIn,
    typesOut: res.stats.typesOut,
    typesInByKind,
    typesOutByKind,
    mergedByKind,
    stringBytesIn: res.stats.stringBytesIn,
    stringBytesOut: res.stats.stringBytesOut,
    wallMs: res.stats.ms,
    cpuMs: passes.reduce((a, p) => a + p.cpuMs, 0),
    passes,
  };
  if (opts.base !== undefined) report.base = opts.base;
  if (res.btf.base) report.split = splitFoldReport(res.btf, res.foldedIntoBase ?? {}, opts.explain ?? 10);
  return { btf: res.btf, report };
}

function countKinds(btf: Btf): KindCounts {
  const c = new Map<number, number>();
  for (let i = 0; i < btf.count; i++) {
    const k = infoKind(btf.info[i]!);
    c.set(k, (c.get(k) ?? 0) + 1);
  }
  const r: KindCounts = {};
  for (const k of [...c.keys()].sort((a, b) => a - b)) r[kindName(k)] = c.get(k)!;
  return r;
}

const PASS_TITLES: Record<DedupPass["name"], string> = {
  base: "base types hashed",
  strings: "strings",
  primitives: "primitives (INT FLOAT FWD ENUM)",
  structs: "struct/union/typedef graphs",
  fwds: "stand-alone FWD resolution",
  references: "references (PTR, modifiers, ARRAY, FUNC…)",
  compaction: "compaction and remap",
};

/**
 * A path of at most `keep` named steps: the root's member step, "…", and the last steps (the JSON report has the
 * whole path). Cross-module paths through a kernel run to forty structs.
 */
export function shortPath(path: string, keep = 6): string {
  const steps = path.split(" -> ");
  if (steps.length <= keep) return path;
  return [steps[0]!, "…", ...steps.slice(steps.length - (keep - 2))].join(" -> ");
}

/** The human-readable rendering of a report (long paths shortened, see `shortPath`). */
export function formatDedupReport(r: DedupReport): string {
  const L: string[] = [];
  const num = (n: number) => n.toLocaleString("en-US");
  L.push(
    `${r.file}${r.base ? ` (split, base ${r.base})` : ""}: types ${num(r.typesIn)} -> ${num(r.typesOut)}, strings ${num(r.stringBytesIn)} -> ${num(r.stringBytesOut)} bytes, ${r.wallMs.toFixed(1)} ms wall, ${r.cpuMs.toFixed(1)} ms CPU`,
  );
  L.push("");
  L.push("pass                                          wall ms    CPU ms  merged");
  for (const p of r.passes) {
    const merged =
      Object.entries(p.merged)
        .map(([k, n]) => `${k} ${num(n)}`)
        .join(", ") || "-";
    L.push(
      `${PASS_TITLES[p.name].padEnd(44)} ${p.wallMs.toFixed(1).padStart(8)} ${p.cpuMs.toFixed(1).padStart(9)}  ${merged}`,
    );
    const details: string[] = [];
    if (p.candidatesCompared !== undefined)
      details.push(`${num(p.candidatesCompared)} candidates compared, ${num(p.hashCollisions ?? 0)} hash collisions`);
    if (p.enumForwardsRedirected) details.push(`${num(p.enumForwardsRedirected)} enum forwards redirected`);
    if (p.equivalenceChecks !== undefined) {
      details.push(
        `${num(p.precheckRejected ?? 0)} rejected by the pre-check, ${num(p.equivalenceChecks)} graph equivalence checks, ${num(p.equivalenceFailed ?? 0)} failed`,
      );
      if (p.baseFwdRefusals) details.push(`${num(p.baseFwdRefusals)} refused (base FWD)`);
    }
    if (p.fwdsPending !== undefined) {
      details.push(
        `${num(p.fwdsPending)} FWDs unresolved before: ${num(p.fwdsResolved ?? 0)} resolved by name, ${num(p.fwdsAmbiguous ?? 0)} ambiguous, ${num(p.fwdsWithoutDefinition ?? 0)} without a definition, ${num(p.fwdsKindMismatch ?? 0)} struct/union mismatch`,
      );
    }
    if (details.length) L.push(`    ${details.join("; ")}`);
  }
  L.push("");
  L.push("kind          in        out     merged");
  for (const [k, n] of Object.entries(r.typesInByKind)) {
    L.push(
      `${k.padEnd(10)} ${num(n).padStart(9)} ${num(r.typesOutByKind[k] ?? 0).padStart(10)} ${num(r.mergedByKind[k] ?? 0).padStart(10)}`,
    );
  }
  if (r.split) {
    const s = r.split;
    L.push("");
    const folded = Object.entries(s.foldedByKind)
      .map(([k, n]) => `${k} ${num(n)}`)
      .join(", ");
    L.push(`split: ${num(s.foldedIntoBase)} types folded into the base${folded ? ` (${folded})` : ""}`);
    L.push(
      `       ${num(s.keptWithBaseName)} named types kept although the base has a type of that name; ${num(s.keptNew)} named types new to the split BTF`,
    );
    for (const e of s.notFolded) {
      const why =
        e.path !== undefined
          ? formatDivergence(
              { path: e.path, difference: e.difference!, ids: [e.baseId, e.id], copies: e.copies },
              shortPath,
            )
          : e.forwardOnly !== undefined
            ? `same shape; ${e.forwardOnly}`
            : "same shape";
      L.push(`  [${e.id}] ${e.type} vs base [${e.baseId}]: ${why}`);
    }
    if (s.keptWithBaseName > s.notFolded.length)
      L.push(`  … ${num(s.keptWithBaseName - s.notFolded.length)} more (--explain N)`);
  }
  return L.join("\n") + "\n";
}
