import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBtf } from "../../src/btf/write.js";
import { BtfAsm } from "../util/btf-asm.js";
import { BTF_FIXTURES, REPO_ROOT } from "../util/inputs.js";

/** Run the real executable (built by `npm test` before vitest starts). */
function btfkit(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/btfkit"), ...args], {
    encoding: "utf8",
    input,
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sample = join(BTF_FIXTURES, "sample.btf");

describe("btfkit CLI", () => {
  it("dump prints bpftool's raw text", () => {
    const r = btfkit(["dump", sample]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(BTF_FIXTURES, "sample.bpftool-raw.txt"), "utf8"));
  });

  it("a missing file is one line naming it, exit 1", () => {
    const r = btfkit(["dump", "/nonexistent/x.btf"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("btfkit: /nonexistent/x.btf: cannot read: no such file\n");
  });

  it("a truncated file names file, section and offset, exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-"));
    const bad = join(dir, "trunc.btf");
    writeFileSync(bad, readFileSync(sample).subarray(0, 100));
    const r = btfkit(["dump", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^btfkit: ${bad}: BTF\\+0x[0-9a-f]+: `));
  });

  it("an unknown option or format is a usage error, exit 2", () => {
    const r1 = btfkit(["dump", sample, "--no-such-flag"]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/Unknown argument/);
    const r2 = btfkit(["dump", sample, "--format", "yaml"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/Invalid values/);
    const r3 = btfkit([]);
    expect(r3.code).toBe(2);
  });

  it("--help explains every command", () => {
    const r = btfkit(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/btfkit dump <file>/);
  });

  it("leaves only the output next to it: nothing on success but the file, nothing at all on failure", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-"));
    const ok = btfkit(["dedup", sample, "-o", join(dir, "out.btf"), "-q"]);
    expect(ok.code).toBe(0);
    expect(readdirSync(dir)).toEqual(["out.btf"]);
    // A dedup that fails after its input was read (a struct member of kind VAR) writes nothing.
    const failed = btfkit(["dedup", writeTemp(structWithVarMember()), "-o", join(dir, "bad.btf")]);
    expect(failed.code).toBe(1);
    expect(readdirSync(dir)).toEqual(["out.btf"]);
    // A write that fails at the last step (the rename over a directory, after the temporary file was written and
    // flushed): exit 1, one line naming the output, and the temporary file removed.
    mkdirSync(join(dir, "sub"));
    const renameFailed = btfkit(["dedup", sample, "-o", join(dir, "sub"), "-q"]);
    expect(renameFailed.code).toBe(1);
    expect(renameFailed.stderr).toMatch(new RegExp(`^btfkit: ${join(dir, "sub")}: cannot write: .*\n$`));
    expect(readdirSync(dir).sort()).toEqual(["out.btf", "sub"]);
  });
});

/** Write bytes to a new temporary file; returns its path. */
function writeTemp(bytes: Uint8Array, name = "in.btf"): string {
  const p = join(mkdtempSync(join(tmpdir(), "btfkit-")), name);
  writeFileSync(p, bytes);
  return p;
}

/** sample.btf with its first type's name offset (the word at 0x18, after the 24-byte header) past the strings. */
function sampleWithBadName(): Uint8Array {
  const b = new Uint8Array(readFileSync(sample));
  new DataView(b.buffer).setUint32(24, 0x7fffff, true);
  return b;
}

/** [1] int, [2] VAR v of int, [3] struct s with a member of type [2]: parses, but no dedup or C header allows it. */
function structWithVarMember(): Uint8Array {
  const a = new BtfAsm();
  const int = a.int("int", 4);
  const v = a.var("v", int);
  a.struct("s", 4, [["m", v, 0]]);
  return writeBtf(a.btf);
}

describe("every error names the file, the section and the offset", () => {
  const bad = writeTemp(sampleWithBadName(), "bad-name.btf");
  const line = `btfkit: ${bad}: BTF+0x18: type [1]: name offset 8388607 is past the end of the strings (536)\n`;

  it.each([
    ["dump (raw)", ["dump", bad]],
    ["dump -f c", ["dump", bad, "--format", "c"]],
    ["dump -f json", ["dump", bad, "--format", "json"]],
    ["diff", ["diff", bad, sample]],
    ["dedup", ["dedup", bad, "-o", join(tmpdir(), "never-written.btf")]],
  ])("an out-of-range name offset: %s fails with one line naming the file and the word", (_, args) => {
    const r = btfkit(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(line);
  });

  it("validate reports it as the kernel's rule instead", () => {
    const r = btfkit(["validate", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${bad}: type [1] INT '(invalid-name-offset)': Invalid name_offset: name offset 8388607 is outside the string section (ends at 536)\n`,
    );
  });

  it("a failure of the C dump or the dedup names the record of the type at fault", () => {
    const a = new BtfAsm();
    a.int("int", 4); // [1] at 0x18, 16 bytes
    a.struct("s", 4, [["self", 2, 0]]); // [2] at 0x28: contains itself, which C cannot say
    const p = writeTemp(writeBtf(a.btf));
    const c = btfkit(["dump", p, "--format", "c"]);
    expect(c.code).toBe(1);
    expect(c.stdout).toBe("");
    expect(c.stderr).toBe(`btfkit: ${p}: BTF+0x28: type [2]: unsatisfiable type cycle: a type contains itself\n`);
    // [3] is at 0x18 + 16 ([1] INT) + 16 ([2] VAR).
    const q = writeTemp(structWithVarMember());
    const d = btfkit(["dedup", q, "-o", join(tmpdir(), "never-written.btf")]);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe(`btfkit: ${q}: BTF+0x38: type [3]: STRUCT refers to VAR [2]\n`);
  });
});
