import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBtf } from "../../src/io/load-btf.js";
import { dumpBtfRaw } from "../../src/dump/raw.js";
import { collectBytes } from "../../src/dump/byte-sink.js";
import { BTF_FIXTURES, announceSkip, debianKernel, debianModules, sysVmlinux, tool } from "../util/inputs.js";
import type { Btf } from "../../src/btf/btf.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { BtfkitError } from "../../src/common/errors.js";
import { BtfAsm } from "../util/btf-asm.js";

const raw = (btf: Btf) => Buffer.from(collectBytes((s) => dumpBtfRaw(btf, s))).toString("utf8");

describe("dump --format raw equals bpftool 7.1's text", () => {
  // Golden files written by bpftool 7.1 (test/fixtures/btf/build.sh), so this runs without bpftool.
  it("sample.btf (golden from bpftool)", () => {
    const expected = readFileSync(join(BTF_FIXTURES, "sample.bpftool-raw.txt"), "utf8");
    expect(raw(loadBtf(join(BTF_FIXTURES, "sample.btf")))).toBe(expected);
  });
  it("split module.btf on sample.btf (golden from bpftool)", () => {
    const expected = readFileSync(join(BTF_FIXTURES, "module.bpftool-raw.txt"), "utf8");
    expect(raw(loadBtf(join(BTF_FIXTURES, "module.btf"), { base: join(BTF_FIXTURES, "sample.btf") }))).toBe(expected);
  });

  const bpftool = tool("bpftool");
  const sys = sysVmlinux();
  const bpf = (args: string[]) => execFileSync("bpftool", args, { maxBuffer: 1 << 30, encoding: "utf8" });
  it.skipIf(announceSkip("raw dump vs bpftool", bpftool) || announceSkip("raw dump of the running kernel", sys))(
    "/sys/kernel/btf/vmlinux, whole output",
    () => {
      expect(raw(loadBtf(sys.value!))).toBe(bpf(["btf", "dump", "file", sys.value!, "format", "raw"]));
    },
  );

  const deb = debianKernel();
  it.skipIf(announceSkip("raw dump vs bpftool", bpftool) || announceSkip("raw dump of the Debian kernel", deb))(
    "Debian 6.1 vmlinux .BTF and split modules with --base",
    () => {
      const vm = loadBtf(deb.value!.vmlinux);
      expect(raw(vm)).toBe(bpf(["btf", "dump", "file", deb.value!.vmlinux, "format", "raw"]));
      for (const ko of debianModules(deb.value!, 3)) {
        expect(raw(loadBtf(ko, { base: vm }))).toBe(
          bpf(["btf", "dump", "file", ko, "-B", deb.value!.vmlinux, "format", "raw"]),
        );
      }
    },
    120_000,
  );
});

describe("dump --format raw of a corrupt table", () => {
  it("an out-of-range member name is an error naming the type and, once located, its record, not '(invalid)'", () => {
    const a = new BtfAsm();
    const int = a.int("int", 4); // [1] at 0x18
    a.struct("s", 4, [[9999, int, 0]]); // [2] at 0x28
    // Read unchecked, as validate reads: parseBtf itself would refuse it.
    const btf = parseBtf(writeBtf(a.btf), { file: "s.btf", checkReferences: false });
    let err: unknown;
    try {
      raw(btf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BtfkitError);
    expect((err as BtfkitError).typeId).toBe(2);
    expect((btf.locateError(err) as BtfkitError).message).toBe(
      `s.btf: BTF+0x28: type [2]: name offset 9999 is past the end of the strings (${a.btf.strings.endOffset})`,
    );
  });
});
