/**
 * keepPreparedBases: a process that dedups split after split on one base (btfkit-pahole's encode service) starts
 * each dedup from a copy of the base's hashed candidate table instead of hashing the base again. The output must be
 * the bytes a fresh dedup gives, whatever was deduplicated on that base before.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { writeBtf } from "../../src/btf/write.js";
import { dedupBtf, keepPreparedBases } from "../../src/dedup/dedup.js";
import { encodeFile } from "../../src/encode/encode.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { BTF_FIXTURES, FIXTURES } from "../util/inputs.js";

const bytes = (btf: Btf): Buffer => Buffer.from(writeBtf(btf));

describe("keepPreparedBases", () => {
  it("gives the bytes of a fresh dedup, split after split on the same base", () => {
    // Fresh dedups first (nothing kept yet in this test file's module instance).
    const base = loadBtf(join(FIXTURES, "distill/base.btf"));
    const modO = join(FIXTURES, "distill/mod.o");
    const undeduped = () => encodeFile(modO, { base, dedup: false }).btf;
    const fresh = bytes(dedupBtf(undeduped()).btf);
    const sampleBase = loadBtf(join(BTF_FIXTURES, "sample.btf"));
    const moduleSplit = () => loadBtf(join(BTF_FIXTURES, "module.btf"), { base: sampleBase });
    const freshModule = bytes(dedupBtf(moduleSplit()).btf);

    keepPreparedBases();
    // The first dedup on each base prepares it, the later ones copy it; interleaving the two bases must not mix them.
    const runs = [
      bytes(dedupBtf(undeduped()).btf),
      bytes(dedupBtf(moduleSplit()).btf),
      bytes(dedupBtf(undeduped(), { consumeInput: true }).btf),
      bytes(dedupBtf(moduleSplit()).btf),
      bytes(dedupBtf(undeduped()).btf),
    ];
    expect(runs.map((r, i) => r.equals(i % 2 === 0 ? fresh : freshModule))).toEqual([true, true, true, true, true]);
    // The split really had something to fold into the base (or the test would prove little).
    expect(dedupBtf(undeduped()).btf.count).toBeLessThan(undeduped().count);
  });
});
