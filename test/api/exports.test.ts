/**
 * The public API is a chosen list. The names below were written by hand as the intended surface of
 * src/index.ts (not generated from it): a name that appears or disappears there fails this test until the list is
 * changed too, so every API change is a visible, reviewed line. Types cannot be seen at run time; the
 * `import type` list below is checked by `npm run typecheck` instead.
 */
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import type {
  AttrValue,
  BlobValidation,
  Btf,
  BtfArrays,
  BtfDiff,
  BtfHeader,
  BtfJson,
  BtfJsonType,
  BtfKind,
  BtfKindName,
  BtfProblem,
  BtfRule,
  BtfStrings,
  ByteOrder,
  DebugInfoOffset,
  DedupOptions,
  DedupReport,
  DedupReportOptions,
  DedupResult,
  DedupStats,
  DieCursor,
  DieRef,
  DiffBtfOptions,
  DiffCounts,
  DiffExample,
  DiffKindRow,
  DiffSide,
  DistilledBtf,
  Divergence,
  DumpCOptions,
  DwarfOpenOptions,
  DwarfStats,
  DwarfStatsReport,
  ElfHeader,
  ElfSection,
  EncodeFeatures,
  EncodeOptions,
  EncodeResult,
  EncodeStats,
  ErrorLocation,
  ExplainDupReport,
  GraphComparison,
  HeaderWord,
  KindInfo,
  LoadBtfOptions,
  NameRule,
  PaholeCompat,
  ParseBtfOptions,
  ReadonlyUint32Array,
  RepeatedField,
  UnitHeader,
  ValidateBlobOptions,
  ValidateOptions,
  ValidateReport,
  WriteBtfOptions,
} from "../../src/index.js";

/** The intended run-time exports, grouped as src/index.ts groups them. */
const INTENDED = [
  // errors
  "BtfkitError",
  "ErrorCode",
  "isBtfkitError",
  // kinds
  "BTF_KIND",
  "BTF_KIND_MAX",
  "KIND_INFO",
  "KIND_NAMES",
  "kindName",
  "kindInfo",
  "exhaustiveKind",
  "infoKind",
  "infoVlen",
  "infoKflag",
  "makeInfo",
  "extraWords",
  "kindHasSize",
  "kindHasTypeRef",
  "isModifierKind",
  "isCompositeKind",
  "isEnumKind",
  "intEncoding",
  "intOffset",
  "intBits",
  "makeIntWord",
  "memberBitOffset",
  "memberBitfieldSize",
  "BTF_INT_SIGNED",
  "BTF_INT_CHAR",
  "BTF_INT_BOOL",
  "BTF_FUNC_STATIC",
  "BTF_FUNC_GLOBAL",
  "BTF_FUNC_EXTERN",
  "BTF_VAR_STATIC",
  "BTF_VAR_GLOBAL_ALLOCATED",
  "BTF_VAR_GLOBAL_EXTERN",
  // the type table, reading and writing
  "Btf",
  "parseBtf",
  "readBtfHeader",
  "btfByteOrder",
  "writeBtf",
  "loadBtf",
  "loadBtfFromElf",
  "mergeSplitBtf",
  "distillBase",
  "relocateSplit",
  // ELF and DWARF
  "ElfFile",
  "DW_TAG",
  "DW_AT",
  "DW_FORM",
  "DW_LANG",
  "DW_ATE",
  "DW_UT",
  "DW_OP",
  "tagName",
  "attrName",
  "formName",
  "langName",
  "ateName",
  "unitTypeName",
  "opName",
  "FormClass",
  "formClass",
  "DieSpace",
  "dieRefOffset",
  "dieRefSpace",
  "DwarfFile",
  "collectDwarfStats",
  "DwarfStatsSchema",
  // encode
  "encodeFile",
  "encodeDwarf",
  "encodeFileParallel",
  "EncodeStatsSchema",
  "parseFeatures",
  "defaultFeatures",
  "FEATURE_NAMES",
  // dedup, dump, validate, diff
  "dedupBtf",
  "keepPreparedBases",
  "DedupStatsSchema",
  "dedupWithReport",
  "formatDedupReport",
  "DedupReportSchema",
  "explainDuplicates",
  "formatExplainDup",
  "ExplainDupSchema",
  "compareGraphs",
  "dumpBtfRaw",
  "ByteSink",
  "dumpBtfAsC",
  "writeBtfAsC",
  "dumpBtfAsJson",
  "writeBtfAsJson",
  "btfTypeToJson",
  "BtfJsonSchema",
  "BtfJsonTypeSchema",
  "validateBtf",
  "validateBtfBlob",
  "formatProblem",
  "BTF_RULE",
  "ValidateReportSchema",
  "BtfProblemSchema",
  "diffBtf",
  "BtfDiffSchema",
  "formatDiffText",
];

/** Internals that were public through `export *` once and must stay out. */
const INTERNAL = [
  "AbbrevTable",
  "parseAbbrevTable",
  "parseUnitHeader",
  "CuConverter",
  "BtfMerger",
  "CanonicalForms",
  "kindWord",
  "ROOT_KINDS",
  "shapeToString",
  "hasName",
  "firstDifference",
  "applyLegacyFlags",
  "pahole124Features",
  "selectUnits",
  "btfPointerSize",
  "typeIdFields",
  "nameFields",
  "checkBtfHeader",
  "BtfJsonStructSchema",
];

describe("the public API (src/index.ts)", () => {
  it("exports exactly the intended names", () => {
    expect(new Set(INTENDED).size).toBe(INTENDED.length);
    expect(Object.keys(api).sort()).toEqual([...INTENDED].sort());
  });

  it("keeps the internals out", () => {
    for (const name of INTERNAL) expect(Object.keys(api)).not.toContain(name);
  });

  it("finds types by kind and name, and hands out the arrays read-only", () => {
    const btf = new api.Btf();
    const int = btf.addNamed("int", api.BTF_KIND.INT, 0, false, 4, [api.makeIntWord(api.BTF_INT_SIGNED, 0, 32)]);
    const s = btf.addNamed("s", api.BTF_KIND.STRUCT, 0, false, 0);
    const fwd = btf.addNamed("s", api.BTF_KIND.FWD, 0, false, 0);
    expect(btf.findType(api.BTF_KIND.STRUCT, "s")).toBe(s);
    expect(btf.findTypes(api.BTF_KIND.FWD, "s")).toEqual([fwd]);
    expect(btf.findType(api.BTF_KIND.UNION, "s")).toBe(-1);
    const arrays: BtfArrays = btf.arrays;
    expect(arrays.count).toBe(3);
    expect(api.infoKind(arrays.info[int - btf.startId]!)).toBe(api.BTF_KIND.INT);
    const write = (): void => {
      // @ts-expect-error the arrays are read-only to library users
      arrays.info[0] = 0;
    };
    expect(typeof write).toBe("function");
  });
});

// Every public type, named once so that the typecheck fails when one goes missing.
// biome-ignore lint/suspicious/noExportsInTest: exported so that the compiler does not call it unused
export type PublicTypes = [
  AttrValue,
  BlobValidation,
  Btf,
  BtfArrays,
  BtfDiff,
  BtfHeader,
  BtfJson,
  BtfJsonType,
  BtfKind,
  BtfKindName,
  BtfProblem,
  BtfRule,
  BtfStrings,
  ByteOrder,
  DebugInfoOffset,
  DedupOptions,
  DedupReport,
  DedupReportOptions,
  DedupResult,
  DedupStats,
  DieCursor,
  DieRef,
  DiffBtfOptions,
  DiffCounts,
  DiffExample,
  DiffKindRow,
  DiffSide,
  DistilledBtf,
  Divergence,
  DumpCOptions,
  DwarfOpenOptions,
  DwarfStats,
  DwarfStatsReport,
  ElfHeader,
  ElfSection,
  EncodeFeatures,
  EncodeOptions,
  EncodeResult,
  EncodeStats,
  ErrorLocation,
  ExplainDupReport,
  GraphComparison,
  HeaderWord,
  KindInfo,
  LoadBtfOptions,
  NameRule,
  PaholeCompat,
  ParseBtfOptions,
  ReadonlyUint32Array,
  RepeatedField,
  UnitHeader,
  ValidateBlobOptions,
  ValidateOptions,
  ValidateReport,
  WriteBtfOptions,
];
