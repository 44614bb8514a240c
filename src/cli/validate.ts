import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Static } from "@sinclair/typebox";
import type { CommandModule } from "yargs";
import type { ByteOrder } from "../common/byte-order.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import type { Btf } from "../btf/btf.js";
import { type BtfProblem, formatProblem, validateBtfBlob } from "../btf/validate.js";
import type { BtfProblemSchema, ValidateReport } from "../btf/validate-schema.js";
export { BtfProblemSchema, ValidateReportSchema, type ValidateReport } from "../btf/validate-schema.js";
import { ElfFile, isElf } from "../elf/elf-file.js";
import { SYSFS_BTF_DIR, loadBtf } from "../io/load-btf.js";

interface ValidateArgs {
  file: string;
  base?: string;
  json: boolean;
  "byte-order": "host" | ByteOrder | "any";
}

/** The raw BTF bytes of a file: the file itself, or an ELF file's `.BTF` section. */
function readRawBtf(path: string): { bytes: Uint8Array; section?: string } {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory())
      throw new BtfkitError(ErrorCode.IO, "is a directory, not a BTF or ELF file", { file: path });
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof BtfkitError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new BtfkitError(ErrorCode.IO, `cannot read: ${code === "ENOENT" ? "no such file" : (e as Error).message}`, {
      file: path,
    });
  }
  if (!isElf(bytes)) return { bytes };
  const elf = ElfFile.fromBytes(bytes, path);
  try {
    const sec = elf.section(".BTF");
    if (!sec) throw new BtfkitError(ErrorCode.NOT_FOUND, "ELF file has no .BTF section", { file: path });
    return { bytes: elf.sectionBytes(sec), section: ".BTF" };
  } finally {
    elf.close();
  }
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: "validate <file>",
  describe: "check BTF against the kernel verifier's rules (exit 0 valid, 1 invalid)",
  builder: (y) =>
    y
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "raw BTF (e.g. /sys/kernel/btf/vmlinux) or an ELF file with .BTF",
      })
      .option("base", { alias: "B", type: "string", describe: "base BTF for split BTF (a module's .BTF on vmlinux)" })
      .option("json", { type: "boolean", default: false, describe: "print a JSON report (ValidateReportSchema)" })
      .option("byte-order", {
        choices: ["host", "little", "big", "any"] as const,
        default: "host" as const,
        describe: "byte order of the kernel that will load the BTF (a kernel reads only its own)",
      }),
  handler: (argv) => {
    const file = argv.file;
    let base: Btf | undefined;
    if (argv.base !== undefined) base = loadBtf(argv.base);
    else if (dirname(file) === SYSFS_BTF_DIR && basename(file) !== "vmlinux")
      base = loadBtf(join(SYSFS_BTF_DIR, "vmlinux"));
    const { bytes, section } = readRawBtf(file);
    const order = argv["byte-order"];
    const { btf, problems } = validateBtfBlob(bytes, { base, file, byteOrder: order === "host" ? undefined : order });
    const valid = problems.length === 0;
    if (argv.json) {
      const report: ValidateReport = { file, valid, types: btf?.count ?? 0, problems: problems.map(plain) };
      if (argv.base !== undefined) report.base = argv.base;
      if (section !== undefined) report.section = section;
      process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    } else if (valid) {
      process.stdout.write(`${file}: valid BTF (${btf?.count ?? 0} types)\n`);
    } else {
      let out = "";
      for (const p of problems) out += `${file}: ${formatProblem(p)}\n`;
      process.stdout.write(out);
      process.stderr.write(
        `btfkit: ${file}: invalid BTF: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`,
      );
    }
    if (!valid) process.exitCode = 1;
  },
};

function plain(p: BtfProblem): Static<typeof BtfProblemSchema> {
  return { ...p };
}
