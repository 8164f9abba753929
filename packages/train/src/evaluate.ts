/**
 * Evaluation and prediction: eval mode (Dropout off, BatchNorm on running statistics), no graph,
 * and every module's previous mode restored afterwards, whatever happens.
 */
import { ArgumentError, Tensor, cat, checkKnownOptions, crossEntropy } from '@simplegrad/core';
import { type Module, withEvalMode } from '@simplegrad/nn';
import type { Batch } from '@simplegrad/datasets';
import { type BatchSource, type LossFn, type Metric, checkMetrics, defaultMetrics } from './metrics.js';
import { yieldToEventLoop } from './yield.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The loss (default core's `crossEntropy`). */
  loss?: LossFn;
  /** Metrics to average (default `[accuracy]` with crossEntropy or nllLoss, else none). */
  metrics?: readonly Metric[];
  /** Yield to the event loop at most this many ms apart (default 50). */
  yieldEveryMs?: number;
}

/** The result of {@link evaluate}: sample-weighted means of the loss and every metric, by name. */
export interface EvaluateResult {
  /** Mean loss per sample. */
  readonly loss: number;
  /** Samples evaluated. */
  readonly samples: number;
  /** Each metric's mean, e.g. `accuracy` (a fraction in [0, 1]). */
  readonly [metric: string]: number;
}

/** Means of the loss and metrics over `source`, in eval mode without a graph; shared by {@link evaluate} and `fit`'s validation. */
export async function evaluateBatches(model: Module, source: BatchSource, loss: LossFn, metrics: readonly Metric[], yieldEveryMs: number): Promise<EvaluateResult> {
  let samples = 0;
  let lossSum = 0;
  const sums = new Array<number>(metrics.length).fill(0);
  let last = performance.now();
  const batches = source[Symbol.iterator]();
  for (;;) {
    // One batch per eval-mode section, so yielding in between never leaves the model in eval mode.
    const done = withEvalMode(model, () => {
      const next = batches.next();
      if (next.done) return true;
      const { x, y } = next.value as Batch;
      const out = model.forward(x);
      const n = x.shape[0];
      samples += n;
      lossSum += loss(out, y).item() * n;
      metrics.forEach((m, i) => { sums[i] += m(out, y) * n; });
      return false;
    });
    if (done) break;
    if (performance.now() - last >= yieldEveryMs) {
      await yieldToEventLoop();
      last = performance.now();
    }
  }
  const result: Record<string, number> = { loss: samples > 0 ? lossSum / samples : Number.NaN, samples };
  metrics.forEach((m, i) => { result[m.name] = samples > 0 ? sums[i] / samples : Number.NaN; });
  return result as EvaluateResult;
}

/**
 * Evaluates `model` on `loader` in eval mode without building a graph, restoring every module's
 * previous mode: the mean loss and metrics over all samples.
 *
 * @example
 * const { loss, accuracy } = await evaluate(model, testLoader);   // accuracy in [0, 1]
 */
export async function evaluate(model: Module, loader: BatchSource, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  checkKnownOptions('evaluate', options, ['loss', 'metrics', 'yieldEveryMs']);
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function') throw new ArgumentError('evaluate', 'model must be a Module (with forward)');
  if (loader === null || typeof loader?.[Symbol.iterator] !== 'function') throw new ArgumentError('evaluate', 'loader must be an iterable of { x, y } batches, e.g. a DataLoader');
  const loss = options.loss ?? crossEntropy;
  const metrics = checkMetrics('evaluate', options.metrics ?? defaultMetrics(options.loss));
  const yieldEveryMs = options.yieldEveryMs ?? 50;
  if (typeof yieldEveryMs !== 'number' || !(yieldEveryMs >= 0)) throw new ArgumentError('evaluate', `yieldEveryMs must be a non-negative number, got ${yieldEveryMs}`);
  return evaluateBatches(model, loader, loss, metrics, yieldEveryMs);
}

/**
 * The model's outputs in eval mode without a graph: for one input tensor, or for every batch of a
 * loader (`{ x }` or `{ x, y }` batches; targets are ignored), concatenated along dimension 0.
 *
 * *Shape*: `[N, ...]` in → the model's output for `N` samples.
 *
 * @example
 * const logits = predict(model, images);              // [N, 10]
 * const all = predict(model, testLoader).argmax(1);   // [10000] predicted classes
 */
export function predict(model: Module, input: Tensor | Iterable<{ readonly x: Tensor }>): Tensor {
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function') throw new ArgumentError('predict', 'model must be a Module (with forward)');
  if (input instanceof Tensor) return withEvalMode(model, () => model.forward(input));
  if (input === null || typeof input !== 'object' || typeof input[Symbol.iterator] !== 'function') {
    throw new ArgumentError('predict', 'input must be a tensor or an iterable of { x } batches, e.g. a DataLoader');
  }
  const outs: Tensor[] = [];
  for (const b of input) outs.push(withEvalMode(model, () => model.forward(b.x)));
  if (outs.length === 0) throw new ArgumentError('predict', 'the loader yielded no batches');
  return outs.length === 1 ? outs[0] : cat(outs, 0);
}
