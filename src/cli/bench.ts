import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Type, type Static } from "@sinclair/typebox";
import type { CommandModule } from "yargs";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { buildLibbpfHelper } from "./libbpf-helper.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "bench-dedup-child.js");

const Figures = Type.Object({
  firstMs: Type.Optional(Type.Number({ description: "median over rounds of the first run in a fresh process (wall)" })),
  firstCpuMs: Type.Optional(Type.Number()),
  warmMedianMs: Type.Number({ description: "median of the later runs (wall)" }),
  warmMinMs: Type.Number(),
  warmMedianCpuMs: Type.Number({ description: "median of the later runs (user + system CPU of the process)" }),
  warmMinCpuMs: Type.Number(),
  peakRssKb: Type.Integer({ description: "largest peak RSS of a process (btfkit: after load + one dedup)" }),
  typesOut: Type.Integer(),
});

export const BenchDedupSchema = Type.Object(
  {
    rounds: Type.Integer(),
    runs: Type.Integer(),
    loadAverage: Type.Array(Type.Number()),
    libbpf: Type.Optional(Type.String({ description: "libbpf version the helper was linked with" })),
    libbpfMissing: Type.Optional(Type.String({ description: "why libbpf was not compared" })),
    inputs: Type.Array(
      Type.Object({
        file: Type.String(),
        base: Type.Optional(Type.String()),
        typesIn: Type.Integer(),
        btfkit: Figures,
        libbpf: Type.Optional(Figures),
        cpuRatio: Type.Optional(Type.Number({ description: "btfkit / libbpf, warm CPU medians" })),
        byteIdentical: Type.Optional(Type.Boolean()),
      }),
    ),
  },
  { $id: "btfkit/bench-dedup", additionalProperties: false },
);
export type BenchDedupReport = Static<typeof BenchDedupSchema>;

interface BenchArgs {
  target: string;
  inputs: string[];
  runs: number;
  rounds: number;
  base?: string;
  against?: string;
  json?: boolean;
}

interface ChildRun {
  ms: number[];
  cpuMs: number[];
  typesIn: number;
  typesOut: number;
  maxRssKb: number;
  libbpf?: string;
}

/**
 * `btfkit bench dedup INPUT… [--runs N] [--rounds R] [--base B] [--against libbpf]`: btfkit's dedup timed in fresh
 * processes, interleaved round by round with libbpf's btf__dedup on the same input (through the C helper built on
 * first use), medians of the first and the warm runs, peak RSS, and whether the outputs are byte-identical.
 */
export const benchCommand: CommandModule<object, BenchArgs> = {
  command: "bench <target> <inputs..>",
  describe: "time btfkit's dedup on your inputs (first and warm runs, peak RSS), side by side with libbpf's btf__dedup",
  builder: (y) =>
    y
      .positional("target", {
        type: "string",
        choices: ["dedup"],
        demandOption: true,
        describe: "what to time (dedup)",
      })
      .positional("inputs", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "raw BTF or ELF files with .BTF",
      })
      .option("runs", { type: "number", default: 5, describe: "dedups per process (the first is the cold one)" })
      .option("rounds", { type: "number", default: 3, describe: "processes per tool, alternating btfkit and libbpf" })
      .option("base", { alias: "B", type: "string", describe: "base BTF for split inputs (modules on vmlinux)" })
      .option("against", {
        type: "string",
        choices: ["libbpf"],
        describe: "compare with libbpf's btf__dedup (needs libbpf-dev and a C compiler; default: when available)",
      })
      .option("json", { type: "boolean", describe: "print the figures as JSON (BenchDedupSchema)" })
      .example("$0 bench dedup /sys/kernel/btf/vmlinux", "btfkit and (if installed) libbpf on the running kernel's BTF")
      .example("$0 bench dedup mod.ko --base vmlinux --against libbpf --runs 10", "a module, libbpf required"),
  handler: (argv) => {
    if (argv.target !== "dedup")
      throw new BtfkitError(ErrorCode.USAGE, `nothing to bench named '${argv.target}' (try: dedup)`);
    const runs = argv.runs,
      rounds = argv.rounds;
    if (!Number.isInteger(runs) || runs < 2)
      throw new BtfkitError(ErrorCode.USAGE, "--runs must be a whole number >= 2 (one cold run, then warm ones)");
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new BtfkitError(ErrorCode.USAGE, "--rounds must be a whole number >= 1");
    const helper = buildLibbpfHelper();
    if ("missing" in helper && argv.against === "libbpf") {
      throw new BtfkitError(ErrorCode.NOT_FOUND, `bench dedup --against libbpf: ${helper.missing}`);
    }
    const report: BenchDedupReport = { rounds, runs, loadAverage: [], inputs: [] };
    if ("missing" in helper) report.libbpfMissing = helper.missing;
    const tmp = mkdtempSync(join(tmpdir(), "btfkit-bench-"));
    try {
      for (const [i, file] of argv.inputs.entries()) {
        if (!argv.json) process.stderr.write(`bench dedup: ${file} (${rounds} rounds of ${runs} runs) …\n`);
        const ours: ChildRun[] = [];
        const theirs: ChildRun[] = [];
        const ourOut = join(tmp, `${i}.btfkit.btf`),
          theirOut = join(tmp, `${i}.libbpf.btf`);
        for (let r = 0; r < rounds; r++) {
          ours.push(runJson(process.execPath, [CHILD, file, ourOut, String(runs), argv.base ?? ""], "btfkit"));
          if ("path" in helper)
            theirs.push(runJson(helper.path, [file, theirOut, argv.base ?? "", String(runs)], "libbpf helper"));
        }
        const entry: BenchDedupReport["inputs"][number] = { file, typesIn: ours[0]!.typesIn, btfkit: figures(ours) };
        if (argv.base !== undefined) entry.base = argv.base;
        if (theirs.length > 0) {
          entry.libbpf = figures(theirs);
          report.libbpf = theirs[0]!.libbpf;
          entry.cpuRatio = entry.btfkit.warmMedianCpuMs / Math.max(1e-6, entry.libbpf.warmMedianCpuMs);
          entry.byteIdentical = Buffer.compare(readFileSync(ourOut), readFileSync(theirOut)) === 0;
          if (!entry.byteIdentical) process.exitCode = 1;
        }
        report.inputs.push(entry);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    report.loadAverage = loadavg().map((x) => Math.round(x * 100) / 100);
    process.stdout.write(argv.json ? JSON.stringify(report, null, 2) + "\n" : formatBench(report));
  },
};

function runJson(cmd: string, args: string[], who: string): ChildRun {
  try {
    return JSON.parse(
      execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] }),
    ) as ChildRun;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? "").trim().split("\n").pop() || err.message.split("\n")[0];
    throw new BtfkitError(
      ErrorCode.IO,
      `bench dedup: the ${who} failed on ${args[0] === CHILD ? args[1] : args[0]}: ${why}`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function figures(runs: ChildRun[]): Static<typeof Figures> {
  const warm = runs.flatMap((r) => r.ms.slice(1));
  const warmCpu = runs.flatMap((r) => r.cpuMs.slice(1));
  return {
    firstMs: median(runs.map((r) => r.ms[0]!)),
    firstCpuMs: median(runs.map((r) => r.cpuMs[0]!)),
    warmMedianMs: median(warm),
    warmMinMs: Math.min(...warm),
    warmMedianCpuMs: median(warmCpu),
    warmMinCpuMs: Math.min(...warmCpu),
    peakRssKb: Math.max(...runs.map((r) => r.maxRssKb)),
    typesOut: runs[runs.length - 1]!.typesOut,
  };
}

function formatBench(r: BenchDedupReport): string {
  const L: string[] = [];
  const f = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(1)).padStart(9);
  const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`.padStart(9);
  L.push(
    `dedup: ${r.rounds} rounds × ${r.runs} runs per tool, interleaved; ms; "first" = the first run in a fresh process (median over rounds), "warm" = the later runs`,
  );
  L.push(
    r.libbpf
      ? `libbpf: ${r.libbpf} (btf__dedup through native/libbpf-dedup.c)`
      : `libbpf: not compared: ${r.libbpfMissing}`,
  );
  L.push(`load average at the end: ${r.loadAverage.join(" ")} (on a busy machine, compare CPU times)`);
  for (const e of r.inputs) {
    L.push("");
    L.push(`${e.file}${e.base ? ` (base ${e.base})` : ""}: types ${e.typesIn} -> ${e.btfkit.typesOut}`);
    L.push(`          first wall  first CPU  warm wall (median  min)  warm CPU (median  min)  peak RSS`);
    const row = (name: string, x: Static<typeof Figures>) =>
      `  ${name.padEnd(7)} ${f(x.firstMs)}  ${f(x.firstCpuMs)}        ${f(x.warmMedianMs)} ${f(x.warmMinMs)}       ${f(x.warmMedianCpuMs)} ${f(x.warmMinCpuMs)} ${mib(x.peakRssKb)}`;
    L.push(row("btfkit", e.btfkit));
    if (e.libbpf) {
      L.push(row("libbpf", e.libbpf));
      L.push(
        `  btfkit/libbpf: warm CPU median ${e.cpuRatio!.toFixed(2)}, btfkit first run vs libbpf warm median (CPU) ${(e.btfkit.firstCpuMs! / e.libbpf.warmMedianCpuMs).toFixed(2)}; outputs ${e.byteIdentical ? "byte-identical" : "DIFFER"}`,
      );
    }
  }
  return L.join("\n") + "\n";
}
