/**
 * Batched convolution in WebAssembly, with the contracts of the reference kernels in
 * src/kernels/conv.ts (padding, dilation and channel groups). Each call copies its operands into the
 * module's memory once, runs its jobs there and copies the results out once, and a pinned operand or
 * result (a parameter, its gradient, a `tidy` scope's activation) is read or written where it lies,
 * never overwritten when it is read: im2col, packing and col2im never leave the module, the output
 * gradient is put once for both backward passes, and a fused activation and max pooling (conv2d's
 * `activation` and `maxPool`) run on the output, and their gradients make the output gradient, where
 * they lie (fused.ts). The strategy is picked by shape, per pass:
 *
 * - depthwise (groups = C > 1, any channel multiplier): direct SIMD loops over planes, no GEMM;
 * - dense: on maps smaller than the filter, the convolution as one matrix over the whole image, so
 *   no GEMM multiplies the padding (see conv-dense.ts);
 * - folded: the whole batch's columns side by side, one GEMM per pass (and group) over `N·outH·outW`
 *   columns, for small maps where a GEMM per image cannot fill the 16-wide panels;
 * - Winograd for 3×3 stride-1 undilated ungrouped convolutions with enough channels (the forward
 *   pass and the input gradient, a correlation of the output gradient with the rotated filters):
 *   F(2×2, 3×3) an image a chunk on maps over 6×6 (F(4×4, 3×3) a few images a chunk where
 *   `setConvPrecision('high')` allows it), over the whole batch on maps up to 6×6; the weight
 *   gradient over fixed groups of images on any map (see winograd.ts);
 * - per image: im2col and one GEMM per image and group, a chunk per image (per fixed group of images
 *   for the weight gradient, a sum over the batch).
 *
 * They round differently from each other (Winograd within a bound of its own, see the tests), but
 * each is thread-independent: chunks are fixed by the problem and each computes the same chain of
 * operations whichever thread runs it.
 */
import type { FloatArray } from '../../dtype.js';
import {
  type ConvGeometry, type ConvPass, conv2dBackward as jsConv2dBackward, conv2dForward as jsConv2dForward, conv2dPooledForward as jsConv2dPooledForward,
} from '../conv.js';
import type { PoolGeometry } from '../pool.js';
import { maxPoolInModule } from './pool.js';
import type { Fused, FusedActivation } from '../fused.js';
import { TILE } from './bytes.js';
import { type Engine, type Placed, align, regions, scratchBase } from './engine.js';
import { type OutputGrad, activateInModule, putOutputGrad } from './fused.js';
import { CHUNKS, gemmJobs, gemmScratch, packed } from './gemm-jobs.js';
import { denseApplies, denseBackward, denseForward, denseWins } from './conv-dense.js';
import {
  filtersBytes, transformFilters, winogradBatch, winogradBatchBytes, winogradBatched, winogradBeatsFolding, winogradImages, winogradImagesBytes,
  winogradTile, winogradWeightBytes, winogradWeightFits, winogradWeightGrad,
} from './winograd.js';
import {
  type ConvArgs, convFoldCol2imJob, convFoldIm2colJob, convForwardJob, convInputGradJob, convWeightGradJob,
  depthwiseForwardJob, depthwiseInputGradJob, depthwiseWeightGradJob,
} from './jobs.js';
import { execute, getEngine, imagesPerChunk, perChunk, threadSlots } from './runtime.js';

/**
 * Groups of images the per-image weight gradient is summed in: each group's partial sum is computed
 * by one thread, then the groups are added in order. A constant, so the result never depends on threads.
 */
const WEIGHT_GROUPS = 16;

/** How a pass of a convolution is computed; see the module comment. */
export type ConvStrategy = 'image' | 'folded' | 'winograd' | 'dense';

let forced: ConvStrategy | null = null;

/**
 * For tests and measurements: computes every pass that can take strategy `s` that way (Winograd only
 * applies to its shapes, depthwise convolutions always take their own kernels), or restores the
 * choice by shape with `null`. Returns the previous setting.
 */
export function forceConvStrategy(s: ConvStrategy | null): ConvStrategy | null {
  const prev = forced;
  forced = s;
  return prev;
}

/** The sizes of a convolution the kernels need, with dilation and groups defaulted. */
interface Sizes {
  dH: number; dW: number; groups: number;
  /** Rows of a group's columns (`C/G·kH·kW`) and the output channels per group. */ kg: number; og: number;
  /** Outputs per plane (`outH·outW`), floats per input and output image. */ len: number; image: number; output: number;
  /** Multiply-adds ×2 of the whole pass. */ flops: number;
}

function sizesOf(g: ConvGeometry): Sizes {
  const groups = g.groups ?? 1;
  const kg = (g.channels / groups) * g.kH * g.kW;
  const len = g.outH * g.outW;
  return {
    dH: g.dilationH ?? 1, dW: g.dilationW ?? 1, groups, kg, og: g.outChannels / groups, len,
    image: g.channels * g.height * g.width, output: g.outChannels * len, flops: 2 * g.batch * g.outChannels * len * kg,
  };
}

/** The geometry as the CONV arguments every conv job starts with (dilation and groups defaulted). */
function geometryArgs(g: ConvGeometry, s: Sizes): ConvArgs {
  return {
    batch: g.batch, channels: g.channels, height: g.height, width: g.width, outChannels: g.outChannels, kH: g.kH, kW: g.kW,
    strideH: g.strideH, strideW: g.strideW, padTop: g.padTop, padLeft: g.padLeft, outH: g.outH, outW: g.outW,
    dilationH: s.dH, dilationW: s.dW, groups: s.groups,
  };
}

function isF32(x: FloatArray | null): boolean {
  return x === null || x instanceof Float32Array;
}

/** Whether the convolution is depthwise: one input channel per group (any number of outputs each). */
function isDepthwise(g: ConvGeometry, s: Sizes): boolean {
  return s.groups === g.channels && g.channels > 1;
}

/** A plain 3×3 stride-1 convolution (undilated, ungrouped): the shapes Winograd computes. */
function winogradShape(g: ConvGeometry, s: Sizes): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && s.dH === 1 && s.dW === 1 && s.groups === 1;
}

/**
 * Whether a pass folds the batch into one GEMM: when an image's map has at most `maxLen` outputs,
 * too few columns for a GEMM per image to run well. Measured per pass (`scripts/bench-conv.ts
 * --crossover` and the like, batch 32, one thread, ms per image / folded / Winograd, 3×3 padding 1
 * unless noted):
 *
 * - 2×2 maps: folded wins every pass by 2–14× (128→128: forward 4.5 / 1.5 / 14.6, input gradient
 *   15.2 / 1.7 / 16.5, weight gradient 21.2 / 1.5; 256→256 1×1: weight gradient 9.9 / 0.7);
 * - 4×4 (16 outputs, one full panel per image): forward and input gradient even between image and
 *   folded (64→64: 1.40 / 1.52 / 2.29), weight gradient still folded (64→64: 2.6 / 1.6; 128→128:
 *   30.9 / 12.0; 256→256 1×1: 9.4 / 2.4); Winograd per image loses on such maps, but over a batch
 *   of enough tiles it beats folding (see winograd.ts);
 * - 6×6 and 8×8: Winograd wins the forward pass and input gradient (64→64 at 6×6: 7.7 / 7.8 / 2.4).
 *   A weight gradient per image is a GEMM only `outH·outW` deep per image, so folding still wins it
 *   for big filters (64→64: 13.4 / 9.5 at 8×8 and 5.3 / 3.4 at 6×6; 144→144: 54.8 / 45.7; 256→256
 *   1×1 at 6×6: 12.8 / 9.3) but not for small ones, where its fixed costs show (16→32: 0.77 / 0.83;
 *   24→144 1×1: 0.55 / 0.93), hence {@link FOLD_WEIGHT_SIZE};
 * - from 10×10 the weight gradient is even or worse folded (64→64 at 16×16: 53 / 59).
 *
 * The batch's columns take `C·kH·kW·N·outH·outW` floats, so the folded path is also capped at 16 M
 * floats (64 MB) of them.
 */
function foldShape(g: ConvGeometry, s: Sizes, maxLen: number): boolean {
  return s.len <= maxLen && s.kg * s.groups * s.len * g.batch <= 16 * 1024 * 1024;
}
/** Weight sizes per group (`C/G·kH·kW · O/G`) from which the weight gradient is folded on maps up to 8×8. */
const FOLD_WEIGHT_SIZE = 16384;

/**
 * Whether a 3×3, stride-1 convolution's forward pass runs as Winograd: 2.25× fewer multiplications
 * (F(2×2, 3×3); F(4×4, 3×3) 4×), in GEMMs whose depth is the input channels. Measured as F(2×2) on
 * 16 images of 26×26 (one thread), it wins from 4 input channels on whatever the output channels
 * (4→4: 0.13 against 0.22 ms direct, 32→3: 0.63 against 1.71, 32→32: 2.6 against 5.5) and loses
 * below (3→32: 0.60 against 0.56).
 */
function winogradForward(g: ConvGeometry, s: Sizes): boolean {
  return winogradShape(g, s) && g.channels >= 4;
}

/**
 * Whether the input gradient runs as Winograd: the same correlation, from the output channels to the
 * input ones, padded by 2 − padding (so padding ≤ 2). The direct input gradient is cheap for few
 * input channels, so it needs 8 of them as well (32→8: 1.29 against 1.37 ms, 32→4: 1.45 against 1.07,
 * 64→32: 6.5 against 9.8).
 */
function winogradInputGrad(g: ConvGeometry, s: Sizes): boolean {
  return winogradShape(g, s) && g.outChannels >= 4 && g.channels >= 8 && g.padTop <= 2 && g.padLeft <= 2;
}

/**
 * Whether the weight gradient runs as Winograd (see winograd.ts): 2.25× fewer multiplications, in
 * GEMMs `[O × tiles]·[tiles × C]` whose depth is the batch's tiles. Measured with
 * `scripts/bench-conv.ts --crossover [--batch 2]` (ms, one thread, 3×3 padding 1, per image /
 * folded / Winograd): at 32 images it wins on every map from 16 channels on both sides (32→64 on
 * 24×24: 20.3 / 23.5 / 13.7; 64→64 on 8×8: 5.8 / 5.2 / 2.6, on 2×2: 1.64 / 0.47 / 0.28; 128→128 on
 * 4×4: 11.3 / 4.9 / 2.3) and is even or loses below (8→16 on 16×16: 0.79 / 1.14 / 1.15); at 2 images
 * it needs 32 outputs (128→128 on 3×3: 0.58 / 0.24 / 0.33, on 4×4: 0.69 / 0.36 / 0.32). Unlike the
 * forward pass it beats folding on the smallest maps, so it is taken wherever it applies (after
 * dense, which it only equals there: 256→256 on 2×2 3.1 against 3.1).
 */
function winogradWeight(g: ConvGeometry, s: Sizes): boolean {
  return winogradWeightApplies(g, s) && g.channels >= 16 && g.outChannels >= 16 && g.batch * g.outH * g.outW >= 32;
}

/** Whether the weight gradient can run as Winograd: its shape, and one image's transforms within the scratch bound. */
function winogradWeightApplies(g: ConvGeometry, s: Sizes): boolean {
  return winogradShape(g, s) && winogradWeightFits(g.channels, g.outChannels, g.outH, g.outW);
}

/**
 * The strategy of a pass: forced (where it applies), else dense on maps smaller than the filter,
 * folded on maps up to `maxLen` outputs unless Winograd beats it there (`winogradOverFolding`),
 * Winograd where it applies, else per image.
 */
function strategy(
  g: ConvGeometry, s: Sizes, winograd: boolean, dense: boolean, maxLen: number, winogradOverFolding: boolean,
): ConvStrategy {
  const how: ConvStrategy = forced !== null
    ? ((forced === 'winograd' && !winograd) || (forced === 'dense' && !denseApplies(g)) ? 'image' : forced)
    : dense ? 'dense'
      : winograd && (!foldShape(g, s, maxLen) || winogradOverFolding) ? 'winograd'
        : foldShape(g, s, maxLen) ? 'folded' : 'image';
  runs[how]++;
  return how;
}

const runs: Record<ConvStrategy, number> = { image: 0, folded: 0, winograd: 0, dense: 0 };

/** How many passes (forward, input gradient, weight gradient) each strategy has computed so far: for tests and measurements. */
export function convStrategyRuns(): Readonly<Record<ConvStrategy, number>> {
  return { ...runs };
}

/** Forward convolution in WebAssembly; same contract as the reference {@link jsConv2dForward}. */
export function wasmConv2dForward(
  x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, out: FloatArray, activation: FusedActivation | null = null,
  pass: ConvPass | null = null,
): void {
  if (!isF32(x) || !isF32(w) || !isF32(bias) || !isF32(out) || g.batch === 0) {
    jsConv2dForward(x, g, w, bias, out, activation);
    return;
  }
  const [x32, w32, b32] = [x as Float32Array, w as Float32Array, bias as Float32Array | null];
  const s = sizesOf(g);
  const { at } = forwardInModule(x32, g, s, w32, b32, pass, out as Float32Array);
  const e = getEngine();
  // A fused activation runs on the output where it lies: no copy out and back in, no second array.
  if (activation !== null) activateInModule(e, activation, at, 0, g.batch * s.output);
  e.collect(at, out as Float32Array);
}

/**
 * The forward pass, then its `activation` and max pooling `pool` (in that order, or the pooling
 * first) on the output where it lies; same contract as the reference {@link jsConv2dPooledForward}.
 * Only the pooled output and the winners leave the module.
 */
export function wasmConv2dPooledForward(
  x: FloatArray, g: ConvGeometry, w: FloatArray, bias: FloatArray | null, activation: FusedActivation | null,
  pool: PoolGeometry, poolFirst: boolean, out: FloatArray, argmax: Int32Array, pass: ConvPass | null = null,
): void {
  if (!isF32(x) || !isF32(w) || !isF32(bias) || !isF32(out) || g.batch === 0) {
    jsConv2dPooledForward(x, g, w, bias, activation, pool, poolFirst, out, argmax);
    return;
  }
  const s = sizesOf(g);
  const { at, end } = forwardInModule(x as Float32Array, g, s, w as Float32Array, bias as Float32Array | null, pass, null);
  const e = getEngine();
  if (activation !== null && !poolFirst) activateInModule(e, activation, at, 0, g.batch * s.output);
  maxPoolInModule(e, at, end, pool, out as Float32Array, argmax, poolFirst ? activation : null);
}

/**
 * The forward pass by the strategy its shape takes, leaving the output in the module: in `out` when
 * that is a pinned array (every strategy writes all of it), else in a region for the caller to copy
 * out or to go on with (`out` null: a fused pooling's input).
 */
function forwardInModule(
  x: Float32Array, g: ConvGeometry, s: Sizes, w: Float32Array, bias: Float32Array | null, pass: ConvPass | null, out: Float32Array | null,
): Placed {
  if (isDepthwise(g, s)) return depthwiseForward(x, g, s, w, bias, out);
  const how = strategy(g, s, winogradForward(g, s), denseWins(g), TILE.nr, winogradBeatsFolding(g.batch, g.outH, g.outW));
  if (how === 'dense') return denseForward(x, g, w, bias, pass, out);
  if (how === 'folded') return foldedForward(x, g, s, w, bias, out);
  if (how === 'winograd' && winogradBatched(g.batch, g.channels, g.outChannels, g.outH, g.outW)) return batchedForward(x, g, w, bias, out);
  const e = getEngine();
  const { kg, len, image, output, flops } = s;
  const O = g.outChannels;
  const tile = how === 'winograd' ? winogradTile(g.batch, g.outH, g.outW) : null;
  const scratch = tile !== null
    ? winogradImagesBytes(e, tile, g.batch, g.channels, O, g.outH, g.outW)
    : align(4 * (s.groups * kg * len + packed(len, kg)));
  const [xP, wP, uP, bP, oP, sP, bytes] = regions(
    4 * g.batch * image, 4 * O * kg, tile !== null ? filtersBytes(O, g.channels, tile) : 0, 4 * O, 4 * g.batch * output, scratch * threadSlots(),
  );
  e.reserve(bytes);
  // The input, weight and bias are read where they lie when pinned (parameters are, and a `tidy`
  // scope's activations), else copied in; the output likewise written.
  const [xAt, oAt] = [e.place(xP, x, 0, g.batch * image), out === null ? oP : e.target(oP, out)];
  const wAt = e.place(wP, w, 0, O * kg);
  const biasP = bias === null ? 0 : e.place(bP, bias, 0, O);
  if (tile !== null) {
    transformFilters(e, wAt, O, g.channels, false, uP, tile);
    winogradImages(e, {
      batch: g.batch, cin: g.channels, height: g.height, width: g.width, padTop: g.padTop, padLeft: g.padLeft,
      filters: uP, bias: biasP, cout: O, outH: g.outH, outW: g.outW, x: xAt, out: oAt, scratch: sP,
    }, tile, scratch);
  } else {
    convForwardJob(e, { ...geometryArgs(g, s), x: xAt, w: wAt, bias: biasP, out: oAt, scratch: sP, scratchStride: scratch });
    execute(e, g.batch, flops);
  }
  return { at: oAt, end: scratchBase() + bytes };
}

/** Backward convolution in WebAssembly; same contract as the reference {@link jsConv2dBackward}. */
export function wasmConv2dBackward(
  grad: FloatArray, x: FloatArray, g: ConvGeometry, w: FloatArray,
  gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, fused: Fused | null = null, pass: ConvPass | null = null,
): void {
  if (![grad, x, w, gx, gw, gb, fused?.out ?? null].every(isF32) || g.batch === 0) {
    jsConv2dBackward(grad, x, g, w, gx, gw, gb, fused);
    return;
  }
  if (gx === null && gw === null && gb === null) return;
  const s = sizesOf(g);
  const [x32, w32] = [x as Float32Array, w as Float32Array];
  const [gx32, gw32, gb32] = [gx as Float32Array | null, gw as Float32Array | null, gb as Float32Array | null];
  const dy = putOutputGrad(getEngine(), grad as Float32Array, fused, g.batch * s.output);
  if (isDepthwise(g, s)) {
    depthwiseBackward(dy, x32, g, s, w32, gx32, gw32, gb32);
    return;
  }
  // The input gradient and the weight and bias gradients each take their own strategy.
  if (gx32 !== null) {
    const how = strategy(g, s, winogradInputGrad(g, s), denseWins(g), TILE.nr, winogradBeatsFolding(g.batch, g.outH, g.outW));
    if (how === 'dense') denseBackward(dy, x32, g, w32, gx32, null, null, pass);
    else if (how === 'folded') foldedBackward(dy, x32, g, s, w32, gx32, null, null);
    else if (how === 'winograd' && winogradBatched(g.batch, g.outChannels, g.channels, g.height, g.width)) batchedInputGrad(dy, g, w32, gx32);
    else imageBackward(dy, x32, g, s, w32, gx32, null, null, how === 'winograd');
  }
  if (gw32 === null && gb32 === null) return;
  const maxLen = s.kg * s.og >= FOLD_WEIGHT_SIZE ? 64 : TILE.nr;
  // Forced, Winograd takes every weight gradient of its shape, so tests reach it with few channels too.
  const winograd = forced === 'winograd' ? winogradWeightApplies(g, s) : winogradWeight(g, s);
  const how = strategy(g, s, winograd, denseWins(g), maxLen, true);
  if (how === 'dense') denseBackward(dy, x32, g, w32, null, gw32, gb32);
  else if (how === 'folded') foldedBackward(dy, x32, g, s, w32, null, gw32, gb32);
  else if (how === 'winograd') winogradWeightBackward(dy, x32, g, gw32, gb32);
  else imageBackward(dy, x32, g, s, w32, null, gw32, gb32, false);
}

/**
 * The weight gradient (and the bias's) as Winograd over groups of images (see winograd.ts). The bias
 * gradient is each image's plane sums in f64 added over the images in order: computed in the jobs
 * beside the weight gradient, or here alone with the same operations (so the same bits).
 */
function winogradWeightBackward(dy: OutputGrad, x: Float32Array, g: ConvGeometry, gw: Float32Array | null, gb: Float32Array | null): void {
  const [N, C, O, L] = [g.batch, g.channels, g.outChannels, g.outH * g.outW];
  if (gw === null) {
    // Only the bias gradient asked for (wasmConv2dBackward returns earlier when neither is).
    const grad = dy.host();
    biasFromSums(N, O, gb as Float32Array, (n, o) => planeSum(grad, (n * O + o) * L, L));
    return;
  }
  const e = getEngine();
  const threads = threadSlots();
  const [, xP, wP, sumsP, sP, bytes] = regions(
    4 * N * O * L, 4 * N * C * g.height * g.width, 4 * O * C * 9, gb === null ? 0 : 8 * N * O, winogradWeightBytes(N, C, O, g.outH, g.outW, threads),
  );
  e.reserve(bytes);
  const xAt = e.place(xP, x, 0, N * C * g.height * g.width);
  const gwAt = e.target(wP, gw);
  winogradWeightGrad(e, {
    batch: N, cin: C, height: g.height, width: g.width, padTop: g.padTop, padLeft: g.padLeft, cout: O, outH: g.outH, outW: g.outW,
    x: xAt, grad: dy.at, gw: gwAt, biasSums: gb === null ? 0 : sumsP, scratch: sP,
  }, threads);
  e.collect(gwAt, gw);
  if (gb === null) return;
  const sums = e.f64(sumsP, N * O);
  biasFromSums(N, O, gb, (n, o) => sums[n * O + o]);
}

/**
 * `Σ grad[at … at + count)` in f64 with the operations of the Winograd weight job's `planeSum`
 * (kernels.ts): four interleaved partial sums, added as `(s0 + s1) + (s2 + s3)`, then the tail.
 */
function planeSum(grad: Float32Array, at: number, count: number): number {
  let [s0, s1, s2, s3] = [0, 0, 0, 0];
  let i = at;
  for (const end = at + (count & ~3); i < end; i += 4) {
    s0 += grad[i];
    s1 += grad[i + 1];
    s2 += grad[i + 2];
    s3 += grad[i + 3];
  }
  let s = (s0 + s1) + (s2 + s3);
  for (; i < at + count; i++) s += grad[i];
  return s;
}

/** `gb[o] = Σ_n sum(n, o)` in f64, over the images in order. */
function biasFromSums(N: number, O: number, gb: Float32Array, sum: (n: number, o: number) => number): void {
  for (let o = 0; o < O; o++) {
    let t = 0;
    for (let n = 0; n < N; n++) t += sum(n, o);
    gb[o] = t;
  }
}

/** The forward pass as Winograd over the whole batch (see winograd.ts). */
function batchedForward(x: Float32Array, g: ConvGeometry, w: Float32Array, bias: Float32Array | null, out: Float32Array | null): Placed {
  const e = getEngine();
  const [N, C, O] = [g.batch, g.channels, g.outChannels];
  const threads = threadSlots();
  const [xP, wP, uP, bP, oP, sP, bytes] = regions(
    4 * N * C * g.height * g.width, 4 * O * C * 9, filtersBytes(O, C), 4 * O, 4 * N * O * g.outH * g.outW,
    winogradBatchBytes(N, C, O, g.outH, g.outW, threads),
  );
  e.reserve(bytes);
  const [xAt, oAt] = [e.place(xP, x, 0, N * C * g.height * g.width), out === null ? oP : e.target(oP, out)];
  transformFilters(e, e.place(wP, w, 0, O * C * 9), O, C, false, uP);
  winogradBatch(e, {
    batch: N, cin: C, height: g.height, width: g.width, padTop: g.padTop, padLeft: g.padLeft, filters: uP, bias: bias === null ? 0 : e.place(bP, bias, 0, O),
    cout: O, outH: g.outH, outW: g.outW, x: xAt, out: oAt, scratch: sP,
  }, threads);
  return { at: oAt, end: scratchBase() + bytes };
}

/** The input gradient as Winograd over the whole batch: the output gradient correlated with the rotated filters, padded by 2 − padding. */
function batchedInputGrad(dy: OutputGrad, g: ConvGeometry, w: Float32Array, gx: Float32Array): void {
  const e = getEngine();
  const [N, C, O] = [g.batch, g.channels, g.outChannels];
  const threads = threadSlots();
  const [, wP, uP, xP, sP, bytes] = regions(
    4 * N * O * g.outH * g.outW, 4 * O * C * 9, filtersBytes(O, C), 4 * N * C * g.height * g.width,
    winogradBatchBytes(N, O, C, g.height, g.width, threads),
  );
  e.reserve(bytes);
  const gxAt = e.target(xP, gx);
  transformFilters(e, e.place(wP, w, 0, O * C * 9), O, C, true, uP);
  winogradBatch(e, {
    batch: N, cin: O, height: g.outH, width: g.outW, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft, filters: uP, bias: 0,
    cout: C, outH: g.height, outW: g.width, x: dy.at, out: gxAt, scratch: sP,
  }, threads);
  e.collect(gxAt, gx);
}

/** The gradients per image (the input's optionally as Winograd); see {@link wasmConv2dBackward}. */
function imageBackward(
  dy: OutputGrad, x32: Float32Array, g: ConvGeometry, s: Sizes, w32: Float32Array,
  gx32: Float32Array | null, gw32: Float32Array | null, gb32: Float32Array | null, winograd: boolean,
): void {
  const { kg, len, image, output, flops } = s;
  const O = g.outChannels;
  const e = getEngine();
  const per = Math.ceil(g.batch / WEIGHT_GROUPS);
  const groups = Math.ceil(g.batch / per);
  const partial = align(4 * kg * O);
  const biasPartial = align(8 * O);
  // One scratch region per thread, big enough for every job: columns plus a packed operand, or
  // the Winograd input gradient's.
  const tile = winograd ? winogradTile(g.batch, g.height, g.width) : null;
  const scratch = Math.max(
    align(4 * (s.groups * kg * len + Math.max(packed(len, s.og), packed(s.og, len)))),
    tile !== null ? winogradImagesBytes(e, tile, g.batch, O, g.channels, g.height, g.width) : 0,
  );
  const [, xP, wP, uP, gxP, gwP, gbP, pP, pbP, sP, bytes] = regions(
    4 * g.batch * output, 4 * g.batch * image, 4 * O * kg, tile !== null ? filtersBytes(O, g.channels, tile) : 0, 4 * g.batch * image, 4 * O * kg, 4 * O,
    partial * groups, biasPartial * groups, scratch * threadSlots(),
  );
  e.reserve(bytes);
  const gP = dy.at;
  const geom = geometryArgs(g, s);
  if (gx32 !== null) {
    const wAt = e.place(wP, w32, 0, O * kg);
    const gxAt = e.target(gxP, gx32);
    if (tile !== null) {
      transformFilters(e, wAt, O, g.channels, true, uP, tile);
      // The correlation of the output gradient with the rotated filters, padded by 2 − padding.
      winogradImages(e, {
        batch: g.batch, cin: O, height: g.outH, width: g.outW, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft,
        filters: uP, bias: 0, cout: g.channels, outH: g.height, outW: g.width, x: gP, out: gxAt, scratch: sP,
      }, tile, scratch);
    } else {
      convInputGradJob(e, { ...geom, g: gP, w: wAt, gx: gxAt, scratch: sP, scratchStride: scratch });
      execute(e, g.batch, flops);
    }
    e.collect(gxAt, gx32);
  }
  if (gw32 === null && gb32 === null) return;
  const xAt = gw32 === null ? xP : e.place(xP, x32, 0, g.batch * image);
  convWeightGradJob(e, {
    ...geom, x: xAt, g: gP, partial: gw32 === null ? 0 : pP, partialStride: partial, biasPartial: gb32 === null ? 0 : pbP,
    biasPartialStride: biasPartial, perGroup: per, scratch: sP, scratchStride: scratch,
  });
  execute(e, groups, gw32 === null ? 0 : flops);
  const [gwAt, gbAt] = [gw32 === null ? 0 : e.target(gwP, gw32), gb32 === null ? 0 : e.target(gbP, gb32)];
  e.exports.convReduce(pP, partial, groups, kg, O, gwAt, pbP, biasPartial, gbAt);
  if (gw32 !== null) e.collect(gwAt, gw32);
  if (gb32 !== null) e.collect(gbAt, gb32);
}

// ---- The batch folded into one GEMM --------------------------------------------------------------

/** The batch's columns `[C·kH·kW, N·L]` at `cP` from the input at `xP`, a few images a chunk ({@link imagesPerChunk}). */
function foldIm2col(e: Engine, g: ConvGeometry, s: Sizes, xP: number, cP: number): void {
  const images = imagesPerChunk(s.len);
  convFoldIm2colJob(e, { ...geometryArgs(g, s), images, x: xP, cols: cP });
  execute(e, Math.ceil(g.batch / images), s.flops);
}

/** The forward pass with the batch folded: columns `[C·kH·kW, N·L]`, `Y = W·cols` per group into `[O, N·L]`, then unfolded. */
function foldedForward(x: Float32Array, g: ConvGeometry, s: Sizes, w: Float32Array, bias: Float32Array | null, out: Float32Array | null): Placed {
  const e = getEngine();
  const { kg, og, len, image, output } = s;
  const [N, O] = [g.batch, g.outChannels];
  const NL = N * len;
  const [xP, wP, cP, yP, oP, pP, bytes] = regions(4 * N * image, 4 * O * kg, 4 * s.groups * kg * NL, 4 * O * NL, 4 * N * output, 4 * gemmScratch(NL, kg, threadSlots()));
  e.reserve(bytes);
  const [xAt, oAt] = [e.place(xP, x, 0, N * image), out === null ? oP : e.target(oP, out)];
  const wAt = e.place(wP, w, 0, O * kg);
  foldIm2col(e, g, s, xAt, cP);
  if (bias !== null) for (let o = 0; o < O; o++) e.f32.fill(bias[o], (yP >> 2) + o * NL, (yP >> 2) + (o + 1) * NL);
  for (let k = 0; k < s.groups; k++) {
    gemmJobs(e, false, false, og, NL, kg, wAt + 4 * k * og * kg, cP + 4 * k * kg * NL, yP + 4 * k * og * NL, pP, bias !== null);
  }
  e.exports.convFold(oAt, yP, N, O, len, 1);
  return { at: oAt, end: scratchBase() + bytes };
}

/**
 * The gradients with the batch folded: the output gradient folded to `[O, N·L]`; the input's is
 * `Wᵀ·grad` per group into the batch's columns, then col2im per image; the weight's `grad·colsᵀ` per
 * group, a GEMM whose depth is the whole batch; the bias's the reference's f64 sums.
 */
function foldedBackward(
  dy: OutputGrad, x: Float32Array, g: ConvGeometry, s: Sizes, w: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null,
): void {
  if (gb !== null) jsConv2dBackward(dy.host(), x, g, w, null, null, gb);
  if (gx === null && gw === null) return;
  const e = getEngine();
  const { kg, og, len, image, output, flops } = s;
  const [N, O] = [g.batch, g.outChannels];
  const NL = N * len;
  const threads = threadSlots();
  const [, fP, wP, cP, xP, gwP, pP, bytes] = regions(
    4 * N * output, 4 * O * NL, 4 * O * kg, 4 * s.groups * kg * NL, 4 * N * image, 4 * O * kg,
    4 * Math.max(gemmScratch(NL, og, threads), gemmScratch(kg, NL, threads)),
  );
  e.reserve(bytes);
  e.exports.convFold(dy.at, fP, N, O, len, 0);
  const geom = geometryArgs(g, s);
  if (gx !== null) {
    const wAt = e.place(wP, w, 0, O * kg);
    for (let k = 0; k < s.groups; k++) {
      gemmJobs(e, true, false, kg, NL, og, wAt + 4 * k * og * kg, fP + 4 * k * og * NL, cP + 4 * k * kg * NL, pP, false);
    }
    const gxAt = e.target(xP, gx);
    convFoldCol2imJob(e, { ...geom, cols: cP, gx: gxAt });
    execute(e, N, flops);
    e.collect(gxAt, gx);
  }
  if (gw !== null) {
    // The input in the region the input gradient was copied out of, unless pinned.
    foldIm2col(e, g, s, e.place(xP, x, 0, N * image), cP);
    const gwAt = e.target(gwP, gw);
    for (let k = 0; k < s.groups; k++) {
      gemmJobs(e, false, true, og, kg, NL, fP + 4 * k * og * NL, cP + 4 * k * kg * NL, gwAt + 4 * k * og * kg, pP, false);
    }
    e.collect(gwAt, gw);
  }
}

// ---- Depthwise -------------------------------------------------------------------------------------

/**
 * The zero-bordered plane the depthwise kernels copy each input plane into: every tap of every
 * output (`(outH − 1)·sH + (kH − 1)·dH + 1` rows) and the whole padded image lie inside it.
 */
function depthwisePlane(g: ConvGeometry, s: Sizes): [number, number] {
  const Hp = Math.max((g.outH - 1) * g.strideH + (g.kH - 1) * s.dH + 1, g.padTop + g.height);
  const Wp = Math.max((g.outW - 1) * g.strideW + (g.kW - 1) * s.dW + 1, g.padLeft + g.width);
  return [Hp, Wp];
}

/**
 * The zero-bordered output gradient plane of the stride-1 depthwise input gradient (a correlation
 * with the rotated filter): `(kH − 1)·dH` rows and `(kW − 1)·dW` columns of zeros around it, and
 * room for every tap that an input position reads.
 */
function depthwiseGradPlane(g: ConvGeometry, s: Sizes): [number, number] {
  const [bh, bw] = [(g.kH - 1) * s.dH, (g.kW - 1) * s.dW];
  return [Math.max(g.outH + 2 * bh, g.height + g.padTop + bh), Math.max(g.outW + 2 * bw, g.width + g.padLeft + bw)];
}

/** Bytes of a thread's depthwise scratch: a plane of `floats` with 8 floats of slack (vector reads past its end), then the weight gradient's sums. */
function depthwiseScratch(g: ConvGeometry, floats: number): number {
  const m = g.outChannels / g.channels;
  return align(((4 * (floats + 8) + 15) & ~15) + 16 * m * g.kH * g.kW + 8 * m);
}

/**
 * The work of a depthwise pass in flops, for the choice of threads: its multiply-adds plus about 1000
 * per output plane for bordering the input and the loops' overheads (measured: 24 ns a plane on a
 * [32, 960, 1, 1] input whose 9 multiply-adds a plane take 1 ns), so that many small planes share
 * the threads as well.
 */
function depthwiseWork(g: ConvGeometry, s: Sizes): number {
  return s.flops + 1000 * g.batch * g.outChannels;
}

function depthwiseForward(x: Float32Array, g: ConvGeometry, s: Sizes, w: Float32Array, bias: Float32Array | null, out: Float32Array | null): Placed {
  const e = getEngine();
  const [N, C, O] = [g.batch, g.channels, g.outChannels];
  const [Hp, Wp] = depthwisePlane(g, s);
  const scratch = depthwiseScratch(g, Hp * Wp);
  const [xP, wP, bP, oP, sP, bytes] = regions(4 * N * s.image, 4 * O * s.kg, 4 * O, 4 * N * s.output, scratch * threadSlots());
  e.reserve(bytes);
  const [xAt, oAt] = [e.place(xP, x, 0, N * s.image), out === null ? oP : e.target(oP, out)];
  const per = perChunk(N * C, CHUNKS);
  depthwiseForwardJob(e, {
    ...geometryArgs(g, s), x: xAt, w: e.place(wP, w, 0, O * s.kg), bias: bias === null ? 0 : e.place(bP, bias, 0, O), out: oAt, scratch: sP, scratchStride: scratch, planeH: Hp, planeW: Wp, perChunk: per,
  });
  execute(e, Math.ceil((N * C) / per), depthwiseWork(g, s));
  return { at: oAt, end: scratchBase() + bytes };
}

function depthwiseBackward(
  dy: OutputGrad, x: Float32Array, g: ConvGeometry, s: Sizes, w: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null,
): void {
  const e = getEngine();
  const [N, C, O] = [g.batch, g.channels, g.outChannels];
  const [Hp, Wp] = depthwisePlane(g, s);
  // The input gradient at stride 1 borders the output gradient's planes instead of the input's.
  const [Hg, Wg] = g.strideH === 1 && g.strideW === 1 ? depthwiseGradPlane(g, s) : [Hp, Wp];
  const scratch = depthwiseScratch(g, Math.max(Hp * Wp, Hg * Wg));
  const [, xP, wP, gwP, gbP, sP, bytes] = regions(4 * N * s.output, 4 * N * s.image, 4 * O * s.kg, 4 * O * s.kg, 4 * O, scratch * threadSlots());
  e.reserve(bytes);
  const gP = dy.at;
  const geom = geometryArgs(g, s);
  if (gx !== null) {
    const per = perChunk(N * C, CHUNKS);
    const gxAt = e.target(xP, gx);
    depthwiseInputGradJob(e, { ...geom, g: gP, w: e.place(wP, w, 0, O * s.kg), gx: gxAt, scratch: sP, scratchStride: scratch, planeH: Hg, planeW: Wg, perChunk: per });
    execute(e, Math.ceil((N * C) / per), depthwiseWork(g, s));
    e.collect(gxAt, gx);
  }
  if (gw === null && gb === null) return;
  // The input in the region the input gradient was copied out of, unless pinned.
  const xAt = gw === null ? xP : e.place(xP, x, 0, N * s.image);
  const per = perChunk(C, CHUNKS);
  const [gwAt, gbAt] = [gw === null ? 0 : e.target(gwP, gw), gb === null ? 0 : e.target(gbP, gb)];
  depthwiseWeightGradJob(e, {
    ...geom, x: xAt, g: gP, gw: gwAt, gb: gbAt, scratch: sP, scratchStride: scratch, planeH: Hp, planeW: Wp, perChunk: per,
  });
  execute(e, Math.ceil(C / per), gw === null ? 0 : depthwiseWork(g, s));
  if (gw !== null) e.collect(gwAt, gw);
  if (gb !== null) e.collect(gbAt, gb);
}
