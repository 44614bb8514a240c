/**
 * pahole 1.30's rules (Debian 7.3's build): a kernel-like x86-64 image (test/fixtures/pahole130: .data..percpu at
 * 0xffffffff83cc4000, gcc -O2 clones, a kfunc set in .BTF_ids) encoded with `--compat 1.30` must mean what pahole
 * 1.30 wrote for it (kernel-like.pahole130.btf, made by build.sh with trixie's pahole and Debian's flags), and the
 * kernel must accept it. Plus the pieces on their own: the symbol search pahole 1.30 does, the location walk that
 * finds a parameter's register, the kfunc set reader.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { diffBtf } from "../../src/diff/index.js";
import { DW_FORM, DW_OP } from "../../src/dwarf/constants.js";
import { opEnd, parameterRegister, type LocationUnit } from "../../src/dwarf/location.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import { readSymbols } from "../../src/elf/symbols.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { funcNameOf, readKfuncs } from "../../src/encode/kfuncs.js";
import { glibcMergeSort, looseTypesMatch, Pahole130FunctionTable } from "../../src/encode/functions.js";
import { Btf } from "../../src/btf/btf.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { FIXTURES } from "../util/inputs.js";
import { findTypes } from "./helpers.js";

const DIR = join(FIXTURES, "pahole130");
const ELF = join(DIR, "kernel-like.elf");
const REFERENCE = join(DIR, "kernel-like.pahole130.btf");
/** Debian 7.3's `--btf_features=encode_force,…,consistent_func --btf_features=+reproducible_build`. */
const DEBIAN_73 = parseFeatures(
  ["encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func", "+reproducible_build"],
  { compat: "1.30" },
);
const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: pahole 1.30 rules: kernel verdicts: ${oracle.reason}`);

describe("a kernel-like image encoded with pahole 1.30's rules", () => {
  const ours = encodeFile(ELF, { features: DEBIAN_73 }).btf;
  const theirs = parseBtf(readFileSync(REFERENCE));

  it("means what pahole 1.30 wrote: same FUNCs, VARs, DATASEC and kfunc tags", () => {
    expect(readFileSync(join(DIR, "kernel-like.pahole-version"), "utf8").trim()).toBe("v1.30");
    const d = diffBtf(theirs, ours);
    expect(d.equal).toBe(true);
    expect(d.kinds.find((k) => k.kind === "FUNC")?.matched).toBe(13);
    expect(d.kinds.find((k) => k.kind === "DECL_TAG")?.matched).toBe(3);
  });

  it("puts every per-CPU variable at its own offset from the 64-bit section address", () => {
    // The symbol table (read with its exact 64-bit values) says where each variable is.
    const elf = ElfFile.open(ELF);
    try {
      const syms = readSymbols(elf)!;
      const sec = elf.section(".data..percpu")!;
      const want = new Map<string, number>();
      for (let i = 0; i < syms.count; i++) {
        if (syms.shndx[i] === sec.index && syms.type(i) === 1)
          want.set(syms.name(i), Number(syms.valueBig(i) - sec.addrBig));
      }
      const [ds] = findTypes(ours, BTF_KIND.DATASEC, ".data..percpu");
      const got = new Map<string, number>();
      for (let k = 0; k < ours.vlen(ds!); k++)
        got.set(ours.name(ours.extraWord(ds!, 3 * k)), ours.extraWord(ds!, 3 * k + 1));
      expect(got).toEqual(want);
      expect(new Set(got.values()).size).toBe(got.size);
      expect(ours.sizeTypeOf(ds!)).toBe(8192);
    } finally {
      elf.close();
    }
  });

  it("drops the static name with two prototypes and keeps the .constprop clone under its source name", () => {
    expect(findTypes(ours, BTF_KIND.FUNC, "drop_first")).toEqual([]);
    expect(findTypes(ours, BTF_KIND.FUNC, "scale")).toHaveLength(1);
    // pahole 1.24's rules (exact symbol names only) have no FUNC for the clone.
    const v124 = encodeFile(ELF, { features: parseFeatures("default,flat_arrays", { compat: "1.24" }) }).btf;
    expect(findTypes(v124, BTF_KIND.FUNC, "scale")).toEqual([]);
  });

  it.skipIf(!oracle.available)("is accepted by the kernel", () => {
    expect(kernelVerdict(writeBtf(ours)).reason).toBe("");
  });
});

describe("kfunc sets in .BTF_ids", () => {
  it("reads the set8 ranges with their flags, and only kfunc sets", () => {
    const elf = ElfFile.open(ELF);
    try {
      expect(readKfuncs(elf, readSymbols(elf))).toEqual(
        new Map([
          ["my_kfunc", 0],
          ["my_fast_kfunc", 1 << 12],
        ]),
      );
    } finally {
      elf.close();
    }
  });

  it("takes a function name out of its BTF_ID symbol as pahole does", () => {
    expect(funcNameOf("__BTF_ID__func__vfs_close__1")).toBe("vfs_close");
    expect(funcNameOf("__BTF_ID__func__a__b__22")).toBe("a__b");
    expect(funcNameOf("__BTF_ID__func___")).toBeUndefined();
    expect(funcNameOf("__BTF_ID__struct__task_struct__3")).toBeUndefined();
  });
});

describe("pahole 1.30's search of its function table", () => {
  it("sorts as glibc's merge sort does: ties keep their order, halves of n/2", () => {
    const a = Int32Array.from([5, 3, 5, 1, 3]);
    const tagged = [
      [5, "a"],
      [3, "b"],
      [5, "c"],
      [1, "d"],
      [3, "e"],
    ] as const;
    const idx = Int32Array.from([0, 1, 2, 3, 4]);
    glibcMergeSort(idx, (x, y) => tagged[x]![0] - tagged[y]![0]);
    expect([...idx].map((i) => tagged[i]![1]).join("")).toBe("dbeac");
    glibcMergeSort(a, (x, y) => x - y);
    expect([...a]).toEqual([1, 3, 3, 5, 5]);
  });

  it("misses an exact name whose .cold piece sorts first and sends the search the other way", () => {
    // Symbol-table order aaa, foo.cold, foo: the halves are [aaa] and [foo.cold, foo]; functions_cmp calls foo.cold
    // and foo equal (same prefix length, same prefix), so they stay in that order. bsearch for "foo" looks at index
    // 1 first, foo.cold, where strcmp says go left, and ends at aaa: not found; the prefix search finds it.
    const t = new Pahole130FunctionTable(["aaa", "foo.cold", "foo"]);
    expect(t.findExact("foo")).toBe(false);
    expect(t.findPrefix("foo")).toBe(true);
    expect(t.findExact("aaa")).toBe(true);
    // In the other order foo comes first and is found.
    expect(new Pahole130FunctionTable(["aaa", "foo", "foo.cold"]).findExact("foo")).toBe(true);
    expect(new Pahole130FunctionTable(["aaa", "foo.cold", "foo"]).findExact("bar")).toBe(false);
  });
});

describe("a parameter's register from its location", () => {
  const unit: LocationUnit = { version: 5, addressSize: 8, offsetSize: 4, loclistsBase: 12, little: true };
  const reg = (n: number): number => DW_OP.DW_OP_reg0 + n;
  const none = { loc: () => undefined, loclists: () => undefined };

  it("knows the length of operations with their operands", () => {
    const b = Uint8Array.from([0x91, 0x7f, reg(5), 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0xa3, 1, reg(4), 0x9f]);
    expect(opEnd(b, 0, b.length, 8, 4)).toBe(2); // DW_OP_fbreg -1
    expect(opEnd(b, 2, b.length, 8, 4)).toBe(3); // DW_OP_reg5
    expect(opEnd(b, 3, b.length, 8, 4)).toBe(12); // DW_OP_addr
    expect(opEnd(b, 12, b.length, 8, 4)).toBe(15); // DW_OP_entry_value(1 byte)
    expect(opEnd(b, 3, 8, 8, 4)).toBe(-1); // cut off
  });

  it("takes a single register of an exprloc, with or without a final DW_OP_stack_value", () => {
    const one = (bytes: number[], expected: number): number =>
      parameterRegister(
        { form: DW_FORM.DW_FORM_exprloc, bytes: Uint8Array.from(bytes), start: 0, end: bytes.length },
        unit,
        none,
        expected,
      );
    expect(one([reg(5)], reg(5))).toBe(reg(5));
    expect(one([reg(4)], reg(5))).toBe(reg(4));
    expect(one([reg(4), DW_OP.DW_OP_stack_value], reg(5))).toBe(reg(4));
    expect(one([0x91, 0x10], reg(5))).toBe(-1); // on the stack: no register
    expect(one([0x73, 0x00, 0x06], reg(5))).toBe(-1); // breg3 0; deref: two operations
  });

  it("walks a DWARF 5 location list through DW_FORM_loclistx: a register counts in the first entry only, an entry value anywhere", () => {
    // .debug_loclists: a 12-byte header (not read here), the offset table at 12 with two lists, then the lists.
    const list0 = [4, 0x00, 0x10, 1, reg(1), 4, 0x10, 0x20, 1, reg(5), 0]; // offset_pair [rdx], offset_pair [rdi], end
    const list1 = [
      4,
      0x00,
      0x10,
      2,
      0x91,
      0x08,
      4,
      0x10,
      0x20,
      4,
      DW_OP.DW_OP_entry_value,
      1,
      reg(5),
      DW_OP.DW_OP_stack_value,
      0,
    ];
    const table = 12 + 8;
    const bytes = [
      ...new Array<number>(12).fill(0),
      table - 12,
      0,
      0,
      0,
      table - 12 + list0.length,
      0,
      0,
      0,
      ...list0,
      ...list1,
    ];
    const sections = { loc: () => undefined, loclists: () => Uint8Array.from(bytes) };
    const src = (index: number) => ({ form: DW_FORM.DW_FORM_loclistx, value: index });
    // List 0: rdx first, rdi second: only the first entry's register counts.
    expect(parameterRegister(src(0), unit, sections, reg(5))).toBe(reg(1));
    // List 1: on the stack first, then DW_OP_entry_value(DW_OP_reg5): the expected register.
    expect(parameterRegister(src(1), unit, sections, reg(5))).toBe(reg(5));
  });

  it("walks a DWARF 4 .debug_loc list with a base address selection entry", () => {
    const u4: LocationUnit = { ...unit, version: 4 };
    const ff = new Array<number>(8).fill(0xff);
    const z = new Array<number>(8).fill(0);
    const addr = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0];
    const bytes = [
      ...ff,
      ...addr(0x1000),
      ...addr(0),
      ...addr(4),
      1,
      0,
      reg(4),
      ...addr(4),
      ...addr(8),
      1,
      0,
      reg(5),
      ...z,
      ...z,
    ];
    const sections = { loc: () => Uint8Array.from(bytes), loclists: () => undefined };
    expect(parameterRegister({ form: DW_FORM.DW_FORM_sec_offset, value: 0 }, u4, sections, reg(5))).toBe(reg(4));
  });
});

describe("pahole 1.30's loose prototype match", () => {
  const btf = new Btf();
  const s = (x: string): number => btf.strings.intern(x);
  const int = btf.add(s("int"), (BTF_KIND.INT << 24) >>> 0, 4, [0x01000020]);
  const cint = btf.add(0, (BTF_KIND.CONST << 24) >>> 0, int);
  const sA = btf.add(s("foo"), ((BTF_KIND.STRUCT << 24) | 0) >>> 0, 8);
  const fwd = btf.add(s("foo"), (BTF_KIND.FWD << 24) >>> 0, 0);
  const pA = btf.add(0, (BTF_KIND.PTR << 24) >>> 0, sA);
  const pF = btf.add(0, (BTF_KIND.PTR << 24) >>> 0, fwd);
  const other = btf.add(s("bar"), (BTF_KIND.STRUCT << 24) >>> 0, 8);
  const pO = btf.add(0, (BTF_KIND.PTR << 24) >>> 0, other);
  const proto1 = btf.add(0, ((BTF_KIND.FUNC_PROTO << 24) | 1) >>> 0, int, [s("a"), int]);
  const proto2 = btf.add(0, ((BTF_KIND.FUNC_PROTO << 24) | 1) >>> 0, int, [s("b"), pA]);

  it("skips const, takes a declaration for the struct, compares named types by name", () => {
    expect(looseTypesMatch(btf, int, cint)).toBe(true);
    expect(looseTypesMatch(btf, pA, pF)).toBe(true);
    expect(looseTypesMatch(btf, pA, pO)).toBe(false);
  });

  it("compares function pointer prototypes by count and return type only, as pahole ≤ 1.31 does", () => {
    expect(looseTypesMatch(btf, proto1, proto2)).toBe(true);
  });
});
