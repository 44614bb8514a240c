/**
 * lowerMisalignedFloats (src/encode/kernel-fixups.ts) on the BTF of real objects: test/fixtures/c-fixups/packed.c
 * built by clang and gcc, DWARF 5 and 4 (build.sh). The kernel refuses a FLOAT member off its min(8, size)
 * boundary ("Member is not properly aligned"); after the fix every such member is an INT of the float's name and
 * size, the aligned ones stay FLOAT, and the kernel (BPF_BTF_LOAD, when this machine lets us ask it) accepts it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, intBits, intEncoding, intOffset, memberBitfieldSize, memberBitOffset } from "../../src/btf/kinds.js";
import { mergeSplitBtf } from "../../src/btf/merge-split.js";
import { parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { floatMemberRejected, lowerMisalignedFloats } from "../../src/encode/kernel-fixups.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, FIXTURES } from "../util/inputs.js";
import { BtfAsm } from "../util/btf-asm.js";

const DIR = join(FIXTURES, "c-fixups");
const OBJECTS = ["packed-clang.o", "packed-clang-dw4.o", "packed-gcc.o", "packed-gcc-dw4.o"];
const oracle = oracleAvailable();
announceSkip(
  "misaligned floats: the kernel's verdict",
  oracle.available ? { value: true } : { missing: oracle.reason },
);

function encode(obj: string, base?: Btf): Btf {
  return encodeFile(join(DIR, obj), {
    features: parseFeatures("default"),
    kernelFixups: false,
    ...(base ? { base } : {}),
  }).btf;
}

/** The own STRUCT or UNION named `name`. */
function aggregate(btf: Btf, name: string): number {
  for (let id = btf.startId; id < btf.endId; id++) {
    const k = btf.kind(id);
    if ((k === BTF_KIND.STRUCT || k === BTF_KIND.UNION) && btf.name(id) === name) return id;
  }
  throw new Error(`no struct or union '${name}'`);
}

/**
 * Each member of `name` as `member:KIND typename` after typedefs and modifiers (`d:FLOAT double`,
 * `d:INT double/8`), plus its offset word.
 */
function shape(btf: Btf, name: string): { members: string[]; words: number[] } {
  const id = aggregate(btf, name);
  const members: string[] = [];
  const words: number[] = [];
  for (let m = 0; m < btf.vlen(id); m++) {
    const t = btf.skipModsAndTypedefs(btf.extraWord(id, 3 * m + 1));
    const k = btf.kind(t);
    let s = `${btf.strings.get(btf.extraWord(id, 3 * m))}:${k === BTF_KIND.INT ? "INT" : k === BTF_KIND.FLOAT ? "FLOAT" : "other"} ${btf.name(t)}`;
    if (k === BTF_KIND.INT && /double|float/.test(btf.name(t))) s += `/${btf.sizeTypeOf(t)}`;
    members.push(s);
    words.push(btf.extraWord(id, 3 * m + 2));
  }
  return { members, words };
}

describe.each(OBJECTS)("%s: misaligned floats", (obj) => {
  it("is refused before the fix, by btfkit's verifier and the kernel", () => {
    const btf = encode(obj);
    const problems = validateBtf(btf);
    expect(problems.map((p) => `${p.name}: ${p.message}`).sort()).toEqual([
      "pk4: Member is not properly aligned",
      "pk: Member is not properly aligned",
      "pk_bits: Member is not properly aligned",
      "pk_typedef: Member is not properly aligned",
    ]);
    if (oracle.available) expect(kernelVerdict(writeBtf(btf)).reason).toMatch(/Member is not properly aligned/);
  });

  it("lowers exactly the misaligned members to INTs of the float's name and size", () => {
    const btf = encode(obj);
    const before = { pk_bits: shape(btf, "pk_bits").words };
    expect(lowerMisalignedFloats(btf)).toBe(8);
    expect(shape(btf, "pk").members).toEqual([
      "c:INT char",
      "d:INT double/8",
      "f:INT float/4",
      "i:INT int",
      "ld:INT long double/16",
    ]);
    expect(shape(btf, "pk_aligned").members).toEqual(["i:INT int", "f:FLOAT float", "d:FLOAT double"]);
    expect(shape(btf, "plain").members).toEqual(["c:INT char", "d:FLOAT double", "f:FLOAT float"]);
    expect(shape(btf, "pk_typedef").members.slice(1)).toEqual(["d:INT double/8", "f:INT float/4"]);
    expect(shape(btf, "pk4").members).toEqual(["i:INT int", "d:INT double/8", "f:FLOAT float"]);
    expect(shape(btf, "u").members).toEqual(["p:other pk", "d:FLOAT double"]);
    // kind_flag struct: the offset words (bitfield size << 24 | bit offset) are untouched.
    const bits = shape(btf, "pk_bits");
    expect(bits.members).toEqual([
      "a:INT unsigned int",
      "b:INT unsigned int",
      "d:INT double/8",
      "c:INT unsigned int",
      "f:INT float/4",
    ]);
    expect(bits.words).toEqual(before.pk_bits);
    expect(btf.kflag(aggregate(btf, "pk_bits"))).toBe(true);

    // One INT per (name, size): unsigned, size * 8 bits at offset 0.
    const ints = new Map<string, number>();
    for (let id = btf.startId; id < btf.endId; id++) {
      if (btf.kind(id) !== BTF_KIND.INT || !/double|float/.test(btf.name(id))) continue;
      expect(ints.has(btf.name(id)), `a second INT '${btf.name(id)}'`).toBe(false);
      ints.set(btf.name(id), id);
      const w = btf.extraWord(id, 0);
      expect([intEncoding(w), intOffset(w), intBits(w)]).toEqual([0, 0, btf.sizeTypeOf(id) * 8]);
    }
    expect([...ints.keys()].sort()).toEqual(["double", "float", "long double"]);

    // The FLOATs themselves stay (aligned members and the function's prototype use them).
    expect(validateBtf(btf)).toEqual([]);
    // Once fixed, there is nothing left to fix.
    expect(lowerMisalignedFloats(btf)).toBe(0);
  });

  it("survives the dedup and a write/read round trip", () => {
    const btf = encode(obj);
    lowerMisalignedFloats(btf);
    const back = parseBtf(writeBtf(btf));
    expect(validateBtf(back)).toEqual([]);
    expect(shape(back, "pk").members[1]).toBe("d:INT double/8");
  });

  it.skipIf(!oracle.available)("is accepted by the kernel once fixed", () => {
    const btf = encode(obj);
    lowerMisalignedFloats(btf);
    expect(kernelVerdict(writeBtf(btf)).reason).toBe("");
  });
});

describe("lowerMisalignedFloats", () => {
  it("knows the kernel's rule: min(8, size) bytes of alignment, no bitfields", () => {
    expect(floatMemberRejected(8, false, 8)).toBe(true);
    expect(floatMemberRejected(64, false, 8)).toBe(false);
    expect(floatMemberRejected(32, false, 8)).toBe(true);
    expect(floatMemberRejected(32, false, 4)).toBe(false);
    expect(floatMemberRejected(16, false, 2)).toBe(false);
    expect(floatMemberRejected(64, false, 16)).toBe(false); // long double: 8 is enough
    expect(floatMemberRejected(96, false, 12)).toBe(true); // 12 bytes: min(8, 12) = 8
    // kind_flag: bitfield size in the top byte.
    expect(floatMemberRejected((0 << 24) | 64, true, 8)).toBe(false);
    expect(floatMemberRejected((64 << 24) | 64, true, 8)).toBe(true);
  });

  it("lowers floats of the base in split BTF, adding the INTs to the split part", () => {
    // A base that has double, float and long double (the byte-order fixture), a module with the packed structs.
    const base = parseBtf(writeBtf(encode("byte-order-x86_64.o")));
    const split = encode("packed-clang.o", base);
    const baseDouble = [...Array(base.endId - 1).keys()]
      .map((i) => i + 1)
      .find((id) => base.kind(id) === BTF_KIND.FLOAT && base.name(id) === "double")!;
    const pk = aggregate(split, "pk");
    expect(split.extraWord(pk, 3 * 1 + 1)).toBe(baseDouble); // the split's 'd' uses the base's double
    const endBefore = split.endId;
    expect(lowerMisalignedFloats(split)).toBe(8);
    const twin = split.extraWord(pk, 3 * 1 + 1);
    expect(twin).toBeGreaterThanOrEqual(endBefore);
    expect([split.kind(twin), split.name(twin), split.sizeTypeOf(twin)]).toEqual([BTF_KIND.INT, "double", 8]);
    expect(split.nameOffOf(twin)).toBe(base.nameOffOf(baseDouble)); // the base's string, not a copy
    expect(validateBtf(split)).toEqual([]);
    const reread = parseBtf(writeBtf(split), { base });
    expect(validateBtf(reread)).toEqual([]);
    if (oracle.available) expect(kernelVerdict(writeBtf(mergeSplitBtf(split))).reason).toBe("");
  });

  it("reuses an identical own INT, and only an identical one", () => {
    const a = new BtfAsm();
    const dbl = a.btf.addNamed("double", BTF_KIND.FLOAT, 0, false, 8);
    const signedTwin = a.btf.addNamed("double", BTF_KIND.INT, 0, false, 8, [0x01000040]); // signed: not identical
    const twin = a.btf.addNamed("double", BTF_KIND.INT, 0, false, 8, [0x00000040]);
    const ch = a.btf.addNamed("char", BTF_KIND.INT, 0, false, 1, [0x01000008]);
    // struct __attribute__((packed)) { char c; double d; } and a kind_flag twin with a 1-bit field first.
    const s = a.btf.addNamed("s", BTF_KIND.STRUCT, 2, false, 9, [
      a.btf.strings.intern("c"),
      ch,
      0,
      a.btf.strings.intern("d"),
      dbl,
      8,
    ]);
    const k = a.btf.addNamed("k", BTF_KIND.STRUCT, 2, true, 9, [
      a.btf.strings.intern("c"),
      ch,
      (1 << 24) | 0,
      a.btf.strings.intern("d"),
      dbl,
      8,
    ]);
    const end = a.btf.endId;
    expect(lowerMisalignedFloats(a.btf)).toBe(2);
    expect(a.btf.endId).toBe(end);
    expect(a.btf.extraWord(s, 4)).toBe(twin);
    expect(a.btf.extraWord(k, 4)).toBe(twin);
    expect(a.btf.extraWord(k, 5)).toBe(8);
    expect(memberBitfieldSize(a.btf.extraWord(k, 2), true)).toBe(1);
    expect(memberBitOffset(a.btf.extraWord(k, 5), true)).toBe(8);
    expect(signedTwin).not.toBe(twin);
    expect(validateBtf(a.btf)).toEqual([]);
  });

  it("leaves a table without floats alone", () => {
    const a = new BtfAsm();
    const int = a.btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [0x01000020]);
    a.btf.addNamed("s", BTF_KIND.STRUCT, 1, false, 5, [a.btf.strings.intern("x"), int, 8]);
    expect(lowerMisalignedFloats(a.btf)).toBe(0);
    expect(a.btf.count).toBe(2);
  });
});
