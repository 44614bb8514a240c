/**
 * What `encodeFileParallel` (encode.ts) and its workers (encode-worker.ts) exchange. A module of its own: the
 * worker's module runs as soon as it is imported.
 */
import type { MessagePort } from "node:worker_threads";
import type { PackedCuBtf } from "../convert/cu-transfer.js";
import type { EncodeFeatures } from "./features.js";

/** Index in `WorkerJob.control` of the next unit to take (its position among the selected units). */
export const CONTROL_NEXT = 0;
/** Index in `WorkerJob.control` of the signal word: bumped and notified after each message. */
export const CONTROL_SIGNAL = 1;
/** Index in `WorkerJob.control` of a word set to 1 (and notified) once the function table was posted. */
export const CONTROL_FUNCTION_TABLE = 2;
/** Words in `WorkerJob.control`. */
export const CONTROL_WORDS = 3;

/**
 * What a worker starts with: the file, the features and which units to convert. It lists the units itself as it
 * goes (units.ts selects the same ones as the main thread), so it can start while the main thread lists them.
 */
export interface WorkerJob {
  path: string;
  features: EncodeFeatures;
  langExclude?: readonly string[];
  langInclude?: readonly string[];
  /** Int32 words shared by all threads (CONTROL_*). */
  control: SharedArrayBuffer;
  /** Both ways: the function table comes in, results go out (read synchronously on both ends). */
  port: MessagePort;
  /** Convert with `debugStrRefs` (the main thread's merger reads the same `.debug_str`). */
  debugStrRefs?: boolean;
  /**
   * The main thread posts pahole 1.30's function table (a SharedFunctionTable, functions.ts) on the port and then
   * sets CONTROL_FUNCTION_TABLE: read once, sorted once, for all threads. Absent when the converter does not use it.
   */
  functionTable?: boolean;
}

export type WorkerMessage =
  /** A converted unit and its position among the selected units. */
  | { type: "cu"; index: number; cu: PackedCuBtf }
  | { type: "error"; reason: string; code?: string; section?: string; offset?: number }
  | { type: "done" };
