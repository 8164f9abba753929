/**
 * im2col / col2im over typed arrays, for one image. The input is already padded; `cols` is laid
 * out `[C·kH·kW, outH·outW]` with row `(c·kH + i)·kW + j`, so a convolution becomes one matrix
 * product `weight[O, C·kH·kW] · cols`. Each row of `cols` is one kernel tap slid over the image,
 * which keeps the inner loop a strided read (a contiguous copy when the stride is 1).
 */
import type { FloatArray } from '../dtype.js';

/**
 * Unfolds one `[C, H, W]` image at `x[xOff]` into `cols[colsOff]` (`[C·kH·kW, outH·outW]`):
 * `cols[(c·kH + i)·kW + j][oy·outW + ox] = x[c][oy·strideH + i][ox·strideW + j]`.
 * The caller guarantees `(outH − 1)·strideH + kH ≤ H` and likewise for the width.
 */
export function im2col(
  x: FloatArray, xOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  cols: FloatArray, colsOff: number,
): void {
  let dst = colsOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * height * width;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        for (let oy = 0; oy < outH; oy++) {
          const src = plane + (oy * strideH + i) * width + j;
          if (strideW === 1) {
            for (let ox = 0; ox < outW; ox++) cols[dst + ox] = x[src + ox];
          } else {
            for (let ox = 0; ox < outW; ox++) cols[dst + ox] = x[src + ox * strideW];
          }
          dst += outW;
        }
      }
    }
  }
}

/**
 * Folds `cols` back into one `[C, H, W]` image, **adding** into `x` (the adjoint of {@link im2col}):
 * every image element receives the sum of the column entries it was copied to. Pixels that no window
 * covers are left untouched.
 */
export function col2im(
  cols: FloatArray, colsOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  x: FloatArray, xOff: number,
): void {
  let src = colsOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * height * width;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        for (let oy = 0; oy < outH; oy++) {
          const dst = plane + (oy * strideH + i) * width + j;
          if (strideW === 1) {
            for (let ox = 0; ox < outW; ox++) x[dst + ox] += cols[src + ox];
          } else {
            for (let ox = 0; ox < outW; ox++) x[dst + ox * strideW] += cols[src + ox];
          }
          src += outW;
        }
      }
    }
  }
}
