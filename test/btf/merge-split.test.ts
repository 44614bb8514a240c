/**
 * mergeSplitBtf: base + split as one whole BTF. Split BTF continues its base's type ids and string offsets, so the
 * merged table must be the base's types followed by the split's, with every id and name unchanged — the blob the
 * kernel's BPF_BTF_LOAD (whole BTF only) is given for a module.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";
import { mergeSplitBtf } from "../../src/btf/merge-split.js";
import { parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { diffBtf } from "../../src/diff/index.js";
import { collectBytes } from "../../src/dump/byte-sink.js";
import { dumpBtfRaw } from "../../src/dump/raw.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, BTF_FIXTURES, debianKernel } from "../util/inputs.js";

const raw = (btf: Btf): string => Buffer.from(collectBytes((s) => dumpBtfRaw(btf, s))).toString("utf8");
const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: merge-split: kernel acceptance (BPF_BTF_LOAD): ${oracle.reason}`);

describe("mergeSplitBtf", () => {
  it("module.btf on sample.btf: the raw dump is bpftool's dump of the base followed by its dump of the split", () => {
    const base = loadBtf(join(BTF_FIXTURES, "sample.btf"));
    const split = loadBtf(join(BTF_FIXTURES, "module.btf"), { base });
    const merged = mergeSplitBtf(split);
    expect(merged.isSplit).toBe(false);
    expect(merged.startId).toBe(1);
    expect(merged.count).toBe(base.count + split.count);
    // Goldens written by bpftool 7.1 (test/fixtures/btf/build.sh).
    const expected =
      readFileSync(join(BTF_FIXTURES, "sample.bpftool-raw.txt"), "utf8") +
      readFileSync(join(BTF_FIXTURES, "module.bpftool-raw.txt"), "utf8");
    // Written and read back as a standalone blob.
    const bytes = writeBtf(merged);
    const reread = parseBtf(bytes);
    expect(raw(reread)).toBe(expected);
    expect(validateBtf(reread)).toEqual([]);
    if (oracle.available) expect(kernelVerdict(bytes).reason).toBe("");
  });

  it("a split built by hand equals by meaning the same types built as one BTF", () => {
    const base = new Btf();
    const int = base.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    base.addNamed("foo", BTF_KIND.STRUCT, 1, false, 4, [base.strings.intern("a"), int, 0]);
    const split = new Btf({ base });
    const fooPtr = split.addNamed("", BTF_KIND.PTR, 0, false, 2);
    split.addNamed("bar", BTF_KIND.STRUCT, 2, false, 16, [
      split.strings.intern("p"),
      fooPtr,
      0,
      split.strings.intern("a"),
      int,
      64,
    ]);

    const whole = new Btf();
    const int2 = whole.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    const foo2 = whole.addNamed("foo", BTF_KIND.STRUCT, 1, false, 4, [whole.strings.intern("a"), int2, 0]);
    const ptr2 = whole.addNamed("", BTF_KIND.PTR, 0, false, foo2);
    whole.addNamed("bar", BTF_KIND.STRUCT, 2, false, 16, [
      whole.strings.intern("p"),
      ptr2,
      0,
      whole.strings.intern("a"),
      int2,
      64,
    ]);

    const merged = mergeSplitBtf(split);
    expect(merged.count).toBe(4);
    expect(merged.name(4)).toBe("bar");
    expect(merged.strings.get(merged.extraWord(4, 3))).toBe("a");
    expect(diffBtf(whole, parseBtf(writeBtf(merged))).equal).toBe(true);
    // A table without a base comes back as an equal copy.
    expect(raw(mergeSplitBtf(whole))).toBe(raw(whole));
  });

  const deb = debianKernel();
  announceSkip("merge-split: Debian module", deb);
  it.skipIf(!deb.value)(
    "a Debian module's split .BTF merged on the vmlinux .BTF is accepted by the kernel",
    () => {
      const k = deb.value!;
      const base = loadBtf(k.vmlinux);
      const split = loadBtf(join(k.modulesDir, "kernel/fs/fat/fat.ko"), { base });
      const bytes = writeBtf(mergeSplitBtf(split));
      expect(validateBtf(parseBtf(bytes))).toEqual([]);
      if (oracle.available) expect(kernelVerdict(bytes).reason).toBe("");
    },
    60_000,
  );
});
