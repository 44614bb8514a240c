#!/usr/bin/env node
// Distilled base BTF (.BTF.base) of modules built outside the kernel tree, on Debian 7.3.4's modules (issue
// "btfkit-pahole drop-in", docs/modern-kernel.md §1.3):
//
//   node bench/distill-73.mjs [--sample N] [--limit N] [--match STR] [--json FILE]
//
// Two pipelines make the .BTF/.BTF.base pair of an external module, and both are run here on copies of the sampled
// modules (their .BTF and .BTF.base removed by objcopy), with btfkit and with pahole 1.30 as the encoder:
// - 6.11–6.19: the encoder distills itself: `PAHOLE -J <7.3's PAHOLE_FLAGS> --btf_features=distilled_base
//   --btf_base vmlinux M.ko`, in place. Checked: both exit 0; btfkit's distillBase of pahole's own undistilled split
//   (its --btf_encode_detached output) equals pahole's in-place .BTF and .BTF.base byte for byte (distillation is
//   libbpf's, whatever the split); btfkit's pair relocated back onto vmlinux (relocateSplit, the kernel's
//   btf_relocate) equals btfkit's undistilled split by meaning; the kernel accepts the distilled base + split merged
//   and the relocated split merged with vmlinux.
// - 7.x: the kernel's scripts/gen-btf.sh with RESOLVE_BTFIDS_FLAGS=--distill_base (Makefile.btf sets it when
//   KBUILD_EXTMOD): the encoder writes a detached split and 7.3's resolve_btfids (libbpf) distills it. Checked: exit
//   0 with each encoder; resolve_btfids' .BTF from btfkit's split (re-deduplicated, distilled, then sorted by name)
//   relocates onto vmlinux and equals btfkit-pahole's by meaning; its .BTF.base has the types and strings, byte for
//   byte, of btfkit-pahole's in-place one (only its header is longer: libbpf's distillation = btfkit's), unless
//   resolve_btfids' newer libbpf folded more anonymous types first. Modules with a .BTF_ids section are left out
//   of this pipeline: the dbg modules' .BTF_ids are final (bench/gen-btf-73.mjs puts them back for the in-tree path).
// The sizes of both encoders' distilled pairs are printed: pahole 1.30's libbpf leaves re-definitions of base types
// in a module's split, and every base type they touch ends up in .BTF.base.
//
// Exits 1 when an input is missing (saying how to get it) or any check fails.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import {
  DIST,
  KERNELS,
  OUT,
  REPO,
  cacheRoots,
  distModule,
  findKernel,
  fmt,
  kernelVerdict,
  listModules,
  median,
  oracleUnavailable,
  verdictText,
} from "./lib.mjs";

const USAGE = "usage: node bench/distill-73.mjs [--sample N] [--limit N] [--match STR] [--json FILE]";
const args = process.argv.slice(2);
const opts = { "--sample": "40", "--limit": undefined, "--match": undefined, "--json": join(OUT, "distill-73.json") };
for (let i = 0; i < args.length; i++) {
  const [name, eq] = args[i].includes("=")
    ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)]
    : [args[i], undefined];
  if (!(name in opts)) {
    console.error(`distill-73: unknown argument ${args[i]}\n${USAGE}`);
    process.exit(2);
  }
  opts[name] = eq ?? args[++i];
}
const sample = Number(opts["--sample"]);
const limit = opts["--limit"] === undefined ? Infinity : Number(opts["--limit"]);
if (!(sample >= 1) || !(limit >= 0)) {
  console.error(`distill-73: --sample N (N ≥ 1), --limit N (N ≥ 0)\n${USAGE}`);
  process.exit(2);
}

const FLAGS = [
  "-J",
  "-j2",
  "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func",
  "--btf_features=+reproducible_build",
  "--lang_exclude=rust",
];
const k = KERNELS["7.3"];
const kernel = findKernel(k);
const firstExisting = (rel) =>
  cacheRoots()
    .map((r) => join(r, rel))
    .find((p) => existsSync(p));
const pahole = firstExisting("trixie/pahole");
const resolveBtfids = firstExisting("trixie/resolve_btfids");
const genBtf = firstExisting("trixie/usr/lib/linux-kbuild-7.3.4+deb13/scripts/gen-btf.sh");
const missing = [];
if (!kernel) missing.push(`${k.title} debug package: scripts/fetch-debian-kernel.sh 7.3`);
if (!pahole || !resolveBtfids || !genBtf)
  missing.push("pahole 1.30, 7.3's resolve_btfids and gen-btf.sh in .cache/trixie: scripts/fetch-debian-kernel.sh 7.3");
if (!existsSync(join(DIST, "btf/distill.js"))) missing.push("btfkit built: npm run build");
for (const tool of ["objcopy", "llvm-objcopy"])
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
    missing.push(`${tool} on PATH (pahole 1.30 adds sections with llvm-objcopy)`);
if (missing.length) {
  console.error(`distill-73: missing inputs:\n  - ${missing.join("\n  - ")}`);
  process.exit(1);
}

const { parseBtf } = await distModule("btf/reader.js");
const { writeBtf } = await distModule("btf/write.js");
const { distillBase } = await distModule("btf/distill.js");
const { relocateSplit } = await distModule("btf/relocate.js");
const { mergeSplitBtf } = await distModule("btf/merge-split.js");
const { loadBtf } = await distModule("io/load-btf.js");
const { diffBtf } = await distModule("diff/index.js");
const { ElfFile } = await distModule("elf/elf-file.js");
const { kindName } = await distModule("btf/kinds.js");

const ENCODERS = { btfkit: join(REPO, "bin/btfkit-pahole"), pahole };
const vmlinux = kernel.vmlinux;
const base = loadBtf(vmlinux);
/** "KIND name" of every named type of the base. */
const baseNames = new Set();
for (let id = 1; id < base.endId; id++)
  if (base.nameOffOf(id) !== 0) baseNames.add(`${base.kind(id)} ${base.name(id)}`);
const work = mkdtempSync(join(tmpdir(), "distill-73-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

function sections(path, names) {
  const elf = ElfFile.open(path);
  try {
    return Object.fromEntries(
      names.map((n) => [n, elf.section(n) ? elf.sectionBytes(elf.section(n)).slice() : undefined]),
    );
  } finally {
    elf.close();
  }
}
function run(argv, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  return {
    status: r.error ? -1 : r.status,
    stderr: (r.stderr ?? "") + (r.error?.message ?? ""),
    wallS: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}
const same = (a, b) => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
/**
 * The type and string sections of a little-endian BTF blob, without its header: 7.3's resolve_btfids links a libbpf
 * whose header is 32 bytes (two more words for the optional layout section, empty here) where libbpf 1.5 and
 * btfkit write 24.
 */
function payload(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = v.getUint32(4, true);
  const at = (off, len) =>
    bytes.subarray(hdrLen + v.getUint32(off, true), hdrLen + v.getUint32(off, true) + v.getUint32(len, true));
  return Buffer.concat([at(8, 12), at(16, 20)]);
}
const verdict = (btf) => kernelVerdict(writeBtf(mergeSplitBtf(btf)));
/** Split .BTF on .BTF.base as read from an ELF, relocated onto vmlinux's BTF. */
function pair(s, file) {
  const distilled = parseBtf(s[".BTF.base"], { file, section: ".BTF.base" });
  const split = parseBtf(s[".BTF"], { base: distilled, file, section: ".BTF" });
  return { distilled, split, relocated: relocateSplit(split, base, { file }) };
}

let mods = listModules(kernel.modulesDir);
const total = mods.length;
if (opts["--match"]) mods = mods.filter((m) => m.includes(opts["--match"]));
mods = mods.filter((_, i) => i % sample === 0).slice(0, limit);
console.log(
  `distill-73: ${k.title}\n  encoders: btfkit-pahole, pahole ${spawnSync(pahole, ["--version"], { encoding: "utf8" }).stdout.trim()} (${pahole})`,
);
console.log(
  `  resolve_btfids: ${resolveBtfids}\n  modules: ${mods.length} of ${total} (every ${sample}-th${opts["--match"] ? `, paths containing '${opts["--match"]}'` : ""})`,
);
const why = oracleUnavailable();
if (why) console.log(`  kernel verdicts: SKIPPED (${why})`);

const rows = [];
const failures = [];
const fail = (mod, what) => failures.push(`${mod}: ${what}`);
for (const [n, ko] of mods.entries()) {
  const mod = relative(kernel.modulesDir, ko).replace(/^kernel\//, "");
  const stripped = join(work, "stripped.ko");
  if (run(["objcopy", "--remove-section", ".BTF", "--remove-section", ".BTF.base", ko, stripped]).status !== 0) {
    fail(mod, "objcopy --remove-section failed");
    continue;
  }
  const hasIds = sections(ko, [".BTF_ids"])[".BTF_ids"] !== undefined;
  const row = { module: mod, hasBtfIds: hasIds, inPlace: {}, genBtf: {} };
  const order = n % 2 ? ["btfkit", "pahole"] : ["pahole", "btfkit"];
  // 6.11–6.19: the encoder distills, in place; and its undistilled split, detached, for the checks.
  for (const enc of order) {
    const copy = join(work, `${enc}.ko`);
    copyFileSync(stripped, copy);
    const r = run([ENCODERS[enc], ...FLAGS, "--btf_features=distilled_base", "--btf_base", vmlinux, copy]);
    const detached = join(work, `${enc}.split.btf`);
    rmSync(detached, { force: true });
    const d = run([ENCODERS[enc], ...FLAGS, "--btf_base", vmlinux, `--btf_encode_detached=${detached}`, stripped]);
    const res = { status: r.status, wallS: r.wallS };
    row.inPlace[enc] = res;
    if (r.status !== 0 || d.status !== 0) {
      fail(
        mod,
        `${enc} exit ${r.status} (in place), ${d.status} (detached): ${(r.stderr + d.stderr).trim().split("\n").pop()}`,
      );
      continue;
    }
    const s = sections(copy, [".BTF", ".BTF.base"]);
    if (!s[".BTF.base"]) {
      fail(mod, `${enc} wrote no .BTF.base`);
      continue;
    }
    const p = pair(s, `${mod} (${enc})`);
    const undistilled = parseBtf(new Uint8Array(readFileSync(detached)), { base, file: detached });
    Object.assign(res, {
      baseTypes: p.distilled.count,
      splitTypes: p.split.count,
      baseBytes: s[".BTF.base"].length,
      splitBytes: s[".BTF"].length,
      undistilledTypes: undistilled.count,
    });
    res.bytes = { BTF: s[".BTF"], "BTF.base": s[".BTF.base"] };
    if (enc === "pahole") {
      // libbpf's distillation of pahole's split, against btfkit's distillBase of the same split.
      const ours = distillBase(undistilled, { file: detached });
      res.distillIdentical = same(writeBtf(ours.base), s[".BTF.base"]) && same(writeBtf(ours.split), s[".BTF"]);
      if (!res.distillIdentical)
        fail(mod, "btfkit's distillBase of pahole's split differs from pahole's .BTF/.BTF.base");
    } else {
      res.relocated = p.relocated;
      const diff = diffBtf(undistilled, p.relocated);
      res.relocatedEqual = diff.total.onlyInA === 0 && diff.total.changed === 0;
      if (!res.relocatedEqual)
        fail(
          mod,
          `btfkit's pair relocated onto vmlinux differs from its undistilled split (${diff.total.onlyInA} only in the split, ${diff.total.changed} changed)`,
        );
      if (!why) {
        res.verdictDistilled = verdict(p.split);
        res.verdictRelocated = verdict(p.relocated);
        for (const v of [res.verdictDistilled, res.verdictRelocated])
          if (v.accepted === false) fail(mod, `kernel: ${verdictText(v)}`);
      }
    }
  }
  // 7.x: gen-btf.sh with resolve_btfids --distill_base (external modules), where the module has no .BTF_ids.
  if (!hasIds) {
    for (const enc of order) {
      const copy = join(work, `gen-${enc}.ko`);
      copyFileSync(stripped, copy);
      const r = run(["sh", genBtf, "--btf_base", vmlinux, copy], {
        PAHOLE: ENCODERS[enc],
        PAHOLE_FLAGS: FLAGS.slice(1).join(" "),
        RESOLVE_BTFIDS: resolveBtfids,
        RESOLVE_BTFIDS_FLAGS: "--distill_base",
        OBJCOPY: "objcopy",
        objtree: work,
      });
      const res = { status: r.status, wallS: r.wallS };
      row.genBtf[enc] = res;
      if (r.status !== 0) {
        fail(mod, `gen-btf.sh with ${enc}: exit ${r.status}: ${r.stderr.trim().split("\n").pop()}`);
        continue;
      }
      const s = sections(copy, [".BTF", ".BTF.base"]);
      res.hasBtfBase = !!s[".BTF.base"];
      if (!res.hasBtfBase) {
        fail(mod, `gen-btf.sh with ${enc} left no .BTF.base`);
        continue;
      }
      const p = pair(s, `${mod} (gen-btf.sh, ${enc})`); // relocates onto vmlinux or throws
      if (enc === "btfkit") {
        // resolve_btfids re-dedups, distills, then sorts the split's types by name: the split holds the same types
        // in another order, and the distilled base is the bytes btfkit-pahole wrote in place. Unless its libbpf
        // (newer than the 1.5 btfkit's dedup matches) folds a few more types: then the rest still match, and the
        // counts and the named types folded into the base are reported.
        const own = row.inPlace.btfkit;
        const diff = diffBtf(p.relocated, own?.relocated ?? p.relocated, { examples: 1000 });
        // Named types resolve_btfids' newer libbpf folded into the base (btfkit's dedup is libbpf 1.5's, as pahole
        // 1.30's): only in btfkit-pahole's split, and the base has one of that kind and name.
        const foldedIntoBase = diff.kinds.flatMap((kr) => kr.examples.onlyInB.map((e) => e.idB));
        res.foldedIntoBase = foldedIntoBase.map(
          (id) => `${kindName(own.relocated.kind(id))} ${own.relocated.name(id)}`,
        );
        const inBase = (id) => baseNames.has(`${own.relocated.kind(id)} ${own.relocated.name(id)}`);
        res.splitEqual =
          !!own?.relocated &&
          diff.total.onlyInA === 0 &&
          diff.total.changed === 0 &&
          diff.total.onlyInB === foldedIntoBase.length &&
          foldedIntoBase.every(inBase);
        res.folded = own ? own.splitTypes - p.split.count : undefined;
        res.sameBase = !!own?.bytes && same(payload(s[".BTF.base"]), payload(own.bytes["BTF.base"]));
        if (!res.splitEqual)
          fail(
            mod,
            `resolve_btfids --distill_base of btfkit's split: .BTF differs from btfkit-pahole's by meaning (${diff.total.onlyInA} only in resolve_btfids', ${diff.total.onlyInB} only in btfkit-pahole's, ${diff.total.changed} changed)`,
          );
        if (!res.sameBase && res.folded === 0)
          fail(
            mod,
            "resolve_btfids --distill_base of btfkit's split: .BTF.base differs from btfkit-pahole's, with no type folded further",
          );
      }
    }
  }
  for (const enc of ["btfkit", "pahole"]) {
    delete row.inPlace[enc]?.bytes;
    delete row.inPlace[enc]?.relocated;
  }
  rows.push(row);
  const b = row.inPlace.btfkit ?? {},
    p = row.inPlace.pahole ?? {};
  console.log(
    `  ${mod}: .BTF.base/.BTF types btfkit ${b.baseTypes}/${b.splitTypes}, pahole ${p.baseTypes}/${p.splitTypes}${row.genBtf.btfkit ? `; gen-btf.sh --distill_base ${!row.genBtf.btfkit.splitEqual ? "DIFFERS" : row.genBtf.btfkit.folded ? `= in place by meaning; resolve_btfids folded ${row.genBtf.btfkit.folded} more types${row.genBtf.btfkit.foldedIntoBase.length ? ` (into the base: ${row.genBtf.btfkit.foldedIntoBase.join(", ")})` : ""}` : "= in place"}` : ""}`,
  );
}

const count = (pred) => rows.filter(pred).length;
const med = (enc, f) => median(rows.map((r) => r.inPlace[enc]?.[f]).filter((x) => x !== undefined));
const viaGen = rows.filter((r) => !r.hasBtfIds);
console.log(`\nsummary over ${rows.length} modules`);
console.log(
  `  in place (--btf_features=distilled_base): exit 0 btfkit ${count((r) => r.inPlace.btfkit?.status === 0)}, pahole ${count((r) => r.inPlace.pahole?.status === 0)}`,
);
console.log(
  `  btfkit's distillBase of pahole 1.30's split = pahole's .BTF + .BTF.base, byte for byte: ${count((r) => r.inPlace.pahole?.distillIdentical)}/${rows.length}`,
);
console.log(
  `  btfkit's pair relocated onto vmlinux = its undistilled split, by meaning: ${count((r) => r.inPlace.btfkit?.relocatedEqual)}/${rows.length}`,
);
if (!why) {
  console.log(
    `  kernel accepts distilled base + split: ${count((r) => r.inPlace.btfkit?.verdictDistilled?.accepted)}/${rows.length}; vmlinux + relocated split: ${count((r) => r.inPlace.btfkit?.verdictRelocated?.accepted)}/${rows.length}`,
  );
}
console.log(
  `  gen-btf.sh with RESOLVE_BTFIDS_FLAGS=--distill_base (${viaGen.length} modules without .BTF_ids): exit 0 btfkit ${count((r) => r.genBtf.btfkit?.status === 0)}, pahole ${count((r) => r.genBtf.pahole?.status === 0)}; resolve_btfids' (name-sorted) .BTF = btfkit-pahole's by meaning: ${count((r) => r.genBtf.btfkit?.splitEqual)}/${viaGen.length}, its .BTF.base = btfkit-pahole's in place (types and strings, byte for byte): ${count((r) => r.genBtf.btfkit?.sameBase)}/${viaGen.length}; modules where resolve_btfids' newer libbpf folded more: ${count((r) => r.genBtf.btfkit?.folded > 0)}`,
);
console.log(
  `  median types: .BTF.base btfkit ${med("btfkit", "baseTypes")}, pahole ${med("pahole", "baseTypes")}; .BTF btfkit ${med("btfkit", "splitTypes")}, pahole ${med("pahole", "splitTypes")} (undistilled split: btfkit ${med("btfkit", "undistilledTypes")}, pahole ${med("pahole", "undistilledTypes")})`,
);
console.log(
  `  median bytes: .BTF.base btfkit ${med("btfkit", "baseBytes")}, pahole ${med("pahole", "baseBytes")}; .BTF btfkit ${med("btfkit", "splitBytes")}, pahole ${med("pahole", "splitBytes")}`,
);
console.log(
  `  median wall of the in-place run: btfkit ${fmt(med("btfkit", "wallS"), 3)} s, pahole ${fmt(med("pahole", "wallS"), 3)} s`,
);
mkdirSync(OUT, { recursive: true });
writeFileSync(opts["--json"], JSON.stringify({ kernel: k.release, modules: rows, failures }, null, 1));
console.log(`  written: ${relative(process.cwd(), opts["--json"]) || basename(opts["--json"])}`);
if (failures.length) {
  console.log(`\nFAILED (${failures.length}):\n  ${failures.slice(0, 30).join("\n  ")}`);
  process.exit(1);
}
console.log("\nall checks passed");
