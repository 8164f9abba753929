/**
 * Batched convolution in WebAssembly, with the contracts of the reference kernels in
 * src/kernels/conv.ts. Each call copies its operands into the module's memory once, runs one job per
 * gradient with a chunk per image (or per fixed group of images for the weight gradient, a sum over
 * the batch), and copies the results out once: im2col, packing and col2im never leave the module.
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

/** The geometry as the module's job arguments 1–13. */
function geometryArgs(g: ConvGeometry): number[] {
  return [g.batch, g.channels, g.height, g.width, g.outChannels, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW];
}

/** Rows of the columns matrix, its length, and the floats of one packed-panel copy of `k` rows of it. */
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
  const scratch = align(4 * (rows * len + packed(len, rows)));
  const O = g.outChannels;
  const [xP, wP, bP, oP, sP, bytes] = regions(4 * g.batch * image, 4 * O * rows, 4 * O, 4 * g.batch * output, scratch * threadSlots());
  e.reserve(bytes);
  e.put(xP, x as Float32Array, 0, g.batch * image);
  e.put(wP, w as Float32Array, 0, O * rows);
  if (bias !== null) e.put(bP, bias as Float32Array, 0, O);
  e.setJob(OPS.CONV_FORWARD, [...geometryArgs(g), xP, wP, bias === null ? 0 : bP, oP, sP, scratch]);
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
  // One scratch region per thread, big enough for either job: columns plus a packed operand.
  const scratch = align(4 * (rows * len + Math.max(packed(len, O), packed(O, len))));
  const [gP, xP, wP, gxP, gwP, gbP, pP, pbP, sP, bytes] = regions(
    4 * g.batch * output, 4 * g.batch * image, 4 * O * rows, 4 * g.batch * image, 4 * O * rows, 4 * O,
    partial * groups, biasPartial * groups, scratch * threadSlots(),
  );
  e.reserve(bytes);
  e.put(gP, grad as Float32Array, 0, g.batch * output);
  const geom = geometryArgs(g);
  if (gx !== null) {
    e.put(wP, w as Float32Array, 0, O * rows);
    e.setJob(OPS.CONV_INPUT_GRAD, [...geom, gP, wP, gxP, sP, scratch]);
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
