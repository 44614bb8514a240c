// Benchmark: walk every DIE of a vmlinux (default: the Debian 6.1 cloud kernel's), decoding every attribute, and
// compare with pahole encoding the same file to BTF single-threaded. Reports MB/s of .debug_info, peak RSS and the
// ratio to pahole's time (goal: walk ≤ 1/4 of pahole's time, RSS < 300 MB).
//   npm run build && npm run bench -- dwarf-walk [VMLINUX] [--runs N] [--no-pahole] [--baseline DIST]
// --baseline DIST also walks with another build (a copy of an older dist/), alternating with this one, for
// before/after comparisons in one run.
// The walk runs in a child process (`--child`) so its peak RSS is measured alone, by /usr/bin/time.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { REPO, fmt } from "./lib.mjs";

/**
 * Run argv under /usr/bin/time: wall and CPU seconds (user + sys) and peak RSS. The CPU time is the fair figure on
 * a shared machine, where wall time depends on what else runs; both are printed.
 */
function measure(argv, stdoutFile = "/dev/null") {
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %U %S %M", "-o", `/tmp/btfkit-time.${process.pid}`, "sh", "-c", '"$@" > "$0"', stdoutFile, ...argv],
    { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-300)}`);
  const [wall, user, sys, rssKB] = readFileSync(`/tmp/btfkit-time.${process.pid}`, "utf8")
    .trim()
    .split("\n")
    .pop()
    .split(" ")
    .map(Number);
  return { wall, cpu: user + sys, rssMB: rssKB / 1024 };
}

const args = process.argv.slice(2);

if (args[0] === "--child") {
  const dist = args[2] ?? join(REPO, "dist");
  const { DwarfFile, collectDwarfStats } = await import(pathToFileURL(join(dist, "dwarf/index.js")).href);
  const t0 = performance.now();
  const d = DwarfFile.open(args[1]);
  const s = collectDwarfStats(d, { decodeAttributes: true });
  d.close();
  const total = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      walkSeconds: s.seconds,
      totalSeconds: total,
      units: s.units,
      dies: s.dies,
      attributes: s.attributes,
      infoBytes: s.sectionBytes[".debug_info"] ?? 0,
      mbps: s.megabytesPerSecond,
    }) + "\n",
  );
  process.exit(0);
}

const DEFAULT = ["/work/cache", join(REPO, ".cache"), process.env.BTFKIT_CACHE]
  .filter(Boolean)
  .map((r) => join(r, "linux-dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64"))
  .find((p) => existsSync(p));
const positional = args.filter(
  (a, i) => !a.startsWith("--") && args[i - 1] !== "--runs" && args[i - 1] !== "--baseline",
);
const baseline = args.includes("--baseline") ? args[args.indexOf("--baseline") + 1] : undefined;
const vmlinux = positional[0] ?? DEFAULT;
const runs = Number(args[args.indexOf("--runs") + 1] || 1) || 1;
if (!vmlinux || !existsSync(vmlinux)) {
  console.log("dwarf-walk: no vmlinux (pass a path, or extract the Debian kernel debug package into .cache/linux-dbg)");
  process.exit(0);
}
if (!existsSync(join(REPO, "dist/dwarf/index.js"))) {
  console.log("dwarf-walk: run `npm run build` first");
  process.exit(2);
}

const sides = baseline ? [{ label: "baseline", dist: baseline, walks: [] }] : [];
sides.push({ label: "btfkit", dist: join(REPO, "dist"), walks: [] });
for (let i = 0; i < runs; i++) {
  for (const side of sides) {
    const out = `/tmp/btfkit-dwarf-walk.${process.pid}.json`;
    const r = measure([process.execPath, join(REPO, "bench/dwarf-walk.mjs"), "--child", vmlinux, side.dist], out);
    side.walks.push({ ...r, ...JSON.parse(readFileSync(out, "utf8")) });
  }
}
console.log(`file: ${vmlinux}`);
let w;
for (const side of sides) {
  w = side.walks.sort((a, b) => a.cpu - b.cpu)[side.walks.length >> 1];
  side.w = w;
  if (side === sides[0])
    console.log(
      `.debug_info: ${fmt(w.infoBytes / 1e6)} MB, ${w.units} units, ${w.dies} DIEs, ${w.attributes} attributes`,
    );
  const tag = sides.length > 1 ? `[${side.label}] ` : "";
  console.log(`${tag}walk (every DIE, every attribute decoded): ${fmt(w.walkSeconds, 2)} s wall = ${fmt(w.mbps)} MB/s`);
  console.log(
    `${tag}btfkit process: ${fmt(w.wall, 2)} s wall, ${fmt(w.cpu, 2)} s CPU (${fmt(w.infoBytes / 1e6 / w.cpu)} MB/s of CPU), peak RSS ${fmt(w.rssMB)} MB (median of ${side.walks.length} by CPU; min CPU ${fmt(side.walks[0].cpu, 2)} s)`,
  );
}

if (!args.includes("--no-pahole")) {
  const pahole = ["pahole", "-J", "-j1", `--btf_encode_detached=/tmp/btfkit-bench-${process.pid}.btf`, vmlinux];
  let p;
  try {
    p = measure(pahole);
  } catch (e) {
    console.log(`pahole: not run (${e.message.split("\n")[0]})`);
  }
  if (p) {
    const v = spawnSync("pahole", ["--version"], { encoding: "utf8" }).stdout.trim();
    console.log(`pahole ${v} -J -j1: ${fmt(p.wall, 2)} s wall, ${fmt(p.cpu, 2)} s CPU, peak RSS ${fmt(p.rssMB)} MB`);
    for (const side of sides) {
      console.log(
        `ratio ${side.label} walk / pahole encode: ${fmt(side.w.cpu / p.cpu, 3)} CPU, ${fmt(side.w.wall / p.wall, 3)} wall (goal <= 0.25)`,
      );
    }
  }
}
