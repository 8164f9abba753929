/**
 * Tensor factories. Random ones draw from a seeded {@link Generator} (the global one unless
 * `generator` is given), never from the unseeded built-in RNG.
 */
import { type DType, type TypedArray, allocateOutput, dtypeOf } from './dtype.js';
import { ArgumentError, fmtShape } from './errors.js';
import { type Shape, checkShape, sizeOf } from './shape.js';
import { type NestedArray, Tensor, RAW } from './tensor.js';
import { type Generator, resolveGenerator } from './random.js';
import { checkBoolean, checkDType, checkFinite, checkKnownOptions, checkNumber, fmtValue, optionNames } from './check.js';

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

/** Options of {@link normal}. */
export interface NormalOptions extends RandomOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation, `>= 0` (default 1). */
  std?: number;
}

/** Options of {@link uniform}. */
export interface UniformOptions extends RandomOptions {
  /** Lower bound, inclusive (default 0). */
  low?: number;
  /** Upper bound, exclusive (default 1). */
  high?: number;
}

const TENSOR_OPTIONS = optionNames<TensorOptions>({ dtype: true, requiresGrad: true });
const DATA_OPTIONS = optionNames<TensorDataOptions>({ dtype: true, requiresGrad: true, shape: true });
const RANDOM_OPTIONS = optionNames<RandomOptions>({ dtype: true, requiresGrad: true, generator: true });
const NORMAL_OPTIONS = optionNames<NormalOptions>({ dtype: true, requiresGrad: true, generator: true, mean: true, std: true });
const UNIFORM_OPTIONS = optionNames<UniformOptions>({ dtype: true, requiresGrad: true, generator: true, low: true, high: true });

/**
 * Rejects unknown option names and checks the options every factory shares, so `{ dtype: 'float16' }`
 * or `{ requires_grad: true }` fails here instead of making a tensor that ignores them.
 */
function checkFactoryOptions(op: string, opts: TensorOptions, known: readonly string[]): void {
  checkKnownOptions(op, opts, known);
  if (opts.dtype !== undefined) checkDType(op, 'dtype', opts.dtype);
  if (opts.requiresGrad !== undefined) checkBoolean(op, 'requiresGrad', opts.requiresGrad);
}

/** A trailing options object after optional numbers (`arange(5, { dtype })`, `eye(3, { dtype })`). */
function isOptions(v: unknown): v is TensorOptions {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
  checkFactoryOptions('tensor', opts, DATA_OPTIONS);
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
  const arr = allocateOutput(dtype, flat.length);
  arr.set(flat);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

function filled(op: string, shape: Shape, value: number, opts: TensorOptions): Tensor {
  checkFactoryOptions(op, opts, TENSOR_OPTIONS);
  checkNumber(op, 'value', value);
  checkShape(op, shape);
  const arr = allocateOutput(opts.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) arr.fill(value);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/**
 * `[start, start + step, ...)` up to `end` (exclusive); `arange(n)` is `0..n-1`. As in PyTorch the
 * options may follow any of the forms: `arange(5, { dtype: 'int32' })`, `arange(0, 1, 0.25, { ... })`.
 *
 * @example
 * sg.arange(4).toArray();               // [0, 1, 2, 3]
 * sg.arange(1, 2, 0.5).toArray();       // [1, 1.5]
 */
export function arange(end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number | undefined, step: number, opts?: TensorOptions): Tensor;
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const last = args[args.length - 1];
  const opts = isOptions(last) ? last : {};
  const nums = isOptions(last) ? args.slice(0, -1) : args;
  checkFactoryOptions('arange', opts, TENSOR_OPTIONS);
  if (nums.length > 3) throw new ArgumentError('arange', `takes at most start, end and step, got ${nums.length} numbers`);
  let start = checkFinite('arange', 'start', nums[0]);
  let end = nums[1] === undefined ? undefined : checkFinite('arange', 'end', nums[1]);
  const step = nums[2] === undefined ? 1 : checkFinite('arange', 'step', nums[2]);
  if (end === undefined) { end = start; start = 0; }
  if (step === 0) throw new ArgumentError('arange', `step must be a nonzero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const arr = allocateOutput(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return new Tensor(arr, [n], opts.requiresGrad ?? false);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkFactoryOptions('linspace', opts, TENSOR_OPTIONS);
  checkFinite('linspace', 'start', start);
  checkFinite('linspace', 'end', end);
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError('linspace', `steps must be a non-negative integer, got ${steps}`);
  const arr = allocateOutput(opts.dtype ?? 'float32', steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) arr[i] = start + i * delta;
  return new Tensor(arr, [steps], opts.requiresGrad ?? false);
}

/**
 * The `n × m` identity matrix (`m` defaults to `n`); options may follow `n` directly, as in PyTorch.
 *
 * @example
 * sg.eye(2, { dtype: 'float64' }).toArray();   // [[1, 0], [0, 1]]
 */
export function eye(n: number, opts?: TensorOptions): Tensor;
export function eye(n: number, m: number, opts?: TensorOptions): Tensor;
export function eye(n: number, mOrOpts?: number | TensorOptions, opts: TensorOptions = {}): Tensor {
  const m = isOptions(mOrOpts) ? n : mOrOpts ?? n;
  const o = isOptions(mOrOpts) ? mOrOpts : opts;
  checkFactoryOptions('eye', o, TENSOR_OPTIONS);
  const t = filled('eye', [n, m], 0, o);
  const d = t[RAW];
  for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  return t;
}

function randomFill(op: string, shape: Shape, opts: RandomOptions, known: readonly string[], draw: (g: Generator) => number): Tensor {
  checkFactoryOptions(op, opts, known);
  checkShape(op, shape);
  const g = resolveGenerator(opts.generator, op);
  const arr = allocateOutput(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = draw(g);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** Normal samples with `mean` (default 0) and `std` (default 1). */
export function normal(shape: Shape, opts: NormalOptions = {}): Tensor {
  return normalFill('normal', shape, opts, NORMAL_OPTIONS);
}

function normalFill(op: string, shape: Shape, opts: NormalOptions, known: readonly string[]): Tensor {
  checkKnownOptions(op, opts, known);
  const mean = checkFinite(op, 'mean', opts.mean ?? 0);
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new ArgumentError(op, `std must be non-negative, got ${std}`);
  checkFinite(op, 'std', std);
  return randomFill(op, shape, opts, known, (g) => mean + std * g.normal());
}

/** Uniform samples in `[low, high)` (default `[0, 1)`). */
export function uniform(shape: Shape, opts: UniformOptions = {}): Tensor {
  return uniformFill('uniform', shape, opts, UNIFORM_OPTIONS);
}

function uniformFill(op: string, shape: Shape, opts: UniformOptions, known: readonly string[]): Tensor {
  checkKnownOptions(op, opts, known);
  const low = checkFinite(op, 'low', opts.low ?? 0);
  const high = checkFinite(op, 'high', opts.high ?? 1);
  if (!(high >= low)) throw new ArgumentError(op, `high (${high}) must be >= low (${low})`);
  return randomFill(op, shape, opts, known, (g) => low + (high - low) * g.random53());
}

/** Uniform integers in `[low, high)`, int32 by default. */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  return randintFill('randint', low, high, shape, opts);
}

function randintFill(op: string, low: number, high: number, shape: Shape, opts: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(op, `expected integers low < high, got low=${fmtValue(low)}, high=${fmtValue(high)}`);
  }
  checkKnownOptions(op, opts, RANDOM_OPTIONS);
  return randomFill(op, shape, { dtype: 'int32', ...opts }, RANDOM_OPTIONS, (g) => g.randint(low, high));
}

/** Standard normal samples (PyTorch's `randn`). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return normalFill('randn', shape, opts, RANDOM_OPTIONS);
}

/** Uniform samples in [0, 1) (PyTorch's `rand`). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return uniformFill('rand', shape, opts, RANDOM_OPTIONS);
}

/** `opts` with `x`'s dtype as the default, after checking them under the `*Like` function's own name. */
function likeOpts<T extends TensorOptions>(op: string, x: Tensor, opts: T, known: readonly string[]): T {
  checkKnownOptions(op, opts, known);
  return { dtype: x.dtype, ...opts };
}

/** Zeros with the shape and dtype of `x`. */
export function zerosLike(x: Tensor, opts: TensorOptions = {}): Tensor {
  return filled('zerosLike', x.shape, 0, likeOpts('zerosLike', x, opts, TENSOR_OPTIONS));
}
/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor, opts: TensorOptions = {}): Tensor {
  return filled('onesLike', x.shape, 1, likeOpts('onesLike', x, opts, TENSOR_OPTIONS));
}
/** `value` with the shape and dtype of `x`. */
export function fullLike(x: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return filled('fullLike', x.shape, value, likeOpts('fullLike', x, opts, TENSOR_OPTIONS));
}
/** Normal samples with the shape and dtype of `x`. */
export function normalLike(x: Tensor, opts: NormalOptions = {}): Tensor {
  return normalFill('normalLike', x.shape, likeOpts('normalLike', x, opts, NORMAL_OPTIONS), NORMAL_OPTIONS);
}
/** Uniform samples with the shape and dtype of `x`. */
export function uniformLike(x: Tensor, opts: UniformOptions = {}): Tensor {
  return uniformFill('uniformLike', x.shape, likeOpts('uniformLike', x, opts, UNIFORM_OPTIONS), UNIFORM_OPTIONS);
}
/** Random integers with the shape of `x` (int32 unless `dtype` is given). */
export function randintLike(x: Tensor, low: number, high: number, opts: RandomOptions = {}): Tensor {
  return randintFill('randintLike', low, high, x.shape, opts);
}
