import type { CommandModule } from "yargs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { writeFileAtomic } from "../common/atomic-write.js";
import { loadBtf } from "../io/load-btf.js";
import { writeBtf } from "../btf/write.js";
import { dedupBtf, type DedupStats } from "../dedup/dedup.js";
import { dedupWithReport, formatDedupReport } from "../dedup/report.js";

interface DedupArgs {
  input: string;
  output?: string;
  stats?: boolean;
  explain?: number;
  base?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `btfkit dedup IN -o OUT [--base B]`: libbpf-equivalent deduplication, raw BTF out. `--stats` reports each pass
 * (DedupReportSchema with --json) and makes -o optional.
 */
export const dedupCommand: CommandModule<object, DedupArgs> = {
  command: "dedup <input>",
  describe: "deduplicate BTF (as libbpf's btf__dedup); writes raw BTF",
  builder: (y) =>
    y
      .positional("input", { type: "string", demandOption: true, describe: "raw BTF or ELF file with a .BTF section" })
      .option("output", { alias: "o", type: "string", describe: "output file (raw BTF); required unless --stats" })
      .option("base", { alias: "B", type: "string", describe: "base BTF for split input (e.g. vmlinux for a module)" })
      .option("stats", {
        type: "boolean",
        describe:
          "report each pass on stdout: wall and CPU time, types in/out/merged per kind, candidates compared, hash " +
          "collisions, graph equivalence checks, FWDs resolved or ambiguous; with --base, what folded into the base " +
          "and where the named types that did not differ from the base's",
      })
      .option("explain", {
        type: "number",
        default: 10,
        describe: "with --stats --base: how many kept types to explain",
      })
      .option("json", {
        type: "boolean",
        describe: "print the statistics as JSON (DedupStatsSchema; with --stats DedupReportSchema)",
      })
      .option("quiet", { alias: "q", type: "boolean", describe: "print nothing on success" })
      .example("$0 dedup vmlinux.btf -o vmlinux.dedup.btf", "deduplicate a kernel's BTF")
      .example("$0 dedup mod.ko --base vmlinux -o mod.btf", "deduplicate a module's split BTF against vmlinux")
      .example("$0 dedup vmlinux --stats", "what each pass did, without writing the output")
      .example("$0 dedup drm.ko --base vmlinux --stats --json", "the same as JSON, with why types did not fold"),
  handler: (argv) => {
    if (argv.output === "" || (argv.output === undefined && !argv.stats)) {
      throw new BtfkitError(ErrorCode.USAGE, "--output must name a file (or ask for --stats only)");
    }
    const input = loadBtf(argv.input, { base: argv.base });
    if (argv.stats) {
      const explain = argv.explain ?? 10;
      if (!Number.isInteger(explain) || explain < 0)
        throw new BtfkitError(ErrorCode.USAGE, "--explain must be a whole number >= 0");
      const { btf, report } = dedupWithReport(input, {
        file: argv.input,
        base: argv.base,
        explain,
        consumeInput: true,
      });
      if (argv.output !== undefined) writeFileAtomic(argv.output, writeBtf(btf));
      process.stdout.write(argv.json ? JSON.stringify(report, null, 2) + "\n" : formatDedupReport(report));
      return;
    }
    // The input is not read again: the dedup may take over its arrays rather than copy them.
    let result: ReturnType<typeof dedupBtf>;
    try {
      result = dedupBtf(input, { consumeInput: true });
    } catch (e) {
      // Name the file and the record of the type at fault. A consumed input no longer has its records: only on this
      // failure path, read it again to find them.
      throw (input.count > 0 ? input : loadBtf(argv.input, { base: argv.base })).locateError(e);
    }
    const { btf, stats } = result;
    writeFileAtomic(argv.output!, writeBtf(btf));
    // The summary goes to stderr like encode's (stdout stays free for data); --json prints it on stdout.
    if (argv.json) process.stdout.write(JSON.stringify(stats) + "\n");
    else if (!argv.quiet) process.stderr.write(summaryLine(stats) + "\n");
  },
};

/** `types 253042 -> 126874, strings 2.1 MiB -> 1.1 MiB, 412 ms` */
export function summaryLine(s: DedupStats): string {
  return (
    `${s.split ? "split " : ""}types ${s.typesIn} -> ${s.typesOut}, ` +
    `strings ${s.stringBytesIn} -> ${s.stringBytesOut} bytes, ${s.ms.toFixed(1)} ms`
  );
}
