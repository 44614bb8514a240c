import { BtfkitError, ErrorCode, type ErrorLocation } from "../common/errors.js";
import { strcmpBytes } from "../common/text.js";
import { Btf } from "./btf.js";
import {
  BTF_KIND,
  extraWords,
  infoKflag,
  infoKind,
  infoVlen,
  intEncoding,
  isCompositeKind,
  isModifierKind,
  kindName,
  nameFields,
  typeIdFields,
} from "./kinds.js";
import { BtfStrings } from "./strings.js";

/** A distilled struct/union that a split struct/union embeds (not through a pointer): its size must match too. */
const EMBEDDED = 0xffffffff;

/**
 * libbpf's `btf__relocate` (the kernel runs the same `btf_relocate.c` when it loads a module that has `.BTF.base`):
 * move a split BTF from its distilled base (src/btf/distill.ts) onto a real base, matching each distilled type
 * to the base's type of the same name and kind — and size where the name alone is ambiguous (several base
 * structs of that name), the kind requires it (INT, FLOAT, ENUM) or the split embeds the struct by value. Returns a
 * new split BTF on `base`; `split` is left as it was.
 *
 * Fails, as libbpf and the kernel do, when a distilled type has no match in the base or more than one.
 */
export function relocateSplit(split: Btf, base: Btf, where: ErrorLocation = {}): Btf {
  const dist = split.base;
  if (!dist || dist.base)
    throw new BtfkitError(ErrorCode.USAGE, "relocation needs split BTF on a distilled (non-split) base", where);
  if (base.base) throw new BtfkitError(ErrorCode.UNSUPPORTED, "relocating onto a split base", where);
  const at = (typeId: number, reason: string) =>
    new BtfkitError(ErrorCode.CORRUPT, reason, { ...where, section: where.section ?? ".BTF.base", typeId });
  const nrDist = dist.endId;
  const nrBase = base.endId;

  // The distilled base holds named INT, FLOAT, ENUM, STRUCT, UNION and FWD only.
  for (let id = 1; id < nrDist; id++) {
    const k = dist.kind(id);
    const ok =
      k === BTF_KIND.INT ||
      k === BTF_KIND.FLOAT ||
      k === BTF_KIND.ENUM ||
      k === BTF_KIND.STRUCT ||
      k === BTF_KIND.UNION ||
      k === BTF_KIND.FWD;
    if (!ok) throw at(id, `a distilled base cannot hold a ${kindName(k)}`);
    if (dist.nameOffOf(id) === 0) throw at(id, `a distilled base cannot hold an anonymous ${kindName(k)}`);
  }

  const idMap = new Uint32Array(split.endId);
  for (let id = nrDist; id < split.endId; id++) idMap[id] = id + nrBase - nrDist;

  // Distilled types sorted by name, then by size (largest first), as libbpf sorts them for its binary search.
  const names = new Array<Uint8Array>(nrDist);
  for (let id = 0; id < nrDist; id++) names[id] = dist.strings.bytesAt(dist.nameOffOf(id));
  const sizeOf = (b: Btf, id: number): number => (id === 0 ? 0 : b.sizeTypeOf(id));
  const order = Array.from({ length: nrDist }, (_, id) => id);
  order.sort((a, b) => strcmpBytes(names[a]!, names[b]!) || sizeOf(dist, b) - sizeOf(dist, a));
  // key vs distilled entry: names, then (when the key needs a size) sizes, in the sort's order.
  const cmp = (keyName: Uint8Array, keyNeedsSize: boolean, keySize: number, distId: number): number =>
    strcmpBytes(keyName, names[distId]!) || (keyNeedsSize ? sizeOf(dist, distId) - keySize : 0);
  const leftmost = (keyName: Uint8Array, keyNeedsSize: boolean, keySize: number): number => {
    let lo = 0,
      hi = order.length - 1,
      found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const d = cmp(keyName, keyNeedsSize, keySize, order[mid]!);
      if (d === 0) found = mid;
      if (d <= 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return found;
  };

  // Distilled structs/unions that a split struct/union embeds by value (through typedefs, modifiers and arrays).
  for (let id = nrDist; id < split.endId; id++) {
    const k = split.kind(id);
    if (k !== BTF_KIND.STRUCT && k !== BTF_KIND.UNION) continue;
    for (let m = 0; m < split.vlen(id); m++) {
      let next = split.extraWord(id, 3 * m + 1);
      while (next !== 0) {
        const nk = split.kind(next);
        if (nk === BTF_KIND.TYPEDEF || isModifierKind(nk)) {
          next = split.sizeTypeOf(next);
        } else if (nk === BTF_KIND.ARRAY) {
          next = split.extraWord(next, 0);
        } else {
          if (isCompositeKind(nk) && next < nrDist) idMap[next] = EMBEDDED;
          next = 0;
        }
      }
    }
  }

  // How many named structs/unions of each name the base has: where there are several, size decides.
  const compositeNames = new Map<number, number>();
  for (let id = 1; id < nrBase; id++) {
    const k = base.kind(id),
      n = base.nameOffOf(id);
    if (isCompositeKind(k) && n !== 0) compositeNames.set(n, (compositeNames.get(n) ?? 0) + 1);
  }

  const strMap = new Map<number, number>();
  for (let id = 1; id < nrBase; id++) {
    const nameOff = base.nameOffOf(id);
    if (nameOff === 0) continue;
    const baseKind = base.kind(id);
    let needsSize = false;
    let size = 0;
    switch (baseKind) {
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        needsSize = true;
        size = base.sizeTypeOf(id);
        break;
      case BTF_KIND.FWD:
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        needsSize = (compositeNames.get(nameOff) ?? 0) > 1;
        size = base.sizeTypeOf(id);
        break;
      default:
        continue;
    }
    const name = base.strings.bytesAt(nameOff);
    const first = leftmost(name, needsSize, size);
    if (first < 0) continue;
    for (let i = first; i < order.length && cmp(name, needsSize, size, order[i]!) === 0; i++) {
      const distId = order[i]!;
      if (distId === 0) throw at(0, `base type [${id}] maps to invalid distilled base type [0]`);
      const distKind = dist.kind(distId);
      const baseKflag = infoKflag(base.infoOf(id));
      let compatible: boolean;
      switch (distKind) {
        case BTF_KIND.FWD:
          compatible =
            baseKind === BTF_KIND.FWD
              ? dist.kflag(distId) === baseKflag
              : baseKind === BTF_KIND.STRUCT
                ? !baseKflag
                : baseKind === BTF_KIND.UNION
                  ? baseKflag
                  : false;
          break;
        case BTF_KIND.INT:
          compatible =
            baseKind === BTF_KIND.INT && intEncoding(base.extraWord(id, 0)) === intEncoding(dist.extraWord(distId, 0));
          break;
        case BTF_KIND.FLOAT:
          compatible = baseKind === BTF_KIND.FLOAT;
          break;
        case BTF_KIND.ENUM:
          compatible = baseKind === BTF_KIND.ENUM || baseKind === BTF_KIND.ENUM64;
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          // As libbpf: the kinds need not agree (a distilled struct may map to a base union of its name).
          compatible = idMap[distId] !== EMBEDDED || base.sizeTypeOf(id) === dist.sizeTypeOf(distId);
          break;
        default:
          compatible = false;
      }
      if (!compatible) continue;
      if (idMap[distId] !== 0 && idMap[distId] !== EMBEDDED) {
        throw at(
          distId,
          `distilled base type '${dist.name(distId)}' (size ${base.sizeTypeOf(id)}) has several candidates of that size in the base ([${idMap[distId]}] and [${id}])`,
        );
      }
      idMap[distId] = id;
      strMap.set(dist.nameOffOf(distId), nameOff);
    }
  }
  for (let id = 1; id < nrDist; id++) {
    if (idMap[id] === 0 || idMap[id] === EMBEDDED)
      throw at(id, `distilled base type '${dist.name(id)}' matches no type of the base`);
  }

  // The split's types with ids and strings moved onto the base. Its own string bytes stay; they now follow the
  // base's strings instead of the distilled base's.
  const distStrLen = dist.strings.endOffset;
  const strShift = base.strings.endOffset - distStrLen;
  const out = new Btf({
    base,
    strings: new BtfStrings(split.strings.bytes.slice(), base.strings),
    capacity: split.count,
    extraCapacity: split.extraLen,
  });
  out.pointerSize = split.pointerSize;
  const str = (id: number, off: number): number => {
    if (off === 0) return 0;
    if (off >= distStrLen) return off + strShift;
    const mapped = strMap.get(off);
    if (mapped === undefined)
      throw new BtfkitError(
        ErrorCode.CORRUPT,
        `string at offset ${off} of the distilled base is not mapped to the base`,
        { ...where, section: where.section ?? ".BTF", typeId: id },
      );
    return mapped;
  };
  for (let i = 0; i < split.count; i++) {
    const id = split.startId + i;
    const info = split.info[i]!;
    const kind = infoKind(info),
      vlen = infoVlen(info);
    const x = split.extraStart[i]!;
    const ex = split.extra.slice(x, x + extraWords(kind, vlen));
    const ids = typeIdFields(kind, vlen);
    let sizeType = split.sizeType[i]!;
    if (ids.header) sizeType = idMap[sizeType]!;
    for (let k = 0; k < ids.count; k++) ex[ids.first + k * ids.step] = idMap[ex[ids.first + k * ids.step]!]!;
    const strs = nameFields(kind, vlen);
    for (let k = 0; k < strs.count; k++) ex[strs.first + k * strs.step] = str(id, ex[strs.first + k * strs.step]!);
    out.add(str(id, split.nameOff[i]!), info, sizeType, ex);
  }
  return out;
}
