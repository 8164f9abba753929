/** StepLR: multiply the lr by `gamma` every `stepSize` epochs. */
import type { Optimizer } from '../optimizer.js';
import { checkInteger, checkKnownOptions, checkNonNegative, optionNames } from '@simplegrad/core';
import { LRScheduler } from './lr-scheduler.js';

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Period of the decay, in epochs (a positive integer, required). */
  stepSize: number;
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays each group's lr by `gamma` every `stepSize` epochs (PyTorch's `StepLR`, chainable form):
 *
 * ```text
 * lr_t = lr_{t-1} · gamma   if t > 0 and t mod stepSize = 0
 * lr_t = lr_{t-1}           otherwise
 * ```
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });   // lr 0.1 → 0.01 at epoch 30 → ...
 * for (let epoch = 0; epoch < 90; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler<Required<StepLROptions>> {
  /** @param optimizer the optimizer to schedule; @param options see {@link StepLROptions}. */
  constructor(optimizer: Optimizer, options: StepLROptions) {
    super('StepLR', optimizer, options);
  }

  protected override resolveOptions(o: Partial<StepLROptions>): Required<StepLROptions> {
    checkKnownOptions(this.name, o, optionNames<StepLROptions>({ stepSize: true, gamma: true }));
    return {
      stepSize: checkInteger(this.name, 'stepSize', o.stepSize, 1),
      gamma: checkNonNegative(this.name, 'gamma', o.gamma ?? 0.1),
    };
  }

  protected override computeLr(lrs: number[]): number[] {
    const { stepSize, gamma } = this.options;
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * gamma);
  }
}
