#!/usr/bin/env node
// Proof that btfkit-pahole stands in for pahole in a real Debian 6.1 kernel build (the issue "btfkit-pahole: a
// drop-in for pahole -J"): the out-of-tree module of test/fixtures/kmod is built with Debian's own 6.1 kbuild,
//
//   make -C /usr/src/linux-headers-6.1.0-56-cloud-amd64 M=DIR PAHOLE=PATH RESOLVE_BTFIDS=true
//
// once with pahole 1.24 (bookworm's, the one Debian's 6.1 was built with) and once with bin/btfkit-pahole. The
// build's scripts run unchanged: scripts/pahole-flags.sh asks `$(PAHOLE) --version` and picks the flags for it,
// Makefile.modfinal runs `$(PAHOLE) -J $(PAHOLE_FLAGS) --btf_base vmlinux MODULE.ko`, which writes .BTF into the
// module in place. Debian's 6.1 kbuild ships no resolve_btfids (RESOLVE_BTFIDS=true; the module has no BTF_ID
// sets). The build looks for `vmlinux` in the headers directory: Debian's dbg vmlinux (with its .BTF) is linked
// there. Then: both modules' .BTF by meaning, each merged with the base and given to the kernel (BPF_BTF_LOAD).
//
// Also: `btfkit-pahole -J` in place on a copy of the Debian 6.1 vmlinux (as 6.x link-vmlinux.sh runs it), read back
// by `bpftool btf dump file` and btfkit, and the kernel's verdict on its .BTF.
//
//   node bench/drop-in-61.mjs [--no-vmlinux] [--keep]
//
// Needs: apt-get install linux-headers-6.1.0-56-cloud-amd64 dwarves bpftool, and scripts/fetch-debian-kernel.sh 6.1.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distModule, kernelVerdict, REPO } from "./lib.mjs";

const args = process.argv.slice(2);
const RELEASE = "6.1.0-56-cloud-amd64";
const HEADERS = `/usr/src/linux-headers-${RELEASE}`;
const VMLINUX = join(REPO, `.cache/linux-dbg/usr/lib/debug/lib/modules/${RELEASE}/vmlinux`);
const BTFKIT_PAHOLE = join(REPO, "bin/btfkit-pahole");
const FIXTURE = join(REPO, "test/fixtures/kmod");

const missing = [];
if (!existsSync(join(HEADERS, "Makefile"))) missing.push(`${HEADERS} (apt-get install linux-headers-${RELEASE})`);
if (!existsSync(VMLINUX)) missing.push(`${VMLINUX} (scripts/fetch-debian-kernel.sh 6.1)`);
const pahole = spawnSync("pahole", ["--version"], { encoding: "utf8" });
if (pahole.status !== 0) missing.push("pahole (apt-get install dwarves)");
if (missing.length) {
  console.error(`drop-in-61: missing inputs:\n  ${missing.join("\n  ")}`);
  process.exit(2);
}

const { loadBtf, loadBtfFromElf } = await distModule("io/load-btf.js");
const { diffBtf } = await distModule("diff/index.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { writeBtf } = await distModule("btf/write.js");

// The build reads $(objtree)/vmlinux: Debian's dbg vmlinux, linked in for the run (and removed after, if we made it).
const headersVmlinux = join(HEADERS, "vmlinux");
let linked = false;
if (!existsSync(headersVmlinux)) {
  symlinkSync(VMLINUX, headersVmlinux);
  linked = true;
}
const base = loadBtf(VMLINUX);
let failures = 0;
const check = (ok, what) => {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

/** One fixed build directory for both builds: the path ends up in the module's DWARF, and the modules must match. */
const BUILD_DIR = join(tmpdir(), "btfkit-kmod-build");
function build(paholePath, label) {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  cpSync(FIXTURE, BUILD_DIR, { recursive: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync("make", ["-C", HEADERS, `M=${BUILD_DIR}`, `PAHOLE=${paholePath}`, "RESOLVE_BTFIDS=true", "V=1"], {
    encoding: "utf8",
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const log = r.stdout + r.stderr;
  const paholeLine = log.split("\n").find((l) => l.includes(" -J ") && l.includes("--btf_base vmlinux")) ?? "";
  // Keep the result where the next build will not touch it.
  const dir = mkdtempSync(join(tmpdir(), `btfkit-kmod-${label}-`));
  if (r.status === 0) copyFileSync(join(BUILD_DIR, "btfkit_demo.ko"), join(dir, "btfkit_demo.ko"));
  return { dir, ok: r.status === 0, log, seconds: s, ko: join(dir, "btfkit_demo.ko"), paholeLine: paholeLine.trim() };
}

console.log(`Debian ${RELEASE}: out-of-tree module test/fixtures/kmod built with the kernel's own kbuild`);
const ref = build("pahole", "pahole");
const ours = build(BTFKIT_PAHOLE, "btfkit");
/** @type {[ReturnType<typeof build>, string][]} */
const builds = [
  [ref, `pahole ${pahole.stdout.trim()}`],
  [ours, "btfkit-pahole"],
];
for (const [b, who] of builds) {
  check(b.ok, `make with PAHOLE=${who}: exit ${b.ok ? 0 : "≠ 0"} (${b.seconds.toFixed(1)} s)`);
  if (!b.ok) console.log(b.log.split("\n").slice(-15).join("\n"));
  console.log(`       ${b.paholeLine.replace(/\s+/g, " ").slice(0, 220)}`);
}
if (ref.ok && ours.ok) {
  const a = loadBtfFromElf(ref.ko, base);
  const b = loadBtfFromElf(ours.ko, base);
  const d = diffBtf(a, b);
  console.log(`  .BTF of the module: pahole ${a.count} types, btfkit-pahole ${b.count} types`);
  for (const r of d.kinds)
    console.log(
      `       ${r.kind.padEnd(9)} pahole ${String(r.inA).padStart(4)}  btfkit ${String(r.inB).padStart(4)}  matched ${String(r.matched).padStart(4)}  only-pahole ${r.onlyInA}  only-btfkit ${r.onlyInB}  changed ${r.changed}`,
    );
  check(d.equal, "btfkit-pahole's module .BTF equals pahole's by meaning");
  for (const [who, split] of [
    ["pahole", a],
    ["btfkit-pahole", b],
  ]) {
    const v = kernelVerdict(writeBtf(mergeSplitBtf(split)));
    if (v.unavailable) console.log(`  SKIP kernel verdict (${who}): ${v.unavailable}`);
    else
      check(
        v.accepted,
        `the kernel accepts ${who}'s module .BTF merged with Debian's vmlinux .BTF${v.accepted ? "" : `: ${v.reason}`}`,
      );
  }
  // Everything but .BTF is the build's own output, byte for byte (both built in the same directory): objcopy
  // --remove-section .BTF of both gives the same bytes when the encoders touched nothing else.
  const strip = (ko, out) => spawnSync("objcopy", ["--remove-section", ".BTF", ko, out]).status === 0;
  const sa = join(ref.dir, "stripped.ko"),
    sb = join(ours.dir, "stripped.ko");
  if (strip(ref.ko, sa) && strip(ours.ko, sb))
    check(
      Buffer.compare(readFileSync(sa), readFileSync(sb)) === 0,
      "apart from .BTF, the two modules are byte-identical (objcopy --remove-section .BTF)",
    );
}

if (!args.includes("--no-vmlinux")) {
  console.log(`\nin place on a copy of Debian's ${RELEASE} vmlinux (as 6.x link-vmlinux.sh runs pahole -J)`);
  const dir = mkdtempSync(join(tmpdir(), "btfkit-vmlinux-"));
  const copy = join(dir, "vmlinux");
  copyFileSync(VMLINUX, copy);
  const flags = spawnSync("sh", [join("/usr/src/linux-headers-6.1.0-56-common/scripts/pahole-flags.sh")], {
    encoding: "utf8",
    env: { ...process.env, PAHOLE: BTFKIT_PAHOLE },
  })
    .stdout.trim()
    .split(/\s+/)
    .filter(Boolean);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BTFKIT_PAHOLE, ["-J", ...flags, copy], { encoding: "utf8" });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  check(
    r.status === 0,
    `btfkit-pahole -J ${flags.join(" ")} vmlinux: exit ${r.status} (${s.toFixed(1)} s)${r.stderr ? `: ${r.stderr.trim()}` : ""}`,
  );
  if (r.status === 0) {
    const bt = spawnSync("bpftool", ["btf", "dump", "file", copy], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (bt.error) console.log(`  SKIP bpftool: ${bt.error.message}`);
    else
      check(
        bt.status === 0 && bt.stdout.includes("STRUCT 'task_struct'"),
        `bpftool btf dump file reads the embedded .BTF (${bt.stdout.split("\n").length - 1} lines)`,
      );
    const embedded = loadBtfFromElf(copy);
    const v = kernelVerdict(writeBtf(embedded));
    if (v.unavailable) console.log(`  SKIP kernel verdict: ${v.unavailable}`);
    else
      check(
        v.accepted,
        `the kernel accepts the embedded .BTF (${embedded.count} types)${v.accepted ? "" : `: ${v.reason}`}`,
      );
  }
  rmSync(dir, { recursive: true, force: true });
}

if (!args.includes("--keep")) for (const b of [ref, ours]) rmSync(b.dir, { recursive: true, force: true });
if (linked && lstatSync(headersVmlinux).isSymbolicLink()) unlinkSync(headersVmlinux);
console.log(failures === 0 ? "\ndrop-in-61: all checks passed" : `\ndrop-in-61: ${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
