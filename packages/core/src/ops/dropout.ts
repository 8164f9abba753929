/** Inverted dropout, with its mask drawn from a seeded {@link Generator}. */
import { allocate } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { type Generator, resolveGenerator } from '../random.js';
import { mul, requireFloat } from './elementwise.js';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Apply dropout (default true); when false, dropout is the identity. */ training?: boolean;
  /** Generator for the mask (default: the global one). */ generator?: Generator;
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by `1/(1-p)`, so
 * the expected value is unchanged and evaluation needs no rescaling. The mask takes one draw per
 * element from `generator` (default: the global one), so a seed reproduces it exactly. Returns `x`
 * itself when `training` is false or `p = 0`; `p = 1` gives zeros (and zero gradients). The
 * gradient is the output gradient times the same scaled mask.
 *
 * Shape: any; the output has the input's shape.
 *
 * @example
 * const h = sg.dropout(sg.ones([4, 8]), 0.25, { generator: new sg.Generator(1) });  // entries 0 or 4/3
 */
export function dropout(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError('dropout', `p must be a probability in [0, 1], got ${p}`);
  requireFloat('dropout', 'x', x);
  if (!(opts.training ?? true) || p === 0) return x;
  const g = resolveGenerator(opts.generator);
  const scale = 1 / (1 - p);
  const mask = allocate(x.dtype, x.size);
  // For p = 1 every draw (in [0, 1)) is dropped, so the infinite scale is never used.
  for (let i = 0; i < mask.length; i++) mask[i] = g.random() < p ? 0 : scale;
  return mul(x, new Tensor(mask, x.shape));
}
