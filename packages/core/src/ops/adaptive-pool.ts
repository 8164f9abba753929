/**
 * Adaptive 2-D average and max pooling (PyTorch's `adaptive_avg_pool2d` / `adaptive_max_pool2d`):
 * the caller names the output size and the windows follow from it. Output cell `i` of `out` pools
 * input indices `⌊i·H/out⌋ .. ⌈(i+1)·H/out⌉ − 1`, so any input size maps to any output size (bins
 * overlap when `out` does not divide `H`, and repeat inputs when upsizing). The loops live in
 * `kernels/adaptive-pool.ts`; this file validates, shapes and records the gradients.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { kernels } from '../kernels/backend.js';
import { checkPair, fmtValue, checkFloat } from '../check.js';
import {
  type AdaptivePoolGeometry, adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward,
  adaptiveMaxPool2dForward,
} from '../kernels/adaptive-pool.js';

/**
 * An adaptive pooling output size: a number (square), or `[h, w]` where `null` keeps that input
 * dimension (PyTorch's `None`).
 */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** Validates an adaptive pooling call and works out its geometry and output shape. */
function geometry(op: string, x: Tensor, outputSize: AdaptiveSize): [AdaptivePoolGeometry, number[]] {
  checkFloat(op, 'input', x);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(op, `input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  const height = x.shape[x.ndim - 2];
  const width = x.shape[x.ndim - 1];
  if (height === 0 || width === 0) throw new ShapeError(op, `input must have non-empty spatial dimensions, got ${fmtShape(x.shape)}`);
  const where = `(input ${fmtShape(x.shape)})`;
  // null keeps the input's size in that dimension; checkPair validates everything else.
  let size: unknown = outputSize;
  if (Array.isArray(outputSize) && outputSize.includes(null)) {
    if (outputSize.length !== 2 || !outputSize.every((d: unknown) => d === null || (Number.isInteger(d) && (d as number) >= 0))) {
      throw new ArgumentError(op, `outputSize must be a non-negative integer or a pair of non-negative integers or nulls, got ${fmtValue(outputSize)} ${where}`);
    }
    size = [outputSize[0] ?? height, outputSize[1] ?? width];
  }
  const [outH, outW] = checkPair(op, 'outputSize', size, 0, where);
  const planes = x.size / (height * width);
  return [{ planes, height, width, outH, outW }, [...x.shape.slice(0, -2), outH, outW]];
}

/**
 * Adaptive average pooling to `outputSize`: output cell `(i, j)` is the mean of input rows
 * `⌊i·H/h⌋ .. ⌈(i+1)·H/h⌉ − 1` and columns `⌊j·W/w⌋ .. ⌈(j+1)·W/w⌉ − 1` (PyTorch's bins). The gradient
 * spreads each output's gradient evenly over its bin. `adaptiveAvgPool2d(x, 1)` is global average
 * pooling and runs a dedicated loop.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, h, w]`; `outputSize` is `h` (square) or
 * `[h, w]`, either entry `null` to keep the input's size. Any sizes work, upsizing included.
 *
 * @example
 * sg.adaptiveAvgPool2d(sg.normal([2, 512, 7, 7]), 1);         // [2, 512, 1, 1]
 * sg.adaptiveAvgPool2d(sg.normal([1, 3, 10, 7]), [3, null]);  // [1, 3, 3, 7]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const [geom, outShape] = geometry('adaptiveAvgPool2d', x, outputSize);
  const out = allocateOutput(x.dtype, geom.planes * geom.outH * geom.outW) as FloatArray;
  adaptiveAvgPool2dForward(x[RAW] as FloatArray, geom, out);
  return record('adaptiveAvgPool2d', new Tensor(out, outShape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size) as FloatArray;
    adaptiveAvgPool2dBackward(g[RAW] as FloatArray, geom, gx);
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Adaptive max pooling to `outputSize`, over the same bins as {@link adaptiveAvgPool2d}. Returns the
 * values; the gradient goes to each bin's first maximum (row-major), as in PyTorch, and an input
 * that wins several overlapping bins collects all their gradients. NaN propagates.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, h, w]`, `outputSize` as for average pooling.
 *
 * @example
 * sg.adaptiveMaxPool2d(sg.normal([1, 8, 9, 9]), [2, 3]);   // [1, 8, 2, 3]
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const [geom, outShape] = geometry('adaptiveMaxPool2d', x, outputSize);
  const count = geom.planes * geom.outH * geom.outW;
  const out = allocateOutput(x.dtype, count) as FloatArray;
  const argmax = new Int32Array(count);
  adaptiveMaxPool2dForward(x[RAW] as FloatArray, geom, out, argmax);
  return record('adaptiveMaxPool2d', new Tensor(out, outShape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size) as FloatArray;
    kernels().maxPool2dBackward(g[RAW] as FloatArray, argmax, geom, gx);
    return [new Tensor(gx, x.shape)];
  });
}
