/**
 * Ops whose result is (or comes with) integer indices: `topk` (the k largest or smallest entries
 * along a dimension, with where they came from) and `oneHot` (class indices to indicator vectors).
 * Indices are int32, simplegrad's integer dtype (PyTorch uses int64).
 */
import { allocateOutput } from '../dtype.js';
import { ArgumentError, DTypeError, fmtShape } from '../errors.js';
import { normalizeDim } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkBoolean, checkInteger, checkKnownOptions, optionNames } from '../check.js';
import { axisView } from './reduce.js';

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dimension to select along (default −1, the last). */ dim?: number;
  /** The largest entries (default true) or the smallest. */ largest?: boolean;
  /** Return them in order, best first (default true); otherwise in their order along `dim`. */ sorted?: boolean;
}

/** The result of {@link topk}: the selected values and their int32 positions along `dim`. */
export interface TopkResult { values: Tensor; indices: Tensor }

const TOPK_OPTIONS = optionNames<TopkOptions>({ dim: true, largest: true, sorted: true });

/**
 * The `k` largest (or, with `largest: false`, smallest) entries of `x` along `dim`, as PyTorch's
 * `topk`: `values` (differentiable: the gradient flows back to the selected positions) and int32
 * `indices` into `dim`. NaN counts as larger than every number, as in PyTorch. Equal values keep
 * their order along `dim` (PyTorch leaves ties unspecified). With `sorted: false` the selected
 * entries come in their order along `dim`.
 *
 * Shape: `x` `[..., n, ...]` → both outputs `[..., k, ...]` (`n` replaced by `k` at `dim`).
 *
 * @example
 * const { values, indices } = sg.topk(sg.tensor([[1, 5, 3], [4, 2, 6]]), 2);
 * values.toArray();    // [[5, 3], [6, 4]]
 * indices.toArray();   // [[1, 2], [2, 0]]
 */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): TopkResult {
  const op = 'topk';
  checkKnownOptions(op, opts, TOPK_OPTIONS);
  const d = normalizeDim(op, opts.dim ?? -1, x.shape);
  const largest = checkBoolean(op, 'largest', opts.largest ?? true);
  const sorted = checkBoolean(op, 'sorted', opts.sorted ?? true);
  const { outer, n, inner } = axisView(x.shape, x.ndim === 0 ? undefined : d);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(op, `k must be an integer from 0 to ${n} (the size of dimension ${d}), got ${k} (input ${fmtShape(x.shape)})`);
  }
  const xd = x[RAW];
  const values = allocateOutput(x.dtype, outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  // Rank within a lane: NaN first (largest) or last (smallest), then by value, then by position.
  const order = new Array<number>(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((a, b) => {
        const va = xd[base + a * inner];
        const vb = xd[base + b * inner];
        const na = va !== va;
        const nb = vb !== vb;
        if (na || nb) return na && nb ? a - b : (na ? -1 : 1) * (largest ? 1 : -1);
        if (va === vb) return a - b;
        return (largest ? vb - va : va - vb) > 0 ? 1 : -1;
      });
      const picked = order.slice(0, k);
      if (!sorted) picked.sort((a, b) => a - b);
      const outBase = o * k * inner + i;
      picked.forEach((j, r) => {
        values[outBase + r * inner] = xd[base + j * inner];
        indices[outBase + r * inner] = j;
      });
    }
  }
  const shape = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? k : s));
  const out = record(op, new Tensor(values, shape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    const gd = g[RAW];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        for (let r = 0; r < k; r++) {
          const at = o * k * inner + r * inner + i;
          gx[o * n * inner + indices[at] * inner + i] += gd[at];
        }
      }
    }
    return [new Tensor(gx, x.shape)];
  });
  return { values: out, indices: new Tensor(indices, shape) };
}

/**
 * One-hot encoding of int32 class indices, as PyTorch's `one_hot`: entry `[..., c]` is 1 where the
 * label is `c`. `numClasses` −1 (the default) means the largest label + 1. Labels must lie in
 * `[0, numClasses)`. Not differentiable (integer in, integer out).
 *
 * Shape: labels `[...]` (int32) → `[..., numClasses]` (int32).
 *
 * @example
 * sg.oneHot(sg.tensor([0, 2], { dtype: 'int32' }), 3).toArray();   // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  const op = 'oneHot';
  if (labels.dtype !== 'int32') throw new DTypeError(op, `labels must be int32 class indices, got ${labels.dtype} (labels ${fmtShape(labels.shape)})`);
  checkInteger(op, 'numClasses', numClasses, -1, ` (labels ${fmtShape(labels.shape)})`);
  const ld = labels[RAW];
  for (let i = 0; i < ld.length; i++) {
    if (ld[i] < 0) throw new ArgumentError(op, `labels must be non-negative, got ${ld[i]} at position ${i} (labels ${fmtShape(labels.shape)})`);
  }
  let c = numClasses;
  if (c === -1) {
    if (ld.length === 0) throw new ArgumentError(op, `cannot infer numClasses from empty labels ${fmtShape(labels.shape)}; pass numClasses`);
    c = 0;
    for (let i = 0; i < ld.length; i++) c = Math.max(c, ld[i] + 1);
  }
  const out = new Int32Array(ld.length * c);
  for (let i = 0; i < ld.length; i++) {
    const v = ld[i];
    if (v >= c) {
      throw new ArgumentError(op, `label ${v} at position ${i} is out of range for ${c} classes (expected 0 to ${c - 1}; labels ${fmtShape(labels.shape)})`);
    }
    out[i * c + v] = 1;
  }
  return new Tensor(out, [...labels.shape, c]);
}
