/**
 * btfkit's verdict against the running kernel's: every blob of the corpus (and real BTF from this machine, from
 * clang and from the Debian kernel package when present) is loaded with bpf(BPF_BTF_LOAD) through the btf-load
 * oracle, and validate must agree: valid exactly when the kernel accepts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BtfProblem, formatProblem, validateBtfBlob } from "../../src/btf/validate.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND as K, makeInfo } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { kernelVerdict, oracleAvailable } from "../oracle/oracle.js";
import { debianKernel } from "../util/inputs.js";
import { type Broken, brokenCases, everyKind, validCases } from "./corpus.js";
import { mutate, xorshift } from "./mutate.js";

const oracle = oracleAvailable();
if (!oracle.available) console.warn(`SKIP: kernel agreement tests: ${oracle.reason}`);

const SYS_VMLINUX = "/sys/kernel/btf/vmlinux";
const debian = debianKernel();
if (!debian.value) console.warn(`SKIP: kernel agreement on Debian's vmlinux .BTF: ${debian.missing}`);
const works = (cmd: string, args: string[]): boolean => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return !r.error && r.status === 0;
};
const havePahole = works("pahole", ["--version"]) && works("cc", ["--version"]);
if (!havePahole) console.warn("SKIP: kernel agreement on pahole-encoded objects: pahole or cc is not installed");
const clang = spawnSync("clang", ["--version"], { encoding: "utf8" });
const haveClang = !clang.error && clang.status === 0;
if (!haveClang) console.warn("SKIP: kernel agreement on clang-built BPF objects: clang is not installed");

function agree(bytes: Uint8Array): { problems: BtfProblem[]; kernel: ReturnType<typeof kernelVerdict> } {
  const { problems } = validateBtfBlob(bytes);
  const kernel = kernelVerdict(bytes);
  const ours = problems.length === 0 ? "accepted" : `rejected: ${formatProblem(problems[0]!)}`;
  const theirs = kernel.accepted ? "accepted" : `rejected (errno ${kernel.errno}): ${kernel.reason}`;
  // Compare verdicts; the message shows both sides when they differ.
  expect(`btfkit ${problems.length === 0 ? "accepts" : "rejects"}`, `btfkit ${ours}; kernel ${theirs}`).toBe(
    `btfkit ${kernel.accepted ? "accepts" : "rejects"}`,
  );
  return { problems, kernel };
}

describe.skipIf(!oracle.available)("validate agrees with the kernel (bpf BPF_BTF_LOAD)", () => {
  it("the corpus has at least 60 broken blobs", () => {
    expect(brokenCases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of validCases) {
    it(`valid: ${c.name}`, () => {
      agree(c.blob());
    });
  }

  for (const c of brokenCases) {
    it(`broken: ${c.name}`, () => {
      const want = c.expect as Broken;
      const { problems, kernel } = agree(c.blob());
      // The kernel rejected it, and btfkit's message names the same type and rule.
      expect(kernel.accepted).toBe(false);
      expect(problems[0]!.typeId).toBe(want.typeId);
      expect(formatProblem(problems[0]!)).toContain(want.message);
      // Where the kernel's log names a type, it is the one btfkit names.
      const m = /^\[(\d+)\] /.exec(kernel.reason);
      if (m && want.typeId !== undefined) expect(Number(m[1])).toBe(want.typeId);
    });
  }

  const FUZZ = Number(process.env.BTFKIT_FUZZ_N ?? 250);
  it(`${FUZZ} random mutations of valid blobs (seeded)`, () => {
    const rnd = xorshift(Number(process.env.BTFKIT_FUZZ_SEED ?? 20261122));
    const bases = [
      everyKind(),
      ...validCases.filter((c) => c.name !== "one int" && !c.name.includes("BTF_MAX_TYPE")).map((c) => c.blob()),
    ];
    const disagreements: string[] = [];
    let rejected = 0;
    for (let k = 0; k < FUZZ; k++) {
      const blob = mutate(bases[Math.floor(rnd() * bases.length)]!, rnd);
      const { problems } = validateBtfBlob(blob);
      const kernel = kernelVerdict(blob);
      if (!kernel.accepted) rejected++;
      if (kernel.accepted !== (problems.length === 0)) {
        disagreements.push(
          `#${k}: kernel ${kernel.accepted ? "accepts" : `rejects (${kernel.reason})`}, btfkit ${problems.length ? formatProblem(problems[0]!) : "accepts"}`,
        );
      }
    }
    expect(disagreements).toEqual([]);
    // The mutations must exercise both verdicts to mean anything.
    expect(rejected).toBeGreaterThan(FUZZ / 4);
    expect(rejected).toBeLessThan(FUZZ);
  });

  it.skipIf(!existsSync(SYS_VMLINUX))("the running kernel's vmlinux BTF", () => {
    const { problems } = agree(readFileSync(SYS_VMLINUX));
    expect(problems).toEqual([]);
  });

  it.skipIf(!debian.value)("Debian 6.1 vmlinux .BTF (pahole-generated)", () => {
    const elf = ElfFile.open(debian.value!.vmlinux);
    try {
      agree(elf.sectionBytes(elf.section(".BTF")!));
    } finally {
      elf.close();
    }
  });

  describe.skipIf(!existsSync(SYS_VMLINUX))("vmlinux with one rule broken", () => {
    const vmlinux = (): Btf => parseBtf(readFileSync(SYS_VMLINUX));
    const find = (btf: Btf, kind: number, name?: string): number => {
      for (let id = 1; id < btf.endId; id++)
        if (btf.kind(id) === kind && (name === undefined || btf.name(id) === name)) return id;
      throw new Error(`no ${kind} ${name ?? ""} in vmlinux`);
    };
    /** Break vmlinux with `mutate`; both must reject it, naming the same type (`expectId` when known). */
    const check = (mutate: (btf: Btf) => number | undefined, message: string): void => {
      const btf = vmlinux();
      const expectId = mutate(btf);
      const { problems, kernel } = agree(writeBtf(btf, { byteOrder: "little" }));
      expect(kernel.accepted).toBe(false);
      expect(formatProblem(problems[0]!)).toContain(message);
      const m = /^\[(\d+)\] /.exec(kernel.reason);
      if (m) expect(problems[0]!.typeId).toBe(Number(m[1]));
      if (expectId !== undefined) expect(problems[0]!.typeId).toBe(expectId);
    };
    it("a TYPEDEF named 'unsigned int'", () => {
      check((btf) => {
        const id = find(btf, K.TYPEDEF, "u32");
        btf.nameOff[id - 1] = btf.nameOffOf(find(btf, K.INT, "unsigned int"));
        return id;
      }, "Invalid name");
    });
    it("a FUNC with extern linkage", () => {
      check((btf) => {
        const id = find(btf, K.FUNC);
        btf.info[id - 1] = makeInfo(K.FUNC, 2, false);
        return id;
      }, "Invalid func linkage");
    });
    it("an ENUM of size 3", () => {
      check((btf) => {
        const id = find(btf, K.ENUM);
        btf.sizeType[id - 1] = 3;
        return id;
      }, "Unexpected size");
    });
    it("struct list_head containing itself", () => {
      check((btf) => {
        const id = find(btf, K.STRUCT, "list_head");
        btf.extra[btf.extraStart[id - 1]! + 1] = id;
        return undefined; // the first struct that embeds a list_head meets the loop first
      }, "Loop detected");
    });
    it("a DATASEC entry overlapping the one before", () => {
      check((btf) => {
        const id = find(btf, K.DATASEC);
        const x = btf.extraStart[id - 1]!;
        btf.extra[x + 4] = btf.extra[x + 1]!; // entry 1 at entry 0's offset
        return id;
      }, "Invalid offset");
    });
    it("a pointer member moved off byte alignment", () => {
      check((btf) => {
        const id = find(btf, K.STRUCT, "list_head");
        btf.extra[btf.extraStart[id - 1]! + 5] = 65; // member 1 (prev) at bit 65
        return undefined;
      }, "Member is not byte aligned");
    });
  });

  describe.skipIf(!havePahole)("objects encoded by pahole -J", () => {
    let dir: string | undefined;
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    it("a C file with structs, bitfields, enums, functions and globals", () => {
      dir ??= mkdtempSync(join(tmpdir(), "btfkit-pahole-"));
      const c = join(dir, "obj.c"),
        o = join(dir, "obj.o");
      writeFileSync(
        c,
        `#include <stddef.h>
         struct inode; union val { long l; double d; float f[2]; };
         struct node { unsigned a : 3, b : 13; signed char c; struct node *next; union val v; struct inode *ino; enum { X, Y = 7 } e; int tail[]; };
         typedef int (*cmp_t)(const struct node *, const struct node *);
         int count_nodes(struct node *n, cmp_t cmp) { int k = 0; for (; n; n = n->next) k += cmp(n, n) + n->a; return k; }
         static volatile const char *names[4] = { "a" };
         const char *first_name(void) { return names[0]; }`,
      );
      const cc = spawnSync("cc", ["-g", "-O1", "-c", c, "-o", o], { encoding: "utf8" });
      expect(cc.status, cc.stderr).toBe(0);
      const ph = spawnSync("pahole", ["-J", o], { encoding: "utf8" });
      expect(ph.status, ph.stderr).toBe(0);
      const elf = ElfFile.open(o);
      let bytes: Uint8Array;
      try {
        bytes = elf.sectionBytes(elf.section(".BTF")!).slice();
      } finally {
        elf.close();
      }
      agree(bytes);
    });
  });

  describe.skipIf(!haveClang)("BPF objects built by clang", () => {
    let dir: string | undefined;
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const build = (name: string, source: string): Uint8Array => {
      dir ??= mkdtempSync(join(tmpdir(), "btfkit-clang-"));
      const c = join(dir, `${name}.c`),
        o = join(dir, `${name}.o`);
      writeFileSync(c, source);
      const r = spawnSync("clang", ["-target", "bpf", "-O2", "-g", "-c", c, "-o", o], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
      const elf = ElfFile.open(o);
      try {
        return elf.sectionBytes(elf.section(".BTF")!).slice();
      } finally {
        elf.close();
      }
    };
    it("functions, structs with bitfields, enums, type tags (no global data)", () => {
      const bytes = build(
        "funcs",
        `struct pkt { unsigned int len : 12, flags : 4; unsigned char proto; struct pkt *next; char data[]; };
         enum verdict { DROP = -1, PASS = 1 };
         typedef int (*handler_t)(struct pkt *p, ...);
         static __attribute__((noinline)) int helper(struct pkt *__attribute__((btf_type_tag("user"))) p) { return p->len; }
         __attribute__((btf_decl_tag("entry"))) int entry(struct pkt *p, handler_t h) {
           if (p->flags & 1) return DROP; return helper(p) + h(p) + PASS; }`,
      );
      const { problems } = agree(bytes);
      expect(problems).toEqual([]);
    });
    it("global variables: clang leaves DATASEC sizes for libbpf to fill in, so the kernel refuses the raw .BTF", () => {
      const bytes = build(
        "globals",
        `int counter; static volatile const int limit = 5; int read(void) { return counter + limit; }`,
      );
      const { problems, kernel } = agree(bytes);
      expect(kernel.accepted).toBe(false);
      expect(problems[0]).toMatchObject({ kind: "DATASEC" });
    });
  });
});
