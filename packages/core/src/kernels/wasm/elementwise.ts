/**
 * ReLU and its gradient in WebAssembly, with the contracts of the reference loops in
 * src/kernels/elementwise.ts (same values; a NaN may come out with another sign bit). Worth it for
 * the conv-sized tensors ReLU usually sees: copying in and out costs less than the reference's loop,
 * and the work splits over the threads. Small or non-float32 arrays go to the reference.
 */
import type { TypedArray } from '../../dtype.js';
import { reluBackward as jsReluBackward, reluForward as jsReluForward } from '../elementwise.js';
import { regions } from './engine.js';
import { reluJob } from './jobs.js';
import { execute, getEngine, perChunk, threadSlots } from './runtime.js';

/** Below this many elements the copies cost more than they save. */
const MIN_ELEMENTS = 1 << 14;

/** Runs the RELU job over `n` elements already in memory at `xP` (and `gP`, 0 for the forward) into `oP`. */
function run(xP: number, gP: number, oP: number, n: number): void {
  const e = getEngine();
  // Chunks of whole SIMD vectors, so only the last chunk has a scalar tail.
  const per = perChunk(n, 4 * threadSlots(), 4);
  reluJob(e, { x: xP, g: gP, out: oP, n, perChunk: per });
  execute(e, Math.ceil(n / per), n);
}

/** `out = max(x, 0)` in WebAssembly; same contract as the reference {@link jsReluForward}. */
export function wasmReluForward(x: TypedArray, out: TypedArray): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || x.length < MIN_ELEMENTS) {
    jsReluForward(x, out);
    return;
  }
  const e = getEngine();
  const n = x.length;
  const [xP, oP, bytes] = regions(4 * n, 4 * n);
  e.reserve(bytes);
  e.put(xP, x, 0, n);
  run(xP, 0, oP, n);
  e.get(oP, n, out, 0);
}

/** `gx = grad · (x > 0)` in WebAssembly; same contract as the reference {@link jsReluBackward}. */
export function wasmReluBackward(grad: TypedArray, x: TypedArray, gx: TypedArray): void {
  if (!(grad instanceof Float32Array) || !(x instanceof Float32Array) || !(gx instanceof Float32Array) || x.length < MIN_ELEMENTS) {
    jsReluBackward(grad, x, gx);
    return;
  }
  const e = getEngine();
  const n = x.length;
  const [xP, gP, oP, bytes] = regions(4 * n, 4 * n, 4 * n);
  e.reserve(bytes);
  e.put(xP, x, 0, n);
  e.put(gP, grad, 0, n);
  run(xP, gP, oP, n);
  e.get(oP, n, gx, 0);
}
