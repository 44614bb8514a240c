/*
 * Strongly typed offsets: an offset into one section (or relative to a unit) cannot be passed where another is
 * expected. They are plain numbers at run time (no allocation); the brand exists only for the type checker.
 */
declare const brand: unique symbol;
type Brand<B extends string> = number & { readonly [brand]: B };

/** Byte offset in `.debug_info` (or `.debug_types` for a DWARF 4 type unit). */
export type DebugInfoOffset = Brand<"DebugInfoOffset">;
/** Byte offset relative to the start of a unit header (the value of `DW_FORM_ref1/2/4/8/udata`). */
export type UnitOffset = Brand<"UnitOffset">;
/** Byte offset in `.debug_abbrev`. */
export type DebugAbbrevOffset = Brand<"DebugAbbrevOffset">;
/** Byte offset in `.debug_str` (or `.debug_line_str`, or the alt file's `.debug_str`). */
export type DebugStrOffset = Brand<"DebugStrOffset">;

/**
 * Where a DIE lives: `.debug_info` of this file, `.debug_types` of this file, or `.debug_info` of the dwz
 * supplementary ("alt") file.
 */
export const DieSpace = { INFO: 0, TYPES: 1, ALT: 2 } as const;
export type DieSpace = (typeof DieSpace)[keyof typeof DieSpace];

/**
 * A resolved reference to a DIE: the section offset plus the space in the bits above 2^44 (a `.debug_info` of
 * 16 TiB is far off). For the common case (`.debug_info` of this file) a DieRef *is* the section offset, so it can
 * key a Map or an array directly.
 */
export type DieRef = Brand<"DieRef">;

const SPACE_UNIT = 2 ** 44;

export function makeDieRef(space: DieSpace, offset: number): DieRef {
  return (space * SPACE_UNIT + offset) as DieRef;
}
export function dieRefSpace(ref: DieRef): DieSpace {
  return Math.floor(ref / SPACE_UNIT) as DieSpace;
}
export function dieRefOffset(ref: DieRef): DebugInfoOffset {
  return (ref % SPACE_UNIT) as DebugInfoOffset;
}
