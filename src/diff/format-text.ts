import type { BtfDiff, DiffCounts, DiffExample } from "./diff-btf.js";

const COLUMNS: readonly [keyof DiffCounts, string][] = [
  ["inA", "in A"],
  ["inB", "in B"],
  ["matched", "matched"],
  ["onlyInA", "only-in-A"],
  ["onlyInB", "only-in-B"],
  ["changed", "changed"],
];

/**
 * The human-readable report of `btfkit diff`: a per-kind table, then the examples of each kind, then a verdict
 * line. Plain text, no colours, stable for a given pair of inputs.
 */
export function formatDiffText(d: BtfDiff, names: { a: string; b: string } = { a: "A", b: "B" }): string {
  const lines: string[] = [];
  lines.push(`A: ${names.a} (${sideText(d.a)})`);
  lines.push(`B: ${names.b} (${sideText(d.b)})`);
  lines.push("");

  const table: string[][] = [["kind", ...COLUMNS.map((c) => c[1])]];
  for (const r of d.kinds) table.push([r.kind, ...COLUMNS.map((c) => String(r[c[0]]))]);
  table.push(["total", ...COLUMNS.map((c) => String(d.total[c[0]]))]);
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  for (const row of table) {
    lines.push(
      row
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
        .join("  ")
        .trimEnd(),
    );
  }

  for (const r of d.kinds) {
    section(
      lines,
      `${r.kind} changed`,
      r.changed,
      r.examples.changed,
      (e) => `${e.key}: ${e.difference ?? ""}${ids(e)}`,
    );
    section(lines, `${r.kind} only in A`, r.onlyInA, r.examples.onlyInA, (e) => `${e.form ?? e.key}${ids(e)}`);
    section(lines, `${r.kind} only in B`, r.onlyInB, r.examples.onlyInB, (e) => `${e.form ?? e.key}${ids(e)}`);
  }
  lines.push("");
  lines.push(d.equal ? "equal by meaning" : "differ");
  return lines.join("\n") + "\n";
}

function sideText(s: BtfDiff["a"]): string {
  const base = s.baseTypes > 0 ? ` on a base of ${s.baseTypes}` : "";
  return `${s.types} types${base}, ${s.roots} compared`;
}

function ids(e: DiffExample): string {
  const parts: string[] = [];
  if (e.idA !== undefined) parts.push(`A:[${e.idA}]`);
  if (e.idB !== undefined) parts.push(`B:[${e.idB}]`);
  return parts.length === 0 ? "" : "  " + parts.join(" ");
}

function section(
  lines: string[],
  title: string,
  count: number,
  examples: DiffExample[],
  line: (e: DiffExample) => string,
): void {
  if (count === 0) return;
  lines.push("");
  lines.push(`${title} (${count}):`);
  for (const e of examples) lines.push("  " + line(e));
  if (count > examples.length) lines.push(`  … and ${count - examples.length} more`);
}
