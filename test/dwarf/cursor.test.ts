/** DieCursor and DwarfFile API on hand-assembled DWARF (every form) and on the compiled fixtures. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BtfkitError } from "../../src/common/errors.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import {
  DW_AT,
  DW_ATE,
  DW_FORM,
  DW_LANG,
  DW_TAG,
  DW_UT,
  DieSpace,
  DwarfFile,
  dieRefOffset,
  dieRefSpace,
  tagName,
  type DieRef,
} from "../../src/dwarf/index.js";
import { buildElf } from "../elf/elf-builder.js";
import { Asm, abbrevTable, unitHeader } from "./dwarf-builder.js";

const FIX = join(import.meta.dirname, "../fixtures/dwarf");
const A = DW_AT;
const F = DW_FORM;
const T = DW_TAG;

/** Two DWARF 5 units exercising every form class; returns an in-memory DwarfFile. */
/** The ELF image `synthetic` built last (tests corrupt it in place). */
let lastElf: Uint8Array = new Uint8Array(0);

function synthetic(little = true, dwarf64 = false, infoReading: "units" | "whole" = "units"): DwarfFile {
  const osz = dwarf64 ? 8 : 4;
  const abbrev = abbrevTable([
    [
      1,
      T.DW_TAG_compile_unit,
      true,
      [
        [A.DW_AT_producer, F.DW_FORM_strx1],
        [A.DW_AT_language, F.DW_FORM_data2],
        [A.DW_AT_str_offsets_base, F.DW_FORM_sec_offset],
        [A.DW_AT_addr_base, F.DW_FORM_sec_offset],
        [A.DW_AT_name, F.DW_FORM_string],
      ],
    ],
    [
      2,
      T.DW_TAG_structure_type,
      true,
      [
        [A.DW_AT_name, F.DW_FORM_strp],
        [A.DW_AT_byte_size, F.DW_FORM_data1],
        [A.DW_AT_sibling, F.DW_FORM_ref4],
      ],
    ],
    [
      3,
      T.DW_TAG_member,
      false,
      [
        [A.DW_AT_name, F.DW_FORM_string],
        [A.DW_AT_type, F.DW_FORM_ref_udata],
        [A.DW_AT_data_bit_offset, F.DW_FORM_implicit_const, 5],
        [A.DW_AT_bit_size, F.DW_FORM_data1],
      ],
    ],
    [
      4,
      T.DW_TAG_base_type,
      false,
      [
        [A.DW_AT_name, F.DW_FORM_indirect],
        [A.DW_AT_encoding, F.DW_FORM_data1],
        [A.DW_AT_byte_size, F.DW_FORM_data1],
      ],
    ],
    [
      5,
      T.DW_TAG_variable,
      false,
      [
        [A.DW_AT_name, F.DW_FORM_strx],
        [A.DW_AT_const_value, F.DW_FORM_block1],
        [A.DW_AT_location, F.DW_FORM_exprloc],
        [A.DW_AT_low_pc, F.DW_FORM_addrx],
      ],
    ],
    [
      6,
      T.DW_TAG_variable,
      false,
      [
        [A.DW_AT_const_value, F.DW_FORM_data16],
        [A.DW_AT_type, F.DW_FORM_ref_addr],
        [A.DW_AT_external, F.DW_FORM_flag_present],
        [A.DW_AT_decl_line, F.DW_FORM_sdata],
        [A.DW_AT_upper_bound, F.DW_FORM_data1],
      ],
    ],
    [
      200,
      T.DW_TAG_typedef,
      false,
      [
        [A.DW_AT_name, F.DW_FORM_line_strp],
        [A.DW_AT_type, F.DW_FORM_ref2],
      ],
    ],
  ]).done();
  const str = new Asm().cstr("btfkit-test 1.0").cstr("point").done(); // "point" at 16
  const lineStr = new Asm().u8(0).cstr("pt_t").done();
  const so = new Asm(little);
  if (dwarf64)
    so.u32(0xffffffff)
      .u64(4 + 2 * 8)
      .u16(5)
      .u16(0);
  else
    so.u32(4 + 3 * 4)
      .u16(5)
      .u16(0);
  const soBase = so.pos;
  so.uN(0, osz).uN(16, osz).uN(0, osz);
  const addr = new Asm(little)
    .u32(4 + 16)
    .u16(5)
    .u8(8)
    .u8(0);
  const addrBase = addr.pos;
  addr.u64(0x1000).u64(0xffffffff81000000n);

  const a = new Asm(little);
  const end1 = unitHeader(a, { dwarf64 });
  const u1 = 0;
  a.uleb(1).u8(0).u16(DW_LANG.DW_LANG_C11).uN(soBase, osz).uN(addrBase, osz).cstr("unit1.c");
  const structAt = a.pos;
  a.uleb(2).uN(16, osz).u8(8);
  const sibAt = a.pos;
  a.u32(0);
  const intRefAt: number[] = [];
  a.uleb(3).cstr("x");
  intRefAt.push(a.pos);
  a.u8(0).u8(3); // ref_udata patched below (1 byte), bit_size 3
  a.uleb(3).cstr("y");
  intRefAt.push(a.pos);
  a.u8(0).u8(4);
  a.u8(0); // end of struct children
  a.patch(sibAt, a.pos - u1, 4);
  const intAt = a.pos;
  a.uleb(4).uleb(F.DW_FORM_string).cstr("int").u8(DW_ATE.DW_ATE_signed).u8(4);
  for (const p of intRefAt) a.patch(p, intAt - u1, 1);
  a.uleb(5)
    .uleb(1)
    .u8(16)
    .raw(Array.from({ length: 16 }, (_, i) => i + 1))
    .uleb(2)
    .raw([0x30, 0x9f])
    .uleb(1);
  a.uleb(6)
    .raw(Array.from({ length: 16 }, (_, i) => 0xf0 + (i & 0xf)))
    .uN(0, osz);
  const refAddrAt = a.pos - osz;
  a.u8(0x4b).u8(0xff); // decl_line sleb -53, upper_bound data1 0xff
  a.uleb(200)
    .uN(1, osz)
    .u16(structAt - u1);
  a.u8(0); // end of CU children
  end1();
  // Unit 2: DWARF 4, referenced by unit 1's ref_addr.
  const u2 = a.pos;
  const abbrev4 = abbrev.length;
  const end2 = unitHeader(a, { version: 4, dwarf64, abbrevOffset: abbrev4 });
  a.uleb(1).u8(0);
  const target = a.pos;
  a.uleb(2).cstr("long").u8(8);
  a.u8(0);
  end2();
  a.patch(refAddrAt, target, osz);
  void u2;
  const abbrevAll = new Asm()
    .raw(abbrev)
    .raw(
      abbrevTable([
        [1, T.DW_TAG_compile_unit, true, [[A.DW_AT_name, F.DW_FORM_string]]],
        [
          2,
          T.DW_TAG_base_type,
          false,
          [
            [A.DW_AT_name, F.DW_FORM_string],
            [A.DW_AT_byte_size, F.DW_FORM_data1],
          ],
        ],
      ]).bytes,
    )
    .done();
  const elf = buildElf({
    little,
    sections: [
      { name: ".debug_info", data: a.done() },
      { name: ".debug_abbrev", data: abbrevAll },
      { name: ".debug_str", data: str },
      { name: ".debug_line_str", data: lineStr },
      { name: ".debug_str_offsets", data: so.done() },
      { name: ".debug_addr", data: addr.done() },
    ],
  });
  lastElf = elf;
  return DwarfFile.fromElf(ElfFile.fromBytes(elf, little ? "synthetic-le" : "synthetic-be"), { infoReading });
}

describe("DieCursor on assembled DWARF", () => {
  for (const [little, dwarf64, reading] of [
    [true, false, "units"],
    [false, false, "units"],
    [true, true, "units"],
    [false, true, "units"],
    [true, false, "whole"],
    [false, true, "whole"],
  ] as const) {
    it(`decodes every form (${little ? "little" : "big"}-endian, ${dwarf64 ? "64" : "32"}-bit DWARF, .debug_info read by ${reading})`, () => {
      const d = synthetic(little, dwarf64, reading);
      expect(d.readsByUnits).toBe(reading === "units");
      const units = [...d.units()];
      expect(units.map((u) => [u.version, u.offsetSize, u.unitType])).toEqual([
        [5, dwarf64 ? 8 : 4, DW_UT.DW_UT_compile],
        [4, dwarf64 ? 8 : 4, DW_UT.DW_UT_compile],
      ]);
      const u = units[0]!;
      expect(u.producer).toBe("btfkit-test 1.0");
      expect(u.name).toBe("unit1.c");
      expect(u.language).toBe(DW_LANG.DW_LANG_C11);
      const c = d.cursor(u);
      const seen: string[] = [];
      while (c.next()) seen.push(`${c.depth}:${tagName(c.tag)}`);
      expect(seen).toEqual([
        "0:DW_TAG_compile_unit",
        "1:DW_TAG_structure_type",
        "2:DW_TAG_member",
        "2:DW_TAG_member",
        "1:DW_TAG_base_type",
        "1:DW_TAG_variable",
        "1:DW_TAG_variable",
        "1:DW_TAG_typedef",
      ]);
      c.reset(u);
      c.next();
      c.next();
      expect(c.string(A.DW_AT_name)).toBe("point");
      expect(c.unsigned(A.DW_AT_byte_size)).toBe(8);
      c.next();
      expect(c.string(A.DW_AT_name)).toBe("x");
      expect(c.attrForm(A.DW_AT_data_bit_offset)).toBe(F.DW_FORM_implicit_const);
      expect(c.unsigned(A.DW_AT_data_bit_offset)).toBe(5);
      expect(c.unsigned(A.DW_AT_bit_size)).toBe(3);
      const intRef = c.ref(A.DW_AT_type)!;
      expect(d.dieAt(intRef).string(A.DW_AT_name)).toBe("int");
      c.next();
      c.next();
      expect(c.tag).toBe(T.DW_TAG_base_type);
      expect(c.attrForm(A.DW_AT_name)).toBe(F.DW_FORM_string); // through DW_FORM_indirect
      expect(c.string(A.DW_AT_name)).toBe("int");
      expect(c.offset).toBe(dieRefOffset(intRef));
      c.next();
      expect(c.string(A.DW_AT_name)).toBe("point"); // strx → str_offsets → .debug_str
      const bytes16 = Array.from({ length: 16 }, (_, i) => BigInt(i + 1));
      const asInt = (little ? [...bytes16].reverse() : bytes16).reduce((acc, b) => (acc << 8n) | b, 0n);
      expect(c.bigUnsigned(A.DW_AT_const_value)).toBe(asInt);
      expect(c.block(A.DW_AT_location)).toBe(true);
      expect([...c.blockBytes.subarray(c.blockStart, c.blockEnd)]).toEqual([0x30, 0x9f]);
      expect(c.unsigned(A.DW_AT_low_pc)).toBe(0xffffffff81000000); // addrx (inexact as a number: 2^53+)
      expect(c.bigUnsigned(A.DW_AT_low_pc)).toBe(0xffffffff81000000n);
      c.next();
      const d16 = c.bigUnsigned(A.DW_AT_const_value)!;
      expect(d16 >> 120n).toBe(little ? 0xffn : 0xf0n);
      expect(c.attr(A.DW_AT_external)).toBe(1);
      expect(c.signed(A.DW_AT_decl_line)).toBe(-53);
      expect(c.signed(A.DW_AT_upper_bound)).toBe(-1);
      expect(c.unsigned(A.DW_AT_upper_bound)).toBe(255);
      const far = c.ref(A.DW_AT_type)!;
      expect(dieRefSpace(far)).toBe(DieSpace.INFO);
      const fc = d.dieAt(far);
      expect(fc.unit.version).toBe(4);
      expect(fc.string(A.DW_AT_name)).toBe("long");
      c.next();
      expect(c.string(A.DW_AT_name)).toBe("pt_t"); // line_strp
      expect(d.dieAt(c.ref(A.DW_AT_type)!).tag).toBe(T.DW_TAG_structure_type);
      expect(c.next()).toBe(false);
    });
  }

  it("skipChildren uses DW_AT_sibling and otherwise walks", () => {
    const d = synthetic();
    const c = d.cursor([...d.units()][0]!);
    const seen: string[] = [];
    while (c.next()) {
      seen.push(tagName(c.tag));
      if (c.depth === 1) c.skipChildren();
    }
    expect(seen).not.toContain("DW_TAG_member");
    expect(seen).toHaveLength(6);
  });

  for (const reading of ["units", "whole"] as const) {
    it(`a bad abbreviation code is a one-line error naming file, section and offset (.debug_info read by ${reading})`, () => {
      const d = synthetic(true, false, reading);
      // Code 127 is not in the table. Read by units, the file's bytes are what cursors see (the root DIE is read
      // when the units are listed); read whole, the section loaded once.
      const firstDie = 12; // a 32-bit DWARF 5 unit header is 12 bytes
      if (reading === "units") lastElf[d.elf.section(".debug_info")!.offset + firstDie] = 0x7f;
      const e = (() => {
        try {
          const u = [...d.units()][0]!;
          expect(u.firstDie).toBe(firstDie);
          if (reading === "whole") d.info[firstDie] = 0x7f;
          d.cursor(u).next();
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(BtfkitError);
      expect((e as BtfkitError).message).toBe(
        `synthetic-le: .debug_info+0x${firstDie.toString(16)}: abbreviation code 127 not in the table at .debug_abbrev+0x0`,
      );
    });
  }
});

/** Offsets (as DieRefs) of every DIE in the file, with their tags. */
function allDies(d: DwarfFile): Map<DieRef, number> {
  const m = new Map<DieRef, number>();
  const c = d.cursor();
  for (const u of d.allUnits()) {
    c.reset(u);
    while (c.next()) m.set((u.space * 2 ** 44 + c.offset) as DieRef, c.tag);
  }
  return m;
}

describe("DieCursor on the fixtures", () => {
  it("every DW_AT_type reference resolves to a DIE the walk saw (ref4, ref_sig8, ref_addr)", () => {
    for (const f of [
      "c-gcc-dw5",
      "c-clang-dw4",
      "c-gcc-dw4-types",
      "c-gcc-dw5-types",
      "c-gcc-dwarf64",
      "c-gcc-split",
      "rust-lib.o",
      "c-rust",
      "cross-s390x.o",
    ]) {
      const d = DwarfFile.open(join(FIX, f));
      const dies = allDies(d);
      const c = d.cursor();
      let refs = 0;
      let sig8 = 0;
      for (const u of d.allUnits()) {
        c.reset(u);
        while (c.next()) {
          const r = c.ref(A.DW_AT_type);
          if (r === undefined) continue;
          refs++;
          if (c.attrForm(A.DW_AT_type) === F.DW_FORM_ref_sig8) sig8++;
          expect(dies.has(r), `${f}: ${tagName(c.tag)} at 0x${c.offset.toString(16)}`).toBe(true);
          expect(d.dieAt(r).tag).toBe(dies.get(r));
        }
      }
      expect(refs).toBeGreaterThan(f === "c-gcc-split" ? -1 : 10);
      if (f.endsWith("-types") && f.startsWith("c-gcc")) expect(sig8).toBeGreaterThan(0);
      d.close();
    }
  });

  it("skipChildren on every DIE visits exactly the top-level DIEs", () => {
    const d = DwarfFile.open(join(FIX, "c-gcc-dw5"));
    for (const u of d.units()) {
      const full: number[] = [];
      const c = d.cursor(u);
      while (c.next()) if (c.depth <= 1) full.push(c.offset);
      const skipped: number[] = [];
      c.reset(u);
      while (c.next()) {
        skipped.push(c.offset);
        if (c.depth === 1) c.skipChildren();
      }
      expect(skipped).toEqual(full);
    }
    d.close();
  });

  it("reads both bitfield encodings", () => {
    const bits = (f: string): [string, number | undefined, number | undefined, number | undefined][] => {
      const d = DwarfFile.open(join(FIX, f));
      const out: [string, number | undefined, number | undefined, number | undefined][] = [];
      const c = d.cursor();
      for (const u of d.units()) {
        c.reset(u);
        let inBits = -1;
        while (c.next()) {
          if (inBits >= 0 && c.depth <= inBits) inBits = -1;
          if (c.tag === T.DW_TAG_structure_type && c.string(A.DW_AT_name) === "bits" && c.hasChildren) inBits = c.depth;
          else if (inBits >= 0 && c.tag === T.DW_TAG_member) {
            out.push([
              c.string(A.DW_AT_name)!,
              c.unsigned(A.DW_AT_data_bit_offset),
              c.unsigned(A.DW_AT_bit_offset),
              c.unsigned(A.DW_AT_bit_size),
            ]);
          }
        }
      }
      d.close();
      return out;
    };
    expect(bits("c-gcc-dw5").slice(0, 3)).toEqual([
      ["a", 0, undefined, 3],
      ["b", 3, undefined, 5],
      ["c", 8, undefined, 7],
    ]);
    // DWARF 3: big-endian-style bit_offset from the top of the storage unit (32 - 0 - 3 = 29, …).
    expect(bits("c-gcc-dw3").slice(0, 3)).toEqual([
      ["a", undefined, 29, 3],
      ["b", undefined, 24, 5],
      ["c", undefined, 17, 7],
    ]);
  });

  it("reads a DW_FORM_data16 constant exactly", () => {
    const d = DwarfFile.open(join(FIX, "c-gcc-dw5"));
    const c = d.cursor();
    let v: bigint | undefined;
    for (const u of d.units()) {
      c.reset(u);
      while (c.next())
        if (c.tag === T.DW_TAG_variable && c.string(A.DW_AT_name) === "big_const")
          v ??= c.bigUnsigned(A.DW_AT_const_value);
    }
    expect(v).toBe(0x0123456789abcdeffedcba9876543210n);
    d.close();
  });

  it("follows dwz alt references (DW_FORM_GNU_ref_alt, GNU_strp_alt) into the alt file", () => {
    const d = DwarfFile.open(join(FIX, "dwz-a"));
    const c = d.cursor();
    let imports = 0;
    for (const u of d.units()) {
      c.reset(u);
      while (c.next()) {
        if (c.tag !== T.DW_TAG_imported_unit) continue;
        const r = c.ref(A.DW_AT_import)!;
        if (c.attrForm(A.DW_AT_import) === F.DW_FORM_GNU_ref_alt) {
          expect(dieRefSpace(r)).toBe(DieSpace.ALT);
          imports++;
        }
        const t = d.dieAt(r);
        expect(t.tag).toBe(T.DW_TAG_partial_unit);
      }
    }
    expect(imports).toBeGreaterThan(0);
    d.close();
    const missing = DwarfFile.open(join(FIX, "dwz-a"), { altPath: join(FIX, "no-such-alt") });
    const m = missing.cursor();
    expect(() => {
      for (const u of missing.units()) {
        m.reset(u);
        while (m.next()) m.string(A.DW_AT_name);
      }
    }).toThrow(/dwz alt file .*--alt FILE/);
    missing.close();
  });

  it("reports units per language and producer (C + Rust)", () => {
    const d = DwarfFile.open(join(FIX, "c-rust"));
    const langs = [...d.units()].map((u) => u.language).sort();
    expect(langs).toEqual([DW_LANG.DW_LANG_C99, DW_LANG.DW_LANG_Rust].sort());
    expect([...d.units()].some((u) => /rustc/.test(u.producer ?? ""))).toBe(true);
    d.close();
  });
});
