import type { Btf } from "../btf/btf.js";
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND,
  exhaustiveKind,
  isCompositeKind,
  intBits,
  intEncoding,
  intOffset,
  kindName,
  memberBitOffset,
  memberBitfieldSize,
} from "../btf/kinds.js";

/**
 * Canonical structural forms of BTF types, independent of type ids and string offsets, so that two BTFs can be
 * compared by meaning.
 *
 * A *reference* to a type renders as:
 * - a named STRUCT/UNION/ENUM/ENUM64/FWD/TYPEDEF/INT/FLOAT by kind and name only (`struct foo`, `typedef u32`,
 *   `int 'unsigned int'`); a FWD renders exactly like the aggregate it declares (`struct foo`), and an ENUM64 like
 *   an ENUM (`enum foo`), because in C both name the same type — the FWD/ENUM64 roots still count per kind;
 * - FUNC, VAR and DATASEC by kind and name (`func f`), DECL_TAG by its tag name;
 * - anything anonymous structurally: `*T`, `const T`, `volatile T`, `restrict T`, `type_tag(x) T`, `[n]T` (the
 *   index type is ignored: producers disagree on it and it carries no meaning), a FUNC_PROTO as
 *   `fn {a T; b U; return R}`, an anonymous STRUCT/UNION/ENUM expanded in full.
 *
 * A *root* (every named STRUCT/UNION/ENUM/ENUM64/FWD/TYPEDEF/INT/FLOAT, every FUNC, VAR, DATASEC and DECL_TAG) has
 * a key (`struct foo`) that pairs it with its namesake in the other BTF, and a shape: attributes (size, encoding,
 * linkage) and an ordered item list (members, enumerators, parameters, datasec entries). The canonical form is the
 * shape rendered as one string; two roots are equal by meaning when their forms are equal.
 *
 * Struct members are compared as (name, type reference, bit offset, bitfield width); an old-style bitfield
 * (kind_flag 0, width in the member's INT encoding) is normalised to that form, so both encodings of one C bitfield
 * compare equal. Known limit: a reference by name cannot tell two different `struct foo` of one kernel apart — a
 * member pointing at the "other" foo still matches; the foos themselves are matched as a multiset.
 *
 * Forms are memoised per type id. An anonymous type's form depends only on the types it reaches up to the first
 * named ones, so memoising by id is exact — except inside a reference loop through anonymous types (impossible in
 * C, possible in hostile BTF), which renders as `<loop>` and is not memoised.
 */

/** One entry of a shape's item list: a member, enumerator, parameter, datasec entry or referenced type. */
export interface ShapeItem {
  /** What identifies the item inside its parent: member or parameter name, `(anon N)`, `return`, `type`. */
  label: string;
  /** The item's canonical text (its type reference, offset, value). */
  text: string;
  /** The type the item refers to (0 when none), so a difference can be followed into anonymous aggregates. */
  typeId: number;
}

/** The structure of a root or of an anonymous aggregate. */
export interface Shape {
  /** Kind and name: `struct foo`, `struct` (anonymous), `func bar`, `int 'long int'`. */
  head: string;
  /** Attributes compared as a list: `size=8`, `signed`, `linkage=global`. */
  attrs: string[];
  /** Word naming the items in messages: `member`, `value`, `param`, `entry` (or "" for a single target). */
  itemWord: string;
  items: ShapeItem[];
}

/** Nesting limit for anonymous types inside one form: deeper input is hostile or broken, not C. */
const MAX_ANON_DEPTH = 128;

/** Root categories, the rows of a diff: the BTF kind of the root. */
export const ROOT_KINDS: readonly number[] = [
  BTF_KIND.STRUCT,
  BTF_KIND.UNION,
  BTF_KIND.ENUM,
  BTF_KIND.ENUM64,
  BTF_KIND.FWD,
  BTF_KIND.TYPEDEF,
  BTF_KIND.INT,
  BTF_KIND.FLOAT,
  BTF_KIND.FUNC,
  BTF_KIND.VAR,
  BTF_KIND.DATASEC,
  BTF_KIND.DECL_TAG,
];

/** Serialise a shape as the canonical string compared between BTFs. */
export function shapeToString(s: Shape): string {
  let out = s.head;
  for (const a of s.attrs) out += " " + a;
  if (s.items.length === 0 && s.itemWord !== "member" && s.itemWord !== "value") return out;
  out += " {";
  for (let k = 0; k < s.items.length; k++) {
    const it = s.items[k]!;
    if (k > 0) out += "; ";
    out += it.text === "" ? it.label : it.label + " " + it.text;
  }
  return out + "}";
}

export class CanonicalForms {
  readonly btf: Btf;
  /** Memoised reference strings, indexed by type id (base ids included). */
  private readonly refMemo: (string | undefined)[];
  /** 1 while the type's reference is being rendered: meeting it again is a loop. */
  private readonly inProgress: Uint8Array;
  private depth = 0;
  /** Counts loops met; a form rendered while this changed is incomplete and not memoised. */
  private loopsSeen = 0;

  constructor(btf: Btf) {
    this.btf = btf;
    this.refMemo = new Array<string | undefined>(btf.endId);
    this.inProgress = new Uint8Array(btf.endId);
  }

  /** True if `id` is a root: it gets its own row in a diff. */
  isRoot(id: number): boolean {
    const btf = this.btf;
    const kind = btf.kind(id);
    switch (kind) {
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FWD:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        return hasName(btf, id);
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DATASEC:
      case BTF_KIND.DECL_TAG:
        return true;
      case BTF_KIND.UNKN:
      case BTF_KIND.PTR:
      case BTF_KIND.ARRAY:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC_PROTO:
      case BTF_KIND.TYPE_TAG:
        return false;
      default:
        exhaustiveKind(kind);
        return false;
    }
  }

  /**
   * The key pairing a root with its namesake in another BTF: kind and name (`struct foo`, `fwd union bar`,
   * `enum64 e`), or for a DECL_TAG the tag, its target's reference and component.
   */
  rootKey(id: number): string {
    const btf = this.btf;
    const kind = btf.kind(id);
    switch (kind) {
      case BTF_KIND.FWD:
        return (btf.kflag(id) ? "fwd union " : "fwd struct ") + btf.name(id);
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        return kindWord(kind) + " '" + btf.name(id) + "'";
      case BTF_KIND.DECL_TAG:
        return this.declTagKey(id);
      default:
        return kindWord(kind) + " " + btf.name(id);
    }
  }

  /** The canonical form of a root: its shape as one string. */
  rootForm(id: number): string {
    return shapeToString(this.shape(id));
  }

  /** How `id` is written when another type refers to it. */
  ref(id: number): string {
    if (id === 0) return "void";
    if (!this.btf.hasId(id)) return `<bad id ${id}>`;
    const memo = this.refMemo[id];
    if (memo !== undefined) return memo;
    if (this.inProgress[id] === 1) {
      this.loopsSeen++;
      return "<loop>";
    }
    if (this.depth >= MAX_ANON_DEPTH) {
      this.loopsSeen++;
      return "<too deep>";
    }
    const loopsBefore = this.loopsSeen;
    this.inProgress[id] = 1;
    this.depth++;
    let s: string;
    try {
      s = this.renderRef(id);
    } finally {
      this.depth--;
      this.inProgress[id] = 0;
    }
    if (this.loopsSeen === loopsBefore) this.refMemo[id] = s;
    return s;
  }

  private renderRef(id: number): string {
    const btf = this.btf;
    const kind = btf.kind(id);
    const named = hasName(btf, id);
    switch (kind) {
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DATASEC:
        return named ? kindWord(kind) + " " + btf.name(id) : shapeToString(this.shape(id));
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        return named ? "enum " + btf.name(id) : shapeToString(this.shape(id));
      case BTF_KIND.FWD:
        return named ? (btf.kflag(id) ? "union " : "struct ") + btf.name(id) : shapeToString(this.shape(id));
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
        return named ? kindWord(kind) + " '" + btf.name(id) + "'" : shapeToString(this.shape(id));
      case BTF_KIND.PTR:
        return "*" + this.ref(btf.sizeTypeOf(id));
      case BTF_KIND.CONST:
        return "const " + this.ref(btf.sizeTypeOf(id));
      case BTF_KIND.VOLATILE:
        return "volatile " + this.ref(btf.sizeTypeOf(id));
      case BTF_KIND.RESTRICT:
        return "restrict " + this.ref(btf.sizeTypeOf(id));
      case BTF_KIND.TYPE_TAG:
        return (btf.kflag(id) ? "type_attr(" : "type_tag(") + btf.name(id) + ") " + this.ref(btf.sizeTypeOf(id));
      case BTF_KIND.ARRAY:
        return "[" + btf.extraWord(id, 2) + "]" + this.ref(btf.extraWord(id, 0));
      case BTF_KIND.FUNC_PROTO:
        return shapeToString(this.shape(id));
      case BTF_KIND.DECL_TAG:
        return "decl_tag " + btf.name(id);
      case BTF_KIND.UNKN:
        return "unkn " + btf.name(id);
      default:
        return kindName(exhaustiveKind(kind)).toLowerCase() + " " + btf.name(id);
    }
  }

  /**
   * The shape of a root or of an anonymous aggregate / function prototype. Item texts are references, so a
   * shape costs one string per item on top of the memoised references.
   */
  shape(id: number): Shape {
    const btf = this.btf;
    const kind = btf.kind(id);
    const name = btf.name(id);
    const vlen = btf.vlen(id);
    switch (kind) {
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        const kflag = btf.kflag(id);
        const items: ShapeItem[] = new Array(vlen);
        let anon = 0;
        for (let k = 0; k < vlen; k++) {
          const mName = btf.strings.get(btf.extraWord(id, 3 * k));
          const mType = btf.extraWord(id, 3 * k + 1);
          const offWord = btf.extraWord(id, 3 * k + 2);
          let bitOff = memberBitOffset(offWord, kflag);
          let bits = memberBitfieldSize(offWord, kflag);
          if (!kflag) {
            // Old-style bitfields: the width sits in the member's INT encoding. Normalise to the kflag form so that
            // both encodings of the same C bitfield compare equal.
            if (btf.hasId(mType) && btf.kind(mType) === BTF_KIND.INT) {
              const enc = btf.extraWord(mType, 0);
              if (intBits(enc) !== btf.sizeTypeOf(mType) * 8 || intOffset(enc) !== 0) {
                bits = intBits(enc);
                bitOff += intOffset(enc);
              }
            }
          }
          items[k] = {
            label: mName === "" ? `(anon ${++anon})` : mName,
            text: this.ref(mType) + " @" + bitOff + (bits !== 0 ? ":" + bits : ""),
            typeId: mType,
          };
        }
        return { head: headOf(kindWord(kind), name), attrs: ["size=" + btf.sizeTypeOf(id)], itemWord: "member", items };
      }
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: {
        const signed = btf.kflag(id);
        const items: ShapeItem[] = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          let value: string;
          if (kind === BTF_KIND.ENUM) {
            const w = btf.extraWord(id, 2 * k + 1);
            value = String(signed ? w | 0 : w >>> 0);
          } else {
            const lo = btf.extraWord(id, 3 * k + 1);
            const hi = btf.extraWord(id, 3 * k + 2);
            const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
            value = String(signed ? BigInt.asIntN(64, v) : v);
          }
          items[k] = {
            label: btf.strings.get(btf.extraWord(id, (kind === BTF_KIND.ENUM ? 2 : 3) * k)),
            text: "= " + value,
            typeId: 0,
          };
        }
        return {
          head: headOf(kindWord(kind), name),
          attrs: ["size=" + btf.sizeTypeOf(id), signed ? "signed" : "unsigned"],
          itemWord: "value",
          items,
        };
      }
      case BTF_KIND.FWD:
        return { head: headOf(btf.kflag(id) ? "fwd union" : "fwd struct", name), attrs: [], itemWord: "", items: [] };
      case BTF_KIND.TYPEDEF: {
        const t = btf.sizeTypeOf(id);
        return {
          head: headOf("typedef", name),
          attrs: [],
          itemWord: "",
          items: [{ label: "type", text: this.ref(t), typeId: t }],
        };
      }
      case BTF_KIND.INT: {
        const enc = btf.extraWord(id, 0);
        const e = intEncoding(enc);
        const attrs = ["size=" + btf.sizeTypeOf(id), "bits=" + intBits(enc)];
        if (intOffset(enc) !== 0) attrs.push("offset=" + intOffset(enc));
        attrs.push(e & BTF_INT_SIGNED ? "signed" : "unsigned");
        if (e & BTF_INT_CHAR) attrs.push("char");
        if (e & BTF_INT_BOOL) attrs.push("bool");
        if (e & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL)) attrs.push("encoding=" + e);
        return { head: "int '" + name + "'", attrs, itemWord: "", items: [] };
      }
      case BTF_KIND.FLOAT:
        return { head: "float '" + name + "'", attrs: ["size=" + btf.sizeTypeOf(id)], itemWord: "", items: [] };
      case BTF_KIND.FUNC_PROTO:
        return { head: "fn", attrs: [], itemWord: "param", items: this.protoItems(id) };
      case BTF_KIND.FUNC: {
        const proto = btf.sizeTypeOf(id);
        const items =
          btf.hasId(proto) && btf.kind(proto) === BTF_KIND.FUNC_PROTO
            ? this.protoItems(proto)
            : [{ label: "type", text: this.ref(proto), typeId: proto }];
        return {
          head: headOf("func", name),
          attrs: ["linkage=" + funcLinkage(btf.vlen(id))],
          itemWord: "param",
          items,
        };
      }
      case BTF_KIND.VAR: {
        const t = btf.sizeTypeOf(id);
        return {
          head: headOf("var", name),
          attrs: ["linkage=" + varLinkage(btf.extraWord(id, 0))],
          itemWord: "",
          items: [{ label: "type", text: this.ref(t), typeId: t }],
        };
      }
      case BTF_KIND.DATASEC: {
        const items: ShapeItem[] = new Array(vlen);
        for (let k = 0; k < vlen; k++) {
          const t = btf.extraWord(id, 3 * k);
          const label =
            btf.hasId(t) && (btf.kind(t) === BTF_KIND.VAR || btf.kind(t) === BTF_KIND.FUNC) ? btf.name(t) : this.ref(t);
          items[k] = {
            label,
            text: "@" + btf.extraWord(id, 3 * k + 1) + " size=" + btf.extraWord(id, 3 * k + 2),
            typeId: t,
          };
        }
        return { head: headOf("datasec", name), attrs: ["size=" + btf.sizeTypeOf(id)], itemWord: "entry", items };
      }
      case BTF_KIND.DECL_TAG:
        return { head: this.declTagKey(id), attrs: [], itemWord: "", items: [] };
      case BTF_KIND.UNKN:
      case BTF_KIND.PTR:
      case BTF_KIND.ARRAY:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        // Reference kinds have no shape of their own; give them one item so callers can still compare them.
        return {
          head: kindWord(kind),
          attrs: [],
          itemWord: "",
          items: [{ label: "type", text: this.ref(id), typeId: id }],
        };
      default:
        exhaustiveKind(kind);
        return {
          head: kindWord(kind),
          attrs: [],
          itemWord: "",
          items: [{ label: "type", text: this.ref(id), typeId: id }],
        };
    }
  }

  private protoItems(proto: number): ShapeItem[] {
    const btf = this.btf;
    const vlen = btf.vlen(proto);
    const items: ShapeItem[] = new Array(vlen + 1);
    for (let k = 0; k < vlen; k++) {
      const pName = btf.strings.get(btf.extraWord(proto, 2 * k));
      const pType = btf.extraWord(proto, 2 * k + 1);
      // A trailing unnamed void parameter marks a variadic function.
      if (pType === 0 && pName === "" && k === vlen - 1) items[k] = { label: "...", text: "", typeId: 0 };
      else items[k] = { label: pName === "" ? `#${k}` : pName, text: this.ref(pType), typeId: pType };
    }
    const ret = btf.sizeTypeOf(proto);
    items[vlen] = { label: "return", text: this.ref(ret), typeId: ret };
    return items;
  }

  private declTagKey(id: number): string {
    const btf = this.btf;
    const target = btf.sizeTypeOf(id);
    const component = btf.extraWord(id, 0) | 0;
    let where = "";
    if (component >= 0 && btf.hasId(target)) {
      const tk = btf.kind(target);
      let label = "";
      if (isCompositeKind(tk) && component < btf.vlen(target)) {
        label = btf.strings.get(btf.extraWord(target, 3 * component));
      } else if (tk === BTF_KIND.FUNC) {
        const proto = btf.sizeTypeOf(target);
        if (btf.hasId(proto) && btf.kind(proto) === BTF_KIND.FUNC_PROTO && component < btf.vlen(proto)) {
          label = btf.strings.get(btf.extraWord(proto, 2 * component));
        }
      }
      where = ` #${component}${label === "" ? "" : "(" + label + ")"}`;
    }
    return (btf.kflag(id) ? "decl_attr " : "decl_tag ") + btf.name(id) + " on " + this.ref(target) + where;
  }
}

/** True if `id` has a non-empty name (a name offset that points at an empty string counts as anonymous, as in libbpf). */
export function hasName(btf: Btf, id: number): boolean {
  const off = btf.nameOffOf(id);
  return off !== 0 && btf.strings.lengthAt(off) > 0;
}

function headOf(word: string, name: string): string {
  return name === "" ? word : word + " " + name;
}

/** Lower-case C-ish word for a kind, as used in keys and references. */
export function kindWord(kind: number): string {
  switch (kind) {
    case BTF_KIND.FUNC_PROTO:
      return "fn";
    case BTF_KIND.DECL_TAG:
      return "decl_tag";
    case BTF_KIND.TYPE_TAG:
      return "type_tag";
    default:
      return kindName(kind).toLowerCase();
  }
}

function funcLinkage(v: number): string {
  return v === 0 ? "static" : v === 1 ? "global" : v === 2 ? "extern" : String(v);
}
function varLinkage(v: number): string {
  return v === 0 ? "static" : v === 1 ? "global" : v === 2 ? "extern" : String(v);
}
