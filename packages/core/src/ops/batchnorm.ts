/**
 * Batch normalisation as one fused op (PyTorch's `F.batch_norm`): statistics, normalisation, scale
 * and shift in a few passes over the data (`kernels().batchNormForward/batchNormBackward`: plain
 * loops in kernels/batchnorm.ts, SIMD in wasm/asc/batchnorm.ts), and a hand-written gradient,
 * instead of the dozen generic ops (means, broadcasts, divisions) the composed definition takes and
 * their intermediate tensors. Tests hold it equal to that composition in values, gradients and
 * running statistics, on both backends.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, gradStorage, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkBoolean, checkFinite, checkKnownOptions, checkNonNegative, optionNames, checkFloat } from '../check.js';
import { kernels } from '../kernels/backend.js';
import { type OutputActivation, fusedFor, fusedName, readActivation } from './fused.js';

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]` (default none: 1). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (default none: 0). */
  bias?: Tensor | null;
  /**
   * Normalise with this batch's statistics and update the running ones in place (default false:
   * normalise with the running statistics).
   */
  training?: boolean;
  /** Weight of this batch in the running averages when training (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * An activation fused into the output (default `'none'`): `'relu'` or `'relu6'` return
   * `relu(batchNorm(…))` or `relu6(batchNorm(…))`, values and gradients, in the same kernels. nn's
   * `Sequential` uses it for a `BatchNorm2d` followed by a `ReLU`/`ReLU6`, ResNet's blocks too.
   */
  activation?: OutputActivation;
}

const BATCH_NORM_OPTIONS = optionNames<BatchNormOptions>({ weight: true, bias: true, training: true, momentum: true, eps: true, activation: true });

/** Checks that a per-channel tensor argument is null or a `[C]` tensor of the input's dtype. */
function perChannel(name: string, t: Tensor | null | undefined, x: Tensor): Tensor | null {
  if (t === null || t === undefined) return null;
  if (!(t instanceof Tensor)) throw new ArgumentError('batchNorm', `${name} must be a tensor or null, got ${typeof t}`);
  const c = x.shape[1];
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new ShapeError('batchNorm', `${name} must have shape [${c}] (one value per channel), got ${fmtShape(t.shape)} (input ${fmtShape(x.shape)})`);
  }
  if (t.dtype !== x.dtype) {
    throw new DTypeError('batchNorm', `${name} must have the input's dtype ${x.dtype}, got ${t.dtype} (input ${fmtShape(x.shape)})`);
  }
  return t;
}

/**
 * Batch normalisation over dimension 1 (PyTorch's `F.batch_norm`):
 * `y = (x − mean) / √(var + eps) · weight + bias`, per channel.
 *
 * - `training: true`: mean and (biased) variance are this batch's, over every dimension but 1, and
 *   the gradient flows through them. If running statistics are given they are updated in place:
 *   `running = (1 − momentum) · running + momentum · batch`, with the unbiased variance
 *   (× m / (m − 1), m values per channel) entering `runningVar`.
 * - `training: false`: mean and variance are `runningMean` and `runningVar`, which must be given.
 *
 * Gradients flow to `x`, `weight` and `bias`, not to the running statistics. (The layer's
 * `momentum: null`, a cumulative average, is `momentum = 1 / batches seen`: see nn's BatchNorm2d.)
 *
 * Shape: `x` is `[N, C, ...]`; `runningMean`, `runningVar`, `weight`, `bias` are `[C]`; the output
 * has the shape of `x`.
 *
 * @example
 * const x = sg.normal([8, 3, 4, 4]);
 * const rm = sg.zeros([3]), rv = sg.ones([3]);
 * const y = sg.batchNorm(x, rm, rv, { training: true });   // rm, rv now hold 0.1 of the batch stats
 * sg.batchNorm(x, rm, rv);                                 // eval: normalises with rm, rv
 * sg.batchNorm(x, rm, rv, { activation: 'relu6' });        // sg.relu6(sg.batchNorm(x, rm, rv)), fused
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  checkKnownOptions('batchNorm', opts, BATCH_NORM_OPTIONS);
  checkFloat('batchNorm', 'input', x);
  if (x.ndim < 2) throw new ShapeError('batchNorm', `input must have at least 2 dimensions [N, C, ...], got ${fmtShape(x.shape)}`);
  const training = checkBoolean('batchNorm', 'training', opts.training ?? false);
  const momentum = checkFinite('batchNorm', 'momentum', opts.momentum ?? 0.1);
  const eps = checkNonNegative('batchNorm', 'eps', opts.eps ?? 1e-5);
  const activation = readActivation('batchNorm', opts.activation);
  const weight = perChannel('weight', opts.weight, x);
  const bias = perChannel('bias', opts.bias, x);
  const rm = perChannel('runningMean', runningMean, x);
  const rv = perChannel('runningVar', runningVar, x);
  if ((rm === null) !== (rv === null)) {
    throw new ArgumentError('batchNorm', `runningMean and runningVar must be given together, got only ${rm === null ? 'runningVar' : 'runningMean'}`);
  }
  if (!training && rm === null) {
    throw new ArgumentError('batchNorm', `runningMean and runningVar are required when training is false (input ${fmtShape(x.shape)})`);
  }

  const [n, c] = x.shape;
  const s = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const m = n * s;
  if (training && m <= 1) {
    throw new ShapeError('batchNorm', `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
  }
  const xd = x[RAW] as FloatArray;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const invstd = new Float64Array(c);
  if (!training) {
    const [rmd, rvd] = [(rm as Tensor)[RAW], (rv as Tensor)[RAW]];
    for (let ch = 0; ch < c; ch++) {
      mean[ch] = rmd[ch];
      invstd[ch] = 1 / Math.sqrt(rvd[ch] + eps);
    }
  }
  const out = allocateOutput(x.dtype, x.size) as FloatArray;
  const w = weight === null ? null : (weight[RAW] as FloatArray);
  kernels().batchNormForward(xd, n, c, s, training, eps, mean, variance, invstd, w, bias === null ? null : (bias[RAW] as FloatArray), out, activation);
  if (training && rm !== null && rv !== null) {
    // In place, so the module's buffers (and state dicts holding them) see the update.
    const unbiased = m / (m - 1);
    const [rmd, rvd] = [rm[RAW], rv[RAW]];
    for (let ch = 0; ch < c; ch++) {
      rmd[ch] = (1 - momentum) * rmd[ch] + momentum * mean[ch];
      rvd[ch] = (1 - momentum) * rvd[ch] + momentum * variance[ch] * unbiased;
    }
  }

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const result = new Tensor(out, x.shape);
  const fused = fusedFor('batchNorm', activation, result);
  return record(fusedName('batchNorm', activation), result, inputs, (grad, gradOwned) => {
    const sumGrad = new Float64Array(c);
    const sumGradCentered = new Float64Array(c);
    // The kernels read all of grad (the sums) before writing gx, and then grad[i] before gx[i], so a
    // lent grad buffer (see record) can take the input gradient.
    const gx = !x.requiresGrad ? null : gradOwned ? (grad[RAW] as FloatArray) : (allocateOutput(x.dtype, x.size) as FloatArray);
    kernels().batchNormBackward(grad[RAW] as FloatArray, xd, n, c, s, mean, invstd, w, training, sumGrad, sumGradCentered, gx, fused?.() ?? null);
    const grads: (Tensor | null)[] = [gx === null ? null : new Tensor(gx, x.shape)];
    if (weight !== null) {
      const gw = gradStorage(weight);
      for (let ch = 0; ch < c; ch++) gw[ch] = sumGradCentered[ch] * invstd[ch];
      grads.push(new Tensor(gw, [c]));
    }
    if (bias !== null) {
      const gb = gradStorage(bias);
      gb.set(sumGrad);
      grads.push(new Tensor(gb, [c]));
    }
    return grads;
  }, true); // fresh gradients: the engine hands them on (to .grad) without a copy
}
