/**
 * ReLU and hardtanh (ReLU6) and their gradients in WebAssembly, with the contracts of the reference
 * loops in src/kernels/elementwise.ts and src/kernels/activation.ts (ReLU: same values, a NaN may
 * come out with another sign bit; hardtanh: the same bits). Worth it for the conv-sized tensors they
 * usually see: copying in and out costs less than the reference's loop, and the work splits over the
 * threads. Small or non-float32 arrays go to the reference.
 */
import type { FloatArray, TypedArray } from '../../dtype.js';
import { hardtanhBackward as jsHardtanhBackward, hardtanhForward as jsHardtanhForward } from '../activation.js';
import { reluBackward as jsReluBackward, reluForward as jsReluForward } from '../elementwise.js';
import { regions } from './engine.js';
import { hardtanhJob, reluJob } from './jobs.js';
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

const BITS_F32 = new Float32Array(1);
const BITS_I32 = new Int32Array(BITS_F32.buffer);

/** The float32 bit pattern of `v`, or null when `v` is not a float32 value (the module compares in f32, the reference in f64). */
function exactBits(v: number): number | null {
  BITS_F32[0] = v;
  return BITS_F32[0] === v ? BITS_I32[0] : null;
}

/** Runs the HARDTANH job over `n` elements at `xP` (and `gP`, 0 for the forward) into `oP`. */
function runHardtanh(xP: number, gP: number, oP: number, n: number, loBits: number, hiBits: number): void {
  const e = getEngine();
  const per = perChunk(n, 4 * threadSlots(), 4);
  hardtanhJob(e, { x: xP, g: gP, out: oP, loBits, hiBits, n, perChunk: per });
  execute(e, Math.ceil(n / per), n);
}

/**
 * Hardtanh in WebAssembly; same contract and bits as the reference {@link jsHardtanhForward}. Bounds
 * that are not float32 values (a `minVal` of 0.1) go to the reference, which compares in float64.
 */
export function wasmHardtanhForward(x: TypedArray, out: FloatArray, lo: number, hi: number): void {
  const [lb, hb] = [exactBits(lo), exactBits(hi)];
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || x.length < MIN_ELEMENTS || lb === null || hb === null) {
    jsHardtanhForward(x, out, lo, hi);
    return;
  }
  const e = getEngine();
  const n = x.length;
  const [xP, oP, bytes] = regions(4 * n, 4 * n);
  e.reserve(bytes);
  e.put(xP, x, 0, n);
  runHardtanh(xP, 0, oP, n, lb, hb);
  e.get(oP, n, out, 0);
}

/** Hardtanh's gradient in WebAssembly; same contract and bits as the reference {@link jsHardtanhBackward}. */
export function wasmHardtanhBackward(g: FloatArray, x: TypedArray, gx: FloatArray, lo: number, hi: number): void {
  const [lb, hb] = [exactBits(lo), exactBits(hi)];
  if (!(g instanceof Float32Array) || !(x instanceof Float32Array) || !(gx instanceof Float32Array) || x.length < MIN_ELEMENTS || lb === null || hb === null) {
    jsHardtanhBackward(g, x, gx, lo, hi);
    return;
  }
  const e = getEngine();
  const n = x.length;
  const [xP, gP, oP, bytes] = regions(4 * n, 4 * n, 4 * n);
  e.reserve(bytes);
  e.put(xP, x, 0, n);
  e.put(gP, g, 0, n);
  runHardtanh(xP, gP, oP, n, lb, hb);
  e.get(oP, n, gx, 0);
}
