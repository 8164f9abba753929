// CIFAR-10 binary batches and image folders, on files these tests generate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { ArgumentError, Generator } from '@simplegrad/core';
import * as browser from '../src/index.js';
import { CIFAR10_CLASSES, DataLoader, DatasetError, cifar10, imageFolder, randomHorizontalFlip, resize, compose } from '../src/node.js';
import { rejectsWith, throwsWith } from './throws.js';

/** `n` CIFAR records: label (i·3) mod 10, pixel p of channel c = (i + c·7 + p) mod 256. */
function batch(n: number, offset = 0): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = ((i + offset) * 3) % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[i * 3073 + 1 + c * 1024 + p] = (i + offset + c * 7 + p) & 255;
  }
  return out;
}

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-folders-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('cifar10({ dir }) reads the five training batches in order and the test batch, in dir or dir/cifar-10-batches-bin', withDir(async (dir) => {
  const sub = join(dir, 'cifar-10-batches-bin');
  mkdirSync(sub);
  for (let b = 1; b <= 5; b++) writeFileSync(join(sub, `data_batch_${b}.bin`), batch(2, (b - 1) * 2));
  writeFileSync(join(dir, 'test_batch.bin'), batch(3));
  const train = await cifar10({ dir });
  assert.equal(train.images.shape, [10, 3, 32, 32]);
  assert.equal(Array.from(train.labels.data), [0, 3, 6, 9, 2, 5, 8, 1, 4, 7]);
  assert.is(train.images.data[9 * 3072 + 1024 + 5], Math.fround(((9 + 7 + 5) & 255) / 255), 'image 9, green, pixel 5');
  assert.is(train.classes, CIFAR10_CLASSES);
  assert.is(train.split, 'train');
  const testSet = await cifar10({ dir, split: 'test' });
  assert.equal(testSet.images.shape, [3, 3, 32, 32]);
  assert.equal(CIFAR10_CLASSES[testSet.labels.data[1]], 'cat');
  const [x, y] = testSet.get(2);
  assert.equal(x.shape, [3, 32, 32]);
  assert.is(y.item(), 6);
}));

test('cifar10 errors: missing files named, partial records, labels above 9, unknown options, no source', withDir(async (dir) => {
  writeFileSync(join(dir, 'data_batch_1.bin'), batch(1));
  await rejectsWith(cifar10({ dir }), DatasetError, `cifar10: missing data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin in ${dir}`);
  writeFileSync(join(dir, 'test_batch.bin'), batch(2).subarray(0, 5000));
  await rejectsWith(cifar10({ dir, split: 'test' }), DatasetError, 'test_batch.bin has 5000 bytes, not a whole number of 3073-byte records');
  const bad = batch(2);
  bad[3073] = 10;
  writeFileSync(join(dir, 'test_batch.bin'), bad);
  await rejectsWith(cifar10({ dir, split: 'test' }), DatasetError, 'label 10 in record 1 of', 'is not a class index (expected 0 to 9)');
  await rejectsWith(cifar10({ dir, splt: 'test' } as object), ArgumentError, "cifar10: unknown option 'splt'");
  await rejectsWith(cifar10({ dir, source: 'x/' }), ArgumentError, 'cifar10: give either dir or source, not both');
  await rejectsWith(browser.cifar10({}), ArgumentError, 'cifar10: no source given');
  await rejectsWith(browser.cifar10({ split: 'test', source: [batch(1), batch(1)] }), ArgumentError, "source must be a base URL or an array of the split's 1 file(s) (test_batch.bin)");
}));

test('cifar10({ source }) in the browser entry: a base URL through fetch, or the files as bytes', async () => {
  const asked: string[] = [];
  const fetch = async (url: string) => {
    asked.push(url);
    const ok = url.endsWith('test_batch.bin');
    return { ok, status: ok ? 200 : 404, statusText: ok ? 'OK' : 'Not Found', arrayBuffer: async () => batch(4).slice().buffer };
  };
  const ds = await browser.cifar10({ split: 'test', source: 'https://example.org/cifar', fetch });
  assert.equal(asked, ['https://example.org/cifar/test_batch.bin']);
  assert.equal(ds.images.shape, [4, 3, 32, 32]);
  await rejectsWith(browser.cifar10({ source: 'https://example.org/cifar/', fetch }), DatasetError, 'cifar10: fetching https://example.org/cifar/data_batch_1.bin failed with HTTP 404 Not Found');
  const fromBytes = await browser.cifar10({ split: 'test', source: [batch(4).buffer as ArrayBuffer] });
  assert.equal(fromBytes.images.data, ds.images.data);
});

test('cifar10 sources: URL objects in an array, bytes, bad entries, no fetch; cifar10FromBytes names files it is given no name for', async () => {
  const fetch = async (url: string) => ({ ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => { assert.is(url, 'https://example.org/t.bin'); return batch(2).slice().buffer; } });
  const ds = await browser.cifar10({ split: 'test', source: [new URL('https://example.org/t.bin')], fetch });
  assert.equal(ds.images.shape, [2, 3, 32, 32]);
  const viaBase = await browser.cifar10({ split: 'test', source: new URL('https://example.org/'), fetch: async (url) => ({ ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => { assert.is(url, 'https://example.org/test_batch.bin'); return batch(1).slice().buffer; } }) });
  assert.is(viaBase.length, 1);
  await rejectsWith(browser.cifar10({ split: 'test', source: [42 as never] }), ArgumentError, 'cifar10: each file must be a URL string, a URL, a Uint8Array or an ArrayBuffer');
  const realFetch = globalThis.fetch;
  try {
    (globalThis as { fetch?: unknown }).fetch = undefined;
    await rejectsWith(browser.cifar10({ split: 'test', source: ['x.bin'] }), ArgumentError, 'cifar10: no fetch function to download the files; pass options.fetch');
  } finally {
    globalThis.fetch = realFetch;
  }
  throwsWith(() => browser.cifar10FromBytes('test', [new Uint8Array(5)], []), DatasetError, 'cifar10: file 0 has 5 bytes');
  const bad = batch(1);
  bad[0] = 12;
  throwsWith(() => browser.cifar10FromBytes('test', [bad], []), DatasetError, 'label 12 in record 0 of file 0');
});

/** A w×h RGB PNG filled with one colour. */
function png(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) data.set(rgb, p * 3);
  return encodePng({ width: w, height: h, data, depth: 8, channels: 3 });
}

test("imageFolder: torchvision's layout, sorted classes and files (nested too), PNG and JPEG, transform with its own seed", withDir((dir) => {
  for (const c of ['dogs', 'cats', 'Birds']) mkdirSync(join(dir, c));
  mkdirSync(join(dir, 'cats', 'more'));
  writeFileSync(join(dir, 'cats', 'b.png'), png(4, 3, [255, 0, 0]));
  writeFileSync(join(dir, 'cats', 'a.PNG'), png(4, 3, [0, 255, 0]));
  writeFileSync(join(dir, 'cats', 'more', 'c.png'), png(4, 3, [0, 0, 255]));
  writeFileSync(join(dir, 'cats', 'notes.txt'), 'not an image');
  const jpg = jpeg.encode({ width: 6, height: 2, data: new Uint8Array(6 * 2 * 4).fill(200) }, 95).data;
  writeFileSync(join(dir, 'dogs', 'x.jpg'), jpg);
  writeFileSync(join(dir, 'Birds', 'y.jpeg'), jpg);
  writeFileSync(join(dir, 'README'), 'files at the root are not classes');
  const ds = imageFolder({ dir });
  assert.equal(ds.classes, ['Birds', 'cats', 'dogs'], 'code-unit order, as Python sorted()');
  assert.equal(ds.samples.map(([p, l]) => [p.slice(dir.length + 1), l]), [
    ['Birds/y.jpeg', 0], ['cats/a.PNG', 1], ['cats/b.png', 1], ['cats/more/c.png', 1], ['dogs/x.jpg', 2],
  ]);
  assert.is(ds.length, 5);
  const [img, label] = ds.get(1);
  assert.is(label, 1);
  assert.equal(img.shape, [3, 3, 4]);
  assert.equal([img.data[0], img.data[12], img.data[24]], [0, 1, 0], 'green');
  assert.equal(imageFolder({ dir, channels: 1 }).get(0)[0].shape, [1, 2, 6]);
  const sized = imageFolder({ dir, transform: compose([resize([2, 2]), randomHorizontalFlip()]), seed: 3 });
  const loader = new DataLoader(sized, { batchSize: 5 });
  const [b] = [...loader];
  assert.equal(b.x.shape, [5, 3, 2, 2]);
  assert.equal(Array.from(b.y.data), [0, 1, 1, 1, 2]);
  assert.ok(sized.generator instanceof Generator);
  throwsWith(() => ds.get(5), ArgumentError, 'imageFolder.get: index 5 is out of range for a dataset of length 5');
  writeFileSync(join(dir, 'dogs', 'z.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
  throwsWith(() => imageFolder({ dir }).get(5), DatasetError, 'imageFolder: ', 'z.png: decodeImage: truncated PNG');
  throwsWith(() => imageFolder({ dir: join(dir, 'nope') }), DatasetError, 'imageFolder: cannot read the directory');
  throwsWith(() => imageFolder({ dir: join(dir, 'cats', 'more') }), DatasetError, 'has no class subfolders');
  mkdirSync(join(dir, 'empty', 'a'), { recursive: true });
  throwsWith(() => imageFolder({ dir: join(dir, 'empty') }), DatasetError, 'no .png/.jpg/.jpeg files under the class folders of');
  throwsWith(() => imageFolder({ dir, transfrom: resize(2) } as never), ArgumentError, "imageFolder: unknown option 'transfrom'");
  throwsWith(() => imageFolder({ dir, seed: 1, generator: new Generator(1) }), ArgumentError, 'give either seed or generator, not both');
  throwsWith(() => imageFolder({ dir: 5 } as never), ArgumentError, 'imageFolder: dir must be a directory path');
  throwsWith(() => imageFolder({ dir, channels: 2 as never }), ArgumentError, 'imageFolder: channels must be 1, 3 or 4, got 2');
  throwsWith(() => imageFolder({ dir, transform: 5 } as never), ArgumentError, 'imageFolder: transform must be a function');
}));

test.run();
