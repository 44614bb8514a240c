/**
 * The kind table (src/btf/kinds.ts KIND_INFO) against the layouts written out by hand from the kernel's
 * include/uapi/linux/btf.h, so that a wrong row cannot hide behind the functions derived from it.
 */
import { describe, expect, it } from "vitest";
import {
  BTF_KIND,
  BTF_KIND_MAX,
  KIND_ID_FIRST,
  KIND_ID_FIXED,
  KIND_ID_STEP,
  KIND_INFO,
  KIND_NAME_STEP,
  KIND_NAMES,
  extraWords,
  isCompositeKind,
  isEnumKind,
  isModifierKind,
  kindHasSize,
  kindHasTypeRef,
  kindInfo,
  kindName,
  nameFields,
  typeIdFields,
  type BtfKindName,
} from "../../src/btf/kinds.js";

const K = BTF_KIND;

describe("the BTF kind table", () => {
  it("names every kind once, by value", () => {
    expect(KIND_NAMES).toEqual([
      "UNKN",
      "INT",
      "PTR",
      "ARRAY",
      "STRUCT",
      "UNION",
      "ENUM",
      "FWD",
      "TYPEDEF",
      "VOLATILE",
      "CONST",
      "RESTRICT",
      "FUNC",
      "FUNC_PROTO",
      "VAR",
      "DATASEC",
      "FLOAT",
      "DECL_TAG",
      "TYPE_TAG",
      "ENUM64",
    ]);
    expect(BTF_KIND_MAX).toBe(19);
    expect(kindName(K.DECL_TAG)).toBe("DECL_TAG");
    expect(kindName(25)).toBe("UNKNOWN_KIND_25");
    expect(kindInfo(25)).toBeUndefined();
    expect(Object.keys(KIND_INFO).sort()).toEqual([...KIND_NAMES].sort());
  });

  it("sizes every variable part as btf.h lays it out", () => {
    // [kind, words for vlen 0, words for vlen 5]: btf_enum is 2 words, btf_member/btf_enum64/btf_var_secinfo 3,
    // btf_param 2, btf_array 3, the INT encoding, btf_var and btf_decl_tag 1.
    const expected: Array<[number, number, number]> = [
      [K.UNKN, 0, 0],
      [K.INT, 1, 1],
      [K.PTR, 0, 0],
      [K.ARRAY, 3, 3],
      [K.STRUCT, 0, 15],
      [K.UNION, 0, 15],
      [K.ENUM, 0, 10],
      [K.FWD, 0, 0],
      [K.TYPEDEF, 0, 0],
      [K.VOLATILE, 0, 0],
      [K.CONST, 0, 0],
      [K.RESTRICT, 0, 0],
      [K.FUNC, 0, 0],
      [K.FUNC_PROTO, 0, 10],
      [K.VAR, 1, 1],
      [K.DATASEC, 0, 15],
      [K.FLOAT, 0, 0],
      [K.DECL_TAG, 1, 1],
      [K.TYPE_TAG, 0, 0],
      [K.ENUM64, 0, 15],
    ];
    for (const [kind, none, five] of expected) {
      expect([kindName(kind), extraWords(kind, 0), extraWords(kind, 5)]).toEqual([kindName(kind), none, five]);
    }
    expect(extraWords(20, 5)).toBe(0);
    expect(extraWords(31, 5)).toBe(0);
  });

  it("says what the header's third word holds, and groups the kinds as libbpf does", () => {
    const kinds = (p: (k: number) => boolean): BtfKindName[] => KIND_NAMES.filter((_, k) => p(k));
    expect(kinds(kindHasSize)).toEqual(["INT", "STRUCT", "UNION", "ENUM", "DATASEC", "FLOAT", "ENUM64"]);
    expect(kinds(kindHasTypeRef)).toEqual([
      "PTR",
      "TYPEDEF",
      "VOLATILE",
      "CONST",
      "RESTRICT",
      "FUNC",
      "FUNC_PROTO",
      "VAR",
      "DECL_TAG",
      "TYPE_TAG",
    ]);
    expect(kinds(isModifierKind)).toEqual(["VOLATILE", "CONST", "RESTRICT", "TYPE_TAG"]);
    expect(kinds(isCompositeKind)).toEqual(["STRUCT", "UNION"]);
    expect(kinds(isEnumKind)).toEqual(["ENUM", "ENUM64"]);
    expect(kinds((k) => KIND_INFO[KIND_NAMES[k]!].name === "anonymous")).toEqual([
      "UNKN",
      "PTR",
      "ARRAY",
      "VOLATILE",
      "CONST",
      "RESTRICT",
      "FUNC_PROTO",
    ]);
  });

  it("places type ids and names as libbpf's field iterator visits them", () => {
    expect(typeIdFields(K.ARRAY, 0)).toEqual({ header: false, first: 0, step: 1, count: 2 });
    expect(typeIdFields(K.STRUCT, 4)).toEqual({ header: false, first: 1, step: 3, count: 4 });
    expect(typeIdFields(K.FUNC_PROTO, 2)).toEqual({ header: true, first: 1, step: 2, count: 2 });
    expect(typeIdFields(K.DATASEC, 3)).toEqual({ header: false, first: 0, step: 3, count: 3 });
    expect(typeIdFields(K.VAR, 0)).toEqual({ header: true, first: 0, step: 0, count: 0 });
    expect(typeIdFields(K.ENUM, 4)).toEqual({ header: false, first: 0, step: 0, count: 0 });
    expect(nameFields(K.UNION, 4)).toEqual({ header: true, first: 0, step: 3, count: 4 });
    expect(nameFields(K.ENUM, 4)).toEqual({ header: true, first: 0, step: 2, count: 4 });
    expect(nameFields(K.ENUM64, 4)).toEqual({ header: true, first: 0, step: 3, count: 4 });
    expect(nameFields(K.FUNC_PROTO, 2)).toEqual({ header: true, first: 0, step: 2, count: 2 });
    expect(nameFields(K.DATASEC, 2)).toEqual({ header: true, first: 0, step: 0, count: 0 });
  });

  it("gives the allocation-free layout arrays the same answers", () => {
    for (let kind = 0; kind <= BTF_KIND_MAX; kind++) {
      const ids = typeIdFields(kind, 7);
      const names = nameFields(kind, 7);
      const idCount = KIND_ID_FIRST[kind]! < 0 ? 0 : KIND_ID_FIXED[kind]! !== 0 ? KIND_ID_FIXED[kind]! : 7;
      expect([
        kindName(kind),
        idCount,
        ids.count === 0 ? 0 : KIND_ID_FIRST[kind],
        ids.count === 0 ? 0 : KIND_ID_STEP[kind],
      ]).toEqual([kindName(kind), ids.count, ids.first, ids.step]);
      expect([kindName(kind), KIND_NAME_STEP[kind]]).toEqual([kindName(kind), names.step]);
    }
  });
});
