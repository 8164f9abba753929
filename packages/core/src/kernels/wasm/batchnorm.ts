/**
 * Batch normalisation in WebAssembly (packages/core/wasm/asc/batchnorm.ts), with the contracts of
 * the reference loops in src/kernels/batchnorm.ts: the per-channel sums in f64 as there, the
 * elementwise passes in f32 SIMD (so values agree to float32 rounding, not bit for bit). Chunks own
 * whole channels, so results are the same for every thread count. Float64 data and small tensors go
 * to the reference.
 */
import type { FloatArray } from '../../dtype.js';
import { batchNormBackward as jsBackward, batchNormForward as jsForward } from '../batchnorm.js';
import type { Fused, FusedActivation } from '../fused.js';
import { activateInModule, putOutputGrad } from './fused.js';
import { type Engine, regions } from './engine.js';
import { batchNormBackwardJob, batchNormForwardJob } from './jobs.js';
import { execute, getEngine, perChunk, threadSlots } from './runtime.js';

/** Below this many elements the copies in and out cost more than they save. */
const MIN_ELEMENTS = 1 << 12;

/** Places an optional per-channel f32 vector (in place when pinned, else at `ptr`); returns its address, or 0 for none. */
function placeOptional(e: Engine, ptr: number, v: FloatArray | null): number {
  return v === null ? 0 : e.place(ptr, v as Float32Array, 0, v.length);
}

/**
 * What a pass is worth in GEMM flops an element, for the pool's threshold: about 1 ns an element on
 * one thread, forward or backward (the jobs alone in ResNet-18's and MobileNetV2's steps ran at 3–4.5
 * "GF/s" counted at 4–6 flops an element, which kept every layer under `minFlops`, on the calling
 * thread). Pooled from about 33 000 elements, MobileNetV2's batch norm jobs took 8.5 ms a step on two
 * threads rather than 10.5–11 (30 of its 52 layers pooled; the backward pass, bound by memory, gains least).
 */
const FLOPS_PER_ELEMENT = 60;

/** Channels per chunk: enough chunks for every thread, each a few channels. */
function channelsPerChunk(c: number): number {
  return perChunk(c, 4 * threadSlots());
}

/** The forward pass in WebAssembly; same contract as the reference {@link jsForward}. */
export function wasmBatchNormForward(
  x: FloatArray, n: number, c: number, s: number, training: boolean, eps: number,
  mean: Float64Array, variance: Float64Array, invstd: Float64Array,
  weight: FloatArray | null, bias: FloatArray | null, out: FloatArray, activation: FusedActivation | null = null,
): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || x.length < MIN_ELEMENTS) {
    jsForward(x, n, c, s, training, eps, mean, variance, invstd, weight, bias, out, activation);
    return;
  }
  const e = getEngine();
  const size = x.length;
  // stats: f64 [mean, invstd, variance] per channel; params: f64 eps.
  const [xP, oP, statsP, wP, bP, paramsP, bytes] = regions(4 * size, 4 * size, 24 * c, 4 * c, 4 * c, 8);
  e.reserve(bytes);
  const [xAt, oAt] = [e.place(xP, x, 0, size), e.target(oP, out)];
  const stats = e.f64(statsP, 3 * c);
  if (!training) {
    stats.set(mean, 0);
    stats.set(invstd, c);
  }
  e.f64(paramsP, 1)[0] = eps;
  const w = placeOptional(e, wP, weight);
  const b = placeOptional(e, bP, bias);
  const per = channelsPerChunk(c);
  batchNormForwardJob(e, { x: xAt, out: oAt, n, c, s, stats: statsP, weight: w, bias: b, params: paramsP, training, perChunk: per });
  execute(e, Math.ceil(c / per), FLOPS_PER_ELEMENT * size);
  if (activation !== null) activateInModule(e, activation, oAt, 0, size);
  e.collect(oAt, out);
  if (training) {
    // The memory may have grown (and its buffer changed) only in reserve, so this view is current.
    const after = e.f64(statsP, 3 * c);
    mean.set(after.subarray(0, c));
    invstd.set(after.subarray(c, 2 * c));
    variance.set(after.subarray(2 * c, 3 * c));
  }
}

/** The backward pass in WebAssembly; same contract as the reference {@link jsBackward}. */
export function wasmBatchNormBackward(
  grad: FloatArray, x: FloatArray, n: number, c: number, s: number,
  mean: Float64Array, invstd: Float64Array, weight: FloatArray | null, training: boolean,
  sumGrad: Float64Array, sumGradCentered: Float64Array, gx: FloatArray | null, fused: Fused | null = null,
): void {
  if (
    !(grad instanceof Float32Array) || !(x instanceof Float32Array) || (gx !== null && !(gx instanceof Float32Array)) ||
    (fused !== null && !(fused.out instanceof Float32Array)) || x.length < MIN_ELEMENTS
  ) {
    jsBackward(grad, x, n, c, s, mean, invstd, weight, training, sumGrad, sumGradCentered, gx, fused);
    return;
  }
  const e = getEngine();
  const size = x.length;
  const { at: gP } = putOutputGrad(e, grad, fused, size);
  const [, xP, gxP, statsP, wP, sumsP, bytes] = regions(4 * size, 4 * size, 4 * size, 16 * c, 4 * c, 16 * c);
  e.reserve(bytes);
  const xAt = e.place(xP, x, 0, size);
  const gxAt = gx === null ? 0 : e.target(gxP, gx as Float32Array);
  const stats = e.f64(statsP, 2 * c);
  stats.set(mean, 0);
  stats.set(invstd, c);
  const w = placeOptional(e, wP, weight);
  const per = channelsPerChunk(c);
  batchNormBackwardJob(e, {
    g: gP, x: xAt, gx: gxAt, n, c, s, stats: statsP, weight: w, sums: sumsP, training, perChunk: per,
  });
  execute(e, Math.ceil(c / per), FLOPS_PER_ELEMENT * size);
  const sums = e.f64(sumsP, 2 * c);
  sumGrad.set(sums.subarray(0, c));
  sumGradCentered.set(sums.subarray(c, 2 * c));
  if (gx !== null) e.collect(gxAt, gx as Float32Array);
}
