/** What btfkit-pahole's encode service and its clients exchange (service-client.cts, service-server.ts). */

/** One request: what a btfkit-pahole process would have run. */
export interface ServiceRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * "binary": answer with a frame instead of JSON (native/pahole-client.c, which has no JSON parser): the exit code,
   * the byte lengths of stdout and stderr (each a 32-bit little-endian word), then stdout's and stderr's UTF-8 bytes.
   */
  reply?: "binary";
}

/** The answer: what that process would have printed, and its exit code. */
export interface ServiceReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The binary form of a reply (`reply: "binary"`). */
export function encodeBinaryReply(r: ServiceReply): Buffer {
  const out = Buffer.from(r.stdout, "utf8");
  const err = Buffer.from(r.stderr, "utf8");
  const head = Buffer.alloc(12);
  head.writeUInt32LE(r.exitCode >>> 0, 0);
  head.writeUInt32LE(out.length, 4);
  head.writeUInt32LE(err.length, 8);
  return Buffer.concat([head, out, err]);
}
