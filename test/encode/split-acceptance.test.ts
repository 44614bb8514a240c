/**
 * Split BTF for a module, end to end: the bundled sample (test/fixtures/btf/sample.c) compiled as the "kernel" and
 * module.c as the "module", with clang and with gcc. btfkit encodes the base, then the module on that base; the
 * kernel (BPF_BTF_LOAD takes whole BTF only) must accept base and split merged into one blob (split type ids and
 * string offsets continue the base's). When pahole is installed, btfkit's split BTF on pahole's base matches
 * pahole's own split BTF by meaning.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { mergeSplitBtf } from "../../src/btf/merge-split.js";
import { parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { diffBtf } from "../../src/diff/index.js";
import { parseFeatures } from "../../src/encode/features.js";
import { encodeFile } from "../../src/encode/encode.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, BTF_FIXTURES, tool } from "../util/inputs.js";
import { findTypes } from "./helpers.js";

const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: split acceptance: kernel verdicts (BPF_BTF_LOAD): ${oracle.reason}`);
const pahole = tool("pahole");
announceSkip("split acceptance: comparison with pahole --btf_base", pahole);
const compilers = ["clang", "gcc"].map((cc) => ({ cc, path: tool(cc) }));
for (const c of compilers) announceSkip(`split acceptance with ${c.cc}`, c.path);

const FEATURE_SETS = {
  default: parseFeatures(undefined),
  "pahole 1.24": parseFeatures("default,flat_arrays,-float,-consistent_func"),
};

/** Compile sample.c and module.c with `cc` into a temp dir. */
function build(cc: string): { sample: string; module: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `btfkit-split-${cc}-`));
  const sample = join(dir, "sample.o");
  const module = join(dir, "module.o");
  // gcc does not know clang's btf_* attributes: warnings only.
  const args = ["-g", "-O1", "-c", "-w"];
  execFileSync(cc, [...args, "-o", sample, join(BTF_FIXTURES, "sample.c")], { stdio: ["ignore", "ignore", "pipe"] });
  execFileSync(cc, [...args, "-o", module, join(BTF_FIXTURES, "module.c")], { stdio: ["ignore", "ignore", "pipe"] });
  return { sample, module, dir };
}

describe.each(compilers.filter((c) => c.path.value).map((c) => [c.cc] as const))(
  "split BTF of module.c built with %s",
  (cc) => {
    const objs = build(cc);

    it.each(Object.entries(FEATURE_SETS))(
      "features %s: split continues the base, and the kernel accepts base+split",
      (_, features) => {
        // The base as a module encoder sees it: written and read back.
        const base = parseBtf(writeBtf(encodeFile(objs.sample, { features }).btf));
        const { btf: split } = encodeFile(objs.module, { base, features });
        expect(split.startId).toBe(base.endId);
        expect(split.strings.startOffset).toBe(base.strings.endOffset);
        // module.c repeats the base's `struct list_head` and `u32`: they come from the base, not again from the split.
        expect(findTypes(split, BTF_KIND.STRUCT, "list_head")).toEqual([]);
        expect(findTypes(split, BTF_KIND.TYPEDEF, "u32")).toEqual([]);
        expect(findTypes(split, BTF_KIND.STRUCT, "module_state")).toHaveLength(1);
        expect(findTypes(split, BTF_KIND.FUNC, "module_init_fn")).toHaveLength(1);
        // Written and read back on the base: the same split BTF.
        const reread = parseBtf(writeBtf(split), { base });
        expect(diffBtf(split, reread).equal).toBe(true);
        expect(validateBtf(reread)).toEqual([]);
        const merged = writeBtf(mergeSplitBtf(reread));
        expect(validateBtf(parseBtf(merged))).toEqual([]);
        if (oracle.available) {
          const v = kernelVerdict(merged);
          expect(v.reason).toBe("");
          expect(v.accepted).toBe(true);
        }
      },
    );

    it.skipIf(!pahole.value)("on pahole's base, btfkit's split BTF matches pahole --btf_base by meaning", () => {
      const baseFile = join(objs.dir, "sample.pahole.btf");
      const splitFile = join(objs.dir, "module.pahole.btf");
      execFileSync(pahole.value!, ["-J", `--btf_encode_detached=${baseFile}`, objs.sample], {
        stdio: ["ignore", "ignore", "ignore"],
      });
      execFileSync(pahole.value!, ["-J", "--btf_base", baseFile, `--btf_encode_detached=${splitFile}`, objs.module], {
        stdio: ["ignore", "ignore", "ignore"],
      });
      const base = parseBtf(readFileSync(baseFile), { file: baseFile });
      const theirs = parseBtf(readFileSync(splitFile), { file: splitFile, base });
      const { btf: ours } = encodeFile(objs.module, { base, features: FEATURE_SETS["pahole 1.24"] });
      const d = diffBtf(theirs, ours);
      expect(d.kinds.map((r) => [r.kind, r.inA, r.matched])).toEqual(d.kinds.map((r) => [r.kind, r.inA, r.inA]));
      expect(d.equal).toBe(true);
      if (oracle.available) {
        expect(kernelVerdict(writeBtf(mergeSplitBtf(ours))).reason).toBe("");
        expect(kernelVerdict(writeBtf(mergeSplitBtf(theirs))).reason).toBe("");
      }
    });
  },
);
