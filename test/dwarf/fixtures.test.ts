/**
 * Every DWARF fixture read end to end and cross-checked with the reference tools: units, DIEs per tag and every
 * DW_AT_name (keyed by DIE offset) must match llvm-dwarfdump, and the names must match readelf (which applies
 * relocations of .o files itself, and resolves dwz alt strings).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DW_AT, DwarfFile, tagName } from "../../src/dwarf/index.js";
import { FIXTURES, LLVM_TWIN, fixtureFiles, haveTool, llvmDwarfdump, readelfNames } from "./reference.js";

const HAVE_LLVM = haveTool("llvm-dwarfdump");
const HAVE_READELF = haveTool("readelf");
if (!HAVE_LLVM) console.warn("skipping llvm-dwarfdump cross-checks: llvm-dwarfdump is not installed");
if (!HAVE_READELF) console.warn("skipping readelf cross-checks: readelf (binutils) is not installed");

interface Ours {
  units: number;
  tags: Map<string, number>;
  names: Map<string, string>;
}

function readOurs(path: string): Ours {
  const d = DwarfFile.open(path);
  try {
    const tags = new Map<string, number>();
    const names = new Map<string, string>();
    let units = 0;
    const c = d.cursor();
    for (const u of d.allUnits()) {
      units++;
      c.reset(u);
      while (c.next()) {
        const t = tagName(c.tag);
        tags.set(t, (tags.get(t) ?? 0) + 1);
        const n = c.string(DW_AT.DW_AT_name);
        if (n !== undefined) names.set(`${u.section}:0x${c.offset.toString(16)}`, n);
      }
    }
    return { units, tags, names };
  } finally {
    d.close();
  }
}

const sorted = <K, V>(m: Map<K, V>): [K, V][] => [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe("DWARF fixtures", () => {
  it("there are fixtures", () => {
    expect(fixtureFiles.length).toBeGreaterThan(20);
  });

  for (const f of fixtureFiles) {
    const path = join(FIXTURES, f);
    it.skipIf(!HAVE_LLVM)(`${f}: units, DIEs per tag and names match llvm-dwarfdump`, () => {
      const ours = readOurs(path);
      const ref = llvmDwarfdump(join(FIXTURES, LLVM_TWIN[f] ?? f));
      expect(ours.units).toBe(ref.units);
      expect(sorted(ours.tags)).toEqual(sorted(ref.tags));
      // llvm-dwarfdump cannot print dwz alt strings (it shows an empty name).
      if (!f.startsWith("dwz-")) expect(sorted(ours.names)).toEqual(sorted(ref.names));
    });
    it.skipIf(!HAVE_READELF)(`${f}: names match readelf --debug-dump=info`, () => {
      const ours = readOurs(path);
      const ref = readelfNames(path);
      const mine = new Map(
        [...ours.names].filter(([k]) => k.startsWith(".debug_info:") || k.startsWith(".debug_types:")),
      );
      expect(sorted(mine)).toEqual(sorted(ref));
    });
  }
});
