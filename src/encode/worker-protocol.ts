/**
 * What `encodeFileParallel` (encode.ts) and its workers (encode-worker.ts) exchange. A module of its own: the
 * worker's module runs as soon as it is imported.
 */
import type { MessagePort } from "node:worker_threads";
import type { PackedCuBtf } from "../convert/cu-transfer.js";
import type { EncodeFeatures } from "./features.js";

/** Index in `WorkerJob.control` of the next position in `order` to take. */
export const CONTROL_NEXT = 0;
/** Index in `WorkerJob.control` of the signal word: bumped and notified after each message. */
export const CONTROL_SIGNAL = 1;

/** What the main thread sends: the file, the features, the units and how to share them out. */
export interface WorkerJob {
  path: string;
  features: EncodeFeatures;
  /** DieRefs of the units' headers, in unit order (a result names its unit by index here). */
  units: number[];
  /** The order units are handed out in: unit indices, taken one at a time through `control[CONTROL_NEXT]`. */
  order: Int32Array;
  /** Int32 words shared by all threads (CONTROL_*). */
  control: SharedArrayBuffer;
  /** Where results go (the main thread reads it synchronously, between its own units). */
  port: MessagePort;
  /** Convert with `debugStrRefs` (the main thread's merger reads the same `.debug_str`). */
  debugStrRefs?: boolean;
}

export type WorkerMessage =
  | { type: "cu"; index: number; cu: PackedCuBtf }
  | { type: "error"; reason: string; code?: string; section?: string; offset?: number }
  | { type: "done" };
