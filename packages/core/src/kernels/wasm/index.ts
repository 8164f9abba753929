/**
 * The WebAssembly SIMD kernel backend: the same {@link Kernels} as the plain-TypeScript reference,
 * computed by a BLIS-style GEMM (B packed into 16-wide panels, A read in place, a 4×16 register
 * tile) and SIMD im2col/col2im, optionally on several threads for large products.
 *
 * Operands are copied into reusable regions of the module's memory and results copied back, so
 * tensors stay ordinary GC'd typed arrays. Float64 operands (gradient checks) go to the reference
 * kernels. Results are bit-identical for every thread count (see packages/core/wasm/asc/kernels.ts).
 */
import type { Kernels } from '../backend.js';
import type { FloatArray } from '../../dtype.js';
import { gemm as jsGemm } from '../gemm.js';
import { col2im as jsCol2im, im2col as jsIm2col } from '../im2col.js';
import { ArgumentError } from '../../errors.js';
import { TILE } from './bytes.js';
import { Engine, HEAP, TMP, TMP_BYTES, align, wasmSimdSupported } from './engine.js';
import { Op, type Pool, createPool, defaultThreads } from './pool.js';

export { wasmSimdSupported } from './engine.js';

/** Threading options of the WebAssembly backend; see {@link setWasmThreads}. */
export interface WasmThreadOptions {
  /**
   * Products below this many flops (2·m·n·k) stay on the calling thread: handing work to a sleeping
   * worker costs about 60 µs. Default 4 000 000, the measured break-even on two cores.
   */
  minFlops?: number;
  /** How long an idle worker spins before it sleeps, in ms (default 2). */
  spinMs?: number;
}

const config = { threads: 0, minFlops: 4e6, spinMs: 2 };
let engine: Engine | null = null;
let pool: Pool | null = null;

/**
 * Sets how many threads the WebAssembly kernels use (1 = the calling thread only; the default is
 * two where worker threads exist and the machine has two cores, else one) and returns the previous
 * count. Results do not depend on it: every element of a product is computed by one thread in a
 * fixed order. Where threads are unavailable (browsers' main thread) any count runs on one thread.
 */
export function setWasmThreads(threads: number, options: WasmThreadOptions = {}): number {
  const prev = wasmThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ArgumentError('setWasmThreads', `threads must be a positive integer, got ${threads}`);
  }
  config.minFlops = options.minFlops ?? config.minFlops;
  config.spinMs = options.spinMs ?? config.spinMs;
  if (threads !== prev || options.spinMs !== undefined) {
    pool?.close();
    pool = null;
    engine = null; // the next call builds an engine (shared or not) to match
  }
  config.threads = threads;
  return prev;
}

/** The number of threads the WebAssembly kernels are set to use. */
export function wasmThreads(): number {
  if (config.threads === 0) config.threads = defaultThreads();
  return config.threads;
}

/** Bytes of WebAssembly memory the backend holds (0 before first use); it only grows to a peak. */
export function wasmMemoryBytes(): number {
  return engine?.byteLength ?? 0;
}

function getEngine(): Engine {
  if (engine === null) {
    const threads = wasmThreads();
    const shared = threads > 1 && typeof SharedArrayBuffer === 'function';
    engine = new Engine(shared);
    pool = shared ? createPool(engine, threads - 1, config.spinMs) : null;
  }
  return engine;
}

function isF32(x: FloatArray): x is Float32Array {
  return x instanceof Float32Array;
}

/**
 * `C[m×n] (+)= op(A)·op(B)` in WebAssembly; same contract as the reference {@link jsGemm}.
 * Float64 operands are handed to the reference.
 */
export function wasmGemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number, accumulate: boolean,
): void {
  if (!isF32(a) || !isF32(b) || !isF32(c)) {
    jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    return;
  }
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return;
  }
  const e = getEngine();
  const nr = TILE.nr;
  const panels = Math.ceil(n / nr);
  const aBytes = align(4 * m * k);
  const bBytes = align(4 * k * n);
  const cBytes = align(4 * m * n);
  e.reserve(aBytes + bBytes + cBytes + 4 * panels * nr * k);
  const aP = HEAP;
  const bP = aP + aBytes;
  const cP = bP + bBytes;
  const pP = cP + cBytes;
  const f = e.f32;
  f.set(a.subarray(aOff, aOff + m * k), aP >> 2);
  f.set(b.subarray(bOff, bOff + k * n), bP >> 2);
  if (accumulate) f.set(c.subarray(cOff, cOff + m * n), cP >> 2);
  const tb = transB ? 1 : 0;
  const ta = transA ? 1 : 0;
  const acc = accumulate ? 1 : 0;
  const x = e.exports;
  // Split rows (in whole register tiles) over the threads; each C element still sees the same
  // arithmetic, so the split never changes a bit.
  const workers = pool !== null && 2 * m * n * k >= config.minFlops ? Math.min(pool.size, Math.ceil(m / TILE.mr) - 1) : 0;
  if (workers > 0 && pool !== null) {
    const threads = workers + 1;
    const per = Math.ceil(panels / threads);
    for (let w = 1; w < threads; w++) pool.post(w - 1, Op.PackB, [tb, n, k, bP, pP, Math.min(panels, w * per), Math.min(panels, (w + 1) * per)]);
    x.packB(tb, n, k, bP, pP, 0, Math.min(panels, per));
    for (let w = 1; w < threads; w++) pool.wait(w - 1);
    const rows = Math.ceil(Math.ceil(m / TILE.mr) / threads) * TILE.mr;
    for (let w = 1; w < threads; w++) {
      pool.post(w - 1, Op.GemmRows, [ta, m, n, k, aP, pP, cP, acc, TMP + w * TMP_BYTES, Math.min(m, w * rows), Math.min(m, (w + 1) * rows)]);
    }
    x.gemmRows(ta, m, n, k, aP, pP, cP, acc, TMP, 0, Math.min(m, rows));
    for (let w = 1; w < threads; w++) pool.wait(w - 1);
  } else {
    x.packB(tb, n, k, bP, pP, 0, panels);
    x.gemmRows(ta, m, n, k, aP, pP, cP, acc, TMP, 0, m);
  }
  c.set(f.subarray(cP >> 2, (cP >> 2) + m * n), cOff);
}

/** im2col in WebAssembly; same contract as the reference {@link jsIm2col}. */
export function wasmIm2col(
  x: FloatArray, xOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  cols: FloatArray, colsOff: number,
): void {
  const rows = channels * kH * kW;
  const plane = outH * outW;
  if (!isF32(x) || !isF32(cols) || rows * plane === 0) {
    jsIm2col(x, xOff, channels, height, width, kH, kW, strideH, strideW, outH, outW, cols, colsOff);
    return;
  }
  const e = getEngine();
  const xBytes = align(4 * channels * height * width);
  e.reserve(xBytes + 4 * rows * plane);
  const f = e.f32;
  f.set(x.subarray(xOff, xOff + channels * height * width), HEAP >> 2);
  e.exports.im2col(HEAP, channels, height, width, kH, kW, strideH, strideW, outH, outW, HEAP + xBytes);
  const c0 = (HEAP + xBytes) >> 2;
  cols.set(f.subarray(c0, c0 + rows * plane), colsOff);
}

/** col2im (accumulating) in WebAssembly; same contract as the reference {@link jsCol2im}. */
export function wasmCol2im(
  cols: FloatArray, colsOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  x: FloatArray, xOff: number,
): void {
  const rows = channels * kH * kW;
  const plane = outH * outW;
  if (!isF32(x) || !isF32(cols) || rows * plane === 0) {
    jsCol2im(cols, colsOff, channels, height, width, kH, kW, strideH, strideW, outH, outW, x, xOff);
    return;
  }
  const e = getEngine();
  const size = channels * height * width;
  const xBytes = align(4 * size);
  e.reserve(xBytes + 4 * rows * plane);
  const f = e.f32;
  const c0 = (HEAP + xBytes) >> 2;
  f.set(x.subarray(xOff, xOff + size), HEAP >> 2);
  f.set(cols.subarray(colsOff, colsOff + rows * plane), c0);
  e.exports.col2im(HEAP + xBytes, channels, height, width, kH, kW, strideH, strideW, outH, outW, HEAP);
  x.set(f.subarray(HEAP >> 2, (HEAP >> 2) + size), xOff);
}

/**
 * The WebAssembly SIMD kernels (name `'wasm'`). Instantiated lazily on first use; check
 * {@link wasmSimdSupported} first, or use `useBackend('wasm')`, which does.
 */
export const wasmKernels: Kernels = { name: 'wasm', gemm: wasmGemm, im2col: wasmIm2col, col2im: wasmCol2im };

