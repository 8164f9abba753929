/**
 * Seeded hostile IDX inputs for the fuzz test (and for measuring a reader against them): valid
 * files of every dtype, raw and gzipped, mutated byte by byte, truncated, extended, with lying
 * headers, and gzip streams that inflate to more or less than their header claims.
 */
import { gzipSync } from 'node:zlib';
import { Generator } from '@simplegrad/core';
import { idxFile } from './idx-file.js';

const CODES = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e];
const SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** A valid file of a random dtype and small random shape, with random data bytes. */
function validFile(g: Generator): Uint8Array {
  const code = CODES[g.randint(0, CODES.length)];
  const dims = Array.from({ length: g.randint(1, 4) }, () => g.randint(0, 5));
  const n = dims.reduce((a, d) => a * d, 1) * SIZES[code];
  return idxFile(code, dims, Array.from({ length: n }, () => g.randint(0, 256)));
}

function mutate(b: Uint8Array, g: Generator): Uint8Array {
  const at = b.length === 0 ? 0 : g.randint(0, b.length);
  switch (g.randint(0, 6)) {
    case 0: { // flip bytes (header or data)
      const out = b.slice();
      for (let k = g.randint(1, 3); k > 0 && out.length > 0; k--) out[g.randint(0, Math.min(out.length, 20))] = g.randint(0, 256);
      return out;
    }
    case 1: return b.slice(0, at);
    case 2: {
      const out = new Uint8Array(b.length + g.randint(1, 9));
      out.set(b);
      return out;
    }
    case 3: { // a dimension set to an extreme value
      const out = b.slice();
      const pos = 4 + 4 * g.randint(0, Math.max(1, Math.min(out[3] ?? 0, 3)));
      if (pos + 4 <= out.length) new DataView(out.buffer).setUint32(pos, [0, 1, 2 ** 31, 2 ** 32 - 1, 1000][g.randint(0, 5)]);
      return out;
    }
    case 4: { // the dimension count changed
      const out = b.slice();
      if (out.length >= 4) out[3] = [0, 1, 9, 255, out[3] + 1][g.randint(0, 5)];
      return out;
    }
    default: return Uint8Array.from({ length: g.randint(0, 40) }, () => g.randint(0, 256));
  }
}

/**
 * `count` seeded inputs: about a third gzipped (some of those gzips then corrupted, truncated or
 * extended themselves), the rest raw.
 */
export function fuzzIdxInputs(seed: number, count: number): Uint8Array[] {
  const g = new Generator(seed);
  const out: Uint8Array[] = [];
  while (out.length < count) {
    let b = validFile(g);
    const mutations = g.random() < 0.3 ? 0 : g.random() < 0.8 ? 1 : 2;
    for (let k = 0; k < mutations; k++) b = mutate(b, g);
    if (g.random() < 0.35) {
      let z: Uint8Array = gzipSync(b);
      const r = g.random();
      if (r < 0.15) z = z.slice(0, g.randint(0, z.length));
      else if (r < 0.3) { z = z.slice(); z[g.randint(0, z.length)] ^= 1 << g.randint(0, 8); }
      b = z;
    }
    out.push(b);
  }
  return out;
}
