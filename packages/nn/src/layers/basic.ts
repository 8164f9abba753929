/** Parameter-free utility layers: `Flatten`, `Identity`, `Dropout`. */
import { ArgumentError, dropout, flatten } from '@simplegrad/core';
import type { Generator, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';

/**
 * Flattens dims `startDim..endDim` into one (default: everything but the batch dimension, as in
 * PyTorch's `nn.Flatten`).
 *
 * Shape: `[N, C, H, W]` → `[N, C·H·W]`.
 *
 * @example
 * new Flatten().forward(sg.zeros([8, 32, 5, 5])).shape;   // [8, 800]
 */
export class Flatten extends Module {
  /** First flattened dimension. */
  readonly startDim: number;
  /** Last flattened dimension (inclusive). */
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  /** Flattens `x`. */
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/**
 * Returns its input unchanged: a placeholder, e.g. for an optional layer.
 *
 * @example
 * const norm = useBn ? new BatchNorm2d(16) : new Identity();
 */
export class Identity extends Module {
  /** Returns `x`. */
  forward(x: Tensor): Tensor { return x; }
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability `p` and the rest are
 * scaled by `1 / (1 − p)`, so the expected value is unchanged and evaluation needs no rescaling;
 * in eval mode it is the identity. The mask comes from the seeded generator.
 *
 * Shape: unchanged.
 *
 * @example
 * const drop = new Dropout(0.25);
 * drop.forward(x);            // training: masked and scaled by 4/3
 * drop.eval().forward(x);     // x itself
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Generator for the masks (default: the global one). */
  readonly generator: Generator | undefined;
  constructor(p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError('Dropout', `p must be in [0, 1], got ${p}`);
    this.p = p;
    this.generator = opts.generator;
  }
  /** Applies dropout when training. */
  forward(x: Tensor): Tensor { return dropout(x, this.p, { training: this.training, generator: this.generator }); }
  override extraRepr(): string { return `p=${this.p}`; }
}
