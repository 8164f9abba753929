/**
 * Loss modules wrapping core's loss functions. As in PyTorch, class and positive-class weights
 * are buffers (saved in the state dict as `weight` / `pos_weight` when given). Arguments read as
 * PyTorch's: the weight may come first positionally (`new CrossEntropyLoss(w)`), everything else
 * by name; PyTorch's deprecated positional `size_average` / `reduce` are rejected.
 */
import {
  ArgumentError, Tensor, binaryCrossEntropy, binaryCrossEntropyWithLogits, checkChoice, checkNumber, checkProbability, crossEntropy, fmtValue, l1Loss,
  mseLoss, nllLoss, optionNames, readArgs,
} from '@simplegrad/core';
import type { Reduction } from '@simplegrad/core';
import { Module } from '../module.js';

/** Options of {@link MSELoss} and {@link L1Loss}. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** Options of {@link BCELoss}. */
export interface BCELossOptions extends ReductionOptions {
  /** Per-element weights, broadcast against the input (default none). */
  weight?: Tensor;
}

/** Options of {@link BCEWithLogitsLoss}. */
export interface BCEWithLogitsLossOptions extends ReductionOptions {
  /** Per-element weights, broadcast against the input (default none). */
  weight?: Tensor;
  /** Per-class weights of the positive examples (default none). */
  posWeight?: Tensor;
}

/** Options of {@link CrossEntropyLoss} and {@link NLLLoss}. */
export interface ClassLossOptions {
  /** Per-class weights `[C]` (default none). */
  weight?: Tensor;
  /** Target value whose samples are skipped (default -100). */
  ignoreIndex?: number;
  /** `'mean'` (default; weighted mean when `weight` is given), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

const REDUCTION_OPTIONS = optionNames<ReductionOptions>({ reduction: true });
const CROSS_ENTROPY_OPTIONS = optionNames<ClassLossOptions & { labelSmoothing?: number }>({ weight: true, ignoreIndex: true, reduction: true, labelSmoothing: true });
const NLL_OPTIONS = optionNames<ClassLossOptions>({ weight: true, ignoreIndex: true, reduction: true });
const BCE_OPTIONS = optionNames<BCELossOptions>({ weight: true, reduction: true });
const BCE_WITH_LOGITS_OPTIONS = optionNames<BCEWithLogitsLossOptions>({ weight: true, posWeight: true, reduction: true });

/** Throws unless `t` is a tensor or absent (a loss's optional weights). */
function optionalTensor(layer: string, name: string, t: unknown): Tensor | undefined {
  if (t === undefined || t === null) return undefined;
  if (!(t instanceof Tensor)) throw new ArgumentError(layer, `${name} must be a Tensor, got ${fmtValue(t)}`);
  return t;
}

/** What every loss module has: the reduction (default `'mean'`), shown by `toString`. */
abstract class Loss extends Module {
  /** How the per-sample losses are reduced. */
  readonly reduction: Reduction;
  constructor(layer: string, reduction: Reduction | undefined) {
    super();
    this.reduction = checkChoice(layer, 'reduction', reduction ?? 'mean', ['mean', 'sum', 'none']);
  }
  override extraRepr(): string { return `reduction=${this.reduction}`; }
}

/** A loss with optional `weight`, held as a buffer (saved in the state dict when given). */
abstract class WeightedLoss extends Loss {
  constructor(layer: string, reduction: Reduction | undefined, weight: Tensor | undefined) {
    super(layer, reduction);
    this.registerBuffer('weight', optionalTensor(layer, 'weight', weight) ?? null);
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
 * new CrossEntropyLoss(classWeights, { ignoreIndex: 0 });   // PyTorch's positional weight
 */
export class CrossEntropyLoss extends WeightedLoss {
  /** Skipped target value. */
  readonly ignoreIndex: number;
  /** Label smoothing in [0, 1]. */
  readonly labelSmoothing: number;
  constructor(...args: [opts?: ClassLossOptions & { labelSmoothing?: number }] | [weight: Tensor | undefined, opts?: Omit<ClassLossOptions, 'weight'> & { labelSmoothing?: number }]) {
    const opts = readArgs<ClassLossOptions & { labelSmoothing?: number }>('CrossEntropyLoss', args, ['weight'], CROSS_ENTROPY_OPTIONS);
    super('CrossEntropyLoss', opts.reduction, opts.weight);
    this.ignoreIndex = checkNumber('CrossEntropyLoss', 'ignoreIndex', opts.ignoreIndex ?? -100);
    this.labelSmoothing = checkProbability('CrossEntropyLoss', 'labelSmoothing', opts.labelSmoothing ?? 0);
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
  constructor(...args: [opts?: ClassLossOptions] | [weight: Tensor | undefined, opts?: Omit<ClassLossOptions, 'weight'>]) {
    const opts = readArgs<ClassLossOptions>('NLLLoss', args, ['weight'], NLL_OPTIONS);
    super('NLLLoss', opts.reduction, opts.weight);
    this.ignoreIndex = checkNumber('NLLLoss', 'ignoreIndex', opts.ignoreIndex ?? -100);
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
  constructor(...args: [opts?: ReductionOptions]) {
    super('MSELoss', readArgs<ReductionOptions>('MSELoss', args, [], REDUCTION_OPTIONS).reduction);
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
  constructor(...args: [opts?: ReductionOptions]) {
    super('L1Loss', readArgs<ReductionOptions>('L1Loss', args, [], REDUCTION_OPTIONS).reduction);
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
  constructor(...args: [opts?: BCEWithLogitsLossOptions] | [weight: Tensor | undefined, opts?: Omit<BCEWithLogitsLossOptions, 'weight'>]) {
    const opts = readArgs<BCEWithLogitsLossOptions>('BCEWithLogitsLoss', args, ['weight'], BCE_WITH_LOGITS_OPTIONS);
    super('BCEWithLogitsLoss', opts.reduction, opts.weight);
    this.registerBuffer('pos_weight', optionalTensor('BCEWithLogitsLoss', 'posWeight', opts.posWeight) ?? null);
  }
  /** The positive-class weights, if any. */
  get posWeight(): Tensor | undefined { return this.getBuffer('pos_weight') ?? undefined; }
  /** The loss of `input` logits against `target` probabilities. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy of probabilities `input` in [0, 1] against targets (PyTorch's
 * `nn.BCELoss(weight)`), each log clamped at −100 as in PyTorch; DCGAN's loss after a `Sigmoid`.
 * Prefer {@link BCEWithLogitsLoss} on logits: it stays accurate where the sigmoid saturates.
 *
 * @example
 * const lossFn = new BCELoss();
 * lossFn.forward(sg.sigmoid(logits), realLabels);   // scalar
 * new BCELoss(weights, { reduction: 'sum' });       // PyTorch's positional weight
 */
export class BCELoss extends WeightedLoss {
  constructor(...args: [opts?: BCELossOptions] | [weight: Tensor | undefined, opts?: Omit<BCELossOptions, 'weight'>]) {
    const opts = readArgs<BCELossOptions>('BCELoss', args, ['weight'], BCE_OPTIONS);
    super('BCELoss', opts.reduction, opts.weight);
  }
  /** The loss of `input` probabilities against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}
