/**
 * C and Rust in one binary: test/fixtures/rust/mixed.o (a C object and the crate's object linked with `ld -r`),
 * and — when rustc is installed — the crate built as a staticlib and a cdylib, and a C program linked with the
 * staticlib (build.sh --linked; too large to commit with std's debug info).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { diffBtf } from "../../src/diff/diff-btf.js";
import { DwarfFile } from "../../src/dwarf/dwarf-file.js";
import { DW_LANG } from "../../src/dwarf/constants.js";
import { parseFeatures } from "../../src/encode/features.js";
import { encodeFile, encodeFileParallel } from "../../src/encode/encode.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { announceSkip, FIXTURES, tool } from "../util/inputs.js";
import { BUILD_SH, find, findAll, MIXED_O, shape } from "./helpers.js";

const oracle = oracleAvailable();
/** Without the kernel oracle the kernel's verdict is skipped (and said so), never passed unchecked. */
const noKernel = announceSkip(
  "Rust BTF: the kernel's verdict",
  oracle.available ? { value: true } : { missing: oracle.reason },
);
const pahole = tool("pahole");
const rustc = tool("rustc");
announceSkip("Rust BTF: comparison with pahole --lang_exclude=rust", pahole);
announceSkip("Rust BTF: staticlib, cdylib and the C program linked with it (built here)", rustc);

/** pahole 1.24's defaults (no FLOAT kind, flat arrays), for comparisons with it. */
const PAHOLE_124 = "encode_force,var,decl_tag,type_tag,enum64,flat_arrays";

function paholeBtf(elf: string): Uint8Array {
  const out = join(mkdtempSync(join(tmpdir(), "btfkit-rust-pahole-")), "p.btf");
  execFileSync(pahole.value!, ["--lang_exclude=rust", `--btf_encode_detached=${out}`, "-J", elf], { stdio: "ignore" });
  return readFileSync(out);
}

/** Own types that come from Rust units: types of a Rust-only encode of the same file, by count. */
function rustTypeCount(elf: string): number {
  return encodeFile(elf, { langExclude: ["c11", "c99", "c89", "c17", "c"] }).btf.count;
}

describe("mixed.o: C and Rust units in one BTF", () => {
  const r = encodeFile(MIXED_O, { features: parseFeatures("default,global_var") });
  const btf = r.btf;

  it("has both languages' units", () => {
    const d = DwarfFile.open(MIXED_O);
    try {
      expect([...d.units()].map((u) => u.language).sort()).toEqual([DW_LANG.DW_LANG_C11, DW_LANG.DW_LANG_Rust].sort());
    } finally {
      d.close();
    }
  });

  it("is valid", () => {
    expect(validateBtf(btf)).toEqual([]);
  });

  it.skipIf(noKernel)("is accepted by the kernel", () => {
    expect(kernelVerdict(writeBtf(btf)).reason).toBe("");
  });

  it("folds Rust's repr(C) CPoint (i32 members) into C's (int32_t members): one CPoint, C's", () => {
    const shapes = findAll(btf, BTF_KIND.STRUCT, "CPoint").map((id) => shape(btf, id));
    expect(shapes).toEqual([
      "struct 'CPoint' size=8 {x: typedef 'int32_t' -> typedef '__int32_t' -> int 'int' size=4 bits=32 signed @0; y: typedef 'int32_t' -> typedef '__int32_t' -> int 'int' size=4 bits=32 signed @32}",
    ]);
  });

  it("C units keep C behaviour; Rust and C functions and variables side by side", () => {
    expect(shape(btf, find(btf, BTF_KIND.FUNC, "main"))).toBe(
      "func 'main' linkage=0 fn() -> int 'int' size=4 bits=32 signed",
    );
    expect(findAll(btf, BTF_KIND.FUNC, "rust_sum_point")).toHaveLength(1);
    expect(findAll(btf, BTF_KIND.VAR, "g_c_only")).toHaveLength(1);
    expect(findAll(btf, BTF_KIND.VAR, "RUST_COUNTER")).toHaveLength(1);
    // Rust's 4-byte char is not C's: it has its qualified name.
    expect(findAll(btf, BTF_KIND.INT, "char").map((id) => btf.sizeTypeOf(id))).toEqual([1]);
    expect(findAll(btf, BTF_KIND.INT, "core__primitive__char").map((id) => btf.sizeTypeOf(id))).toEqual([4]);
  });

  it("with the Rust units excluded, no Rust type is left", () => {
    const c = encodeFile(MIXED_O, { langExclude: ["rust"] }).btf;
    expect(findAll(c, BTF_KIND.STRUCT, "Msg")).toEqual([]);
    expect(findAll(c, BTF_KIND.STRUCT, "CPoint")).toHaveLength(1);
    // Every C type is there unchanged next to the Rust ones; Rust's CPoint is C's.
    const d = diffBtf(c, encodeFile(MIXED_O).btf);
    expect([d.total.onlyInA, d.total.changed]).toEqual([0, 0]);
    expect(c.count + rustTypeCount(MIXED_O) - 1).toBe(encodeFile(MIXED_O).btf.count);
  });

  it("worker threads give the same bytes", async () => {
    const one = writeBtf(encodeFile(MIXED_O).btf);
    const two = writeBtf((await encodeFileParallel(MIXED_O, { jobs: 2, minParallelBytes: 0 })).btf);
    expect(Buffer.from(two).equals(Buffer.from(one))).toBe(true);
  });

  it.skipIf(!pahole.value)(
    "btfkit diff against pahole --lang_exclude=rust: every C type matched, the Rust types added",
    () => {
      const theirs = parseBtf(paholeBtf(MIXED_O));
      const ours = encodeFile(MIXED_O, { features: parseFeatures(PAHOLE_124) }).btf;
      const d = diffBtf(theirs, ours);
      expect(d.total.onlyInA).toBe(0);
      expect(d.total.changed).toBe(0);
      expect(d.total.matched).toBe(d.total.inA);
      expect(d.total.onlyInB).toBeGreaterThan(50);
    },
  );
});

describe("the DWARF reader's Rust fixtures (test/fixtures/dwarf)", () => {
  const dwarf = join(FIXTURES, "dwarf");
  for (const f of ["rust-lib.o", "c-rust"]) {
    const btf = () => encodeFile(join(dwarf, f), { features: parseFeatures("default,global_var") }).btf;
    it(`${f}: valid`, () => {
      expect(validateBtf(btf())).toEqual([]);
    });
    it.skipIf(noKernel)(`${f}: accepted by the kernel`, () => {
      expect(kernelVerdict(writeBtf(btf())).reason).toBe("");
    });
  }

  it("rust-lib.o: Shape, an enum with struct-like and tuple variants", () => {
    const btf = encodeFile(join(dwarf, "rust-lib.o")).btf;
    // enum Shape { Circle { center: Point, radius: f64 }, Rect(Point, Point), Empty }: 24 bytes, u32 tag at 0.
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Shape"))).toBe(
      "struct 'Shape' size=24 {__discr: int 'u32' size=4 bits=32 none @0; (anon): union '' size=24 {Circle: struct 'Shape__Circle' @0; Rect: struct 'Shape__Rect' @0; Empty: struct 'Shape__Empty' @0} @0}",
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Shape__Circle"))).toBe(
      "struct 'Shape__Circle' size=24 {center: struct 'Point' @32; radius: float 'f64' size=8 @128}",
    );
    expect(shape(btf, find(btf, BTF_KIND.STRUCT, "Shape__Rect"))).toBe(
      "struct 'Shape__Rect' size=24 {__0: struct 'Point' @32; __1: struct 'Point' @96}",
    );
  });
});

describe.skipIf(!rustc.value)("linked builds: staticlib, cdylib, C program", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-rust-linked-"));
  if (rustc.value) execFileSync(BUILD_SH, ["--linked", dir], { stdio: "ignore" });
  const inputs = (): { name: string; path: string }[] => {
    // The staticlib is an archive: its crate object is what carries the crate's DWARF.
    execFileSync("ar", ["x", "librustfix.a"], { cwd: dir });
    const member = readdirSync(dir).find((f) => f.startsWith("librustfix.rustfix.") && f.endsWith(".o"))!;
    return [
      { name: "staticlib (crate object)", path: join(dir, member) },
      { name: "cdylib", path: join(dir, "librustfix.so") },
      { name: "C program linked with the staticlib", path: join(dir, "c-rust") },
    ];
  };

  it("each is valid, with Rust types in it", () => {
    for (const { name, path } of inputs()) {
      const r = encodeFile(path, { features: parseFeatures("default,global_var") });
      expect(validateBtf(r.btf), name).toEqual([]);
      expect(rustTypeCount(path), name).toBeGreaterThan(100);
      expect(findAll(r.btf, BTF_KIND.STRUCT, "Msg"), name).toHaveLength(1);
    }
  });

  it.skipIf(noKernel)("each is accepted by the kernel", () => {
    for (const { name, path } of inputs()) {
      const r = encodeFile(path, { features: parseFeatures("default,global_var") });
      expect(kernelVerdict(writeBtf(r.btf)).reason, name).toBe("");
    }
  });

  it.skipIf(!pahole.value)("the C program: every C type of pahole --lang_exclude=rust matched", () => {
    const exe = join(dir, "c-rust");
    const d = diffBtf(parseBtf(paholeBtf(exe)), encodeFile(exe, { features: parseFeatures(PAHOLE_124) }).btf);
    expect(d.total.onlyInA).toBe(0);
    expect(d.total.changed).toBe(0);
    expect(d.total.onlyInB).toBeGreaterThan(50);
  });
});
