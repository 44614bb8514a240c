import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { dedupCommand } from "../../src/cli/dedup.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { dedupBtf, DedupStatsSchema } from "../../src/dedup/dedup.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { BTF_FIXTURES } from "../util/inputs.js";

const tmp = mkdtempSync(join(tmpdir(), "btfkit-dedup-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Run the command's handler as yargs would, capturing stdout (data, --json) or stderr (the summary line). */
async function run(args: Record<string, unknown>, stream: "stdout" | "stderr" = "stdout"): Promise<string> {
  let out = "";
  vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await dedupCommand.handler({ _: [], $0: "btfkit", ...args } as never);
  return out;
}

describe("btfkit dedup", () => {
  it("writes raw BTF equal to the library's result and prints a summary line", async () => {
    const input = join(BTF_FIXTURES, "sample.btf");
    const output = join(tmp, "sample.dedup.btf");
    const line = await run({ input, output }, "stderr");
    expect(line).toMatch(/^types \d+ -> \d+, strings \d+ -> \d+ bytes, [\d.]+ ms\n$/);
    const expected = writeBtf(dedupBtf(loadBtf(input)).btf);
    expect(new Uint8Array(readFileSync(output))).toEqual(expected);
  });

  it("reads the .BTF section of an ELF file", async () => {
    const output = join(tmp, "elf.dedup.btf");
    await run({ input: join(BTF_FIXTURES, "sample-with-btf.o"), output, quiet: true });
    expect(parseBtf(readFileSync(output)).count).toBeGreaterThan(0);
  });

  it("dedups split BTF with --base and writes only the split part; --json prints the statistics", async () => {
    const output = join(tmp, "module.dedup.btf");
    const out = await run({
      input: join(BTF_FIXTURES, "module.btf"),
      output,
      base: join(BTF_FIXTURES, "sample.btf"),
      json: true,
    });
    const stats = JSON.parse(out) as unknown;
    expect(Value.Check(DedupStatsSchema, stats)).toBe(true);
    expect((stats as { split: boolean }).split).toBe(true);
    const base = loadBtf(join(BTF_FIXTURES, "sample.btf"));
    const mod = parseBtf(readFileSync(output), { base });
    expect(mod.startId).toBe(base.endId);
  });

  it("an input that cannot be read fails before any output is started", async () => {
    const output = join(tmp, "missing.btf");
    await expect(run({ input: join(tmp, "does-not-exist.btf"), output })).rejects.toThrow(BtfkitError);
    expect(existsSync(output)).toBe(false);
  });

  it("a write that fails after the temporary file was written removes it and names the output", async () => {
    // The output is a directory: the temporary file is created and filled next to it, then the rename over the
    // directory fails (EISDIR), which is the atomic write's failure branch.
    const dir = mkdtempSync(join(tmpdir(), "btfkit-dedup-cli-fail-"));
    const output = join(dir, "out.btf");
    mkdirSync(output);
    writeFileSync(join(output, "keep"), "x");
    const err = await run({ input: join(BTF_FIXTURES, "sample.btf"), output, quiet: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BtfkitError);
    expect((err as BtfkitError).code).toBe(ErrorCode.IO);
    expect((err as BtfkitError).message).toMatch(new RegExp(`^${output}: cannot write: .*EISDIR`));
    expect(readdirSync(dir)).toEqual(["out.btf"]);
    expect(readdirSync(output)).toEqual(["keep"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
