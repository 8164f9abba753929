import { ArgumentError, DTypeError } from './errors.js';
import { reuse } from './recycle.js';
import { inScope, noteArray, scopeStorage } from './tidy.js';

/** Element types. `float32` is the default; `float64` exists for gradient checks; `int32` for labels. */
export type DType = 'float32' | 'float64' | 'int32';

/** The typed array behind a tensor of each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** The typed arrays of the floating dtypes. */
export type FloatArray = Float32Array | Float64Array;

/** Bytes per element of each dtype. */
const BYTES = { float32: 4, float64: 8, int32: 4 } as const satisfies Record<DType, number>;

/**
 * Allocates a zero-filled array of `dtype` with `n` elements. An unknown dtype is a `DTypeError`,
 * and a size no typed array can hold (or the engine refuses) an `ArgumentError` that says how
 * many bytes were asked for, instead of JavaScript's bare `RangeError: Invalid typed array length`.
 * The array may be the memory of a gradient that `releaseGrad` gave back (zero-filled like a new
 * one; nothing else holds it).
 */
export function allocate(dtype: DType, n: number): TypedArray {
  checkDType('allocate', dtype);
  // A released gradient's array, if one of this length waits (recycle.ts): it is zero-filled too.
  return reuse(dtype, n) ?? fresh(dtype, n);
}

/**
 * {@link allocate} for a tensor simplegrad makes (an op's result, a factory's): a `tidy` scope open
 * now may reuse the array once every tensor over it is released (a big float32 one it takes from the
 * kernels' pinned storage where they have one: see `scopeStorage`). The public `allocate` hands the
 * array to its caller, who may keep it without a tensor, so its arrays are never reused that way.
 */
export function allocateOutput(dtype: DType, n: number): TypedArray {
  if (!inScope()) return allocate(dtype, n);
  const array = (dtype === 'float32' ? scopeStorage(n) : null) ?? allocate(dtype, n);
  noteArray(array);
  return array;
}

/** A new zero-filled array (see {@link allocate}). */
function fresh(dtype: DType, n: number): TypedArray {
  try {
    switch (dtype) {
      case 'float32': return new Float32Array(n);
      case 'float64': return new Float64Array(n);
      case 'int32': return new Int32Array(n);
      default: return dtype satisfies never;
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ArgumentError('allocate', `cannot allocate ${n} ${dtype} elements (${n * BYTES[dtype]} bytes): more than a typed array can hold or memory allows`);
  }
}

/** Throws a `DTypeError` naming `op` unless `dtype` is one of the dtypes. */
export function checkDType(op: string, dtype: DType): void {
  if (!Object.hasOwn(BYTES, dtype)) {
    throw new DTypeError(op, `unknown dtype ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)} (known: ${Object.keys(BYTES).join(', ')})`);
  }
}

/** The dtype of a typed array. */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Type promotion for binary ops: float64 > float32 > int32, as in PyTorch. */
export function promote(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/** The floating dtype an op on `dtype` computes in (int32 inputs give float32 results). */
export function floatDType(dtype: DType): 'float32' | 'float64' {
  return dtype === 'float64' ? 'float64' : 'float32';
}

/** True for float32 and float64. */
export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype !== 'int32';
}
