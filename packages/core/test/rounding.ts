/** Helpers of the kernel tests: seeded float32 data and float32 rounding bounds against exact float64 results. */
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';

/** float32's unit roundoff. */
export const EPS32 = 2 ** -24;

/** Seeded float32 data in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  sg.manualSeed(seed);
  return sg.uniform([n], { low: -1, high: 1 }).data as Float32Array;
}

/** The bit patterns of float32 values, so a comparison sees every rounding, −0 and a NaN's payload. */
export function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Asserts |actual − exact| ≤ 2·k·ε·bound + 1e-30 elementwise (`bound` = Σ|terms| per element). */
export function assertRounding(actual: ArrayLike<number>, exact: ArrayLike<number>, bound: ArrayLike<number>, k: number, what: string): void {
  assert.is(actual.length, exact.length, `${what}: length`);
  for (let i = 0; i < exact.length; i++) {
    const tol = 2 * Math.max(k, 1) * EPS32 * bound[i] + 1e-30;
    if (!(Math.abs(actual[i] - exact[i]) <= tol)) {
      assert.unreachable(`${what}: element ${i} is ${actual[i]}, exact ${exact[i]} (tolerance ${tol.toExponential(2)})`);
    }
  }
}
