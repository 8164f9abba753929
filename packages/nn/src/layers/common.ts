/** Argument checks shared by the layers, so each error names the layer, the argument and the value. */
import { ArgumentError, DTypeError, ShapeError, fmtShape, zeros } from '@simplegrad/core';
import type { Generator, Tensor } from '@simplegrad/core';
import { Parameter } from '../parameter.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';

/** Options every layer with parameters accepts. */
export interface LayerOptions {
  /** dtype of the parameters (default float32; float64 for gradient checks). */
  dtype?: 'float32' | 'float64';
  /** Generator for the initial values (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

/** Throws unless `n` is a positive integer. */
export function positiveInt(layer: string, name: string, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new ArgumentError(layer, `${name} must be a positive integer, got ${n}`);
  return n;
}

/** `n` or `[a, b]` as a pair of positive integers. */
export function pair(layer: string, name: string, v: number | readonly number[], min = 1): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ArgumentError(layer, `${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

/** Throws unless `x` is a floating tensor. */
export function checkFloat(layer: string, x: Tensor): void {
  if (x.dtype === 'int32') throw new DTypeError(layer, `input must be float32 or float64, got int32 (shape ${fmtShape(x.shape)})`);
}

/** Throws unless `x` is a floating tensor with one of `ndims` dimensions, in the layer's wording. */
export function checkInput(layer: string, x: Tensor, ndims: readonly number[], layout: string): void {
  if (!ndims.includes(x.ndim)) {
    throw new ShapeError(layer, `expected a ${ndims.join('-D or ')}-D input ${layout}, got shape ${fmtShape(x.shape)}`);
  }
  checkFloat(layer, x);
}

/** A zero-filled parameter, to be initialised by the layer's `resetParameters`. */
export function emptyParameter(shape: readonly number[], opts: LayerOptions): Parameter {
  return new Parameter(zeros(shape, { dtype: opts.dtype ?? 'float32' }));
}

/**
 * PyTorch's default initialisation of `Linear` and `Conv2d` (`reset_parameters`): weight
 * Kaiming-uniform with a = √5 (so uniform in ±1/√fan_in), then bias uniform in ±1/√fan_in, drawn in
 * that order from `generator` (default: the global one), so the same seed gives the same bits.
 */
export function resetWeightAndBias(weight: Parameter, bias: Parameter | null, generator?: Generator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias !== null) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, { a: -bound, b: bound, generator });
  }
}
