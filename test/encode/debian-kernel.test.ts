/**
 * The Debian 6.1 kernel (local only: the 1 GB debug package is not in CI). Its modules' `.BTF` sections were made
 * by Debian's pahole 1.24 against the vmlinux `.BTF`; btfkit's split BTF of the same modules must match them by
 * meaning. The whole vmlinux (≈60 s, 14 M DIEs) runs only with BTFKIT_SLOW_TESTS=1.
 */
import { describe, expect, it } from "vitest";
import { writeBtf } from "../../src/btf/write.js";
import { diffBtf } from "../../src/diff/index.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, debianKernel } from "../util/inputs.js";
import { join } from "node:path";
import type { Btf } from "../../src/btf/btf.js";

const deb = debianKernel();
announceSkip("encode: Debian kernel modules", deb);
const slow = process.env.BTFKIT_SLOW_TESTS === "1";
if (deb.value && !slow) console.warn("SKIP: encode: Debian vmlinux (≈60 s): set BTFKIT_SLOW_TESTS=1 to run it");

/** Debian 6.1 was built with pahole 1.24 and --btf_gen_floats. */
const DEBIAN_PAHOLE = parseFeatures("default,flat_arrays,-consistent_func", { compat: "1.24" });

function funcNames(btf: Btf): Set<string> {
  const s = new Set<string>();
  for (let id = btf.startId; id < btf.endId; id++) if (btf.kind(id) === 12) s.add(btf.name(id));
  return s;
}

describe.skipIf(!deb.value)("Debian 6.1 kernel", () => {
  const k = deb.value!;
  const base = deb.value ? loadBtf(k.vmlinux) : undefined;

  it.each(["kernel/fs/fat/fat.ko", "kernel/net/ipv4/tcp_bbr.ko", "kernel/fs/btrfs/btrfs.ko"])(
    "split BTF of %s matches Debian's",
    (rel) => {
      const ko = join(k.modulesDir, rel);
      const { btf, stats } = encodeFile(ko, { base, features: DEBIAN_PAHOLE });
      const theirs = loadBtf(ko, { base });
      const d = diffBtf(theirs, btf);
      for (const row of d.kinds) {
        // pahole 1.24 emits one FUNC per distinct definition when two CUs define a function of the same name
        // (btrfs: fill_inode_item); so does btfkit without consistent_func.
        expect([row.kind, row.changed, row.onlyInA, row.onlyInB]).toEqual([row.kind, 0, 0, 0]);
      }
      expect(funcNames(btf)).toEqual(funcNames(theirs));
      expect(stats.externalRefs).toBe(0);
    },
    60_000,
  );

  it.skipIf(!slow)(
    "vmlinux: same types and variables as Debian's .BTF, same function names, accepted by the kernel",
    () => {
      const { btf, stats } = encodeFile(k.vmlinux, { features: DEBIAN_PAHOLE });
      const theirs = loadBtf(k.vmlinux);
      const d = diffBtf(theirs, btf);
      for (const row of d.kinds) {
        if (row.kind === "FUNC") continue;
        expect([row.kind, row.onlyInA, row.onlyInB, row.changed]).toEqual([row.kind, 0, 0, 0]);
      }
      expect(funcNames(btf)).toEqual(funcNames(theirs));
      // Debian's pahole ran with -j: a FUNC per distinct definition its threads happened to see apart (444 names
      // twice); btfkit emits every distinct definition, so each of Debian's FUNCs is among btfkit's.
      const func = d.kinds.find((r) => r.kind === "FUNC")!;
      expect(func.matched).toBe(func.inA);
      expect(stats.functions).toBe(func.inB);
      const st = oracleAvailable();
      if (st.available) expect(kernelVerdict(writeBtf(btf)).accepted).toBe(true);
      else console.warn(`SKIP: kernel acceptance of the Debian vmlinux BTF: ${st.reason}`);
    },
    600_000,
  );
});
