/**
 * Matrix product with PyTorch's `matmul` semantics: 1-D operands are promoted to a row / column and
 * the extra dimension removed, and leading (batch) dimensions broadcast. The gradients call the GEMM
 * kernel with transpose flags and accumulate straight into each operand's gradient, which also sums
 * over broadcast batch dimensions.
 */
import { type FloatArray, allocateOutput, promote } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, sizeOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkFloat } from '../check.js';
import { kernels } from '../kernels/backend.js';
import { reshape } from './shape.js';

/** For each matrix of the broadcast batch, the index of the operand's own matrix. */
function batchIndex(own: readonly number[], batch: readonly number[]): Int32Array {
  const strides = broadcastStrides(own, batch);
  const count = sizeOf(batch);
  const out = new Int32Array(count);
  const idx = new Array<number>(batch.length).fill(0);
  let off = 0;
  for (let i = 0; i < count; i++) {
    out[i] = off;
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < batch[d]) break;
      off -= strides[d] * batch[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Matrix product `a · b`.
 *
 * Shape: `[..., m, k] · [..., k, n] → [broadcast(...), m, n]`; `[k] · [k, n] → [n]`;
 * `[m, k] · [k] → [m]`; `[k] · [k] → []`.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', 'a', a);
  checkFloat('matmul', 'b', b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `both arguments need at least one dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) {
    const dt = promote(a.dtype, b.dtype);
    return matmul(a.to(dt), b.to(dt));
  }
  if (a.ndim === 1 || b.ndim === 1) {
    const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
    const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
    const out = matmulND(a2, b2, a, b);
    const shape = out.shape.slice(0, -2);
    if (a.ndim > 1) shape.push(out.shape[out.ndim - 2]);
    if (b.ndim > 1) shape.push(out.shape[out.ndim - 1]);
    return reshape(out, shape);
  }
  return matmulND(a, b, a, b);
}

function matmulND(a: Tensor, b: Tensor, origA: Tensor, origB: Tensor): Tensor {
  const m = a.shape[a.ndim - 2];
  const k = a.shape[a.ndim - 1];
  const k2 = b.shape[b.ndim - 2];
  const n = b.shape[b.ndim - 1];
  if (k !== k2) {
    throw new ShapeError('matmul', `shapes ${fmtShape(origA.shape)} and ${fmtShape(origB.shape)} cannot be multiplied (inner dimensions ${k} and ${k2} differ)`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const ia = batchIndex(batchA, batch);
  const ib = batchIndex(batchB, batch);
  const count = ia.length;
  const ad = a[RAW] as FloatArray;
  const bd = b[RAW] as FloatArray;
  const out = allocateOutput(a.dtype, count * m * n) as FloatArray;
  const K = kernels();
  for (let i = 0; i < count; i++) K.gemm(false, false, m, n, k, ad, ia[i] * m * k, bd, ib[i] * k * n, out, i * m * n, false);
  return record('matmul', new Tensor(out, [...batch, m, n]), [a, b], (g) => {
    const gd = g[RAW] as FloatArray;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const d = allocateOutput(a.dtype, a.size) as FloatArray;
      for (let i = 0; i < count; i++) K.gemm(false, true, m, k, n, gd, i * m * n, bd, ib[i] * k * n, d, ia[i] * m * k, true);
      ga = new Tensor(d, a.shape);
    }
    if (b.requiresGrad) {
      const d = allocateOutput(b.dtype, b.size) as FloatArray;
      for (let i = 0; i < count; i++) K.gemm(true, false, k, n, m, ad, ia[i] * m * k, gd, i * m * n, d, ib[i] * k * n, true);
      gb = new Tensor(d, b.shape);
    }
    return [ga, gb];
  });
}
