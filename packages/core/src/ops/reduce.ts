/**
 * Reductions over one or more dimensions, with `keepdim`. Each gradient spreads the output gradient
 * back over the reduced dimensions.
 */
import { allocateOutput, floatDType } from '../dtype.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { type Shape, normalizeDim, normalizeDims, sizeOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkBoolean, checkKnownOptions, checkNonNegative, optionNames } from '../check.js';
import { sumAxis } from '../kernels/elementwise.js';
import { add, broadcastCopy, div, log, exp, mul, sub } from './elementwise.js';
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
  let data = x[RAW];
  const shape = [...x.shape];
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k];
    const outer = sizeOf(shape.slice(0, d));
    const inner = sizeOf(shape.slice(d + 1));
    const out = allocateOutput(x.dtype, outer * inner);
    sumAxis(data, outer, shape[d], inner, out);
    data = out;
    shape[d] = 1;
  }
  return new Tensor(data === x[RAW] ? data.slice() : data, shape);
}

/**
 * Sum over `dim` (one dim, a list, or all when omitted); `keepdim` keeps reduced dims as size 1.
 *
 * Shape: `[2, 3, 4]` summed over `1` gives `[2, 4]` (`[2, 1, 4]` with keepdim).
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkBoolean('sum', 'keepdim', keepdim);
  const dims = normalizeDims('sum', dim, x.shape);
  const kept = sumKeep(x, dims);
  const out = keepdim ? kept : reshape(kept, reducedShape(x.shape, dims, false));
  return record('sum', out, [x], (g) => [broadcastCopy(reshape(g, kept.shape), x.shape)]);
}

/** Mean over `dim` (one dim, a list, or all when omitted). int32 input gives float32. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkBoolean('mean', 'keepdim', keepdim);
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

const VAR_OPTIONS = optionNames<VarOptions>({ correction: true });

/**
 * A tensor viewed as `[outer, n, inner]` around one dimension, so a reduction over that dimension
 * is a strided loop: element `(o, k, i)` sits at `(o·n + k)·inner + i`.
 */
export interface AxisView {
  /** Product of the dims before the reduced one. */
  readonly outer: number;
  /** Size of the reduced dim. */
  readonly n: number;
  /** Product of the dims after the reduced one. */
  readonly inner: number;
}

/** The {@link AxisView} of `shape` around `dim` (already normalised); `dim` undefined views every element as one axis. */
export function axisView(shape: Shape, dim: number | undefined): AxisView {
  if (dim === undefined || shape.length === 0) return { outer: 1, n: sizeOf(shape), inner: 1 };
  return { outer: sizeOf(shape.slice(0, dim)), n: shape[dim], inner: sizeOf(shape.slice(dim + 1)) };
}

/** Normalises the optional single `dim` of max/min/argmax/argmin and checks the reduced axis is not empty. */
function extremumAxis(op: string, x: Tensor, dim: number | undefined): { view: AxisView; dims: number[] } {
  const d = dim === undefined ? undefined : normalizeDim(op, dim, x.shape);
  const view = axisView(x.shape, d);
  if (view.n === 0) {
    throw new ArgumentError(op, `cannot reduce over an empty ${d === undefined ? 'tensor' : `dimension ${d}`} (shape ${fmtShape(x.shape)})`);
  }
  return { view, dims: d === undefined || x.ndim === 0 ? x.shape.map((_, i) => i) : [d] };
}

/**
 * The position `k` of the extremum of each `(o, i)` lane: the first one, or the first NaN (NaN
 * propagates, as in PyTorch). `better(v, best)` says whether `v` beats the current best.
 */
function argExtremum(x: Tensor, { outer, n, inner }: AxisView, better: (v: number, best: number) => boolean): Int32Array {
  const xd = x[RAW];
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = xd[base];
      let arg = 0;
      if (best === best) {
        for (let k = 1; k < n; k++) {
          const v = xd[base + k * inner];
          if (v !== v) { arg = k; break; }
          if (better(v, best)) { best = v; arg = k; }
        }
      }
      out[o * inner + i] = arg;
    }
  }
  return out;
}

/**
 * max/min values. The gradient of each lane is split evenly between all elements equal to the
 * extremum (PyTorch's `amax`/`amin` rule), so it stays a valid subgradient at ties.
 */
function extremum(op: string, x: Tensor, dim: number | undefined, keepdim: boolean, better: (v: number, best: number) => boolean): Tensor {
  checkBoolean(op, 'keepdim', keepdim);
  const { view, dims } = extremumAxis(op, x, dim);
  const { n, inner } = view;
  const arg = argExtremum(x, view, better);
  const out = allocateOutput(x.dtype, arg.length);
  const xd = x[RAW];
  for (let j = 0; j < arg.length; j++) {
    const o = Math.floor(j / inner);
    out[j] = xd[(o * n + arg[j]) * inner + (j - o * inner)];
  }
  return record(op, new Tensor(out, reducedShape(x.shape, dims, keepdim)), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    const [xd, gd] = [x[RAW], g[RAW]];
    for (let j = 0; j < out.length; j++) {
      const o = Math.floor(j / inner);
      const base = o * n * inner + (j - o * inner);
      const m = out[j];
      let ties = 0;
      for (let k = 0; k < n; k++) if (xd[base + k * inner] === m) ties++;
      if (ties === 0) { gx[(o * n + arg[j]) * inner + (j - o * inner)] = gd[j]; continue; } // NaN extremum
      const share = gd[j] / ties;
      for (let k = 0; k < n; k++) if (xd[base + k * inner] === m) gx[base + k * inner] = share;
    }
    return [new Tensor(gx, x.shape)];
  });
}

const greater = (v: number, best: number): boolean => v > best;
const less = (v: number, best: number): boolean => v < best;

/**
 * Maximum values over `dim` (all dims when omitted; NaN propagates). Ties share the gradient evenly,
 * like PyTorch's `amax` (PyTorch's `max(dim)` instead sends it all to one index).
 *
 * Shape: `[2, 3, 4]` over `1` gives `[2, 4]` (`[2, 1, 4]` with keepdim); no dim gives `[]`.
 */
export function max(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('max', x, dim, keepdim, greater);
}
/**
 * Minimum values over `dim` (all dims when omitted; NaN propagates). Ties share the gradient evenly.
 *
 * Shape: as {@link max}.
 */
export function min(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum('min', x, dim, keepdim, less);
}

function argReduce(op: string, x: Tensor, dim: number | undefined, keepdim: boolean, better: (v: number, best: number) => boolean): Tensor {
  checkBoolean(op, 'keepdim', keepdim);
  const { view, dims } = extremumAxis(op, x, dim);
  return new Tensor(argExtremum(x, view, better), reducedShape(x.shape, dims, keepdim));
}

/**
 * Index of the (first) maximum over `dim`, int32; of the flattened tensor when `dim` is omitted.
 * A NaN counts as the maximum, as in PyTorch.
 *
 * Shape: `[N, C]` over `1` gives `[N]`; no dim gives `[]`.
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim, greater);
}
/**
 * Index of the (first) minimum over `dim`, int32; of the flattened tensor when `dim` is omitted.
 *
 * Shape: as {@link argmax}.
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim, less);
}

/**
 * Variance over `dim` (all dims when omitted): `sum((x - mean)²) / (count - correction)`, with
 * Bessel's correction (`correction = 1`) by default. A divisor ≤ 0 gives inf or NaN, as in PyTorch.
 * Composed from differentiable ops, so its gradient is `2(x - mean) / (count - correction)`.
 *
 * Shape: as {@link sum}.
 */
export function variance(x: Tensor, dim?: number | readonly number[], keepdim = false, opts: VarOptions = {}): Tensor {
  checkBoolean('var', 'keepdim', keepdim);
  checkKnownOptions('var', opts, VAR_OPTIONS);
  const correction = checkNonNegative('var', 'correction', opts.correction ?? 1);
  const dims = normalizeDims('var', dim, x.shape);
  const xf = x.dtype === 'int32' ? x.to('float32') : x;
  const count = dims.reduce((c, d) => c * x.shape[d], 1);
  const centered = sub(xf, mean(xf, dims, true));
  return div(sum(mul(centered, centered), dims, keepdim), Math.max(0, count - correction));
}
export { variance as var };

/**
 * `log(sum(exp(x)))` over `dim`, computed stably by subtracting each lane's maximum first (a lane of
 * all −∞ gives −∞, one with +∞ gives +∞). The gradient is `softmax(x)` over `dim`.
 *
 * Shape: as {@link sum}.
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkBoolean('logsumexp', 'keepdim', keepdim);
  const dims = normalizeDims('logsumexp', dim, x.shape);
  const xf = x.dtype === 'int32' ? x.to('float32') : x;
  // The shift is a constant for autograd: the result does not depend on it mathematically.
  let m = xf.detach();
  for (const d of dims) m = maxKeep(m, d);
  const md = m[RAW];
  for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i])) md[i] = 0;
  const out = add(log(sum(exp(sub(xf, m)), dims, true)), m);
  return keepdim ? out : reshape(out, reducedShape(x.shape, dims, false));
}

/** Max over one dim, keeping it as size 1; no autograd, and an empty dim gives −∞. */
function maxKeep(x: Tensor, d: number): Tensor {
  const { outer, n, inner } = axisView(x.shape, x.ndim === 0 ? undefined : d);
  const out = allocateOutput(x.dtype, outer * inner).fill(-Infinity);
  const xd = x[RAW];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const row = (o * n + k) * inner;
      for (let i = 0; i < inner; i++) {
        const v = xd[row + i];
        if (v > out[o * inner + i]) out[o * inner + i] = v;
      }
    }
  }
  return new Tensor(out, x.shape.map((s, i) => (i === d ? 1 : s)));
}
