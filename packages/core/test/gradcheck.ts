/**
 * Test helpers around the public `gradcheck` (packages/core/src/gradcheck.ts, the one
 * implementation): seeded float64 leaves and an elementwise closeness assertion.
 */
import { Generator, Tensor } from '../src/index.js';

export { gradcheck } from '../src/gradcheck.js';

/** float64 leaf tensor of `shape` with seeded normal values, requiring grad. */
export function randLeaf(shape: number[], seed: number, scale = 1): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = g.normal() * scale;
  return new Tensor(data, shape, true);
}

/** Asserts two arrays are elementwise close: |a - b| <= atol + rtol·|b|. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4, what = ''): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = (Number.isNaN(e) && Number.isNaN(a)) || a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}
