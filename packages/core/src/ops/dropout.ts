/** Inverted dropout (elementwise and channel-wise), with masks drawn from a seeded {@link Generator}. */
import { allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { type Generator, resolveGenerator } from '../random.js';
import { checkBoolean, checkKnownOptions, optionNames, checkFloat } from '../check.js';
import { mul } from './elementwise.js';

/** Options of {@link dropout} and {@link dropout2d}. */
export interface DropoutOptions {
  /** Apply dropout (default true); when false, dropout is the identity. */ training?: boolean;
  /** Generator for the mask (default: the global one). */ generator?: Generator;
}

const DROPOUT_OPTIONS = optionNames<DropoutOptions>({ training: true, generator: true });

/**
 * Validates a dropout call; returns false when it is the identity (not training, or `p = 0`).
 * Checks run even then, so a bad `p` fails in evaluation too.
 */
function active(op: string, x: Tensor, p: number, opts: DropoutOptions): boolean {
  checkKnownOptions(op, opts, DROPOUT_OPTIONS);
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(op, `p must be a probability in [0, 1], got ${p}`);
  checkFloat(op, 'x', x);
  return checkBoolean(op, 'training', opts.training ?? true) && p !== 0;
}

/**
 * `count` mask entries, each 0 with probability `p` and `1/(1-p)` otherwise, one draw each from
 * `generator` in order. For p = 1 every draw (in [0, 1)) is dropped, so the infinite scale is never used.
 */
function mask(x: Tensor, count: number, p: number, generator: Generator | undefined): Float32Array | Float64Array {
  const g = resolveGenerator(generator);
  const scale = 1 / (1 - p);
  const m = allocateOutput(x.dtype, count) as Float32Array | Float64Array;
  for (let i = 0; i < m.length; i++) m[i] = g.random() < p ? 0 : scale;
  return m;
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
  if (!active('dropout', x, p, opts)) return x;
  return mul(x, new Tensor(mask(x, x.size, p, opts.generator), x.shape));
}

/**
 * Channel-wise inverted dropout (PyTorch's `dropout2d`, for convolutional feature maps whose
 * neighbouring pixels are correlated): zeroes whole channels with probability `p` and scales the
 * kept ones by `1/(1-p)`. One draw per channel (per sample and channel for a batch), in order, from
 * `generator`. Identity when `training` is false or `p = 0`; the gradient is the same scaled mask.
 * A 3-D input is one unbatched image `[C, H, W]` (PyTorch 1.13 instead warns and drops `[N, C]` of
 * an `(N, C, L)` reading; later versions use this `[C, H, W]` reading).
 *
 * Shape: `[N, C, H, W]` or `[C, H, W]`; the output has the input's shape.
 *
 * @example
 * const y = sg.dropout2d(sg.ones([2, 16, 8, 8]), 0.5, { generator: new sg.Generator(3) });   // channels 0 or 2
 */
export function dropout2d(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  const op = 'dropout2d';
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(op, `input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (!active(op, x, p, opts)) return x;
  const channels = x.shape.slice(0, -2);
  // [N, C, 1, 1] (or [C, 1, 1]): mul broadcasts one draw over each channel's H×W plane.
  const m = mask(x, channels.reduce((a, b) => a * b, 1), p, opts.generator);
  return mul(x, new Tensor(m, [...channels, 1, 1]));
}
