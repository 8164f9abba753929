/**
 * The Tensor: a contiguous row-major typed array with a shape, a dtype and (optionally) a place in
 * the autograd graph. Every op is a function in `ops/` and, for convenience, a chainable method here
 * that delegates to it.
 */
import { type DType, type FloatArray, type TypedArray, allocateOutput, dtypeOf } from './dtype.js';
import { recycle } from './recycle.js';
import { isPinned, pinFloat32, unpin } from './pinned.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from './errors.js';
import { type Shape, sizeOf } from './shape.js';
import { type BackwardOptions, type GradNode, runBackward } from './autograd.js';
import { ReleasedError, connectScopes, inScope, noteTensor } from './tidy.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as sh from './ops/shape.js';
import * as act from './ops/activation.js';
import { matmul } from './ops/matmul.js';
import { dropout, type DropoutOptions } from './ops/dropout.js';
import { pad, type PadOptions, type PadWidth } from './ops/pad.js';
import { conv2d, type Conv2dOptions } from './ops/conv.js';
import { convTranspose2d, type ConvTranspose2dOptions } from './ops/conv-transpose.js';
import { avgPool2d, maxPool2d, type AvgPool2dOptions, type PoolOptions } from './ops/pool.js';
import { dropout2d } from './ops/dropout.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, type AdaptiveSize } from './ops/adaptive-pool.js';
import { interpolate, type InterpolateOptions } from './ops/interpolate.js';
import { groupNorm, layerNorm, type NormOptions } from './ops/norm.js';
import { topk, oneHot, type TopkOptions, type TopkResult } from './ops/index-ops.js';

/** A number, or nested arrays of numbers (as `toArray()` returns and `tensor()` accepts). */
export type NestedArray = number | NestedArray[];

/** A tensor operand: a plain number is accepted wherever a tensor is. */
export type TensorLike = Tensor | number;

/** Reads `t`'s gradient without handing it out (see {@link readGrad}). */
let gradSlot: (t: Tensor) => Tensor | null;
/** Sets `t`'s gradient to a tensor only simplegrad holds (autograd's accumulation into a leaf). */
export let adoptGrad: (t: Tensor, g: Tensor | null) => void;
/** Sets `t`'s gradient to null; returns the old one if nothing outside simplegrad may hold it, else null. */
let takeGrad: (t: Tensor) => Tensor | null;
/** Sets `t`'s spare gradient memory (see {@link gradStorage}); returns the one it had. */
let spareGrad: (t: Tensor, spare: Float32Array | null) => Float32Array | null;

/**
 * The key of `t[RAW]`: `t.data` for simplegrad's own code, which uses the array within the call (or
 * in its graph, whose lifetime a `tidy` scope respects). Unlike reading `data`, it does not hand the
 * array out, so a scope may reuse its memory; it throws a `ReleasedError` for a released tensor, as
 * `data` does. Not exported from the package.
 */
export const RAW: unique symbol = Symbol('simplegrad.raw');

/**
 * `t.grad` for code that uses it within the call and keeps no reference to it (or its data): an
 * optimizer's step, gradient clipping, `zeroGrad` with `setToNone: false`. Unlike reading
 * `t.grad`, this does not hand the gradient out, so {@link releaseGrad} may still reuse its memory.
 *
 * @example
 * const g = sg.readGrad(p);            // in a custom optimizer's step
 * if (g !== null) for (let i = 0; i < g.size; i++) p.data[i] -= lr * g.data[i];
 */
export function readGrad(t: Tensor): Tensor | null {
  return gradSlot(t);
}

/**
 * Sets `t.grad` to null, as `zeroGrad()` does (PyTorch's `set_to_none`), and gives the gradient's
 * memory back for reuse by later allocations when nothing outside simplegrad can reach it: nobody
 * read `t.grad` since backward made it (or assigned it). A gradient someone read stays theirs,
 * untouched.
 *
 * @example
 * for (const p of model.parameters()) sg.releaseGrad(p);   // what model.zeroGrad() does
 */
export function releaseGrad(t: Tensor): void {
  const g = takeGrad(t);
  if (g === null) return;
  // A pinned parameter's gradient stays pinned, as its own (see gradStorage): a plain one (where
  // pinned storage ran out) is left to the collector, since nothing of its length is likely to be
  // allocated again. Where the kernels cannot pin (the js backend) it goes back as any other.
  const a = g[RAW];
  if (isPinned(t[RAW]) && a instanceof Float32Array) {
    const spare = isPinned(a) ? a : pinFloat32(t.size);
    if (spare !== null) {
      spareGrad(t, spare);
      return;
    }
  }
  // Any other goes back for reuse: a pinned one (a plain parameter's, made in a `tidy` scope) to
  // the kernels' storage, a plain one to the pool.
  giveBack(a);
}

/** Gives an array nothing will use again back for reuse: a pinned one to its kernels, any other to `allocate`'s pool. */
function giveBack(a: TypedArray): void {
  if (isPinned(a)) unpin(a);
  else recycle(a);
}

/**
 * Memory for the gradient of `t` that a built-in op's backward computes with a kernel (a weight's,
 * a bias's), which overwrites every element: the kernels' contract for gradient outputs. A pinned
 * parameter (see `allocatePinned`) gets its gradient in pinned storage too, so an optimizer's
 * kernels read it where it lies instead of copying it in each step (42.6 MB a ResNet-18 step), and
 * {@link releaseGrad} keeps that memory for the next steps' gradients, which this hands back holding
 * the last step's values (not zero-filled again: the kernel overwrites them). Anything else gets
 * `allocateOutput`'s zero-filled array.
 */
export function gradStorage(t: Tensor): FloatArray {
  const spare = spareGrad(t, null);
  if (spare !== null && spare.length === t.size && t.dtype === 'float32') return spare;
  // A pinned parameter's first gradient is pinned too, for as long as the parameter lives (not a
  // scope's).
  return (isPinned(t[RAW]) && t.dtype === 'float32' ? pinFloat32(t.size) : null) ?? allocateOutput(t.dtype, t.size) as FloatArray;
}

/**
 * An n-dimensional array with autograd.
 *
 * Build tensors with the factories (`tensor`, `zeros`, `normal`, ...). The constructor wraps an
 * existing typed array without copying.
 *
 * @example
 * const w = sg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * w.mul(w).sum().backward();
 * w.grad!.toArray();   // [[2, 4], [6, 8]]
 */
export class Tensor {
  /** Dimensions, outermost first. A scalar has shape `[]`. */
  readonly shape: readonly number[];
  /** Element type, derived from the typed array. */
  readonly dtype: DType;
  /** See {@link Tensor.data}. */
  #data: TypedArray;
  /** Whether `data` was read or assigned: code outside simplegrad may hold the array (see `tidy`). */
  #exposed = false;
  /** Whether a `tidy` scope released this tensor: any use throws. */
  #released = false;
  /** Whether this tensor is (or was) some tensor's gradient: a `tidy` scope keeps it. */
  #isGrad = false;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad: boolean;
  /** See {@link Tensor.grad}. */
  #grad: Tensor | null = null;
  /** Whether code outside simplegrad may hold {@link Tensor.grad}'s tensor: it read or assigned it. */
  #gradLent = false;
  /** Pinned memory for this pinned tensor's next gradient, kept by {@link releaseGrad} (see {@link gradStorage}). */
  #spareGrad: Float32Array | null = null;
  /** The op that produced this tensor, or null for leaves. */
  gradFn: GradNode | null = null;
  /** Whether a non-leaf keeps its gradient in `.grad` during backward (see {@link Tensor.retainGrad}). */
  retainsGrad = false;
  /** See {@link Tensor.version}; a box, so that `detach()` (which shares the data) shares the count too. */
  private versionBox = { n: 0 };

  /**
   * Wraps `data` (not copied) as a tensor of `shape`. `data` must be a Float32Array, Float64Array
   * or Int32Array (its type is the dtype), and `shape` non-negative integers whose product is its
   * length.
   */
  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      const raw: unknown = data;
      const kind = ArrayBuffer.isView(raw) ? raw.constructor.name : raw === null ? 'null' : typeof raw;
      throw new DTypeError('Tensor', `data must be a Float32Array, Float64Array or Int32Array (float32, float64, int32), got ${kind}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      throw new ArgumentError('Tensor', `shape must be an array of non-negative integers, got ${Array.isArray(shape) ? fmtShape(shape.slice(0, 16)) : typeof shape}`);
    }
    if (sizeOf(shape) !== data.length) {
      throw new ArgumentError('Tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${data.length}`);
    }
    this.#data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    if (requiresGrad && this.dtype === 'int32') {
      throw new DTypeError('Tensor', 'only floating-point tensors can require gradients (got int32)');
    }
    this.requiresGrad = requiresGrad;
    if (inScope()) noteTensor(this);
  }

  /**
   * The elements, contiguous and row-major. Mutating it changes the tensor (optimizers do). It may
   * be a view into a larger buffer: a layer's parameters live in pinned storage (`allocatePinned`),
   * and so do a `tidy` scope's bigger results on the wasm backend, so read raw bytes through
   * `byteOffset`/`byteLength`, not the whole `buffer`, and `slice()` it to post it to another
   * thread. Reading it hands the array out: a `tidy` scope never reuses an array someone read.
   * Throws a `ReleasedError` once a `tidy` scope released the tensor.
   */
  get data(): TypedArray {
    if (this.#released) throw this.#releasedError();
    this.#exposed = true;
    return this.#data;
  }

  /**
   * Replaces the elements with `v`, an array of the tensor's dtype and size (the array stays the
   * caller's: see the getter). Anything else is an error, not a tensor whose shape lies.
   */
  set data(v: TypedArray) {
    if (this.#released) throw this.#releasedError();
    const raw: unknown = v;
    if (!(raw instanceof Float32Array || raw instanceof Float64Array || raw instanceof Int32Array) || dtypeOf(raw) !== this.dtype) {
      const kind = ArrayBuffer.isView(raw) ? raw.constructor.name : raw === null ? 'null' : typeof raw;
      throw new DTypeError('Tensor.data', `must be a ${this.#data.constructor.name} (the tensor's dtype is ${this.dtype}), got ${kind}`);
    }
    if (raw.length !== this.#data.length) {
      throw new ShapeError('Tensor.data', `shape ${fmtShape(this.shape)} needs ${this.#data.length} elements, got an array of ${raw.length}`);
    }
    this.#data = raw;
    this.#exposed = true;
  }

  /** The elements without handing them out (see {@link RAW}). */
  get [RAW](): TypedArray {
    if (this.#released) throw this.#releasedError();
    return this.#data;
  }

  /** Whether a `tidy` scope released this tensor (any use of it then throws a `ReleasedError`). */
  get released(): boolean {
    return this.#released;
  }

  #releasedError(): ReleasedError {
    return new ReleasedError('Tensor', `this tensor of shape ${fmtShape(this.shape)} was released when the tidy scope that made it ended; return it from the scope's function or pass it to keep() to use it afterwards`);
  }

  /**
   * The accumulated gradient of a leaf after `backward()`, or null. Reading it hands the tensor out:
   * it is then the reader's, and `zeroGrad` drops it as it is. A gradient nobody read is released
   * by `zeroGrad` for reuse ({@link releaseGrad}), so a training loop that does not look at its
   * gradients allocates no new memory for them each step.
   */
  get grad(): Tensor | null {
    this.#gradLent = true;
    return this.#grad;
  }

  /** Sets the gradient (the tensor stays the caller's: `zeroGrad` never reuses its memory). */
  set grad(g: Tensor | null) {
    if (g !== null) g.#isGrad = true;
    this.#grad = g;
    this.#gradLent = true;
  }

  static {
    gradSlot = (t) => t.#grad;
    adoptGrad = (t, g) => {
      if (g !== null) g.#isGrad = true;
      t.#grad = g;
      t.#gradLent = false;
    };
    connectScopes<Tensor>({
      storage: (t) => t.#data,
      exposed: (t) => t.#exposed,
      release: (t) => {
        t.#released = true;
      },
      exempt: (t) => t.#isGrad || (t.requiresGrad && t.gradFn === null),
      liveGraph: (t) => t.gradFn !== null && t.gradFn.backward !== null,
      isTensor: (v): v is Tensor => v instanceof Tensor,
      owner: (a) => (isPinned(a) ? a : a.buffer),
      pin: (n) => pinFloat32(n, true),
    }, giveBack);
    takeGrad = (t) => {
      const g = t.#grad;
      t.#grad = null;
      return t.#gradLent ? null : g;
    };
    spareGrad = (t, spare) => {
      const old = t.#spareGrad;
      t.#spareGrad = spare;
      return old;
    };
  }

  /** Number of dimensions. */
  get ndim(): number { return this.shape.length; }
  /** Number of elements. */
  get size(): number { return this[RAW].length; }
  /** Number of elements (PyTorch's name). */
  numel(): number { return this[RAW].length; }
  /** True when this tensor was not produced by a recorded op. */
  get isLeaf(): boolean { return this.gradFn === null; }

  /**
   * How many times the library changed this tensor's data in place (PyTorch's `_version`):
   * optimizer steps, `init` fills and `loadStateDict` bump it. A graph remembers the versions of
   * its ops' inputs, and backward refuses to run once one of them moved, since the gradient would
   * be computed from the new values. Code that writes into `data` itself should call
   * {@link Tensor.bumpVersion} for the same protection.
   *
   * @example
   * const w = sg.ones([2], { requiresGrad: true });
   * const loss = w.mul(w).sum();
   * w.data.fill(3); w.bumpVersion();
   * loss.backward();   // AutogradError: ... modified in place ...
   */
  get version(): number { return this.versionBox.n; }

  /** Records an in-place change of `data` (see {@link Tensor.version}). Returns this tensor. */
  bumpVersion(): this { this.versionBox.n++; return this; }

  /** The value of a one-element tensor. */
  item(): number {
    if (this[RAW].length !== 1) throw new ArgumentError('item', `only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this[RAW][0];
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const d = this[RAW];
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return d[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor {
    const t = new Tensor(this[RAW], this.shape);
    t.versionBox = this.versionBox;
    return t;
  }

  /** A copy with its own data (differentiable). */
  clone(): Tensor { return sh.clone(this); }

  /** This tensor converted to `dtype` (differentiable between float dtypes). */
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  /** Converts to float32. */
  float(): Tensor { return this.to('float32'); }
  /** Converts to float64. */
  double(): Tensor { return this.to('float64'); }
  /** Converts to int32 (truncating toward zero). */
  int(): Tensor { return this.to('int32'); }

  /** Sets `requiresGrad` in place and returns this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(value = true): this {
    if (value && this.dtype === 'int32') throw new DTypeError('requiresGrad_', 'only floating-point tensors can require gradients (got int32)');
    this.requiresGrad = value;
    return this;
  }

  /** Makes a non-leaf keep its gradient in `.grad` during backward. */
  retainGrad(): this { this.retainsGrad = true; return this; }

  /**
   * Backpropagates from this tensor. Without `grad` the tensor must have one element. Gradients are
   * accumulated into the `.grad` of every leaf that requires one; the graph is then freed unless
   * `retainGraph` is set. The options may also come first: `loss.backward({ retainGraph: true })`.
   */
  backward(grad?: Tensor | BackwardOptions, opts?: BackwardOptions): void { runBackward(this, grad, opts); }

  /** A short description with the values, e.g. `tensor([1, 2], shape=[2], dtype=float32)`. */
  toString(): string {
    const body = this.size > 1000 ? `${this.size} elements` : JSON.stringify(this.toArray());
    return `tensor(${body}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- arithmetic (ops/elementwise.ts) -------------------------------------------------------
  /** `this + other` with broadcasting. */
  add(other: TensorLike): Tensor { return ew.add(this, other); }
  /** `this - other` with broadcasting. */
  sub(other: TensorLike): Tensor { return ew.sub(this, other); }
  /** `this * other` with broadcasting. */
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  /** `this / other` with broadcasting. */
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  /** `this ** exponent` with broadcasting. */
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  /** Elementwise maximum with broadcasting. */
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  /** Elementwise minimum with broadcasting. */
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  /** `-this`. */
  neg(): Tensor { return ew.neg(this); }
  /** `e ** this`. */
  exp(): Tensor { return ew.exp(this); }
  /** Natural logarithm. */
  log(): Tensor { return ew.log(this); }
  /** Square root. */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** Absolute value. */
  abs(): Tensor { return ew.abs(this); }
  /** Clamps into `[min, max]` (either bound may be omitted). */
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  /** `this == other` as 0/1 (float32, or the float dtype of the operands). */
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  /** `this != other` as 0/1. */
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  /** `this < other` as 0/1. */
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  /** `this <= other` as 0/1. */
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  /** `this > other` as 0/1. */
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  /** `this >= other` as 0/1. */
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }

  // ---- reductions (ops/reduce.ts) ------------------------------------------------------------
  /** Sum over `dim` (all dims when omitted). */
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  /** Mean over `dim` (all dims when omitted). */
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  /** Maximum values over `dim` (all dims when omitted). */
  max(dim?: number, keepdim = false): Tensor { return red.max(this, dim, keepdim); }
  /** Minimum values over `dim` (all dims when omitted). */
  min(dim?: number, keepdim = false): Tensor { return red.min(this, dim, keepdim); }
  /** Index of the maximum over `dim` (of the flattened tensor when omitted), int32. */
  argmax(dim?: number, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  /** Index of the minimum over `dim` (of the flattened tensor when omitted), int32. */
  argmin(dim?: number, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }
  /** Variance over `dim` with Bessel's correction by default. */
  var(dim?: number | readonly number[], keepdim = false, opts?: red.VarOptions): Tensor { return red.variance(this, dim, keepdim, opts); }
  /** `log(sum(exp(x)))` over `dim`, computed stably. */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }

  // ---- shape (ops/shape.ts) ------------------------------------------------------------------
  /** The same data with a new shape; one dimension may be -1. Accepts `reshape(2, 3)` or `reshape([2, 3])`. */
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, sh.shapeArg(shape)); }
  /** Alias of {@link Tensor.reshape}. */
  view(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, sh.shapeArg(shape)); }
  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  /** Swaps two dimensions. */
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  /** Reorders dimensions. Accepts `permute(0, 2, 1)` or `permute([0, 2, 1])`. */
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, sh.shapeArg(dims)); }
  /** Removes `dim` if it has size 1 (all size-1 dims when omitted). */
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  /** Inserts a size-1 dimension at `dim`. */
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  /** Broadcasts to `shape` (-1 keeps a dimension). */
  expand(...shape: number[] | [readonly number[]]): Tensor { return sh.expand(this, sh.shapeArg(shape)); }
  /** NumPy-style basic slicing, one spec per leading dimension: see {@link sh.slice}. */
  slice(...specs: sh.SliceSpec[]): Tensor { return sh.slice(this, ...specs); }
  /** `length` entries of `dim` from `start`. */
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  /** The entry `index` of `dim`, removing that dimension. */
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); }
  /** Gathers values along `dim` at int32 `index` (PyTorch's `gather`). */
  gather(dim: number, index: Tensor): Tensor { return sh.gather(this, dim, index); }
  /** Selects entries of `dim` listed in the int32 vector `index`. */
  indexSelect(dim: number, index: Tensor): Tensor { return sh.indexSelect(this, dim, index); }
  /** Reverses the order of entries along each of `dims`. */
  flip(dims: number | readonly number[]): Tensor { return sh.flip(this, dims); }
  /** The `k` largest (or smallest) entries along a dimension and their int32 indices: see {@link topk}. */
  topk(k: number, opts?: TopkOptions): TopkResult { return topk(this, k, opts); }
  /** One-hot encoding of these int32 labels (`numClasses` −1 infers max + 1). */
  oneHot(numClasses = -1): Tensor { return oneHot(this, numClasses); }

  // ---- linear algebra, activations, CNN ops -----------------------------------------------------
  /** Matrix product with batch broadcasting (PyTorch's `matmul`). */
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  /** `max(x, 0)`. */
  relu(): Tensor { return act.relu(this); }
  /** Leaky ReLU. */
  leakyRelu(opts?: act.LeakyReluOptions): Tensor { return act.leakyRelu(this, opts); }
  /** Logistic sigmoid. */
  sigmoid(): Tensor { return act.sigmoid(this); }
  /** Hyperbolic tangent. */
  tanh(): Tensor { return act.tanh(this); }
  /** GELU (exact erf form, or `approximate: 'tanh'`). */
  gelu(opts?: act.GeluOptions): Tensor { return act.gelu(this, opts); }
  /** ELU. */
  elu(opts?: act.EluOptions): Tensor { return act.elu(this, opts); }
  /** SiLU (swish): `x * sigmoid(x)`. */
  silu(): Tensor { return act.silu(this); }
  /** Softmax over `dim`. */
  softmax(dim = -1): Tensor { return act.softmax(this, dim); }
  /** Log-softmax over `dim`. */
  logSoftmax(dim = -1): Tensor { return act.logSoftmax(this, dim); }
  /** `min(max(x, 0), 6)`. */
  relu6(): Tensor { return act.relu6(this); }
  /** `x` clamped into `[minVal, maxVal]` (default [−1, 1]). */
  hardtanh(opts?: act.HardtanhOptions): Tensor { return act.hardtanh(this, opts); }
  /** `x·relu6(x + 3)/6`. */
  hardswish(): Tensor { return act.hardswish(this); }
  /** `relu6(x + 3)/6`. */
  hardsigmoid(): Tensor { return act.hardsigmoid(this); }
  /** Inverted dropout. */
  dropout(p = 0.5, opts?: DropoutOptions): Tensor { return dropout(this, p, opts); }
  /** Channel-wise inverted dropout of `[N, C, H, W]` (or `[C, H, W]`). */
  dropout2d(p = 0.5, opts?: DropoutOptions): Tensor { return dropout2d(this, p, opts); }
  /** Pads (spatial dims by default): see {@link pad}. */
  pad(width: PadWidth, opts?: PadOptions): Tensor { return pad(this, width, opts); }
  /** 2-D convolution with this tensor as input: see {@link conv2d}. */
  conv2d(weight: Tensor, opts?: Conv2dOptions): Tensor { return conv2d(this, weight, opts); }
  /** 2-D transposed convolution with this tensor as input: see {@link convTranspose2d}. */
  convTranspose2d(weight: Tensor, opts?: ConvTranspose2dOptions): Tensor { return convTranspose2d(this, weight, opts); }
  /** 2-D max pooling. */
  maxPool2d(kernelSize: number | readonly [number, number], opts?: PoolOptions): Tensor { return maxPool2d(this, kernelSize, opts); }
  /** 2-D average pooling. */
  avgPool2d(kernelSize: number | readonly [number, number], opts?: AvgPool2dOptions): Tensor { return avgPool2d(this, kernelSize, opts); }
  /** Adaptive average pooling to `outputSize`: see {@link adaptiveAvgPool2d}. */
  adaptiveAvgPool2d(outputSize: AdaptiveSize): Tensor { return adaptiveAvgPool2d(this, outputSize); }
  /** Adaptive max pooling to `outputSize`: see {@link adaptiveMaxPool2d}. */
  adaptiveMaxPool2d(outputSize: AdaptiveSize): Tensor { return adaptiveMaxPool2d(this, outputSize); }
  /** Resizes the spatial dims (nearest or bilinear): see {@link interpolate}. */
  interpolate(opts: InterpolateOptions): Tensor { return interpolate(this, opts); }
  /** Group normalisation over `numGroups` channel groups: see {@link groupNorm}. */
  groupNorm(numGroups: number, opts?: NormOptions): Tensor { return groupNorm(this, numGroups, opts); }
  /** Layer normalisation over the trailing `normalizedShape`: see {@link layerNorm}. */
  layerNorm(normalizedShape: number | readonly number[], opts?: NormOptions): Tensor { return layerNorm(this, normalizedShape, opts); }
}
