/**
 * What the fuzz tests share: transpiling the readers under test to plain JS for worker threads, and running cases in
 * workers with a time limit per case, so that a hang fails the test with its case number instead of stalling CI.
 * Each worker keeps the number of the case it is on in shared memory and posts `{ failures }` when done.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import ts from "typescript";

export const ROOT = join(import.meta.dirname, "../..");
/** Cases to run: FUZZ_CASES (`npm run fuzz` sets 200000), else the test's default, sized for CI. */
export function fuzzCases(defaultCases: number): number {
  return Number(process.env.FUZZ_CASES ?? defaultCases);
}
export const WORKERS = Number(process.env.FUZZ_WORKERS ?? 2);
/**
 * A single case reads a file of at most ≈60 KB in milliseconds: many seconds without progress are a hang. (Generous:
 * the machine may be shared, and a starved worker must not look hung.)
 */
export const CASE_LIMIT_MS = Number(process.env.FUZZ_CASE_LIMIT_MS ?? 15000);

/**
 * Transpile the given folders of src/ to JS under `buildDir` (no type check: that is tsc's job). Each fuzz test has
 * its own `buildDir`, so two of them running at once do not write the same files.
 */
export function transpile(buildDir: string, dirs: readonly string[]): void {
  for (const dir of dirs) {
    const from = join(ROOT, "src", dir);
    for (const f of readdirSync(from)) {
      if (!f.endsWith(".ts")) continue;
      const out = ts.transpileModule(readFileSync(join(from, f), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: f,
      });
      const to = join(buildDir, "src", dir, f.replace(/\.ts$/, ".js"));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, out.outputText);
    }
  }
}

export interface Failure {
  k: number;
  file: string;
  what: string;
  message: string;
  stack: string;
}

/**
 * Run cases `first … first + count - 1` in one worker (`workerData` gets `first`, `count` and `progress`, the shared
 * case counter, added). `fileOf(k)` names the input of case k for a hang report.
 */
export function runWorker(
  worker: URL,
  workerData: object,
  first: number,
  count: number,
  fileOf: (k: number) => string,
): Promise<Failure[]> {
  const progress = new SharedArrayBuffer(4);
  const cur = new Int32Array(progress);
  cur[0] = first;
  return new Promise((resolve, reject) => {
    const w = new Worker(worker, {
      workerData: { ...workerData, first, count, progress, slot: 0 },
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
        resolve([{ k, file: fileOf(k), what: "hang", message: `case ${k} ran over ${CASE_LIMIT_MS} ms`, stack: "" }]);
      }
    }, 100);
    w.on("message", (m: { failures: Failure[] }) => {
      clearInterval(timer);
      resolve(m.failures);
    });
    w.on("error", (e) => {
      clearInterval(timer);
      resolve([
        {
          k: Atomics.load(cur, 0),
          file: "?",
          what: "worker error",
          message: String(e.message),
          stack: String(e.stack),
        },
      ]);
    });
    w.on("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`fuzz worker exited with ${code}`));
    });
  });
}

/** Split `cases` over WORKERS workers and gather their failures. */
export async function runAll(
  worker: URL,
  workerData: object,
  cases: number,
  fileOf: (k: number) => string,
): Promise<Failure[]> {
  const per = Math.ceil(cases / WORKERS);
  const results = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      runWorker(worker, workerData, i * per, Math.max(0, Math.min(per, cases - i * per)), fileOf),
    ),
  );
  return results.flat();
}
