/**
 * What `encodeFileParallel` (encode.ts) and its workers (encode-worker.ts) exchange. A module of its own: the
 * worker's module runs as soon as it is imported.
 */
import type { MessagePort } from "node:worker_threads";
import type { PackedCuBtf } from "../convert/cu-transfer.js";
import type { EncodeFeatures } from "./features.js";

/** Index in `WorkerJob.control` of the next position in the units' `order` to take. */
export const CONTROL_NEXT = 0;
/** Index in `WorkerJob.control` of the signal word: bumped and notified after each message. */
export const CONTROL_SIGNAL = 1;
/** Index in `WorkerJob.control` of a word set to 1 (and notified) once the units were posted (WorkerUnits). */
export const CONTROL_UNITS = 2;
/** Index in `WorkerJob.control` of a word set to 1 (and notified) once `functionOrder` is filled in. */
export const CONTROL_FUNCTION_ORDER = 3;
/** Words in `WorkerJob.control`. */
export const CONTROL_WORDS = 4;

/**
 * What a worker starts with: the file and the features. It sets up its converter while the main thread lists the
 * units, which it then posts (WorkerUnits).
 */
export interface WorkerJob {
  path: string;
  features: EncodeFeatures;
  /** Int32 words shared by all threads (CONTROL_*). */
  control: SharedArrayBuffer;
  /** Both ways: the units come in, results go out (the main thread reads it synchronously, between its own units). */
  port: MessagePort;
  /** Convert with `debugStrRefs` (the main thread's merger reads the same `.debug_str`). */
  debugStrRefs?: boolean;
  /**
   * Int32 words for the sorted order of pahole 1.30's function table (`Pahole130FunctionTable.sortedOrder`), which
   * the main thread sorts once for all threads; absent when the converter does not use the table.
   */
  functionOrder?: SharedArrayBuffer;
}

/** The units to convert, posted to each worker once they are listed. */
export interface WorkerUnits {
  /** DieRefs of the units' headers, in unit order (a result names its unit by index here). */
  units: number[];
  /** The order units are handed out in: unit indices, taken one at a time through `control[CONTROL_NEXT]`. */
  order: Int32Array;
}

export type WorkerMessage =
  | { type: "cu"; index: number; cu: PackedCuBtf }
  | { type: "error"; reason: string; code?: string; section?: string; offset?: number }
  | { type: "done" };
