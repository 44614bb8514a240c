import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  validateBtf,
  validateBtfBlob,
  formatProblem,
  isValidIdentifier,
  isValidSectionName,
  BTF_RULE,
} from "../../src/btf/validate.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import { debianKernel, debianModules } from "../util/inputs.js";
import { Asm } from "./asm.js";
import { brokenCases, validCases, type Broken } from "./corpus.js";

const SYS_VMLINUX = "/sys/kernel/btf/vmlinux";
const haveSysBtf = existsSync(SYS_VMLINUX);
if (!haveSysBtf) console.warn(`SKIP: validate tests on ${SYS_VMLINUX}: this kernel does not expose its BTF`);
const debian = debianKernel();
if (!debian.value) console.warn(`SKIP: validate tests on Debian's kernel and modules: ${debian.missing}`);

function btfSection(path: string): Uint8Array {
  const elf = ElfFile.open(path);
  try {
    return elf.sectionBytes(elf.section(".BTF")!).slice();
  } finally {
    elf.close();
  }
}

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("validateBtfBlob on the corpus (expectations from the kernel's rules)", () => {
  it("has at least 60 broken blobs", () => {
    expect(brokenCases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of validCases) {
    it(`accepts: ${c.name}`, () => {
      const { problems } = validateBtfBlob(c.blob());
      expect(problems.map(formatProblem)).toEqual([]);
    });
  }

  for (const c of brokenCases) {
    it(`rejects: ${c.name}`, () => {
      const { problems } = validateBtfBlob(c.blob());
      const want = c.expect as Broken;
      expect(problems.length).toBeGreaterThan(0);
      // The first problem is the one the kernel reports (it stops there).
      const first = problems[0]!;
      expect({ typeId: first.typeId, rule: first.rule }).toEqual({ typeId: want.typeId, rule: want.rule });
      expect(first.message).toContain(want.message);
      const line = formatProblem(first);
      if (want.typeId !== undefined) expect(line).toMatch(new RegExp(`^type \\[${want.typeId}\\][ :]`));
      expect(line).toContain(want.message);
    });
  }
});

describe("names", () => {
  it("identifiers follow the kernel's Latin-1 ctype, allow '.', and end at 512 bytes", () => {
    expect(isValidIdentifier(latin1("_x.y9"))).toBe(true);
    expect(isValidIdentifier(latin1(".9"))).toBe(true);
    expect(isValidIdentifier(latin1("\u00e9t\u00e9"))).toBe(true);
    expect(isValidIdentifier(latin1("\u00df"))).toBe(true);
    expect(isValidIdentifier(latin1("a\u00f7"))).toBe(false);
    expect(isValidIdentifier(latin1("\u00aa"))).toBe(false);
    expect(isValidIdentifier(latin1("9a"))).toBe(false);
    expect(isValidIdentifier(latin1("a b"))).toBe(false);
    expect(isValidIdentifier(latin1(""))).toBe(false);
    expect(isValidIdentifier(latin1("a".repeat(512)))).toBe(true);
    expect(isValidIdentifier(latin1("a".repeat(513)))).toBe(false);
    // UTF-8 'é' is C3 A9, and 0xA9 is not a letter in Latin-1.
    expect(isValidIdentifier(new TextEncoder().encode("\u00e9"))).toBe(false);
  });
  it("section names are printable Latin-1", () => {
    expect(isValidSectionName(latin1(" .data (1)"))).toBe(true);
    expect(isValidSectionName(latin1(".data\u00a0"))).toBe(true);
    expect(isValidSectionName(latin1(".data\u0085"))).toBe(false);
    expect(isValidSectionName(latin1(".data\u007f"))).toBe(false);
    expect(isValidSectionName(latin1(""))).toBe(false);
  });
});

describe("validateBtf", () => {
  it("reports several independent problems, each once, and none for the types that only depend on them", () => {
    const a = new Asm();
    a.int("int"); // 1
    a.typedef("9bad", 1); // 2: bad name
    a.ptr(2); // 3: fine by itself, depends on 2 (which failed): not reported
    a.float("f", 5); // 4: bad size
    a.typedef("x", 6); // 5 -> 6 -> 5: a loop
    a.typedef("y", 5); // 6
    const problems = validateBtf(parseBtf(a.blob()));
    expect(problems.map((p) => [p.typeId, p.rule])).toEqual([
      [2, BTF_RULE.NAME],
      [4, BTF_RULE.SIZE],
      [5, BTF_RULE.LOOP],
    ]);
  });

  it("names the member, parameter or entry in `component`", () => {
    const a = new Asm();
    a.int("int");
    a.struct("s", 8, [
      ["a", 1, 0],
      ["b c", 1, 32],
    ]);
    const [p] = validateBtf(parseBtf(a.blob()));
    expect(p).toMatchObject({
      typeId: 2,
      kind: "STRUCT",
      name: "s",
      component: 1,
      rule: BTF_RULE.NAME,
      message: "Invalid name",
    });
    expect(formatProblem(p!)).toBe(
      "type [2] STRUCT 's': Invalid name: member #1 name 'b c' is not a C identifier (letters, digits, '_' and '.', not starting with a digit, at most 512 bytes)",
    );
  });

  it("keeps a problem line on one line when a tag value holds a newline", () => {
    const a = new Asm();
    a.int("int");
    a.declTag("a\nb", 1);
    const [p] = validateBtf(parseBtf(a.blob()));
    expect(formatProblem(p!)).toBe(
      "type [2] DECL_TAG 'a\\x0ab': Invalid type_id: a DECL_TAG must tag a STRUCT, UNION, FUNC, VAR or TYPEDEF; [1] is a INT",
    );
  });

  it("accepts a big-endian blob when told the kernel is big-endian, and rejects it for the host", () => {
    const a = new Asm();
    a.int("int");
    const be = writeBtf(a.btf, { byteOrder: "big" });
    expect(validateBtfBlob(be, { byteOrder: "big" }).problems).toEqual([]);
    expect(validateBtfBlob(be, { byteOrder: "any" }).problems).toEqual([]);
    expect(validateBtfBlob(be).problems[0]).toMatchObject({ rule: BTF_RULE.HEADER, message: "Invalid magic" });
  });

  it("checks split BTF against its base", () => {
    const base = new Asm();
    base.int("int"); // 1
    base.typedef("t", 1); // 2
    const baseBtf = parseBtf(base.blob());
    const split = new Asm(baseBtf);
    split.ptr(2); // 3 -> base typedef
    split.struct("s", 4, [["m", 2, 0]]); // 4: member through a base typedef
    split.struct("big", 4, [["m", 2, 8]]); // 5: runs past its end
    const blob = writeBtf(split.btf, { byteOrder: "little" });
    const { problems } = validateBtfBlob(blob, { base: baseBtf });
    expect(problems.map((p) => [p.typeId, p.message])).toEqual([[5, "Member exceeds struct_size"]]);
  });
});

describe.skipIf(!haveSysBtf)("the running kernel's BTF", () => {
  it("vmlinux is valid", () => {
    const bytes = readFileSync(SYS_VMLINUX);
    const { btf, problems } = validateBtfBlob(bytes);
    expect(problems.map(formatProblem).slice(0, 5)).toEqual([]);
    expect(btf!.count).toBeGreaterThan(1000);
  });
});

describe.skipIf(!debian.value)("Debian 6.1 kernel BTF (pahole)", () => {
  it("vmlinux and 60 of its modules (split BTF on vmlinux) are valid", () => {
    const vmlinux = validateBtfBlob(btfSection(debian.value!.vmlinux));
    expect(vmlinux.problems.map(formatProblem)).toEqual([]);
    const modules = debianModules(debian.value!, 60);
    expect(modules.length).toBe(60);
    for (const m of modules) {
      const { btf, problems } = validateBtfBlob(btfSection(m), { base: vmlinux.btf! });
      expect(problems.map(formatProblem), m).toEqual([]);
      expect(btf!.startId).toBe(vmlinux.btf!.endId);
    }
  });
});
