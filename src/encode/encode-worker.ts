/**
 * Worker thread of `encodeFileParallel`: opens the ELF file itself and sets up its converter (with pahole 1.30's
 * function table as the main thread sorted it), then converts units until none is left, taking the next one from a
 * counter shared with the main thread and the other workers (so that the threads stay busy however the units' sizes
 * differ). Each result is posted on the job's port as a transferable PackedCuBtf tagged with its position in unit
 * order, and the shared signal word is bumped so that a waiting main thread wakes.
 */
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import { isBtfkitError } from "../common/errors.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import { type DieRef, makeDieRef } from "../dwarf/offsets.js";
import type { UnitHeader } from "../dwarf/unit.js";
import { CuConverter } from "../convert/convert.js";
import { packCuBtf } from "../convert/cu-transfer.js";
import { converterOptions, fileSymbols } from "./convert-options.js";
import { seedPahole130FunctionTable } from "./functions.js";
import {
  CONTROL_FUNCTION_ORDER,
  CONTROL_NEXT,
  CONTROL_SIGNAL,
  CONTROL_UNITS,
  type WorkerJob,
  type WorkerMessage,
  type WorkerUnits,
} from "./worker-protocol.js";

const job = workerData as WorkerJob;
const port = job.port;
const control = new Int32Array(job.control);

function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
  Atomics.add(control, CONTROL_SIGNAL, 1);
  Atomics.notify(control, CONTROL_SIGNAL);
}

/** Block until the main thread sets control word `at`. */
function waitFor(at: number): void {
  while (Atomics.load(control, at) === 0) Atomics.wait(control, at, 0);
}

try {
  const dwarf = DwarfFile.open(job.path);
  try {
    const symtab = fileSymbols(dwarf.elf);
    if (job.functionOrder !== undefined && symtab !== undefined) {
      waitFor(CONTROL_FUNCTION_ORDER);
      seedPahole130FunctionTable(symtab, new Int32Array(job.functionOrder));
    }
    const converter = new CuConverter(dwarf, {
      ...converterOptions(dwarf, job.features),
      debugStrRefs: job.debugStrRefs === true,
      reuseTables: true,
    });
    waitFor(CONTROL_UNITS);
    const { units, order } = receiveMessageOnPort(port)!.message as WorkerUnits;
    // Units are taken in increasing order: the headers are read on the way, as far as needed (listing them all
    // first would decode every unit's abbreviations once more).
    const all = dwarf.allUnits();
    let last: UnitHeader | undefined;
    const unitAt = (ref: number): UnitHeader => {
      while (last === undefined || makeDieRef(last.space, last.offset) !== ref) {
        const r = all.next();
        if (r.done) return dwarf.unitAt(ref as DieRef);
        last = r.value;
      }
      return last;
    };
    for (;;) {
      const k = Atomics.add(control, CONTROL_NEXT, 1);
      if (k >= order.length) break;
      const index = order[k]!;
      const unit = unitAt(units[index]!);
      let cu: ReturnType<CuConverter["convert"]>;
      try {
        cu = converter.convert(unit);
      } catch (e) {
        throw isBtfkitError(e) ? e.withLocation({ section: unit.section, offset: unit.offset }) : e;
      }
      const { packed, transfer } = packCuBtf(cu);
      post({ type: "cu", index, cu: packed }, transfer);
    }
  } finally {
    dwarf.close();
  }
  post({ type: "done" });
} catch (e) {
  post(
    isBtfkitError(e)
      ? { type: "error", reason: e.reason, code: e.code, section: e.section, offset: e.offset }
      : { type: "error", reason: `internal error: ${(e as Error).message}` },
  );
}
