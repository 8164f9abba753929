/**
 * Reductions over one or more dimensions, with `keepdim`. Each gradient spreads the output gradient
 * back over the reduced dimensions.
 */
import { allocate, floatDType } from '../dtype.js';
import { type Shape, normalizeDims, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { sumAxis } from '../kernels/elementwise.js';
import { broadcastTo, div } from './elementwise.js';
import { reshape } from './shape.js';

/** The shape of a reduction over `dims` with `keepdim`. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Sums `x` over each of `dims` (sorted, unique), keeping them as size-1 dims. No autograd. */
export function sumKeep(x: Tensor, dims: readonly number[]): Tensor {
  let data = x.data;
  const shape = [...x.shape];
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k];
    const outer = sizeOf(shape.slice(0, d));
    const inner = sizeOf(shape.slice(d + 1));
    const out = allocate(x.dtype, outer * inner);
    sumAxis(data, outer, shape[d], inner, out);
    data = out;
    shape[d] = 1;
  }
  return new Tensor(data === x.data ? data.slice() : data, shape);
}

/**
 * Sum over `dim` (one dim, a list, or all when omitted); `keepdim` keeps reduced dims as size 1.
 *
 * Shape: `[2, 3, 4]` summed over `1` gives `[2, 4]` (`[2, 1, 4]` with keepdim).
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = normalizeDims('sum', dim, x.shape);
  const kept = sumKeep(x, dims);
  const out = keepdim ? kept : reshape(kept, reducedShape(x.shape, dims, false));
  return record('sum', out, [x], (g) => [broadcastTo(reshape(g, kept.shape), x.shape)]);
}

/** Mean over `dim` (one dim, a list, or all when omitted). int32 input gives float32. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = normalizeDims('mean', dim, x.shape);
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  const s = sum(x.dtype === 'int32' ? x.to(floatDType(x.dtype)) : x, dims, keepdim);
  return div(s, count);
}

/** Options of {@link variance}. */
export interface VarOptions {
  /** Difference between the count and the divisor: 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
}

/** Maximum values over `dim` (all dims when omitted). Ties share the gradient evenly. */
export function max(x: Tensor, dim?: number, keepdim = false): Tensor {
  return notYet('max', x, dim, keepdim);
}
/** Minimum values over `dim` (all dims when omitted). Ties share the gradient evenly. */
export function min(x: Tensor, dim?: number, keepdim = false): Tensor {
  return notYet('min', x, dim, keepdim);
}
/** Index of the (first) maximum over `dim`, int32; of the flattened tensor when `dim` is omitted. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return notYet('argmax', x, dim, keepdim);
}
/** Index of the (first) minimum over `dim`, int32; of the flattened tensor when `dim` is omitted. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return notYet('argmin', x, dim, keepdim);
}
/** Variance over `dim` (all dims when omitted), divided by `count - correction`. */
export function variance(x: Tensor, dim?: number | readonly number[], keepdim = false, opts: VarOptions = {}): Tensor {
  return notYet('var', x, dim, keepdim, opts);
}
export { variance as var };
/** `log(sum(exp(x)))` over `dim`, computed stably by subtracting the maximum first. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return notYet('logsumexp', x, dim, keepdim);
}

function notYet(op: string, ..._args: unknown[]): never {
  throw new Error(`${op}: not implemented yet`);
}
