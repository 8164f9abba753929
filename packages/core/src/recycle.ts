/**
 * The memory of gradients nobody can read any more, reused by `allocate`. A training step's weight
 * gradients are fresh arrays (45 MB on ResNet-18, batch 32), dropped by the next `zeroGrad`: each
 * step the runtime maps new pages for them (a fault on every first write: copying ResNet-18's dense
 * weight gradients out of the WebAssembly memory ran at 3.8 GB/s instead of ~10) and the garbage
 * collector counts them towards its next full collection, both dearer with a second thread running.
 * `releaseGrad` (which `zeroGrad` and the optimizers' `zeroGrad` use) hands a gradient's array here
 * when nothing outside simplegrad has read it (see `Tensor.grad`), and the next `allocate` of the
 * same dtype and length takes it back, zero-filled, as if fresh: no other code can tell the
 * difference, because no other code holds it. That is usually the next step's gradient of the same
 * parameter (a pinned parameter's keeps pinned memory instead: see `gradStorage`).
 *
 * Held strongly, and bounded: at most {@link MAX_PER_LENGTH} arrays of one length and
 * {@link MAX_BYTES} in all wait; past that an offered array is left to the collector. Not WeakRefs:
 * a WeakRef's target is kept alive until the current task ends, every target ever referenced, so in a
 * synchronous training loop any pooled array that was later taken and dropped stayed alive to the
 * loop's end (1 000 ResNet-18 steps grew the process from 0.5 to 5.4 GB when backward pooled its
 * intermediate gradients that way).
 */
import type { DType, FloatArray, TypedArray } from './dtype.js';

/** Arrays of one dtype and length that may wait for reuse (a network repeats its layers' shapes). */
export const MAX_PER_LENGTH = 64;
/** Bytes that may wait for reuse in all: what the pool may hold after training ends. */
export const MAX_BYTES = 64 * 2 ** 20;

const pools = {
  float32: new Map<number, Float32Array[]>(),
  float64: new Map<number, Float64Array[]>(),
};
/** Bytes of the arrays in the pools. */
let pooled = 0;

/**
 * Offers `array`, which no code will read or write again, for reuse. Only whole float arrays (not
 * views into a larger buffer, such as pinned storage; not int32, which `allocate` never reuses) are
 * kept.
 */
export function recycle(array: TypedArray): void {
  if (array instanceof Int32Array) return;
  if (array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength || array.length === 0) return;
  if (pooled + array.byteLength > MAX_BYTES) return;
  const pool: Map<number, FloatArray[]> = array instanceof Float32Array ? pools.float32 : pools.float64;
  const list = pool.get(array.length);
  if (list === undefined) pool.set(array.length, [array]);
  else if (list.length < MAX_PER_LENGTH) list.push(array);
  else return;
  pooled += array.byteLength;
}

/** A recycled array of `dtype` and length `n`, zero-filled, or null when none waits. */
export function reuse(dtype: DType, n: number): TypedArray | null {
  if (dtype === 'int32') return null;
  const pool: Map<number, FloatArray[]> = pools[dtype];
  const array = pool.get(n)?.pop();
  if (array === undefined) return null;
  if (pool.get(n)!.length === 0) pool.delete(n);
  pooled -= array.byteLength;
  return array.fill(0);
}

/** Empties the pool (for tests, which share one process and so one pool). */
export function emptyPool(): void {
  pools.float32.clear();
  pools.float64.clear();
  pooled = 0;
}
