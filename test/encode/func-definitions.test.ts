/**
 * Functions defined more than once under one name (static functions of the same name in two files, a weak stub
 * next to the real definition — the kernel's `sys_ni.c`). pahole 1.24 as the kernel runs it (`-j`, no
 * consistent_func) keeps a FUNC per distinct definition whenever the definitions were encoded by different
 * threads, and the Debian 6.1 vmlinux `.BTF` holds 444 such extra FUNCs; btfkit without consistent_func emits
 * every distinct definition (the deterministic superset). With consistent_func (pahole ≥ 1.25): one per name, and
 * none where the types differ.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBtf } from "../../src/btf/reader.js";
import { diffBtf } from "../../src/diff/index.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import type { Btf } from "../../src/btf/btf.js";
import { parseFeatures } from "../../src/encode/features.js";
import { encodeFile } from "../../src/encode/encode.js";
import { announceSkip, tool } from "../util/inputs.js";
import { compileC, findTypes } from "./helpers.js";

const SOURCES = {
  "a.c": `__attribute__((noinline)) static int helper(int x) { return x + 1; }
int use_a(int v) { return helper(v); }
__attribute__((weak)) long sys_thing(const void *__unused) { return -38; }`,
  "b.c": `__attribute__((noinline)) static long helper(long y, int z) { return y * z; }
long use_b(long v) { return helper(v, 2); }
long sys_thing(const void *regs) { return regs != 0; }`,
  "c.c": `__attribute__((noinline)) static int helper(int x) { return x + 1; }
int use_c(int v) { return helper(v); }
long use_b(long v);
int use_a(int v);
int main(void) { return use_a(1) + (int)use_b(2) + use_c(3); }`,
};

/** `i32`, `i64`, `ptr` (compilers name `long` differently). */
function typeText(btf: Btf, id: number): string {
  const k = btf.kind(id);
  if (k === BTF_KIND.INT) return `i${btf.sizeTypeOf(id) * 8}`;
  if (k === BTF_KIND.PTR) return "ptr";
  return String(k);
}

/** `name(param names: param types)` of every FUNC called `name`, sorted. */
function definitions(btf: Btf, name: string): string[] {
  return findTypes(btf, BTF_KIND.FUNC, name)
    .map((id) => {
      const proto = btf.sizeTypeOf(id);
      const params: string[] = [];
      for (let k = 0; k < btf.vlen(proto); k++) {
        params.push(
          `${btf.strings.get(btf.extraWord(proto, 2 * k))}: ${typeText(btf, btf.extraWord(proto, 2 * k + 1))}`,
        );
      }
      return `${name}(${params.join(", ")})`;
    })
    .sort();
}

const pahole = tool("pahole");
announceSkip("func definitions: comparison with pahole -j", pahole);

const compilers = ["gcc", "clang"].map((cc) => ({ cc, path: tool(cc) }));
for (const c of compilers) announceSkip(`func definitions with ${c.cc}`, c.path);

describe.each(compilers.filter((c) => c.path.value).map((c) => [c.cc] as const))(
  "functions defined more than once (%s)",
  (cc) => {
    const prog = compileC(cc, SOURCES, ["-g", "-O0"], true);

    it("without consistent_func (pahole 1.24 -j): one FUNC per distinct definition, identical ones once", () => {
      const { btf } = encodeFile(prog, { features: parseFeatures("default,-consistent_func", { compat: "1.24" }) });
      // a.c and c.c define the same `static int helper(int x)`: one FUNC; b.c's differs.
      expect(definitions(btf, "helper")).toEqual(["helper(x: i32)", "helper(y: i64, z: i32)"]);
      // The weak stub and the real definition differ in the parameter name only, as in the kernel's sys_ni.c.
      expect(definitions(btf, "sys_thing")).toEqual(["sys_thing(__unused: ptr)", "sys_thing(regs: ptr)"]);
      expect(definitions(btf, "use_a")).toEqual(["use_a(v: i32)"]);
    });

    it.skipIf(!pahole.value)("every FUNC pahole 1.24 -j emits is among btfkit's (with and without threads)", () => {
      const { btf: ours } = encodeFile(prog, {
        features: parseFeatures("default,flat_arrays,-float,-consistent_func", { compat: "1.24" }),
      });
      for (const jobs of [[], ["-j"]]) {
        const out = `${prog}.pahole${jobs.length}.btf`;
        execFileSync(pahole.value!, ["-J", ...jobs, `--btf_encode_detached=${out}`, prog], {
          stdio: ["ignore", "ignore", "ignore"],
        });
        const theirs = parseBtf(readFileSync(out), { file: out });
        const func = diffBtf(theirs, ours).kinds.find((r) => r.kind === "FUNC")!;
        expect(func.inA).toBeGreaterThanOrEqual(5);
        expect(func.matched).toBe(func.inA);
      }
    });

    it("with consistent_func: one FUNC per name, none where the prototypes' types differ", () => {
      const { btf, stats } = encodeFile(prog, { features: parseFeatures(undefined) });
      expect(definitions(btf, "helper")).toEqual([]);
      expect(definitions(btf, "sys_thing")).toHaveLength(1);
      expect(definitions(btf, "use_b")).toEqual(["use_b(v: i64)"]);
      expect(stats.functionsInconsistent).toBe(1);
    });
  },
);
