/**
 * Write text chunks to stdout, waiting for the pipe to drain: large dumps stay in order, and a reader that closes
 * early (`| head`) ends the write quietly instead of raising EPIPE.
 */
export async function writeStdoutChunks(chunks: Iterable<string | Uint8Array>): Promise<void> {
  const out = process.stdout;
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") closed = true;
    else throw e;
  };
  out.on("error", onError);
  try {
    for (const c of chunks) {
      if (closed) return;
      if (!out.write(c)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
  } finally {
    out.off("error", onError);
  }
}
