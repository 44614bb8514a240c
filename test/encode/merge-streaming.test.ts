/**
 * The encode pipeline's memory-saving paths must not change a byte: names left in `.debug_str` (`debugStrRefs`,
 * interned once by the merge), unit tables reused between units (`reuseTables`), units merged as soon as they are
 * converted (references to type units merged later patched by `finish`), and worker threads. Each is compared with
 * the self-contained path (every unit converted into its own table with its own strings, all merged at the end)
 * on the committed fixtures, which cover DWARF 2-5, type units in .debug_types and in .debug_info, dwz's
 * .debug_str in a supplementary file, split DWARF and compressed sections.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBtf } from "../../src/btf-writer/write.js";
import { CuConverter, type CuBtf, STR_REF } from "../../src/dwarf/btf/convert-cu.js";
import { parseFeatures } from "../../src/dwarf/btf/features.js";
import { functionSymbolNames } from "../../src/dwarf/btf/functions.js";
import { BtfMerger } from "../../src/dwarf/btf/merge.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { encodeFile, encodeFileParallel, selectUnits } from "../../src/encode/encode.js";
import { readSymbols } from "../../src/elf/symbols.js";
import { DWARF_FIXTURES, SAMPLE_O } from "./helpers.js";

const FIXTURES = ["c-gcc-dw2", "c-gcc-dw4-types", "c-gcc-dw5-types", "c-clang-dw5-types", "c-clang-dw4", "c-gcc-dw5", "dwz-a", "c-gcc-split", "c-gcc-zlib"];

/** Merge the units' types (no functions, no dedup) converted with the given options; also how many names were refs. */
function mergeUnits(path: string, refs: boolean): { bytes: Uint8Array; strRefs: number; unresolved: number } {
  const dwarf = DwarfFile.open(path);
  try {
    const features = parseFeatures(undefined);
    const conv = new CuConverter(dwarf, { features, functionNames: functionSymbolNames(readSymbols(dwarf.elf), false), debugStrRefs: refs, reuseTables: refs });
    const merger = new BtfMerger(undefined, refs ? { debugStr: dwarf.str } : {});
    let strRefs = 0;
    const all: CuBtf[] = [];
    for (const unit of selectUnits(dwarf).units) {
      const cu = conv.convert(unit);
      for (let i = 0; i < cu.btf.count; i++) if (cu.btf.nameOff[i]! >= STR_REF) strRefs++;
      // Self-contained units may be kept and merged later; reused tables must be merged at once.
      if (refs) merger.add(cu);
      else all.push(cu);
    }
    for (const cu of all) merger.add(cu);
    const out = merger.finish();
    return { bytes: writeBtf(out), strRefs, unresolved: merger.unresolved };
  } finally {
    dwarf.close();
  }
}

describe("merging with .debug_str references and reused unit tables", () => {
  for (const name of FIXTURES) {
    it(`gives the same merged table as self-contained units: ${name}`, () => {
      const path = join(DWARF_FIXTURES, name);
      const plain = mergeUnits(path, false);
      const refs = mergeUnits(path, true);
      expect(plain.strRefs).toBe(0);
      expect(Buffer.from(refs.bytes).equals(Buffer.from(plain.bytes))).toBe(true);
      expect(refs.unresolved).toBe(plain.unresolved);
    });
  }

  it("leaves names in .debug_str when asked (gcc's DWARF 5 names are strp)", () => {
    expect(mergeUnits(join(DWARF_FIXTURES, "c-gcc-dw5"), true).strRefs).toBeGreaterThan(10);
  });

  it("refuses .debug_str references when the merger was not given .debug_str", () => {
    const dwarf = DwarfFile.open(join(DWARF_FIXTURES, "c-gcc-dw5"));
    try {
      const conv = new CuConverter(dwarf, { features: parseFeatures(undefined), functionNames: new Set(), debugStrRefs: true });
      const merger = new BtfMerger();
      expect(() => merger.add(conv.convert(selectUnits(dwarf).units[0]!))).toThrow(/debug_str/);
    } finally {
      dwarf.close();
    }
  });
});

describe("encode with worker threads", () => {
  for (const name of ["c-gcc-dw4-types", "c-gcc-dw5-types", "dwz-a"]) {
    it(`writes the same bytes with -j3 as with -j1: ${name}`, async () => {
      const path = join(DWARF_FIXTURES, name);
      const one = writeBtf(encodeFile(path).btf);
      const three = writeBtf((await encodeFileParallel(path, { jobs: 3 })).btf);
      expect(Buffer.from(three).equals(Buffer.from(one))).toBe(true);
    });
  }

  it("writes the same bytes with -j2 as with -j1 without dedup (string order included)", async () => {
    const one = writeBtf(encodeFile(SAMPLE_O, { dedup: false }).btf);
    const two = writeBtf((await encodeFileParallel(SAMPLE_O, { jobs: 2, dedup: false })).btf);
    expect(Buffer.from(two).equals(Buffer.from(one))).toBe(true);
  });
});
