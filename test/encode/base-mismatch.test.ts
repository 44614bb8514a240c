import { describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { baseMismatchWarning } from "../../src/encode/encode.js";

/** A base with `n` structs `s0..s(n-1)`, each `{ int a; }`. */
function base(n: number): Btf {
  const b = new Btf();
  const int = b.addNamed("int", BTF_KIND.INT, 0, false, 4, [(1 << 24) | 32]);
  for (let i = 0; i < n; i++) b.addNamed(`s${i}`, BTF_KIND.STRUCT, 1, false, 4, [b.strings.intern("a"), int, 0]);
  return b;
}

/** Split structs named `${prefix}0..`, each `{ long a; }` (so none equals a base struct). */
function split(b: Btf, n: number, prefix: string): Btf {
  const s = new Btf({ base: b });
  const long = s.addNamed("long", BTF_KIND.INT, 0, false, 8, [(1 << 24) | 64]);
  for (let i = 0; i < n; i++)
    s.addNamed(`${prefix}${i}`, BTF_KIND.STRUCT, 1, false, 8, [s.strings.intern("a"), long, 0]);
  return s;
}

describe("baseMismatchWarning", () => {
  it("warns when most of a split BTF's structs re-define base structs by name", () => {
    const w = baseMismatchWarning(split(base(80), 60, "s"));
    expect(w).toMatch(/^60 of the split BTF's 60 named structs and unions also exist in the base by name/);
    expect(w).toMatch(/--features \+flat_arrays/);
  });
  it("stays quiet for a module's own structs and for a handful of same-named ones", () => {
    expect(baseMismatchWarning(split(base(80), 60, "mod_"))).toBeUndefined();
    expect(baseMismatchWarning(split(base(80), 10, "s"))).toBeUndefined();
    expect(baseMismatchWarning(base(80))).toBeUndefined();
  });
});
