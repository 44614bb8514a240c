/** ELF reading: headers of both classes and byte orders, symbols, compressed sections, relocations. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BtfkitError } from "../../src/common/errors.js";
import { decompressSection, ELFCOMPRESS } from "../../src/elf/compression.js";
import { DebugSections } from "../../src/elf/debug-sections.js";
import { ElfFile, SHF, SHT } from "../../src/elf/elf-file.js";
import { EM } from "../../src/elf/relocations.js";
import { readSymbols, STT } from "../../src/elf/symbols.js";
import { haveTool } from "../dwarf/reference.js";
import { buildElf } from "./elf-builder.js";

const FIX = join(import.meta.dirname, "../fixtures/dwarf");
const HAVE_READELF = haveTool("readelf");
if (!HAVE_READELF) console.warn("skipping readelf symbol cross-check: readelf is not installed");

function thrown(f: () => unknown): BtfkitError {
  try {
    f();
  } catch (e) {
    if (e instanceof BtfkitError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("ELF headers", () => {
  it.each([
    ["cross-i386.o", 32, "little", EM.I386],
    ["cross-powerpc.o", 32, "big", 20],
    ["cross-s390x.o", 64, "big", EM.S390],
    ["cross-aarch64.o", 64, "little", EM.AARCH64],
  ] as const)("%s is ELF%i %s-endian", (f, cls, order, machine) => {
    const elf = ElfFile.open(join(FIX, f));
    expect(elf.header.class).toBe(cls);
    expect(elf.byteOrder).toBe(order);
    expect(elf.header.machine).toBe(machine);
    expect(elf.section(".debug_info")).toBeDefined();
    elf.close();
  });

  it("a section past the end of the file is an error naming the section", () => {
    const bytes = readFileSync(join(FIX, "cross-x86_64.o"));
    const elf = ElfFile.fromBytes(bytes.subarray(0, bytes.length), "t.o");
    const sec = elf.section(".debug_info")!;
    const cut = ElfFile.fromBytes(bytes, "t.o");
    expect(cut.sectionBytes(sec).length).toBe(sec.size);
    const e = thrown(() => ElfFile.fromBytes(bytes.subarray(0, 100), "cut.o"));
    expect(e.message).toMatch(/^cut\.o: /);
  });
});

describe("symbols", () => {
  it.skipIf(!HAVE_READELF).each(["c-gcc-dw5", "cross-powerpc.o", "cross-s390x.o", "cross-i386.o"])(
    "%s: match readelf -s",
    (f) => {
      const path = join(FIX, f);
      const elf = ElfFile.open(path);
      const syms = readSymbols(elf)!;
      const out = execFileSync("readelf", ["-sW", path], { encoding: "utf8" });
      const symtab = out.slice(out.indexOf("'.symtab'"));
      const rows = symtab
        .split("\n")
        .map((l) => /^\s*(\d+): ([0-9a-f]+)\s+(\d+) (\w+)\s+\w+\s+\w+\s+\S+\s*(\S*)/.exec(l))
        .filter((m) => m !== null);
      expect(syms.count).toBe(rows.length);
      for (const m of rows) {
        const i = Number(m[1]);
        if (m[4] !== "SECTION") expect(syms.name(i)).toBe(m[5]); // readelf prints the section name for those
        expect(syms.valueBig(i)).toBe(BigInt("0x" + m[2]));
        expect(syms.size(i)).toBe(Number(m[3]));
      }
      const fn = f === "c-gcc-dw5" ? "use_node" : "cross_sum";
      const i = [...Array(syms.count).keys()].find((k) => syms.name(k) === fn)!;
      expect(syms.type(i)).toBe(STT.FUNC);
      elf.close();
    },
  );
});

describe("compressed debug sections", () => {
  const plain = ElfFile.open(join(FIX, "c-gcc-dw5"));
  const plainInfo = plain.sectionBytes(plain.section(".debug_info")!);

  it("SHF_COMPRESSED zstd decompresses to the original bytes", () => {
    const elf = ElfFile.open(join(FIX, "c-gcc-zstd"));
    const sec = elf.section(".debug_info")!;
    expect(sec.flags & SHF.COMPRESSED).toBeTruthy();
    const raw = elf.sectionBytes(sec);
    expect(new DataView(raw.buffer, raw.byteOffset).getUint32(0, true)).toBe(ELFCOMPRESS.ZSTD);
    expect(Buffer.from(decompressSection(elf, sec)).equals(Buffer.from(plainInfo))).toBe(true);
    elf.close();
  });

  it("SHF_COMPRESSED zlib and legacy .zdebug are found and decompressed", () => {
    for (const f of ["c-gcc-zlib", "c-gcc-zdebug", "c-gcc-zlib.o"]) {
      const elf = ElfFile.open(join(FIX, f));
      const ds = new DebugSections(elf);
      const sec = ds.find(".debug_info")!;
      expect(sec.name === ".zdebug_info" || (sec.flags & SHF.COMPRESSED) !== 0).toBe(true);
      const info = ds.get(".debug_info")!;
      // unit_length + 4 covers the whole first unit at least
      expect(new DataView(info.buffer, info.byteOffset).getUint32(0, true) + 4).toBeLessThanOrEqual(info.length);
      elf.close();
    }
  });

  it("a corrupt size or stream is an error naming file and section", () => {
    const bytes = new Uint8Array(readFileSync(join(FIX, "c-gcc-zlib")));
    const elf = ElfFile.fromBytes(bytes, "z");
    const sec = elf.section(".debug_info")!;
    bytes[sec.offset + 8] = 0xff; // ch_size low byte
    bytes[sec.offset + 12] = 0x7f; // ch_size high word: absurd
    expect(thrown(() => decompressSection(elf, sec)).message).toMatch(
      /^z: \.debug_info\+0x0: implausible uncompressed size/,
    );
    const b2 = new Uint8Array(readFileSync(join(FIX, "c-gcc-zlib")));
    const e2 = ElfFile.fromBytes(b2, "z2");
    const s2 = e2.section(".debug_info")!;
    b2.fill(0x55, s2.offset + 26, s2.offset + 40);
    expect(thrown(() => decompressSection(e2, s2)).message).toMatch(
      /^z2: \.debug_info\+0x18: zlib data does not decompress/,
    );
  });
});

/** A RELA section entry (ELF64). */
function rela(le: boolean, entries: [offset: number, sym: number, type: number, addend: number][]): Uint8Array {
  const b = new Uint8Array(24 * entries.length);
  const v = new DataView(b.buffer);
  entries.forEach(([off, sym, type, add], i) => {
    v.setBigUint64(i * 24, BigInt(off), le);
    v.setBigUint64(i * 24 + 8, (BigInt(sym) << 32n) | BigInt(type), le);
    v.setBigInt64(i * 24 + 16, BigInt(add), le);
  });
  return b;
}

/** A 64-bit symbol table: a null symbol then the given values. */
function symtab(le: boolean, values: number[]): Uint8Array {
  const b = new Uint8Array(24 * (values.length + 1));
  const v = new DataView(b.buffer);
  values.forEach((val, i) => {
    v.setUint8((i + 1) * 24 + 4, STT.SECTION);
    v.setUint16((i + 1) * 24 + 6, 1, le);
    v.setBigUint64((i + 1) * 24 + 8, BigInt(val), le);
  });
  return b;
}

describe("relocations", () => {
  it("applies RISC-V ADD/SUB pairs, SET6/SUB6 and ULEB128 pairs", () => {
    const info = Uint8Array.from([0, 0, 0, 0, 0x80, 0x00, 0x41, 0, 0, 0, 0, 0]);
    const elf = ElfFile.fromBytes(
      buildElf({
        type: 1,
        machine: EM.RISCV,
        sections: [
          { name: ".debug_info", data: info },
          {
            name: ".rela.debug_info",
            type: SHT.RELA,
            data: rela(
              true,
              [
                [0, 1, 35, 0],
                [0, 2, 39, 0], // ADD32 S1, SUB32 S2 → 0x10 - 0x4
                [4, 1, 60, 0],
                [4, 2, 61, 0], // SET_ULEB128 / SUB_ULEB128 over a 2-byte ULEB
                [6, 1, 53, 0x30],
                [6, 2, 52, 0], // SET6 then SUB6 (high bits 01 kept)
                [8, 1, 36, 1], // ADD64 is a width the place cannot fit → error below
              ].slice(0, 6) as [number, number, number, number][],
            ),
            link: 3,
            info: 1,
            entsize: 24,
          },
          { name: ".symtab", type: SHT.SYMTAB, data: symtab(true, [0x10, 0x4]), link: 4, entsize: 24 },
          { name: ".strtab", type: SHT.STRTAB, data: new Uint8Array(1) },
        ],
      }),
      "rv.o",
    );
    const out = new DebugSections(elf).get(".debug_info")!;
    expect(new DataView(out.buffer, out.byteOffset).getUint32(0, true)).toBe(0xc);
    expect([out[4], out[5]]).toEqual([0x8c, 0x00]);
    expect(out[6]).toBe(0x40 | ((0x40 - 4) & 0x3f));
  });

  it("applies big-endian 64-bit RELA (s390x R_390_64) with the addend", () => {
    const elf = ElfFile.fromBytes(
      buildElf({
        type: 1,
        machine: EM.S390,
        little: false,
        sections: [
          { name: ".debug_info", data: new Uint8Array(16) },
          {
            name: ".rela.debug_info",
            type: SHT.RELA,
            data: rela(false, [
              [8, 1, 22, 0x100],
              [0, 2, 4, -1],
            ]),
            link: 3,
            info: 1,
            entsize: 24,
          },
          { name: ".symtab", type: SHT.SYMTAB, data: symtab(false, [0x20, 0x4]), link: 4, entsize: 24 },
          { name: ".strtab", type: SHT.STRTAB, data: new Uint8Array(1) },
        ],
      }),
      "s390.o",
    );
    const out = new DebugSections(elf).get(".debug_info")!;
    const v = new DataView(out.buffer, out.byteOffset);
    expect(v.getBigUint64(8, false)).toBe(0x120n);
    expect(v.getUint32(0, false)).toBe(3);
  });

  it("an unsupported relocation type is an error that names it", () => {
    const bytes = new Uint8Array(readFileSync(join(FIX, "cross-x86_64.o")));
    const elf0 = ElfFile.fromBytes(bytes, "x.o");
    const rel = elf0.section(".rela.debug_info")!;
    bytes[rel.offset + 8] = 4; // first entry: R_X86_64_32 → type 4 (R_X86_64_PLT32)
    const elf = ElfFile.fromBytes(bytes, "x.o");
    const e = thrown(() => new DebugSections(elf).get(".debug_info"));
    expect(e.message).toMatch(
      /^x\.o: \.rela\.debug_info\+0x0: unsupported relocation type 4 \(machine 62\) against \.debug_info\+0x8$/,
    );
    expect(e.code).toBe("UNSUPPORTED");
  });

  it("ET_EXEC files are not relocated", () => {
    const elf = ElfFile.open(join(FIX, "c-gcc-dw5"));
    const ds = new DebugSections(elf);
    const sec = elf.section(".debug_info")!;
    expect(Buffer.from(ds.get(".debug_info")!).equals(Buffer.from(elf.sectionBytes(sec)))).toBe(true);
    elf.close();
  });
});
