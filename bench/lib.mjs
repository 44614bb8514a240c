// Shared helpers for the benchmarks: run commands side by side (interleaved, so that noise on a shared machine hits
// both), take the median, and measure peak RSS of child processes through wait4's rusage (via a tiny shell shim);
// and, for kernel-parity and modules-sweep, the kernels (--kernel 6.1|7.3), their pahole, the kernel oracle and
// the comparison tables.
import { spawnSync } from "node:child_process";
import { openSync, closeSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
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
  for (const argv of Object.values(cases)) timeCommand(argv); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [k, argv] of Object.entries(cases)) {
      const r = timeCommand(argv);
      res[k].times.push(r.ms);
      if (r.rssMB !== undefined) res[k].rss.push(r.rssMB);
    }
  }
  return Object.fromEntries(
    Object.entries(res).map(([k, v]) => [
      k,
      { median: median(v.times), min: Math.min(...v.times), rssMB: v.rss.length ? Math.max(...v.rss) : undefined },
    ]),
  );
}

export function fmt(n, d = 1) {
  return n === undefined ? "-" : n.toFixed(d);
}

// ---------------------------------------------------------------------------------------------------------------
// Kernel benchmarks (kernel-parity, modules-sweep): the two Debian kernels, their pahole, the kernel oracle, and
// the comparison tables.

export const DIST = join(REPO, "dist");
export const OUT = join(REPO, "bench/out");
export const distModule = (p) => import(pathToFileURL(join(DIST, p)).href);

/** Where scripts/fetch-debian-kernel.sh puts things (test/util/inputs.ts looks in the same places). */
export function cacheRoots() {
  return [process.env.BTFKIT_CACHE, join(REPO, ".cache"), "/work/cache"].filter(Boolean);
}

/**
 * The kernels the benchmarks know, each with the pahole its Debian build ran and the btfkit flags standing in for it.
 * - 6.1: Debian's `pahole -J --btf_gen_floats -j --lang_exclude=rust` (pahole 1.24; Makefile.btf ≤ 1.25 flags).
 *   The `.BTF` Debian shipped is that pahole's output as it is (6.1's resolve_btfids only patches `.BTF_ids`).
 * - 7.3: Debian 7.3.4's Makefile.btf with pahole 1.30 (docs/modern-kernel.md §1.1–1.2). The shipped `.BTF` went
 *   through resolve_btfids afterwards (re-dedup, sort by name, `*_impl` twins, kfunc decl tags), so the reference
 *   is pahole 1.30's own output, made in the same run.
 */
export const KERNELS = {
  6.1: {
    id: "6.1",
    release: "6.1.0-56-cloud-amd64",
    title: "Debian 6.1.0-56-cloud-amd64 (built with pahole 1.24)",
    dir: "linux-dbg",
    paholeVersion: "v1.24",
    compat: "1.24",
    features: "default,-consistent_func",
    nestedFeatures: "default,-consistent_func,-flat_arrays",
    /** pahole 1.24 as Debian ran it; `jobs` "" = one thread, else a bare -j (nproc × 1.1 threads). */
    paholeArgs: ({ out, base, jobs }) => [
      "-J",
      "--btf_gen_floats",
      ...(jobs ? ["-j"] : []),
      "--lang_exclude=rust",
      ...(base ? ["--btf_base", base] : []),
      `--btf_encode_detached=${out}`,
    ],
    findPahole: () => process.env.PAHOLE_124 ?? onPath("pahole"),
    /** The BTF Debian shipped is what its pahole made: modules of both encoders split on it. */
    debianIsPahole: true,
  },
  7.3: {
    id: "7.3",
    release: "7.3.4+deb13-cloud-amd64",
    title: "Debian 7.3.4+deb13-cloud-amd64 (built with pahole 1.30, then resolve_btfids)",
    dir: "linux-7.3-cloud-dbg",
    paholeVersion: "v1.30",
    compat: "1.30",
    features: "+reproducible_build",
    nestedFeatures: "+reproducible_build,-flat_arrays",
    paholeArgs: ({ out, base, jobs }) => [
      "-J",
      `-j${jobs || 2}`,
      "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func",
      "--btf_features=+reproducible_build",
      "--lang_exclude=rust",
      ...(base ? ["--btf_base", base] : []),
      `--btf_encode_detached=${out}`,
    ],
    findPahole: () =>
      process.env.PAHOLE_130 ??
      cacheRoots()
        .map((r) => join(r, "trixie/pahole"))
        .find((p) => existsSync(p)),
    debianIsPahole: false,
  },
};

/** `--kernel 6.1|7.3` (default 6.1); exits with usage on anything else. */
export function kernelFromArgs(args) {
  const i = args.indexOf("--kernel");
  const id = i >= 0 ? args[i + 1] : (args.find((a) => a.startsWith("--kernel="))?.slice(9) ?? "6.1");
  const k = KERNELS[id];
  if (!k) {
    console.error(`--kernel must be one of ${Object.keys(KERNELS).join(", ")} (got ${id})`);
    process.exit(2);
  }
  return k;
}

/** The extracted debug package of kernel `k`: {vmlinux, modulesDir}, or undefined. */
export function findKernel(k) {
  for (const root of cacheRoots()) {
    const base = join(root, k.dir, "usr/lib/debug");
    const modulesDir = join(base, "lib/modules", k.release);
    for (const vmlinux of [join(base, "boot", `vmlinux-${k.release}`), join(modulesDir, "vmlinux")]) {
      if (existsSync(vmlinux) && existsSync(modulesDir)) return { vmlinux, modulesDir };
    }
  }
  return undefined;
}

/** The .ko files under `dir`, sorted by path. */
export function listModules(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function onPath(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim() || undefined;
}

/** `pahole --version` of `bin` ("v1.30"), or undefined when it does not run. */
export function paholeVersion(bin) {
  if (!bin) return undefined;
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The argv of `btfkit encode` with kernel `k`'s flags.
 * @param {{ input: string, out: string, base?: string, jobs?: number | string, features?: string }} opts
 */
export function btfkitEncodeArgv(k, opts) {
  const { input, out, base, jobs = 1, features = k.features } = opts;
  return [
    process.execPath,
    BTFKIT,
    "encode",
    input,
    "-o",
    out,
    "--compat",
    k.compat,
    "--features",
    features,
    "--lang-exclude",
    "rust",
    "-j",
    String(jobs),
    "-q",
    ...(base ? ["--base", base] : []),
  ];
}

/** A command line for humans (single quotes where needed). */
export function shellLine(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Run argv under /usr/bin/time; returns {status, stdout, stderr, cpuS (user+sys), wallS, rssMB}. */
export function timed(argv, opts = {}) {
  const useTime = existsSync("/usr/bin/time");
  const cmd = useTime ? ["/usr/bin/time", "-f", "@@TIME %U %S %e %M", ...argv] : argv;
  const t0 = Date.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  const wall = (Date.now() - t0) / 1000;
  let stderr = r.stderr ?? "";
  let cpuS,
    rssMB,
    wallS = wall;
  const m = /@@TIME (\S+) (\S+) (\S+) (\d+)\s*$/.exec(stderr);
  if (m) {
    cpuS = Number(m[1]) + Number(m[2]);
    wallS = Number(m[3]);
    rssMB = Number(m[4]) / 1024;
    stderr = stderr.slice(0, m.index);
  }
  // /usr/bin/time reports a signal as "Command terminated by signal N" and exits with status 0 or 1.
  const status = r.error
    ? -1
    : /Command (terminated by signal|exited with non-zero status)/.test(stderr) && r.status === 0
      ? 1
      : r.status;
  return { status, stdout: r.stdout ?? "", stderr: r.error ? String(r.error.message) : stderr, cpuS, wallS, rssMB };
}

/**
 * Run one encoder writing `out` (removed first: pahole < 1.32 opens its output without O_TRUNC, so a shorter
 * result would keep the tail of the last one). Returns the timing plus `ok`, `empty` (exit 0 without a file: pahole
 * writes nothing when the BTF would be empty) and, on failure, `failure`: the command and its last stderr lines.
 */
export function runEncoder(argv, out) {
  rmSync(out, { force: true });
  const r = timed(argv);
  const ok = r.status === 0;
  const empty = ok && !existsSync(out);
  const failure = ok
    ? undefined
    : `FAILED (exit ${r.status}): ${shellLine(argv)}\n    ${r.stderr.trim().split("\n").slice(-4).join("\n    ")}`;
  return { ...r, ok, empty, failure, argv };
}

/** `wall 9.9 s, cpu 10.6 s, peak RSS 680 MB` */
export const timeText = (r) => `wall ${fmt(r.wallS)} s, cpu ${fmt(r.cpuS)} s, peak RSS ${fmt(r.rssMB, 0)} MB`;
export const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? "-" : (a / b).toFixed(2) + "x");

/** Timing rows (name → {wallS, cpuS, rssMB}) and the ratios of `num` over each of `dens`. */
export function printTiming(title, rows, num, dens = []) {
  console.log(`\n${title}`);
  const w = Math.max(34, ...Object.keys(rows).map((k) => k.length + 2), ...dens.map((d) => num.length + d.length + 11));
  console.log(`  ${"".padEnd(w)} ${"wall s".padStart(8)} ${"cpu s".padStart(8)} ${"peak RSS MB".padStart(12)}`);
  for (const [name, r] of Object.entries(rows)) {
    if (!r) continue;
    console.log(
      `  ${name.padEnd(w)} ${fmt(r.wallS).padStart(8)} ${fmt(r.cpuS).padStart(8)} ${fmt(r.rssMB, 0).padStart(12)}`,
    );
  }
  for (const den of dens) {
    const a = rows[num],
      b = rows[den];
    if (!a || !b) continue;
    console.log(
      `  ${`ratio ${num} / ${den}`.padEnd(w)} ${ratio(a.wallS, b.wallS).padStart(8)} ${ratio(a.cpuS, b.cpuS).padStart(8)} ${ratio(a.rssMB, b.rssMB).padStart(12)}`,
    );
  }
}

// ---- the kernel oracle (test/oracle/btf-load.c, compiled here) ----

const ORACLE_SRC = join(REPO, "test/oracle/btf-load.c");
const ORACLE_BIN = join(OUT, "btf-load");
let oracleState;
/** Compile the BPF_BTF_LOAD helper once; returns undefined when usable, else the reason. */
export function oracleUnavailable() {
  if (oracleState !== undefined) return oracleState || undefined;
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(ORACLE_BIN) || statSync(ORACLE_BIN).mtimeMs < statSync(ORACLE_SRC).mtimeMs) {
    const tmp = `${ORACLE_BIN}.${process.pid}.tmp`;
    const cc = spawnSync(process.env.CC ?? "cc", ["-O1", "-o", tmp, ORACLE_SRC], { encoding: "utf8" });
    if (cc.status !== 0)
      return (oracleState = `cannot compile btf-load.c: ${(cc.stderr || cc.error?.message || "").trim().split("\n")[0]}`);
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
      return {
        accepted: false,
        reason: `${lines[0]}: ${
          lines
            .slice(1)
            .filter((l) => l.trim() !== "")
            .pop() ?? ""
        }`,
      };
    }
    return { unavailable: `btf-load exit ${r.status}: ${out.trim().split("\n")[0]}` };
  } finally {
    rmSync(file, { force: true });
  }
}

export const verdictText = (v) =>
  !v ? "not asked" : v.unavailable ? "unavailable: " + v.unavailable : v.accepted ? "accepted" : "REJECTED " + v.reason;

// ---- comparison ----

/**
 * Fold every chain of directly nested ARRAYs (ARRAY of ARRAY of … T) into one ARRAY of T with the product of the
 * counts, in place: what pahole ≤ 1.31 emits for a multi-dimensional C array. Returns how many ARRAYs changed.
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

/** Display order of the kinds in type-count tables. */
export const ALL_KINDS = [
  "INT",
  "FLOAT",
  "PTR",
  "ARRAY",
  "STRUCT",
  "UNION",
  "ENUM",
  "ENUM64",
  "FWD",
  "TYPEDEF",
  "VOLATILE",
  "CONST",
  "RESTRICT",
  "TYPE_TAG",
  "FUNC_PROTO",
  "FUNC",
  "VAR",
  "DATASEC",
  "DECL_TAG",
];
/** The kinds diffBtf compares (roots), in its order. */
export const ROOT_KIND_NAMES = [
  "STRUCT",
  "UNION",
  "ENUM",
  "ENUM64",
  "FWD",
  "TYPEDEF",
  "INT",
  "FLOAT",
  "FUNC",
  "VAR",
  "DATASEC",
  "DECL_TAG",
];
/** Kinds whose missing/extra names are always listed. */
export const LIST_KINDS = ["FUNC", "VAR", "DATASEC", "DECL_TAG"];

export const pct = (m, n) => (n === 0 ? "100.000" : ((100 * m) / n).toFixed(3));

/** Own types of `btf` per kind name. */
export function kindCounts(btf, kindName) {
  const c = {};
  for (let id = btf.startId; id < btf.endId; id++) {
    const k = kindName(btf.kind(id));
    c[k] = (c[k] ?? 0) + 1;
  }
  return c;
}

/** Own DATASECs of `btf`: section name → list of {name, offset, size} (a VAR name can occur more than once). */
export function datasecEntries(btf, DATASEC) {
  const secs = new Map();
  for (let id = btf.startId; id < btf.endId; id++) {
    if (btf.kind(id) !== DATASEC) continue;
    const name = btf.name(id);
    const list = secs.get(name) ?? [];
    for (let k = 0; k < btf.vlen(id); k++) {
      const t = btf.extraWord(id, 3 * k);
      list.push({
        name: btf.hasId(t) ? btf.name(t) : `<bad id ${t}>`,
        offset: btf.extraWord(id, 3 * k + 1),
        size: btf.extraWord(id, 3 * k + 2),
      });
    }
    secs.set(name, list);
  }
  return secs;
}

/**
 * DATASEC entries of A and B compared by VAR name, per section: `same` (same offset and size), `moved` (the name
 * in both, another offset or size), `missing` (only in A) and `extra` (only in B).
 */
export function compareDatasecs(a, b) {
  const out = new Map();
  for (const sec of new Set([...a.keys(), ...b.keys()])) {
    const ea = a.get(sec) ?? [],
      eb = b.get(sec) ?? [];
    const r = { inA: ea.length, inB: eb.length, same: 0, moved: [], missing: [], extra: [] };
    const byName = new Map();
    for (const e of eb) (byName.get(e.name) ?? byName.set(e.name, []).get(e.name)).push(e);
    const unmatchedA = [];
    for (const e of ea) {
      const list = byName.get(e.name);
      const i = list ? list.findIndex((x) => x.offset === e.offset && x.size === e.size) : -1;
      if (i >= 0) {
        list.splice(i, 1);
        r.same++;
      } else unmatchedA.push(e);
    }
    for (const e of unmatchedA) {
      const list = byName.get(e.name);
      if (list?.length) r.moved.push({ name: e.name, a: e, b: list.shift() });
      else r.missing.push(e.name);
    }
    for (const list of byName.values()) for (const e of list) r.extra.push(e.name);
    r.missing.sort();
    r.extra.sort();
    out.set(sec, r);
  }
  return out;
}

/**
 * What is peculiar about one BTF: FUNCs with a '.' or an `_impl` suffix, linkages, DECL_TAG and TYPE_TAG names,
 * DATASECs with their sizes. Returns lines.
 */
export function btfProfile(btf, BTF_KIND) {
  const funcs = { n: 0, dotted: 0, impl: 0, linkage: {} };
  const vars = { n: 0, linkage: {} };
  const tags = {},
    typeTags = {},
    secs = [];
  let tagsOnParams = 0;
  for (let id = btf.startId; id < btf.endId; id++) {
    const k = btf.kind(id);
    if (k === BTF_KIND.FUNC) {
      const name = btf.name(id);
      funcs.n++;
      if (name.includes(".")) funcs.dotted++;
      if (name.endsWith("_impl")) funcs.impl++;
      const l = ["static", "global", "extern"][btf.vlen(id)] ?? String(btf.vlen(id));
      funcs.linkage[l] = (funcs.linkage[l] ?? 0) + 1;
    } else if (k === BTF_KIND.VAR) {
      vars.n++;
      const l = ["static", "global", "extern"][btf.extraWord(id, 0)] ?? String(btf.extraWord(id, 0));
      vars.linkage[l] = (vars.linkage[l] ?? 0) + 1;
    } else if (k === BTF_KIND.DECL_TAG) {
      const name = btf.name(id);
      tags[name] = (tags[name] ?? 0) + 1;
      if ((btf.extraWord(id, 0) | 0) !== -1) tagsOnParams++;
    } else if (k === BTF_KIND.TYPE_TAG) {
      const name = btf.name(id) + (btf.kflag(id) ? " (kflag)" : "");
      typeTags[name] = (typeTags[name] ?? 0) + 1;
    } else if (k === BTF_KIND.DATASEC) {
      secs.push(`${btf.name(id)} (${btf.vlen(id)} vars, size ${btf.sizeTypeOf(id)})`);
    }
  }
  const obj = (o) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  return [
    `FUNC ${funcs.n} (linkage: ${obj(funcs.linkage)}; names with '.': ${funcs.dotted}; named *_impl: ${funcs.impl})`,
    `VAR ${vars.n} (linkage: ${obj(vars.linkage)}); DATASEC: ${secs.join(", ") || "none"}`,
    `DECL_TAG by tag: ${obj(tags)}${tagsOnParams ? ` (${tagsOnParams} on a parameter or member)` : ""}; TYPE_TAG: ${obj(typeTags)}`,
  ];
}

/**
 * Totals of several diffBtf results (A = reference) with the first `keep` examples of each category per kind;
 * `add(diff, label)` prefixes examples with `label` (a module's path). Also adds up DATASEC entry comparisons.
 */
export class DiffTotals {
  constructor(keep = 20) {
    this.keep = keep;
    this.kinds = new Map();
    this.typesA = {};
    this.typesB = {};
    this.datasecs = new Map();
    this.equal = 0;
    this.n = 0;
  }
  /** @param {{ typesA?: object, typesB?: object, datasecs?: object }} [counts] */
  add(diff, label = "", counts = {}) {
    const { typesA, typesB, datasecs } = counts;
    this.n++;
    if (diff.equal) this.equal++;
    const pre = label ? `${label}: ` : "";
    for (const row of diff.kinds) {
      let t = this.kinds.get(row.kind);
      if (!t)
        this.kinds.set(
          row.kind,
          (t = {
            inA: 0,
            inB: 0,
            matched: 0,
            onlyInA: 0,
            onlyInB: 0,
            changed: 0,
            missing: [],
            extra: [],
            changedEx: [],
          }),
        );
      for (const f of ["inA", "inB", "matched", "onlyInA", "onlyInB", "changed"]) t[f] += row[f];
      for (const e of row.examples.onlyInA) if (t.missing.length < this.keep) t.missing.push(pre + e.key);
      for (const e of row.examples.onlyInB) if (t.extra.length < this.keep) t.extra.push(pre + e.key);
      for (const e of row.examples.changed)
        if (t.changedEx.length < this.keep) t.changedEx.push(`${pre}${e.key}: ${e.difference}`);
    }
    for (const [k, v] of Object.entries(typesA ?? {})) this.typesA[k] = (this.typesA[k] ?? 0) + v;
    for (const [k, v] of Object.entries(typesB ?? {})) this.typesB[k] = (this.typesB[k] ?? 0) + v;
    for (const [sec, r] of datasecs ?? []) {
      let t = this.datasecs.get(sec);
      if (!t)
        this.datasecs.set(
          sec,
          (t = { inA: 0, inB: 0, same: 0, moved: [], missing: [], extra: [], nMoved: 0, nMissing: 0, nExtra: 0 }),
        );
      t.inA += r.inA;
      t.inB += r.inB;
      t.same += r.same;
      t.nMoved += r.moved.length;
      t.nMissing += r.missing.length;
      t.nExtra += r.extra.length;
      for (const m of r.moved)
        if (t.moved.length < this.keep)
          t.moved.push(`${pre}${m.name} @${m.a.offset}+${m.a.size} vs @${m.b.offset}+${m.b.size}`);
      for (const m of r.missing) if (t.missing.length < this.keep) t.missing.push(pre + m);
      for (const m of r.extra) if (t.extra.length < this.keep) t.extra.push(pre + m);
    }
  }
  /** Sum over `kinds` (default: every root kind but FWD and DECL_TAG, the headline percentage's). */
  total(kinds = PCT_KINDS) {
    const t = { inA: 0, inB: 0, matched: 0, onlyInA: 0, onlyInB: 0, changed: 0 };
    for (const [k, r] of this.kinds) if (kinds.includes(k)) for (const f of Object.keys(t)) t[f] += r[f];
    return t;
  }
}

/** The kinds the headline percentage is taken over; FWD and DECL_TAG are reported on their own. */
export const PCT_KINDS = ["STRUCT", "UNION", "ENUM", "ENUM64", "TYPEDEF", "INT", "FLOAT", "FUNC", "VAR", "DATASEC"];
export const SIDE_KINDS = ["FWD", "DECL_TAG"];

/**
 * The parity table of a DiffTotals: per kind the types of each side (every type of that kind, anonymous ones too),
 * the roots diffBtf compares, matched (equal by meaning), changed (same name, different shape), missing (only in
 * A) and extra (only in B); then the first names of each category, always for LIST_KINDS and for others up to
 * `listOthers` names; then DATASEC entries. `a`/`b` name the sides.
 */
export function printParity(title, t, { a = "pahole", b = "btfkit", listOthers = 5 } = {}) {
  console.log(`\n${title}`);
  const w = Math.max(8, a.length, b.length) + 1;
  const typeCols = Object.keys(t.typesA).length + Object.keys(t.typesB).length > 0;
  console.log(
    `  ${"kind".padEnd(10)}` +
      (typeCols ? `${(a + " types").padStart(w + 6)} ${(b + " types").padStart(w + 6)} ` : " ") +
      `${a.padStart(w)} ${b.padStart(w)} ${"matched".padStart(8)} ${"%".padStart(8)} ${"changed".padStart(7)} ${"missing".padStart(7)} ${"extra".padStart(7)}`,
  );
  const kinds = typeCols ? ALL_KINDS : ROOT_KIND_NAMES;
  for (const k of kinds) {
    const r = t.kinds.get(k);
    const ta = t.typesA[k] ?? 0,
      tb = t.typesB[k] ?? 0;
    if (!r && ta === 0 && tb === 0) continue;
    const types = typeCols ? `${String(ta).padStart(w + 6)} ${String(tb).padStart(w + 6)} ` : " ";
    const roots = r
      ? `${String(r.inA).padStart(w)} ${String(r.inB).padStart(w)} ${String(r.matched).padStart(8)} ${pct(r.matched, r.inA).padStart(8)} ${String(r.changed).padStart(7)} ${String(r.onlyInA).padStart(7)} ${String(r.onlyInB).padStart(7)}${SIDE_KINDS.includes(k) ? "  (not in %)" : ""}`
      : `${"".padStart(w)} ${"".padStart(w)}   (not compared on its own: anonymous, reached from the roots)`;
    console.log(`  ${k.padEnd(10)}${types}${roots}`);
  }
  const tot = t.total();
  const sumTypes = (o) => Object.values(o).reduce((x, y) => x + y, 0);
  console.log(
    `  ${"TOTAL".padEnd(10)}` +
      (typeCols
        ? `${String(sumTypes(t.typesA)).padStart(w + 6)} ${String(sumTypes(t.typesB)).padStart(w + 6)} `
        : " ") +
      `${String(tot.inA).padStart(w)} ${String(tot.inB).padStart(w)} ${String(tot.matched).padStart(8)} ${pct(tot.matched, tot.inA).padStart(8)} ${String(tot.changed).padStart(7)} ${String(tot.onlyInA).padStart(7)} ${String(tot.onlyInB).padStart(7)}  (roots over ${PCT_KINDS.join(",")})`,
  );
  const order = [...LIST_KINDS, ...ROOT_KIND_NAMES.filter((k) => !LIST_KINDS.includes(k))];
  for (const k of order) {
    const r = t.kinds.get(k);
    if (!r || k === "DATASEC") continue;
    const n = LIST_KINDS.includes(k) ? t.keep : listOthers;
    const show = (what, total, list) => {
      if (total === 0 || n === 0) return;
      console.log(`  ${k} ${what} (${Math.min(n, list.length)} of ${total}):`);
      for (const x of list.slice(0, n)) console.log(`      ${x}`);
    };
    show(`missing: in ${a}, not in ${b}`, r.onlyInA, r.missing);
    show(`extra: in ${b}, not in ${a}`, r.onlyInB, r.extra);
    show("changed: same name, different shape", r.changed, r.changedEx);
  }
  for (const [sec, r] of t.datasecs) {
    console.log(
      `  DATASEC ${sec} entries: ${a} ${r.inA}, ${b} ${r.inB}, same offset and size ${r.same}, moved ${r.nMoved}, missing ${r.nMissing}, extra ${r.nExtra}`,
    );
    if (r.missing.length) console.log(`      missing (${r.missing.length} of ${r.nMissing}): ${r.missing.join(", ")}`);
    if (r.extra.length) console.log(`      extra (${r.extra.length} of ${r.nExtra}): ${r.extra.join(", ")}`);
    if (r.moved.length)
      console.log(`      moved (${r.moved.length} of ${r.nMoved}; @offset+size ${a} vs ${b}): ${r.moved.join("; ")}`);
  }
  return tot;
}

/**
 * Set coverage of split BTF: how many of A's own roots (named types, FUNCs, VARs, DATASECs, DECL_TAGs) have a root of
 * the same canonical form anywhere in B — its base or its split part. This is "does btfkit's module BTF, read with
 * its base, describe everything pahole's does", indifferent to which side of the split a type landed on (pahole
 * 1.30's libbpf leaves many base structs re-defined in the module; btfkit's dedup folds them, and folds a module
 * FUNC identical to a vmlinux FUNC into the base, as libbpf's btf__dedup does). `CanonicalForms` is
 * dist/diff/canonical.js's; B's base forms are computed once per base.
 */
export function makeCoverage(CanonicalForms, kindName) {
  const baseForms = new WeakMap();
  const collect = (btf, from, to, set) => {
    const c = new CanonicalForms(btf);
    for (let id = from; id < to; id++) if (c.isRoot(id)) set.add(c.rootKey(id) + "\u0000" + c.rootForm(id));
  };
  const totals = { n: 0, roots: 0, found: 0, perKind: new Map(), missing: [] };
  const add = (a, b, label) => {
    let inBase = b.base ? baseForms.get(b.base) : new Set();
    if (!inBase) {
      inBase = new Set();
      collect(b.base, 1, b.base.endId, inBase);
      baseForms.set(b.base, inBase);
    }
    const own = new Set();
    collect(b, b.startId, b.endId, own);
    const ca = new CanonicalForms(a);
    totals.n++;
    for (let id = a.startId; id < a.endId; id++) {
      if (!ca.isRoot(id)) continue;
      const key = ca.rootKey(id);
      const form = key + "\u0000" + ca.rootForm(id);
      const kind = kindName(a.kind(id));
      const k = totals.perKind.get(kind) ?? { roots: 0, found: 0 };
      totals.perKind.set(kind, k);
      k.roots++;
      totals.roots++;
      if (own.has(form) || inBase.has(form)) {
        k.found++;
        totals.found++;
      } else if (totals.missing.length < 40) totals.missing.push(`${label}: ${key}`);
    }
  };
  return { add, totals };
}

/** Print makeCoverage's totals. */
export function printCoverage(title, t) {
  console.log(`\n${title}`);
  console.log(`  ${"kind".padEnd(9)} ${"roots".padStart(8)} ${"found".padStart(8)} ${"%".padStart(8)}`);
  for (const [kind, k] of [...t.perKind].sort())
    console.log(
      `  ${kind.padEnd(9)} ${String(k.roots).padStart(8)} ${String(k.found).padStart(8)} ${((100 * k.found) / Math.max(1, k.roots)).toFixed(3).padStart(8)}`,
    );
  console.log(
    `  ${"TOTAL".padEnd(9)} ${String(t.roots).padStart(8)} ${String(t.found).padStart(8)} ${((100 * t.found) / Math.max(1, t.roots)).toFixed(3).padStart(8)}`,
  );
  for (const m of t.missing.slice(0, 20)) console.log(`  not found: ${m}`);
}
