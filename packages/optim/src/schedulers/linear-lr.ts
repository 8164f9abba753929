/** LinearLR: scale the lr linearly from `startFactor` to `endFactor` (a warm-up). */
import { ArgumentError } from '@simplegrad/core';
import type { Optimizer } from '../optimizer.js';
import { checkInteger, checkKnownOptions, fmtValue, optionNames } from '@simplegrad/core';
import { LRScheduler } from './lr-scheduler.js';

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** Factor applied to the lr at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached at epoch `totalIters`, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves (a positive integer, default 5). */
  totalIters?: number;
}

/**
 * Linear warm-up (or decay) of the lr (PyTorch's `LinearLR`). Acting alone,
 * `lr_t = initialLr · (startFactor + (endFactor − startFactor) · min(t, totalIters) / totalIters)`.
 * Computed, like PyTorch's `step()`, recursively from the current lr:
 *
 * ```text
 * t = 0:               lr_0 = lr · startFactor
 * 0 < t ≤ totalIters:  lr_t = lr_{t-1} · (1 + (end − start) / (totalIters · start + (t − 1) · (end − start)))
 * t > totalIters:      lr_t = lr_{t-1}
 * ```
 *
 * `startFactor` must be > 0 (PyTorch 2's rule), since the recursion divides by it.
 *
 * @example
 * // 5 epochs of warm-up from lr/10, then cosine decay: both act on the same groups.
 * const warm = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cos = new CosineAnnealingLR(opt, { tMax: 50 });
 * for (let e = 0; e < 50; e++) { train(); warm.step(); cos.step(); }
 */
export class LinearLR extends LRScheduler<Required<LinearLROptions>> {
  /** @param optimizer the optimizer to schedule; @param options see {@link LinearLROptions}. */
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer, options);
  }

  protected override resolveOptions(o: Partial<LinearLROptions>): Required<LinearLROptions> {
    checkKnownOptions(this.name, o, optionNames<LinearLROptions>({ startFactor: true, endFactor: true, totalIters: true }));
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = o;
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new ArgumentError(this.name, `startFactor must be in (0, 1], got ${fmtValue(startFactor)}`);
    }
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) {
      throw new ArgumentError(this.name, `endFactor must be in [0, 1], got ${fmtValue(endFactor)}`);
    }
    return { startFactor, endFactor, totalIters: checkInteger(this.name, 'totalIters', totalIters, 1) };
  }

  protected override computeLr(lrs: number[]): number[] {
    const { startFactor: start, endFactor: end, totalIters } = this.options;
    const t = this.lastEpoch;
    if (t === 0) return lrs.map((lr) => lr * start);
    if (t > totalIters) return lrs;
    return lrs.map((lr) => lr * (1 + (end - start) / (totalIters * start + (t - 1) * (end - start))));
  }
}
