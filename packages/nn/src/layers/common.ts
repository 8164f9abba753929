/**
 * What the layers share: their common options, input checks in the layers' wording, parameter
 * allocation and PyTorch's default initialisation. The argument checks themselves are core's
 * (`checkKnownOptions`, `checkPair`, `readArgs`...), so every package rejects in the same words.
 */
import { ShapeError, Tensor, allocatePinned, checkChoice, checkFloat as checkFloatTensor, checkKnownOptions, fmtShape, sizeOf } from '@simplegrad/core';
import type { Generator } from '@simplegrad/core';
import { Parameter } from '../parameter.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';

/** Options every layer with parameters accepts. */
export interface LayerOptions {
  /** dtype of the parameters (default float32; float64 for gradient checks). */
  dtype?: 'float32' | 'float64';
  /** Generator for the initial values (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Rejects unknown option names (`known`: every option of the layer, its {@link LayerOptions}
 * included) and checks `dtype`; a non-object in the options' place (a PyTorch positional argument
 * the layer does not take) is rejected too.
 */
export function checkLayerOptions(layer: string, opts: LayerOptions, known: readonly string[]): void {
  checkKnownOptions(layer, opts, known);
  if (opts.dtype !== undefined) checkChoice(layer, 'dtype', opts.dtype, ['float32', 'float64']);
}

/** Throws unless the layer's input `x` is a floating tensor (core's check, worded for an input). */
export function checkFloat(layer: string, x: Tensor): void {
  checkFloatTensor(layer, 'input', x);
}

/** Throws unless `x` is a floating tensor with one of `ndims` dimensions, in the layer's wording. */
export function checkInput(layer: string, x: Tensor, ndims: readonly number[], layout: string): void {
  if (!ndims.includes(x.ndim)) {
    throw new ShapeError(layer, `expected a ${ndims.join('-D or ')}-D input ${layout}, got shape ${fmtShape(x.shape)}`);
  }
  checkFloat(layer, x);
}

/**
 * A zero-filled parameter, to be initialised by the layer's `resetParameters`, in pinned storage
 * (`allocatePinned`: the wasm kernels use it in place, no copies each step).
 */
export function emptyParameter(shape: readonly number[], opts: LayerOptions): Parameter {
  return new Parameter(new Tensor(allocatePinned(opts.dtype ?? 'float32', sizeOf(shape)), [...shape]));
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
