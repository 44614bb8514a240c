import { DieCursor } from "./die-cursor.js";
import type { DwarfFile } from "./dwarf-file.js";
import { langName, tagName, unitTypeName } from "./constants.js";

/** What `btfkit dwarf-stats` reports. */
export interface DwarfStats {
  file: string;
  units: number;
  /** Units per DW_LANG_* name ("none" when the root DIE has no DW_AT_language). */
  unitsByLanguage: Record<string, number>;
  /** Units per DW_AT_producer string ("unknown" when absent). */
  unitsByProducer: Record<string, number>;
  /** Units per "DWARF N" version. */
  unitsByVersion: Record<string, number>;
  /** Units per DW_UT_* type. */
  unitsByType: Record<string, number>;
  /** DIEs (null entries excluded) in all units. */
  dies: number;
  /** DIEs per DW_TAG_* name. */
  diesByTag: Record<string, number>;
  /** Attributes decoded. */
  attributes: number;
  /** Size in bytes of each debug section present (after decompression; read from the headers only). */
  sectionBytes: Record<string, number>;
  /** Seconds the DIE walk took and its throughput over `.debug_info` + `.debug_types`. */
  seconds: number;
  megabytesPerSecond: number;
}

const SECTIONS = [
  ".debug_info",
  ".debug_types",
  ".debug_abbrev",
  ".debug_str",
  ".debug_line_str",
  ".debug_str_offsets",
  ".debug_addr",
  ".debug_line",
  ".debug_ranges",
  ".debug_rnglists",
  ".debug_loc",
  ".debug_loclists",
  ".debug_frame",
  ".debug_aranges",
];

function bump(r: Record<string, number>, k: string): void {
  r[k] = (r[k] ?? 0) + 1;
}

/**
 * Walk every DIE of every unit, decoding every attribute (so the time measures the whole reader), and count units
 * by language, producer, version and type, and DIEs by tag.
 */
export function collectDwarfStats(dwarf: DwarfFile, opts: { decodeAttributes?: boolean } = {}): DwarfStats {
  const decode = opts.decodeAttributes ?? true;
  const sectionBytes: Record<string, number> = {};
  for (const s of SECTIONS) {
    const n = dwarf.sections.size(s);
    if (n !== undefined) sectionBytes[s] = n;
  }
  const unitsByLanguage: Record<string, number> = {};
  const unitsByProducer: Record<string, number> = {};
  const unitsByVersion: Record<string, number> = {};
  const unitsByType: Record<string, number> = {};
  const tagCounts = new Float64Array(0x10000);
  let units = 0;
  let dies = 0;
  let attributes = 0;
  const c = new DieCursor();
  const t0 = performance.now();
  for (const u of dwarf.allUnits()) {
    units++;
    bump(unitsByLanguage, u.language ? langName(u.language) : "none");
    bump(unitsByProducer, u.producer ?? "unknown");
    bump(unitsByVersion, `DWARF ${u.version}`);
    bump(unitsByType, unitTypeName(u.unitType));
    c.reset(u);
    while (c.next()) {
      dies++;
      tagCounts[c.tag]!++;
      if (decode) {
        const n = c.attrCount;
        for (let i = 0; i < n; i++) c.decodeAt(i);
        attributes += n;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const diesByTag: Record<string, number> = {};
  for (let t = 0; t < tagCounts.length; t++) if (tagCounts[t]) diesByTag[tagName(t)] = tagCounts[t]!;
  const walked = (sectionBytes[".debug_info"] ?? 0) + (sectionBytes[".debug_types"] ?? 0);
  return {
    file: dwarf.path,
    units,
    unitsByLanguage,
    unitsByProducer,
    unitsByVersion,
    unitsByType,
    dies,
    diesByTag,
    attributes,
    sectionBytes,
    seconds,
    megabytesPerSecond: seconds > 0 ? walked / 1e6 / seconds : 0,
  };
}
