/**
 * GEMM, im2col and col2im in WebAssembly, with the contracts of the plain-TypeScript reference
 * kernels. Operands are copied into the module's memory and results copied back, so tensors stay
 * ordinary GC'd typed arrays; float64 operands (gradient checks) go to the reference.
 */
import type { FloatArray } from '../../dtype.js';
import { gemm as jsGemm } from '../gemm.js';
import { col2im as jsCol2im, im2col as jsIm2col } from '../im2col.js';
import { TILE } from './bytes.js';
import { align, regions } from './engine.js';
import { type GemmOperands, gemmByColumns, gemmByRows } from './gemm-jobs.js';
import { getEngine, perChunk, threadSlots } from './runtime.js';

/** Chunks per thread a parallel job is cut into, so a thread that starts late still gets a share. */
const CHUNKS_PER_THREAD = 4;

/** True when every array is float32 (the only type the module computes in). */
function allF32(...xs: FloatArray[]): boolean {
  return xs.every((x) => x instanceof Float32Array);
}

/**
 * `C[m×n] (+)= op(A)·op(B)` in WebAssembly; same contract as the reference {@link jsGemm}. Split by
 * columns: each chunk packs its own 16-wide panels of op(B) and computes those columns of C, so a
 * job needs no barrier. With too few panels to share (a narrow C), B is packed first (split by
 * panels) and C then computed in row blocks.
 */
export function wasmGemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number, accumulate: boolean,
): void {
  if (!allF32(a, b, c)) {
    jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    return;
  }
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return;
  }
  const e = getEngine();
  const panels = Math.ceil(n / TILE.nr);
  const threads = threadSlots();
  const chunks = CHUNKS_PER_THREAD * threads;
  const byColumns = panels >= 2 * threads;
  const per = byColumns ? perChunk(panels, chunks) : panels;
  // Packed panels: each thread's own chunk of them by columns, else all of them once.
  const packedBytes = 4 * per * TILE.nr * k;
  const [aP, bP, cP, pP, bytes] = regions(4 * m * k, 4 * k * n, 4 * m * n, byColumns ? align(packedBytes) * threads : packedBytes);
  e.reserve(bytes);
  // A and B are read where they lie when pinned (a Linear layer's weight is), else copied in.
  const aAt = e.place(aP, a as Float32Array, aOff, m * k);
  const bAt = e.place(bP, b as Float32Array, bOff, k * n);
  // C is written where it lies when it is a whole pinned array that is not also an operand.
  const c32 = c as Float32Array;
  const cAt = cOff === 0 && c.length === m * n && c !== a && c !== b ? e.target(cP, c32) : cP;
  if (accumulate && cAt === cP) e.put(cP, c32, cOff, m * n);
  const g: GemmOperands = { transA, transB, m, n, k, a: aAt, b: bAt, c: cAt, accumulate };
  if (byColumns) gemmByColumns(e, g, per, pP, align(packedBytes));
  else gemmByRows(e, g, pP, perChunk(panels, chunks), perChunk(m, chunks, TILE.mr));
  if (cAt === cP) e.get(cP, m * n, c32, cOff);
}

/** im2col in WebAssembly; same contract as the reference {@link jsIm2col}. */
export function wasmIm2col(
  x: FloatArray, xOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  cols: FloatArray, colsOff: number, padTop = 0, padLeft = 0, dilationH = 1, dilationW = 1,
): void {
  const rows = channels * kH * kW;
  const plane = outH * outW;
  if (!allF32(x, cols) || rows * plane === 0) {
    jsIm2col(x, xOff, channels, height, width, kH, kW, strideH, strideW, outH, outW, cols, colsOff, padTop, padLeft, dilationH, dilationW);
    return;
  }
  const e = getEngine();
  const size = channels * height * width;
  const [xP, cP, bytes] = regions(4 * size, 4 * rows * plane);
  e.reserve(bytes);
  e.put(xP, x as Float32Array, xOff, size);
  e.exports.im2col(xP, channels, height, width, kH, kW, strideH, strideW, padTop, padLeft, outH, outW, cP, dilationH, dilationW);
  e.get(cP, rows * plane, cols as Float32Array, colsOff);
}

/** col2im (accumulating) in WebAssembly; same contract as the reference {@link jsCol2im}. */
export function wasmCol2im(
  cols: FloatArray, colsOff: number, channels: number, height: number, width: number,
  kH: number, kW: number, strideH: number, strideW: number, outH: number, outW: number,
  x: FloatArray, xOff: number, padTop = 0, padLeft = 0, dilationH = 1, dilationW = 1,
): void {
  const rows = channels * kH * kW;
  const plane = outH * outW;
  if (!allF32(x, cols) || rows * plane === 0) {
    jsCol2im(cols, colsOff, channels, height, width, kH, kW, strideH, strideW, outH, outW, x, xOff, padTop, padLeft, dilationH, dilationW);
    return;
  }
  const e = getEngine();
  const size = channels * height * width;
  const [xP, cP, bytes] = regions(4 * size, 4 * rows * plane);
  e.reserve(bytes);
  e.put(xP, x as Float32Array, xOff, size);
  e.put(cP, cols as Float32Array, colsOff, rows * plane);
  e.exports.col2im(cP, channels, height, width, kH, kW, strideH, strideW, padTop, padLeft, outH, outW, xP, dilationH, dilationW);
  e.get(xP, size, x as Float32Array, xOff);
}
