/** Shared helpers of the encode tests: fixture paths, compiling C into a temp dir, short renderings of types. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, intBits, intEncoding, kindName } from "../../src/btf/kinds.js";
import { vi } from "vitest";
import yargs from "yargs";
import { encodeCommand } from "../../src/cli/encode.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { FIXTURES } from "../util/inputs.js";

export const DWARF_FIXTURES = join(FIXTURES, "dwarf");
export const SAMPLE_O = join(FIXTURES, "btf/sample-with-btf.o");
export const SAMPLE_BTF = join(FIXTURES, "btf/sample.btf");

/** Compile C `source` with `cc` (clang or gcc) into an object (or a program with `link`); returns its path. */
export function compileC(
  cc: string,
  source: string | Record<string, string>,
  args: string[] = ["-g", "-O0"],
  link = false,
): string {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-encode-"));
  const files = typeof source === "string" ? { "t.c": source } : source;
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileSync(p, text);
    paths.push(p);
  }
  const out = join(dir, link ? "prog" : "t.o");
  execFileSync(cc, [...args, ...(link ? [] : ["-c"]), "-o", out, ...paths], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

/** All own type ids of `kind` named `name` (Btf.findTypes). */
export function findTypes(btf: Btf, kind: number, name: string): number[] {
  return btf.findTypes(kind, name);
}

/** The one own type of `kind` named `name` (fails the test if there is not exactly one). */
export function findType(btf: Btf, kind: number, name: string): number {
  const ids = btf.findTypes(kind, name);
  if (ids.length !== 1) throw new Error(`expected one ${kindName(kind)} '${name}', found ${ids.length}`);
  return ids[0]!;
}

/** `[name, type id, offset word]` of each member of a STRUCT/UNION. */
export function members(btf: Btf, id: number): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let k = 0; k < btf.vlen(id); k++) {
    out.push([btf.strings.get(btf.extraWord(id, 3 * k)), btf.extraWord(id, 3 * k + 1), btf.extraWord(id, 3 * k + 2)]);
  }
  return out;
}

/** A short rendering of a type reference: `int`, `*const char`, `[3][4]int`, `struct list_head`. */
export function render(btf: Btf, id: number, depth = 0): string {
  if (id === 0) return "void";
  if (depth > 8) return "…";
  const k = btf.kind(id);
  const name = btf.name(id);
  switch (k) {
    case BTF_KIND.PTR:
      return "*" + render(btf, btf.sizeTypeOf(id), depth + 1);
    case BTF_KIND.CONST:
      return "const " + render(btf, btf.sizeTypeOf(id), depth + 1);
    case BTF_KIND.VOLATILE:
      return "volatile " + render(btf, btf.sizeTypeOf(id), depth + 1);
    case BTF_KIND.RESTRICT:
      return "restrict " + render(btf, btf.sizeTypeOf(id), depth + 1);
    case BTF_KIND.TYPE_TAG:
      return `tag(${name}) ` + render(btf, btf.sizeTypeOf(id), depth + 1);
    case BTF_KIND.ARRAY:
      return `[${btf.extraWord(id, 2)}]` + render(btf, btf.extraWord(id, 0), depth + 1);
    case BTF_KIND.STRUCT:
      return `struct ${name || "(anon)"}`;
    case BTF_KIND.UNION:
      return `union ${name || "(anon)"}`;
    case BTF_KIND.FWD:
      return `fwd ${name}`;
    case BTF_KIND.FUNC_PROTO:
      return "proto";
    case BTF_KIND.INT: {
      const w = btf.extraWord(id, 0);
      return `${name}/${btf.sizeTypeOf(id)}/${intBits(w)}/${intEncoding(w)}`;
    }
    default:
      return `${kindName(k).toLowerCase()} ${name}`;
  }
}

/** Run `btfkit encode ARGS` in this process (yargs, as bin/btfkit does) and capture what it prints. */
export async function runEncodeCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const o = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const e = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    await yargs(args)
      .command(encodeCommand)
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new BtfkitError(ErrorCode.USAGE, msg);
      })
      .parseAsync();
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { stdout, stderr };
}
