import type { CommandModule } from "yargs";

/**
 * Every subcommand: its signature and one-line description, and a loader for the module that implements it.
 * Only the command being run is imported, so `btfkit dump` does not pay for loading the DWARF reader, the
 * dedup or the validator (together several times the start-up cost of the dump itself).
 * A test checks that each entry agrees with its module.
 */
export interface CommandEntry {
  /** yargs signature, e.g. "dump <file>". */
  readonly command: string;
  readonly describe: string;
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own argument types; the index only loads them
  readonly load: () => Promise<CommandModule<any, any>>;
}

export const commandIndex: readonly CommandEntry[] = [
  {
    command: "encode <input>",
    describe: "convert the DWARF of an ELF file to BTF (as pahole -J); writes raw BTF, or with --embed a .BTF section",
    load: async () => (await import("./encode.js")).encodeCommand,
  },
  {
    command: "dedup <input>",
    describe: "deduplicate BTF (as libbpf's btf__dedup); writes raw BTF",
    load: async () => (await import("./dedup.js")).dedupCommand,
  },
  {
    command: "explain-dup <file> <name>",
    describe:
      "for a name defined more than once (several struct foo), show where the definitions' type graphs first differ",
    load: async () => (await import("./explain-dup.js")).explainDupCommand,
  },
  {
    command: "dump <file>",
    describe: "print a BTF as raw text (as bpftool's 'format raw'), a C header or JSON",
    load: async () => (await import("./dump.js")).dumpCommand,
  },
  {
    command: "validate <file>",
    describe: "check BTF against the kernel verifier's rules (exit 0 valid, 1 invalid)",
    load: async () => (await import("./validate.js")).validateCommand,
  },
  {
    command: "diff <a> <b>",
    describe: "compare two BTFs by meaning (type shapes, not type ids); exit 0 if equal, 1 if they differ",
    load: async () => (await import("./diff.js")).diffCommand,
  },
  {
    command: "bench <target> <inputs..>",
    describe:
      "time btfkit's dedup on your inputs (first and warm runs, peak RSS), side by side with libbpf's btf__dedup",
    load: async () => (await import("./bench.js")).benchCommand,
  },
  {
    command: "dwarf-stats <file>",
    describe: "count an ELF file's DWARF units (per language, producer), DIEs per tag and bytes",
    load: async () => (await import("./dwarf-stats.js")).dwarfStatsCommand,
  },
];

export function commandName(entry: CommandEntry): string {
  return entry.command.split(" ")[0]!;
}
