/**
 * Shape ops: reshape/view, flatten, transpose, permute, squeeze/unsqueeze, expand, slicing, cat,
 * stack, gather. Tensors are always contiguous, so reshape shares data and the others copy.
 *
 * permute, slice, narrow and select are one primitive: a copy that reads the input through a view
 * (an offset and per-dimension strides, as NumPy would describe it). Its gradient writes the output
 * gradient back through the same view into zeros ({@link stridedView}).
 */
import { type TypedArray, allocateOutput, dtypeOf, promote } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { type Shape, broadcastShapes, checkShape, normalizeDim, sameShape, sizeOf, stridesOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { broadcastCopy, cast, sumTo } from './elementwise.js';

/** Normalises rest-style shape arguments: `f(2, 3)` and `f([2, 3])` both give `[2, 3]`. */
export function shapeArg(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

/**
 * The same elements with a new shape (sharing data). One dimension may be -1 and is inferred.
 *
 * Shape: `[2, 3, 4]` → `reshape(x, [6, -1])` → `[6, 4]`.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (infer !== target.lastIndexOf(-1)) throw new ArgumentError('reshape', `only one dimension can be -1, got ${fmtShape(shape)}`);
  if (infer >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError('reshape', `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`);
    }
    target[infer] = x.size / known;
  }
  checkShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new ShapeError('reshape', `shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  return record('reshape', new Tensor(x[RAW], target), [x], (g) => [reshape(g, x.shape)]);
}

/** Alias of {@link reshape}. */
export const view = reshape;

/** A copy with its own data (differentiable). */
export function clone(x: Tensor): Tensor {
  return record('clone', new Tensor(x[RAW].slice(), x.shape), [x], (g) => [g]);
}

/** Broadcasts `x` to `shape` (copying); -1 keeps a dimension. The gradient is summed back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError('expand', `cannot expand shape ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape('expand', target);
  const b = broadcastShapes('expand', x.shape, target);
  if (!sameShape(b, target)) throw new ShapeError('expand', `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  return record('expand', broadcastCopy(x, target), [x], (g) => [sumTo(g, x.shape)]);
}

/**
 * NumPy's and PyTorch's `broadcast_to`: {@link expand} under its other name (differentiable; the
 * gradient sums back over the broadcast dimensions).
 *
 * Shape: `[3, 1]` → `broadcastTo(x, [2, 3, 4])` → `[2, 3, 4]`.
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/**
 * One slicing spec per leading dimension, as in NumPy's `x[...]`: a number selects one index (and
 * drops the dimension), `null` keeps the whole dimension, `[start, end?, step?]` is a slice
 * (negative indices count from the end; `step` > 0; an omitted or `null` bound is open, so
 * `[null, null, 2]` is NumPy's `::2`).
 */
export type SliceSpec = number | null | readonly [(number | null)?, (number | null)?, (number | null)?];

// ---- strided views --------------------------------------------------------------------------

/**
 * Walks the row-major index space of `shape`, calling `row(base, i0)` once per innermost row:
 * `i0` is the row's position in a contiguous array of `shape`, `base` the position of its first
 * element in a source read with `strides` from `offset`. Rows have `shape[last]` elements, one
 * `strides[last]` apart in the source. A scalar shape is a single row of one element.
 */
function forEachRow(shape: Shape, strides: readonly number[], offset: number, row: (base: number, i0: number) => void): void {
  const nd = shape.length;
  if (nd === 0) { row(offset, 0); return; }
  const n = sizeOf(shape);
  const inner = shape[nd - 1];
  if (n === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let base = offset;
  for (let i0 = 0; i0 < n; i0 += inner) {
    row(base, i0);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** A contiguous copy of the view (`offset`, `shape`, `strides`) of `src`. */
function stridedCopy(src: TypedArray, offset: number, shape: Shape, strides: readonly number[]): TypedArray {
  const out = allocateOutput(dtypeOf(src), sizeOf(shape));
  const inner = shape[shape.length - 1] ?? 1;
  const s = strides[strides.length - 1] ?? 0;
  forEachRow(shape, strides, offset, (base, i0) => {
    for (let j = 0; j < inner; j++) out[i0 + j] = src[base + j * s];
  });
  return out;
}

/** Adds the contiguous `src` of `shape` into the view (`offset`, `shape`, `strides`) of `dst`. */
function stridedAddInto(dst: TypedArray, offset: number, shape: Shape, strides: readonly number[], src: TypedArray): void {
  const inner = shape[shape.length - 1] ?? 1;
  const s = strides[strides.length - 1] ?? 0;
  forEachRow(shape, strides, offset, (base, i0) => {
    for (let j = 0; j < inner; j++) dst[base + j * s] += src[i0 + j];
  });
}

/**
 * The view (`offset`, `shape`, `strides`) of `x`, copied into a new tensor. The gradient adds the
 * output gradient back through the same view into zeros, which for a permutation is the inverse
 * permutation and for a slice is zero-padding.
 */
function stridedView(op: string, x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const out = new Tensor(stridedCopy(x[RAW], offset, shape, strides), shape);
  return record(op, out, [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    stridedAddInto(gx, offset, shape, strides, g[RAW]);
    return [new Tensor(gx, x.shape)];
  });
}

/** Resolves a possibly negative `index` into dimension `dim` of `shape`, or throws naming `op`. */
function normalizeIndex(op: string, index: number, dim: number, shape: Shape): number {
  const size = shape[dim];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new ArgumentError(op, `index ${index} is out of range for dimension ${dim} with size ${size} (shape ${fmtShape(shape)})`);
  }
  return index < 0 ? index + size : index;
}

// ---- reshaping ------------------------------------------------------------------------------

/**
 * Flattens dims `startDim..endDim` (inclusive) into one; a scalar becomes `[1]`.
 *
 * Shape: `[N, C, H, W]` → `flatten(x, 1)` → `[N, C·H·W]`.
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.shape);
  const e = normalizeDim('flatten', endDim, x.shape);
  if (s > e) throw new ArgumentError('flatten', `startDim ${startDim} comes after endDim ${endDim} (shape ${fmtShape(x.shape)})`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/**
 * Removes dimension `dim` if it has size 1 (otherwise returns `x`, as PyTorch does), or every
 * size-1 dimension when `dim` is omitted.
 *
 * Shape: `[2, 1, 3, 1]` → `[2, 3]`; with `dim = 1` → `[2, 3, 1]`.
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normalizeDim('squeeze', dim, x.shape);
  if (x.shape[d] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/**
 * Inserts a size-1 dimension at `dim` (`-1` appends).
 *
 * Shape: `[2, 3]` → `unsqueeze(x, 1)` → `[2, 1, 3]`.
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.shape, 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

// ---- reordering and slicing -----------------------------------------------------------------

/**
 * Reorders dimensions: output dim i is input dim `dims[i]`. The gradient is the inverse permutation.
 *
 * Shape: `[N, H, W, C]` → `permute(x, [0, 3, 1, 2])` → `[N, C, H, W]`.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const norm = dims.map((d) => normalizeDim('permute', d, x.shape));
  if (norm.length !== x.ndim || new Set(norm).size !== norm.length) {
    throw new ArgumentError('permute', `dims ${fmtShape(dims)} must list each of the ${x.ndim} dimensions of the input ${fmtShape(x.shape)} exactly once`);
  }
  if (norm.every((d, i) => d === i)) return x;
  const xs = stridesOf(x.shape);
  return stridedView('permute', x, norm.map((d) => x.shape[d]), norm.map((d) => xs[d]), 0);
}

/**
 * Swaps dimensions `dim0` and `dim1`.
 *
 * Shape: `[2, 3, 4]` → `transpose(x, 0, 2)` → `[4, 3, 2]`.
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim('transpose', dim0, x.shape);
  const b = normalizeDim('transpose', dim1, x.shape);
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return x.ndim === 0 ? x : permute(x, dims);
}

/**
 * NumPy-style basic slicing: one {@link SliceSpec} per leading dimension; unspecified trailing
 * dims are kept whole. Slice bounds are clamped to the dimension as in NumPy, a number out of range
 * throws. The gradient is the output gradient placed back into zeros.
 *
 * Shape: `x` `[4, 5, 6]`, `slice(x, 1, [null, null, 2])` is `x[1, ::2]` → `[3, 6]`;
 * `slice(x, null, [-2])` is `x[:, -2:]` → `[4, 2, 6]`.
 */
export function slice(x: Tensor, ...specs: SliceSpec[]): Tensor {
  if (specs.length > x.ndim) {
    throw new ArgumentError('slice', `too many indices: ${specs.length} specs for a tensor of shape ${fmtShape(x.shape)}`);
  }
  const xs = stridesOf(x.shape);
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = 0;
  x.shape.forEach((size, d) => {
    const spec = specs[d] ?? null;
    if (typeof spec === 'number') {
      offset += normalizeIndex('slice', spec, d, x.shape) * xs[d];
    } else if (spec === null) {
      shape.push(size);
      strides.push(xs[d]);
    } else if (Array.isArray(spec)) {
      const [start, len, step] = resolveRange(spec, d, x.shape);
      offset += start * xs[d];
      shape.push(len);
      strides.push(xs[d] * step);
    } else {
      throw new ArgumentError('slice', `spec for dimension ${d} must be a number, null or [start, end, step], got ${String(spec)}`);
    }
  });
  return stridedView('slice', x, shape, strides, offset);
}

/** `[start, length, step]` of a `[start?, end?, step?]` spec against dimension `d`, clamped as NumPy does. */
function resolveRange(spec: Exclude<SliceSpec, number | null>, d: number, shape: Shape): [number, number, number] {
  const size = shape[d];
  const [start, end] = spec;
  const step = spec[2] ?? 1;
  for (const v of [start, end]) {
    if (v !== undefined && v !== null && !Number.isInteger(v)) {
      throw new ArgumentError('slice', `slice bounds must be integers, got ${v} for dimension ${d} (shape ${fmtShape(shape)})`);
    }
  }
  if (!Number.isInteger(step) || step <= 0) {
    throw new ArgumentError('slice', `step must be a positive integer, got ${step} for dimension ${d} (shape ${fmtShape(shape)})`);
  }
  const clampBound = (v: number | undefined | null, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const lo = clampBound(start, 0);
  const hi = clampBound(end, size);
  return [lo, Math.max(0, Math.ceil((hi - lo) / step)), step];
}

/**
 * `length` entries of `dim` starting at `start` (negative `start` counts from the end), as
 * PyTorch's `narrow`. Unlike {@link slice}, out-of-range bounds throw instead of clamping.
 *
 * Shape: `[4, 5]` → `narrow(x, 1, 1, 3)` → `[4, 3]`.
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.shape);
  const size = x.shape[d];
  const s = Number.isInteger(start) && start < 0 ? start + size : start;
  if (!Number.isInteger(s) || s < 0 || s > size) {
    throw new ArgumentError('narrow', `start ${start} is out of range for dimension ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  if (!Number.isInteger(length) || length < 0 || s + length > size) {
    throw new ArgumentError('narrow', `start ${start} + length ${length} exceeds dimension ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const xs = stridesOf(x.shape);
  return stridedView('narrow', x, x.shape.map((n, i) => (i === d ? length : n)), xs, s * xs[d]);
}

/**
 * Entry `index` of `dim` (negative counts from the end), removing that dimension, as PyTorch's
 * `select`.
 *
 * Shape: `[4, 5]` → `select(x, 0, -1)` → `[5]`.
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, x.shape);
  if (x.ndim === 0) throw new ArgumentError('select', 'cannot select from a 0-d tensor');
  const i = normalizeIndex('select', index, d, x.shape);
  const xs = stridesOf(x.shape);
  return stridedView('select', x, x.shape.filter((_, k) => k !== d), xs.filter((_, k) => k !== d), i * xs[d]);
}

/**
 * Reverses the order of entries along each dimension in `dims` (PyTorch's `flip`; a single number
 * is accepted for one dimension). The gradient flips the output gradient back.
 *
 * Shape: unchanged. `flip(x, [3])` mirrors `[N, C, H, W]` images left to right.
 *
 * @example
 * sg.flip(sg.tensor([[1, 2, 3], [4, 5, 6]]), [1]).toArray();   // [[3, 2, 1], [6, 5, 4]]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw new ArgumentError('flip', `dims must be a number or an array of numbers, got ${typeof dims} (input ${fmtShape(x.shape)})`);
  const norm = list.map((d) => normalizeDim('flip', d, x.shape));
  const seen = new Set<number>();
  for (const d of norm) {
    if (seen.has(d)) throw new ArgumentError('flip', `dim ${d} appears multiple times in dims ${fmtShape(list)} (input ${fmtShape(x.shape)})`);
    seen.add(d);
  }
  if (x.ndim === 0 || norm.length === 0) return clone(x);
  // A flipped dimension is read backwards: start at its last entry, step by minus its stride.
  const xs = stridesOf(x.shape);
  let offset = 0;
  const strides = xs.map((s, d) => {
    if (!seen.has(d)) return s;
    offset += (x.shape[d] - 1) * s;
    return -s;
  });
  return stridedView('flip', x, x.shape, strides, x.size === 0 ? 0 : offset);
}

// ---- indexing with index tensors ------------------------------------------------------------

function requireIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') {
    throw new DTypeError(op, `index must be int32, got ${index.dtype} (index ${fmtShape(index.shape)})`);
  }
}

function indexOutOfRange(op: string, value: number, dim: number, x: Tensor): ArgumentError {
  return new ArgumentError(op, `index ${value} is out of range for dimension ${dim} with size ${x.shape[dim]} (input ${fmtShape(x.shape)})`);
}

/**
 * `out[i][j][k] = x[i][index[i][j][k]][k]` for `dim = 1` (likewise for other dims), as PyTorch's
 * `gather`. `index` is int32 with as many dims as `x`, no larger than `x` except along `dim`.
 * The gradient scatter-adds the output gradient back to the gathered positions.
 *
 * Shape: `x` `[N, C]`, `index` `[N, 1]` → `[N, 1]` (e.g. picking each row's target logit).
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex('gather', index);
  const d = normalizeDim('gather', dim, x.shape);
  if (index.ndim !== x.ndim) {
    throw new ShapeError('gather', `index ${fmtShape(index.shape)} must have as many dimensions as input ${fmtShape(x.shape)}`);
  }
  if (x.ndim === 0) return reshape(gather(reshape(x, [1]), 0, reshape(index, [1])), []);
  x.shape.forEach((n, k) => {
    if (k !== d && index.shape[k] > n) {
      throw new ShapeError('gather', `index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dimension ${k} (only dimension ${d} may be larger)`);
    }
  });
  const xs = stridesOf(x.shape);
  const step = xs[d];
  // Stride 0 along `dim`: the walk yields the offset of everything but the gathered coordinate.
  const strides = xs.map((s, k) => (k === d ? 0 : s));
  const inner = index.shape[index.ndim - 1];
  const s = strides[strides.length - 1];
  const idx = index[RAW];
  const size = x.shape[d];
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= size) throw indexOutOfRange('gather', idx[i], d, x);
  }
  const out = allocateOutput(x.dtype, index.size);
  const xd = x[RAW];
  forEachRow(index.shape, strides, 0, (base, i0) => {
    for (let j = 0; j < inner; j++) out[i0 + j] = xd[base + j * s + idx[i0 + j] * step];
  });
  return record('gather', new Tensor(out, index.shape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    const gd = g[RAW];
    forEachRow(index.shape, strides, 0, (base, i0) => {
      for (let j = 0; j < inner; j++) gx[base + j * s + idx[i0 + j] * step] += gd[i0 + j];
    });
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * The entries of `dim` listed in the int32 vector `index` (repeats allowed), as PyTorch's
 * `index_select`. The gradient adds back into the selected entries.
 *
 * Shape: `x` `[5, 3]`, `index` `[4]` → `indexSelect(x, 0, index)` → `[4, 3]`.
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex('indexSelect', index);
  if (index.ndim > 1) throw new ShapeError('indexSelect', `index must be a vector, got index ${fmtShape(index.shape)} (input ${fmtShape(x.shape)})`);
  if (x.ndim === 0) return reshape(indexSelect(reshape(x, [1]), 0, index), index.ndim === 0 ? [] : [index.size]);
  const d = normalizeDim('indexSelect', dim, x.shape);
  const n = x.shape[d];
  const m = index.size;
  const outer = sizeOf(x.shape.slice(0, d));
  const inner = sizeOf(x.shape.slice(d + 1));
  const idx = index[RAW];
  for (let k = 0; k < m; k++) if (idx[k] < 0 || idx[k] >= n) throw indexOutOfRange('indexSelect', idx[k], d, x);
  const out = allocateOutput(x.dtype, outer * m * inner);
  const xd = x[RAW];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < m; k++) out.set(xd.subarray((o * n + idx[k]) * inner, (o * n + idx[k] + 1) * inner), (o * m + k) * inner);
  }
  const shape = x.shape.map((v, i) => (i === d ? m : v));
  return record('indexSelect', new Tensor(out, shape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    const gd = g[RAW];
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < m; k++) {
        const src = (o * m + k) * inner;
        const dst = (o * n + idx[k]) * inner;
        for (let i = 0; i < inner; i++) gx[dst + i] += gd[src + i];
      }
    }
    return [new Tensor(gx, x.shape)];
  });
}

// ---- joining --------------------------------------------------------------------------------

/**
 * Concatenates tensors along an existing dimension; sizes must match in every other dimension.
 * Mixed dtypes are promoted as in PyTorch. The gradient of each input is its slice of the output
 * gradient.
 *
 * Shape: `[2, 3]` and `[2, 5]` → `cat([a, b], 1)` → `[2, 8]`.
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('cat', 'expected a non-empty list of tensors');
  const first = tensors[0];
  if (first.ndim === 0) throw new ShapeError('cat', 'zero-dimensional tensors cannot be concatenated (tensor 0 has shape [])');
  const d = normalizeDim('cat', dim, first.shape);
  tensors.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((n, i) => i !== d && n !== first.shape[i])) {
      throw new ShapeError('cat', `tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has shape ${fmtShape(first.shape)}; sizes must match except in dimension ${d}`);
    }
  });
  const dtype = tensors.map((t) => t.dtype).reduce(promote);
  const inputs = tensors.map((t) => cast(t, dtype));
  const outer = sizeOf(first.shape.slice(0, d));
  const inner = sizeOf(first.shape.slice(d + 1));
  const total = inputs.reduce((n, t) => n + t.shape[d], 0);
  // Each input is `outer` chunks of `shape[d]·inner` elements, placed at `starts[k]` within each output row.
  const starts: number[] = [];
  let acc = 0;
  for (const t of inputs) { starts.push(acc * inner); acc += t.shape[d]; }
  const rowLen = total * inner;
  const out = allocateOutput(dtype, outer * rowLen);
  inputs.forEach((t, k) => {
    const chunk = t.shape[d] * inner;
    for (let o = 0; o < outer; o++) out.set(t[RAW].subarray(o * chunk, (o + 1) * chunk), o * rowLen + starts[k]);
  });
  const shape = first.shape.map((n, i) => (i === d ? total : n));
  return record('cat', new Tensor(out, shape), inputs, (g) => inputs.map((t, k) => {
    if (!t.requiresGrad) return null;
    const chunk = t.shape[d] * inner;
    const gt = allocateOutput(g.dtype, t.size);
    for (let o = 0; o < outer; o++) gt.set(g[RAW].subarray(o * rowLen + starts[k], o * rowLen + starts[k] + chunk), o * chunk);
    return new Tensor(gt, t.shape);
  }));
}

/**
 * Stacks equal-shaped tensors along a new dimension `dim` (which may be `ndim`, appending).
 *
 * Shape: three `[2, 3]` tensors → `stack(ts, 0)` → `[3, 2, 3]`; `stack(ts, -1)` → `[2, 3, 3]`.
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('stack', 'expected a non-empty list of tensors');
  const first = tensors[0];
  tensors.forEach((t, k) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError('stack', `tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has shape ${fmtShape(first.shape)}; all tensors must have the same shape`);
    }
  });
  const d = normalizeDim('stack', dim, first.shape, 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}
