/**
 * Worker thread of `encodeFileParallel`: opens the ELF file itself, converts the units it is given (by section
 * and offset) and posts each result as a transferable PackedCuBtf tagged with its position in unit order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isBtfkitError } from "../common/errors.js";
import { DwarfFile } from "../dwarf/dwarf-file.js";
import { makeDieRef } from "../dwarf/offsets.js";
import { CuConverter } from "../convert/convert.js";
import { packCuBtf } from "../convert/cu-transfer.js";
import type { EncodeFeatures } from "./features.js";
import { converterOptions } from "./convert-options.js";

/** What the main thread sends: the file, the features and the units (DieRefs of their headers) with their order. */
export interface WorkerJob {
  path: string;
  features: EncodeFeatures;
  units: { ref: number; index: number }[];
  /** Convert with `debugStrRefs` (the main thread's merger reads the same `.debug_str`). */
  debugStrRefs?: boolean;
}

export type WorkerMessage =
  | { type: "cu"; index: number; cu: import("../convert/cu-transfer.js").PackedCuBtf }
  | { type: "error"; reason: string; code?: string; section?: string; offset?: number }
  | { type: "done" };

const job = workerData as WorkerJob;
const port = parentPort!;
try {
  const dwarf = DwarfFile.open(job.path);
  try {
    const converter = new CuConverter(dwarf, {
      ...converterOptions(dwarf, job.features),
      debugStrRefs: job.debugStrRefs === true,
      reuseTables: true,
    });
    const want = new Map(job.units.map((u) => [u.ref, u.index]));
    for (const unit of dwarf.allUnits()) {
      const index = want.get(makeDieRef(unit.space, unit.offset));
      if (index === undefined) continue;
      const { packed, transfer } = packCuBtf(converter.convert(unit));
      port.postMessage({ type: "cu", index, cu: packed } satisfies WorkerMessage, transfer);
    }
  } finally {
    dwarf.close();
  }
  port.postMessage({ type: "done" } satisfies WorkerMessage);
} catch (e) {
  const msg: WorkerMessage = isBtfkitError(e)
    ? { type: "error", reason: e.reason, code: e.code, section: e.section, offset: e.offset }
    : { type: "error", reason: `internal error: ${(e as Error).message}` };
  port.postMessage(msg);
}
