/**
 * `btfkit dump --format c` of Rust BTF compiles: escaped names are C identifiers; Rust's primitive type names
 * (`u8`, `usize`, `()` escaped as `_28__29_`) need the typedefs of the README's prelude.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFeatures } from "../../src/encode/features.js";
import { dumpBtfAsC } from "../../src/dump/c.js";
import { encodeFile } from "../../src/encode/encode.js";
import { announceSkip, tool } from "../util/inputs.js";
import { MIXED_O, RUST_C_PRELUDE, RUSTFIX_O } from "./helpers.js";

const clang = tool("clang");
const gcc = tool("gcc");
announceSkip("Rust BTF: compiling its C dump for the BPF target", clang);
announceSkip("Rust BTF: compiling its C dump with gcc", gcc);

/** The compilers a BPF program's header meets: clang for the BPF target, and gcc (which ignores clang's pragma). */
const compilers = [
  ...(clang.value ? [[clang.value, "-target", "bpf", "-O2", "-g", "-Wall", "-Werror"]] : []),
  ...(gcc.value ? [[gcc.value, "-Wall", "-Werror", "-Wno-unknown-pragmas"]] : []),
];

describe.skipIf(compilers.length === 0)("dump --format c of Rust BTF", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfkit-rust-dump-"));
  for (const [name, elf, features] of [
    ["rustfix.o", RUSTFIX_O, "default"],
    ["rustfix.o, qualified names", RUSTFIX_O, "default,rust_qualified_names"],
    ["mixed.o", MIXED_O, "default,global_var"],
  ] as const) {
    it(`compiles with gcc: ${name}`, () => {
      const header = dumpBtfAsC(encodeFile(elf, { features: parseFeatures(features) }).btf);
      expect(header).toMatch(/struct (rustfix__)?Msg__Move {/);
      const h = join(dir, "rust.h");
      const c = join(dir, "t.c");
      writeFileSync(h, header);
      writeFileSync(
        c,
        `${RUST_C_PRELUDE}#include "rust.h"\n_Static_assert(sizeof(struct Reordered) == 16, "layout");\nint main(void) { return 0; }\n`.replace(
          "struct Reordered",
          features.includes("qualified") ? "struct rustfix__Reordered" : "struct Reordered",
        ),
      );
      for (const [cc, ...flags] of compilers)
        execFileSync(cc!, [...flags, "-c", "-o", join(dir, "t.o"), c], { stdio: "pipe" });
    });
  }
});
