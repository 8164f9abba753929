/**
 * Adaptive 2-D average and max pooling over typed arrays, for a stack of `planes` independent
 * `[H, W]` planes (`N·C` of them). Output cell `(oy, ox)` pools rows `⌊oy·H/outH⌋ .. ⌈(oy+1)·H/outH⌉ − 1`
 * and the matching columns (PyTorch's bins): they tile the input when `outH` divides `H`, overlap
 * otherwise, and repeat rows when upsizing (`outH > H`). The 1×1 output (global pooling before a
 * classifier head) has its own loop over each contiguous plane.
 */
import type { FloatArray } from '../dtype.js';

/** The shape of one adaptive pooling problem. */
export interface AdaptivePoolGeometry {
  /** Number of independent planes (`N·C`). */ planes: number;
  /** Input height. */ height: number;
  /** Input width. */ width: number;
  /** Output height. */ outH: number;
  /** Output width. */ outW: number;
}

/** First input index of bin `i` of `out` bins over `size` elements: `⌊i·size/out⌋`. */
export function binStart(i: number, size: number, out: number): number {
  return Math.floor((i * size) / out);
}

/** One past the last input index of bin `i`: `⌈(i+1)·size/out⌉`. */
export function binEnd(i: number, size: number, out: number): number {
  return Math.ceil(((i + 1) * size) / out);
}

/** Each bin's start and end along one axis, computed once instead of per plane. */
function bins(size: number, out: number): [Int32Array, Int32Array] {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    start[i] = binStart(i, size, out);
    end[i] = binEnd(i, size, out);
  }
  return [start, end];
}

/** Mean of each bin into `out` (`[planes, outH, outW]`); dispatches the 1×1 case to {@link globalAvgPool}. */
export function adaptiveAvgPool2dForward(x: FloatArray, g: AdaptivePoolGeometry, out: FloatArray): void {
  if (g.outH === 1 && g.outW === 1) globalAvgPool(x, g.planes, g.height * g.width, out);
  else adaptiveAvgPoolBins(x, g, out);
}

/** The general loop of {@link adaptiveAvgPool2dForward} (any output size, 1×1 included). */
export function adaptiveAvgPoolBins(x: FloatArray, g: AdaptivePoolGeometry, out: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  const [ys, ye] = bins(height, outH);
  const [xs, xe] = bins(width, outW);
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, k++) {
        let s = 0;
        for (let y = ys[oy]; y < ye[oy]; y++) {
          const row = plane + y * width;
          for (let xi = xs[ox]; xi < xe[ox]; xi++) s += x[row + xi];
        }
        out[k] = s / ((ye[oy] - ys[oy]) * (xe[ox] - xs[ox]));
      }
    }
  }
}

/** The mean of each contiguous plane of `n` elements (float64 accumulation). */
export function globalAvgPool(x: FloatArray, planes: number, n: number, out: FloatArray): void {
  for (let p = 0; p < planes; p++) {
    let s = 0;
    const end = (p + 1) * n;
    for (let i = p * n; i < end; i++) s += x[i];
    out[p] = s / n;
  }
}

/** Adds each output gradient, divided by its bin's size, to every input of the bin (`gx` pre-zeroed). */
export function adaptiveAvgPool2dBackward(grad: FloatArray, g: AdaptivePoolGeometry, gx: FloatArray): void {
  const { planes, height, width, outH, outW } = g;
  if (outH === 1 && outW === 1) {
    // A loop, not `fill` per plane: a network's global pooling sees thousands of tiny planes
    // (MobileNetV2's [32, 1280, 1, 1]: 0.86 ms a step in `fill`'s calls on shared memory).
    const n = height * width;
    for (let p = 0, i = 0; p < planes; p++) {
      const v = grad[p] / n;
      for (const end = i + n; i < end; i++) gx[i] = v;
    }
    return;
  }
  const [ys, ye] = bins(height, outH);
  const [xs, xe] = bins(width, outW);
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, k++) {
        const v = grad[k] / ((ye[oy] - ys[oy]) * (xe[ox] - xs[ox]));
        for (let y = ys[oy]; y < ye[oy]; y++) {
          const row = plane + y * width;
          for (let xi = xs[ox]; xi < xe[ox]; xi++) gx[row + xi] += v;
        }
      }
    }
  }
}

/**
 * Maximum of each bin into `out`, and the winner's flat position within its plane (`y·W + x`) into
 * `argmax`. As PyTorch: the first maximum in row-major order wins ties, and a NaN wins over any number
 * (the last NaN, since PyTorch's test `v > best || isnan(v)` takes every NaN it meets).
 * Dispatches the 1×1 case to {@link globalMaxPool}.
 */
export function adaptiveMaxPool2dForward(x: FloatArray, g: AdaptivePoolGeometry, out: FloatArray, argmax: Int32Array): void {
  if (g.outH === 1 && g.outW === 1) globalMaxPool(x, g.planes, g.height * g.width, out, argmax);
  else adaptiveMaxPoolBins(x, g, out, argmax);
}

/** The general loop of {@link adaptiveMaxPool2dForward} (any output size, 1×1 included). */
export function adaptiveMaxPoolBins(x: FloatArray, g: AdaptivePoolGeometry, out: FloatArray, argmax: Int32Array): void {
  const { planes, height, width, outH, outW } = g;
  const [ys, ye] = bins(height, outH);
  const [xs, xe] = bins(width, outW);
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, k++) {
        let best = -Infinity;
        let at = ys[oy] * width + xs[ox];
        for (let y = ys[oy]; y < ye[oy]; y++) {
          for (let xi = xs[ox]; xi < xe[ox]; xi++) {
            const v = x[plane + y * width + xi];
            if (v > best || v !== v) {
              best = v;
              at = y * width + xi;
            }
          }
        }
        out[k] = best;
        argmax[k] = at;
      }
    }
  }
}

/** The maximum of each contiguous plane of `n` elements and its position (ties and NaN as the bins' loop). */
export function globalMaxPool(x: FloatArray, planes: number, n: number, out: FloatArray, argmax: Int32Array): void {
  for (let p = 0; p < planes; p++) {
    const base = p * n;
    let best = -Infinity;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const v = x[base + i];
      if (v > best || v !== v) {
        best = v;
        at = i;
      }
    }
    out[p] = best;
    argmax[p] = at;
  }
}
