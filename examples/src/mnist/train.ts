/**
 * The MNIST recipe shared by the Node CLI and the browser worker: the model, the data pipeline, the
 * optimizer and the schedule. The loop itself is `@simplegrad/train`'s `fit` / `fitEvents`.
 */
import { type Module } from '@simplegrad/nn';
import { Adam, CosineAnnealingLR } from '@simplegrad/optim';
import { DataLoader, TensorDataset, normalize } from '@simplegrad/datasets';
import { type FitOptions } from '@simplegrad/train';
import { Tensor, manualSeed } from '@simplegrad/core';
import { mnistModel } from './model.js';

/** Images `[N, 1, 28, 28]` in [0, 1] and int32 labels `[N]` (an `MnistDataset` fits). */
export interface Split {
  images: Tensor;
  labels: Tensor;
}

/** How the learning rate moves during training. */
export type LrSchedule = 'cosine' | 'constant';

/** Options of {@link mnistSetup}; the defaults are those of `npm run mnist`. */
export interface MnistSetupOptions {
  /** Passes over the training images (default 2). */
  epochs?: number;
  /** Images per optimizer step (default 64). */
  batchSize?: number;
  /** Adam's (peak) learning rate (default 0.002). */
  lr?: number;
  /**
   * `'cosine'` (default): the lr falls from `lr` to 0 along a half cosine over all the run's steps,
   * stepped per batch, which buys most of the last 0.3 % of accuracy; `'constant'` keeps `lr`.
   */
  schedule?: LrSchedule;
  /** Seeds the model's initialisation and the shuffling (default 0). */
  seed?: number;
  /** Train on the first `limit` training images only. */
  limit?: number;
  /** Evaluate on the first `testLimit` test images only. */
  testLimit?: number;
  /** A model to train instead of a fresh {@link mnistModel} (built after seeding). */
  model?: Module;
}

/** Everything `fit(model, loader, options)` needs for the MNIST job. */
export interface MnistSetup {
  model: Module;
  loader: DataLoader;
  /** The test images (or their first `testLimit`), normalised, in batches of 500. */
  validation: DataLoader;
  options: FitOptions;
}

/** Mean pixel of the MNIST training images (0.13066), as PyTorch's MNIST example normalises with. */
export const MNIST_MEAN = 0.1307;
/** Standard deviation of the MNIST training pixels (0.30811). */
export const MNIST_STD = 0.3081;

/** `(x − mean) / std` with MNIST's statistics, as a DataLoader transform. */
export const normalizeMnist: (x: Tensor) => Tensor = normalize(MNIST_MEAN, MNIST_STD);

/** The first `n` samples of `split`, sharing its memory (no copy). */
export function head(split: Split, n: number): Split {
  const total = split.labels.shape[0];
  if (n >= total) return split;
  const rows = (t: Tensor): Tensor => new Tensor(t.data.subarray(0, n * (t.size / total)), [n, ...t.shape.slice(1)]);
  return { images: rows(split.images), labels: rows(split.labels) };
}

/** Batches of 500 normalised images of (the first `limit` of) `split`, in order: for evaluation. */
export function evalLoader(split: Split, limit = Infinity): DataLoader {
  const { images, labels } = head(split, limit);
  return new DataLoader(new TensorDataset(images, labels), { batchSize: 500, transform: normalizeMnist });
}

/**
 * Seeds the global generator, builds the model, and returns it with the shuffled training loader,
 * the validation loader and fit's options (Adam, per-batch cosine decay). Same seed ⇒ same losses,
 * bit for bit.
 *
 * @example
 * const { model, loader, options } = mnistSetup({ train, test }, { epochs: 1 });
 * await fit(model, loader, { ...options, callbacks: progressBar() });
 */
export function mnistSetup(data: { train: Split; test: Split }, opts: MnistSetupOptions = {}): MnistSetup {
  const epochs = opts.epochs ?? 2;
  const seed = opts.seed ?? 0;
  manualSeed(seed);
  const model = opts.model ?? mnistModel();
  const optimizer = new Adam(model.parameters(), { lr: opts.lr ?? 2e-3 });
  const { images, labels } = head(data.train, opts.limit ?? Infinity);
  const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: opts.batchSize ?? 64, shuffle: true, seed, transform: normalizeMnist });
  // Stepped after every batch, so tMax counts batches; its last step reaches lr = 0 after training.
  const scheduler = (opts.schedule ?? 'cosine') === 'cosine' ? new CosineAnnealingLR(optimizer, { tMax: epochs * loader.length }) : undefined;
  const validation = evalLoader(data.test, opts.testLimit);
  return { model, loader, validation, options: { optimizer, epochs, scheduler, schedulerStep: 'batch', validation, tidy: true } };
}
