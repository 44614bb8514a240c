/**
 * `btfkit encode` writes BTF in the byte order of its input ELF, as pahole does (a big-endian kernel loads only
 * big-endian BTF), split BTF too; `--byte-order little|big|native` overrides it. test/fixtures/c-fixups/
 * byte-order.c is built by clang for x86-64 (little-endian) and for s390x and powerpc64 (big-endian) (build.sh):
 * the three encodes must hold the same types, whatever the byte order of their bytes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { btfByteOrder, parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { writeBtf } from "../../src/btf/write.js";
import { elfTarget, outputByteOrder } from "../../src/cli/encode.js";
import { HOST_BYTE_ORDER } from "../../src/common/byte-order.js";
import { ErrorCode } from "../../src/common/errors.js";
import { collectBytes } from "../../src/dump/byte-sink.js";
import { dumpBtfRaw } from "../../src/dump/raw.js";
import { encodeFile } from "../../src/encode/encode.js";
import { announceSkip, FIXTURES, tool } from "../util/inputs.js";
import { runEncodeCli } from "./helpers.js";

const DIR = join(FIXTURES, "c-fixups");
const LE_OBJ = join(DIR, "byte-order-x86_64.o");
const BE_OBJS = ["byte-order-s390x.o", "byte-order-powerpc64.o"].map((f) => join(DIR, f));
const bpftool = tool("bpftool");
announceSkip("byte order: bpftool reads the output", bpftool);

const run = runEncodeCli;

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), "btfkit-byte-order-"));
let seq = 0;

/** `btfkit encode` the object; returns the output's bytes. */
async function encodeCli(obj: string, ...args: string[]): Promise<Uint8Array> {
  const out = join(dir, `out-${seq++}.btf`);
  await run(["encode", obj, "-o", out, "-q", ...args]);
  return readFileSync(out);
}

/** bpftool's raw text, as btfkit renders it. */
function raw(btf: Btf): string {
  return Buffer.from(collectBytes((s) => dumpBtfRaw(btf, s))).toString("utf8");
}

/** Byte 0 and 1: eb 9f is big-endian, 9f eb little-endian. */
function magic(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 2)).toString("hex");
}

describe("btfkit encode: the input's byte order", () => {
  it("knows the byte order of each fixture", () => {
    expect(elfTarget(LE_OBJ).byteOrder).toBe("little");
    for (const obj of BE_OBJS) expect(elfTarget(obj)).toEqual({ byteOrder: "big", pointerSize: 8 });
  });

  it.each(BE_OBJS)("%s: big-endian BTF holding the same types as the x86-64 encode", async (obj) => {
    const le = await encodeCli(LE_OBJ);
    const be = await encodeCli(obj);
    expect(magic(le)).toBe("9feb");
    expect(magic(be)).toBe("eb9f");
    expect(btfByteOrder(be)).toBe("big");
    const a = parseBtf(le);
    const b = parseBtf(be);
    expect(b.byteOrder).toBe("big");
    expect(validateBtf(b)).toEqual([]);
    expect(b.count).toBe(a.count);
    expect(b.count).toBeGreaterThan(30);
    expect(raw(b)).toBe(raw(a));
    // Same strings, same words: the two blobs differ only by byte order.
    expect(Buffer.from(b.strings.bytes).equals(Buffer.from(a.strings.bytes))).toBe(true);
    expect(be.length).toBe(le.length);
  });

  it("--byte-order little forces little-endian; big and native as asked", async () => {
    const [obj] = BE_OBJS as [string];
    const reference = raw(parseBtf(await encodeCli(obj)));
    const little = await encodeCli(obj, "--byte-order", "little");
    expect(magic(little)).toBe("9feb");
    expect(raw(parseBtf(little))).toBe(reference);
    const big = await encodeCli(LE_OBJ, "--byte-order", "big");
    expect(magic(big)).toBe("eb9f");
    expect(raw(parseBtf(big))).toBe(reference);
    const native = await encodeCli(obj, "--byte-order", "native");
    expect(btfByteOrder(native)).toBe(HOST_BYTE_ORDER);
    await expect(run(["encode", obj, "-o", join(dir, "x.btf"), "--byte-order", "middle"])).rejects.toMatchObject({
      code: ErrorCode.USAGE,
    });
  });

  it("outputByteOrder: the choice, native as the host's, else the input's", () => {
    expect(outputByteOrder(undefined, "big")).toBe("big");
    expect(outputByteOrder("little", "big")).toBe("little");
    expect(outputByteOrder("big", "little")).toBe("big");
    expect(outputByteOrder("native", "big")).toBe(HOST_BYTE_ORDER);
  });

  it("writes split BTF in the input's byte order too, whatever the base's", async () => {
    const [s390x, ppc64] = BE_OBJS as [string, string];
    const baseBe = join(dir, "base-be.btf");
    writeFileSync(baseBe, await encodeCli(s390x));
    const baseLe = join(dir, "base-le.btf");
    writeFileSync(baseLe, await encodeCli(LE_OBJ));
    for (const basePath of [baseBe, baseLe]) {
      const base = parseBtf(readFileSync(basePath));
      // A source that is all in the base: only the FUNCs and their prototypes could remain, and they fold too.
      const split = await encodeCli(ppc64, "--base", basePath);
      expect(magic(split)).toBe("eb9f");
      const s = parseBtf(split, { base });
      expect(s.startId).toBe(base.endId);
      expect(validateBtf(s)).toEqual([]);
      // A module with types of its own: the little-endian x86-64 object against the big-endian base, and back.
      const other = basePath === baseBe ? LE_OBJ : s390x;
      const mixed = await encodeCli(other, "--base", basePath, "--features", "default,global_var");
      expect(magic(mixed)).toBe(other === LE_OBJ ? "9feb" : "eb9f");
      expect(validateBtf(parseBtf(mixed, { base }))).toEqual([]);
    }
  });

  it("writeBtf lays the same table out in either order", () => {
    const btf = encodeFile(LE_OBJ).btf;
    const le = writeBtf(btf, { byteOrder: "little" });
    const be = writeBtf(btf, { byteOrder: "big" });
    expect([magic(le), magic(be)]).toEqual(["9feb", "eb9f"]);
    expect(raw(parseBtf(be))).toBe(raw(parseBtf(le)));
    // Without the option, the table's own byteOrder decides.
    const again = parseBtf(be);
    expect(magic(writeBtf(again))).toBe("eb9f");
    expect(Buffer.from(writeBtf(again)).equals(Buffer.from(be))).toBe(true);
  });

  it.skipIf(bpftool.value === undefined)("bpftool reads both byte orders to the same text, split BTF too", async () => {
    const [obj] = BE_OBJS as [string];
    const le = join(dir, "bpftool-le.btf");
    const be = join(dir, "bpftool-be.btf");
    writeFileSync(le, await encodeCli(LE_OBJ));
    writeFileSync(be, await encodeCli(obj));
    const dump = (...args: string[]): string => {
      const r = spawnSync(bpftool.value!, ["btf", "dump", "file", ...args], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const text = dump(le);
    expect(text).toMatch(/STRUCT 'node' size=144 vlen=11/);
    expect(dump(be)).toBe(text);
    expect(dump(be)).toBe(raw(parseBtf(readFileSync(le))));
    // Split BTF (big-endian) on a big-endian base: bpftool -B.
    const split = join(dir, "bpftool-split.btf");
    writeFileSync(
      split,
      await encodeCli(LE_OBJ, "--base", be, "--byte-order", "big", "--features", "default,global_var"),
    );
    expect(magic(readFileSync(split))).toBe("eb9f");
    expect(dump(split, "-B", be)).toBe(raw(parseBtf(readFileSync(split), { base: parseBtf(readFileSync(be)) })));
  });
});
