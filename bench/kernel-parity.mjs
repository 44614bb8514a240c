#!/usr/bin/env node
// Encode parity on the Debian 6.1 cloud kernel (issue 5): btfkit encode of the Debian vmlinux, diffed by meaning
// (diffBtf) against the `.BTF` Debian shipped inside that same vmlinux; the kernel's verdict (BPF_BTF_LOAD) on the
// blob; and, for reference, pahole's own output on the same input (single-threaded, and with -j as the kernel build
// runs it) diffed the same way.
//
//   node bench/kernel-parity.mjs [--vmlinux PATH] [--no-pahole] [--no-nested] [--jobs N]
//
// Build first (`npx tsc -p tsconfig.json`): btfkit runs from dist/ (bin/btfkit).
//
// Features: Debian's 6.1 build ran pahole 1.24 as `pahole -J --btf_gen_floats -j --lang_exclude=rust`, i.e.
// pahole 1.24's defaults plus FLOAT, no consistent_func (a 1.25 flag), and flattened multi-dimensional arrays
// (pahole always flattens). btfkit's equivalent is `--features default,flat_arrays,-consistent_func`. btfkit's own
// default keeps multi-dimensional arrays nested; the second encode (skip with --no-nested) reports that raw and
// with nested-vs-flat arrays of the same total treated as a known difference (each chain ARRAY→ARRAY→…→T folded
// into one ARRAY of T with the product of the counts before the diff).
//
// The percentage is matched / roots of Debian's BTF over STRUCT, UNION, ENUM, ENUM64, TYPEDEF, INT, FLOAT, FUNC,
// VAR, DATASEC; FWD and DECL_TAG are reported separately. CPU time (user+sys) of each encoder comes from
// /usr/bin/time, measured in this same run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const OUT = join(ROOT, "bench/out");
export const BTFKIT = join(ROOT, "bin/btfkit");
const ORACLE_SRC = join(ROOT, "test/oracle/btf-load.c");
const ORACLE_BIN = join(OUT, "btf-load");
const DEBIAN_RELEASE = "6.1.0-56-cloud-amd64";

/** The kinds the percentage is taken over; FWD and DECL_TAG are reported on their own. */
export const PCT_KINDS = ["STRUCT", "UNION", "ENUM", "ENUM64", "TYPEDEF", "INT", "FLOAT", "FUNC", "VAR", "DATASEC"];
export const SIDE_KINDS = ["FWD", "DECL_TAG"];
/** btfkit features matching Debian's `pahole -J --btf_gen_floats` (pahole 1.24). */
export const DEBIAN_FEATURES = "default,flat_arrays,-consistent_func";
export const NESTED_FEATURES = "default,-consistent_func";

export const distModule = (p) => import(pathToFileURL(join(DIST, p)).href);

/** The extracted Debian kernel debug package (same places test/util/inputs.ts looks). */
export function debianKernel() {
  for (const root of [process.env.BTFKIT_CACHE, join(ROOT, ".cache"), "/work/cache"].filter(Boolean)) {
    const base = join(root, "linux-dbg/usr/lib/debug");
    const vmlinux = join(base, "boot", `vmlinux-${DEBIAN_RELEASE}`);
    const modulesDir = join(base, "lib/modules", DEBIAN_RELEASE);
    if (existsSync(vmlinux) && existsSync(modulesDir)) return { vmlinux, modulesDir };
  }
  return undefined;
}

/** Run argv under /usr/bin/time; returns {status, stderr, cpuS (user+sys), wallS, rssMB}. */
export function timed(argv, opts = {}) {
  const useTime = existsSync("/usr/bin/time");
  const cmd = useTime ? ["/usr/bin/time", "-f", "@@TIME %U %S %e %M", ...argv] : argv;
  const t0 = Date.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  const wall = (Date.now() - t0) / 1000;
  let stderr = r.stderr ?? "";
  let cpuS, rssMB, wallS = wall;
  const m = /@@TIME (\S+) (\S+) (\S+) (\d+)\s*$/.exec(stderr);
  if (m) {
    cpuS = Number(m[1]) + Number(m[2]);
    wallS = Number(m[3]);
    rssMB = Number(m[4]) / 1024;
    stderr = stderr.slice(0, m.index);
  }
  return { status: r.status, stdout: r.stdout ?? "", stderr, cpuS, wallS, rssMB };
}

// ---- the kernel oracle (test/oracle/btf-load.c, compiled here) ----

let oracleState;
/** Compile the BPF_BTF_LOAD helper once; returns undefined when usable, else the reason. */
export function oracleUnavailable() {
  if (oracleState !== undefined) return oracleState || undefined;
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(ORACLE_BIN) || statSync(ORACLE_BIN).mtimeMs < statSync(ORACLE_SRC).mtimeMs) {
    const tmp = `${ORACLE_BIN}.${process.pid}.tmp`;
    const cc = spawnSync(process.env.CC ?? "cc", ["-O1", "-o", tmp, ORACLE_SRC], { encoding: "utf8" });
    if (cc.status !== 0) return (oracleState = `cannot compile btf-load.c: ${(cc.stderr || cc.error?.message || "").trim().split("\n")[0]}`);
    spawnSync("mv", [tmp, ORACLE_BIN]);
  }
  oracleState = "";
  return undefined;
}

/** The running kernel's verdict on a whole raw BTF blob: {accepted, reason} or {unavailable}. */
export function kernelVerdict(bytes) {
  const why = oracleUnavailable();
  if (why) return { unavailable: why };
  const file = join(OUT, `blob-${process.pid}.btf`);
  writeFileSync(file, bytes);
  try {
    const r = spawnSync(ORACLE_BIN, [file], { encoding: "latin1", maxBuffer: 64 << 20, timeout: 120_000 });
    const out = (r.stdout ?? "") + (r.stderr ?? "");
    if (r.status === 0) return { accepted: true, reason: "" };
    if (r.status === 1) {
      const lines = out.split("\n");
      return { accepted: false, reason: `${lines[0]}: ${lines.slice(1).filter((l) => l.trim() !== "").pop() ?? ""}` };
    }
    return { unavailable: `btf-load exit ${r.status}: ${out.trim().split("\n")[0]}` };
  } finally {
    rmSync(file, { force: true });
  }
}

// ---- comparison ----

/**
 * Fold every chain of directly nested ARRAYs (ARRAY of ARRAY of … T) into one ARRAY of T with the product of the
 * counts, in place: what pahole 1.24 emits for a multi-dimensional C array. Returns how many ARRAYs changed.
 */
export function flattenNestedArrays(btf, ARRAY) {
  let n = 0;
  for (let id = btf.startId; id < btf.endId; id++) {
    if (btf.kind(id) !== ARRAY) continue;
    const s = btf.extraStart[id - btf.startId];
    let elem = btf.extra[s];
    let count = btf.extra[s + 2];
    if (elem < btf.startId || btf.kind(elem) !== ARRAY) continue;
    while (btf.hasId(elem) && btf.kind(elem) === ARRAY) {
      count *= btf.extraWord(elem, 2);
      elem = btf.extraWord(elem, 0);
    }
    btf.extra[s] = elem;
    btf.extra[s + 2] = count >>> 0;
    n++;
  }
  return n;
}

/** Sum a diffBtf result (A = the reference) over `kinds`. */
export function sumKinds(diff, kinds) {
  const t = { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 };
  for (const row of diff.kinds) if (kinds.includes(row.kind)) for (const f of Object.keys(t)) t[f] += row[f];
  return t;
}

export const pct = (m, n) => (n === 0 ? "100.000" : ((100 * m) / n).toFixed(3));

/** Per-kind table of a diff (A = reference) and the headline percentage. */
export function report(title, diff, { examples = 3 } = {}) {
  console.log(`\n${title}`);
  console.log(`  ${"kind".padEnd(9)} ${"ref".padStart(7)} ${"ours".padStart(7)} ${"matched".padStart(8)} ${"%".padStart(8)} ${"changed".padStart(7)} ${"onlyRef".padStart(7)} ${"onlyOurs".padStart(8)}`);
  for (const k of [...PCT_KINDS, ...SIDE_KINDS]) {
    const r = diff.kinds.find((x) => x.kind === k);
    if (!r) continue;
    const side = SIDE_KINDS.includes(k) ? "  (not in %)" : "";
    console.log(`  ${k.padEnd(9)} ${String(r.inA).padStart(7)} ${String(r.inB).padStart(7)} ${String(r.matched).padStart(8)} ${pct(r.matched, r.inA).padStart(8)} ${String(r.changed).padStart(7)} ${String(r.onlyInA).padStart(7)} ${String(r.onlyInB).padStart(8)}${side}`);
  }
  const t = sumKinds(diff, PCT_KINDS);
  console.log(`  TOTAL     ${String(t.inA).padStart(7)} ${String(t.inB).padStart(7)} ${String(t.matched).padStart(8)} ${pct(t.matched, t.inA).padStart(8)} ${String(t.changed).padStart(7)} ${String(t.onlyInA).padStart(7)} ${String(t.onlyInB).padStart(8)}`);
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

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const deb = debianKernel();
  const vmlinux = opt("--vmlinux") ?? deb?.vmlinux;
  if (!vmlinux || !existsSync(vmlinux)) {
    console.log("SKIP: kernel-parity: Debian kernel debug package not extracted (scripts/fetch-debian-kernel.sh)");
    return;
  }
  if (!existsSync(join(DIST, "diff/index.js"))) {
    console.error("bench/kernel-parity.mjs: dist/ not built; run `npx tsc -p tsconfig.json` first");
    process.exit(1);
  }
  const jobs = opt("--jobs") ?? "1";
  const { loadBtf } = await distModule("io/load-btf.js");
  const { diffBtf } = await distModule("diff/index.js");
  const { BTF_KIND } = await distModule("btf/kinds.js");
  mkdirSync(OUT, { recursive: true });
  console.log(`input: ${vmlinux}`);
  const theirs = loadBtf(vmlinux);
  console.log(`reference: Debian's .BTF, ${theirs.count} types`);

  const encode = (features, out) => {
    const r = timed([process.execPath, BTFKIT, "encode", vmlinux, "-o", out, "--features", features, "--lang-exclude", "rust", "-j", jobs, "-q"]);
    if (r.status !== 0) throw new Error(`btfkit encode failed: ${r.stderr.trim()}`);
    return r;
  };
  const time = (r) => `cpu ${r.cpuS?.toFixed(1)} s, wall ${r.wallS?.toFixed(1)} s, peak RSS ${r.rssMB?.toFixed(0)} MB`;

  // 1. btfkit with Debian's features.
  const flatOut = join(OUT, "vmlinux.btfkit.btf");
  const e1 = encode(DEBIAN_FEATURES, flatOut);
  console.log(`\nbtfkit encode --features ${DEBIAN_FEATURES} -j${jobs}: ${time(e1)}`);
  const ours = loadBtf(flatOut);
  const d1 = diffBtf(theirs, ours, { examples: 10 });
  const t1 = report(`btfkit (${DEBIAN_FEATURES}) vs Debian's .BTF`, d1, { examples: 10 });
  const v1 = kernelVerdict(readFileSync(flatOut));
  console.log(`  kernel verdict: ${v1.unavailable ? "unavailable: " + v1.unavailable : v1.accepted ? "accepted" : "REJECTED " + v1.reason}`);

  // 2. btfkit's default nested arrays: raw, and with nested-vs-flat treated as a known difference.
  let t2raw, t2adj;
  if (!args.includes("--no-nested")) {
    const nestedOut = join(OUT, "vmlinux.btfkit-nested.btf");
    const e2 = encode(NESTED_FEATURES, nestedOut);
    console.log(`\nbtfkit encode --features ${NESTED_FEATURES} (nested arrays): ${time(e2)}`);
    const nested = loadBtf(nestedOut);
    const v2 = kernelVerdict(readFileSync(nestedOut));
    t2raw = report(`btfkit nested arrays vs Debian's .BTF (raw)`, diffBtf(theirs, nested, { examples: 3 }), { examples: 3 });
    const folded = flattenNestedArrays(nested, BTF_KIND.ARRAY);
    t2adj = report(`btfkit nested arrays vs Debian's .BTF, nested = flat of the same total (${folded} ARRAY chains folded)`, diffBtf(theirs, nested, { examples: 3 }), { examples: 3 });
    console.log(`  kernel verdict (nested): ${v2.unavailable ? "unavailable: " + v2.unavailable : v2.accepted ? "accepted" : "REJECTED " + v2.reason}`);
  }

  // 3. pahole on the same input, same flags as the kernel build: single-threaded (deterministic), and with -j as
  // the kernel's build runs it (which same-name FUNCs it keeps depends on its thread scheduling).
  const tp = {};
  if (!args.includes("--no-pahole")) {
    const which = spawnSync("sh", ["-c", "command -v pahole"], { encoding: "utf8" }).stdout.trim();
    if (!which) console.log("\nSKIP: pahole not installed");
    for (const pj of which ? ["", "-j"] : []) {
      const version = spawnSync(which, ["--version"], { encoding: "utf8" }).stdout.trim();
      const pOut = join(OUT, `vmlinux.pahole${pj}.btf`);
      const pargs = ["-J", "--btf_gen_floats", "--lang_exclude=rust", `--btf_encode_detached=${pOut}`];
      if (pj) pargs.push(pj);
      const r = timed([which, ...pargs, vmlinux]);
      if (r.status !== 0) console.log(`\npahole failed: ${r.stderr.trim().split("\n").pop()}`);
      else {
        console.log(`\npahole ${version} ${pargs.join(" ")}: ${time(r)}`);
        const p = loadBtf(pOut);
        tp[pj] = report(`pahole ${version} ${pj} vs Debian's .BTF`, diffBtf(theirs, p, { examples: 10 }), { examples: pj ? 3 : 10 });
        const vp = kernelVerdict(readFileSync(pOut));
        console.log(`  kernel verdict: ${vp.unavailable ? "unavailable: " + vp.unavailable : vp.accepted ? "accepted" : "REJECTED " + vp.reason}`);
      }
    }
  }

  console.log("\nsummary (matched / Debian's roots over " + PCT_KINDS.join(",") + ")");
  console.log(`  btfkit ${DEBIAN_FEATURES}: ${pct(t1.matched, t1.inA)}%  kernel: ${v1.accepted ? "accepted" : v1.unavailable ? "n/a" : "rejected"}  cpu ${e1.cpuS?.toFixed(1)} s`);
  if (t2raw) console.log(`  btfkit nested arrays: raw ${pct(t2raw.matched, t2raw.inA)}%, nested = flat ${pct(t2adj.matched, t2adj.inA)}%`);
  for (const [pj, t] of Object.entries(tp)) console.log(`  pahole --btf_gen_floats --lang_exclude=rust ${pj || "(one thread)"}: ${pct(t.matched, t.inA)}%`);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) await main();
