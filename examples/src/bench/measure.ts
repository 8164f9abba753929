/** Timing: medians of repeated runs after warm-up, sized to a time budget; GEMM GFLOP/s; free cores. */
import { Worker } from 'node:worker_threads';
import * as sg from '@simplegrad/core';

/** How long to measure each configuration. */
export interface Budget {
  /** Untimed runs first (JIT, memory growth, worker start-up). */
  warmup: number;
  /** Timed runs: at least `minReps`, at most `maxReps`, else as many as fit in `seconds`. */
  minReps: number;
  maxReps: number;
  seconds: number;
  /** A configuration whose first run takes longer than this is timed once more, and that is its result. */
  slowSeconds: number;
}

/** The default budget, and the `--quick` one. */
export const BUDGETS: Record<'full' | 'quick', Budget> = {
  full: { warmup: 3, minReps: 3, maxReps: 30, seconds: 3, slowSeconds: 5 },
  quick: { warmup: 1, minReps: 2, maxReps: 5, seconds: 0.6, slowSeconds: 2 },
};

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Milliseconds one call of `step` takes. */
function once(step: () => void): number {
  const t = performance.now();
  step();
  return performance.now() - t;
}

/**
 * Milliseconds per call of `step`: the median of timed runs after `warmup` untimed ones (at least
 * one), as many as fit in the budget, so slow configurations stay short; one that is very slow
 * (`slowSeconds`) is timed just once after its warm-up.
 */
export function timeMs(step: () => void, budget: Budget): number {
  if (once(step) > budget.slowSeconds * 1000) return once(step);
  for (let i = 1; i < budget.warmup; i++) step();
  const times: number[] = [];
  const t0 = performance.now();
  do times.push(once(step));
  while (times.length < budget.maxReps && (times.length < budget.minReps || performance.now() - t0 < budget.seconds * 1000));
  return median(times);
}

/** The GEMM shapes a W2 training step runs, per image for the convolutions: `[label, transA, transB, m, n, k]`. */
export const W2_GEMMS: [string, boolean, boolean, number, number, number][] = [
  ['conv2 fwd W·cols', false, false, 64, 576, 288],
  ['conv2 dx Wᵀ·g', true, false, 288, 576, 64],
  ['conv2 dW cols·gᵀ', false, true, 288, 64, 576],
  ['conv1 fwd W·cols', false, false, 32, 676, 9],
  ['fc1 fwd x·Wᵀ', false, true, 64, 128, 9216],
  ['fc1 dx g·W', false, false, 64, 9216, 128],
  ['fc1 dW gᵀ·x', true, false, 128, 9216, 64],
];

/** GFLOP/s of the active kernels' GEMM on one shape (operands reused, so copies into wasm are included). */
export function gemmGflops(tA: boolean, tB: boolean, m: number, n: number, k: number, budget: Budget): number {
  sg.manualSeed(1);
  const a = sg.uniform([m * k]).data as Float32Array;
  const b = sg.uniform([k * n]).data as Float32Array;
  const c = new Float32Array(m * n);
  const K = sg.kernels();
  // Repeat the call so one timed run lasts about 5 ms: single calls are too short to time alone.
  const inner = Math.max(1, Math.ceil(2e8 / (2 * m * n * k)));
  const ms = timeMs(() => {
    for (let r = 0; r < inner; r++) K.gemm(tA, tB, m, n, k, a, 0, b, 0, c, 0, false);
  }, { ...budget, seconds: budget.seconds / 3 });
  return (2 * m * n * k * inner) / (ms * 1e6);
}

/**
 * Runs the active kernels for `ms` milliseconds, untimed: after switching backends or thread counts,
 * so worker threads have booted and V8 has optimised the module before anything is timed.
 */
export function settle(ms = 200): void {
  const a = new Float32Array(128 * 128).fill(0.5);
  const c = new Float32Array(128 * 128);
  const K = sg.kernels();
  const t = performance.now();
  while (performance.now() - t < ms) K.gemm(false, false, 128, 128, 128, a, 0, a, 0, c, 0, false);
}

/** A fixed amount of scalar work for one worker thread (about 0.3 s on an idle core). */
const SPIN_SOURCE = `
const { parentPort } = require('node:worker_threads');
let x = 0;
const t = performance.now();
for (let i = 0; i < 1e8; i++) x = (x * 1.0000001 + 1e-9) % 7;
parentPort.postMessage(performance.now() - t + x * 0);
`;

/** Milliseconds until `n` workers running {@link SPIN_SOURCE} at once have all finished. */
async function spin(n: number): Promise<number> {
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(SPIN_SOURCE, { eval: true });
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.once('error', reject);
  })));
  return performance.now() - t;
}

/**
 * How many cores this process can use right now: twice the time of one spinning worker over the
 * time of two at once (≈ 2 on an idle two-core machine, ≈ 1 when another job holds a core). Printed
 * with the results, since two-thread numbers mean little when the second core is taken.
 */
export async function parallelCapacity(): Promise<number> {
  const one = await spin(1);
  const two = await spin(2);
  return (2 * one) / two;
}

/** Typed arrays constructed and their bytes, per call of a step: see {@link countAllocations}. */
export interface Allocations {
  arrays: number;
  bytes: number;
}

/**
 * Counts the float32/float64/int32 arrays (and their bytes) that `steps` calls of `step` construct,
 * per call: `new Float32Array(n)` and friends (not views over an existing buffer), and copies by `slice`. Works by wrapping the global
 * constructors in counting proxies (`instanceof` keeps working through them) and the typed arrays'
 * `slice` for the duration, which deoptimises the code it touches: never time while counting.
 */
export function countAllocations(step: () => void, steps: number): Allocations {
  const g = globalThis as unknown as Record<string, unknown>;
  const names = ['Float32Array', 'Float64Array', 'Int32Array'] as const;
  const originals = names.map((n) => g[n] as new (...a: unknown[]) => ArrayBufferView);
  const typedArrayProto = Object.getPrototypeOf(Float32Array.prototype) as { slice: (this: ArrayBufferView, ...a: unknown[]) => ArrayBufferView };
  const slice = typedArrayProto.slice;
  let arrays = 0;
  let bytes = 0;
  const count = (a: ArrayBufferView): void => {
    arrays++;
    bytes += a.byteLength;
  };
  names.forEach((n, i) => {
    g[n] = new Proxy(originals[i], {
      construct(target, args, newTarget) {
        const a = Reflect.construct(target, args, newTarget) as ArrayBufferView;
        // A view over an existing buffer allocates no memory: not counted.
        if (!(args[0] instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && args[0] instanceof SharedArrayBuffer))) count(a);
        return a;
      },
    });
  });
  typedArrayProto.slice = function countedSlice(this: ArrayBufferView, ...args: unknown[]) {
    const a = slice.apply(this, args);
    count(a);
    return a;
  };
  try {
    for (let i = 0; i < steps; i++) step();
  } finally {
    names.forEach((n, i) => { g[n] = originals[i]; });
    typedArrayProto.slice = slice;
  }
  return { arrays: arrays / steps, bytes: bytes / steps };
}

/**
 * Lets the event loop turn. A collected model's pinned parameters give their blocks back to the
 * engine, and an engine replaced by a thread-count switch lets go of its memory, only in a
 * FinalizationRegistry callback, which runs between tasks: a benchmark that never yielded kept
 * every earlier configuration's engine (110–125 MB each) alive to its end.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
