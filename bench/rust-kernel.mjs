// npm run bench -- rust-kernel [--kernel cloud|generic|all] [--no-duplicates] [-j N]
//
// BTF for a Rust-enabled kernel (issue 12), on Debian 7.3.4's vmlinux (cloud: 6 Rust units; generic: 6 Rust units
// and the Rust modules qt2025.ko, ax88796b_rust.ko and drm.ko with drm_panic_qr). For each vmlinux found in the cache:
//   - btfkit encode with the Rust units (the default), with --lang-exclude rust (what Debian's build leaves out), and
//     (unless --no-duplicates) with --features +rust_duplicates (the Rust units lowered without folding mirrors);
//   - the kernel's verdict on each (BPF_BTF_LOAD on this machine);
//   - types, Rust types (with minus without), Rust types folded into C types and renamed (encode --json);
//   - C names with more than one definition: of the names Debian's .BTF defines exactly once, how many btfkit's BTF
//     defines more than once, counted per kind (a STRUCT task_struct twice) and across kinds (a Rust STRUCT
//     atomic_t next to the C TYPEDEF atomic_t, a Rust INT u32 next to C's TYPEDEF u32);
//   - btfkit diff of the --lang-exclude rust encoding against the Rust-inclusive one: C types changed or missing;
//   - the Rust modules on btfkit's Rust-inclusive base: split types and bytes, warnings, the kernel's verdict on the
//     split merged with its base, and, for comparison, the same module on the C-only base (with and without its
//     Rust units); their C types compared (btfkit diff) with the C-only encoding.
// Writes bench/out/rust-kernel.json. Encodes use --compat 1.30 (the kernel build's pahole rules).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BTFKIT, cacheRoots, distModule, fmt, kernelVerdict, OUT, timed, verdictText } from "./lib.mjs";

const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : (args.find((a) => a.startsWith(name + "="))?.slice(name.length + 1) ?? dflt);
};
const which = argOf("--kernel", "all");
const jobs = argOf("-j", "1");
const withDuplicates = !args.includes("--no-duplicates");

const { loadBtf } = await distModule("io/load-btf.js");
const { BTF_KIND } = await distModule("btf/kinds.js");
const { diffBtf } = await distModule("diff/diff-btf.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { writeBtf } = await distModule("btf/write.js");

const FLAVOURS = {
  cloud: { dir: "linux-7.3-cloud-dbg", release: "7.3.4+deb13-cloud-amd64" },
  generic: { dir: "linux-7.3-generic-dbg", release: "7.3.4+deb13-amd64" },
};
const RUST_MODULES = ["drivers/net/phy/qt2025.ko", "drivers/net/phy/ax88796b_rust.ko", "drivers/gpu/drm/drm.ko"];

function findVmlinux(f) {
  for (const root of cacheRoots()) {
    const dir = join(root, f.dir, "usr/lib/debug/lib/modules", f.release);
    if (existsSync(join(dir, "vmlinux"))) return { vmlinux: join(dir, "vmlinux"), modulesDir: join(dir, "kernel") };
  }
  return undefined;
}

mkdirSync(OUT, { recursive: true });
const outPath = (name) => join(OUT, `rust-kernel-${name}.btf`);

/** btfkit encode INPUT -o OUT --compat 1.30 --json [extra]: {stats, warnings, seconds} (throws on failure). */
function encode(input, out, extra = []) {
  const argv = [
    process.execPath,
    BTFKIT,
    "encode",
    input,
    "-o",
    out,
    "--compat",
    "1.30",
    "--json",
    "-j",
    jobs,
    ...extra,
  ];
  const r = timed(argv);
  if (r.status !== 0)
    throw new Error(`btfkit encode failed (${r.status}): ${argv.join(" ")}\n${r.stderr.slice(-2000)}`);
  const warnings = r.stderr.split("\n").filter((l) => l.startsWith("btfkit: warning: "));
  return { stats: JSON.parse(r.stdout), warnings, wallS: r.wallS, rssMB: r.rssMB };
}

const DEFINING = new Set([
  BTF_KIND.STRUCT,
  BTF_KIND.UNION,
  BTF_KIND.ENUM,
  BTF_KIND.ENUM64,
  BTF_KIND.TYPEDEF,
  BTF_KIND.INT,
  BTF_KIND.FLOAT,
]);
/** Definitions per name: `perKind` keyed "KIND name" (ENUM64 counted as ENUM), `anyKind` keyed by the name alone. */
function definitions(btf) {
  const perKind = new Map();
  const anyKind = new Map();
  for (let id = btf.startId; id < btf.endId; id++) {
    const k = btf.kind(id);
    if (!DEFINING.has(k)) continue;
    const n = btf.name(id);
    if (n === "") continue;
    const key = `${k === BTF_KIND.ENUM64 ? BTF_KIND.ENUM : k} ${n}`;
    perKind.set(key, (perKind.get(key) ?? 0) + 1);
    anyKind.set(n, (anyKind.get(n) ?? 0) + 1);
  }
  return { perKind, anyKind };
}
/** Names `ref` defines once that `btf` defines more than once (both ways of counting), with a few examples. */
function duplicatedNames(ref, btf) {
  const r = { perKind: [], anyKind: [] };
  for (const how of ["perKind", "anyKind"]) {
    for (const [key, n] of ref[how])
      if (n === 1 && (btf[how].get(key) ?? 0) > 1) r[how].push(`${key} ×${btf[how].get(key)}`);
  }
  return {
    perKind: r.perKind.length,
    anyKind: r.anyKind.length,
    examples: [...r.perKind.slice(0, 5), ...r.anyKind.slice(0, 5)],
  };
}
const verdictOf = (btf) => kernelVerdict(writeBtf(btf.base ? mergeSplitBtf(btf) : btf));

const report = { kernels: {} };
const flavours = which === "all" ? Object.keys(FLAVOURS) : [which];
for (const name of flavours) {
  const f = FLAVOURS[name];
  if (!f) {
    console.error(`--kernel must be cloud, generic or all (got ${name})`);
    process.exit(2);
  }
  const found = findVmlinux(f);
  if (!found) {
    console.log(
      `SKIP: ${name}: no ${f.dir}/…/vmlinux in ${cacheRoots().join(", ")} (scripts/fetch-debian-kernel.sh 7.3 for cloud; ` +
        `scripts/trixie.sh extract .cache/${f.dir} linux-image-${f.release}-dbg '*/lib/modules/*/vmlinux' ${RUST_MODULES.map((m) => `'*/${m}'`).join(" ")} for generic)`,
    );
    continue;
  }
  console.log(`\n== Debian ${f.release}: ${found.vmlinux}`);
  const debian = loadBtf(found.vmlinux);
  const debianDefs = definitions(debian);
  const runs = {
    rust: encode(found.vmlinux, outPath(`${name}-rust`)),
    c: encode(found.vmlinux, outPath(`${name}-c`), ["--lang-exclude", "rust"]),
    ...(withDuplicates
      ? { duplicates: encode(found.vmlinux, outPath(`${name}-dup`), ["--features", "+rust_duplicates"]) }
      : {}),
  };
  const k = { vmlinux: found.vmlinux, encodes: {} };
  const btfs = {};
  console.log(
    `  ${"encoding".padEnd(38)} ${"types".padStart(7)} ${"bytes".padStart(9)} ${"wall s".padStart(7)}  ${"C names >1 def (per kind / any kind)".padEnd(37)} kernel`,
  );
  for (const [which, r] of Object.entries(runs)) {
    const btf = (btfs[which] = loadBtf(outPath(`${name}-${which === "duplicates" ? "dup" : which}`)));
    const dup = duplicatedNames(debianDefs, definitions(btf));
    const v = verdictOf(btf);
    const label = {
      rust: "with Rust (btfkit default)",
      c: "--lang-exclude rust",
      duplicates: "with Rust, +rust_duplicates",
    }[which];
    console.log(
      `  ${label.padEnd(38)} ${String(btf.count).padStart(7)} ${String(r.stats.bytes).padStart(9)} ${fmt(r.wallS).padStart(7)}  ${`${dup.perKind} / ${dup.anyKind}`.padEnd(37)} ${verdictText(v)}`,
    );
    k.encodes[which] = {
      types: btf.count,
      bytes: r.stats.bytes,
      wallS: r.wallS,
      rssMB: r.rssMB,
      stats: r.stats,
      warnings: r.warnings,
      duplicatedCNames: dup,
      kernel: v,
    };
  }
  const rustTypes = btfs.rust.count - btfs.c.count;
  const d = diffBtf(btfs.c, btfs.rust, { examples: 3 });
  k.rustTypes = rustTypes;
  k.diffCOnlyVsRust = {
    matched: d.total.matched,
    changed: d.total.changed,
    onlyInC: d.total.onlyInA,
    onlyInRust: d.total.onlyInB,
  };
  console.log(
    `  Rust types: ${rustTypes} (${btfs.rust.count} with Rust − ${btfs.c.count} without); Rust types folded into C types: ${runs.rust.stats.rustMirrored}, renamed: ${runs.rust.stats.rustRenamed}`,
  );
  for (const w of runs.rust.warnings) console.log(`    ${w.slice(0, 220)}`);
  if (runs.duplicates) {
    const dupDefs = k.encodes.duplicates.duplicatedCNames;
    console.log(
      `  without folding (+rust_duplicates): ${dupDefs.perKind} per kind / ${dupDefs.anyKind} any kind, e.g. ${dupDefs.examples.slice(0, 4).join(", ")}`,
    );
  }
  console.log(
    `  btfkit diff --lang-exclude rust → with Rust: ${d.total.matched} matched, ${d.total.changed} changed, ${d.total.onlyInA} C types missing, ${d.total.onlyInB} added (Rust)`,
  );

  // The Rust modules on each base.
  k.modules = {};
  const mods = RUST_MODULES.map((m) => join(found.modulesDir, m)).filter((p) => existsSync(p));
  if (mods.length === 0) console.log(`  (no Rust modules of this flavour in the cache)`);
  else
    console.log(
      `\n  ${"module".padEnd(20)} ${"base".padEnd(26)} ${"split types".padStart(11)} ${"bytes".padStart(8)} ${"warn".padStart(5)}  kernel (merged with its base)`,
    );
  for (const m of mods) {
    const mod = m.split("/").pop().replace(/\.ko$/, "");
    const rows = {
      "btfkit Rust-inclusive": encode(m, outPath(`${name}-${mod}-rust`), ["--base", outPath(`${name}-rust`)]),
      "C-only, module with Rust": encode(m, outPath(`${name}-${mod}-cbase`), ["--base", outPath(`${name}-c`)]),
      "C-only, --lang-exclude rust": encode(m, outPath(`${name}-${mod}-c`), [
        "--base",
        outPath(`${name}-c`),
        "--lang-exclude",
        "rust",
      ]),
    };
    const files = {
      "btfkit Rust-inclusive": ["rust", "rust"],
      "C-only, module with Rust": ["cbase", "c"],
      "C-only, --lang-exclude rust": ["c", "c"],
    };
    const splits = {};
    k.modules[mod] = {};
    for (const [label, r] of Object.entries(rows)) {
      const [file, base] = files[label];
      const split = (splits[label] = loadBtf(outPath(`${name}-${mod}-${file}`), {
        base: base === "rust" ? btfs.rust : btfs.c,
      }));
      const v = verdictOf(split);
      console.log(
        `  ${mod.padEnd(20)} ${label.padEnd(26)} ${String(split.count).padStart(11)} ${String(r.stats.bytes).padStart(8)} ${String(r.warnings.length).padStart(5)}  ${verdictText(v)}`,
      );
      k.modules[mod][label] = {
        splitTypes: split.count,
        bytes: r.stats.bytes,
        warnings: r.warnings,
        stats: r.stats,
        kernel: v,
      };
    }
    // Module and base together: a module's C type may now live in the base (a vmlinux's Rust bindings mirror C types
    // of modules: drm's), and a module's declaration may resolve to such a base definition.
    const md = diffBtf(splits["C-only, --lang-exclude rust"], splits["btfkit Rust-inclusive"], {
      examples: 5,
      includeBase: true,
    });
    const missing = md.kinds.flatMap((row) =>
      [...row.examples.onlyInA, ...row.examples.changed].map((e) =>
        (e.key + (e.difference ? ` (${e.difference})` : "")).slice(0, 120),
      ),
    );
    k.modules[mod].diffCOnlyVsRust = {
      matched: md.total.matched,
      changed: md.total.changed,
      onlyInC: md.total.onlyInA,
      onlyInRust: md.total.onlyInB,
      missingExamples: missing,
    };
    console.log(
      `  ${"".padEnd(20)} C types of vmlinux + module (btfkit diff, bases included): ${md.total.matched} matched, ${md.total.changed} changed, ${md.total.onlyInA} missing${missing.length ? ": " + missing.join("; ") : ""}`,
    );
  }
  report.kernels[name] = k;
}
const json = join(OUT, "rust-kernel.json");
writeFileSync(json, JSON.stringify(report, null, 1));
console.log(`\n${json}`);
