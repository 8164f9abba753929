/**
 * Reference convolution kernels in plain TypeScript, for a whole batch: forward, input gradient and
 * weight/bias gradient of a 2-D cross-correlation with implicit zero padding, dilation and channel
 * groups. Each is im2col (padding fused: taps outside the image read 0, see im2col.ts) and one GEMM
 * per image and group, so no padded copy of the input and no transposed copy of any operand is
 * made. The WebAssembly backend computes the same three with the same contract (src/kernels/wasm/conv.ts).
 */
import type { FloatArray } from '../dtype.js';
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';
import { type Fused, type FusedActivation, activateInPlace, epilogueGrad } from './fused.js';
import { type PoolGeometry, maxPool2dForward } from './pool.js';

/** The shape of one batched convolution. Padding below and right of the image is implied by `outH`/`outW`. */
export interface ConvGeometry {
  /** Images in the batch (N). */ batch: number;
  /** Input channels (C). */ channels: number;
  /** Input height, unpadded. */ height: number;
  /** Input width, unpadded. */ width: number;
  /** Output channels (O). */ outChannels: number;
  /** Kernel height. */ kH: number;
  /** Kernel width. */ kW: number;
  /** Vertical stride. */ strideH: number;
  /** Horizontal stride. */ strideW: number;
  /** Zero rows above the image. */ padTop: number;
  /** Zero columns left of the image. */ padLeft: number;
  /** Output height. */ outH: number;
  /** Output width. */ outW: number;
  /** Vertical spacing of the kernel taps (default 1): tap `i` reads row `oy·strideH + i·dilationH − padTop`. */ dilationH?: number;
  /** Horizontal spacing of the kernel taps (default 1). */ dilationW?: number;
  /**
   * Channel groups (default 1): input channels `[g·C/G, (g+1)·C/G)` feed only output channels
   * `[g·O/G, (g+1)·O/G)`, so the weight is `[O, C/G·kH·kW]`. G divides both C and O.
   */
  groups?: number;
}

/**
 * The per-group sizes of a convolution: groups G, input channels per group `C/G`, output channels per
 * group `O/G`, rows of a group's columns (`C/G·kH·kW`) and their length (`outH·outW`).
 */
function dims(g: ConvGeometry): { groups: number; cg: number; og: number; rows: number; len: number } {
  const groups = g.groups ?? 1;
  const cg = g.channels / groups;
  return { groups, cg, og: g.outChannels / groups, rows: cg * g.kH * g.kW, len: g.outH * g.outW };
}

/**
 * Channels `[c0, c0 + count)` of image `n` of `x` to columns `[count·kH·kW, outH·outW]` at `cols[0]`,
 * reading 0 on the padding.
 */
function imageToCols(x: FloatArray, n: number, c0: number, count: number, g: ConvGeometry, cols: FloatArray): void {
  const plane = g.height * g.width;
  im2col(x, (n * g.channels + c0) * plane, count, g.height, g.width, g.kH, g.kW, g.strideH, g.strideW, g.outH, g.outW,
    cols, 0, g.padTop, g.padLeft, g.dilationH ?? 1, g.dilationW ?? 1);
}

/** The adjoint of {@link imageToCols}: adds `cols` into channels `[c0, c0 + count)` of image `n` of `x`, dropping the padding. */
function colsToImage(cols: FloatArray, g: ConvGeometry, x: FloatArray, n: number, c0: number, count: number): void {
  const plane = g.height * g.width;
  col2im(cols, 0, count, g.height, g.width, g.kH, g.kW, g.strideH, g.strideW, g.outH, g.outW,
    x, (n * g.channels + c0) * plane, g.padTop, g.padLeft, g.dilationH ?? 1, g.dilationW ?? 1);
}

/** A scratch array of `x`'s type with room for `n` elements (reused between calls). */
let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);
function scratchLike(x: FloatArray, n: number): FloatArray {
  if (x instanceof Float64Array) {
    if (scratch64.length < n) scratch64 = new Float64Array(n);
    return scratch64;
  }
  if (scratch32.length < n) scratch32 = new Float32Array(n);
  return scratch32;
}

/**
 * The identity of one conv2d call, which the op hands to its forward kernel and to that call's
 * backward kernel: a kernel may keep work of the forward pass for that backward pass under it (the
 * wasm dense strategy keeps its matrix D, whose writing reads the whole weight). The reference
 * kernels keep nothing.
 */
export type ConvPass = object;

/**
 * `out[n, o] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, g·C/G + c, oy·sH + i·dH − padTop, ox·sW + j·dW − padLeft]`
 * for the whole batch, where `g = ⌊o / (O/G)⌋` is the output channel's group. x is `[N, C, H, W]`,
 * w `[O, C/G·kH·kW]`, bias `[O]` or null, out `[N, O, outH, outW]` (overwritten). Per image and
 * group: the group's columns, then one GEMM with the group's rows of the weight. With an
 * `activation`, the output then goes through it (fused: fast kernels apply it before the output
 * leaves them). `pass`: see {@link ConvPass}.
 */
export function conv2dForward(
  x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, out: FloatArray, activation: FusedActivation | null = null,
  _pass: ConvPass | null = null,
): void {
  const { groups, cg, og, rows, len } = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(x, rows * len);
  for (let n = 0; n < g.batch; n++) {
    const y = n * O * len;
    if (bias !== null) for (let o = 0; o < O; o++) out.fill(bias[o], y + o * len, y + (o + 1) * len);
    for (let k = 0; k < groups; k++) {
      imageToCols(x, n, k * cg, cg, g, cols);
      gemm(false, false, og, len, rows, w, k * og * rows, cols, 0, out, y + k * og * len, bias !== null);
    }
  }
  if (activation !== null) activateInPlace(activation, out);
}

/** `gx[n, group k] = col2im(w[k]ᵀ · grad[n, group k])`, overwriting `gx`. */
function inputGrad(grad: FloatArray, g: ConvGeometry, w: FloatArray, gx: FloatArray): void {
  const { groups, cg, og, rows, len } = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(grad, rows * len);
  gx.fill(0, 0, g.batch * g.channels * g.height * g.width);
  for (let n = 0; n < g.batch; n++) {
    for (let k = 0; k < groups; k++) {
      gemm(true, false, rows, len, og, w, k * og * rows, grad, n * O * len + k * og * len, cols, 0, false);
      colsToImage(cols, g, gx, n, k * cg, cg);
    }
  }
}

/** `gw[group k] = Σ_n grad[n, group k] · cols(x[n, group k])ᵀ`, overwriting `gw`. */
function weightGrad(grad: FloatArray, x: FloatArray, g: ConvGeometry, gw: FloatArray): void {
  const { groups, cg, og, rows, len } = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(x, rows * len);
  gw.fill(0, 0, O * rows);
  for (let n = 0; n < g.batch; n++) {
    for (let k = 0; k < groups; k++) {
      imageToCols(x, n, k * cg, cg, g, cols);
      gemm(false, true, og, rows, len, grad, n * O * len + k * og * len, cols, 0, gw, k * og * rows, true);
    }
  }
}

/** `gb[o] = Σ_{n, y, x} grad[n, o, y, x]`, overwriting `gb`. */
function biasGrad(grad: FloatArray, g: ConvGeometry, gb: FloatArray): void {
  const O = g.outChannels;
  const len = g.outH * g.outW;
  for (let o = 0; o < O; o++) {
    let s = 0;
    for (let n = 0; n < g.batch; n++) {
      const r = (n * O + o) * len;
      for (let e = 0; e < len; e++) s += grad[r + e];
    }
    gb[o] = s;
  }
}

/**
 * The gradients of {@link conv2dForward} from the output gradient `grad` (`[N, O, outH, outW]`):
 * the input's `gx = col2im(wᵀ · grad[n])` per image and group (`[N, C, H, W]`), the weight's
 * `gw = Σ_n grad[n] · cols(x[n])ᵀ` per group (`[O, C/G·kH·kW]`) and the bias's
 * `gb[o] = Σ_{n,y,x} grad[n, o, y, x]`. Each is computed only when its array is given, and overwritten.
 *
 * The input gradient alone is a transposed convolution of `grad` (see ops/conv-transpose.ts), and
 * the weight gradient with `grad` and `x` swapped is a transposed convolution's weight gradient.
 *
 * With `fused` (what ran on the convolution's output and what it returned), `grad` is the gradient
 * of what it returned and first goes back through it ({@link epilogueGrad}). `pass`: the forward
 * call's (see {@link ConvPass}), or null.
 */
export function conv2dBackward(
  grad: FloatArray, x: FloatArray, g: ConvGeometry, w: FloatArray,
  gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, fused: Fused | null = null, _pass: ConvPass | null = null,
): void {
  if (fused !== null) grad = epilogueGrad(fused, grad);
  if (gx !== null) inputGrad(grad, g, w, gx);
  if (gw !== null) weightGrad(grad, x, g, gw);
  if (gb !== null) biasGrad(grad, g, gb);
}

/**
 * {@link conv2dForward}, then its `activation` and max pooling over the non-overlapping windows of
 * `pool` (whose planes are the convolution's output planes), the pooling first when `poolFirst`:
 * the output into `out` and each window's winner into `argmax`, as {@link maxPool2dForward} gives
 * them. Fast kernels pool the convolution's output where it lies; it never leaves them.
 */
export function conv2dPooledForward(
  x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, activation: FusedActivation | null,
  pool: PoolGeometry, poolFirst: boolean, out: FloatArray, argmax: Int32Array, _pass: ConvPass | null = null,
): void {
  const n = g.batch * g.outChannels * g.outH * g.outW;
  const z = x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  conv2dForward(x, g, w, bias, z, poolFirst ? null : activation);
  maxPool2dForward(z, pool, out, argmax);
  if (poolFirst && activation !== null) activateInPlace(activation, out);
}
