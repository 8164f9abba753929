/** CosineAnnealingLR: half a cosine from the initial lr down to `etaMin` over `tMax` epochs. */
import type { Optimizer } from '../optimizer.js';
import { checkInteger, checkKnownOptions, checkNonNegative, optionNames } from '@simplegrad/core';
import { LRScheduler } from './lr-scheduler.js';

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Epochs from the initial lr to `etaMin` (a positive integer, required). */
  tMax: number;
  /** The minimum lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing (PyTorch's `CosineAnnealingLR`, the SGDR schedule without restarts). Acting
 * alone it follows
 *
 * ```text
 * lr_t = etaMin + (initialLr − etaMin) · (1 + cos(π t / tMax)) / 2
 * ```
 *
 * and past `tMax` it rises again along the same cosine. Like PyTorch's `step()` it is computed
 * recursively from the current lr (so it composes with other schedulers), with PyTorch's exact
 * expressions, so the sequence equals PyTorch's to the last bit or two:
 *
 * ```text
 * t = 0:                          lr_t = lr_{t-1}
 * (t − 1 − tMax) mod 2tMax = 0:   lr_t = lr_{t-1} + (base − etaMin) · (1 − cos(π / tMax)) / 2
 * otherwise:                      lr_t = (1 + cos(π t / tMax)) / (1 + cos(π (t − 1) / tMax)) · (lr_{t-1} − etaMin) + etaMin
 * ```
 *
 * @example
 * const sched = new CosineAnnealingLR(opt, { tMax: epochs, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler<Required<CosineAnnealingLROptions>> {
  /** @param optimizer the optimizer to schedule; @param options see {@link CosineAnnealingLROptions}. */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, options);
  }

  protected override resolveOptions(o: Partial<CosineAnnealingLROptions>): Required<CosineAnnealingLROptions> {
    checkKnownOptions(this.name, o, optionNames<CosineAnnealingLROptions>({ tMax: true, etaMin: true }));
    return {
      tMax: checkInteger(this.name, 'tMax', o.tMax, 1),
      etaMin: checkNonNegative(this.name, 'etaMin', o.etaMin ?? 0),
    };
  }

  protected override computeLr(lrs: number[]): number[] {
    const { tMax, etaMin } = this.options;
    const t = this.lastEpoch;
    if (t === 0) return lrs;
    // At the trough the ratio below would divide by 1 + cos(π) = 0: PyTorch steps up by one increment instead.
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    const ratio = (1 + Math.cos(Math.PI * t / tMax)) / (1 + Math.cos(Math.PI * (t - 1) / tMax));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }
}
