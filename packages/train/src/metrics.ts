/**
 * Classification metrics over a batch of outputs `[B, C]` (logits or probabilities) and int32
 * class-index targets `[B]`. A {@link Metric} is a named function returning the batch's mean, so
 * `fit` and `evaluate` can average it over batches weighted by their sizes and log it by name.
 */
import { ArgumentError, DTypeError, ShapeError, Tensor, crossEntropy, fmtShape, nllLoss } from '@simplegrad/core';
import type { Batch } from '@simplegrad/datasets';


/** A loss: `(output, target) → a scalar tensor` (core's `crossEntropy`, `mseLoss`, ... or a loss module's `forward`). */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** What can be trained on: a DataLoader, or any re-iterable collection of `{ x, y }` batches. */
export type BatchSource = Iterable<Batch>;

/** A metric: `(output, target) → the batch mean`, logged under the function's `name`. */
export interface Metric {
  (output: Tensor, target: Tensor): number;
  /** The key in logs and results, e.g. `'accuracy'` (validation adds the `val` prefix: `valAccuracy`). */
  readonly name: string;
}

function checkClassification(op: string, output: Tensor, target: Tensor): [number, number] {
  if (!(output instanceof Tensor) || !(target instanceof Tensor)) throw new ArgumentError(op, 'output and target must be tensors');
  if (output.ndim !== 2) throw new ShapeError(op, `output must be [B, C] class scores, got ${fmtShape(output.shape)} (target ${fmtShape(target.shape)})`);
  if (target.dtype !== 'int32') throw new DTypeError(op, `target must be int32 class indices, got ${target.dtype} (output ${fmtShape(output.shape)}, target ${fmtShape(target.shape)})`);
  if (target.ndim !== 1 || target.shape[0] !== output.shape[0]) {
    throw new ShapeError(op, `target must be [${output.shape[0]}] (one class index per row of output), got ${fmtShape(target.shape)} (output ${fmtShape(output.shape)})`);
  }
  return [output.shape[0], output.shape[1]];
}

/** Rank of `target`'s score within its row: how many classes score strictly higher (ties favour the target, as torch.topk's order is unspecified). */
function rankOfTarget(scores: ArrayLike<number>, row: number, classes: number, target: number): number {
  const base = row * classes;
  const t = scores[base + target];
  let higher = 0;
  for (let c = 0; c < classes; c++) if (scores[base + c] > t || (scores[base + c] === t && c < target)) higher++;
  return higher;
}

function checkTarget(op: string, t: number, classes: number, row: number): void {
  if (!(t >= 0 && t < classes)) throw new ArgumentError(op, `target ${t} at row ${row} is not a class index in [0, ${classes})`);
}

/**
 * Fraction of rows whose highest score is the target class (the first maximum wins ties, as `argmax`).
 *
 * *Shape*: output `[B, C]`, target int32 `[B]` → a number in [0, 1].
 *
 * @example
 * accuracy(model.forward(x), y);   // 0.97
 */
export function accuracy(output: Tensor, target: Tensor): number {
  const [b, c] = checkClassification('accuracy', output, target);
  if (b === 0) return 0;
  const s = output.data;
  let correct = 0;
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (s[i * c + k] > s[i * c + best]) best = k;
    checkTarget('accuracy', target.data[i], c, i);
    if (best === target.data[i]) correct++;
  }
  return correct / b;
}

/**
 * A metric: the fraction of rows whose target is among the `k` highest scores, named `top<k>Accuracy`.
 *
 * @example
 * const top5 = topKAccuracy(5);
 * top5(logits, labels);           // 0.91
 * fit(model, loader, { optimizer, metrics: [accuracy, top5] });
 */
export function topKAccuracy(k: number): Metric {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError('topKAccuracy', `k must be a positive integer, got ${k}`);
  const name = `top${k}Accuracy`;
  const metric = (output: Tensor, target: Tensor): number => {
    const [b, c] = checkClassification(name, output, target);
    if (k > c) throw new ArgumentError(name, `k = ${k} exceeds the ${c} classes of output ${fmtShape(output.shape)}`);
    let hits = 0;
    for (let i = 0; i < b; i++) {
      checkTarget(name, target.data[i], c, i);
      if (rankOfTarget(output.data, i, c, target.data[i]) < k) hits++;
    }
    return b === 0 ? 0 : hits / b;
  };
  return Object.defineProperty(metric, 'name', { value: name });
}

/**
 * Counts of (true class, predicted class) pairs: row = target, column = argmax of the output.
 *
 * *Shape*: output `[B, C]`, target int32 `[B]` → int32 `[numClasses, numClasses]` (numClasses defaults to C).
 *
 * @example
 * const m = confusionMatrix(logits, labels);   // m.toArray()[3][5]: threes predicted as fives
 */
export function confusionMatrix(output: Tensor, target: Tensor, numClasses?: number): Tensor {
  const [b, c] = checkClassification('confusionMatrix', output, target);
  const n = numClasses ?? c;
  if (!Number.isInteger(n) || n < c) throw new ArgumentError('confusionMatrix', `numClasses must be an integer >= the ${c} output classes, got ${numClasses}`);
  const counts = new Int32Array(n * n);
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (output.data[i * c + k] > output.data[i * c + best]) best = k;
    const t = target.data[i];
    checkTarget('confusionMatrix', t, n, i);
    counts[t * n + best]++;
  }
  return new Tensor(counts, [n, n]);
}

/** Accuracy by default for the classification losses, nothing otherwise (a regression target has no classes). */
export function defaultMetrics(loss: LossFn | undefined): Metric[] {
  return loss === undefined || loss === crossEntropy || loss === nllLoss ? [accuracy] : [];
}

/** Validates the metrics option: named functions with distinct names. */
export function checkMetrics(op: string, metrics: unknown): Metric[] {
  if (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'function' && typeof m.name === 'string' && m.name !== '')) {
    throw new ArgumentError(op, 'metrics must be an array of named functions (output, target) => number, e.g. [accuracy, topKAccuracy(5)]');
  }
  const names = metrics.map((m: Metric) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new ArgumentError(op, `two metrics are named '${dup}'`);
  return metrics;
}
