/**
 * "BTF appended to itself": the own types of a BTF followed by a copy of them with every own type id shifted,
 * sharing one string section (and the base, for split BTF). Deduplication must fold every copied type onto its original except VAR and DATASEC
 * (never merged). With `shuffle`, the copy's types come in a pseudo-random (seeded) order, which exercises
 * candidate order and forward references.
 */
import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, extraWords, infoKind, infoVlen } from "../../src/btf/kinds.js";
import { BtfStrings } from "../../src/btf/strings.js";

export function appendToItself(src: Btf, opts: { shuffle?: number } = {}): Btf {
  const n = src.count;
  const start = src.startId;
  // order[j] = index of the source type placed at copy position j; where[i] = copy position of source index i.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (opts.shuffle !== undefined) {
    let seed = opts.shuffle >>> 0 || 1;
    for (let i = n - 1; i > 0; i--) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const j = (seed >>> 0) % (i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  const where = new Uint32Array(n);
  for (let j = 0; j < n; j++) where[order[j]!] = j;
  const strings = new BtfStrings(src.strings.bytes.slice(), src.strings.base);
  const out = new Btf({
    base: src.base,
    strings,
    capacity: 2 * n,
    extraCapacity: 2 * src.extraLen,
    byteOrder: src.byteOrder,
  });
  // Base ids (and void) stay; own ids move to the copy.
  const copyId = (id: number): number => (id < start ? id : start + n + where[id - start]!);
  const emit = (i: number, mapId: (id: number) => number): void => {
    const inf = src.info[i]!;
    const kind = infoKind(inf),
      vlen = infoVlen(inf);
    const s = src.extraStart[i]!;
    const ex = Array.from(src.extra.subarray(s, s + extraWords(kind, vlen)));
    let st = src.sizeType[i]!;
    switch (kind) {
      case BTF_KIND.PTR:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        st = mapId(st);
        break;
      case BTF_KIND.FUNC_PROTO:
        st = mapId(st);
        for (let k = 0; k < vlen; k++) ex[2 * k + 1] = mapId(ex[2 * k + 1]!);
        break;
      case BTF_KIND.ARRAY:
        ex[0] = mapId(ex[0]!);
        ex[1] = mapId(ex[1]!);
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let k = 0; k < vlen; k++) ex[3 * k + 1] = mapId(ex[3 * k + 1]!);
        break;
      case BTF_KIND.DATASEC:
        for (let k = 0; k < vlen; k++) ex[3 * k] = mapId(ex[3 * k]!);
        break;
    }
    out.add(src.nameOff[i]!, inf, st, ex);
  };
  for (let i = 0; i < n; i++) emit(i, (id) => id);
  for (let j = 0; j < n; j++) emit(order[j]!, copyId);
  return out;
}
