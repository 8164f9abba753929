/**
 * Loss modules wrapping core's loss functions. As in PyTorch, class and positive-class weights
 * are buffers (saved in the state dict as `weight` / `pos_weight` when given).
 */
import { binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss } from '@simplegrad/core';
import type { Reduction, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';

/** Options of {@link CrossEntropyLoss} and {@link NLLLoss}. */
export interface ClassLossOptions {
  /** Per-class weights `[C]` (default none). */
  weight?: Tensor;
  /** Target value whose samples are skipped (default -100). */
  ignoreIndex?: number;
  /** `'mean'` (default; weighted mean when `weight` is given), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** What every loss module has: the reduction (default `'mean'`), shown by `toString`. */
abstract class Loss extends Module {
  /** How the per-sample losses are reduced. */
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    this.reduction = reduction ?? 'mean';
  }
  override extraRepr(): string { return `reduction=${this.reduction}`; }
}

/** A loss with optional `weight`, held as a buffer (saved in the state dict when given). */
abstract class WeightedLoss extends Loss {
  constructor(reduction: Reduction | undefined, weight: Tensor | undefined) {
    super(reduction);
    this.registerBuffer('weight', weight ?? null);
  }
  /** The class weights, if any. */
  get weight(): Tensor | undefined { return this.getBuffer('weight') ?? undefined; }
}

/**
 * Cross-entropy of logits `[N, C]` (or `[N, C, ...]`) against int32 class indices `[N]` or class
 * probabilities `[N, C]` (PyTorch's `nn.CrossEntropyLoss`), with class weights, `ignoreIndex` and
 * label smoothing.
 *
 * @example
 * const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(logits, labels);   // scalar
 */
export class CrossEntropyLoss extends WeightedLoss {
  /** Skipped target value. */
  readonly ignoreIndex: number;
  /** Label smoothing in [0, 1]. */
  readonly labelSmoothing: number;
  constructor(opts: ClassLossOptions & { labelSmoothing?: number } = {}) {
    super(opts.reduction, opts.weight);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  /** The loss of `input` logits against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * Negative log-likelihood of log-probabilities `[N, C]` against int32 class indices `[N]`
 * (PyTorch's `nn.NLLLoss`); `LogSoftmax` + `NLLLoss` equals `CrossEntropyLoss`.
 *
 * @example
 * new NLLLoss().forward(sg.logSoftmax(logits, 1), labels);
 */
export class NLLLoss extends WeightedLoss {
  /** Skipped target value. */
  readonly ignoreIndex: number;
  constructor(opts: ClassLossOptions = {}) {
    super(opts.reduction, opts.weight);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  /** The loss of `input` log-probabilities against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Mean squared error `mean((input − target)²)` (PyTorch's `nn.MSELoss`).
 *
 * @example
 * new MSELoss().forward(pred, target);
 */
export class MSELoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts.reduction);
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

/**
 * Mean absolute error `mean(|input − target|)` (PyTorch's `nn.L1Loss`).
 *
 * @example
 * new L1Loss({ reduction: 'sum' }).forward(pred, target);
 */
export class L1Loss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts.reduction);
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

/**
 * Binary cross-entropy on logits, computed stably (PyTorch's `nn.BCEWithLogitsLoss`), with
 * per-element `weight` and per-class `posWeight`.
 *
 * @example
 * new BCEWithLogitsLoss({ posWeight: sg.tensor([3]) }).forward(logits, targets01);
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  constructor(opts: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}) {
    super(opts.reduction, opts.weight);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  /** The positive-class weights, if any. */
  get posWeight(): Tensor | undefined { return this.getBuffer('pos_weight') ?? undefined; }
  /** The loss of `input` logits against `target` probabilities. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
