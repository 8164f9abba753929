/**
 * Nearest and bilinear resampling of a stack of `[H, W]` planes, forward and adjoint. The
 * coordinate rules are PyTorch 1.13's CPU kernels, rounding included: each output index maps to a
 * source position through a per-axis table computed once, so the inner loops only gather and
 * weight. Nearest always computes its source index in float32 (as PyTorch does for every dtype);
 * bilinear computes in the data's precision (float32 data: float32 arithmetic, via `Math.fround`).
 * The exact rounding matters: it decides which source pixel a boundary output picks.
 */
import type { FloatArray } from '../dtype.js';

/** The shape of one resampling problem. */
export interface ResampleGeometry {
  /** Number of independent planes (`N·C`). */ planes: number;
  /** Input height. */ height: number;
  /** Input width. */ width: number;
  /** Output height. */ outH: number;
  /** Output width. */ outW: number;
}

const f32 = Math.fround;
const f64 = (v: number): number => v;

/**
 * PyTorch's nearest source index for each of `outSize` outputs along an axis of `inSize`:
 * `min(⌊dst·s⌋, inSize − 1)` in float32 with `s = 1/scale` when a scale factor was given, else
 * `inSize/outSize`. Equal sizes copy and exact doubling halves, as PyTorch's shortcuts do.
 */
export function nearestIndices(inSize: number, outSize: number, scale: number | null): Int32Array {
  const idx = new Int32Array(outSize);
  const s = scale !== null && scale > 0 ? f32(1 / scale) : f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (outSize === inSize) idx[d] = d;
    else if (outSize === 2 * inSize) idx[d] = d >> 1;
    else idx[d] = Math.min(Math.floor(f32(d * s)), inSize - 1);
  }
  return idx;
}

/** Bilinear taps along one axis: output `d` is `w0[d]·x[i0[d]] + w1[d]·x[i1[d]]`. */
export interface LinearTaps { i0: Int32Array; i1: Int32Array; w0: Float64Array; w1: Float64Array }

/**
 * PyTorch's bilinear source positions along one axis. With `alignCorners` the corner pixels' centres
 * line up: `src = d·(in − 1)/(out − 1)`. Without, pixel areas line up: `src = max((d + ½)·s − ½, 0)`
 * with `s = 1/scale` when a scale factor was given (PyTorch's default, recompute_scale_factor unset)
 * or `in/out` otherwise. Equal sizes copy. `float32` rounds every step as PyTorch's float kernel does.
 */
export function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scale: number | null, float32: boolean): LinearTaps {
  const r = float32 ? f32 : f64;
  const taps: LinearTaps = {
    i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float64Array(outSize), w1: new Float64Array(outSize),
  };
  let s: number;
  if (alignCorners) s = outSize > 1 ? r((inSize - 1) / (outSize - 1)) : 0;
  else s = scale !== null && scale > 0 ? r(1 / scale) : r(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (outSize === inSize) {
      taps.i0[d] = d;
      taps.i1[d] = d;
      taps.w0[d] = 1;
      continue;
    }
    const src = alignCorners ? r(s * d) : Math.max(r(r(s * r(d + 0.5)) - 0.5), 0);
    const i0 = Math.trunc(src);
    const l1 = Math.min(Math.max(r(src - i0), 0), 1);
    taps.i0[d] = i0;
    taps.i1[d] = i0 + (i0 < inSize - 1 ? 1 : 0);
    taps.w1[d] = l1;
    taps.w0[d] = r(1 - l1);
  }
  return taps;
}

/** `out[p, y, x] = input[p, iy[y], ix[x]]`. */
export function nearestForward(x: FloatArray, g: ResampleGeometry, iy: Int32Array, ix: Int32Array, out: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const row = plane + iy[oy] * width;
      for (let ox = 0; ox < outW; ox++, k++) out[k] = x[row + ix[ox]];
    }
  }
}

/** The adjoint of {@link nearestForward}: each output gradient adds into its source pixel (`gx` pre-zeroed). */
export function nearestBackward(grad: FloatArray, g: ResampleGeometry, iy: Int32Array, ix: Int32Array, gx: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const row = plane + iy[oy] * width;
      for (let ox = 0; ox < outW; ox++, k++) gx[row + ix[ox]] += grad[k];
    }
  }
}

/** Bilinear resampling: the separable product of the row taps `ty` and the column taps `tx`. */
export function bilinearForward(x: FloatArray, g: ResampleGeometry, ty: LinearTaps, tx: LinearTaps, out: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = plane + ty.i0[oy] * width;
      const r1 = plane + ty.i1[oy] * width;
      const a0 = ty.w0[oy];
      const a1 = ty.w1[oy];
      for (let ox = 0; ox < outW; ox++, k++) {
        const c0 = tx.i0[ox];
        const c1 = tx.i1[ox];
        const b0 = tx.w0[ox];
        const b1 = tx.w1[ox];
        out[k] = a0 * (b0 * x[r0 + c0] + b1 * x[r0 + c1]) + a1 * (b0 * x[r1 + c0] + b1 * x[r1 + c1]);
      }
    }
  }
}

/** The adjoint of {@link bilinearForward}: each output gradient spreads over its four taps (`gx` pre-zeroed). */
export function bilinearBackward(grad: FloatArray, g: ResampleGeometry, ty: LinearTaps, tx: LinearTaps, gx: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = plane + ty.i0[oy] * width;
      const r1 = plane + ty.i1[oy] * width;
      const a0 = ty.w0[oy];
      const a1 = ty.w1[oy];
      for (let ox = 0; ox < outW; ox++, k++) {
        const v = grad[k];
        const c0 = tx.i0[ox];
        const c1 = tx.i1[ox];
        const b0 = tx.w0[ox];
        const b1 = tx.w1[ox];
        gx[r0 + c0] += a0 * b0 * v;
        gx[r0 + c1] += a0 * b1 * v;
        gx[r1 + c0] += a1 * b0 * v;
        gx[r1 + c1] += a1 * b1 * v;
      }
    }
  }
}
