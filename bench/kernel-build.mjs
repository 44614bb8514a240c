#!/usr/bin/env node
// The encoder's cost in a kernel build (issue "Performance at kernel-build scale"), btfkit-pahole beside the pahole
// of each kernel's build, both run the way the build runs them:
//
//   node bench/kernel-build.mjs [--kernel 6.1|7.3|both] [--modules N] [--runs N] [--no-vmlinux] [--whole [--all]]
//                               [--json FILE]
//
// 1. One module: a fresh encoder process per module with --btf_base vmlinux, over a fixed sample of --modules N
//    (default 50: evenly spaced in the sorted module list) of each kernel, --runs N times (default 5) interleaved
//    with the peer; per module the median wall, then the sum and the median over modules. 6.1 as Makefile.modfinal
//    runs it (in place on a copy of the module: `-J $(PAHOLE_FLAGS) --btf_base vmlinux M.ko`, flags from
//    pahole-flags.sh for each encoder's version: pahole 1.24 and btfkit-pahole's 1.30); 7.3 as gen-btf.sh runs it
//    (detached, Makefile.btf's flags). btfkit-pahole runs as installed: its encode service (service-client.ts) is
//    started by the first call in a fresh runtime directory, so run 1 pays the start-up, as a build's first module
//    does; the service's own peak memory is reported beside the per-process figures.
// 2. vmlinux (7.3, unless --no-vmlinux): `-J -j2` and `-j1` with Makefile.btf's flags, detached, --runs times each,
//    medians of wall, CPU and peak RSS, and each encoder's speed-up from 1 to 2 threads.
// 3. --whole: a 7.3 kernel's BTF as `make -j2` makes it: vmlinux with -j2, then the modules two at a time (the
//    --modules sample, or every module with --all); total wall per encoder, one run each.
// Goals printed with the measured ratio: module ≤ 1.0× pahole's wall, vmlinux -j2 ≤ 0.6× and RSS ≤ 1.0×, -j2 ≥ 1.7×
// -j1, whole kernel ≤ 0.7×.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { KERNELS, OUT, REPO, findKernel, fmt, listModules, median } from "./lib.mjs";

const USAGE =
  "usage: node bench/kernel-build.mjs [--kernel 6.1|7.3|both] [--modules N] [--runs N] [--no-vmlinux] [--whole [--all]] [--json FILE]";
const args = process.argv.slice(2);
const opts = { "--kernel": "both", "--modules": "50", "--runs": "5", "--json": join(OUT, "kernel-build.json") };
const flags = new Set();
for (let i = 0; i < args.length; i++) {
  const [name, eq] = args[i].includes("=")
    ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)]
    : [args[i], undefined];
  if (["--no-vmlinux", "--whole", "--all"].includes(name)) flags.add(name);
  else if (name in opts) opts[name] = eq ?? args[++i];
  else {
    console.error(`kernel-build: unknown argument ${args[i]}\n${USAGE}`);
    process.exit(2);
  }
}
const nModules = Number(opts["--modules"]);
const runs = Number(opts["--runs"]);
const kernels = opts["--kernel"] === "both" ? ["6.1", "7.3"] : [opts["--kernel"]];
if (!(nModules >= 1) || !(runs >= 1) || kernels.some((k) => !KERNELS[k])) {
  console.error(USAGE);
  process.exit(2);
}

const BTFKIT = join(REPO, "bin/btfkit-pahole");
const FLAGS_73 = [
  "-J",
  "-j2",
  "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func",
  "--btf_features=+reproducible_build",
  "--lang_exclude=rust",
];
/** Each kernel's module command: [encoder argv prefix for pahole, for btfkit], in place or detached. */
const SETUPS = {
  // 6.1's pahole-flags.sh: --btf_gen_floats -j --lang_exclude=rust, plus for ≥ 1.25 (btfkit-pahole says 1.30)
  // --skip_encoding_btf_inconsistent_proto --btf_gen_optimized.
  6.1: {
    inPlace: true,
    pahole: ["-J", "--btf_gen_floats", "-j", "--lang_exclude=rust"],
    btfkit: [
      "-J",
      "--btf_gen_floats",
      "-j",
      "--lang_exclude=rust",
      "--skip_encoding_btf_inconsistent_proto",
      "--btf_gen_optimized",
    ],
  },
  7.3: { inPlace: false, pahole: FLAGS_73, btfkit: FLAGS_73 },
};

const work = mkdtempSync(join(tmpdir(), "kernel-build-"));
// A private runtime directory: btfkit-pahole's service starts fresh with the first module, and is ours alone.
const runtime = join(work, "run");
mkdirSync(runtime, { mode: 0o700 });
/** @type {Record<string, string | undefined>} */
const env = { ...process.env, XDG_RUNTIME_DIR: runtime, BTFKIT_SERVICE_IDLE: "600" };
delete env.BTFKIT_SERVICE;
const stopServices = () => {
  for (const pid of servicePids()) {
    try {
      process.kill(pid);
    } catch {
      // gone
    }
  }
};
process.on("exit", () => {
  stopServices();
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

/** The service processes started from our runtime directory (server and workers). */
function servicePids() {
  const out = spawnSync("pgrep", ["-f", "service-(server|worker).js"], { encoding: "utf8" }).stdout ?? "";
  return out
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        const e = readFileSync(`/proc/${pid}/environ`, "latin1");
        return e.includes(`XDG_RUNTIME_DIR=${runtime}`);
      } catch {
        return false;
      }
    });
}
/**
 * Peak RSS (VmHWM, MB) of the service processes, each and summed, and the CPU time (user + system, s) they have used
 * so far together: a served module's CPU is spent there, not in its own process.
 */
function serviceMemory() {
  const pids = servicePids();
  const each = pids.map((pid) => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  });
  let cpuS = 0;
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis: state is field 3, utime and stime are 14 and 15 (clock ticks).
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuS += (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
    } catch {
      // gone
    }
  }
  return { processes: each.length, sumMB: each.reduce((a, b) => a + b, 0), maxMB: Math.max(0, ...each), cpuS };
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** Run argv under /usr/bin/time: wall (s, measured here), cpu (s), peak RSS (MB), status, stderr. */
function timedRun(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "@@TIME %U %S %M", ...argv], {
    encoding: "utf8",
    env,
    maxBuffer: 1 << 26,
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /@@TIME (\S+) (\S+) (\d+)\s*$/.exec(r.stderr ?? "");
  return {
    status: r.status,
    wallS,
    cpuS: m ? Number(m[1]) + Number(m[2]) : undefined,
    rssMB: m ? Number(m[3]) / 1024 : undefined,
    stderr: m ? r.stderr.slice(0, m.index) : r.stderr,
  };
}
const encoders = (k) => ({ pahole: KERNELS[k].findPahole(), btfkit: BTFKIT });
const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : a / b);
const goalText = (r, target, lower = true) =>
  r === undefined
    ? "-"
    : `${r.toFixed(2)}× (goal ${lower ? "≤" : "≥"} ${target}×: ${(lower ? r <= target : r >= target) ? "met" : "NOT met"})`;

const report = { kernels: {}, vmlinux: undefined, whole: undefined, cpus: availableParallelism() };
const failures = [];

function moduleArgv(k, enc, bin, vmlinux, ko, slot) {
  const s = SETUPS[k];
  if (s.inPlace) {
    const copy = join(work, `${enc}-${slot}.ko`);
    copyFileSync(ko, copy);
    return [bin, ...s[enc], "--btf_base", vmlinux, copy];
  }
  return [bin, ...s[enc], "--btf_base", vmlinux, `--btf_encode_detached=${join(work, `${enc}-${slot}.btf`)}`, ko];
}

// ---- 1. one module per process ----
for (const k of kernels) {
  const kernel = findKernel(KERNELS[k]);
  const enc = encoders(k);
  if (!kernel || !enc.pahole) {
    console.log(
      `\n${k}: SKIPPED (${!kernel ? `scripts/fetch-debian-kernel.sh ${k}` : `no pahole ${KERNELS[k].paholeVersion}`})`,
    );
    continue;
  }
  const all = listModules(kernel.modulesDir);
  const step = Math.max(1, Math.floor(all.length / nModules));
  const sample = all.filter((_, i) => i % step === 0).slice(0, nModules);
  console.log(
    `\n${KERNELS[k].title}: one module per process, ${sample.length} of ${all.length} modules, ${runs} runs each`,
  );
  const times = { pahole: sample.map(() => []), btfkit: sample.map(() => []) };
  const cpu = { pahole: [], btfkit: [] };
  const rss = { pahole: [], btfkit: [] };
  let firstBtfkit;
  for (let r = 0; r < runs; r++) {
    for (const [i, ko] of sample.entries()) {
      const order = (i + r) % 2 ? ["btfkit", "pahole"] : ["pahole", "btfkit"];
      for (const e of order) {
        const res = timedRun(moduleArgv(k, e, enc[e], kernel.vmlinux, ko, "m"));
        if (res.status !== 0)
          failures.push(
            `${k} ${relative(kernel.modulesDir, ko)} ${e}: exit ${res.status}: ${res.stderr.trim().split("\n").pop()}`,
          );
        times[e][i].push(res.wallS);
        cpu[e].push(res.cpuS);
        rss[e].push(res.rssMB);
        if (e === "btfkit" && firstBtfkit === undefined) firstBtfkit = res.wallS;
      }
    }
    process.stdout.write(`  run ${r + 1}/${runs} done\n`);
  }
  const perModule = (e) => times[e].map(median);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const row = {
    modules: sample.length,
    runs,
    sumMedianWallS: { pahole: sum(perModule("pahole")), btfkit: sum(perModule("btfkit")) },
    medianWallS: { pahole: median(perModule("pahole")), btfkit: median(perModule("btfkit")) },
    medianCpuS: { pahole: median(cpu.pahole), btfkit: median(cpu.btfkit) },
    maxRssMB: { pahole: Math.max(...rss.pahole), btfkit: Math.max(...rss.btfkit) },
    medianRatio: median(sample.map((_, i) => perModule("btfkit")[i] / perModule("pahole")[i])),
    firstBtfkitCallS: firstBtfkit,
    service: serviceMemory(),
  };
  report.kernels[k] = row;
  const r1 = ratio(row.sumMedianWallS.btfkit, row.sumMedianWallS.pahole);
  console.log(
    `  wall per module (median):  btfkit ${fmt(row.medianWallS.btfkit, 3)} s, pahole ${fmt(row.medianWallS.pahole, 3)} s; median of per-module ratios ${row.medianRatio.toFixed(2)}×`,
  );
  console.log(
    `  wall, sum over the sample: btfkit ${fmt(row.sumMedianWallS.btfkit, 2)} s, pahole ${fmt(row.sumMedianWallS.pahole, 2)} s: ${goalText(r1, 1.0)}`,
  );
  console.log(
    `  CPU per process (median):  btfkit-pahole ${fmt(row.medianCpuS.btfkit, 3)} s (the client; the service's CPU is not in it), pahole ${fmt(row.medianCpuS.pahole, 3)} s`,
  );
  console.log(
    `  peak RSS per process:      btfkit-pahole ${fmt(row.maxRssMB.btfkit, 0)} MB, pahole ${fmt(row.maxRssMB.pahole, 0)} MB; the service: ${row.service.processes} processes, ${fmt(row.service.sumMB, 0)} MB together (largest ${fmt(row.service.maxMB, 0)} MB)`,
  );
  console.log(`  first btfkit-pahole call (no service yet: in-process, starts it): ${fmt(firstBtfkit, 3)} s`);
  const served = sample.length * runs - 1;
  console.log(
    `  the service's CPU:         ${fmt(row.service.cpuS, 2)} s for ${served} served calls (base loading included): ${fmt(row.service.cpuS / served, 3)} s each; with the client's, ${fmt(row.service.cpuS / served + row.medianCpuS.btfkit, 3)} s a module against pahole's ${fmt(row.medianCpuS.pahole, 3)} s`,
  );
  stopServices();
}

// ---- 2. vmlinux, -j1 and -j2 (7.3) ----
const k73 = findKernel(KERNELS["7.3"]);
const pahole130 = KERNELS["7.3"].findPahole();
if (!flags.has("--no-vmlinux") && k73 && pahole130) {
  console.log(`\n${KERNELS["7.3"].title}: vmlinux, ${runs} runs each`);
  const res = {};
  for (const j of ["-j2", "-j1"]) {
    for (const e of ["pahole", "btfkit"]) res[`${e}${j}`] = [];
  }
  for (let r = 0; r < runs; r++) {
    for (const j of ["-j2", "-j1"]) {
      const order = r % 2 ? ["btfkit", "pahole"] : ["pahole", "btfkit"];
      for (const e of order) {
        const argv = [
          e === "btfkit" ? BTFKIT : pahole130,
          "-J",
          j,
          ...FLAGS_73.slice(2),
          `--btf_encode_detached=${join(work, "vmlinux.btf")}`,
          k73.vmlinux,
        ];
        const x = timedRun(argv);
        if (x.status !== 0) failures.push(`vmlinux ${e} ${j}: exit ${x.status}: ${x.stderr.trim().split("\n").pop()}`);
        res[`${e}${j}`].push(x);
      }
    }
  }
  const med = (key, f) => median(res[key].map((x) => x[f]));
  const v = {};
  for (const key of Object.keys(res))
    v[key] = { wallS: med(key, "wallS"), cpuS: med(key, "cpuS"), rssMB: med(key, "rssMB") };
  report.vmlinux = v;
  for (const j of ["-j1", "-j2"]) {
    console.log(
      `  ${j}: btfkit wall ${fmt(v[`btfkit${j}`].wallS, 2)} s, CPU ${fmt(v[`btfkit${j}`].cpuS, 2)} s, RSS ${fmt(v[`btfkit${j}`].rssMB, 0)} MB; pahole 1.30 wall ${fmt(v[`pahole${j}`].wallS, 2)} s, CPU ${fmt(v[`pahole${j}`].cpuS, 2)} s, RSS ${fmt(v[`pahole${j}`].rssMB, 0)} MB`,
    );
  }
  console.log(
    `  -j2 wall: ${goalText(ratio(v["btfkit-j2"].wallS, v["pahole-j2"].wallS), 0.6)}; RSS: ${goalText(ratio(v["btfkit-j2"].rssMB, v["pahole-j2"].rssMB), 1.0)}`,
  );
  console.log(
    `  speed-up -j1 → -j2: btfkit ${goalText(ratio(v["btfkit-j1"].wallS, v["btfkit-j2"].wallS), 1.7, false)}; pahole ${fmt(ratio(v["pahole-j1"].wallS, v["pahole-j2"].wallS), 2)}×`,
  );
}

// ---- 3. the whole 7.3 kernel as make -j2 runs it ----
if (flags.has("--whole") && k73 && pahole130) {
  const all = listModules(k73.modulesDir);
  const step = Math.max(1, Math.floor(all.length / nModules));
  const mods = flags.has("--all") ? all : all.filter((_, i) => i % step === 0).slice(0, nModules);
  console.log(`\n${KERNELS["7.3"].title}: vmlinux -j2, then ${mods.length} modules two at a time`);
  // Each process under /usr/bin/time, for its CPU and peak RSS.
  const runOne = (argv) =>
    new Promise((resolve) => {
      const c = spawn("/usr/bin/time", ["-f", "@@TIME %U %S %M", ...argv], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      c.stderr.on("data", (d) => (err += d));
      c.on("close", (code) => {
        const m = /@@TIME (\S+) (\S+) (\d+)\s*$/.exec(err);
        resolve({
          code,
          err: m ? err.slice(0, m.index) : err,
          cpuS: m ? Number(m[1]) + Number(m[2]) : 0,
          rssMB: m ? Number(m[3]) / 1024 : 0,
        });
      });
    });
  const whole = {};
  for (const e of ["pahole", "btfkit"]) {
    stopServices();
    const bin = e === "btfkit" ? BTFKIT : pahole130;
    const t0 = process.hrtime.bigint();
    const v = await runOne([
      bin,
      "-J",
      "-j2",
      ...FLAGS_73.slice(2),
      `--btf_encode_detached=${join(work, `${e}-vmlinux.btf`)}`,
      k73.vmlinux,
    ]);
    if (v.code !== 0) failures.push(`whole: vmlinux ${e}: exit ${v.code}`);
    const tv = Number(process.hrtime.bigint() - t0) / 1e9;
    let next = 0;
    let modulesCpuS = 0;
    const moduleRss = [];
    // The service's memory over time (the sum of its processes' RSS, sampled), for the peak of the modules phase.
    let servicePeakMB = 0;
    let pids = [];
    let tick = 0;
    const sampler =
      e === "btfkit"
        ? setInterval(() => {
            if (tick++ % 10 === 0) pids = servicePids();
            let sum = 0;
            for (const pid of pids) {
              try {
                const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
                if (m) sum += Number(m[1]) / 1024;
              } catch {
                // gone
              }
            }
            servicePeakMB = Math.max(servicePeakMB, sum);
          }, 200)
        : undefined;
    const lane = async (slot) => {
      while (next < mods.length) {
        const ko = mods[next++];
        const r = await runOne([
          bin,
          ...FLAGS_73,
          "--btf_base",
          k73.vmlinux,
          `--btf_encode_detached=${join(work, `${e}-w${slot}.btf`)}`,
          ko,
        ]);
        if (r.code !== 0)
          failures.push(
            `whole: ${relative(k73.modulesDir, ko)} ${e}: exit ${r.code}: ${r.err.trim().split("\n").pop()}`,
          );
        modulesCpuS += r.cpuS;
        moduleRss.push(r.rssMB);
      }
    };
    await Promise.all([lane(0), lane(1)]);
    const total = Number(process.hrtime.bigint() - t0) / 1e9;
    if (sampler) clearInterval(sampler);
    const service = e === "btfkit" ? serviceMemory() : undefined;
    // Peak memory of the build's encoding: vmlinux alone, or the modules phase: two module processes at once (their
    // median peak; btfkit's first call, in-process while the service starts, is the largest: reported beside) plus
    // the service's sampled peak.
    const moduleRssMB = median(moduleRss);
    const modulesPeakMB = 2 * moduleRssMB + servicePeakMB;
    whole[e] = {
      vmlinuxS: tv,
      modulesS: total - tv,
      totalS: total,
      cpuS: v.cpuS + modulesCpuS + (service?.cpuS ?? 0),
      vmlinuxRssMB: v.rssMB,
      modulesPeakMB,
      servicePeakMB: service ? servicePeakMB : undefined,
      peakMB: Math.max(v.rssMB, modulesPeakMB),
      service,
    };
    console.log(
      `  ${e}: vmlinux ${fmt(tv, 1)} s + modules ${fmt(total - tv, 1)} s = ${fmt(total, 1)} s wall; CPU ${fmt(whole[e].cpuS, 1)} s${service ? " (the service's included)" : ""}; peak RSS ${fmt(whole[e].peakMB, 0)} MB (vmlinux ${fmt(v.rssMB, 0)} MB, modules: 2 × ${fmt(moduleRssMB, 0)} MB${service ? ` + the service's ${fmt(servicePeakMB, 0)} MB sampled (its processes' own peaks add up to ${fmt(service.sumMB, 0)} MB); the largest module process ${fmt(Math.max(...moduleRss), 0)} MB` : ""})`,
    );
  }
  report.whole = { modules: mods.length, ...whole };
  console.log(`  total wall: ${goalText(ratio(whole.btfkit.totalS, whole.pahole.totalS), 0.7)}`);
  console.log(
    `  total CPU: ${fmt(ratio(whole.btfkit.cpuS, whole.pahole.cpuS), 2)}×; peak RSS: ${fmt(ratio(whole.btfkit.peakMB, whole.pahole.peakMB), 2)}×`,
  );
}

// ---- the goals, one table ----
{
  const rows = [];
  const add = (what, b, p, unit, target, lower = true) => {
    const r = ratio(b, p);
    rows.push([
      what,
      b === undefined ? "-" : `${fmt(b, unit === "s" ? 3 : 0)} ${unit}`,
      p === undefined ? "-" : `${fmt(p, unit === "s" ? 3 : 0)} ${unit}`,
      r === undefined ? "-" : `${r.toFixed(2)}×`,
      `${lower ? "≤" : "≥"} ${target}×`,
      r === undefined ? "-" : (lower ? r <= target : r >= target) ? "met" : "NOT met",
    ]);
  };
  for (const k of kernels) {
    const row = report.kernels[k];
    if (!row) continue;
    add(`1. one module, ${k} (median wall)`, row.medianWallS.btfkit, row.medianWallS.pahole, "s", 1.0);
    add(
      `1. one module, ${k} (sum over ${row.modules})`,
      row.sumMedianWallS.btfkit,
      row.sumMedianWallS.pahole,
      "s",
      1.0,
    );
  }
  if (report.whole) {
    const w = report.whole;
    add(`2. whole 7.3 kernel, wall (${w.modules} modules)`, w.btfkit.totalS, w.pahole.totalS, "s", 0.7);
    add("2. whole 7.3 kernel, peak RSS", w.btfkit.peakMB, w.pahole.peakMB, "MB", 1.0);
  }
  if (report.vmlinux) {
    const v = report.vmlinux;
    add("3. 7.3 vmlinux -j2, wall", v["btfkit-j2"].wallS, v["pahole-j2"].wallS, "s", 0.6);
    add("3. 7.3 vmlinux -j2, peak RSS", v["btfkit-j2"].rssMB, v["pahole-j2"].rssMB, "MB", 1.0);
    const b = ratio(v["btfkit-j1"].wallS, v["btfkit-j2"].wallS);
    const p = ratio(v["pahole-j1"].wallS, v["pahole-j2"].wallS);
    rows.push([
      "3. speed-up -j1 → -j2",
      b === undefined ? "-" : `${b.toFixed(2)}×`,
      p === undefined ? "-" : `${p.toFixed(2)}×`,
      "",
      "≥ 1.7×",
      b === undefined ? "-" : b >= 1.7 ? "met" : "NOT met",
    ]);
  }
  if (rows.length > 0) {
    const head = ["goal", "btfkit", "pahole", "ratio", "target", ""];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd();
    console.log(`
Goals (${runs} runs, medians; ${report.cpus} CPUs)
${line(head)}
${widths.map((w) => "-".repeat(w)).join("  ")}`);
    for (const r of rows) console.log(line(r));
  }
}

mkdirSync(OUT, { recursive: true });
writeFileSync(opts["--json"], JSON.stringify({ ...report, failures }, null, 1));
if (failures.length) {
  console.log(`\nFAILED (${failures.length}):\n  ${failures.slice(0, 20).join("\n  ")}`);
  process.exit(1);
}
