import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { commandIndex, commandName } from "./commands.js";

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Print a one-line error and pick the exit code: 2 for usage errors, 1 for everything else. Never a stack trace. */
export function reportError(e: unknown): number {
  if (e instanceof BtfkitError) {
    process.stderr.write(`btfkit: ${e.message}\n`);
    return e.code === ErrorCode.USAGE ? EXIT_USAGE : EXIT_FAILURE;
  }
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EPIPE") return EXIT_OK;
  process.stderr.write(`btfkit: internal error: ${msg.split("\n")[0]}\n`);
  if (process.env.BTFKIT_DEBUG) process.stderr.write(String((e as Error).stack) + "\n");
  return EXIT_FAILURE;
}

/** The first argument that is not an option: the command name, if any. */
function requestedCommand(argv: string[]): string | undefined {
  return argv.find((a) => !a.startsWith("-"));
}

export async function main(argv: string[]): Promise<number> {
  let usageError: string | undefined;
  const parser: Argv = yargs(argv)
    .scriptName("btfkit")
    .usage(
      "$0 <command> [options]\n\nBTF toolkit: read, dump, validate, diff, deduplicate and encode BTF (the BPF Type Format).",
    )
    .strict()
    .demandCommand(1, "name a command (see the list above)")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      usageError = msg ?? "invalid usage";
    });
  // Load only the module of the command being run; the others are listed by signature and description.
  const wanted = requestedCommand(argv);
  for (const entry of commandIndex) {
    if (commandName(entry) === wanted) parser.command(await entry.load());
    else parser.command({ command: entry.command, describe: entry.describe, handler: () => {} });
  }
  try {
    await parser.parseAsync();
  } catch (e) {
    return reportError(e);
  }
  if (usageError !== undefined) {
    process.stderr.write(`btfkit: ${usageError}\nRun 'btfkit --help' for usage.\n`);
    return EXIT_USAGE;
  }
  return process.exitCode === undefined ? EXIT_OK : Number(process.exitCode);
}

// Flush stdout before exiting so that piped output is never cut short.
main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e);
  },
);
