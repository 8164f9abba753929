import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { ArgumentError, SimplegradError } from '@simplegrad/core';
import { DatasetError, IdxError, idxToTensor, readIdx, readIdxSync } from '../src/index.js';
import { idxFile } from './idx-file.js';
import { rejectsWith, throwsWith } from './throws.js';

// Each dtype with values written out byte by byte (big-endian), so the test does not share the
// reader's decoding code.
const CASES = [
  { code: 0x08, dtype: 'uint8', dims: [3], bytes: [0x00, 0x7f, 0xff], values: [0, 127, 255], ctor: Uint8Array },
  { code: 0x09, dtype: 'int8', dims: [3], bytes: [0x80, 0xff, 0x05], values: [-128, -1, 5], ctor: Int8Array },
  { code: 0x0b, dtype: 'int16', dims: [2], bytes: [0xff, 0xfe, 0x01, 0x02], values: [-2, 258], ctor: Int16Array },
  { code: 0x0c, dtype: 'int32', dims: [2], bytes: [0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04], values: [-1, 0x01020304], ctor: Int32Array },
  { code: 0x0d, dtype: 'float32', dims: [2], bytes: [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0], values: [1.5, -2], ctor: Float32Array },
  {
    code: 0x0e, dtype: 'float64', dims: [2], bytes: [0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0],
    values: [1.5, -0.25], ctor: Float64Array,
  },
] as const;

for (const c of CASES) {
  test(`readIdxSync dtype=${c.dtype} (code 0x${c.code.toString(16)}) shape=[${c.dims}] decodes big-endian values`, () => {
    const a = readIdxSync(idxFile(c.code, c.dims, c.bytes));
    assert.is(a.dtype, c.dtype);
    assert.equal(a.shape, [...c.dims]);
    assert.instance(a.data, c.ctor);
    assert.equal(Array.from(a.data), [...c.values]);
  });

  test(`readIdx dtype=${c.dtype} gzip input gives the same array as the raw bytes`, async () => {
    const raw = idxFile(c.code, c.dims, c.bytes);
    const a = await readIdx(gzipSync(raw));
    assert.is(a.dtype, c.dtype);
    assert.equal(a.shape, [...c.dims]);
    assert.equal(Array.from(a.data), [...c.values]);
    assert.equal(Array.from((await readIdx(raw)).data), [...c.values]);
  });
}

test('readIdxSync shape=[2, 3] int16 is row-major; a 3-D uint8 header reads every dimension', () => {
  const a = readIdxSync(idxFile(0x0b, [2, 3], [0, 1, 0, 2, 0, 3, 0xff, 0xff, 0xff, 0xfe, 0x01, 0x00]));
  assert.equal(a.shape, [2, 3]);
  assert.equal(Array.from(a.data), [1, 2, 3, -1, -2, 256]);
  const b = readIdxSync(idxFile(0x08, [2, 1, 3], [1, 2, 3, 4, 5, 6]));
  assert.equal(b.shape, [2, 1, 3]);
  assert.equal(Array.from(b.data), [1, 2, 3, 4, 5, 6]);
  // Dimension sizes are 32-bit big-endian: 258 = 0x00000102.
  const c = readIdxSync(idxFile(0x08, [258], new Array<number>(258).fill(9)));
  assert.equal(c.shape, [258]);
});

test('readIdxSync accepts an ArrayBuffer and an unaligned view (odd byteOffset) of a larger buffer', () => {
  const raw = idxFile(0x0c, [2], [0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04]);
  assert.equal(Array.from(readIdxSync(raw.slice().buffer).data), [-1, 0x01020304]);
  const big = new Uint8Array(raw.length + 3);
  big.set(raw, 1);
  assert.equal(Array.from(readIdxSync(big.subarray(1, 1 + raw.length)).data), [-1, 0x01020304]);
});

test('readIdxSync uint8 data is a view of the input (no copy); a zero-size dimension gives empty data', () => {
  const raw = idxFile(0x08, [2], [7, 8]);
  const a = readIdxSync(raw);
  assert.is(a.data.buffer, raw.buffer);
  const e = readIdxSync(idxFile(0x0d, [0, 28, 28], []));
  assert.equal(e.shape, [0, 28, 28]);
  assert.is(e.data.length, 0);
});

test('readIdx inflates a multi-chunk gzip stream (200 000 int16 values)', async () => {
  const n = 200_000;
  const body: number[] = [];
  for (let i = 0; i < n; i++) { const v = (i * 37) % 65536; body.push(v >> 8, v & 255); }
  const a = await readIdx(gzipSync(idxFile(0x0b, [n], body)), { name: 'big.idx.gz' });
  assert.is(a.data.length, n);
  assert.is(a.data[n - 1], (((n - 1) * 37) % 65536) << 16 >> 16);
  assert.is(a.data[1000], (1000 * 37) << 16 >> 16);
});

test('malformed: inputs shorter than the 4-byte magic are refused, naming the file', () => {
  throwsWith(() => readIdxSync(new Uint8Array(0), { name: 'empty.idx' }), IdxError, 'readIdxSync(empty.idx):', 'has 0 bytes', 'magic');
  throwsWith(() => readIdxSync(new Uint8Array([0, 0, 8])), IdxError, 'readIdxSync:', 'has 3 bytes');
});

test('malformed: bad magic bytes give the magic in hex and the expected layout', async () => {
  throwsWith(() => readIdxSync(new Uint8Array([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 0]), { name: 'train-images-idx3-ubyte' }), IdxError,
    'readIdxSync(train-images-idx3-ubyte): bad magic 0x12345678', 'two zero bytes', '0x00000803');
  await rejectsWith(readIdx(new Uint8Array([0, 1, 8, 1, 0, 0, 0, 0]), { name: 'x' }), IdxError, 'readIdx(x): bad magic 0x00010801');
});

test('malformed: gzip given to readIdxSync says that readIdx inflates it', () => {
  throwsWith(() => readIdxSync(gzipSync(idxFile(0x08, [1], [1]))), IdxError, 'bad magic 0x1F8B', 'gzip-compressed', 'async readIdx');
});

test('malformed: unknown dtype codes are refused, listing the known ones', () => {
  for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
    throwsWith(() => readIdxSync(idxFile(code, [1], [0])), IdxError, `unknown dtype code 0x${code.toString(16).toUpperCase().padStart(2, '0')}`,
      '0x08 uint8', '0x0E float64');
  }
});

test('malformed: zero dimensions and more than 8 dimensions are refused', () => {
  throwsWith(() => readIdxSync(new Uint8Array([0, 0, 8, 0, 1, 2, 3])), IdxError, 'gives 0 dimensions', '1 to 8');
  throwsWith(() => readIdxSync(idxFile(0x08, new Array<number>(9).fill(1), [1])), IdxError, 'gives 9 dimensions');
  throwsWith(() => readIdxSync(new Uint8Array([0, 0, 8, 255, 0, 0, 0, 1])), IdxError, 'gives 255 dimensions');
});

test('malformed: a header cut short inside the dimension sizes', () => {
  throwsWith(() => readIdxSync(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0])), IdxError,
    'header cut short', '3 dimensions need a 16-byte header', 'has 10 bytes');
});

test('malformed: truncated data and extra trailing bytes are refused with the exact sizes', () => {
  throwsWith(() => readIdxSync(idxFile(0x08, [5], [1, 2, 3]), { name: 'short' }), IdxError,
    'readIdxSync(short): data truncated', 'shape [5] of uint8 needs exactly 13 bytes', 'the input has 11');
  throwsWith(() => readIdxSync(idxFile(0x0b, [2], [0, 1, 0, 2, 9, 9])), IdxError,
    '2 unexpected bytes after the data', 'shape [2] of int16 needs exactly 12 bytes', 'the input has 14');
  throwsWith(() => readIdxSync(idxFile(0x0c, [1], [0, 0, 1])), IdxError, 'data truncated', 'int32');
});

test('malformed: absurd dimensions (2^31 and 2^64 elements) in a 20-byte file fail without allocating', () => {
  const before = process.memoryUsage().arrayBuffers;
  // [2^31, 1] uint8: 2 GiB claimed, 20 bytes given.
  const a = new Uint8Array([0, 0, 8, 2, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.is(a.length, 20);
  throwsWith(() => readIdxSync(a, { name: 'huge' }), IdxError, 'data truncated', 'shape [2147483648, 1] of uint8', 'the input has 20');
  // [2^32-1, 2^32-1] float64: a typed array that large cannot even exist; a RangeError would mean we tried.
  const b = new Uint8Array([0, 0, 0x0e, 2, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2, 3, 4, 5, 6, 7, 8]);
  throwsWith(() => readIdxSync(b), IdxError, 'data truncated', 'shape [4294967295, 4294967295] of float64');
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no large buffer was allocated');
});

test('malformed gzip: truncated or corrupt streams are refused as IdxError, not zlib errors', async () => {
  const gz = gzipSync(idxFile(0x08, [4000], new Array<number>(4000).fill(3).map((v, i) => (v * i) & 255)));
  await rejectsWith(readIdx(gz.subarray(0, gz.length - 10), { name: 'cut.gz' }), IdxError, 'readIdx(cut.gz): gzip data is corrupt or truncated');
  const bad = Uint8Array.from(gz);
  bad[12] ^= 0xff; bad[13] ^= 0x5a;
  await rejectsWith(readIdx(bad), IdxError, 'gzip data is corrupt or truncated');
});

test('malformed gzip: the inflated header is checked as soon as it arrives (bad magic, unknown dtype)', async () => {
  await rejectsWith(readIdx(gzipSync(new Uint8Array(1 << 20).fill(7)), { name: 'sevens.gz' }), IdxError, 'readIdx(sevens.gz): bad magic 0x07070707');
  await rejectsWith(readIdx(gzipSync(idxFile(0x0a, [1], [1]))), IdxError, 'unknown dtype code 0x0A');
});

test('malformed gzip: inflated data longer or shorter than the header says', async () => {
  // A header for 10 bytes followed by 1 MiB: rejected once the output passes 18 bytes, not after inflating it all.
  const long = new Uint8Array(8 + (1 << 20));
  long.set(idxFile(0x08, [10], []));
  await rejectsWith(readIdx(gzipSync(long)), IdxError, 'unexpected bytes after the data', 'needs exactly 18 bytes', 'gzip input inflates to more');
  await rejectsWith(readIdx(gzipSync(idxFile(0x08, [10], [1, 2, 3]))), IdxError, 'data truncated', 'the input has 11');
});

test('gzip bomb: a header implying more than maxBytes is refused before inflating the data', async () => {
  const n = 1 << 20;
  const raw = new Uint8Array(8 + n);
  raw.set(idxFile(0x08, [n], []));
  const bomb = gzipSync(raw);
  assert.ok(bomb.length < 5000, 'the compressed bomb is small');
  await rejectsWith(readIdx(bomb, { name: 'bomb.gz', maxBytes: 1000 }), IdxError,
    'readIdx(bomb.gz): header shape [1048576] of uint8 implies 1048584 bytes, more than maxBytes = 1000');
  assert.is((await readIdx(bomb)).data.length, n);
});

test('gzip cap before any header: output past maxBytes is refused even while the header is incomplete', async () => {
  // Three inflated bytes cannot hold the 4-byte magic yet, but they already exceed maxBytes = 2.
  await rejectsWith(readIdx(gzipSync(new Uint8Array([0, 0, 8])), { name: 'tiny.gz', maxBytes: 2 }), IdxError,
    'readIdx(tiny.gz): gzip input inflates to more than maxBytes = 2');
  await rejectsWith(readIdx(gzipSync(new Uint8Array([0, 0, 8])), { maxBytes: 3 }), IdxError, 'has 3 bytes, too short for the 4-byte IDX magic number');
});

test('readIdx refuses non-byte input and a bad maxBytes with ArgumentError', async () => {
  await rejectsWith(readIdx('abc' as never), ArgumentError, 'readIdx: bytes must be a Uint8Array or an ArrayBuffer, got string');
  throwsWith(() => readIdxSync(new Float32Array(4) as never), ArgumentError, 'readIdxSync', 'got Float32Array');
  throwsWith(() => readIdxSync(null as never), ArgumentError, 'got null');
  await rejectsWith(readIdx(new Uint8Array(8), { maxBytes: 0 }), ArgumentError, 'maxBytes must be a positive number of bytes, got 0');
});

test('gzip without DecompressionStream: a clear IdxError, raw input still works', async () => {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'DecompressionStream')!;
  Object.defineProperty(globalThis, 'DecompressionStream', { value: undefined, configurable: true, writable: true });
  try {
    await rejectsWith(readIdx(gzipSync(idxFile(0x08, [1], [1])), { name: 'a.gz' }), IdxError, 'readIdx(a.gz)', 'no DecompressionStream');
    assert.equal(Array.from((await readIdx(idxFile(0x08, [1], [1]))).data), [1]);
  } finally {
    Object.defineProperty(globalThis, 'DecompressionStream', desc);
  }
});

test('IdxError is a DatasetError and a SimplegradError and keeps the file name', () => {
  try {
    readIdxSync(new Uint8Array([1, 2, 3, 4]), { name: 'f.idx' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, IdxError);
    assert.instance(e, DatasetError);
    assert.instance(e, SimplegradError);
    assert.is((e as IdxError).file, 'f.idx');
    assert.is((e as IdxError).op, 'readIdxSync(f.idx)');
    assert.is((e as IdxError).name, 'IdxError');
  }
});

test('idxToTensor: integer types widen to int32, floats keep their type, dtype converts', () => {
  const u8 = readIdxSync(idxFile(0x08, [2, 2], [0, 1, 254, 255]));
  const t = idxToTensor(u8);
  assert.is(t.dtype, 'int32');
  assert.equal(t.shape, [2, 2]);
  assert.equal(t.toArray(), [[0, 1], [254, 255]]);
  assert.is(idxToTensor(u8, { dtype: 'float32' }).dtype, 'float32');
  assert.equal(idxToTensor(u8, { dtype: 'float64' }).toArray(), [[0, 1], [254, 255]]);
  const f32 = readIdxSync(idxFile(0x0d, [2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]));
  const ft = idxToTensor(f32);
  assert.is(ft.dtype, 'float32');
  assert.is(ft.data, f32.data, 'same-type data is wrapped, not copied');
  assert.equal(idxToTensor(f32, { dtype: 'int32' }).toArray(), [1, -2]);
  const f64 = readIdxSync(idxFile(0x0e, [1], [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]));
  assert.is(idxToTensor(f64).dtype, 'float64');
  const i32 = readIdxSync(idxFile(0x0c, [1], [0xff, 0xff, 0xff, 0xfe]));
  assert.is(idxToTensor(i32).data, i32.data);
  assert.equal(idxToTensor(readIdxSync(idxFile(0x09, [2], [0x80, 0x7f]))).toArray(), [-128, 127]);
});

test.run();
