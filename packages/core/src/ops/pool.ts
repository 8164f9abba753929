/**
 * 2-D max and average pooling with PyTorch's semantics (floor output size, implicit padding of at
 * most half the window, −∞ padding for max, padded zeros counted by average by default). The loops
 * live in `kernels/pool.ts`; this file validates, shapes and records the gradients.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, RAW } from '../tensor.js';
import { checkBoolean, checkFloat, checkKnownOptions, checkPair, optionNames } from '../check.js';
import { record } from '../autograd.js';
import { kernels } from '../kernels/backend.js';
import { type PoolGeometry, avgPool2dBackward, avgPool2dForward, poolGeometry } from '../kernels/pool.js';

/** Options of {@link maxPool2d}. */
export interface PoolOptions {
  /** Stride, a number or `[sh, sw]` (default: the kernel size). */ stride?: number | readonly [number, number];
  /** Implicit padding on each side, a number or `[ph, pw]`, at most half the kernel (default 0). */ padding?: number | readonly [number, number];
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions extends PoolOptions {
  /** Count padded zeros in the divisor (default true, as in PyTorch). */ countIncludePad?: boolean;
}

const MAX_POOL_OPTIONS = optionNames<PoolOptions>({ stride: true, padding: true });
const AVG_POOL_OPTIONS = optionNames<AvgPool2dOptions>({ stride: true, padding: true, countIncludePad: true });

/** Validates a pooling call and works out its geometry and output shape. */
function geometry(op: string, x: Tensor, kernelSize: number | readonly [number, number], opts: PoolOptions, known: readonly string[]): [PoolGeometry, number[]] {
  // A number in the options' place is PyTorch's positional stride (`max_pool2d(x, 3, 2)`), which
  // this signature does not take: rejected rather than read as "no options" (stride 3).
  checkKnownOptions(op, opts, known);
  const ctx = `(input ${fmtShape(x.shape)})`;
  checkFloat(op, 'input', x, ctx);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(op, `input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [kH, kW] = checkPair(op, 'kernelSize', kernelSize, 1, ctx);
  const [strideH, strideW] = checkPair(op, 'stride', opts.stride ?? [kH, kW], 1, ctx);
  const [padH, padW] = checkPair(op, 'padding', opts.padding ?? 0, 0, ctx);
  if (2 * padH > kH || 2 * padW > kW) {
    throw new ArgumentError(op, `padding [${padH}, ${padW}] must be at most half the kernel size [${kH}, ${kW}] (input ${fmtShape(x.shape)})`);
  }
  const height = x.shape[x.ndim - 2];
  const width = x.shape[x.ndim - 1];
  const geom = poolGeometry(x.size / (height * width), height, width, [kH, kW], [strideH, strideW], [padH, padW]);
  const { outH, outW } = geom;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(op, `output size would be ${Math.max(outH, 0)}x${Math.max(outW, 0)}: kernel [${kH}, ${kW}] with padding [${padH}, ${padW}] does not fit the input ${height}x${width} (input ${fmtShape(x.shape)})`);
  }
  return [geom, [...x.shape.slice(0, -2), outH, outW]];
}

/**
 * 2-D max pooling: the maximum of each `kH × kW` window, padding acting as −∞. The gradient goes to
 * the position of each window's maximum (the first one on ties, as in PyTorch); positions that win
 * several overlapping windows collect all their gradients.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, outH, outW]` with
 * `outH = ⌊(H + 2·padH − kH) / strideH⌋ + 1` (likewise `outW`). The stride defaults to the kernel size.
 *
 * @example
 * const x = sg.normal([8, 32, 26, 26]);
 * sg.maxPool2d(x, 2);                                  // [8, 32, 13, 13]
 * sg.maxPool2d(x, 3, { stride: 2, padding: 1 });       // [8, 32, 13, 13]
 */
export function maxPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: PoolOptions = {}): Tensor {
  const [geom, outShape] = geometry('maxPool2d', x, kernelSize, opts, MAX_POOL_OPTIONS);
  const count = geom.planes * geom.outH * geom.outW;
  const out = allocateOutput(x.dtype, count) as FloatArray;
  const argmax = new Int32Array(count);
  kernels().maxPool2dForward(x[RAW] as FloatArray, geom, out, argmax);
  return record('maxPool2d', new Tensor(out, outShape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size) as FloatArray;
    kernels().maxPool2dBackward(g[RAW] as FloatArray, argmax, geom, gx);
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * 2-D average pooling: the mean of each `kH × kW` window. Padded positions count as zeros in the
 * divisor by default (`countIncludePad: true`, PyTorch's default); with `false` the divisor is the
 * number of real elements in the window. The gradient spreads each output's gradient evenly over its
 * window.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, outH, outW]` with
 * `outH = ⌊(H + 2·padH − kH) / strideH⌋ + 1` (likewise `outW`). The stride defaults to the kernel size.
 *
 * @example
 * const x = sg.normal([8, 32, 26, 26]);
 * sg.avgPool2d(x, 2);                                                       // [8, 32, 13, 13]
 * sg.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false });    // [8, 32, 26, 26]
 */
export function avgPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: AvgPool2dOptions = {}): Tensor {
  const [geom, outShape] = geometry('avgPool2d', x, kernelSize, opts, AVG_POOL_OPTIONS);
  const countIncludePad = checkBoolean('avgPool2d', 'countIncludePad', opts.countIncludePad ?? true);
  const out = allocateOutput(x.dtype, geom.planes * geom.outH * geom.outW) as FloatArray;
  avgPool2dForward(x[RAW] as FloatArray, geom, countIncludePad, out);
  return record('avgPool2d', new Tensor(out, outShape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size) as FloatArray;
    avgPool2dBackward(g[RAW] as FloatArray, geom, countIncludePad, gx);
    return [new Tensor(gx, x.shape)];
  });
}
