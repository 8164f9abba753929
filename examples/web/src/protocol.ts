/** The messages between the page and the training worker (all structured-cloneable). */
import type { StoredEntry } from '@simplegrad/train';
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
  /** The fetched IDX files (their buffers are transferred), the digits to show and the test images a loaded model is scored on; answered by `loaded` or `error`. */
  | { type: 'data'; files: IdxFiles; digits: number; testLimit: number }
  /** Starts a fresh run (new model from the seed) on the loaded data. */
  | { type: 'start'; options: RunOptions }
  /** Stops the current run between two batches; it still ends with a `done` event. */
  | { type: 'stop' }
  /** Asks for the current weights as safetensors; answered by `checkpoint`. */
  | { type: 'checkpoint' }
  /** A drawing's RGBA pixels to classify with the current model; answered by `drawing`. */
  | { type: 'classifyDrawing'; pixels: { data: Uint8ClampedArray; width: number; height: number } }
  /** Saves the current model to IndexedDB / loads the saved one / deletes it / asks what is saved; each answered by `stored`. */
  | { type: 'save' | 'load' | 'delete' | 'list' };

/** Worker → page: a run's events plus the answers to the requests above. */
export type FromWorker =
  | RunEvent
  | { type: 'loaded'; trainImages: number; testImages: number; seconds: number; simd: boolean; digits: Digits }
  | { type: 'started'; backend: string }
  | { type: 'checkpoint'; bytes: ArrayBuffer; steps: number }
  /** Probabilities of the ten classes and the 28 × 28 digit the model saw; null for an empty drawing or no model. */
  | { type: 'drawing'; probs: number[] | null; digit: Uint8Array | null }
  /** The saved model's entry (null: none), after `op`; a load also brings predictions for the digits and a test accuracy. */
  | { type: 'stored'; op: 'save' | 'load' | 'delete' | 'list'; entry: StoredEntry | null; loaded?: { predictions: number[]; testAccuracy: number; images: number } }
  | { type: 'error'; message: string };
