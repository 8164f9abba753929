/**
 * im2col / col2im over typed arrays, for one image, with zero padding fused: taps that fall on the
 * padding read 0 (im2col) or are dropped (col2im), so no padded copy of the image is ever made.
 * `cols` is laid out `[C·kH·kW, outH·outW]` with row `(c·kH + i)·kW + j`, so a convolution becomes
 * one matrix product `weight[O, C·kH·kW] · cols`. Each row of `cols` is one kernel tap slid over the
 * image, which keeps the inner loop a strided read (a contiguous copy when the stride is 1). Kernel
 * taps may be spread out (`dilation`): tap `(i, j)` sits `(i·dilationH, j·dilationW)` from the corner. The
 * WebAssembly backend implements the same contract (packages/core/wasm/asc/kernels.ts).
 */
import type { FloatArray } from '../dtype.js';

/**
 * For the kernel column at horizontal offset `dx` (`j·dilationW`): the output columns whose tap
 * lands inside the image, `[ox0, ox1)`. Window `ox` reads image column `ox·strideW + dx − padLeft`.
 */
function insideRange(dx: number, width: number, strideW: number, padLeft: number, outW: number): [number, number] {
  let ox0 = 0;
  while (ox0 < outW && ox0 * strideW + dx - padLeft < 0) ox0++;
  let ox1 = outW;
  while (ox1 > ox0 && (ox1 - 1) * strideW + dx - padLeft >= width) ox1--;
  return [ox0, ox1];
}

/**
 * Unfolds one `[C, H, W]` image at `x[xOff]` into `cols[colsOff]` (`[C·kH·kW, outH·outW]`):
 * `cols[(c·kH + i)·kW + j][oy·outW + ox] = x[c][oy·strideH + i·dilationH − padTop][ox·strideW + j·dilationW − padLeft]`,
 * and 0 where that position lies outside the image (the padding). `height`/`width` are the
 * unpadded image's; padding below and right of the image is implied by `outH`/`outW`.
 */
export function im2col(
  x: FloatArray, xOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  cols: FloatArray, colsOff: number, padTop = 0, padLeft = 0, dilationH = 1, dilationW = 1,
): void {
  const len = outH * outW;
  cols.fill(0, colsOff, colsOff + channels * kH * kW * len);
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const [ox0, ox1] = insideRange(j * dilationW, width, strideW, padLeft, outW);
      for (let c = 0; c < channels; c++) {
        const plane = xOff + c * height * width;
        const row = colsOff + ((c * kH + i) * kW + j) * len;
        for (let oy = 0; oy < outH; oy++) {
          const y = oy * strideH + i * dilationH - padTop;
          if (y < 0 || y >= height) continue;
          const src = plane + y * width + j * dilationW - padLeft;
          const dst = row + oy * outW;
          for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = x[src + ox * strideW];
        }
      }
    }
  }
}

/**
 * Folds `cols` back into one `[C, H, W]` image, **adding** into `x` (the adjoint of {@link im2col}):
 * every image element receives the sum of the column entries it was copied to; entries that came
 * from the padding are dropped, and pixels that no window covers are left untouched.
 */
export function col2im(
  cols: FloatArray, colsOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  x: FloatArray, xOff: number, padTop = 0, padLeft = 0, dilationH = 1, dilationW = 1,
): void {
  const len = outH * outW;
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const [ox0, ox1] = insideRange(j * dilationW, width, strideW, padLeft, outW);
      for (let c = 0; c < channels; c++) {
        const plane = xOff + c * height * width;
        const row = colsOff + ((c * kH + i) * kW + j) * len;
        for (let oy = 0; oy < outH; oy++) {
          const y = oy * strideH + i * dilationH - padTop;
          if (y < 0 || y >= height) continue;
          const dst = plane + y * width + j * dilationW - padLeft;
          const src = row + oy * outW;
          for (let ox = ox0; ox < ox1; ox++) x[dst + ox * strideW] += cols[src + ox];
        }
      }
    }
  }
}
