/**
 * Reference convolution kernels in plain TypeScript, for a whole batch: forward, input gradient and
 * weight/bias gradient of a 2-D cross-correlation with implicit zero padding. Each is im2col (padding
 * fused: taps outside the image read 0, see im2col.ts) and one GEMM per image, so no padded copy of the input and no
 * transposed copy of any operand is made. The WebAssembly backend computes the same three with
 * the same contract (src/kernels/wasm/conv.ts).
 */
import type { FloatArray } from '../dtype.js';
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';

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
}

/** Rows of the columns matrix (`C·kH·kW`) and its length (`outH·outW`). */
function dims(g: ConvGeometry): [number, number] {
  return [g.channels * g.kH * g.kW, g.outH * g.outW];
}

/** Image `n` of `x` to columns `[C·kH·kW, outH·outW]` at `cols[0]`, reading 0 on the padding. */
function imageToCols(x: FloatArray, n: number, g: ConvGeometry, cols: FloatArray): void {
  const image = g.channels * g.height * g.width;
  im2col(x, n * image, g.channels, g.height, g.width, g.kH, g.kW, g.strideH, g.strideW, g.outH, g.outW, cols, 0, g.padTop, g.padLeft);
}

/** The adjoint of {@link imageToCols}: adds `cols` into image `n` of `x`, dropping the padding. */
function colsToImage(cols: FloatArray, g: ConvGeometry, x: FloatArray, n: number): void {
  const image = g.channels * g.height * g.width;
  col2im(cols, 0, g.channels, g.height, g.width, g.kH, g.kW, g.strideH, g.strideW, g.outH, g.outW, x, n * image, g.padTop, g.padLeft);
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
 * `out[n, o] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oy·sH + i − padTop, ox·sW + j − padLeft]`
 * for the whole batch. x is `[N, C, H, W]`, w `[O, C·kH·kW]`, bias `[O]` or null, out
 * `[N, O, outH, outW]` (overwritten).
 */
export function conv2dForward(x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  const [rows, len] = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(x, rows * len);
  for (let n = 0; n < g.batch; n++) {
    imageToCols(x, n, g, cols);
    const y = n * O * len;
    if (bias !== null) for (let o = 0; o < O; o++) out.fill(bias[o], y + o * len, y + (o + 1) * len);
    gemm(false, false, O, len, rows, w, 0, cols, 0, out, y, bias !== null);
  }
}

/** `gx[n] = col2im(wᵀ · grad[n])`, overwriting `gx`. */
function inputGrad(grad: FloatArray, g: ConvGeometry, w: FloatArray, gx: FloatArray): void {
  const [rows, len] = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(grad, rows * len);
  gx.fill(0, 0, g.batch * g.channels * g.height * g.width);
  for (let n = 0; n < g.batch; n++) {
    gemm(true, false, rows, len, O, w, 0, grad, n * O * len, cols, 0, false);
    colsToImage(cols, g, gx, n);
  }
}

/** `gw = Σ_n grad[n] · cols(x[n])ᵀ`, overwriting `gw`. */
function weightGrad(grad: FloatArray, x: FloatArray, g: ConvGeometry, gw: FloatArray): void {
  const [rows, len] = dims(g);
  const O = g.outChannels;
  const cols = scratchLike(x, rows * len);
  gw.fill(0, 0, O * rows);
  for (let n = 0; n < g.batch; n++) {
    imageToCols(x, n, g, cols);
    gemm(false, true, O, rows, len, grad, n * O * len, cols, 0, gw, 0, true);
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
 * the input's `gx = col2im(wᵀ · grad[n])` per image (`[N, C, H, W]`), the weight's
 * `gw = Σ_n grad[n] · cols(x[n])ᵀ` (`[O, C·kH·kW]`) and the bias's `gb[o] = Σ_{n,y,x} grad[n, o, y, x]`.
 * Each is computed only when its array is given, and overwritten.
 */
export function conv2dBackward(
  grad: FloatArray, x: FloatArray, g: ConvGeometry, w: FloatArray,
  gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null,
): void {
  if (gx !== null) inputGrad(grad, g, w, gx);
  if (gw !== null) weightGrad(grad, x, g, gw);
  if (gb !== null) biasGrad(grad, g, gb);
}
