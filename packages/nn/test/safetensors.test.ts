/**
 * saveSafetensors / loadSafetensors: bit-exact round trips, the byte layout of the format, files
 * written on the Python side (tools/fixtures/nn.py), and every way a file can be malformed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { Linear, SafetensorsError, loadSafetensors, safetensorsMetadata, saveSafetensors } from '../src/index.js';
import { fixtureBytes, fixtureJson } from './fixtures.js';
import { throwsWith } from '../../core/test/throws.js';

const bitsOf = (t: sg.Tensor): number[] => [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];

/** A file from a header object (serialised as given) and raw data bytes. */
function file(header: unknown, data: ArrayLike<number> = [], headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The header of a file (trailing padding stripped) and where its data starts. */
function headerOf(bytes: Uint8Array): { text: string; n: number } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)), n };
}

/** Asserts a SafetensorsError with exactly this message. */
const throwsSafetensors = (fn: () => unknown, message: string): void => throwsWith(fn, SafetensorsError, message);

// ---- round trips --------------------------------------------------------------------------------

test('F32, F64 and I32 round trip bit for bit, including NaN payloads, -0, infinities and subnormals', () => {
  const f32 = new Float32Array([1.5, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, 0.1]);
  const f32bits = new Uint32Array(f32.buffer);
  const payload = new Float32Array(new Uint32Array([0x7fc01234, 0xffa00001]).buffer);   // a quiet and a signalling NaN
  const f64 = new Float64Array([Math.PI, -0, 5e-324, Number.MAX_VALUE, NaN]);
  const sd = new Map<string, sg.Tensor>([
    ['a.weight', new sg.Tensor(f32, [7])],
    ['a.nan', new sg.Tensor(payload, [2])],
    ['b', new sg.Tensor(f64, [5, 1])],
    ['c', sg.tensor([[-2147483648, 2147483647], [0, -1]], { dtype: 'int32' })],
    ['scalar', sg.tensor(2.5)],
    ['empty', sg.zeros([0, 4], { dtype: 'float64' })],
  ]);
  const back = loadSafetensors(saveSafetensors(sd));
  assert.equal([...back.keys()], [...sd.keys()]);
  for (const [k, t] of sd) {
    const u = back.get(k)!;
    assert.is(u.dtype, t.dtype, k);
    assert.equal(u.shape, t.shape, k);
    assert.equal(bitsOf(u), bitsOf(t), k);
    assert.is.not(u.data.buffer, t.data.buffer, `${k} is a copy`);
    assert.is(u.requiresGrad, false);
  }
  assert.equal([...new Uint32Array(back.get('a.weight')!.data.buffer)], [...f32bits]);
});

test('the state dict order is kept, integer-like keys included (not JSON.stringify\'s numeric-first order)', () => {
  const sd = new Map([['z', sg.zeros([1])], ['10', sg.ones([2])], ['2', sg.zeros([3])], ['a', sg.ones([1])]]);
  const bytes = saveSafetensors(sd);
  assert.equal([...loadSafetensors(bytes).keys()], ['z', '10', '2', 'a']);
  assert.ok(headerOf(bytes).text.startsWith('{"z":'));
});

test('a plain object of tensors and an ArrayBuffer or an offset Node Buffer are accepted', () => {
  const w = sg.tensor([1, 2, 3]);
  const bytes = saveSafetensors({ w });
  assert.equal([...loadSafetensors(bytes.buffer as ArrayBuffer).get('w')!.data], [1, 2, 3]);
  // Node pools small Buffers: the bytes start at an offset that is not a multiple of 4.
  const padded = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes)]).subarray(3);
  assert.ok(padded.byteOffset % 4 !== 0);
  assert.equal([...loadSafetensors(padded).get('w')!.data], [1, 2, 3]);
});

test('a module\'s state dict round trips into a fresh module (loadStateDict of loadSafetensors)', () => {
  sg.manualSeed(3);
  const a = new Linear(4, 3);
  const b = new Linear(4, 3);
  b.loadStateDict(loadSafetensors(saveSafetensors(a.stateDict())));
  assert.equal(bitsOf(b.weight), bitsOf(a.weight));
  assert.equal(bitsOf(b.bias!), bitsOf(a.bias!));
});

// ---- byte layout ----------------------------------------------------------------------------------

test('layout: u64 LE header length, compact JSON header padded with spaces to 8 bytes, then LE data', () => {
  const bytes = saveSafetensors(new Map([['attn0', sg.tensor([0, 1, 2, 3, 4, 5], { shape: [1, 1, 2, 3] })]]));
  const { text, n } = headerOf(bytes);
  const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
  assert.is(n % 8, 0);
  assert.is(text, json + ' '.repeat(n - json.length));
  assert.ok(n - json.length < 8);
  assert.is(bytes.length, 8 + n + 24);
  // 1.0f is 00 00 80 3f in little-endian order
  assert.equal([...bytes.subarray(8 + n + 4, 8 + n + 8)], [0x00, 0x00, 0x80, 0x3f]);
});

test('an empty state dict is "{}" and six spaces; metadata comes first in the header', () => {
  assert.equal([...saveSafetensors(new Map())], [8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
  const bytes = saveSafetensors(new Map(), { metadata: { framework: 'pt' } });
  assert.is(bytes.length, 8 + 40);
  assert.is(headerOf(bytes).text, '{"__metadata__":{"framework":"pt"}}     ');
  assert.equal(safetensorsMetadata(bytes), { framework: 'pt' });
  assert.equal(safetensorsMetadata(saveSafetensors(new Map([['x', sg.zeros([1])]]))), {});
  assert.is(loadSafetensors(bytes).size, 0);
});

// ---- files written by the Python side ----------------------------------------------------------

test('linear.safetensors (nn.Linear(3, 2) written on the Python side in the Rust layout) is reproduced byte for byte', () => {
  const py = fixtureBytes('linear.safetensors');
  const sd = loadSafetensors(py);
  assert.equal([...sd.keys()], ['bias', 'weight']);
  assert.equal(sd.get('weight')!.shape, [2, 3]);
  assert.equal(safetensorsMetadata(py), { format: 'pt' });
  assert.equal([...saveSafetensors(sd, { metadata: { format: 'pt' } })], [...py]);
});

interface DtypeFixture {
  metadata: Record<string, string>;
  tensors: Record<string, { fileDtype: string; dtype: sg.DType; shape: number[]; data: number[] }>;
}

const dtypes = fixtureJson<DtypeFixture>('dtypes.json');
for (const [key, want] of Object.entries(dtypes.tensors)) {
  test(`dtypes.safetensors: ${want.fileDtype} "${key}" ${JSON.stringify(want.shape)} reads as ${want.dtype} with the exact values`, () => {
    const t = loadSafetensors(fixtureBytes('dtypes.safetensors')).get(key)!;
    assert.is(t.dtype, want.dtype);
    assert.equal(t.shape, want.shape);
    assert.equal([...t.data].map((v) => Object.is(v, -0) ? '-0' : v), want.data.map((v) => Object.is(v, -0) ? '-0' : v));
  });
}

test('dtypes.safetensors: metadata, and tensors in data order (the Rust layout sorts by dtype, then name)', () => {
  const bytes = fixtureBytes('dtypes.safetensors');
  assert.equal(safetensorsMetadata(bytes), dtypes.metadata);
  assert.equal([...loadSafetensors(bytes).keys()].slice(0, 3), ['u64', 'i64', 'f64']);
});

test('F16 and BF16 infinities and NaN decode to float32 infinities and NaN', () => {
  const f16 = [0x7c00, 0xfc00, 0x7e00, 0x3c00];
  const bf16 = [0x7f80, 0xff80, 0x7fc1, 0xbf80];
  const le = (words: number[]) => words.flatMap((w) => [w & 0xff, w >> 8]);
  const sd = loadSafetensors(file({
    h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
    b: { dtype: 'BF16', shape: [4], data_offsets: [8, 16] },
  }, [...le(f16), ...le(bf16)]));
  assert.equal([...sd.get('h')!.data], [Infinity, -Infinity, NaN, 1]);
  assert.equal([...sd.get('b')!.data], [Infinity, -Infinity, NaN, -1]);
  assert.is(new Uint32Array(sd.get('b')!.data.buffer)[2], 0x7fc10000, 'BF16 NaN payload kept');
});

// ---- saving errors ----------------------------------------------------------------------------------

test('saveSafetensors rejects a "__metadata__" key, non-tensor values and non-string metadata', () => {
  throwsSafetensors(() => saveSafetensors(new Map([['__metadata__', sg.zeros([1])]])),
    'saveSafetensors: the key "__metadata__" is reserved for the metadata and cannot name a tensor');
  throwsSafetensors(() => saveSafetensors({ w: [1, 2] as unknown as sg.Tensor }),
    'saveSafetensors: the value for "w" is not a Tensor (got object)');
  throwsSafetensors(() => saveSafetensors({ w: null as unknown as sg.Tensor }),
    'saveSafetensors: the value for "w" is not a Tensor (got null)');
  throwsSafetensors(() => saveSafetensors({}, { metadata: { epoch: 3 as unknown as string } }),
    'saveSafetensors: metadata values must be strings, but "epoch" is 3');
});

// ---- malformed files ----------------------------------------------------------------------------------

const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
const eight = [0, 0, 128, 63, 0, 0, 0, 64];

test('malformed: not bytes, or shorter than the 8-byte length field', () => {
  throwsSafetensors(() => loadSafetensors('abc' as unknown as Uint8Array), 'loadSafetensors: expected a Uint8Array or ArrayBuffer, got string');
  throwsSafetensors(() => loadSafetensors(null as unknown as Uint8Array), 'loadSafetensors: expected a Uint8Array or ArrayBuffer, got null');
  throwsSafetensors(() => loadSafetensors(new Uint8Array(0)), 'loadSafetensors: the file is 0 bytes long, too short for the 8-byte header length');
  throwsSafetensors(() => loadSafetensors(new Uint8Array([1, 0, 0])), 'loadSafetensors: the file is 3 bytes long, too short for the 8-byte header length');
});

test('malformed: a header length beyond the file (truncated) or absurd is rejected before any allocation', () => {
  const good = file(ok, eight);
  throwsSafetensors(() => loadSafetensors(good.subarray(0, 30)),
    `loadSafetensors: the header length is ${good.length - 16} bytes but only 22 bytes follow the length field (truncated file?)`);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(4, 0x10000000, true);   // 2^60
  throwsSafetensors(() => loadSafetensors(huge), 'loadSafetensors: the header length 1152921504606846976 exceeds the limit of 100000000 bytes (not a safetensors file?)');
  const max = new Uint8Array(16);
  new DataView(max.buffer).setUint32(0, 0xffffffff, true);
  new DataView(max.buffer).setUint32(4, 0xffffffff, true);
  throwsSafetensors(() => loadSafetensors(max), 'loadSafetensors: the header length 18446744073709551615 exceeds the limit of 100000000 bytes (not a safetensors file?)');
  const tooLong = file(ok, eight);
  new DataView(tooLong.buffer).setUint32(0, 1000, true);
  throwsSafetensors(() => loadSafetensors(tooLong), `loadSafetensors: the header length is 1000 bytes but only ${tooLong.length - 8} bytes follow the length field (truncated file?)`);
});

test('malformed: truncated inside the data section', () => {
  const good = file(ok, eight);
  throwsSafetensors(() => loadSafetensors(good.subarray(0, good.length - 3)),
    'loadSafetensors: the data_offsets [0, 8] of "w" run past the end of the data section (5 bytes; truncated file?)');
});

test('malformed: a header that is not UTF-8, not an object, or not JSON', () => {
  throwsSafetensors(() => loadSafetensors(file(null, [], '{"\xff"}').map((b, i) => (i === 10 ? 0xff : b))), 'loadSafetensors: the header is not valid UTF-8');
  throwsSafetensors(() => loadSafetensors(file([1, 2])), 'loadSafetensors: the header must be a JSON object starting with \'{\', got "[1,2]"');
  throwsSafetensors(() => loadSafetensors(file(null, [], ' {}')), 'loadSafetensors: the header must be a JSON object starting with \'{\', got " {}"');
  throwsSafetensors(() => loadSafetensors(file(null, [], '')), 'loadSafetensors: the header must be a JSON object starting with \'{\', got ""');
  const bad = () => loadSafetensors(file(null, [], '{"w": {"dtype": '));
  assert.throws(bad, (e: Error) => e instanceof SafetensorsError && /^loadSafetensors: the header is not valid JSON \(.+\)$/.test(e.message));
});

test('malformed: entries that are not objects, or with a bad dtype, shape or data_offsets', () => {
  const one = (info: unknown, data: number[] = eight) => () => loadSafetensors(file({ w: info }, data));
  throwsSafetensors(one(7), 'loadSafetensors: the entry of "w" must be an object with dtype, shape and data_offsets, got 7');
  throwsSafetensors(one([1]), 'loadSafetensors: the entry of "w" must be an object with dtype, shape and data_offsets, got [1]');
  throwsSafetensors(one({ dtype: 'Q4', shape: [2], data_offsets: [0, 8] }), 'loadSafetensors: "w" has an unknown dtype "Q4"');
  throwsSafetensors(one({ shape: [2], data_offsets: [0, 8] }), 'loadSafetensors: "w" has an unknown dtype undefined');
  throwsSafetensors(one({ dtype: 'toString', shape: [2], data_offsets: [0, 8] }), 'loadSafetensors: "w" has an unknown dtype "toString"');
  throwsSafetensors(one({ dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] }),
    'loadSafetensors: "w" has dtype F8_E4M3, which is not supported (readable dtypes: BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)');
  throwsSafetensors(one({ dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] }), 'loadSafetensors: the shape of "w" must be an array of non-negative integers, got [2,-1]');
  throwsSafetensors(one({ dtype: 'F32', shape: [1.5], data_offsets: [0, 8] }), 'loadSafetensors: the shape of "w" must be an array of non-negative integers, got [1.5]');
  throwsSafetensors(one({ dtype: 'F32', shape: '2', data_offsets: [0, 8] }), 'loadSafetensors: the shape of "w" must be an array of non-negative integers, got "2"');
  throwsSafetensors(one({ dtype: 'F32', shape: [2], data_offsets: [8, 0] }), 'loadSafetensors: the data_offsets of "w" must be [start, end] with 0 <= start <= end, got [8,0]');
  throwsSafetensors(one({ dtype: 'F32', shape: [2], data_offsets: [0, 4, 8] }), 'loadSafetensors: the data_offsets of "w" must be [start, end] with 0 <= start <= end, got [0,4,8]');
  throwsSafetensors(one({ dtype: 'F32', shape: [2], data_offsets: [-8, 0] }), 'loadSafetensors: the data_offsets of "w" must be [start, end] with 0 <= start <= end, got [-8,0]');
  throwsSafetensors(one({ dtype: 'F32', shape: [2] }), 'loadSafetensors: the data_offsets of "w" must be [start, end] with 0 <= start <= end, got undefined');
});

test('malformed: shape × dtype size disagreeing with the offsets, even for absurd shapes (no giant allocation)', () => {
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight)),
    'loadSafetensors: "w" has dtype F32 and shape [3] (12 bytes) but its data_offsets [0, 8] span 8 bytes');
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F64', shape: [2 ** 26, 2 ** 26], data_offsets: [0, 8] } }, eight)),
    'loadSafetensors: "w" has dtype F64 and shape [67108864, 67108864] (36028797018963970 bytes) but its data_offsets [0, 8] span 8 bytes');
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, eight)),
    'loadSafetensors: the shape of "w" [1099511627776,1099511627776] has a dimension 1099511627776 larger than 2147483647');
  // Zero bytes, so the size check passes: the dimensions themselves must be addressable.
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: [2 ** 32, 2 ** 32, 0], data_offsets: [0, 0] } }, new Uint8Array(0))),
    'loadSafetensors: the shape of "w" [4294967296,4294967296,0] has a dimension 4294967296 larger than 2147483647');
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 0], data_offsets: [0, 0] } }, new Uint8Array(0))),
    'loadSafetensors: the shape of "w" [2147483647,2147483647,2147483647,0] has more elements than can be counted exactly (its non-zero dimensions multiply past 2^53)');
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: new Array(65).fill(1), data_offsets: [0, 4] } }, new Uint8Array(4))),
    'loadSafetensors: the shape of "w" has 65 dimensions, more than 64');
});

test('malformed: offsets out of range, overlapping, leaving a gap, or bytes after the last tensor', () => {
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, eight)),
    'loadSafetensors: the data_offsets [4, 12] of "w" run past the end of the data section (8 bytes; truncated file?)');
  throwsSafetensors(() => loadSafetensors(file({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
  }, eight)), 'loadSafetensors: the data of "a" [0, 8] and "b" [4, 8] overlap');
  throwsSafetensors(() => loadSafetensors(file({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
  }, eight)), 'loadSafetensors: the data of "a" [0, 4] and "b" [0, 4] overlap');
  throwsSafetensors(() => loadSafetensors(file({ b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight)),
    'loadSafetensors: bytes [0, 4] of the data belong to no tensor (the data_offsets must be contiguous; "b" starts at 4)');
  throwsSafetensors(() => loadSafetensors(file({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight)),
    'loadSafetensors: the data section has 8 bytes but the tensors cover only 4 (trailing bytes)');
});

test('malformed: "__metadata__" that is not a string map', () => {
  throwsSafetensors(() => loadSafetensors(file({ __metadata__: 'pt', ...ok }, eight)), 'loadSafetensors: "__metadata__" must be an object of strings, got "pt"');
  throwsSafetensors(() => safetensorsMetadata(file({ __metadata__: { epoch: 3 }, ...ok }, eight)),
    'safetensorsMetadata: "__metadata__" values must be strings, but "epoch" is 3');
});

test('malformed: integers outside the int32 range they are read as, and booleans other than 0 or 1', () => {
  const big = (dtype: string, bytes: number[]) => () => loadSafetensors(file({ n: { dtype, shape: [1], data_offsets: [0, bytes.length] } }, bytes));
  throwsSafetensors(big('I64', [0, 0, 0, 0, 1, 0, 0, 0]), 'loadSafetensors: "n" (I64) holds 4294967296 at index 0, outside the int32 range it is read as');
  throwsSafetensors(big('I64', [255, 255, 255, 127, 255, 255, 255, 255]), 'loadSafetensors: "n" (I64) holds -2147483649 at index 0, outside the int32 range it is read as');
  throwsSafetensors(big('U64', [0, 0, 0, 0, 0, 0, 0, 128]), 'loadSafetensors: "n" (U64) holds 9223372036854776000 at index 0, outside the int32 range it is read as');
  throwsSafetensors(big('U32', [0, 0, 0, 128]), 'loadSafetensors: "n" (U32) holds 2147483648 at index 0, outside the int32 range it is read as');
  throwsSafetensors(() => loadSafetensors(file({ n: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2])),
    'loadSafetensors: "n" (BOOL) holds the byte 2 at index 1; booleans must be 0 or 1');
});

test('malformed bytes never escape as anything but SafetensorsError (every single-byte corruption of a real file)', () => {
  const good = saveSafetensors(new Map([['w', sg.tensor([1, 2, 3])], ['n', sg.tensor([7], { dtype: 'int32' })]]), { metadata: { a: 'b' } });
  const headerEnd = 8 + headerOf(good).n;
  let rejected = 0;
  for (let i = 0; i < headerEnd; i++) {
    for (const v of [0x00, 0x22, 0x2c, 0x5b, 0x7d, 0xff]) {
      const bad = good.slice();
      bad[i] = v;
      try {
        loadSafetensors(bad);
      } catch (e) {
        assert.instance(e, SafetensorsError, `byte ${i} = ${v}: ${(e as Error).message}`);
        rejected++;
      }
    }
  }
  assert.ok(rejected > headerEnd * 4, `${rejected} corruptions rejected`);
});

test.run();
