// fit / fitEvents / evaluate / predict on a small separable problem: it learns, callbacks come in
// order, abort and early stopping stop it, modes are restored, and bad options are typed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { Dropout, Linear, ReLU, Sequential, loadCheckpoint } from '@simplegrad/nn';
import { SGD, StepLR, ReduceLROnPlateau } from '@simplegrad/optim';
import { DataLoader, TensorDataset } from '@simplegrad/datasets';
import {
  type Callbacks, type EpochLogs, accuracy, checkpoint, earlyStopping, evaluate, fit, fitEvents, predict, topKAccuracy,
} from '../src/index.js';
import { throwsWith, rejectsWith } from './throws.js';

/** Two Gaussian blobs in 2-D, classes 0 and 1, 64 points each (seeded). */
function blobs(seed: number): TensorDataset {
  const g = new sg.Generator(seed);
  const x = new Float32Array(128 * 2);
  const y = new Int32Array(128);
  for (let i = 0; i < 128; i++) {
    y[i] = i % 2;
    x[2 * i] = (y[i] ? 2 : -2) + g.normal() * 0.7;
    x[2 * i + 1] = (y[i] ? -1 : 1) + g.normal() * 0.7;
  }
  return new TensorDataset(new sg.Tensor(x, [128, 2]), new sg.Tensor(y, [128]));
}

function setup(seed = 0) {
  sg.manualSeed(seed);
  const model = new Sequential(new Linear(2, 16), new ReLU(), new Dropout(0.1), new Linear(16, 2));
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const train = new DataLoader(blobs(1), { batchSize: 16, shuffle: true, seed });
  const val = new DataLoader(blobs(2), { batchSize: 32 });
  return { model, optimizer, train, val };
}

test('fit learns two blobs: loss falls, validation accuracy > 0.95, history has one entry per epoch', async () => {
  const { model, optimizer, train, val } = setup();
  const h = await fit(model, train, { optimizer, epochs: 4, validation: val, yieldEveryMs: 0 });
  assert.is(h.stopped, 'completed');
  assert.is(h.epochs.length, 4);
  assert.equal(Object.keys(h.history).sort(), ['accuracy', 'epoch', 'loss', 'lr', 'samplesPerSec', 'seconds', 'valAccuracy', 'valLoss']);
  assert.ok(h.history.loss[3] < h.history.loss[0], `loss ${h.history.loss}`);
  assert.ok(h.history.valAccuracy[3] > 0.95, `val accuracy ${h.history.valAccuracy}`);
  assert.equal(h.history.epoch, [1, 2, 3, 4]);
  assert.ok(model.training, 'fit leaves the model in train mode');
  const r = await evaluate(model, val);
  assert.is(r.samples, 128);
  assert.ok(Math.abs(r.accuracy - h.history.valAccuracy[3]) < 1e-12 && Math.abs(r.loss - h.history.valLoss[3]) < 1e-6);
});

test('same seed, same history (bit for bit); dropout and shuffling drawn from the seeded generators', async () => {
  const run = async () => {
    const { model, optimizer, train } = setup(3);
    return (await fit(model, train, { optimizer, epochs: 2, yieldEveryMs: 0 })).history.loss;
  };
  assert.equal(await run(), await run());
});

test('tidy: each batch\'s step in a tidy scope gives the same history and weights, bit for bit; a model that keeps a batch\'s tensor fails loudly', async () => {
  const run = async (tidy: boolean) => {
    const { model, optimizer, train, val } = setup(5);
    const h = await fit(model, train, { optimizer, epochs: 2, validation: val, yieldEveryMs: 0, tidy });
    return { h: [h.history.loss, h.history.accuracy, h.history.valLoss], w: model.parameters().map((p) => Array.from(p.data)) };
  };
  assert.equal(await run(true), await run(false));
  const { optimizer, train } = setup(5);
  // Carries the last batch's output into the next, as a recurrent state kept without keep() would.
  class Stateful extends Linear {
    last: sg.Tensor | null = null;
    override forward(x: sg.Tensor): sg.Tensor {
      const out = super.forward(x);
      const prev = this.last;
      this.last = out;
      return prev === null ? out : out.add(prev.detach().mul(0));
    }
  }
  const stateful = new Stateful(2, 2);
  await rejectsWith(fit(stateful, train, { optimizer, epochs: 1, yieldEveryMs: 0, tidy: true }), sg.ReleasedError, 'was released when the tidy scope that made it ended');
  await rejectsWith(fit(stateful, train, { optimizer, tidy: 1 as unknown as boolean }), sg.ArgumentError, 'fit: tidy must be true or false, got 1');
});

test('callbacks: hooks in order with logs, several objects called in order, async hooks awaited', async () => {
  const { model, optimizer, train, val } = setup();
  const calls: string[] = [];
  const cb = (tag: string): Callbacks => ({
    onTrainBegin: (logs) => { calls.push(`${tag}:trainBegin(${logs.epochs},${logs.batches})`); },
    onEpochBegin: (e) => { calls.push(`${tag}:epochBegin(${e})`); },
    onBatchEnd: async (b, logs) => {
      await Promise.resolve();
      if (b === 1 || b === 8) calls.push(`${tag}:batchEnd(${logs.epoch}.${b}/${logs.batches} size ${logs.size})`);
      assert.ok(Number.isFinite(logs.loss) && logs.accuracy >= 0 && logs.accuracy <= 1 && logs.lr === 0.1);
    },
    onEpochEnd: (e, logs) => { calls.push(`${tag}:epochEnd(${e}) val ${typeof logs.valAccuracy}`); },
    onTrainEnd: (h) => { calls.push(`${tag}:trainEnd(${h.stopped}, ${h.epochs.length})`); },
  });
  await fit(model, train, { optimizer, epochs: 2, validation: val, callbacks: [cb('a'), cb('b')], yieldEveryMs: 0 });
  assert.equal(calls, [
    'a:trainBegin(2,8)', 'b:trainBegin(2,8)',
    'a:epochBegin(1)', 'b:epochBegin(1)', 'a:batchEnd(1.1/8 size 16)', 'b:batchEnd(1.1/8 size 16)',
    'a:batchEnd(1.8/8 size 16)', 'b:batchEnd(1.8/8 size 16)', 'a:epochEnd(1) val number', 'b:epochEnd(1) val number',
    'a:epochBegin(2)', 'b:epochBegin(2)', 'a:batchEnd(2.1/8 size 16)', 'b:batchEnd(2.1/8 size 16)',
    'a:batchEnd(2.8/8 size 16)', 'b:batchEnd(2.8/8 size 16)', 'a:epochEnd(2) val number', 'b:epochEnd(2) val number',
    'a:trainEnd(completed, 2)', 'b:trainEnd(completed, 2)',
  ]);
});

test('an AbortSignal stops after the current batch; the partial epoch is not logged', async () => {
  const { model, optimizer, train } = setup();
  const ctrl = new AbortController();
  let batches = 0;
  const h = await fit(model, train, {
    optimizer, epochs: 3, yieldEveryMs: 0,
    callbacks: { onBatchEnd: (b, logs) => { batches++; if (logs.epoch === 2 && b === 3) ctrl.abort(); } },
    signal: ctrl.signal,
  });
  assert.is(h.stopped, 'aborted');
  assert.is(batches, 8 + 3);
  assert.is(h.epochs.length, 1);
});

test('earlyStopping stops when the monitored value stops improving and can restore the best weights', async () => {
  const { model, optimizer, train, val } = setup();
  // valLoss is made to rise after epoch 2 by hand: a callback before earlyStopping edits the logs' copy it sees.
  const seen: number[] = [];
  const fake = [0.5, 0.4, 0.45, 0.46, 0.47, 0.3];
  let snapshot: Float32Array | null = null;
  const h = await fit(model, train, {
    optimizer, epochs: 6, validation: val, yieldEveryMs: 0,
    callbacks: [
      { onEpochEnd: (e) => { seen.push(e); if (e === 2) snapshot = (model.stateDict().get('0.weight')!.data as Float32Array).slice(); } },
      withFakeValLoss(earlyStopping({ patience: 1, restoreBestWeights: true }), fake),
    ],
  });
  assert.is(h.stopped, 'callback');
  assert.match(h.stopMessage ?? '', /earlyStopping: valLoss did not improve on 0.4 for 2 epoch\(s\) \(stopped after epoch 4\)/);
  assert.equal(seen, [1, 2, 3, 4]);
  assert.equal(Array.from(model.stateDict().get('0.weight')!.data), Array.from(snapshot!), 'weights of epoch 2 restored');
  throwsWith(() => earlyStopping({ patiance: 2 } as object), sg.ArgumentError, "earlyStopping: unknown option 'patiance'");
  throwsWith(() => earlyStopping({ patience: -1 }), sg.ArgumentError, 'earlyStopping: patience must be a non-negative integer, got -1');
  await rejectsWith(fit(model, train, { optimizer, epochs: 1, yieldEveryMs: 0, callbacks: earlyStopping() }), sg.ArgumentError,
    "earlyStopping: monitor 'valLoss' is not in the epoch logs (epoch, loss, accuracy, lr, seconds, samplesPerSec); pass validation to fit for val* keys");
});

/** Runs `cb` with epoch logs whose valLoss is `fake[epoch − 1]`. */
function withFakeValLoss(cb: Callbacks, fake: number[]): Callbacks {
  return { ...cb, onEpochEnd: (e, logs, c) => cb.onEpochEnd!(e, { ...logs, valLoss: fake[e - 1] } as EpochLogs, c) };
}

test('fitEvents: the same events as an async iterable; breaking out stops training', async () => {
  const { model, optimizer, train } = setup();
  const types: string[] = [];
  for await (const e of fitEvents(model, train, { optimizer, epochs: 2, yieldEveryMs: 0 })) {
    types.push(e.type);
    if (e.type === 'batchEnd' && e.logs.epoch === 2 && e.logs.batch === 2) break;
  }
  assert.equal(types, ['trainBegin', 'epochBegin', ...Array(8).fill('batchEnd'), 'epochEnd', 'epochBegin', 'batchEnd', 'batchEnd']);
});

test('schedulers: stepped per epoch by default, per batch on request; ReduceLROnPlateau gets valLoss', async () => {
  const { model, optimizer, train, val } = setup();
  const h = await fit(model, train, { optimizer, epochs: 3, scheduler: new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }), yieldEveryMs: 0 });
  assert.equal(h.history.lr, [0.05, 0.025, 0.0125]);
  const s2 = setup();
  const lrs: number[] = [];
  await fit(s2.model, s2.train, {
    optimizer: s2.optimizer, epochs: 1, schedulerStep: 'batch', scheduler: new StepLR(s2.optimizer, { stepSize: 4, gamma: 0.1 }),
    callbacks: { onBatchEnd: (_b, logs) => { lrs.push(logs.lr); } }, yieldEveryMs: 0,
  });
  assert.equal(lrs.map((v) => +v.toPrecision(6)), [0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01]);
  const s3 = setup();
  const plateau = new ReduceLROnPlateau(s3.optimizer, { patience: 0, factor: 0.5 });
  const seen: number[] = [];
  const orig = plateau.step.bind(plateau);
  plateau.step = (m: number) => { seen.push(m); orig(m); };
  const h3 = await fit(s3.model, s3.train, { optimizer: s3.optimizer, epochs: 2, validation: val, scheduler: plateau, yieldEveryMs: 0 });
  assert.equal(seen, h3.history.valLoss);
});

test('evaluate and predict run in eval mode without a graph and restore every module\'s mode', async () => {
  const { model, val } = setup();
  model.train();
  model.at(2).eval();   // a mixed state must come back exactly
  const out = predict(model, val);
  assert.equal(out.shape, [128, 2]);
  assert.is(out.requiresGrad, false);
  assert.equal(model.modules().map((m) => m.training), [true, true, true, false, true]);
  const one = predict(model, blobs(2).tensors[0]);
  assert.equal(Array.from(one.data), Array.from(out.data), 'tensor and loader give the same outputs (dropout off)');
  const r = await evaluate(model, val, { metrics: [accuracy, topKAccuracy(2)], yieldEveryMs: 0 });
  assert.is(r.top2Accuracy, 1);
  assert.equal(model.modules().map((m) => m.training), [true, true, true, false, true]);
  const mse = await evaluate(model, [{ x: sg.zeros([2, 2]), y: sg.zeros([2, 2]) }], { loss: sg.mseLoss });
  assert.equal(Object.keys(mse).sort(), ['loss', 'samples'], 'no accuracy for a regression loss');
  await rejectsWith(evaluate(model, val, { metric: [accuracy] } as object), sg.ArgumentError, "evaluate: unknown option 'metric' (known: loss, metrics, yieldEveryMs)");
  throwsWith(() => predict(model, 5 as never), sg.ArgumentError, 'predict: input must be a tensor or an iterable of { x } batches');
  throwsWith(() => predict(model, []), sg.ArgumentError, 'predict: the loader yielded no batches');
});

test('checkpoint saves a resumable one-file checkpoint every epoch, or only when the monitored value improves', async () => {
  const { model, optimizer, train, val } = setup();
  const saved: [number, number][] = [];
  const files: Uint8Array[] = [];
  await fit(model, train, {
    optimizer, epochs: 3, validation: val, yieldEveryMs: 0,
    callbacks: [
      checkpoint({ loader: train, save: (bytes, logs) => { saved.push([logs.epoch, 0]); files.push(bytes); } }),
      checkpoint({ everyEpochs: 2, save: (_b, logs) => { saved.push([logs.epoch, -1]); } }),
    ],
  });
  assert.equal(saved, [[1, 0], [2, 0], [2, -1], [3, 0]]);
  // The last file restores the trained weights and optimizer into a fresh setup, and returns { epoch, logs }.
  const fresh = setup(9);
  const extra = loadCheckpoint(files[2], { model: fresh.model, optimizer: fresh.optimizer, loader: fresh.train }) as { epoch: number; logs: EpochLogs };
  assert.is(extra.epoch, 3);
  assert.ok(typeof extra.logs.valAccuracy === 'number');
  assert.equal(Array.from(fresh.model.stateDict().get('3.weight')!.data), Array.from(model.stateDict().get('3.weight')!.data));
  assert.equal(fresh.optimizer.stateDict(), optimizer.stateDict());
  const best: number[] = [];
  const fake = [0.9, 0.8, 0.95];
  const monitored = checkpoint({ monitor: 'fake', mode: 'min', save: (_b, logs) => { best.push(logs.epoch); } });
  await fit(model, train, {
    optimizer, epochs: 3, yieldEveryMs: 0,
    callbacks: { onEpochEnd: (e, logs, c) => monitored.onEpochEnd!(e, { ...logs, fake: fake[e - 1] } as EpochLogs, c) },
  });
  assert.equal(best, [1, 2], 'saved when the monitored value improved, not at epoch 3');
  await rejectsWith(fit(model, train, { optimizer, epochs: 1, yieldEveryMs: 0, callbacks: checkpoint({ monitor: 'nope', save: () => {} }) }), sg.ArgumentError,
    "checkpoint: monitor 'nope' is not in the epoch logs");
  throwsWith(() => checkpoint({} as never), sg.ArgumentError, 'checkpoint: save must be a function');
  throwsWith(() => checkpoint({ save: () => {}, everyEpochs: 0 }), sg.ArgumentError, 'checkpoint: everyEpochs must be a positive integer, got 0');
});

test('fit rejects bad arguments by message', async () => {
  const { model, optimizer, train } = setup();
  await rejectsWith(fit(model, train, { optimizer, epoch: 2 } as never), sg.ArgumentError, "fit: unknown option 'epoch' (known: optimizer, loss, epochs,");
  await rejectsWith(fit(model, train, {} as never), sg.ArgumentError, 'fit: optimizer is required');
  await rejectsWith(fit(model, 5 as never, { optimizer }), sg.ArgumentError, 'fit: loader must be an iterable of { x, y } batches');
  await rejectsWith(fit({} as never, train, { optimizer }), sg.ArgumentError, 'fit: model must be a Module');
  await rejectsWith(fit(model, train, { optimizer, epochs: 1.5 }), sg.ArgumentError, 'fit: epochs must be a non-negative integer, got 1.5');
  await rejectsWith(fit(model, train, { optimizer, yieldEveryMs: -1 }), sg.ArgumentError, 'fit: yieldEveryMs must be a non-negative number, got -1');
  await rejectsWith(fit(model, train, { optimizer, schedulerStep: 'step' as never }), sg.ArgumentError, "fit: schedulerStep must be 'epoch' or 'batch', got \"step\"");
  await rejectsWith(fit(model, train, { optimizer, metrics: [() => 1] }), sg.ArgumentError, 'fit: metrics must be an array of named functions');
  await rejectsWith(fit(model, train, { optimizer, metrics: [accuracy, accuracy] }), sg.ArgumentError, "fit: two metrics are named 'accuracy'");
  await rejectsWith(fit(model, train, { optimizer, callbacks: { onEpochEnds: () => {} } as never }), sg.ArgumentError, "fit: callbacks[0] has an unknown hook 'onEpochEnds' (known: onTrainBegin, onEpochBegin, onBatchEnd, onEpochEnd, onTrainEnd)");
  await rejectsWith(fit(model, train, { optimizer, validation: 3 as never }), sg.ArgumentError, 'fit: validation must be an iterable');
  await rejectsWith(fit(model, train, { optimizer, scheduler: {} as never }), sg.ArgumentError, 'fit: scheduler must have a step() method');
});

test('more argument checks: callbacks, earlyStopping, checkpoint, evaluate', async () => {
  const { model, optimizer, train, val } = setup();
  await rejectsWith(fit(model, train, { optimizer, callbacks: [5 as never] }), sg.ArgumentError, 'fit: callbacks[0] must be an object of hooks');
  await rejectsWith(fit(model, train, { optimizer, callbacks: { onEpochEnd: 5 } as never }), sg.ArgumentError, 'fit: callbacks[0].onEpochEnd must be a function');
  await rejectsWith(fit(model, train, { optimizer, loss: 5 as never }), sg.ArgumentError, 'fit: loss must be a function');
  throwsWith(() => earlyStopping({ mode: 'up' as never }), sg.ArgumentError, "earlyStopping: mode must be 'min' or 'max', got \"up\"");
  throwsWith(() => earlyStopping({ minDelta: Number.NaN }), sg.ArgumentError, 'earlyStopping: minDelta must be a finite number, got NaN');
  throwsWith(() => checkpoint({ save: () => {}, serialize: 3 as never }), sg.ArgumentError, 'checkpoint: serialize must be a function');
  throwsWith(() => checkpoint({ save: () => {}, monitor: 'valLoss', mode: 'up' as never }), sg.ArgumentError, "checkpoint: mode must be 'min' or 'max'");
  throwsWith(() => checkpoint({ save: () => {}, mode: 'min' }), sg.ArgumentError, 'checkpoint: mode applies to a monitored log: pass monitor too');
  await rejectsWith(evaluate({} as never, val), sg.ArgumentError, 'evaluate: model must be a Module');
  await rejectsWith(evaluate(model, null as never), sg.ArgumentError, 'evaluate: loader must be an iterable');
  await rejectsWith(evaluate(model, val, { yieldEveryMs: -2 }), sg.ArgumentError, 'evaluate: yieldEveryMs must be a non-negative number, got -2');
  throwsWith(() => predict({} as never, val), sg.ArgumentError, 'predict: model must be a Module');
  const empty = await evaluate(model, []);
  assert.ok(Number.isNaN(empty.loss) && Number.isNaN(empty.accuracy) && empty.samples === 0);
});

test('earlyStopping in max mode with minDelta, a metric as monitor, and a stop requested mid-epoch', async () => {
  const { model, optimizer, train } = setup();
  const accs = [0.5, 0.52, 0.6, 0.61, 0.615];
  const h = await fit(model, train, {
    optimizer, epochs: 5, yieldEveryMs: 0,
    callbacks: withFakeMetric(earlyStopping({ monitor: 'accuracy', minDelta: 0.05, patience: 1 }), 'accuracy', accs),
  });
  // 0.5 best → 0.52 (+0.02 < minDelta: wait 1) → 0.6 (+0.1: best) → 0.61 (wait 1) → 0.615 (wait 2 > 1): stop after epoch 5
  assert.is(h.epochs.length, 5);
  assert.match(h.stopMessage ?? '', /accuracy did not improve on 0.6 for 2 epoch/);
  const s = setup();
  const h2 = await fit(s.model, s.train, { optimizer: s.optimizer, epochs: 2, yieldEveryMs: 0, callbacks: { onBatchEnd: (b, _l, c) => { if (b === 2) c.stop('enough'); } } });
  assert.is(h2.stopped, 'callback');
  assert.is(h2.stopMessage, 'enough');
  assert.is(h2.epochs.length, 0, 'the partial epoch is not logged');
});

/** Runs `cb` with epoch logs whose `key` is `values[epoch − 1]`. */
function withFakeMetric(cb: Callbacks, key: string, values: number[]): Callbacks {
  return { ...cb, onEpochEnd: (e, logs, c) => cb.onEpochEnd!(e, { ...logs, [key]: values[e - 1] } as EpochLogs, c) };
}

test('a loader without a length: batches is NaN, the ETA unknown; training still works', async () => {
  const { model, optimizer, train } = setup();
  const batches = [...train];
  const gen = { *[Symbol.iterator]() { yield* batches; } };
  const seen: number[] = [];
  const h = await fit(model, gen, { optimizer, epochs: 1, callbacks: { onBatchEnd: (_b, logs) => { seen.push(logs.batches, logs.etaSec); } } });
  assert.ok(seen.every(Number.isNaN));
  assert.is(h.epochs.length, 1);
});

test.run();
