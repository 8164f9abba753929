/**
 * Trains {@link TinyResNet} on a synthetic task, to show the custom module and op learning: tell
 * 8×8 images with a horizontal bar (class 0) from ones with a vertical bar (class 1), in noise.
 */
import { Generator, type Tensor, crossEntropy, manualSeed, normal, tensor } from '@simplegrad/core';
import { Adam } from '@simplegrad/optim';
import { TinyResNet } from './model.js';

/**
 * `n` noisy 8×8 images `[n, 1, 8, 8]`, each with one bright bar at a random row (class 0) or
 * column (class 1), and their int32 labels `[n]`.
 *
 * @example
 * const { x, y } = bars(32, new Generator(1));
 */
export function bars(n: number, generator: Generator): { x: Tensor; y: Tensor } {
  const x = normal([n, 1, 8, 8], { std: 0.3, generator });
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const vertical = generator.randint(0, 2);
    const at = generator.randint(0, 8);
    for (let k = 0; k < 8; k++) x.data[i * 64 + (vertical === 1 ? k * 8 + at : at * 8 + k)] += 1;
    labels.push(vertical);
  }
  return { x, y: tensor(labels, { dtype: 'int32' }) };
}

/** Options of {@link trainBars}. */
export interface TrainBarsOptions {
  /** Optimizer steps (default 30). */
  steps?: number;
  /** Images per step (default 16). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01). */
  lr?: number;
  /** Seed for the weights and the data (default 0). */
  seed?: number;
}

/**
 * Trains a fresh TinyResNet with Adam on fresh batches of {@link bars} and returns the model and the
 * loss of every step.
 *
 * @example
 * const { losses } = trainBars({ steps: 20 });
 */
export function trainBars(opts: TrainBarsOptions = {}): { model: TinyResNet; losses: number[] } {
  manualSeed(opts.seed ?? 0);
  const data = new Generator(opts.seed ?? 0);
  const model = new TinyResNet();
  const opt = new Adam(model.parameters(), { lr: opts.lr ?? 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < (opts.steps ?? 30); step++) {
    const { x, y } = bars(opts.batchSize ?? 16, data);
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return { model, losses };
}
