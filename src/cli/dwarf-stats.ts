import type { CommandModule } from "yargs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import { type DwarfStats, collectDwarfStats } from "../dwarf/stats.js";
import type { DwarfStatsReport } from "../dwarf/stats-schema.js";
import { writeStdoutChunks } from "./output.js";

// The schema lives with collectDwarfStats (a library export); re-exported for the command's users.
export { DwarfStatsSchema, type DwarfStatsReport } from "../dwarf/stats-schema.js";

interface DwarfStatsArgs {
  file: string;
  json: boolean;
  alt?: string;
}

/** Human-readable rendering: a few aligned tables, biggest counts first. */
export function formatDwarfStats(s: DwarfStats): string {
  const lines: string[] = [];
  const table = (title: string, r: Record<string, number>): void => {
    lines.push(`${title}:`);
    const rows = Object.entries(r).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const w = Math.max(0, ...rows.map(([, v]) => String(v).length));
    for (const [k, v] of rows) lines.push(`  ${String(v).padStart(w)}  ${k}`);
  };
  lines.push(`file: ${s.file}`);
  lines.push(`units: ${s.units}, DIEs: ${s.dies}, attributes: ${s.attributes}`);
  table("units per language", s.unitsByLanguage);
  table("units per producer", s.unitsByProducer);
  table("units per version", s.unitsByVersion);
  table("units per type", s.unitsByType);
  table("DIEs per tag", s.diesByTag);
  table("section bytes", s.sectionBytes);
  lines.push(`walk: ${s.seconds.toFixed(3)} s, ${s.megabytesPerSecond.toFixed(1)} MB/s`);
  return lines.join("\n") + "\n";
}

export const dwarfStatsCommand: CommandModule<object, DwarfStatsArgs> = {
  command: "dwarf-stats <file>",
  describe: "count an ELF file's DWARF units (per language, producer), DIEs per tag and bytes",
  builder: (y) =>
    y
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "ELF file with DWARF (vmlinux, .ko, .o, executable)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the report as JSON (schema: DwarfStatsSchema)",
      })
      .option("alt", {
        type: "string",
        describe: "dwz supplementary file (default: the one named by .gnu_debugaltlink)",
      })
      .example("$0 dwarf-stats vmlinux", "counts and reader throughput")
      .example("$0 dwarf-stats --json prog | jq .diesByTag", "DIEs per tag as JSON"),
  handler: async (args) => {
    if (!args.file) throw new BtfkitError(ErrorCode.USAGE, "name an ELF file");
    const dwarf = DwarfFile.open(args.file, { altPath: args.alt });
    let stats: DwarfStats;
    try {
      if (!dwarf.hasDebugInfo)
        throw new BtfkitError(ErrorCode.NOT_FOUND, "no .debug_info section (not built with -g, or stripped)", {
          file: args.file,
        });
      stats = collectDwarfStats(dwarf);
    } finally {
      dwarf.close();
    }
    const report: DwarfStatsReport = stats;
    await writeStdoutChunks([args.json ? JSON.stringify(report, null, 2) + "\n" : formatDwarfStats(stats)]);
  },
};
