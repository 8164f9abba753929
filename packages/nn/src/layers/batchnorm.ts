/**
 * Batch normalisation, composed from core ops (mean, sub, mul, sqrt...) so its gradient needs no
 * code of its own. The running statistics follow PyTorch exactly: the biased batch variance
 * normalises, the unbiased one (× n / (n − 1)) enters the running average, and `momentum: null`
 * gives a cumulative average.
 */
import { ArgumentError, ShapeError, fmtShape, ones, zeros } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { type LayerOptions, checkInput, emptyParameter, positiveInt } from './common.js';

/** Options of {@link BatchNorm2d} and {@link BatchNorm1d}. */
export interface BatchNormOptions extends Omit<LayerOptions, 'generator'> {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch in the running averages (default 0.1); `null` averages all batches
   * seen so far equally (a cumulative moving average).
   */
  momentum?: number | null;
  /** Learn a per-channel scale (weight, init 1) and shift (bias, init 0) (default true). */
  affine?: boolean;
  /**
   * Keep running mean/variance (default true) and use them in eval mode; without them every
   * mode normalises with the batch's own statistics.
   */
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of each new batch in the running averages, or null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether weight and bias exist. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale `[C]` (null unless affine). */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (null unless affine). */
  bias: Parameter | null;

  /**
   * @param layer class name for messages; @param ndims the accepted input ranks, described by
   * `layout` (e.g. `'[N, C, H, W]'`) in the rank error.
   */
  constructor(
    private readonly layer: string,
    private readonly ndims: readonly number[],
    private readonly layout: string,
    numFeatures: number,
    opts: BatchNormOptions,
  ) {
    super();
    this.numFeatures = positiveInt(layer, 'numFeatures', numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps > 0)) throw new ArgumentError(layer, `eps must be positive, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ArgumentError(layer, `momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? emptyParameter([numFeatures], opts) : null;
    this.bias = this.affine ? emptyParameter([numFeatures], opts) : null;
    const dtype = opts.dtype ?? 'float32';
    // PyTorch's snake_case buffer names, so checkpoints cross over unchanged.
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
    this.resetParameters();
  }

  /** Running mean `[C]` (buffer `running_mean`), or null without running statistics. */
  get runningMean(): Tensor | null { return this.getBuffer('running_mean'); }
  /** Running (unbiased) variance `[C]` (buffer `running_var`), or null. */
  get runningVar(): Tensor | null { return this.getBuffer('running_var'); }
  /** Number of training batches seen (int32 scalar, buffer `num_batches_tracked`), or null. */
  get numBatchesTracked(): Tensor | null { return this.getBuffer('num_batches_tracked'); }

  /**
   * Resets the running statistics to mean 0, variance 1, no batches.
   *
   * @example
   * bn.resetRunningStats();
   */
  resetRunningStats(): void {
    if (this.runningMean !== null) zeros_(this.runningMean);
    if (this.runningVar !== null) ones_(this.runningVar);
    if (this.numBatchesTracked !== null) zeros_(this.numBatchesTracked);
  }

  /**
   * Resets the running statistics and sets weight to 1 and bias to 0 (PyTorch's defaults).
   *
   * @example
   * bn.resetParameters();
   */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** Normalises `x` per channel (dimension 1). */
  forward(x: Tensor): Tensor {
    checkInput(this.layer, x, this.ndims, this.layout);
    const c = x.shape[1];
    if (c !== this.numFeatures) {
      throw new ShapeError(this.layer, `input has ${c} channels but the layer expects ${this.numFeatures} (input ${fmtShape(x.shape)})`);
    }
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
    const rm = this.runningMean;
    const rv = this.runningVar;
    let y: Tensor;
    if (this.training || rm === null || rv === null) {
      const n = x.size / c;
      if (this.training && n <= 1) {
        throw new ShapeError(this.layer, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
      }
      const mean = x.mean(dims, true);
      const centered = x.sub(mean);
      const biasedVar = centered.mul(centered).mean(dims, true);
      y = centered.div(biasedVar.add(this.eps).sqrt());
      if (this.training && rm !== null && rv !== null) this.updateRunningStats(mean, biasedVar, n, rm, rv);
    } else {
      y = x.sub(rm.reshape(perChannel)).div(rv.add(this.eps).sqrt().reshape(perChannel));
    }
    if (this.weight !== null && this.bias !== null) {
      y = y.mul(this.weight.reshape(perChannel)).add(this.bias.reshape(perChannel));
    }
    return y;
  }

  /**
   * In-place running-average update (so references to the buffers, and checkpoints, stay valid).
   * It writes typed arrays directly, so no graph is recorded and no `noGrad` is needed.
   */
  private updateRunningStats(mean: Tensor, biasedVar: Tensor, n: number, rm: Tensor, rv: Tensor): void {
    const count = this.numBatchesTracked as Tensor;
    count.data[0] += 1;
    const f = this.momentum ?? 1 / count.data[0];
    const unbiased = n / (n - 1);
    for (let ch = 0; ch < this.numFeatures; ch++) {
      rm.data[ch] = (1 - f) * rm.data[ch] + f * mean.data[ch];
      rv.data[ch] = (1 - f) * rv.data[ch] + f * biasedVar.data[ch] * unbiased;
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` (PyTorch's `nn.BatchNorm2d`): each channel is normalised
 * with the mean and variance over N, H and W (batch statistics in training mode, running ones in
 * eval mode), then scaled and shifted by learnt `weight` and `bias`. Buffers (saved in the state
 * dict under PyTorch's names): `running_mean`, `running_var`, `num_batches_tracked`.
 *
 * Shape: unchanged.
 *
 * @example
 * const bn = new BatchNorm2d(16);
 * bn.forward(sg.normal([8, 16, 12, 12]));   // updates bn.runningMean / bn.runningVar
 * bn.eval().forward(x);                     // uses them
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', [4], '[N, C, H, W]', numFeatures, opts);
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` (PyTorch's `nn.BatchNorm1d`); see
 * {@link BatchNorm2d}.
 *
 * @example
 * new BatchNorm1d(64).forward(sg.normal([32, 64]));
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', [2, 3], '[N, C] or [N, C, L]', numFeatures, opts);
  }
}
