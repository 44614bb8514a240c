/**
 * Rewrites that keep an encoded BTF inside what the kernel's verifier accepts, where the faithful encoding of the
 * DWARF would be refused. Each works on the own types of a Btf in place (split BTF included: referenced types may
 * be in the base) and says how much it changed, so the caller can report it.
 *
 * lowerMisalignedFloats: `kernel/bpf/btf.c` `btf_float_check_member` accepts a FLOAT member only at a bit offset
 * that is a multiple of min(sizeof(void *), size) * 8 — "Member is not properly aligned" otherwise — and a FLOAT
 * can never be a bitfield (`btf_generic_check_kflag_member`: "Invalid member bitfield_size"). C's
 * `__attribute__((packed))` and Rust's `repr(packed)` put floats anywhere. pahole emits such members as FLOAT and
 * the kernel rejects the whole blob; btfkit points them at an INT of the same size and name instead (as its Rust
 * conversion already does), which the kernel checks only for fitting in the struct.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_KIND,
  infoKflag,
  infoKind,
  infoVlen,
  makeInfo,
  makeIntWord,
  memberBitfieldSize,
  memberBitOffset,
} from "../btf/kinds.js";

/**
 * The pointer size the float alignment rule assumes: the kernel uses its own `sizeof(void *)`; 8, the largest,
 * gives BTF that every kernel accepts (a 32-bit kernel would also take doubles on a 4-byte boundary).
 */
export const FLOAT_ALIGN_MAX_BYTES = 8;

const INT_INFO = makeInfo(BTF_KIND.INT, 0, false);

/** How deep a chain of typedefs and modifiers is followed (the kernel's resolve stack holds 32). */
const MAX_CHAIN = 32;

/**
 * True when the kernel would refuse a FLOAT of `size` bytes as a struct or union member at offset word `word`
 * (of a struct with kind_flag `kflag`): misaligned for min(8, size) bytes, or a bitfield.
 */
export function floatMemberRejected(word: number, kflag: boolean, size: number): boolean {
  if (memberBitfieldSize(word, kflag) !== 0) return true;
  const alignBits = Math.min(FLOAT_ALIGN_MAX_BYTES, size) * 8;
  return alignBits !== 0 && memberBitOffset(word, kflag) % alignBits !== 0;
}

/**
 * The FLOAT that type `id` is, through TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG (own or base types, as the
 * kernel resolves a member's type before checking it); 0 when it is not a float, or on a bad id or a loop.
 */
function resolveFloat(btf: Btf, id: number): number {
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (!btf.hasId(id)) return 0;
    switch (btf.kind(id)) {
      case BTF_KIND.FLOAT:
        return id;
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.CONST:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        id = btf.sizeTypeOf(id);
        break;
      default:
        return 0;
    }
  }
  return 0;
}

/**
 * Point every STRUCT or UNION member (own types of `btf`) whose type resolves to a FLOAT the kernel would refuse
 * at that offset (see floatMemberRejected) at an INT of the float's name and size: encoding 0 (unsigned), bits =
 * size * 8, offset 0. One INT per (name, size), reusing an identical own INT when the table has one, else appended
 * after the own types. The member's offset word (with its bitfield size, in a kind_flag struct) is kept as it is.
 * Typedefs and modifiers between the member and the float are dropped for the lowered members only; other users
 * of the float keep it. Returns how many members changed.
 *
 * Meant to run before the dedup (which then merges the INTs with any equal ones); it also works after.
 */
export function lowerMisalignedFloats(btf: Btf): number {
  const end = btf.endId; // the INTs appended below need no visit
  const twins = new Map<string, number>();
  let ownInts: Map<string, number> | undefined;
  const keyOf = (name: string, size: number): string => `${size}:${name}`;

  /** The INT twin of FLOAT `floatId`. */
  const twinOf = (floatId: number): number => {
    const size = btf.sizeTypeOf(floatId);
    const nameOff = btf.nameOffOf(floatId);
    const name = btf.name(floatId);
    const key = keyOf(name, size);
    let t = twins.get(key);
    if (t !== undefined) return t;
    const intWord = makeIntWord(0, 0, size * 8);
    if (ownInts === undefined) {
      // Built once, on the first misaligned float: most inputs have none and pay nothing.
      ownInts = new Map();
      for (let id = btf.startId; id < end; id++) {
        const i = id - btf.startId;
        const info = btf.info[i]!;
        if (info !== INT_INFO || btf.extra[btf.extraStart[i]!] !== makeIntWord(0, 0, btf.sizeType[i]! * 8)) continue;
        const k = keyOf(btf.name(id), btf.sizeType[i]!);
        if (!ownInts.has(k)) ownInts.set(k, id);
      }
    }
    t = ownInts.get(key);
    // The name offset is valid here also when the float is a base type: split BTF continues the base's strings.
    if (t === undefined) t = btf.add(nameOff, INT_INFO, size, [intWord]);
    twins.set(key, t);
    return t;
  };

  let changed = 0;
  for (let id = btf.startId; id < end; id++) {
    const i = id - btf.startId;
    const info = btf.info[i]!;
    const kind = infoKind(info);
    if (kind !== BTF_KIND.STRUCT && kind !== BTF_KIND.UNION) continue;
    const kflag = infoKflag(info);
    const vlen = infoVlen(info);
    for (let m = 0; m < vlen; m++) {
      // `btf.extra` is read anew each time: appending a twin may have replaced the pool (offsets stay valid).
      const at = btf.extraStart[i]! + 3 * m;
      const floatId = resolveFloat(btf, btf.extra[at + 1]!);
      if (floatId === 0) continue;
      if (!floatMemberRejected(btf.extra[at + 2]!, kflag, btf.sizeTypeOf(floatId))) continue;
      const twin = twinOf(floatId);
      btf.extra[at + 1] = twin;
      changed++;
    }
  }
  return changed;
}
