/**
 * Rust statics located through `.debug_addr` (test/fixtures/rust/rustfix-dwarf5.o: the crate of rustfix.o built with
 * `-C dwarf-version=5`, where rustc/LLVM write `DW_AT_location (DW_OP_addrx N)` instead of `DW_OP_addr A`). The Rust
 * converter shares the C converter's static-address helper (src/dwarf/location.ts `staticAddress`), so the same
 * statics become the same VARs and DATASECs as from the DWARF 4 object.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { DW_AT, DW_OP, DW_TAG } from "../../src/dwarf/constants.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { RUST_FIXTURES, RUSTFIX_O, shape } from "./helpers.js";

const RUSTFIX_DWARF5_O = join(RUST_FIXTURES, "rustfix-dwarf5.o");

/** Every DATASEC as `name size=N` and its entries `var 'X' offset=O size=S`, in order. */
function sections(btf: Btf): string[] {
  const out: string[] = [];
  for (let id = btf.startId; id < btf.endId; id++) {
    if (btf.kind(id) !== BTF_KIND.DATASEC) continue;
    out.push(`${btf.name(id)} size=${btf.sizeTypeOf(id)}`);
    for (let i = 0; i < btf.vlen(id); i++) {
      out.push(
        `  ${shape(btf, btf.extraWord(id, 3 * i))} offset=${btf.extraWord(id, 3 * i + 1)} size=${btf.extraWord(id, 3 * i + 2)}`,
      );
    }
  }
  return out;
}

describe("Rust statics with DWARF 5 (DW_OP_addrx)", () => {
  it("the fixture's statics really are located by DW_OP_addrx", () => {
    const d = DwarfFile.open(RUSTFIX_DWARF5_O);
    const ops: string[] = [];
    for (const unit of d.units()) {
      expect(unit.version).toBe(5);
      const c = d.cursor(unit);
      while (c.next()) {
        if (c.tag !== DW_TAG.DW_TAG_variable || !c.block(DW_AT.DW_AT_location)) continue;
        ops.push(`${c.string(DW_AT.DW_AT_name)}: 0x${c.blockBytes[c.blockStart]!.toString(16)}`);
      }
    }
    const addrx = `0x${DW_OP.DW_OP_addrx.toString(16)}`;
    expect(ops).toContain(`RUST_COUNTER: ${addrx}`);
    expect(ops).toContain(`RUST_TABLE: ${addrx}`);
  });

  it("become the VARs and DATASECs the DWARF 4 object gives", () => {
    const features = parseFeatures("default,global_var");
    const v5 = encodeFile(RUSTFIX_DWARF5_O, { features }).btf;
    const v4 = encodeFile(RUSTFIX_O, { features }).btf;
    const secs = sections(v5);
    expect(secs).toContain(".data.RUST_COUNTER size=8");
    expect(secs.some((l) => l.includes("var 'RUST_TABLE'"))).toBe(true);
    expect(secs).toEqual(sections(v4));
  });
});
