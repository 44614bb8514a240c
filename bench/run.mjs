// Entry point of `npm run bench -- NAME [args]`: runs bench/NAME.mjs. With no name, lists the benchmarks.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const dir = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs") && !["run.mjs", "lib.mjs"].includes(f))
  .map((f) => f.slice(0, -4));
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.log(`usage: npm run bench -- <name> [args]\nbenchmarks: ${names.join(", ")}`);
  process.exit(name ? 2 : 0);
}
process.argv = [process.argv[0], join(dir, name + ".mjs"), ...rest];
await import(join(dir, name + ".mjs"));
