/**
 * Every `docs/<file>.md §N` the code cites names a section that exists in the repository's docs/ folder, so a
 * comment never points at a note that moved or was renumbered. Ranges (`§1.1–1.2`) and lists (`§2.1 and §3`) are
 * checked section by section.
 */
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const docsDir = join(root, "docs");

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "fixtures" || name === "out" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (/\.(ts|mjs|js|md|sh)$/.test(name)) out.push(path);
  }
  return out;
}

/** Section numbers of a note: `## 3. …` → "3", `### 1.2 …` → "1.2". */
function sectionsOf(file: string): Set<string> {
  const numbers = new Set<string>();
  for (const m of readFileSync(file, "utf8").matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)) numbers.add(m[1]!);
  return numbers;
}

interface Citation {
  where: string;
  note: string;
  section: string;
}

/** `docs/dedup.md §3`, `docs/modern-kernel.md §1.1–1.2`, `docs/modern-kernel.md §2.1 and §3`. */
function citationsIn(path: string): Citation[] {
  const text = readFileSync(path, "utf8");
  const out: Citation[] = [];
  for (const m of text.matchAll(/docs\/([a-z0-9-]+\.md)((?:[ ,]*(?:and )?§\d+(?:\.\d+)*(?:[–-]\d+(?:\.\d+)*)?)*)/g)) {
    const line = text.slice(0, m.index).split("\n").length;
    const where = `${relative(root, path)}:${line}`;
    if (m[2] === "") out.push({ where, note: m[1]!, section: "" });
    for (const s of m[2]!.matchAll(/§(\d+(?:\.\d+)*)(?:[–-](\d+(?:\.\d+)*))?/g)) {
      out.push({ where, note: m[1]!, section: s[1]! });
      if (s[2] !== undefined) {
        const end = s[2].includes(".") || !s[1]!.includes(".") ? s[2] : `${s[1]!.split(".")[0]}.${s[2]}`;
        out.push({ where, note: m[1]!, section: end });
      }
    }
  }
  return out;
}

describe("docs/ references", () => {
  const sources = ["src", "bench", "test"].flatMap((d) => filesUnder(join(root, d)));
  sources.push(join(root, "README.md"), ...readdirSync(docsDir).map((n) => join(docsDir, n)));
  const citations = sources.flatMap(citationsIn);

  it("finds the citations the code makes (the scan is not vacuous)", () => {
    expect(citations.filter((c) => c.section !== "").length).toBeGreaterThan(10);
    expect(citations.some((c) => c.note === "dedup.md" && c.section === "3")).toBe(true);
  });

  it("cites notes one way: docs/<file>.md §N", () => {
    const loose: string[] = [];
    for (const path of sources) {
      if (path.startsWith(docsDir) || path.endsWith("references.test.ts")) continue;
      const text = readFileSync(path, "utf8");
      for (const m of text.matchAll(/(?:docs |shared\/docs\/)[a-z0-9-]+\.md/g)) {
        loose.push(`${relative(root, path)}:${text.slice(0, m.index).split("\n").length}: ${m[0]}`);
      }
    }
    expect(loose).toEqual([]);
  });

  it("every cited note exists and every cited section is a heading of it", () => {
    const missing: string[] = [];
    const sections = new Map<string, Set<string>>();
    for (const c of citations) {
      const file = join(docsDir, c.note);
      if (!existsSync(file)) {
        missing.push(`${c.where}: docs/${c.note} does not exist`);
        continue;
      }
      if (c.section === "") continue;
      let known = sections.get(c.note);
      if (known === undefined) sections.set(c.note, (known = sectionsOf(file)));
      if (!known.has(c.section)) missing.push(`${c.where}: docs/${c.note} has no §${c.section}`);
    }
    expect(missing).toEqual([]);
  });
});
