/** The JSON schema of `btfkit encode --json`'s summary (src/encode/encode.ts's EncodeStats is its static type). */
import { Type } from "@sinclair/typebox";

export const EncodeStatsSchema = Type.Object(
  {
    file: Type.String({ description: "the input ELF file" }),
    cus: Type.Integer({ description: "compile units converted" }),
    cusSkipped: Type.Integer({ description: "units skipped: excluded languages, type units, empty units" }),
    dies: Type.Integer({ description: "DIEs walked in the converted units" }),
    typesBeforeDedup: Type.Integer({
      description: "own types after merging all CUs and adding functions and variables",
    }),
    typesAfterDedup: Type.Integer({
      description: "own types in the output (equal to typesBeforeDedup with --no-dedup)",
    }),
    functions: Type.Integer({ description: "FUNCs emitted" }),
    functionsInconsistent: Type.Integer({
      description: "function names dropped because their prototypes differ between CUs",
    }),
    variables: Type.Integer({ description: "VARs emitted" }),
    externalRefs: Type.Integer({
      description: "references to DIEs of other units that could not be linked (LTO ref_addr), encoded as void",
    }),
    sanitizedInts: Type.Integer({
      description: "base types of a size BTF cannot hold, encoded as __SANITIZED_FAKE_INT__",
    }),
    rustMirrored: Type.Optional(
      Type.Integer({
        description: "Rust types with a C type's name and layout (bindgen's mirrors) folded into that C type",
      }),
    ),
    rustRenamed: Type.Optional(
      Type.Integer({
        description: "Rust types with a C type's name but another layout, given their namespace-qualified names",
      }),
    ),
    bytes: Type.Optional(Type.Integer({ description: "size of the written raw BTF" })),
    ms: Type.Number({ description: "wall time of the conversion (and dedup) in milliseconds" }),
  },
  { $id: "btfkit/encode-stats", additionalProperties: false },
);
