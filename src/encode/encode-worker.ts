/**
 * Worker thread of `encodeFileParallel`: opens the ELF file itself and sets up its converter (with pahole 1.30's
 * function table as the main thread built it), then converts units until none is left, taking the next one from a
 * counter shared with the main thread and the other workers (so that the threads stay busy however the units' sizes
 * differ). Each result is posted on the job's port as a transferable PackedCuBtf tagged with its position among the
 * selected units, and the shared signal word is bumped so that a waiting main thread wakes.
 */
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import { isBtfkitError } from "../common/errors.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import type { UnitHeader } from "../dwarf/unit.js";
import { CuConverter } from "../convert/convert.js";
import { packCuBtf } from "../convert/cu-transfer.js";
import { converterOptions } from "./convert-options.js";
import { Pahole130FunctionTable, type SharedFunctionTable } from "./functions.js";
import {
  CONTROL_FUNCTION_TABLE,
  CONTROL_NEXT,
  CONTROL_SIGNAL,
  type WorkerJob,
  type WorkerMessage,
} from "./worker-protocol.js";
import { unitSelector } from "./units.js";

const job = workerData as WorkerJob;
const port = job.port;
const control = new Int32Array(job.control);

function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
  Atomics.add(control, CONTROL_SIGNAL, 1);
  Atomics.notify(control, CONTROL_SIGNAL);
}

/** Block until the main thread sets control word `at` (it terminates this worker if it never does). */
function waitFor(at: number): void {
  while (Atomics.load(control, at) === 0) Atomics.wait(control, at, 0);
}

try {
  const dwarf = DwarfFile.open(job.path);
  try {
    // The table is waited for when the first function name is matched, after this thread's start-up and the first
    // unit's first DIEs.
    const table130 =
      job.functionTable === true
        ? (): Pahole130FunctionTable => {
            waitFor(CONTROL_FUNCTION_TABLE);
            return new Pahole130FunctionTable(receiveMessageOnPort(port)!.message as SharedFunctionTable);
          }
        : undefined;
    const converter = new CuConverter(dwarf, {
      ...converterOptions(dwarf, job.features, table130),
      debugStrRefs: job.debugStrRefs === true,
      reuseTables: true,
    });
    // The k-th selected unit, listing the units as far as needed (k only grows): the main thread lists them all
    // meanwhile, and this thread converts from the start.
    const want = unitSelector(job.langExclude, job.langInclude);
    const all = dwarf.allUnits();
    let selected = -1;
    let current: UnitHeader | undefined;
    const selectedUnit = (k: number): UnitHeader | undefined => {
      while (selected < k) {
        const r = all.next();
        if (r.done) return undefined;
        if (want(r.value)) {
          selected++;
          current = r.value;
        }
      }
      return current;
    };
    for (;;) {
      const index = Atomics.add(control, CONTROL_NEXT, 1);
      const unit = selectedUnit(index);
      if (unit === undefined) break;
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
