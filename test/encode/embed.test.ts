/**
 * `btfkit encode ELF --embed [-o OUT]`: the BTF written into the ELF's `.BTF` section, in place as `pahole -J ELF`
 * does (or into a copy), through src/elf/add-section.ts. The writer's layout is tested in test/elf/add-section.test.ts;
 * here: the command, its validation gate and byte order, and atomicity as a process: a run killed (SIGKILL) in the
 * middle of writing leaves the input byte-identical and the output path never half written, and the next run
 * removes the killed run's temporary file.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { parseBtf } from "../../src/btf/reader.js";
import { BtfkitError, ErrorCode } from "../../src/common/errors.js";
import { writeElfWithSections } from "../../src/elf/add-section.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import { loadBtf, loadBtfFromElf } from "../../src/io/load-btf.js";
import { announceSkip, BTF_FIXTURES, debianKernel, FIXTURES, REPO_ROOT, tool } from "../util/inputs.js";
import { runEncodeCli, SAMPLE_O } from "./helpers.js";

const FIX = join(FIXTURES, "elf-embed");
const bpftool = tool("bpftool");
const readelf = tool("readelf");
announceSkip("encode --embed: bpftool reading the embedded BTF", bpftool);
announceSkip("encode --embed: readelf cross-checks", readelf);

const run = runEncodeCli;

async function rejection(args: string[]): Promise<BtfkitError> {
  try {
    await run(args);
  } catch (e) {
    if (e instanceof BtfkitError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

afterEach(() => vi.restoreAllMocks());

/** A new temporary directory, removed after the file's tests. */
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "btfkit-embed-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function btfSection(file: string): Uint8Array {
  const elf = ElfFile.open(file);
  try {
    return elf.sectionBytes(elf.section(".BTF")!).slice();
  } finally {
    elf.close();
  }
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(".tmp"));
}

describe("btfkit encode --embed", () => {
  it.each(["embed-x86_64.o", "embed-s390x.o", "embed-i386.o", "embed-powerpc.o", "prog-pie", "prog-exec"])(
    "%s: -o OUT gets a .BTF holding exactly what encode -o writes (in the ELF's byte order); the input is untouched",
    async (name) => {
      const dir = tmp();
      const input = join(FIX, name);
      const before = readFileSync(input);
      await run(["encode", input, "-o", join(dir, "raw.btf"), "-q"]);
      await run(["encode", input, "--embed", "-o", join(dir, "out"), "-q"]);
      const raw = readFileSync(join(dir, "raw.btf"));
      expect(Buffer.compare(btfSection(join(dir, "out")), raw)).toBe(0);
      const elf = ElfFile.open(input);
      expect(parseBtf(raw).byteOrder).toBe(elf.byteOrder);
      elf.close();
      expect(Buffer.compare(readFileSync(input), before)).toBe(0);
      if (bpftool.value)
        expect(execFileSync("bpftool", ["btf", "dump", "file", join(dir, "out")], { encoding: "utf8" })).toMatch(
          /STRUCT 'point' size=(16|12) vlen=3/,
        );
      if (readelf.value)
        expect(execFileSync("readelf", ["-S", "-W", join(dir, "out")], { encoding: "utf8" })).toMatch(
          new RegExp(`\\] \\.BTF +PROGBITS +0+ [0-9a-f]+ 0*${raw.length.toString(16)} 00 +0 +0 +1\\n`),
        );
      expect(tempFiles(dir)).toEqual([]);
    },
  );

  it("without -o: in place; a second run gives the same bytes", async () => {
    const dir = tmp();
    const f = join(dir, "x.o");
    copyFileSync(join(FIX, "embed-x86_64.o"), f);
    await run(["encode", f, "--embed", "-q"]);
    const once = readFileSync(f);
    expect(loadBtfFromElf(f).endId).toBeGreaterThan(5);
    await run(["encode", f, "--embed", "-q"]);
    expect(Buffer.compare(readFileSync(f), once)).toBe(0);
    expect(readdirSync(dir)).toEqual(["x.o"]);
  });

  it("--base: a module's split BTF as its .BTF (bpftool reads it on the base)", async () => {
    const dir = tmp();
    const out = join(dir, "mod.o");
    const baseFile = join(BTF_FIXTURES, "sample.btf");
    await run([
      "encode",
      SAMPLE_O,
      "--embed",
      "-o",
      out,
      "--base",
      baseFile,
      "--features",
      "default,flat_arrays",
      "-q",
    ]);
    const base = loadBtf(baseFile);
    const split = loadBtfFromElf(out, base);
    expect(split.startId).toBe(base.endId);
    if (bpftool.value) {
      const dump = execFileSync("bpftool", ["-B", baseFile, "btf", "dump", "file", out], { encoding: "utf8" });
      expect(dump).toMatch(new RegExp(`^\\[${base.endId}\\] VAR `, "m"));
    }
  });

  it("-o is required without --embed (a usage error before any work)", async () => {
    const e = await rejection(["encode", join(FIX, "embed-x86_64.o")]);
    expect(e.code).toBe(ErrorCode.USAGE);
    expect(e.message).toMatch(/missing --output .*--embed/);
  });

  it("the validation gate runs first: BTF the kernel would reject is not embedded, the file is untouched", async () => {
    const dir = tmp();
    const f = join(dir, "long-name.o");
    copyFileSync(join(FIXTURES, "c-fixups/long-name.o"), f);
    const before = readFileSync(f);
    const e = await rejection(["encode", f, "--embed", "-q"]);
    expect(e.code).toBe(ErrorCode.BTF_INVALID);
    expect(e.message).toMatch(/nothing written/);
    expect(Buffer.compare(readFileSync(f), before)).toBe(0);
    expect(readdirSync(dir)).toEqual(["long-name.o"]);
  });
});

/** Poll `dir` until a temporary file of at least `minBytes` appears; returns its name. */
async function waitForTemp(dir: string, minBytes: number, timeoutMs = 30_000): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    for (const n of tempFiles(dir)) {
      try {
        if (statSync(join(dir, n)).size >= minBytes) return n;
      } catch {
        /* renamed or removed meanwhile */
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no temporary file of ${minBytes}+ bytes in ${dir} within ${timeoutMs} ms`);
}

const built = existsSync(join(REPO_ROOT, "dist/cli/main.js"));
if (!built) console.warn("SKIP: encode --embed killed mid-write: dist/ is not built (npm run build)");

describe.skipIf(!built)(
  "killed with SIGKILL in the middle of writing (a process; the BTFKIT_TEST_SLOW_WRITE hook)",
  () => {
    const bin = join(REPO_ROOT, "bin/btfkit");
    // 256-byte chunks, 50 ms after each: a 17 KB program takes about 3.4 s to write, a 4 KB object 0.8 s; the kill
    // lands once a third of it is written.
    const HOOK = "256:50";

    /** Start `btfkit args` slowed down, kill it once its temporary file in `dir` holds `atBytes`. */
    async function killMidWrite(
      args: string[],
      dir: string,
      atBytes: number,
    ): Promise<{ temp: string; tempSize: number }> {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { ...process.env, BTFKIT_TEST_SLOW_WRITE: HOOK },
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
      );
      try {
        const temp = await waitForTemp(dir, atBytes);
        child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
        return { temp, tempSize: statSync(join(dir, temp)).size };
      } finally {
        child.kill("SIGKILL");
      }
    }

    it.each(["prog-pie", "embed-s390x.o"])(
      "%s in place: the file stays byte-identical; the next run removes the stale temporary file",
      async (name) => {
        const dir = tmp();
        const f = join(dir, name);
        copyFileSync(join(FIX, name), f);
        const original = readFileSync(f);
        const ref = join(dir, "ref");
        await run(["encode", f, "--embed", "-o", ref, "-q"]);
        const complete = readFileSync(ref);

        const { temp, tempSize } = await killMidWrite(
          ["encode", f, "--embed", "-q"],
          dir,
          Math.floor(complete.length / 3),
        );
        expect(Buffer.compare(readFileSync(f), original)).toBe(0);
        // The temporary file was cut off: the kill landed in the middle of the write.
        expect(tempSize).toBeLessThan(complete.length);
        expect(temp).toMatch(new RegExp(`^\\.${name.replace(".", "\\.")}\\.\\d+\\.[0-9a-z]+\\.tmp$`));

        const again = spawnSync(process.execPath, [bin, "encode", f, "--embed", "-q"], { encoding: "utf8" });
        expect(again.stderr).toBe("");
        expect(again.status).toBe(0);
        expect(tempFiles(dir)).toEqual([]);
        expect(Buffer.compare(readFileSync(f), complete)).toBe(0);
      },
    );

    it("-o OUT: the output path is never created, the input is unchanged", async () => {
      const dir = tmp();
      const f = join(dir, "prog-exec");
      copyFileSync(join(FIX, "prog-exec"), f);
      const original = readFileSync(f);
      const out = join(dir, "out");
      await killMidWrite(["encode", f, "--embed", "-o", out, "-q"], dir, 4096);
      expect(existsSync(out)).toBe(false);
      expect(Buffer.compare(readFileSync(f), original)).toBe(0);
    });

    it("a bad hook value is a usage error, not a silent normal run", () => {
      const dir = tmp();
      const f = join(dir, "x.o");
      copyFileSync(join(FIX, "embed-x86_64.o"), f);
      const r = spawnSync(process.execPath, [bin, "encode", f, "--embed", "-q"], {
        env: { ...process.env, BTFKIT_TEST_SLOW_WRITE: "fast" },
        encoding: "utf8",
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/BTFKIT_TEST_SLOW_WRITE must be <chunk bytes>:<pause ms>/);
    });
  },
);

// The Debian 6.1 kernel (never in CI; scripts/fetch-debian-kernel.sh): a module, and with BTFKIT_SLOW_TESTS=1 the
// 590 MB vmlinux.
const deb = debianKernel();
announceSkip("encode --embed: Debian kernel module and vmlinux", deb);
const slow = process.env.BTFKIT_SLOW_TESTS === "1";
if (deb.value && !slow)
  console.warn("SKIP: encode --embed: Debian vmlinux (590 MB copies): set BTFKIT_SLOW_TESTS=1 to run it");

describe.skipIf(!deb.value)("Debian 6.1 kernel", () => {
  it("tcp_bbr.ko: split .BTF on the vmlinux replaced (GNU objcopy left it before .symtab); bpftool reads it on its base", async () => {
    const k = deb.value!;
    const dir = tmp();
    const ko = join(k.modulesDir, "kernel/net/ipv4/tcp_bbr.ko");
    const out = join(dir, "tcp_bbr.ko");
    await run([
      "encode",
      ko,
      "--base",
      k.vmlinux,
      "--compat",
      "1.24",
      "--features",
      "default,-consistent_func",
      "--embed",
      "-o",
      out,
      "-q",
    ]);
    const base = loadBtf(k.vmlinux);
    expect(loadBtfFromElf(out, base).startId).toBe(base.endId);
    if (bpftool.value)
      expect(
        execFileSync("bpftool", ["-B", k.vmlinux, "btf", "dump", "file", out], {
          encoding: "utf8",
          maxBuffer: 1 << 26,
        }),
      ).toMatch(/STRUCT 'bbr' /);
    if (readelf.value) {
      const strip = (f: string) =>
        execFileSync("readelf", ["-a", "-W", f], { encoding: "utf8", maxBuffer: 1 << 28 })
          .split("\n")
          .filter(
            (l) =>
              !/^\s*\[\s*\d+\]/.test(l) &&
              !/Start of section headers|Number of section headers|There are \d+ section headers/.test(l),
          )
          .join("\n");
      expect(strip(out)).toBe(strip(ko));
    }
  });

  it.skipIf(!slow)(
    "vmlinux: Debian's own .BTF (loaded, same size) in place gives the same file; added to a copy without one, bpftool reads it",
    () => {
      const k = deb.value!;
      const dir = tmp();
      const elf = ElfFile.open(k.vmlinux);
      const btf = elf.sectionBytes(elf.section(".BTF")!).slice();
      elf.close();
      const same = join(dir, "vmlinux-same");
      const r = writeElfWithSections(k.vmlinux, same, [{ name: ".BTF", data: btf }]);
      expect(r.sections[0]!.how).toBe("replaced in place");
      expect(filesEqual(same, k.vmlinux)).toBe(true);
      // A vmlinux without .BTF (the 6.1 build's .tmp_vmlinux.btf): rename Debian's, then add ours after the contents.
      const nobtf = join(dir, "vmlinux-nobtf");
      execFileSync("objcopy", ["--rename-section", ".BTF=.BTF_debian", same, nobtf]);
      const added = writeElfWithSections(nobtf, nobtf, [{ name: ".BTF", data: btf }]);
      expect(added.sections[0]!.how).toBe("added");
      expect(Buffer.compare(btfSection(nobtf), btf)).toBe(0);
      if (bpftool.value)
        expect(execFileSync("sh", ["-c", `bpftool btf dump file '${nobtf}' | head -3`], { encoding: "utf8" })).toMatch(
          /^\[1\] /,
        );
    },
    600_000,
  );
});

/** Byte equality of two large files (cmp, which stops at the first difference). */
function filesEqual(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  return spawnSync("cmp", ["-s", a, b]).status === 0;
}
