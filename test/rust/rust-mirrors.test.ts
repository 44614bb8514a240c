/**
 * One definition per C name with Rust in the BTF (src/encode/rust-mirrors.ts): test/fixtures/rust/mirror.o has C
 * types (mirror/mirror.h) and their mirrors written the way bindgen writes Rust-for-Linux's bindings
 * (mirror/mirror.rs) — bitfield units, `__bindgen_anon_N`, `type_`, a typedef'd anonymous struct, a newtype enum,
 * an enum as an integer alias, `Option<fn>`, an opaque declaration, an opaque blob, a union as a struct of markers,
 * a nested definition named `Outer_Inner`, padding where C has an anonymous member of a named type — one Rust
 * type of a C name with another layout, one C only declares, a 0-byte stand-in the kernel crate embeds by value,
 * and a Rust-only type.
 */
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { diffBtf } from "../../src/diff/diff-btf.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, FIXTURES } from "../util/inputs.js";
import { find, findAll, shape } from "./helpers.js";
import { join } from "node:path";

const MIRROR_O = join(FIXTURES, "rust/mirror.o");
const oracle = oracleAvailable();
const NAMED = new Set<number>([
  BTF_KIND.STRUCT,
  BTF_KIND.UNION,
  BTF_KIND.ENUM,
  BTF_KIND.ENUM64,
  BTF_KIND.TYPEDEF,
  BTF_KIND.INT,
  BTF_KIND.FLOAT,
]);

/** Definitions per name, whatever their kind (a STRUCT `atomic_t` next to a TYPEDEF `atomic_t` counts twice). */
function definitions(btf: Btf): Map<string, number> {
  const m = new Map<string, number>();
  for (let id = btf.startId; id < btf.endId; id++) {
    const n = btf.name(id);
    if (n !== "" && NAMED.has(btf.kind(id))) m.set(n, (m.get(n) ?? 0) + 1);
  }
  return m;
}

/** The type a FUNC's parameter `name` points to. */
function paramPointee(btf: Btf, func: number, name: string): number {
  const proto = btf.sizeTypeOf(func);
  for (let k = 0; k < btf.vlen(proto); k++) {
    if (btf.strings.get(btf.extraWord(proto, 2 * k)) === name) return btf.sizeTypeOf(btf.extraWord(proto, 2 * k + 1));
  }
  throw new Error(`no parameter ${name}`);
}

describe("mirror.o: Rust mirrors of C types fold into them", () => {
  const r = encodeFile(MIRROR_O);
  const btf = r.btf;
  const c = encodeFile(MIRROR_O, { langExclude: ["rust"] }).btf;

  it("every C name has exactly the definitions it has without Rust", () => {
    const withRust = definitions(btf);
    for (const [name, n] of definitions(c)) expect(withRust.get(name), name).toBe(n);
  });

  it("the mirrors are the C types: struct task as in C, and the Rust function's parameter points at it", () => {
    const task = find(btf, BTF_KIND.STRUCT, "task");
    expect(shape(btf, task)).toBe(shape(c, find(c, BTF_KIND.STRUCT, "task")));
    expect(paramPointee(btf, find(btf, BTF_KIND.FUNC, "mirror_use"), "t")).toBe(task);
    // The pieces: a typedef'd anonymous struct, a newtype enum, an enum as u32, an opaque declaration, a blob, a
    // union written as a struct, a nested definition, callback_head with Option<fn>.
    for (const [kind, name] of [
      [BTF_KIND.TYPEDEF, "atomic_t"],
      [BTF_KIND.ENUM, "irqreturn"],
      [BTF_KIND.ENUM, "pid_type"],
      [BTF_KIND.STRUCT, "opaque_thing"],
      [BTF_KIND.STRUCT, "spinlock"],
      [BTF_KIND.UNION, "fpregs"],
      [BTF_KIND.STRUCT, "task_stats"],
      [BTF_KIND.STRUCT, "callback_head"],
      [BTF_KIND.STRUCT, "list_head"],
      [BTF_KIND.STRUCT, "padded"],
    ] as const) {
      expect(findAll(btf, kind, name), name).toHaveLength(1);
    }
    // No Rust copy is left: no struct of bindgen's names, none named like a C typedef, enum or union.
    for (const name of [
      "task__bindgen_ty_1",
      "task__bindgen_ty_1__bindgen_ty_1",
      "task_task_stats",
      "atomic_t",
      "fpregs",
      "irqreturn",
    ]) {
      expect(findAll(btf, BTF_KIND.STRUCT, name), name).toEqual([]);
    }
    // Rust's u32 is C's typedef u32 (an unsigned 4-byte INT): mirror_use returns it.
    expect(shape(btf, btf.sizeTypeOf(btf.sizeTypeOf(find(btf, BTF_KIND.FUNC, "mirror_use"))))).toBe(
      "typedef 'u32' -> int 'unsigned int' size=4 bits=32 none",
    );
    expect(r.stats.rustMirrored).toBeGreaterThanOrEqual(12);
  });

  it("a Rust type of a C name with another layout gets its qualified name and a warning", () => {
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "not_same"))).toBe(shape(c, find(c, BTF_KIND.STRUCT, "not_same")));
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "mirror__bindings__not_same"))).toBe(
      "struct 'mirror__bindings__not_same' size=16 {a: int 'i32' size=4 bits=32 signed @0; c: int 'i64' size=8 bits=64 signed @64}",
    );
    expect(r.warnings).toContain(
      "Rust type not_same is not the same as the C type of that name (no member b): encoded as mirror__bindings__not_same",
    );
    // Rust's 4-byte char is not C's char.
    expect(shape(btf, find(btf, BTF_KIND.INT, "core__primitive__char"))).toBe(
      "int 'core__primitive__char' size=4 bits=32 none",
    );
    expect(findAll(btf, BTF_KIND.INT, "char").map((id) => btf.sizeTypeOf(id))).toEqual([1]);
    // bindgen's 0-byte stand-in for pm_opp is embedded by value (Opp): it cannot become C's 4-byte pm_opp.
    expect(r.warnings).toContain(
      "Rust type pm_opp is not the same as the C type of that name (an opaque type of 0 bytes used by value): encoded as mirror__bindings__pm_opp",
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Opp"))).toBe(
      "struct 'Opp' size=0 {__0: struct 'mirror__bindings__pm_opp' @0}",
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "pm_opp"))).toBe(shape(c, find(c, BTF_KIND.STRUCT, "pm_opp")));
    // A C declaration is never completed by a Rust definition (the dedup would resolve C's FWD to it).
    expect(r.warnings).toContain(
      "Rust type only_declared is not the same as the C type of that name (C has only a declaration of it): encoded as mirror__bindings__only_declared",
    );
    expect(shape(btf, find(btf, BTF_KIND.FWD, "only_declared"))).toBe("fwd 'only_declared'");
    expect(findAll(btf, BTF_KIND.STRUCT, "only_declared")).toEqual([]);
    expect(r.stats.rustRenamed).toBe(4);
  });

  it("a Rust function with a v0 symbol is a FUNC named by it, with the C function's very prototype; statics are VARs", () => {
    const funcs: number[] = [];
    for (let id = btf.startId; id < btf.endId; id++)
      if (btf.kind(id) === BTF_KIND.FUNC && /^_R.*13task_state_v0$/.test(btf.name(id))) funcs.push(id);
    expect(funcs).toHaveLength(1);
    // `fn task_state_v0(t: &bindings::task) -> u32` and C's `u32 task_state(struct task *t)`: one FUNC_PROTO.
    expect(btf.sizeTypeOf(funcs[0]!)).toBe(btf.sizeTypeOf(find(btf, BTF_KIND.FUNC, "task_state")));
    const vars = encodeFile(MIRROR_O, { features: parseFeatures("default,global_var") }).btf;
    const statics: string[] = [];
    for (let id = vars.startId; id < vars.endId; id++)
      if (vars.kind(id) === BTF_KIND.VAR && vars.name(id).startsWith("_R")) statics.push(vars.name(id));
    expect(statics).toEqual([expect.stringMatching(/^_R.*14MIRROR_COUNTER$/)]);
    expect(validateBtf(vars)).toEqual([]);
  });

  it("Rust-only names stay short, and point at the C types", () => {
    const rusty = find(btf, BTF_KIND.STRUCT, "Rusty");
    expect(shape(btf, rusty)).toBe(
      "struct 'Rusty' size=16 {x: typedef 'u32' -> int 'unsigned int' size=4 bits=32 none @0; task: ptr() -> struct 'task' @64}",
    );
  });

  it("every C type unchanged next to the C-only encoding (btfkit diff), the Rust types added", () => {
    const d = diffBtf(c, btf);
    expect(d.total.onlyInA).toBe(0);
    expect(d.total.changed).toBe(0);
    expect(d.total.onlyInB).toBeGreaterThan(20);
  });

  it("is valid and accepted by the kernel", () => {
    expect(validateBtf(btf)).toEqual([]);
    if (
      announceSkip(
        "Rust mirrors: the kernel's verdict",
        oracle.available ? { value: true } : { missing: oracle.reason },
      )
    )
      return;
    expect(kernelVerdict(writeBtf(btf)).reason).toBe("");
  });

  it("--features +rust_duplicates keeps the Rust copies as they are (two task structs, Rust's char named char)", () => {
    const dup = encodeFile(MIRROR_O, { features: parseFeatures("default,rust_duplicates") });
    expect(findAll(dup.btf, BTF_KIND.STRUCT, "task")).toHaveLength(2);
    expect(findAll(dup.btf, BTF_KIND.INT, "char")).toHaveLength(2);
    expect(dup.stats.rustMirrored).toBeUndefined();
  });

  it("without C units nothing is renamed or folded", () => {
    const rust = encodeFile(MIRROR_O, { langExclude: ["c11", "c99", "c89", "c17", "c"] });
    expect(rust.stats.rustRenamed).toBe(0);
    expect(rust.stats.rustMirrored).toBe(0);
    expect(findAll(rust.btf, BTF_KIND.STRUCT, "task")).toHaveLength(1);
    expect(findAll(rust.btf, BTF_KIND.INT, "char")).toHaveLength(1);
  });

  it("on a base: the Rust mirrors fold into the base's C types, the split holds only Rust's own types", () => {
    const split = encodeFile(MIRROR_O, { base: c, langExclude: ["c11"] }).btf;
    expect(validateBtf(split)).toEqual([]);
    const own = (kind: number, name: string): number[] =>
      findAll(split, kind, name).filter((id) => id >= split.startId);
    for (const name of ["task", "list_head", "callback_head", "spinlock", "opaque_thing"])
      expect(own(BTF_KIND.STRUCT, name), name).toEqual([]);
    expect(own(BTF_KIND.STRUCT, "Rusty")).toHaveLength(1);
    expect(own(BTF_KIND.STRUCT, "mirror__bindings__not_same")).toHaveLength(1);
    if (oracle.available) expect(kernelVerdict(writeBtf(c)).reason).toBe("");
  });
});
