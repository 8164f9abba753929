/**
 * Batch normalisation layers over core's fused `batchNorm` op. The running statistics follow
 * PyTorch exactly: the biased batch variance normalises, the unbiased one (× n / (n − 1)) enters the
 * running average, and `momentum: null` gives a cumulative average.
 */
import { ArgumentError, ShapeError, batchNorm, checkBoolean, checkKnownOptions, checkFinite, fmtShape, fmtValue, ones, optionNames, zeros, checkInteger } from '@simplegrad/core';
import type { OutputActivation, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { type LayerOptions, checkInput, checkLayerOptions, emptyParameter } from './common.js';

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

const BATCH_NORM_OPTIONS = optionNames<BatchNormOptions>({ eps: true, momentum: true, affine: true, trackRunningStats: true, dtype: true });

export abstract class BatchNorm extends Module {
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  private momentumValue: number | null = 0.1;
  /** Whether weight and bias exist. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale `[C]` (null unless affine). */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (null unless affine). */
  bias: Parameter | null;

  /**
   * Weight of each new batch in the running averages, or null for a cumulative average. Settable,
   * as in PyTorch (re-estimating statistics after training sets it to null for a while).
   */
  get momentum(): number | null {
    return this.momentumValue;
  }

  /** Sets the momentum: a number in [0, 1], or null for a cumulative average (validated). */
  set momentum(value: number | null) {
    if (value !== null && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new ArgumentError(this.layer, `momentum must be in [0, 1] or null, got ${fmtValue(value)}`);
    }
    this.momentumValue = value;
  }

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
    this.numFeatures = checkInteger(layer, 'numFeatures', numFeatures, 1);
    // PyTorch's positional `BatchNorm2d(16, 1e-3)` lands here as a number and is rejected.
    checkLayerOptions(layer, opts, BATCH_NORM_OPTIONS);
    this.eps = checkFinite(layer, 'eps', opts.eps ?? 1e-5);
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps > 0)) throw new ArgumentError(layer, `eps must be positive, got ${this.eps}`);
    this.affine = checkBoolean(layer, 'affine', opts.affine ?? true);
    this.trackRunningStats = checkBoolean(layer, 'trackRunningStats', opts.trackRunningStats ?? true);
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
    return this.normalize(x, 'none');
  }

  /**
   * `this.forward(x)` with an activation run on its output in the same kernels (batchNorm's
   * `activation`): `relu6(this.forward(x))` for `{ activation: 'relu6' }`, values and gradients (the
   * running statistics updated alike). `Sequential` runs a BatchNorm followed by a ReLU or ReLU6
   * this way.
   *
   * @example
   * new BatchNorm2d(8).forwardFused(sg.normal([4, 8, 6, 6]), { activation: 'relu6' });   // all in [0, 6]
   */
  forwardFused(x: Tensor, epilogue: { activation?: OutputActivation }): Tensor {
    checkKnownOptions(`${this.layer}.forwardFused`, epilogue, ['activation']);
    return this.normalize(x, epilogue.activation ?? 'none');
  }

  private normalize(x: Tensor, activation: OutputActivation): Tensor {
    checkInput(this.layer, x, this.ndims, this.layout);
    const c = x.shape[1];
    if (c !== this.numFeatures) {
      throw new ShapeError(this.layer, `input has ${c} channels but the layer expects ${this.numFeatures} (input ${fmtShape(x.shape)})`);
    }
    const rm = this.runningMean;
    const rv = this.runningVar;
    // As in PyTorch: without running statistics every mode normalises with the batch's own.
    const batchStats = this.training || rm === null || rv === null;
    if (batchStats && x.size / c <= 1) {
      throw new ShapeError(this.layer, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    }
    let momentum = 0;
    if (this.training && rm !== null) {
      const count = this.numBatchesTracked as Tensor;
      count.data[0] += 1;
      // momentum null: a cumulative average, each batch weighted 1 / (batches seen so far).
      momentum = this.momentum ?? 1 / count.data[0];
    }
    // The fused op updates rm and rv in place, so references to the buffers (and checkpoints) stay valid.
    return batchNorm(x, rm, rv, { weight: this.weight, bias: this.bias, training: batchStats, momentum, eps: this.eps, activation });
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
