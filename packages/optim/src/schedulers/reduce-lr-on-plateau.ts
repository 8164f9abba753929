/** ReduceLROnPlateau: cut the lr when a monitored metric stops improving. */
import { ArgumentError } from '@simplegrad/core';
import { Optimizer } from '../optimizer.js';
import { checkChoice, checkInteger, checkKnownOptions, checkNonNegative, checkPerGroup, checkUnitInterval, fmtValue, optionNames } from '@simplegrad/core';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** `'min'`: the metric should decrease (a loss); `'max'`: increase (an accuracy). Default `'min'`. */
  mode?: 'min' | 'max';
  /** `newLr = lr · factor`, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before the lr is cut (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'`: better than `best · (1 ∓ threshold)`; `'abs'`: better than `best ∓ threshold` (default `'rel'`). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr: one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A cut smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/** Every option name, for the misspelling check (`optionNames` makes the table exhaustive). */
const PLATEAU_OPTIONS = optionNames<ReduceLROnPlateauOptions>({
  mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true,
});

/** {@link ReduceLROnPlateauOptions} resolved: defaults filled in, `minLr` one per group. */
export type ReduceLROnPlateauResolved = Required<Omit<ReduceLROnPlateauOptions, 'minLr'>> & { minLr: number[] };

/**
 * The state dict of {@link ReduceLROnPlateau}. `best` is a number, or `'Infinity'` / `'-Infinity'`
 * before the first improvement, so that the dict survives `JSON.stringify` (which would turn ±∞ into null).
 */
export interface ReduceLROnPlateauStateDict {
  /** Number of `step()` calls. */
  lastEpoch: number;
  /** The best metric so far. */
  best: number | 'Infinity' | '-Infinity';
  /** Consecutive epochs without improvement. */
  numBadEpochs: number;
  /** Epochs of cooldown left. */
  cooldownCounter: number;
  /** The lrs after the last step. */
  lastLr: number[];
  /** The scheduler's options. */
  options: ReduceLROnPlateauResolved;
}

/**
 * Reduces each group's lr by `factor` when the metric passed to `step(metric)` has not improved
 * for more than `patience` epochs (PyTorch's `ReduceLROnPlateau`). Per step:
 *
 * ```text
 * if metric is better than best (per mode/threshold): best ← metric, bad ← 0   else bad ← bad + 1
 * if cooldown > 0: cooldown ← cooldown − 1, bad ← 0
 * if bad > patience:
 *   for each group: new ← max(lr · factor, minLr);  if lr − new > eps: lr ← new
 *   cooldown ← cooldownOption, bad ← 0
 * ```
 *
 * "Better" in `min` mode with `rel` threshold means `metric < best · (1 − threshold)`; with `abs`,
 * `metric < best − threshold`; `max` mode mirrors both. A NaN metric is never better.
 * Unlike the epoch schedulers, constructing it changes no lr and does not set `initialLr`.
 *
 * @example
 * const sched = new ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
 * for (let epoch = 0; epoch < 20; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  /** The class name used in error messages. */
  readonly name = 'ReduceLROnPlateau';
  /** The optimizer whose groups' `lr` this scheduler writes. */
  readonly optimizer: Optimizer;
  /** The resolved options. */
  options: ReduceLROnPlateauResolved;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;
  /** The best metric seen (±Infinity before the first one). */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left after the last cut. */
  cooldownCounter = 0;
  private lastLr: number[];

  /** @param optimizer the optimizer to schedule; @param options see {@link ReduceLROnPlateauOptions}. */
  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw new ArgumentError(this.name, `expected an Optimizer, got ${fmtValue(optimizer)}`);
    this.optimizer = optimizer;
    this.options = this.resolveOptions(options);
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lr if it plateaued. */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : metric?.item?.();
    if (typeof current !== 'number') throw new ArgumentError(this.name, `step expects the metric as a number or a one-element tensor, got ${fmtValue(metric)}`);
    const groups = this.optimizer.paramGroups;
    const { minLr, patience, cooldown, factor, eps } = this.options;
    if (groups.length !== minLr.length) {
      throw new ArgumentError(this.name, `the optimizer has ${groups.length} parameter groups but the scheduler was built for ${minLr.length}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > patience) {
      groups.forEach((g, i) => {
        const lr = Math.max(g.lr * factor, minLr[i]);
        if (g.lr - lr > eps) g.lr = lr;
      });
      this.cooldownCounter = cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groups.map((g) => g.lr);
  }

  /** True while the cooldown after a cut is running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether metric `a` improves on `best` under the mode and threshold. */
  isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** The lr of each group after the last `step()` (or at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's counters, best metric and options as plain data (JSON-safe). */
  stateDict(): ReduceLROnPlateauStateDict {
    const best = Number.isFinite(this.best) ? this.best : this.best > 0 ? 'Infinity' : '-Infinity';
    return {
      lastEpoch: this.lastEpoch, best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter,
      lastLr: [...this.lastLr], options: { ...this.options, minLr: [...this.options.minLr] },
    };
  }

  /** Restores a state dict from {@link ReduceLROnPlateau.stateDict} (validated first). */
  loadStateDict(sd: ReduceLROnPlateauStateDict): void {
    if (typeof sd !== 'object' || sd === null) {
      throw new ArgumentError(this.name, `loadStateDict expects { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr, options } as returned by stateDict(), got ${fmtValue(sd)}`);
    }
    if (typeof sd.options !== 'object' || sd.options === null) {
      throw new ArgumentError(this.name, `loaded options must be an object, got ${fmtValue(sd.options)}`);
    }
    const options = this.resolveOptions(sd.options);
    const lastEpoch = checkInteger(this.name, 'loaded lastEpoch', sd.lastEpoch, 0);
    const numBadEpochs = checkInteger(this.name, 'loaded numBadEpochs', sd.numBadEpochs, 0);
    const cooldownCounter = checkInteger(this.name, 'loaded cooldownCounter', sd.cooldownCounter, 0);
    const best: unknown = sd.best === 'Infinity' ? Infinity : sd.best === '-Infinity' ? -Infinity : sd.best;
    if (typeof best !== 'number' || Number.isNaN(best)) {
      throw new ArgumentError(this.name, `loaded best must be a number, 'Infinity' or '-Infinity', got ${fmtValue(sd.best)}`);
    }
    const lastLr = checkPerGroup(this.name, 'loaded lastLr', sd.lastLr, this.optimizer.paramGroups.length);
    this.options = options;
    this.lastEpoch = lastEpoch;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.best = best;
    this.lastLr = lastLr;
  }

  private worst(): number {
    return this.options.mode === 'min' ? Infinity : -Infinity;
  }

  private resolveOptions(o: ReduceLROnPlateauOptions): ReduceLROnPlateauResolved {
    const op = this.name;
    checkKnownOptions(op, o, PLATEAU_OPTIONS);
    const n = this.optimizer.paramGroups.length;
    const minLrIn = o.minLr ?? 0;
    let minLr: number[];
    if (Array.isArray(minLrIn)) {
      if (minLrIn.length !== n) throw new ArgumentError(op, `expected ${n} minLr values (one per parameter group), got ${minLrIn.length}`);
      minLr = minLrIn.map((v: unknown, i) => checkNonNegative(op, `minLr[${i}]`, v));
    } else {
      minLr = new Array<number>(n).fill(checkNonNegative(op, 'minLr', minLrIn));
    }
    return {
      mode: checkChoice(op, 'mode', o.mode ?? 'min', ['min', 'max'] as const),
      factor: checkUnitInterval(op, 'factor', o.factor ?? 0.1),
      patience: checkInteger(op, 'patience', o.patience ?? 10, 0),
      threshold: checkNonNegative(op, 'threshold', o.threshold ?? 1e-4),
      thresholdMode: checkChoice(op, 'thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs'] as const),
      cooldown: checkInteger(op, 'cooldown', o.cooldown ?? 0, 0),
      minLr,
      eps: checkNonNegative(op, 'eps', o.eps ?? 1e-8),
    };
  }
}
