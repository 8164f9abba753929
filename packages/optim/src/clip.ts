/** Gradient clipping: by global norm (`clipGradNorm`) and by value (`clipGradValue`). */
import { ArgumentError, Tensor, readGrad } from '@simplegrad/core';
import { checkBoolean, checkKnownOptions, checkNonNegative, fmtValue, optionNames } from '@simplegrad/core';
import { isIterable } from './optimizer.js';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Order p of the norm: any p > 0, or `Infinity` for the max-abs norm (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or ±∞ instead of scaling by it (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Array<Tensor['data']> {
  const list = params instanceof Tensor ? [params] : isIterable(params) ? [...params] : null;
  if (list === null) throw new ArgumentError(op, `params must be a tensor or an iterable of tensors, got ${fmtValue(params)}`);
  return list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentError(op, `params[${i}] is not a tensor, got ${fmtValue(p)}`);
    const g = readGrad(p);
    return g === null ? [] : [g.data];
  });
}

/**
 * Rescales the gradients of `params` in place so that their global p-norm (all gradients taken
 * together as one vector) is at most `maxNorm`, and returns that norm as it was before clipping
 * (PyTorch's `clip_grad_norm_`):
 *
 * ```text
 * total = (Σ over all gradient elements |g|ᵖ)^(1/p)        (max |g| for p = ∞)
 * g ← g · min(1, maxNorm / (total + 1e-6))
 * ```
 *
 * Parameters without a gradient are ignored; with none at all the result is 0. The norm is
 * accumulated in float64.
 *
 * @example
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);   // log it to watch for exploding gradients
 * opt.step();
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  checkKnownOptions(op, opts, optionNames<ClipGradNormOptions>({ normType: true, errorIfNonfinite: true }));
  const { normType = 2, errorIfNonfinite = false } = opts;
  checkBoolean(op, 'errorIfNonfinite', errorIfNonfinite);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ArgumentError(op, `maxNorm must be >= 0, got ${fmtValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new ArgumentError(op, `normType must be > 0 (Infinity for the max norm), got ${fmtValue(normType)}`);
  }
  const grads = gradsOf(op, params);
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    for (const g of grads) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        total += normType === 2 ? a * a : normType === 1 ? a : a ** normType;
      }
    }
    total = normType === 2 ? Math.sqrt(total) : normType === 1 ? total : total ** (1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ArgumentError(op, `the total norm of order ${normType} of the gradients is ${total}, so it cannot be clipped; pass errorIfNonfinite: false to scale by it anyway`);
  }
  // torch clamps the coefficient to 1 instead of branching; multiplying by 1 changes nothing, so skip it.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (!(coef === 1)) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return total;
}

/**
 * Clamps every gradient element of `params` into `[-clipValue, clipValue]` in place (PyTorch's
 * `clip_grad_value_`). Parameters without a gradient are ignored; NaN stays NaN.
 *
 * @example
 * loss.backward();
 * clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const c = checkNonNegative('clipGradValue', 'clipValue', clipValue);
  for (const g of gradsOf('clipGradValue', params)) {
    for (let i = 0; i < g.length; i++) g[i] = Math.min(Math.max(g[i], -c), c);
  }
}
