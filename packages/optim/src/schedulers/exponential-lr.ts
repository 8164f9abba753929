/** ExponentialLR: multiply the lr by `gamma` every epoch. */
import type { Optimizer } from '../optimizer.js';
import { checkKnownOptions, checkNonNegative, optionNames } from '@simplegrad/core';
import { LRScheduler } from './lr-scheduler.js';

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Multiplicative factor applied every epoch (required). */
  gamma: number;
}

/**
 * Decays each group's lr by `gamma` every epoch (PyTorch's `ExponentialLR`, chainable form):
 * `lr_t = lr_{t-1} · gamma` for t > 0, so `lr_t = initialLr · gammaᵗ` when it acts alone.
 *
 * @example
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  /** @param optimizer the optimizer to schedule; @param options see {@link ExponentialLROptions}. */
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer, options);
  }

  protected override resolveOptions(o: Partial<ExponentialLROptions>): ExponentialLROptions {
    checkKnownOptions(this.name, o, optionNames<ExponentialLROptions>({ gamma: true }));
    return { gamma: checkNonNegative(this.name, 'gamma', o.gamma) };
  }

  protected override computeLr(lrs: number[]): number[] {
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.options.gamma);
  }
}
