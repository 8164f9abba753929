/**
 * Group normalisation and layer normalisation (PyTorch's `group_norm` / `layer_norm`): normalise
 * groups of elements by their own mean and biased variance, then apply an optional per-channel
 * (group norm) or per-element (layer norm) affine map. Both run the fused loops of `kernels/norm.ts`
 * (one pass for the statistics and output, one for all three gradients) because they sit in every
 * block of the networks that use them; the tests check them against the composed definition
 * `(x − mean) / √(var + eps) · weight + bias` built from generic ops.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { sameShape, sizeOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkInteger, checkKnownOptions, checkNonNegative, fmtValue, optionNames, checkFloat } from '../check.js';

import { type NormGeometry, normBackward, normForward } from '../kernels/norm.js';

/** Options of {@link groupNorm} and {@link layerNorm}. */
export interface NormOptions {
  /** Affine scale (group norm: `[C]`; layer norm: `normalizedShape`); default none (1), also as null. */ weight?: Tensor | null;
  /** Affine shift, the same shape as `weight`; default none (0), also as null. */ bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */ eps?: number;
}

const NORM_OPTIONS = optionNames<NormOptions>({ weight: true, bias: true, eps: true });

/** Checks an affine tensor's shape, naming the op, the option and every shape involved. */
function checkAffine(op: string, name: string, t: Tensor | null | undefined, expected: readonly number[], x: Tensor, rule: string): Tensor | undefined {
  if (t === undefined || t === null) return undefined;
  if (!(t instanceof Tensor)) throw new ArgumentError(op, `${name} must be a tensor, got ${fmtValue(t)}`);
  checkFloat(op, name, t);
  if (!sameShape(t.shape, expected)) {
    throw new ShapeError(op, `${name} ${fmtShape(t.shape)} must have shape ${fmtShape(expected)} (${rule}; input ${fmtShape(x.shape)})`);
  }
  return t;
}

/** Runs the fused kernels for `x` under `geom` and records the op with its optional weight and bias. */
function normalize(op: string, x: Tensor, geom: NormGeometry, eps: number, weight: Tensor | undefined, bias: Tensor | undefined): Tensor {
  const xd = x[RAW] as FloatArray;
  const wd = weight === undefined ? null : (weight[RAW] as FloatArray);
  const out = allocateOutput(x.dtype, x.size) as FloatArray;
  const mean = new Float64Array(geom.rows);
  const rstd = new Float64Array(geom.rows);
  normForward(xd, geom, eps, wd, bias === undefined ? null : (bias[RAW] as FloatArray), out, mean, rstd);
  const inputs = [x, ...(weight === undefined ? [] : [weight]), ...(bias === undefined ? [] : [bias])];
  return record(op, new Tensor(out, x.shape), inputs, (g) => {
    const channels = geom.groups * geom.cpr;
    const gx = x.requiresGrad ? (allocateOutput(g.dtype, x.size) as FloatArray) : null;
    const gw = weight?.requiresGrad ? new Float64Array(channels) : null;
    const gb = bias?.requiresGrad ? new Float64Array(channels) : null;
    normBackward(g[RAW] as FloatArray, xd, geom, wd, mean, rstd, gx, gw, gb);
    const wrap = (t: Tensor, d: Float64Array | null): Tensor | null => {
      if (d === null) return null;
      const a = allocateOutput(t.dtype, d.length);
      a.set(d);
      return new Tensor(a, t.shape);
    };
    return [
      gx && new Tensor(gx, x.shape),
      ...(weight === undefined ? [] : [wrap(weight, gw)]),
      ...(bias === undefined ? [] : [wrap(bias, gb)]),
    ];
  });
}

/**
 * Group normalisation (Wu & He 2018; PyTorch's `group_norm`): the `C` channels are split into
 * `numGroups` groups of `C/numGroups` consecutive channels, and each sample's group is normalised
 * by its own mean and biased variance over those channels and every spatial position:
 * `y = (x − mean) / √(var + eps) · weight[c] + bias[c]`. `numGroups = 1` normalises each sample
 * over all of `[C, ...]`; `numGroups = C` is instance norm. Gradients for x, weight and bias.
 *
 * Shape: `x` `[N, C, *]`, `weight` and `bias` `[C]`; the output has x's shape.
 *
 * @example
 * const x = sg.normal([2, 32, 8, 8]);
 * sg.groupNorm(x, 8, { weight: sg.ones([32]), bias: sg.zeros([32]) });   // [2, 32, 8, 8]
 */
export function groupNorm(x: Tensor, numGroups: number, opts: NormOptions = {}): Tensor {
  const op = 'groupNorm';
  checkKnownOptions(op, opts, NORM_OPTIONS);
  checkFloat(op, 'input', x);
  if (x.ndim < 2) throw new ShapeError(op, `input must be [N, C, *] with at least 2 dimensions, got ${fmtShape(x.shape)}`);
  const G = checkInteger(op, 'numGroups', numGroups, 1, ` (input ${fmtShape(x.shape)})`);
  const [N, C] = x.shape;
  if (C % G !== 0) {
    throw new ShapeError(op, `the number of channels ${C} must be divisible by numGroups ${G} (input ${fmtShape(x.shape)})`);
  }
  const eps = checkNonNegative(op, 'eps', opts.eps ?? 1e-5);
  const rule = 'one entry per channel';
  const weight = checkAffine(op, 'weight', opts.weight, [C], x, rule);
  const bias = checkAffine(op, 'bias', opts.bias, [C], x, rule);
  const geom: NormGeometry = { rows: N * G, groups: G, cpr: C / G, S: sizeOf(x.shape.slice(2)) };
  return normalize(op, x, geom, eps, weight, bias);
}

/**
 * Layer normalisation (Ba et al. 2016; PyTorch's `layer_norm`): each slice over the last
 * `normalizedShape.length` dimensions is normalised by its own mean and biased variance,
 * `y = (x − mean) / √(var + eps) · weight + bias`, with `weight` and `bias` elementwise over those
 * dimensions. Gradients for x, weight and bias.
 *
 * Shape: `x` `[*, ...normalizedShape]`; `weight` and `bias` `normalizedShape`; the output has x's shape.
 *
 * @example
 * const x = sg.normal([4, 10, 64]);
 * sg.layerNorm(x, 64, { weight: sg.ones([64]), bias: sg.zeros([64]) });   // [4, 10, 64]
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], opts: NormOptions = {}): Tensor {
  const op = 'layerNorm';
  checkKnownOptions(op, opts, NORM_OPTIONS);
  checkFloat(op, 'input', x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(op, `normalizedShape must be a positive integer or a non-empty array of them, got ${fmtValue(normalizedShape)} (input ${fmtShape(x.shape)})`);
  }
  const k = shape.length;
  if (x.ndim < k || !sameShape(x.shape.slice(x.ndim - k), shape)) {
    throw new ShapeError(op, `input ${fmtShape(x.shape)} must end with normalizedShape ${fmtShape(shape)} (expected [*, ${shape.join(', ')}])`);
  }
  const eps = checkNonNegative(op, 'eps', opts.eps ?? 1e-5);
  const rule = 'the normalizedShape';
  const weight = checkAffine(op, 'weight', opts.weight, shape, x, rule);
  const bias = checkAffine(op, 'bias', opts.bias, shape, x, rule);
  const M = sizeOf(shape);
  const geom: NormGeometry = { rows: x.size / M, groups: 1, cpr: M, S: 1 };
  return normalize(op, x, geom, eps, weight, bias);
}
