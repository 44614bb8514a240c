/**
 * Differential test against libbpf's btf__dedup (the system libbpf, 1.1.2 on Debian bookworm): same input, and the
 * raw BTF both write must be byte-identical, which implies the same types in the same order and the same string
 * section. On a mismatch the types are compared by meaning (rendered with names) to show the first difference.
 * Inputs: the table cases (with libbpf 1.1's documented differences asserted as differences), 300 random multi-CU
 * inputs, the committed fixtures, the running kernel's BTF (alone, appended to itself, appended to a shuffled
 * copy), and, when the Debian kernel package is extracted (never in CI), its vmlinux and module BTF and (with
 * BTFKIT_SLOW_TESTS=1) its undeduplicated BTF as btfkit's encoder produces it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { dedupBtf } from "../../src/dedup/dedup.js";
import { encodeFile } from "../../src/encode/encode.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { announceSkip, BTF_FIXTURES, debianKernel, debianModules, sysVmlinux } from "../util/inputs.js";
import { appendToItself } from "./append-self.js";
import { buildCase, CASES } from "./cases.js";
import { libbpfDedupHelper, runLibbpfDedup } from "./libbpf-helper.js";
import { randomCus } from "./random-cus.js";
import { renderBtf } from "./render.js";

const helper = libbpfDedupHelper();
announceSkip("dedup differential tests against libbpf", helper);
const vmlinux = sysVmlinux();
const debian = debianKernel();
const slow = process.env.BTFKIT_SLOW_TESTS
  ? { value: true }
  : {
      missing: "set BTFKIT_SLOW_TESTS=1 to run it (encodes the Debian vmlinux's DWARF: about a minute and 2 GB of RAM)",
    };

const tmp = mkdtempSync(join(tmpdir(), "btfkit-dedup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;

/** Write `btf` (and its base) to files, dedup with libbpf and btfkit, return both outputs. */
function bothFromBtf(btf: Btf): { ours: Uint8Array; theirs: Uint8Array; ourBtf: Btf; theirBtf: Btf } {
  const n = seq++;
  const inPath = join(tmp, `in${n}.btf`);
  writeFileSync(inPath, writeBtf(btf));
  let basePath: string | undefined;
  if (btf.base) {
    basePath = join(tmp, `base${n}.btf`);
    writeFileSync(basePath, writeBtf(btf.base));
  }
  return bothFromFile(inPath, btf.base, basePath);
}

function bothFromFile(
  inPath: string,
  base?: Btf,
  basePath?: string,
): { ours: Uint8Array; theirs: Uint8Array; ourBtf: Btf; theirBtf: Btf } {
  const outPath = join(tmp, `out${seq++}.btf`);
  runLibbpfDedup(helper.value!, inPath, outPath, basePath);
  const theirs = new Uint8Array(readFileSync(outPath));
  const ourBtf = dedupBtf(loadBtf(inPath, { base }), { checkShortcuts: true }).btf;
  const ours = writeBtf(ourBtf);
  return { ours, theirs, ourBtf, theirBtf: parseBtf(theirs, { base }) };
}

/** Byte equality, with the first differing type shown (by meaning) when they differ. */
function expectSame(r: { ours: Uint8Array; theirs: Uint8Array; ourBtf: Btf; theirBtf: Btf }): void {
  if (Buffer.compare(Buffer.from(r.ours), Buffer.from(r.theirs)) === 0) return;
  const a = renderBtf(r.ourBtf),
    b = renderBtf(r.theirBtf);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  expect({ types: a.length, first: a[i] }).toEqual({ types: b.length, first: b[i] });
  expect(Buffer.from(r.ours).toString("hex")).toBe(Buffer.from(r.theirs).toString("hex"));
}

function varsAndDatasecs(btf: Btf): number {
  let n = 0;
  for (let id = btf.startId; id < btf.endId; id++) {
    const k = btf.kind(id);
    if (k === BTF_KIND.VAR || k === BTF_KIND.DATASEC) n++;
  }
  return n;
}

describe.skipIf(!helper.value)("dedup agrees with libbpf btf__dedup", () => {
  describe("table cases", () => {
    for (const c of CASES) {
      it(`${c.name} (libbpf 1.1: ${c.libbpf11})`, () => {
        const { input } = buildCase(c);
        if (c.libbpf11 === "fails") {
          const n = seq++;
          const p = join(tmp, `fail${n}.btf`);
          writeFileSync(p, writeBtf(input));
          let basePath: string | undefined;
          if (input.base) writeFileSync((basePath = join(tmp, `failbase${n}.btf`)), writeBtf(input.base));
          expect(() => runLibbpfDedup(helper.value!, p, join(tmp, `failout${n}.btf`), basePath)).toThrow();
          return;
        }
        const r = bothFromBtf(input);
        if (c.libbpf11 === "same") expectSame(r);
        else expect(renderBtf(r.ourBtf)).not.toEqual(renderBtf(r.theirBtf));
      });
    }
  });

  it("random multi-CU inputs (300 seeds)", { timeout: 120_000 }, () => {
    const mismatches: number[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const r = bothFromBtf(randomCus(seed, { structs: 4 + (seed % 6), cus: 2 + (seed % 3) }));
      if (Buffer.compare(Buffer.from(r.ours), Buffer.from(r.theirs)) !== 0) mismatches.push(seed);
    }
    expect(mismatches).toEqual([]);
  });

  describe("fixtures", () => {
    it("sample.btf, and sample.btf appended to a shuffled copy of itself", () => {
      const sample = loadBtf(join(BTF_FIXTURES, "sample.btf"));
      expectSame(bothFromFile(join(BTF_FIXTURES, "sample.btf")));
      expectSame(bothFromBtf(appendToItself(sample, { shuffle: 3 })));
    });
    it("module.btf split on sample.btf", () => {
      const base = loadBtf(join(BTF_FIXTURES, "sample.btf"));
      expectSame(bothFromFile(join(BTF_FIXTURES, "module.btf"), base, join(BTF_FIXTURES, "sample.btf")));
    });
    it("the .BTF section of an ELF object", () => {
      expectSame(bothFromFile(join(BTF_FIXTURES, "sample-with-btf.o")));
    });
  });

  describe.skipIf(announceSkip("dedup vs libbpf on the running kernel's BTF", vmlinux))(
    "/sys/kernel/btf/vmlinux",
    () => {
      it("is a fixpoint (already deduplicated) and byte-identical to libbpf", { timeout: 120_000 }, () => {
        const r = bothFromFile(vmlinux.value!);
        expectSame(r);
        expect(r.ourBtf.count).toBe(loadBtf(vmlinux.value!).count);
      });
      it(
        "appended to itself: every copy folds except VAR/DATASEC; byte-identical to libbpf",
        { timeout: 120_000 },
        () => {
          const orig = loadBtf(vmlinux.value!);
          const r = bothFromBtf(appendToItself(orig));
          expectSame(r);
          expect(r.ourBtf.count).toBe(orig.count + varsAndDatasecs(orig));
        },
      );
      it("appended to a shuffled copy of itself: byte-identical to libbpf", { timeout: 120_000 }, () => {
        const orig = loadBtf(vmlinux.value!);
        const r = bothFromBtf(appendToItself(orig, { shuffle: 11 }));
        expectSame(r);
        expect(r.ourBtf.count).toBe(orig.count + varsAndDatasecs(orig));
      });
    },
  );

  describe.skipIf(announceSkip("dedup vs libbpf on the Debian 6.1 kernel", debian))(
    "Debian 6.1 vmlinux and modules",
    () => {
      it("vmlinux .BTF is a fixpoint and byte-identical to libbpf", { timeout: 120_000 }, () => {
        const r = bothFromFile(debian.value!.vmlinux);
        expectSame(r);
        expect(r.ourBtf.count).toBe(loadBtf(debian.value!.vmlinux).count);
      });
      it("modules' split .BTF on vmlinux: byte-identical to libbpf", { timeout: 300_000 }, () => {
        const base = loadBtf(debian.value!.vmlinux);
        const basePath = join(tmp, "debian-vmlinux.btf");
        writeFileSync(basePath, writeBtf(base));
        for (const ko of debianModules(debian.value!, 8)) expectSame(bothFromFile(ko, base, basePath));
      });
      it.skipIf(announceSkip("dedup vs libbpf on the undeduplicated Debian vmlinux BTF", slow))(
        "the undeduplicated BTF of vmlinux (btfkit encode without dedup, 3.4 million types): byte-identical to libbpf",
        { timeout: 600_000 },
        () => {
          const undedup = encodeFile(debian.value!.vmlinux, { dedup: false }).btf;
          const r = bothFromBtf(undedup);
          expectSame(r);
        },
      );
      it(
        "modules' split .BTF appended to a shuffled copy of itself: byte-identical to libbpf",
        { timeout: 300_000 },
        () => {
          const base = loadBtf(debian.value!.vmlinux);
          for (const ko of debianModules(debian.value!, 4)) {
            const mod = loadBtf(ko, { base });
            const r = bothFromBtf(appendToItself(mod, { shuffle: 5 }));
            expectSame(r);
            expect(r.ourBtf.count).toBe(dedupBtf(mod).btf.count + varsAndDatasecs(mod));
          }
        },
      );
    },
  );
});
