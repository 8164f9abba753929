/**
 * Tensor factories. Random ones draw from a seeded {@link Generator} (the global one unless
 * `generator` is given), never from the unseeded built-in RNG.
 */
import { type DType, type TypedArray, allocate, dtypeOf } from './dtype.js';
import { ArgumentError, fmtShape } from './errors.js';
import { type Shape, checkShape, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';
import { type Generator, resolveGenerator } from './random.js';

/** Options shared by the factories. */
export interface TensorOptions {
  /** Element type (default float32, or the typed array's own type for typed-array data). */
  dtype?: DType;
  /** Whether the new leaf tracks gradients. */
  requiresGrad?: boolean;
}

/** Options of {@link tensor}. */
export interface TensorDataOptions extends TensorOptions {
  /** Shape for flat data (a typed array or a flat number array); required for those unless 1-D. */
  shape?: Shape;
}

/** Options of the random factories. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

/**
 * Creates a tensor from a number, nested arrays, or flat data (a typed array or number array) with
 * `shape`. The data is copied. Numbers become float32 unless `dtype` says otherwise (JavaScript cannot
 * tell `1` from `1.0`); typed arrays keep their own dtype.
 *
 * @example
 * sg.tensor([[1, 2], [3, 4]]);                               // float32 [2, 2]
 * sg.tensor(new Float32Array(6), { shape: [2, 3] });
 * sg.tensor([0, 3, 1], { dtype: 'int32' });                  // class labels
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: TensorDataOptions = {}): Tensor {
  const isTyped = ArrayBuffer.isView(data);
  const dtype = opts.dtype ?? (isTyped ? dtypeOf(data as TypedArray) : 'float32');
  let shape: number[];
  let flat: ArrayLike<number>;
  if (isTyped || (opts.shape !== undefined && Array.isArray(data) && !data.some(Array.isArray))) {
    flat = data as ArrayLike<number>;
    shape = [...(opts.shape ?? [flat.length])];
  } else {
    shape = inferShape(data as NestedArray);
    const out: number[] = [];
    const walk = (v: NestedArray, dim: number): void => {
      if (dim === shape.length) {
        if (typeof v !== 'number') throw new ArgumentError('tensor', `expected a number at depth ${dim} for shape ${fmtShape(shape)}`);
        out.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[dim]) {
        throw new ArgumentError('tensor', `ragged nested array: expected length ${shape[dim]} at depth ${dim} for shape ${fmtShape(shape)}`);
      }
      for (const e of v) walk(e, dim + 1);
    };
    walk(data as NestedArray, 0);
    flat = out;
    if (opts.shape !== undefined && sizeOf(opts.shape) === out.length) shape = [...opts.shape];
  }
  checkShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new ArgumentError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${flat.length}`);
  }
  const arr = allocate(dtype, flat.length);
  arr.set(flat);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const arr = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) arr.fill(value);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** `[start, start + step, ...)` up to `end` (exclusive); `arange(n)` is `0..n-1`. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError('arange', `step must be a nonzero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const arr = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return new Tensor(arr, [n], opts.requiresGrad ?? false);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError('linspace', `steps must be a non-negative integer, got ${steps}`);
  const arr = allocate(opts.dtype ?? 'float32', steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) arr[i] = start + i * delta;
  return new Tensor(arr, [steps], opts.requiresGrad ?? false);
}

/** The `n × m` identity matrix (`m` defaults to `n`). */
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  const t = zeros([n, m], opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

function randomFill(op: string, shape: Shape, opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  checkShape(op, shape);
  const g = resolveGenerator(opts.generator);
  const arr = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = draw(g);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** Normal samples with `mean` (default 0) and `std` (default 1). */
export function normal(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new ArgumentError('normal', `std must be non-negative, got ${std}`);
  return randomFill('normal', shape, opts, (g) => mean + std * g.normal());
}

/** Uniform samples in `[low, high)` (default `[0, 1)`). */
export function uniform(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  if (!(high >= low)) throw new ArgumentError('uniform', `high (${high}) must be >= low (${low})`);
  return randomFill('uniform', shape, opts, (g) => low + (high - low) * g.random53());
}

/** Uniform integers in `[low, high)`, int32 by default. */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError('randint', `expected integers low < high, got low=${low}, high=${high}`);
  }
  return randomFill('randint', shape, { dtype: 'int32', ...opts }, (g) => g.randint(low, high));
}

/** Standard normal samples (PyTorch's `randn`). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return normal(shape, opts);
}

/** Uniform samples in [0, 1) (PyTorch's `rand`). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return uniform(shape, opts);
}

const likeOpts = <T extends TensorOptions>(x: Tensor, opts: T): T => ({ dtype: x.dtype, ...opts });

/** Zeros with the shape and dtype of `x`. */
export function zerosLike(x: Tensor, opts: TensorOptions = {}): Tensor { return zeros(x.shape, likeOpts(x, opts)); }
/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor, opts: TensorOptions = {}): Tensor { return ones(x.shape, likeOpts(x, opts)); }
/** `value` with the shape and dtype of `x`. */
export function fullLike(x: Tensor, value: number, opts: TensorOptions = {}): Tensor { return full(x.shape, value, likeOpts(x, opts)); }
/** Normal samples with the shape and dtype of `x`. */
export function normalLike(x: Tensor, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  return normal(x.shape, likeOpts(x, opts));
}
/** Uniform samples with the shape and dtype of `x`. */
export function uniformLike(x: Tensor, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  return uniform(x.shape, likeOpts(x, opts));
}
/** Random integers with the shape of `x` (int32 unless `dtype` is given). */
export function randintLike(x: Tensor, low: number, high: number, opts: RandomOptions = {}): Tensor {
  return randint(low, high, x.shape, opts);
}
