/**
 * btfkit's library API: every name here is chosen, and test/api/exports.test.ts holds the list (a name added
 * or dropped here is a change of that list, reviewed like any other). Nothing is re-exported wholesale (`export *`):
 * the readers' and converters' internals (abbreviation tables, unit headers, the per-unit converters, the linker of
 * units, canonical forms) stay inside, so they can change without breaking a user.
 *
 * The flow is one-way: src/elf → src/dwarf → src/convert → src/encode → src/dedup → src/btf (write), with src/btf
 * (the model) shared by all and src/cli a thin layer of commands on top (docs/architecture.md).
 */

// ---- errors ---------------------------------------------------------------------------------------------------
export { BtfkitError, ErrorCode, isBtfkitError, type ErrorLocation } from "./common/errors.js";
export type { ByteOrder } from "./common/byte-order.js";

// ---- the BTF model: kinds, the type table, reading and writing --------------------------------------------------
export {
  BTF_KIND,
  BTF_KIND_MAX,
  KIND_INFO,
  KIND_NAMES,
  kindName,
  kindInfo,
  exhaustiveKind,
  infoKind,
  infoVlen,
  infoKflag,
  makeInfo,
  extraWords,
  kindHasSize,
  kindHasTypeRef,
  isModifierKind,
  isCompositeKind,
  isEnumKind,
  intEncoding,
  intOffset,
  intBits,
  makeIntWord,
  memberBitOffset,
  memberBitfieldSize,
  BTF_INT_SIGNED,
  BTF_INT_CHAR,
  BTF_INT_BOOL,
  BTF_FUNC_STATIC,
  BTF_FUNC_GLOBAL,
  BTF_FUNC_EXTERN,
  BTF_VAR_STATIC,
  BTF_VAR_GLOBAL_ALLOCATED,
  BTF_VAR_GLOBAL_EXTERN,
  type BtfKind,
  type BtfKindName,
  type KindInfo,
  type HeaderWord,
  type NameRule,
  type RepeatedField,
} from "./btf/kinds.js";
export { Btf, type BtfArrays, type ReadonlyUint32Array } from "./btf/btf.js";
export type { BtfStrings } from "./btf/strings.js";
export { parseBtf, readBtfHeader, btfByteOrder, type BtfHeader, type ParseBtfOptions } from "./btf/reader.js";
export { writeBtf, type WriteBtfOptions } from "./btf/write.js";
export { loadBtf, loadBtfFromElf, type LoadBtfOptions } from "./io/load-btf.js";
export { mergeSplitBtf } from "./btf/merge-split.js";
export { distillBase, type DistilledBtf } from "./btf/distill.js";
export { relocateSplit } from "./btf/relocate.js";

// ---- reading ELF and DWARF ------------------------------------------------------------------------------------
export { ElfFile, type ElfSection, type ElfHeader } from "./elf/elf-file.js";
export {
  DW_TAG,
  DW_AT,
  DW_FORM,
  DW_LANG,
  DW_ATE,
  DW_UT,
  DW_OP,
  tagName,
  attrName,
  formName,
  langName,
  ateName,
  unitTypeName,
  opName,
} from "./dwarf/constants.js";
export { FormClass, formClass } from "./dwarf/forms.js";
export { DieSpace, dieRefOffset, dieRefSpace, type DieRef, type DebugInfoOffset } from "./dwarf/offsets.js";
export { DwarfFile, type DwarfOpenOptions } from "./dwarf/dwarf-file.js";
export type { DieCursor, AttrValue } from "./dwarf/die-cursor.js";
export type { UnitHeader } from "./dwarf/unit.js";
export { collectDwarfStats, type DwarfStats } from "./dwarf/stats.js";
export { DwarfStatsSchema, type DwarfStatsReport } from "./dwarf/stats-schema.js";

// ---- DWARF → BTF, as pahole -J --------------------------------------------------------------------------------
export {
  encodeFile,
  encodeDwarf,
  encodeFileParallel,
  type EncodeOptions,
  type EncodeResult,
  type EncodeStats,
} from "./encode/encode.js";
export { EncodeStatsSchema } from "./encode/stats-schema.js";
export {
  parseFeatures,
  defaultFeatures,
  FEATURE_NAMES,
  type EncodeFeatures,
  type PaholeCompat,
} from "./encode/features.js";

// ---- dedup, dump, validate, diff ------------------------------------------------------------------------------
export {
  dedupBtf,
  keepPreparedBases,
  DedupStatsSchema,
  type DedupStats,
  type DedupOptions,
  type DedupResult,
} from "./dedup/dedup.js";
// studying dedup: per-pass statistics, why split types did not fold, where same-named definitions differ
export {
  dedupWithReport,
  formatDedupReport,
  DedupReportSchema,
  type DedupReport,
  type DedupReportOptions,
} from "./dedup/report.js";
export { explainDuplicates, formatExplainDup, ExplainDupSchema, type ExplainDupReport } from "./dedup/explain.js";
export { compareGraphs, type Divergence, type GraphComparison } from "./dedup/divergence.js";
export { dumpBtfRaw } from "./dump/raw.js";
export { ByteSink } from "./dump/byte-sink.js";
export { dumpBtfAsC, writeBtfAsC, type DumpCOptions } from "./dump/c.js";
export {
  dumpBtfAsJson,
  writeBtfAsJson,
  btfTypeToJson,
  BtfJsonSchema,
  BtfJsonTypeSchema,
  type BtfJson,
  type BtfJsonType,
} from "./dump/json.js";
export {
  validateBtf,
  validateBtfBlob,
  formatProblem,
  BTF_RULE,
  type BtfRule,
  type BtfProblem,
  type ValidateOptions,
  type ValidateBlobOptions,
  type BlobValidation,
} from "./btf/validate.js";
export { ValidateReportSchema, BtfProblemSchema, type ValidateReport } from "./btf/validate-schema.js";
export {
  diffBtf,
  BtfDiffSchema,
  type BtfDiff,
  type DiffBtfOptions,
  type DiffCounts,
  type DiffExample,
  type DiffKindRow,
  type DiffSide,
} from "./diff/diff-btf.js";
export { formatDiffText } from "./diff/format-text.js";
