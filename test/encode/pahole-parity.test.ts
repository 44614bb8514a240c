/**
 * Oracle tests: on every C fixture, the running kernel accepts btfkit's BTF (BPF_BTF_LOAD), and `diffBtf` against
 * pahole's own output (pahole run here when installed) finds the same types, functions and variables — apart from
 * a short, explained list of places where pahole 1.24 is wrong.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { HOST_BYTE_ORDER } from "../../src/common/byte-order.js";
import { diffBtf } from "../../src/diff/index.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, tool } from "../util/inputs.js";
import { DWARF_FIXTURES, SAMPLE_O } from "./helpers.js";

const pahole = tool("pahole");
announceSkip("encode: comparison with pahole", pahole);
const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: encode: kernel acceptance (BPF_BTF_LOAD): ${oracle.reason}`);

interface Fixture {
  file: string;
  langExclude?: string[];
  /** Differences pahole 1.24 is known to get wrong, as `kind: first difference` lines. */
  known?: RegExp[];
  /** Why pahole cannot read this file (it is then not compared). */
  noPahole?: string;
  /** Why this kernel cannot load it (a 32-bit target's pointers are 4 bytes, the running kernel's are 8). */
  noKernel?: string;
}

/** pahole 1.24 has no DW_TAG_atomic_type (DWARF 5): it gives `_Atomic int` members the type void. */
const ATOMIC = /^STRUCT: struct node: member `atomic_count`: void @1344 vs int 'int' @1344$/;

const C_FIXTURES: Fixture[] = [
  { file: SAMPLE_O },
  { file: "c-clang-dw4" },
  { file: "c-clang-dw5-types", known: [ATOMIC] },
  { file: "c-clang-dw5.o", known: [ATOMIC] },
  { file: "c-decl-def" },
  { file: "c-gcc-dw2" },
  { file: "c-gcc-dw3" },
  // pahole 1.24 links the `num` parameter of use_node to the wrong DIE when types live in .debug_types.
  { file: "c-gcc-dw4-types", known: [/^FUNC: func use_node: param `num`: func helper vs union number$/] },
  { file: "c-gcc-dw5", known: [ATOMIC] },
  { file: "c-gcc-dw5.o", known: [ATOMIC] },
  { file: "c-gcc-dwarf64", known: [ATOMIC] },
  { file: "c-gcc-zdebug" },
  { file: "c-gcc-zlib", known: [ATOMIC] },
  { file: "c-gcc-zlib.o", known: [ATOMIC] },
  { file: "c-gcc-zstd", known: [ATOMIC], noPahole: "zstd-compressed debug sections need elfutils >= 0.189" },
  { file: "c-rust", langExclude: ["rust"] },
  ...readdirSync(DWARF_FIXTURES)
    .filter((f) => f.startsWith("cross-"))
    .sort()
    .map(
      (file): Fixture => ({
        file,
        noKernel:
          file === "cross-i386.o" || file === "cross-powerpc.o"
            ? "32-bit target: 4-byte pointers exceed struct sizes for a 64-bit kernel"
            : undefined,
      }),
    ),
];

for (const f of C_FIXTURES) {
  if (f.noKernel) console.warn(`SKIP: encode: kernel acceptance of ${f.file}: ${f.noKernel}`);
  if (f.noPahole) console.warn(`SKIP: encode: pahole comparison of ${f.file}: ${f.noPahole}`);
}

const pathOf = (f: Fixture): string => (f.file.includes("/") ? f.file : join(DWARF_FIXTURES, f.file));

/** What pahole 1.24 emits without feature flags (complex floats make it fail with --btf_gen_floats). */
const AS_PAHOLE_124 = parseFeatures("default,flat_arrays,-float,-consistent_func");

describe.skipIf(!oracle.available)("the kernel accepts the encoded BTF", () => {
  it.each(C_FIXTURES.filter((f) => !f.noKernel).map((f) => [f.file.split("/").pop()!, f] as const))("%s", (_, f) => {
    for (const features of [parseFeatures(undefined), AS_PAHOLE_124]) {
      const { btf } = encodeFile(pathOf(f), { features, langExclude: f.langExclude });
      // A big-endian target's BTF is big-endian (as pahole writes it); the running kernel reads its own order.
      const v = kernelVerdict(writeBtf(btf, { byteOrder: HOST_BYTE_ORDER }));
      expect(v.reason).toBe("");
      expect(v.accepted).toBe(true);
    }
  });
});

describe.skipIf(!pahole.value)("same types, functions and variables as pahole -J", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-pahole-"));
  it.each(C_FIXTURES.filter((f) => !f.noPahole).map((f) => [f.file.split("/").pop()!, f] as const))("%s", (name, f) => {
    const out = join(dir, `${name}.btf`);
    const args = ["-J", `--btf_encode_detached=${out}`];
    if (f.langExclude) args.push(`--lang_exclude=${f.langExclude.join(",")}`);
    execFileSync(pahole.value!, [...args, pathOf(f)], { stdio: ["ignore", "ignore", "ignore"] });
    const theirs = parseBtf(readFileSync(out), { file: out });
    const { btf: ours, stats } = encodeFile(pathOf(f), { features: AS_PAHOLE_124, langExclude: f.langExclude });
    const diff = diffBtf(theirs, ours, { examples: 50 });
    const differences: string[] = [];
    for (const row of diff.kinds) {
      for (const e of row.examples.changed) differences.push(`${row.kind}: ${e.key}: ${e.difference ?? ""}`);
      for (const e of row.examples.onlyInA) differences.push(`${row.kind}: only in pahole: ${e.key}`);
      for (const e of row.examples.onlyInB) differences.push(`${row.kind}: only in btfkit: ${e.key}`);
    }
    const unexplained = differences.filter((d) => !(f.known ?? []).some((re) => re.test(d)));
    expect(unexplained).toEqual([]);
    // Both found the same functions and variables.
    const count = (kind: string, side: "inA" | "inB"): number => diff.kinds.find((r) => r.kind === kind)?.[side] ?? 0;
    expect(count("FUNC", "inB")).toBe(count("FUNC", "inA"));
    expect(count("VAR", "inB")).toBe(count("VAR", "inA"));
    expect(stats.functions).toBe(count("FUNC", "inA"));
  });
});
