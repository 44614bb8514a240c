/**
 * Fuzz the ELF and DWARF readers: truncate, bit-flip and overwrite headers and debug sections of every DWARF
 * fixture, then read everything (symbols, units, every DIE and attribute, references). Every failure must be a
 * one-line BtfkitError naming the file and an offset; nothing may throw anything else or hang.
 *
 * The readers run in worker threads (transpiled from src/ to plain JS first) with a time limit per case, so a hang
 * fails the test with the case number instead of stalling CI. FUZZ_CASES sets the number of cases (default 8000,
 * about 10 s on two cores); `npm run fuzz` runs many more.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { FIXTURES, fixtureFiles } from "../dwarf/reference.js";

const ROOT = join(import.meta.dirname, "../..");
const BUILD = join(ROOT, ".cache/fuzz-build");
const CASES = Number(process.env.FUZZ_CASES ?? 8000);
const WORKERS = Number(process.env.FUZZ_WORKERS ?? 2);
/** A single case reads a file of at most ≈60 KB in milliseconds: seconds without progress are a hang. */
const CASE_LIMIT_MS = Number(process.env.FUZZ_CASE_LIMIT_MS ?? 5000);

/** Transpile src/common, src/elf and src/dwarf to JS (no type check: the type check is tsc's job). */
function transpile(): void {
  for (const dir of ["common", "elf", "dwarf"]) {
    const from = join(ROOT, "src", dir);
    for (const f of readdirSync(from)) {
      if (!f.endsWith(".ts")) continue;
      const out = ts.transpileModule(readFileSync(join(from, f), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: f,
      });
      const to = join(BUILD, "src", dir, f.replace(/\.ts$/, ".js"));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, out.outputText);
    }
  }
}

interface Failure {
  k: number;
  file: string;
  what: string;
  message: string;
  stack: string;
}

function runWorker(fixtures: { name: string; bytes: Uint8Array }[], first: number, count: number): Promise<Failure[]> {
  const progress = new SharedArrayBuffer(4);
  const cur = new Int32Array(progress);
  cur[0] = first;
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./fuzz-worker.mjs", import.meta.url), {
      workerData: { buildDir: BUILD, fixtures, first, count, progress, slot: 0, altPath: join(FIXTURES, "dwz-common.debug") },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    let last = -2;
    let since = Date.now();
    const timer = setInterval(() => {
      const k = Atomics.load(cur, 0);
      if (k !== last) {
        last = k;
        since = Date.now();
      } else if (k >= 0 && Date.now() - since > CASE_LIMIT_MS) {
        clearInterval(timer);
        void w.terminate();
        resolve([{ k, file: fixtures[k % fixtures.length]!.name, what: "hang", message: `case ${k} ran over ${CASE_LIMIT_MS} ms`, stack: "" }]);
      }
    }, 100);
    w.on("message", (m: { failures: Failure[] }) => {
      clearInterval(timer);
      resolve(m.failures);
    });
    w.on("error", (e) => {
      clearInterval(timer);
      resolve([{ k: Atomics.load(cur, 0), file: "?", what: "worker error", message: String(e.message), stack: String(e.stack) }]);
    });
    w.on("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`fuzz worker exited with ${code}`));
    });
  });
}

describe("fuzz: ELF + DWARF readers", () => {
  it(`${CASES} mutated fixtures: only one-line BtfkitErrors, no hang`, { timeout: 600_000 }, async () => {
    transpile();
    const fixtures = fixtureFiles.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(FIXTURES, f))) }));
    const per = Math.ceil(CASES / WORKERS);
    const results = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => runWorker(fixtures, i * per, Math.min(per, CASES - i * per))),
    );
    const failures = results.flat();
    for (const f of failures.slice(0, 20)) console.error(`case ${f.k} (${f.file}, ${f.what}): ${f.message} ${f.stack}`);
    expect(failures.map((f) => `${f.k}:${f.file}:${f.message}`)).toEqual([]);
  });
});
