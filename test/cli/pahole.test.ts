/**
 * btfkit-pahole, the `pahole -J` stand-in: its command line parsed as pahole 1.30's argp does
 * (docs/modern-kernel.md §2.1 and §3; each case below was checked against trixie's pahole 1.30 binary),
 * its exit codes, and its detached output.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { loadBtfFromElf } from "../../src/io/load-btf.js";
import { ElfFile } from "../../src/elf/elf-file.js";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { diffBtf } from "../../src/diff/index.js";
import { parsePaholeArgs, PaholeUsageError } from "../../src/cli/pahole/options.js";
import { featuresOf } from "../../src/cli/pahole/main.js";
import { FIXTURES } from "../util/inputs.js";
import { findTypes } from "../encode/helpers.js";

const BIN = join(import.meta.dirname, "../../bin/btfkit-pahole");
const KERNEL_LIKE = join(FIXTURES, "pahole130/kernel-like.elf");
const REFERENCE = join(FIXTURES, "pahole130/kernel-like.pahole130.btf");
const DEBIAN_73_FLAGS = [
  "-J",
  "-j2",
  "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func",
  "--btf_features=+reproducible_build",
  "--lang_exclude=rust",
];

function run(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  // In-process runs: the encode service has its own test (pahole-service.test.ts).
  const r = spawnSync(BIN, args, {
    encoding: "utf8",
    env: { ...process.env, BTFKIT_SERVICE: "0", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pahole's option parsing", () => {
  it("takes -j's argument only from the same word, and --jobs's only after '='", () => {
    expect(parsePaholeArgs(["-J", "-j16", "vmlinux"]).jobs).toBe(16);
    expect(parsePaholeArgs(["--jobs=3", "-J", "vmlinux"]).jobs).toBe(3);
    const spaced = parsePaholeArgs(["-J", "-j", "16", "vmlinux"]);
    expect(spaced.files).toEqual(["16", "vmlinux"]);
    expect(spaced.jobs).toBeGreaterThanOrEqual(1);
    expect(parsePaholeArgs(["-Jj4", "x.o"])).toMatchObject({ btfEncode: true, jobs: 4, files: ["x.o"] });
  });

  it("takes --btf_base's argument after '=' or as the next word, and unique prefixes of long options", () => {
    expect(parsePaholeArgs(["-J", "--btf_base", "vmlinux", "m.ko"])).toMatchObject({
      base: "vmlinux",
      files: ["m.ko"],
    });
    expect(parsePaholeArgs(["-J", "--btf_base=vmlinux", "m.ko"])).toMatchObject({ base: "vmlinux", files: ["m.ko"] });
    expect(parsePaholeArgs(["--btf_encode_det=out.btf", "m.ko"])).toMatchObject({
      detached: "out.btf",
      btfEncode: true,
    });
    expect(parsePaholeArgs(["--btf_encode", "m.ko"]).btfEncode).toBe(true); // exact beats the longer names
    expect(() => parsePaholeArgs(["--btf_enc", "m.ko"])).toThrow(
      /ambiguous; possibilities: '--btf_encode' '--btf_encode_detached' '--btf_encode_force'/,
    );
    expect(() => parsePaholeArgs(["--bogus"])).toThrow(/unrecognized option '--bogus'/);
    expect(() => parsePaholeArgs(["--btf_encode=x"])).toThrow(/doesn't allow an argument/);
    expect(parsePaholeArgs(["-J", "--", "-weird-name.o"]).files).toEqual(["-weird-name.o"]);
  });

  it("refuses pahole's other functions as unsupported instead of ignoring them", () => {
    for (const argv of [["-C", "task_struct", "vmlinux"], ["--reorganize", "x"], ["--btf_attributes"], ["-Z"]]) {
      let err: unknown;
      try {
        parsePaholeArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PaholeUsageError);
      expect((err as PaholeUsageError).unsupported).toBe(true);
    }
  });

  it("resets every feature at the first --btf_features, then adds up the lists", () => {
    // Without --btf_features: pahole's old defaults (vars, tags, enum64 on; floats and the function checks off).
    const none = featuresOf(parsePaholeArgs(["-J", "x"]).conf);
    expect([none.var, none.float, none.enum64, none.consistentFunc, none.declTagKfuncs]).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    // A legacy switch before the first --btf_features is undone by its reset, after it it holds.
    expect(featuresOf(parsePaholeArgs(["--btf_gen_floats", "--btf_features=var", "-J", "x"]).conf).float).toBe(false);
    expect(featuresOf(parsePaholeArgs(["--btf_features=var", "--btf_gen_floats", "-J", "x"]).conf).float).toBe(true);
    // Only the listed features are on: no enum64, no decl tags.
    const listed = featuresOf(parsePaholeArgs(["--btf_features=var,float", "-J", "x"]).conf);
    expect([listed.var, listed.float, listed.enum64, listed.declTag]).toEqual([true, true, false, false]);
    // Debian 7.3: the second list's '+' adds every default feature, decl_tag_kfuncs among them.
    const debian = featuresOf(parsePaholeArgs([...DEBIAN_73_FLAGS, "x"]).conf);
    expect([debian.declTagKfuncs, debian.consistentFunc, debian.optimizedFunc, debian.globalVar]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    // 'default' inside a list, unknown names ignored.
    const d = featuresOf(parsePaholeArgs(["--btf_features=global_var,default,no_such_thing", "-J", "x"]).conf);
    expect([d.globalVar, d.float, d.consistentFunc]).toEqual([true, true, true]);
  });

  it("stops at an unknown --btf_features_strict name, and PAHOLE_LANG_EXCLUDE stands in for --lang_exclude", () => {
    expect(parsePaholeArgs(["--btf_features_strict=var,baz", "--bogus"]).strictFailure).toMatch(
      /^Feature 'baz' in 'var,baz' is not supported/,
    );
    expect(parsePaholeArgs(["-J", "x"], { PAHOLE_LANG_EXCLUDE: "rust" }).languages).toEqual({
      list: "rust",
      exclude: true,
    });
    expect(parsePaholeArgs(["-J", "--lang=c", "x"], { PAHOLE_LANG_EXCLUDE: "rust" }).languages).toEqual({
      list: "c",
      exclude: false,
    });
  });
});

describe("btfkit-pahole as a process", () => {
  it("reports pahole 1.30 exactly as the kernel's pahole-version.sh reads it", () => {
    expect(run(["--version"])).toMatchObject({ status: 0, stdout: "v1.30\n" });
    expect(run(["--numeric_version"])).toMatchObject({ status: 0, stdout: "130\n" });
    expect(run(["--supported_btf_features"]).stdout).toBe(
      "encode_force,var,float,decl_tag,type_tag,enum64,optimized_func,consistent_func,decl_tag_kfuncs,reproducible_build,distilled_base,global_var\n",
    );
  });

  it("exits 64 on usage errors and unsupported options, 1 on failures, with pahole's wording", () => {
    const bogus = run(["--bogus"]);
    expect(bogus.status).toBe(64);
    expect(bogus.stderr).toBe(
      "btfkit-pahole: unrecognized option '--bogus'\nTry `btfkit-pahole --help' or `btfkit-pahole --usage' for more information.\n",
    );
    expect(run(["-J", "-C", "foo", KERNEL_LIKE]).status).toBe(64);
    const strict = run(["--btf_features_strict=baz", "-J", KERNEL_LIKE]);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/^Feature 'baz' in 'baz' is not supported. {2}Supported BTF features are:\n/);
    const dir = mkdtempSync(join(tmpdir(), "btfkit-pahole-"));
    const spaced = run(["-J", "-j", "16", `--btf_encode_detached=${join(dir, "x.btf")}`, KERNEL_LIKE]);
    expect(spaced.status).toBe(1);
    expect(spaced.stderr).toMatch(/16: no such file/);
    expect(existsSync(join(dir, "x.btf"))).toBe(false);
    const base = run([
      "-J",
      "--btf_base",
      join(dir, "none"),
      `--btf_encode_detached=${join(dir, "y.btf")}`,
      KERNEL_LIKE,
    ]);
    expect(base.status).toBe(1);
    expect(base.stderr).toMatch(/^Failed to parse base BTF/);
  });

  it("writes with Debian 7.3's flags what pahole 1.30 wrote for the same image", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-pahole-"));
    const out = join(dir, "k.btf");
    const r = run([...DEBIAN_73_FLAGS, `--btf_encode_detached=${out}`, KERNEL_LIKE]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const ours = parseBtf(readFileSync(out));
    expect(diffBtf(parseBtf(readFileSync(REFERENCE)), ours).equal).toBe(true);
    expect(findTypes(ours, BTF_KIND.DECL_TAG, "bpf_kfunc")).toHaveLength(2);
  });

  it("writes .BTF into the ELF in place without --btf_encode_detached, the same BTF as the detached file", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfkit-pahole-"));
    const copy = join(dir, "kernel-like.elf");
    copyFileSync(KERNEL_LIKE, copy);
    const detached = join(dir, "k.btf");
    expect(run([...DEBIAN_73_FLAGS, `--btf_encode_detached=${detached}`, KERNEL_LIKE]).status).toBe(0);
    const r = run([...DEBIAN_73_FLAGS, copy]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Buffer.compare(Buffer.from(writeBtf(loadBtfFromElf(copy))), readFileSync(detached))).toBe(0);
    const sections = spawnSync("readelf", ["-S", "-W", copy], { encoding: "utf8" });
    if (sections.error) console.warn(`SKIP: btfkit-pahole in place: readelf: ${sections.error.message}`);
    else expect(sections.stdout).toMatch(/\] \.BTF\s+PROGBITS/);
    // The rest of the file is the input's: the first bytes up to the old end of the contents are unchanged but for
    // the ELF header's section table fields.
    const before = readFileSync(KERNEL_LIKE);
    const after = readFileSync(copy);
    expect(Buffer.compare(before.subarray(64, 4096), after.subarray(64, 4096))).toBe(0);
  });
});

describe("btfkit-pahole with --btf_features=distilled_base (6.11–6.19 external modules)", () => {
  const DIR = join(FIXTURES, "distill");
  const FLAGS = [
    "-J",
    "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func",
    "--btf_features=distilled_base",
  ];
  const copyOfModule = (): string => {
    const copy = join(mkdtempSync(join(tmpdir(), "btfkit-distill-")), "mod.o");
    copyFileSync(join(DIR, "mod.o"), copy);
    return copy;
  };
  const section = (file: string, name: string): Buffer => {
    const elf = ElfFile.open(file);
    try {
      const sec = elf.section(name);
      if (!sec) throw new Error(`${file} has no ${name}`);
      return Buffer.from(elf.sectionBytes(sec));
    } finally {
      elf.close();
    }
  };

  it("writes the .BTF and .BTF.base pahole 1.30 wrote into the same module, and btfkit reads them back on either base", () => {
    const copy = copyOfModule();
    const r = run([...FLAGS, "--btf_base", join(DIR, "base.btf"), copy]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(section(copy, ".BTF").equals(readFileSync(join(DIR, "mod.BTF")))).toBe(true);
    expect(section(copy, ".BTF.base").equals(readFileSync(join(DIR, "mod.BTF.base")))).toBe(true);
    // Without a base: split on its distilled base. With the real base: relocated onto it, the plain split by meaning.
    const onDistilled = loadBtfFromElf(copy);
    expect(onDistilled.base!.count).toBe(parseBtf(new Uint8Array(readFileSync(join(DIR, "mod.BTF.base")))).count);
    const base = parseBtf(new Uint8Array(readFileSync(join(DIR, "base.btf"))));
    const relocated = loadBtfFromElf(copy, base);
    expect(relocated.base).toBe(base);
    const plain = parseBtf(new Uint8Array(readFileSync(join(DIR, "mod.split.btf"))), { base });
    const d = diffBtf(plain, relocated);
    expect([d.total.onlyInA, d.total.changed]).toEqual([0, 0]);
  });

  it("fails as pahole 1.30 does without a base, leaving the file as it was; a detached file ignores the feature", () => {
    const copy = copyOfModule();
    const r = run([...FLAGS, copy]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("could not generate distilled base BTF: Invalid argument\nFailed to encode BTF\n");
    expect(readFileSync(copy).equals(readFileSync(join(DIR, "mod.o")))).toBe(true);
    const detached = join(mkdtempSync(join(tmpdir(), "btfkit-distill-")), "mod.btf");
    expect(run([...FLAGS, "--btf_base", join(DIR, "base.btf"), `--btf_encode_detached=${detached}`, copy]).status).toBe(
      0,
    );
    // The types pahole wrote, in its order; pahole's string table also keeps "f", a parameter name of the mod_exit
    // it did not emit (an orphan btfkit does not write), so the comparison is by meaning.
    const base = parseBtf(new Uint8Array(readFileSync(join(DIR, "base.btf"))));
    const ours = parseBtf(new Uint8Array(readFileSync(detached)), { base });
    const theirs = parseBtf(new Uint8Array(readFileSync(join(DIR, "mod.split.btf"))), { base });
    expect(ours.count).toBe(theirs.count);
    expect(diffBtf(ours, theirs).equal).toBe(true);
  });
});
