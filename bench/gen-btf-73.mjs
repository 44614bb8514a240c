#!/usr/bin/env node
// btfkit-pahole as a drop-in for pahole 1.30 in Debian 7.3.4's own BTF step (issue "btfkit-pahole drop-in"):
//
//   node bench/gen-btf-73.mjs [--sample N] [--limit N] [--match STR] [--no-vmlinux] [--no-shim] [--examples N] [--keep]
//                             [--json FILE]
//
// Runs the 7.3 build's scripts/gen-btf.sh (from linux-kbuild-7.3.4+deb13, unchanged) the way Makefile.modfinal and
// link-vmlinux.sh call it: `sh gen-btf.sh --btf_base ./vmlinux MODULE.ko` and `sh gen-btf.sh .tmp_vmlinux1`, from the
// object tree, once with PAHOLE=bin/btfkit-pahole and once with PAHOLE=pahole 1.30 (.cache/trixie/pahole), in the
// environment the 7.3 build exports (and nothing else):
// - PAHOLE_FLAGS as Debian 7.3.4's scripts/Makefile.btf computes it: `make -j2` is run here on Makefile.btf (with
//   Kbuild.include and Debian's include/config/auto.conf: CONFIG_PAHOLE_VERSION=130, CONFIG_PAHOLE_HAS_LANG_EXCLUDE=y)
//   and KBUILD_BUILD_TIMESTAMP set, and the result must be `-j2 --btf_features=encode_force,var,float,enum64,decl_tag,
//   type_tag,optimized_func,consistent_func -j2 --btf_features=+reproducible_build --lang_exclude=rust`. GNU make
//   before 4.4 (bookworm's 4.3) does not show -jN in MAKEFLAGS while parsing, as Debian's make 4.4.1 does; there the
//   run passes MAKEFLAGS=-j2 as well.
// - RESOLVE_BTFIDS = Debian 7.3.4's resolve_btfids (.cache/trixie/resolve_btfids), RESOLVE_BTFIDS_FLAGS as
//   Makefile.btf computes it (empty: in-tree modules, no CONFIG_WERROR, not verbose), OBJCOPY=objcopy, CC=gcc with
//   empty CLANG_FLAGS/KBUILD_CPPFLAGS/KBUILD_CFLAGS (vmlinux mode compiles an empty C file), objtree=. holding
//   include/config/auto.conf (from the linux-headers-7.3.4+deb13-cloud-amd64 package when it is in .cache, else the
//   few lines of Debian's .config the script and Makefile.btf read) and `vmlinux`: a copy of the dbg vmlinux, which
//   carries Debian's final .BTF as a real build's vmlinux does. `.tmp_vmlinux1` is another copy.
// - The dbg package's vmlinux and modules are final: resolve_btfids has filled their .BTF_ids and sorted every set by
//   id, so a set8's {id, flags} pairs no longer sit on their own __BTF_ID__func__ symbols, and gen-btf.sh on them
//   fails ("kfunc __scx_bpf_select_cpu_and has inconsistent flags across BTF ID sets"). So .tmp_vmlinux1's and each
//   module copy's .BTF_ids are put back as the linker left them: ids and set counts 0, each set8 member's own flags
//   at its own place (found through its id in the shipped .BTF). pahole 1.30's .BTF_ids coming out equal to
//   Debian's shipped ones checks that.
// - PAHOLE is a two-line shim that execs the encoder with exactly gen-btf.sh's arguments under /usr/bin/time, so
//   the encoder's own wall time is known (--no-shim: PAHOLE is the encoder itself, and only gen-btf.sh is timed).
//   The shim logs the argument list too; the report prints the command line gen-btf.sh made.
//
// Modules: every N-th of the sorted module list (--sample N, default 20; --limit N keeps the first N of those; --match
// STR first keeps only the paths containing STR). Each
// .ko is copied with its .BTF (and .BTF.base, if any) removed by `objcopy --remove-section`, gen-btf.sh runs on the
// copy once per encoder (which one goes first alternates), and the resulting .ko is read back: .BTF and .BTF_ids.
// Per module and in total: gen-btf.sh's exit status per encoder; btfkit-pahole's split BTF against pahole 1.30's
// on the same base by meaning (diffBtf: types per kind, roots matched / only in each / changed, first names); the
// same against pahole's re-deduplicated by btfkit's dedup; coverage both ways (a root's canonical form found in the
// other side's split or in the common base: pahole 1.30's libbpf leaves re-definitions of base types in module BTF
// that resolve_btfids' btf__dedup keeps); byte identity of .BTF and .BTF_ids (and pahole's against Debian's shipped
// module, which the same pipeline made); every BTF_ID in .BTF_ids checked against the symbol it stands for
// (__BTF_ID__func__foo must hold the id of FUNC foo; sets compared as multisets, since resolve_btfids sorts them);
// resolve_btfids' warnings; the kernel's verdict (BPF_BTF_LOAD through test/oracle/btf-load.c) on each split BTF
// merged with its base; wall times. vmlinux (unless --no-vmlinux): gen-btf.sh .tmp_vmlinux1 with each encoder, its
// ${ELF}.btf.o (.BTF) and ${ELF}.BTF_ids compared the same ways, and with Debian's shipped vmlinux .BTF/.BTF_ids.
//
// Writes bench/out/gen-btf-73.json (--json FILE elsewhere) and the .BTF blobs under bench/out/gen-btf-73/. Exits 1
// when an input is missing (saying how to fetch it) or when gen-btf.sh failed with either encoder.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import {
  DIST,
  DiffTotals,
  KERNELS,
  OUT,
  REPO,
  cacheRoots,
  compareDatasecs,
  datasecEntries,
  distModule,
  findKernel,
  kernelVerdict,
  kindCounts,
  listModules,
  oracleUnavailable,
  pct,
  printParity,
  verdictText,
} from "./lib.mjs";

const EXPECTED_FLAGS =
  "-j2 --btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func -j2 --btf_features=+reproducible_build --lang_exclude=rust";
const KBUILD = "linux-kbuild-7.3.4+deb13";
const HEADERS = "linux-headers-7.3.4+deb13-cloud-amd64";
/** Debian 7.3.4's build date (include/generated/utsversion.h of the headers package); any non-empty value will do. */
const KBUILD_BUILD_TIMESTAMP = "Sun, 15 Nov 2026 00:00:00 +0000";

// ---- arguments ----
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(name + "="));
  return eq ? eq.slice(name.length + 1) : dflt;
};
const known = new Set([
  "--sample",
  "--limit",
  "--match",
  "--examples",
  "--json",
  "--vmlinux",
  "--no-vmlinux",
  "--no-shim",
  "--keep",
]);
for (let i = 0; i < args.length; i++) {
  const a = args[i].split("=")[0];
  if (!known.has(a)) {
    console.error(
      `gen-btf-73: unknown argument ${args[i]}\nusage: node bench/gen-btf-73.mjs [--sample N] [--limit N] [--match STR] [--no-vmlinux] [--no-shim] [--examples N] [--keep] [--json FILE]`,
    );
    process.exit(2);
  }
  if (["--sample", "--limit", "--match", "--examples", "--json"].includes(args[i])) i++;
}
const sample = Number(opt("--sample", "20"));
const limit = opt("--limit") !== undefined ? Number(opt("--limit")) : Infinity;
const nExamples = Number(opt("--examples", "20"));
const match = opt("--match");
const doVmlinux = !args.includes("--no-vmlinux");
const useShim = !args.includes("--no-shim");
const keep = args.includes("--keep");
const jsonOut = opt("--json", join(OUT, "gen-btf-73.json"));
if (!(sample >= 1) || !(limit >= 0) || !(nExamples >= 0)) {
  console.error("gen-btf-73: --sample N (N ≥ 1), --limit N (N ≥ 0), --examples N (N ≥ 0)");
  process.exit(2);
}

// ---- inputs: fail loudly, saying how to get them ----
const missing = [];
const need = (what, ok, how) => {
  if (!ok) missing.push(`${what}\n      ${how}`);
  return ok;
};
const firstExisting = (rel) =>
  cacheRoots()
    .map((r) => join(r, rel))
    .find((p) => existsSync(p));
const k = KERNELS["7.3"];
const kernel = findKernel(k);
need(
  `the ${k.title} debug package (vmlinux and modules with DWARF)`,
  kernel,
  "scripts/fetch-debian-kernel.sh 7.3 (into .cache/linux-7.3-cloud-dbg)",
);
const scripts = firstExisting(`trixie/usr/lib/${KBUILD}/scripts`);
for (const f of ["gen-btf.sh", "Makefile.btf", "Kbuild.include"]) {
  need(
    `Debian 7.3.4's scripts/${f} (${KBUILD})`,
    scripts && existsSync(join(scripts, f)),
    "scripts/fetch-debian-kernel.sh 7.3 (its trixie tools step extracts linux-kbuild-7.3.4+deb13 into .cache/trixie)",
  );
}
const paholeBin = firstExisting("trixie/pahole");
const resolveBtfids = firstExisting("trixie/resolve_btfids");
const btfkitPahole = join(REPO, "bin/btfkit-pahole");
need(
  "trixie's pahole 1.30 (.cache/trixie/pahole)",
  paholeBin,
  "scripts/fetch-debian-kernel.sh 7.3 (or scripts/trixie.sh tools .cache/trixie)",
);
need(
  "Debian 7.3.4's resolve_btfids (.cache/trixie/resolve_btfids)",
  resolveBtfids,
  "scripts/fetch-debian-kernel.sh 7.3 (or scripts/trixie.sh tools .cache/trixie)",
);
need(
  "btfkit built (dist/cli/pahole/main.js, dist/btf/merge-split.js)",
  existsSync(join(DIST, "cli/pahole/main.js")) && existsSync(join(DIST, "btf/merge-split.js")),
  "npm run build",
);
const onPath = (name) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim() || undefined;
for (const tool of ["objcopy", "gcc", "make", "sh"])
  need(`${tool} on PATH`, onPath(tool), "apt-get install binutils gcc make");
const autoConfHeaders = firstExisting(`linux-7.3-cloud-headers/usr/src/${HEADERS}/include/config/auto.conf`);
if (missing.length) {
  console.error(`gen-btf-73: missing inputs:\n  - ${missing.join("\n  - ")}`);
  process.exit(1);
}
const version = (bin) => {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return r.status === 0
    ? r.stdout.trim()
    : `(--version failed: exit ${r.status} ${(r.stderr || r.error?.message || "").trim().split("\n")[0]})`;
};
const versions = { pahole: version(paholeBin), btfkit: version(btfkitPahole) };
if (versions.pahole !== "v1.30") {
  console.error(
    `gen-btf-73: ${paholeBin} --version says ${versions.pahole}, not v1.30: scripts/fetch-debian-kernel.sh 7.3`,
  );
  process.exit(1);
}
const hasTime = existsSync("/usr/bin/time");

const { loadBtf } = await distModule("io/load-btf.js");
const { parseBtf } = await distModule("btf/reader.js");
const { diffBtf } = await distModule("diff/index.js");
const { CanonicalForms } = await distModule("diff/canonical.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { writeBtf } = await distModule("btf/write.js");
const { BTF_KIND, kindName } = await distModule("btf/kinds.js");
const { dedupBtf } = await distModule("dedup/dedup.js");
const { ElfFile, ET } = await distModule("elf/elf-file.js");
const { readSymbols } = await distModule("elf/symbols.js");

const git = (...a) => spawnSync("git", ["-C", REPO, ...a], { encoding: "utf8" }).stdout ?? "";
const provenance = {
  head: git("rev-parse", "--short", "HEAD").trim(),
  dirtySrc: git("status", "--porcelain", "src").split("\n").filter(Boolean),
};

// ---- the work tree: objtree with include/config/auto.conf and vmlinux ----
const work = mkdtempSync(join(tmpdir(), "gen-btf-73-"));
const objtree = join(work, "objtree");
mkdirSync(join(objtree, "include/config"), { recursive: true });
const autoConf = join(objtree, "include/config/auto.conf");
let autoConfFrom;
if (autoConfHeaders) {
  copyFileSync(autoConfHeaders, autoConf);
  autoConfFrom = autoConfHeaders;
} else {
  // What gen-btf.sh (is_enabled CONFIG_CPU_BIG_ENDIAN) and Makefile.btf read, as Debian 7.3.4's .config has it.
  writeFileSync(
    autoConf,
    "CONFIG_DEBUG_INFO_BTF=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_PAHOLE_VERSION=130\nCONFIG_PAHOLE_HAS_LANG_EXCLUDE=y\nCONFIG_RUST=y\n",
  );
  autoConfFrom = `written here (the ${HEADERS} package is not in .cache; scripts/trixie.sh fetch .cache/linux-7.3-cloud-headers ${HEADERS} gets Debian's)`;
}
const cleanup = () => {
  if (!keep) rmSync(work, { recursive: true, force: true });
};
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

// PAHOLE_FLAGS / RESOLVE_BTFIDS_FLAGS from Debian's Makefile.btf, computed by make -j2.
const mk = join(work, "flags.mk");
writeFileSync(
  mk,
  [
    `include ${autoConf}`,
    `include ${join(scripts, "Kbuild.include")}`,
    `include ${join(scripts, "Makefile.btf")}`,
    ".PHONY: flags",
    "flags:",
    "\t@printf '%s\\n' '$(PAHOLE_FLAGS)' '$(RESOLVE_BTFIDS_FLAGS)'",
    "",
  ].join("\n"),
);
const makeVersion = /GNU Make (\d+)\.(\d+)/.exec(spawnSync("make", ["--version"], { encoding: "utf8" }).stdout ?? "");
const make44 =
  makeVersion && (Number(makeVersion[1]) > 4 || (Number(makeVersion[1]) === 4 && Number(makeVersion[2]) >= 4));
const makeArgv = [
  "-s",
  "-j2",
  "-f",
  mk,
  "flags",
  `KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP}`,
  ...(make44 ? [] : ["MAKEFLAGS=-j2"]),
];
const mkEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/root", LANG: "C" };
const mr = spawnSync("make", makeArgv, { encoding: "utf8", cwd: work, env: mkEnv });
const [PAHOLE_FLAGS, RESOLVE_BTFIDS_FLAGS] = (mr.stdout ?? "").split("\n");
if (mr.status !== 0 || PAHOLE_FLAGS !== EXPECTED_FLAGS || RESOLVE_BTFIDS_FLAGS !== "") {
  console.error(
    `gen-btf-73: Makefile.btf gave PAHOLE_FLAGS='${PAHOLE_FLAGS}' RESOLVE_BTFIDS_FLAGS='${RESOLVE_BTFIDS_FLAGS}' (make exit ${mr.status}: ${(mr.stderr ?? "").trim()})\n  expected PAHOLE_FLAGS='${EXPECTED_FLAGS}' and empty RESOLVE_BTFIDS_FLAGS`,
  );
  process.exit(1);
}

const vmlinux = join(objtree, "vmlinux");
const tc0 = Date.now();
copyFileSync(kernel.vmlinux, vmlinux);
const copyS = (Date.now() - tc0) / 1000;
const vmSize = statSync(vmlinux).size;

// ---- running gen-btf.sh ----
const ENCODERS = { pahole: paholeBin, btfkit: btfkitPahole };
const LABEL = { pahole: "pahole 1.30", btfkit: "btfkit-pahole" };
const shims = {};
for (const [name, bin] of Object.entries(ENCODERS)) {
  const log = join(work, `${name}.time`);
  const shim = join(work, `${name}-pahole`);
  writeFileSync(
    shim,
    `#!/bin/sh\nprintf '%s\\n' "$*" > '${log}.argv'\nexec ${hasTime ? `/usr/bin/time -o '${log}' -f '@@TIME %e %U %S %M' ` : ""}'${bin}' "$@"\n`,
    { mode: 0o755 },
  );
  shims[name] = { shim, log };
}
const genBtf = join(scripts, "gen-btf.sh");
const envFor = (enc) => ({
  PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
  HOME: process.env.HOME ?? "/root",
  LANG: "C",
  srctree: dirname(scripts),
  objtree: ".",
  CONFIG_SHELL: "sh",
  KBUILD_BUILD_TIMESTAMP,
  PAHOLE: useShim ? shims[enc].shim : ENCODERS[enc],
  PAHOLE_FLAGS,
  RESOLVE_BTFIDS: resolveBtfids,
  RESOLVE_BTFIDS_FLAGS,
  OBJCOPY: "objcopy",
  CC: "gcc",
  CLANG_FLAGS: "",
  KBUILD_CPPFLAGS: "",
  KBUILD_CFLAGS: "",
});
/** `sh scripts/gen-btf.sh [--btf_base ./vmlinux] ELF` in objtree; wall times of the script and of the encoder. */
function runGenBtf(enc, elf, base) {
  const { log } = shims[enc];
  rmSync(log, { force: true });
  rmSync(log + ".argv", { force: true });
  const argv = [genBtf, ...(base ? ["--btf_base", base] : []), elf];
  const t0 = process.hrtime.bigint();
  const r = spawnSync("sh", argv, { cwd: objtree, env: envFor(enc), encoding: "utf8", maxBuffer: 1 << 26 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  let encoder;
  if (useShim && existsSync(log)) {
    const m = /@@TIME (\S+) (\S+) (\S+) (\d+)/.exec(readFileSync(log, "utf8"));
    if (m) encoder = { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), rssMB: Number(m[4]) / 1024 };
  }
  const encArgs = useShim && existsSync(log + ".argv") ? readFileSync(log + ".argv", "utf8").trim() : undefined;
  const stderr = (r.stderr ?? "") + (r.error ? String(r.error.message) : "");
  const warnings = stderr
    .split("\n")
    .filter((l) => /WARN/.test(l))
    .map((l) => l.trim());
  return { status: r.error ? -1 : r.status, wallS, encoder, encArgs, stderr, warnings, stdout: r.stdout ?? "" };
}

// ---- reading results ----
function elfSections(path, names) {
  const elf = ElfFile.open(path);
  try {
    const out = { type: elf.header.type };
    for (const n of names) {
      const s = elf.section(n);
      out[n] = s ? { bytes: elf.sectionBytes(s), flags: s.flags } : undefined;
    }
    return out;
  } finally {
    elf.close();
  }
}

const BTF_ID_KINDS = { struct: BTF_KIND.STRUCT, union: BTF_KIND.UNION, typedef: BTF_KIND.TYPEDEF, func: BTF_KIND.FUNC };
/**
 * The __BTF_ID__* symbols of `elfPath`'s .BTF_ids: singles [{offset, kind, name}] and sets [{name, kind8, offset,
 * members: ["func foo", …]}], the sets' members being the symbols inside them (resolve_btfids sorts a set's ids, so
 * the symbols no longer sit on their own ids). Undefined when there is no .BTF_ids.
 */
function btfIdSymbols(elfPath) {
  const elf = ElfFile.open(elfPath);
  try {
    const sec = elf.section(".BTF_ids");
    const syms = sec && readSymbols(elf);
    if (!sec || !syms) return undefined;
    const rel = elf.header.type === ET.REL;
    const all = [];
    for (let i = 0; i < syms.count; i++) {
      if (syms.shndx[i] !== sec.index) continue;
      const name = syms.name(i);
      const m = /^__BTF_ID__([a-z0-9]+)__(.+?)(?:__\d+)?$/.exec(name);
      if (!m) continue;
      const offset = Number(rel ? syms.valueBig(i) : syms.valueBig(i) - sec.addrBig);
      all.push({ offset, kind: m[1], name: m[2], size: syms.size(i) });
    }
    all.sort((a, b) => a.offset - b.offset);
    // As resolve_btfids: a set's count is its symbol's size (in ids, or id+flags pairs for set8) less the header.
    const sets = all
      .filter((s) => s.kind === "set" || s.kind === "set8")
      .map((s) => {
        const step = s.kind === "set8" ? 8 : 4;
        const cnt = Math.max(0, s.size / step - 1);
        return { ...s, cnt, step, start: s.offset + step, end: s.offset + step + cnt * step, members: [] };
      });
    const singles = [];
    for (const s of all) {
      if (s.kind === "set" || s.kind === "set8") continue;
      const set = sets.find((x) => s.offset >= x.start && s.offset < x.end);
      if (set) set.members.push(s);
      else singles.push(s);
    }
    return { all, sets, singles, size: sec.size, fileOffset: sec.offset };
  } finally {
    elf.close();
  }
}
/** "kind:name" -> the first id of that kind and name from id 1 up (base ids first), as resolve_btfids resolves. */
const firstIds = new WeakMap();
function firstIdMap(btf) {
  let m = firstIds.get(btf);
  if (m) return m;
  m = btf.base ? new Map(firstIdMap(btf.base)) : new Map();
  for (let id = btf.startId; id < btf.endId; id++) {
    const key = `${btf.kind(id)}:${btf.name(id)}`;
    if (!m.has(key)) m.set(key, id);
  }
  firstIds.set(btf, m);
  return m;
}
/**
 * Put the .BTF_ids section of `path` (in place) back to what the linker left before resolve_btfids patched it: the
 * dbg package's vmlinux and modules are final, their BTF_IDs filled in with ids of `finalBtf` (the shipped .BTF) and
 * every set sorted by id, so a set8's {id, flags} pairs no longer sit on the __BTF_ID__func__ symbols they belong to,
 * and resolve_btfids, which reads a kfunc's flags at its symbol, would mix them up ("kfunc … has inconsistent flags").
 * Ids and set counts become 0; each set8 member gets back its own flags, found through its id in `finalBtf`.
 * Returns {singles, sets, members, unmatched: [names]}.
 */
function unpatchBtfIds(path, finalBtf) {
  const info = btfIdSymbols(path);
  if (!info) return undefined;
  const elf = ElfFile.open(path);
  let data;
  try {
    data = new Uint8Array(elf.sectionBytes(elf.section(".BTF_ids")));
  } finally {
    elf.close();
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ids = firstIdMap(finalBtf);
  const r = { singles: info.singles.length, sets: info.sets.length, members: 0, unmatched: [] };
  for (const s of info.singles) if (s.offset + 4 <= data.length) dv.setUint32(s.offset, 0, true);
  for (const set of info.sets) {
    if (set.end > data.length) {
      r.unmatched.push(`${set.kind} ${set.name}: past the end of .BTF_ids`);
      continue;
    }
    const pairs = [];
    if (set.kind === "set8")
      for (let i = 0; i < set.cnt; i++)
        pairs.push({ id: dv.getUint32(set.start + 8 * i, true), flags: dv.getUint32(set.start + 8 * i + 4, true) });
    dv.setUint32(set.offset, 0, true); // cnt (a set8 keeps its flags word)
    data.fill(0, set.start, set.end);
    for (const m of set.members) {
      r.members++;
      if (set.kind !== "set8") continue;
      const id = ids.get(`${BTF_ID_KINDS[m.kind]}:${m.name}`) ?? 0;
      const i = pairs.findIndex((p) => p.id === id);
      if (i < 0) {
        r.unmatched.push(`${m.kind} ${m.name} (${set.name})`);
        continue;
      }
      dv.setUint32(m.offset + 4, pairs[i].flags, true);
      pairs.splice(i, 1);
    }
  }
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, data, 0, data.length, info.fileOffset);
  } finally {
    closeSync(fd);
  }
  return r;
}

/**
 * Check a .BTF_ids blob against the symbols: every single must hold the id of a type of its kind and name; every set
 * must hold (as a multiset) the ids of its members. Returns {symbols, ok, unresolved, wrong, examples, resolved}, where
 * `resolved` lists "symbol -> kind name" per single and "set name: sorted members" per set, for comparing encoders.
 */
function checkBtfIds(info, blob, btf) {
  const r = { symbols: 0, ok: 0, unresolved: 0, wrong: 0, examples: [], resolved: [] };
  if (!info) return undefined;
  if (!blob) {
    r.noBlob = true;
    r.examples.push("no .BTF_ids data written");
    return r;
  }
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u32 = (o) => (o + 4 <= blob.length ? dv.getUint32(o, true) : 0);
  const describe = (id) =>
    id === 0
      ? "0 (unresolved)"
      : btf.hasId(id)
        ? `${kindName(btf.kind(id)).toLowerCase()} ${btf.name(id)}`
        : `<bad id ${id}>`;
  const { sets, singles } = info;
  const judge = (sym, id) => {
    r.symbols++;
    const want = BTF_ID_KINDS[sym.kind];
    if (id === 0) {
      r.unresolved++;
      if (r.examples.length < 10) r.examples.push(`unresolved ${sym.kind} ${sym.name}`);
    } else if (btf.hasId(id) && btf.kind(id) === want && btf.name(id) === sym.name) r.ok++;
    else {
      r.wrong++;
      if (r.examples.length < 10) r.examples.push(`${sym.kind} ${sym.name} holds ${describe(id)}`);
    }
  };
  for (const s of singles) {
    const id = u32(s.offset);
    judge(s, id);
    r.resolved.push(`${s.kind} ${s.name} -> ${describe(id)}`);
  }
  for (const set of sets) {
    const got = [];
    for (let i = 0; i < set.cnt; i++) got.push(u32(set.start + i * set.step));
    const byName = new Map();
    for (const id of got) {
      const key = id !== 0 && btf.hasId(id) ? `${btf.kind(id)}:${btf.name(id)}` : `0:${id}`;
      byName.set(key, (byName.get(key) ?? 0) + 1);
    }
    for (const m of set.members) {
      const key = `${BTF_ID_KINDS[m.kind]}:${m.name}`;
      const n = byName.get(key) ?? 0;
      r.symbols++;
      if (n > 0) {
        byName.set(key, n - 1);
        r.ok++;
      } else {
        const zero = byName.get("0:0") ?? 0;
        if (zero > 0) {
          byName.set("0:0", zero - 1);
          r.unresolved++;
          if (r.examples.length < 10) r.examples.push(`unresolved ${m.kind} ${m.name} (in ${set.kind} ${set.name})`);
        } else {
          r.wrong++;
          if (r.examples.length < 10)
            r.examples.push(`${m.kind} ${m.name} not among the ids of ${set.kind} ${set.name}`);
        }
      }
    }
    r.resolved.push(`${set.kind} ${set.name}: ${got.map(describe).sort().join(", ")}`);
  }
  return r;
}

const sameBytes = (a, b) =>
  !!a &&
  !!b &&
  a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
const verdictOf = (btf) =>
  oracleWhy ? { unavailable: oracleWhy } : kernelVerdict(writeBtf(btf.base ? mergeSplitBtf(btf) : btf));
const oracleWhy = oracleUnavailable();

/** Canonical forms of every root of `btf` from `from` to `to` as a Set of "key\0form". */
function rootForms(btf, from, to) {
  const c = new CanonicalForms(btf);
  const set = new Set();
  for (let id = from; id < to; id++) if (c.isRoot(id)) set.add(c.rootKey(id) + "\u0000" + c.rootForm(id));
  return set;
}
/** Coverage of A's own roots by B's own roots or the common base's: {roots, found, notFound: [key]}. */
function coverage(a, bOwn, baseForms, keepN) {
  const c = new CanonicalForms(a);
  const r = { roots: 0, found: 0, notFound: [] };
  for (let id = a.startId; id < a.endId; id++) {
    if (!c.isRoot(id)) continue;
    r.roots++;
    const key = c.rootKey(id);
    const f = key + "\u0000" + c.rootForm(id);
    if (bOwn.has(f) || baseForms.has(f)) r.found++;
    else if (r.notFound.length < keepN) r.notFound.push(key);
  }
  return r;
}
const diffOpts = { examples: nExamples };
const addDiff = (t, a, b, label) => {
  const d = diffBtf(a, b, diffOpts);
  t.add(d, label, {
    typesA: kindCounts(a, kindName),
    typesB: kindCounts(b, kindName),
    datasecs: compareDatasecs(datasecEntries(a, BTF_KIND.DATASEC), datasecEntries(b, BTF_KIND.DATASEC)),
  });
  return d;
};
const rootTotals = (d) => {
  const t = { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 };
  for (const row of d.kinds) for (const f of Object.keys(t)) t[f] += row[f];
  return t;
};
const f1 = (x) => (x === undefined ? "-" : x.toFixed(1));
const f2 = (x) => (x === undefined ? "-" : x.toFixed(2));
const yn = (b) => (b === undefined ? "-" : b ? "yes" : "NO");
const vShort = (v) => (!v ? "-" : v.unavailable ? "n/a" : v.accepted ? "ok" : "REJ");

const blobDir = join(OUT, "gen-btf-73");
mkdirSync(join(blobDir, "modules"), { recursive: true });

console.log(
  `gen-btf-73: Debian 7.3.4's scripts/gen-btf.sh with PAHOLE=btfkit-pahole (${versions.btfkit}) and PAHOLE=pahole 1.30 (${versions.pahole})`,
);
console.log(`  gen-btf.sh       ${genBtf}`);
console.log(
  `  PAHOLE_FLAGS     ${PAHOLE_FLAGS}   (Makefile.btf, make -j2${make44 ? "" : " with MAKEFLAGS=-j2: make < 4.4"}, KBUILD_BUILD_TIMESTAMP set)`,
);
console.log(`  RESOLVE_BTFIDS   ${resolveBtfids} (flags: '${RESOLVE_BTFIDS_FLAGS}')`);
console.log(
  `  OBJCOPY=objcopy CC=gcc, objtree=. with include/config/auto.conf ${autoConfFrom === autoConfHeaders ? `from ${HEADERS}` : autoConfFrom}`,
);
console.log(
  `  pahole 1.30      ${paholeBin}\n  btfkit-pahole    ${btfkitPahole}${useShim ? `   (each through a timing shim: ${hasTime ? "/usr/bin/time" : "no /usr/bin/time: encoder not timed"})` : ""}`,
);
console.log(
  `  vmlinux          copy of ${kernel.vmlinux} (${(vmSize / 1e6).toFixed(0)} MB, ${copyS.toFixed(1)} s) in ${objtree}`,
);
console.log(
  `  btfkit           ${provenance.head}${provenance.dirtySrc.length ? ` + uncommitted src changes in the work tree: ${provenance.dirtySrc.map((l) => l.slice(3)).join(", ")}` : ""}`,
);
if (oracleWhy) console.log(`SKIP: kernel verdicts: ${oracleWhy}`);

const debBase = loadBtf(vmlinux);
const baseVerdict = verdictOf(debBase);
console.log(`  base: Debian's vmlinux .BTF, ${debBase.count} types; kernel verdict: ${verdictText(baseVerdict)}`);
const json = {
  kernel: k.release,
  provenance,
  versions,
  genBtf,
  PAHOLE_FLAGS,
  RESOLVE_BTFIDS_FLAGS,
  autoConf: autoConfFrom,
  shim: useShim,
  baseTypes: debBase.count,
  baseVerdict,
  modules: undefined,
  vmlinux: undefined,
};
let failures = 0;

// ---- modules ----
const all = listModules(kernel.modulesDir);
const mods = all
  .filter((p) => !match || relative(kernel.modulesDir, p).includes(match))
  .filter((_, i) => i % sample === 0)
  .slice(0, limit);
console.log(
  `\nmodules: ${mods.length} of ${all.length} (${match ? `paths containing '${match}', ` : ""}every ${sample === 1 ? "" : `${sample}-th `}module of the sorted list${limit < Infinity ? `, first ${limit}` : ""})`,
);
const T = { raw: new DiffTotals(nExamples), redup: new DiffTotals(nExamples) };
const cov = { pInB: { roots: 0, found: 0, notFound: [] }, bInP: { roots: 0, found: 0, notFound: [] } };
let baseForms;
const rows = [];
const tm0 = Date.now();
if (mods.length) baseForms = rootForms(debBase, 1, debBase.endId);
const firstArgs = {};
for (const [n, ko] of mods.entries()) {
  const rel = relative(kernel.modulesDir, ko);
  const short = rel.replace(/^kernel\//, "").replace(/\.ko$/, "");
  const stripped = join(work, "stripped.ko");
  const oc = spawnSync("objcopy", ["--remove-section", ".BTF", "--remove-section", ".BTF.base", ko, stripped], {
    encoding: "utf8",
  });
  if (oc.status !== 0) {
    console.error(`gen-btf-73: objcopy --remove-section .BTF ${ko} failed: ${oc.stderr}`);
    process.exit(1);
  }
  const deb = elfSections(ko, [".BTF", ".BTF_ids"]);
  const unpatched = deb[".BTF_ids"] ? unpatchBtfIds(stripped, loadBtf(ko, { base: debBase })) : undefined;
  const res = {};
  const order = n % 2 ? ["btfkit", "pahole"] : ["pahole", "btfkit"];
  for (const enc of order) {
    const target = join(objtree, rel);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(stripped, target);
    const r = runGenBtf(enc, rel, "./vmlinux");
    firstArgs[enc] ??= r.encArgs;
    if (r.status === 0) {
      const s = elfSections(target, [".BTF", ".BTF_ids", ".BTF.base"]);
      r.btfBytes = s[".BTF"]?.bytes;
      r.idsBytes = s[".BTF_ids"]?.bytes;
      r.hasBtfBase = !!s[".BTF.base"];
      r.idInfo = btfIdSymbols(target);
      if (r.btfBytes) writeFileSync(join(blobDir, "modules", `${basename(rel, ".ko")}.${enc}.btf`), r.btfBytes);
    } else {
      failures++;
    }
    rmSync(target, { force: true });
    res[enc] = r;
  }
  const row = {
    module: rel,
    exit: {},
    types: {},
    wall: {},
    encoderWall: {},
    encoderCpu: {},
    verdict: {},
    warnings: {},
    btfIds: {},
    unpatched,
  };
  const btfs = {};
  for (const enc of ["pahole", "btfkit"]) {
    const r = res[enc];
    row.exit[enc] = r.status;
    row.wall[enc] = r.wallS;
    row.encoderWall[enc] = r.encoder?.wallS;
    row.encoderCpu[enc] = r.encoder?.cpuS;
    row.warnings[enc] = r.warnings;
    if (r.status !== 0) row[`${enc}Failure`] = r.stderr.trim().split("\n").slice(-6).join("\n");
    if (r.status !== 0 || !r.btfBytes) continue;
    try {
      btfs[enc] = parseBtf(r.btfBytes, { base: debBase, file: `${rel} (${enc})`, section: ".BTF" });
      row.types[enc] = btfs[enc].count;
      row.verdict[enc] = verdictOf(btfs[enc]);
      row.btfIds[enc] = checkBtfIds(r.idInfo, r.idsBytes, btfs[enc]);
    } catch (e) {
      row[`${enc}Failure`] = `reading its .BTF: ${e.message}`;
      failures++;
    }
  }
  row.btfIdentical = sameBytes(res.pahole.btfBytes, res.btfkit.btfBytes);
  row.btfIdsIdentical =
    res.pahole.idsBytes || res.btfkit.idsBytes ? sameBytes(res.pahole.idsBytes, res.btfkit.idsBytes) : undefined;
  row.paholeIsDebian = res.pahole.btfBytes ? sameBytes(res.pahole.btfBytes, deb[".BTF"]?.bytes) : undefined;
  row.paholeIdsIsDebian = res.pahole.idsBytes ? sameBytes(res.pahole.idsBytes, deb[".BTF_ids"]?.bytes) : undefined;
  row.btfkitIsDebian = res.btfkit.btfBytes ? sameBytes(res.btfkit.btfBytes, deb[".BTF"]?.bytes) : undefined;
  if (row.btfIds.pahole && row.btfIds.btfkit) {
    const a = row.btfIds.pahole.resolved,
      b = row.btfIds.btfkit.resolved;
    row.btfIdsSameMeaning = a.length === b.length && a.every((x, i) => x === b[i]);
    if (!row.btfIdsSameMeaning) row.btfIdsFirstDifference = a.map((x, i) => [x, b[i]]).find(([x, y]) => x !== y);
  }
  row.extraWarnings = row.warnings.btfkit.filter((w) => !row.warnings.pahole.includes(w));
  if (btfs.pahole && btfs.btfkit) {
    const d = addDiff(T.raw, btfs.pahole, btfs.btfkit, short);
    row.diff = { equal: d.equal, ...rootTotals(d), perKind: d.kinds.map(({ examples, ...c }) => c) };
    const redup = dedupBtf(parseBtf(res.pahole.btfBytes.slice(), { base: debBase }), { consumeInput: true }).btf;
    row.types.paholeRedup = redup.count;
    const d2 = addDiff(T.redup, redup, btfs.btfkit, short);
    row.diffRedup = { equal: d2.equal, ...rootTotals(d2) };
    const pOwn = rootForms(btfs.pahole, btfs.pahole.startId, btfs.pahole.endId);
    const bOwn = rootForms(btfs.btfkit, btfs.btfkit.startId, btfs.btfkit.endId);
    const c1 = coverage(btfs.pahole, bOwn, baseForms, nExamples),
      c2 = coverage(btfs.btfkit, pOwn, baseForms, nExamples);
    row.coverage = {
      paholeInBtfkit: { roots: c1.roots, found: c1.found, notFound: c1.notFound },
      btfkitInPahole: { roots: c2.roots, found: c2.found, notFound: c2.notFound },
    };
    for (const [tot, c] of [
      [cov.pInB, c1],
      [cov.bInP, c2],
    ]) {
      tot.roots += c.roots;
      tot.found += c.found;
      for (const x of c.notFound) if (tot.notFound.length < nExamples) tot.notFound.push(`${short}: ${x}`);
    }
  }
  rows.push(row);
  if ((n + 1) % 10 === 0 || n + 1 === mods.length)
    process.stderr.write(`  ${n + 1}/${mods.length} modules, ${((Date.now() - tm0) / 1000).toFixed(0)} s\n`);
}

if (mods.length) {
  console.log(`\ncommand lines gen-btf.sh made (first module):`);
  for (const enc of ["pahole", "btfkit"])
    if (firstArgs[enc]) console.log(`  ${LABEL[enc].padEnd(14)} PAHOLE -J ${firstArgs[enc].replace(/^-J /, "")}`);
  const w = Math.max(24, ...rows.map((r) => r.module.replace(/^kernel\//, "").replace(/\.ko$/, "").length)) + 1;
  console.log(
    `\nper module (p = pahole 1.30, b = btfkit-pahole; both through gen-btf.sh on Debian's vmlinux; roots by meaning, pahole = A)`,
  );
  console.log(
    `  ${"module".padEnd(w)} ${"exit p/b".padStart(8)} ${"types p/b".padStart(12)} ${"roots p/b".padStart(11)} ${"match".padStart(6)} ${"onlyP".padStart(5)} ${"onlyB".padStart(5)} ${"chg".padStart(3)}` +
      ` ${"redup".padStart(6)} ${"cov p>b".padStart(8)} ${"cov b>p".padStart(8)} ${"bytes".padStart(5)} ${"ids".padStart(4)} ${"kern b/p".padStart(8)} ${"enc s p/b".padStart(10)} ${"gen s p/b".padStart(10)} warn`,
  );
  for (const r of rows) {
    const d = r.diff,
      c = r.coverage;
    const covTxt = (x) => (x ? `${x.found}/${x.roots}` : "-");
    console.log(
      `  ${r.module
        .replace(/^kernel\//, "")
        .replace(/\.ko$/, "")
        .padEnd(
          w,
        )} ${`${r.exit.pahole}/${r.exit.btfkit}`.padStart(8)} ${`${r.types.pahole ?? "-"}/${r.types.btfkit ?? "-"}`.padStart(12)}` +
        ` ${d ? `${d.inA}/${d.inB}`.padStart(11) : "-".padStart(11)} ${String(d?.matched ?? "-").padStart(6)} ${String(d?.onlyInA ?? "-").padStart(5)} ${String(d?.onlyInB ?? "-").padStart(5)} ${String(d?.changed ?? "-").padStart(3)}` +
        ` ${(r.diffRedup ? (r.diffRedup.equal ? "equal" : `${r.diffRedup.onlyInA}/${r.diffRedup.onlyInB}/${r.diffRedup.changed}`) : "-").padStart(6)}` +
        ` ${covTxt(c?.paholeInBtfkit).padStart(8)} ${covTxt(c?.btfkitInPahole).padStart(8)} ${yn(r.btfIdentical).padStart(5)} ${(r.btfIdsSameMeaning === undefined ? "-" : r.btfIdsSameMeaning ? "same" : "DIFF").padStart(4)}` +
        ` ${`${vShort(r.verdict.btfkit)}/${vShort(r.verdict.pahole)}`.padStart(8)} ${`${f1(r.encoderWall.pahole)}/${f1(r.encoderWall.btfkit)}`.padStart(10)} ${`${f1(r.wall.pahole)}/${f1(r.wall.btfkit)}`.padStart(10)}` +
        ` ${r.warnings.pahole.length}/${r.warnings.btfkit.length}`,
    );
  }
  console.log(
    "  (redup: pahole's split re-deduplicated against the base by btfkit's dedup vs btfkit's: 'equal' or onlyP/onlyB/changed;",
  );
  console.log(
    "   cov p>b: pahole's roots whose canonical form is in btfkit's split or the base, and b>p the other way; bytes: .BTF byte-identical;",
  );
  console.log(
    "   ids: every BTF_ID of .BTF_ids names the same type with both; kern: BPF_BTF_LOAD of split+base; warn: resolve_btfids WARN lines p/b)",
  );
  for (const r of rows) {
    for (const enc of ["pahole", "btfkit"])
      if (r[`${enc}Failure`])
        console.log(`  FAILED ${LABEL[enc]} on ${r.module}:\n      ${r[`${enc}Failure`].replace(/\n/g, "\n      ")}`);
    if (r.btfIdsFirstDifference)
      console.log(
        `  .BTF_ids differ in meaning on ${r.module}: pahole ${r.btfIdsFirstDifference[0]} | btfkit ${r.btfIdsFirstDifference[1]}`,
      );
    for (const enc of ["pahole", "btfkit"]) {
      const x = r.btfIds[enc];
      if (x && (x.unresolved || x.wrong || x.noBlob))
        console.log(
          `  .BTF_ids of ${LABEL[enc]} on ${r.module}: ${x.unresolved} unresolved, ${x.wrong} wrong of ${x.symbols}: ${x.examples.join("; ")}`,
        );
      const v = r.verdict[enc];
      if (v && v.accepted === false) console.log(`  REJECTED by the kernel (${LABEL[enc]}) ${r.module}: ${v.reason}`);
    }
    if (r.unpatched?.unmatched.length)
      console.log(
        `  ${r.module}: restoring .BTF_ids, ${r.unpatched.unmatched.length} set8 members not matched: ${r.unpatched.unmatched.slice(0, 5).join(", ")}`,
      );
    if (r.extraWarnings.length)
      console.log(
        `  resolve_btfids warned only with btfkit-pahole on ${r.module}: ${r.extraWarnings.slice(0, 5).join(" | ")}`,
      );
  }

  printParity(
    `btfkit-pahole vs pahole 1.30 through gen-btf.sh (after resolve_btfids), split on the same base (Debian's vmlinux .BTF), ${T.raw.n} modules`,
    T.raw,
    { a: "pahole", b: "btfkit", listOthers: 5 },
  );
  printParity(
    `the same with pahole's split re-deduplicated against the base by btfkit's dedup (pahole 1.30's libbpf leaves base re-definitions that resolve_btfids' btf__dedup keeps), ${T.redup.n} modules`,
    T.redup,
    { a: "pahole", b: "btfkit", listOthers: 5 },
  );
  console.log(`\ncoverage (a root's canonical form found in the other side's split BTF or in the common base):`);
  console.log(
    `  pahole's roots found with btfkit's:  ${cov.pInB.found}/${cov.pInB.roots} (${pct(cov.pInB.found, cov.pInB.roots)}%)`,
  );
  for (const x of cov.pInB.notFound) console.log(`      not found: ${x}`);
  console.log(
    `  btfkit's roots found with pahole's:  ${cov.bInP.found}/${cov.bInP.roots} (${pct(cov.bInP.found, cov.bInP.roots)}%)`,
  );
  for (const x of cov.bInP.notFound) console.log(`      not found: ${x}`);

  const sum = (f) => rows.reduce((x, r) => x + (f(r) ?? 0), 0);
  const count = (f) => rows.filter(f).length;
  const okBoth = count((r) => r.exit.pahole === 0 && r.exit.btfkit === 0);
  const verd = (enc) => ({
    accepted: count((r) => r.verdict[enc]?.accepted === true),
    rejected: count((r) => r.verdict[enc]?.accepted === false),
    asked: count((r) => r.verdict[enc] && !r.verdict[enc].unavailable),
  });
  const times = {
    pahole: {
      genBtfWallS: sum((r) => r.wall.pahole),
      encoderWallS: sum((r) => r.encoderWall.pahole),
      encoderCpuS: sum((r) => r.encoderCpu.pahole),
    },
    btfkit: {
      genBtfWallS: sum((r) => r.wall.btfkit),
      encoderWallS: sum((r) => r.encoderWall.btfkit),
      encoderCpuS: sum((r) => r.encoderCpu.btfkit),
    },
  };
  const summary = {
    modules: rows.length,
    genBtfOk: { pahole: count((r) => r.exit.pahole === 0), btfkit: count((r) => r.exit.btfkit === 0), both: okBoth },
    equalByMeaning: count((r) => r.diff?.equal),
    equalByMeaningRedup: count((r) => r.diffRedup?.equal),
    btfByteIdentical: count((r) => r.btfIdentical),
    btfIdsByteIdentical: count((r) => r.btfIdsIdentical),
    btfIdsSameMeaning: count((r) => r.btfIdsSameMeaning),
    modulesWithBtfIds: count((r) => r.btfIdsSameMeaning !== undefined),
    paholeEqualsDebianBtf: count((r) => r.paholeIsDebian),
    paholeEqualsDebianBtfIds: count((r) => r.paholeIdsIsDebian),
    btfkitEqualsDebianBtf: count((r) => r.btfkitIsDebian),
    kernel: { btfkit: verd("btfkit"), pahole: verd("pahole") },
    btfIdsChecks: Object.fromEntries(
      ["pahole", "btfkit"].map((enc) => [
        enc,
        Object.fromEntries(["symbols", "ok", "unresolved", "wrong"].map((f) => [f, sum((r) => r.btfIds[enc]?.[f])])),
      ]),
    ),
    types: {
      pahole: sum((r) => r.types.pahole),
      paholeRedup: sum((r) => r.types.paholeRedup),
      btfkit: sum((r) => r.types.btfkit),
    },
    times,
    wallS: (Date.now() - tm0) / 1000,
    coverage: cov,
    parity: T.raw.total(),
    parityRedup: T.redup.total(),
  };
  console.log(`\nmodule summary (${rows.length} modules):`);
  console.log(
    `  gen-btf.sh exit 0: pahole ${summary.genBtfOk.pahole}/${rows.length}, btfkit-pahole ${summary.genBtfOk.btfkit}/${rows.length}`,
  );
  console.log(
    `  equal by meaning: ${summary.equalByMeaning}/${okBoth} as produced; ${summary.equalByMeaningRedup}/${okBoth} with pahole's re-deduplicated`,
  );
  console.log(
    `  byte-identical .BTF: ${summary.btfByteIdentical}/${okBoth}; .BTF_ids: ${summary.btfIdsByteIdentical}/${summary.modulesWithBtfIds}; .BTF_ids naming the same types: ${summary.btfIdsSameMeaning}/${summary.modulesWithBtfIds}`,
  );
  const ic = /** @type {Record<string, { symbols: number, ok: number, unresolved: number, wrong: number }>} */ (
    summary.btfIdsChecks
  );
  console.log(
    `  BTF_IDs (symbols in .BTF_ids) holding the id of their own type: pahole ${ic.pahole.ok}/${ic.pahole.symbols} (unresolved ${ic.pahole.unresolved}, wrong ${ic.pahole.wrong}), btfkit-pahole ${ic.btfkit.ok}/${ic.btfkit.symbols} (unresolved ${ic.btfkit.unresolved}, wrong ${ic.btfkit.wrong})`,
  );
  console.log(
    `  pahole 1.30's result = Debian's shipped module .BTF: ${summary.paholeEqualsDebianBtf}/${summary.genBtfOk.pahole} (.BTF_ids ${summary.paholeEqualsDebianBtfIds}); btfkit's = Debian's: ${summary.btfkitEqualsDebianBtf}`,
  );
  console.log(
    `  split types in all: pahole ${summary.types.pahole} (${summary.types.paholeRedup} re-deduplicated), btfkit ${summary.types.btfkit}`,
  );
  console.log(
    `  kernel (split merged with its base): btfkit-pahole ${summary.kernel.btfkit.accepted}/${summary.kernel.btfkit.asked} accepted, pahole ${summary.kernel.pahole.accepted}/${summary.kernel.pahole.asked}`,
  );
  console.log(`\nmodule timings (wall, sums over ${rows.length} modules; one gen-btf.sh per module and encoder)`);
  console.log(
    `  ${"".padEnd(16)} ${"encoder s".padStart(10)} ${"encoder cpu s".padStart(14)} ${"gen-btf.sh s".padStart(13)} ${"per module s".padStart(13)}`,
  );
  for (const enc of ["pahole", "btfkit"]) {
    const t = times[enc];
    console.log(
      `  ${LABEL[enc].padEnd(16)} ${f1(useShim ? t.encoderWallS : undefined).padStart(10)} ${f1(useShim ? t.encoderCpuS : undefined).padStart(14)} ${f1(t.genBtfWallS).padStart(13)} ${f2(t.genBtfWallS / rows.length).padStart(13)}`,
    );
  }
  const ratioTxt = (a, b) => (a && b ? (a / b).toFixed(2) + "x" : "-");
  console.log(
    `  ${"btfkit / pahole".padEnd(16)} ${ratioTxt(times.btfkit.encoderWallS, times.pahole.encoderWallS).padStart(10)} ${ratioTxt(times.btfkit.encoderCpuS, times.pahole.encoderCpuS).padStart(14)} ${ratioTxt(times.btfkit.genBtfWallS, times.pahole.genBtfWallS).padStart(13)}`,
  );
  console.log(
    `  whole module sample: ${summary.wallS.toFixed(0)} s (both encoders, copies, comparisons and kernel verdicts)`,
  );
  json.modules = {
    sample,
    limit: limit === Infinity ? null : limit,
    summary,
    perKindRaw: Object.fromEntries(T.raw.kinds),
    perKindRedup: Object.fromEntries(T.redup.kinds),
    typesPahole: T.raw.typesA,
    typesBtfkit: T.raw.typesB,
    rows,
  };
}

// ---- vmlinux ----
if (doVmlinux) {
  const elf = ".tmp_vmlinux1";
  const tmpElf = join(objtree, elf);
  copyFileSync(vmlinux, tmpElf);
  const unpatched = unpatchBtfIds(tmpElf, debBase);
  console.log(`\nvmlinux: sh gen-btf.sh ${elf} (vmlinux mode: ${elf}.btf.o and ${elf}.BTF_ids), once per encoder`);
  console.log(
    `  ${elf}: a copy of the dbg vmlinux with .BTF_ids put back as the linker left it (${unpatched.singles} single ids, ${unpatched.sets} sets with ${unpatched.members} members; set8 flags restored${unpatched.unmatched.length ? `, ${unpatched.unmatched.length} members NOT matched: ${unpatched.unmatched.slice(0, 5).join(", ")}` : ""})`,
  );
  const idInfo = btfIdSymbols(tmpElf);
  const debV = elfSections(kernel.vmlinux, [".BTF", ".BTF_ids"]);
  const V = {};
  for (const enc of ["pahole", "btfkit"]) {
    const r = runGenBtf(enc, elf);
    const v = {
      exit: r.status,
      wallS: r.wallS,
      encoder: r.encoder,
      command: r.encArgs && `PAHOLE -J ${r.encArgs.replace(/^-J /, "")}`,
      warnings: r.warnings,
    };
    console.log(
      `  ${LABEL[enc].padEnd(14)} exit ${r.status}; gen-btf.sh wall ${f1(r.wallS)} s${r.encoder ? `, encoder wall ${f1(r.encoder.wallS)} s, cpu ${f1(r.encoder.cpuS)} s, peak RSS ${r.encoder.rssMB.toFixed(0)} MB` : ""}; resolve_btfids warnings ${r.warnings.length}`,
    );
    if (r.encArgs) console.log(`      ${v.command}`);
    const btfO = join(objtree, `${elf}.btf.o`),
      idsF = join(objtree, `${elf}.BTF_ids`);
    if (r.status !== 0) {
      failures++;
      v.failure = r.stderr.trim().split("\n").slice(-6).join("\n");
      console.log(`  FAILED ${LABEL[enc]}:\n      ${v.failure.replace(/\n/g, "\n      ")}`);
    } else if (!existsSync(btfO)) {
      failures++;
      v.failure = `no ${elf}.btf.o`;
      console.log(`  FAILED ${LABEL[enc]}: gen-btf.sh exited 0 without ${elf}.btf.o`);
    } else {
      const s = elfSections(btfO, [".BTF"]);
      v.btfO = { eType: s.type, btfSectionFlags: s[".BTF"]?.flags };
      v.btfBytes = s[".BTF"]?.bytes;
      v.idsBytes = existsSync(idsF) ? new Uint8Array(readFileSync(idsF)) : undefined;
      if (v.btfBytes) writeFileSync(join(blobDir, `vmlinux.${enc}.btf`), v.btfBytes);
      renameSync(btfO, join(work, `${enc}${elf}.btf.o`));
      if (v.idsBytes) renameSync(idsF, join(work, `${enc}${elf}.BTF_ids`));
    }
    for (const left of [".BTF.1", ".BTF"]) if (existsSync(join(objtree, elf + left))) v[`left ${elf}${left}`] = true;
    V[enc] = v;
  }
  const vb = {};
  for (const enc of ["pahole", "btfkit"]) {
    const v = V[enc];
    if (!v.btfBytes) continue;
    try {
      vb[enc] = parseBtf(v.btfBytes, { file: `${elf}.btf.o (${enc})`, section: ".BTF" });
      v.types = vb[enc].count;
      v.verdict = verdictOf(vb[enc]);
      v.btfIds = checkBtfIds(idInfo, v.idsBytes, vb[enc]);
      v.equalsDebianBtf = sameBytes(v.btfBytes, debV[".BTF"]?.bytes);
      v.equalsDebianBtfIds = sameBytes(v.idsBytes, debV[".BTF_ids"]?.bytes);
    } catch (e) {
      failures++;
      v.failure = `reading its .BTF: ${e.message}`;
      console.log(`  FAILED ${LABEL[enc]}: ${v.failure}`);
    }
  }
  const out = { unpatched, pahole: V.pahole, btfkit: V.btfkit };
  if (vb.pahole && vb.btfkit) {
    const t = new DiffTotals(nExamples);
    const d = addDiff(t, vb.pahole, vb.btfkit, "");
    printParity(
      `vmlinux: btfkit-pahole vs pahole 1.30 through gen-btf.sh (${elf}.btf.o .BTF, after resolve_btfids)`,
      t,
      { a: "pahole", b: "btfkit", listOthers: 10 },
    );
    out.equalByMeaning = d.equal;
    out.parity = t.total();
    out.perKind = Object.fromEntries(t.kinds);
    out.btfByteIdentical = sameBytes(V.pahole.btfBytes, V.btfkit.btfBytes);
    out.btfIdsByteIdentical = sameBytes(V.pahole.idsBytes, V.btfkit.idsBytes);
    const a = V.pahole.btfIds?.resolved ?? [],
      b = V.btfkit.btfIds?.resolved ?? [];
    out.btfIdsSameMeaning = a.length === b.length && a.every((x, i) => x === b[i]);
    if (!out.btfIdsSameMeaning)
      out.btfIdsDifferences = a
        .map((x, i) => [x, b[i]])
        .filter(([x, y]) => x !== y)
        .slice(0, nExamples);
  }
  console.log(`\nvmlinux summary:`);
  console.log(
    `  ${"".padEnd(16)} ${"exit".padStart(4)} ${"types".padStart(8)} ${"encoder s".padStart(10)} ${"cpu s".padStart(7)} ${"RSS MB".padStart(7)} ${"gen-btf s".padStart(10)}  ${"= Debian .BTF".padStart(13)} ${"= Debian .BTF_ids".padStart(17)}  BTF_IDs ok/unres/wrong   kernel`,
  );
  for (const enc of ["pahole", "btfkit"]) {
    const v = V[enc];
    const ids = v.btfIds ? `${v.btfIds.ok}/${v.btfIds.unresolved}/${v.btfIds.wrong} of ${v.btfIds.symbols}` : "-";
    console.log(
      `  ${LABEL[enc].padEnd(16)} ${String(v.exit).padStart(4)} ${String(v.types ?? "-").padStart(8)} ${f1(v.encoder?.wallS).padStart(10)} ${f1(v.encoder?.cpuS).padStart(7)} ${(v.encoder ? v.encoder.rssMB.toFixed(0) : "-").padStart(7)} ${f1(v.wallS).padStart(10)}` +
        `  ${yn(v.equalsDebianBtf).padStart(13)} ${yn(v.equalsDebianBtfIds).padStart(17)}  ${ids.padEnd(23)} ${verdictText(v.verdict)}`,
    );
    if (v.btfIds && (v.btfIds.unresolved || v.btfIds.wrong || v.btfIds.noBlob))
      console.log(`      .BTF_ids: ${v.btfIds.examples.join("; ")}`);
    if (v.btfO && (v.btfO.eType !== 1 || !(v.btfO.btfSectionFlags & 2)))
      console.log(
        `      ${elf}.btf.o: e_type ${v.btfO.eType}, .BTF flags ${v.btfO.btfSectionFlags} (expected ET_REL and SHF_ALLOC)`,
      );
  }
  if (vb.pahole && vb.btfkit) {
    console.log(
      `  equal by meaning: ${yn(out.equalByMeaning)}; .BTF byte-identical: ${yn(out.btfByteIdentical)}; .BTF_ids byte-identical: ${yn(out.btfIdsByteIdentical)}; .BTF_ids naming the same types: ${yn(out.btfIdsSameMeaning)}`,
    );
    for (const [x, y] of out.btfIdsDifferences ?? []) console.log(`      .BTF_ids: pahole ${x} | btfkit ${y}`);
    const extra = V.btfkit.warnings.filter((w) => !V.pahole.warnings.includes(w));
    if (extra.length)
      console.log(
        `  resolve_btfids warned only with btfkit-pahole (${extra.length}): ${extra.slice(0, 10).join(" | ")}`,
      );
    const gone = V.pahole.warnings.filter((w) => !V.btfkit.warnings.includes(w));
    if (gone.length)
      console.log(`  resolve_btfids warned only with pahole (${gone.length}): ${gone.slice(0, 10).join(" | ")}`);
    const r = (a, b) => (a && b ? (a / b).toFixed(2) + "x" : "-");
    console.log(
      `  btfkit / pahole: encoder wall ${r(V.btfkit.encoder?.wallS, V.pahole.encoder?.wallS)}, cpu ${r(V.btfkit.encoder?.cpuS, V.pahole.encoder?.cpuS)}, RSS ${r(V.btfkit.encoder?.rssMB, V.pahole.encoder?.rssMB)}; gen-btf.sh wall ${r(V.btfkit.wallS, V.pahole.wallS)}`,
    );
  }
  for (const enc of ["pahole", "btfkit"]) {
    delete V[enc].btfBytes;
    delete V[enc].idsBytes;
    if (V[enc].btfIds) delete V[enc].btfIds.resolved;
  }
  json.vmlinux = out;
}

for (const r of json.modules?.rows ?? [])
  for (const enc of ["pahole", "btfkit"]) if (r.btfIds[enc]) delete r.btfIds[enc].resolved;
mkdirSync(dirname(jsonOut), { recursive: true });
json.failures = failures;
writeFileSync(jsonOut, JSON.stringify(json, null, 1));
console.log(
  `\nwrote ${jsonOut}${failures ? `; ${failures} gen-btf.sh run(s) FAILED` : ""}${keep ? `; work tree kept in ${work}` : ""}`,
);
if (failures) process.exitCode = 1;
