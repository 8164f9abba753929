/**
 * 2-D convolution: pad → im2col → one batched matrix multiply per channel group → reshape (+ bias).
 *
 * `im2col` is the primitive here (its gradient is `col2im`, and the other way round); composed with
 * padding, matmul, reshape and add it defines conv2d and its gradients, dilation and groups included.
 * conv2d itself runs that composition as one fused kernel (`kernels().conv2dForward/conv2dBackward`:
 * zero padding, im2col, GEMM and bias in one pass per image, no column tensor), and tests require it
 * to agree with the composition built from the ops in this file. The transposed convolution
 * (conv-transpose.ts) is the same kernels read backwards.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, gradStorage, RAW } from '../tensor.js';
import { record, isGradEnabled } from '../autograd.js';
import { type Kernels, jsKernels, kernels } from '../kernels/backend.js';
import type { ConvGeometry } from '../kernels/conv.js';
import { checkBoolean, checkInteger, checkKnownOptions, checkPair, optionNames, checkFloat } from '../check.js';
import type { FusedActivation, FusedPool } from '../kernels/fused.js';
import { type PoolGeometry, poolGeometry } from '../kernels/pool.js';
import { type OutputActivation, fusedFor, fusedName, readActivation } from './fused.js';

import { reshape } from './shape.js';
import { type PadMode, pad, resolvePadMode } from './pad.js';
import { checkConvOperands, convOutSize, fmtKernel } from './conv-transpose.js';

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
  /** Spacing of the kernel taps, a number or `[dh, dw]` (default 1). */ dilation?: number | Pair;
  /** Channel groups: C and O must be multiples of it (default 1; `groups = C` is depthwise). */ groups?: number;
  /** Padding mode, any {@link PadMode} (default `'constant'`). */ padMode?: PadMode;
  /** Fill value for constant padding (default 0). */ padValue?: number;
  /**
   * An activation fused into the convolution (default `'none'`): `'relu'` returns
   * `relu(conv2d(x, weight, …))` and `'relu6'` `relu6(conv2d(…))`, values and gradients, computed
   * in the convolution's kernels (the output never crosses back for a separate pass, and no second
   * output array is made). nn's `Sequential` uses it for a `Conv2d` followed by a `ReLU`/`ReLU6`.
   */
  activation?: OutputActivation;
  /**
   * Max pooling fused after the activation (default none): a window `k` or `[kH, kW]`, with stride
   * the window and no padding, so `maxPool2d(relu(conv2d(x, weight, …)), k)` with `activation:
   * 'relu'`, values and gradients. Only the pooled output leaves the kernels (and its gradient
   * enters them): nn's `Sequential` uses it for a `Conv2d`, an optional `ReLU`/`ReLU6` and a
   * `MaxPool2d` whose stride is its window.
   */
  maxPool?: number | Pair;
  /**
   * Pool before the activation rather than after it (default false): `relu(maxPool2d(conv2d(…), k))`,
   * the order of LeNet-style models. The values are the same either way; the gradients follow the
   * order given, bit for bit.
   */
  poolBeforeActivation?: boolean;
}

const CONV2D_OPTIONS = optionNames<Conv2dOptions>({
  bias: true, stride: true, padding: true, padWidth: true, dilation: true, groups: true, padMode: true, padValue: true, activation: true,
  maxPool: true, poolBeforeActivation: true,
});

/** Options of {@link im2col} and {@link col2im}. */
export interface Im2colOptions {
  /** Stride, a number or `[sh, sw]` (default 1). */ stride?: number | Pair;
  /** Spacing of the kernel taps, a number or `[dh, dw]` (default 1). */ dilation?: number | Pair;
}

const IM2COL_OPTIONS = optionNames<Im2colOptions>({ stride: true, dilation: true });

/**
 * The kernels for an unfold with dilation `[dH, dW]`: the active ones, except that the WebAssembly
 * im2col/col2im have no dilation (yet), so dilated unfolds take the reference kernels.
 */
function unfoldKernels(dH: number, dW: number): Kernels {
  return dH === 1 && dW === 1 ? kernels() : jsKernels;
}

/**
 * Unfolds every sliding `kH × kW` window of a batch of (already padded) images into a column, the
 * step that turns a convolution into one matrix product. Differentiable; its gradient is {@link col2im}.
 *
 * Column `oy·outW + ox` of image `n` holds the window whose top-left corner is
 * `(oy·strideH, ox·strideW)`; row `(c·kH + i)·kW + j` holds its element
 * `x[n, c, oy·sH + i·dH, ox·sW + j·dW]` (taps `dilation` apart).
 *
 * Shape: `[N, C, H, W]` → `[N, C·kH·kW, outH·outW]` with `outH = ⌊(H − dH·(kH − 1) − 1) / strideH⌋ + 1`
 * (likewise `outW`).
 *
 * @example
 * const cols = sg.im2col(sg.ones([2, 3, 5, 5]), 3, { stride: 2 });   // [2, 27, 4]
 * sg.im2col(sg.ones([1, 1, 5, 5]), 2, { dilation: 3 }).shape;        // [1, 4, 4]: taps 3 apart
 */
export function im2col(x: Tensor, kernelSize: number | Pair, opts: Im2colOptions = {}): Tensor {
  checkKnownOptions('im2col', opts, IM2COL_OPTIONS);
  checkFloat('im2col', 'input', x);
  if (x.ndim !== 4) throw new ShapeError('im2col', `input must be 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  const ctx = `(input ${fmtShape(x.shape)})`;
  const [kH, kW] = checkPair('im2col', 'kernelSize', kernelSize, 1, ctx);
  const [sH, sW] = checkPair('im2col', 'stride', opts.stride ?? 1, 1, ctx);
  const [dH, dW] = checkPair('im2col', 'dilation', opts.dilation ?? 1, 1, ctx);
  const [n, c, h, w] = x.shape;
  if (dH * (kH - 1) + 1 > h || dW * (kW - 1) + 1 > w) {
    throw new ShapeError('im2col', `kernel ${fmtKernel(kH, kW, dH, dW)} is larger than the input ${h}x${w} ${ctx}`);
  }
  const outH = convOutSize(h, kH, sH, dH);
  const outW = convOutSize(w, kW, sW, dW);
  const rows = c * kH * kW;
  const len = outH * outW;
  const out = allocateOutput(x.dtype, n * rows * len) as FloatArray;
  const K = unfoldKernels(dH, dW);
  for (let b = 0; b < n; b++) {
    K.im2col(x[RAW] as FloatArray, b * c * h * w, c, h, w, kH, kW, sH, sW, outH, outW, out, b * rows * len, 0, 0, dH, dW);
  }
  const opt = { stride: [sH, sW] as Pair, dilation: [dH, dW] as Pair };
  return record('im2col', new Tensor(out, [n, rows, len]), [x], (g) => [col2im(g, [h, w], [kH, kW], opt)]);
}

/**
 * Folds columns back into images, summing the entries that overlap: the adjoint of {@link im2col}
 * (and its gradient). Differentiable; its gradient is {@link im2col}.
 *
 * Shape: `[N, C·kH·kW, outH·outW]` → `[N, C, H, W]` for `outputSize = [H, W]`, where `outH` and
 * `outW` are what {@link im2col} gives for that size, kernel, stride and dilation.
 *
 * @example
 * const x = sg.ones([1, 1, 3, 3]);
 * sg.col2im(sg.im2col(x, 2), [3, 3], 2).toArray();   // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]: overlap counts
 */
export function col2im(cols: Tensor, outputSize: Pair, kernelSize: number | Pair, opts: Im2colOptions = {}): Tensor {
  checkKnownOptions('col2im', opts, IM2COL_OPTIONS);
  checkFloat('col2im', 'columns', cols);
  const ctx = `(columns ${fmtShape(cols.shape)}, outputSize ${JSON.stringify(outputSize)})`;
  if (cols.ndim !== 3) throw new ShapeError('col2im', `columns must be 3-D [N, C·kH·kW, L], got ${fmtShape(cols.shape)}`);
  const [h, w] = checkPair('col2im', 'outputSize', outputSize, 1, ctx);
  const [kH, kW] = checkPair('col2im', 'kernelSize', kernelSize, 1, ctx);
  const [sH, sW] = checkPair('col2im', 'stride', opts.stride ?? 1, 1, ctx);
  const [dH, dW] = checkPair('col2im', 'dilation', opts.dilation ?? 1, 1, ctx);
  const [n, rows, len] = cols.shape;
  if (dH * (kH - 1) + 1 > h || dW * (kW - 1) + 1 > w) {
    throw new ShapeError('col2im', `kernel ${fmtKernel(kH, kW, dH, dW)} is larger than the output ${h}x${w} ${ctx}`);
  }
  const outH = convOutSize(h, kH, sH, dH);
  const outW = convOutSize(w, kW, sW, dW);
  if (rows % (kH * kW) !== 0 || len !== outH * outW) {
    throw new ShapeError('col2im', `columns must have shape [N, C·${kH}·${kW}, ${outH * outW}] for kernel ${fmtKernel(kH, kW, dH, dW)} and stride ${sH}x${sW} over ${h}x${w} ${ctx}`);
  }
  const c = rows / (kH * kW);
  const out = allocateOutput(cols.dtype, n * c * h * w) as FloatArray;
  const K = unfoldKernels(dH, dW);
  for (let b = 0; b < n; b++) {
    K.col2im(cols[RAW] as FloatArray, b * rows * len, c, h, w, kH, kW, sH, sW, outH, outW, out, b * c * h * w, 0, 0, dH, dW);
  }
  const opt = { stride: [sH, sW] as Pair, dilation: [dH, dW] as Pair };
  return record('col2im', new Tensor(out, [n, c, h, w]), [cols], (g) => [im2col(g, [kH, kW], opt)]);
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

/**
 * The batched convolution as one differentiable op over `kernels().conv2dForward/conv2dBackward`,
 * which compute exactly the composition im2col → matmul per group (+ bias), zero padding fused,
 * without materialising the columns; with an `activation` and a `pool`, those run on its output in
 * the kernels too (their gradients from what the op returns).
 */
function convolve(
  x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, activation: FusedActivation | null, pool: PoolGeometry | null, poolFirst: boolean,
): Tensor {
  const K = kernels();
  const [xd, wd, bd] = [x[RAW] as FloatArray, weight[RAW] as FloatArray, bias ? (bias[RAW] as FloatArray) : null];
  // This call's identity, for its forward and backward kernels (see ConvPass): only where a backward
  // pass will want the input gradient, the one thing a kernel keeps work for.
  const pass = isGradEnabled() && x.requiresGrad ? {} : null;
  let result: Tensor;
  let pooled: FusedPool | null = null;
  if (pool === null) {
    const out = allocateOutput(x.dtype, g.batch * g.outChannels * g.outH * g.outW) as FloatArray;
    K.conv2dForward(xd, g, wd, bd, out, activation, pass);
    result = new Tensor(out, [g.batch, g.outChannels, g.outH, g.outW]);
  } else {
    const count = pool.planes * pool.outH * pool.outW;
    const [out, argmax] = [allocateOutput(x.dtype, count) as FloatArray, new Int32Array(count)];
    K.conv2dPooledForward(xd, g, wd, bd, activation, pool, poolFirst, out, argmax, pass);
    result = new Tensor(out, [g.batch, g.outChannels, pool.outH, pool.outW]);
    pooled = { geometry: pool, argmax, first: poolFirst };
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const fused = fusedFor('conv2d', activation, result, pooled);
  return record(fusedName('conv2d', activation, pooled), result, inputs, (grad) => {
    const gx = x.requiresGrad ? (allocateOutput(x.dtype, x.size) as FloatArray) : null;
    const gw = weight.requiresGrad ? gradStorage(weight) : null;
    const gb = bias?.requiresGrad ? gradStorage(bias) : null;
    K.conv2dBackward(grad[RAW] as FloatArray, x[RAW] as FloatArray, g, weight[RAW] as FloatArray, gx, gw, gb, fused?.() ?? null, pass);
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, weight.shape), gb && new Tensor(gb, [g.outChannels])];
  }, true); // fresh gradients: the engine hands them on (to .grad) without a copy
}

/**
 * 2-D cross-correlation (what deep-learning libraries call convolution), with optional padding in
 * any {@link PadMode}, dilation, channel groups and a bias:
 * `out[n, o, y, x] = bias[o] + Σ_c Σ_i Σ_j weight[o, c, i, j] · padded[n, g·C/G + c, y·sH + i·dH, x·sW + j·dW]`
 * where `g = ⌊o / (O/G)⌋` is output channel `o`'s group (G = `groups`, so each group of C/G input
 * channels feeds its own O/G output channels; `groups = C` is a depthwise convolution, O = k·C
 * giving k filters per channel).
 *
 * Defined as pad → {@link im2col} (with `dilation`) → one matrix product per group → reshape → + bias,
 * and computed as one fused kernel (zero padding included), with gradients for `x`, `weight` and
 * `bias`. The input, weight and bias must share one float dtype: like PyTorch, mixed float32/float64
 * is an error rather than a silent promotion (which would quietly double the memory and time of a
 * float32 model). Non-constant pad modes follow `numpy.pad`, so reflect padding may be wider than
 * the input (PyTorch would refuse).
 *
 * Shape: x `[N, C, H, W]` (or `[C, H, W]`, then the output has no batch dimension), weight
 * `[O, C/groups, kH, kW]`, bias `[O]` → `[N, O, outH, outW]` with PyTorch's
 * `outH = ⌊(H + top + bottom − dH·(kH − 1) − 1) / strideH⌋ + 1` (likewise `outW`); with `maxPool`
 * `[kH, kW]`, `[N, O, ⌊outH / kH⌋, ⌊outW / kW⌋]`.
 *
 * @example
 * const x = sg.normal([1, 3, 28, 28]);
 * const kernel = sg.normal([16, 3, 3, 3], { requiresGrad: true });
 * const out = sg.conv2d(x, kernel, { stride: 1, padding: 1 });     // [1, 16, 28, 28]
 * out.sum().backward();                                             // kernel.grad: [16, 3, 3, 3]
 * sg.conv2d(x, kernel, { stride: [2, 1], padding: [1, 0, 2, 1], padMode: 'reflect' });   // [1, 16, 14, 29]
 * sg.conv2d(x, sg.normal([6, 1, 3, 3]), { groups: 3, dilation: 2, padding: 2 });         // depthwise ×2: [1, 6, 28, 28]
 * sg.conv2d(x, kernel, { padding: 1, activation: 'relu' });   // sg.relu(sg.conv2d(x, kernel, { padding: 1 })), fused
 * sg.conv2d(x, kernel, { padding: 1, activation: 'relu', maxPool: 2 });   // sg.maxPool2d(…that, 2): [1, 16, 14, 14]
 */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dOptions = {}): Tensor {
  checkKnownOptions('conv2d', opts, CONV2D_OPTIONS);
  const bias = opts.bias ?? null;
  const ctx = checkConvOperands('conv2d', x, weight, bias, '[outChannels, inChannels/groups, kH, kW]');
  const [o, cw, kH, kW] = weight.shape;
  const c = x.shape[x.ndim - 3];
  const groups = checkInteger('conv2d', 'groups', opts.groups ?? 1, 1, ` ${ctx}`);
  if (o % groups !== 0) {
    throw new ShapeError('conv2d', `groups=${groups} must divide the output channels, but weight has ${o} ${ctx}`);
  }
  if (c !== cw * groups) {
    const expects = groups === 1 ? `${cw}` : `${cw * groups} (groups=${groups} × ${cw} per group)`;
    throw new ShapeError('conv2d', `input has ${c} channel${c === 1 ? '' : 's'} but weight expects ${expects} ${ctx}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError('conv2d', `bias must have shape [${o}] (one value per output channel), got ${fmtShape(bias.shape)} ${ctx}`);
  }
  const [sH, sW] = checkPair('conv2d', 'stride', opts.stride ?? 1, 1, ctx);
  const [dH, dW] = checkPair('conv2d', 'dilation', opts.dilation ?? 1, 1, ctx);
  const [top, bottom, left, right] = resolvePadding(opts, ctx);
  const mode = resolvePadMode('conv2d', 'padMode', opts.padMode ?? 'constant', x.shape);
  const padValue = opts.padValue ?? 0;
  const activation = readActivation('conv2d', opts.activation);
  const poolWindow = opts.maxPool === undefined ? null : checkPair('conv2d', 'maxPool', opts.maxPool, 1, ctx);
  const poolFirst = checkBoolean('conv2d', 'poolBeforeActivation', opts.poolBeforeActivation ?? false);
  if (typeof padValue !== 'number') throw new ArgumentError('conv2d', `padValue must be a number, got ${JSON.stringify(padValue)} ${ctx}`);
  const h = x.shape[x.ndim - 2] + top + bottom;
  const w = x.shape[x.ndim - 1] + left + right;
  if (dH * (kH - 1) + 1 > h || dW * (kW - 1) + 1 > w) {
    throw new ShapeError('conv2d', `kernel ${fmtKernel(kH, kW, dH, dW)} is larger than the padded input ${h}x${w} (padding [${top}, ${bottom}, ${left}, ${right}]) ${ctx}`);
  }

  const x4 = x.ndim === 4 ? x : reshape(x, [1, ...x.shape]);
  // Zero padding is fused into the kernels; other modes and fill values pad first (pad has their gradients).
  const fused = mode === 'constant' && padValue === 0;
  const padded = !fused && top + bottom + left + right > 0
    ? pad(x4, [[0, 0], [0, 0], [top, bottom], [left, right]], { mode, value: padValue })
    : x4;                                                            // [N, C, H', W']
  const geom: ConvGeometry = {
    batch: x4.shape[0], channels: c, height: padded.shape[2], width: padded.shape[3], outChannels: o, kH, kW,
    strideH: sH, strideW: sW, padTop: fused ? top : 0, padLeft: fused ? left : 0,
    outH: convOutSize(h, kH, sH, dH), outW: convOutSize(w, kW, sW, dW), dilationH: dH, dilationW: dW, groups,
  };
  let pool: PoolGeometry | null = null;
  if (poolWindow !== null) {
    // Non-overlapping windows: stride the window, no padding.
    pool = poolGeometry(geom.batch * o, geom.outH, geom.outW, poolWindow, poolWindow, [0, 0]);
    if (pool.outH < 1 || pool.outW < 1) {
      throw new ShapeError('conv2d', `maxPool window [${poolWindow.join(', ')}] is larger than the convolution's ${geom.outH}x${geom.outW} output ${ctx}`);
    }
  } else if (poolFirst) {
    throw new ArgumentError('conv2d', `poolBeforeActivation needs maxPool: there is no pooling to put first ${ctx}`);
  }
  const out = convolve(padded, weight, bias, geom, activation, pool, poolFirst); // [N, O, outH, outW], or pooled
  return x.ndim === 4 ? out : reshape(out, out.shape.slice(1));
}
