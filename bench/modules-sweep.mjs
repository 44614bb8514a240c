#!/usr/bin/env node
// Encode parity on the modules of a Debian kernel (issue 5), with the pahole of that kernel's build run side by side
// on every module:
//
//   node bench/modules-sweep.mjs [--kernel 6.1|7.3] [--sample N] [--limit N] [--shard I/N] [--jobs N] [--nested]
//                                [--no-pahole] [--no-kernel] [--lean] [--reuse-bases] [--examples N] [--json FILE]
//
// Build first (`npm run build`): btfkit runs from dist/ (bin/btfkit). The .ko files are taken in sorted path order;
// --sample N keeps every N-th (the first, the N+1-th, …), --shard I/N every N-th of those starting at I (run N of
// them in parallel and add the totals), --limit N the first N of what is left.
//
// Each module is encoded by both encoders as separate processes under /usr/bin/time, as a kernel build runs them
// (btfkit: `encode … --base BASE -j N`, N = --jobs, default 1; pahole with the kernel's flags plus --btf_base), and
// the sums of wall and CPU time (user+sys) and the largest peak RSS are printed with the ratio btfkit/pahole.
// - --kernel 6.1 (default): pahole 1.24 `-J --btf_gen_floats -j --lang_exclude=rust`; btfkit `--compat 1.24
//   --features default,-consistent_func`. Both split on Debian's vmlinux .BTF, which is pahole 1.24's own output, as
//   Debian's modules are. Tables: btfkit vs Debian's module .BTF (as before), btfkit vs pahole 1.24 run here.
//   --nested: also btfkit with nested arrays (in-process), raw and with nested-vs-flat arrays folded.
// - --kernel 7.3: pahole 1.30 with Debian 7.3.4's flags (`-J -j2 --btf_features=encode_force,var,float,enum64,
//   decl_tag,type_tag,optimized_func,consistent_func --btf_features=+reproducible_build --lang_exclude=rust`);
//   btfkit `--compat 1.30 --features +reproducible_build --lang-exclude rust`. First both encode the vmlinux
//   (bench/out/7.3/sweep-vmlinux.*.btf; --reuse-bases keeps earlier ones); pahole's modules split on pahole's
//   vmlinux, btfkit's on btfkit's, and the two are compared as sets (by meaning; references into the bases by
//   name). The same again with pahole's split re-deduplicated against its base by btfkit's dedup (as resolve_btfids'
//   btf__dedup does: trixie's pahole 1.30 leaves many base types in module BTF). Also btfkit's modules encoded
//   in-process on pahole's base (same base as pahole, the cleanest comparison) and on Debian's shipped base,
//   compared with Debian's module .BTF (which resolve_btfids rewrote).
// Kernel verdicts: each split BTF merged with its base (BPF_BTF_LOAD takes whole BTF only; src/btf/merge-split.ts)
// and loaded by test/oracle/btf-load.c; counts accepted / total per encoder and base.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  DIST,
  DiffTotals,
  OUT,
  PCT_KINDS,
  SIDE_KINDS,
  btfkitEncodeArgv,
  compareDatasecs,
  datasecEntries,
  distModule,
  findKernel,
  flattenNestedArrays,
  kernelFromArgs,
  kernelVerdict,
  kindCounts,
  listModules,
  oracleUnavailable,
  paholeVersion,
  pct,
  printParity,
  printTiming,
  runEncoder,
  timeText,
  verdictText,
  makeCoverage,
  printCoverage,
} from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const k = kernelFromArgs(args);
const found = findKernel(k);
if (!found) {
  console.log(
    `SKIP: modules-sweep --kernel ${k.id}: the ${k.title} debug package is not extracted (scripts/fetch-debian-kernel.sh ${k.id})`,
  );
  process.exit(0);
}
if (!existsSync(join(DIST, "btf/merge-split.js"))) {
  console.error("bench/modules-sweep.mjs: dist/ not built; run `npm run build` first");
  process.exit(1);
}
const limit = opt("--limit") !== undefined ? Number(opt("--limit")) : Infinity;
const sample = Number(opt("--sample") ?? 1);
const [shardI, shardN] = (opt("--shard") ?? "0/1").split("/").map(Number);
if (!(sample >= 1) || !(shardN >= 1) || !(shardI >= 0 && shardI < shardN) || !(limit >= 0)) {
  console.error("usage: --sample N (N ≥ 1), --shard I/N (0 ≤ I < N), --limit N (N ≥ 0)");
  process.exit(2);
}
const jobs = opt("--jobs") ?? "1";
const nested = args.includes("--nested");
const nExamples = Number(opt("--examples") ?? 20);
const useKernel = !args.includes("--no-kernel");
const usePahole = !args.includes("--no-pahole");
// --lean: for whole-kernel sweeps: no in-process re-encodes on the other bases, the kernel's verdict on btfkit's only.
const lean = args.includes("--lean");

const { loadBtf } = await distModule("io/load-btf.js");
const { diffBtf } = await distModule("diff/index.js");
const { encodeFile } = await distModule("encode/encode.js");
const { parseFeatures } = await distModule("encode/features.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { writeBtf } = await distModule("btf/write.js");
const { BTF_KIND, kindName } = await distModule("btf/kinds.js");
const { Btf } = await distModule("btf/btf.js");
const { dedupBtf } = await distModule("dedup/dedup.js");
const { CanonicalForms } = await distModule("diff/canonical.js");

const out = join(OUT, k.id);
mkdirSync(out, { recursive: true });
const all = listModules(found.modulesDir);
const mods = all
  .filter((_, i) => i % sample === 0)
  .filter((_, i) => i % shardN === shardI)
  .slice(0, limit);
const kernelWhy = useKernel ? oracleUnavailable() : "--no-kernel";
const flags = `--compat ${k.compat} --features ${k.features}`;
console.log(`kernel ${k.id}: ${k.title}`);
console.log(
  `${mods.length} of ${all.length} modules (${sample > 1 ? `every ${sample}th, ` : ""}shard ${shardI}/${shardN}${limit < Infinity ? `, limit ${limit}` : ""}) in ${found.modulesDir}`,
);
if (kernelWhy) console.log(`SKIP: kernel verdicts: ${kernelWhy}`);

// ---- pahole and the bases ----
let pBin;
if (usePahole) {
  pBin = k.findPahole();
  const v = paholeVersion(pBin);
  if (!v) {
    const how =
      k.id === "7.3"
        ? "scripts/fetch-debian-kernel.sh 7.3 makes .cache/trixie/pahole, or set PAHOLE_130"
        : "apt-get install dwarves, or set PAHOLE_124";
    console.log(`SKIP: pahole ${k.paholeVersion} not found or not runnable${pBin ? ` (${pBin})` : ""}: ${how}`);
    pBin = undefined;
  } else if (v !== k.paholeVersion) console.log(`NOTE: ${pBin} is ${v}; Debian's ${k.id} build ran ${k.paholeVersion}`);
  else console.log(`pahole: ${pBin} (${v})`);
}
const failedBases = [];
const debianBase = loadBtf(found.vmlinux);
/** {file, btf} of each base; file is what the encoders get on their command line. */
const bases = { debian: { file: found.vmlinux, btf: debianBase } };
const baseTimes = {};
const encodeBase = (label, argv, file) => {
  if (args.includes("--reuse-bases") && existsSync(file)) {
    console.log(`${label}: reusing ${file}`);
    return { file, btf: loadBtf(file) };
  }
  const r = runEncoder(argv, file);
  console.log(`${label}: ${r.ok ? timeText(r) : r.failure}`);
  if (!r.ok || r.empty) {
    failedBases.push(`${label}: ${r.failure ?? "wrote no output"}`);
    return undefined;
  }
  baseTimes[label] = r;
  return { file, btf: loadBtf(file) };
};
if (k.debianIsPahole) {
  // Debian's vmlinux .BTF is what its pahole made (6.1): both encoders split on it, as Debian's modules are.
  bases.pahole = bases.btfkit = bases.debian;
  console.log(
    `base for both encoders: Debian's vmlinux .BTF (${debianBase.count} types; pahole ${k.paholeVersion}'s own output)`,
  );
} else {
  const pFile = join(out, "sweep-vmlinux.pahole.btf");
  if (pBin)
    bases.pahole = encodeBase(`pahole base (vmlinux)`, [pBin, ...k.paholeArgs({ out: pFile }), found.vmlinux], pFile);
  const bFile = join(out, "sweep-vmlinux.btfkit.btf");
  bases.btfkit = encodeBase(
    `btfkit base (vmlinux)`,
    btfkitEncodeArgv(k, { input: found.vmlinux, out: bFile, jobs: 2 }),
    bFile,
  );
  for (const [name, b] of Object.entries(bases))
    if (b)
      console.log(
        `  ${name} base: ${b.btf.count} types${name === "debian" ? " (Debian's shipped vmlinux .BTF, after resolve_btfids)" : ` (${b.file})`}`,
      );
}
const baseVerdicts = {};
if (!kernelWhy) {
  for (const name of k.debianIsPahole ? ["debian"] : ["pahole", "btfkit", "debian"].filter((n) => bases[n])) {
    baseVerdicts[name] = kernelVerdict(writeBtf(bases[name].btf));
    console.log(`  kernel verdict on the ${name} base: ${verdictText(baseVerdicts[name])}`);
  }
}
const baseVerdict = (name) => baseVerdicts[k.debianIsPahole ? "debian" : name];
/** How verdict rows name a base. */
const baseName = (which) => (k.debianIsPahole ? "Debian's base" : `${which}'s base`);

// ---- the sweep ----
let features, nestedFeatures;
try {
  features = parseFeatures(k.features, { compat: k.compat });
  nestedFeatures = parseFeatures(k.nestedFeatures, { compat: k.compat });
} catch (e) {
  console.log(
    `in-process encodes unavailable: parseFeatures(${JSON.stringify(k.features)}, { compat: ${k.compat} }) failed: ${e.message}`,
  );
}
const pFile = join(out, `sweep-module${shardN > 1 ? `.shard${shardI}` : ""}.pahole.btf`);
const bFile = join(out, `sweep-module${shardN > 1 ? `.shard${shardI}` : ""}.btfkit.btf`);
const emptySplit = (base) => new Btf({ base });
/** An encode that kept no unit (a Rust-only module under --lang-exclude rust): pahole writes nothing, btfkit fails. */
const nothingToEncode = (r) => r.empty || /every compile unit was excluded/.test(r.stderr);

const T = {
  own: new DiffTotals(nExamples), // pahole (own base) vs btfkit (own base)
  ownRedup: new DiffTotals(nExamples), // the same with pahole's split re-deduplicated against its base
  sameBase: new DiffTotals(nExamples), // 7.3: pahole vs btfkit in-process on pahole's base
  debian: new DiffTotals(nExamples), // Debian's module .BTF vs btfkit on Debian's base
  folded: new DiffTotals(0), // 6.1 --nested
  nestedRaw: new DiffTotals(0),
};
const times = { pahole: [], btfkit: [] };
/** Pahole's split types found anywhere in btfkit's base + split (see makeCoverage). */
const coverage = makeCoverage(CanonicalForms, kindName);
/** 7.3: btfkit's in-process encodes on pahole's base (no process start, base loaded once). */
const inProcess = [];
const verdicts = {}; // label → {accepted, rejected: [], unavailable: []}
const verdict = (label, split, base) => {
  if (kernelWhy || !split) return;
  const v = (verdicts[label] ??= { accepted: 0, total: 0, rejected: [], unavailable: [], base });
  v.total++;
  const r = kernelVerdict(writeBtf(mergeSplitBtf(split)));
  if (r.unavailable) v.unavailable.push(r.unavailable);
  else if (r.accepted) v.accepted++;
  else v.rejected.push(r.reason);
  return r;
};
const failed = [];
const empty = { pahole: 0, btfkit: 0 };
const split = { pahole: 0, paholeRedup: 0, btfkit: 0 };
const diffOpts = { examples: nExamples };
const addDiff = (t, a, b, label) =>
  t.add(diffBtf(a, b, diffOpts), label, {
    typesA: kindCounts(a, kindName),
    typesB: kindCounts(b, kindName),
    datasecs: compareDatasecs(datasecEntries(a, BTF_KIND.DATASEC), datasecEntries(b, BTF_KIND.DATASEC)),
  });
const rejectedExamples = {};
const t0 = Date.now();
for (const [n, ko] of mods.entries()) {
  const rel = relative(found.modulesDir, ko);
  // pahole, as the kernel build runs it
  let ps, psRedup;
  if (pBin && bases.pahole) {
    const argv = [
      pBin,
      ...k.paholeArgs({ out: pFile, base: bases.pahole.file, jobs: k.id === "6.1" ? "-j" : undefined }),
      ko,
    ];
    const r = runEncoder(argv, pFile);
    if (!r.ok) failed.push(`${rel}: pahole ${r.failure}`);
    else {
      times.pahole.push(r);
      if (r.empty) empty.pahole++;
      ps = r.empty ? emptySplit(bases.pahole.btf) : loadBtf(pFile, { base: bases.pahole.btf });
      split.pahole += ps.count;
      // What a second btf__dedup against the same base (as 7.x's resolve_btfids runs) leaves of it.
      psRedup = r.empty ? ps : dedupBtf(loadBtf(pFile, { base: bases.pahole.btf }), { consumeInput: true }).btf;
      split.paholeRedup += psRedup.count;
      const v = lean ? undefined : verdict(`pahole ${k.paholeVersion} modules on ${baseName("pahole")}`, ps, "pahole");
      if (v && v.accepted === false) (rejectedExamples.pahole ??= []).push(`${rel}: ${v.reason}`);
    }
  }
  // btfkit, as a drop-in would run
  let bs;
  if (bases.btfkit) {
    const argv = btfkitEncodeArgv(k, { input: ko, out: bFile, base: bases.btfkit.file, jobs });
    const r = runEncoder(argv, bFile);
    if (!r.ok && !nothingToEncode(r)) failed.push(`${rel}: btfkit ${r.failure}`);
    else {
      times.btfkit.push(r);
      if (nothingToEncode(r)) empty.btfkit++;
      bs = nothingToEncode(r) ? emptySplit(bases.btfkit.btf) : loadBtf(bFile, { base: bases.btfkit.btf });
      split.btfkit += bs.count;
      const v = verdict(`btfkit modules on ${baseName("btfkit")}`, bs, "btfkit");
      if (v && v.accepted === false) (rejectedExamples.btfkit ??= []).push(`${rel}: ${v.reason}`);
    }
  }
  if (ps && bs) addDiff(T.own, ps, bs, rel);
  if (ps && bs) coverage.add(ps, bs, rel);
  if (psRedup && bs) addDiff(T.ownRedup, psRedup, bs, rel);
  // 6.1: against Debian's module .BTF, on the same base (btfkit's run above)
  if (k.debianIsPahole && bs) {
    try {
      const theirs = loadBtf(ko, { base: debianBase });
      addDiff(T.debian, theirs, bs, rel);
      if (nested && nestedFeatures) {
        const nb = encodeFile(ko, { base: debianBase, features: nestedFeatures, langExclude: ["rust"] }).btf;
        T.nestedRaw.add(diffBtf(theirs, nb, { examples: 0 }), rel);
        flattenNestedArrays(nb, BTF_KIND.ARRAY);
        T.folded.add(diffBtf(theirs, nb, { examples: 0 }), rel);
      }
    } catch (e) {
      failed.push(`${rel}: Debian's .BTF / nested encode: ${e.message}`);
    }
  }
  // 7.3: btfkit in-process on pahole's base (vs pahole) and on Debian's base (vs Debian's module .BTF)
  if (!k.debianIsPahole && features && !lean) {
    for (const which of ["pahole", "debian"]) {
      if (!bases[which]) continue;
      try {
        const base = bases[which].btf;
        const c0 = process.cpuUsage(),
          w0 = process.hrtime.bigint();
        const ours = encodeFile(ko, { base, features, langExclude: ["rust"] }).btf;
        const c = process.cpuUsage(c0);
        if (which === "pahole")
          inProcess.push({ wallS: Number(process.hrtime.bigint() - w0) / 1e9, cpuS: (c.user + c.system) / 1e6 });
        if (which === "pahole") {
          if (psRedup) addDiff(T.sameBase, psRedup, ours, rel);
          const v = verdict(`btfkit modules on pahole's base`, ours, "pahole");
          if (v && v.accepted === false) (rejectedExamples.btfkitOnPahole ??= []).push(`${rel}: ${v.reason}`);
        } else {
          let theirs;
          try {
            theirs = loadBtf(ko, { base });
          } catch {
            theirs = emptySplit(base); // no .BTF: nothing was encoded for it (a Rust-only module)
          }
          addDiff(T.debian, theirs, ours, rel);
        }
      } catch (e) {
        failed.push(`${rel}: btfkit in-process on the ${which} base: ${e.message}`);
      }
    }
  }
  if ((n + 1) % 10 === 0 || n + 1 === mods.length)
    process.stderr.write(`  ${n + 1}/${mods.length} modules, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

// ---- report ----
const sum = (rs) => ({
  wallS: rs.reduce((x, r) => x + (r.wallS ?? 0), 0),
  cpuS: rs.reduce((x, r) => x + (r.cpuS ?? 0), 0),
  rssMB: rs.length ? Math.max(...rs.map((r) => r.rssMB ?? 0)) : undefined,
});
const pLabel = `pahole ${k.paholeVersion} (${times.pahole.length} modules)`;
const bLabel = `btfkit -j${jobs} (${times.btfkit.length} modules)`;
if (Object.keys(baseTimes).length)
  printTiming("encoding the bases (vmlinux; this run)", baseTimes, "btfkit base (vmlinux)", ["pahole base (vmlinux)"]);
printTiming(
  "encoding the modules (sums over the modules, one process each; peak RSS = the largest)",
  {
    [pLabel]: times.pahole.length ? sum(times.pahole) : undefined,
    [bLabel]: times.btfkit.length ? sum(times.btfkit) : undefined,
  },
  bLabel,
  [pLabel],
);
const mean = (rs, f) => (rs.length ? (rs.reduce((x, r) => x + (r[f] ?? 0), 0) / rs.length).toFixed(2) : "-");
console.log(
  `  per module (mean): pahole wall ${mean(times.pahole, "wallS")} s, cpu ${mean(times.pahole, "cpuS")} s; btfkit wall ${mean(times.btfkit, "wallS")} s, cpu ${mean(times.btfkit, "cpuS")} s`,
);
if (inProcess.length) {
  const s = sum(inProcess);
  console.log(
    `  btfkit in-process for comparison (${inProcess.length} modules on pahole's base, no process start, base loaded once; includes GC): wall ${s.wallS.toFixed(1)} s, cpu ${s.cpuS.toFixed(1)} s (this process)`,
  );
}
console.log(
  `  split types in all: pahole ${split.pahole} (${split.paholeRedup} once re-deduplicated against its base), btfkit ${split.btfkit}; modules with nothing to encode (Rust only): pahole ${empty.pahole}, btfkit ${empty.btfkit}`,
);

const ownTitle = k.debianIsPahole
  ? `btfkit (${flags}) vs pahole ${k.paholeVersion} run here, modules split on the same base (Debian's vmlinux .BTF), ${T.own.n} modules`
  : `btfkit (${flags}, split on btfkit's vmlinux) vs pahole ${k.paholeVersion} (split on pahole's vmlinux), as sets, ${T.own.n} modules`;
const tOwn = T.own.n ? printParity(ownTitle, T.own, { listOthers: 3 }) : undefined;
const redupNote =
  "pahole's split re-deduplicated against its base by btfkit's dedup (libbpf's current rules, as resolve_btfids' btf__dedup in 7.x)";
const tOwnR = T.ownRedup.n ? printParity(`the same, ${redupNote}`, T.ownRedup, { listOthers: 5 }) : undefined;
const tSame = T.sameBase.n
  ? printParity(
      `btfkit in-process on pahole ${k.paholeVersion}'s base vs pahole ${k.paholeVersion} on the same base, ${redupNote}, ${T.sameBase.n} modules`,
      T.sameBase,
      { listOthers: 5 },
    )
  : undefined;

// 6.1: the table as before (Debian's module .BTF, same base), and --nested.
const legacyTable = (title, t) => {
  console.log(`\n${title}`);
  console.log(
    `  ${"kind".padEnd(9)} ${"Debian".padStart(7)} ${"btfkit".padStart(7)} ${"matched".padStart(8)} ${"%".padStart(8)} ${"changed".padStart(7)} ${"onlyDeb".padStart(7)} ${"onlyOurs".padStart(8)}`,
  );
  for (const kind of [...PCT_KINDS, ...SIDE_KINDS]) {
    const r = t.kinds.get(kind);
    if (!r) continue;
    console.log(
      `  ${kind.padEnd(9)} ${String(r.inA).padStart(7)} ${String(r.inB).padStart(7)} ${String(r.matched).padStart(8)} ${pct(r.matched, r.inA).padStart(8)} ${String(r.changed).padStart(7)} ${String(r.onlyInA).padStart(7)} ${String(r.onlyInB).padStart(8)}${SIDE_KINDS.includes(kind) ? "  (not in %)" : ""}`,
    );
  }
  const tot = t.total();
  console.log(
    `  TOTAL     ${String(tot.inA).padStart(7)} ${String(tot.inB).padStart(7)} ${String(tot.matched).padStart(8)} ${pct(tot.matched, tot.inA).padStart(8)} ${String(tot.changed).padStart(7)} ${String(tot.onlyInA).padStart(7)} ${String(tot.onlyInB).padStart(8)}`,
  );
  return tot;
};
let tDeb, tFold;
if (k.debianIsPahole) {
  if (T.debian.n) {
    tDeb = legacyTable(`btfkit split BTF vs Debian's module .BTF (same base), ${T.debian.n} modules`, T.debian);
    if (nested) {
      legacyTable("nested arrays (raw)", T.nestedRaw);
      tFold = legacyTable("nested arrays folded (nested = flat of the same total)", T.folded);
    }
    console.log(
      `\nmodules identical by meaning: ${T.debian.equal}/${T.debian.n} (vs Debian's)${T.own.n ? `, ${T.own.equal}/${T.own.n} (vs pahole run here)` : ""}`,
    );
    const ex = [];
    for (const [kind, r] of T.debian.kinds) {
      for (const e of r.changedEx) ex.push(`${kind}: changed ${e}`);
      for (const e of r.missing) ex.push(`${kind}: only in Debian's: ${e}`);
      for (const e of r.extra) ex.push(`${kind}: only in btfkit's: ${e}`);
    }
    if (ex.length) {
      console.log(`\nexamples of misses against Debian's (${Math.min(15, ex.length)} of ${ex.length}+):`);
      for (const e of ex.slice(0, 15)) console.log(`  ${e}`);
    }
  }
} else if (T.debian.n) {
  tDeb = printParity(
    `btfkit in-process on Debian's shipped base vs Debian's module .BTF (secondary: resolve_btfids re-deduplicated and sorted them, added *_impl FUNCs and kfunc tags), ${T.debian.n} modules`,
    T.debian,
    { a: "Debian", b: "btfkit", listOthers: 3 },
  );
  console.log(
    `\nmodules identical by meaning: ${T.own.equal}/${T.own.n} (own bases), ${T.ownRedup.equal}/${T.ownRedup.n} (own bases, pahole's re-deduplicated), ${T.sameBase.equal}/${T.sameBase.n} (pahole's base, re-deduplicated), ${T.debian.equal}/${T.debian.n} (vs Debian's)`,
  );
}

if (coverage.totals.n)
  printCoverage(
    `pahole ${k.paholeVersion}'s split types found in btfkit's base + split (as sets; own bases), ${coverage.totals.n} modules`,
    coverage.totals,
  );

console.log(`\nkernel verdicts (each split BTF merged with its base)`);
if (kernelWhy) console.log(`  not asked: ${kernelWhy}`);
for (const [label, v] of Object.entries(verdicts)) {
  const bv = baseVerdict(v.base);
  const note = bv && bv.accepted === false ? `  (the base alone is rejected: ${bv.reason})` : "";
  console.log(
    `  ${label.padEnd(40)} ${v.accepted}/${v.total} accepted, ${v.rejected.length} rejected${v.unavailable.length ? `, ${v.unavailable.length} not asked (${v.unavailable[0]})` : ""}${note}`,
  );
}
for (const [who, list] of Object.entries(rejectedExamples))
  for (const r of list.slice(0, 10)) console.log(`  REJECTED (${who}) ${r}`);
for (const f of [...failedBases, ...failed].slice(0, 30)) console.log(`  FAILED ${f}`);

const v = (label) => (verdicts[label] ? `${verdicts[label].accepted}/${verdicts[label].total}` : "n/a");
const pS = times.pahole.length ? sum(times.pahole) : undefined,
  bS = times.btfkit.length ? sum(times.btfkit) : undefined;
const r2 = (a, b) => (a !== undefined && b ? (a / b).toFixed(2) + "x" : "-");
console.log(`\nsummary (kernel ${k.id}, ${mods.length} modules):`);
if (coverage.totals.n)
  console.log(
    `  pahole ${k.paholeVersion}'s split types found in btfkit's base + split: ${pct(coverage.totals.found, coverage.totals.roots)}% (${coverage.totals.found}/${coverage.totals.roots})`,
  );
if (tOwn)
  console.log(
    `  btfkit vs pahole ${k.paholeVersion}${k.debianIsPahole ? "" : " (own bases)"}: ${pct(tOwn.matched, tOwn.inA)}% (${tOwn.matched}/${tOwn.inA}; missing ${tOwn.onlyInA}, extra ${tOwn.onlyInB}, changed ${tOwn.changed})`,
  );
if (tOwnR)
  console.log(
    `  btfkit vs pahole ${k.paholeVersion} re-deduplicated${k.debianIsPahole ? "" : " (own bases)"}: ${pct(tOwnR.matched, tOwnR.inA)}% (${tOwnR.matched}/${tOwnR.inA}; missing ${tOwnR.onlyInA}, extra ${tOwnR.onlyInB}, changed ${tOwnR.changed})`,
  );
if (tSame)
  console.log(
    `  btfkit vs pahole ${k.paholeVersion} re-deduplicated, pahole's base: ${pct(tSame.matched, tSame.inA)}% (${tSame.matched}/${tSame.inA}; missing ${tSame.onlyInA}, extra ${tSame.onlyInB}, changed ${tSame.changed})`,
  );
if (tDeb)
  console.log(
    `  btfkit vs Debian's module .BTF: ${pct(tDeb.matched, tDeb.inA)}% (${tDeb.matched}/${tDeb.inA})${tFold ? `, nested folded ${pct(tFold.matched, tFold.inA)}%` : ""}`,
  );
console.log(
  `  kernel: ${
    Object.keys(verdicts)
      .map((l) => `${l} ${v(l)}`)
      .join("; ") || "n/a"
  }`,
);
if (pS && bS)
  console.log(
    `  btfkit/pahole on modules: wall ${r2(bS.wallS, pS.wallS)}, cpu ${r2(bS.cpuS, pS.cpuS)}, peak RSS ${r2(bS.rssMB, pS.rssMB)}`,
  );
console.log(`  failed ${failed.length + failedBases.length}; ${((Date.now() - t0) / 1000).toFixed(0)} s for the sweep`);
if (failed.length + failedBases.length) process.exitCode = 1;

const jsonOut = opt("--json");
if (jsonOut) {
  const plain = (t) => ({
    modules: t.n,
    equal: t.equal,
    perKind: Object.fromEntries(t.kinds),
    typesA: t.typesA,
    typesB: t.typesB,
    datasecs: Object.fromEntries(t.datasecs),
  });
  writeFileSync(
    jsonOut,
    JSON.stringify(
      {
        kernel: k.id,
        modules: mods.length,
        own: plain(T.own),
        ownRedup: plain(T.ownRedup),
        sameBase: plain(T.sameBase),
        debian: plain(T.debian),
        nestedFolded: plain(T.folded),
        coverage: { ...coverage.totals, perKind: Object.fromEntries(coverage.totals.perKind) },
        times: { pahole: pS, btfkit: bS, bases: baseTimes },
        verdicts,
        failed: [...failedBases, ...failed],
      },
      (key, val) => (key === "stdout" || key === "stderr" || key === "argv" ? undefined : val),
      1,
    ),
  );
}
