/**
 * Optimizer updates in WebAssembly (packages/core/wasm/asc/optim.ts), bit-identical to the reference
 * loops in src/kernels/optim.ts: the same f64 operations in the same order, rounded to f32 wherever
 * the reference stores. Pinned arrays (parameters and state made by nn and optim with
 * `allocatePinned`) are updated where they lie in the module's memory; the others (the gradient) go
 * through it in segments of fixed size (the memory stays small), each segment split into chunks of
 * fixed size for the threads; with a pool, a segment's update runs on the workers while the caller
 * copies its neighbours out and in. Every element's result depends on that
 * element alone, so neither segments nor chunks nor threads change a bit (a NaN, e.g. Adam's 0/0
 * with eps 0, may come out with another sign or payload). Float64 arrays and small ones go to the
 * reference.
 */
import type { FloatArray } from '../../dtype.js';
import { type AdamStepConstants, adamStep as jsAdamStep, sgdMomentumStep as jsSgdMomentumStep } from '../optim.js';
import { type Engine, regions } from './engine.js';
import { adamJob, sgdMomentumJob } from './jobs.js';
import { begin, getEngine, overlaps } from './runtime.js';

/**
 * Elements per segment: each array's segment (512 KiB) is copied in, updated and copied out in turn.
 * The copies are most of the cost (typed-array copies into shared memory run at ~2 GB/s from large
 * arrays, ~20 GB/s between cached ones); measured, 2¹⁷ and 2¹⁸ copy fastest, smaller segments pay
 * per-copy overhead.
 */
export const SEGMENT = 1 << 17;
/** Elements per chunk (a multiple of 4): fixed, so the split never depends on the thread count. */
const CHUNK = 1 << 14;
/**
 * Below this many elements the reference is faster than copying in and out: measured (Node 20, one
 * thread), SGD breaks even at ~4096 elements (1.75 ns an element either way), Adam at ~256.
 */
const MIN_SGD = 1 << 12;
/** See {@link MIN_SGD}. */
const MIN_ADAM = 1 << 9;
/**
 * What `begin` is told an element costs, in the flops its `minFlops` threshold counts (2·10⁶ of
 * them are about 50 µs on one thread): measured, 0.7 ns an element for SGD and 2.6 ns for Adam (f64
 * √ and ÷ in the divider), so a segment goes to the pool only when its work is worth waking a worker.
 */
const SGD_WORK = 28;
/** See {@link SGD_WORK}. */
const ADAM_WORK = 104;

/**
 * Updates `n` elements segment by segment: `write(at, len)` writes the job of a segment whose
 * arrays lie at the addresses `at` (one per array of `inputs`), which {@link begin} runs with `work`
 * flops an element. A pinned array (see `allocatePinned`: parameters and optimizer state) is
 * updated where it lies; the others' segments are copied in from `inputs` into a region set and back
 * out into `outputs` (the arrays updated in place: a prefix of `inputs`). Where the job goes to the
 * pool, pipelined: segment `s` lives in set `s & 1`, and while its job runs on the workers the
 * caller (only it can copy, the workers cannot read JS arrays) copies segment `s − 1` out of the
 * other set and then segment `s + 1` into it, so the update hides behind the copies. Elsewhere
 * nothing would overlap, and each segment goes in, is updated and comes out in turn while it is
 * still in cache (measured 3 % faster on one thread than the pipeline's order).
 */
function segments(
  e: Engine, n: number, work: number, sets: readonly (readonly number[])[], inputs: readonly Float32Array[],
  outputs: readonly Float32Array[], write: (at: readonly number[], len: number) => void,
): void {
  const count = Math.ceil(n / SEGMENT);
  const pinned = inputs.map((a) => e.pinnedAddress(a));
  const pipelined = count > 1 && overlaps(SEGMENT / CHUNK, work * SEGMENT);
  const set = (s: number): readonly number[] => sets[pipelined ? s & 1 : 0];
  const length = (s: number): number => Math.min(SEGMENT, n - s * SEGMENT);
  const put = (s: number): void => {
    for (let a = 0; a < inputs.length; a++) if (pinned[a] < 0) e.put(set(s)[a], inputs[a], s * SEGMENT, length(s));
  };
  const get = (s: number): void => {
    for (let a = 0; a < outputs.length; a++) if (pinned[a] < 0) e.get(set(s)[a], length(s), outputs[a], s * SEGMENT);
  };
  const start = (s: number): (() => void) => {
    write(pinned.map((at, a) => (at >= 0 ? at + 4 * s * SEGMENT : set(s)[a])), length(s));
    return begin(e, Math.ceil(length(s) / CHUNK), work * length(s));
  };
  if (!pipelined) {
    for (let s = 0; s < count; s++) {
      put(s);
      start(s)();
      get(s);
    }
    return;
  }
  put(0);
  for (let s = 0; s < count; s++) {
    const finish = start(s);
    try {
      // Out before in: segment s + 1 goes into the set segment s − 1 still occupies.
      if (s > 0) get(s - 1);
      if (s + 1 < count) put(s + 1);
    } finally {
      // Even when a copy throws: a started job must end before the next one may start.
      finish();
    }
  }
  get(count - 1);
}

/**
 * Lays out the regions for {@link segments}: a set of `arrays` regions of one segment each (two sets
 * when `n` needs more than one segment), then `extra` bytes of parameters. Returns the sets, the
 * parameters' address and the bytes to reserve.
 */
function segmentRegions(n: number, arrays: number, extra: number): { sets: number[][]; params: number; bytes: number } {
  const count = n > SEGMENT ? 2 : 1;
  const ptrs = regions(...new Array<number>(count * arrays).fill(4 * Math.min(SEGMENT, n)), extra);
  const sets = [ptrs.slice(0, arrays), ptrs.slice(arrays, count * arrays)].slice(0, count);
  return { sets, params: ptrs[count * arrays], bytes: ptrs[count * arrays + 1] };
}

/** SGD with momentum in WebAssembly; same contract and bits as the reference {@link jsSgdMomentumStep}. */
export function wasmSgdMomentumStep(x: FloatArray, g: FloatArray, buf: FloatArray, lr: number, momentum: number, keep: number): void {
  if (!(x instanceof Float32Array) || !(g instanceof Float32Array) || !(buf instanceof Float32Array) || x.length < MIN_SGD) {
    jsSgdMomentumStep(x, g, buf, lr, momentum, keep);
    return;
  }
  sgdMomentumInModule(x, g, buf, lr, momentum, keep);
}

/** {@link wasmSgdMomentumStep} in the module whatever the size (the tests' way to reach short tails). */
export function sgdMomentumInModule(x: Float32Array, g: Float32Array, buf: Float32Array, lr: number, momentum: number, keep: number): void {
  const e = getEngine();
  const n = x.length;
  const { sets, params: paramsP, bytes } = segmentRegions(n, 3, 24);
  e.reserve(bytes);
  e.f64(paramsP, 3).set([lr, momentum, keep]);
  segments(e, n, SGD_WORK, sets, [x, buf, g], [x, buf], ([xP, bP, gP], len) => {
    sgdMomentumJob(e, { x: xP, g: gP, buf: bP, params: paramsP, n: len, perChunk: CHUNK });
  });
}

/** An Adam/AdamW step in WebAssembly; same contract and bits as the reference {@link jsAdamStep}. */
export function wasmAdamStep(x: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, k: AdamStepConstants): void {
  if (!(x instanceof Float32Array) || !(g instanceof Float32Array) || !(m instanceof Float32Array) || !(v instanceof Float32Array) || x.length < MIN_ADAM) {
    jsAdamStep(x, g, m, v, k);
    return;
  }
  adamInModule(x, g, m, v, k);
}

/** {@link wasmAdamStep} in the module whatever the size (the tests' way to reach short tails). */
export function adamInModule(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamStepConstants): void {
  const { beta1, beta2, eps, weightDecay, shrink, decoupled, stepSize, biasCorrection2Sqrt } = k;
  const e = getEngine();
  const n = x.length;
  const { sets, params: paramsP, bytes } = segmentRegions(n, 4, 72);
  e.reserve(bytes);
  // 1 − β computed here, as the reference computes it, so the module multiplies by the same doubles.
  e.f64(paramsP, 9).set([beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, shrink, stepSize, biasCorrection2Sqrt]);
  const l2 = !decoupled && weightDecay !== 0;
  segments(e, n, ADAM_WORK, sets, [x, m, v, g], [x, m, v], ([xP, mP, vP, gP], len) => {
    adamJob(e, { x: xP, g: gP, m: mP, v: vP, params: paramsP, decoupled, l2, n: len, perChunk: CHUNK });
  });
}
