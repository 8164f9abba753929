/** Loss functions. Stubs to be implemented. */
import { Tensor } from '../tensor.js';

/** How a loss reduces over elements: `'mean'` (default), `'sum'`, or `'none'`. */
export type Reduction = 'mean' | 'sum' | 'none';
/** Options shared by the losses. */
export interface LossOptions { /** Reduction over elements (default `'mean'`). */ reduction?: Reduction }
/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** Per-class weights `[C]`. */ weight?: Tensor;
  /** Target value that is ignored (default -100). */ ignoreIndex?: number;
}
/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Label smoothing in [0, 1] (default 0). */ labelSmoothing?: number;
}
/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions extends LossOptions {
  /** Per-element weight, broadcast to the input. */ weight?: Tensor;
  /** Weight of positive examples, broadcast over the class dimension. */ posWeight?: Tensor;
}

/** Cross-entropy of logits against class indices (int32) or class probabilities (float). */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor { return notYet('crossEntropy', input, target, opts); }
/** Negative log-likelihood of log-probabilities against class indices. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor { return notYet('nllLoss', input, target, opts); }
/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor { return notYet('mseLoss', input, target, opts); }
/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor { return notYet('l1Loss', input, target, opts); }
/** Binary cross-entropy on logits, computed stably. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor { return notYet('binaryCrossEntropyWithLogits', input, target, opts); }

function notYet(op: string, ..._args: unknown[]): never { throw new Error(`${op}: not implemented yet`); }
