/**
 * Relocated .debug_info of Debian 6.1 kernel modules (ET_REL, R_X86_64_32/64 into .debug_str and friends) must read
 * the same names as `readelf --debug-dump=info`, which applies the relocations itself. Needs the Debian kernel
 * debug package (never downloaded in CI): skips with the reason when it is absent.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DW_AT, DwarfFile } from "../../src/dwarf/index.js";
import { announceSkip, debianKernel } from "../util/inputs.js";
import { haveTool, readelfNames } from "./reference.js";

const kernel = debianKernel();
const skipKernel = announceSkip("Debian .ko relocation cross-check", kernel);
const HAVE_READELF = haveTool("readelf");
if (!HAVE_READELF) console.warn("SKIP: Debian .ko relocation cross-check: readelf (binutils) is not installed");

const MODULES = ["kernel/fs/fat/vfat.ko", "kernel/lib/crc7.ko", "kernel/fs/fat/fat.ko"];

describe("Debian kernel modules", () => {
  for (const m of MODULES) {
    it.skipIf(skipKernel || !HAVE_READELF)(`${m}: relocated names match readelf`, () => {
      const path = join(kernel.value!.modulesDir, m);
      const d = DwarfFile.open(path);
      const ours = new Map<string, string>();
      const c = d.cursor();
      for (const u of d.units()) {
        c.reset(u);
        while (c.next()) {
          const n = c.string(DW_AT.DW_AT_name);
          if (n !== undefined) ours.set(`.debug_info:0x${c.offset.toString(16)}`, n);
        }
      }
      d.close();
      const ref = readelfNames(path);
      expect(ours.size).toBeGreaterThan(1000);
      expect(ours.size).toBe(ref.size);
      const diff = [...ref].filter(([k, v]) => ours.get(k) !== v).slice(0, 5);
      expect(diff).toEqual([]);
    });
  }
});
