/** Elementwise kernels over typed arrays (no autograd, no shapes beyond what the loop needs). */
import type { TypedArray } from '../dtype.js';

/** A scalar binary function applied elementwise. */
export type BinaryFn = (x: number, y: number) => number;

/**
 * `out[i] = f(a[ia], b[ib])` over the row-major index space of `outShape`, where `aStrides` and
 * `bStrides` are broadcast strides (0 along broadcast dims). Same-shape and scalar operands take a
 * flat loop.
 */
export function binaryBroadcast(
  a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  outShape: readonly number[], out: TypedArray, f: BinaryFn,
): void {
  const n = out.length;
  if (n === 0) return;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const y = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], y);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0];
    for (let i = 0; i < n; i++) out[i] = f(x, b[i]);
    return;
  }
  const nd = outShape.length;
  const inner = outShape[nd - 1];
  const sa = aStrides[nd - 1];
  const sb = bStrides[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o += inner) {
    // Both operands constant along the row (e.g. a scalar broadcast to a shape): one call, one fill.
    if (sa === 0 && sb === 0) out.fill(f(a[ia], b[ib]), o, o + inner);
    else for (let j = 0; j < inner; j++) out[o + j] = f(a[ia + j * sa], b[ib + j * sb]);
    // Advance the odometer over the outer dimensions.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ia += aStrides[d];
      ib += bStrides[d];
      if (idx[d] < outShape[d]) break;
      ia -= aStrides[d] * outShape[d];
      ib -= bStrides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** `out[i] = f(x[i])`. */
export function mapUnary(x: TypedArray, out: TypedArray, f: (v: number) => number): void {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

/**
 * Sums the middle axis of `x` viewed as `[outer, n, inner]` into `out` viewed as `[outer, inner]`.
 * Accumulates in float64 registers, then stores.
 */
export function sumAxis(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * n;
      for (let k = 0; k < n; k++) s += x[base + k];
      out[o] = s;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[row + i];
    }
    out.set(acc, o * inner);
  }
}

/**
 * `out[i] = max(x[i], 0)`: +0 for x ≤ 0, NaN propagating. Dedicated loops rather than
 * {@link mapUnary}: ReLU runs over every conv output, where a closure call per element, or a branch on
 * a sign that is random half the time, costs several times the arithmetic. So the float32 loop
 * computes `(v + |v|) / 2`, exact for every float32 (and int32) value computed in float64, and
 * branches only on its result being NaN, which is predictable (the one wrong case is v = −∞).
 * Float64 data (gradient checks) takes a plain comparison, exact at the ends of its range too.
 */
export function reluForward(x: TypedArray, out: TypedArray): void {
  const n = x.length;
  if (x instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = v <= 0 ? 0 : v;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const r = (v + Math.abs(v)) * 0.5;
    out[i] = r === r ? r : v === -Infinity ? 0 : r;
  }
}

/** ReLU's gradient: `gx[i] = grad[i] · (x[i] > 0 ? 1 : 0)` (so 0 at exactly 0 and at NaN, as in PyTorch). */
export function reluBackward(grad: TypedArray, x: TypedArray, gx: TypedArray): void {
  const n = x.length;
  for (let i = 0; i < n; i++) gx[i] = grad[i] * +(x[i] > 0);
}
