// Benchmark: `btfkit dump --format raw` vs `bpftool btf dump … format raw` on the same BTF, side by side.
// Usage: node bench/dump.mjs [FILE] [--runs N]. Default FILE: /sys/kernel/btf/vmlinux.
import { execFileSync } from "node:child_process";
import { BTFKIT, fmt, sideBySide } from "./lib.mjs";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 15;
const file = args[0] ?? "/sys/kernel/btf/vmlinux";

const version = execFileSync("bpftool", ["version"], { encoding: "utf8" }).split("\n")[0];
const r = sideBySide(
  {
    btfkit: [process.execPath, BTFKIT, "dump", file, "--format", "raw"],
    bpftool: ["bpftool", "btf", "dump", "file", file, "format", "raw"],
    "node startup": [process.execPath, "-e", "0"],
  },
  runs,
);

// In-process cost (load + format), which excludes Node's start-up: what a library user pays.
const { loadBtf } = await import("../dist/io/load-btf.js");
const { dumpBtfRaw } = await import("../dist/dump/raw.js");
const { ByteSink } = await import("../dist/dump/byte-sink.js");
const inproc = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const btf = loadBtf(file);
  const sink = new ByteSink(() => {});
  dumpBtfRaw(btf, sink);
  sink.end();
  inproc.push(performance.now() - t0);
}
inproc.sort((a, b) => a - b);

console.log(`dump --format raw of ${file}, ${runs} interleaved runs each (${version})`);
console.log(
  `  btfkit  (whole process): median ${fmt(r.btfkit.median)} ms, min ${fmt(r.btfkit.min)} ms, peak RSS ${fmt(r.btfkit.rssMB)} MB`,
);
console.log(
  `  bpftool (whole process): median ${fmt(r.bpftool.median)} ms, min ${fmt(r.bpftool.min)} ms, peak RSS ${fmt(r.bpftool.rssMB)} MB`,
);
console.log(`  node -e 0 (start-up only): median ${fmt(r["node startup"].median)} ms`);
console.log(`  btfkit in-process load+dump: median ${fmt(inproc[inproc.length >> 1])} ms (warm JIT)`);
console.log(`  ratio btfkit/bpftool (whole process, median): ${fmt(r.btfkit.median / r.bpftool.median, 2)}`);
console.log(
  `  ratio btfkit/bpftool (in-process vs whole bpftool): ${fmt(inproc[inproc.length >> 1] / r.bpftool.median, 2)}`,
);
