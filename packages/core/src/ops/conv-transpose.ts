/**
 * 2-D transposed convolution (PyTorch's `conv_transpose2d`, a.k.a. "deconvolution"): the input
 * gradient of a convolution, used as a forward op.
 *
 * It is built from the convolution kernels read backwards, so no loop here is new: the forward is
 * `kernels().conv2dBackward`'s input gradient (per image and group a GEMM `wᵀ · x`, then col2im into
 * the output), its input gradient is a convolution (`conv2dForward`), and its weight gradient is the
 * convolution's weight gradient with the roles of input and output gradient swapped. The checks that
 * conv2d and convTranspose2d share (operands, output sizes, kernel extents) live here too.
 */
import { type FloatArray, allocateOutput, isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, gradStorage, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { kernels } from '../kernels/backend.js';
import type { ConvGeometry } from '../kernels/conv.js';
import { checkInteger, checkKnownOptions, checkPair, fmtValue, optionNames } from '../check.js';
import { add } from './elementwise.js';
import { reshape } from './shape.js';

/** A size per spatial dimension: `[height, width]`. */
type Pair = readonly [number, number];

/** Options of {@link convTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Bias `[O]`, added to every output position of its channel (default none). */ bias?: Tensor | null;
  /** Stride of the convolution this transposes, a number or `[sh, sw]` (default 1). */ stride?: number | Pair;
  /**
   * Padding of the convolution this transposes, a number or `[ph, pw]` (default 0): the output
   * loses `ph` rows at the top and at the bottom (likewise `pw` columns).
   */
  padding?: number | Pair;
  /**
   * Extra rows/columns at the bottom/right of the output, a number or `[oh, ow]` (default 0), each
   * smaller than the stride or the dilation: it picks which of the input sizes that a strided
   * convolution maps to the same output size this op restores.
   */
  outputPadding?: number | Pair;
  /** Channel groups: C and O must be multiples of it (default 1). */ groups?: number;
  /** Spacing of the kernel taps, a number or `[dh, dw]` (default 1). */ dilation?: number | Pair;
}

const CONV_TRANSPOSE2D_OPTIONS = optionNames<ConvTranspose2dOptions>({
  bias: true, stride: true, padding: true, outputPadding: true, groups: true, dilation: true,
});

/** PyTorch's number of window positions along one dimension: `⌊(size − d·(k − 1) − 1) / stride⌋ + 1`. */
export function convOutSize(size: number, k: number, stride: number, dilation: number): number {
  return Math.floor((size - dilation * (k - 1) - 1) / stride) + 1;
}

/** A kernel's size for messages, with the extent its dilated taps span when the dilation is not 1. */
export function fmtKernel(kH: number, kW: number, dH: number, dW: number): string {
  if (dH === 1 && dW === 1) return `${kH}x${kW}`;
  return `${kH}x${kW} (dilation ${dH}x${dW}: spans ${dH * (kH - 1) + 1}x${dW * (kW - 1) + 1})`;
}

/** Throws unless `t` is float and of the input's dtype (PyTorch's rule: no silent promotion). */
function checkDType(op: string, name: string, t: Tensor, x: Tensor, ctx: string): void {
  if (!isFloat(t.dtype)) throw new DTypeError(op, `${name} must be float32 or float64, got ${t.dtype} ${ctx}`);
  if (t.dtype !== x.dtype) {
    throw new DTypeError(op, `${name} is ${t.dtype} but input is ${x.dtype}; convert one with .to('${x.dtype}') or .to('${t.dtype}') ${ctx}`);
  }
}

/**
 * The checks conv2d and convTranspose2d share: a float input of 3 or 4 dimensions, a 4-D weight
 * (described by `layout` in the message) and a bias tensor, all of one dtype. Returns the message
 * context `(input [..], weight [..], bias [..])` that ends every error of the op.
 */
export function checkConvOperands(op: string, x: Tensor, weight: Tensor, bias: unknown, layout: string): string {
  if (bias !== null && !(bias instanceof Tensor)) {
    throw new ArgumentError(op, `bias must be a tensor or null, got ${fmtValue(bias)} (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)})`);
  }
  const ctx = `(input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''})`;
  if (!isFloat(x.dtype)) throw new DTypeError(op, `input must be float32 or float64, got ${x.dtype} ${ctx}`);
  checkDType(op, 'weight', weight, x, ctx);
  if (bias) checkDType(op, 'bias', bias, x, ctx);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(op, `input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ${x.ndim}-D ${ctx}`);
  if (weight.ndim !== 4) throw new ShapeError(op, `weight must be 4-D ${layout}, got ${weight.ndim}-D ${ctx}`);
  return ctx;
}

/**
 * The transposed convolution of `x` over geometry `g` (the convolution it transposes: `g.channels`
 * are this op's output channels, `g.outChannels` its input's) as one differentiable op.
 */
function transpose(x: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const K = kernels();
  const out = allocateOutput(x.dtype, g.batch * g.channels * g.height * g.width) as FloatArray;
  // The convolution's input gradient with x as the output gradient; x stands in for the
  // convolution's input too, which is read only for a weight gradient (none here).
  K.conv2dBackward(x[RAW] as FloatArray, x[RAW] as FloatArray, g, weight[RAW] as FloatArray, out, null, null);
  return record('convTranspose2d', new Tensor(out, [g.batch, g.channels, g.height, g.width]), [x, weight], (grad) => {
    let gx: FloatArray | null = null;
    let gw: FloatArray | null = null;
    if (x.requiresGrad) {
      gx = allocateOutput(x.dtype, x.size) as FloatArray;
      K.conv2dForward(grad[RAW] as FloatArray, g, weight[RAW] as FloatArray, null, gx);
    }
    if (weight.requiresGrad) {
      gw = gradStorage(weight);
      // The convolution's weight gradient, Σ_n x[n] · cols(grad[n])ᵀ: x plays its output gradient.
      K.conv2dBackward(x[RAW] as FloatArray, grad[RAW] as FloatArray, g, weight[RAW] as FloatArray, null, gw, null);
    }
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, weight.shape)];
  });
}

/**
 * 2-D transposed convolution: the gradient of {@link conv2d} with respect to its input, as an op
 * that upsamples. Every input pixel scatters a copy of its kernel, scaled by its value, into the
 * output, windows `stride` apart and taps `dilation` apart:
 * `out[n, g·O/G + o, y·sH + i·dH − ph, x·sW + j·dW − pw] += Σ_c x[n, g·C/G + c, y, x] · weight[g·C/G + c, o, i, j]`,
 * plus `bias`. So `convTranspose2d(conv2d(·, w, opts)ᵀ)` is conv2d's adjoint for the same weight,
 * stride, padding, dilation and groups, and `outputPadding` restores the input size a strided
 * conv2d rounded away. Gradients for `x`, `weight` and `bias`.
 *
 * Defined, per group, as `col2im(weightᵀ · x)` onto the output padded by `padding`, then cropped:
 * the columns of {@link col2im} are the kernel copies. The input, weight and bias must share one
 * float dtype.
 *
 * Shape: x `[N, C, H, W]` (or `[C, H, W]`, then the output has no batch dimension), weight
 * `[C, O/groups, kH, kW]` (PyTorch's layout: the weight of the conv2d it transposes), bias `[O]` →
 * `[N, O, outH, outW]` with `outH = (H − 1)·sH − 2·ph + dH·(kH − 1) + oh + 1` (likewise `outW`).
 *
 * @example
 * const x = sg.normal([1, 16, 7, 7]);
 * const w = sg.normal([16, 8, 3, 3], { requiresGrad: true });
 * sg.convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1 }).shape;   // [1, 8, 14, 14]
 */
export function convTranspose2d(x: Tensor, weight: Tensor, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  checkKnownOptions(op, opts, CONV_TRANSPOSE2D_OPTIONS);
  const bias = opts.bias ?? null;
  const ctx = checkConvOperands(op, x, weight, bias, '[inChannels, outChannels/groups, kH, kW]');
  const [cw, og, kH, kW] = weight.shape;
  const c = x.shape[x.ndim - 3];
  const groups = checkInteger(op, 'groups', opts.groups ?? 1, 1, ` ${ctx}`);
  if (cw % groups !== 0) throw new ShapeError(op, `groups=${groups} must divide the input channels, but weight has ${cw} ${ctx}`);
  if (c !== cw) throw new ShapeError(op, `input has ${c} channel${c === 1 ? '' : 's'} but weight expects ${cw} ${ctx}`);
  const o = og * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError(op, `bias must have shape [${o}] (one value per output channel), got ${fmtShape(bias.shape)} ${ctx}`);
  }
  const [sH, sW] = checkPair(op, 'stride', opts.stride ?? 1, 1, ctx);
  const [dH, dW] = checkPair(op, 'dilation', opts.dilation ?? 1, 1, ctx);
  const [pH, pW] = checkPair(op, 'padding', opts.padding ?? 0, 0, ctx);
  const [oH, oW] = checkPair(op, 'outputPadding', opts.outputPadding ?? 0, 0, ctx);
  if (oH >= Math.max(sH, dH) || oW >= Math.max(sW, dW)) {
    throw new ArgumentError(op, `outputPadding [${oH}, ${oW}] must be smaller than the stride [${sH}, ${sW}] or the dilation [${dH}, ${dW}] in each dimension ${ctx}`);
  }
  const [h, w] = x.shape.slice(-2);
  const outH = (h - 1) * sH - 2 * pH + dH * (kH - 1) + oH + 1;
  const outW = (w - 1) * sW - 2 * pW + dW * (kW - 1) + oW + 1;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(op, `the output would be ${outH}x${outW}: (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 must be positive; reduce the padding [${pH}, ${pW}] ${ctx}`);
  }

  const x4 = x.ndim === 4 ? x : reshape(x, [1, ...x.shape]);
  // The convolution this op transposes: from the output [N, O, outH, outW] back to x's [N, C, H, W].
  const geom: ConvGeometry = {
    batch: x4.shape[0], channels: o, height: outH, width: outW, outChannels: c, kH, kW,
    strideH: sH, strideW: sW, padTop: pH, padLeft: pW, outH: h, outW: w, dilationH: dH, dilationW: dW, groups,
  };
  const y = transpose(x4, weight, geom);                              // [N, O, outH, outW]
  const out = bias ? add(y, reshape(bias, [o, 1, 1])) : y;
  return x.ndim === 4 ? out : reshape(out, out.shape.slice(1));
}
