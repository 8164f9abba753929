/**
 * Reference GEMM in plain TypeScript: `C (+)= op(A) · op(B)` with `op` an optional transpose, so
 * backward passes never materialise transposes of their operands. Register-blocked over 2 rows of C
 * and 4 steps of k; B is read row by row (a transposed B is first packed into a scratch buffer).
 */
import type { FloatArray } from '../dtype.js';

let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

/** Copies B stored `[n, k]` into a reused scratch buffer as `[k, n]`. */
function packTransposed(b: FloatArray, bOff: number, n: number, k: number): FloatArray {
  let out: FloatArray;
  if (b instanceof Float64Array) {
    if (scratch64.length < n * k) scratch64 = new Float64Array(n * k);
    out = scratch64;
  } else {
    if (scratch32.length < n * k) scratch32 = new Float32Array(n * k);
    out = scratch32;
  }
  for (let j = 0; j < n; j++) {
    const src = bOff + j * k;
    for (let p = 0; p < k; p++) out[p * n + j] = b[src + p];
  }
  return out;
}

/**
 * `C[m×n] = op(A)[m×k] · op(B)[k×n]`, or `C += ...` when `accumulate`. A is stored `[m, k]`
 * (`[k, m]` when `transA`), B `[k, n]` (`[n, k]` when `transB`), C `[m, n]`, all row-major from the
 * given offsets.
 */
export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number, accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  const bb = transB ? packTransposed(b, bOff, n, k) : b;
  const bo = transB ? 0 : bOff;
  const ars = transA ? 1 : k; // stride between rows of op(A)
  const acs = transA ? m : 1; // stride between columns of op(A)
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const c0 = cOff + i * n;
    const c1 = c0 + n;
    const r0 = aOff + i * ars;
    const r1 = r0 + ars;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const q = p * acs;
      const a00 = a[r0 + q], a01 = a[r0 + q + acs], a02 = a[r0 + q + 2 * acs], a03 = a[r0 + q + 3 * acs];
      const a10 = a[r1 + q], a11 = a[r1 + q + acs], a12 = a[r1 + q + 2 * acs], a13 = a[r1 + q + 3 * acs];
      const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const x0 = bb[b0 + j], x1 = bb[b1 + j], x2 = bb[b2 + j], x3 = bb[b3 + j];
        c[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        c[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
      }
    }
    for (; p < k; p++) {
      const a0 = a[r0 + p * acs], a1 = a[r1 + p * acs];
      const b0 = bo + p * n;
      for (let j = 0; j < n; j++) {
        const x = bb[b0 + j];
        c[c0 + j] += a0 * x;
        c[c1 + j] += a1 * x;
      }
    }
  }
  if (i < m) {
    const c0 = cOff + i * n;
    const r0 = aOff + i * ars;
    for (let p = 0; p < k; p++) {
      const a0 = a[r0 + p * acs];
      const b0 = bo + p * n;
      for (let j = 0; j < n; j++) c[c0 + j] += a0 * bb[b0 + j];
    }
  }
}
