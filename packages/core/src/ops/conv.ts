/**
 * 2-D convolution: pad → im2col → one batched matrix multiply → reshape (+ bias).
 *
 * `im2col` is the primitive here (its gradient is `col2im`, and the other way round); composed with
 * padding, matmul, reshape and add it defines conv2d and its gradients. conv2d itself runs that
 * composition as one fused kernel (`kernels().conv2dForward/conv2dBackward`: zero padding, im2col,
 * GEMM and bias in one pass per image, no column tensor), and tests require it to agree with the
 * composition built from the ops in this file.
 */
import { type FloatArray, allocate, isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { kernels } from '../kernels/backend.js';
import type { ConvGeometry } from '../kernels/conv.js';
import { requireFloat } from './elementwise.js';
import { reshape } from './shape.js';
import { type PadMode, pad, resolvePadMode } from './pad.js';

/** A size per spatial dimension: `[height, width]`. */
type Pair = readonly [number, number];

/** Conv2d padding: a number (all sides), `[ph, pw]` (PyTorch style) or `[top, bottom, left, right]`. */
export type Conv2dPadding = number | Pair | readonly [number, number, number, number];

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Bias `[O]`, added to every output position of its channel (default none). */ bias?: Tensor | null;
  /** Stride, a number or `[sh, sw]` (default 1). */ stride?: number | Pair;
  /** Padding, a number, `[ph, pw]`, or `[top, bottom, left, right]` (default 0). */ padding?: Conv2dPadding;
  /** The seed library's name for `padding`; giving both is allowed only if they agree. */ padWidth?: Conv2dPadding;
  /** Padding mode, any {@link PadMode} (default `'constant'`). */ padMode?: PadMode;
  /** Fill value for constant padding (default 0). */ padValue?: number;
}

/** Options of {@link im2col} and {@link col2im}. */
export interface Im2colOptions {
  /** Stride, a number or `[sh, sw]` (default 1). */ stride?: number | Pair;
}

/** Reads a number-or-pair argument of positive integers, or throws naming `op`, `name` and `ctx`. */
function positivePair(op: string, name: string, value: number | Pair, ctx: string): [number, number] {
  const p: readonly number[] = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ArgumentError(op, `${name} must be a positive integer or a pair of positive integers, got ${JSON.stringify(value)} ${ctx}`);
  }
  return [p[0], p[1]];
}

/** The number of window positions along one dimension. */
function outSize(size: number, k: number, stride: number): number {
  return Math.floor((size - k) / stride) + 1;
}

/**
 * Unfolds every sliding `kH × kW` window of a batch of (already padded) images into a column, the
 * step that turns a convolution into one matrix product. Differentiable; its gradient is {@link col2im}.
 *
 * Column `oy·outW + ox` of image `n` holds the window whose top-left corner is
 * `(oy·strideH, ox·strideW)`; row `(c·kH + i)·kW + j` holds its element `x[n, c, oy·sH + i, ox·sW + j]`.
 *
 * Shape: `[N, C, H, W]` → `[N, C·kH·kW, outH·outW]` with `outH = ⌊(H − kH) / strideH⌋ + 1`
 * (likewise `outW`).
 *
 * @example
 * const cols = sg.im2col(sg.ones([2, 3, 5, 5]), 3, { stride: 2 });   // [2, 27, 4]
 */
export function im2col(x: Tensor, kernelSize: number | Pair, opts: Im2colOptions = {}): Tensor {
  requireFloat('im2col', 'input', x);
  if (x.ndim !== 4) throw new ShapeError('im2col', `input must be 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  const ctx = `(input ${fmtShape(x.shape)})`;
  const [kH, kW] = positivePair('im2col', 'kernelSize', kernelSize, ctx);
  const [sH, sW] = positivePair('im2col', 'stride', opts.stride ?? 1, ctx);
  const [n, c, h, w] = x.shape;
  if (kH > h || kW > w) throw new ShapeError('im2col', `kernel ${kH}x${kW} is larger than the input ${h}x${w} ${ctx}`);
  const outH = outSize(h, kH, sH);
  const outW = outSize(w, kW, sW);
  const rows = c * kH * kW;
  const len = outH * outW;
  const out = allocate(x.dtype, n * rows * len) as FloatArray;
  const K = kernels();
  for (let b = 0; b < n; b++) {
    K.im2col(x.data as FloatArray, b * c * h * w, c, h, w, kH, kW, sH, sW, outH, outW, out, b * rows * len);
  }
  return record('im2col', new Tensor(out, [n, rows, len]), [x], (g) => [col2im(g, [h, w], [kH, kW], { stride: [sH, sW] })]);
}

/**
 * Folds columns back into images, summing the entries that overlap: the adjoint of {@link im2col}
 * (and its gradient). Differentiable; its gradient is {@link im2col}.
 *
 * Shape: `[N, C·kH·kW, outH·outW]` → `[N, C, H, W]` for `outputSize = [H, W]`, where `outH` and
 * `outW` are what {@link im2col} gives for that size, kernel and stride.
 *
 * @example
 * const x = sg.ones([1, 1, 3, 3]);
 * sg.col2im(sg.im2col(x, 2), [3, 3], 2).toArray();   // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]: overlap counts
 */
export function col2im(cols: Tensor, outputSize: Pair, kernelSize: number | Pair, opts: Im2colOptions = {}): Tensor {
  requireFloat('col2im', 'columns', cols);
  const ctx = `(columns ${fmtShape(cols.shape)}, outputSize ${JSON.stringify(outputSize)})`;
  if (cols.ndim !== 3) throw new ShapeError('col2im', `columns must be 3-D [N, C·kH·kW, L], got ${fmtShape(cols.shape)}`);
  const [h, w] = positivePair('col2im', 'outputSize', outputSize, ctx);
  const [kH, kW] = positivePair('col2im', 'kernelSize', kernelSize, ctx);
  const [sH, sW] = positivePair('col2im', 'stride', opts.stride ?? 1, ctx);
  const [n, rows, len] = cols.shape;
  if (kH > h || kW > w) throw new ShapeError('col2im', `kernel ${kH}x${kW} is larger than the output ${h}x${w} ${ctx}`);
  const outH = outSize(h, kH, sH);
  const outW = outSize(w, kW, sW);
  if (rows % (kH * kW) !== 0 || len !== outH * outW) {
    throw new ShapeError('col2im', `columns must have shape [N, C·${kH}·${kW}, ${outH * outW}] for kernel ${kH}x${kW} and stride ${sH}x${sW} over ${h}x${w} ${ctx}`);
  }
  const c = rows / (kH * kW);
  const out = allocate(cols.dtype, n * c * h * w) as FloatArray;
  const K = kernels();
  for (let b = 0; b < n; b++) {
    K.col2im(cols.data as FloatArray, b * rows * len, c, h, w, kH, kW, sH, sW, outH, outW, out, b * c * h * w);
  }
  return record('col2im', new Tensor(out, [n, c, h, w]), [cols], (g) => [im2col(g, [kH, kW], { stride: [sH, sW] })]);
}

/** Resolves `padding` / `padWidth` into `[top, bottom, left, right]`. */
function resolvePadding(opts: Conv2dOptions, ctx: string): [number, number, number, number] {
  const read = (name: string, value: Conv2dPadding): [number, number, number, number] => {
    const p: readonly number[] = typeof value === 'number' ? [value] : value;
    if (!Array.isArray(p) || ![1, 2, 4].includes(p.length) || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new ArgumentError('conv2d', `${name} must be a non-negative integer, [ph, pw] or [top, bottom, left, right], got ${JSON.stringify(value)} ${ctx}`);
    }
    if (p.length === 1) return [p[0], p[0], p[0], p[0]];
    if (p.length === 2) return [p[0], p[0], p[1], p[1]];
    return [p[0], p[1], p[2], p[3]];
  };
  const a = opts.padding === undefined ? undefined : read('padding', opts.padding);
  const b = opts.padWidth === undefined ? undefined : read('padWidth', opts.padWidth);
  if (a !== undefined && b !== undefined && a.some((v, i) => v !== b[i])) {
    throw new ArgumentError('conv2d', `padding ${JSON.stringify(opts.padding)} and padWidth ${JSON.stringify(opts.padWidth)} disagree; padWidth is the seed library's name for padding, pass only one ${ctx}`);
  }
  return a ?? b ?? [0, 0, 0, 0];
}

/** Throws unless `t` is float and of the input's dtype (PyTorch's rule: no silent promotion). */
function checkDType(name: string, t: Tensor, x: Tensor, ctx: string): void {
  if (!isFloat(t.dtype)) throw new DTypeError('conv2d', `${name} must be float32 or float64, got ${t.dtype} ${ctx}`);
  if (t.dtype !== x.dtype) {
    throw new DTypeError('conv2d', `${name} is ${t.dtype} but input is ${x.dtype}; convert one with .to('${x.dtype}') or .to('${t.dtype}') ${ctx}`);
  }
}

/**
 * The batched convolution as one differentiable op over `kernels().conv2dForward/conv2dBackward`,
 * which compute exactly the composition im2col → matmul (+ bias), zero padding fused, without
 * materialising the columns.
 */
function convolve(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const K = kernels();
  const out = allocate(x.dtype, g.batch * g.outChannels * g.outH * g.outW) as FloatArray;
  K.conv2dForward(x.data as FloatArray, g, weight.data as FloatArray, bias ? (bias.data as FloatArray) : null, out);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('conv2d', new Tensor(out, [g.batch, g.outChannels, g.outH, g.outW]), inputs, (grad) => {
    const gx = x.requiresGrad ? (allocate(x.dtype, x.size) as FloatArray) : null;
    const gw = weight.requiresGrad ? (allocate(weight.dtype, weight.size) as FloatArray) : null;
    const gb = bias?.requiresGrad ? (allocate(bias.dtype, bias.size) as FloatArray) : null;
    K.conv2dBackward(grad.data as FloatArray, x.data as FloatArray, g, weight.data as FloatArray, gx, gw, gb);
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, weight.shape), gb && new Tensor(gb, [g.outChannels])];
  });
}

/**
 * 2-D cross-correlation (what deep-learning libraries call convolution), with optional padding in
 * any {@link PadMode} and a bias:
 * `out[n, o, y, x] = bias[o] + Σ_c Σ_i Σ_j weight[o, c, i, j] · padded[n, c, y·sH + i, x·sW + j]`.
 *
 * Computed as pad → {@link im2col} → one batched matrix product → reshape → + bias (fused into one
 * kernel, zero padding included), with gradients for `x`, `weight` and `bias`. The input, weight and bias must share one
 * float dtype: like PyTorch, mixed float32/float64 is an error rather than a silent promotion (which
 * would quietly double the memory and time of a float32 model). Non-constant pad modes follow
 * `numpy.pad`, so reflect padding may be wider than the input (PyTorch would refuse).
 *
 * Shape: x `[N, C, H, W]` (or `[C, H, W]`, then the output has no batch dimension), weight
 * `[O, C, kH, kW]`, bias `[O]` → `[N, O, outH, outW]` with
 * `outH = ⌊(H + top + bottom − kH) / strideH⌋ + 1` and `outW = ⌊(W + left + right − kW) / strideW⌋ + 1`.
 *
 * @example
 * const x = sg.normal([1, 3, 28, 28]);
 * const kernel = sg.normal([16, 3, 3, 3], { requiresGrad: true });
 * const out = sg.conv2d(x, kernel, { stride: 1, padding: 1 });     // [1, 16, 28, 28]
 * out.sum().backward();                                             // kernel.grad: [16, 3, 3, 3]
 * sg.conv2d(x, kernel, { stride: [2, 1], padding: [1, 0, 2, 1], padMode: 'reflect' });   // [1, 16, 14, 29]
 */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dOptions = {}): Tensor {
  const bias = opts.bias ?? null;
  const ctx = `(input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''})`;
  if (!isFloat(x.dtype)) throw new DTypeError('conv2d', `input must be float32 or float64, got ${x.dtype} ${ctx}`);
  checkDType('weight', weight, x, ctx);
  if (bias) checkDType('bias', bias, x, ctx);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError('conv2d', `input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ${x.ndim}-D ${ctx}`);
  if (weight.ndim !== 4) throw new ShapeError('conv2d', `weight must be 4-D [outChannels, inChannels, kH, kW], got ${weight.ndim}-D ${ctx}`);
  const [o, cw, kH, kW] = weight.shape;
  const c = x.shape[x.ndim - 3];
  if (c !== cw) throw new ShapeError('conv2d', `input has ${c} channel${c === 1 ? '' : 's'} but weight expects ${cw} ${ctx}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError('conv2d', `bias must have shape [${o}] (one value per output channel), got ${fmtShape(bias.shape)} ${ctx}`);
  }
  const stride = positivePair('conv2d', 'stride', opts.stride ?? 1, ctx);
  const [top, bottom, left, right] = resolvePadding(opts, ctx);
  const mode = resolvePadMode('conv2d', 'padMode', opts.padMode ?? 'constant', x.shape);
  const padValue = opts.padValue ?? 0;
  if (typeof padValue !== 'number') throw new ArgumentError('conv2d', `padValue must be a number, got ${JSON.stringify(padValue)} ${ctx}`);
  const h = x.shape[x.ndim - 2] + top + bottom;
  const w = x.shape[x.ndim - 1] + left + right;
  if (kH > h || kW > w) {
    throw new ShapeError('conv2d', `kernel ${kH}x${kW} is larger than the padded input ${h}x${w} (padding [${top}, ${bottom}, ${left}, ${right}]) ${ctx}`);
  }

  const x4 = x.ndim === 4 ? x : reshape(x, [1, ...x.shape]);
  // Zero padding is fused into the kernels; other modes and fill values pad first (pad has their gradients).
  const fused = mode === 'constant' && padValue === 0;
  const padded = !fused && top + bottom + left + right > 0
    ? pad(x4, [[0, 0], [0, 0], [top, bottom], [left, right]], { mode, value: padValue })
    : x4;                                                            // [N, C, H', W']
  const geom: ConvGeometry = {
    batch: x4.shape[0], channels: c, height: padded.shape[2], width: padded.shape[3], outChannels: o, kH, kW,
    strideH: stride[0], strideW: stride[1], padTop: fused ? top : 0, padLeft: fused ? left : 0,
    outH: outSize(h, kH, stride[0]), outW: outSize(w, kW, stride[1]),
  };
  const out = convolve(padded, weight, bias, geom);                  // [N, O, outH, outW]
  return x.ndim === 4 ? out : reshape(out, out.shape.slice(1));
}
