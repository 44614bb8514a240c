/** src/common/leb128.ts: the values of DWARF 5's examples (§7.6, tables 7.7 and 7.8), bounds, and rewriting in place. */
import { describe, expect, it } from "vitest";
import { leb, readSleb, readSlebBig, readUleb, readUlebBig, rewriteUleb, skipLeb } from "../../src/common/leb128.js";

const u = (bytes: number[]): number => readUleb(Uint8Array.from(bytes), 0, bytes.length);
const s = (bytes: number[]): number => readSleb(Uint8Array.from(bytes), 0, bytes.length);

describe("LEB128", () => {
  it("reads the standard's unsigned examples", () => {
    expect(u([2])).toBe(2);
    expect(u([127])).toBe(127);
    expect(u([0x80, 1])).toBe(128);
    expect(u([0x81, 1])).toBe(129);
    expect(u([0x82, 1])).toBe(130);
    expect(u([0xb9, 0x64])).toBe(12857);
    expect(leb.next).toBe(2);
  });

  it("reads the standard's signed examples", () => {
    expect(s([2])).toBe(2);
    expect(s([0x7e])).toBe(-2);
    expect(s([0xff, 0])).toBe(127);
    expect(s([0x81, 0x7f])).toBe(-127);
    expect(s([0x80, 1])).toBe(128);
    expect(s([0x80, 0x7f])).toBe(-128);
  });

  it("keeps 64 bits in the bigint readers", () => {
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(readUlebBig(Uint8Array.from(max), 0, max.length)).toBe(0xffff_ffff_ffff_ffffn);
    const minus1 = [0x7f];
    expect(readSlebBig(Uint8Array.from(minus1), 0, 1)).toBe(-1n);
    const min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f];
    expect(readSlebBig(Uint8Array.from(min), 0, min.length)).toBe(-(2n ** 63n));
  });

  it("never reads at or past `end`, and says so with leb.next = -1", () => {
    const b = Uint8Array.from([0x80, 0x80, 0x01]);
    readUleb(b, 0, 2);
    expect(leb.next).toBe(-1);
    readSleb(b, 0, 2);
    expect(leb.next).toBe(-1);
    readUlebBig(b, 1, 1);
    expect(leb.next).toBe(-1);
    expect(skipLeb(b, 0, 2)).toBe(-1);
    expect(skipLeb(b, 0, 3)).toBe(3);
    expect(readUleb(b, 1, 3)).toBe(128);
    expect(leb.next).toBe(3);
  });

  it("rewrites a number in its own length (RISC-V's reserved ULEB128 fields)", () => {
    const b = Uint8Array.from([0x80, 0x80, 0x00, 0xaa]);
    expect(rewriteUleb(b, 0, b.length, 300n)).toBe(true);
    expect([...b]).toEqual([0xac, 0x82, 0x00, 0xaa]);
    expect(readUleb(b, 0, b.length)).toBe(300);
    expect(rewriteUleb(Uint8Array.from([0x80, 0x80]), 0, 2, 1n)).toBe(false);
  });
});
