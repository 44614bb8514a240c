import { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, infoKind, infoVlen, extraWords } from "../../src/btf/kinds.js";
import { parseBtf } from "../../src/btf/reader.js";
import { writeBtf } from "../../src/btf/write.js";
import { rng } from "../fuzz/rng.mjs";

/**
 * A copy of `btf` with its own type ids shuffled (references rewritten to follow) and its strings re-interned in
 * the new type order, so both type ids and string offsets differ from the input; base ids stay as they are. The
 * result is serialised with writeBtf and parsed back, so it is exactly what a file with that order would give.
 */
export function permuteBtf(btf: Btf, seed: number, base?: Btf): Btf {
  const n = btf.count;
  const start = btf.startId;
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = rng(seed); // seeded, so a failing permutation can be replayed
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  // newIdOf[old index] = new id
  const newIdOf = new Uint32Array(n);
  order.forEach((oldIndex, newIndex) => (newIdOf[oldIndex] = start + newIndex));
  const remap = (id: number): number => (id >= start && id < start + n ? newIdOf[id - start]! : id);

  const out = new Btf({ base: btf.base, capacity: n, extraCapacity: btf.extraLen });
  const str = (off: number): number => {
    const s = btf.strings.get(off);
    return s === "" ? 0 : out.strings.intern(s);
  };
  for (const oldIndex of order) {
    const id = start + oldIndex;
    const info = btf.infoOf(id);
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    const ex: number[] = [];
    for (let k = 0; k < extraWords(kind, vlen); k++) ex.push(btf.extraWord(id, k));
    let sizeType = btf.sizeTypeOf(id);
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
        sizeType = remap(sizeType);
        break;
      case BTF_KIND.FUNC_PROTO:
        sizeType = remap(sizeType);
        for (let k = 0; k < vlen; k++) {
          ex[2 * k] = str(ex[2 * k]!);
          ex[2 * k + 1] = remap(ex[2 * k + 1]!);
        }
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let k = 0; k < vlen; k++) {
          ex[3 * k] = str(ex[3 * k]!);
          ex[3 * k + 1] = remap(ex[3 * k + 1]!);
        }
        break;
      case BTF_KIND.ENUM:
        for (let k = 0; k < vlen; k++) ex[2 * k] = str(ex[2 * k]!);
        break;
      case BTF_KIND.ENUM64:
        for (let k = 0; k < vlen; k++) ex[3 * k] = str(ex[3 * k]!);
        break;
      case BTF_KIND.ARRAY:
        ex[0] = remap(ex[0]!);
        ex[1] = remap(ex[1]!);
        break;
      case BTF_KIND.DATASEC:
        for (let k = 0; k < vlen; k++) ex[3 * k] = remap(ex[3 * k]!);
        break;
    }
    out.add(str(btf.nameOffOf(id)), info, sizeType, ex);
  }
  // Unchecked: the tables permuted include deliberately broken ones (a dangling type id the diff must survive).
  return parseBtf(writeBtf(out), { base: base ?? btf.base, checkReferences: false });
}
