/**
 * @simplegrad/train: the training loop apps would otherwise each write: `fit` (callbacks, validation,
 * metrics, abort, event-loop friendly), `evaluate`, `predict`, early stopping, checkpoints, a
 * progress bar, and classification metrics.
 *
 * @example
 * import { fit, evaluate, progressBar, earlyStopping } from '@simplegrad/train';
 * const history = await fit(model, trainLoader, {
 *   optimizer: new Adam(model.parameters(), { lr: 1e-3 }), epochs: 10, validation: testLoader,
 *   callbacks: [progressBar(), earlyStopping({ patience: 2 })],
 * });
 * const { accuracy } = await evaluate(model, testLoader);
 */
export {
  fit, fitEvents, type FitOptions, type FitEvent, type BatchLogs, type EpochLogs, type History, type StopReason,
  type SchedulerLike,
} from './fit.js';
export { evaluate, predict, type EvaluateOptions, type EvaluateResult } from './evaluate.js';
export {
  earlyStopping, checkpoint, type Callbacks, type FitControl, type TrainBeginLogs, type EarlyStoppingOptions,
  type CheckpointOptions,
} from './callbacks.js';
export { progressBar, epochLine, fmtDuration, type ProgressBarOptions, type ProgressOutput } from './progress.js';
export { accuracy, topKAccuracy, confusionMatrix, defaultMetrics, type Metric, type LossFn, type BatchSource } from './metrics.js';
export { yieldToEventLoop } from './yield.js';
export {
  saveToIndexedDB, loadFromIndexedDB, listIndexedDB, deleteFromIndexedDB, loadFromUrl, downloadBytes, StorageError,
  type IndexedDBOptions, type StoredEntry, type LoadFromUrlOptions,
} from './storage.js';
export { updateBatchNormStats } from './batchnorm-stats.js';
