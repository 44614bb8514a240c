/**
 * Rust names → BTF names. Expected values: bpf-linker's own test values (aya-rs/bpf-linker), and hashes printed by
 * Rust's `DefaultHasher` (rustc 1.95) for the same bytes.
 */
import { describe, expect, it } from "vitest";
import {
  capName,
  escapeBytes,
  isPortableIdentifier,
  joinNames,
  rustName,
  sipHash13,
} from "../../src/convert/rust/names.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("escaping (bpf-linker's sanitize_type_name)", () => {
  it("escapes every byte outside [0-9A-Za-z_] as _HEX_", () => {
    expect(rustName("MyStruct<u64, u64>")).toBe("MyStruct_3C_u64_2C__20_u64_3E_");
    expect(rustName("PerfEventArray<[u8; 32]>")).toBe("PerfEventArray_3C__5B_u8_3B__20_32_5D__3E_");
    expect(rustName("MaybeUninit<u8>")).toBe("MaybeUninit_3C_u8_3E_");
    expect(rustName("my_function<u32>")).toBe("my_function_3C_u32_3E_");
    expect(rustName("{closure_env#0}")).toBe("_7B_closure_env_23_0_7D_");
    expect(rustName("&str")).toBe("_26_str");
    expect(rustName("()")).toBe("_28__29_");
    expect(rustName("u8")).toBe("u8");
    expect(rustName("")).toBe("");
  });

  it("escapes non-ASCII names byte by byte (UTF-8), without padding", () => {
    expect(escapeBytes("λ")).toBe("_CE__BB_");
    expect(escapeBytes("a\tb")).toBe("a_9_b");
  });

  it("prefixes a name that starts with a digit", () => {
    expect(rustName("9abc")).toBe("_9abc");
    expect(rustName("0")).toBe("_0");
  });
});

describe("length cap with bpf-linker's hash suffix", () => {
  it("SipHash-1-3 with zero keys equals Rust's DefaultHasher", () => {
    expect(sipHash13(enc("")).toString(16)).toBe("d1fba762150c532c");
    expect(sipHash13(enc("abc")).toString(16)).toBe("c03bc3a0042630f2");
    expect(sipHash13(enc("MyStruct_3C_u64_2C__20_u64_3E_")).toString(16)).toBe("d39cb850c4e6181d");
    expect(sipHash13(enc("0123456789abcdefX")).toString(16)).toBe("4d31b312f2825093");
  });

  it("keeps 111 bytes and appends _ and the hash of the escaped name", () => {
    const long = "x".repeat(130);
    expect(capName(long)).toBe("x".repeat(111) + "_5c752e1fb4bec7a4");
    expect(capName("x".repeat(128))).toBe("x".repeat(128));
    // 30 '<' escape to 120 bytes: under the cap; 40 go over it.
    expect(rustName("<".repeat(30))).toBe("_3C_".repeat(30));
    const capped = rustName("<".repeat(40));
    expect(capped.length).toBeLessThanOrEqual(128);
    expect(capped.startsWith("_3C_".repeat(27))).toBe(true);
  });
});

describe("joined names", () => {
  it("joins with __ and never makes ___ at the seam", () => {
    expect(joinNames(["Msg", "Move"])).toBe("Msg__Move");
    expect(joinNames(["Option_3C_u32_3E_", "Some"])).toBe("Option_3C_u32_3E__Some");
    expect(joinNames(["mycrate", "net", "ipv4", "Addr"])).toBe("mycrate__net__ipv4__Addr");
    expect(joinNames(["f", "_7B_closure_env_23_0_7D_"])).toBe("f__7B_closure_env_23_0_7D_");
    expect(joinNames(["a_", "_b"])).toBe("a__b");
    for (const j of [joinNames(["x_", "y"]), joinNames(["x__", "__y"]), joinNames(["x", "__y"])])
      expect(j).not.toMatch(/___/);
  });
});

describe("symbols used as FUNC names", () => {
  it("accepts no_mangle and v0 names, refuses legacy names with $ and dots", () => {
    expect(isPortableIdentifier("rust_sum_point")).toBe(true);
    expect(isPortableIdentifier("_RNvCs1234_7rustfix5apply")).toBe(true);
    expect(isPortableIdentifier("_ZN7rustfix5apply17ha72dd6c45099e60cE")).toBe(true);
    expect(isPortableIdentifier("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$GT$17h0E")).toBe(false);
    expect(isPortableIdentifier("foo.isra.0")).toBe(false);
    expect(isPortableIdentifier("9x")).toBe(false);
    expect(isPortableIdentifier("a".repeat(129))).toBe(false);
  });
});

describe("the rust_qualified_names feature", () => {
  it("is off by default and can be switched on", async () => {
    const { parseFeatures } = await import("../../src/encode/features.js");
    expect(parseFeatures(undefined).rustQualifiedNames).toBe(false);
    expect(parseFeatures("default,rust_qualified_names").rustQualifiedNames).toBe(true);
    expect(parseFeatures("+rust_qualified_names", { strict: true }).rustQualifiedNames).toBe(true);
  });
});
