// Worker for btf-fuzz.test.ts: mutates raw BTF blobs (a split one on its base too) and runs them through what the
// commands do (parse, raw/C/JSON dump, dedup, write and re-read, diff, validate), transpiled to plain JS by the test.
// Every failure must be a one-line BtfkitError naming the file, a section and an offset once the command has located
// it (Btf.locateError, as src/cli does); anything else is reported. The current case number is kept in shared memory
// so the parent can tell which case hangs.
//
// Replay one case after a test run (which leaves the transpiled build in .cache): `node test/fuzz/btf-fuzz-worker.mjs K`
// prints case K's mutation and what each step threw.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMainThread, parentPort, workerData as givenData } from "node:worker_threads";
import { rng } from "./rng.mjs";

const replay = isMainThread ? Number(process.argv[2]) : undefined;
const workerData = givenData ?? replayData(replay);
const { buildDir, fixtures, first, count, progress, slot } = workerData;
const { parseBtf } = await import(`${buildDir}/src/btf/reader.js`);
const { writeBtf } = await import(`${buildDir}/src/btf/write.js`);
const { validateBtfBlob, formatProblem } = await import(`${buildDir}/src/btf/validate.js`);
const { extraWords, infoKind, infoVlen, BTF_KIND } = await import(`${buildDir}/src/btf/kinds.js`);
const { dumpBtfRaw } = await import(`${buildDir}/src/dump/raw.js`);
const { ByteSink } = await import(`${buildDir}/src/dump/byte-sink.js`);
const { dumpBtfAsC } = await import(`${buildDir}/src/dump/c.js`);
const { writeBtfAsJson } = await import(`${buildDir}/src/dump/json.js`);
const { dedupBtf } = await import(`${buildDir}/src/dedup/dedup.js`);
const { diffBtf } = await import(`${buildDir}/src/diff/diff-btf.js`);
const cur = new Int32Array(progress);

/** The fuzz test's inputs, for a replay outside the test (keep in step with btf-fuzz.test.ts). */
function replayData(k) {
  const root = join(import.meta.dirname, "../..");
  const read = (p) => ({ name: p, bytes: new Uint8Array(readFileSync(join(root, p))) });
  const fixtures = [
    read("test/fixtures/btf/sample.btf"),
    { ...read("test/fixtures/btf/module.btf"), base: read("test/fixtures/btf/sample.btf") },
    read("test/fixtures/distill/base.btf"),
    { ...read("test/fixtures/distill/mod.split.btf"), base: read("test/fixtures/distill/base.btf") },
  ];
  return {
    buildDir: join(root, ".cache/fuzz-build-btf"),
    fixtures,
    first: k,
    count: 1,
    progress: new SharedArrayBuffer(4),
    slot: 0,
  };
}

/** The layout of a (little-endian) fixture: header fields and, per type record, where it starts and its kind. */
function layout(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = v.getUint32(4, true);
  const typeStart = hdrLen + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strStart = hdrLen + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const records = [];
  for (let at = typeStart; at < typeStart + typeLen; ) {
    const info = v.getUint32(at + 4, true);
    records.push({ at, kind: infoKind(info), vlen: infoVlen(info) });
    at += 12 + 4 * extraWords(infoKind(info), infoVlen(info));
  }
  return { hdrLen, typeStart, typeLen, strStart, strLen, records };
}

/** Byte offsets of the words of a record that hold type ids (header word, members, parameters, …). */
function idWords(r) {
  const K = BTF_KIND;
  const out = [];
  const x = r.at + 12;
  switch (r.kind) {
    case K.PTR:
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.FUNC:
    case K.FUNC_PROTO:
    case K.VAR:
    case K.DECL_TAG:
    case K.TYPE_TAG:
      out.push(r.at + 8);
      break;
  }
  if (r.kind === K.ARRAY) out.push(x, x + 4);
  if (r.kind === K.STRUCT || r.kind === K.UNION) for (let k = 0; k < r.vlen; k++) out.push(x + 12 * k + 4);
  if (r.kind === K.FUNC_PROTO) for (let k = 0; k < r.vlen; k++) out.push(x + 8 * k + 4);
  if (r.kind === K.DATASEC) for (let k = 0; k < r.vlen; k++) out.push(x + 12 * k);
  return out;
}

/** Kinds whose records have the same size for the same vlen: changing one into another keeps the blob parseable. */
const SAME_SHAPE = [
  [2, 8, 9, 10, 11, 12, 18, 7, 16],
  [1, 14, 17],
  [4, 5, 15, 19],
  [6, 13],
];

function mutateOnce(b, L, nTypes, firstId, r) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pick = (n) => Math.floor(r() * n);
  const rec = L.records.length ? L.records[pick(L.records.length)] : undefined;
  const specials = [
    0,
    1,
    2,
    firstId,
    firstId + nTypes - 1,
    firstId + nTypes,
    firstId + nTypes + 1,
    0xffffffff,
    0x7fffff,
    0x80000000,
    L.strLen - 1,
    L.strLen,
    0xffff,
  ];
  // Earlier mutations of the case may have truncated the blob: reads and writes past its end do nothing.
  const put = (at, val) => {
    if (at >= 0 && at + 4 <= b.length) v.setUint32(at, val >>> 0, true);
  };
  const get = (at) => (at >= 0 && at + 4 <= b.length ? v.getUint32(at, true) : 0);
  switch (pick(8)) {
    case 0: {
      const n = pick(b.length);
      return { bytes: b.subarray(0, n), what: `truncate to ${n}` };
    }
    case 1: {
      const flips = 1 + pick(8);
      const lo = L.typeStart,
        hi = Math.min(b.length, L.typeStart + L.typeLen);
      for (let i = 0; i < flips && hi > lo; i++) b[lo + pick(hi - lo)] ^= 1 << pick(8);
      return { bytes: b, what: `${flips} bit flips in types` };
    }
    case 2: {
      const at = L.typeStart + 4 * pick(L.typeLen >>> 2);
      const val = specials[pick(specials.length)];
      put(at, val);
      return { bytes: b, what: `word at ${at} = ${val}` };
    }
    case 3: {
      // Point a type reference at another type, earlier ones included: loops through typedefs, pointers, arrays
      // and members.
      if (!rec) return { bytes: b, what: "nothing" };
      const ws = idWords(rec);
      if (!ws.length) return { bytes: b, what: "nothing" };
      const at = ws[pick(ws.length)];
      const to = pick(firstId + nTypes);
      put(at, to);
      return { bytes: b, what: `ref at ${at} -> ${to}` };
    }
    case 4: {
      if (!rec) return { bytes: b, what: "nothing" };
      const info = get(rec.at + 4);
      const group = SAME_SHAPE.find((g) => g.includes(rec.kind)) ?? [rec.kind];
      const kind = group[pick(group.length)];
      const kflag = pick(2);
      put(rec.at + 4, ((info & 0x7000ffff) | (kind << 24) | (kflag << 31)) >>> 0);
      return { bytes: b, what: `record at ${rec.at} kind ${rec.kind} -> ${kind} kflag ${kflag}` };
    }
    case 5: {
      if (!rec) return { bytes: b, what: "nothing" };
      // The size word (struct sizes, int sizes, array counts when it is an ARRAY's third extra word).
      const at = rec.kind === BTF_KIND.ARRAY ? rec.at + 20 : rec.at + 8;
      const val = [0, 1, 3, 7, 8, 0x10000, 0xffffffff, 0x80000000][pick(8)];
      put(at, val);
      return { bytes: b, what: `size at ${at} = ${val}` };
    }
    case 6: {
      // Names: another type's name (duplicates), a name offset inside a string, or odd bytes in the strings.
      if (!rec) return { bytes: b, what: "nothing" };
      const other = L.records[pick(L.records.length)];
      if (pick(2)) {
        put(rec.at, get(other.at) + pick(2));
        return { bytes: b, what: `name of ${rec.at} from ${other.at}` };
      }
      const at = L.strStart + pick(L.strLen);
      if (at < b.length) b[at] = [0, 0x20, 0x2e, 0x0a, 0xff, 0x41][pick(6)];
      return { bytes: b, what: `string byte ${at}` };
    }
    default: {
      const field = 4 + 4 * pick(5);
      const val = [0, 4, 24, 0xffffffff, L.typeLen + 4, L.strLen + 1, b.length][pick(7)];
      put(field, val);
      return { bytes: b, what: `header field ${field} = ${val}` };
    }
  }
}

function mutate(orig, L, nTypes, firstId, r) {
  let b = new Uint8Array(orig);
  const whats = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const m = mutateOnce(b, L, nTypes, firstId, r);
    b = m.bytes;
    whats.push(m.what);
  }
  return { bytes: b, what: whats.join(", ") };
}

/**
 * What the commands do with a loaded table; each step's error is located as the command locates it. The raw and
 * JSON dumps print whatever the reader accepted, so they must not fail at all; the C header and the dedup may refuse
 * what C or libbpf cannot express (loops the kernel accepts, such as a pointer to a prototype taking that pointer).
 */
function pipeline(btf, original, check) {
  const step = (name, fn, mustWork) => {
    if (replay !== undefined) console.error(`step: ${name}`);
    try {
      fn();
    } catch (e) {
      const located = btf.locateError(e);
      check(mustWork ? new Error(`${name} failed on a table the reader accepted: ${located?.message}`) : located, name);
    }
  };
  step(
    "dump raw",
    () => {
      const sink = new ByteSink(() => {});
      dumpBtfRaw(btf, sink);
      sink.end();
    },
    true,
  );
  step("dump c", () => dumpBtfAsC(btf));
  step("dump json", () => writeBtfAsJson(btf, () => {}), true);
  step("dedup", () => {
    const { btf: out } = dedupBtf(btf);
    const again = parseBtf(writeBtf(out), { base: btf.base, file: "dedup output" });
    diffBtf(again, btf);
  });
  step("diff", () => diffBtf(btf, original, { includeBase: btf.base !== undefined }));
}

const failures = [];
const files = fixtures.map((f) => {
  const base = f.base ? parseBtf(f.base.bytes, { file: f.base.name }) : undefined;
  const btf = parseBtf(f.bytes, { base, file: f.name });
  return { ...f, baseBtf: base, btf, layout: layout(f.bytes), baseLayout: f.base ? layout(f.base.bytes) : undefined };
});
for (let k = first; k < first + count; k++) {
  cur[slot] = k;
  const f = files[k % files.length];
  const r = rng(k * 2654435761);
  // A split fixture mostly has its own bytes mutated; sometimes its base's.
  const onBase = f.base !== undefined && r() < 0.2;
  let bytes = f.bytes,
    baseBytes = f.base?.bytes,
    what;
  if (onBase) ({ bytes: baseBytes, what } = mutate(f.base.bytes, f.baseLayout, f.baseBtf.count, 1, r));
  else ({ bytes, what } = mutate(f.bytes, f.layout, f.btf.count, f.btf.startId, r));
  const fail = (stage, e) =>
    failures.push({
      k,
      file: onBase ? f.base.name : f.name,
      what: `${what}; ${stage}`,
      message: String(e?.message),
      stack: String(e?.stack).split("\n").slice(0, 5).join(" | "),
    });
  if (replay !== undefined) {
    console.error(
      `case ${k}: ${onBase ? f.base.name : f.name}: ${what}; bytes in /tmp/btf-fuzz-case.btf (base: -base.btf)`,
    );
    writeFileSync("/tmp/btf-fuzz-case.btf", bytes);
    if (baseBytes) writeFileSync("/tmp/btf-fuzz-case-base.btf", baseBytes);
  }
  const names = f.base ? [f.name, f.base.name] : [f.name];
  const check = (e, stage) => {
    const ok =
      e &&
      e.name === "BtfkitError" &&
      typeof e.code === "string" &&
      !e.message.includes("\n") &&
      names.some((n) => e.message.startsWith(`${n}: `)) &&
      e.section !== undefined &&
      e.offset !== undefined;
    if (!ok) fail(stage, e);
  };
  let base = f.baseBtf;
  try {
    if (onBase) base = parseBtf(baseBytes, { file: f.base.name, section: "BTF" });
  } catch (e) {
    check(e, "parse base");
    continue;
  }
  // validate reads the blob itself and reports problems instead of throwing.
  let valid = false;
  try {
    const { problems } = validateBtfBlob(bytes, { base, file: f.name, byteOrder: "any" });
    for (const p of problems)
      if (formatProblem(p).includes("\n")) throw new Error(`problem on two lines: ${formatProblem(p)}`);
    // validate checks a split BTF's own types; its base must be valid too for the whole to be.
    valid =
      problems.length === 0 &&
      (!onBase || validateBtfBlob(baseBytes, { file: f.base.name, byteOrder: "any" }).problems.length === 0);
  } catch (e) {
    fail("validate", e);
  }
  let btf;
  try {
    btf = parseBtf(bytes, { base, file: f.name, section: "BTF" });
  } catch (e) {
    // The reader checks less than the kernel: what the kernel accepts, it must read.
    check(valid ? new Error(`valid BTF, but: ${e?.message}`) : e, "parse");
    continue;
  }
  pipeline(btf, f.btf, check);
}
cur[slot] = -1;
if (parentPort) parentPort.postMessage({ failures });
else console.log(JSON.stringify(failures, null, 1));
