import { accessSync, constants } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { diffBtf } from "../../src/diff/diff-btf.js";
import { permuteBtf } from "./permute.js";

const VMLINUX = "/sys/kernel/btf/vmlinux";
const haveVmlinux = (() => {
  try {
    accessSync(VMLINUX, constants.R_OK);
    return true;
  } catch {
    return false;
  }
})();
if (!haveVmlinux) console.warn(`SKIP: diff tests on the running kernel's BTF because ${VMLINUX} is not readable`);

/** Named types of one kind, counted straight from the type table. */
function countNamed(btf: Btf, kind: number): number {
  let n = 0;
  for (let id = 1; id < btf.endId; id++) if (btf.kind(id) === kind && btf.nameOffOf(id) !== 0) n++;
  return n;
}

function findNamed(btf: Btf, kind: number, name: string): number {
  const id = btf.findType(kind, name);
  if (id < 0) throw new Error(`${name} not found`);
  return id;
}

describe.skipIf(!haveVmlinux)("diff on /sys/kernel/btf/vmlinux", () => {
  it("finds vmlinux equal to itself with every type id permuted, in a few seconds", () => {
    const a = loadBtf(VMLINUX);
    const b = permuteBtf(a, 20261122);
    expect(b.count).toBe(a.count);
    const t0 = performance.now();
    const d = diffBtf(a, b);
    const ms = performance.now() - t0;
    console.log(`diff of vmlinux (${a.count} types) against a permuted copy: ${ms.toFixed(0)} ms`);
    expect(d.equal).toBe(true);
    expect(d.total.onlyInA + d.total.onlyInB + d.total.changed).toBe(0);
    const structs = d.kinds.find((r) => r.kind === "STRUCT")!;
    expect(structs.inA).toBe(countNamed(a, BTF_KIND.STRUCT));
    expect(structs.matched).toBe(structs.inA);
    expect(d.kinds.find((r) => r.kind === "FUNC")!.matched).toBe(countNamed(a, BTF_KIND.FUNC));
    expect(ms).toBeLessThan(15000);
  }, 60000);

  it("reports exactly one changed struct when one member's type is changed", () => {
    const a = loadBtf(VMLINUX);
    const b = permuteBtf(a, 99);
    const listHead = findNamed(b, BTF_KIND.STRUCT, "list_head");
    expect(b.vlen(listHead)).toBe(2);
    const int = findNamed(b, BTF_KIND.INT, "int");
    const i = listHead - b.startId;
    b.extra[b.extraStart[i]! + 3 + 1] = int; // member 1 (`prev`): its type word
    const d = diffBtf(a, b);
    expect(d.equal).toBe(false);
    expect(d.total.changed).toBe(1);
    expect(d.total.onlyInA + d.total.onlyInB).toBe(0);
    const row = d.kinds.find((r) => r.kind === "STRUCT")!;
    expect(row.changed).toBe(1);
    expect(row.examples.changed[0]).toMatchObject({
      key: "struct list_head",
      difference: "member `prev`: *struct list_head @64 vs int 'int' @64",
    });
  }, 60000);
});
