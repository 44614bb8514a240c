import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_INT_SIGNED, BTF_KIND, makeIntWord } from "../../src/btf/kinds.js";
import { diffBtf } from "../../src/diff/diff-btf.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { permuteBtf } from "./permute.js";
import { announceSkip, debianKernel } from "../util/inputs.js";

/** Base: `int`, `long int`, `struct foo { int a; }` (or `{ long a; }` with fooLong). */
function buildBase(fooLong = false): Btf {
  const base = new Btf();
  const int = base.addNamed("int", BTF_KIND.INT, 0, false, 4, [makeIntWord(BTF_INT_SIGNED, 0, 32)]);
  const long = base.addNamed("long int", BTF_KIND.INT, 0, false, 8, [makeIntWord(BTF_INT_SIGNED, 0, 64)]);
  base.addNamed("foo", BTF_KIND.STRUCT, 1, false, 8, [base.strings.intern("a"), fooLong ? long : int, 0]);
  return base;
}

/** Split on `base`: `struct bar { struct foo *p; int n; }; int g(struct bar *b);` (`long n` with nLong). */
function buildSplit(base: Btf, nLong = false): Btf {
  const btf = new Btf({ base });
  const fooPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, 3);
  const bar = btf.addNamed("bar", BTF_KIND.STRUCT, 2, false, 16, [
    btf.strings.intern("p"),
    fooPtr,
    0,
    btf.strings.intern("n"),
    nLong ? 2 : 1,
    64,
  ]);
  const barPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, bar);
  const proto = btf.addNamed("", BTF_KIND.FUNC_PROTO, 1, false, 1, [btf.strings.intern("b"), barPtr]);
  btf.addNamed("g", BTF_KIND.FUNC, 1, false, proto);
  return btf;
}

/** The same types as `buildSplit(buildBase())`, in one BTF without a base. */
function buildFlat(): Btf {
  const btf = buildBase();
  const fooPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, 3);
  const bar = btf.addNamed("bar", BTF_KIND.STRUCT, 2, false, 16, [
    btf.strings.intern("p"),
    fooPtr,
    0,
    btf.strings.intern("n"),
    1,
    64,
  ]);
  const barPtr = btf.addNamed("", BTF_KIND.PTR, 0, false, bar);
  const proto = btf.addNamed("", BTF_KIND.FUNC_PROTO, 1, false, 1, [btf.strings.intern("b"), barPtr]);
  btf.addNamed("g", BTF_KIND.FUNC, 1, false, proto);
  return btf;
}

describe("diff of split BTF", () => {
  it("compares only the split types by default, all types with includeBase", () => {
    const base = buildBase();
    const a = buildSplit(base);
    const b = permuteBtf(buildSplit(base), 11);
    const d = diffBtf(a, b);
    expect(d.equal).toBe(true);
    expect(d.a).toEqual({ types: 5, baseTypes: 3, roots: 2 });
    expect(d.kinds.map((r) => [r.kind, r.matched])).toEqual([
      ["STRUCT", 1],
      ["FUNC", 1],
    ]);
    const all = diffBtf(a, b, { includeBase: true });
    expect(all.equal).toBe(true);
    expect(all.kinds.map((r) => [r.kind, r.matched])).toEqual([
      ["STRUCT", 2],
      ["INT", 2],
      ["FUNC", 1],
    ]);
  });

  it("finds a split BTF with its base equal to the same types in one table", () => {
    const d = diffBtf(buildSplit(buildBase()), buildFlat(), { includeBase: true });
    expect(d.equal).toBe(true);
    expect(d.total.matched).toBe(5);
  });

  it("reports a change in the split part", () => {
    const base = buildBase();
    const d = diffBtf(buildSplit(base), permuteBtf(buildSplit(base, true), 4));
    expect(d.total).toEqual({ inA: 2, inB: 2, matched: 1, onlyInA: 0, onlyInB: 0, changed: 1 });
    expect(d.kinds[0]!.examples.changed[0]).toMatchObject({
      key: "struct bar",
      difference: "member `n`: int 'int' @64 vs int 'long int' @64",
    });
  });

  it("sees a change in the base only with includeBase (split types refer to it by name)", () => {
    const a = buildSplit(buildBase());
    const b = buildSplit(buildBase(true));
    expect(diffBtf(a, b).equal).toBe(true);
    const d = diffBtf(a, b, { includeBase: true });
    expect(d.total.changed).toBe(1);
    expect(d.kinds[0]!.examples.changed[0]).toMatchObject({
      key: "struct foo",
      difference: "member `a`: int 'int' @0 vs int 'long int' @0",
    });
  });
});

// The Debian 6.1 kernel debug package: vmlinux with pahole's .BTF and modules with split .BTF. Not in CI.
const debian = debianKernel();
const haveDebian = !announceSkip("diff of a Debian kernel module's split BTF", debian);
const DEBIAN_VMLINUX = debian.value?.vmlinux ?? "";
const DEBIAN_MODULES = debian.value?.modulesDir ?? "";

/** A module with a fair amount of BTF: the first of a few well-known ones, else the first .ko found. */
function pickModule(): string {
  for (const rel of ["kernel/fs/ext4/ext4.ko", "kernel/net/ipv6/ipv6.ko", "kernel/fs/btrfs/btrfs.ko"]) {
    const p = join(DEBIAN_MODULES, rel);
    if (existsSync(p)) return p;
  }
  const stack = [DEBIAN_MODULES];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) stack.push(p);
      else if (e.endsWith(".ko")) return p;
    }
  }
  throw new Error(`no .ko under ${DEBIAN_MODULES}`);
}

describe.skipIf(!haveDebian)("diff of a Debian module's split BTF", () => {
  it("finds a .ko's .BTF on its vmlinux equal to itself, separately loaded and permuted", () => {
    const ko = pickModule();
    const baseA = loadBtf(DEBIAN_VMLINUX);
    const baseB = loadBtf(DEBIAN_VMLINUX);
    const a = loadBtf(ko, { base: baseA });
    const b = permuteBtf(loadBtf(ko, { base: baseB }), 6);
    const d = diffBtf(a, b);
    console.log(`${ko}: ${a.count} split types, ${d.total.matched} roots matched`);
    expect(d.equal).toBe(true);
    expect(d.a.baseTypes).toBe(baseA.count);
    expect(d.total.matched).toBeGreaterThan(0);
  }, 60000);
});
