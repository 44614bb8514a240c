import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { BtfkitError } from "../../src/common/errors.js";
import { dedupBtf, DedupStatsSchema } from "../../src/dedup/dedup.js";
import { appendToItself } from "./append-self.js";
import { BtfAsm } from "../util/btf-asm.js";
import { buildCase, CASES } from "./cases.js";
import { renderBtf, stringList } from "./render.js";
import { BTF_FIXTURES } from "../util/inputs.js";

describe("dedup table", () => {
  for (const c of CASES) {
    for (const forceCollisions of [false, true]) {
      it(`${c.name}${forceCollisions ? " [all hashes collide]" : ""}`, () => {
        const { base, input, expected } = buildCase(c);
        const before = writeBtf(input);
        const baseBefore = base ? writeBtf(base) : undefined;
        if (c.error) {
          expect(() => dedupBtf(input, { forceCollisions })).toThrow(BtfkitError);
          expect(() => dedupBtf(input, { forceCollisions })).toThrow(c.error);
          return;
        }
        const { btf: out, stats } = dedupBtf(input, { forceCollisions, checkShortcuts: true });
        expect(renderBtf(out)).toEqual(renderBtf(expected));
        expect(stringList(out)).toEqual(c.strings);
        expect(stats.typesIn).toBe(input.count);
        expect(stats.typesOut).toBe(expected.count);
        // The input (and the base) are never modified.
        expect(writeBtf(input)).toEqual(before);
        if (base) expect(writeBtf(base)).toEqual(baseBefore);
        // The output is already deduplicated: a second dedup changes nothing.
        const again = dedupBtf(parseBtf(writeBtf(out), { base }));
        expect(writeBtf(again.btf)).toEqual(writeBtf(out));
      });
    }
  }
});

describe("dedup on real BTF (committed fixtures)", () => {
  const sample = (): Btf => parseBtf(readFileSync(join(BTF_FIXTURES, "sample.btf")));

  it("is byte-identical across runs and with all hashes colliding", () => {
    const input = appendToItself(sample(), { shuffle: 7 });
    const a = writeBtf(dedupBtf(input).btf);
    const b = writeBtf(dedupBtf(input).btf);
    const forced = writeBtf(dedupBtf(input, { forceCollisions: true, checkShortcuts: true }).btf);
    expect(b).toEqual(a);
    expect(forced).toEqual(a);
  });

  it("folds a BTF appended to itself onto the original, except VAR and DATASEC", () => {
    const orig = sample();
    const once = dedupBtf(orig).btf;
    let varsAndSecs = 0;
    for (let id = 1; id < orig.endId; id++) {
      const k = orig.kind(id);
      if (k === BTF_KIND.VAR || k === BTF_KIND.DATASEC) varsAndSecs++;
    }
    for (const shuffle of [undefined, 1, 2]) {
      const { btf: out, stats } = dedupBtf(appendToItself(orig, { shuffle }));
      expect(stats.typesIn).toBe(2 * orig.count);
      expect(out.count).toBe(once.count + varsAndSecs);
      // The first part is exactly dedup(original), and so is the string section.
      expect(renderBtf(out).slice(0, once.count)).toEqual(renderBtf(once));
      expect(out.strings.bytes).toEqual(once.strings.bytes);
    }
  });

  it("dedups split BTF against its base without touching the base", () => {
    const base = sample();
    const baseBytes = writeBtf(base);
    const mod = parseBtf(readFileSync(join(BTF_FIXTURES, "module.btf")), { base });
    const { btf: out, stats } = dedupBtf(mod);
    expect(stats.split).toBe(true);
    expect(out.startId).toBe(base.endId);
    expect(out.base).toBe(base);
    expect(writeBtf(base)).toEqual(baseBytes);
    expect(out.count).toBeLessThanOrEqual(mod.count);
  });

  it("reports statistics that match DedupStatsSchema and an id map", () => {
    const input = appendToItself(sample());
    const { btf: out, stats, idMap } = dedupBtf(input);
    expect(Value.Check(DedupStatsSchema, stats)).toBe(true);
    expect(stats.stringBytesIn).toBe(input.strings.byteLength);
    expect(stats.stringBytesOut).toBe(out.strings.byteLength);
    // Every type of the copy maps to the same output type as its original (VAR/DATASEC excepted).
    const n = input.count / 2;
    for (let id = 1; id <= n; id++) {
      const k = input.kind(id);
      if (k === BTF_KIND.VAR || k === BTF_KIND.DATASEC) continue;
      expect(idMap[id + n]).toBe(idMap[id]);
    }
  });
});

describe("dedup edge cases", () => {
  it("an empty BTF stays empty", () => {
    const { btf: out } = dedupBtf(new BtfAsm().btf);
    expect(out.count).toBe(0);
    expect(stringList(out)).toEqual([""]);
  });
  it("an empty split BTF on a base stays empty", () => {
    const base = new BtfAsm();
    base.int("int", 4);
    const { btf: out } = dedupBtf(new BtfAsm(base.btf).btf);
    expect(out.count).toBe(0);
    expect(out.strings.byteLength).toBe(0);
  });
  it("a long pointer chain and a deep struct chain need no deep JS recursion", () => {
    // 50,000 nested pointers, and 20,000 structs each holding a pointer to the next, twice.
    const a = new BtfAsm();
    const int = a.int("int", 4);
    let t = int;
    for (let i = 0; i < 50_000; i++) t = a.ptr(t);
    for (let copy = 0; copy < 2; copy++) {
      const first = a.next;
      for (let i = 0; i < 20_000; i++) {
        a.struct(`n${i}`, 8, [["next", first + 2 * i + 1, 0]]);
        a.ptr(i + 1 < 20_000 ? first + 2 * i + 2 : 0); // the last one is void *, unlike anything above
      }
    }
    const { btf: out } = dedupBtf(a.btf);
    expect(out.count).toBe(1 + 50_000 + 40_000);
  });
});

describe("dedup rejects broken input", () => {
  it("a reference past the last type", () => {
    const a = new BtfAsm();
    a.ptr(7);
    expect(() => dedupBtf(a.btf)).toThrow(/type id 7/);
  });
  it("a struct member of kind VAR", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4);
    const v = a.var("v", int);
    a.struct("s", 4, [["m", v, 0]]);
    expect(() => dedupBtf(a.btf)).toThrow(/refers to VAR/);
  });
});
