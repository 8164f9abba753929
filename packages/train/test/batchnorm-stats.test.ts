// updateBatchNormStats: after it, each BatchNorm's running statistics are the plain average of the
// batch statistics over the data (as torch's update_bn), and every mode and momentum is restored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { BatchNorm1d, BatchNorm2d, Conv2d, Flatten, Linear, Sequential } from '@simplegrad/nn';
import { updateBatchNormStats } from '../src/index.js';
import { throwsWith } from './throws.js';

test('running statistics become the equal-weight average of the batches; modes and momenta restored', () => {
  sg.manualSeed(0);
  const bn = new BatchNorm2d(3, { momentum: 0.3 });
  const model = new Sequential(new Conv2d(2, 3, 3), bn, new Flatten(), new Linear(3 * 4 * 4, 4), new BatchNorm1d(4));
  model.eval();
  model.at(0).train();   // a mixed state must come back exactly
  const batches = [0, 1, 2].map((i) => ({ x: sg.normal([4, 2, 6, 6], { mean: i, std: 1 + i }) }));
  // Expected: mean over batches of each batch's per-channel mean (and unbiased variance) at the BN input.
  const conv = model.at(0);
  const means: number[][] = [];
  const vars: number[][] = [];
  for (const { x } of batches) {
    const y = sg.noGrad(() => conv.forward(x));   // [4, 3, 4, 4]
    means.push(Array.from(y.mean([0, 2, 3]).data));
    vars.push(Array.from(y.var([0, 2, 3]).data));
  }
  const avg = (rows: number[][]) => rows[0].map((_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);
  assert.is(updateBatchNormStats(model, batches), 2);
  const close = (a: ArrayLike<number>, b: number[]) => Array.from(a).every((v, i) => Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(b[i])));
  assert.ok(close(bn.runningMean!.data, avg(means)), `mean ${Array.from(bn.runningMean!.data)} vs ${avg(means)}`);
  assert.ok(close(bn.runningVar!.data, avg(vars)), `var ${Array.from(bn.runningVar!.data)} vs ${avg(vars)}`);
  assert.is(bn.numBatchesTracked!.data[0], 3);
  assert.is(bn.momentum, 0.3);
  assert.equal(model.modules().map((m) => m.training), [false, true, false, false, false, false]);
  assert.is(updateBatchNormStats(new Sequential(new Linear(2, 2)), batches), 0, 'no BatchNorm: nothing to do');
});

test('argument errors, and BatchNorm momentum is settable but validated', () => {
  throwsWith(() => updateBatchNormStats({} as never, []), sg.ArgumentError, 'updateBatchNormStats: model must be a Module');
  throwsWith(() => updateBatchNormStats(new Sequential(), 3 as never), sg.ArgumentError, 'updateBatchNormStats: batches must be an iterable');
  const bn = new BatchNorm2d(2);
  bn.momentum = null;
  assert.is(bn.momentum, null);
  throwsWith(() => { bn.momentum = 1.5; }, sg.ArgumentError, 'BatchNorm2d: momentum must be in [0, 1] or null, got 1.5');
});

test.run();
