import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { afterAll, describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.js";
import { writeBtf } from "../../src/btf/write.js";
import { type BtfJson, BtfJsonSchema, btfTypeToJson, dumpBtfAsJson, writeBtfAsJson } from "../../src/dump/json.js";
import { loadBtf } from "../../src/io/load-btf.js";
import { announceSkip, debianKernel, debianModules, sysVmlinux, tool } from "../util/inputs.js";
import { BtfBuilder } from "./build-btf.js";

const bpftool = tool("bpftool");
const sys = sysVmlinux();
const deb = debianKernel();
announceSkip("JSON output compared with bpftool 7.1", bpftool);
announceSkip("JSON output of the running kernel", sys);
announceSkip("JSON output of the Debian 6.1 kernel", deb);

const tmp = mkdtempSync(join(tmpdir(), "btfkit-dump-json-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const checker = TypeCompiler.Compile(BtfJsonSchema);

function jsonText(btf: Btf): { text: string; chunks: number } {
  const parts: string[] = [];
  writeBtfAsJson(btf, (c) => parts.push(c));
  return { text: parts.join(""), chunks: parts.length };
}

/** A small BTF with one type of every kind. */
function everyKind(): Btf {
  const b = new BtfBuilder();
  const int = b.int("int", 4); // 1
  const uchar = b.int("unsigned char", 1, "unsigned"); // 2
  const p = b.ptr(int); // 3
  const arr = b.array(uchar, 16, int); // 4
  b.struct("flags", 8, [
    ["a", int, 0, 3],
    ["", int, 3, 5],
    ["b", p, 32],
  ]); // 5 (bitfields: kind_flag set)
  b.union("u", 8, [
    ["p", p, 0],
    ["raw", arr, 0],
  ]); // 6
  b.enum(
    "rpm_status",
    4,
    [
      ["RPM_INVALID", -1],
      ["RPM_ACTIVE", 0],
    ],
    true,
  ); // 7
  b.enum("", 4, [["BIG", 0xefffffff]]); // 8
  b.fwd("inode", true); // 9
  b.typedef("u8", uchar); // 10
  b.volatile(int); // 11
  b.const(int); // 12
  b.restrict(p); // 13
  const proto = b.funcProto(int, [
    ["x", int],
    ["", 0],
  ]); // 14
  b.func("do_it", proto, 0); // 15
  const v = b.var("counter", int, 2); // 16
  b.datasec(".data", 4, [[v, 0, 4]]); // 17
  b.float("double", 8); // 18
  b.declTag("bpf_kfunc", 15); // 19
  b.typeTag("user", int); // 20
  b.enum64("perf_txn", 8, [
    ["ABORT_MASK", 0xffffffff00000000n],
    ["SHIFT", 32n],
  ]); // 21
  b.enum64("s64", 8, [["NEG", -2n]], true); // 22
  b.declTag("arg", proto, 1); // 23
  return b.btf;
}

describe("dump --format json: small BTF", () => {
  it("gives each kind bpftool's fields (expected objects written by hand)", () => {
    const btf = everyKind();
    const expected: BtfJson = {
      types: [
        { id: 1, kind: "INT", name: "int", size: 4, bits_offset: 0, nr_bits: 32, encoding: "SIGNED" },
        { id: 2, kind: "INT", name: "unsigned char", size: 1, bits_offset: 0, nr_bits: 8, encoding: "(none)" },
        { id: 3, kind: "PTR", name: "(anon)", type_id: 1 },
        { id: 4, kind: "ARRAY", name: "(anon)", type_id: 2, index_type_id: 1, nr_elems: 16 },
        {
          id: 5,
          kind: "STRUCT",
          name: "flags",
          size: 8,
          vlen: 3,
          members: [
            { name: "a", type_id: 1, bits_offset: 0, bitfield_size: 3 },
            { name: "(anon)", type_id: 1, bits_offset: 3, bitfield_size: 5 },
            { name: "b", type_id: 3, bits_offset: 32 },
          ],
        },
        {
          id: 6,
          kind: "UNION",
          name: "u",
          size: 8,
          vlen: 2,
          members: [
            { name: "p", type_id: 3, bits_offset: 0 },
            { name: "raw", type_id: 4, bits_offset: 0 },
          ],
        },
        {
          id: 7,
          kind: "ENUM",
          name: "rpm_status",
          encoding: "SIGNED",
          size: 4,
          vlen: 2,
          values: [
            { name: "RPM_INVALID", val: -1 },
            { name: "RPM_ACTIVE", val: 0 },
          ],
        },
        {
          id: 8,
          kind: "ENUM",
          name: "(anon)",
          encoding: "UNSIGNED",
          size: 4,
          vlen: 1,
          values: [{ name: "BIG", val: 4026531839 }],
        },
        { id: 9, kind: "FWD", name: "inode", fwd_kind: "union" },
        { id: 10, kind: "TYPEDEF", name: "u8", type_id: 2 },
        { id: 11, kind: "VOLATILE", name: "(anon)", type_id: 1 },
        { id: 12, kind: "CONST", name: "(anon)", type_id: 1 },
        { id: 13, kind: "RESTRICT", name: "(anon)", type_id: 3 },
        {
          id: 14,
          kind: "FUNC_PROTO",
          name: "(anon)",
          ret_type_id: 1,
          vlen: 2,
          params: [
            { name: "x", type_id: 1 },
            { name: "(anon)", type_id: 0 },
          ],
        },
        { id: 15, kind: "FUNC", name: "do_it", type_id: 14, linkage: "static" },
        { id: 16, kind: "VAR", name: "counter", type_id: 1, linkage: "extern" },
        { id: 17, kind: "DATASEC", name: ".data", size: 4, vlen: 1, vars: [{ type_id: 16, offset: 0, size: 4 }] },
        { id: 18, kind: "FLOAT", name: "double", size: 8 },
        { id: 19, kind: "DECL_TAG", name: "bpf_kfunc", type_id: 15, component_idx: -1 },
        { id: 20, kind: "TYPE_TAG", name: "user", type_id: 1 },
        {
          id: 21,
          kind: "ENUM64",
          name: "perf_txn",
          encoding: "UNSIGNED",
          size: 8,
          vlen: 2,
          // 2^64 - 2^32 does not fit a double exactly: a decimal string in the object form.
          values: [
            { name: "ABORT_MASK", val: "18446744069414584320" },
            { name: "SHIFT", val: 32 },
          ],
        },
        {
          id: 22,
          kind: "ENUM64",
          name: "s64",
          encoding: "SIGNED",
          size: 8,
          vlen: 1,
          values: [{ name: "NEG", val: -2 }],
        },
        { id: 23, kind: "DECL_TAG", name: "arg", type_id: 14, component_idx: 1 },
      ],
    };
    const obj = dumpBtfAsJson(btf);
    expect(obj).toEqual(expected);
    expect(checker.Check(obj)).toBe(true);
    expect(Value.Check(BtfJsonSchema, obj)).toBe(true);
  });

  it("streams bpftool's compact text, with 64-bit values as exact bare integers", () => {
    const { text } = jsonText(everyKind());
    expect(
      text.startsWith(
        '{"types":[{"id":1,"kind":"INT","name":"int","size":4,"bits_offset":0,"nr_bits":32,"encoding":"SIGNED"},',
      ),
    ).toBe(true);
    expect(text).toContain(
      '{"id":21,"kind":"ENUM64","name":"perf_txn","encoding":"UNSIGNED","size":8,"vlen":2,"values":[{"name":"ABORT_MASK","val":18446744069414584320},{"name":"SHIFT","val":32}]}',
    );
    expect(text.endsWith(',"component_idx":1}]}\n')).toBe(true);
    // Apart from the exact big value, the text is the object's JSON.
    expect(JSON.parse(text)).toEqual(
      JSON.parse(JSON.stringify(dumpBtfAsJson(everyKind())).replace('"18446744069414584320"', "18446744069414584320")),
    );
  });

  it("lists only the split types of split BTF", () => {
    const base = new BtfBuilder();
    base.int("int", 4);
    const split = new BtfBuilder(base.btf);
    split.ptr(1);
    expect(dumpBtfAsJson(split.btf)).toEqual({ types: [{ id: 2, kind: "PTR", name: "(anon)", type_id: 1 }] });
  });

  it("the schema rejects what bpftool would never print", () => {
    const ok = dumpBtfAsJson(everyKind());
    const bad1 = structuredClone(ok);
    (bad1.types[0] as Record<string, unknown>).kind = "INTEGER";
    expect(checker.Check(bad1)).toBe(false);
    const bad2 = structuredClone(ok);
    delete (bad2.types[2] as Record<string, unknown>).type_id;
    expect(checker.Check(bad2)).toBe(false);
    const bad3 = structuredClone(ok);
    (bad3.types[4] as { members: { extra?: number }[] }).members[0]!.extra = 1;
    expect(checker.Check(bad3)).toBe(false);
  });

  it.skipIf(bpftool.value === undefined)("equals bpftool -j byte for byte", () => {
    const path = join(tmp, "every-kind.btf");
    writeFileSync(path, writeBtf(everyKind()));
    const ref = execFileSync("bpftool", ["-j", "btf", "dump", "file", path], { encoding: "utf8" });
    // bpftool 7.1 prints an unsigned 32-bit enumerator >= 2^31 sign-extended to 64 bits (BIG = 0xefffffff becomes
    // 2^64 - 0x10000001); btfkit prints the value itself.
    expect(jsonText(everyKind()).text).toBe(ref.replace('"val":18446744073441116159', '"val":4026531839'));
  });
});

/**
 * Compare with bpftool's JSON after parsing, allowing for bpftool 7.1's sign-extension of unsigned 32-bit
 * enumerators (doubles near 2^64 are 4096 apart, hence the tolerance).
 */
function expectSameAsBpftool(mine: BtfJson, ref: BtfJson): void {
  expect(mine.types.length).toBe(ref.types.length);
  let mismatches = 0;
  for (let i = 0; i < ref.types.length; i++) {
    const a = mine.types[i]!;
    const r = ref.types[i]!;
    if (a.kind === "ENUM" && r.kind === "ENUM" && a.encoding === "UNSIGNED") {
      const vals = a.values.map((v, j) => {
        const rv = r.values[j]?.val;
        return typeof v.val === "number" &&
          v.val >= 2 ** 31 &&
          typeof rv === "number" &&
          Math.abs(rv - (2 ** 64 - 2 ** 32 + v.val)) <= 4096
          ? rv
          : v.val;
      });
      if (JSON.stringify({ ...a, values: a.values.map((v, j) => ({ ...v, val: vals[j] })) }) !== JSON.stringify(r))
        mismatches++;
    } else if (JSON.stringify(a) !== JSON.stringify(r)) {
      if (mismatches++ < 3) expect(a).toEqual(r);
    }
  }
  expect(mismatches).toBe(0);
}

describe("dump --format json: whole kernels", () => {
  it.skipIf(sys.value === undefined)("/sys/kernel/btf/vmlinux: streamed output validates against BtfJsonSchema", () => {
    const btf = loadBtf(sys.value!);
    const { text, chunks } = jsonText(btf);
    expect(chunks).toBeGreaterThan(100); // written piecewise, never one 18 MB string inside the writer
    const parsed = JSON.parse(text) as BtfJson;
    expect(parsed.types.length).toBe(btf.endId - 1);
    expect(checker.Check(parsed)).toBe(true);
    const obj = dumpBtfAsJson(btf);
    expect(checker.Check(obj)).toBe(true);

    // Spot checks against facts of every x86-64 kernel.
    const byName = (kind: string, name: string) => parsed.types.find((t) => t.kind === kind && t.name === name);
    expect(byName("INT", "int")).toMatchObject({ size: 4, bits_offset: 0, nr_bits: 32, encoding: "SIGNED" });
    expect(byName("INT", "long unsigned int")).toMatchObject({ size: 8, nr_bits: 64, encoding: "(none)" });
    expect(byName("INT", "_Bool")).toMatchObject({ size: 1, encoding: "BOOL" });
    const listHead = byName("STRUCT", "list_head");
    expect(listHead).toMatchObject({ size: 16, vlen: 2 });
    const members = (listHead as { members: { name: string; type_id: number; bits_offset: number }[] }).members;
    expect(members.map((m) => [m.name, m.bits_offset])).toEqual([
      ["next", 0],
      ["prev", 64],
    ]);
    expect(parsed.types[members[0]!.type_id - 1]).toMatchObject({ kind: "PTR", type_id: listHead!.id });
    // PERF_TXN_ABORT_MASK = 0xffffffff00000000 (include/linux/perf_event.h): an ENUM64 value beyond 2^53.
    const txn = obj.types.find((t) => t.kind === "ENUM64" && t.values.some((v) => v.name === "PERF_TXN_ABORT_MASK"));
    expect(
      (txn as { values: { name: string; val: number | string }[] }).values.find(
        (v) => v.name === "PERF_TXN_ABORT_MASK",
      )!.val,
    ).toBe("18446744069414584320");
    expect(text).toContain('{"name":"PERF_TXN_ABORT_MASK","val":18446744069414584320}');
  });

  it.skipIf(sys.value === undefined || bpftool.value === undefined)("/sys/kernel/btf/vmlinux equals bpftool -j", () => {
    const ref = JSON.parse(
      execFileSync("bpftool", ["-j", "btf", "dump", "file", sys.value!], { encoding: "utf8", maxBuffer: 1 << 30 }),
    ) as BtfJson;
    expectSameAsBpftool(JSON.parse(jsonText(loadBtf(sys.value!)).text) as BtfJson, ref);
  });

  it.skipIf(deb.value === undefined)(
    "Debian 6.1 vmlinux and a split module validate (and equal bpftool -j when installed)",
    () => {
      const vmlinux = deb.value!.vmlinux;
      const vm = loadBtf(vmlinux);
      const parsed = JSON.parse(jsonText(vm).text) as BtfJson;
      expect(checker.Check(parsed)).toBe(true);
      const ko = debianModules(deb.value!, 1)[0]!;
      const mod = loadBtf(ko, { base: vm });
      const modText = jsonText(mod).text;
      const modParsed = JSON.parse(modText) as BtfJson;
      expect(checker.Check(modParsed)).toBe(true);
      expect(modParsed.types[0]!.id).toBe(vm.endId);
      if (bpftool.value !== undefined) {
        const bpf = (args: string[]) => execFileSync("bpftool", args, { encoding: "utf8", maxBuffer: 1 << 30 });
        expectSameAsBpftool(parsed, JSON.parse(bpf(["-j", "btf", "dump", "file", vmlinux])) as BtfJson);
        expectSameAsBpftool(modParsed, JSON.parse(bpf(["-j", "-B", vmlinux, "btf", "dump", "file", ko])) as BtfJson);
      }
    },
    120_000,
  );
});

describe("btfTypeToJson", () => {
  it("describes base types of split BTF too", () => {
    const base = new BtfBuilder();
    base.int("int", 4);
    const split = new BtfBuilder(base.btf);
    expect(btfTypeToJson(split.btf, 1)).toEqual({
      id: 1,
      kind: "INT",
      name: "int",
      size: 4,
      bits_offset: 0,
      nr_bits: 32,
      encoding: "SIGNED",
    });
  });
});
