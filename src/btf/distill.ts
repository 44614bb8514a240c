import { BtfkitError, ErrorCode } from "../common/errors.js";
import { Btf } from "./btf.js";
import {
  BTF_KIND,
  extraWords,
  infoKind,
  infoVlen,
  isCompositeKind,
  kindName,
  makeInfo,
  nameFields,
  typeIdFields,
} from "./kinds.js";

/** A split BTF re-expressed on a distilled base: the two sections an external module carries (`.BTF`, `.BTF.base`). */
export interface DistilledBtf {
  /** The distilled base: the base's named INT, FLOAT and FWD types, and memberless named STRUCT/UNION/ENUM. */
  base: Btf;
  /** The split BTF on `base`: the module's own types, then the base's anonymous and reference types it needs. */
  split: Btf;
}

/**
 * libbpf's `btf__distill_base` (libbpf ≥ 1.5, used by pahole ≥ 1.28 for `--btf_features=distilled_base` and by
 * 7.x `resolve_btfids --distill_base`): a module built outside the kernel tree carries, besides its split `.BTF`,
 * a small `.BTF.base` that describes just enough of the vmlinux types it refers to for the kernel to relocate it onto
 * whatever vmlinux it is loaded into (`btf_relocate`, matching by name, kind and size). The module's BTF thus no
 * longer breaks when the kernel's BTF ids change.
 *
 * The rules, as libbpf has them (so the bytes are libbpf's, which the byte-identity bench checks against pahole 1.30):
 * - every base type the split BTF refers to, and recursively what those refer to, is needed — except that the
 *   members of a named struct or union are not followed (the distilled base keeps no members);
 * - named INT, FLOAT and FWD go to the distilled base as they are; a named STRUCT/UNION as a memberless one of the
 *   same size; a named ENUM or ENUM64 as a memberless unsigned ENUM of the same size;
 * - anonymous STRUCT/UNION/ENUM/ENUM64 and every ARRAY, TYPEDEF, PTR, modifier, FUNC_PROTO and TYPE_TAG move into
 *   the split BTF, after the module's own types, in base id order;
 * - any other base kind referenced by the split (FUNC, VAR, DATASEC, DECL_TAG) is an error;
 * - type ids are remapped; strings are added in the order libbpf's field iterator visits them (each type's name,
 *   then its member, enumerator or parameter names), the split's going to the distilled base's when it has them.
 */
export function distillBase(src: Btf, where: { file?: string } = {}): DistilledBtf {
  const oldBase = src.base;
  if (!oldBase) throw new BtfkitError(ErrorCode.USAGE, "distilling a base needs split BTF (encode with a base)", where);
  if (oldBase.base) throw new BtfkitError(ErrorCode.UNSUPPORTED, "distilling a base that is itself split BTF", where);
  const splitStart = src.startId;
  const end = src.endId;
  // idMap[old id] of a base type: 0 = not needed; marked (= its own id) when needed; its new id once placed.
  const idMap = new Uint32Array(end);

  // 1. Which base types the split refers to (a worklist; libbpf recurses, the set is the same).
  const work: number[] = [];
  const need = (id: number): void => {
    if (id === 0 || id >= splitStart || idMap[id] !== 0) return;
    const kind = src.kind(id);
    switch (kind) {
      case BTF_KIND.INT:
      case BTF_KIND.FLOAT:
      case BTF_KIND.FWD:
      case BTF_KIND.ARRAY:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.PTR:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.FUNC_PROTO:
      case BTF_KIND.TYPE_TAG:
        break;
      default:
        throw new BtfkitError(
          ErrorCode.UNSUPPORTED,
          `split BTF refers to base type [${id}] of kind ${kindName(kind)}, which a distilled base cannot describe`,
          { ...where, typeId: id },
        );
    }
    idMap[id] = id;
    if (isCompositeKind(kind) && src.nameOffOf(id) !== 0) return;
    work.push(id);
  };
  const visitIds = (btf: Btf, id: number, fn: (typeId: number) => void): void => {
    const info = btf.infoOf(id);
    const f = typeIdFields(infoKind(info), infoVlen(info));
    if (f.header) fn(btf.sizeTypeOf(id));
    for (let k = 0; k < f.count; k++) fn(btf.extraWord(id, f.first + k * f.step));
  };
  for (let id = splitStart; id < end; id++) {
    visitIds(src, id, need);
    while (work.length > 0) visitIds(src, work.pop()!, need);
  }

  // 2. The distilled base, then the new split: the split's own types, then the base types that move into it.
  const base = new Btf({ byteOrder: src.byteOrder });
  base.pointerSize = src.pointerSize;
  // The split continues the base's ids and string offsets: it is made once the distilled base is complete.
  let split = base;
  const copy = (dst: Btf, id: number): number => {
    const info = src.infoOf(id);
    const kind = infoKind(info),
      vlen = infoVlen(info);
    const ex = new Uint32Array(extraWords(kind, vlen));
    for (let k = 0; k < ex.length; k++) ex[k] = src.extraWord(id, k);
    const f = nameFields(kind, vlen);
    const nameOff = internName(dst, src.nameOffOf(id));
    for (let k = 0; k < f.count; k++) ex[f.first + k * f.step] = internName(dst, ex[f.first + k * f.step]!);
    return dst.add(nameOff, info, src.sizeTypeOf(id), ex);
  };
  const internName = (dst: Btf, off: number): number => (off === 0 ? 0 : dst.strings.intern(src.strings.bytesAt(off)));
  const place = (toBase: boolean): void => {
    for (let id = 1; id < splitStart; id++) {
      if (idMap[id] === 0) continue;
      const kind = src.kind(id);
      const named = src.nameOffOf(id) !== 0;
      let placed: number | undefined;
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.FLOAT:
        case BTF_KIND.FWD:
          if (toBase) placed = copy(base, id);
          break;
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
          if (toBase && named)
            placed = base.add(internName(base, src.nameOffOf(id)), makeInfo(kind, 0, false), src.sizeTypeOf(id));
          else if (!toBase && !named) placed = copy(split, id);
          break;
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
          if (toBase && named)
            placed = base.add(
              internName(base, src.nameOffOf(id)),
              makeInfo(BTF_KIND.ENUM, 0, false),
              src.sizeTypeOf(id),
            );
          else if (!toBase && !named) placed = copy(split, id);
          break;
        default:
          if (!toBase) placed = copy(split, id);
      }
      if (placed !== undefined) idMap[id] = placed;
    }
  };
  place(true);
  split = new Btf({ base, capacity: src.count + 16, extraCapacity: src.extraLen + 16 });
  split.pointerSize = src.pointerSize;
  for (let id = splitStart; id < end; id++) copy(split, id);
  place(false);

  // 3. Ids: base types by the map, the split's own shifted down by what the distilled base saved.
  const shift = splitStart - base.endId;
  const remap = (id: number): number => (id < splitStart ? (idMap[id] !== 0 ? idMap[id]! : id) : id - shift);
  for (let i = 0; i < split.count; i++) {
    const info = split.info[i]!;
    const f = typeIdFields(infoKind(info), infoVlen(info));
    if (f.header) split.sizeType[i] = remap(split.sizeType[i]!);
    const x = split.extraStart[i]!;
    for (let k = 0; k < f.count; k++)
      split.extra[x + f.first + k * f.step] = remap(split.extra[x + f.first + k * f.step]!);
  }
  return { base, split };
}
