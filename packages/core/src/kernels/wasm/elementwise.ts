/**
 * ReLU and hardtanh (ReLU6) and their gradients, and same-length sums, in WebAssembly, with the
 * contracts of the reference loops in src/kernels/elementwise.ts and src/kernels/activation.ts (ReLU
 * and sums: same values, a NaN may come out with another sign bit; hardtanh: the same bits). Worth it
 * for the conv-sized tensors they usually see: copying in and out (none for pinned arrays) costs less
 * than the reference's loop, and the work splits over the threads. Small or non-float32 arrays go to
 * the reference.
 */
import type { FloatArray, TypedArray } from '../../dtype.js';
import { hardtanhBackward as jsHardtanhBackward, hardtanhForward as jsHardtanhForward } from '../activation.js';
import { add as jsAdd, reluBackward as jsReluBackward, reluForward as jsReluForward } from '../elementwise.js';
import { type Engine, regions } from './engine.js';
import { addJob, hardtanhJob, reluJob } from './jobs.js';
import { execute, getEngine, perChunk, threadSlots } from './runtime.js';

/** Below this many elements the copies cost more than they save. */
const MIN_ELEMENTS = 1 << 14;

/** Writes a pointwise job (RELU or HARDTANH) over `x` (and `g`, 0 for a forward pass) into `out`, `perChunk` elements a chunk. */
type PointwiseJob = (e: Engine, x: number, g: number, out: number, n: number, perChunk: number) => void;

/**
 * Runs a pointwise job on `x` (and the gradient `g`, or null for a forward pass) into `out`, all
 * float32 of one length: copied in (unless pinned), split into chunks of whole SIMD vectors (so only
 * the last chunk has a scalar tail) over the threads, copied out (unless pinned). Each element is
 * read before it is written, so `out` may be `x` or `g`.
 */
function pointwise(x: Float32Array, g: Float32Array | null, out: Float32Array, job: PointwiseJob): void {
  const e = getEngine();
  const n = x.length;
  const [xP, gP, oP, bytes] = regions(4 * n, g === null ? 0 : 4 * n, 4 * n);
  e.reserve(bytes);
  const [xAt, gAt, oAt] = [e.place(xP, x, 0, n), g === null ? 0 : e.place(gP, g, 0, n), e.target(oP, out)];
  const per = perChunk(n, 4 * threadSlots(), 4);
  job(e, xAt, gAt, oAt, n, per);
  execute(e, Math.ceil(n / per), n);
  e.collect(oAt, out);
}

const relu: PointwiseJob = (e, x, g, out, n, perChunk) => reluJob(e, { x, g, out, n, perChunk });
const sum: PointwiseJob = (e, a, b, out, n, perChunk) => addJob(e, { a, b, out, n, perChunk });

/** `out = a + b` in WebAssembly; same contract as the reference {@link jsAdd}. */
export function wasmAdd(a: TypedArray, b: TypedArray, out: TypedArray): void {
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(out instanceof Float32Array) || a.length < MIN_ELEMENTS) {
    jsAdd(a, b, out);
    return;
  }
  pointwise(a, b, out, sum);
}

/** `out = max(x, 0)` in WebAssembly; same contract as the reference {@link jsReluForward}. */
export function wasmReluForward(x: TypedArray, out: TypedArray): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || x.length < MIN_ELEMENTS) {
    jsReluForward(x, out);
    return;
  }
  pointwise(x, null, out, relu);
}

/** `gx = grad · (x > 0)` in WebAssembly; same contract as the reference {@link jsReluBackward}. */
export function wasmReluBackward(grad: TypedArray, x: TypedArray, gx: TypedArray): void {
  if (!(grad instanceof Float32Array) || !(x instanceof Float32Array) || !(gx instanceof Float32Array) || x.length < MIN_ELEMENTS) {
    jsReluBackward(grad, x, gx);
    return;
  }
  pointwise(x, grad, gx, relu);
}

const BITS_F32 = new Float32Array(1);
const BITS_I32 = new Int32Array(BITS_F32.buffer);

/** The float32 bit pattern of `v`, or null when `v` is not a float32 value (the module compares in f32, the reference in f64). */
function exactBits(v: number): number | null {
  BITS_F32[0] = v;
  return BITS_F32[0] === v ? BITS_I32[0] : null;
}

/** The HARDTANH job for bounds `[lo, hi]`, or null when either is not a float32 value. */
function hardtanh(lo: number, hi: number): PointwiseJob | null {
  const [loBits, hiBits] = [exactBits(lo), exactBits(hi)];
  if (loBits === null || hiBits === null) return null;
  return (e, x, g, out, n, perChunk) => hardtanhJob(e, { x, g, out, loBits, hiBits, n, perChunk });
}

/**
 * Hardtanh in WebAssembly; same contract and bits as the reference {@link jsHardtanhForward}. Bounds
 * that are not float32 values (a `minVal` of 0.1) go to the reference, which compares in float64.
 */
export function wasmHardtanhForward(x: TypedArray, out: FloatArray, lo: number, hi: number): void {
  const job = hardtanh(lo, hi);
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || x.length < MIN_ELEMENTS || job === null) {
    jsHardtanhForward(x, out, lo, hi);
    return;
  }
  pointwise(x, null, out, job);
}

/** Hardtanh's gradient in WebAssembly; same contract and bits as the reference {@link jsHardtanhBackward}. */
export function wasmHardtanhBackward(g: FloatArray, x: TypedArray, gx: FloatArray, lo: number, hi: number): void {
  const job = hardtanh(lo, hi);
  if (!(g instanceof Float32Array) || !(x instanceof Float32Array) || !(gx instanceof Float32Array) || x.length < MIN_ELEMENTS || job === null) {
    jsHardtanhBackward(g, x, gx, lo, hi);
    return;
  }
  pointwise(x, g, gx, job);
}
