/**
 * Pinned storage, in the sense of PyTorch's `pin_memory`: memory placed where the device reads it
 * cheaply. Here the device is the WebAssembly backend, whose kernels otherwise copy every operand
 * into their memory and every result out; a pinned array already lives there, so parameters and
 * optimizer state, which go into kernels every step, cost no copies (on ResNet-18 they were most
 * of the 430 MB copied a step).
 */
import { ArgumentError } from './errors.js';
import { type DType, type TypedArray, allocate, checkDType } from './dtype.js';
import { type Kernels, kernels } from './kernels/backend.js';

/**
 * A zero-filled array of `n` elements of `dtype` for a long-lived kernel operand (a parameter, an
 * optimizer's state). Float32 ones come from the active kernels' pinned storage: with the wasm
 * backend, a view into its memory that its kernels read and update in place (where that memory is
 * shared: Node, Bun, Deno, cross-origin-isolated pages; elsewhere a plain array). Other dtypes, and
 * the js backend, give plain arrays. A pinned array behaves as any Float32Array, except that its
 * `buffer` is the backend's whole memory (read it through `byteOffset`/`byteLength`, or `slice()`
 * it, as with Node's pooled Buffers) and cannot be transferred, and a view made from it (a
 * subarray, a DataView) does not keep its storage: once the array itself is collected its block is
 * reused, so keep the array, or a `slice()`, for as long as the values are needed. It stays valid
 * when the backend or the thread count changes (it is then copied like any other array). nn's
 * layers make their parameters, and optim its state, this way. A collected array's block goes back
 * in a FinalizationRegistry callback, which runs when the event loop turns: a synchronous loop that
 * builds model after model (a sweep, a benchmark) should yield now and then (`await` anything), or
 * it keeps every earlier model's blocks — past half the memory's maximum, new ones are plain arrays.
 *
 * @example
 * const w = new sg.Tensor(sg.allocatePinned('float32', 64 * 3 * 9), [64, 3, 3, 3]);
 */
export function allocatePinned(dtype: DType, n: number): TypedArray {
  checkDType('allocatePinned', dtype);
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError('allocatePinned', `n must be a non-negative integer, got ${n}`);
  // Where the kernels cannot pin it (another dtype, no shared memory, no room): a plain array.
  return (dtype === 'float32' ? pinFloat32(n) : null) ?? allocate(dtype, n);
}

/**
 * A zero-filled float32 array of `n` elements from the active kernels' pinned storage, or null where
 * they cannot pin one (no plain fallback: for callers that only want pinned memory, as
 * `releaseGrad` for a pinned parameter's next gradient, or `allocateOutput` for a `tidy` scope's
 * results, `transient`: see `pinnedFloat32` in kernels/backend.ts).
 */
export function pinFloat32(n: number, transient = false): Float32Array | null {
  const k = kernels();
  const array = k.pinnedFloat32(n, transient);
  if (array !== null) pinned.set(array, k);
  return array;
}

/** The arrays {@link allocatePinned} took from the kernels' pinned storage (not its plain fallbacks), and the kernels that pinned each. */
const pinned = new WeakMap<TypedArray, Kernels>();

/**
 * Whether `array` is one {@link allocatePinned} took from the kernels' pinned storage: a block of its
 * own, although its `buffer` is the backend's whole memory.
 */
export function isPinned(array: TypedArray): boolean {
  return pinned.has(array);
}

/**
 * Gives the storage of a pinned array that nothing will use again (a `tidy` scope's released
 * tensor's) back to the kernels that pinned it, now rather than when it is collected.
 */
export function unpin(array: TypedArray): void {
  const k = pinned.get(array);
  if (k === undefined) return;
  pinned.delete(array);
  k.releasePinned(array as Float32Array);
}
