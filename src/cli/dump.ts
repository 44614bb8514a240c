import type { CommandModule } from "yargs";
import { loadBtf } from "../io/load-btf.js";
import { dumpBtfRaw } from "../dump/raw.js";
import { ByteSink } from "../dump/byte-sink.js";
import { writeBtfAsC } from "../dump/c.js";
import { writeBtfAsJson } from "../dump/json.js";
import { writeStdoutChunks } from "./output.js";

export const DUMP_FORMATS = ["raw", "c", "json"] as const;

interface DumpArgs {
  file: string;
  base?: string;
  format: (typeof DUMP_FORMATS)[number];
  "enum-size-attributes": boolean;
}

export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: "dump <file>",
  describe: "print a BTF as raw text (as bpftool's 'format raw'), a C header or JSON",
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
        describe:
          "raw: bpftool's 'format raw' text; c: a C header like bpftool's 'format c'; json: one object per type (schema BtfJsonSchema, shaped like bpftool -j)",
      })
      .option("enum-size-attributes", {
        type: "boolean",
        default: true,
        describe:
          "format c: give 1- and 8-byte enums __attribute__((mode(...))) so that struct layouts are right (libbpf ≥1.2); --no-enum-size-attributes prints exactly what bpftool 7.1 prints",
      })
      .example("$0 dump /sys/kernel/btf/vmlinux", "every type, one line each, like bpftool")
      .example("$0 dump /sys/kernel/btf/vmlinux -f c > vmlinux.h", "a header for BPF programs")
      .example("$0 dump mod.ko --base vmlinux", "the split BTF of a module"),
  handler: async (args) => {
    const btf = loadBtf(args.file, { base: args.base });
    const chunks: (Uint8Array | string)[] = [];
    try {
      if (args.format === "raw") {
        const sink = new ByteSink((c) => chunks.push(c));
        dumpBtfRaw(btf, sink);
        sink.end();
      } else if (args.format === "c") {
        writeBtfAsC(btf, (c) => chunks.push(c), {
          enumSizeAttributes: args["enum-size-attributes"],
          onWarning: (m) => process.stderr.write(`btfkit: warning: ${m}\n`),
        });
      } else {
        writeBtfAsJson(btf, (c) => chunks.push(c));
      }
    } catch (e) {
      // The dumps name the type; the table knows the file and where that type's record is.
      throw btf.locateError(e);
    }
    // Everything is formatted before the first byte is written: an error never leaves half a header on stdout.
    await writeStdoutChunks(chunks);
  },
};
