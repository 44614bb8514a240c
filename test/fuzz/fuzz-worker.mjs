// Worker for dwarf-fuzz.test.ts: reads mutated fixtures with the DWARF reader (transpiled to plain JS by the test)
// and reports every failure that is not a one-line BtfkitError naming file and offset. The current case number is
// kept in shared memory so the parent can tell which case hangs.
import { parentPort, workerData } from "node:worker_threads";
import { rng } from "./rng.mjs";

const { buildDir, fixtures, first, count, progress, slot } = workerData;
const { ElfFile } = await import(`${buildDir}/src/elf/elf-file.js`);
const { DwarfFile, DW_AT } = await import(`${buildDir}/src/dwarf/index.js`);
const { readSymbols } = await import(`${buildDir}/src/elf/symbols.js`);
const cur = new Int32Array(progress);

const SPECIAL = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x40];

/** Regions worth mutating: the ELF header, the section header table and the start of each debug section. */
function regions(bytes) {
  const out = [[0, Math.min(64, bytes.length)]];
  try {
    const elf = ElfFile.fromBytes(bytes, "x");
    const h = elf.header;
    out.push([h.shoff, h.shoff + h.shnum * h.shentsize]);
    for (const s of elf.sections) {
      if (/debug|rela|symtab/.test(s.name) && s.size > 0)
        out.push([s.offset, s.offset + Math.min(s.size, 64)], [s.offset, s.offset + s.size]);
    }
  } catch {}
  return out.filter(([a, b]) => b > a && b <= bytes.length);
}

function mutate(orig, r, regs) {
  const kind = Math.floor(r() * 4);
  let b = new Uint8Array(orig);
  let what;
  if (kind === 0) {
    const n = Math.floor(r() * b.length);
    b = b.subarray(0, n);
    what = `truncate to ${n}`;
  } else if (kind === 1) {
    const flips = 1 + Math.floor(r() * 8);
    const [lo, hi] = regs[Math.floor(r() * regs.length)];
    for (let i = 0; i < flips; i++) {
      const at = lo + Math.floor(r() * (hi - lo));
      b[at] ^= 1 << Math.floor(r() * 8);
    }
    what = `${flips} bit flips`;
  } else if (kind === 2) {
    const [lo, hi] = regs[Math.floor(r() * Math.min(regs.length, 2))];
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) b[lo + Math.floor(r() * (hi - lo))] = SPECIAL[Math.floor(r() * SPECIAL.length)];
    what = `header bytes ${n}`;
  } else {
    const [lo, hi] = regs[Math.floor(r() * regs.length)];
    const at = lo + Math.floor(r() * (hi - lo));
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = SPECIAL[Math.floor(r() * SPECIAL.length)];
    what = `overwrite ${n} at ${at}`;
  }
  return { bytes: b, what };
}

/** Everything a converter would do: units, root strings, every DIE and attribute, references followed. */
function readAll(bytes, name) {
  const elf = ElfFile.fromBytes(bytes, name);
  readSymbols(elf);
  const d = DwarfFile.fromElf(elf, { altPath: workerData.altPath });
  const c = d.cursor();
  const c2 = d.cursor();
  let refs = 0;
  for (const u of d.allUnits()) {
    void u.producer;
    void u.name;
    c.reset(u);
    let n = 0;
    while (c.next()) {
      if (++n > 2_000_000) throw new Error("runaway DIE walk");
      for (let i = 0; i < c.attrCount; i++) c.valueAt(i);
      const r = c.ref(DW_AT.DW_AT_type);
      if (r !== undefined && refs++ < 200) d.dieAt(r, c2);
      if ((n & 7) === 0) c.skipChildren();
    }
  }
  d.close();
}

const failures = [];
const files = fixtures.map((f) => ({ ...f, regs: regions(f.bytes) }));
for (let k = first; k < first + count; k++) {
  cur[slot] = k;
  const f = files[k % files.length];
  const r = rng(k * 2654435761);
  const { bytes, what } = mutate(f.bytes, r, f.regs);
  try {
    readAll(bytes, f.name);
  } catch (e) {
    const ok =
      e &&
      e.name === "BtfkitError" &&
      typeof e.code === "string" &&
      !e.message.includes("\n") &&
      (e.message.startsWith(`${f.name}: `) || e.message.startsWith(`${workerData.altPath}: `)) &&
      e.offset !== undefined;
    if (!ok)
      failures.push({
        k,
        file: f.name,
        what,
        message: String(e?.message),
        stack: String(e?.stack).split("\n").slice(0, 4).join(" | "),
      });
  }
}
cur[slot] = -1;
parentPort.postMessage({ failures });
