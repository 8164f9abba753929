/**
 * im2col / col2im over typed arrays, for one image. The input is already padded; `cols` is laid
 * out `[C·kH·kW, outH·outW]` with row `(c·kH + i)·kW + j`.
 */
import type { FloatArray } from '../dtype.js';

/** Unfolds one `[C, H, W]` image at `x[xOff]` into `cols[colsOff]` (`[C·kH·kW, outH·outW]`). */
export function im2col(
  x: FloatArray, xOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  cols: FloatArray, colsOff: number,
): void {
  throw new Error('im2col: not implemented yet');
}

/** Folds `cols` back into one `[C, H, W]` image, **adding** into `x` (the adjoint of {@link im2col}). */
export function col2im(
  cols: FloatArray, colsOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  x: FloatArray, xOff: number,
): void {
  throw new Error('col2im: not implemented yet');
}
