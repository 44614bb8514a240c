// Shared helpers for the benchmarks: run commands side by side (interleaved, so that noise on a shared machine hits
// both), take the median, and measure peak RSS of child processes through wait4's rusage (via a tiny shell shim).
import { spawnSync } from "node:child_process";
import { openSync, closeSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BTFKIT = join(REPO, "bin/btfkit");

/** Run argv with stdout discarded; returns wall ms and, when GNU time is available, peak RSS in MB. */
export function timeCommand(argv, { stdoutFile = "/dev/null" } = {}) {
  const out = openSync(stdoutFile, "w");
  const useTime = existsSync("/usr/bin/time");
  const cmd = useTime ? ["/usr/bin/time", "-f", "%M", ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ["ignore", out, "pipe"], encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(out);
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-500)}`);
  let rssMB;
  if (useTime) {
    const lines = r.stderr.trim().split("\n");
    rssMB = Number(lines[lines.length - 1]) / 1024;
  }
  return { ms, rssMB };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Interleave runs of several named commands; returns per-name {median, min, rss}. */
export function sideBySide(cases, runs) {
  const res = Object.fromEntries(Object.keys(cases).map((k) => [k, { times: [], rss: [] }]));
  for (const [k, argv] of Object.entries(cases)) timeCommand(argv); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [k, argv] of Object.entries(cases)) {
      const r = timeCommand(argv);
      res[k].times.push(r.ms);
      if (r.rssMB !== undefined) res[k].rss.push(r.rssMB);
    }
  }
  return Object.fromEntries(
    Object.entries(res).map(([k, v]) => [k, { median: median(v.times), min: Math.min(...v.times), rssMB: v.rss.length ? Math.max(...v.rss) : undefined }]),
  );
}

export function fmt(n, d = 1) {
  return n === undefined ? "-" : n.toFixed(d);
}
