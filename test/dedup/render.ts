/**
 * Canonical text rendering of a BTF's own types, one line per type in the spirit of `bpftool btf dump format raw`,
 * with names spelled out (not string offsets). Two tables that render the same have the same types in the same
 * order by meaning, whatever their string layout; tests compare renderings to get readable diffs.
 */
import type { Btf } from "../../src/btf/btf.js";
import { BTF_KIND, intBits, intEncoding, intOffset, kindName } from "../../src/btf/kinds.js";

export function renderType(btf: Btf, id: number): string {
  const kind = btf.kind(id);
  const vlen = btf.vlen(id);
  const kflag = btf.kflag(id);
  const st = btf.sizeTypeOf(id);
  const x = (k: number): number => btf.extraWord(id, k);
  const nm = (off: number): string => `'${btf.strings.get(off)}'`;
  let s = `[${id}] ${kindName(kind)} ${nm(btf.nameOffOf(id))}`;
  switch (kind) {
    case BTF_KIND.INT:
      return `${s} size=${st} bits=${intBits(x(0))} off=${intOffset(x(0))} enc=${intEncoding(x(0))}`;
    case BTF_KIND.FLOAT:
      return `${s} size=${st}`;
    case BTF_KIND.PTR:
    case BTF_KIND.CONST:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.TYPE_TAG:
      return `${s} type=${st}`;
    case BTF_KIND.FUNC:
      return `${s} type=${st} linkage=${vlen}`;
    case BTF_KIND.FWD:
      return `${s} ${kflag ? "union" : "struct"}`;
    case BTF_KIND.ARRAY:
      return `${s} elem=${x(0)} index=${x(1)} n=${x(2)}`;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      s += ` size=${st}${kflag ? " kflag" : ""} {`;
      for (let k = 0; k < vlen; k++) s += ` ${nm(x(3 * k))}:${x(3 * k + 1)}@${x(3 * k + 2)}`;
      return s + " }";
    }
    case BTF_KIND.ENUM: {
      s += ` size=${st}${kflag ? " signed" : ""} {`;
      for (let k = 0; k < vlen; k++) s += ` ${nm(x(2 * k))}=${kflag ? x(2 * k + 1) | 0 : x(2 * k + 1)}`;
      return s + " }";
    }
    case BTF_KIND.ENUM64: {
      s += ` size=${st}${kflag ? " signed" : ""} {`;
      for (let k = 0; k < vlen; k++) {
        const u = (BigInt(x(3 * k + 2)) << 32n) | BigInt(x(3 * k + 1));
        s += ` ${nm(x(3 * k))}=${kflag ? BigInt.asIntN(64, u) : u}`;
      }
      return s + " }";
    }
    case BTF_KIND.FUNC_PROTO: {
      s += ` ret=${st} (`;
      for (let k = 0; k < vlen; k++) s += `${k ? ", " : ""}${nm(x(2 * k))}:${x(2 * k + 1)}`;
      return s + ")";
    }
    case BTF_KIND.VAR:
      return `${s} type=${st} linkage=${x(0)}`;
    case BTF_KIND.DATASEC: {
      s += ` size=${st} {`;
      for (let k = 0; k < vlen; k++) s += ` ${x(3 * k)}@${x(3 * k + 1)}+${x(3 * k + 2)}`;
      return s + " }";
    }
    case BTF_KIND.DECL_TAG:
      return `${s} type=${st} component=${x(0) | 0}`;
    default:
      return `${s} ???`;
  }
}

/** Every own type of `btf`, rendered. */
export function renderBtf(btf: Btf): string[] {
  const out: string[] = [];
  for (let id = btf.startId; id < btf.endId; id++) out.push(renderType(btf, id));
  return out;
}

/** The own string section as a list of strings, in order (the leading empty string included). */
export function stringList(btf: Btf): string[] {
  const bytes = btf.strings.bytes;
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(Buffer.from(bytes.subarray(start, i)).toString("utf8"));
      start = i + 1;
    }
  }
  return out;
}
