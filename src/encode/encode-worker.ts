/**
 * Worker thread of `encodeFileParallel`: opens the ELF file itself and converts units until none is left, taking
 * the next one from a counter shared with the main thread and the other workers (so that the threads stay busy
 * however the units' sizes differ). Each result is posted on the job's port as a transferable PackedCuBtf tagged
 * with its position in unit order, and the shared signal word is bumped so that a waiting main thread wakes.
 */
import { workerData } from "node:worker_threads";
import { isBtfkitError } from "../common/errors.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import type { DieRef } from "../dwarf/offsets.js";
import { CuConverter } from "../convert/convert.js";
import { packCuBtf } from "../convert/cu-transfer.js";
import { converterOptions } from "./convert-options.js";
import { CONTROL_NEXT, CONTROL_SIGNAL, type WorkerJob, type WorkerMessage } from "./worker-protocol.js";

const job = workerData as WorkerJob;
const port = job.port;
const control = new Int32Array(job.control);

function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
  Atomics.add(control, CONTROL_SIGNAL, 1);
  Atomics.notify(control, CONTROL_SIGNAL);
}

try {
  const dwarf = DwarfFile.open(job.path);
  try {
    const converter = new CuConverter(dwarf, {
      ...converterOptions(dwarf, job.features),
      debugStrRefs: job.debugStrRefs === true,
      reuseTables: true,
    });
    const order = job.order;
    for (;;) {
      const k = Atomics.add(control, CONTROL_NEXT, 1);
      if (k >= order.length) break;
      const index = order[k]!;
      const unit = dwarf.unitAt(job.units[index]! as DieRef);
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
