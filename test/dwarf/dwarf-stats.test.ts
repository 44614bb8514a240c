/** `btfkit dwarf-stats`: counts cross-checked with llvm-dwarfdump on every fixture, JSON matching its schema. */
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import yargs from "yargs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DwarfStatsSchema, dwarfStatsCommand, formatDwarfStats } from "../../src/cli/dwarf-stats.js";
import { BtfkitError } from "../../src/common/errors.js";
import { DwarfFile, collectDwarfStats } from "../../src/dwarf/index.js";
import { FIXTURES, LLVM_TWIN, fixtureFiles, haveTool, llvmDwarfdump } from "./reference.js";

const HAVE_LLVM = haveTool("llvm-dwarfdump");

async function run(args: string[]): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    out += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  });
  try {
    await yargs(args)
      .command(dwarfStatsCommand)
      .strict()
      .exitProcess(false)
      .fail((m, e) => {
        throw e ?? new Error(m);
      })
      .parseAsync();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe("dwarf-stats", () => {
  afterEach(() => vi.restoreAllMocks());

  for (const f of fixtureFiles) {
    it.skipIf(!HAVE_LLVM)(`${f}: counts match llvm-dwarfdump`, () => {
      const d = DwarfFile.open(join(FIXTURES, f));
      const s = collectDwarfStats(d);
      d.close();
      const ref = llvmDwarfdump(join(FIXTURES, LLVM_TWIN[f] ?? f));
      expect(s.units).toBe(ref.units);
      expect(s.diesByTag).toEqual(Object.fromEntries(ref.tags));
      expect(s.dies).toBe([...ref.tags.values()].reduce((a, b) => a + b, 0));
      expect(Value.Check(DwarfStatsSchema, s)).toBe(true);
    });
  }

  it("--json prints a report matching DwarfStatsSchema", async () => {
    const out = await run(["dwarf-stats", join(FIXTURES, "c-rust"), "--json"]);
    const r = JSON.parse(out);
    expect(Value.Check(DwarfStatsSchema, r)).toBe(true);
    expect(r.unitsByLanguage).toEqual({ DW_LANG_C99: 1, DW_LANG_Rust: 1 });
    expect(r.unitsByVersion).toEqual({ "DWARF 4": 2 });
  });

  it("prints text tables", async () => {
    const out = await run(["dwarf-stats", join(FIXTURES, "c-gcc-dw5")]);
    expect(out).toMatch(/^file: .*c-gcc-dw5\nunits: 2, DIEs: \d+, attributes: \d+\n/);
    expect(out).toMatch(/DIEs per tag:\n\s+\d+\s+DW_TAG_/);
    expect(out).toMatch(/walk: [\d.]+ s, [\d.]+ MB\/s\n$/);
    const d = DwarfFile.open(join(FIXTURES, "c-gcc-dw5"));
    expect(formatDwarfStats(collectDwarfStats(d))).toContain("DW_LANG_C11");
    d.close();
  });

  it("a file that is not ELF is a one-line error naming it", async () => {
    const e = await run(["dwarf-stats", join(FIXTURES, "build.sh")]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BtfkitError);
    expect((e as BtfkitError).message).toMatch(/build\.sh: offset 0x0: not an ELF file \(bad magic\)$/);
  });
});
