/** `Linear`: a fully connected layer. */
import { ShapeError, checkBoolean, fmtShape, linear, optionNames, checkInteger } from '@simplegrad/core';
import type { Generator, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type LayerOptions, checkFloat, checkLayerOptions, emptyParameter, resetWeightAndBias } from './common.js';

/** Options of {@link Linear}. */
export interface LinearOptions extends LayerOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

const LINEAR_OPTIONS = optionNames<LinearOptions>({ bias: true, dtype: true, generator: true });

/**
 * `y = x·Wᵀ + b` (PyTorch's `nn.Linear`), with weight `[outFeatures, inFeatures]` and bias
 * `[outFeatures]`, initialised like PyTorch: W ~ U(±1/√inFeatures) (Kaiming-uniform with a = √5)
 * and b ~ U(±1/√inFeatures).
 *
 * Shape: `[..., inFeatures]` → `[..., outFeatures]`.
 *
 * @example
 * const fc = new Linear(32, 10);
 * fc.forward(sg.normal([8, 32])).shape;   // [8, 10]
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    this.inFeatures = checkInteger('Linear', 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInteger('Linear', 'outFeatures', outFeatures, 1);
    // PyTorch's positional `Linear(4, 2, False)` lands here as `false` and is rejected, not read as "no options".
    checkLayerOptions('Linear', opts, LINEAR_OPTIONS);
    const bias = checkBoolean('Linear', 'bias', opts.bias ?? true);
    this.weight = emptyParameter([outFeatures, inFeatures], opts);
    this.bias = bias ? emptyParameter([outFeatures], opts) : null;
    this.resetParameters(opts.generator);
  }

  /**
   * Re-draws the parameters with PyTorch's defaults (weight first, then bias).
   *
   * @example
   * sg.manualSeed(0); fc.resetParameters();
   */
  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  /** `x·Wᵀ + b` over the last dimension of `x`, by core's `linear` (no transposed copy of W). */
  forward(x: Tensor): Tensor {
    if (x.ndim === 0) throw new ShapeError('Linear', `expected an input [..., ${this.inFeatures}], got a scalar`);
    checkFloat('Linear', x);
    const features = x.shape[x.ndim - 1];
    if (features !== this.inFeatures) {
      throw new ShapeError('Linear', `input has ${features} features but the layer expects ${this.inFeatures} (input ${fmtShape(x.shape)}, weight ${fmtShape(this.weight.shape)})`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
