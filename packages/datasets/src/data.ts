/**
 * Datasets and batching, after PyTorch's `torch.utils.data`: a {@link Dataset} is anything with a
 * `length` and `get(i)`; {@link TensorDataset} indexes the first dimension of tensors; a
 * {@link DataLoader} walks a dataset in (optionally shuffled) batches of contiguous `{ x, y }` copies.
 */
import {
  ArgumentError, DTypeError, Generator, ShapeError, Tensor, allocate, checkBoolean, checkInteger, defaultGenerator, fmtShape, fmtValue,
  optionNames, readArgs, sameShape,
} from '@simplegrad/core';
import { checkGeneratorState, checkKnownOptions, type GeneratorState } from '@simplegrad/core';

/** One value of a sample: a tensor, or a plain number (collated into a `[B]` tensor). */
export type SampleValue = Tensor | number;

/** What a dataset's `get(i)` returns for a {@link DataLoader}: `[x, y]` or `{ x, y }`. */
export type Sample = readonly SampleValue[] | { readonly x: SampleValue; readonly y: SampleValue };

/**
 * A map-style dataset: `length` samples, each returned by `get(i)` for `0 <= i < length`.
 *
 * @example
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 */
export interface Dataset<T = Sample> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `index` (an integer in `[0, length)`). */
  get(index: number): T;
}

function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ArgumentError(op, `index ${index} is out of range for a dataset of length ${length} (expected an integer in [0, ${length}))`);
  }
}

/** Elements per index of the first dimension. */
function rowSize(t: Tensor): number {
  return t.shape[0] === 0 ? 0 : t.size / t.shape[0];
}

/**
 * Samples are rows of tensors that share their first dimension, like `torch.utils.data.TensorDataset`.
 * `get(i)` returns `[tensors[0][i], tensors[1][i], ...]` as copies; a {@link DataLoader} over a
 * TensorDataset gathers whole batches straight from the tensors' memory.
 *
 * @example
 * const ds = new TensorDataset(sg.normal([100, 3]), sg.tensor([...labels], { dtype: 'int32' }));
 * const [x, y] = ds.get(0);   // x: [3], y: [] (a scalar)
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, all with the same size of dimension 0. */
  readonly tensors: readonly Tensor[];

  /** Wraps `tensors` (not copied); they must all have at least one dimension and the same `shape[0]`. */
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError('TensorDataset', 'needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError('TensorDataset', `argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new ShapeError('TensorDataset', `tensor ${i} is a scalar; samples are taken along dimension 0, so every tensor needs one`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new ShapeError('TensorDataset', `size mismatch in dimension 0: tensor 0 has shape ${fmtShape(tensors[0].shape)} but tensor ${i} has ${fmtShape(t.shape)}`);
      }
    });
    this.tensors = Object.freeze([...tensors]);
  }

  /** Number of samples (the common size of dimension 0). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of every tensor, copied, each with the tensor's shape minus its first dimension. */
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => {
      const rs = rowSize(t);
      return new Tensor(t.data.slice(index * rs, (index + 1) * rs), t.shape.slice(1));
    });
  }
}

/** A batch: `x` stacks the samples' inputs to `[B, ...]`, `y` their targets. Both are fresh copies. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Visit the samples in a new random order each epoch (default false). */
  shuffle?: boolean;
  /** Seed of a generator owned by this loader, for a shuffle independent of the global one. */
  seed?: number | string;
  /** The generator to shuffle with (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Applied to every batch's `x`, e.g. {@link normalize}. */
  transform?: (x: Tensor) => Tensor;
  /** Applied to every batch's `y`. */
  targetTransform?: (y: Tensor) => Tensor;
}

/**
 * Where a {@link DataLoader} is, for resuming mid-epoch ({@link DataLoader.stateDict}): plain,
 * JSON-ready data.
 */
export interface DataLoaderState {
  /** Epochs started so far. */
  epoch: number;
  /** Batches of the current epoch already handed out (the next one resumes after them). */
  batchesInEpoch: number;
  /** The shuffle generator's state just before this epoch's order was drawn (null: not shuffled / none yet). */
  orderState: GeneratorState | null;
  /** The state of the loader's own generator (`seed` or `generator` option), null when it uses the global one. */
  generator: GeneratorState | null;
  /** Checked on load: the dataset length and the options that fix the batches. */
  length: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
}

const STATE_KEYS = optionNames<DataLoaderState>({
  epoch: true, batchesInEpoch: true, orderState: true, generator: true, length: true, batchSize: true, shuffle: true, dropLast: true,
});

const LOADER_OPTIONS = optionNames<DataLoaderOptions>({
  batchSize: true, shuffle: true, seed: true, generator: true, dropLast: true, transform: true, targetTransform: true,
});

/** Throws unless `f` is a function or absent. */
function optionalFunction<F>(name: string, f: F | undefined): F | undefined {
  if (f !== undefined && typeof f !== 'function') throw new ArgumentError('DataLoader', `${name} must be a function, got ${fmtValue(f)}`);
  return f;
}

/**
 * Iterates a dataset in batches of `{ x, y }`, like `torch.utils.data.DataLoader`.
 *
 * - Each `for...of` is one epoch. With `shuffle`, every epoch draws a fresh Fisher–Yates permutation
 *   from the generator, so epochs differ, yet the same seed replays the same sequence of epochs.
 * - Batches are contiguous copies, safe to keep or modify and ready for the kernels.
 * - As in PyTorch the batch size may come positionally (`new DataLoader(ds, 64)`); every other
 *   option is named, and an unknown name (`batch_size`) is an error rather than ignored.
 * - A {@link TensorDataset} (so also `mnist()`) is gathered row by row straight from its tensors;
 *   any other dataset's samples (`[x, y]` or `{ x, y }`, tensors or numbers) are stacked. Numbers
 *   become float32 in `x` and int32 class indices in `y`.
 *
 * *Shape*: `x` is `[B, ...sample shape]`, `y` likewise; `B = batchSize` except maybe for the last batch.
 *
 * @example
 * const train = await mnist({ split: 'train' });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, transform: normalize(0.1307, 0.3081) });
 * for (const { x, y } of loader) {
 *   // x: float32 [64, 1, 28, 28], y: int32 [64]
 * }
 */
export class DataLoader implements Iterable<Batch> {
  /** The dataset being batched. */
  readonly dataset: Dataset;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;
  private readonly transform: ((x: Tensor) => Tensor) | undefined;
  private readonly targetTransform: ((y: Tensor) => Tensor) | undefined;
  /** The latest epoch's progress; each epoch's iterator updates its own object. */
  private progress = { epoch: 0, batches: 0, orderState: null as GeneratorState | null };
  /** Set by loadStateDict: the next iteration finishes the interrupted epoch instead of starting one. */
  private resume: { orderState: GeneratorState | null; batches: number } | null = null;

  /** Creates a loader over `dataset`; nothing is read until iteration. */
  constructor(dataset: Dataset, ...args: [options?: DataLoaderOptions] | [batchSize: number, options?: Omit<DataLoaderOptions, 'batchSize'>]) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
      throw new ArgumentError('DataLoader', 'dataset must have an integer length >= 0 and a get(index) method');
    }
    const options = readArgs<DataLoaderOptions>('DataLoader', args, ['batchSize'], LOADER_OPTIONS);
    this.batchSize = checkInteger('DataLoader', 'batchSize', options.batchSize ?? 1, 1);
    this.shuffle = checkBoolean('DataLoader', 'shuffle', options.shuffle ?? false);
    this.dropLast = checkBoolean('DataLoader', 'dropLast', options.dropLast ?? false);
    if (options.seed !== undefined && options.generator !== undefined) {
      throw new ArgumentError('DataLoader', 'give either seed or generator, not both');
    }
    if (options.seed !== undefined && typeof options.seed !== 'number' && typeof options.seed !== 'string') {
      throw new ArgumentError('DataLoader', `seed must be a number or a string, got ${fmtValue(options.seed)}`);
    }
    if (options.generator !== undefined && !(options.generator instanceof Generator)) {
      throw new ArgumentError('DataLoader', `generator must be a Generator, got ${fmtValue(options.generator)}`);
    }
    this.dataset = dataset;
    this.generator = options.seed !== undefined ? new Generator(options.seed) : options.generator;
    this.transform = optionalFunction('transform', options.transform);
    this.targetTransform = optionalFunction('targetTransform', options.targetTransform);
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Starts an epoch. The order is drawn now (not at the first batch), so the generator advances
   * exactly once per epoch, in the order epochs are started.
   */
  [Symbol.iterator](): IterableIterator<Batch> {
    const r = this.resume;
    if (r !== null) {
      // Re-draw the interrupted epoch's order from a copy of the state it was drawn from: the same
      // permutation, without touching the live generator (restored separately, past that draw).
      this.resume = null;
      return this.epoch(this.order(r.orderState === null ? null : new Generator().setState(r.orderState)), r.batches, this.progress);
    }
    // Resolved per epoch, so a manualSeed() after building the loader still takes effect.
    const g = this.shuffle ? this.generator ?? defaultGenerator() : null;
    const progress = { epoch: this.progress.epoch + 1, batches: 0, orderState: g === null ? null : g.getState() };
    this.progress = progress;
    return this.epoch(this.order(g), 0, progress);
  }

  /**
   * Where iteration stands, to resume it exactly with {@link DataLoader.loadStateDict} (as part of
   * a checkpoint, see `saveCheckpoint` in @simplegrad/nn): the epoch count, the batches of the
   * current epoch already handed out, and the generator states that give its order and the next
   * epochs' orders. Plain data, JSON-ready. Taken between batches, resuming hands out the batch
   * after the last one the training loop received.
   *
   * @example
   * const saved = JSON.stringify(loader.stateDict());
   * // later, in a new process, with a loader built the same way:
   * loader.loadStateDict(JSON.parse(saved));
   * for (const batch of loader) { ... }   // the rest of the interrupted epoch
   */
  stateDict(): DataLoaderState {
    const { epoch, batches, orderState } = this.progress;
    return {
      epoch, batchesInEpoch: batches, orderState, generator: this.generator?.getState() ?? null,
      length: this.dataset.length, batchSize: this.batchSize, shuffle: this.shuffle, dropLast: this.dropLast,
    };
  }

  /**
   * Restores {@link DataLoader.stateDict}'s result: the next `for...of` finishes the interrupted
   * epoch (the same order, from the next batch), and later epochs shuffle as they would have. The
   * loader must batch the same way (dataset length, batchSize, shuffle, dropLast); everything is
   * checked before anything changes. The global generator is not part of it (a checkpoint saves it).
   *
   * @example
   * loader.loadStateDict(saved);
   */
  loadStateDict(state: DataLoaderState): void {
    const op = 'DataLoader.loadStateDict';
    checkKnownOptions(op, state, STATE_KEYS);
    const current = this.stateDict();
    for (const k of ['length', 'batchSize', 'shuffle', 'dropLast'] as const) {
      if (state[k] !== current[k]) throw new ArgumentError(op, `the saved loader has ${k} ${fmtValue(state[k])} but this one has ${fmtValue(current[k])}`);
    }
    const epoch = checkInteger(op, 'epoch', state.epoch, 0);
    const batches = checkInteger(op, 'batchesInEpoch', state.batchesInEpoch, 0);
    if (batches > this.length) throw new ArgumentError(op, `batchesInEpoch must be at most the ${this.length} batches of an epoch, got ${batches}`);
    const orderState = state.orderState === null ? null : checkGeneratorState(op, 'orderState', state.orderState);
    if (this.shuffle && epoch > 0 && orderState === null) throw new ArgumentError(op, 'orderState is null but the loader shuffles and an epoch has started');
    const generator = state.generator === null ? null : checkGeneratorState(op, 'generator', state.generator);
    if ((generator === null) !== (this.generator === undefined)) {
      throw new ArgumentError(op, generator === null ? 'the saved loader used the global generator but this one has its own (seed or generator option)' : 'the saved loader had its own generator (seed or generator option) but this one uses the global one');
    }
    if (generator !== null) this.generator?.setState(generator);
    this.progress = { epoch, batches, orderState: this.shuffle ? orderState : null };
    this.resume = epoch > 0 && batches < this.length ? { orderState: this.progress.orderState, batches } : null;
  }

  /** The sample order of one epoch: identity, or a Fisher–Yates shuffle drawn from `g`. */
  private order(g: Generator | null): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (g !== null) {
      for (let i = n - 1; i > 0; i--) {
        const j = g.randint(0, i + 1);
        const t = order[i]; order[i] = order[j]; order[j] = t;
      }
    }
    return order;
  }

  private *epoch(order: Int32Array, start: number, progress: { batches: number }): IterableIterator<Batch> {
    const batches = this.length;
    if (batches === 0) return;
    // How batches are made is settled once per epoch, not re-derived for every batch.
    const ds = this.dataset;
    const makeBatch = isTensorBacked(ds) ? tensorBatches(ds.tensors) : (idx: Int32Array) => collateSamples(ds, idx);
    for (let b = start; b < batches; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      let { x, y } = makeBatch(idx);
      if (this.transform) x = this.transform(x);
      if (this.targetTransform) y = this.targetTransform(y);
      // Counted before the yield: while the caller works on batch b, a saved state resumes at b + 1.
      progress.batches = b + 1;
      yield { x, y };
    }
  }
}

/** Rows `idx` of `t` as a new contiguous tensor `[idx.length, ...t.shape.slice(1)]`. */
function gatherRows(t: Tensor, idx: Int32Array): Tensor {
  const rs = rowSize(t);
  const src = t.data;
  const out = allocate(t.dtype, idx.length * rs);
  if (rs === 1) {
    for (let k = 0; k < idx.length; k++) out[k] = src[idx[k]];
  } else if (isRun(idx)) {
    out.set(src.subarray(idx[0] * rs, (idx[0] + idx.length) * rs));   // unshuffled: one block copy
  } else {
    for (let k = 0; k < idx.length; k++) out.set(src.subarray(idx[k] * rs, (idx[k] + 1) * rs), k * rs);
  }
  return new Tensor(out, [idx.length, ...t.shape.slice(1)]);
}

/** True when `idx` is consecutive (always so without shuffling), so the rows form one block. */
function isRun(idx: Int32Array): boolean {
  for (let k = 1; k < idx.length; k++) if (idx[k] !== idx[k - 1] + 1) return false;
  return true;
}

/**
 * A TensorDataset, recognised by shape rather than `instanceof`: the main and the Node entry are
 * separate bundles, each with its own copy of the class, and both must take the fast path.
 */
function isTensorBacked(ds: Dataset): ds is Dataset & { readonly tensors: readonly Tensor[] } {
  const tensors = (ds as { tensors?: unknown }).tensors;
  return Array.isArray(tensors) && tensors.every((t) => t instanceof Tensor && t.ndim > 0 && t.shape[0] === ds.length);
}

/** Batches of a TensorDataset: rows `idx` of its input and target tensors. */
function tensorBatches(tensors: readonly Tensor[]): (idx: Int32Array) => Batch {
  if (tensors.length !== 2) {
    throw new ArgumentError('DataLoader', `a TensorDataset of ${tensors.length} tensor(s) cannot make { x, y } batches; it needs exactly two (inputs and targets)`);
  }
  const [inputs, targets] = tensors;
  return (idx) => ({ x: gatherRows(inputs, idx), y: gatherRows(targets, idx) });
}

function splitSample(sample: Sample, index: number): [SampleValue, SampleValue] {
  if (Array.isArray(sample)) {
    if (sample.length !== 2) throw new ArgumentError('DataLoader', `sample ${index} has ${sample.length} values; { x, y } batches need exactly two ([x, y] or { x, y })`);
    return [sample[0], sample[1]];
  }
  if (sample !== null && typeof sample === 'object' && 'x' in sample && 'y' in sample) return [sample.x, sample.y];
  throw new ArgumentError('DataLoader', `sample ${index} is neither [x, y] nor { x, y }`);
}

function collateSamples(ds: Dataset, idx: Int32Array): Batch {
  const xs: SampleValue[] = [];
  const ys: SampleValue[] = [];
  for (const i of idx) {
    const [x, y] = splitSample(ds.get(i), i);
    xs.push(x);
    ys.push(y);
  }
  return { x: stackValues(xs, idx, 'x'), y: stackValues(ys, idx, 'y') };
}

/** Stacks one field of a batch of samples; `idx` gives the dataset indices for error messages. */
function stackValues(values: readonly SampleValue[], idx: Int32Array, field: 'x' | 'y'): Tensor {
  const first = values[0];
  if (typeof first === 'number') {
    const out = field === 'x' ? new Float32Array(values.length) : new Int32Array(values.length);
    values.forEach((v, k) => {
      if (typeof v !== 'number') throw new ArgumentError('DataLoader', `sample ${idx[k]}'s ${field} is a Tensor but sample ${idx[0]}'s is a number`);
      if (field === 'y' && !Number.isInteger(v)) {
        throw new DTypeError('DataLoader', `sample ${idx[k]}'s y is ${v}; number targets are int32 class indices, so return a float tensor for real-valued targets`);
      }
      out[k] = v;
    });
    return new Tensor(out, [values.length]);
  }
  const out = allocate(first.dtype, values.length * first.size);
  values.forEach((v, k) => {
    if (!(v instanceof Tensor)) throw new ArgumentError('DataLoader', `sample ${idx[k]}'s ${field} is not a Tensor but sample ${idx[0]}'s is`);
    if (!sameShape(v.shape, first.shape)) {
      throw new ShapeError('DataLoader', `cannot stack ${field}: sample ${idx[k]} has shape ${fmtShape(v.shape)} but sample ${idx[0]} has ${fmtShape(first.shape)}`);
    }
    if (v.dtype !== first.dtype) {
      throw new DTypeError('DataLoader', `cannot stack ${field}: sample ${idx[k]} is ${v.dtype} but sample ${idx[0]} is ${first.dtype}`);
    }
    out.set(v.data, k * first.size);
  });
  return new Tensor(out, [values.length, ...first.shape]);
}

/**
 * A transform computing `(x - mean) / std`, like torchvision's `Normalize`. `mean` and `std` are
 * numbers, or one value per channel: dimension 0 of one image `[C, H, W]` (a per-sample
 * {@link Transform}), dimension 1 of a batch `[B, C]` or `[B, C, H, W]` (a DataLoader's batch
 * `transform`). float32 input is
 * computed in float32 arithmetic, so results equal PyTorch's bit for bit; int32 input gives float32.
 * The input is not modified.
 *
 * @example
 * new DataLoader(train, { batchSize: 64, transform: normalize(0.1307, 0.3081) });   // MNIST's statistics
 * normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);                           // per channel
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): (x: Tensor) => Tensor {
  const means = typeof mean === 'number' ? [mean] : [...mean];
  const stds = typeof std === 'number' ? [std] : [...std];
  const perChannel = typeof mean !== 'number' || typeof std !== 'number';
  const channels = Math.max(means.length, stds.length);
  if (means.length === 0 || stds.length === 0 || (means.length !== channels && means.length !== 1) || (stds.length !== channels && stds.length !== 1)) {
    throw new ArgumentError('normalize', `mean and std must be numbers or arrays of one value per channel, got mean ${fmtShape(means)} and std ${fmtShape(stds)}`);
  }
  if (means.some((m) => !Number.isFinite(m))) throw new ArgumentError('normalize', `mean must be finite, got ${fmtShape(means)}`);
  if (stds.some((s) => !(s > 0) || !Number.isFinite(s))) throw new ArgumentError('normalize', `std must be positive and finite, got ${fmtShape(stds)}`);
  const m = Array.from({ length: channels }, (_, c) => means[means.length === 1 ? 0 : c]);
  const s = Array.from({ length: channels }, (_, c) => stds[stds.length === 1 ? 0 : c]);
  return (x: Tensor): Tensor => {
    const channelDim = x.ndim === 3 ? 0 : 1;
    if (perChannel && (x.ndim < 2 || x.shape[channelDim] !== channels)) {
      throw new ShapeError('normalize', `mean/std have ${channels} channel value(s) but x has shape ${fmtShape(x.shape)} (channels are dimension 0 of an image [C, H, W], 1 of a batch [B, C] or [B, C, H, W])`);
    }
    const src = x.data;
    const inner = perChannel ? x.size / ((channelDim === 0 ? 1 : x.shape[0]) * channels) : x.size;
    if (x.dtype === 'float64') {
      const out = new Float64Array(x.size);
      for (let start = 0, c = 0; start < x.size; start += inner, c = (c + 1) % channels) {
        for (let i = start; i < start + inner; i++) out[i] = (src[i] - m[c]) / s[c];
      }
      return new Tensor(out, x.shape);
    }
    // Rounding to float32 after each step reproduces float32 arithmetic (PyTorch's sub_ then div_).
    const out = new Float32Array(x.size);
    for (let start = 0, c = 0; start < x.size; start += inner, c = (c + 1) % channels) {
      const mc = Math.fround(m[c]);
      const sc = Math.fround(s[c]);
      for (let i = start; i < start + inner; i++) out[i] = Math.fround(src[i] - mc) / sc;
    }
    return new Tensor(out, x.shape);
  };
}
