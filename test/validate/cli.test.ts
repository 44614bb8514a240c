import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import yargs from "yargs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ValidateReportSchema, validateCommand } from "../../src/cli/validate.js";
import { BtfkitError } from "../../src/common/errors.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { Asm } from "./asm.js";

const dir = mkdtempSync(join(tmpdir(), "btfkit-validate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Run `btfkit validate ...args` in-process; returns the exit code and the output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "",
    stderr = "";
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  try {
    await yargs(["validate", ...args])
      .command(validateCommand)
      .strict()
      .exitProcess(false)
      .fail((msg, e) => {
        throw e ?? new Error(msg);
      })
      .parseAsync();
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const good = (() => {
  const a = new Asm();
  a.int("int");
  a.ptr(1);
  return a.blob();
})();
const broken = (() => {
  const a = new Asm();
  a.int("int"); // 1
  a.typedef("9lives", 1); // 2
  a.float("f", 3); // 3
  return a.blob();
})();

describe("btfkit validate", () => {
  it("exits 0 and says so for valid BTF", async () => {
    const f = file("good.btf", good);
    expect(await run(f)).toEqual({ code: 0, stdout: `${f}: valid BTF (2 types)\n`, stderr: "" });
  });

  it("exits 1 and prints one line per problem naming the type and the rule", async () => {
    const f = file("broken.btf", broken);
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      `${f}: type [2] TYPEDEF '9lives': Invalid name: '9lives' is not a C identifier (letters, digits, '_' and '.', not starting with a digit, at most 512 bytes)`,
      `${f}: type [3] FLOAT 'f': Invalid type_size: a FLOAT must have size 2, 4, 8, 12 or 16, not 3`,
      "",
    ]);
    expect(r.stderr).toBe(`btfkit: ${f}: invalid BTF: 2 problems\n`);
  });

  it("prints header problems without a type", async () => {
    const bytes = good.slice();
    bytes[3] = 1;
    const f = file("flags.btf", bytes);
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${f}: header: Unsupported flags: flags 0x1, expected 0\n`);
  });

  it("--json prints a report matching ValidateReportSchema", async () => {
    const f = file("broken2.btf", broken);
    const r = await run(f, "--json");
    expect(r.code).toBe(1);
    const report: unknown = JSON.parse(r.stdout);
    expect(Value.Check(ValidateReportSchema, report)).toBe(true);
    expect(report).toMatchObject({
      file: f,
      valid: false,
      types: 3,
      problems: [
        { typeId: 2, kind: "TYPEDEF", name: "9lives", rule: "name", message: "Invalid name" },
        { typeId: 3, kind: "FLOAT", name: "f", rule: "size", message: "Invalid type_size" },
      ],
    });
    const ok = await run(file("good2.btf", good), "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ file: join(dir, "good2.btf"), valid: true, types: 2, problems: [] });
  });

  it("checks split BTF on --base", async () => {
    const baseBytes = good;
    const split = new Asm(parseBtf(baseBytes));
    split.struct("s", 8, [["p", 2, 0]]); // 3: a pointer member, through the base
    split.struct("t", 4, [["p", 2, 0]]); // 4: a pointer does not fit in 4 bytes
    const b = file("base.btf", baseBytes);
    const s = file("split.btf", writeBtf(split.btf, { byteOrder: "little" }));
    const r = await run(s, "--base", b);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${s}: type [4] STRUCT 't': Member exceeds struct_size: member #0 at byte 0 with size 8 ends past the 4-byte size\n`,
    );
  });

  it("--byte-order any accepts a big-endian blob the host kernel would refuse", async () => {
    const a = new Asm();
    a.int("int");
    const f = file("be.btf", writeBtf(a.btf, { byteOrder: "big" }));
    expect((await run(f)).code).toBe(1);
    expect((await run(f, "--byte-order", "any")).code).toBe(0);
  });

  it("fails with an I/O error for a missing file", async () => {
    await expect(run(join(dir, "nope.btf"))).rejects.toThrow(BtfkitError);
    await expect(run(join(dir, "nope.btf"))).rejects.toThrow(/nope\.btf: cannot read: no such file/);
  });
});
