/**
 * Padding in NumPy's modes, each with a gradient.
 *
 * Every mode is one mechanism: for each dimension a 1-D map from output coordinate to input coordinate
 * (−1 where the constant fills in). The forward pass gathers through the maps; the backward pass
 * scatter-adds the output gradient through the same maps, so an input element copied into several
 * output cells (reflected, replicated, wrapped) receives the sum of their gradients, and constant
 * cells send none back.
 */
import { type TypedArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { type Shape, sizeOf, stridesOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkKnownOptions, optionNames } from '../check.js';

/**
 * Padding modes, PyTorch-style names with NumPy's names accepted as aliases:
 * - `'constant'`: fill with `value`;
 * - `'reflect'`: mirror about the edge element, which is not repeated (`[c b | a b c | b a]`);
 * - `'replicate'` (NumPy `'edge'`): repeat the edge element;
 * - `'symmetric'`: mirror including the edge element (`[b a | a b c | c b]`);
 * - `'circular'` (NumPy `'wrap'`): wrap around periodically.
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'symmetric' | 'circular' | 'edge' | 'wrap';

/** The five distinct modes, after resolving NumPy's aliases. */
export type CanonicalPadMode = 'constant' | 'reflect' | 'replicate' | 'symmetric' | 'circular';

/**
 * Padding widths:
 * - a number: that many on all four sides of the last two (spatial) dimensions;
 * - `[top, bottom, left, right]`: the last two dimensions;
 * - NumPy-style `[before, after]` pairs, exactly one per dimension: any dimension.
 */
export type PadWidth = number | readonly [number, number, number, number] | readonly (readonly [number, number])[];

/** Options of {@link pad}. */
export interface PadOptions {
  /** Padding mode (default `'constant'`). */ mode?: PadMode;
  /** Fill value for `'constant'` (default 0). */ value?: number;
}

const PAD_OPTIONS = optionNames<PadOptions>({ mode: true, value: true });

const CANONICAL = {
  constant: 'constant',
  reflect: 'reflect',
  replicate: 'replicate',
  symmetric: 'symmetric',
  circular: 'circular',
  edge: 'replicate',
  wrap: 'circular',
} as const satisfies Record<PadMode, CanonicalPadMode>;

/**
 * Resolves a pad mode (or NumPy alias) to its canonical name, or throws an `ArgumentError` from `op`
 * naming the argument `arg`, the valid modes and the input shape.
 *
 * @example
 * resolvePadMode('pad', 'mode', 'edge', [1, 3, 8, 8]);   // 'replicate'
 */
export function resolvePadMode(op: string, arg: string, mode: string, shape: Shape): CanonicalPadMode {
  if (typeof mode === 'string' && Object.hasOwn(CANONICAL, mode)) return CANONICAL[mode as PadMode];
  throw new ArgumentError(op, `unknown ${arg} ${JSON.stringify(mode)}; expected one of 'constant', 'reflect', 'replicate', 'symmetric', 'circular' (or NumPy's aliases 'edge', 'wrap') (input ${fmtShape(shape)})`);
}

/** Turns any accepted {@link PadWidth} into one validated `[before, after]` pair per dimension. */
function resolveWidth(width: PadWidth, shape: Shape): [number, number][] {
  const ndim = shape.length;
  const shown = JSON.stringify(width);
  let pairs: readonly (readonly number[])[];
  if (typeof width === 'number' || (Array.isArray(width) && width.length > 0 && width.every((w) => typeof w === 'number'))) {
    const sides = typeof width === 'number' ? [width, width, width, width] : (width as readonly number[]);
    if (sides.length !== 4) {
      throw new ArgumentError('pad', `width ${shown} must be a number, [top, bottom, left, right], or one [before, after] pair per dimension (input ${fmtShape(shape)})`);
    }
    if (ndim < 2) {
      throw new ShapeError('pad', `width ${shown} pads the last two dimensions, but the input has ${ndim}; pass one [before, after] pair per dimension instead (input ${fmtShape(shape)})`);
    }
    pairs = [...shape.slice(0, -2).map(() => [0, 0]), [sides[0], sides[1]], [sides[2], sides[3]]];
  } else if (Array.isArray(width) && width.every((p) => Array.isArray(p) && p.length === 2)) {
    if (width.length !== ndim) {
      throw new ShapeError('pad', `width ${shown} has ${width.length} [before, after] pair${width.length === 1 ? '' : 's'} but the input has ${ndim} dimension${ndim === 1 ? '' : 's'} (input ${fmtShape(shape)})`);
    }
    pairs = width as readonly (readonly number[])[];
  } else {
    throw new ArgumentError('pad', `width ${shown} must be a number, [top, bottom, left, right], or one [before, after] pair per dimension (input ${fmtShape(shape)})`);
  }
  for (const p of pairs) {
    for (const w of p) {
      if (!Number.isInteger(w) || w < 0) {
        throw new ArgumentError('pad', `width ${shown} must hold non-negative integers, got ${w} (input ${fmtShape(shape)})`);
      }
    }
  }
  return pairs.map((p) => [p[0], p[1]]);
}

/**
 * Fills the pad area of `map` by mirroring the way `numpy.pad` does. NumPy copies chunks no longer
 * than the region filled so far and then mirrors the grown region again, so a width beyond the
 * dimension is not a plain periodic extension when `before` ≠ `after`; replaying the same steps on
 * the index map reproduces NumPy exactly. `withEdge` is 'symmetric' (the edge element is repeated).
 */
function mirrorFill(map: Int32Array, before: number, after: number, withEdge: boolean): void {
  let lo = before;
  let hi = map.length - after;
  let left = before;
  let right = after;
  const skip = withEdge ? 0 : 1;
  while (left > 0 || right > 0) {
    const filled = hi - lo - skip;
    const cl = Math.min(filled, left);
    for (let k = 0; k < cl; k++) map[lo - 1 - k] = map[lo + skip + k];
    const cr = Math.min(filled, right);
    for (let k = 0; k < cr; k++) map[hi + k] = map[hi - 1 - skip - k];
    lo -= cl;
    left -= cl;
    hi += cr;
    right -= cr;
  }
}

/** Output → input coordinate along one dimension of size `n` (−1: constant fill). */
function indexMap(mode: CanonicalPadMode, n: number, before: number, after: number): Int32Array {
  const map = new Int32Array(before + n + after);
  for (let o = -before; o < n + after; o++) {
    let i: number;
    switch (mode) {
      case 'constant': i = o >= 0 && o < n ? o : -1; break;
      // NumPy repeats the single element when reflecting a size-1 dimension (legacy behaviour it keeps).
      case 'replicate': case 'reflect': case 'symmetric': i = Math.min(Math.max(o, 0), n - 1); break;
      // Strict periodicity, as NumPy ≥ 1.25 (older NumPy wrapped a partial period for widths > n).
      case 'circular': i = ((o % n) + n) % n; break;
      default: return mode satisfies never;
    }
    map[o + before] = i;
  }
  if ((mode === 'reflect' || mode === 'symmetric') && n > 1) mirrorFill(map, before, after, mode === 'symmetric');
  return map;
}

/**
 * Calls `row(base, o)` for each row of the output (all dims but the last): `o` is the row's offset in
 * the output, `base` the input offset of the row's source (−1 when the row lies in a constant pad).
 * `offs[d][i]` is the input offset contributed by output coordinate `i` of dim `d`, or −1.
 */
function forEachRow(offs: readonly Int32Array[], outShape: Shape, row: (base: number, o: number) => void): void {
  const nd = outShape.length;
  const inner = outShape[nd - 1];
  const rows = sizeOf(outShape.slice(0, -1));
  const idx = new Array<number>(nd - 1).fill(0);
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    let base = 0;
    for (let d = 0; d < nd - 1 && base >= 0; d++) {
      const v = offs[d][idx[d]];
      base = v < 0 ? -1 : base + v;
    }
    row(base, o);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
}

/** `out[o] = src[Σ offs[d][i_d]]`, or `fill` where any map says −1. */
function gather(src: TypedArray, offs: readonly Int32Array[], outShape: Shape, out: TypedArray, fill: number): void {
  const last = offs[offs.length - 1];
  forEachRow(offs, outShape, (base, o) => {
    if (base < 0) {
      out.fill(fill, o, o + last.length);
      return;
    }
    for (let j = 0; j < last.length; j++) {
      const v = last[j];
      out[o + j] = v < 0 ? fill : src[base + v];
    }
  });
}

/** The adjoint of {@link gather}: `dst[Σ offs[d][i_d]] += g[o]`, skipping fill cells. */
function scatterAdd(g: TypedArray, offs: readonly Int32Array[], outShape: Shape, dst: TypedArray): void {
  const last = offs[offs.length - 1];
  forEachRow(offs, outShape, (base, o) => {
    if (base < 0) return;
    for (let j = 0; j < last.length; j++) {
      const v = last[j];
      if (v >= 0) dst[base + v] += g[o + j];
    }
  });
}

/**
 * Pads `x`, with the same result as `numpy.pad` (including widths larger than the dimension, which
 * NumPy fills by reflecting or wrapping repeatedly). Every mode has a gradient: each input element
 * receives the sum of the gradients of the output cells it was copied to.
 *
 * A number or `[top, bottom, left, right]` pads the last two dimensions (so `[N, C, H, W]` images);
 * NumPy-style `[before, after]` pairs, one per dimension, pad any dimension. NumPy's `'edge'` and
 * `'wrap'` are aliases of `'replicate'` and `'circular'`. Reflecting a size-1 dimension repeats it
 * (as NumPy does); only `'constant'` can pad a size-0 dimension. All-zero widths return `x` itself.
 *
 * Shape: `[..., H, W]` → `[..., top + H + bottom, left + W + right]`; with pairs, every dimension
 * `d` grows by `before_d + after_d`.
 *
 * @example
 * const x = sg.tensor([[1, 2, 3]]);                              // [1, 3]
 * sg.pad(x, [0, 0, 2, 1], { mode: 'reflect' }).toArray();        // [[3, 2, 1, 2, 3, 2]]
 * sg.pad(x, [[1, 0], [0, 0]], { value: -1 }).toArray();          // [[-1, -1, -1], [1, 2, 3]]
 */
export function pad(x: Tensor, width: PadWidth, opts: PadOptions = {}): Tensor {
  // Also catches a positional mode (`pad(x, 1, 'reflect')`), which would otherwise pad with zeros.
  checkKnownOptions('pad', opts, PAD_OPTIONS);
  const mode = resolvePadMode('pad', 'mode', opts.mode ?? 'constant', x.shape);
  const value = opts.value ?? 0;
  if (typeof value !== 'number') {
    throw new ArgumentError('pad', `value must be a number, got ${JSON.stringify(value)} (input ${fmtShape(x.shape)})`);
  }
  const pairs = resolveWidth(width, x.shape);
  if (pairs.every(([b, a]) => b === 0 && a === 0)) return x;
  if (mode !== 'constant') {
    const d = pairs.findIndex(([b, a], i) => x.shape[i] === 0 && b + a > 0);
    if (d >= 0) {
      throw new ShapeError('pad', `mode '${mode}' cannot pad dimension ${d} of size 0 (only 'constant' can) (input ${fmtShape(x.shape)}, width ${JSON.stringify(width)})`);
    }
  }
  const outShape = x.shape.map((n, i) => pairs[i][0] + n + pairs[i][1]);
  const strides = stridesOf(x.shape);
  const offs = x.shape.map((n, d) => {
    const map = indexMap(mode, n, pairs[d][0], pairs[d][1]);
    for (let i = 0; i < map.length; i++) if (map[i] >= 0) map[i] *= strides[d];
    return map;
  });
  const out = allocateOutput(x.dtype, sizeOf(outShape));
  gather(x[RAW], offs, outShape, out, value);
  return record('pad', new Tensor(out, outShape), [x], (g) => {
    const gx = allocateOutput(g.dtype, x.size);
    scatterAdd(g[RAW], offs, outShape, gx);
    return [new Tensor(gx, x.shape)];
  });
}
