/**
 * The training run of the resume proof, shared by checkpoint.test.ts and the child process it
 * spawns (resume-child.ts): a small MLP with Dropout, Adam with StepLR, a shuffling DataLoader,
 * all drawing from the global generator, as a real run would.
 */
import * as sg from '@simplegrad/core';
import { Adam, StepLR } from '@simplegrad/optim';
import { DataLoader, TensorDataset } from '@simplegrad/datasets';
import { Dropout, Linear, ReLU, Sequential, CrossEntropyLoss } from '../src/index.js';

/** Everything a run holds. */
export interface Run {
  model: Sequential;
  optimizer: Adam;
  scheduler: StepLR;
  loader: DataLoader;
}

/** Builds the run from scratch: the same seed gives the same objects in any process. */
export function buildRun(): Run {
  sg.manualSeed(5);
  const g = new sg.Generator(11);
  const x = sg.normal([30, 4], { generator: g });
  const y = sg.tensor(Array.from({ length: 30 }, () => g.randint(0, 3)), { dtype: 'int32' });
  const model = new Sequential(new Linear(4, 16), new ReLU(), new Dropout(0.3), new Linear(16, 3));
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const scheduler = new StepLR(optimizer, { stepSize: 7, gamma: 0.5 });
  // 30 samples in batches of 4: 8 batches per epoch, so step 20 falls inside the third epoch.
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4, shuffle: true });
  return { model, optimizer, scheduler, loader };
}

/** Trains `steps` steps, epoch after epoch, stopping mid-epoch when the count is reached. */
export function train(run: Run, steps: number): void {
  const loss = new CrossEntropyLoss();
  let done = 0;
  while (done < steps) {
    for (const { x, y } of run.loader) {
      run.optimizer.zeroGrad();
      loss.forward(run.model.forward(x), y).backward();
      run.optimizer.step();
      run.scheduler.step();
      if (++done === steps) break;
    }
  }
}
