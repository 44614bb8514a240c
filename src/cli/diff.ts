import type { CommandModule } from "yargs";
import type { Btf } from "../btf/btf.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { diffBtf } from "../diff/diff-btf.js";
import { formatDiffText } from "../diff/format-text.js";
import { loadBtf } from "../io/load-btf.js";

interface DiffArgs {
  a: string;
  b: string;
  "base-a"?: string;
  "base-b"?: string;
  base?: string;
  json: boolean;
  examples: number;
  "include-base": boolean;
}

/**
 * `btfkit diff A B`: compare two BTFs by meaning (see src/diff). Exit status as diff(1): 0 when equal by meaning,
 * 1 when they differ (or on an input error), 2 on a usage error.
 */
export const diffCommand: CommandModule<object, DiffArgs> = {
  command: "diff <a> <b>",
  describe: "compare two BTFs by meaning (type shapes, not type ids); exit 0 if equal, 1 if they differ",
  builder: (y) =>
    y
      .positional("a", { type: "string", demandOption: true, describe: "first BTF: raw BTF or ELF with .BTF" })
      .positional("b", { type: "string", demandOption: true, describe: "second BTF: raw BTF or ELF with .BTF" })
      .option("base-a", { type: "string", describe: "base BTF of A when A is split BTF (a module)" })
      .option("base-b", { type: "string", describe: "base BTF of B when B is split BTF (a module)" })
      .option("base", { type: "string", describe: "base BTF of both A and B (shorthand for --base-a X --base-b X)" })
      .option("include-base", { type: "boolean", default: false, describe: "also compare the types of the bases" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON (schema: BtfDiffSchema)" })
      .option("examples", { type: "number", default: 5, describe: "examples shown per kind and category" }),
  handler: (args) => {
    const examples = args.examples;
    if (!Number.isInteger(examples) || examples < 0) {
      throw new BtfkitError(ErrorCode.USAGE, `--examples must be a non-negative integer, got ${String(examples)}`);
    }
    if (args.base !== undefined && (args["base-a"] !== undefined || args["base-b"] !== undefined)) {
      throw new BtfkitError(ErrorCode.USAGE, "--base cannot be combined with --base-a or --base-b");
    }
    const baseA = args["base-a"] ?? args.base;
    const baseB = args["base-b"] ?? args.base;
    const bases = new Map<string, Btf>();
    const loadBase = (p: string | undefined): Btf | undefined => {
      if (p === undefined) return undefined;
      let t = bases.get(p);
      if (!t) {
        t = loadBtf(p);
        bases.set(p, t);
      }
      return t;
    };
    const a = loadBtf(args.a, { base: loadBase(baseA) });
    const b = loadBtf(args.b, { base: loadBase(baseB) });
    const result = diffBtf(a, b, { examples, includeBase: args["include-base"] });
    result.a.file = args.a;
    result.b.file = args.b;
    process.stdout.write(
      args.json ? JSON.stringify(result, null, 2) + "\n" : formatDiffText(result, { a: args.a, b: args.b }),
    );
    if (!result.equal) process.exitCode = 1;
  },
};
