/**
 * The validation gate of `btfkit encode` (src/cli/encode.ts): BTF the kernel would reject is never written. The
 * gate is assertKernelAccepts, tested on the BTF of test/fixtures/c-fixups/packed.c (floats misaligned by packing,
 * before lowerMisalignedFloats) and through the command on long-name.c (a name over the kernel's 512 bytes, which
 * no fix-up repairs): exit 1 with one line naming the file, the type and the rule, and no output file; with
 * --no-validate the file is written.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { validateBtf } from "../../src/btf/validate.js";
import { assertKernelAccepts, elfTarget } from "../../src/cli/encode.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { encodeFile } from "../../src/encode/encode.js";
import { parseFeatures } from "../../src/encode/features.js";
import { lowerMisalignedFloats } from "../../src/encode/kernel-fixups.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { writeBtf } from "../../src/btf/write.js";
import { announceSkip, FIXTURES, REPO_ROOT } from "../util/inputs.js";
import { runEncodeCli } from "./helpers.js";

const DIR = join(FIXTURES, "c-fixups");
const PACKED = join(DIR, "packed-clang.o");
const LONG_NAME = join(DIR, "long-name.o");
const oracle = oracleAvailable();
announceSkip("validation gate: the kernel's verdict", oracle.available ? { value: true } : { missing: oracle.reason });

const run = runEncodeCli;

afterEach(() => vi.restoreAllMocks());

function caught(f: () => void): BtfkitError {
  try {
    f();
  } catch (e) {
    if (e instanceof BtfkitError) return e;
    throw e;
  }
  throw new Error("expected a BtfkitError");
}

describe("assertKernelAccepts", () => {
  it("throws one BTF_INVALID line naming the file, the type id and name, and the rule", () => {
    const btf = encodeFile(PACKED, { features: parseFeatures("default"), kernelFixups: false }).btf;
    const problems = validateBtf(btf);
    expect(problems.length).toBe(4);
    const e = caught(() => assertKernelAccepts(btf, { file: PACKED }));
    expect(e.code).toBe(ErrorCode.BTF_INVALID);
    expect(e.file).toBe(PACKED);
    expect(e.typeId).toBe(problems[0]!.typeId);
    expect(btf.name(e.typeId!)).toBe("pk");
    expect(e.message).not.toContain("\n");
    expect(e.message).toBe(
      `${PACKED}: type [${e.typeId}]: the kernel would reject the encoded BTF: STRUCT 'pk': Member is not properly aligned (rule member): ` +
        "FLOAT member #1 at bit 8 is not aligned to 8 bytes; 3 more problems; nothing written (--no-validate writes it anyway)",
    );
    // The kernel agrees with the gate.
    if (oracle.available) expect(kernelVerdict(writeBtf(btf)).reason).toMatch(/Member is not properly aligned/);
  });

  it("passes BTF the kernel accepts: the same object after lowerMisalignedFloats", () => {
    const btf = encodeFile(PACKED, { features: parseFeatures("default"), kernelFixups: false }).btf;
    lowerMisalignedFloats(btf);
    expect(() => assertKernelAccepts(btf, { file: PACKED })).not.toThrow();
  });

  it("checks split BTF against its base", () => {
    const base = parseBtf(writeBtf(encodeFile(join(DIR, "byte-order-x86_64.o")).btf));
    const split = encodeFile(PACKED, { features: parseFeatures("default"), kernelFixups: false, base }).btf;
    expect(split.base).toBe(base);
    const e = caught(() => assertKernelAccepts(split, { file: PACKED }));
    expect(e.typeId).toBeGreaterThanOrEqual(base.endId);
    expect(e.message).toMatch(/Member is not properly aligned/);
    lowerMisalignedFloats(split);
    expect(() => assertKernelAccepts(split)).not.toThrow();
  });

  it("uses the target's pointer size: two pointers in 8 bytes are valid only for a 32-bit target", () => {
    const btf = new Btf();
    const int = btf.addNamed("int", BTF_KIND.INT, 0, false, 4, [0x01000020]);
    const ptr = btf.addNamed("", BTF_KIND.PTR, 0, false, int);
    btf.addNamed("pair", BTF_KIND.STRUCT, 2, false, 8, [
      btf.strings.intern("a"),
      ptr,
      0,
      btf.strings.intern("b"),
      ptr,
      32,
    ]);
    expect(() => assertKernelAccepts(btf, { pointerSize: 4 })).not.toThrow();
    expect(caught(() => assertKernelAccepts(btf)).message).toMatch(/Member exceeds struct_size/);
    // The command takes the pointer size from the ELF class.
    expect(elfTarget(join(FIXTURES, "dwarf/cross-i386.o")).pointerSize).toBe(4);
    expect(elfTarget(PACKED).pointerSize).toBe(8);
  });

  it("cuts a long name in the message and keeps it one line", () => {
    const btf = encodeFile(LONG_NAME).btf;
    const e = caught(() => assertKernelAccepts(btf, { file: LONG_NAME }));
    expect(e.message).toMatch(/Invalid name \(rule name\)/);
    expect(e.message).toMatch(/STRUCT 'a_struct_name_longer_than_the_kernel_allows_x+…' \(604 characters\)/);
    expect(e.message.length).toBeLessThan(500);
  });
});

describe("btfkit encode: the gate", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-gate-"));

  it("fails (BTF_INVALID) and writes no file for BTF the kernel would reject", async () => {
    const out = join(dir, "long.btf");
    const err = await run(["encode", LONG_NAME, "-o", out]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BtfkitError);
    expect((err as BtfkitError).code).toBe(ErrorCode.BTF_INVALID);
    expect((err as BtfkitError).file).toBe(LONG_NAME);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes("long"))).toEqual([]); // no temporary file either
  });

  it("keeps an existing output file untouched when it fails", async () => {
    const out = join(dir, "kept.btf");
    writeFileSync(out, "old");
    await expect(run(["encode", LONG_NAME, "-o", out, "-q"])).rejects.toMatchObject({ code: ErrorCode.BTF_INVALID });
    expect(readFileSync(out, "utf8")).toBe("old");
  });

  it("--no-validate writes it anyway", async () => {
    const out = join(dir, "long-unchecked.btf");
    await run(["encode", LONG_NAME, "-o", out, "-q", "--no-validate"]);
    const btf = parseBtf(readFileSync(out));
    expect(validateBtf(btf).map((p) => p.message)).toEqual(["Invalid name"]);
    if (oracle.available) expect(kernelVerdict(readFileSync(out)).accepted).toBe(false);
  });

  it("lets valid BTF through", async () => {
    const out = join(dir, "ok.btf");
    await run(["encode", join(DIR, "byte-order-x86_64.o"), "-o", out, "-q"]);
    expect(validateBtf(parseBtf(readFileSync(out)))).toEqual([]);
  });

  const built = existsSync(join(REPO_ROOT, "dist/cli/main.js"));
  if (!built) console.warn("SKIP: btfkit encode gate as a process: dist/ is not built (npm run build)");
  it.skipIf(!built)("as a process: exit 1, one line on stderr, no output; --help says why --no-validate exists", () => {
    const out = join(dir, "proc.btf");
    const bin = join(REPO_ROOT, "bin/btfkit");
    const r = spawnSync(process.execPath, [bin, "encode", LONG_NAME, "-o", out], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^btfkit: .*long-name\.o: type \[\d+\]: the kernel would reject the encoded BTF: STRUCT '.*Invalid name \(rule name\)/,
    );
    expect(existsSync(out)).toBe(false);
    const help = spawnSync(process.execPath, [bin, "encode", "--help"], { encoding: "utf8" });
    expect(help.stdout).toMatch(/--validate/);
    // yargs wraps the text anywhere, even inside words.
    expect(help.stdout.replace(/\s+/g, "")).toContain("--no-validateskipsthecheck,forspeed");
  });
});
