/**
 * Reference readings of DWARF by the standard tools, for cross-checking btfkit's reader: `llvm-dwarfdump` (DIEs per
 * tag, units, names keyed by section and DIE offset) and `readelf --debug-dump=info` (names keyed by DIE offset,
 * with relocations applied and dwz alt strings resolved).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

export const FIXTURES = join(import.meta.dirname, "../fixtures/dwarf");
/** Every compiled fixture (see ../fixtures/dwarf/build.sh). */
export const fixtureFiles = readdirSync(FIXTURES)
  .filter((f) => /^(c-|cross-|rust-|dwz-)/.test(f))
  .sort();
/** llvm-dwarfdump 14 cannot decompress zstd: check such a fixture against the uncompressed file it was made from. */
export const LLVM_TWIN: Record<string, string> = { "c-gcc-zstd": "c-gcc-dw5" };

export function haveTool(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0;
}

export interface Reference {
  units: number;
  tags: Map<string, number>;
  /** `section:0xoffset` of a DIE → its DW_AT_name (only DIEs that have one). */
  names: Map<string, string>;
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] });
}

export function llvmDwarfdump(file: string): Reference {
  const out = run("llvm-dwarfdump", ["--debug-info", "--debug-types", file]);
  const tags = new Map<string, number>();
  const names = new Map<string, string>();
  let units = 0;
  let section = ".debug_info";
  let die = "";
  for (const line of out.split("\n")) {
    const sec = /^(\.debug_\w+) contents:/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    if (/^0x[0-9a-f]+: \w+ Unit: /.test(line)) {
      units++;
      continue;
    }
    const t = /^0x([0-9a-f]+):\s+(DW_TAG_\w+)/.exec(line);
    if (t) {
      tags.set(t[2]!, (tags.get(t[2]!) ?? 0) + 1);
      die = `${section}:0x${parseInt(t[1]!, 16).toString(16)}`;
      continue;
    }
    const n = /^\s+DW_AT_name\s+\("(.*)"\)$/.exec(line);
    if (n && die) names.set(die, n[1]!);
  }
  return { units, tags, names };
}

/** DW_AT_name per `.debug_info:0xDIE` as readelf prints it; with a dwz alt file only the main file's DIEs. */
export function readelfNames(file: string): Map<string, string> {
  const out = run("readelf", ["--debug-dump=info", "--wide", file]);
  const names = new Map<string, string>();
  let die = "";
  let section = ".debug_info";
  let from: string | undefined;
  for (const line of out.split("\n")) {
    const d = /^\s*<\d+><([0-9a-f]+)>: Abbrev Number: (\d+)/.exec(line);
    if (d) {
      die = `${section}:0x${d[1]}`;
      continue;
    }
    const c = /^Contents of the (\S+) section(?: \(loaded from (.*)\))?/.exec(line);
    if (c) {
      // readelf goes on to dump the dwz alt file: stop at the first section loaded from another file.
      if (from !== undefined && c[2] !== undefined && c[2] !== from) break;
      from ??= c[2];
      section = c[1]!.replace(/^\.zdebug/, ".debug");
      continue;
    }
    // readelf prefixes indirect strings with one or more "(form) (offset: 0x..)" groups, then ": " (not for alt).
    const n =
      /^\s*<[0-9a-f]+>\s+DW_AT_name\s*:\s*(?:\((?:alt |indirect|indexed|strp|line_strp|strx|offset|GNU|string|data)[^)]*\)\s*)*(?::\s)?(.*)$/.exec(
        line,
      );
    if (n && die && !names.has(die)) names.set(die, n[1]!.trimEnd());
  }
  return names;
}
