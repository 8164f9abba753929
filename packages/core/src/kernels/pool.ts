/**
 * 2-D max and average pooling over typed arrays, forward and backward, for a stack of `planes`
 * independent `[H, W]` planes (`N·C` of them). Window geometry follows PyTorch (no dilation, floor
 * output size): window `(oy, ox)` covers rows `oy·strideH − padH ..` and columns `ox·strideW − padW ..`,
 * clipped to the image; the clipped-off part is the implicit padding.
 */
import type { FloatArray } from '../dtype.js';

/** The shape of one pooling problem. */
export interface PoolGeometry {
  /** Number of independent planes (`N·C`). */ planes: number;
  /** Input height. */ height: number;
  /** Input width. */ width: number;
  /** Window height. */ kH: number;
  /** Window width. */ kW: number;
  /** Vertical stride. */ strideH: number;
  /** Horizontal stride. */ strideW: number;
  /** Implicit padding on the top and bottom. */ padH: number;
  /** Implicit padding on the left and right. */ padW: number;
  /** Output height. */ outH: number;
  /** Output width. */ outW: number;
}

/**
 * The geometry of a pooling over `planes` planes of `height × width` (unchecked: the caller
 * validates), its output size PyTorch's `⌊(H + 2·padH − kH) / strideH⌋ + 1` (likewise W).
 */
export function poolGeometry(
  planes: number, height: number, width: number, [kH, kW]: readonly [number, number], [strideH, strideW]: readonly [number, number],
  [padH, padW]: readonly [number, number],
): PoolGeometry {
  const outH = Math.floor((height + 2 * padH - kH) / strideH) + 1;
  const outW = Math.floor((width + 2 * padW - kW) / strideW) + 1;
  return { planes, height, width, kH, kW, strideH, strideW, padH, padW, outH, outW };
}

/**
 * Max over each window into `out`, and the winner's position within its plane (`y·W + x`) into
 * `argmax`. Like PyTorch: the first maximum wins ties, and a NaN wins over any number (so it
 * propagates). Padding acts as −∞; the caller guarantees each window holds at least one real element.
 */
export function maxPool2dForward(x: FloatArray, g: PoolGeometry, out: FloatArray, argmax: Int32Array): void {
  if (g.kH === 2 && g.kW === 2 && g.padH === 0 && g.padW === 0) {
    maxPool2x2(x, g, out, argmax);
    return;
  }
  const { planes, height, width, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(oy * strideH - padH, 0);
      const y1 = Math.min(oy * strideH - padH + kH, height);
      for (let ox = 0; ox < outW; ox++, k++) {
        const x0 = Math.max(ox * strideW - padW, 0);
        const x1 = Math.min(ox * strideW - padW + kW, width);
        let best = -Infinity;
        let at = y0 * width + x0;
        for (let y = y0; y < y1; y++) {
          for (let xi = x0; xi < x1; xi++) {
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

/**
 * {@link maxPool2dForward} for unpadded 2×2 windows (the CNN default), unrolled: the same comparisons
 * in the same order, so the same winners, without the general loop's clipping.
 */
function maxPool2x2(x: FloatArray, g: PoolGeometry, out: FloatArray, argmax: Int32Array): void {
  const { planes, height, width, strideH, strideW, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const y = oy * strideH;
      for (let ox = 0; ox < outW; ox++, k++) {
        const at = y * width + ox * strideW; // top-left, within the plane
        let best = x[plane + at];
        let win = at;
        let v = x[plane + at + 1];
        if (v > best || v !== v) { best = v; win = at + 1; }
        v = x[plane + at + width];
        if (v > best || v !== v) { best = v; win = at + width; }
        v = x[plane + at + width + 1];
        if (v > best || v !== v) { best = v; win = at + width + 1; }
        out[k] = best;
        argmax[k] = win;
      }
    }
  }
}

/**
 * Writes `gx`: zeros, then each output gradient added at its window's argmax (a flat index within its
 * plane), window by window in order (windows may share a winner). Serves max pooling and adaptive max
 * pooling alike: it needs only the plane and output sizes.
 */
export function maxPool2dBackward(grad: FloatArray, argmax: Int32Array, g: Pick<PoolGeometry, 'planes' | 'height' | 'width' | 'outH' | 'outW'>, gx: FloatArray): void {
  const per = g.outH * g.outW;
  const size = g.height * g.width;
  gx.fill(0);
  for (let p = 0, k = 0; p < g.planes; p++) {
    const plane = p * size;
    for (let i = 0; i < per; i++, k++) gx[plane + argmax[k]] += grad[k];
  }
}

/**
 * Calls `visit(k, plane, y0, y1, x0, x1, divisor)` for output `k` and its window clipped to the image.
 * The divisor is PyTorch's: the window size with its padded part when `countIncludePad`, else the
 * number of real elements.
 */
function forEachAvgWindow(
  g: PoolGeometry, countIncludePad: boolean,
  visit: (k: number, plane: number, y0: number, y1: number, x0: number, x1: number, divisor: number) => void,
): void {
  const { planes, height, width, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * height * width;
    for (let oy = 0; oy < outH; oy++) {
      const ys = oy * strideH - padH;
      const ye = Math.min(ys + kH, height + padH);
      const y0 = Math.max(ys, 0);
      const y1 = Math.min(ye, height);
      for (let ox = 0; ox < outW; ox++, k++) {
        const xs = ox * strideW - padW;
        const xe = Math.min(xs + kW, width + padW);
        const x0 = Math.max(xs, 0);
        const x1 = Math.min(xe, width);
        const divisor = countIncludePad ? (ye - ys) * (xe - xs) : (y1 - y0) * (x1 - x0);
        visit(k, plane, y0, y1, x0, x1, divisor);
      }
    }
  }
}

/** Mean over each window into `out` (padded zeros counted in the divisor when `countIncludePad`). */
export function avgPool2dForward(x: FloatArray, g: PoolGeometry, countIncludePad: boolean, out: FloatArray): void {
  const width = g.width;
  forEachAvgWindow(g, countIncludePad, (k, plane, y0, y1, x0, x1, divisor) => {
    let s = 0;
    for (let y = y0; y < y1; y++) {
      const row = plane + y * width;
      for (let xi = x0; xi < x1; xi++) s += x[row + xi];
    }
    out[k] = s / divisor;
  });
}

/** Spreads each output gradient evenly (÷ divisor) over its window, adding into `gx`. */
export function avgPool2dBackward(grad: FloatArray, g: PoolGeometry, countIncludePad: boolean, gx: FloatArray): void {
  const width = g.width;
  forEachAvgWindow(g, countIncludePad, (k, plane, y0, y1, x0, x1, divisor) => {
    const share = grad[k] / divisor;
    for (let y = y0; y < y1; y++) {
      const row = plane + y * width;
      for (let xi = x0; xi < x1; xi++) gx[row + xi] += share;
    }
  });
}
