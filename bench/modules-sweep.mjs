#!/usr/bin/env node
// Encode parity on every module of the Debian 6.1 cloud kernel (issue 5): for each .ko, btfkit's split BTF
// (encode with --base = the Debian vmlinux's .BTF) is diffed by meaning against the module's own `.BTF` (made by
// Debian's pahole 1.24 on the same base), and the merged base+split blob goes to the running kernel
// (BPF_BTF_LOAD takes whole BTF only; src/btf/merge-split.ts concatenates base and split).
//
//   node bench/modules-sweep.mjs [--limit N] [--shard I/N] [--nested] [--no-kernel] [--examples N] [--json FILE]
//
// Build first (`npx tsc -p tsconfig.json`). Runs in-process (base loaded once) over the .ko files in sorted path
// order; --shard I/N takes every N-th module starting at I (run N of them in parallel and add the totals).
// Features: Debian's `pahole -J --btf_gen_floats` = btfkit `default,flat_arrays,-consistent_func`; with
// --nested, btfkit's default nested arrays, reported raw and with nested-vs-flat arrays folded before the diff.
// Prints the totals (matched / roots of Debian's module BTF over STRUCT … DATASEC; FWD and DECL_TAG apart),
// per-kind misses, modules the kernel rejects with the verifier's message, and examples of misses.
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  debianKernel, DEBIAN_FEATURES, distModule, DIST, flattenNestedArrays, kernelVerdict, NESTED_FEATURES, PCT_KINDS, pct,
  SIDE_KINDS, oracleUnavailable,
} from "./kernel-parity.mjs";
import { existsSync } from "node:fs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const deb = debianKernel();
if (!deb) {
  console.log("SKIP: modules-sweep: Debian kernel debug package not extracted (scripts/fetch-debian-kernel.sh)");
  process.exit(0);
}
if (!existsSync(join(DIST, "btf/merge-split.js"))) {
  console.error("bench/modules-sweep.mjs: dist/ not built; run `npx tsc -p tsconfig.json` first");
  process.exit(1);
}
const limit = opt("--limit") !== undefined ? Number(opt("--limit")) : Infinity;
const [shardI, shardN] = (opt("--shard") ?? "0/1").split("/").map(Number);
const nested = args.includes("--nested");
const nExamples = Number(opt("--examples") ?? 15);
const useKernel = !args.includes("--no-kernel");

const { loadBtf } = await distModule("io/load-btf.js");
const { diffBtf } = await distModule("diff/index.js");
const { encodeFile } = await distModule("encode/encode.js");
const { parseFeatures } = await distModule("encode/features.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { writeBtf } = await distModule("btf/write.js");
const { BTF_KIND } = await distModule("btf/kinds.js");

const walk = (d, out = []) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".ko")) out.push(p);
  }
  return out;
};
const all = walk(deb.modulesDir).sort();
const mods = all.filter((_, i) => i % shardN === shardI).slice(0, limit);
const base = loadBtf(deb.vmlinux);
const features = parseFeatures(nested ? NESTED_FEATURES : DEBIAN_FEATURES);
const kernelWhy = useKernel ? oracleUnavailable() : "--no-kernel";
console.log(`${mods.length} of ${all.length} modules (shard ${shardI}/${shardN}); base: ${deb.vmlinux} (.BTF, ${base.count} types); features ${nested ? NESTED_FEATURES : DEBIAN_FEATURES}`);
if (kernelWhy) console.log(`SKIP: kernel verdicts: ${kernelWhy}`);

const zero = () => ({ inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 });
const perKind = new Map();
const perKindFolded = new Map();
const add = (map, row) => {
  let t = map.get(row.kind);
  if (!t) map.set(row.kind, (t = zero()));
  for (const f of Object.keys(t)) t[f] += row[f];
};
const examples = [];
const rejected = [];
const failed = [];
const perfect = { n: 0 };
let accepted = 0;
const t0 = Date.now();
let cpu0 = process.cpuUsage();
for (const [n, ko] of mods.entries()) {
  const rel = relative(deb.modulesDir, ko);
  let theirs, ours;
  try {
    theirs = loadBtf(ko, { base });
    ours = encodeFile(ko, { base, features, langExclude: ["rust"] }).btf;
  } catch (e) {
    failed.push(`${rel}: ${e.message}`);
    continue;
  }
  const d = diffBtf(theirs, ours, { examples: 3 });
  for (const row of d.kinds) {
    add(perKind, row);
    const miss = [
      ...row.examples.changed.map((e) => `changed ${e.key}: ${e.difference}`),
      ...row.examples.onlyInA.map((e) => `only in Debian's: ${e.key}`),
      ...row.examples.onlyInB.map((e) => `only in btfkit's: ${e.key}`),
    ];
    for (const m of miss) if (examples.length < 400) examples.push(`${rel}: ${row.kind}: ${m}`);
  }
  if (d.equal) perfect.n++;
  if (nested) {
    flattenNestedArrays(ours, BTF_KIND.ARRAY);
    for (const row of diffBtf(theirs, ours, { examples: 0 }).kinds) add(perKindFolded, row);
  }
  if (!kernelWhy) {
    const v = kernelVerdict(writeBtf(mergeSplitBtf(ours)));
    if (v.unavailable) failed.push(`${rel}: kernel oracle: ${v.unavailable}`);
    else if (v.accepted) accepted++;
    else rejected.push(`${rel}: ${v.reason}`);
  }
  if ((n + 1) % 100 === 0) console.error(`  ${n + 1}/${mods.length} modules, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const cpu = process.cpuUsage(cpu0);

const table = (title, map) => {
  console.log(`\n${title}`);
  console.log(`  ${"kind".padEnd(9)} ${"Debian".padStart(7)} ${"btfkit".padStart(7)} ${"matched".padStart(8)} ${"%".padStart(8)} ${"changed".padStart(7)} ${"onlyDeb".padStart(7)} ${"onlyOurs".padStart(8)}`);
  const tot = zero();
  for (const k of [...PCT_KINDS, ...SIDE_KINDS]) {
    const r = map.get(k);
    if (!r) continue;
    if (PCT_KINDS.includes(k)) for (const f of Object.keys(tot)) tot[f] += r[f];
    console.log(`  ${k.padEnd(9)} ${String(r.inA).padStart(7)} ${String(r.inB).padStart(7)} ${String(r.matched).padStart(8)} ${pct(r.matched, r.inA).padStart(8)} ${String(r.changed).padStart(7)} ${String(r.onlyInA).padStart(7)} ${String(r.onlyInB).padStart(8)}${SIDE_KINDS.includes(k) ? "  (not in %)" : ""}`);
  }
  console.log(`  TOTAL     ${String(tot.inA).padStart(7)} ${String(tot.inB).padStart(7)} ${String(tot.matched).padStart(8)} ${pct(tot.matched, tot.inA).padStart(8)} ${String(tot.changed).padStart(7)} ${String(tot.onlyInA).padStart(7)} ${String(tot.onlyInB).padStart(8)}`);
  return tot;
};
const tot = table(`btfkit split BTF vs Debian's module .BTF (same base), ${mods.length - failed.length} modules`, perKind);
const totF = nested ? table("nested arrays folded (nested = flat of the same total)", perKindFolded) : undefined;
console.log(`\nmodules identical by meaning: ${perfect.n}/${mods.length}`);
console.log(`kernel (merged base+split): ${kernelWhy ? "not asked: " + kernelWhy : `${accepted} accepted, ${rejected.length} rejected`}`);
for (const r of rejected.slice(0, 20)) console.log(`  REJECTED ${r}`);
for (const f of failed.slice(0, 20)) console.log(`  FAILED ${f}`);
if (examples.length) {
  console.log(`\nexamples of misses (${Math.min(nExamples, examples.length)} of ${examples.length}${examples.length >= 400 ? "+" : ""}):`);
  for (const e of examples.slice(0, nExamples)) console.log(`  ${e}`);
}
console.log(`\nsummary: matched ${pct(tot.matched, tot.inA)}% (${tot.matched}/${tot.inA})${totF ? `, nested folded ${pct(totF.matched, totF.inA)}%` : ""}; ` +
  `rejected ${kernelWhy ? "n/a" : rejected.length}; failed ${failed.length}; ${((Date.now() - t0) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU (this process)`);
const jsonOut = opt("--json");
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({ modules: mods.length, perKind: Object.fromEntries(perKind), perKindFolded: Object.fromEntries(perKindFolded), accepted, rejected, failed, examples }, null, 1));
}
