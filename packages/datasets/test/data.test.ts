import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, DTypeError, Generator, ShapeError, Tensor, manualSeed } from '@simplegrad/core';
import * as datasets from '../src/index.js';
import { type Batch, type DataLoaderOptions, type Dataset, DataLoader, TensorDataset, normalize } from '../src/index.js';
import { rejectsWith, throwsWith } from './throws.js';
import * as node from '../src/node.js';

/** `n` samples whose x row `i` is `[i, i + 0.5]` and whose label is `i`, so a batch names its indices. */
function indexed(n: number): TensorDataset {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { x[2 * i] = i; x[2 * i + 1] = i + 0.5; }
  return new TensorDataset(new Tensor(x, [n, 2]), new Tensor(Int32Array.from({ length: n }, (_, i) => i), [n]));
}

/** The sample indices of every batch of one epoch, checking that x and y agree row by row. */
function epochIndices(loader: DataLoader): number[][] {
  return [...loader].map(({ x, y }) => {
    const ids = Array.from(y.data);
    ids.forEach((id, k) => {
      assert.is(x.data[2 * k], id, `x row ${k} belongs to sample ${id}`);
      assert.is(x.data[2 * k + 1], id + 0.5);
    });
    return ids;
  });
}

const sorted = (a: number[]): number[] => [...a].sort((p, q) => p - q);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('TensorDataset: length and get(i) give row i of every tensor as a copy', () => {
  const ds = indexed(5);
  assert.is(ds.length, 5);
  const [x, y] = ds.get(3);
  assert.equal(x.shape, [2]);
  assert.equal(Array.from(x.data), [3, 3.5]);
  assert.equal(y.shape, []);
  assert.is(y.dtype, 'int32');
  assert.is(y.item(), 3);
  x.data[0] = 99;
  assert.is(ds.tensors[0].data[6], 3, 'get returns a copy');
  const empty = new TensorDataset(new Tensor(new Float32Array(0), [0, 4]));
  assert.is(empty.length, 0);
  throwsWith(() => empty.get(0), ArgumentError, 'index 0 is out of range for a dataset of length 0');
});

test('TensorDataset: argument errors name the tensors and their shapes', () => {
  throwsWith(() => new TensorDataset(), ArgumentError, 'TensorDataset', 'needs at least one tensor');
  throwsWith(() => new TensorDataset([1, 2] as never), ArgumentError, 'argument 0 is not a Tensor');
  throwsWith(() => new TensorDataset(new Tensor(new Float32Array(1), [])), ShapeError, 'tensor 0 is a scalar');
  throwsWith(() => new TensorDataset(new Tensor(new Float32Array(6), [3, 2]), new Tensor(new Int32Array(4), [4])), ShapeError,
    'size mismatch in dimension 0: tensor 0 has shape [3, 2] but tensor 1 has [4]');
  const ds = indexed(4);
  throwsWith(() => ds.get(4), ArgumentError, 'TensorDataset.get', 'index 4 is out of range for a dataset of length 4', '[0, 4)');
  throwsWith(() => ds.get(-1), ArgumentError, 'index -1');
  throwsWith(() => ds.get(1.5), ArgumentError, 'index 1.5');
});

test('DataLoader n=10 batchSize=4 unshuffled: indices in order, last partial batch of 2', () => {
  const loader = new DataLoader(indexed(10), { batchSize: 4 });
  assert.is(loader.length, 3);
  assert.equal(epochIndices(loader), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  const batches = [...loader];
  assert.equal(batches.map((b) => b.x.shape), [[4, 2], [4, 2], [2, 2]]);
  assert.equal(batches.map((b) => b.y.shape), [[4], [4], [2]]);
});

test('DataLoader dropLast: n=10 batchSize=4 gives 2 full batches; n=8 keeps both; n=3 gives none', () => {
  assert.equal(epochIndices(new DataLoader(indexed(10), { batchSize: 4, dropLast: true })), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.is(new DataLoader(indexed(10), { batchSize: 4, dropLast: true }).length, 2);
  assert.is(new DataLoader(indexed(8), { batchSize: 4, dropLast: true }).length, 2);
  assert.is(new DataLoader(indexed(8), { batchSize: 4 }).length, 2);
  assert.equal([...new DataLoader(indexed(3), { batchSize: 4, dropLast: true })], []);
  const shuffled = epochIndices(new DataLoader(indexed(10), { batchSize: 3, shuffle: true, seed: 1, dropLast: true }));
  assert.equal(shuffled.map((b) => b.length), [3, 3, 3]);
  assert.is(new Set(shuffled.flat()).size, 9, 'no index repeats');
});

test('DataLoader: default batchSize is 1; an empty dataset gives no batches', () => {
  const loader = new DataLoader(indexed(3));
  assert.is(loader.batchSize, 1);
  assert.equal(epochIndices(loader), [[0], [1], [2]]);
  assert.equal([...new DataLoader(indexed(0), { batchSize: 2, shuffle: true, seed: 0 })], []);
});

test('DataLoader shuffle n=103 batchSize=10: every index exactly once per epoch, epochs differ', () => {
  const loader = new DataLoader(indexed(103), { batchSize: 10, shuffle: true, seed: 42 });
  const epochs = [0, 1, 2].map(() => epochIndices(loader));
  for (const e of epochs) {
    assert.equal(e.map((b) => b.length), [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    assert.equal(sorted(e.flat()), range(103));
    assert.not.equal(e.flat(), range(103), 'shuffled, not in order');
  }
  assert.not.equal(epochs[0].flat(), epochs[1].flat());
  assert.not.equal(epochs[1].flat(), epochs[2].flat());
});

test('DataLoader shuffle is reproducible: same seed, same epochs; other seed differs; generator = seed', () => {
  const run = (options: DataLoaderOptions): number[][] => {
    const loader = new DataLoader(indexed(50), { batchSize: 7, shuffle: true, ...options });
    return [epochIndices(loader).flat(), epochIndices(loader).flat()];
  };
  const a = run({ seed: 3 });
  assert.equal(run({ seed: 3 }), a);
  assert.not.equal(run({ seed: 4 })[0], a[0]);
  assert.equal(run({ generator: new Generator(3) }), a, 'seed N builds its own Generator(N)');
});

test('DataLoader shuffle without seed follows the global generator, read at each epoch start', () => {
  const loader = new DataLoader(indexed(40), { batchSize: 8, shuffle: true });
  manualSeed(11);
  const a = epochIndices(loader).flat();
  manualSeed(11);
  assert.equal(epochIndices(loader).flat(), a, 'manualSeed after building the loader takes effect');
  manualSeed(12);
  assert.not.equal(epochIndices(loader).flat(), a);
});

test('DataLoader: the order is drawn when an epoch starts, so interleaved epochs stay reproducible', () => {
  const make = () => new DataLoader(indexed(20), { batchSize: 5, shuffle: true, seed: 9 });
  const l1 = make();
  const first = l1[Symbol.iterator]();
  const second = l1[Symbol.iterator]();
  const l2 = make();
  const e1 = epochIndices(l2).flat();
  const e2 = epochIndices(l2).flat();
  const read = (it: Iterator<Batch>): number[] => { const out: number[] = []; for (let r = it.next(); !r.done; r = it.next()) out.push(...r.value.y.data); return out; };
  assert.equal(read(second), e2);
  assert.equal(read(first), e1);
});

test('DataLoader batches are contiguous fresh copies, shuffled or not', () => {
  const ds = indexed(12);
  for (const shuffle of [false, true]) {
    for (const { x, y } of new DataLoader(ds, { batchSize: 5, shuffle, seed: 0 })) {
      assert.instance(x.data, Float32Array);
      assert.instance(y.data, Int32Array);
      assert.is(x.data.byteOffset, 0);
      assert.is(x.data.length, x.shape[0] * 2);
      assert.is(x.data.buffer.byteLength, x.data.byteLength, 'owns its buffer (not a view of the dataset)');
      assert.is.not(x.data.buffer, ds.tensors[0].data.buffer);
      x.data.fill(-1);
      y.data.fill(-1);
    }
  }
  assert.is(ds.tensors[0].data[0], 0, 'writing to batches leaves the dataset alone');
  assert.is(ds.tensors[1].data[11], 11);
});

test('DataLoader gathers 4-D image tensors row by row, keeping the sample shape and dtype', () => {
  const n = 6;
  const img = new Float64Array(n * 2 * 3 * 3).map((_, i) => i);
  const ds = new TensorDataset(new Tensor(img, [n, 2, 3, 3]), new Tensor(new Float32Array(n).map((_, i) => i / 10), [n]));
  const [b] = [...new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5 })];
  assert.equal(b.x.shape, [3, 2, 3, 3]);
  assert.is(b.x.dtype, 'float64');
  assert.is(b.y.dtype, 'float32');
  for (let k = 0; k < 3; k++) {
    const i = Math.round(b.y.data[k] * 10);
    assert.equal(Array.from(b.x.data.subarray(k * 18, (k + 1) * 18)), Array.from(img.subarray(i * 18, (i + 1) * 18)));
  }
});

test('DataLoader transform and targetTransform apply to every batch', () => {
  const loader = new DataLoader(indexed(5), {
    batchSize: 2,
    transform: (x) => x.mul(2),
    targetTransform: (y) => y.add(100),
  });
  const batches = [...loader];
  assert.equal(Array.from(batches[0].x.data), [0, 1, 2, 3]);
  assert.equal(Array.from(batches[2].y.data), [104]);
});

test('DataLoader over a plain Dataset of [number, number] collates float32 x and int32 y', () => {
  const squares: Dataset = { length: 5, get: (i) => [i, i * i] };
  const [a, b, c] = [...new DataLoader(squares, { batchSize: 2 })];
  assert.is(a.x.dtype, 'float32');
  assert.is(a.y.dtype, 'int32');
  assert.equal(Array.from(b.x.data), [2, 3]);
  assert.equal(Array.from(b.y.data), [4, 9]);
  assert.equal(c.x.shape, [1]);
});

test('DataLoader over a plain Dataset of { x: Tensor, y: number } stacks the tensors', () => {
  const ds: Dataset = { length: 4, get: (i) => ({ x: new Tensor(new Float32Array([i, -i, 2 * i]), [3]), y: i % 2 }) };
  const batches = [...new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 2 })];
  assert.is(batches.length, 1);
  const { x, y } = batches[0];
  assert.equal(x.shape, [4, 3]);
  for (let k = 0; k < 4; k++) {
    const i = x.data[3 * k];
    assert.equal(Array.from(x.data.subarray(3 * k, 3 * k + 3)), [i, -i, 2 * i]);
    assert.is(y.data[k], i % 2);
  }
  assert.equal(sorted(Array.from(x.data).filter((_, j) => j % 3 === 0)), [0, 1, 2, 3]);
});

test('DataLoader collation errors name the sample indices, field and shapes', () => {
  const at = (get: (i: number) => unknown): DataLoader => new DataLoader({ length: 3, get } as Dataset, { batchSize: 3 });
  const f32 = (...v: number[]) => new Tensor(new Float32Array(v), [v.length]);
  throwsWith(() => [...at(() => [1, 2, 3])], ArgumentError, 'sample 0 has 3 values', 'exactly two');
  throwsWith(() => [...at(() => 7)], ArgumentError, 'sample 0 is neither [x, y] nor { x, y }');
  throwsWith(() => [...at(() => null)], ArgumentError, 'neither');
  throwsWith(() => [...at((i) => [i === 2 ? f32(1) : 1, 0])], ArgumentError, "sample 2's x is a Tensor but sample 0's is a number");
  throwsWith(() => [...at((i) => [i === 1 ? 1 : f32(1), 0])], ArgumentError, "sample 1's x is not a Tensor but sample 0's is");
  throwsWith(() => [...at((i) => [0, i === 1 ? 0.5 : 1])], DTypeError, "sample 1's y is 0.5", 'int32 class indices');
  throwsWith(() => [...at((i) => [i === 2 ? f32(1, 2) : f32(1, 2, 3), 0])], ShapeError, 'cannot stack x: sample 2 has shape [2] but sample 0 has [3]');
  throwsWith(() => [...at((i) => [0, i === 1 ? new Tensor(new Float64Array(1), [1]) : f32(1)])], DTypeError,
    'cannot stack y: sample 1 is float64 but sample 0 is float32');
});

test('DataLoader argument errors', () => {
  throwsWith(() => new DataLoader({} as Dataset), ArgumentError, 'DataLoader', 'dataset must have an integer length >= 0 and a get(index) method');
  throwsWith(() => new DataLoader(null as never), ArgumentError, 'dataset must have');
  throwsWith(() => new DataLoader({ length: -1, get: () => [0, 0] }), ArgumentError, 'dataset must have');
  throwsWith(() => new DataLoader(indexed(2), { batchSize: 0 }), ArgumentError, 'batchSize must be a positive integer, got 0');
  throwsWith(() => new DataLoader(indexed(2), { batchSize: 2.5 }), ArgumentError, 'got 2.5');
  throwsWith(() => new DataLoader(indexed(2), { seed: 1, generator: new Generator(1) }), ArgumentError, 'give either seed or generator, not both');
  const three = new TensorDataset(...[0, 1, 2].map(() => new Tensor(new Float32Array(2), [2])));
  throwsWith(() => [...new DataLoader(three)], ArgumentError, 'a TensorDataset of 3 tensor(s) cannot make { x, y } batches');
});

test('normalize(0.5, 0.25) maps [0, 0.5, 1] to [-2, 0, 2] and leaves the input alone', () => {
  const x = new Tensor(new Float32Array([0, 0.5, 1]), [3]);
  const y = normalize(0.5, 0.25)(x);
  assert.is(y.dtype, 'float32');
  assert.equal(y.shape, [3]);
  assert.equal(Array.from(y.data), [-2, 0, 2]);
  assert.equal(Array.from(x.data), [0, 0.5, 1]);
});

test('normalize(0.1307, 0.3081) on float32 pixels rounds like float32 arithmetic (sub, then div)', () => {
  const px = Float32Array.from({ length: 256 }, (_, v) => v / 255);
  const y = normalize(0.1307, 0.3081)(new Tensor(px, [1, 1, 16, 16]));
  // Emulate float32 arithmetic with Float32Array stores, independently of Math.fround.
  const f = new Float32Array(3);
  f[1] = 0.1307; f[2] = 0.3081;
  let maxErr = 0;
  for (let i = 0; i < 256; i++) {
    f[0] = px[i] - f[1];
    f[0] = f[0] / f[2];
    assert.is(y.data[i], f[0], `pixel ${i}`);
    maxErr = Math.max(maxErr, Math.abs(y.data[i] - (px[i] - 0.1307) / 0.3081));
  }
  assert.ok(maxErr < 1e-6, `float32 result within ${maxErr} of the float64 one`);
});

test('normalize per channel on [2, 3, 2, 2]; float64 stays float64, int32 becomes float32', () => {
  const x = new Tensor(Float64Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2]);
  const mean = [0, 1, 2];
  const std = [1, 2, 4];
  const y = normalize(mean, std)(x);
  assert.is(y.dtype, 'float64');
  for (let i = 0; i < 24; i++) {
    const c = Math.floor(i / 4) % 3;
    assert.is(y.data[i], (i - mean[c]) / std[c], `element ${i} (channel ${c})`);
  }
  const mixed = normalize([1, 2, 3], 2)(new Tensor(new Float32Array(6).fill(5), [3, 2, 1]));   // one image [C, H, W]
  assert.equal(Array.from(mixed.data), [2, 2, 1.5, 1.5, 1, 1]);
  const ints = normalize(1, 2)(new Tensor(new Int32Array([1, 3, 5]), [3]));
  assert.is(ints.dtype, 'float32');
  assert.equal(Array.from(ints.data), [0, 1, 2]);
});

test('normalize argument and shape errors', () => {
  throwsWith(() => normalize([], 1), ArgumentError, 'normalize', 'mean and std must be numbers or arrays of one value per channel, got mean [] and std [1]');
  throwsWith(() => normalize([1, 2], [1, 2, 3]), ArgumentError, 'got mean [1, 2] and std [1, 2, 3]');
  throwsWith(() => normalize(Number.NaN, 1), ArgumentError, 'mean must be finite, got [NaN]');
  throwsWith(() => normalize(0, 0), ArgumentError, 'std must be positive and finite, got [0]');
  throwsWith(() => normalize(0, [1, -1]), ArgumentError, 'std must be positive and finite, got [1, -1]');
  throwsWith(() => normalize(0, Infinity), ArgumentError, 'std must be positive and finite');
  const perChannel = normalize([0, 0, 0], 1);
  throwsWith(() => perChannel(new Tensor(new Float32Array(8), [2, 4])), ShapeError,
    'mean/std have 3 channel value(s) but x has shape [2, 4]');
  throwsWith(() => perChannel(new Tensor(new Float32Array(3), [3])), ShapeError, 'x has shape [3]');
});


// ---- Strict options: a misspelled or positional option is an error, never ignored -------------------------

const LOADER_KNOWN = '(known: batchSize, shuffle, seed, generator, dropLast, transform, targetTransform)';
/** Builds a loader with arguments its TypeScript signature forbids, as untyped JavaScript can. */
const untypedLoader = (...args: unknown[]): DataLoader => new (DataLoader as unknown as new (...a: unknown[]) => DataLoader)(...args);

test('DataLoader(ds, { batch_size: 8 }) throws instead of yielding batches of 1', () => {
  throwsWith(() => untypedLoader(indexed(20), { batch_size: 8 }), ArgumentError, `DataLoader: unknown option 'batch_size' ${LOADER_KNOWN}`);
  throwsWith(() => untypedLoader(indexed(20), { batchSize: 8, drop_last: true }), ArgumentError, `DataLoader: unknown option 'drop_last' ${LOADER_KNOWN}`);
  throwsWith(() => untypedLoader(indexed(20), { batchSize: 8, num_workers: 2 }), ArgumentError, "unknown option 'num_workers'");
});

test('DataLoader(ds, 8): PyTorch\'s positional batch size, alone or before the options', () => {
  assert.equal(epochIndices(new DataLoader(indexed(20), 8)).map((b) => b.length), [8, 8, 4]);
  assert.equal(epochIndices(new DataLoader(indexed(20), 8, { dropLast: true })).map((b) => b.length), [8, 8]);
  const a = epochIndices(new DataLoader(indexed(20), 8, { shuffle: true, seed: 5 }));
  assert.equal(a, epochIndices(new DataLoader(indexed(20), { batchSize: 8, shuffle: true, seed: 5 })));
});

test('DataLoader rejects PyTorch\'s further positional arguments, values given twice and mistyped options', () => {
  const ds = indexed(20);
  throwsWith(() => untypedLoader(ds, 8, true), ArgumentError,
    "DataLoader: takes at most 1 positional argument (batchSize, in PyTorch's order); got 2: 8, true; name the others in an options object");
  throwsWith(() => untypedLoader(ds, 8, { batchSize: 4 }), ArgumentError, 'DataLoader: batchSize is given twice: positionally (8) and as an option (4)');
  throwsWith(() => untypedLoader(ds, { batchSize: '8' }), ArgumentError, "DataLoader: batchSize must be a positive integer, got '8'");
  throwsWith(() => untypedLoader(ds, { shuffle: 'true' }), ArgumentError, "DataLoader: shuffle must be true or false, got 'true'");
  throwsWith(() => untypedLoader(ds, { dropLast: 1 }), ArgumentError, 'DataLoader: dropLast must be true or false, got 1');
  throwsWith(() => untypedLoader(ds, { transform: 'normalize' }), ArgumentError, "DataLoader: transform must be a function, got 'normalize'");
  throwsWith(() => untypedLoader(ds, { targetTransform: {} }), ArgumentError, 'DataLoader: targetTransform must be a function, got object');
  throwsWith(() => untypedLoader(ds, { targetTransform: [] }), ArgumentError, 'DataLoader: targetTransform must be a function, got []');
  throwsWith(() => untypedLoader(ds, { generator: 3 }), ArgumentError, 'DataLoader: generator must be a Generator, got 3');
  throwsWith(() => untypedLoader(ds, { seed: [1] }), ArgumentError, 'DataLoader: seed must be a number or a string, got [1]');
});

test('mnist and fashionMnist (both entries) reject misspelled options before reading anything', async () => {
  await rejectsWith(browserMnist({ splt: 'test' }), ArgumentError, "mnist: unknown option 'splt' (known: split, source, fetch, suffix, maxBytes)");
  await rejectsWith(browserFashion({ source: 'x/', fetch_fn: fetch }), ArgumentError, "fashionMnist: unknown option 'fetch_fn' (known: split, source, fetch, suffix, maxBytes)");
  await rejectsWith(nodeMnist({ directory: '/tmp' }), ArgumentError, "mnist: unknown option 'directory' (known: split, source, fetch, suffix, maxBytes, dir)");
  await rejectsWith(nodeFashion({ dir: '/tmp', train: true }), ArgumentError, "fashionMnist: unknown option 'train' (known: split, source, fetch, suffix, maxBytes, dir)");
  await rejectsWith(nodeMnist('test'), ArgumentError, "mnist: options must be an object such as { split: ... }, got 'test'");
});

const browserMnist = (o: unknown): Promise<unknown> => (datasets.mnist as (o: unknown) => Promise<unknown>)(o);
const browserFashion = (o: unknown): Promise<unknown> => (datasets.fashionMnist as (o: unknown) => Promise<unknown>)(o);
const nodeMnist = (o: unknown): Promise<unknown> => (node.mnist as (o: unknown) => Promise<unknown>)(o);
const nodeFashion = (o: unknown): Promise<unknown> => (node.fashionMnist as (o: unknown) => Promise<unknown>)(o);

test.run();
