/**
 * Rust units read into a small tree of plain objects, one per DIE that matters for BTF. Rust units are small next
 * to a kernel's C units, and their lowering needs to look around (a variant struct's enclosing enum, a discriminant
 * member referenced from its `variant_part`, abstract origins, types in other units through `DW_FORM_ref_addr`), which
 * a tree makes simple. Units reached through cross-unit references are read once and kept.
 */
import { DW_AT, DW_FORM, DW_TAG } from "../../dwarf/constants.js";
import type { DieCursor } from "../../dwarf/die-cursor.js";
import type { DwarfFile } from "../../dwarf/dwarf-file.js";
import { FormClass } from "../../dwarf/forms.js";
import { makeDieRef } from "../../dwarf/offsets.js";
import type { UnitHeader } from "../../dwarf/unit.js";
import { memberLocation, subrangeCount } from "../types.js";

export interface RNode {
  /** DieRef of the DIE. */
  ref: number;
  tag: number;
  parent: RNode | undefined;
  children: RNode[];
  name: string;
  linkage: string;
  /** DieRef of DW_AT_type, -1 when absent. */
  type: number;
  /** DW_AT_byte_size, -1 when absent. */
  size: number;
  /** Members: bit offset in the enclosing type. */
  bitOffset: number;
  bitSize: number;
  encoding: number;
  /** Subranges: element count (0 for none). */
  count: number;
  /** DW_AT_discr of a variant_part (DieRef, -1 when absent). */
  discr: number;
  /** DW_AT_discr_value of a variant (undefined for the default variant). */
  discrValue: bigint | undefined;
  /** Enumerators: DW_AT_const_value as read (unsigned for data forms) and the byte width of its data form. */
  constValue: bigint;
  constBytes: number;
  constSigned: boolean;
  declaration: boolean;
  external: boolean;
  artificial: boolean;
  hasCode: boolean;
  /** DW_AT_abstract_origin or DW_AT_specification (DieRef, -1 when absent). */
  origin: number;
  /** DW_AT_containing_type present (vtable structs). */
  containing: boolean;
  /** DW_AT_location when it is a block (`DW_OP_addr …`), else undefined. */
  location: Uint8Array | undefined;
}

/** Tags kept in the tree; everything else (lexical blocks, call sites, inlined subroutines…) is skipped. */
const KEEP = new Set<number>([
  DW_TAG.DW_TAG_compile_unit,
  DW_TAG.DW_TAG_partial_unit,
  DW_TAG.DW_TAG_namespace,
  DW_TAG.DW_TAG_base_type,
  DW_TAG.DW_TAG_pointer_type,
  DW_TAG.DW_TAG_reference_type,
  DW_TAG.DW_TAG_rvalue_reference_type,
  DW_TAG.DW_TAG_const_type,
  DW_TAG.DW_TAG_volatile_type,
  DW_TAG.DW_TAG_restrict_type,
  DW_TAG.DW_TAG_atomic_type,
  DW_TAG.DW_TAG_typedef,
  DW_TAG.DW_TAG_array_type,
  DW_TAG.DW_TAG_subrange_type,
  DW_TAG.DW_TAG_structure_type,
  DW_TAG.DW_TAG_class_type,
  DW_TAG.DW_TAG_union_type,
  DW_TAG.DW_TAG_enumeration_type,
  DW_TAG.DW_TAG_enumerator,
  DW_TAG.DW_TAG_subroutine_type,
  DW_TAG.DW_TAG_unspecified_type,
  DW_TAG.DW_TAG_member,
  DW_TAG.DW_TAG_variant_part,
  DW_TAG.DW_TAG_variant,
  DW_TAG.DW_TAG_subprogram,
  DW_TAG.DW_TAG_formal_parameter,
  DW_TAG.DW_TAG_unspecified_parameters,
  DW_TAG.DW_TAG_variable,
]);

/** Reads units into trees; one instance per DwarfFile, shared by the units converted with it. */
export class RustTreeReader {
  private readonly nodes = new Map<number, RNode>();
  private readonly loaded = new Set<number>();
  private readonly c: DieCursor;
  private readonly c2: DieCursor;

  constructor(private readonly file: DwarfFile) {
    this.c = file.cursor();
    this.c2 = file.cursor();
  }

  /** The root node of `unit`, reading the unit when it has not been read yet. */
  unitRoot(unit: UnitHeader): RNode {
    const key = makeDieRef(unit.space, unit.offset);
    if (!this.loaded.has(key)) this.load(unit);
    return this.nodes.get(makeDieRef(unit.space, unit.firstDie))!;
  }

  /** The node of DIE `ref`, reading its unit if needed; undefined for a DIE the tree skips. */
  node(ref: number): RNode | undefined {
    const n = this.nodes.get(ref);
    if (n !== undefined) return n;
    const unit = this.file.unitAt(ref as never);
    const key = makeDieRef(unit.space, unit.offset);
    if (this.loaded.has(key)) return undefined;
    // Bound the memory a large std binary can take: forget units read for earlier references.
    if (this.nodes.size > 2_000_000) {
      this.nodes.clear();
      this.loaded.clear();
    }
    this.load(unit);
    return this.nodes.get(ref);
  }

  private load(unit: UnitHeader): void {
    this.loaded.add(makeDieRef(unit.space, unit.offset));
    const c = this.c.reset(unit);
    const stack: (RNode | undefined)[] = [];
    while (c.next()) {
      const d = c.depth;
      stack.length = d;
      const parent = d > 0 ? stack[d - 1] : undefined;
      if ((d > 0 && parent === undefined) || !KEEP.has(c.tag)) {
        if (c.hasChildren) c.skipChildren();
        continue;
      }
      const n = this.read(c, unit, parent);
      this.nodes.set(n.ref, n);
      if (parent) parent.children.push(n);
      if (c.hasChildren) stack[d] = n;
    }
  }

  private read(c: DieCursor, unit: UnitHeader, parent: RNode | undefined): RNode {
    const tag = c.tag;
    const n: RNode = {
      ref: makeDieRef(unit.space, c.offset),
      tag,
      parent,
      children: [],
      name: c.string(DW_AT.DW_AT_name) ?? "",
      linkage: "",
      type: c.ref(DW_AT.DW_AT_type) ?? -1,
      size: c.unsigned(DW_AT.DW_AT_byte_size) ?? -1,
      bitOffset: 0,
      bitSize: 0,
      encoding: 0,
      count: 0,
      discr: -1,
      discrValue: undefined,
      constValue: 0n,
      constBytes: 0,
      constSigned: false,
      declaration: c.has(DW_AT.DW_AT_declaration),
      external: c.has(DW_AT.DW_AT_external),
      artificial: c.has(DW_AT.DW_AT_artificial),
      hasCode: false,
      origin: -1,
      containing: false,
      location: undefined,
    };
    switch (tag) {
      case DW_TAG.DW_TAG_base_type:
        n.encoding = c.unsigned(DW_AT.DW_AT_encoding) ?? 0;
        break;
      case DW_TAG.DW_TAG_member: {
        const loc = memberLocation(c, this.file.little, (cc) => this.refSize(cc), { bitOffset: 0, bitSize: 0 });
        n.bitOffset = loc.bitOffset;
        n.bitSize = loc.bitSize;
        break;
      }
      case DW_TAG.DW_TAG_subrange_type:
        n.count = subrangeCount(c);
        break;
      case DW_TAG.DW_TAG_variant_part:
        n.discr = c.ref(DW_AT.DW_AT_discr) ?? -1;
        break;
      case DW_TAG.DW_TAG_variant:
        n.discrValue = discrValue(c);
        break;
      case DW_TAG.DW_TAG_enumerator: {
        const form = c.attrForm(DW_AT.DW_AT_const_value);
        n.constSigned = form === DW_FORM.DW_FORM_sdata;
        n.constBytes =
          form === DW_FORM.DW_FORM_data1
            ? 1
            : form === DW_FORM.DW_FORM_data2
              ? 2
              : form === DW_FORM.DW_FORM_data4
                ? 4
                : 8;
        n.constValue =
          form === 0
            ? 0n
            : ((n.constSigned ? c.bigSigned(DW_AT.DW_AT_const_value) : c.bigUnsigned(DW_AT.DW_AT_const_value)) ?? 0n);
        break;
      }
      case DW_TAG.DW_TAG_structure_type:
      case DW_TAG.DW_TAG_class_type:
        n.containing = c.has(DW_AT.DW_AT_containing_type);
        break;
      case DW_TAG.DW_TAG_subprogram:
      case DW_TAG.DW_TAG_variable:
      case DW_TAG.DW_TAG_formal_parameter:
        n.linkage = c.string(DW_AT.DW_AT_linkage_name) ?? c.string(DW_AT.DW_AT_MIPS_linkage_name) ?? "";
        n.hasCode = c.has(DW_AT.DW_AT_low_pc) || c.has(DW_AT.DW_AT_ranges);
        n.origin = c.ref(DW_AT.DW_AT_abstract_origin) ?? c.ref(DW_AT.DW_AT_specification) ?? -1;
        if (tag === DW_TAG.DW_TAG_variable && c.block(DW_AT.DW_AT_location))
          n.location = c.blockBytes.slice(c.blockStart, c.blockEnd);
        break;
    }
    return n;
  }

  private refSize(c: DieCursor): number {
    const r = c.ref(DW_AT.DW_AT_type);
    if (r === undefined) return 0;
    return this.file.dieAt(r, this.c2).unsigned(DW_AT.DW_AT_byte_size) ?? 0;
  }
}

/** DW_AT_discr_value: a constant, or a block (16 bytes for 128-bit niches) read little-endian. */
function discrValue(c: DieCursor): bigint | undefined {
  const i = c.indexOf(DW_AT.DW_AT_discr_value);
  if (i < 0) return undefined;
  const cls = c.decodeAt(i);
  if (cls === FormClass.BLOCK) {
    let v = 0n;
    for (let p = c.blockEnd - 1; p >= c.blockStart; p--) v = (v << 8n) | BigInt(c.blockBytes[p]!);
    return v;
  }
  return c.bigUnsigned(DW_AT.DW_AT_discr_value);
}
