/**
 * The one form table (src/dwarf/forms.ts `FORMS`) against the code that spells its sizes out for speed: every form
 * of the table is skipped by the DIE cursor's hot switch (`skipAttrs`) and by the abbreviation layout, in both
 * offset sizes, and the attribute after it must still read right. A form whose size the switch and the table
 * disagree on shifts that attribute and fails here.
 */
import { describe, expect, it } from "vitest";
import { DW_AT, DW_FORM, DW_LANG, DW_OP, DW_TAG, formName, opName } from "../../src/dwarf/constants.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { FORMS, FormClass, FormSize, formClass, formSize } from "../../src/dwarf/forms.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import { buildElf } from "../elf/elf-builder.js";
import { Asm, abbrevTable, unitHeader } from "./dwarf-builder.js";

const A = DW_AT;
const F = DW_FORM;
const T = DW_TAG;

/** A value of `form` (zeros, empty blocks, an empty string; `indirect` names data1). */
function writeValue(a: Asm, form: number, size: number, addrSize: number, offsetSize: number): void {
  switch (size) {
    case FormSize.ADDRESS:
      a.uN(0, addrSize);
      return;
    case FormSize.OFFSET:
    case FormSize.REF_ADDR:
      a.uN(0, offsetSize);
      return;
    case FormSize.LEB128:
      a.raw([0x80, 0x00]);
      return; // two bytes, so a one-byte skip would be caught
    case FormSize.STRING:
      a.cstr("abc");
      return;
    case FormSize.BLOCK1:
      a.u8(2).raw([7, 7]);
      return;
    case FormSize.BLOCK2:
      a.u16(2).raw([7, 7]);
      return;
    case FormSize.BLOCK4:
      a.u32(2).raw([7, 7]);
      return;
    case FormSize.BLOCK_LEB128:
      a.uleb(2).raw([7, 7]);
      return;
    case FormSize.INDIRECT:
      a.uleb(F.DW_FORM_data1).u8(9);
      return;
    default:
      expect(size, formName(form)).toBeGreaterThanOrEqual(0);
      a.raw(new Array<number>(size).fill(0xee));
  }
}

/**
 * One DWARF 5 unit: a compile unit, then a variable whose attributes are a name (a string: no fixed offsets after
 * it, so reading on goes through skipAttrs), the form under test, and a byte_size, then a second variable.
 */
function unitWith(form: number, size: number, dwarf64: boolean): DwarfFile {
  const osz = dwarf64 ? 8 : 4;
  const abbrev = abbrevTable([
    [1, T.DW_TAG_compile_unit, true, [[A.DW_AT_language, F.DW_FORM_data2]]],
    [
      2,
      T.DW_TAG_variable,
      false,
      [
        [A.DW_AT_name, F.DW_FORM_string],
        [A.DW_AT_const_value, form, 3],
        [A.DW_AT_byte_size, F.DW_FORM_data1],
      ],
    ],
    [3, T.DW_TAG_base_type, false, [[A.DW_AT_name, F.DW_FORM_string]]],
  ]).done();
  const a = new Asm(true);
  const end = unitHeader(a, { dwarf64 });
  a.uleb(1).u16(DW_LANG.DW_LANG_C11);
  a.uleb(2).cstr("v");
  writeValue(a, form, size, 8, osz);
  a.u8(42);
  a.uleb(3).cstr("next");
  a.u8(0);
  end();
  const elf = buildElf({
    little: true,
    sections: [
      { name: ".debug_info", data: a.done() },
      { name: ".debug_abbrev", data: abbrev },
    ],
  });
  return DwarfFile.fromElf(ElfFile.fromBytes(elf, "forms"), { infoReading: "whole" });
}

describe("DW_OP names", () => {
  it("spells every operation, the numbered families included", () => {
    expect(opName(DW_OP.DW_OP_addrx)).toBe("DW_OP_addrx");
    expect(opName(0x55)).toBe("DW_OP_reg5");
    expect(opName(0x30)).toBe("DW_OP_lit0");
    expect(opName(0x8f)).toBe("DW_OP_breg31");
    expect(opName(DW_OP.DW_OP_GNU_addr_index)).toBe("DW_OP_GNU_addr_index");
    expect(opName(0x01)).toBe("DW_OP_0x1");
  });
});

describe("the DW_FORM table", () => {
  it("lists each form once, with a class", () => {
    const forms = FORMS.map(([form]) => form);
    expect(new Set(forms).size).toBe(forms.length);
    for (const [form, cls] of FORMS) {
      expect(cls, formName(form)).not.toBe(FormClass.UNKNOWN);
      expect(formClass(form)).toBe(cls);
    }
    // Every form of constants.ts is in the table (btfkit decodes them all).
    expect(new Set(forms)).toEqual(new Set(Object.values(DW_FORM)));
  });

  it("resolves the unit-dependent sizes", () => {
    expect(formSize(F.DW_FORM_addr, 4, 8, 8)).toBe(4);
    expect(formSize(F.DW_FORM_strp, 8, 8, 8)).toBe(8);
    expect(formSize(F.DW_FORM_ref_addr, 8, 4, 8)).toBe(8);
    expect(formSize(F.DW_FORM_udata, 8, 4, 4)).toBe(-1);
    expect(formSize(F.DW_FORM_data16, 8, 4, 4)).toBe(16);
    expect(formSize(0x7777, 8, 4, 4)).toBe(-1);
  });

  for (const dwarf64 of [false, true]) {
    for (const [form, , size] of FORMS) {
      it(`the DIE cursor skips ${formName(form)} as the table says (${dwarf64 ? 64 : 32}-bit DWARF)`, () => {
        const d = unitWith(form, size, dwarf64);
        const c = d.cursor([...d.units()][0]!);
        expect(c.next()).toBe(true);
        expect(c.next()).toBe(true);
        expect(c.string(A.DW_AT_name)).toBe("v");
        expect(c.unsigned(A.DW_AT_byte_size)).toBe(42);
        expect(c.next()).toBe(true);
        expect(c.tag).toBe(T.DW_TAG_base_type);
        expect(c.string(A.DW_AT_name)).toBe("next");
      });
    }
  }
});
