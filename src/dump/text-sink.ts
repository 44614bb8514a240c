/**
 * Accumulates output text in medium-sized chunks: big enough that writing them costs little, small enough that a
 * whole-kernel dump never becomes one huge string.
 */
export class TextSink {
  private buf = "";
  private readonly flushAt: number;
  constructor(
    private readonly emit: (chunk: string) => void,
    flushAt = 1 << 16,
  ) {
    this.flushAt = flushAt;
  }
  write(s: string): void {
    this.buf += s;
    if (this.buf.length >= this.flushAt) {
      this.emit(this.buf);
      this.buf = "";
    }
  }
  end(): void {
    if (this.buf.length > 0) this.emit(this.buf);
    this.buf = "";
  }
}

/** Run `fn` against a sink that collects everything into one string (for tests and small BTF). */
export function collectText(fn: (sink: TextSink) => void): string {
  const parts: string[] = [];
  const sink = new TextSink((c) => parts.push(c));
  fn(sink);
  sink.end();
  return parts.join("");
}
