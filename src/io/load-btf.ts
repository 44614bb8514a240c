import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { ElfFile, isElf } from "../elf/elf-file.js";
import type { Btf } from "../btf/btf.js";
import { parseBtf } from "../btf/reader.js";
import { relocateSplit } from "../btf/relocate.js";

export interface LoadBtfOptions {
  /** Base BTF for split input: a path (raw BTF or ELF with `.BTF`) or an already loaded table. */
  base?: string | Btf;
}

/** The directory where the running kernel exposes its BTF. */
export const SYSFS_BTF_DIR = "/sys/kernel/btf";

/**
 * Load BTF from a file: raw BTF (either byte order, as in `/sys/kernel/btf/*` or a detached `.BTF`), or an ELF
 * file's `.BTF` section. A module under /sys/kernel/btf/ is split BTF on vmlinux; its base is loaded
 * automatically when none is given (as bpftool does).
 */
export function loadBtf(path: string, opts: LoadBtfOptions = {}): Btf {
  let base: Btf | undefined;
  if (typeof opts.base === "string") base = loadBtf(opts.base);
  else base = opts.base;
  if (!base && dirname(path) === SYSFS_BTF_DIR && basename(path) !== "vmlinux") {
    base = loadBtf(join(SYSFS_BTF_DIR, "vmlinux"));
  }
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new BtfkitError(ErrorCode.IO, "is a directory, not a BTF or ELF file", { file: path });
    // ELF files can be hundreds of MB: peek at the magic and read only the .BTF section.
    const head = new Uint8Array(4);
    const got = readPrefix(path, head);
    if (got === 4 && isElf(head)) return loadBtfFromElf(path, base);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof BtfkitError) throw e;
    throw new BtfkitError(
      ErrorCode.IO,
      `cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
      { file: path },
    );
  }
  return parseBtf(bytes, { base, file: path, section: "BTF" });
}

function readPrefix(path: string, into: Uint8Array): number {
  const fd = openSync(path, "r");
  try {
    return readSync(fd, into, 0, into.length, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The `.BTF` section of an ELF file, parsed (split on `base` when given). A module built outside the kernel tree on
 * 6.11–6.19 (or 7.x) also carries `.BTF.base`, the distilled base its `.BTF` is split on (src/btf/distill.ts). As
 * libbpf's `btf__parse_split` does: without a `base` the module is read on its distilled base; with one, it is first
 * relocated onto it by name (src/btf/relocate.ts), as the kernel does when it loads the module.
 */
export function loadBtfFromElf(path: string, base?: Btf): Btf {
  const elf = ElfFile.open(path);
  try {
    const sec = elf.section(".BTF");
    if (!sec) throw new BtfkitError(ErrorCode.NOT_FOUND, "ELF file has no .BTF section", { file: path });
    const distilledSec = elf.section(".BTF.base");
    if (!distilledSec) return parseBtf(elf.sectionBytes(sec), { base, file: path, section: ".BTF" });
    const distilled = parseBtf(elf.sectionBytes(distilledSec), { file: path, section: ".BTF.base" });
    const split = parseBtf(elf.sectionBytes(sec), { base: distilled, file: path, section: ".BTF" });
    if (!base) return split;
    const relocated = relocateSplit(split, base, { file: path });
    // Its records were rebuilt with new ids: errors about them name the file and section, not a byte offset.
    relocated.source = { file: path, section: ".BTF", typesOffset: 0, count: 0 };
    return relocated;
  } finally {
    elf.close();
  }
}
