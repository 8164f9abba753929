/**
 * Batch normalisation kernels over typed arrays. The input is viewed as `[n, c, s]`: batch, channel,
 * and every trailing (spatial) element flattened, so one channel of one sample is a contiguous run
 * of `s` values. Per-channel quantities (statistics, scales, sums) are Float64Arrays of length `c`:
 * every sum is accumulated in float64, whatever the data's dtype, and each output element is
 * rounded once when it is stored.
 */
import type { FloatArray } from '../dtype.js';
import { type Fused, type FusedActivation, activateInPlace, epilogueGrad } from './fused.js';

/**
 * The batch mean and biased variance of each channel: `mean[ch] = Σ x / m` and
 * `variance[ch] = Σ (x − mean)² / m` over the `m = n·s` values of channel `ch`, in one pass over
 * memory order. The sums are of `x − k` with `k` the channel's first value, so the variance
 * `Σ(x − k)²/m − (Σ(x − k)/m)²` does not cancel catastrophically when the mean is large next to the
 * spread (k is within a few standard deviations of the mean).
 */
export function batchNormStats(
  x: FloatArray, n: number, c: number, s: number, mean: Float64Array, variance: Float64Array,
): void {
  const m = n * s;
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    shift[ch] = x[ch * s];
    mean[ch] = 0;
    variance[ch] = 0;
  }
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const k = shift[ch];
      const base = (i * c + ch) * s;
      let s1 = 0;
      let s2 = 0;
      for (let j = 0; j < s; j++) {
        const d = x[base + j] - k;
        s1 += d;
        s2 += d * d;
      }
      mean[ch] += s1;
      variance[ch] += s2;
    }
  }
  for (let ch = 0; ch < c; ch++) {
    const d = mean[ch] / m;
    mean[ch] = shift[ch] + d;
    variance[ch] = Math.max(variance[ch] / m - d * d, 0);
  }
}

/**
 * Batch normalisation's forward pass: `out = (x − mean) · invstd · weight + bias` per channel, with
 * `invstd = 1 / √(variance + eps)`. In training the statistics are this batch's: `mean`, `variance`
 * (biased) and `invstd` are filled here (see {@link batchNormStats}); in eval the caller fills
 * `mean` and `invstd` from the running statistics (`variance` is not read). A null `weight` is 1, a
 * null `bias` 0. (The mean is subtracted, not folded into the shift, which would cancel digits when
 * the mean is large next to the spread.) With an `activation`, the output then goes through it.
 */
export function batchNormForward(
  x: FloatArray, n: number, c: number, s: number, training: boolean, eps: number,
  mean: Float64Array, variance: Float64Array, invstd: Float64Array,
  weight: FloatArray | null, bias: FloatArray | null, out: FloatArray, activation: FusedActivation | null = null,
): void {
  if (training) {
    batchNormStats(x, n, c, s, mean, variance);
    for (let ch = 0; ch < c; ch++) invstd[ch] = 1 / Math.sqrt(variance[ch] + eps);
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = (weight === null ? 1 : weight[ch]) * invstd[ch];
    shift[ch] = bias === null ? 0 : bias[ch];
  }
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const mu = mean[ch];
      const a = scale[ch];
      const b = shift[ch];
      const base = (i * c + ch) * s;
      for (let j = 0; j < s; j++) out[base + j] = (x[base + j] - mu) * a + b;
    }
  }
  if (activation !== null) activateInPlace(activation, out);
}

/**
 * Batch normalisation's gradients, given the output gradient `grad` and the statistics the forward
 * normalised with (`invstd = 1 / √(var + eps)`) and the weight (null: all ones).
 *
 * Always fills the per-channel sums `sumGrad[ch] = Σ grad` (the bias gradient) and
 * `sumGradCentered[ch] = Σ grad · (x − mean)` (times `invstd`, the weight gradient). When `gx` is
 * given it receives the input gradient. With `x̂ = (x − mean) · invstd` and `k = weight · invstd`:
 *
 * - eval (fixed statistics): `gx = k · grad`;
 * - training (statistics of this batch, so they depend on x too):
 *   `gx = k · (grad − Σ grad / m − x̂ · Σ grad·x̂ / m)` over the `m = n·s` values of the channel,
 *   computed as `k · grad + p · (x − mean) + q` with per-channel `p` and `q`.
 *
 * With `fused` (an activation fused into the forward and its output), `grad` is that output's
 * gradient and first goes back through the activation ({@link epilogueGrad}).
 */
export function batchNormBackward(
  grad: FloatArray, x: FloatArray, n: number, c: number, s: number,
  mean: Float64Array, invstd: Float64Array, weight: FloatArray | null, training: boolean,
  sumGrad: Float64Array, sumGradCentered: Float64Array, gx: FloatArray | null, fused: Fused | null = null,
): void {
  if (fused !== null) grad = epilogueGrad(fused, grad);
  const m = n * s;
  sumGrad.fill(0);
  sumGradCentered.fill(0);
  // Both passes walk memory in order (sample, channel, position), which matters when s is small.
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const mu = mean[ch];
      const base = (i * c + ch) * s;
      let sg = 0;
      let sgc = 0;
      for (let j = 0; j < s; j++) {
        const g = grad[base + j];
        sg += g;
        sgc += g * (x[base + j] - mu);
      }
      sumGrad[ch] += sg;
      sumGradCentered[ch] += sgc;
    }
  }
  if (gx === null) return;
  // gx = k · grad + p · (x − mean) + q per channel (see above); p = q = 0 in eval mode.
  const k = new Float64Array(c);
  const p = new Float64Array(c);
  const q = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    k[ch] = (weight === null ? 1 : weight[ch]) * invstd[ch];
    if (!training) continue;
    // Σ grad·x̂ / m = sumGradCentered · invstd / m, so the x̂ term is (x − mean) · p.
    p[ch] = (-k[ch] * invstd[ch] * invstd[ch] * sumGradCentered[ch]) / m;
    q[ch] = (-k[ch] * sumGrad[ch]) / m;
  }
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const mu = mean[ch];
      const kc = k[ch];
      const pc = p[ch];
      const qc = q[ch];
      const base = (i * c + ch) * s;
      for (let j = 0; j < s; j++) gx[base + j] = grad[base + j] * kc + (x[base + j] - mu) * pc + qc;
    }
  }
}
