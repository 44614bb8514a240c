import { BtfkitError, ErrorCode } from "../common/errors.js";
import { viewOf } from "../common/byte-order.js";
import { readUlebBig, rewriteUleb } from "../common/leb128.js";
import { type ElfFile, type ElfSection, SHT } from "./elf-file.js";
import type { SymbolTable } from "./symbols.js";
import { decompressSection } from "./compression.js";

/** Machine numbers (e_machine) of the architectures whose relocations btfkit applies. */
export const EM = { I386: 3, PPC: 20, PPC64: 21, S390: 22, X86_64: 62, AARCH64: 183, RISCV: 243 } as const;

/**
 * What a relocation computes, with S the symbol value, A the addend, P the place (its offset in the section: a
 * relocatable file's non-allocated sections have address 0) and V the value already at the place.
 */
const Op = {
  NONE: 0, // nothing (R_*_NONE, R_RISCV_RELAX)
  ABS: 1, // S + A
  PCREL: 2, // S + A - P
  ADD: 3, // V + S + A
  SUB: 4, // V - (S + A)
  SET6: 5, // low 6 bits := S + A
  SUB6: 6, // low 6 bits := V - (S + A)
  SET_ULEB: 7, // ULEB128 in place := S + A
  SUB_ULEB: 8, // ULEB128 in place := V - (S + A)
} as const;
type Op = (typeof Op)[keyof typeof Op];

/** [name, op, width in bytes] of one relocation type. */
type RelocDef = readonly [string, Op, number];

/*
 * Only the relocation types compilers emit into debug sections are listed. Anything else found in a relocation
 * section that targets a debug section is an error naming the type: a silently wrong offset would send the DWARF
 * reader to garbage.
 */
const TABLES: ReadonlyMap<number, ReadonlyMap<number, RelocDef>> = new Map<number, Map<number, RelocDef>>([
  [
    EM.X86_64,
    new Map<number, RelocDef>([
      [0, ["R_X86_64_NONE", Op.NONE, 0]],
      [1, ["R_X86_64_64", Op.ABS, 8]],
      [2, ["R_X86_64_PC32", Op.PCREL, 4]],
      [10, ["R_X86_64_32", Op.ABS, 4]],
      [11, ["R_X86_64_32S", Op.ABS, 4]],
      [17, ["R_X86_64_DTPOFF64", Op.ABS, 8]],
      [21, ["R_X86_64_DTPOFF32", Op.ABS, 4]],
      [24, ["R_X86_64_PC64", Op.PCREL, 8]],
    ]),
  ],
  [
    EM.I386,
    new Map<number, RelocDef>([
      [0, ["R_386_NONE", Op.NONE, 0]],
      [1, ["R_386_32", Op.ABS, 4]],
      [2, ["R_386_PC32", Op.PCREL, 4]],
      [32, ["R_386_TLS_LDO_32", Op.ABS, 4]],
      [36, ["R_386_TLS_DTPOFF32", Op.ABS, 4]],
    ]),
  ],
  [
    EM.AARCH64,
    new Map<number, RelocDef>([
      [0, ["R_AARCH64_NONE", Op.NONE, 0]],
      [257, ["R_AARCH64_ABS64", Op.ABS, 8]],
      [258, ["R_AARCH64_ABS32", Op.ABS, 4]],
      [259, ["R_AARCH64_ABS16", Op.ABS, 2]],
      [260, ["R_AARCH64_PREL64", Op.PCREL, 8]],
      [261, ["R_AARCH64_PREL32", Op.PCREL, 4]],
      [1029, ["R_AARCH64_TLS_DTPREL64", Op.ABS, 8]],
    ]),
  ],
  [
    EM.RISCV,
    new Map<number, RelocDef>([
      [0, ["R_RISCV_NONE", Op.NONE, 0]],
      [1, ["R_RISCV_32", Op.ABS, 4]],
      [2, ["R_RISCV_64", Op.ABS, 8]],
      [8, ["R_RISCV_TLS_DTPREL32", Op.ABS, 4]],
      [9, ["R_RISCV_TLS_DTPREL64", Op.ABS, 8]],
      [33, ["R_RISCV_ADD8", Op.ADD, 1]],
      [34, ["R_RISCV_ADD16", Op.ADD, 2]],
      [35, ["R_RISCV_ADD32", Op.ADD, 4]],
      [36, ["R_RISCV_ADD64", Op.ADD, 8]],
      [37, ["R_RISCV_SUB8", Op.SUB, 1]],
      [38, ["R_RISCV_SUB16", Op.SUB, 2]],
      [39, ["R_RISCV_SUB32", Op.SUB, 4]],
      [40, ["R_RISCV_SUB64", Op.SUB, 8]],
      [51, ["R_RISCV_RELAX", Op.NONE, 0]],
      [52, ["R_RISCV_SUB6", Op.SUB6, 1]],
      [53, ["R_RISCV_SET6", Op.SET6, 1]],
      [54, ["R_RISCV_SET8", Op.ABS, 1]],
      [55, ["R_RISCV_SET16", Op.ABS, 2]],
      [56, ["R_RISCV_SET32", Op.ABS, 4]],
      [57, ["R_RISCV_32_PCREL", Op.PCREL, 4]],
      [60, ["R_RISCV_SET_ULEB128", Op.SET_ULEB, 0]],
      [61, ["R_RISCV_SUB_ULEB128", Op.SUB_ULEB, 0]],
    ]),
  ],
  [
    EM.S390,
    new Map<number, RelocDef>([
      [0, ["R_390_NONE", Op.NONE, 0]],
      [1, ["R_390_8", Op.ABS, 1]],
      [3, ["R_390_16", Op.ABS, 2]],
      [4, ["R_390_32", Op.ABS, 4]],
      [5, ["R_390_PC32", Op.PCREL, 4]],
      [22, ["R_390_64", Op.ABS, 8]],
      [52, ["R_390_TLS_LDO32", Op.ABS, 4]],
      [53, ["R_390_TLS_LDO64", Op.ABS, 8]],
    ]),
  ],
  [
    EM.PPC,
    new Map<number, RelocDef>([
      [0, ["R_PPC_NONE", Op.NONE, 0]],
      [1, ["R_PPC_ADDR32", Op.ABS, 4]],
      [3, ["R_PPC_ADDR16", Op.ABS, 2]],
      [26, ["R_PPC_REL32", Op.PCREL, 4]],
      [78, ["R_PPC_DTPREL32", Op.ABS, 4]],
    ]),
  ],
  [
    EM.PPC64,
    new Map<number, RelocDef>([
      [0, ["R_PPC64_NONE", Op.NONE, 0]],
      [1, ["R_PPC64_ADDR32", Op.ABS, 4]],
      [3, ["R_PPC64_ADDR16", Op.ABS, 2]],
      [26, ["R_PPC64_REL32", Op.PCREL, 4]],
      [38, ["R_PPC64_ADDR64", Op.ABS, 8]],
      [44, ["R_PPC64_REL64", Op.PCREL, 8]],
      [78, ["R_PPC64_DTPREL64", Op.ABS, 8]],
    ]),
  ],
]);

/** The name of relocation type `type` on `machine`, e.g. `R_X86_64_64`, or `type N` when unknown. */
export function relocTypeName(machine: number, type: number): string {
  return TABLES.get(machine)?.get(type)?.[0] ?? `type ${type}`;
}

/** The REL/RELA sections whose sh_info names section `target`. */
export function relocationSectionsFor(elf: ElfFile, target: ElfSection): ElfSection[] {
  return elf.sections.filter(
    (s) => (s.type === SHT.RELA || s.type === SHT.REL) && s.info === target.index && s.size > 0,
  );
}

/**
 * Apply every relocation of `rel` (a SHT_REL or SHT_RELA section) to `bytes`, the uncompressed contents of its
 * target section, in place. `targetName` is used in error messages.
 */
export function applyRelocations(
  elf: ElfFile,
  rel: ElfSection,
  bytes: Uint8Array,
  symbols: SymbolTable,
  targetName: string,
): void {
  const file = elf.path;
  const machine = elf.header.machine;
  const table = TABLES.get(machine);
  if (!table) {
    throw new BtfkitError(ErrorCode.UNSUPPORTED, `relocations for machine ${machine} (e_machine) are not supported`, {
      file,
      section: rel.name,
      offset: 0,
    });
  }
  const is64 = elf.header.class === 64;
  const rela = rel.type === SHT.RELA;
  const entSize = (is64 ? 16 : 8) + (rela ? (is64 ? 8 : 4) : 0);
  const rb = decompressSection(elf, rel);
  const rv = viewOf(rb);
  const tv = viewOf(bytes);
  const le = elf.byteOrder === "little";
  const n = Math.floor(rb.length / entSize);
  let ulebBase = 0;
  for (let i = 0, o = 0; i < n; i++, o += entSize) {
    let offset: number;
    let sym: number;
    let type: number;
    let addend = 0n;
    if (is64) {
      offset = readU64(rv, o, le);
      // r_info: symbol index in the high 32 bits, type in the low 32.
      sym = rv.getUint32(o + (le ? 12 : 8), le);
      type = rv.getUint32(o + (le ? 8 : 12), le);
      if (rela) addend = rv.getBigInt64(o + 16, le);
    } else {
      offset = rv.getUint32(o, le);
      const info = rv.getUint32(o + 4, le);
      sym = info >>> 8;
      type = info & 0xff;
      if (rela) addend = BigInt(rv.getInt32(o + 8, le));
    }
    const where = { file, section: rel.name, offset: o };
    const def = table.get(type);
    if (!def) {
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `unsupported relocation ${relocTypeName(machine, type)} (machine ${machine}) against ${targetName}+0x${offset.toString(16)}`,
        where,
      );
    }
    const [name, op, width] = def;
    if (op === Op.NONE) continue;
    if (sym >= symbols.count) {
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `${name}: symbol index ${sym} out of range (${symbols.count} symbols)`,
        where,
      );
    }
    if (offset + Math.max(width, 1) > bytes.length) {
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `${name}: offset 0x${offset.toString(16)} outside ${targetName} (0x${bytes.length.toString(16)} bytes)`,
        where,
      );
    }
    const s = sym === 0 ? 0n : symbols.valueBig(sym);
    if (op === Op.SET_ULEB || op === Op.SUB_ULEB) {
      ulebBase = offset;
      const old = op === Op.SUB_ULEB ? readUlebBig(bytes, offset, bytes.length) : 0n;
      const val = op === Op.SET_ULEB ? s + addend : old - (s + addend);
      // Rewritten in its own length (the assembler reserved the bytes), as the RISC-V psABI asks.
      if (!rewriteUleb(bytes, ulebBase, bytes.length, val)) {
        throw new BtfkitError(ErrorCode.CORRUPT, `${name}: unterminated ULEB128 at the place`, where);
      }
      continue;
    }
    // REL entries carry the addend in the place itself.
    const inPlace = readPlace(tv, offset, width, le);
    if (!rela && (op === Op.ABS || op === Op.PCREL)) addend = signExtend(inPlace, width);
    let val: bigint;
    switch (op) {
      case Op.ABS:
        val = s + addend;
        break;
      case Op.PCREL:
        val = s + addend - BigInt(offset);
        break;
      case Op.ADD:
        val = inPlace + s + addend;
        break;
      case Op.SUB:
        val = inPlace - (s + addend);
        break;
      case Op.SET6:
        val = (inPlace & 0xc0n) | ((s + addend) & 0x3fn);
        break;
      case Op.SUB6:
        val = (inPlace & 0xc0n) | ((inPlace - (s + addend)) & 0x3fn);
        break;
      default:
        val = 0n;
    }
    writePlace(tv, offset, width, le, val);
  }
}

function readU64(v: DataView, o: number, le: boolean): number {
  return v.getUint32(o + (le ? 4 : 0), le) * 0x1_0000_0000 + v.getUint32(o + (le ? 0 : 4), le);
}

function readPlace(v: DataView, o: number, width: number, le: boolean): bigint {
  switch (width) {
    case 1:
      return BigInt(v.getUint8(o));
    case 2:
      return BigInt(v.getUint16(o, le));
    case 4:
      return BigInt(v.getUint32(o, le));
    case 8:
      return v.getBigUint64(o, le);
    default:
      return 0n;
  }
}

function signExtend(v: bigint, width: number): bigint {
  return width === 0 ? 0n : BigInt.asIntN(width * 8, v);
}

function writePlace(v: DataView, o: number, width: number, le: boolean, val: bigint): void {
  switch (width) {
    case 1:
      v.setUint8(o, Number(BigInt.asUintN(8, val)));
      break;
    case 2:
      v.setUint16(o, Number(BigInt.asUintN(16, val)), le);
      break;
    case 4:
      v.setUint32(o, Number(BigInt.asUintN(32, val)), le);
      break;
    case 8:
      v.setBigUint64(o, BigInt.asUintN(64, val), le);
      break;
  }
}
