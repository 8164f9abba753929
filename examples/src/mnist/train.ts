/**
 * The training loop shared by the Node CLI and the browser worker: an async generator of progress
 * events that yields the thread between batches and stops cleanly on an AbortSignal.
 */
import { type Module } from '@simplegrad/nn';
import { Adam } from '@simplegrad/optim';
import { DataLoader, TensorDataset } from '@simplegrad/datasets';
import { type Tensor, crossEntropy, manualSeed, noGrad } from '@simplegrad/core';
import { mnistModel } from './model.js';

/** Images `[N, 1, 28, 28]` in [0, 1] and int32 labels `[N]`. */
export interface Split {
  images: Tensor;
  labels: Tensor;
}

/** Options of {@link train}. */
export interface TrainOptions {
  train: Split;
  test: Split;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Train on the first `limit` training images only. */
  limit?: number;
  /** Evaluate on the first `testLimit` test images only. */
  testLimit?: number;
  /** Stops training between two batches. */
  signal?: AbortSignal;
  /** Yield the thread at most every this many milliseconds (default 50). */
  yieldEveryMs?: number;
  /** A model to train instead of the default {@link mnistModel}. */
  model?: Module;
}

/** Emitted after every batch. */
export interface StepEvent {
  type: 'step';
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  samplesPerSec: number;
  etaSec: number;
}

/** Emitted after every epoch, with the test accuracy in eval mode. */
export interface EpochEvent {
  type: 'epoch';
  epoch: number;
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSec: number;
}

/** Emitted once at the end (also after an abort). */
export interface DoneEvent {
  type: 'done';
  model: Module;
  epochs: EpochEvent[];
  seconds: number;
  aborted: boolean;
}

/** A training progress event. */
export type TrainEvent = StepEvent | EpochEvent | DoneEvent;

const now = (): number => performance.now();
const yieldThread = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Normalisation of MNIST pixels (the training set's mean and std). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/** Fraction of `split` classified correctly by `model` (eval mode, no graph). */
export function accuracy(model: Module, split: Split, batchSize = 500, limit = Infinity): number {
  const n = Math.min(split.labels.shape[0], limit);
  const data = new TensorDataset(split.images, split.labels);
  let correct = 0;
  let seen = 0;
  model.eval();
  noGrad(() => {
    for (const { x, y } of new DataLoader(data, { batchSize })) {
      if (seen >= n) break;
      const logits = model.forward(x.sub(MNIST_MEAN).div(MNIST_STD));
      const pred = logits.argmax(1).data;
      const take = Math.min(pred.length, n - seen);
      for (let i = 0; i < take; i++) if (pred[i] === y.data[i]) correct++;
      seen += take;
    }
  });
  model.train();
  return correct / n;
}

/**
 * Trains the MNIST CNN with Adam, yielding a {@link StepEvent} per batch, an {@link EpochEvent} per
 * epoch and a final {@link DoneEvent}. Same seed ⇒ same losses.
 */
export async function* train(opts: TrainOptions): AsyncGenerator<TrainEvent> {
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 64;
  const seed = opts.seed ?? 0;
  const yieldMs = opts.yieldEveryMs ?? 50;
  manualSeed(seed);
  const model = opts.model ?? mnistModel();
  const optimizer = new Adam(model.parameters(), { lr: opts.lr ?? 1e-3 });
  const n = Math.min(opts.train.labels.shape[0], opts.limit ?? Infinity);
  const images = n < opts.train.images.shape[0] ? opts.train.images.narrow(0, 0, n) : opts.train.images;
  const labels = n < opts.train.labels.shape[0] ? opts.train.labels.narrow(0, 0, n) : opts.train.labels;
  const loader = new DataLoader(new TensorDataset(images, labels), { batchSize, shuffle: true, seed });
  const steps = loader.length;
  const history: EpochEvent[] = [];
  const t0 = now();
  let lastYield = now();
  let aborted = false;
  model.train();
  outer: for (let epoch = 1; epoch <= epochs; epoch++) {
    const te = now();
    let lossSum = 0;
    let step = 0;
    let samples = 0;
    for (const { x, y } of loader) {
      if (opts.signal?.aborted) { aborted = true; break outer; }
      optimizer.zeroGrad();
      const loss = crossEntropy(model.forward(x.sub(MNIST_MEAN).div(MNIST_STD)), y);
      loss.backward();
      optimizer.step();
      const l = loss.item();
      lossSum += l;
      step++;
      samples += x.shape[0];
      const elapsed = (now() - te) / 1000;
      const rate = samples / elapsed;
      yield { type: 'step', epoch, step, steps, loss: l, samplesPerSec: rate, etaSec: ((steps - step) * batchSize) / rate };
      if (now() - lastYield > yieldMs) { await yieldThread(); lastYield = now(); }
    }
    const seconds = (now() - te) / 1000;
    const testAccuracy = accuracy(model, opts.test, 500, opts.testLimit);
    const ev: EpochEvent = { type: 'epoch', epoch, trainLoss: lossSum / step, testAccuracy, seconds, samplesPerSec: samples / seconds };
    history.push(ev);
    yield ev;
  }
  yield { type: 'done', model, epochs: history, seconds: (now() - t0) / 1000, aborted };
}
