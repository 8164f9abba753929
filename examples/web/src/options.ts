/**
 * The options of one demo run, read from the page's URL query (`?limit=500&epochs=1&seed=0`), so a
 * reduced run is a link away and the browser test drives the same page a user opens.
 */

import type { LrSchedule } from '../../src/mnist/train.js';

/** Which kernels the worker trains with: `'auto'` picks WebAssembly SIMD where it validates. */
export type BackendChoice = 'auto' | 'wasm' | 'js';

/** One run's settings; every field has a default in {@link DEFAULT_OPTIONS}. */
export interface RunOptions {
  /** Train on the first `limit` training images only (undefined: all 60 000). */
  limit: number | undefined;
  epochs: number;
  batchSize: number;
  /** Adam's (peak) learning rate (undefined: the shared loop's default). */
  lr: number | undefined;
  /** The loop's learning-rate schedule. */
  schedule: LrSchedule;
  seed: number;
  /** Test accuracy at the end of each epoch uses the first `testLimit` test images. */
  testLimit: number;
  /** Every `evalEvery` training steps the live accuracy curve gets a point (0: never). */
  evalEvery: number;
  /** The live accuracy points use the first `evalLimit` test images (cheap, unlike `testLimit`). */
  evalLimit: number;
  backend: BackendChoice;
  /** Test digits shown with their predictions. */
  digits: number;
}

/** A full run: one epoch over all 60 000 images, scored on all 10 000 test images. */
export const DEFAULT_OPTIONS: Readonly<RunOptions> = Object.freeze({
  limit: undefined, epochs: 1, batchSize: 64, lr: undefined, schedule: 'cosine', seed: 0,
  testLimit: 10000, evalEvery: 50, evalLimit: 500, backend: 'auto', digits: 12,
});

type NumericKey = Exclude<keyof RunOptions, 'backend' | 'schedule' | 'limit' | 'lr'>;

/** Query names of the numeric options (`batch` is short for `batchSize`). */
const NUMERIC: Record<string, { key: NumericKey | 'limit' | 'lr'; integer: boolean; min: number }> = {
  limit: { key: 'limit', integer: true, min: 1 },
  epochs: { key: 'epochs', integer: true, min: 1 },
  batch: { key: 'batchSize', integer: true, min: 1 },
  batchSize: { key: 'batchSize', integer: true, min: 1 },
  lr: { key: 'lr', integer: false, min: Number.MIN_VALUE },
  seed: { key: 'seed', integer: true, min: 0 },
  testLimit: { key: 'testLimit', integer: true, min: 1 },
  evalEvery: { key: 'evalEvery', integer: true, min: 0 },
  evalLimit: { key: 'evalLimit', integer: true, min: 1 },
  digits: { key: 'digits', integer: true, min: 0 },
};

/**
 * Reads the run options from a URL query; unknown names are ignored (they may belong to the page),
 * malformed values throw, naming the parameter, because a silently ignored `?limit=5OO` would start a
 * one-hour run.
 *
 * @example
 * parseRunOptions(new URLSearchParams('limit=500&epochs=2')).limit;   // 500
 */
export function parseRunOptions(query: URLSearchParams): RunOptions {
  const out: RunOptions = { ...DEFAULT_OPTIONS };
  for (const [name, raw] of query) {
    if (name === 'backend') {
      if (raw !== 'auto' && raw !== 'wasm' && raw !== 'js') throw new Error(`?backend must be auto, wasm or js, got '${raw}'`);
      out.backend = raw;
      continue;
    }
    if (name === 'schedule') {
      if (raw !== 'cosine' && raw !== 'constant') throw new Error(`?schedule must be cosine or constant, got '${raw}'`);
      out.schedule = raw;
      continue;
    }
    const spec = NUMERIC[name];
    if (spec === undefined) continue;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v < spec.min || (spec.integer && !Number.isInteger(v))) {
      throw new Error(`?${name} must be ${spec.integer ? 'an integer' : 'a number'} ≥ ${spec.min === Number.MIN_VALUE ? '0 (exclusive)' : spec.min}, got '${raw}'`);
    }
    out[spec.key] = v;
  }
  return out;
}
