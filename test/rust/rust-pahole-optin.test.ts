/**
 * btfkit-pahole in a kernel build with CONFIG_RUST: `--lang_exclude=rust` (Makefile.btf always passes it) keeps its
 * meaning; btfkit's own feature `rust` (`--btf_features=...,rust`) or BTFKIT_RUST=1 turns Rust encoding on.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BTF_KIND } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { paholeMain } from "../../src/cli/pahole/main.js";
import { parsePaholeArgs, SUPPORTED_BTF_FEATURES } from "../../src/cli/pahole/options.js";
import { FIXTURES } from "../util/inputs.js";
import { findAll } from "./helpers.js";

const MIRROR_O = join(FIXTURES, "rust/mirror.o");
const KERNEL_FLAGS = [
  "-J",
  "--btf_gen_floats",
  "-j1",
  "--lang_exclude=rust",
  "--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs",
];

async function run(
  extra: string[],
  env: Record<string, string> = {},
): Promise<{ rc: number; rusty: number; tasks: number }> {
  const out = join(mkdtempSync(join(tmpdir(), "btfkit-rust-optin-")), "out.btf");
  const rc = await paholeMain([...KERNEL_FLAGS, ...extra, `--btf_encode_detached=${out}`, MIRROR_O], env);
  const btf = parseBtf(readFileSync(out));
  return {
    rc,
    rusty: findAll(btf, BTF_KIND.STRUCT, "Rusty").length,
    tasks: findAll(btf, BTF_KIND.STRUCT, "task").length,
  };
}

describe("btfkit-pahole: the Rust opt-in", () => {
  it("--lang_exclude=rust alone leaves Rust out", async () => {
    expect(await run([])).toEqual({ rc: 0, rusty: 0, tasks: 1 });
  });

  it("--btf_features=rust (also under --btf_features_strict) puts it in, with the mirrors folded", async () => {
    expect(await run(["--btf_features=rust"])).toEqual({ rc: 0, rusty: 1, tasks: 1 });
    expect(await run(["--btf_features_strict=rust"])).toEqual({ rc: 0, rusty: 1, tasks: 1 });
  });

  it("BTFKIT_RUST=1 does the same; 0 or empty does not", async () => {
    expect(await run([], { BTFKIT_RUST: "1" })).toEqual({ rc: 0, rusty: 1, tasks: 1 });
    expect(await run([], { BTFKIT_RUST: "0" })).toEqual({ rc: 0, rusty: 0, tasks: 1 });
    expect(parsePaholeArgs(["-J", "x"], { BTFKIT_RUST: "" }).rust).toBeUndefined();
  });

  it("pahole's feature table (--supported_btf_features) is unchanged", () => {
    expect(SUPPORTED_BTF_FEATURES.split(",")).not.toContain("rust");
  });
});
