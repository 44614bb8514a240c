// Benchmark: encode a vmlinux (default: the Debian 6.1 cloud kernel's) to BTF with btfkit and with pahole 1.24
// single-threaded, side by side in one run, each under /usr/bin/time: wall and CPU seconds (user + sys) and peak
// RSS of both, and the ratios btfkit / pahole (issue 5's first goal: <= 2x pahole's time, <= pahole's memory).
//   npm run build && npm run bench -- encode [VMLINUX] [--runs N] [--jobs N]
// CPU time is the fair figure on a shared machine (wall time depends on what else runs); both are printed. With
// --runs N the two commands alternate N times and the run with the median CPU time of each is reported.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { REPO, BTFKIT, fmt } from "./lib.mjs";

/** Run argv under /usr/bin/time: wall and CPU seconds (user + sys) and peak RSS in MB. */
function measure(argv) {
  const timeFile = `/tmp/btfkit-encode-time.${process.pid}`;
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", timeFile, ...argv], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-300)}`);
  const [wall, user, sys, rssKB] = readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  rmSync(timeFile, { force: true });
  return { wall, cpu: user + sys, rssMB: rssKB / 1024 };
}

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

const args = process.argv.slice(2);
const optionValue = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const positional = args.filter((a, i) => !a.startsWith("--") && !["--runs", "--jobs"].includes(args[i - 1]));
const DEFAULT = ["/work/cache", join(REPO, ".cache"), process.env.BTFKIT_CACHE]
  .filter(Boolean)
  .map((r) => join(r, "linux-dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64"))
  .find((p) => existsSync(p));
const vmlinux = positional[0] ?? DEFAULT;
const runs = Math.max(1, Number(optionValue("--runs") ?? 1) || 1);
const jobs = Math.max(1, Number(optionValue("--jobs") ?? 1) || 1);
if (!vmlinux || !existsSync(vmlinux)) {
  console.log("encode: no vmlinux (pass a path, or extract the Debian kernel debug package into .cache/linux-dbg)");
  process.exit(0);
}
if (!existsSync(join(REPO, "dist/cli/main.js"))) {
  console.log("encode: run `npm run build` first");
  process.exit(2);
}
const paholeOk = spawnSync("pahole", ["--version"], { encoding: "utf8" });
const paholeVersion = paholeOk.status === 0 ? paholeOk.stdout.trim() : undefined;

const outBtfkit = `/tmp/btfkit-bench-encode.${process.pid}.btf`;
const outPahole = `/tmp/btfkit-bench-encode-pahole.${process.pid}.btf`;
const cases = {
  btfkit: [
    process.execPath,
    BTFKIT,
    "encode",
    vmlinux,
    "-o",
    outBtfkit,
    "-q",
    ...(jobs > 1 ? ["-j", String(jobs)] : []),
  ],
};
if (paholeVersion)
  cases.pahole = [
    "pahole",
    "-J",
    "-j1",
    "--btf_gen_floats",
    "--lang_exclude=rust",
    `--btf_encode_detached=${outPahole}`,
    vmlinux,
  ];

// Alternate the commands so that load from other processes hits both alike.
const res = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [k, argv] of Object.entries(cases)) res[k].push(measure(argv));
const pick = (xs) => [...xs].sort((a, b) => a.cpu - b.cpu)[xs.length >> 1];

console.log(
  `file: ${vmlinux} (${runs} run${runs > 1 ? "s" : ""} each, alternating; the run with the median CPU time shown)`,
);
const b = pick(res.btfkit);
console.log(
  `btfkit encode${jobs > 1 ? ` -j${jobs}` : ""}: ${fmt(b.wall, 2)} s wall, ${fmt(b.cpu, 2)} s CPU, peak RSS ${fmt(b.rssMB)} MB  (sha256 ${sha256(outBtfkit).slice(0, 16)}…)`,
);
if (res.pahole) {
  const p = pick(res.pahole);
  console.log(
    `pahole ${paholeVersion} -J -j1: ${fmt(p.wall, 2)} s wall, ${fmt(p.cpu, 2)} s CPU, peak RSS ${fmt(p.rssMB)} MB`,
  );
  console.log(
    `ratio btfkit / pahole: wall ${fmt(b.wall / p.wall, 2)}, CPU ${fmt(b.cpu / p.cpu, 2)}, peak RSS ${fmt(b.rssMB / p.rssMB, 2)} (first goal: time <= 2, RSS <= 1)`,
  );
} else {
  console.log("pahole: not installed, no ratios");
}
rmSync(outBtfkit, { force: true });
rmSync(outPahole, { force: true });
