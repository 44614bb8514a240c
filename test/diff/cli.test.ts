import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import yargs from "yargs";
import { Value } from "@sinclair/typebox/value";
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { writeBtf } from "../../src/btf/write.js";
import { diffCommand } from "../../src/cli/diff.js";
import { BtfDiffSchema } from "../../src/diff/diff-btf.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { buildSample } from "./sample.js";
import { permuteBtf } from "./permute.js";

const dir = mkdtempSync(join(tmpdir(), "btfkit-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const samplePath = file("sample.btf", writeBtf(buildSample()));
const permutedPath = file("permuted.btf", writeBtf(permuteBtf(buildSample(), 17)));
const changedPath = file("changed.btf", writeBtf(buildSample({ memberType: true, varRemoved: true })));

/** Run `diff` through yargs as btfkit's main does; returns stdout and the exit code the handler set. */
async function run(argv: string[]): Promise<{ out: string; code: number }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await yargs(argv)
      .command(diffCommand)
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new BtfkitError(ErrorCode.USAGE, msg);
      })
      .parseAsync();
    return { out: chunks.join(""), code: process.exitCode === undefined ? 0 : Number(process.exitCode) };
  } finally {
    spy.mockRestore();
    process.exitCode = saved;
  }
}

describe("btfkit diff", () => {
  it("exits 0 and says so for BTFs equal by meaning", async () => {
    const r = await run(["diff", samplePath, permutedPath]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toBe(`A: ${samplePath} (18 types, 13 compared)`);
    expect(lines.at(-1)).toBe("equal by meaning");
    expect(lines.some((l) => l.split(/\s+/).join(" ") === "STRUCT 2 2 2 0 0 0")).toBe(true);
    expect(lines.some((l) => l.split(/\s+/).join(" ") === "total 13 13 13 0 0 0")).toBe(true);
  });

  it("exits 1 and prints the table and examples when they differ", async () => {
    const r = await run(["diff", samplePath, changedPath]);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    const rows = lines.map((l) => l.split(/\s+/).join(" "));
    expect(rows).toContain("STRUCT 2 2 1 0 0 1");
    expect(rows).toContain("VAR 3 2 2 1 0 0");
    expect(lines).toContain("STRUCT changed (1):");
    expect(lines).toContain("  struct foo: member `x`: int 'int' @32 vs int 'long int' @32  A:[4] B:[4]");
    expect(lines).toContain("VAR only in A (1):");
    expect(lines).toContain("  var w linkage=static {type int 'long int'}  A:[14]");
    expect(lines.at(-1)).toBe("differ");
  });

  it("prints JSON that follows BtfDiffSchema with --json", async () => {
    const r = await run(["diff", samplePath, changedPath, "--json", "--examples", "1"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as unknown;
    expect(Value.Check(BtfDiffSchema, j)).toBe(true);
    const d = Value.Parse(BtfDiffSchema, j);
    expect(d.a.file).toBe(samplePath);
    expect(d.equal).toBe(false);
    expect(d.total).toEqual({ inA: 13, inB: 12, matched: 11, onlyInA: 1, onlyInB: 0, changed: 1 });
  });

  it("loads split BTF with --base-a/--base-b", async () => {
    // The sample as a base for a one-type split BTF: `struct baz { struct foo f; }`.
    const base = buildSample();
    const split = new Btf({ base });
    split.addNamed("baz", BTF_KIND.STRUCT, 1, false, 8, [split.strings.intern("f"), 4, 0]);
    const splitPath = file("split.btf", writeBtf(split));
    const r = await run(["diff", splitPath, splitPath, "--base-a", samplePath, "--base-b", samplePath, "--json"]);
    expect(r.code).toBe(0);
    const d = Value.Parse(BtfDiffSchema, JSON.parse(r.out));
    expect(d.a).toMatchObject({ types: 1, baseTypes: 18, roots: 1 });
    const withBase = await run(["diff", splitPath, splitPath, "--base", samplePath, "--include-base", "--json"]);
    expect(Value.Parse(BtfDiffSchema, JSON.parse(withBase.out)).total.matched).toBe(14);
  });

  it("rejects bad options as usage errors", async () => {
    await expect(run(["diff", samplePath, permutedPath, "--examples", "-2"])).rejects.toMatchObject({
      code: ErrorCode.USAGE,
    });
    await expect(
      run(["diff", samplePath, permutedPath, "--base", samplePath, "--base-a", samplePath]),
    ).rejects.toMatchObject({ code: ErrorCode.USAGE });
    await expect(run(["diff", samplePath])).rejects.toMatchObject({ code: ErrorCode.USAGE });
    await expect(run(["diff", samplePath, join(dir, "missing.btf")])).rejects.toMatchObject({ code: ErrorCode.IO });
  });
});
