/**
 * Fused normalisation loops shared by group norm and layer norm. The input is viewed as `rows`
 * independent rows, each normalised by its own mean and biased variance; a row holds `cpr`
 * consecutive channels of `S` elements, and the affine weight and bias are per channel. Row `r`
 * starts at channel `(r mod groups)·cpr`, so:
 *
 * - group norm over `[N, C, S]` with `G` groups: `rows = N·G`, `groups = G`, `cpr = C/G`;
 * - layer norm over the last dims (size `M`): `rows = size/M`, `groups = 1`, `cpr = M`, `S = 1`.
 *
 * Statistics accumulate in float64 (two passes, so no cancellation), whatever the data dtype.
 */
import type { FloatArray } from '../dtype.js';

/** The layout of one normalisation problem (see the file comment). */
export interface NormGeometry {
  /** Rows normalised independently. */ rows: number;
  /** Row `r` uses affine channels from `(r mod groups)·cpr`. */ groups: number;
  /** Channels per row. */ cpr: number;
  /** Elements per channel. */ S: number;
}

/**
 * `out = (x − mean)·rstd·w + b` per row, with `rstd = 1/√(var + eps)`; saves each row's mean and
 * rstd for the backward pass. `w`/`b` null mean 1/0.
 */
export function normForward(
  x: FloatArray, g: NormGeometry, eps: number, w: FloatArray | null, b: FloatArray | null,
  out: FloatArray, mean: Float64Array, rstd: Float64Array,
): void {
  const { rows, groups, cpr, S } = g;
  const M = cpr * S;
  for (let r = 0; r < rows; r++) {
    const base = r * M;
    let s = 0;
    for (let j = 0; j < M; j++) s += x[base + j];
    const mu = s / M;
    let v = 0;
    for (let j = 0; j < M; j++) {
      const d = x[base + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / M + eps);
    mean[r] = mu;
    rstd[r] = rs;
    const ch0 = (r % groups) * cpr;
    for (let c = 0; c < cpr; c++) {
      const wc = w === null ? 1 : w[ch0 + c];
      const bc = b === null ? 0 : b[ch0 + c];
      const at = base + c * S;
      for (let k = 0; k < S; k++) out[at + k] = (x[at + k] - mu) * rs * wc + bc;
    }
  }
}

/**
 * The gradients of {@link normForward} given the output gradient `grad`: with `x̂ = (x − mean)·rstd`
 * and `ĝ = grad·w`, `gx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` over each row, `gw[c] = Σ grad·x̂` and
 * `gb[c] = Σ grad` over every row and element of channel `c` (arrays pre-zeroed). Pass null for a
 * gradient that is not wanted.
 */
export function normBackward(
  grad: FloatArray, x: FloatArray, g: NormGeometry, w: FloatArray | null, mean: Float64Array, rstd: Float64Array,
  gx: FloatArray | null, gw: Float64Array | null, gb: Float64Array | null,
): void {
  const { rows, groups, cpr, S } = g;
  const M = cpr * S;
  for (let r = 0; r < rows; r++) {
    const base = r * M;
    const mu = mean[r];
    const rs = rstd[r];
    const ch0 = (r % groups) * cpr;
    let sumG = 0;
    let sumGX = 0;
    for (let c = 0; c < cpr; c++) {
      const wc = w === null ? 1 : w[ch0 + c];
      const at = base + c * S;
      let cg = 0;
      let cgx = 0;
      for (let k = 0; k < S; k++) {
        const gi = grad[at + k];
        cg += gi;
        cgx += gi * (x[at + k] - mu);
      }
      cgx *= rs;
      sumG += cg * wc;
      sumGX += cgx * wc;
      if (gw !== null) gw[ch0 + c] += cgx;
      if (gb !== null) gb[ch0 + c] += cg;
    }
    if (gx === null) continue;
    const a = sumG / M;
    const bq = sumGX / M;
    for (let c = 0; c < cpr; c++) {
      const wc = w === null ? 1 : w[ch0 + c];
      const at = base + c * S;
      for (let k = 0; k < S; k++) gx[at + k] = rs * (grad[at + k] * wc - a - (x[at + k] - mu) * rs * bq);
    }
  }
}
