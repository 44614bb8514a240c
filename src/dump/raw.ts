import type { Btf } from "../btf/btf.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import {
  BTF_KIND,
  KIND_NAMES,
  exhaustiveKind,
  infoKflag,
  infoKind,
  infoVlen,
  intBits,
  intEncoding,
  intOffset,
} from "../btf/kinds.js";
import type { BtfStrings } from "../btf/strings.js";
import { type ByteSink, enc } from "./byte-sink.js";

/**
 * The raw dump: one line per type and one indented line per member, parameter, enumerator or section entry — the
 * exact text of `bpftool btf dump file F format raw` (bpftool 7.1). For split BTF only the split types are printed,
 * as bpftool does.
 */
export function dumpBtfRaw(btf: Btf, sink: ByteSink): void {
  // One call per type (rather than one long loop body) lets V8 optimise the per-type code after a few hundred
  // types instead of waiting for on-stack replacement: a cold single dump of vmlinux runs markedly faster.
  for (let i = 0; i < btf.count; i++) dumpType(btf, sink, i);
}

/** The name at `off` (a name of type `id`, for the error when it is out of range). */
function name(sink: ByteSink, strs: BtfStrings, off: number, id: number): void {
  if (off === 0) sink.lit(ANON);
  else writeString(sink, strs, off, id);
}

function dumpType(btf: Btf, sink: ByteSink, i: number): void {
  const typeCnt = btf.endId;
  const strs = btf.strings;
  const { info, nameOff, sizeType, extraStart, extra } = btf;
  {
    const id = btf.startId + i;
    const inf = info[i]!;
    const kind = infoKind(inf);
    const vlen = infoVlen(inf);
    const st = sizeType[i]!;
    const x = extraStart[i]!;
    sink.byte(0x5b); // [
    sink.uint(id);
    sink.lit(KIND_LABELS[kind] ?? KIND_LABELS[0]!);
    name(sink, strs, nameOff[i]!, id);
    sink.byte(0x27); // '
    switch (kind) {
      case BTF_KIND.INT: {
        const v = extra[x]!;
        sink.lit(S_SIZE);
        sink.uint(st);
        sink.lit(S_BITS_OFFSET);
        sink.uint(intOffset(v));
        sink.lit(S_NR_BITS);
        sink.uint(intBits(v));
        sink.lit(S_ENCODING);
        sink.lit(INT_ENCODINGS[intEncoding(v)] ?? INT_ENC_UNKN);
        break;
      }
      case BTF_KIND.PTR:
      case BTF_KIND.CONST:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.TYPE_TAG:
        sink.lit(S_TYPE_ID);
        sink.uint(st);
        break;
      case BTF_KIND.ARRAY:
        sink.lit(S_TYPE_ID);
        sink.uint(extra[x]!);
        sink.lit(S_INDEX_TYPE_ID);
        sink.uint(extra[x + 1]!);
        sink.lit(S_NR_ELEMS);
        sink.uint(extra[x + 2]!);
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        sink.lit(S_SIZE);
        sink.uint(st);
        sink.lit(S_VLEN);
        sink.uint(vlen);
        const kflag = infoKflag(inf);
        for (let k = 0; k < vlen; k++) {
          const m = x + 3 * k;
          const off = extra[m + 2]!;
          sink.lit(S_NL_TAB_Q);
          name(sink, strs, extra[m]!, id);
          sink.lit(S_Q_TYPE_ID);
          sink.uint(extra[m + 1]!);
          sink.lit(S_BITS_OFFSET);
          if (kflag) {
            sink.uint(off & 0xffffff);
            const bitSz = off >>> 24;
            if (bitSz) {
              sink.lit(S_BITFIELD_SIZE);
              sink.uint(bitSz);
            }
          } else {
            sink.uint(off);
          }
        }
        break;
      }
      case BTF_KIND.ENUM: {
        const signed = infoKflag(inf);
        sink.lit(signed ? S_ENC_SIGNED : S_ENC_UNSIGNED);
        sink.lit(S_SIZE);
        sink.uint(st);
        sink.lit(S_VLEN);
        sink.uint(vlen);
        for (let k = 0; k < vlen; k++) {
          const v = extra[x + 2 * k + 1]!;
          sink.lit(S_NL_TAB_Q);
          name(sink, strs, extra[x + 2 * k]!, id);
          sink.lit(S_Q_VAL);
          if (signed) sink.int(v | 0);
          else sink.uint(v);
        }
        break;
      }
      case BTF_KIND.ENUM64: {
        const signed = infoKflag(inf);
        sink.lit(signed ? S_ENC_SIGNED : S_ENC_UNSIGNED);
        sink.lit(S_SIZE);
        sink.uint(st);
        sink.lit(S_VLEN);
        sink.uint(vlen);
        for (let k = 0; k < vlen; k++) {
          const e = x + 3 * k;
          const u = (BigInt(extra[e + 2]!) << 32n) | BigInt(extra[e + 1]!);
          sink.lit(S_NL_TAB_Q);
          name(sink, strs, extra[e]!, id);
          sink.lit(S_Q_VAL);
          sink.ascii(signed ? BigInt.asIntN(64, u) + "LL" : u + "ULL");
        }
        break;
      }
      case BTF_KIND.FWD:
        sink.lit(infoKflag(inf) ? S_FWD_UNION : S_FWD_STRUCT);
        break;
      case BTF_KIND.FUNC:
        sink.lit(S_TYPE_ID);
        sink.uint(st);
        sink.lit(S_LINKAGE);
        sink.lit(LINKAGES[vlen] ?? LINKAGE_UNKNOWN);
        break;
      case BTF_KIND.FUNC_PROTO:
        sink.lit(S_RET_TYPE_ID);
        sink.uint(st);
        sink.lit(S_VLEN);
        sink.uint(vlen);
        for (let k = 0; k < vlen; k++) {
          sink.lit(S_NL_TAB_Q);
          name(sink, strs, extra[x + 2 * k]!, id);
          sink.lit(S_Q_TYPE_ID);
          sink.uint(extra[x + 2 * k + 1]!);
        }
        break;
      case BTF_KIND.VAR:
        sink.lit(S_TYPE_ID);
        sink.uint(st);
        sink.lit(S_COMMA_LINKAGE);
        sink.lit(LINKAGES[extra[x]!] ?? LINKAGE_UNKNOWN);
        break;
      case BTF_KIND.DATASEC:
        sink.lit(S_SIZE);
        sink.uint(st);
        sink.lit(S_VLEN);
        sink.uint(vlen);
        for (let k = 0; k < vlen; k++) {
          const e = x + 3 * k;
          const t = extra[e]!;
          sink.lit(S_NL_TAB_TYPE_ID);
          sink.uint(t);
          sink.lit(S_OFFSET);
          sink.uint(extra[e + 1]!);
          sink.lit(S_SIZE);
          sink.uint(extra[e + 2]!);
          // bpftool names the entry's type when the id is in range.
          if (t < typeCnt) {
            sink.lit(S_SP_PAREN);
            sink.lit(KIND_NAMES_BARE[btf.kind(t)] ?? KIND_NAMES_BARE[0]!);
            sink.lit(S_SP_Q);
            name(sink, strs, btf.nameOffOf(t), t);
            sink.lit(S_Q_PAREN);
          }
        }
        break;
      case BTF_KIND.FLOAT:
        sink.lit(S_SIZE);
        sink.uint(st);
        break;
      case BTF_KIND.DECL_TAG:
        sink.lit(S_TYPE_ID);
        sink.uint(st);
        sink.lit(S_COMPONENT_IDX);
        sink.int(extra[x]! | 0);
        break;
      case BTF_KIND.UNKN:
        break;
      default:
        exhaustiveKind(kind); // a kind past BTF_KIND_MAX: its header line only
        break;
    }
    sink.byte(0x0a);
  }
}

/**
 * Copy the NUL-terminated string at `off` (own table or base) into the sink. An offset out of range is an error, not
 * bpftool's "(invalid)": a table read by parseBtf has none, so one here is a corrupt table built in memory.
 */
function writeString(sink: ByteSink, strs: BtfStrings, off: number, id: number): void {
  let t: BtfStrings | undefined = strs;
  while (t && off < t.startOffset) t = t.base;
  if (!t || off >= t.endOffset) {
    throw new BtfkitError(ErrorCode.CORRUPT, `name offset ${off} is past the end of the strings (${strs.endOffset})`, {
      typeId: id,
    });
  }
  const bytes = t.buffer;
  const start = off - t.startOffset;
  let end = bytes.indexOf(0, start);
  if (end < 0 || end > t.byteLength) end = t.byteLength;
  sink.range(bytes, start, end);
}

const KIND_NAMES_BARE = KIND_NAMES.map((k, i) => enc(i === 0 ? "UNKNOWN" : k));
const KIND_LABELS = KIND_NAMES.map((k, i) => enc("] " + (i === 0 ? "UNKNOWN" : k) + " '"));
const ANON = enc("(anon)");
const S_SIZE = enc(" size=");
const S_BITS_OFFSET = enc(" bits_offset=");
const S_NR_BITS = enc(" nr_bits=");
const S_ENCODING = enc(" encoding=");
const INT_ENCODINGS: Uint8Array[] = [];
INT_ENCODINGS[0] = enc("(none)");
INT_ENCODINGS[1] = enc("SIGNED");
INT_ENCODINGS[2] = enc("CHAR");
INT_ENCODINGS[4] = enc("BOOL");
const INT_ENC_UNKN = enc("UNKN");
const S_TYPE_ID = enc(" type_id=");
const S_INDEX_TYPE_ID = enc(" index_type_id=");
const S_NR_ELEMS = enc(" nr_elems=");
const S_VLEN = enc(" vlen=");
const S_NL_TAB_Q = enc("\n\t'");
const S_Q_TYPE_ID = enc("' type_id=");
const S_BITFIELD_SIZE = enc(" bitfield_size=");
const S_ENC_SIGNED = enc(" encoding=SIGNED");
const S_ENC_UNSIGNED = enc(" encoding=UNSIGNED");
const S_Q_VAL = enc("' val=");
const S_FWD_UNION = enc(" fwd_kind=union");
const S_FWD_STRUCT = enc(" fwd_kind=struct");
const S_LINKAGE = enc(" linkage=");
const S_COMMA_LINKAGE = enc(", linkage=");
const LINKAGES = [enc("static"), enc("global"), enc("extern")];
const LINKAGE_UNKNOWN = enc("(unknown)");
const S_RET_TYPE_ID = enc(" ret_type_id=");
const S_NL_TAB_TYPE_ID = enc("\n\ttype_id=");
const S_OFFSET = enc(" offset=");
const S_SP_PAREN = enc(" (");
const S_SP_Q = enc(" '");
const S_Q_PAREN = enc("')");
const S_COMPONENT_IDX = enc(" component_idx=");
