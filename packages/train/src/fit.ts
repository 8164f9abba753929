/**
 * The training loop every app writes, once: {@link fitEvents} is an async generator of events
 * (train/epoch begin, every batch, every epoch with validation, the end), and {@link fit} drives it,
 * calling callbacks and returning the {@link History}. It yields to the event loop on a time budget,
 * so a page or a worker's message handler stays responsive, and stops after the current batch when
 * `signal` aborts or a callback asks.
 */
import { ArgumentError, checkBoolean, checkKnownOptions, crossEntropy, noGrad, tidy } from '@simplegrad/core';
import type { Module } from '@simplegrad/nn';
import { type Optimizer, ReduceLROnPlateau } from '@simplegrad/optim';
import type { Batch } from '@simplegrad/datasets';
import { type BatchSource, type LossFn, type Metric, checkMetrics, defaultMetrics } from './metrics.js';
import { evaluateBatches } from './evaluate.js';
import { type Callbacks, type FitControl, callbackList } from './callbacks.js';
import { yieldToEventLoop } from './yield.js';

/** A learning-rate scheduler: anything with `step()`, or a ReduceLROnPlateau (stepped with the monitored loss). */
export type SchedulerLike = {
  /** Advances the schedule by one epoch (or batch, see `schedulerStep`). */
  step(): void;
} | ReduceLROnPlateau;

/** Options of {@link fit} and {@link fitEvents}. */
export interface FitOptions {
  /** The optimizer over the model's parameters (required). */
  optimizer: Optimizer;
  /** The loss (default core's `crossEntropy`). */
  loss?: LossFn;
  /** Passes over `loader` (default 1). */
  epochs?: number;
  /** Stepped after every epoch (or batch, see `schedulerStep`); ReduceLROnPlateau gets `valLoss` (or `loss` without validation). */
  scheduler?: SchedulerLike;
  /** When the scheduler steps: `'epoch'` (default, PyTorch's convention) or `'batch'`. */
  schedulerStep?: 'epoch' | 'batch';
  /** Batches evaluated (eval mode, no graph) after every epoch; their results are logged as `valLoss`, `valAccuracy`, ... */
  validation?: BatchSource;
  /** Metrics logged per batch and epoch (default `[accuracy]` with crossEntropy or nllLoss, else none). */
  metrics?: readonly Metric[];
  /** One callbacks object or several, called in order (see {@link Callbacks}). */
  callbacks?: Callbacks | readonly Callbacks[];
  /** Stops training after the current batch when aborted. */
  signal?: AbortSignal;
  /** Yield to the event loop when this many ms have passed since the last yield (default 50; 0 = after every batch). */
  yieldEveryMs?: number;
  /**
   * Run each batch's step (forward, loss, backward, optimizer, metrics) in core's `tidy` (default
   * false): the tensors a step makes are released when it ends and their memory serves the next
   * step, instead of a new array for every activation and gradient (ResNet-18 allocates 28.9 MB a
   * step without, 0.7 MB with; two threads train it about 14 % faster). The model must not keep a
   * tensor from one batch to the next (a recurrent state, a cache): using it would throw a
   * `ReleasedError`; such a model leaves this off, or keeps the tensor with core's `keep`.
   */
  tidy?: boolean;
}

/** What every batch reports. */
export interface BatchLogs {
  /** 1-based epoch. */
  readonly epoch: number;
  /** 1-based batch within the epoch. */
  readonly batch: number;
  /** Batches per epoch (the loader's length, or NaN when it has none). */
  readonly batches: number;
  /** Samples in this batch. */
  readonly size: number;
  /** This batch's loss. */
  readonly loss: number;
  /** The learning rate this batch was trained with (parameter group 0). */
  readonly lr: number;
  /** Training throughput of this epoch so far. */
  readonly samplesPerSec: number;
  /** Seconds to the end of this epoch at that throughput (NaN without a known length). */
  readonly etaSec: number;
  /** Metric values of this batch, by name. */
  readonly [metric: string]: number;
}

/** What every epoch reports: means over its batches, validation results, timing. */
export interface EpochLogs {
  /** 1-based epoch. */
  readonly epoch: number;
  /** Mean training loss over the epoch's samples. */
  readonly loss: number;
  /** The learning rate at the end of the epoch (parameter group 0). */
  readonly lr: number;
  /** Seconds spent training (validation excluded). */
  readonly seconds: number;
  /** Training samples per second. */
  readonly samplesPerSec: number;
  /** Metric means, and with validation `valLoss` and `val<Metric>`, by name. */
  readonly [key: string]: number;
}

/** Why training ended. */
export type StopReason = 'completed' | 'aborted' | 'callback';

/** The result of {@link fit}: every epoch's logs, and each logged quantity as a series (Keras's `history.history`). */
export interface History {
  /** One entry per completed epoch. */
  readonly epochs: readonly EpochLogs[];
  /** `history.loss[e]`, `history.valAccuracy[e]`, ...: each key of the epoch logs, epoch by epoch. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Whether all epochs ran, the signal aborted, or a callback stopped training. */
  readonly stopped: StopReason;
  /** The message a stopping callback gave, if any. */
  readonly stopMessage?: string;
}

/** The events of {@link fitEvents}, one type per callback hook. */
export type FitEvent =
  | { readonly type: 'trainBegin'; readonly epochs: number; readonly batches: number }
  | { readonly type: 'epochBegin'; readonly epoch: number }
  | { readonly type: 'batchEnd'; readonly logs: BatchLogs }
  | { readonly type: 'epochEnd'; readonly logs: EpochLogs }
  | { readonly type: 'trainEnd'; readonly history: History };

const FIT_KEYS = ['optimizer', 'loss', 'epochs', 'scheduler', 'schedulerStep', 'validation', 'metrics', 'callbacks', 'signal', 'yieldEveryMs', 'tidy'] as const;

const now = (): number => performance.now();

/** Batches per epoch if the source knows its length (a DataLoader does). */
function lengthOf(source: BatchSource): number {
  const n = (source as { length?: unknown }).length;
  return typeof n === 'number' ? n : Number.NaN;
}

function resolveOptions(model: Module, loader: BatchSource, options: FitOptions) {
  checkKnownOptions('fit', options, FIT_KEYS);
  if (model === null || typeof model !== 'object' || typeof (model as Module).forward !== 'function') throw new ArgumentError('fit', 'model must be a Module (with forward)');
  if (loader === null || typeof (loader as Partial<Iterable<Batch>>)[Symbol.iterator] !== 'function') throw new ArgumentError('fit', 'loader must be an iterable of { x, y } batches, e.g. a DataLoader');
  const { optimizer } = options;
  if (optimizer === undefined || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new ArgumentError('fit', 'optimizer is required: an Optimizer over the model\'s parameters, e.g. new Adam(model.parameters(), { lr: 1e-3 })');
  }
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError('fit', `epochs must be a non-negative integer, got ${epochs}`);
  const yieldEveryMs = options.yieldEveryMs ?? 50;
  if (typeof yieldEveryMs !== 'number' || !(yieldEveryMs >= 0)) throw new ArgumentError('fit', `yieldEveryMs must be a non-negative number, got ${yieldEveryMs}`);
  const schedulerStep = options.schedulerStep ?? 'epoch';
  if (schedulerStep !== 'epoch' && schedulerStep !== 'batch') throw new ArgumentError('fit', `schedulerStep must be 'epoch' or 'batch', got ${JSON.stringify(schedulerStep)}`);
  if (options.scheduler !== undefined && typeof options.scheduler?.step !== 'function') throw new ArgumentError('fit', 'scheduler must have a step() method');
  const loss = options.loss ?? crossEntropy;
  if (typeof loss !== 'function') throw new ArgumentError('fit', 'loss must be a function (output, target) => scalar tensor');
  const metrics = checkMetrics('fit', options.metrics ?? defaultMetrics(options.loss));
  if (options.validation !== undefined && typeof options.validation?.[Symbol.iterator] !== 'function') {
    throw new ArgumentError('fit', 'validation must be an iterable of { x, y } batches, e.g. a DataLoader');
  }
  const useTidy = options.tidy === undefined ? false : checkBoolean('fit', 'tidy', options.tidy);
  return { optimizer, epochs, yieldEveryMs, schedulerStep, loss, metrics, useTidy };
}

/**
 * Trains `model` on `loader` as an async stream of {@link FitEvent}s: the same events {@link fit}
 * turns into callback calls. Breaking out of the `for await` stops training after the current
 * batch. `control.stop()` (from {@link fit}'s callbacks) also ends it.
 *
 * @example
 * for await (const e of fitEvents(model, loader, { optimizer, epochs: 3, validation: testLoader })) {
 *   if (e.type === 'epochEnd') console.log(e.logs.epoch, e.logs.loss, e.logs.valAccuracy);
 * }
 */
export async function* fitEvents(model: Module, loader: BatchSource, options: FitOptions, control?: FitControl): AsyncGenerator<FitEvent, History> {
  const { optimizer, epochs, yieldEveryMs, schedulerStep, loss, metrics, useTidy } = resolveOptions(model, loader, options);
  const { scheduler, validation, signal } = options;
  const batches = lengthOf(loader);
  const epochLogs: EpochLogs[] = [];
  const series: Record<string, number[]> = {};
  let stopped: StopReason = 'completed';
  let lastYield = now();
  const lr = (): number => optimizer.paramGroups[0].lr;
  const finish = (): History => ({ epochs: epochLogs, history: series, stopped, ...(control?.stopMessage !== undefined ? { stopMessage: control.stopMessage } : {}) });

  yield { type: 'trainBegin', epochs, batches };
  model.train();
  for (let epoch = 1; epoch <= epochs && stopped === 'completed'; epoch++) {
    yield { type: 'epochBegin', epoch };
    const t0 = now();
    let samples = 0;
    let lossSum = 0;
    const metricSums = new Array<number>(metrics.length).fill(0);
    let batch = 0;
    for (const { x, y } of loader) {
      if (signal?.aborted) { stopped = 'aborted'; break; }
      if (control?.stopRequested) { stopped = 'callback'; break; }
      const batchLr = lr();
      const step = (): { value: number; logs: Record<string, number> } => {
        optimizer.zeroGrad();
        const output = model.forward(x);
        const l = loss(output, y);
        l.backward();
        optimizer.step();
        const logs: Record<string, number> = {};
        noGrad(() => metrics.forEach((m) => { logs[m.name] = m(output, y); }));
        return { value: l.item(), logs };
      };
      const { value, logs } = useTidy ? tidy(step) : step();
      if (scheduler && schedulerStep === 'batch') (scheduler as { step(): void }).step();
      batch++;
      const size = x.shape[0];
      samples += size;
      lossSum += value * size;
      metrics.forEach((m, i) => { metricSums[i] += logs[m.name] * size; });
      const rate = samples / Math.max((now() - t0) / 1000, 1e-9);
      const etaSec = ((batches - batch) * (samples / batch)) / rate;
      yield { type: 'batchEnd', logs: { epoch, batch, batches, size, loss: value, lr: batchLr, samplesPerSec: rate, etaSec, ...logs } };
      if (now() - lastYield >= yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    if (stopped !== 'completed') break;   // a partial epoch is not logged
    const seconds = (now() - t0) / 1000;
    const logs: Record<string, number> = { epoch, loss: samples > 0 ? lossSum / samples : Number.NaN };
    metrics.forEach((m, i) => { logs[m.name] = samples > 0 ? metricSums[i] / samples : Number.NaN; });
    if (validation !== undefined) {
      const val = await evaluateBatches(model, validation, loss, metrics, yieldEveryMs);
      for (const [k, v] of Object.entries(val)) if (k !== 'samples') logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = v;
    }
    if (scheduler && schedulerStep === 'epoch') {
      if (scheduler instanceof ReduceLROnPlateau) scheduler.step(logs.valLoss ?? logs.loss);
      else (scheduler as { step(): void }).step();
    }
    Object.assign(logs, { lr: lr(), seconds, samplesPerSec: samples / Math.max(seconds, 1e-9) });
    const frozen = Object.freeze(logs) as EpochLogs;
    epochLogs.push(frozen);
    for (const [k, v] of Object.entries(frozen)) (series[k] ??= []).push(v);
    yield { type: 'epochEnd', logs: frozen };
    if (control?.stopRequested) stopped = 'callback';
  }
  const history = finish();
  yield { type: 'trainEnd', history };
  return history;
}

/**
 * Trains `model` on `loader` for `epochs` passes with `optimizer` and `loss` (default
 * crossEntropy), evaluating `validation` after every epoch, calling `callbacks` (TF.js's
 * `onTrainBegin/onEpochBegin/onBatchEnd/onEpochEnd/onTrainEnd`), and returns the {@link History}.
 * Stops after the current batch when `signal` aborts or a callback calls `control.stop()`.
 *
 * @example
 * const history = await fit(model, trainLoader, {
 *   optimizer: new Adam(model.parameters(), { lr: 1e-3 }), epochs: 5, validation: testLoader,
 *   callbacks: [progressBar(), earlyStopping({ monitor: 'valLoss', patience: 2 })],
 * });
 * history.history.valAccuracy;   // one value per epoch
 */
export async function fit(model: Module, loader: BatchSource, options: FitOptions): Promise<History> {
  const control: FitControl = {
    model, optimizer: options?.optimizer, stopRequested: false, stopMessage: undefined,
    stop(message?: string) { this.stopRequested = true; this.stopMessage = message; },
  };
  const cbs = callbackList('fit', options?.callbacks);
  const events = fitEvents(model, loader, options, control);
  for (;;) {
    const next = await events.next();
    if (next.done) return next.value;
    const e = next.value;
    for (const cb of cbs) {
      switch (e.type) {
        case 'trainBegin': await cb.onTrainBegin?.({ epochs: e.epochs, batches: e.batches }, control); break;
        case 'epochBegin': await cb.onEpochBegin?.(e.epoch, control); break;
        case 'batchEnd': await cb.onBatchEnd?.(e.logs.batch, e.logs, control); break;
        case 'epochEnd': await cb.onEpochEnd?.(e.logs.epoch, e.logs, control); break;
        case 'trainEnd': await cb.onTrainEnd?.(e.history, control); break;
        default: e satisfies never;
      }
    }
  }
}
