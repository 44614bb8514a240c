export {
  diffBtf,
  firstDifference,
  BtfDiffSchema,
  DiffCountsSchema,
  DiffExampleSchema,
  DiffKindRowSchema,
  DiffSideSchema,
} from "./diff-btf.js";
export type { BtfDiff, DiffBtfOptions, DiffCounts, DiffExample, DiffKindRow, DiffSide } from "./diff-btf.js";
export {
  CanonicalForms,
  hasName,
  kindWord,
  ROOT_KINDS,
  shapeToString,
  type Shape,
  type ShapeItem,
} from "./canonical.js";
export { formatDiffText } from "./format-text.js";
