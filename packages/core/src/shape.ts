/** Shape arithmetic shared by the ops: sizes, strides, dims, broadcasting. */
import { ArgumentError, ShapeError, fmtShape } from './errors.js';

/** A tensor shape. */
export type Shape = readonly number[];

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** Resolves a possibly negative `dim` against `ndim`, or throws naming `op` and `shape`. */
export function normalizeDim(op: string, dim: number, shape: Shape, extra = 0): number {
  // A 0-d tensor accepts dims 0 and -1, as in PyTorch: both name "the" (virtual) dimension.
  const lim = Math.max(shape.length + extra, 1);
  if (!Number.isInteger(dim) || dim < -lim || dim >= lim) {
    throw new ArgumentError(op, `dim ${dim} is out of range for a tensor of shape ${fmtShape(shape)} (expected ${-lim} to ${lim - 1})`);
  }
  return dim < 0 ? dim + lim : dim;
}

/** Normalises one dim, a list of dims, or undefined (all dims) into a sorted unique list. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, shape: Shape): number[] {
  if (dim === undefined) return shape.map((_, i) => i);
  if (typeof dim !== 'number' && !Array.isArray(dim)) {
    // e.g. sum(x, { dim: 1 }): PyTorch's dim is positional here, so an options object is a mistake.
    throw new ArgumentError(op, `dim must be an integer or an array of integers, got ${typeof dim === 'object' && dim !== null ? 'an object' : typeof dim} (shape ${fmtShape(shape)}); dim is the second positional argument, as in PyTorch`);
  }
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const out = [...new Set(list.map((d) => normalizeDim(op, d, shape)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ArgumentError(op, `dim ${fmtShape(list)} repeats a dimension`);
  return out;
}

/** NumPy broadcasting of two shapes, or a ShapeError naming `op` and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if it had the (broadcast) shape `target`: broadcast
 * dimensions get stride 0. `shape` must broadcast to `target`.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

/** Checks that `shape` is a list of non-negative integers, naming `op`. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ArgumentError(op, `shape ${fmtShape(shape)} must hold non-negative integers`);
  }
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
