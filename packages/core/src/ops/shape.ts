/**
 * Shape ops: reshape/view, flatten, transpose, permute, squeeze/unsqueeze, expand, slicing, cat,
 * stack, gather. Tensors are always contiguous, so reshape shares data and the others copy.
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { type Shape, broadcastShapes, checkShape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { broadcastTo, sumTo } from './elementwise.js';

/** Normalises rest-style shape arguments: `f(2, 3)` and `f([2, 3])` both give `[2, 3]`. */
export function shapeArg(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

/**
 * The same elements with a new shape (sharing data). One dimension may be -1 and is inferred.
 *
 * Shape: `[2, 3, 4]` → `reshape(x, [6, -1])` → `[6, 4]`.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (infer !== target.lastIndexOf(-1)) throw new ArgumentError('reshape', `only one dimension can be -1, got ${fmtShape(shape)}`);
  if (infer >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError('reshape', `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`);
    }
    target[infer] = x.size / known;
  }
  checkShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new ShapeError('reshape', `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  return record('reshape', new Tensor(x.data, target), [x], (g) => [reshape(g, x.shape)]);
}

/** Alias of {@link reshape}. */
export const view = reshape;

/** A copy with its own data (differentiable). */
export function clone(x: Tensor): Tensor {
  return record('clone', new Tensor(x.data.slice(), x.shape), [x], (g) => [g]);
}

/** Broadcasts `x` to `shape` (copying); -1 keeps a dimension. The gradient is summed back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError('expand', `cannot expand shape ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape('expand', target);
  const b = broadcastShapes('expand', x.shape, target);
  if (!sameShape(b, target)) throw new ShapeError('expand', `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  return record('expand', broadcastTo(x, target), [x], (g) => [sumTo(g, x.shape)]);
}

/**
 * One slicing spec per leading dimension, as in NumPy's `x[...]`: a number selects one index (and
 * drops the dimension), `null` keeps the whole dimension, `[start, end?, step?]` is a slice
 * (negative indices count from the end; `step` > 0).
 */
export type SliceSpec = number | null | readonly [number?, number?, number?];

/** Flattens dims `startDim..endDim` (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return notYet('flatten', x, startDim, endDim);
}
/** Swaps dimensions `dim0` and `dim1`. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  return notYet('transpose', x, dim0, dim1);
}
/** Reorders dimensions: output dim i is input dim `dims[i]`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  return notYet('permute', x, dims);
}
/** Removes dimension `dim` if it has size 1, or every size-1 dimension when `dim` is omitted. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  return notYet('squeeze', x, dim);
}
/** Inserts a size-1 dimension at `dim` (`-1` appends). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  return notYet('unsqueeze', x, dim);
}
/** NumPy-style basic slicing: see {@link SliceSpec}. Unspecified trailing dims are kept whole. */
export function slice(x: Tensor, ...specs: SliceSpec[]): Tensor {
  return notYet('slice', x, specs);
}
/** `length` entries of `dim` starting at `start` (PyTorch's `narrow`). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  return notYet('narrow', x, dim, start, length);
}
/** Entry `index` of `dim`, removing that dimension (PyTorch's `select`). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  return notYet('select', x, dim, index);
}
/** `out[i][j] = x[i][index[i][j]]` along `dim` (PyTorch's `gather`); `index` is int32. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return notYet('gather', x, dim, index);
}
/** The entries of `dim` listed in the int32 vector `index`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return notYet('indexSelect', x, dim, index);
}
/** Concatenates tensors along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return notYet('cat', tensors, dim);
}
/** Stacks equal-shaped tensors along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return notYet('stack', tensors, dim);
}

function notYet(op: string, ..._args: unknown[]): never {
  throw new Error(`${op}: not implemented yet`);
}
