import type { Btf } from "../btf/btf.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import { BTF_KIND, type BtfKind, exhaustiveKind, infoKind, isCompositeKind, isModifierKind } from "../btf/kinds.js";
import { TextSink, collectText } from "./text-sink.js";

/**
 * BTF as a C header, the text of `bpftool btf dump file F format c` (bpftool 7.1; the algorithm is libbpf's
 * btf_dump.c, rewritten here).
 *
 * Two passes per root type, as libbpf:
 *
 * 1. **Order** (`orderType`): a depth-first topological sort of the type graph under C's rules. A type that is
 *    embedded (a member's type, an array's element, a typedef's target) must be *defined* before its user: a
 *    "strong" link. A named struct/union reached through a pointer only needs a forward declaration: a "weak"
 *    link, which is what breaks the cycles of self-referencing structs. Anonymous structs/unions/enums are
 *    defined inline, so a pointer to an anonymous struct does not weaken the links of that struct's members.
 *    Named definitions (structs, unions, enums, typedefs, fwds, unreferenced anonymous enums) are appended to an
 *    emit queue in dependency order.
 * 2. **Emit** (`emitType`): walks each queued type again, printing forward declarations for types that are
 *    needed while still being emitted (the struct currently open, a typedef to it), then the definition.
 *
 * Declarations (`emitTypeDecl`) push the chain of modifiers/pointers/arrays/function prototypes on a stack down to
 * a terminal type, then print it inside-out (`emitTypeChain`): `const` to the left of a base type, to the right
 * of a `*`; parentheses around pointers to arrays and to functions.
 *
 * Names: two different types with one name (`struct foo` twice, after an imperfect dedup) get `foo___2`,
 * `foo___3`, … in the order they are first printed; struct/union/enum names and typedef/enumerator names are
 * counted in two separate namespaces, as C has them.
 */

export interface DumpCOptions {
  /**
   * Print the `__VMLINUX_H__` guard and the `preserve_access_index` pragma around the types, as bpftool does.
   * Default true.
   */
  header?: boolean;
  /**
   * Dump only these types and the types they need (like `bpftool btf dump … root_id N`). Default: every type,
   * base types included for split BTF.
   */
  rootIds?: readonly number[];
  /**
   * Give enums of unusual size `__attribute__((mode(byte)))` (1 byte) or `__attribute__((mode(word)))` (an
   * 8-byte ENUM, or an ENUM64 whose values all fit 32 bits), as libbpf >= 1.2 does, so that structs holding them
   * keep their layout (Linux 6.18's `enum rw_hint` is one byte inside `struct inode`). bpftool 7.1 (libbpf 1.1)
   * prints no such attribute; `false` reproduces its output byte for byte. Default true.
   */
  enumSizeAttributes?: boolean;
  /** Non-fatal oddities (an anonymous struct loop, a kind that cannot appear in a declaration). */
  onWarning?: (message: string) => void;
}

const ORDERING = 1;
const ORDERED = 2;

const EMIT_NONE = 0;
const EMITTING = 1;
const EMITTED = 2;

/** alignCache value of a type whose alignment was not computed yet (real alignments are 0..8). */
const ALIGN_UNKNOWN = 255;

/** Longest chain of pointers/modifiers/arrays in one declaration; beyond it the BTF has a reference loop. */
const MAX_DECL_CHAIN = 1024;

/**
 * Widest hole padded with anonymous bitfields: 1 MiB, 131072 lines of `long: 64;`. Alignment holes in real structs
 * are at most a page or so; a wider one comes from a corrupt offset or size, and padding it bit by bit would print
 * gigabytes.
 */
const MAX_PAD_BITS = 8 << 20;

/** Types for explicit padding, widest first. */
const PAD_NAMES: readonly string[] = ["long", "int", "short", "char"];

/** Indentation is one tab per level, capped at 13 tabs (libbpf's PREFIXES string). */
const MAX_INDENT = 13;
const TABS: readonly string[] = Array.from({ length: MAX_INDENT + 1 }, (_, n) => "\t".repeat(n));
function pfx(lvl: number): string {
  return TABS[lvl > MAX_INDENT ? MAX_INDENT : lvl]!;
}

/** Names of INT types that tell the target's `long` size, which is its pointer size (libbpf's determine_ptr_size). */
const LONG_NAMES: ReadonlySet<string> = new Set([
  "long",
  "long int",
  "int long",
  "unsigned long",
  "long unsigned",
  "unsigned long int",
  "unsigned int long",
  "long unsigned int",
  "long int unsigned",
  "int unsigned long",
  "int long unsigned",
]);

/**
 * GCC emits typedefs to its internal `__PolyN_t` types for Arm SIMD code; those are not defined by other
 * compilers, so they are defined before first use as aliases of standard types (as libbpf does).
 */
const MISSING_BASE_TYPES: ReadonlyMap<string, string> = new Map([
  ["__Poly8_t", "unsigned char"],
  ["__Poly16_t", "unsigned short"],
  ["__Poly64_t", "unsigned long long"],
  ["__Poly128_t", "unsigned __int128"],
]);

/**
 * The pointer size of the target the BTF describes: the size of its `long` (the first one by id, base types
 * first), else 8.
 */
export function btfPointerSize(btf: Btf): number {
  const chain: Btf[] = [];
  for (let t: Btf | undefined = btf; t; t = t.base) chain.unshift(t);
  for (const t of chain) {
    for (let i = 0; i < t.count; i++) {
      const info = t.info[i]!;
      if (infoKind(info) !== BTF_KIND.INT) continue;
      const size = t.sizeType[i]!;
      if (size !== 4 && size !== 8) continue;
      if (LONG_NAMES.has(t.strings.get(t.nameOff[i]!))) return size;
    }
  }
  return 8;
}

/** The C header for `btf` as one string. For a whole kernel prefer `writeBtfAsC`, which streams. */
export function dumpBtfAsC(btf: Btf, opts: DumpCOptions = {}): string {
  return collectText((sink) => writeBtfAsCTo(btf, sink, opts));
}

/**
 * Stream the C header for `btf` to `emit` in chunks of about 64 KiB (a kernel header is ~5 MB of text).
 * Throws BtfkitError(BTF_INVALID) for a type cycle C cannot express (a struct embedding itself).
 */
export function writeBtfAsC(btf: Btf, emit: (chunk: string) => void, opts: DumpCOptions = {}): void {
  const sink = new TextSink(emit);
  writeBtfAsCTo(btf, sink, opts);
  sink.end();
}

function writeBtfAsCTo(btf: Btf, sink: TextSink, opts: DumpCOptions): void {
  for (const id of opts.rootIds ?? []) {
    if (!Number.isInteger(id) || id < 1 || id >= btf.endId) {
      throw new BtfkitError(ErrorCode.USAGE, `root type id ${id} is out of range (1..${btf.endId - 1})`);
    }
  }
  const header = opts.header ?? true;
  if (header) {
    sink.write(
      "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n" +
        "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n" +
        "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n" +
        "#endif\n\n",
    );
  }
  const dumper = new CDumper(btf, sink, opts.enumSizeAttributes ?? true, opts.onWarning);
  try {
    if (opts.rootIds) {
      for (const id of opts.rootIds) dumper.dumpType(id);
    } else {
      for (let id = 1; id < btf.endId; id++) dumper.dumpType(id);
    }
  } catch (e) {
    // The walks recurse along the type graph; only hostile input (a loop of pointers or modifiers, which no
    // compiler emits) nests deeply enough to exhaust the stack.
    if (e instanceof RangeError) {
      throw new BtfkitError(ErrorCode.BTF_INVALID, "type references nest too deeply for C output (a reference loop?)");
    }
    throw e;
  }
  if (header) {
    sink.write(
      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n",
    );
  }
}

/**
 * A view of one frame of the shared declaration stack: the ids at `stack[start .. start + cnt)`, top at the end.
 * Nested declarations (a function pointer's parameters) push their own frames above it.
 */
interface DeclFrame {
  start: number;
  cnt: number;
}

class CDumper {
  private readonly btf: Btf;
  private readonly out: TextSink;
  private readonly warn: (message: string) => void;
  private readonly ptrSize: number;
  private readonly enumSizeAttributes: boolean;
  /** Bit widths of the padding types in PAD_NAMES: long (the pointer size), int, short, char. */
  private readonly padBits: readonly number[];

  /** Per type id (0 = void included): topological-sort state (0: not ordered), emit state and flags. */
  private readonly orderState: Uint8Array;
  /**
   * Loop detection in orderType: for a non-struct type on the current path, 1 + the number of structs and unions
   * being ordered when it was entered (0 when it is not on the path).
   */
  private readonly onOrderPath: Uint32Array;
  private orderComposites = 0;
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly alignCache: Uint8Array;
  /** The `___N` name of a type whose name was taken when it was first printed. */
  private readonly uniqueNames = new Map<number, string>();
  /** Occurrences of struct/union/enum tags, and of typedef names and enumerators (C's ordinary identifiers). */
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();

  private readonly strCache = new Map<number, string>();
  private readonly emitQueue: number[] = [];
  private readonly declStack: number[] = [];
  private declCnt = 0;

  constructor(btf: Btf, out: TextSink, enumSizeAttributes: boolean, warn?: (message: string) => void) {
    this.btf = btf;
    this.enumSizeAttributes = enumSizeAttributes;
    this.out = out;
    this.warn = warn ?? (() => {});
    this.ptrSize = btfPointerSize(btf);
    const n = btf.endId;
    this.orderState = new Uint8Array(n);
    this.onOrderPath = new Uint32Array(n);
    this.emitState = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.alignCache = new Uint8Array(n).fill(ALIGN_UNKNOWN);
    const ptrBits = this.ptrSize * 8;
    this.padBits = [ptrBits, 32, 16, 8];
    this.orderState[0] = ORDERED;
    this.emitState[0] = EMITTED;
    for (let id = 1; id < n; id++) this.markReferenced(id);
  }

  /** Emit `id` and everything it needs that was not emitted yet (libbpf's btf_dump__dump_type). */
  dumpType(id: number): void {
    this.emitQueue.length = 0;
    this.orderType(id, false);
    for (const q of this.emitQueue) this.emitType(q, 0);
  }

  // ---- small accessors -------------------------------------------------------------------------------------

  private kind(id: number): BtfKind {
    return infoKind(this.btf.infoOf(id));
  }
  private named(id: number): boolean {
    return this.btf.nameOffOf(id) !== 0;
  }
  private rawName(id: number): string {
    return this.str(this.btf.nameOffOf(id));
  }
  /** A string of the string table, decoded once per offset (member names like `next` recur thousands of times). */
  private str(off: number): string {
    let s = this.strCache.get(off);
    if (s === undefined) {
      s = this.btf.strings.get(off);
      this.strCache.set(off, s);
    }
    return s;
  }
  private ref(id: number): number {
    return this.btf.sizeTypeOf(id);
  }

  /**
   * Anonymous enums come in two flavours: inline in a member's declaration, or top-level (a set of global
   * constants). Only whether anything refers to the enum tells them apart, so every referenced id is marked.
   */
  private markReferenced(id: number): void {
    const btf = this.btf;
    const kind = this.kind(id);
    switch (kind) {
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.PTR:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        this.markId(this.ref(id));
        break;
      case BTF_KIND.ARRAY:
        this.markId(btf.extraWord(id, 1));
        this.markId(btf.extraWord(id, 0));
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.DATASEC: {
        const vlen = btf.vlen(id);
        const field = kind === BTF_KIND.DATASEC ? 0 : 1;
        for (let j = 0; j < vlen; j++) this.markId(btf.extraWord(id, 3 * j + field));
        break;
      }
      case BTF_KIND.FUNC_PROTO: {
        const vlen = btf.vlen(id);
        for (let j = 0; j < vlen; j++) this.markId(btf.extraWord(id, 2 * j + 1));
        break;
      }
      case BTF_KIND.UNKN:
      case BTF_KIND.INT:
      case BTF_KIND.ENUM:
      case BTF_KIND.FWD:
      case BTF_KIND.FLOAT:
      case BTF_KIND.ENUM64:
        break; // refer to nothing
      default:
        exhaustiveKind(kind);
        break;
    }
  }
  private markId(id: number): void {
    if (id < this.referenced.length) this.referenced[id] = 1;
  }

  // ---- pass 1: ordering ------------------------------------------------------------------------------------

  /**
   * Topological sort under C's rules. Returns 1 when `id` is part of a strong link (its definition must come
   * first), 0 when a forward declaration satisfies the user. Only kinds that are (or may be) a definition of their
   * own get an order state; pointers, arrays, prototypes and modifiers are only ways to reach definitions, and
   * whether they make a link weak depends on the path, so they are walked every time.
   */
  private orderType(id: number, throughPtr: boolean): number {
    const state = this.orderState[id]!;
    if (state === ORDERED) return 1;
    const kind = this.kind(id);
    if (state === ORDERING) {
      // A loop is fine if it goes through a pointer to a named struct: that one gets a forward declaration.
      if (isCompositeKind(kind) && throughPtr && this.named(id)) return 0;
      throw new BtfkitError(ErrorCode.BTF_INVALID, "unsatisfiable type cycle: a type contains itself", { typeId: id });
    }
    if (isCompositeKind(kind)) return this.orderKind(id, kind, throughPtr);
    // Pointers, arrays, typedefs, modifiers and prototypes have no ORDERING state: they are walked again on every
    // path. A loop through a struct or union ends there (ORDERING), so meeting one of them again on the path is
    // fine when a struct or union was entered in between (`typedef struct foo foo_t` inside struct foo), and an
    // endless loop, which no C declaration can express, when none was.
    const mark = this.orderComposites + 1;
    const saved = this.onOrderPath[id]!;
    if (saved === mark) {
      throw new BtfkitError(ErrorCode.BTF_INVALID, "loop of pointers, arrays, typedefs, modifiers or prototypes", {
        typeId: id,
      });
    }
    this.onOrderPath[id] = mark;
    const strong = this.orderKind(id, kind, throughPtr);
    this.onOrderPath[id] = saved;
    return strong;
  }

  private orderKind(id: number, kind: BtfKind, throughPtr: boolean): number {
    const btf = this.btf;
    switch (kind) {
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        this.orderState[id] = ORDERED;
        return 0;
      case BTF_KIND.PTR: {
        const strong = this.orderType(this.ref(id), true);
        this.orderState[id] = ORDERED;
        return strong;
      }
      case BTF_KIND.ARRAY:
        return this.orderType(btf.extraWord(id, 0), false);
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        // Strong only when embedded (no pointer on the path) or anonymous (defined inline even behind a pointer).
        if (throughPtr && this.named(id)) return 0;
        this.orderState[id] = ORDERING;
        const vlen = btf.vlen(id);
        this.orderComposites++;
        for (let j = 0; j < vlen; j++) this.orderType(btf.extraWord(id, 3 * j + 1), false);
        this.orderComposites--;
        if (this.named(id)) this.emitQueue.push(id);
        this.orderState[id] = ORDERED;
        return 1;
      }
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FWD:
        // Named enums and unreferenced anonymous ones (global constants) are top-level definitions.
        if (this.named(id) || !this.referenced[id]) this.emitQueue.push(id);
        this.orderState[id] = ORDERED;
        return 1;
      case BTF_KIND.TYPEDEF: {
        const strong = this.orderType(this.ref(id), throughPtr);
        // Like a struct, a typedef used only through a pointer can be defined later.
        if (throughPtr && !strong) return 0;
        this.emitQueue.push(id);
        this.orderState[id] = ORDERED;
        return 1;
      }
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        return this.orderType(this.ref(id), throughPtr);
      case BTF_KIND.FUNC_PROTO: {
        let strong = this.orderType(this.ref(id), throughPtr) > 0;
        const vlen = btf.vlen(id);
        for (let j = 0; j < vlen; j++) {
          if (this.orderType(btf.extraWord(id, 2 * j + 1), throughPtr) > 0) strong = true;
        }
        return strong ? 1 : 0;
      }
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DATASEC:
      case BTF_KIND.DECL_TAG:
        // Not part of a C header (functions, variables and sections are not declared), as in bpftool.
        this.orderState[id] = ORDERED;
        return 0;
      default:
        if (kind !== BTF_KIND.UNKN) exhaustiveKind(kind);
        throw new BtfkitError(ErrorCode.UNSUPPORTED, `cannot dump kind ${kind} as C`, { typeId: id });
    }
  }

  // ---- pass 2: emitting ------------------------------------------------------------------------------------

  /** `__builtin_va_list` is a compiler built-in: redefining it breaks compilation with another compiler. */
  private isBuiltin(id: number): boolean {
    return this.named(id) && this.rawName(id) === "__builtin_va_list";
  }

  /**
   * Emit the definition of `id` and, first, what it needs. `contId` is the struct/union being defined around
   * this reference (0 at top level): a struct referring to itself needs no forward declaration.
   */
  private emitType(id: number, contId: number): void {
    const state = this.emitState[id]!;
    if (state === EMITTED) return;
    const btf = this.btf;
    const kind = this.kind(id);
    const out = this.out;

    if (state === EMITTING) {
      // Met again while being emitted: a forward declaration is needed now.
      if (this.fwdEmitted[id]) return;
      if (isCompositeKind(kind)) {
        if (id === contId) return;
        if (!this.named(id)) {
          this.warn(`anonymous struct/union loop, type [${id}]`);
          return;
        }
        this.emitStructFwd(id);
        out.write(";\n\n");
        this.fwdEmitted[id] = 1;
      } else if (kind === BTF_KIND.TYPEDEF) {
        // The typedef itself serves as a forward declaration for users through pointers.
        if (!this.isBuiltin(id)) {
          this.emitTypedefDef(id, 0);
          out.write(";\n\n");
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }

    const topLevel = contId === 0;
    switch (kind) {
      case BTF_KIND.INT: {
        const alias = this.named(id) ? MISSING_BASE_TYPES.get(this.typeName(id)) : undefined;
        if (alias !== undefined) out.write(`typedef ${alias} ${this.typeName(id)};\n\n`);
        this.emitState[id] = EMITTED;
        break;
      }
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        if (topLevel) {
          this.emitEnumDef(id, 0);
          out.write(";\n\n");
        }
        this.emitState[id] = EMITTED;
        break;
      case BTF_KIND.PTR:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        this.emitType(this.ref(id), contId);
        break;
      case BTF_KIND.ARRAY:
        this.emitType(btf.extraWord(id, 0), contId);
        break;
      case BTF_KIND.FWD:
        this.emitFwdDef(id);
        out.write(";\n\n");
        this.emitState[id] = EMITTED;
        break;
      case BTF_KIND.TYPEDEF:
        this.emitState[id] = EMITTING;
        this.emitType(this.ref(id), id);
        // Someone may have needed the typedef as a forward declaration meanwhile; then it is already out.
        if (!this.fwdEmitted[id] && !this.isBuiltin(id)) {
          this.emitTypedefDef(id, 0);
          out.write(";\n\n");
        }
        this.emitState[id] = EMITTED;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        this.emitState[id] = EMITTING;
        const named = this.named(id);
        if (topLevel || !named) {
          // All member types are printed in full here (an anonymous struct inline), so they must be ready.
          const vlen = btf.vlen(id);
          const newCont = named ? id : contId;
          for (let j = 0; j < vlen; j++) this.emitType(btf.extraWord(id, 3 * j + 1), newCont);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.emitStructFwd(id);
          out.write(";\n\n");
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, 0);
          out.write(";\n\n");
          this.emitState[id] = EMITTED;
        } else {
          this.emitState[id] = EMIT_NONE;
        }
        break;
      }
      case BTF_KIND.FUNC_PROTO: {
        this.emitType(this.ref(id), contId);
        const vlen = btf.vlen(id);
        for (let j = 0; j < vlen; j++) this.emitType(btf.extraWord(id, 2 * j + 1), contId);
        break;
      }
      default:
        break;
    }
  }

  // ---- alignment and padding -------------------------------------------------------------------------------

  /**
   * Natural alignment of a type in bytes, as libbpf's btf__align_of (0 for kinds without one). Cached per id:
   * every struct asks for the alignment of all its members, and nested structs would otherwise be walked again
   * for each container.
   */
  private alignOf(id: number): number {
    const cached = this.alignCache[id]!;
    if (cached !== ALIGN_UNKNOWN) return cached;
    const align = this.computeAlign(id);
    this.alignCache[id] = align;
    return align;
  }

  private computeAlign(id: number): number {
    const btf = this.btf;
    for (let depth = 0; depth < 64; depth++) {
      const kind = this.kind(id);
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.FLOAT:
          return Math.min(this.ptrSize, this.ref(id));
        case BTF_KIND.PTR:
          return this.ptrSize;
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.TYPE_TAG:
          id = this.ref(id);
          continue;
        case BTF_KIND.ARRAY:
          id = btf.extraWord(id, 0);
          continue;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION: {
          const vlen = btf.vlen(id);
          const kflag = btf.kflag(id);
          let maxAlign = 1;
          for (let j = 0; j < vlen; j++) {
            const mType = btf.extraWord(id, 3 * j + 1);
            const align = this.alignOf(mType);
            if (align <= 0) return 0;
            if (align > maxAlign) maxAlign = align;
            // A member off its natural alignment, or a size that is not a multiple of it, means the struct was
            // packed: its alignment is then 1.
            const offWord = btf.extraWord(id, 3 * j + 2);
            const bitSize = kflag ? offWord >>> 24 : 0;
            const bitOff = kflag ? offWord & 0xffffff : offWord;
            if (bitSize === 0 && bitOff % (8 * align) !== 0) return 1;
          }
          if (this.ref(id) % maxAlign !== 0) return 1;
          return maxAlign;
        }
        default:
          return 0;
      }
    }
    return 0;
  }

  /** True when natural alignment would not reproduce the struct's layout, so it needs `__attribute__((packed))`. */
  private isPacked(id: number): boolean {
    const btf = this.btf;
    const vlen = btf.vlen(id);
    const kflag = btf.kflag(id);
    let maxAlign = 1;
    for (let j = 0; j < vlen; j++) {
      const align = this.alignOf(btf.extraWord(id, 3 * j + 1));
      const offWord = btf.extraWord(id, 3 * j + 2);
      const bitSize = kflag ? offWord >>> 24 : 0;
      const bitOff = kflag ? offWord & 0xffffff : offWord;
      if (align && bitSize === 0 && bitOff % (8 * align) !== 0) return true;
      if (align > maxAlign) maxAlign = align;
    }
    return this.ref(id) % maxAlign !== 0;
  }

  /**
   * Fill the gap from bit `curOff` to `nextOff` with anonymous bitfields (`int: 16;`), relying on the
   * compiler's natural alignment where it gives the same result. `long: 0;` forces the alignment of a following
   * member whose own alignment is weaker than the offset it has.
   */
  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    if (curOff >= nextOff) return;
    const out = this.out;
    const padNames = PAD_NAMES;
    const padBits = this.padBits;

    // The largest padding type whose next natural boundary is not past the gap's end.
    let k = 0;
    let newOff = 0;
    for (k = 0; k < 4; k++) {
      newOff = roundUp(curOff, padBits[k]!);
      if (newOff <= nextOff) break;
    }
    if (k === 4) k = 3;
    let padName = padNames[k]!;
    let bits = padBits[k]!;

    if (newOff > curOff && newOff <= nextOff) {
      // An explicit `<type>: 0` is needed when the next member would not be aligned there by itself, or when the
      // following `<type>: N` would fit in the hole and the compiler would place it there instead. Inside a
      // bitfield run the hole is filled with an explicit bit count.
      if (
        inBitfield ||
        (newOff === nextOff && roundUp(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        out.write(`\n${pfx(lvl)}${padName}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }

    // From a boundary of the chosen type, whole `<type>: <bits>;` markers, then the smallest type for the rest.
    while (curOff !== nextOff) {
      const left = Math.min(nextOff - curOff, bits);
      if (left === bits) {
        out.write(`\n${pfx(lvl)}${padName}: ${bits};`);
        curOff += left;
        continue;
      }
      for (let s = 3; s >= 0; s--) {
        padName = padNames[s]!;
        bits = padBits[s]!;
        if (bits < left) continue;
        out.write(`\n${pfx(lvl)}${padName}: ${left};`);
        curOff += left;
        break;
      }
    }
  }

  private checkPadding(id: number, curOff: number, nextOff: number): void {
    if (nextOff - curOff > MAX_PAD_BITS) {
      throw new BtfkitError(
        ErrorCode.UNSUPPORTED,
        `a ${Math.floor((nextOff - curOff) / 8)}-byte hole at bit ${curOff} is too wide to pad in C (at most ${MAX_PAD_BITS / 8} bytes)`,
        { typeId: id },
      );
    }
  }

  // ---- definitions -----------------------------------------------------------------------------------------

  private emitStructFwd(id: number): void {
    const kw = this.kind(id) === BTF_KIND.STRUCT ? "struct" : "union";
    this.out.write(this.named(id) ? `${kw} ${this.typeName(id)}` : kw);
  }

  private emitStructDef(id: number, lvl: number): void {
    const btf = this.btf;
    const out = this.out;
    const isStruct = this.kind(id) === BTF_KIND.STRUCT;
    const vlen = btf.vlen(id);
    const kflag = btf.kflag(id);
    const size = this.ref(id);
    const align = this.alignOf(id);
    const packed = isStruct ? this.isPacked(id) : false;

    const kw = isStruct ? "struct" : "union";
    out.write(this.named(id) ? `${kw} ${this.typeName(id)} {` : `${kw} {`);

    let off = 0;
    let prevBitfield = false;
    for (let j = 0; j < vlen; j++) {
      const mName = this.str(btf.extraWord(id, 3 * j));
      const mType = btf.extraWord(id, 3 * j + 1);
      const offWord = btf.extraWord(id, 3 * j + 2);
      let mSize = kflag ? offWord >>> 24 : 0;
      const mOff = kflag ? offWord & 0xffffff : offWord;
      const mAlign = packed ? 1 : this.alignOf(mType);
      const inBitfield = prevBitfield && mSize !== 0;

      // The kernel's check for structs and unions ("Member bits_offset exceeds its struct size"); it also bounds
      // the padding below.
      if (Math.ceil(mOff / 8) > size) {
        throw new BtfkitError(
          ErrorCode.BTF_INVALID,
          `member #${j} '${mName}' at bit ${mOff} lies past the end of the ${size}-byte ${kw}`,
          { typeId: id },
        );
      }
      this.checkPadding(id, off, mOff);
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      out.write(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(mType, mName, lvl + 1);
      if (mSize) {
        out.write(`: ${mSize}`);
        off = mOff + mSize;
        prevBitfield = true;
      } else {
        mSize = Math.max(0, this.btf.resolveSize(mType, this.ptrSize));
        off = mOff + mSize * 8;
        prevBitfield = false;
      }
      out.write(";");
    }
    if (isStruct) {
      this.checkPadding(id, off, size * 8);
      this.emitBitPadding(off, size * 8, align, false, lvl + 1);
    }

    // `struct empty {}` stays on one line.
    if (vlen || size) out.write(`\n${pfx(lvl)}}`);
    else out.write("}");
    if (packed) out.write(" __attribute__((packed))");
  }

  private emitEnumFwd(id: number): void {
    this.out.write(`enum ${this.typeName(id)}`);
  }

  private emitEnumDef(id: number, lvl: number): void {
    const btf = this.btf;
    const out = this.out;
    const vlen = btf.vlen(id);
    out.write(this.named(id) ? `enum ${this.typeName(id)}` : "enum");
    if (!vlen) return;
    out.write(" {");
    const signed = btf.kflag(id);
    const is64 = this.kind(id) === BTF_KIND.ENUM64;
    const indent = pfx(lvl + 1);
    for (let j = 0; j < vlen; j++) {
      const name = this.str(btf.extraWord(id, is64 ? 3 * j : 2 * j));
      // Enumerators share C's ordinary-identifier namespace with typedef names.
      const dups = this.countName(this.identNames, name);
      const ident = dups > 1 ? `${name}___${dups}` : name;
      let value: string;
      if (is64) {
        const lo = btf.extraWord(id, 3 * j + 1);
        const hi = btf.extraWord(id, 3 * j + 2);
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        value = signed ? `${BigInt.asIntN(64, v)}LL` : `${v}ULL`;
      } else {
        const v = btf.extraWord(id, 2 * j + 1);
        value = signed ? String(v | 0) : String(v >>> 0);
      }
      out.write(`\n${indent}${ident} = ${value},`);
    }
    out.write(`\n${pfx(lvl)}}`);
    if (!this.enumSizeAttributes) return;
    const size = this.ref(id);
    if (size === 1) {
      out.write(" __attribute__((mode(byte)))");
    } else if (size === 8 && this.ptrSize === 8) {
      // An 8-byte enum is what the compiler picks by itself when a value needs the upper 32 bits; otherwise
      // (and always for a 32-bit-valued ENUM) the size has to be forced.
      let needsWord = true;
      if (is64) {
        for (let j = 0; j < vlen; j++) {
          if (btf.extraWord(id, 3 * j + 2) !== 0) {
            needsWord = false;
            break;
          }
        }
      }
      if (needsWord) out.write(" __attribute__((mode(word)))");
    }
  }

  private emitFwdDef(id: number): void {
    this.out.write(`${this.btf.kflag(id) ? "union" : "struct"} ${this.typeName(id)}`);
  }

  private emitTypedefDef(id: number, lvl: number): void {
    const name = this.identName(id);
    const target = this.ref(id);
    // Old GCCs emit `__gnuc_va_list` as a typedef of void; the valid definition is the built-in va_list.
    if (target === 0 && name === "__gnuc_va_list") {
      this.out.write("typedef __builtin_va_list __gnuc_va_list");
      return;
    }
    this.out.write("typedef ");
    this.emitTypeDecl(target, name, lvl);
  }

  // ---- declarations ----------------------------------------------------------------------------------------

  /** Declare `fname` (a member, parameter or typedef name; "" for none) of type `id`. */
  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    const stackStart = this.declCnt;
    const stack = this.declStack;
    for (;;) {
      stack[this.declCnt++] = id;
      if (id === 0) break;
      if (this.declCnt - stackStart > MAX_DECL_CHAIN) {
        throw new BtfkitError(ErrorCode.BTF_INVALID, "loop of pointers, modifiers or arrays", { typeId: id });
      }
      const kind = this.kind(id);
      if (kind === BTF_KIND.PTR || isModifierKind(kind) || kind === BTF_KIND.FUNC_PROTO) {
        id = this.ref(id);
      } else if (kind === BTF_KIND.ARRAY) {
        id = this.btf.extraWord(id, 0);
      } else {
        if (
          kind !== BTF_KIND.INT &&
          kind !== BTF_KIND.ENUM &&
          kind !== BTF_KIND.ENUM64 &&
          kind !== BTF_KIND.FWD &&
          kind !== BTF_KIND.STRUCT &&
          kind !== BTF_KIND.UNION &&
          kind !== BTF_KIND.TYPEDEF &&
          kind !== BTF_KIND.FLOAT
        ) {
          this.warn(`unexpected kind ${kind} in a declaration, type [${id}]`);
        }
        break;
      }
    }
    this.emitTypeChain({ start: stackStart, cnt: this.declCnt - stackStart }, fname, lvl);
    this.declCnt = stackStart;
  }

  private top(frame: DeclFrame): number {
    return this.declStack[frame.start + frame.cnt - 1]!;
  }

  /** Print the `const`/`volatile`/`restrict` on top of the frame, to the left of a base type. */
  private emitMods(frame: DeclFrame): void {
    while (frame.cnt) {
      const kind = this.kind(this.top(frame));
      if (kind === BTF_KIND.VOLATILE) this.out.write("volatile ");
      else if (kind === BTF_KIND.CONST) this.out.write("const ");
      else if (kind === BTF_KIND.RESTRICT) this.out.write("restrict ");
      else return;
      frame.cnt--;
    }
  }

  /** Drop modifiers C has no place for (GCC puts `const` on arrays of const, `volatile` on noreturn functions). */
  private dropMods(frame: DeclFrame): void {
    while (frame.cnt && isModifierKind(this.kind(this.top(frame)))) frame.cnt--;
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    if (name !== "") this.out.write(lastWasPtr ? name : ` ${name}`);
  }

  /** Print the declaration on the frame, innermost (the base type) first; consumes the frame. */
  private emitTypeChain(frame: DeclFrame, fname: string, lvl: number): void {
    const btf = this.btf;
    const out = this.out;
    // Whether the previous token was `*`, so that `int ***p` has no spaces between the stars.
    let lastWasPtr = true;
    while (frame.cnt) {
      const id = this.declStack[frame.start + --frame.cnt]!;
      if (id === 0) {
        this.emitMods(frame);
        out.write("void");
        lastWasPtr = false;
        continue;
      }
      const kind = this.kind(id);
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
          this.emitMods(frame);
          out.write(this.rawName(id));
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          this.emitMods(frame);
          if (!this.named(id)) this.emitStructDef(id, lvl);
          else this.emitStructFwd(id);
          break;
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
          this.emitMods(frame);
          if (!this.named(id)) this.emitEnumDef(id, lvl);
          else this.emitEnumFwd(id);
          break;
        case BTF_KIND.FWD:
          this.emitMods(frame);
          this.emitFwdDef(id);
          break;
        case BTF_KIND.TYPEDEF:
          this.emitMods(frame);
          out.write(this.identName(id));
          break;
        case BTF_KIND.PTR:
          out.write(lastWasPtr ? "*" : " *");
          break;
        case BTF_KIND.VOLATILE:
          out.write(" volatile");
          break;
        case BTF_KIND.CONST:
          out.write(" const");
          break;
        case BTF_KIND.RESTRICT:
          out.write(" restrict");
          break;
        case BTF_KIND.TYPE_TAG:
          this.emitMods(frame);
          out.write(` __attribute__((btf_type_tag("${this.rawName(id)}")))`);
          break;
        case BTF_KIND.ARRAY: {
          const nelems = btf.extraWord(id, 2);
          this.dropMods(frame);
          if (frame.cnt === 0) {
            this.emitName(fname, lastWasPtr);
            out.write(`[${nelems}]`);
            return;
          }
          const multidim = this.kind(this.top(frame)) === BTF_KIND.ARRAY;
          if (fname !== "" && !lastWasPtr) out.write(" ");
          // `(*p)[4]` for a pointer to an array; `a[2][3]` needs no parentheses.
          if (!multidim) out.write("(");
          this.emitTypeChain(frame, fname, lvl);
          if (!multidim) out.write(")");
          out.write(`[${nelems}]`);
          return;
        }
        case BTF_KIND.FUNC_PROTO: {
          this.dropMods(frame);
          if (frame.cnt) {
            out.write(" (");
            this.emitTypeChain(frame, fname, lvl);
            out.write(")");
          } else {
            this.emitName(fname, lastWasPtr);
          }
          out.write("(");
          const vlen = btf.vlen(id);
          // No parameters, or a single void one (as clang writes `f(void)` for BPF), is `(void)`.
          if (vlen === 0 || (vlen === 1 && btf.extraWord(id, 1) === 0)) {
            out.write("void)");
            return;
          }
          for (let j = 0; j < vlen; j++) {
            if (j > 0) out.write(", ");
            const pType = btf.extraWord(id, 2 * j + 1);
            // A trailing void parameter marks a variadic function.
            if (j === vlen - 1 && pType === 0) {
              out.write("...");
              break;
            }
            this.emitTypeDecl(pType, this.str(btf.extraWord(id, 2 * j)), lvl);
          }
          out.write(")");
          return;
        }
        default:
          this.warn(`unexpected kind ${kind} in a declaration, type [${id}]`);
          return;
      }
      lastWasPtr = kind === BTF_KIND.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  // ---- unique names ----------------------------------------------------------------------------------------

  /** Count one more occurrence of `name` in `map`; returns the count including this one. */
  private countName(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  /**
   * The name `id` is printed with: its own, or `name___N` when N-1 other types with that name in the same
   * namespace were printed before. Fixed at first use. Forward declarations and empty enums (forward enum
   * declarations) never claim a name, since they do not define anything.
   */
  private resolveName(id: number, map: Map<string, number>): string {
    if (!this.named(id)) return "";
    const orig = this.rawName(id);
    if (this.nameResolved[id]) return this.uniqueNames.get(id) ?? orig;
    this.nameResolved[id] = 1;
    const kind = this.kind(id);
    if (kind === BTF_KIND.FWD || (kind === BTF_KIND.ENUM && this.btf.vlen(id) === 0)) return orig;
    const dups = this.countName(map, orig);
    if (dups > 1) {
      const unique = `${orig}___${dups}`;
      this.uniqueNames.set(id, unique);
      return unique;
    }
    return orig;
  }
  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }
  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}
