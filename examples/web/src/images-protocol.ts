/**
 * The images page talks to its worker by remote calls: the page posts `{ rid, op, args }`, the
 * worker answers `{ type: 'reply', rid, value }` or `{ type: 'reply', rid, error }`; while a
 * `train` call runs, the worker also posts its training events. {@link ImagesApi} types both ends.
 */
import type { StoredEntry } from '@simplegrad/train';
import type { Arch, ModelSpec, Prediction, TrainEvent, TrainSettings } from './images-session.js';

/** An image the worker decoded and keeps, named by `id`. */
export interface DecodedImage {
  id: number;
  width: number;
  height: number;
}

/** What the worker can do for the page (all arguments and results structured-cloneable). */
export interface ImagesApi {
  /** Decodes image file bytes (any format the browser reads; PNG and JPEG also without it) and keeps the image. */
  decode(bytes: ArrayBuffer): DecodedImage;
  /** Drops kept images. */
  forget(ids: number[]): void;
  /** Trains a new model on kept images (`[id, class index]` pairs); resolves when it ends. */
  train(spec: ModelSpec, settings: TrainSettings, samples: [number, number][]): TrainEvent & { type: 'done' };
  /** Stops the current training after its current batch. */
  stop(): void;
  /** Predictions of the current model for kept images. */
  classify(ids: number[]): Prediction[];
  /** Saves the current model to IndexedDB under `key` (from the worker); resolves to the saved entries. */
  save(key: string): StoredEntry[];
  /** Loads the model saved under `key` as the current one; null when there is none. */
  load(key: string): ModelSpec | null;
  /** The saved entries. */
  list(): StoredEntry[];
  /** Deletes a saved model; whether there was one. */
  remove(key: string): boolean;
  /** The current model's safetensors bytes, for a download on the page (workers have no document). */
  exportBytes(): ArrayBuffer;
}

/** Page → worker. */
export type ImagesCall = { [K in keyof ImagesApi]: { rid: number; op: K; args: Parameters<ImagesApi[K]> } }[keyof ImagesApi];

/** Worker → page. */
export type ImagesMessage =
  | { type: 'reply'; rid: number; value?: unknown; error?: string }
  | { type: 'event'; event: TrainEvent };

export type { Arch, ModelSpec, Prediction, TrainEvent, TrainSettings };
