/**
 * Activations as modules (no parameters), each a thin wrapper over the core function of the same
 * name, so they can sit in a `Sequential` and show up in `summary()`.
 */
import { elu, gelu, leakyRelu, logSoftmax, relu, sigmoid, silu, softmax, tanh } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';

/**
 * `max(x, 0)` elementwise. Shape: unchanged.
 *
 * @example
 * new ReLU().forward(sg.tensor([-1, 2]));   // [0, 2]
 */
export class ReLU extends Module {
  /** Applies ReLU. */
  forward(x: Tensor): Tensor { return relu(x); }
}

/**
 * `x` for x ≥ 0, `negativeSlope·x` otherwise (default slope 0.01). Shape: unchanged.
 *
 * @example
 * new LeakyReLU({ negativeSlope: 0.2 }).forward(sg.tensor([-1, 2]));   // [-0.2, 2]
 */
export class LeakyReLU extends Module {
  /** Slope for negative inputs. */
  readonly negativeSlope: number;
  constructor(opts: { negativeSlope?: number } = {}) {
    super();
    this.negativeSlope = opts.negativeSlope ?? 0.01;
  }
  /** Applies leaky ReLU. */
  forward(x: Tensor): Tensor { return leakyRelu(x, { negativeSlope: this.negativeSlope }); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/**
 * `1 / (1 + e^-x)` elementwise. Shape: unchanged.
 *
 * @example
 * new Sigmoid().forward(sg.tensor([0]));   // [0.5]
 */
export class Sigmoid extends Module {
  /** Applies the logistic sigmoid. */
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/**
 * Hyperbolic tangent elementwise. Shape: unchanged.
 *
 * @example
 * new Tanh().forward(sg.tensor([0]));   // [0]
 */
export class Tanh extends Module {
  /** Applies tanh. */
  forward(x: Tensor): Tensor { return tanh(x); }
}

/**
 * GELU, exact (`x·Φ(x)`, default) or with `approximate: 'tanh'`. Shape: unchanged.
 *
 * @example
 * new GELU({ approximate: 'tanh' }).forward(x);
 */
export class GELU extends Module {
  /** `'none'` (exact) or `'tanh'`. */
  readonly approximate: 'none' | 'tanh';
  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = opts.approximate ?? 'none';
  }
  /** Applies GELU. */
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate=${this.approximate}`; }
}

/**
 * ELU: `x` for x > 0, `alpha·(eˣ − 1)` otherwise (default alpha 1). Shape: unchanged.
 *
 * @example
 * new ELU({ alpha: 0.5 }).forward(x);
 */
export class ELU extends Module {
  /** Scale of the negative part. */
  readonly alpha: number;
  constructor(opts: { alpha?: number } = {}) {
    super();
    this.alpha = opts.alpha ?? 1;
  }
  /** Applies ELU. */
  forward(x: Tensor): Tensor { return elu(x, { alpha: this.alpha }); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/**
 * SiLU (swish): `x·sigmoid(x)`. Shape: unchanged.
 *
 * @example
 * new SiLU().forward(x);
 */
export class SiLU extends Module {
  /** Applies SiLU. */
  forward(x: Tensor): Tensor { return silu(x); }
}

/**
 * Softmax over `dim` (default -1: the last dimension, the class dimension of `[N, C]` logits).
 * Shape: unchanged.
 *
 * @example
 * new Softmax(1).forward(logits);   // rows sum to 1
 */
export class Softmax extends Module {
  /** The dimension that sums to 1. */
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  /** Applies softmax over `dim`. */
  forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/**
 * Log-softmax over `dim` (default -1), computed stably; pairs with `NLLLoss`. Shape: unchanged.
 *
 * @example
 * new LogSoftmax(1).forward(logits);
 */
export class LogSoftmax extends Module {
  /** The normalised dimension. */
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  /** Applies log-softmax over `dim`. */
  forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
