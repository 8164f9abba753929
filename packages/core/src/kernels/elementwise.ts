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

/** The four arithmetic ops that have closure-free kernels ({@link arithBroadcast}). */
export type ArithOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * `out[o + j] = a[ia + j·sa] op b[ib + j·sb]` for `j < len`: one run of {@link arithBroadcast}, with
 * strides 0 (a broadcast operand) or 1. One loop per op, so the arithmetic is inline instead of a
 * closure call per element (which V8 cannot inline once several ops share the call site).
 */
function arithRun(
  op: ArithOp, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, out: TypedArray, o: number, len: number,
): void {
  if (sa === 1 && sb === 1 && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    arithRunF32(op, a, ia, b, ib, out, o, len);
    return;
  }
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * sa] + b[ib + j * sb]; return;
    case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * sa] - b[ib + j * sb]; return;
    case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * sa] * b[ib + j * sb]; return;
    case 'div': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * sa] / b[ib + j * sb]; return;
    default: op satisfies never;
  }
}

/**
 * {@link arithRun} for two contiguous float32 runs (same-shape tensors, the residual adds of a
 * ResNet): loops that only ever see Float32Arrays, so V8 compiles their element accesses for that
 * one type instead of the general loop's check for every typed-array kind (measured on 131 072
 * elements: 0.86 ms → 0.67 ms). The same arithmetic, so the same bits.
 */
function arithRunF32(op: ArithOp, a: Float32Array, ia: number, b: Float32Array, ib: number, out: Float32Array, o: number, len: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ia + j] + b[ib + j]; return;
    case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ia + j] - b[ib + j]; return;
    case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ia + j] * b[ib + j]; return;
    case 'div': for (let j = 0; j < len; j++) out[o + j] = a[ia + j] / b[ib + j]; return;
    default: op satisfies never;
  }
}

/**
 * `out = a op b` with broadcasting (same contract as {@link binaryBroadcast}, for `+ − × ÷`), without
 * a per-element closure. Dimensions of size 1 are dropped and neighbours that both operands read
 * contiguously (or both broadcast) are merged, so the common cases become few long runs: same
 * shapes and scalars are one run, a per-channel `[1, C, 1, 1]` operand against `[N, C, H, W]` is
 * `N·C` runs of `H·W` with that operand constant, a bias row `[C]` against `[N, C]` is `N` runs.
 */
export function arithBroadcast(
  op: ArithOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  outShape: readonly number[], out: TypedArray,
): void {
  if (out.length === 0) return;
  const size: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    if (outShape[d] === 1) continue;
    const k = size.length - 1;
    if (k >= 0 && sa[k] === aStrides[d] * outShape[d] && sb[k] === bStrides[d] * outShape[d]) {
      size[k] *= outShape[d];
      sa[k] = aStrides[d];
      sb[k] = bStrides[d];
    } else {
      size.push(outShape[d]);
      sa.push(aStrides[d]);
      sb.push(bStrides[d]);
    }
  }
  const nd = size.length;
  if (nd === 0) {
    arithRun(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  const inner = size[nd - 1];
  const ja = sa[nd - 1];
  const jb = sb[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < out.length; o += inner) {
    arithRun(op, a, ia, ja, b, ib, jb, out, o, inner);
    // Advance the odometer over the outer (merged) dimensions.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < size[d]) break;
      ia -= sa[d] * size[d];
      ib -= sb[d] * size[d];
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
 * `out[i] = a[i] + b[i]` over arrays of one length (a same-shape add: a ResNet's residual sums, a
 * gradient accumulated into another); `out` may be `a` or `b`. Float32 arrays take a loop that only
 * ever sees them (see {@link arithRunF32}); any other mix the general one, which rounds to `out`'s type.
 */
export function add(a: TypedArray, b: TypedArray, out: TypedArray): void {
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) arithRunF32('add', a, 0, b, 0, out, 0, out.length);
  else arithRun('add', a, 0, 1, b, 0, 1, out, 0, out.length);
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
