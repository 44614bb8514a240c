/**
 * Fuzz the ELF and DWARF readers: truncate, bit-flip and overwrite headers and debug sections of every DWARF
 * fixture, then read everything (symbols, units, every DIE and attribute, references). Every failure must be a
 * one-line BtfkitError naming the file and an offset; nothing may throw anything else or hang.
 *
 * The readers run in worker threads (transpiled from src/ to plain JS first) with a time limit per case, so a hang
 * fails the test with the case number instead of stalling CI. FUZZ_CASES sets the number of cases (default 8000,
 * about 10 s on two cores); `npm run fuzz` runs many more.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, fixtureFiles } from "../dwarf/reference.js";
import { ROOT, fuzzCases, runAll, transpile } from "./harness.js";

const BUILD = join(ROOT, ".cache/fuzz-build");
const CASES = fuzzCases(8000);

describe("fuzz: ELF + DWARF readers", () => {
  it(
    `${CASES} mutated fixtures: only one-line BtfkitErrors, no hang`,
    { timeout: Math.max(600_000, CASES * 15) },
    async () => {
      transpile(BUILD, ["common", "elf", "dwarf"]);
      const fixtures = fixtureFiles.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(FIXTURES, f))) }));
      const failures = await runAll(
        new URL("./fuzz-worker.mjs", import.meta.url),
        { buildDir: BUILD, fixtures, altPath: join(FIXTURES, "dwz-common.debug") },
        CASES,
        (k) => fixtures[k % fixtures.length]!.name,
      );
      for (const f of failures.slice(0, 20))
        console.error(`case ${f.k} (${f.file}, ${f.what}): ${f.message} ${f.stack}`);
      expect(failures.map((f) => `${f.k}:${f.file}:${f.message}`)).toEqual([]);
    },
  );
});
