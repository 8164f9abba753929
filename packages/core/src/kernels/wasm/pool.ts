/**
 * Max pooling and its gradient in WebAssembly, with the contracts of the references in
 * src/kernels/pool.ts, split by planes over the threads. The CNN default (2×2 windows, stride 2, no
 * padding) runs four windows per SIMD step; every other window, stride and padding (ResNet's 3×3
 * stride-2 stem pooling) four outputs of a row at a time, over a −∞-bordered copy of each plane.
 * The gradient is fused.ts's unpooling job without an activation. Float64 data goes to the
 * reference.
 */
import type { FloatArray } from '../../dtype.js';
import { type PoolGeometry, maxPool2dBackward as jsMaxPool2dBackward, maxPool2dForward as jsMaxPool2dForward } from '../pool.js';
import { align, type Engine, regions, regionsFrom, scratchBase } from './engine.js';
import type { FusedActivation } from '../fused.js';
import { activateInModule, unpoolInto } from './fused.js';
import { maxPool2x2Job, maxPoolJob } from './jobs.js';
import { execute, getEngine, perChunk, threadSlots } from './runtime.js';

/** Max pooling forward in WebAssembly; same contract as the reference {@link jsMaxPool2dForward}. */
export function wasmMaxPool2dForward(x: FloatArray, g: PoolGeometry, out: FloatArray, argmax: Int32Array): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || g.planes === 0) {
    jsMaxPool2dForward(x, g, out, argmax);
    return;
  }
  const e = getEngine();
  const size = g.planes * g.height * g.width;
  const [xP, bytes] = regions(4 * size);
  e.reserve(bytes);
  maxPoolInModule(e, e.place(xP, x, 0, size), scratchBase() + bytes, g, out, argmax);
}

/**
 * Max pooling of the planes at byte address `xP` in the module, with its own regions from `start`:
 * the output (through `activation` when given, in place) into `out` (in place when pinned, else
 * copied out) and the winners copied out into `argmax`.
 */
export function maxPoolInModule(
  e: Engine, xP: number, start: number, g: PoolGeometry, out: Float32Array, argmax: Int32Array, activation: FusedActivation | null = null,
): void {
  const simple = g.kH === 2 && g.kW === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0;
  const size = g.planes * g.height * g.width;
  const count = g.planes * g.outH * g.outW;
  const threads = threadSlots();
  // One thread's −∞-bordered plane for the general kernel (see packages/core/wasm/asc/pool.ts).
  const plane = simple ? 0 : align(4 * e.exports.maxPoolScratchFloats(g.kH, g.kW, g.strideH, g.strideW, g.outH, g.outW));
  const [oP, aP, sP, bytes] = regionsFrom(start, 4 * count, 4 * count, threads * plane);
  e.reserve(bytes);
  const per = perChunk(g.planes, 4 * threads);
  const oAt = e.target(oP, out);
  const planes = { x: xP, height: g.height, width: g.width, outH: g.outH, outW: g.outW, out: oAt, argmax: aP, planes: g.planes, perChunk: per };
  if (simple) maxPool2x2Job(e, planes);
  else maxPoolJob(e, { ...planes, kH: g.kH, kW: g.kW, strideH: g.strideH, strideW: g.strideW, padH: g.padH, padW: g.padW, scratch: sP, scratchStride: plane });
  // The 2×2 kernel moves memory rather than computing: each input element counts as one "flop". The
  // general one spends about 1 ns on each element a window reads, four windows at a time (ResNet's
  // 3×3 stride-2 stem pooling, [32, 64, 16, 16]: 1.1–2.0 ms on one thread, 5.0 with the scalar loop), as
  // much as 30 flops of a GEMM.
  execute(e, Math.ceil(g.planes / per), simple ? size : 30 * count * g.kH * g.kW);
  if (activation !== null) activateInModule(e, activation, oAt, 0, count);
  e.collect(oAt, out);
  argmax.set(e.i32(aP, count));
}

/** Below this many input elements the reference's loop costs less than the copies and the job. */
const MIN_BACKWARD = 1 << 14;

/**
 * Max pooling's gradient in WebAssembly: the unpooling job without an activation ({@link unpoolInto}:
 * each plane zeroed, then the windows' gradients added at their winners in order); same contract and
 * bits as the reference {@link jsMaxPool2dBackward}, overlapping windows included.
 */
export function wasmMaxPool2dBackward(
  grad: FloatArray, argmax: Int32Array, g: Pick<PoolGeometry, 'planes' | 'height' | 'width' | 'outH' | 'outW'>, gx: FloatArray,
): void {
  if (!(grad instanceof Float32Array) || !(gx instanceof Float32Array) || gx.length < MIN_BACKWARD) {
    jsMaxPool2dBackward(grad, argmax, g, gx);
    return;
  }
  const e = getEngine();
  const [zP, bytes] = regions(4 * gx.length);
  e.reserve(bytes);
  const zAt = e.target(zP, gx);
  unpoolInto(e, zAt, scratchBase() + bytes, grad, argmax, g, null, null, false);
  e.collect(zAt, gx);
}
