import type { CommandModule } from "yargs";
import { loadBtf } from "../io/load-btf.js";
import { dumpBtfRaw } from "../dump/raw.js";
import { ByteSink } from "../dump/byte-sink.js";
import { writeStdoutChunks } from "./output.js";

export const DUMP_FORMATS = ["raw"] as const;

interface DumpArgs {
  file: string;
  base?: string;
  format: (typeof DUMP_FORMATS)[number];
}

export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: "dump <file>",
  describe: "Print the types of a BTF: raw (as bpftool's 'format raw'), c (a compilable C header) or json",
  builder: (y) =>
    y
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "raw BTF (e.g. /sys/kernel/btf/vmlinux) or an ELF file with a .BTF section",
      })
      .option("base", {
        alias: "B",
        type: "string",
        describe: "base BTF for split input (a module's .BTF on vmlinux); automatic for /sys/kernel/btf/<module>",
      })
      .option("format", {
        alias: "f",
        choices: DUMP_FORMATS,
        default: "raw" as const,
        describe: "output format",
      })
      .example("$0 dump /sys/kernel/btf/vmlinux", "every type, one line each, like bpftool")
      .example("$0 dump mod.ko --base vmlinux", "the split BTF of a module"),
  handler: async (args) => {
    const btf = loadBtf(args.file, { base: args.base });
    const chunks: Uint8Array[] = [];
    const sink = new ByteSink((c) => chunks.push(c));
    dumpBtfRaw(btf, sink);
    sink.end();
    await writeStdoutChunks(chunks);
  },
};
