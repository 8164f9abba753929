/**
 * The IDX reader under hostile bytes: thousands of seeded inputs (raw and gzipped, mutated valid
 * files and lying headers), each of which must either parse into data that fits its shape and
 * equals the uncompressed reading, or throw an IdxError; never another error. Then gzip streams
 * whose length disagrees with the header, and the one-buffer inflation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readIdx, readIdxSync, idxToTensor } from '../src/idx.js';
import { IdxError } from '../src/errors.js';
import { idxFile } from './idx-file.js';
import { fuzzIdxInputs } from './fuzz-inputs.js';
import { rejectsWith } from './throws.js';

const COUNT = 2000;

async function outcome(b: Uint8Array): Promise<'ok' | 'typed'> {
  try {
    const a = await readIdx(b, { maxBytes: 1 << 20 });
    assert.is(a.data.length, a.shape.reduce((x, d) => x * d, 1), 'data fits the shape');
    assert.ok(a.shape.every((d) => d < 2 ** 31));
    // Correct data: the same as inflating separately and reading the raw bytes.
    const raw = b[0] === 0x1f && b[1] === 0x8b ? new Uint8Array(gunzipSync(b)) : b;
    const direct = readIdxSync(raw);
    assert.equal([a.dtype, a.shape], [direct.dtype, direct.shape]);
    assert.equal(Array.from(a.data), Array.from(direct.data));
    assert.equal(idxToTensor(a).shape, a.shape);
    return 'ok';
  } catch (e) {
    if (e instanceof IdxError) return 'typed';
    throw e;
  }
}

test(`fuzz: ${COUNT} seeded hostile inputs (raw and gzip) each parse correctly or throw an IdxError`, async () => {
  const counts = { ok: 0, typed: 0 };
  for (const b of fuzzIdxInputs(7, COUNT)) counts[await outcome(b)]++;
  assert.is(counts.ok + counts.typed, COUNT);
  assert.ok(counts.ok > 300 && counts.typed > 300, JSON.stringify(counts));
});

test('gzip: a stream longer or shorter than its header claims is an IdxError; an exact one fills one buffer', async () => {
  const exact = idxFile(0x08, [3, 4], Array.from({ length: 12 }, (_, i) => i));
  const a = await readIdx(gzipSync(exact));
  assert.equal(Array.from(a.data), Array.from({ length: 12 }, (_, i) => i));
  assert.is(a.data.buffer.byteLength, exact.length, 'the data is a view of one buffer of exactly the claimed size');
  const longer = new Uint8Array(exact.length + 5);
  longer.set(exact);
  await rejectsWith(readIdx(gzipSync(longer), { name: 'long.gz' }), IdxError,
    'readIdx(long.gz): unexpected bytes after the data: shape [3, 4] of uint8 needs exactly 24 bytes but the gzip input inflates to more');
  await rejectsWith(readIdx(gzipSync(exact.subarray(0, 20)), { name: 'short.gz' }), IdxError,
    'readIdx(short.gz): data truncated: shape [3, 4] of uint8 needs exactly 24 bytes (12-byte header + data) but the input has 20');
  // A big claim with little data is refused at the end, having allocated only the claimed size.
  await rejectsWith(readIdx(gzipSync(idxFile(0x08, [1000, 1000], [1, 2, 3]))), IdxError, 'data truncated', 'needs exactly 1000012 bytes', 'the input has 15');
  await rejectsWith(readIdx(gzipSync(idxFile(0x08, [1000, 1000], [])), { maxBytes: 1000 }), IdxError, 'implies 1000012 bytes, more than maxBytes = 1000');
});

test('an empty shape whose other dimension passes int32 is refused (it would break indexing)', () => {
  assert.throws(() => readIdxSync(idxFile(0x08, [2 ** 32 - 1, 0], [])), (e: Error) => e instanceof IdxError && e.message === 'readIdxSync: dimension 0 of shape [4294967295, 0] is larger than 2147483647');
  assert.equal(readIdxSync(idxFile(0x08, [2 ** 31 - 1, 0], [])).shape, [2 ** 31 - 1, 0]);
});

test.run();
