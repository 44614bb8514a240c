import { type Static, Type } from "@sinclair/typebox";

const Counts = (description: string) => Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description });

/** The output of `btfkit dwarf-stats --json`. */
export const DwarfStatsSchema = Type.Object({
  file: Type.String(),
  units: Type.Integer({ minimum: 0, description: "units in .debug_info and .debug_types" }),
  unitsByLanguage: Counts("units per DW_LANG_* name ('none' without DW_AT_language)"),
  unitsByProducer: Counts("units per DW_AT_producer ('unknown' without one)"),
  unitsByVersion: Counts("units per 'DWARF N'"),
  unitsByType: Counts("units per DW_UT_* name"),
  dies: Type.Integer({ minimum: 0, description: "DIEs, null entries excluded" }),
  diesByTag: Counts("DIEs per DW_TAG_* name"),
  attributes: Type.Integer({ minimum: 0, description: "attributes decoded" }),
  sectionBytes: Counts("size of each debug section present, after decompression"),
  seconds: Type.Number({ minimum: 0, description: "time of the DIE walk" }),
  megabytesPerSecond: Type.Number({ minimum: 0, description: "(.debug_info + .debug_types) / seconds, in 10^6 bytes" }),
});
export type DwarfStatsReport = Static<typeof DwarfStatsSchema>;
