/**
 * distillBase and relocateSplit: libbpf's btf__distill_base and btf__relocate (the kernel's btf_relocate.c), the two
 * halves of the `.BTF.base` scheme of external modules. The fixture test/fixtures/distill was written by pahole 1.30
 * (libbpf 1.5): distilling its split BTF must give libbpf's bytes, and relocating pahole's distilled output back onto
 * the base must give the split BTF it came from, by meaning.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { distillBase } from "../../src/btf/distill.js";
import { BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";
import { mergeSplitBtf } from "../../src/btf/merge-split.js";
import { parseBtf } from "../../src/btf/reader.js";
import { relocateSplit } from "../../src/btf/relocate.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { BtfkitError } from "../../src/common/errors.js";
import { diffBtf } from "../../src/diff/index.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { findType, findTypes, members } from "../encode/helpers.js";
import { FIXTURES } from "../util/inputs.js";

const DIR = join(FIXTURES, "distill");
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: distill: kernel acceptance (BPF_BTF_LOAD): ${oracle.reason}`);

function fixture() {
  const base = parseBtf(read("base.btf"), { file: "base.btf" });
  const split = parseBtf(read("mod.split.btf"), { base, file: "mod.split.btf" });
  const distilledBase = parseBtf(read("mod.BTF.base"), { file: "mod.BTF.base" });
  const distilledSplit = parseBtf(read("mod.BTF"), { base: distilledBase, file: "mod.BTF" });
  return { base, split, distilledBase, distilledSplit };
}

function thrown(fn: () => unknown): BtfkitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BtfkitError) return e;
    throw e;
  }
  throw new Error("expected a BtfkitError");
}

describe("distillBase", () => {
  it("gives the .BTF and .BTF.base pahole 1.30 (libbpf 1.5) writes for the same split BTF, byte for byte", () => {
    const { split } = fixture();
    const out = distillBase(split);
    expect(Buffer.from(writeBtf(out.base)).equals(Buffer.from(read("mod.BTF.base")))).toBe(true);
    expect(Buffer.from(writeBtf(out.split)).equals(Buffer.from(read("mod.BTF")))).toBe(true);
    expect(validateBtf(out.split)).toEqual([]);
  });

  it("keeps named structs memberless and enums as unsigned memberless ENUMs of their size; moves anonymous and reference types into the split", () => {
    const { base, split } = fixture();
    const { base: db, split: ds } = distillBase(split);
    // Only named INT, FLOAT, FWD, STRUCT, UNION and ENUM, none with members.
    for (let id = 1; id < db.endId; id++) {
      expect([BTF_KIND.INT, BTF_KIND.FLOAT, BTF_KIND.FWD, BTF_KIND.STRUCT, BTF_KIND.UNION, BTF_KIND.ENUM]).toContain(
        db.kind(id),
      );
      expect(db.name(id)).not.toBe("");
      if (db.kind(id) !== BTF_KIND.INT && db.kind(id) !== BTF_KIND.FLOAT) expect(db.vlen(id)).toBe(0);
    }
    const listHead = findType(db, BTF_KIND.STRUCT, "list_head");
    expect(db.sizeTypeOf(listHead)).toBe(16);
    const wide = findType(db, BTF_KIND.ENUM, "wide"); // ENUM64 in the base
    expect([db.sizeTypeOf(wide), db.kflag(wide)]).toEqual([8, false]);
    expect(findTypes(db, BTF_KIND.ENUM64, "wide")).toEqual([]);
    // struct device is defined in the base: memberless here, even though the module only points to it.
    expect(db.vlen(findType(db, BTF_KIND.STRUCT, "device"))).toBe(0);
    // typedef atomic_t (of an anonymous struct) moved into the split with its struct, after the module's own types.
    const atomic = findType(ds, BTF_KIND.TYPEDEF, "atomic_t");
    expect(atomic).toBeGreaterThanOrEqual(db.endId + split.count);
    expect(ds.kind(ds.sizeTypeOf(atomic))).toBe(BTF_KIND.STRUCT);
    expect(ds.name(ds.sizeTypeOf(atomic))).toBe("");
    // The module's own struct keeps its members and now points into the distilled base.
    const priv = findType(ds, BTF_KIND.STRUCT, "mod_priv");
    const link = members(ds, priv).find(([name]) => name === "link")!;
    expect(link[1]).toBe(listHead);
    expect(ds.count).toBeGreaterThan(split.count);
    expect(base.count).toBeGreaterThan(db.count);
  });

  it("refuses BTF that is not split, and a split that refers to a base FUNC", () => {
    const { base } = fixture();
    expect(thrown(() => distillBase(base)).message).toMatch(/needs split BTF/);
    const baseFunc = findType(base, BTF_KIND.FUNC, "base_open");
    const split = new Btf({ base });
    split.addNamed("tag", BTF_KIND.DECL_TAG, 0, false, baseFunc, [0xffffffff]);
    const err = thrown(() => distillBase(split, { file: "m.ko" }));
    expect(err.message).toMatch(/refers to base type \[\d+\] of kind FUNC/);
    expect(err).toMatchObject({ file: "m.ko", typeId: baseFunc });
  });
});

describe("relocateSplit", () => {
  it("moves pahole's distilled .BTF onto the base: the split BTF it was distilled from, by meaning", () => {
    const { base, split, distilledSplit } = fixture();
    const relocated = relocateSplit(distilledSplit, base, { file: "mod.o" });
    expect(relocated.base).toBe(base);
    expect(relocated.startId).toBe(base.endId);
    expect(relocated.count).toBe(distilledSplit.count);
    expect(validateBtf(relocated)).toEqual([]);
    // Every type of the original split has its match; the relocated one only adds the base's moved copies.
    const d = diffBtf(split, relocated);
    expect([d.total.onlyInA, d.total.changed]).toEqual([0, 0]);
    // mod_priv.link is the base's own struct list_head again, mod_priv.dev its struct device.
    const priv = findType(relocated, BTF_KIND.STRUCT, "mod_priv");
    const ms = members(relocated, priv);
    expect(ms.find(([n]) => n === "link")![1]).toBe(findType(base, BTF_KIND.STRUCT, "list_head"));
    const devPtr = ms.find(([n]) => n === "dev")![1];
    expect(relocated.sizeTypeOf(devPtr)).toBe(findType(base, BTF_KIND.STRUCT, "device"));
  });

  it("round-trips btfkit's own distillation, and the kernel accepts base + relocated split", () => {
    const { base, split } = fixture();
    const { split: ds } = distillBase(split);
    const relocated = relocateSplit(ds, base);
    const d = diffBtf(split, relocated);
    expect([d.total.onlyInA, d.total.changed]).toEqual([0, 0]);
    if (oracle.available) {
      expect(kernelVerdict(writeBtf(mergeSplitBtf(relocated))).reason).toBe("");
      expect(kernelVerdict(writeBtf(mergeSplitBtf(ds))).reason).toBe("");
    }
  });

  // A distilled base of one struct, a split that embeds it, and bases to relocate onto.
  function handMade(structSize: number) {
    const dist = new Btf();
    const int = dist.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    const s = dist.addNamed("thing", BTF_KIND.STRUCT, 0, false, structSize);
    const split = new Btf({ base: dist });
    split.addNamed("holder", BTF_KIND.STRUCT, 2, false, structSize + 4, [
      split.strings.intern("t"),
      s,
      0,
      split.strings.intern("n"),
      int,
      structSize * 8,
    ]);
    return split;
  }
  function baseWith(structs: [string, number][]) {
    const b = new Btf();
    const int = b.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    for (const [name, size] of structs)
      b.addNamed(name, BTF_KIND.STRUCT, 1, false, size, [b.strings.intern("x"), int, 0]);
    return b;
  }

  it("matches an embedded struct by size among same-named candidates", () => {
    const relocated = relocateSplit(
      handMade(8),
      baseWith([
        ["thing", 4],
        ["thing", 8],
      ]),
    );
    const holder = findType(relocated, BTF_KIND.STRUCT, "holder");
    expect(members(relocated, holder)[0]![1]).toBe(3); // the 8-byte 'thing'
  });

  it("fails as the kernel does on no match and on an ambiguous match", () => {
    const none = thrown(() => relocateSplit(handMade(8), baseWith([["other", 8]]), { file: "m.ko" }));
    expect(none.message).toMatch(/distilled base type 'thing' matches no type of the base/);
    expect(none).toMatchObject({ file: "m.ko", section: ".BTF.base" });
    const wrongSize = thrown(() => relocateSplit(handMade(8), baseWith([["thing", 4]])));
    expect(wrongSize.message).toMatch(/'thing' matches no type/);
    const twice = thrown(() =>
      relocateSplit(
        handMade(8),
        baseWith([
          ["thing", 8],
          ["thing", 8],
        ]),
      ),
    );
    expect(twice.message).toMatch(
      /'thing' \(size 8\) has several candidates of that size in the base \(\[2\] and \[3\]\)/,
    );
  });

  it("refuses a distilled base holding a kind it cannot (a TYPEDEF)", () => {
    const dist = new Btf();
    const int = dist.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    dist.addNamed("myint", BTF_KIND.TYPEDEF, 0, false, int);
    const split = new Btf({ base: dist });
    split.addNamed("", BTF_KIND.PTR, 0, false, 2);
    expect(thrown(() => relocateSplit(split, baseWith([]))).message).toMatch(/cannot hold a TYPEDEF/);
  });
});
