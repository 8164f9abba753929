/**
 * Max pooling in WebAssembly, with the contract of the reference in src/kernels/pool.ts. Only the
 * CNN default (2×2 windows, stride 2, no padding, float32) runs in the module, four windows per
 * SIMD step and split by planes over the threads; every other case goes to the reference.
 */
import type { FloatArray } from '../../dtype.js';
import { type PoolGeometry, maxPool2dForward as jsMaxPool2dForward } from '../pool.js';
import { regions } from './engine.js';
import { maxPool2x2Job } from './jobs.js';
import { execute, getEngine, perChunk, threadSlots } from './runtime.js';

/** Max pooling forward in WebAssembly; same contract as the reference {@link jsMaxPool2dForward}. */
export function wasmMaxPool2dForward(x: FloatArray, g: PoolGeometry, out: FloatArray, argmax: Int32Array): void {
  const simple = g.kH === 2 && g.kW === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0;
  if (!simple || !(x instanceof Float32Array) || !(out instanceof Float32Array) || g.planes === 0) {
    jsMaxPool2dForward(x, g, out, argmax);
    return;
  }
  const e = getEngine();
  const size = g.planes * g.height * g.width;
  const count = g.planes * g.outH * g.outW;
  const [xP, oP, aP, bytes] = regions(4 * size, 4 * count, 4 * count);
  e.reserve(bytes);
  e.put(xP, x, 0, size);
  const per = perChunk(g.planes, 4 * threadSlots());
  maxPool2x2Job(e, { x: xP, height: g.height, width: g.width, outH: g.outH, outW: g.outW, out: oP, argmax: aP, planes: g.planes, perChunk: per });
  // Pooling moves memory rather than computing: count each input element as one "flop".
  execute(e, Math.ceil(g.planes / per), size);
  e.get(oP, count, out, 0);
  argmax.set(new Int32Array(e.f32.buffer, aP, count));
}
