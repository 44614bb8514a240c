/**
 * The ELF section writer (src/elf/add-section.ts) on real files built by gcc and clang (test/fixtures/elf-embed,
 * build.sh there): ELF64 and ELF32, both byte orders, objects and linked programs. Every check is made on the bytes
 * and with the standard tools: readelf (the new section, everything else unchanged), objdump -d, bpftool and
 * btfkit's own loader reading the BTF back, llvm-objcopy's --add-section for comparison.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { removeStaleTemps } from "../../src/common/atomic-write.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import {
  embedSections,
  type SectionToWrite,
  writeElfWithSections,
  type WriteElfSectionsResult,
} from "../../src/elf/add-section.js";
import { ElfFile, SHF, SHT } from "../../src/elf/elf-file.js";
import { encodeFile } from "../../src/encode/encode.js";
import { loadBtfFromElf } from "../../src/io/load-btf.js";
import { announceSkip, FIXTURES, tool } from "../util/inputs.js";
import { buildElf } from "./elf-builder.js";

const FIX = join(FIXTURES, "elf-embed");
const readelf = tool("readelf");
const objdump = tool("llvm-objdump").value ? tool("llvm-objdump") : tool("objdump");
const bpftool = tool("bpftool");
const llvmObjcopy = tool("llvm-objcopy");
announceSkip("add-section: readelf cross-checks", readelf);
announceSkip("add-section: objdump -d comparison (llvm-objdump, which also reads s390x and powerpc)", objdump);
announceSkip("add-section: bpftool reading the embedded BTF", bpftool);
announceSkip("add-section: comparison with llvm-objcopy --add-section", llvmObjcopy);

const OBJECTS = ["embed-x86_64.o", "embed-s390x.o", "embed-i386.o", "embed-powerpc.o"] as const;
const PROGRAMS = ["prog-pie", "prog-exec"] as const;

/** A new temporary directory, removed after the file's tests. */
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "btfkit-add-section-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The BTF `btfkit encode` writes for a fixture, in the ELF's byte order. */
const btfCache = new Map<string, Uint8Array>();
function btfOf(file: string): Uint8Array {
  let b = btfCache.get(file);
  if (!b) {
    const elf = ElfFile.open(file);
    const order = elf.byteOrder;
    elf.close();
    b = writeBtf(encodeFile(file).btf, { byteOrder: order });
    btfCache.set(file, b);
  }
  return b;
}

function thrown(f: () => unknown): BtfkitError {
  try {
    f();
  } catch (e) {
    if (e instanceof BtfkitError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(".tmp"));
}

interface Row {
  index: number;
  name: string;
  type: string;
  addr: string;
  off: number;
  size: number;
  es: string;
  flg: string;
  lk: string;
  inf: string;
  al: string;
  line: string;
}

/** `readelf -S -W` rows by index. */
function sectionRows(file: string): Row[] {
  const out = execFileSync("readelf", ["-S", "-W", file], { encoding: "utf8" });
  const rows: Row[] = [];
  for (const line of out.split("\n")) {
    const m =
      /^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(
        line,
      );
    if (!m) continue;
    rows.push({
      index: Number(m[1]),
      name: m[2]!,
      type: m[3]!,
      addr: m[4]!,
      off: parseInt(m[5]!, 16),
      size: parseInt(m[6]!, 16),
      es: m[7]!,
      flg: m[8]!,
      lk: m[9]!,
      inf: m[10]!,
      al: m[11]!,
      line: line.trim(),
    });
  }
  return rows;
}

/** `readelf -a -W` without what adding a section changes: the section rows and the header's section table fields. */
function readelfAllButSectionTable(file: string): string {
  const out = execFileSync("readelf", ["-a", "-W", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  return out
    .split("\n")
    .filter(
      (l) =>
        !/^\s*\[\s*\d+\]/.test(l) &&
        !/Start of section headers|Number of section headers|There are \d+ section headers/.test(l),
    )
    .join("\n");
}

/** `objdump -d` (or `llvm-objdump -d` for a machine the host's binutils cannot disassemble: s390x, powerpc). */
function disassembly(file: string): string {
  for (const tool of ["objdump", "llvm-objdump"]) {
    const r = spawnSync(tool, ["-d", file], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status === 0 && /Disassembly of section/.test(r.stdout))
      return r.stdout.slice(r.stdout.indexOf("Disassembly")); // the first lines name the file
  }
  throw new Error(`neither objdump nor llvm-objdump disassembles ${file}`);
}

/**
 * The output differs from the input only where the writer says: in the kept prefix, the ELF header's e_shoff and
 * e_shnum, data replaced in place and a section table patched in place; the old table entries are unchanged but for
 * the name table's and the replaced sections'; the new `.shstrtab` starts with the old one's bytes.
 */
function expectOnlyDeclaredChanges(input: Uint8Array, output: Uint8Array, r: WriteElfSectionsResult): void {
  const elf = ElfFile.fromBytes(input);
  const is64 = elf.header.class === 64;
  const allowed: [number, number][] = [
    is64 ? [40, 48] : [32, 36], // e_shoff
    is64 ? [60, 62] : [48, 50], // e_shnum
  ];
  for (const s of r.sections) {
    if (s.how !== "replaced in place") continue;
    const old = elf.sections[s.index]!;
    allowed.push([old.offset, old.offset + old.size]);
  }
  if (!r.sectionTable.moved)
    allowed.push([elf.header.shoff, elf.header.shoff + elf.header.shnum * elf.header.shentsize]);
  const ok = (i: number) => allowed.some(([a, b]) => i >= a && i < b);
  expect(output.length).toBe(r.fileSize);
  let firstDiff = -1;
  for (let i = 0; i < r.keptBytes; i++) {
    if (input[i] !== output[i] && !ok(i)) {
      firstDiff = i;
      break;
    }
  }
  expect(firstDiff, `first unexpected difference at 0x${firstDiff.toString(16)}`).toBe(-1);
  // Section table entries.
  const ent = elf.header.shentsize;
  const touched = new Set([elf.header.shstrndx, ...r.sections.map((s) => s.index)]);
  for (let i = 0; i < elf.header.shnum; i++) {
    if (touched.has(i)) continue;
    const a = input.subarray(elf.header.shoff + i * ent, elf.header.shoff + (i + 1) * ent);
    const b = output.subarray(r.sectionTable.offset + i * ent, r.sectionTable.offset + (i + 1) * ent);
    expect(Buffer.compare(a, b), `section header [${i}]`).toBe(0);
  }
  const oldStr = elf.sections[elf.header.shstrndx]!;
  expect(
    Buffer.compare(
      input.subarray(oldStr.offset, oldStr.offset + oldStr.size),
      output.subarray(r.shstrtab.offset, r.shstrtab.offset + oldStr.size),
    ),
  ).toBe(0);
}

describe.each([...OBJECTS, ...PROGRAMS])("%s: add .BTF", (name) => {
  const input = join(FIX, name);
  const dir = tmp();
  const out = join(dir, name);
  const btf = btfOf(input);
  const r = writeElfWithSections(input, out, [{ name: ".BTF", data: btf }]);
  const inBytes = readFileSync(input);
  const outBytes = readFileSync(out);

  it("writes the section after the contents, the table last, and changes nothing else", () => {
    expect(r.sections).toEqual([
      { name: ".BTF", index: expect.any(Number), offset: expect.any(Number), size: btf.length, how: "added" },
    ]);
    expect(r.sectionTable.moved).toBe(true);
    expect(r.sectionTable.count).toBe(r.sections[0]!.index + 1);
    expect(r.sectionTable.offset).toBeGreaterThan(r.sections[0]!.offset);
    expect(r.fileSize).toBe(
      r.sectionTable.offset + r.sectionTable.count * (ElfFile.fromBytes(inBytes).header.class === 64 ? 64 : 40),
    );
    expectOnlyDeclaredChanges(inBytes, outBytes, r);
    const elf = ElfFile.fromBytes(outBytes);
    const sec = elf.section(".BTF")!;
    expect(sec).toMatchObject({
      type: SHT.PROGBITS,
      flags: 0,
      addr: 0,
      addralign: 1,
      entsize: 0,
      link: 0,
      info: 0,
      size: btf.length,
    });
    expect(Buffer.compare(elf.sectionBytes(sec), btf)).toBe(0);
  });

  it("btfkit's loader reads the same BTF back (same bytes when written again)", () => {
    const back = loadBtfFromElf(out);
    expect(Buffer.compare(writeBtf(back, { byteOrder: ElfFile.fromBytes(inBytes).byteOrder }), btf)).toBe(0);
    expect(back.endId).toBe(parseBtf(btf).endId);
  });

  it.skipIf(!readelf.value)(
    "readelf: a PROGBITS .BTF of the right size, flags none, align 1; the rest of readelf -a unchanged",
    () => {
      const before = sectionRows(input);
      const after = sectionRows(out);
      expect(after).toHaveLength(before.length + 1);
      const row = after[after.length - 1]!;
      expect(row).toMatchObject({
        name: ".BTF",
        type: "PROGBITS",
        size: btf.length,
        off: r.sections[0]!.offset,
        flg: "",
        al: "1",
        es: "00",
        lk: "0",
        inf: "0",
      });
      const shstrndx = ElfFile.fromBytes(inBytes).header.shstrndx;
      for (const b of before)
        if (b.index !== shstrndx) expect(after.find((a) => a.index === b.index)?.line).toBe(b.line);
      expect(readelfAllButSectionTable(out)).toBe(readelfAllButSectionTable(input));
    },
  );

  it.skipIf(!objdump.value)("objdump -d is unchanged", () => {
    expect(disassembly(out)).toBe(disassembly(input));
  });

  it.skipIf(!bpftool.value)("bpftool btf dump file reads it, as the raw BTF", () => {
    const raw = join(dir, "raw.btf");
    writeFileSync(raw, btf);
    const fromElf = execFileSync("bpftool", ["btf", "dump", "file", out], { encoding: "utf8" });
    expect(fromElf).toMatch(/^\[1\] /);
    expect(fromElf).toBe(execFileSync("bpftool", ["btf", "dump", "file", raw], { encoding: "utf8" }));
  });

  it("writing it again gives the same bytes; so does a bigger .BTF, then the first again", () => {
    const again = join(dir, "again");
    expect(writeElfWithSections(out, again, [{ name: ".BTF", data: btf }]).sections[0]!.how).toBe("replaced in place");
    expect(Buffer.compare(readFileSync(again), outBytes)).toBe(0);
    const big = new Uint8Array(btf.length + 1000);
    big.set(btf);
    const bigOut = join(dir, "big");
    const rb = writeElfWithSections(out, bigOut, [{ name: ".BTF", data: big }]);
    expect(rb.sections[0]).toMatchObject({ index: r.sections[0]!.index, size: big.length });
    expect(rb.fileSize).toBe(r.fileSize + 1000);
    writeElfWithSections(bigOut, again, [{ name: ".BTF", data: btf }]);
    expect(Buffer.compare(readFileSync(again), outBytes)).toBe(0);
  });

  it("in place (embedSections) gives the same file, and keeps the file's mode", () => {
    const copy = join(dir, "copy-" + name);
    copyFileSync(input, copy);
    chmodSync(copy, 0o751);
    embedSections(copy, [{ name: ".BTF", data: btf }]);
    expect(Buffer.compare(readFileSync(copy), outBytes)).toBe(0);
    expect(statSync(copy).mode & 0o7777).toBe(0o751);
    expect(tempFiles(dir)).toEqual([]);
  });

  it.skipIf(!llvmObjcopy.value || !readelf.value)(
    "the section header is the one llvm-objcopy --add-section writes (what pahole -J runs)",
    () => {
      const raw = join(dir, "raw-for-objcopy.btf");
      writeFileSync(raw, btf);
      const theirs = join(dir, "objcopy-" + name);
      execFileSync("llvm-objcopy", ["--add-section", `.BTF=${raw}`, input, theirs]);
      const pick = (f: string) => {
        const row = sectionRows(f).find((x) => x.name === ".BTF")!;
        return {
          type: row.type,
          addr: row.addr,
          size: row.size,
          es: row.es,
          flg: row.flg,
          lk: row.lk,
          inf: row.inf,
          al: row.al,
        };
      };
      expect(pick(out)).toEqual(pick(theirs));
    },
  );
});

describe.skipIf(process.arch !== "x64" || process.platform !== "linux")("linked programs still run", () => {
  it.each(PROGRAMS)("%s exits with 19 after .BTF was added in place", (name) => {
    const dir = tmp();
    const copy = join(dir, name);
    copyFileSync(join(FIX, name), copy);
    embedSections(copy, [{ name: ".BTF", data: btfOf(join(FIX, name)) }]);
    expect(spawnSync(copy).status).toBe(19);
  });
});

describe("two sections at once: .BTF and .BTF.base (a distilled base)", () => {
  it.each(OBJECTS)("%s", (name) => {
    const input = join(FIX, name);
    const dir = tmp();
    const out = join(dir, name);
    const btf = btfOf(input);
    const base = btfOf(join(FIX, name === "embed-x86_64.o" ? "prog-pie" : name)).slice(); // any BTF of the same byte order
    const r = writeElfWithSections(input, out, [
      { name: ".BTF", data: btf },
      { name: ".BTF.base", data: base },
    ]);
    const n = ElfFile.fromBytes(readFileSync(input)).sections.length;
    expect(r.sections.map((s) => [s.name, s.index, s.how])).toEqual([
      [".BTF", n, "added"],
      [".BTF.base", n + 1, "added"],
    ]);
    expectOnlyDeclaredChanges(readFileSync(input), readFileSync(out), r);
    const elf = ElfFile.open(out);
    expect(Buffer.compare(elf.sectionBytes(elf.section(".BTF")!), btf)).toBe(0);
    expect(Buffer.compare(elf.sectionBytes(elf.section(".BTF.base")!), base)).toBe(0);
    elf.close();
    if (readelf.value) {
      const rows = sectionRows(out).slice(-2);
      expect(rows.map((x) => [x.name, x.type, x.size, x.flg, x.al])).toEqual([
        [".BTF", "PROGBITS", btf.length, "", "1"],
        [".BTF.base", "PROGBITS", base.length, "", "1"],
      ]);
    }
    const again = join(dir, "again");
    writeElfWithSections(out, again, [
      { name: ".BTF", data: btf },
      { name: ".BTF.base", data: base },
    ]);
    expect(Buffer.compare(readFileSync(again), readFileSync(out))).toBe(0);
  });
});

describe("replacing a .BTF that GNU objcopy put in the middle (before .symtab)", () => {
  const input = join(FIX, "objcopy-btf.o");
  const inBytes = readFileSync(input);
  const old = ElfFile.fromBytes(inBytes).section(".BTF")!;
  const btf = btfOf(input);

  it("same size or smaller: in place, the rest of the old bytes zeroed, the table patched where it is", () => {
    const dir = tmp();
    // A smaller valid BTF: one INT.
    const tiny = new Btf();
    tiny.addNamed("int", BTF_KIND.INT, 0, false, 4, [(1 << 24) | 32]);
    const small = writeBtf(tiny);
    expect(small.length).toBeLessThan(old.size);
    for (const data of [btf, small]) {
      const out = join(dir, `out-${data.length}.o`);
      const r = writeElfWithSections(input, out, [{ name: ".BTF", data }]);
      expect(r.sections[0]).toEqual({
        name: ".BTF",
        index: old.index,
        offset: old.offset,
        size: data.length,
        how: "replaced in place",
      });
      // The name table and the section table are the file's tail: written again, at the same offsets.
      const h = ElfFile.fromBytes(inBytes).header;
      expect(r).toMatchObject({ fileSize: inBytes.length, sectionTable: { offset: h.shoff } });
      const outBytes = readFileSync(out);
      expectOnlyDeclaredChanges(inBytes, outBytes, r);
      expect(Buffer.compare(outBytes.subarray(old.offset, old.offset + data.length), data)).toBe(0);
      expect(outBytes.subarray(old.offset + data.length, old.offset + old.size).every((b) => b === 0)).toBe(true);
      if (bpftool.value)
        expect(execFileSync("bpftool", ["btf", "dump", "file", out], { encoding: "utf8" })).toMatch(/^\[1\] /);
    }
  });

  it("bigger: moved after the contents (the old bytes left unused), its header updated; again is the same", () => {
    const dir = tmp();
    const out = join(dir, "out.o");
    const big = new Uint8Array(old.size + 100);
    big.set(btf);
    const r = writeElfWithSections(input, out, [{ name: ".BTF", data: big }]);
    expect(r.sections[0]).toMatchObject({ index: old.index, how: "moved", size: big.length });
    expect(r.sections[0]!.offset).toBeGreaterThan(old.offset);
    const outBytes = readFileSync(out);
    expectOnlyDeclaredChanges(inBytes, outBytes, r);
    const sec = ElfFile.fromBytes(outBytes).section(".BTF")!;
    expect(sec).toMatchObject({
      index: old.index,
      offset: r.sections[0]!.offset,
      size: big.length,
      type: SHT.PROGBITS,
      flags: 0,
      addralign: 1,
    });
    if (readelf.value) expect(readelfAllButSectionTable(out)).toBe(readelfAllButSectionTable(input));
    const again = join(dir, "again.o");
    writeElfWithSections(out, again, [{ name: ".BTF", data: big }]);
    expect(Buffer.compare(readFileSync(again), outBytes)).toBe(0);
  });
});

describe("a loaded .BTF (SHF_ALLOC in a PT_LOAD segment, as in a linked vmlinux)", () => {
  const input = join(FIX, "loaded-btf");
  const inBytes = readFileSync(input);
  const old = ElfFile.fromBytes(inBytes).section(".BTF")!;

  it("is replaced in place by data of its size: the output differs from the input in those bytes only", () => {
    expect(old.flags & SHF.ALLOC).toBe(SHF.ALLOC);
    const dir = tmp();
    const out = join(dir, "out");
    const data = new Uint8Array(old.size).fill(0xab);
    const r = writeElfWithSections(input, out, [{ name: ".BTF", data }]);
    expect(r.sections[0]).toMatchObject({ how: "replaced in place", offset: old.offset });
    const outBytes = readFileSync(out);
    expect(outBytes.length).toBe(inBytes.length);
    const expected = Buffer.from(inBytes);
    expected.set(data, old.offset);
    expect(Buffer.compare(outBytes, expected)).toBe(0);
    if (process.arch === "x64") expect(spawnSync(out).status).toBe(1); // it reads its own .BTF: the first byte changed
  });

  it("any other size is refused: nothing written", () => {
    const dir = tmp();
    const out = join(dir, "out");
    const e = thrown(() => writeElfWithSections(input, out, [{ name: ".BTF", data: new Uint8Array(old.size + 1) }]));
    expect(e.code).toBe(ErrorCode.UNSUPPORTED);
    expect(e.message).toMatch(
      /loaded-btf: \.BTF: section \.BTF \[\d+\] is loaded \(in program segment \d+\) and cannot move: its new data \(65 bytes\) must be exactly its size \(64 bytes\)/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("with renameLoaded keeps the loaded one under that name, in its place, and adds the new one unloaded", () => {
    const dir = tmp();
    const out = join(dir, "out");
    const data = new Uint8Array(old.size + 100).fill(0xcd);
    const r = writeElfWithSections(input, out, [{ name: ".BTF", data, renameLoaded: ".BTF.orig" }]);
    expect(r.sections[0]).toMatchObject({ name: ".BTF", how: "added", size: old.size + 100 });
    const outBytes = readFileSync(out);
    const elf = ElfFile.fromBytes(outBytes);
    const kept = elf.section(".BTF.orig")!;
    expect([kept.index, kept.offset, kept.size, kept.flags, kept.addr]).toEqual([
      old.index,
      old.offset,
      old.size,
      old.flags,
      old.addr,
    ]);
    expect(
      Buffer.compare(
        outBytes.subarray(old.offset, old.offset + old.size),
        inBytes.subarray(old.offset, old.offset + old.size),
      ),
    ).toBe(0);
    const added = elf.section(".BTF")!;
    expect(added.flags & SHF.ALLOC).toBe(0);
    expect(Buffer.compare(outBytes.subarray(added.offset, added.offset + added.size), Buffer.from(data))).toBe(0);
    const sections = spawnSync("readelf", ["-S", "-W", out], { encoding: "utf8" });
    if (!sections.error) expect(sections.stdout).toMatch(/\.BTF\.orig\s+PROGBITS/);
    if (process.arch === "x64") expect(spawnSync(out).status).toBe(0); // the program still reads its own loaded bytes
  });
});

describe("trailing bytes after the section table (a module signature, unknown data)", () => {
  it("are kept where they were; the new parts come after them", () => {
    const dir = tmp();
    const input = join(dir, "signed.o");
    const trailer = Buffer.from("fake signature\n~Module signature appended~\n");
    writeFileSync(input, Buffer.concat([readFileSync(join(FIX, "embed-x86_64.o")), trailer]));
    const out = join(dir, "out.o");
    const btf = btfOf(join(FIX, "embed-x86_64.o"));
    const r = writeElfWithSections(input, out, [{ name: ".BTF", data: btf }]);
    const inBytes = readFileSync(input);
    expect(r.keptBytes).toBe(inBytes.length);
    expectOnlyDeclaredChanges(inBytes, readFileSync(out), r);
    if (bpftool.value)
      expect(execFileSync("bpftool", ["btf", "dump", "file", out], { encoding: "utf8" })).toMatch(/^\[1\] /);
  });
});

describe("refusals: clear errors, the input untouched, no output, no temporary file", () => {
  const dir = tmp();
  const x86 = join(FIX, "embed-x86_64.o");
  const bytesBefore = readFileSync(x86);
  const refuse = (input: string, sections: SectionToWrite[], code: string, msg: RegExp) => {
    const out = join(dir, "out-" + basename(input));
    const e = thrown(() => writeElfWithSections(input, out, sections));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(msg);
    expect(existsSync(out)).toBe(false);
    expect(tempFiles(dir)).toEqual([]);
  };
  const data = new Uint8Array(8);

  it("not an ELF file", () => {
    const p = join(dir, "not-elf");
    writeFileSync(p, "hello, world\n");
    refuse(p, [{ name: ".BTF", data }], ErrorCode.BAD_HEADER, /not an ELF file/);
  });

  it("extended section numbering in the input (e_shnum 0, the count in section 0)", () => {
    const img = buildElf({ sections: [{ name: ".text", data: new Uint8Array(4) }] });
    const v = new DataView(img.buffer);
    const shoff = Number(v.getBigUint64(40, true));
    v.setBigUint64(shoff + 32, BigInt(v.getUint16(60, true)), true); // section 0's sh_size
    v.setUint16(60, 0, true);
    const p = join(dir, "xnum.o");
    writeFileSync(p, img);
    expect(ElfFile.open(p).sections).toHaveLength(3);
    refuse(
      p,
      [{ name: ".BTF", data }],
      ErrorCode.UNSUPPORTED,
      /xnum\.o: offset 0x3c: extended section numbering \(3 sections\) is not supported/,
    );
  });

  it("an output that would need extended numbering (0xff00 sections)", () => {
    const img = buildElf({
      sections: [
        { name: "t", data: new Uint8Array(0) },
        ...Array.from({ length: 0xff00 - 4 }, () => ({ name: "s", data: new Uint8Array(0) })),
      ],
    });
    const p = join(dir, "many.o");
    writeFileSync(p, img);
    expect(ElfFile.open(p).sections).toHaveLength(0xff00 - 1);
    refuse(p, [{ name: ".BTF", data }], ErrorCode.UNSUPPORTED, /65280 sections would need extended section numbering/);
    // One fewer is fine: the last index below SHN_LORESERVE.
    const r = writeElfWithSections(p, join(dir, "many-out.o"), [{ name: "t", data }]);
    expect(r.sections[0]!.how).toBe("moved");
  });

  it("two sections of the requested name; a name asked twice; NOBITS; the name table itself", () => {
    const img = buildElf({
      sections: [
        { name: ".BTF", data: new Uint8Array(4) },
        { name: ".BTF", data: new Uint8Array(4) },
      ],
    });
    const p = join(dir, "twice.o");
    writeFileSync(p, img);
    refuse(
      p,
      [{ name: ".BTF", data }],
      ErrorCode.UNSUPPORTED,
      /2 sections are named \.BTF \(\[1\], \[2\]\): which to replace is ambiguous/,
    );
    refuse(
      x86,
      [
        { name: ".BTF", data },
        { name: ".BTF", data },
      ],
      ErrorCode.USAGE,
      /section \.BTF is requested twice/,
    );
    refuse(x86, [{ name: ".BTF", data, type: SHT.NOBITS }], ErrorCode.USAGE, /cannot hold data/);
    refuse(x86, [{ name: ".shstrtab", data }], ErrorCode.USAGE, /is the section name table/);
    refuse(x86, [{ name: ".BTF", data, align: 3 }], ErrorCode.USAGE, /alignment 3 is not a power of two/);
    refuse(x86, [], ErrorCode.USAGE, /no section to write/);
    expect(Buffer.compare(readFileSync(x86), bytesBefore)).toBe(0);
  });

  it("an output directory that does not exist: an IO error naming it", () => {
    const out = join(dir, "no-such-dir", "out.o");
    const e = thrown(() => writeElfWithSections(x86, out, [{ name: ".BTF", data }]));
    expect(e.code).toBe(ErrorCode.IO);
    expect(e.message).toContain(out);
  });
});

describe("section name strings, types, flags", () => {
  it("a new name that is the tail of an existing one (.BTF in .rela.BTF) reuses its string; type, flags and alignment as asked", () => {
    const dir = tmp();
    const img = buildElf({
      sections: [
        { name: ".text", data: new Uint8Array(16) },
        { name: ".rela.BTF", type: SHT.RELA, data: new Uint8Array(0) },
      ],
    });
    const p = join(dir, "in.o");
    writeFileSync(p, img);
    const out = join(dir, "out.o");
    const r = writeElfWithSections(p, out, [
      { name: ".BTF", data: new Uint8Array(10), type: SHT.NOTE, flags: SHF.ALLOC, align: 16 },
    ]);
    expect(r.shstrtab.size).toBe(ElfFile.fromBytes(img).sections[3]!.size);
    const sec = ElfFile.open(out).section(".BTF")!;
    expect(sec).toMatchObject({ type: SHT.NOTE, flags: SHF.ALLOC, addralign: 16, size: 10 });
    expect(sec.offset % 16).toBe(0);
  });

  it("replacing a section keeps its header but drops SHF_COMPRESSED", () => {
    const dir = tmp();
    const img = buildElf({
      sections: [{ name: ".BTF", flags: SHF.COMPRESSED + 0x80000000, addralign: 4, data: new Uint8Array(4) }],
    });
    const p = join(dir, "in.o");
    writeFileSync(p, img);
    const out = join(dir, "out.o");
    writeElfWithSections(p, out, [{ name: ".BTF", data: new Uint8Array(40) }]);
    expect(ElfFile.open(out).section(".BTF")).toMatchObject({ flags: 0x80000000, addralign: 4, size: 40 });
  });
});

describe("temporary files", () => {
  it("stale ones of a process that is gone are removed by the next write; a live process's are kept", async () => {
    const dir = tmp();
    const target = join(dir, "out.o");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // exited: its pid is free
    const live = spawn("sleep", ["30"]);
    try {
      const staleName = `.out.o.${dead}.abc.tmp`;
      const liveName = `.out.o.${live.pid}.abc.tmp`;
      const otherName = `.other.o.${dead}.abc.tmp`;
      for (const n of [staleName, liveName, otherName]) writeFileSync(join(dir, n), "partial");
      writeElfWithSections(join(FIX, "embed-x86_64.o"), target, [{ name: ".BTF", data: new Uint8Array(4) }]);
      expect(tempFiles(dir).sort()).toEqual([liveName, otherName].sort());
      expect(removeStaleTemps(join(dir, "other.o"))).toEqual([otherName]);
    } finally {
      live.kill();
    }
  });

  it("an output path that is a symbolic link: its target is replaced, the link stays", () => {
    const dir = tmp();
    const real = join(dir, "real.o");
    copyFileSync(join(FIX, "embed-x86_64.o"), real);
    const link = join(dir, "link.o");
    symlinkSync("real.o", link);
    embedSections(link, [{ name: ".BTF", data: new Uint8Array(4) }]);
    expect(ElfFile.open(real).section(".BTF")?.size).toBe(4);
    expect(readdirSync(dir).sort()).toEqual(["link.o", "real.o"]);
  });
});
