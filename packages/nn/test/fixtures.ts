/** Reads the PyTorch fixtures written by tools/fixtures/nn.py (see that script for what each holds). */
import { readFileSync } from 'node:fs';
import * as sg from '@simplegrad/core';

/** A stored tensor: flat row-major data. */
export interface TensorJson {
  shape: number[];
  dtype: 'float64' | 'int32';
  /** Inputs only: whether the case stores this input's gradient. */
  requiresGrad?: boolean;
  data: number[];
}

/** The bytes of `tools/fixtures/nn/<name>`. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(`../../../tools/fixtures/nn/${name}`, import.meta.url));
}

/** The parsed JSON of `tools/fixtures/nn/<name>`. */
export function fixtureJson<T>(name: string): T {
  return JSON.parse(new TextDecoder().decode(fixtureBytes(name))) as T;
}

/** A stored tensor as a tensor of `dtype` (int32 tensors stay int32). */
export function toTensor(t: TensorJson, dtype: 'float32' | 'float64' = 'float64', requiresGrad = false): sg.Tensor {
  const d = t.dtype === 'int32' ? 'int32' : dtype;
  return sg.tensor(t.data, { shape: t.shape, dtype: d, requiresGrad: requiresGrad && d !== 'int32' });
}

/** A stored state dict as a Map of tensors of `dtype`. */
export function toStateDict(sd: Record<string, TensorJson>, dtype: 'float32' | 'float64'): Map<string, sg.Tensor> {
  return new Map(Object.entries(sd).map(([k, t]) => [k, toTensor(t, dtype)]));
}

/**
 * Tolerances per dtype: float64 runs must agree to the fixtures' 12 significant digits (up to
 * rounding in long sums); float32 runs to 1e-4 relative, and 1e-4 × max(1, max |expected|) absolute.
 */
export function tolerance(dtype: 'float32' | 'float64', expected: ArrayLike<number>): { atol: number; rtol: number } {
  if (dtype === 'float64') return { atol: 1e-9, rtol: 1e-9 };
  let m = 1;
  for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(expected[i]));
  return { atol: 1e-4 * m, rtol: 1e-4 };
}
