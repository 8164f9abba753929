/**
 * Batched convolution in WebAssembly, with the contracts of the reference kernels in
 * src/kernels/conv.ts. Each call copies its operands into the module's memory once, runs one job per
 * gradient with a chunk per image (or per fixed group of images for the weight gradient, a sum over
 * the batch), and copies the results out once: im2col, packing and col2im never leave the module.
 *
 * 3×3 stride-1 convolutions with enough input channels run as Winograd F(2×2, 3×3), the forward pass
 * and the input gradient (a correlation of the output gradient with the rotated filters); the weight
 * gradient stays a direct GEMM. Winograd rounds differently from the direct sum, within a bound of
 * the same kind (tests check both against exact arithmetic), and is as thread-independent.
 */
import type { FloatArray } from '../../dtype.js';
import { type ConvGeometry, conv2dBackward as jsConv2dBackward, conv2dForward as jsConv2dForward } from '../conv.js';
import { OPS, TILE } from './bytes.js';
import { align, regions } from './engine.js';
import { execute, getEngine, threadSlots } from './runtime.js';

/**
 * Groups of images the weight gradient is summed in: each group's partial sum is computed by one
 * thread, then the groups are added in order. A constant, so the result never depends on threads.
 */
const WEIGHT_GROUPS = 16;

/**
 * Whether a 3×3, stride-1 convolution's forward pass runs as Winograd F(2×2, 3×3): 2.25× fewer
 * multiplications, in GEMMs whose depth is the input channels. Measured on 16 images of 26×26 (one
 * thread), it wins from 4 input channels on whatever the output channels (4→4: 0.13 against
 * 0.22 ms direct, 32→3: 0.63 against 1.71, 32→32: 2.6 against 5.5) and loses below (3→32: 0.60
 * against 0.56).
 */
function winogradForward(g: ConvGeometry): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.channels >= 4;
}

/**
 * Whether the input gradient runs as Winograd: the same correlation, from the output channels to the
 * input ones, padded by 2 − padding (so padding ≤ 2). The direct input gradient is cheap for few
 * input channels, so it needs 8 of them as well (32→8: 1.29 against 1.37 ms, 32→4: 1.45 against 1.07,
 * 64→32: 6.5 against 9.8).
 */
function winogradInputGrad(g: ConvGeometry): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.outChannels >= 4 && g.channels >= 8
    && g.padTop <= 2 && g.padLeft <= 2;
}

/** The geometry as the module's job arguments 1–13. */
function geometryArgs(g: ConvGeometry): number[] {
  return [g.batch, g.channels, g.height, g.width, g.outChannels, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW];
}

/** Rows (C·kH·kW) and length (outH·outW) of an image's columns, floats per input and output image, and the direct flops. */
function sizes(g: ConvGeometry): { rows: number; len: number; image: number; output: number; flops: number } {
  const rows = g.channels * g.kH * g.kW;
  const len = g.outH * g.outW;
  return { rows, len, image: g.channels * g.height * g.width, output: g.outChannels * len, flops: 2 * g.batch * g.outChannels * len * rows };
}

/** Floats of `n` columns of `k` rows packed into whole panels. */
function packed(n: number, k: number): number {
  return Math.ceil(n / TILE.nr) * TILE.nr * k;
}

function isF32(x: FloatArray | null): boolean {
  return x === null || x instanceof Float32Array;
}

/** Forward convolution in WebAssembly; same contract as the reference {@link jsConv2dForward}. */
export function wasmConv2dForward(x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  if (!isF32(x) || !isF32(w) || !isF32(bias) || !isF32(out) || g.batch === 0) {
    jsConv2dForward(x, g, w, bias, out);
    return;
  }
  const { rows, len, image, output, flops } = sizes(g);
  const e = getEngine();
  const O = g.outChannels;
  const winograd = winogradForward(g);
  const scratch = align(4 * (winograd ? e.exports.winogradScratchFloats(g.channels, O, g.outH, g.outW) : rows * len + packed(len, rows)));
  const [xP, wP, uP, bP, oP, sP, bytes] = regions(
    4 * g.batch * image, 4 * O * rows, winograd ? 64 * O * g.channels : 0, 4 * O, 4 * g.batch * output, scratch * threadSlots(),
  );
  e.reserve(bytes);
  e.put(xP, x as Float32Array, 0, g.batch * image);
  e.put(wP, w as Float32Array, 0, O * rows);
  if (bias !== null) e.put(bP, bias as Float32Array, 0, O);
  const biasP = bias === null ? 0 : bP;
  if (winograd) {
    e.exports.winogradFilters(wP, O, g.channels, 0, uP);
    e.setJob(OPS.WINOGRAD, [g.batch, g.channels, g.height, g.width, g.padTop, g.padLeft, uP, biasP, O, g.outH, g.outW, xP, oP, sP, scratch]);
  } else {
    e.setJob(OPS.CONV_FORWARD, [...geometryArgs(g), xP, wP, biasP, oP, sP, scratch]);
  }
  execute(e, g.batch, flops);
  e.get(oP, g.batch * output, out as Float32Array, 0);
}

/** Backward convolution in WebAssembly; same contract as the reference {@link jsConv2dBackward}. */
export function wasmConv2dBackward(
  grad: FloatArray, x: FloatArray, g: ConvGeometry, w: FloatArray,
  gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null,
): void {
  if (![grad, x, w, gx, gw, gb].every(isF32) || g.batch === 0) {
    jsConv2dBackward(grad, x, g, w, gx, gw, gb);
    return;
  }
  const { rows, len, image, output, flops } = sizes(g);
  const O = g.outChannels;
  const e = getEngine();
  const per = Math.ceil(g.batch / WEIGHT_GROUPS);
  const groups = Math.ceil(g.batch / per);
  const partial = align(4 * rows * O);
  const biasPartial = align(8 * O);
  const winograd = gx !== null && winogradInputGrad(g);
  // One scratch region per thread, big enough for every job: columns plus a packed operand, or
  // the Winograd input gradient's.
  const scratch = align(4 * Math.max(
    rows * len + Math.max(packed(len, O), packed(O, len)),
    winograd ? e.exports.winogradScratchFloats(O, g.channels, g.height, g.width) : 0,
  ));
  const [gP, xP, wP, uP, gxP, gwP, gbP, pP, pbP, sP, bytes] = regions(
    4 * g.batch * output, 4 * g.batch * image, 4 * O * rows, winograd ? 64 * O * g.channels : 0, 4 * g.batch * image, 4 * O * rows, 4 * O,
    partial * groups, biasPartial * groups, scratch * threadSlots(),
  );
  e.reserve(bytes);
  e.put(gP, grad as Float32Array, 0, g.batch * output);
  const geom = geometryArgs(g);
  if (gx !== null) {
    e.put(wP, w as Float32Array, 0, O * rows);
    if (winograd) {
      e.exports.winogradFilters(wP, O, g.channels, 1, uP);
      e.setJob(OPS.WINOGRAD, [g.batch, O, g.outH, g.outW, 2 - g.padTop, 2 - g.padLeft, uP, 0, g.channels, g.height, g.width, gP, gxP, sP, scratch]);
    } else {
      e.setJob(OPS.CONV_INPUT_GRAD, [...geom, gP, wP, gxP, sP, scratch]);
    }
    execute(e, g.batch, flops);
    e.get(gxP, g.batch * image, gx as Float32Array, 0);
  }
  if (gw === null && gb === null) return;
  if (gw !== null) e.put(xP, x as Float32Array, 0, g.batch * image);
  e.setJob(OPS.CONV_WEIGHT_GRAD, [...geom, xP, gP, gw === null ? 0 : pP, partial, gb === null ? 0 : pbP, biasPartial, per, sP, scratch]);
  execute(e, groups, gw === null ? 0 : flops);
  e.exports.convReduce(pP, partial, groups, rows, O, gw === null ? 0 : gwP, pbP, biasPartial, gb === null ? 0 : gbP);
  if (gw !== null) e.get(gwP, O * rows, gw as Float32Array, 0);
  if (gb !== null) e.get(gbP, O, gb as Float32Array, 0);
}
