/**
 * Where two type graphs first differ: the answer to "why are there two `struct foo`?" and "why did this module
 * type not fold into the base's?".
 *
 * The walk compares the two graphs the way the dedup's equivalence check does (docs/dedup.md §6): a pair of types
 * is the same when kind, name and the kind's own fields (size, encoding, member names and offsets, enumerators,
 * element counts, parameter names) are equal and every referenced pair is again the same. A FWD and a STRUCT/UNION
 * of the same name and flavour count as the same (the dedup resolves the FWD), and an ENUM with no enumerators
 * matches any ENUM/ENUM64 of its name. Pairs already under comparison count as the same, so cycles through
 * pointers end. The walk is depth-first in member order, so "first" means the first difference in declaration
 * order, like the dedup's own walk. As in the dedup, each type of the first graph pairs with one type of the
 * second: when the second graph holds two ids for what the first has as one type, the two must be identical
 * (same shape down to equal ids, at most 16 levels deep, libbpf ≥1.6's check); otherwise that is the difference.
 * This is the usual reason a module's copy of a big kernel struct does not fold into the base: the module holds
 * several copies of some type it reaches, and the dedup cannot prove them identical.
 *
 * Works on any `Btf` (ids of a split table and its base together); nothing here is on the dedup's hot path.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_KIND,
  isCompositeKind,
  infoKflag,
  infoKind,
  infoVlen,
  intBits,
  intEncoding,
  intOffset,
  kindName,
  memberBitOffset,
  memberBitfieldSize,
} from "../btf/kinds.js";

const K = BTF_KIND;

export interface Divergence {
  /** Where: the root, then `.member` steps and ` -> struct x` at each named struct/union/typedef entered. */
  path: string;
  /** What differs there, e.g. `type int vs long`, `size 16 vs 24`. */
  difference: string;
  /** The two type ids compared at that point (first graph, second graph). */
  ids: [number, number];
  /**
   * When the difference is a type of the first graph matched with two non-identical types of the second: where
   * those two differ, or `sameShape` when they are copies of one shape that the bounded identical check cannot prove.
   */
  copies?: { path: string; difference: string } | { sameShape: true };
}

export interface GraphComparison {
  /** The first difference, or undefined when the two graphs have the same shape. */
  divergence?: Divergence;
  /**
   * Same shape but one side reaches only a forward declaration where the other has the definition (first such
   * place). In split BTF this is why an own struct cannot fold into a base struct whose graph has a base FWD.
   */
  forwardOnly?: { path: string; side: "first" | "second"; type: string };
  /** Type pairs compared. */
  pairs: number;
}

/** Stop after this many pairs: a comparison of two whole kernels' worth of graph says nothing useful. */
const MAX_PAIRS = 1_000_000;

/**
 * Compare the graphs rooted at `a` and `b` of `btf`. When one type of the first graph meets two non-identical types
 * of the second, those two are compared in turn (unless `nested`), to say whether they differ in shape or are two
 * copies of one shape that the bounded identical-types check cannot prove equal.
 */
export function compareGraphs(btf: Btf, a: number, b: number, nested = false): GraphComparison {
  // Path nodes: the text each step adds, and its parent (-1 at the root).
  const stepText: string[] = [];
  const stepParent: number[] = [];
  const addStep = (parent: number, text: string): number => {
    stepText.push(text);
    stepParent.push(parent);
    return stepText.length - 1;
  };
  const pathOf = (node: number): string => {
    const parts: string[] = [];
    for (let p = node; p >= 0; p = stepParent[p]!) parts.push(stepText[p]!);
    return parts.reverse().join("");
  };
  // Type of the second graph each type of the first is paired with (the dedup's hypothetical map).
  const pairedWith = new Map<number, number>();
  const stack: Array<[number, number, number]> = [[a, b, addStep(-1, typeLabel(btf, a))]];
  const result: GraphComparison = { pairs: 0 };
  const differ = (
    node: number,
    x: number,
    y: number,
    difference: string,
    copies?: Divergence["copies"],
  ): GraphComparison => {
    result.divergence = { path: pathOf(node), difference, ids: [x, y] };
    if (copies) result.divergence.copies = copies;
    return result;
  };
  while (stack.length > 0) {
    const [x, y, node] = stack.pop()!;
    if (x === y) continue;
    const prev = pairedWith.get(x);
    if (prev === y) continue;
    if (prev !== undefined) {
      if (identical(btf, prev, y, IDENTICAL_DEPTH)) continue;
      let copies: Divergence["copies"];
      if (!nested) {
        const inner = compareGraphs(btf, prev, y, true).divergence;
        copies = inner ? { path: inner.path, difference: inner.difference } : { sameShape: true };
      }
      return differ(
        node,
        x,
        y,
        `${typeLabel(btf, x)} [${x}] is matched with two types that are not identical: [${prev}] and [${y}]`,
        copies,
      );
    }
    pairedWith.set(x, y);
    if (++result.pairs > MAX_PAIRS) break;
    const ix = btf.infoOf(x),
      iy = btf.infoOf(y);
    const kx = infoKind(ix),
      ky = infoKind(iy);
    const nx = btf.name(x),
      ny = btf.name(y);
    if (nx !== ny) return differ(node, x, y, `type ${typeLabel(btf, x)} vs ${typeLabel(btf, y)}`);
    // A forward declaration against a definition of the same flavour: the same type as far as the dedup goes.
    if ((kx === K.FWD) !== (ky === K.FWD) && (isCompositeKind(kx) || isCompositeKind(ky))) {
      const fwdIsUnion = kx === K.FWD ? infoKflag(ix) : infoKflag(iy);
      const other = kx === K.FWD ? ky : kx;
      if ((other === K.UNION) !== fwdIsUnion || !isCompositeKind(other)) {
        return differ(node, x, y, `type ${typeLabel(btf, x)} vs ${typeLabel(btf, y)}`);
      }
      result.forwardOnly ??= {
        path: pathOf(node),
        side: kx === K.FWD ? "first" : "second",
        type: typeLabel(btf, kx === K.FWD ? y : x),
      };
      continue;
    }
    const enums = (kx === K.ENUM || kx === K.ENUM64) && (ky === K.ENUM || ky === K.ENUM64);
    if (kx !== ky && !enums) return differ(node, x, y, `type ${typeLabel(btf, x)} vs ${typeLabel(btf, y)}`);
    const vx = infoVlen(ix),
      vy = infoVlen(iy);
    const label = typeLabel(btf, x);
    switch (kx) {
      case K.INT: {
        const sx = btf.sizeTypeOf(x),
          sy = btf.sizeTypeOf(y);
        if (sx !== sy) return differ(node, x, y, `${label}: size ${sx} vs ${sy}`);
        const wx = btf.extraWord(x, 0),
          wy = btf.extraWord(y, 0);
        if (intEncoding(wx) !== intEncoding(wy))
          return differ(node, x, y, `${label}: encoding ${intEncodingName(wx)} vs ${intEncodingName(wy)}`);
        if (intBits(wx) !== intBits(wy)) return differ(node, x, y, `${label}: ${intBits(wx)} bits vs ${intBits(wy)}`);
        if (intOffset(wx) !== intOffset(wy))
          return differ(node, x, y, `${label}: bit offset ${intOffset(wx)} vs ${intOffset(wy)}`);
        break;
      }
      case K.FLOAT: {
        const sx = btf.sizeTypeOf(x),
          sy = btf.sizeTypeOf(y);
        if (sx !== sy) return differ(node, x, y, `${label}: size ${sx} vs ${sy}`);
        break;
      }
      case K.FWD:
        if (ix !== iy) return differ(node, x, y, `type ${typeLabel(btf, x)} vs ${typeLabel(btf, y)}`);
        break;
      case K.ENUM:
      case K.ENUM64: {
        if (vx === 0 || vy === 0) break; // a forward enum matches any enum of its name
        if (kx !== ky) return differ(node, x, y, `type ${kindName(kx)} vs ${kindName(ky)}`);
        const sx = btf.sizeTypeOf(x),
          sy = btf.sizeTypeOf(y);
        if (sx !== sy) return differ(node, x, y, `${label}: size ${sx} vs ${sy}`);
        if (ix !== iy && vx === vy)
          return differ(
            node,
            x,
            y,
            `${label}: ${infoKflag(ix) ? "signed" : "unsigned"} vs ${infoKflag(iy) ? "signed" : "unsigned"}`,
          );
        const words = kx === K.ENUM ? 2 : 3;
        const value = (id: number, k: number): bigint =>
          words === 2
            ? BigInt(btf.extraWord(id, 2 * k + 1))
            : (BigInt(btf.extraWord(id, 3 * k + 2)) << 32n) | BigInt(btf.extraWord(id, 3 * k + 1));
        for (let k = 0; k < Math.min(vx, vy); k++) {
          const ex = btf.strings.get(btf.extraWord(x, words * k)),
            ey = btf.strings.get(btf.extraWord(y, words * k));
          if (ex !== ey) return differ(node, x, y, `${label}: enumerator ${k} is ${ex} vs ${ey}`);
          if (value(x, k) !== value(y, k))
            return differ(node, x, y, `${label}: ${ex} = ${value(x, k)} vs ${value(y, k)}`);
        }
        if (vx !== vy) return differ(node, x, y, `${label}: ${vx} enumerators vs ${vy}`);
        break;
      }
      case K.STRUCT:
      case K.UNION: {
        const sx = btf.sizeTypeOf(x),
          sy = btf.sizeTypeOf(y);
        if (sx !== sy) return differ(node, x, y, `size ${sx} vs ${sy}`);
        const kfx = infoKflag(ix),
          kfy = infoKflag(iy);
        for (let k = 0; k < Math.min(vx, vy); k++) {
          const mx = memberName(btf, x, k),
            my = memberName(btf, y, k);
          if (mx !== my) return differ(node, x, y, `member ${k} is ${mx} vs ${my}`);
          const ox = btf.extraWord(x, 3 * k + 2),
            oy = btf.extraWord(y, 3 * k + 2);
          if (memberBitOffset(ox, kfx) !== memberBitOffset(oy, kfy)) {
            return differ(node, x, y, `.${mx}: bit offset ${memberBitOffset(ox, kfx)} vs ${memberBitOffset(oy, kfy)}`);
          }
          if (memberBitfieldSize(ox, kfx) !== memberBitfieldSize(oy, kfy)) {
            return differ(
              node,
              x,
              y,
              `.${mx}: bitfield size ${memberBitfieldSize(ox, kfx)} vs ${memberBitfieldSize(oy, kfy)}`,
            );
          }
        }
        if (vx !== vy) {
          const [more, which] = vx > vy ? [x, "first"] : [y, "second"];
          return differ(
            node,
            x,
            y,
            `${vx} members vs ${vy} (.${memberName(btf, more, Math.min(vx, vy))} only in the ${which})`,
          );
        }
        if (ix !== iy) return differ(node, x, y, `kind_flag ${kfx ? 1 : 0} vs ${kfy ? 1 : 0}`);
        for (let k = vx - 1; k >= 0; k--) {
          const tx = btf.extraWord(x, 3 * k + 1),
            ty = btf.extraWord(y, 3 * k + 1);
          stack.push([tx, ty, stepInto(btf, addStep(node, `.${memberName(btf, x, k)}`), tx, addStep)]);
        }
        break;
      }
      case K.TYPEDEF:
      case K.PTR:
      case K.CONST:
      case K.VOLATILE:
      case K.RESTRICT:
      case K.TYPE_TAG:
      case K.FUNC:
      case K.VAR: {
        if (ix !== iy) return differ(node, x, y, `${label}: info 0x${ix.toString(16)} vs 0x${iy.toString(16)}`);
        const tx = btf.sizeTypeOf(x),
          ty = btf.sizeTypeOf(y);
        stack.push([tx, ty, stepInto(btf, node, tx, addStep)]);
        break;
      }
      case K.ARRAY: {
        const cx = btf.extraWord(x, 2),
          cy = btf.extraWord(y, 2);
        if (cx !== cy) return differ(node, x, y, `array length ${cx} vs ${cy}`);
        const ex = btf.extraWord(x, 0),
          ey = btf.extraWord(y, 0);
        const dx = btf.extraWord(x, 1),
          dy = btf.extraWord(y, 1);
        stack.push([dx, dy, addStep(node, "[index]")]);
        stack.push([ex, ey, stepInto(btf, addStep(node, "[]"), ex, addStep)]);
        break;
      }
      case K.FUNC_PROTO: {
        if (vx !== vy) return differ(node, x, y, `${vx} parameters vs ${vy}`);
        for (let k = 0; k < vx; k++) {
          const px = btf.strings.get(btf.extraWord(x, 2 * k)),
            py = btf.strings.get(btf.extraWord(y, 2 * k));
          if (px !== py) return differ(node, x, y, `parameter ${k} is ${px || "(unnamed)"} vs ${py || "(unnamed)"}`);
        }
        for (let k = vx - 1; k >= 0; k--) {
          const tx = btf.extraWord(x, 2 * k + 1),
            ty = btf.extraWord(y, 2 * k + 1);
          const pname = btf.strings.get(btf.extraWord(x, 2 * k)) || `#${k}`;
          stack.push([tx, ty, stepInto(btf, addStep(node, `(${pname})`), tx, addStep)]);
        }
        const rx = btf.sizeTypeOf(x),
          ry = btf.sizeTypeOf(y);
        stack.push([rx, ry, stepInto(btf, addStep(node, "(return)"), rx, addStep)]);
        break;
      }
      default:
        if (ix !== iy || btf.sizeTypeOf(x) !== btf.sizeTypeOf(y))
          return differ(node, x, y, `type ${typeLabel(btf, x)} vs ${typeLabel(btf, y)}`);
    }
  }
  return result;
}

/** Depth bound of the identical-types check (libbpf ≥1.6, as in dedup.ts). */
export const IDENTICAL_DEPTH = 16;

/**
 * A divergence as one line: `path: difference`, with what the two copies of a pairing conflict have (their own
 * path shortened by `shorten`, e.g. `shortPath` for long kernel paths).
 */
export function formatDivergence(d: Divergence, shorten: (path: string) => string = (p) => p): string {
  let s = `${shorten(d.path)}: ${d.difference}`;
  if (d.copies && "sameShape" in d.copies)
    s += ` (same shape: two copies the identical-types check cannot prove equal within ${IDENTICAL_DEPTH} levels)`;
  else if (d.copies) s += ` (they differ at ${shorten(d.copies.path)}: ${d.copies.difference})`;
  return s;
}

/**
 * Are `a` and `b` identical: same kind and fields, and referenced ids equal or again identical, within `depth`
 * levels? The dedup's check (dedup.ts `identical`, with both arrays' element types compared), on a `Btf`.
 */
export function identical(btf: Btf, a: number, b: number, depth: number): boolean {
  if (a === b) return true;
  if (depth <= 0) return false;
  const ia = btf.infoOf(a),
    ib = btf.infoOf(b);
  const k = infoKind(ia);
  if (k !== infoKind(ib)) return false;
  const same = (x: number, y: number) => x === y || identical(btf, x, y, depth - 1);
  const nameEq = btf.nameOffOf(a) === btf.nameOffOf(b) || btf.name(a) === btf.name(b);
  switch (k) {
    case K.INT:
      return (
        nameEq && ia === ib && btf.sizeTypeOf(a) === btf.sizeTypeOf(b) && btf.extraWord(a, 0) === btf.extraWord(b, 0)
      );
    case K.FWD:
    case K.FLOAT:
      return nameEq && ia === ib && btf.sizeTypeOf(a) === btf.sizeTypeOf(b);
    case K.ENUM:
    case K.ENUM64: {
      if (!nameEq) return false;
      if (infoVlen(ia) === 0 || infoVlen(ib) === 0) return true;
      if (ia !== ib || btf.sizeTypeOf(a) !== btf.sizeTypeOf(b)) return false;
      const words = (k === K.ENUM ? 2 : 3) * infoVlen(ia);
      for (let w = 0; w < words; w++) {
        const wa = btf.extraWord(a, w),
          wb = btf.extraWord(b, w);
        if (wa !== wb && (w % (k === K.ENUM ? 2 : 3) !== 0 || btf.strings.get(wa) !== btf.strings.get(wb)))
          return false;
      }
      return true;
    }
    case K.CONST:
    case K.VOLATILE:
    case K.RESTRICT:
    case K.PTR:
    case K.TYPEDEF:
    case K.FUNC:
    case K.TYPE_TAG:
      return ia === ib && nameEq && same(btf.sizeTypeOf(a), btf.sizeTypeOf(b));
    case K.ARRAY:
      return (
        ia === ib &&
        nameEq &&
        btf.sizeTypeOf(a) === btf.sizeTypeOf(b) &&
        btf.extraWord(a, 2) === btf.extraWord(b, 2) &&
        same(btf.extraWord(a, 1), btf.extraWord(b, 1)) &&
        same(btf.extraWord(a, 0), btf.extraWord(b, 0))
      );
    case K.STRUCT:
    case K.UNION: {
      if (ia !== ib || !nameEq || btf.sizeTypeOf(a) !== btf.sizeTypeOf(b)) return false;
      const vlen = infoVlen(ia);
      for (let m = 0; m < vlen; m++) {
        if (btf.extraWord(a, 3 * m + 2) !== btf.extraWord(b, 3 * m + 2)) return false;
        if (btf.strings.get(btf.extraWord(a, 3 * m)) !== btf.strings.get(btf.extraWord(b, 3 * m))) return false;
      }
      for (let m = 0; m < vlen; m++) if (!same(btf.extraWord(a, 3 * m + 1), btf.extraWord(b, 3 * m + 1))) return false;
      return true;
    }
    case K.FUNC_PROTO: {
      if (ia !== ib || !nameEq) return false;
      const vlen = infoVlen(ia);
      for (let p = 0; p < vlen; p++)
        if (btf.strings.get(btf.extraWord(a, 2 * p)) !== btf.strings.get(btf.extraWord(b, 2 * p))) return false;
      if (!same(btf.sizeTypeOf(a), btf.sizeTypeOf(b))) return false;
      for (let p = 0; p < vlen; p++) if (!same(btf.extraWord(a, 2 * p + 1), btf.extraWord(b, 2 * p + 1))) return false;
      return true;
    }
    default:
      return false;
  }
}

/** The path node for entering type `t`: named structs, unions and typedefs are named on the path. */
function stepInto(btf: Btf, node: number, t: number, addStep: (parent: number, text: string) => number): number {
  const k = btf.kind(t);
  if ((isCompositeKind(k) || k === K.TYPEDEF) && btf.name(t) !== "") return addStep(node, ` -> ${typeLabel(btf, t)}`);
  return node;
}

function memberName(btf: Btf, id: number, k: number): string {
  return btf.strings.get(btf.extraWord(id, 3 * k)) || `(anonymous #${k})`;
}

function intEncodingName(word: number): string {
  const e = intEncoding(word);
  return e === 0
    ? "unsigned"
    : [e & 1 ? "signed" : "", e & 2 ? "char" : "", e & 4 ? "bool" : ""].filter(Boolean).join("+");
}

/** A short C-like name of a type: `int`, `struct foo`, `const char *`, `u32 [4]`. */
export function typeLabel(btf: Btf, id: number, depth = 0): string {
  if (id === 0) return "void";
  if (!btf.hasId(id)) return `[${id}]?`;
  const k = btf.kind(id);
  const name = btf.name(id);
  if (depth > 4) return "…";
  switch (k) {
    case K.INT:
    case K.FLOAT:
    case K.TYPEDEF:
      return name;
    case K.STRUCT:
      return name ? `struct ${name}` : "struct (anonymous)";
    case K.UNION:
      return name ? `union ${name}` : "union (anonymous)";
    case K.ENUM:
    case K.ENUM64:
      return name ? `enum ${name}` : "enum (anonymous)";
    case K.FWD:
      return `${btf.kflag(id) ? "union" : "struct"} ${name} (forward)`;
    case K.PTR:
      return `${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)} *`;
    case K.CONST:
      return `const ${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)}`;
    case K.VOLATILE:
      return `volatile ${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)}`;
    case K.RESTRICT:
      return `restrict ${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)}`;
    case K.TYPE_TAG:
      return `${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)} __tag(${name})`;
    case K.ARRAY:
      return `${typeLabel(btf, btf.extraWord(id, 0), depth + 1)} [${btf.extraWord(id, 2)}]`;
    case K.FUNC_PROTO:
      return `${typeLabel(btf, btf.sizeTypeOf(id), depth + 1)} (*)(${btf.vlen(id)} parameters)`;
    case K.FUNC:
      return `function ${name}`;
    case K.VAR:
      return `variable ${name}`;
    default:
      return `${kindName(k)} ${name}`.trim();
  }
}
