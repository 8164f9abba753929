/** The messages between the page and the training worker (all structured-cloneable). */
import type { RunOptions } from './options.js';
import type { IdxFiles, RunEvent } from './session.js';

/** The first test images as 8-bit grey pixels (`count` × 28 × 28, row-major) and their labels. */
export interface Digits {
  count: number;
  pixels: Uint8Array;
  labels: number[];
}

/** Page → worker. */
export type ToWorker =
  /** The fetched IDX files (their buffers are transferred); answered by `loaded` or `error`. */
  | { type: 'data'; files: IdxFiles; digits: number }
  /** Starts a fresh run (new model from the seed) on the loaded data. */
  | { type: 'start'; options: RunOptions }
  /** Stops the current run between two batches; it still ends with a `done` event. */
  | { type: 'stop' }
  /** Asks for the current weights as safetensors; answered by `checkpoint`. */
  | { type: 'checkpoint' };

/** Worker → page: a run's events plus the answers to the requests above. */
export type FromWorker =
  | RunEvent
  | { type: 'loaded'; trainImages: number; testImages: number; seconds: number; simd: boolean; digits: Digits }
  | { type: 'started'; backend: string }
  | { type: 'checkpoint'; bytes: ArrayBuffer; steps: number }
  | { type: 'error'; message: string };
