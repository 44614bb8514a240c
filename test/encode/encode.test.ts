/**
 * DWARF → BTF conversion on the committed fixtures. Expected values come from the C sources (layouts by the x86-64
 * ABI) and from pahole's committed output (test/fixtures/btf/sample.btf, pahole 1.24), never from btfkit itself.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND,
  BTF_VAR_GLOBAL_ALLOCATED,
  intBits,
  intEncoding,
  makeIntWord,
} from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { CuConverter, type CuBtf } from "../../src/convert/convert.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import {
  type CandidateList,
  CandidateListBuilder,
  F_KEY,
  F_PARAM_COUNT,
  F_PARAMS,
  FUNC_HAS_CODE,
  FUNC_UNNAMED_PARAM,
} from "../../src/convert/candidates.js";
import { functionSymbolNames, selectFunctions } from "../../src/encode/functions.js";
import { BtfMerger } from "../../src/encode/link.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { readSymbols } from "../../src/elf/symbols.js";
import { tool } from "../util/inputs.js";
import { DWARF_FIXTURES, SAMPLE_BTF, SAMPLE_O, compileC, findType, findTypes, members, render } from "./helpers.js";

/** pahole 1.24 with --btf_gen_floats: flat arrays, no prototype check. */
const PAHOLE_124_FLOATS = parseFeatures("default,flat_arrays,-consistent_func", { compat: "1.24" });

describe("encode sample.o (clang, every C construct)", () => {
  it("is byte for byte what pahole 1.24 wrote into the committed sample.btf", () => {
    const { btf } = encodeFile(SAMPLE_O, { features: PAHOLE_124_FLOATS });
    expect(Buffer.from(writeBtf(btf, { byteOrder: "little" })).equals(readFileSync(SAMPLE_BTF))).toBe(true);
  });

  it("encodes type tags, decl tags, percpu variables, varargs and ENUM64", () => {
    const { btf, stats } = encodeFile(SAMPLE_O);
    const flags = findType(btf, BTF_KIND.STRUCT, "flags");
    expect(btf.kflag(flags)).toBe(true); // has bitfields
    const m = members(btf, flags);
    expect(m.slice(0, 3).map(([n, , off]) => [n, off >>> 24, off & 0xffffff])).toEqual([
      ["a", 3, 0],
      ["b", 5, 3],
      ["c", 7, 8],
    ]);
    expect(render(btf, m.find(([n]) => n === "matrix")![1])).toBe("[2][3]int/4/32/1");
    expect(render(btf, m.find(([n]) => n === "tail")![1])).toBe("[0]int/4/32/1");
    expect(render(btf, m.find(([n]) => n === "cv")![1])).toBe("*const volatile int/4/32/1");
    expect(render(btf, m.find(([n]) => n === "op")![1])).toBe("*fwd opaque");
    expect(render(btf, m.find(([n]) => n === "ratio")![1])).toBe("float float");
    const tag = findType(btf, BTF_KIND.DECL_TAG, "sample_struct");
    expect(btf.sizeTypeOf(tag)).toBe(flags);
    const user = findType(btf, BTF_KIND.TYPE_TAG, "user");
    expect(render(btf, btf.sizeTypeOf(user))).toBe("int/4/32/1");
    const big = findType(btf, BTF_KIND.ENUM64, "big");
    expect([btf.extraWord(big, 4), btf.extraWord(big, 5)]).toEqual([0, 1]); // BIG_B = 1 << 32
    const sum = findType(btf, BTF_KIND.FUNC, "sample_sum");
    const proto = btf.sizeTypeOf(sum);
    expect(btf.vlen(sum)).toBe(0); // static linkage, as pahole
    expect(btf.vlen(proto)).toBe(2);
    expect([btf.strings.get(btf.extraWord(proto, 0)), btf.extraWord(proto, 2), btf.extraWord(proto, 3)]).toEqual([
      "n",
      0,
      0,
    ]);
    const ds = findType(btf, BTF_KIND.DATASEC, ".data..percpu");
    expect(btf.vlen(ds)).toBe(2);
    const v1 = btf.extraWord(ds, 3);
    expect(btf.name(v1)).toBe("per_cpu_flags");
    expect(btf.extraWord(v1, 0)).toBe(BTF_VAR_GLOBAL_ALLOCATED);
    expect([btf.extraWord(ds, 4), btf.extraWord(ds, 5), btf.sizeTypeOf(ds)]).toEqual([8, 144, 152]);
    expect(stats).toMatchObject({ cus: 1, functions: 4, variables: 2 });
  });

  it("lowers ENUM64 without the enum64 feature, floats without float, and drops tags without decl_tag/type_tag", () => {
    const { btf } = encodeFile(SAMPLE_O, { features: parseFeatures("var") });
    const big = findType(btf, BTF_KIND.ENUM, "big");
    expect(btf.sizeTypeOf(big)).toBe(8);
    expect(btf.extraWord(big, 3)).toBe(0); // low 32 bits of 1 << 32
    const f = findType(btf, BTF_KIND.INT, "float");
    expect(btf.extraWord(f, 0)).toBe(makeIntWord(0, 0, 32));
    expect(findTypes(btf, BTF_KIND.DECL_TAG, "sample_struct")).toEqual([]);
    expect(findTypes(btf, BTF_KIND.TYPE_TAG, "user")).toEqual([]);
    expect(findTypes(btf, BTF_KIND.VAR, "per_cpu_counter")).toHaveLength(1);
    expect(findTypes(btf, BTF_KIND.DATASEC, ".data..percpu")).toHaveLength(1);
    expect(
      findTypes(encodeFile(SAMPLE_O, { features: parseFeatures("float") }).btf, BTF_KIND.VAR, "per_cpu_counter"),
    ).toEqual([]);
  });
});

/** The C program of test/fixtures/dwarf/src (types.c + main.c) under every compiler and DWARF version. */
const PROGRAMS = [
  "c-gcc-dw2",
  "c-gcc-dw3",
  "c-gcc-dw5",
  "c-gcc-dwarf64",
  "c-gcc-zlib",
  "c-gcc-zdebug",
  "c-gcc-zstd",
  "c-clang-dw4",
];

describe.each(PROGRAMS)("encode %s", (name) => {
  const { btf, stats } = encodeFile(join(DWARF_FIXTURES, name));

  it("lays out bitfields the same from DW_AT_bit_offset (DWARF 2/3) and DW_AT_data_bit_offset (4/5)", () => {
    const bits = findType(btf, BTF_KIND.STRUCT, "bits");
    expect(btf.kflag(bits)).toBe(true);
    // unsigned a:3, b:5; int c:7; unsigned long long d:40; _Bool flag:1 — packed back to back in 8 bytes.
    expect(members(btf, bits).map(([n, , off]) => `${n}@${off & 0xffffff}:${off >>> 24}`)).toEqual([
      "a@0:3",
      "b@3:5",
      "c@8:7",
      "d@15:40",
      "flag@55:1",
    ]);
    expect(btf.sizeTypeOf(bits)).toBe(8);
  });

  it("encodes base types as pahole: char signed, _Bool BOOL, __int128 as a 16-byte INT", () => {
    const node = findType(btf, BTF_KIND.STRUCT, "node");
    const m = new Map(members(btf, node).map(([n, t, off]) => [n, { t, off }]));
    const nameT = m.get("name")!.t; // const char *
    const ch = btf.sizeTypeOf(btf.sizeTypeOf(nameT));
    expect(btf.kind(ch)).toBe(BTF_KIND.INT);
    expect(intEncoding(btf.extraWord(ch, 0))).toBe(BTF_INT_SIGNED);
    const flag = members(btf, findType(btf, BTF_KIND.STRUCT, "bits")).find(([n]) => n === "flag")![1];
    expect(intEncoding(btf.extraWord(flag, 0))).toBe(BTF_INT_BOOL);
    const wide = m.get("wide")!.t;
    expect([btf.sizeTypeOf(wide), intBits(btf.extraWord(wide, 0)), intEncoding(btf.extraWord(wide, 0))]).toEqual([
      16,
      128,
      BTF_INT_SIGNED,
    ]);
    // _Atomic int: the qualifier is dropped.
    expect(render(btf, m.get("atomic_count")!.t)).toMatch(/^int\//);
    expect(render(btf, m.get("matrix")!.t)).toBe("[3][4]int/4/32/1");
    expect(render(btf, m.get("tail")!.t)).toMatch(/^\[0\]char\//);
    expect(m.get("tail")!.off).toBe(btf.sizeTypeOf(node) * 8);
  });

  it("keeps one FUNC per name for functions with a symbol, with parameter names", () => {
    const use = findType(btf, BTF_KIND.FUNC, "use_node");
    const proto = btf.sizeTypeOf(use);
    expect([0, 1, 2].map((k) => btf.strings.get(btf.extraWord(proto, 2 * k)))).toEqual(["n", "num", "e"]);
    expect(render(btf, btf.extraWord(proto, 1))).toBe("*struct node");
    expect(findTypes(btf, BTF_KIND.FUNC, "main")).toHaveLength(1);
    expect(findTypes(btf, BTF_KIND.FUNC, "helper").length).toBeLessThanOrEqual(1);
    expect(stats.cus).toBeGreaterThanOrEqual(2);
  });
});

describe("variables", () => {
  it("global_var adds every global of an allocated data section, with symbol offsets and sizes", () => {
    const { btf } = encodeFile(join(DWARF_FIXTURES, "c-gcc-dw5.o"), { features: parseFeatures("default,global_var") });
    const names = findTypesOfKind(btf, BTF_KIND.VAR)
      .map((id) => btf.name(id))
      .sort();
    expect(names).toEqual(expect.arrayContaining(["global_array", "global_node", "greeting"]));
    expect(names).not.toContain("tls_counter"); // TLS: no static address
    const arr = findType(btf, BTF_KIND.VAR, "global_array");
    let found = false;
    for (const ds of findTypesOfKind(btf, BTF_KIND.DATASEC)) {
      for (let k = 0; k < btf.vlen(ds); k++) {
        if (btf.extraWord(ds, 3 * k) === arr) {
          expect(btf.extraWord(ds, 3 * k + 2)).toBe(64); // int[16]
          found = true;
        }
      }
    }
    expect(found).toBe(true);
  });
});

function findTypesOfKind(btf: import("../../src/btf/btf.js").Btf, kind: number): number[] {
  const ids: number[] = [];
  for (let id = btf.startId; id < btf.endId; id++) if (btf.kind(id) === kind) ids.push(id);
  return ids;
}

describe("parallel-ready conversion", () => {
  it("gives the same bytes whatever order the CUs are converted in", () => {
    const path = join(DWARF_FIXTURES, "c-gcc-dw5");
    const encodeInOrder = (reverse: boolean): Uint8Array => {
      const dwarf = DwarfFile.open(path);
      try {
        const names = functionSymbolNames(readSymbols(dwarf.elf), false);
        const units = [...dwarf.allUnits()];
        const conv = new CuConverter(dwarf, { features: parseFeatures(undefined), functionNames: names });
        const results: CuBtf[] = new Array(units.length);
        const order = units.map((_, i) => i);
        if (reverse) order.reverse();
        for (const i of order) results[i] = conv.convert(units[i]!);
        const merger = new BtfMerger();
        for (const r of results) merger.add(r);
        return writeBtf(merger.finish());
      } finally {
        dwarf.close();
      }
    };
    const a = encodeInOrder(false);
    expect(a.length).toBeGreaterThan(100);
    expect(Buffer.from(encodeInOrder(true)).equals(Buffer.from(a))).toBe(true);
  });

  it("round-trips through the reader", () => {
    const { btf } = encodeFile(join(DWARF_FIXTURES, "c-clang-dw4"));
    const again = parseBtf(writeBtf(btf));
    expect(again.count).toBe(btf.count);
  });
});

describe("function selection", () => {
  // Candidates keyed by name: the key word stands for the name, as MergeAccumulator's interned offsets do.
  const keys = new Map([
    ["f", 10],
    ["g", 20],
    ["h", 30],
  ]);
  const nameOf = (key: number): string => [...keys].find(([, k]) => k === key)![0];
  const unit = (cands: [name: string, params: number[], unnamed?: boolean][]): CandidateList => {
    const b = new CandidateListBuilder();
    for (const [name, params, unnamed] of cands) {
      b.begin();
      for (const w of [
        1,
        keys.get(name)!,
        1,
        (unnamed ? FUNC_UNNAMED_PARAM : 0) | FUNC_HAS_CODE,
        params.length >> 1,
        ...params,
      ])
        b.push(w);
      b.end();
    }
    return b.take();
  };
  const sig = (_cu: number, words: Uint32Array, rec: number): string => {
    const types: number[] = [];
    for (let p = 0; p < words[rec + F_PARAM_COUNT]!; p++) types.push(words[rec + F_PARAMS + 2 * p + 1]!);
    return types.join(",");
  };
  const picked = (perCu: CandidateList[], chosen: Int32Array): [string, number][] => {
    const out: [string, number][] = [];
    for (let k = 0; k < chosen.length; k += 2) {
      const list = perCu[chosen[k]!]!;
      out.push([nameOf(list.words[list.start[chosen[k + 1]!]! + F_KEY]!), chosen[k]!]);
    }
    return out;
  };

  it("drops names whose prototypes differ between CUs only with consistent_func, and functions with unnamed parameters", () => {
    const perCu = [
      unit([
        ["f", [1, 1]],
        ["g", [1, 1]],
      ]),
      unit([
        ["f", [1, 2]],
        ["g", [1, 1]],
        ["h", [0, 1], true],
      ]),
    ];
    const strict = selectFunctions(perCu, true, sig);
    expect(picked(perCu, strict.chosen)).toEqual([["g", 0]]);
    expect(strict.stats).toMatchObject({ candidates: 5, emitted: 1, inconsistent: 1, unnamedParams: 1 });
    const loose = selectFunctions(perCu, false, sig);
    expect(picked(perCu, loose.chosen)).toEqual([
      ["f", 0],
      ["g", 0],
    ]);
  });

  it("without consistent_func and with parameter names, keeps each distinct definition of a name once", () => {
    // Parameter name offsets 1 and 2 read as "a" and "b"; f in unit 2 differs from unit 0 only by a parameter name.
    const perCu = [
      unit([
        ["f", [1, 1]],
        ["h", [0, 1], true],
      ]),
      unit([
        ["g", [1, 1]],
        ["f", [1, 1]],
      ]),
      unit([
        ["f", [2, 1]],
        ["h", [1, 1]],
      ]),
    ];
    const loose = selectFunctions(perCu, false, sig, (off) => (off === 1 ? "a" : "b"));
    expect(picked(perCu, loose.chosen)).toEqual([
      ["f", 0],
      ["f", 2],
      ["h", 2],
      ["g", 1],
    ]);
    expect(loose.stats).toMatchObject({ candidates: 6, emitted: 4, unnamedParams: 0 });
  });
});

const cc = tool("gcc").value ?? tool("clang").value;
if (!cc) console.warn("SKIP: encode: tests that compile C: neither gcc nor clang is installed");

describe.skipIf(!cc)("compiled on the fly", () => {
  it("adds a signed 32-bit `int` as array index type to a unit that has arrays but no int (pahole 1.24)", () => {
    const o = compileC(
      cc!,
      "struct s { char c[4]; unsigned long u[2][2]; };\nunsigned long use(struct s *p) { return (unsigned long)p->c[0] + p->u[1][1]; }\n",
    );
    const { btf } = encodeFile(o, { dedup: false });
    const ints = findTypes(btf, BTF_KIND.INT, "int");
    expect(ints).toHaveLength(1);
    expect([btf.sizeTypeOf(ints[0]!), btf.extraWord(ints[0]!, 0)]).toEqual([4, makeIntWord(BTF_INT_SIGNED, 0, 32)]);
    const c = members(btf, findType(btf, BTF_KIND.STRUCT, "s"))[0]![1];
    expect(btf.extraWord(c, 1)).toBe(ints[0]);
  });

  it("drops functions whose prototypes differ between CUs (consistent_func), keeps them without it", () => {
    const prog = compileC(
      cc!,
      {
        "a.c":
          "static int __attribute__((noinline)) helper(int x) { return x + 1; }\nint a(int v) { return helper(v); }\n",
        "b.c":
          "static long __attribute__((noinline)) helper(long x, long y) { return x * y; }\nlong b(long v) { return helper(v, 2); }\nint main(void) { return 0; }\n",
      },
      ["-g", "-O1"],
      true,
    );
    const strict = encodeFile(prog);
    expect(findTypes(strict.btf, BTF_KIND.FUNC, "helper")).toEqual([]);
    expect(strict.stats.functionsInconsistent).toBe(1);
    expect(findTypes(strict.btf, BTF_KIND.FUNC, "a")).toHaveLength(1);
    const loose = encodeFile(prog, { features: parseFeatures("default,-consistent_func", { compat: "1.24" }) });
    // One FUNC per distinct definition, as pahole 1.24 -j leaves them (test/encode/func-definitions.test.ts).
    expect(findTypes(loose.btf, BTF_KIND.FUNC, "helper")).toHaveLength(2);
  });

  it("encodes decl tags on members and parameters, and type tags on pointers, with clang", () => {
    const clang = tool("clang").value;
    if (!clang) {
      console.warn("SKIP: encode: btf_decl_tag/btf_type_tag need clang");
      return;
    }
    const o = compileC(
      clang,
      [
        "#define __tag(x) __attribute__((btf_decl_tag(x)))",
        "#define __tt(x) __attribute__((btf_type_tag(x)))",
        'struct t { int a; int b __tag("member_b"); int __tt("t1") __tt("t2") *p; };',
        'int f(struct t *s __tag("param_s"), int n) { return s->b + n; }',
      ].join("\n") + "\n",
    );
    const { btf } = encodeFile(o);
    const t = findType(btf, BTF_KIND.STRUCT, "t");
    const mb = findType(btf, BTF_KIND.DECL_TAG, "member_b");
    expect([btf.sizeTypeOf(mb), btf.extraWord(mb, 0)]).toEqual([t, 1]);
    const ps = findType(btf, BTF_KIND.DECL_TAG, "param_s");
    expect([btf.sizeTypeOf(ps), btf.extraWord(ps, 0)]).toEqual([findType(btf, BTF_KIND.FUNC, "f"), 0]);
    // pahole's order for `int __t1 __t2 *`: PTR -> t2 -> t1 -> int.
    expect(render(btf, members(btf, t)[2]![1])).toBe("*tag(t2) tag(t1) int/4/32/1");
  });
});
