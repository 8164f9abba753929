/**
 * Seeded hostile safetensors inputs for the fuzz test (and for measuring a reader against them):
 * valid files mutated byte by byte, truncated, extended, with their length field rewritten, and
 * hand-made headers that attack the parser's costs (deep nesting, huge shapes, many entries,
 * `__proto__` keys, non-integer numbers, duplicate keys).
 */
import * as sg from '@simplegrad/core';
import { saveSafetensors } from '../src/safetensors.js';

/** A file whose first 8 bytes give the header's length, then the header text, then `data`. */
export function rawFile(headerText: string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A few valid files: mixed dtypes, empty tensors, scalars, metadata. */
export function seedFiles(): Uint8Array[] {
  const g = new sg.Generator(3);
  return [
    saveSafetensors(new Map([
      ['a.weight', sg.normal([3, 4], { generator: g })],
      ['a.bias', sg.normal([3], { generator: g, dtype: 'float64' })],
      ['n', sg.tensor([7, -2], { dtype: 'int32' })],
    ]), { metadata: { format: 'pt', note: 'fuzz' } }),
    saveSafetensors(new Map([['empty', sg.zeros([0, 3])], ['scalar', sg.tensor(1.5)]])),
    saveSafetensors(new Map()),
    rawFile('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"i":{"dtype":"I64","shape":[1],"data_offsets":[6,14]}}',
      [0, 0x3c, 0, 0xfc, 0x80, 0x3f, 5, 0, 0, 0, 0, 0, 0, 0]),
  ];
}

/** Headers aimed at the parser's worst cases (each also appears mutated). */
function attackHeaders(g: sg.Generator): string[] {
  const deep = (n: number, open: string, close: string): string => `{"x":${open.repeat(n)}1${close.repeat(n)}}`;
  const meta = (n: number): string => `{"__metadata__":{${Array.from({ length: n }, (_, i) => `"${i}":"v"`).join(',')}}}`;
  const many = (n: number): string => `{${Array.from({ length: n }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',')}}`;
  return [
    deep(4100, '[', ']'),
    deep(100_000, '[', ']'),
    deep(4100, '{"a":', '}'),
    deep(3, '[', ']'),
    `{"w":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`,
    `{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647,0],"data_offsets":[0,0]}}`,
    `{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}`,
    `{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`,
    `{"w":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}`,
    `{"__metadata__":{"__proto__":"x","constructor":"y"}}`,
    `{"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`,
    `{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`,
    `{"__metadata__":{"a":"${'x'.repeat(100_000)}"}}`,
    `{"${'k'.repeat(200_000)}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`,
    meta(70_000),
    meta(600_000),
    many(2_000),
    `{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`,
    `{"w":{"dtype":"toString","shape":[1],"data_offsets":[0,1]}}`,
    `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9007199254740993]}}`,
    `{"__metadata__":[1,2]}`,
    `{"__metadata__":{"a":{"b":"c"}}}`,
    `{"a":"\\u0000\\ud800"}`,
    `{"w":{"dtype":"F32","shape":${JSON.stringify(Array.from({ length: 70 }, () => 1))},"data_offsets":[0,4]}}`,
    `{"w":{"dtype":"F32","shape":[${g.randint(0, 5)}],"data_offsets":[0,${4 * g.randint(0, 5)}]}}`,
  ];
}

/** Rewrites the 8-byte little-endian header length of `b` (a copy). */
function withLength(b: Uint8Array, n: bigint): Uint8Array {
  const out = b.slice();
  if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/** One mutation of `b`, chosen by `g`. */
function mutate(b: Uint8Array, g: sg.Generator): Uint8Array {
  const kind = g.randint(0, 9);
  const at = b.length === 0 ? 0 : g.randint(0, b.length);
  switch (kind) {
    case 0: { // flip bytes
      const out = b.slice();
      for (let k = g.randint(1, 4); k > 0 && out.length > 0; k--) out[g.randint(0, out.length)] = g.randint(0, 256);
      return out;
    }
    case 1: return b.slice(0, at); // truncate
    case 2: { // insert bytes
      const ins = Uint8Array.from({ length: g.randint(1, 16) }, () => g.randint(0, 256));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at));
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      return out;
    }
    case 3: return withLength(b, BigInt(g.randint(0, b.length + 16)));
    case 4: return withLength(b, [0n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n, BigInt(b.length)][g.randint(0, 5)]);
    case 5: { // replace a header character with a JSON-significant one
      const out = b.slice();
      if (out.length > 8) out[g.randint(8, out.length)] = '{}[]:,"\\-0e.'.charCodeAt(g.randint(0, 13));
      return out;
    }
    case 7: { // change data bytes only: still a valid file, with other values (NaN payloads included)
      const out = b.slice();
      const start = out.length >= 8 ? 8 + Number(new DataView(out.buffer).getBigUint64(0, true)) : out.length;
      for (let k = g.randint(1, 4); k > 0 && start < out.length; k--) out[g.randint(start, out.length)] = g.randint(0, 256);
      return out;
    }
    case 6: { // extend with trailing bytes
      const out = new Uint8Array(b.length + g.randint(1, 9));
      out.set(b);
      return out;
    }
    default: return Uint8Array.from({ length: g.randint(0, 64) }, () => g.randint(0, 256)); // noise
  }
}

/** `count` seeded inputs: the seed files and attack headers as they are, then mutations of them. */
export function fuzzInputs(seed: number, count: number): Uint8Array[] {
  const g = new sg.Generator(seed);
  const bases = [...seedFiles(), ...attackHeaders(g).map((h) => rawFile(h))];
  const out = [...bases];
  while (out.length < count) {
    // Mostly the valid files (mutations of them reach the checks past the header); the big attack
    // files cost copies of megabytes each, so they are mutated rarely.
    let b = g.random() < 0.6 ? bases[g.randint(0, 4)] : bases[g.randint(0, bases.length)];
    if (b.length > 50_000 && g.random() < 0.9) b = bases[g.randint(0, 4)];
    for (let k = g.random() < 0.7 ? 1 : 2; k > 0; k--) b = mutate(b, g);
    out.push(b);
  }
  return out;
}
