/**
 * `btfkit encode` as a yargs command, run in-process (the command is registered in src/cli/commands.ts by the
 * lead; these tests do not depend on that).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { encodeSummaryLine } from "../../src/cli/encode.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { EncodeStatsSchema } from "../../src/encode/stats-schema.js";
import { parseFeatures, defaultFeatures } from "../../src/encode/features.js";
import { BTF_FIXTURES, REPO_ROOT } from "../util/inputs.js";
import { DWARF_FIXTURES, runEncodeCli, SAMPLE_O } from "./helpers.js";

const run = runEncodeCli;

afterEach(() => vi.restoreAllMocks());

describe("btfkit encode", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-encode-cli-"));

  it("writes raw BTF and one summary line on stderr", async () => {
    const out = join(dir, "a.btf");
    const r = await run(["encode", join(DWARF_FIXTURES, "c-gcc-dw5"), "-o", out]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^\d+ CUs, \d+ DIEs, types \d+ -> \d+, 3 funcs, 0 vars, \d+ bytes, [\d.]+ ms\n$/);
    const btf = parseBtf(readFileSync(out));
    expect(btf.count).toBeGreaterThan(20);
  });

  it("--json prints EncodeStats; --no-dedup keeps every CU's types", async () => {
    const out = join(dir, "b.btf");
    const deduped = JSON.parse((await run(["encode", join(DWARF_FIXTURES, "c-gcc-dw5"), "-o", out, "--json"])).stdout);
    expect(Value.Check(EncodeStatsSchema, deduped)).toBe(true);
    const raw = JSON.parse(
      (await run(["encode", join(DWARF_FIXTURES, "c-gcc-dw5"), "-o", out, "--json", "--no-dedup"])).stdout,
    );
    expect(raw.typesAfterDedup).toBe(raw.typesBeforeDedup);
    expect(deduped.typesAfterDedup).toBeLessThan(raw.typesAfterDedup);
    expect(parseBtf(readFileSync(out)).count).toBe(raw.typesAfterDedup);
    expect(encodeSummaryLine(deduped)).toContain(`types ${deduped.typesBeforeDedup} -> ${deduped.typesAfterDedup}`);
  });

  it("--base writes split BTF continuing the base's ids", async () => {
    const out = join(dir, "split.btf");
    // sample.btf is pahole's BTF of this very object: with pahole's flat arrays every type is already in the base;
    // only the VARs and the DATASEC remain (the dedup never merges those, as libbpf's).
    await run([
      "encode",
      SAMPLE_O,
      "-o",
      out,
      "--base",
      join(BTF_FIXTURES, "sample.btf"),
      "--features",
      "default,flat_arrays",
      "-q",
    ]);
    const base = parseBtf(readFileSync(join(BTF_FIXTURES, "sample.btf")));
    const split = parseBtf(readFileSync(out), { base });
    expect(split.startId).toBe(base.endId);
    expect([split.startId, split.startId + 1, split.startId + 2].map((id) => split.kind(id))).toEqual([
      BTF_KIND.VAR,
      BTF_KIND.VAR,
      BTF_KIND.DATASEC,
    ]);
    expect(split.count).toBe(3);
  });

  it("--lang-exclude rust drops the Rust CUs", async () => {
    const out = join(dir, "c.btf");
    const all = JSON.parse((await run(["encode", join(DWARF_FIXTURES, "c-rust"), "-o", out, "--json"])).stdout);
    const c = JSON.parse(
      (await run(["encode", join(DWARF_FIXTURES, "c-rust"), "-o", out, "--json", "--lang-exclude", "rust"])).stdout,
    );
    expect(c.cusSkipped).toBeGreaterThan(all.cusSkipped);
    expect(c.typesAfterDedup).toBeLessThan(all.typesAfterDedup);
  });

  it("an unknown feature is ignored, or a usage error with --strict-features", async () => {
    const out = join(dir, "d.btf");
    await run(["encode", SAMPLE_O, "-o", out, "--features", "default,no_such_feature", "-q"]);
    await expect(
      run(["encode", SAMPLE_O, "-o", out, "--features", "no_such_feature", "--strict-features"]),
    ).rejects.toMatchObject({ code: ErrorCode.USAGE });
  });

  it("a file without DWARF is one error naming it", async () => {
    await expect(run(["encode", join(BTF_FIXTURES, "sample.btf"), "-o", join(dir, "e.btf")])).rejects.toBeInstanceOf(
      BtfkitError,
    );
  });
});

describe("features", () => {
  it("follows pahole: a plain list replaces the defaults, `default` and `+name` extend them, legacy names too", () => {
    expect(parseFeatures(undefined)).toEqual(defaultFeatures());
    expect(parseFeatures("var,float")).toMatchObject({ var: true, float: true, enum64: false, declTag: false });
    expect(parseFeatures("+global_var")).toMatchObject({ ...defaultFeatures(), globalVar: true });
    expect(parseFeatures(["default", "global_var", "-enum64"])).toMatchObject({
      globalVar: true,
      enum64: false,
      float: true,
    });
    expect(parseFeatures("reproducible_build", { strict: true })).toMatchObject({ var: false });
  });
});

describe("btfkit encode options", () => {
  it("unites repeated --features (as the kernel passes several --btf_features) and takes the input after them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-encode-cli-"));
    const out = join(dir, "f.btf");
    const obj = join(DWARF_FIXTURES, "c-gcc-dw5.o");
    const both = await run(["encode", "--features", "default", "--features", "global_var", obj, "-o", out, "--json"]);
    expect(JSON.parse(both.stdout).variables).toBeGreaterThanOrEqual(3); // global_node, global_array, greeting
    const one = await run(["encode", "--features", "default", obj, "-o", out, "--json"]);
    expect(JSON.parse(one.stdout).variables).toBe(0); // no per-CPU variables
  });
});

describe("btfkit encode -j", () => {
  const workerBuilt = existsSync(join(REPO_ROOT, "dist/encode/encode-worker.js"));
  if (!workerBuilt) console.warn("SKIP: encode -j: dist/encode/encode-worker.js is not built (npm run build)");
  it.skipIf(!workerBuilt)("writes the same bytes with 3 worker threads as with none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-encode-cli-"));
    for (const name of ["c-gcc-dw4-types", "c-clang-dw4"]) {
      const one = join(dir, `${name}.1.btf`);
      const three = join(dir, `${name}.3.btf`);
      await run(["encode", join(DWARF_FIXTURES, name), "-o", one, "-q"]);
      await run(["encode", join(DWARF_FIXTURES, name), "-o", three, "-q", "-j", "3"]);
      expect(readFileSync(three).equals(readFileSync(one))).toBe(true);
    }
  });

  it("rejects a job count that is not a positive integer", async () => {
    await expect(run(["encode", SAMPLE_O, "-o", "/tmp/x.btf", "-j", "0"])).rejects.toMatchObject({
      code: ErrorCode.USAGE,
    });
  });
});
