/**
 * One btfkit process of `btfkit bench dedup`: load the input once, dedup it RUNS times, write the last output, and
 * print one JSON line: {"ms":[…],"cpuMs":[…],"typesIn":N,"typesOut":N,"maxRssKb":N}. Run as its own process so
 * that the first run is a cold start (V8 not warmed up) and the peak RSS is btfkit's alone.
 *
 *   node bench-dedup-child.js INPUT OUTPUT RUNS [BASE]
 */
import { writeFileSync } from "node:fs";
import { writeBtf } from "../btf/write.js";
import { dedupBtf } from "../dedup/dedup.js";
import { loadBtf } from "../io/load-btf.js";

function run(): void {
  const [input, output, runsArg, base] = process.argv.slice(2);
  const runs = Number(runsArg);
  const btf = loadBtf(input!, { base: base || undefined });
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let out = btf;
  let maxRssKb = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const res = dedupBtf(btf);
    const c = process.cpuUsage(c0);
    ms.push(res.stats.ms);
    cpuMs.push((c.user + c.system) / 1000);
    out = res.btf;
    // Later runs add uncollected garbage of earlier ones: the peak after load + one dedup is the figure.
    if (r === 0) maxRssKb = process.resourceUsage().maxRSS;
  }
  writeFileSync(output!, writeBtf(out));
  process.stdout.write(JSON.stringify({ ms, cpuMs, typesIn: btf.count, typesOut: out.count, maxRssKb }) + "\n");
}

try {
  run();
} catch (e) {
  // One line, as the CLI reports errors (main.ts cannot be imported here: it runs the CLI when loaded).
  process.stderr.write(`btfkit: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`);
  process.exitCode = 1;
}
