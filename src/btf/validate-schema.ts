import { type Static, Type } from "@sinclair/typebox";

/** One problem in `btfkit validate --json`. */
export const BtfProblemSchema = Type.Object({
  typeId: Type.Optional(
    Type.Integer({ minimum: 1, description: "type the problem is about; absent for header problems" }),
  ),
  kind: Type.Optional(Type.String({ description: "kind name of that type" })),
  name: Type.Optional(Type.String({ description: "its name, '' when anonymous" })),
  component: Type.Optional(
    Type.Integer({ minimum: 0, description: "member, enumerator, parameter or DATASEC entry index" }),
  ),
  rule: Type.String({ description: "stable rule id (BTF_RULE)" }),
  message: Type.String({ description: "the rule in the kernel verifier's words" }),
  detail: Type.String({ description: "what exactly is wrong" }),
});

/** The whole output of `btfkit validate --json`. */
export const ValidateReportSchema = Type.Object({
  file: Type.String(),
  base: Type.Optional(Type.String()),
  section: Type.Optional(Type.String({ description: "ELF section the BTF was read from" })),
  valid: Type.Boolean(),
  types: Type.Integer({ minimum: 0, description: "number of own types parsed (0 when the blob could not be parsed)" }),
  problems: Type.Array(BtfProblemSchema),
});
export type ValidateReport = Static<typeof ValidateReportSchema>;
