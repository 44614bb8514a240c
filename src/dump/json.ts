import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type { Btf } from "../btf/btf.js";
import { BtfkitError, ErrorCode } from "../common/errors.js";
import {
  BTF_KIND,
  exhaustiveKind,
  infoKflag,
  infoKind,
  infoVlen,
  intBits,
  intEncoding,
  intOffset,
  kindName,
} from "../btf/kinds.js";
import { TextSink } from "./text-sink.js";

/**
 * BTF as JSON, in the shape of `bpftool -j btf dump file F` (bpftool 7.1): `{"types":[…]}` with one object per
 * type: `id`, `kind`, `name` ("(anon)" for anonymous types, as bpftool), then the kind's own fields with bpftool's
 * names and order. For split BTF only the split types are listed, as bpftool does.
 *
 * The streamed text (`writeBtfAsJson`) is bpftool's byte for byte for ordinary names: compact, one line, ending in
 * a newline. Enumerator values outside ±2^53 are written as exact JSON integers there (bpftool does the same);
 * in the object form (`dumpBtfAsJson`) they are decimal strings, because a JS number cannot hold them.
 */

const Id = Type.Integer({ minimum: 1, description: "type id" });
const TypeRef = Type.Integer({ minimum: 0, description: "referenced type id (0 is void)" });
const Name = Type.String({ description: 'the name, or "(anon)"' });
const U32 = Type.Integer({ minimum: 0, maximum: 0xffffffff });

function kindObject<K extends string, P extends Record<string, TSchema>>(kind: K, props: P) {
  return Type.Object({ id: Id, kind: Type.Literal(kind), name: Name, ...props }, { additionalProperties: false });
}

/** An enumerator's value: a number, or a decimal string when it does not fit a JS number exactly (ENUM64). */
export const BtfJsonEnumValueSchema = Type.Union([Type.Integer(), Type.String({ pattern: "^-?[0-9]+$" })]);

export const BtfJsonIntSchema = kindObject("INT", {
  size: U32,
  bits_offset: Type.Integer({ minimum: 0, maximum: 255 }),
  nr_bits: Type.Integer({ minimum: 0, maximum: 255 }),
  encoding: Type.Union([
    Type.Literal("(none)"),
    Type.Literal("SIGNED"),
    Type.Literal("CHAR"),
    Type.Literal("BOOL"),
    Type.Literal("UNKN"),
  ]),
});
const refKind = <K extends string>(kind: K) => kindObject(kind, { type_id: TypeRef });
export const BtfJsonPtrSchema = refKind("PTR");
export const BtfJsonConstSchema = refKind("CONST");
export const BtfJsonVolatileSchema = refKind("VOLATILE");
export const BtfJsonRestrictSchema = refKind("RESTRICT");
export const BtfJsonTypedefSchema = refKind("TYPEDEF");
export const BtfJsonTypeTagSchema = refKind("TYPE_TAG");
export const BtfJsonArraySchema = kindObject("ARRAY", { type_id: TypeRef, index_type_id: TypeRef, nr_elems: U32 });
export const BtfJsonMemberSchema = Type.Object(
  {
    name: Name,
    type_id: TypeRef,
    bits_offset: U32,
    /** Present only for bitfields (kind_flag set and a non-zero size). */
    bitfield_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  },
  { additionalProperties: false },
);
const compositeProps = {
  size: U32,
  vlen: Type.Integer({ minimum: 0, maximum: 0xffff }),
  members: Type.Array(BtfJsonMemberSchema),
};
export const BtfJsonStructSchema = kindObject("STRUCT", compositeProps);
export const BtfJsonUnionSchema = kindObject("UNION", compositeProps);
export const BtfJsonEnumeratorSchema = Type.Object(
  { name: Name, val: BtfJsonEnumValueSchema },
  { additionalProperties: false },
);
const enumProps = {
  encoding: Type.Union([Type.Literal("SIGNED"), Type.Literal("UNSIGNED")]),
  size: U32,
  vlen: Type.Integer({ minimum: 0, maximum: 0xffff }),
  values: Type.Array(BtfJsonEnumeratorSchema),
};
export const BtfJsonEnumSchema = kindObject("ENUM", enumProps);
export const BtfJsonEnum64Schema = kindObject("ENUM64", enumProps);
export const BtfJsonFwdSchema = kindObject("FWD", {
  fwd_kind: Type.Union([Type.Literal("struct"), Type.Literal("union")]),
});
const Linkage = Type.Union([
  Type.Literal("static"),
  Type.Literal("global"),
  Type.Literal("extern"),
  Type.Literal("(unknown)"),
]);
export const BtfJsonFuncSchema = kindObject("FUNC", { type_id: TypeRef, linkage: Linkage });
export const BtfJsonParamSchema = Type.Object({ name: Name, type_id: TypeRef }, { additionalProperties: false });
export const BtfJsonFuncProtoSchema = kindObject("FUNC_PROTO", {
  ret_type_id: TypeRef,
  vlen: Type.Integer({ minimum: 0, maximum: 0xffff }),
  params: Type.Array(BtfJsonParamSchema),
});
export const BtfJsonVarSchema = kindObject("VAR", { type_id: TypeRef, linkage: Linkage });
export const BtfJsonVarSecinfoSchema = Type.Object(
  { type_id: TypeRef, offset: U32, size: U32 },
  { additionalProperties: false },
);
export const BtfJsonDatasecSchema = kindObject("DATASEC", {
  size: U32,
  vlen: Type.Integer({ minimum: 0, maximum: 0xffff }),
  vars: Type.Array(BtfJsonVarSecinfoSchema),
});
export const BtfJsonFloatSchema = kindObject("FLOAT", { size: U32 });
export const BtfJsonDeclTagSchema = kindObject("DECL_TAG", {
  type_id: TypeRef,
  component_idx: Type.Integer({ minimum: -1, description: "-1: the tag is on the type itself" }),
});

/** One type of `BtfJsonSchema`: a union tagged by `kind`. */
export const BtfJsonTypeSchema = Type.Union([
  BtfJsonIntSchema,
  BtfJsonPtrSchema,
  BtfJsonArraySchema,
  BtfJsonStructSchema,
  BtfJsonUnionSchema,
  BtfJsonEnumSchema,
  BtfJsonFwdSchema,
  BtfJsonTypedefSchema,
  BtfJsonVolatileSchema,
  BtfJsonConstSchema,
  BtfJsonRestrictSchema,
  BtfJsonFuncSchema,
  BtfJsonFuncProtoSchema,
  BtfJsonVarSchema,
  BtfJsonDatasecSchema,
  BtfJsonFloatSchema,
  BtfJsonDeclTagSchema,
  BtfJsonTypeTagSchema,
  BtfJsonEnum64Schema,
]);

/** The JSON of `btfkit dump --format json`. */
export const BtfJsonSchema = Type.Object({ types: Type.Array(BtfJsonTypeSchema) }, { additionalProperties: false });

export type BtfJsonType = Static<typeof BtfJsonTypeSchema>;
export type BtfJson = Static<typeof BtfJsonSchema>;

const INT_ENCODINGS: Readonly<Record<number, "(none)" | "SIGNED" | "CHAR" | "BOOL">> = {
  0: "(none)",
  1: "SIGNED",
  2: "CHAR",
  4: "BOOL",
};
const LINKAGES = ["static", "global", "extern"] as const;

function linkageName(v: number): "static" | "global" | "extern" | "(unknown)" {
  return LINKAGES[v] ?? "(unknown)";
}

/** A 64-bit enumerator value as a JS number when exact, else as a decimal string. */
function enum64Value(lo: number, hi: number, signed: boolean): number | string {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const value = signed ? BigInt.asIntN(64, v) : v;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

/** The JSON object of type `id` (own or base). Throws BtfkitError(UNSUPPORTED) for a kind beyond ENUM64. */
export function btfTypeToJson(btf: Btf, id: number): BtfJsonType {
  const info = btf.infoOf(id);
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const nameOff = btf.nameOffOf(id);
  const name = nameOff === 0 ? "(anon)" : btf.strings.get(nameOff);
  const st = btf.sizeTypeOf(id);
  const x = (k: number): number => btf.extraWord(id, k);
  const str = (off: number): string => (off === 0 ? "(anon)" : btf.strings.get(off));
  switch (kind) {
    case BTF_KIND.INT: {
      const v = x(0);
      return {
        id,
        kind: "INT",
        name,
        size: st,
        bits_offset: intOffset(v),
        nr_bits: intBits(v),
        encoding: INT_ENCODINGS[intEncoding(v)] ?? "UNKN",
      };
    }
    case BTF_KIND.PTR:
      return { id, kind: "PTR", name, type_id: st };
    case BTF_KIND.CONST:
      return { id, kind: "CONST", name, type_id: st };
    case BTF_KIND.VOLATILE:
      return { id, kind: "VOLATILE", name, type_id: st };
    case BTF_KIND.RESTRICT:
      return { id, kind: "RESTRICT", name, type_id: st };
    case BTF_KIND.TYPEDEF:
      return { id, kind: "TYPEDEF", name, type_id: st };
    case BTF_KIND.TYPE_TAG:
      return { id, kind: "TYPE_TAG", name, type_id: st };
    case BTF_KIND.ARRAY:
      return { id, kind: "ARRAY", name, type_id: x(0), index_type_id: x(1), nr_elems: x(2) };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      const members: Static<typeof BtfJsonMemberSchema>[] = [];
      for (let j = 0; j < vlen; j++) {
        const off = x(3 * j + 2);
        const bitSize = kflag ? off >>> 24 : 0;
        const m: Static<typeof BtfJsonMemberSchema> = {
          name: str(x(3 * j)),
          type_id: x(3 * j + 1),
          bits_offset: kflag ? off & 0xffffff : off,
        };
        if (bitSize) m.bitfield_size = bitSize;
        members.push(m);
      }
      return { id, kind: kind === BTF_KIND.STRUCT ? "STRUCT" : "UNION", name, size: st, vlen, members };
    }
    case BTF_KIND.ENUM: {
      const values: Static<typeof BtfJsonEnumeratorSchema>[] = [];
      for (let j = 0; j < vlen; j++) {
        const v = x(2 * j + 1);
        values.push({ name: str(x(2 * j)), val: kflag ? v | 0 : v >>> 0 });
      }
      return { id, kind: "ENUM", name, encoding: kflag ? "SIGNED" : "UNSIGNED", size: st, vlen, values };
    }
    case BTF_KIND.ENUM64: {
      const values: Static<typeof BtfJsonEnumeratorSchema>[] = [];
      for (let j = 0; j < vlen; j++) {
        values.push({ name: str(x(3 * j)), val: enum64Value(x(3 * j + 1), x(3 * j + 2), kflag) });
      }
      return { id, kind: "ENUM64", name, encoding: kflag ? "SIGNED" : "UNSIGNED", size: st, vlen, values };
    }
    case BTF_KIND.FWD:
      return { id, kind: "FWD", name, fwd_kind: kflag ? "union" : "struct" };
    case BTF_KIND.FUNC:
      return { id, kind: "FUNC", name, type_id: st, linkage: linkageName(vlen) };
    case BTF_KIND.FUNC_PROTO: {
      const params: Static<typeof BtfJsonParamSchema>[] = [];
      for (let j = 0; j < vlen; j++) params.push({ name: str(x(2 * j)), type_id: x(2 * j + 1) });
      return { id, kind: "FUNC_PROTO", name, ret_type_id: st, vlen, params };
    }
    case BTF_KIND.VAR:
      return { id, kind: "VAR", name, type_id: st, linkage: linkageName(x(0)) };
    case BTF_KIND.DATASEC: {
      const vars: Static<typeof BtfJsonVarSecinfoSchema>[] = [];
      for (let j = 0; j < vlen; j++) vars.push({ type_id: x(3 * j), offset: x(3 * j + 1), size: x(3 * j + 2) });
      return { id, kind: "DATASEC", name, size: st, vlen, vars };
    }
    case BTF_KIND.FLOAT:
      return { id, kind: "FLOAT", name, size: st };
    case BTF_KIND.DECL_TAG:
      return { id, kind: "DECL_TAG", name, type_id: st, component_idx: x(0) | 0 };
    default:
      if (kind !== BTF_KIND.UNKN) exhaustiveKind(kind);
      throw new BtfkitError(ErrorCode.UNSUPPORTED, `kind ${kindName(kind)} cannot be dumped as JSON`, { typeId: id });
  }
}

/** The whole BTF (own types only, for split BTF) as one object conforming to `BtfJsonSchema`. */
export function dumpBtfAsJson(btf: Btf): BtfJson {
  const types: BtfJsonType[] = [];
  for (let id = btf.startId; id < btf.endId; id++) types.push(btfTypeToJson(btf, id));
  return { types };
}

/**
 * Stream the JSON text to `emit`, one type at a time, in chunks of about 64 KiB: a kernel (18 MB of JSON) never
 * exists as one string. The text is `JSON.stringify(dumpBtfAsJson(btf)) + "\n"`, except that enumerator values
 * beyond ±2^53 are bare exact integers rather than strings (as bpftool prints them).
 */
export function writeBtfAsJson(btf: Btf, emit: (chunk: string) => void): void {
  const sink = new TextSink(emit);
  sink.write('{"types":[');
  for (let id = btf.startId; id < btf.endId; id++) {
    if (id !== btf.startId) sink.write(",");
    const t = btfTypeToJson(btf, id);
    sink.write(t.kind === "ENUM64" ? enum64Text(t) : JSON.stringify(t));
  }
  sink.write("]}\n");
  sink.end();
}

/** An ENUM64 object as text, with values that are strings (beyond ±2^53) written as bare integers. */
function enum64Text(t: Static<typeof BtfJsonEnum64Schema>): string {
  let s = JSON.stringify({ id: t.id, kind: t.kind, name: t.name, encoding: t.encoding, size: t.size, vlen: t.vlen });
  s = s.slice(0, -1) + ',"values":[';
  for (let j = 0; j < t.values.length; j++) {
    const v = t.values[j]!;
    if (j > 0) s += ",";
    s += `{"name":${JSON.stringify(v.name)},"val":${typeof v.val === "string" ? v.val : String(v.val)}}`;
  }
  return s + "]}";
}
