import type { CommandModule } from "yargs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { writeFileAtomic } from "../common/atomic-write.js";
import { loadBtf } from "../io/load-btf.js";
import { writeBtf } from "../btf/write.js";
import { dedupBtf, type DedupStats } from "../dedup/dedup.js";

interface DedupArgs {
  input: string;
  output: string;
  base?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `btfkit dedup IN -o OUT [--base B]`: libbpf-equivalent deduplication, raw BTF out. */
export const dedupCommand: CommandModule<object, DedupArgs> = {
  command: "dedup <input>",
  describe: "deduplicate BTF (as libbpf's btf__dedup); writes raw BTF",
  builder: (y) =>
    y
      .positional("input", { type: "string", demandOption: true, describe: "raw BTF or ELF file with a .BTF section" })
      .option("output", { alias: "o", type: "string", demandOption: true, describe: "output file (raw BTF)" })
      .option("base", { alias: "B", type: "string", describe: "base BTF for split input (e.g. vmlinux for a module)" })
      .option("json", { type: "boolean", describe: "print the statistics as JSON (DedupStatsSchema) instead of a line" })
      .option("quiet", { alias: "q", type: "boolean", describe: "print nothing on success" })
      .example("$0 dedup vmlinux.btf -o vmlinux.dedup.btf", "deduplicate a kernel's BTF")
      .example("$0 dedup mod.ko --base vmlinux -o mod.btf", "deduplicate a module's split BTF against vmlinux"),
  handler: (argv) => {
    if (argv.output === "") throw new BtfkitError(ErrorCode.USAGE, "--output must name a file");
    const input = loadBtf(argv.input, { base: argv.base });
    // The input is not read again: the dedup may take over its arrays rather than copy them.
    const { btf, stats } = dedupBtf(input, { consumeInput: true });
    writeFileAtomic(argv.output, writeBtf(btf));
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
