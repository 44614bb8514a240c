/**
 * Fuzz the BTF side: mutate real raw BTF blobs (the sample, and split BTF on its base: the module on the sample, the
 * distill fixture's module on its base) — truncations, bit flips, special words, type references pointed at other
 * types (loops), kinds swapped for kinds of the same record size, sizes, names and header fields — then do what
 * the commands do: parse, raw/C/JSON dump, dedup (and read its output back), diff, validate. Every failure must be
 * a one-line BtfkitError that names the file, a section and an offset; the raw and JSON dumps of a table the reader
 * accepted must not fail at all, validate never throws, and what validate finds valid must parse. Nothing may throw
 * anything else, and no case may hang (workers with a time limit per case, see harness.ts). FUZZ_CASES sets the number of cases (default
 * 4000, about 10 s on two idle cores); `npm run fuzz` runs 200,000. A failing case replays on its own with
 * `node test/fuzz/btf-fuzz-worker.mjs <case>` after a test run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, fuzzCases, runAll, transpile } from "./harness.js";

const BUILD = join(ROOT, ".cache/fuzz-build-btf");
const CASES = fuzzCases(4000);
const read = (p: string): { name: string; bytes: Uint8Array } => ({
  name: p,
  bytes: new Uint8Array(readFileSync(join(ROOT, p))),
});

describe("fuzz: BTF reader, dumps, dedup, diff, validate", () => {
  it(
    `${CASES} mutated BTF blobs: only one-line BtfkitErrors naming the file, no hang`,
    { timeout: Math.max(600_000, CASES * 15) },
    async () => {
      transpile(BUILD, ["common", "btf", "dump", "dedup", "diff"]);
      const fixtures = [
        read("test/fixtures/btf/sample.btf"),
        { ...read("test/fixtures/btf/module.btf"), base: read("test/fixtures/btf/sample.btf") },
        read("test/fixtures/distill/base.btf"),
        { ...read("test/fixtures/distill/mod.split.btf"), base: read("test/fixtures/distill/base.btf") },
      ];
      const failures = await runAll(
        new URL("./btf-fuzz-worker.mjs", import.meta.url),
        { buildDir: BUILD, fixtures },
        CASES,
        (k) => fixtures[k % fixtures.length]!.name,
      );
      for (const f of failures.slice(0, 30))
        console.error(`case ${f.k} (${f.file}: ${f.what}): ${f.message} ${f.stack}`);
      expect(failures.map((f) => `${f.k}:${f.file}:${f.message}`)).toEqual([]);
    },
  );
});
