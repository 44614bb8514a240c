/**
 * btfkit's library API. The flow is one-way: src/elf → src/dwarf → src/convert → src/encode → src/dedup → src/btf (write), with src/btf (the
 * model) shared by all and src/cli a thin layer of commands on top.
 */
export { BtfkitError, ErrorCode, type ErrorLocation } from "./common/errors.js";
export type { ByteOrder } from "./common/byte-order.js";
export * from "./btf/kinds.js";
export { Btf } from "./btf/btf.js";
export { BtfStrings } from "./btf/strings.js";
export { parseBtf, readBtfHeader, btfByteOrder, type BtfHeader, type ParseBtfOptions } from "./btf/reader.js";
export { writeBtf, type WriteBtfOptions } from "./btf/write.js";
export { loadBtf, loadBtfFromElf, type LoadBtfOptions } from "./io/load-btf.js";
export { ElfFile, type ElfSection, type ElfHeader } from "./elf/elf-file.js";
export * from "./diff/index.js";
export { dumpBtfRaw } from "./dump/raw.js";
export { ByteSink } from "./dump/byte-sink.js";
export { dumpBtfAsC, writeBtfAsC, btfPointerSize, type DumpCOptions } from "./dump/c.js";
export * from "./dump/json.js";
export * from "./btf/validate.js";
export * from "./btf/validate-schema.js";
export * from "./dwarf/index.js";
export {
  encodeFile, encodeDwarf, encodeFileParallel, selectUnits, MIN_PARALLEL_DEBUG_INFO,
  type EncodeStats, type EncodeOptions, type EncodeResult,
} from "./encode/encode.js";
export { EncodeStatsSchema } from "./encode/stats-schema.js";
export {
  parseFeatures, defaultFeatures, applyLegacyFlags, pahole124Features, FEATURE_NAMES,
  type EncodeFeatures, type LegacyFlags,
} from "./encode/features.js";
export { CuConverter, type CuBtf, type ConvertOptions } from "./convert/convert.js";
export { BtfMerger } from "./encode/link.js";
export { dedupBtf, DedupStatsSchema, type DedupStats, type DedupOptions, type DedupResult } from "./dedup/dedup.js";
export { mergeSplitBtf } from "./btf/merge-split.js";
