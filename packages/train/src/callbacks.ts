/**
 * Callbacks for {@link fit}, TF.js-style: an object with any of five hooks, each given the logs and
 * a {@link FitControl} that can stop training. Built-ins: {@link earlyStopping} and
 * {@link checkpoint}; the progress bar lives in `progress.ts`.
 */
import { ArgumentError, Tensor, checkKnownOptions } from '@simplegrad/core';
import { type Module, type Stateful, saveCheckpoint } from '@simplegrad/nn';
import type { Optimizer } from '@simplegrad/optim';
import type { BatchLogs, EpochLogs, History } from './fit.js';

/** Handed to every hook: the model and optimizer being trained, and a way to stop. */
export interface FitControl {
  /** The model being trained. */
  readonly model: Module;
  /** Its optimizer. */
  readonly optimizer: Optimizer;
  /** Whether a callback asked to stop. */
  stopRequested: boolean;
  /** The message given to {@link FitControl.stop}. */
  stopMessage: string | undefined;
  /** Ends training after the current batch (or at once, from `onEpochEnd`). */
  stop(message?: string): void;
}

/** What `onTrainBegin` gets. */
export interface TrainBeginLogs {
  /** Planned epochs. */
  readonly epochs: number;
  /** Batches per epoch (NaN if the loader has no length). */
  readonly batches: number;
}

/** Hooks called by {@link fit}, each optional and possibly async (fit awaits it). */
export interface Callbacks {
  /** Before the first epoch. */
  onTrainBegin?(logs: TrainBeginLogs, control: FitControl): void | Promise<void>;
  /** Before each epoch (1-based). */
  onEpochBegin?(epoch: number, control: FitControl): void | Promise<void>;
  /** After each batch (1-based within its epoch). */
  onBatchEnd?(batch: number, logs: BatchLogs, control: FitControl): void | Promise<void>;
  /** After each epoch, validation included. */
  onEpochEnd?(epoch: number, logs: EpochLogs, control: FitControl): void | Promise<void>;
  /** Once at the end, also after an abort or a stop. */
  onTrainEnd?(history: History, control: FitControl): void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** Normalises the `callbacks` option to an array, rejecting unknown hook names (a misspelled hook would never run). */
export function callbackList(op: string, callbacks: Callbacks | readonly Callbacks[] | undefined): Callbacks[] {
  if (callbacks === undefined) return [];
  const list = Array.isArray(callbacks) ? [...callbacks] : [callbacks as Callbacks];
  list.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new ArgumentError(op, `callbacks[${i}] must be an object of hooks (${HOOKS.join(', ')})`);
    for (const key of Object.keys(cb)) {
      if (!(HOOKS as readonly string[]).includes(key)) throw new ArgumentError(op, `callbacks[${i}] has an unknown hook '${key}' (known: ${HOOKS.join(', ')})`);
      if (typeof (cb as Record<string, unknown>)[key] !== 'function') throw new ArgumentError(op, `callbacks[${i}].${key} must be a function`);
    }
  });
  return list;
}

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** The epoch log to watch (default `'valLoss'`). */
  monitor?: string;
  /** `'min'` (default for names containing "loss") or `'max'` (default otherwise, e.g. accuracy). */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping (default 0: stop at the first). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Load the best epoch's weights back when stopping or at the end (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when `monitor` has not improved by more than `minDelta` for `patience` epochs
 * (Keras's `EarlyStopping`); optionally restores the best epoch's weights.
 *
 * @example
 * await fit(model, loader, { optimizer, epochs: 50, validation, callbacks: earlyStopping({ patience: 3, restoreBestWeights: true }) });
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callbacks {
  checkKnownOptions('earlyStopping', options, ['monitor', 'mode', 'patience', 'minDelta', 'restoreBestWeights']);
  const monitor = options.monitor ?? 'valLoss';
  const mode = options.mode ?? (/loss/i.test(monitor) ? 'min' : 'max');
  if (mode !== 'min' && mode !== 'max') throw new ArgumentError('earlyStopping', `mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
  const patience = options.patience ?? 0;
  if (!Number.isInteger(patience) || patience < 0) throw new ArgumentError('earlyStopping', `patience must be a non-negative integer, got ${patience}`);
  const minDelta = Math.abs(options.minDelta ?? 0);
  if (!Number.isFinite(minDelta)) throw new ArgumentError('earlyStopping', `minDelta must be a finite number, got ${options.minDelta}`);
  let best = mode === 'min' ? Infinity : -Infinity;
  let wait = 0;
  let bestWeights: Map<string, Tensor> | null = null;
  const restore = (control: FitControl): void => {
    if (options.restoreBestWeights && bestWeights !== null) control.model.loadStateDict(bestWeights);
  };
  return {
    onTrainBegin() { best = mode === 'min' ? Infinity : -Infinity; wait = 0; bestWeights = null; },
    onEpochEnd(epoch, logs, control) {
      const value = logs[monitor];
      if (value === undefined) {
        throw new ArgumentError('earlyStopping', `monitor '${monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}); pass validation to fit for val* keys`);
      }
      const improved = mode === 'min' ? value < best - minDelta : value > best + minDelta;
      if (improved) {
        best = value;
        wait = 0;
        if (options.restoreBestWeights) bestWeights = new Map([...control.model.stateDict()].map(([k, t]) => [k, t.clone()]));
        return;
      }
      if (++wait > patience) {
        control.stop(`earlyStopping: ${monitor} did not improve on ${best} for ${wait} epoch(s) (stopped after epoch ${epoch})`);
        restore(control);
      }
    },
    onTrainEnd(history, control) {
      if (!control.stopRequested) restore(control);
    },
  };
}

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /**
   * Called with the bytes `serialize` made and the epoch's logs; may be async (fit waits).
   */
  save: (bytes: Uint8Array, logs: EpochLogs) => void | Promise<void>;
  /** Save every this many epochs (default 1). */
  everyEpochs?: number;
  /** With a monitored log, save only when it improves (e.g. `'valAccuracy'`). */
  monitor?: string;
  /** `'min'` or `'max'` for `monitor` (default as in {@link earlyStopping}). */
  mode?: 'min' | 'max';
  /** Also saved by the default `serialize`: the LR scheduler(s), so a resumed run continues the schedule. */
  scheduler?: Stateful | readonly Stateful[];
  /** Also saved by the default `serialize`: the data loader's position and shuffle state. */
  loader?: Stateful;
  /**
   * The bytes to save (default: `saveCheckpoint` from `@simplegrad/nn` of the model, the optimizer,
   * `scheduler` and `loader`, with `{ epoch, logs }` as its extra: one file that resumes training
   * exactly, see `loadCheckpoint`).
   */
  serialize?: (control: FitControl, logs: EpochLogs) => Uint8Array;
}

/**
 * Saves a one-file checkpoint (`saveCheckpoint` from `@simplegrad/nn`: model, optimizer, and the
 * `scheduler` and `loader` you pass) at the end of epochs: every `everyEpochs`, or only when
 * `monitor` improves. `loadCheckpoint(bytes, { model, optimizer, scheduler, loader })` resumes it
 * exactly and returns `{ epoch, logs }`.
 *
 * @example
 * checkpoint({ monitor: 'valAccuracy', loader, save: (bytes) => writeFileSync('best.ckpt.safetensors', bytes) });
 */
export function checkpoint(options: CheckpointOptions): Callbacks {
  checkKnownOptions('checkpoint', options, ['save', 'everyEpochs', 'monitor', 'mode', 'scheduler', 'loader', 'serialize']);
  if (typeof options.save !== 'function') throw new ArgumentError('checkpoint', 'save must be a function (bytes, logs) => void');
  if (options.serialize !== undefined && typeof options.serialize !== 'function') throw new ArgumentError('checkpoint', 'serialize must be a function (control, logs) => Uint8Array');
  const { scheduler, loader } = options;
  const serialize = options.serialize ?? ((control: FitControl, logs: EpochLogs) => saveCheckpoint({
    model: control.model, optimizer: control.optimizer, scheduler, loader, extra: { epoch: logs.epoch, logs: { ...logs } },
  }));
  const every = options.everyEpochs ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new ArgumentError('checkpoint', `everyEpochs must be a positive integer, got ${every}`);
  const { monitor, save } = options;
  if (options.mode !== undefined && monitor === undefined) throw new ArgumentError('checkpoint', 'mode applies to a monitored log: pass monitor too (e.g. { monitor: \'valLoss\', mode: \'min\' })');
  const mode = options.mode ?? (monitor !== undefined && /loss/i.test(monitor) ? 'min' : 'max');
  if (mode !== 'min' && mode !== 'max') throw new ArgumentError('checkpoint', `mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
  let best = mode === 'min' ? Infinity : -Infinity;
  return {
    async onEpochEnd(epoch, logs, control) {
      if (epoch % every !== 0) return;
      if (monitor !== undefined) {
        const v = logs[monitor];
        if (v === undefined) throw new ArgumentError('checkpoint', `monitor '${monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')})`);
        if (!(mode === 'min' ? v < best : v > best)) return;
        best = v;
      }
      await save(serialize(control, logs), logs);
    },
  };
}
