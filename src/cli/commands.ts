import type { CommandModule } from "yargs";
import { diffCommand } from "./diff.js";
import { dumpCommand } from "./dump.js";
import { validateCommand } from "./validate.js";

/** Every subcommand, one module each. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [dumpCommand, validateCommand, diffCommand];
