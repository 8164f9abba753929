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
 * parameter.
 *
 * Held weakly: within a synchronous training loop a pooled array stays until it is reused (a
 * WeakRef's target lives at least until the current task ends), and once the loop yields, the
 * garbage collector may take whatever was not. At most {@link MAX_PER_LENGTH} arrays of one length
 * and {@link MAX_BYTES} in all wait, so a pattern that releases more than it allocates keeps little.
 */
import type { DType, FloatArray, TypedArray } from './dtype.js';

/** Arrays of one dtype and length that may wait for reuse (a network repeats its layers' shapes). */
export const MAX_PER_LENGTH = 64;
/** Bytes that may wait for reuse in all. */
export const MAX_BYTES = 256 * 2 ** 20;

const pools = {
  float32: new Map<number, WeakRef<Float32Array>[]>(),
  float64: new Map<number, WeakRef<Float64Array>[]>(),
};
/** Bytes of the arrays in the pools, counting those the collector may have taken since. */
let pooled = 0;

/** Drops the entries whose arrays were collected and recounts {@link pooled}. */
function sweep(): void {
  pooled = 0;
  for (const pool of [pools.float32, pools.float64] as Map<number, WeakRef<FloatArray>[]>[]) {
    for (const [n, list] of pool) {
      const live = list.filter((ref) => ref.deref() !== undefined);
      if (live.length === 0) pool.delete(n);
      else pool.set(n, live);
      for (const ref of live) pooled += ref.deref()!.byteLength;
    }
  }
}

/**
 * Offers `array`, which no code will read or write again, for reuse. Only whole arrays (not views
 * into a larger buffer, such as pinned storage) are kept.
 */
export function recycle(array: FloatArray): void {
  if (array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength || array.length === 0) return;
  if (pooled + array.byteLength > MAX_BYTES) {
    sweep();
    if (pooled + array.byteLength > MAX_BYTES) return;
  }
  const pool: Map<number, WeakRef<FloatArray>[]> = array instanceof Float32Array ? pools.float32 : pools.float64;
  const list = pool.get(array.length);
  if (list === undefined) pool.set(array.length, [new WeakRef(array)]);
  else if (list.length < MAX_PER_LENGTH) list.push(new WeakRef(array));
  else return;
  pooled += array.byteLength;
}

/** A recycled array of `dtype` and length `n`, zero-filled, or null when none waits. */
export function reuse(dtype: DType, n: number): TypedArray | null {
  if (dtype === 'int32') return null;
  const pool = pools[dtype];
  const list = pool.get(n);
  if (list === undefined) return null;
  const bytes = n * (dtype === 'float32' ? 4 : 8);
  for (let ref = list.pop(); ref !== undefined; ref = list.pop()) {
    pooled -= bytes;
    const array = ref.deref();
    if (array !== undefined) {
      if (list.length === 0) pool.delete(n);
      return array.fill(0);
    }
  }
  pool.delete(n);
  return null;
}
