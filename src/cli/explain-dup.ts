import type { CommandModule } from "yargs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { loadBtf } from "../io/load-btf.js";
import { explainDuplicates, formatExplainDup } from "../dedup/explain.js";
export { ExplainDupSchema, type ExplainDupReport } from "../dedup/explain.js";

interface ExplainDupArgs {
  file: string;
  name: string;
  base?: string;
  json?: boolean;
}

/** `btfkit explain-dup FILE [--base B] NAME`: where the definitions of one name differ. */
export const explainDupCommand: CommandModule<object, ExplainDupArgs> = {
  command: "explain-dup <file> <name>",
  describe:
    "for a name defined more than once (several struct foo), show where the definitions' type graphs first differ",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "raw BTF or ELF file with a .BTF section" })
      .positional("name", {
        type: "string",
        demandOption: true,
        describe: "'struct foo', 'union foo', 'enum foo', 'typedef foo' or a bare name",
      })
      .option("base", {
        alias: "B",
        type: "string",
        describe: "base BTF for split input; the base's definitions are listed too",
      })
      .option("json", { type: "boolean", describe: "print the report as JSON (ExplainDupSchema)" })
      .example("$0 explain-dup vmlinux 'struct ieee80211_ops'", "why a kernel has two copies of a struct")
      .example(
        "$0 explain-dup sunrpc.ko --base vmlinux 'struct address_space'",
        "why a module's copy did not fold into vmlinux's",
      ),
  handler: (argv) => {
    if (!argv.name) throw new BtfkitError(ErrorCode.USAGE, "name a type, e.g. 'struct foo'");
    const btf = loadBtf(argv.file, { base: argv.base });
    const report = explainDuplicates(btf, argv.name, { file: argv.file, base: argv.base });
    process.stdout.write(argv.json ? JSON.stringify(report, null, 2) + "\n" : formatExplainDup(report));
  },
};
