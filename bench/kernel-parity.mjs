#!/usr/bin/env node
// Encode parity on a Debian kernel's vmlinux (issue 5), with the pahole of that kernel's build run side by side:
//
//   node bench/kernel-parity.mjs [--kernel 6.1|7.3] [--vmlinux PATH] [--jobs N] [--no-pahole] [--no-nested] [--examples N]
//
// Build first (`npm run build`): btfkit runs from dist/ (bin/btfkit). Every encoder runs once, in this same run,
// under /usr/bin/time (wall, CPU = user+sys, peak RSS); the ratio btfkit/pahole is printed.
//
// --kernel 6.1 (default; Debian 6.1.0-56-cloud-amd64, built with pahole 1.24):
//   pahole 1.24 as Debian ran it, `pahole -J --btf_gen_floats -j --lang_exclude=rust` (and single-threaded, which is
//   deterministic); btfkit `encode --compat 1.24 --features default,-consistent_func --lang-exclude rust -j N`
//   (N = --jobs, default 1). The reference is Debian's shipped .BTF, which is pahole 1.24's -j output itself.
//   btfkit with nested multi-dimensional arrays (`-flat_arrays`) is reported too (skip: --no-nested), raw and with
//   nested-vs-flat arrays of the same total treated as a known difference.
// --kernel 7.3 (Debian 7.3.4+deb13-cloud-amd64, built with pahole 1.30, then resolve_btfids):
//   pahole 1.30 (.cache/trixie/pahole, or $PAHOLE_130) with Debian's effective flags, `pahole -J -jN
//   --btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func
//   --btf_features=+reproducible_build --lang_exclude=rust --btf_encode_detached=OUT` (N = --jobs, default 2);
//   btfkit `encode --compat 1.30 --features +reproducible_build --lang-exclude rust -j N`. The reference is pahole
//   1.30's own output: Debian's shipped .BTF went through resolve_btfids (re-dedup, sorted by name, `*_impl` kfunc
//   twins, kfunc decl tags, arena type tags) and is reported as a secondary reference.
//
// The comparison is by meaning (diffBtf): roots (named STRUCT, UNION, ENUM, ENUM64, FWD, TYPEDEF, INT, FLOAT, and
// every FUNC, VAR, DATASEC, DECL_TAG) pair up by kind and name; matched = equal shape, changed = same name and a
// different shape, missing = only in pahole's, extra = only in btfkit's. The percentage is matched / pahole's
// roots over STRUCT … DATASEC (FWD and DECL_TAG apart). DATASEC entries are compared by VAR name, offset and size.
// The kernel's verdict (BPF_BTF_LOAD through test/oracle/btf-load.c) is asked for every blob.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BTFKIT,
  DIST,
  DiffTotals,
  KERNELS,
  OUT,
  PCT_KINDS,
  REPO,
  SIDE_KINDS,
  btfProfile,
  btfkitEncodeArgv,
  compareDatasecs,
  datasecEntries,
  distModule,
  findKernel,
  flattenNestedArrays,
  kernelFromArgs,
  kernelVerdict,
  kindCounts,
  oracleUnavailable,
  paholeVersion,
  pct,
  printParity,
  printTiming,
  ratio,
  runEncoder,
  shellLine,
  timed,
  timeText,
  verdictText,
  ALL_KINDS,
} from "./lib.mjs";

// Kept for scripts that imported these from here.
export {
  BTFKIT,
  DIST,
  OUT,
  PCT_KINDS,
  SIDE_KINDS,
  distModule,
  flattenNestedArrays,
  kernelVerdict,
  oracleUnavailable,
  pct,
  timed,
};
export const ROOT = REPO;
/** btfkit flags standing in for Debian 6.1's `pahole -J --btf_gen_floats` (with --compat 1.24). */
export const DEBIAN_FEATURES = KERNELS["6.1"].features;
export const NESTED_FEATURES = KERNELS["6.1"].nestedFeatures;

/** The extracted Debian 6.1 kernel debug package. */
export function debianKernel() {
  return findKernel(KERNELS["6.1"]);
}

/** Sum a diffBtf result (A = the reference) over `kinds`. */
export function sumKinds(diff, kinds) {
  const t = { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 };
  for (const row of diff.kinds) if (kinds.includes(row.kind)) for (const f of Object.keys(t)) t[f] += row[f];
  return t;
}

/** Per-kind table of a diff (A = reference) and the headline percentage. */
export function report(title, diff, { examples = 3 } = {}) {
  console.log(`\n${title}`);
  console.log(
    `  ${"kind".padEnd(9)} ${"ref".padStart(7)} ${"ours".padStart(7)} ${"matched".padStart(8)} ${"%".padStart(8)} ${"changed".padStart(7)} ${"onlyRef".padStart(7)} ${"onlyOurs".padStart(8)}`,
  );
  for (const k of [...PCT_KINDS, ...SIDE_KINDS]) {
    const r = diff.kinds.find((x) => x.kind === k);
    if (!r) continue;
    const side = SIDE_KINDS.includes(k) ? "  (not in %)" : "";
    console.log(
      `  ${k.padEnd(9)} ${String(r.inA).padStart(7)} ${String(r.inB).padStart(7)} ${String(r.matched).padStart(8)} ${pct(r.matched, r.inA).padStart(8)} ${String(r.changed).padStart(7)} ${String(r.onlyInA).padStart(7)} ${String(r.onlyInB).padStart(8)}${side}`,
    );
  }
  const t = sumKinds(diff, PCT_KINDS);
  console.log(
    `  TOTAL     ${String(t.inA).padStart(7)} ${String(t.inB).padStart(7)} ${String(t.matched).padStart(8)} ${pct(t.matched, t.inA).padStart(8)} ${String(t.changed).padStart(7)} ${String(t.onlyInA).padStart(7)} ${String(t.onlyInB).padStart(8)}`,
  );
  if (examples > 0) {
    for (const r of diff.kinds) {
      const ex = [
        ...r.examples.changed.map((e) => `changed ${e.key}: ${e.difference}`),
        ...r.examples.onlyInA.map((e) => `only in reference: ${e.key}`),
        ...r.examples.onlyInB.map((e) => `only in ours: ${e.key}`),
      ].slice(0, examples);
      for (const e of ex) console.log(`    ${r.kind}: ${e}`);
    }
  }
  return t;
}

/** Read a file once so that the first encoder does not pay for the disk alone. */
function warmPageCache(path) {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 24);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const k = kernelFromArgs(args);
  const vmlinux = opt("--vmlinux") ?? findKernel(k)?.vmlinux;
  if (!vmlinux || !existsSync(vmlinux)) {
    console.log(
      `SKIP: kernel-parity --kernel ${k.id}: the ${k.title} debug package is not extracted (scripts/fetch-debian-kernel.sh ${k.id})`,
    );
    return;
  }
  if (!existsSync(join(DIST, "diff/index.js"))) {
    console.error("bench/kernel-parity.mjs: dist/ not built; run `npm run build` first");
    process.exit(1);
  }
  const jobs = opt("--jobs") ?? (k.id === "6.1" ? "1" : "2");
  const nEx = Number(opt("--examples") ?? 20);
  const { loadBtf } = await distModule("io/load-btf.js");
  const { diffBtf } = await distModule("diff/index.js");
  const { BTF_KIND, kindName } = await distModule("btf/kinds.js");
  const { writeBtf } = await distModule("btf/write.js");
  const out = join(OUT, k.id);
  mkdirSync(out, { recursive: true });
  console.log(`kernel ${k.id}: ${k.title}`);
  console.log(`input: ${vmlinux}`);
  warmPageCache(vmlinux);
  const debian = loadBtf(vmlinux);
  console.log(`Debian's shipped .BTF: ${debian.count} types`);
  const times = {};
  const failures = [];
  const blobs = {}; // label → {btf, file?}

  // 1. The pahole of this kernel's build: 6.1 one thread (deterministic) and -j as Debian ran it; 7.3 -jN.
  let pRefLabel;
  if (!args.includes("--no-pahole")) {
    const pBin = k.findPahole();
    const pVer = paholeVersion(pBin);
    if (!pVer) {
      const how =
        k.id === "7.3"
          ? "scripts/fetch-debian-kernel.sh 7.3 makes .cache/trixie/pahole, or set PAHOLE_130"
          : "apt-get install dwarves, or set PAHOLE_124";
      console.log(`\nSKIP: pahole ${k.paholeVersion} not found or not runnable${pBin ? ` (${pBin})` : ""}: ${how}`);
    } else {
      if (pVer !== k.paholeVersion)
        console.log(`\nNOTE: ${pBin} is ${pVer}; Debian's ${k.id} build ran ${k.paholeVersion}`);
      for (const pj of k.id === "6.1" ? ["", "-j"] : [`-j${jobs}`]) {
        const label = `pahole ${pVer} ${pj || "(one thread)"}`;
        const file = join(out, `vmlinux.pahole${pj}.btf`);
        const argv = [pBin, ...k.paholeArgs({ out: file, jobs: k.id === "6.1" ? pj : jobs }), vmlinux];
        const r = runEncoder(argv, file);
        console.log(`\n${label}: ${shellLine(argv)}\n  ${r.ok ? timeText(r) : r.failure}`);
        if (!r.ok || r.empty) {
          failures.push(`${label}: ${r.failure ?? "wrote no output"}`);
          continue;
        }
        times[label] = r;
        blobs[label] = { btf: loadBtf(file), file };
        pRefLabel = label; // the last one: -j, as the kernel build runs it
      }
    }
  }

  // 2. btfkit with this kernel's flags (and, on 6.1, with nested arrays).
  const encode = (label, features, file) => {
    const argv = btfkitEncodeArgv(k, { input: vmlinux, out: file, jobs, features });
    const r = runEncoder(argv, file);
    console.log(`\n${label}: ${shellLine(argv)}\n  ${r.ok ? timeText(r) : r.failure}`);
    if (!r.ok || r.empty) {
      failures.push(`${label}: ${r.failure ?? "wrote no output"}`);
      return undefined;
    }
    times[label] = r;
    return (blobs[label] = { btf: loadBtf(file), file }).btf;
  };
  const bLabel = `btfkit -j${jobs}`;
  const ours = encode(bLabel, k.features, join(out, "vmlinux.btfkit.btf"));
  const nLabel = `btfkit nested arrays -j${jobs}`;
  const nested =
    k.id === "6.1" && !args.includes("--no-nested")
      ? encode(nLabel, k.nestedFeatures, join(out, "vmlinux.btfkit-nested.btf"))
      : undefined;
  const flags = `--compat ${k.compat} --features ${k.features}`;

  // 3. Against Debian's .BTF (6.1: the existing report; Debian's .BTF is pahole 1.24's -j output there).
  let t1, t2raw, t2adj;
  const tp = {};
  if (k.id === "6.1") {
    if (ours)
      t1 = report(`btfkit (${flags}) vs Debian's .BTF`, diffBtf(debian, ours, { examples: 10 }), { examples: 10 });
    if (nested) {
      t2raw = report(`btfkit nested arrays vs Debian's .BTF (raw)`, diffBtf(debian, nested, { examples: 3 }), {
        examples: 3,
      });
      const folded = flattenNestedArrays(nested, BTF_KIND.ARRAY);
      t2adj = report(
        `btfkit nested arrays vs Debian's .BTF, nested = flat of the same total (${folded} ARRAY chains folded)`,
        diffBtf(debian, nested, { examples: 3 }),
        { examples: 3 },
      );
    }
    for (const [label, p] of Object.entries(blobs)) {
      if (!label.startsWith("pahole")) continue;
      tp[label] = report(`${label} vs Debian's .BTF`, diffBtf(debian, p.btf, { examples: 10 }), {
        examples: label.endsWith("-j") ? 3 : 10,
      });
    }
  }

  // 4. btfkit against the pahole of the kernel's build, run above.
  let tPar;
  const pRef = pRefLabel ? blobs[pRefLabel].btf : undefined;
  const totals = (a, b) => {
    const t = new DiffTotals(nEx);
    t.add(diffBtf(a, b, { examples: nEx }), "", {
      typesA: kindCounts(a, kindName),
      typesB: kindCounts(b, kindName),
      datasecs: compareDatasecs(datasecEntries(a, BTF_KIND.DATASEC), datasecEntries(b, BTF_KIND.DATASEC)),
    });
    return t;
  };
  if (ours && pRef) {
    tPar = printParity(
      `btfkit (${flags}) vs ${pRefLabel}, by meaning (missing = in pahole's, not btfkit's; extra = in btfkit's, not pahole's)`,
      totals(pRef, ours),
    );
  }

  // 5. 7.3: Debian's shipped .BTF as a secondary reference.
  let tDeb;
  if (k.id === "7.3") {
    const cols = [
      ["pahole 1.30", pRef],
      ["btfkit", ours],
      ["Debian .BTF", debian],
    ].filter(([, b]) => b);
    const counts = cols.map(([, b]) => kindCounts(b, kindName));
    console.log(
      `\ntypes per kind: ${cols.map(([n]) => n).join(" / ")} (Debian's .BTF = resolve_btfids(pahole 1.30's): re-deduplicated, sorted by name, *_impl FUNCs, kfunc DECL_TAGs, arena TYPE_TAGs)`,
    );
    console.log(`  ${"kind".padEnd(10)} ${cols.map(([n]) => n.padStart(12)).join(" ")}`);
    for (const kind of ALL_KINDS) {
      if (counts.every((c) => !c[kind])) continue;
      console.log(`  ${kind.padEnd(10)} ${counts.map((c) => String(c[kind] ?? 0).padStart(12)).join(" ")}`);
    }
    console.log(`  ${"TOTAL".padEnd(10)} ${cols.map(([, b]) => String(b.count).padStart(12)).join(" ")}`);
    if (pRef)
      printParity(
        `Debian's shipped .BTF vs ${pRefLabel}: what resolve_btfids changed (missing = in pahole's, not Debian's; extra = in Debian's, not pahole's)`,
        totals(pRef, debian),
        { a: "pahole", b: "Debian" },
      );
    if (ours)
      tDeb = report(
        `btfkit (${flags}) vs Debian's shipped .BTF (secondary reference)`,
        diffBtf(debian, ours, { examples: 0 }),
        { examples: 0 },
      );
  }

  // 6. What each output holds that is peculiar (FUNC names, linkages, tags, DATASECs).
  console.log("\nprofiles");
  for (const [label, b] of [...Object.entries(blobs).map(([l, x]) => [l, x.btf]), ["Debian's .BTF", debian]]) {
    if (label === nLabel) continue;
    console.log(`  ${label}:`);
    for (const line of btfProfile(b, BTF_KIND)) console.log(`    ${line}`);
  }

  // 7. The kernel's verdicts.
  const verdicts = {};
  console.log(`\nkernel verdicts (BPF_BTF_LOAD on ${spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim()})`);
  for (const [label, b] of [
    ...Object.entries(blobs).map(([l, x]) => [l, readFileSync(x.file)]),
    ["Debian's .BTF", writeBtf(debian)],
  ]) {
    verdicts[label] = kernelVerdict(b);
    console.log(`  ${label.padEnd(34)} ${verdictText(verdicts[label])}`);
  }

  // 8. Time and memory, measured in this run.
  printTiming(
    "encoders (this run; cpu = user+sys, from /usr/bin/time)",
    times,
    bLabel,
    Object.keys(times).filter((l) => l.startsWith("pahole")),
  );

  console.log(`\nsummary (kernel ${k.id})`);
  const v = (label) =>
    verdicts[label]?.accepted ? "accepted" : verdicts[label]?.unavailable ? "n/a" : verdicts[label] ? "REJECTED" : "-";
  if (tPar)
    console.log(
      `  btfkit vs ${pRefLabel}: ${pct(tPar.matched, tPar.inA)}% of pahole's roots over ${PCT_KINDS.join(",")} (${tPar.matched}/${tPar.inA}; missing ${tPar.onlyInA}, extra ${tPar.onlyInB}, changed ${tPar.changed})`,
    );
  if (t1) console.log(`  btfkit ${flags} vs Debian's .BTF: ${pct(t1.matched, t1.inA)}%`);
  if (t2raw)
    console.log(
      `  btfkit nested arrays vs Debian's .BTF: raw ${pct(t2raw.matched, t2raw.inA)}%, nested = flat ${pct(t2adj.matched, t2adj.inA)}%`,
    );
  for (const [label, t] of Object.entries(tp)) console.log(`  ${label} vs Debian's .BTF: ${pct(t.matched, t.inA)}%`);
  if (tDeb) console.log(`  btfkit vs Debian's shipped .BTF (after resolve_btfids): ${pct(tDeb.matched, tDeb.inA)}%`);
  console.log(
    `  kernel: ${Object.keys(verdicts)
      .map((l) => `${l} ${v(l)}`)
      .join("; ")}`,
  );
  if (times[bLabel] && pRefLabel && times[pRefLabel]) {
    const a = times[bLabel],
      b = times[pRefLabel];
    console.log(
      `  ${bLabel} / ${pRefLabel}: wall ${ratio(a.wallS, b.wallS)}, cpu ${ratio(a.cpuS, b.cpuS)}, peak RSS ${ratio(a.rssMB, b.rssMB)}`,
    );
  }
  for (const f of failures) console.log(`  ${f}`);
  if (failures.length) process.exitCode = 1;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) await main();
