import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, makeInfo } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { loadBtf, loadBtfFromElf } from "../../src/io/load-btf.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { BtfAsm } from "../util/btf-asm.js";
import { BTF_FIXTURES, announceSkip, debianKernel, debianModules, sysVmlinux } from "../util/inputs.js";
import { ElfFile } from "../../src/elf/elf-file.js";

const sampleBytes = readFileSync(join(BTF_FIXTURES, "sample.btf"));
const moduleBytes = readFileSync(join(BTF_FIXTURES, "module.btf"));

/** Find the id of the first type with this kind and name. */
function find(btf: Btf, kind: number, name: string): number {
  const id = btf.findType(kind, name);
  if (id < 0) throw new Error(`no ${kind} ${name}`);
  return id;
}

describe("parseBtf on the sample (facts from sample.c)", () => {
  const btf = parseBtf(sampleBytes);

  it("reads struct flags with its bitfields in source order", () => {
    const id = find(btf, BTF_KIND.STRUCT, "flags");
    const names: string[] = [];
    for (let k = 0; k < btf.vlen(id); k++) names.push(btf.strings.get(btf.extraWord(id, 3 * k)));
    expect(names).toEqual([
      "a",
      "b",
      "c",
      "on",
      "name",
      "matrix",
      "point",
      "",
      "color",
      "big",
      "cv",
      "rp",
      "ratio",
      "op",
      "ou",
      "callback",
      "list",
      "tail",
    ]);
    expect(btf.kflag(id)).toBe(true); // has bitfields: kind_flag layout
    const bitfieldSizes = [0, 1, 2].map((k) => btf.extraWord(id, 3 * k + 2) >>> 24);
    expect(bitfieldSizes).toEqual([3, 5, 7]);
    // `int tail[]` is a zero-length array.
    const tail = btf.extraWord(id, 3 * 17 + 1);
    expect(btf.kind(tail)).toBe(BTF_KIND.ARRAY);
    expect(btf.extraWord(tail, 2)).toBe(0);
  });

  it("reads enum signedness and 64-bit enumerators", () => {
    const color = find(btf, BTF_KIND.ENUM, "color");
    expect(btf.kflag(color)).toBe(true);
    expect([0, 1, 2].map((k) => btf.extraWord(color, 2 * k + 1) | 0)).toEqual([0, 5, -1]);
    const big = find(btf, BTF_KIND.ENUM64, "big");
    expect(btf.sizeTypeOf(big)).toBe(8);
    // BIG_B = 0x100000000: low word 0, high word 1.
    expect([btf.extraWord(big, 4), btf.extraWord(big, 5)]).toEqual([0, 1]);
  });

  it("reads forward declarations with their struct/union flavour", () => {
    expect(btf.kflag(find(btf, BTF_KIND.FWD, "opaque"))).toBe(false);
    expect(btf.kflag(find(btf, BTF_KIND.FWD, "opaque_u"))).toBe(true);
  });

  it("reads decl tags on a parameter and on the function", () => {
    const add = find(btf, BTF_KIND.FUNC, "sample_add");
    const param = find(btf, BTF_KIND.DECL_TAG, "param_a");
    expect(btf.sizeTypeOf(param)).toBe(add);
    expect(btf.extraWord(param, 0)).toBe(0);
    expect(btf.extraWord(find(btf, BTF_KIND.DECL_TAG, "kfunc_like"), 0) | 0).toBe(-1);
  });

  it("resolves sizes through typedefs, modifiers and arrays", () => {
    const flags = find(btf, BTF_KIND.STRUCT, "flags");
    const matrix = btf.extraWord(flags, 3 * 5 + 1);
    expect(btf.resolveSize(matrix)).toBe(2 * 3 * 4);
    expect(btf.resolveSize(find(btf, BTF_KIND.TYPEDEF, "u64"))).toBe(8);
  });
});

describe("round trips are byte-identical", () => {
  it("sample.btf, in both byte orders", () => {
    const btf = parseBtf(sampleBytes);
    expect(Buffer.from(writeBtf(btf)).equals(sampleBytes)).toBe(true);
    const be = writeBtf(btf, { byteOrder: "big" });
    expect(be[0]).toBe(0xeb); // big-endian magic
    const back = parseBtf(be);
    expect(back.byteOrder).toBe("big");
    expect(Buffer.from(writeBtf(back, { byteOrder: "little" })).equals(sampleBytes)).toBe(true);
  });

  it("split module.btf on its base", () => {
    const base = parseBtf(sampleBytes);
    const mod = parseBtf(moduleBytes, { base });
    expect(mod.startId).toBe(base.endId);
    const state = find(mod, BTF_KIND.STRUCT, "module_state");
    // Its first member, `struct list_head list`, is a base type: ids and names resolve through the base.
    const listType = mod.extraWord(state, 1);
    expect(listType).toBeLessThan(mod.startId);
    expect(mod.kind(listType)).toBe(BTF_KIND.STRUCT);
    expect(mod.name(listType)).toBe("list_head");
    // The module defines `struct opaque`, which the base only declared.
    expect(mod.vlen(find(mod, BTF_KIND.STRUCT, "opaque"))).toBe(1);
    expect(Buffer.from(writeBtf(mod)).equals(moduleBytes)).toBe(true);
  });

  it("the .BTF section of an ELF object equals the detached BTF", () => {
    const fromElf = loadBtfFromElf(join(BTF_FIXTURES, "sample-with-btf.o"));
    expect(Buffer.from(writeBtf(fromElf)).equals(sampleBytes)).toBe(true);
  });

  const sys = sysVmlinux();
  it.skipIf(announceSkip("round trip of the running kernel's BTF", sys))("/sys/kernel/btf/vmlinux", () => {
    const bytes = readFileSync(sys.value!);
    const btf = loadBtf(sys.value!);
    expect(btf.count).toBeGreaterThan(10000);
    expect(Buffer.from(writeBtf(btf)).equals(bytes)).toBe(true);
  });

  const deb = debianKernel();
  it.skipIf(announceSkip("round trip of the Debian 6.1 kernel's .BTF", deb))(
    "Debian vmlinux .BTF and split module .BTF",
    () => {
      const elf = ElfFile.open(deb.value!.vmlinux);
      const vmBytes = elf.sectionBytes(elf.section(".BTF")!);
      elf.close();
      const vm = loadBtf(deb.value!.vmlinux);
      expect(Buffer.from(writeBtf(vm)).equals(vmBytes)).toBe(true);
      for (const ko of debianModules(deb.value!, 5)) {
        const e = ElfFile.open(ko);
        const modBytes = e.sectionBytes(e.section(".BTF")!);
        e.close();
        const mod = loadBtf(ko, { base: vm });
        expect(Buffer.from(writeBtf(mod)).equals(modBytes)).toBe(true);
      }
    },
  );
});

describe("bad input gives one-line errors with offsets, never a crash", () => {
  it("every truncation of sample.btf is rejected with an offset", () => {
    for (let len = 0; len < sampleBytes.length; len++) {
      let err: unknown;
      try {
        parseBtf(sampleBytes.subarray(0, len), { file: "sample.btf" });
      } catch (e) {
        err = e;
      }
      expect(err, `length ${len}`).toBeInstanceOf(BtfkitError);
      const be = err as BtfkitError;
      expect(be.message).not.toContain("\n");
      expect(be.message.startsWith("sample.btf: BTF+0x")).toBe(true);
    }
  });

  it("names bad magic, version, header length and kinds", () => {
    const mutate = (at: number, v: number) => {
      const b = Uint8Array.from(sampleBytes);
      b[at] = v;
      return b;
    };
    expect(() => parseBtf(mutate(0, 0))).toThrow(/bad BTF magic/);
    expect(() => parseBtf(mutate(2, 2))).toThrow(/unsupported BTF version 2/);
    expect(() => parseBtf(mutate(4, 8))).toThrow(/header length 8/);
    // The first type's info word: kind byte (offset 24 + 4 + 3) set to 31.
    expect(() => parseBtf(mutate(24 + 7, 31))).toThrow(/BTF\+0x1c: type \[1\]: unknown BTF kind 31/);
  });

  it("checks every name offset and type id, naming the word at fault (unless told not to)", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4); // [1] at 0x18
    a.struct("s", 8, [
      ["a", int, 0],
      [9999, int, 32],
    ]); // [2] at 0x28: member #1's name word is 0x28 + 12 + 12
    const badName = writeBtf(a.btf);
    const err = (f: () => unknown): BtfkitError => {
      try {
        f();
      } catch (e) {
        return e as BtfkitError;
      }
      throw new Error("no error");
    };
    const e1 = err(() => parseBtf(badName, { file: "s.btf" }));
    expect(e1.code).toBe(ErrorCode.CORRUPT);
    expect(e1.message).toBe(
      `s.btf: BTF+0x40: type [2]: member #1 name offset 9999 is past the end of the strings (${a.btf.strings.endOffset})`,
    );
    expect(parseBtf(badName, { checkReferences: false }).count).toBe(2);

    const b = new BtfAsm();
    b.ptr(7); // [1]: its type word is at 0x18 + 8
    expect(err(() => parseBtf(writeBtf(b.btf), { file: "p.btf" })).message).toBe(
      "p.btf: BTF+0x20: type [1]: type id 7 is past the last type (1)",
    );
    const c = new BtfAsm();
    const i = c.int("int", 4);
    c.proto(i, [
      ["x", i],
      ["y", 5],
    ]); // [2] at 0x28: parameter #1's type word at 0x28 + 12 + 8 + 4
    expect(err(() => parseBtf(writeBtf(c.btf), { file: "f.btf" })).message).toBe(
      "f.btf: BTF+0x40: type [2]: parameter #1 type id 5 is past the last type (2)",
    );
  });

  it("random bit flips never raise anything but BtfkitError", () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 3000; n++) {
      const b = Uint8Array.from(sampleBytes);
      for (let f = 0; f < 3; f++) {
        const at = Math.floor(rnd() * b.length);
        b[at]! ^= 1 << Math.floor(rnd() * 8);
      }
      try {
        const btf = parseBtf(b);
        // A structurally valid result must also serialise.
        writeBtf(btf);
      } catch (e) {
        expect(e).toBeInstanceOf(BtfkitError);
      }
    }
  });
});

describe("building BTF", () => {
  it("interns strings and writes a table that reads back", () => {
    const btf = new Btf();
    const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [(1 << 24) | 32]);
    const ptr = btf.add(0, makeInfo(BTF_KIND.PTR, 0, false), int);
    const s = btf.addNamed("pair", BTF_KIND.STRUCT, 2, false, 16, [
      btf.strings.intern("a"),
      int,
      0,
      btf.strings.intern("p"),
      ptr,
      64,
    ]);
    expect(btf.strings.intern("int")).toBe(btf.nameOffOf(int)); // reused, not duplicated
    const back = parseBtf(writeBtf(btf));
    expect(back.count).toBe(3);
    expect(back.name(s)).toBe("pair");
    expect(back.strings.get(back.extraWord(s, 3))).toBe("p");
    expect(back.sizeTypeOf(ptr)).toBe(int);
  });
});
