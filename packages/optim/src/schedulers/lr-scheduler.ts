/**
 * The base of the epoch-driven schedulers (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR).
 * They follow PyTorch's "chainable" form: each `step()` derives the new lr from the lr currently in
 * the group, so several schedulers can act on one optimizer (e.g. a LinearLR warm-up and a cosine decay).
 */
import { ArgumentError } from '@simplegrad/core';
import { Optimizer } from '../optimizer.js';
import { checkInteger, checkPerGroup, fmtValue } from '@simplegrad/core';

/** A scheduler's state dict: plain data, safe for `JSON.stringify`. */
export interface SchedulerStateDict<O> {
  /** Number of `step()` calls since construction (0 right after it). */
  lastEpoch: number;
  /** Each group's `initialLr` when the scheduler was built. */
  baseLrs: number[];
  /** The lrs the last step set. */
  lastLr: number[];
  /** The scheduler's options (restored too, as PyTorch does). */
  options: O;
}

/**
 * Base class of the epoch-driven learning-rate schedulers.
 *
 * Semantics, as in PyTorch: constructing a scheduler records each group's `initialLr` (unless an
 * earlier scheduler did) and performs step 0, which sets the starting lr (e.g. LinearLR's
 * `lr × startFactor`). Call `step()` once per epoch (or iteration) *after* `optimizer.step()`;
 * step `t` sets the lr used by the next optimizer steps and makes `lastEpoch = t`.
 */
export abstract class LRScheduler<O extends object> {
  /** The class name used in error messages. */
  readonly name: string;
  /** The optimizer whose groups' `lr` this scheduler writes. */
  readonly optimizer: Optimizer;
  /** The resolved options (validated; defaults filled in). */
  options: O;
  /** Number of `step()` calls since construction: 0 after the constructor's initial step. */
  lastEpoch = -1;
  /** Each group's `initialLr`: the lr the schedule starts from. */
  baseLrs: number[];
  private lastLr: number[] = [];

  /** @param name class name; @param optimizer the optimizer to schedule; @param options as given by the caller. */
  protected constructor(name: string, optimizer: Optimizer, options: Partial<O>) {
    this.name = name;
    if (!(optimizer instanceof Optimizer)) throw new ArgumentError(name, `expected an Optimizer, got ${fmtValue(optimizer)}`);
    // Validate before touching the optimizer, so a bad option leaves it as it was.
    this.options = this.resolveOptions(options);
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g) => (g.initialLr ??= g.lr));
    this.step();
  }

  /** Advances the schedule by one epoch and writes the new lr into every parameter group. */
  step(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new ArgumentError(this.name, `the optimizer has ${groups.length} parameter groups but the scheduler was built for ${this.baseLrs.length}`);
    }
    this.lastEpoch += 1;
    const lrs = this.computeLr(groups.map((g) => g.lr));
    groups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lr of each group as set by the last `step()` (or the constructor). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The schedule's position, base lrs, last lrs and options, as plain data. */
  stateDict(): SchedulerStateDict<O> {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr], options: { ...this.options } };
  }

  /**
   * Restores a state dict from {@link LRScheduler.stateDict} (validated first). The optimizer's lrs
   * are not touched: they come back with the optimizer's own state dict.
   */
  loadStateDict(sd: SchedulerStateDict<O>): void {
    if (typeof sd !== 'object' || sd === null) {
      throw new ArgumentError(this.name, `loadStateDict expects { lastEpoch, baseLrs, lastLr, options } as returned by stateDict(), got ${fmtValue(sd)}`);
    }
    const n = this.optimizer.paramGroups.length;
    const lastEpoch = checkInteger(this.name, 'loaded lastEpoch', sd.lastEpoch, 0);
    const baseLrs = checkPerGroup(this.name, 'loaded baseLrs', sd.baseLrs, n);
    const lastLr = checkPerGroup(this.name, 'loaded lastLr', sd.lastLr, n);
    if (typeof sd.options !== 'object' || sd.options === null) {
      throw new ArgumentError(this.name, `loaded options must be an object, got ${fmtValue(sd.options)}`);
    }
    this.options = this.resolveOptions(sd.options);
    this.lastEpoch = lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
  }

  /** Validates options given by the caller (or a state dict) and fills in defaults. */
  protected abstract resolveOptions(options: Partial<O>): O;

  /**
   * The new lr of each group for epoch `this.lastEpoch`, from `lrs` (the groups' current lrs) and
   * {@link LRScheduler.baseLrs}.
   */
  protected abstract computeLr(lrs: number[]): number[];
}
