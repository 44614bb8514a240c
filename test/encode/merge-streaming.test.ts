/**
 * The encode pipeline's memory-saving paths must not change a byte: names left in `.debug_str` (`debugStrRefs`,
 * interned once by the merge), unit tables reused between units (`reuseTables`), units merged as soon as they are
 * converted (references to type units merged later patched by `finish`), and worker threads. Each is compared with
 * the self-contained path (every unit converted into its own table with its own strings, all merged at the end)
 * on the committed fixtures, which cover DWARF 2-5, type units in .debug_types and in .debug_info, dwz's
 * .debug_str in a supplementary file, split DWARF and compressed sections.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { MessageChannel, Worker } from "node:worker_threads";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBtf } from "../../src/btf/write.js";
import { CuConverter, type CuBtf, STR_REF } from "../../src/convert/convert.js";
import { parseFeatures } from "../../src/encode/features.js";
import { functionSymbolNames } from "../../src/encode/functions.js";
import { BtfMerger } from "../../src/encode/link.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { DW_AT } from "../../src/dwarf/constants.js";
import { encodeDwarf, encodeFile, encodeFileParallel, selectUnits } from "../../src/encode/encode.js";
import { dedupBtf } from "../../src/dedup/dedup.js";
import { parseBtf } from "../../src/btf/reader.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { readSymbols } from "../../src/elf/symbols.js";
import { isBtfkitError } from "../../src/common/errors.js";
import { CONTROL_WORDS, type WorkerJob, type WorkerMessage } from "../../src/encode/worker-protocol.js";
import { REPO_ROOT } from "../util/inputs.js";
import { DWARF_FIXTURES, SAMPLE_O } from "./helpers.js";

const FIXTURES = [
  "c-gcc-dw2",
  "c-gcc-dw4-types",
  "c-gcc-dw5-types",
  "c-clang-dw5-types",
  "c-clang-dw4",
  "c-gcc-dw5",
  "dwz-a",
  "c-gcc-split",
  "c-gcc-zlib",
];

/** Merge the units' types (no functions, no dedup) converted with the given options; also how many names were refs. */
function mergeUnits(path: string, refs: boolean): { bytes: Uint8Array; strRefs: number; unresolved: number } {
  const dwarf = DwarfFile.open(path);
  try {
    const features = parseFeatures(undefined);
    const conv = new CuConverter(dwarf, {
      features,
      functionNames: functionSymbolNames(readSymbols(dwarf.elf), false),
      debugStrRefs: refs,
      reuseTables: refs,
    });
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
      const conv = new CuConverter(dwarf, {
        features: parseFeatures(undefined),
        functionNames: new Set(),
        debugStrRefs: true,
      });
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
      const three = writeBtf((await encodeFileParallel(path, { jobs: 3, minParallelBytes: 0 })).btf);
      expect(Buffer.from(three).equals(Buffer.from(one))).toBe(true);
    });
  }

  it("writes the same bytes with -j2 as with -j1 without dedup (string order included)", async () => {
    const one = writeBtf(encodeFile(SAMPLE_O, { dedup: false }).btf);
    const two = writeBtf((await encodeFileParallel(SAMPLE_O, { jobs: 2, dedup: false, minParallelBytes: 0 })).btf);
    expect(Buffer.from(two).equals(Buffer.from(one))).toBe(true);
  });

  /** A copy of a fixture whose .debug_info units' second DIEs have an abbreviation code their table lacks. */
  function corruptCopy(dir: string): { path: string; offsets: number[] } {
    const src = join(DWARF_FIXTURES, "c-gcc-dw4-types");
    const bytes = new Uint8Array(readFileSync(src));
    const offsets: number[] = [];
    const dwarf = DwarfFile.open(src);
    try {
      const info = dwarf.elf.sections.find((s) => s.name === ".debug_info")!;
      for (const unit of selectUnits(dwarf).units) {
        if (unit.section !== ".debug_info") continue;
        const c = dwarf.cursor(unit);
        expect(c.next() && c.next()).toBe(true);
        bytes[info.offset + c.offset] = 0x7f;
        offsets.push(c.offset);
      }
    } finally {
      dwarf.close();
    }
    const path = join(dir, "corrupt");
    writeFileSync(path, bytes);
    return { path, offsets };
  }

  it("reports a unit it cannot convert by file, section and offset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-jobs-"));
    try {
      const { path, offsets } = corruptCopy(dir);
      for (let run = 0; run < 3; run++) {
        const e = await encodeFileParallel(path, { jobs: 3, minParallelBytes: 0 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(isBtfkitError(e)).toBe(true);
        expect(e).toMatchObject({ file: path, section: ".debug_info" });
        expect(offsets).toContain((e as { offset?: number }).offset);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // This thread usually takes the first units of a small file before a worker has started: the worker's side alone.
  it.runIf(existsSync(join(REPO_ROOT, "dist/encode/encode-worker.js")))(
    "a worker posts a unit it cannot convert as an error with its section and offset",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "btfkit-jobs-"));
      const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
      const { port1, port2 } = new MessageChannel();
      try {
        const { path, offsets } = corruptCopy(dir);
        const job: WorkerJob = { path, features: parseFeatures("default"), control, port: port2, debugStrRefs: true };
        const worker = new Worker(join(REPO_ROOT, "dist/encode/encode-worker.js"), {
          workerData: job,
          transferList: [port2],
        });
        const messages: WorkerMessage[] = [];
        await new Promise<void>((resolve) => {
          port1.on("message", (m: WorkerMessage) => {
            messages.push(m);
            if (m.type !== "cu") resolve();
          });
        });
        await worker.terminate();
        const last = messages[messages.length - 1]!;
        expect(last).toMatchObject({ type: "error", section: ".debug_info" });
        expect(offsets).toContain((last as { offset?: number }).offset);
      } finally {
        port1.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("reading .debug_info unit by unit", () => {
  /** Encode `path` (no dedup: the merged table shows every type) with `.debug_info` read as asked. */
  function encodeReading(path: string, infoReading: "units" | "whole"): { bytes: Uint8Array; byUnits: boolean } {
    const dwarf = DwarfFile.open(path, { infoReading });
    try {
      return { bytes: writeBtf(encodeDwarf(dwarf, { dedup: false }).btf), byUnits: dwarf.readsByUnits };
    } finally {
      dwarf.close();
    }
  }

  // Executables read by units; relocatable objects (relocations to apply) and compressed sections cannot be.
  const CASES: [string, boolean][] = [
    ["c-gcc-dw2", true],
    ["c-gcc-dw4-types", true],
    ["c-gcc-dw5-types", true],
    ["c-clang-dw5-types", true],
    ["c-clang-dw4", true],
    ["c-gcc-dw5", true],
    ["c-gcc-dwarf64", true],
    ["dwz-a", true],
    ["c-gcc-split", true],
    ["c-rust", true],
    ["c-gcc-zlib", false],
    ["c-gcc-zdebug", false],
    ["c-gcc-dw5.o", false],
    ["cross-s390x.o", false],
  ];
  for (const [name, byUnits] of CASES) {
    it(`gives the same merged table as the whole section: ${name}${byUnits ? "" : " (read whole anyway)"}`, () => {
      const path = join(DWARF_FIXTURES, name);
      const units = encodeReading(path, "units");
      const whole = encodeReading(path, "whole");
      expect(units.byUnits).toBe(byUnits);
      expect(whole.byUnits).toBe(false);
      expect(Buffer.from(units.bytes).equals(Buffer.from(whole.bytes))).toBe(true);
    });
  }

  it("reuses a unit's buffer only when no cursor is in it", () => {
    // A budget of one byte keeps no unit but the last one read, so every unit read evicts the one before and lends
    // its buffer out if it is idle. Cursors left open in evicted units must still read their own unit's DIEs.
    const path = join(DWARF_FIXTURES, "c-gcc-dw5-types"); // 2 compile units and 9 type units in .debug_info
    const walk = (c: ReturnType<DwarfFile["cursor"]>): string[] => {
      const seen: string[] = [];
      while (c.next()) seen.push(`${c.offset}:${c.tag}:${c.string(DW_AT.DW_AT_name) ?? ""}`);
      return seen;
    };
    const whole = DwarfFile.open(path, { infoReading: "whole" });
    const tiny = DwarfFile.open(path, { infoReading: "units", unitWindowBudget: 1 });
    try {
      const expected = [...whole.units()].map((u) => walk(whole.cursor(u)));
      const units = [...tiny.units()];
      expect(units.length).toBeGreaterThan(2);
      // One cursor per unit, all positioned (and so all windows in use) before any is walked, in reverse order.
      const order = [...units.keys()].reverse();
      const open = order.map((i) => tiny.cursor(units[i]!));
      for (let k = 0; k < order.length; k++) expect(walk(open[k]!)).toEqual(expected[order[k]!]);
      // One cursor moved from unit to unit: each move frees the window it leaves, which the next read reuses.
      const c = tiny.cursor();
      for (const i of [...order, ...order]) expect(walk(c.reset(units[i]!))).toEqual(expected[i]);
    } finally {
      whole.close();
      tiny.close();
    }
  });
});

describe("dedup taking over the merged table", () => {
  for (const name of ["c-gcc-dw5-types", "c-gcc-dw5", "c-rust"]) {
    it(`gives the same bytes as a dedup that copies its input, and leaves the input empty: ${name}`, () => {
      const path = join(DWARF_FIXTURES, name);
      const copied = dedupBtf(encodeFile(path, { dedup: false }).btf);
      const input = encodeFile(path, { dedup: false }).btf;
      const n = input.count;
      // The merged table has spare capacity, so the dedup uses its arrays in place.
      expect(input.info.length).toBeGreaterThan(n);
      const consumed = dedupBtf(input, { consumeInput: true });
      expect(input.count).toBe(0);
      expect(consumed.stats.typesIn).toBe(n);
      expect(consumed.btf.count).toBeLessThan(n);
      expect(Buffer.from(writeBtf(consumed.btf)).equals(Buffer.from(writeBtf(copied.btf)))).toBe(true);
      expect([...consumed.idMap]).toEqual([...copied.idMap]);
    });
  }
});

describe("dedup id map", () => {
  it("maps every input type to an output type of the same name and kind (a FWD to its struct or union)", () => {
    const input = encodeFile(join(DWARF_FIXTURES, "c-gcc-dw5-types"), { dedup: false }).btf;
    // Keep a readable copy of the input: the dedup takes over the original.
    const before = parseBtf(writeBtf(input));
    const { btf: out, idMap } = dedupBtf(input, { consumeInput: true });
    expect(idMap.length).toBe(before.endId);
    expect(idMap[0]).toBe(0);
    for (let id = 1; id < before.endId; id++) {
      const to = idMap[id]!;
      expect(to).toBeGreaterThan(0);
      expect(to).toBeLessThan(out.endId);
      expect(out.strings.get(out.nameOffOf(to))).toBe(before.strings.get(before.nameOffOf(id)));
      if (before.kind(id) === BTF_KIND.FWD && out.kind(to) !== BTF_KIND.FWD) {
        expect([BTF_KIND.STRUCT, BTF_KIND.UNION]).toContain(out.kind(to));
      } else {
        expect(out.kind(to)).toBe(before.kind(id));
      }
    }
    expect(before.endId).toBeGreaterThan(out.endId);
  });
});
