/**
 * The safetensors reader under hostile bytes: thousands of seeded inputs (mutated valid files and
 * headers aimed at the parser's costs), each of which must either load as consistent data that
 * round-trips, or throw a SafetensorsError; never another error, a stack overflow or an OOM. Then
 * the specific attacks, one test each.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { loadSafetensors, safetensorsMetadata, saveSafetensors } from '../src/safetensors.js';
import { SafetensorsError } from '../src/errors.js';
import { throwsWith } from '../../core/test/throws.js';
import { fuzzInputs, rawFile, seedFiles } from './fuzz-inputs.js';

const COUNT = 3000;

/** Loads `b`; returns 'ok' after checking the result is self-consistent, 'typed' for a SafetensorsError. */
function outcome(b: Uint8Array): 'ok' | 'typed' {
  try {
    const sd = loadSafetensors(b);
    const metadata = safetensorsMetadata(b);
    for (const [key, t] of sd) {
      assert.ok(t.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31), `${key}: dimensions are addressable`);
      assert.is(t.data.length, t.shape.reduce((a, d) => a * d, 1), `${key}: data fits the shape`);
    }
    // Correct data: what was read writes back and reads again unchanged (bit for bit, NaN included).
    const again = loadSafetensors(saveSafetensors(sd, { metadata }));
    assert.equal([...again.keys()], [...sd.keys()]);
    for (const [key, t] of sd) {
      const u = again.get(key)!;
      assert.equal([u.dtype, u.shape], [t.dtype, t.shape]);
      assert.equal(new Uint8Array(u.data.buffer, u.data.byteOffset, u.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), key);
    }
    assert.equal(safetensorsMetadata(saveSafetensors(new Map(), { metadata })), metadata);
    return 'ok';
  } catch (e) {
    if (e instanceof SafetensorsError) return 'typed';
    throw e;
  }
}

test(`fuzz: ${COUNT} seeded hostile inputs each load consistently or throw a SafetensorsError`, () => {
  const counts = { ok: 0, typed: 0 };
  for (const b of fuzzInputs(1, COUNT)) counts[outcome(b)]++;
  assert.is(counts.ok + counts.typed, COUNT);
  // Both outcomes occur, so the fuzzer reaches past the first checks.
  assert.ok(counts.ok > 150 && counts.typed > 1000, JSON.stringify(counts));
});

test('the unmutated seed files load exactly what was saved', () => {
  for (const b of seedFiles()) assert.is(outcome(b), 'ok');
  const sd = loadSafetensors(seedFiles()[3]);
  assert.equal(Array.from(sd.get('h')!.data), [1, -Infinity]);
  assert.equal(Array.from(sd.get('i')!.data), [5]);
});

test('4 million metadata entries (a 32 MB header) are refused by a byte scan, before any JSON is parsed', () => {
  const entry = new TextEncoder().encode('"k":"v",');
  const n = 4_000_000;
  const body = new Uint8Array(entry.length * n + 20);
  const head = new TextEncoder().encode('{"__metadata__":{');
  body.set(head);
  for (let i = 0; i < n; i++) body.set(entry, head.length + i * entry.length);
  const end = head.length + n * entry.length - 1;
  body.set(new TextEncoder().encode('}}'), end);
  const text = body.subarray(0, end + 2);
  const file = new Uint8Array(8 + text.length);
  new DataView(file.buffer).setUint32(0, text.length, true);
  file.set(text, 8);
  const before = process.memoryUsage().heapUsed;
  throwsWith(() => loadSafetensors(file), SafetensorsError,
    'loadSafetensors: the header holds more than 1048576 items (tensor entries, metadata entries and dimensions), more than this reader accepts');
  assert.ok(process.memoryUsage().heapUsed - before < 32 << 20, 'no parse tree was built');
  // Below the item limit, the metadata entry limit applies after parsing.
  const many = rawFile(`{"__metadata__":{${Array.from({ length: 70_000 }, (_, i) => `"${i}":"v"`).join(',')}}}`);
  throwsWith(() => safetensorsMetadata(many), SafetensorsError, 'safetensorsMetadata: "__metadata__" has 70000 entries, more than the 65536 this reader accepts');
});

test('JSON nested 4100 deep is refused by the byte scan; messages never re-serialise nested input', () => {
  throwsWith(() => loadSafetensors(rawFile(`{"x":${'['.repeat(4100)}${']'.repeat(4100)}}`)), SafetensorsError,
    'loadSafetensors: the header nests deeper than 3 levels (at header byte 7), which no safetensors header does');
  throwsWith(() => loadSafetensors(rawFile('{"x":[[1]]}')), SafetensorsError, 'loadSafetensors: the entry of "x" must be an object with dtype, shape and data_offsets, got an array of 1 elements');
  throwsWith(() => loadSafetensors(rawFile('{"__metadata__":{"a":{"b":"c"}}}')), SafetensorsError, 'loadSafetensors: "__metadata__" values must be strings, but "a" is an object');
  throwsWith(() => loadSafetensors(rawFile(`{"__metadata__":{"a":"${'x'.repeat(1000)}","b":1}}`)), SafetensorsError, 'loadSafetensors: "__metadata__" values must be strings, but "b" is 1');
  throwsWith(() => loadSafetensors(rawFile(`{"${'k'.repeat(1000)}":5}`)), SafetensorsError, `loadSafetensors: the entry of "${'k'.repeat(77)}..." must be an object with dtype, shape and data_offsets, got 5`);
  throwsWith(() => loadSafetensors(rawFile(`{"w":{"dtype":"${'F'.repeat(100)}","shape":[1],"data_offsets":[0,4]}}`)), SafetensorsError, `loadSafetensors: "w" has an unknown dtype "${'F'.repeat(57)}..."`);
  // Brackets inside strings are text, not nesting.
  assert.equal(safetensorsMetadata(rawFile('{"__metadata__":{"a":"[[[[{{{{\\"]]]"}}')), { a: '[[[[{{{{"]]]' });
});

test('a __proto__ key is an ordinary metadata entry, read and written', () => {
  const md = safetensorsMetadata(rawFile('{"__metadata__":{"__proto__":"x","b":"y"}}'));
  assert.equal(Object.keys(md), ['__proto__', 'b']);
  assert.is(md.__proto__, 'x');
  assert.is(Object.getPrototypeOf(md), Object.prototype, 'the prototype is untouched');
  const back = safetensorsMetadata(saveSafetensors(new Map(), { metadata: md }));
  assert.equal(Object.keys(back), ['__proto__', 'b']);
  assert.is(back.__proto__, 'x');
  const sd = loadSafetensors(rawFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0x80, 0x3f]));
  assert.equal(Array.from(sd.get('__proto__')!.data), [1]);
});

test('saveSafetensors refuses what its reader would reject: non-string keys, non-string metadata, a Map of metadata', () => {
  const t = sg.zeros([1]);
  throwsWith(() => saveSafetensors(new Map([[1 as unknown as string, t]])), SafetensorsError, 'saveSafetensors: state dict keys must be strings, got 1');
  throwsWith(() => saveSafetensors(new Map([[Symbol('s') as unknown as string, t]])), SafetensorsError, 'saveSafetensors: state dict keys must be strings, got a symbol');
  throwsWith(() => saveSafetensors(new Map(), { metadata: { a: 1 as unknown as string } }), SafetensorsError, 'saveSafetensors: metadata values must be strings, but "a" is 1');
  throwsWith(() => saveSafetensors(new Map(), { metadata: new Map([['a', 'b']]) as never }), SafetensorsError, 'saveSafetensors: metadata must be a plain object of strings, got a Map');
  throwsWith(() => saveSafetensors(new Map(), { metadata: ['a'] as never }), SafetensorsError, "saveSafetensors: metadata must be a plain object of strings, got [\"a\"]");
  throwsWith(() => saveSafetensors(null as never), SafetensorsError, 'saveSafetensors: expects a state dict (a Map or an object of tensors by key), got null');
  throwsWith(() => saveSafetensors(new Map(), { meta: {} } as never), sg.ArgumentError, "saveSafetensors: unknown option 'meta' (known: metadata)");
});

test.run();
