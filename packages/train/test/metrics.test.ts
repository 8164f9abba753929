// Metrics on hand-made outputs, the progress bar with an injected clock, and the event-loop yield's
// three schedulers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { accuracy, confusionMatrix, defaultMetrics, epochLine, fmtDuration, progressBar, topKAccuracy, type BatchLogs, type EpochLogs } from '../src/index.js';
import { pickSchedule, yieldToEventLoop } from '../src/yield.js';
import type { FitControl } from '../src/callbacks.js';
import { throwsWith } from './throws.js';

const out = sg.tensor([[0.1, 0.9, 0.0], [0.5, 0.2, 0.3], [0.2, 0.2, 0.6], [0.3, 0.3, 0.1]]);
const labels = sg.tensor([1, 2, 2, 1], { dtype: 'int32' });

test('accuracy, topKAccuracy and confusionMatrix on known rows (ties: the first maximum, as argmax)', () => {
  assert.is(accuracy(out, labels), 0.5);       // rows 0 and 2 right; row 3 ties 0/1 → predicts 0
  assert.is(topKAccuracy(2)(out, labels), 1);  // row 1: 2 is second; row 3: class 1 ties the top score
  assert.is(topKAccuracy(1)(out, labels), 0.5);
  assert.is(topKAccuracy(3).name, 'top3Accuracy');
  assert.equal(confusionMatrix(out, labels).toArray(), [[0, 0, 0], [1, 1, 0], [1, 0, 1]]);
  assert.equal(confusionMatrix(out, labels, 4).shape, [4, 4]);
  assert.is(confusionMatrix(out, labels).dtype, 'int32');
  assert.is(accuracy(sg.zeros([0, 3]), sg.zeros([0], { dtype: 'int32' })), 0);
  assert.is(topKAccuracy(1)(sg.zeros([0, 3]), sg.zeros([0], { dtype: 'int32' })), 0);
  assert.equal(defaultMetrics(sg.crossEntropy), [accuracy]);
  assert.equal(defaultMetrics(sg.nllLoss), [accuracy]);
  assert.equal(defaultMetrics(sg.mseLoss), []);
});

test('metrics reject wrong shapes, dtypes and targets by message', () => {
  throwsWith(() => accuracy(sg.zeros([4]), labels), sg.ShapeError, 'accuracy: output must be [B, C] class scores, got [4] (target [4])');
  throwsWith(() => accuracy(out, sg.zeros([4])), sg.DTypeError, 'accuracy: target must be int32 class indices, got float32 (output [4, 3], target [4])');
  throwsWith(() => accuracy(out, sg.zeros([3], { dtype: 'int32' })), sg.ShapeError, 'accuracy: target must be [4] (one class index per row of output), got [3] (output [4, 3])');
  throwsWith(() => accuracy(out, sg.tensor([1, 2, 3, 0], { dtype: 'int32' })), sg.ArgumentError, 'accuracy: target 3 at row 2 is not a class index in [0, 3)');
  throwsWith(() => accuracy(5 as never, labels), sg.ArgumentError, 'accuracy: output and target must be tensors');
  throwsWith(() => topKAccuracy(0), sg.ArgumentError, 'topKAccuracy: k must be a positive integer, got 0');
  throwsWith(() => topKAccuracy(4)(out, labels), sg.ArgumentError, 'top4Accuracy: k = 4 exceeds the 3 classes of output [4, 3]');
  throwsWith(() => topKAccuracy(2)(out, sg.tensor([1, 2, -1, 0], { dtype: 'int32' })), sg.ArgumentError, 'top2Accuracy: target -1 at row 2');
  throwsWith(() => confusionMatrix(out, labels, 2), sg.ArgumentError, 'confusionMatrix: numClasses must be an integer >= the 3 output classes, got 2');
  throwsWith(() => confusionMatrix(out, sg.tensor([1, 2, 7, 0], { dtype: 'int32' })), sg.ArgumentError, 'confusionMatrix: target 7 at row 2');
});

/** A fake TTY collecting what is written. */
function sink(isTTY: boolean, columns?: number) {
  const parts: string[] = [];
  return { isTTY, columns, write: (t: string) => { parts.push(t); }, text: () => parts.join('') };
}
const control = {} as FitControl;
const batchLogs = (batch: number, batches = 10): BatchLogs => ({ epoch: 2, batch, batches, size: 64, loss: 0.1234, lr: 1e-3, samplesPerSec: 1500, etaSec: 75 });
const epochLogs: EpochLogs = { epoch: 2, loss: 0.05, accuracy: 0.98765, valLoss: 0.04, valAccuracy: 0.99, lr: 1e-3, seconds: 40.04, samplesPerSec: 1498.6 };

test('progressBar on a TTY: redraws at most every 100 ms by the injected clock, always the last batch, then the epoch line', () => {
  const tty = sink(true);
  let clock = 1000;
  const bar = progressBar({ out: tty, now: () => clock });
  bar.onTrainBegin!({ epochs: 3, batches: 10 }, control);
  bar.onBatchEnd!(1, batchLogs(1), control);
  clock += 99;
  bar.onBatchEnd!(2, batchLogs(2), control);    // throttled
  bar.onBatchEnd!(10, batchLogs(10), control);  // the last batch is always drawn
  clock += 100;
  bar.onBatchEnd!(3, batchLogs(3), control);
  const frames = tty.text().split('\r\x1b[2K').filter(Boolean);
  assert.equal(frames, [
    'epoch 2/3 ██░░░░░░░░░░░░░░░░░░░░░░ 1/10  loss 0.1234  1500 samples/s  ETA 1:15',
    'epoch 2/3 ████████████████████████ 10/10  loss 0.1234  1500 samples/s  ETA 1:15',
    'epoch 2/3 ███████░░░░░░░░░░░░░░░░░ 3/10  loss 0.1234  1500 samples/s  ETA 1:15',
  ]);
  bar.onEpochEnd!(2, epochLogs, control);
  assert.ok(tty.text().endsWith('\r\x1b[2Kepoch 2/3  loss 0.0500  accuracy 98.77%  valLoss 0.0400  valAccuracy 99.00%  40.0 s  1499 samples/s\n'));
  const narrow = sink(true, 30);
  const b2 = progressBar({ out: narrow, now: () => 0 });
  b2.onBatchEnd!(5, batchLogs(5, Number.NaN), control);
  assert.is(narrow.text(), '\r\x1b[2K' + 'epoch 2/0 ░░░░░░░░░░░░░░░░░░░░░░░░ 5/?  loss 0.1234'.slice(0, 29), 'cut to the width; unknown length shows ?');
  const plain = sink(false);
  const b3 = progressBar({ out: plain });
  b3.onBatchEnd!(1, batchLogs(1), control);
  b3.onEpochEnd!(2, epochLogs, control);
  assert.is(plain.text(), `${epochLine(epochLogs, 0)}\n`, 'no bar and no escape codes off a TTY');
  throwsWith(() => progressBar({ out: {} as never }), sg.ArgumentError, 'progressBar: no output');
  throwsWith(() => progressBar({ stream: process.stdout } as never), sg.ArgumentError, "progressBar: unknown option 'stream' (known: out, now)");
  assert.ok(typeof progressBar().onBatchEnd === 'function', 'process.stdout by default');
  const realClock = sink(true);
  progressBar({ out: realClock }).onBatchEnd!(1, batchLogs(1), control);   // the default clock draws the first frame
  assert.match(realClock.text(), /1\/10/);
});

test('fmtDuration: m:ss, and --:-- when unknown', () => {
  assert.equal([0, 59.4, 59.6, 61, 3600].map(fmtDuration), ['0:00', '0:59', '1:00', '1:01', '60:00']);
  assert.is(fmtDuration(Number.NaN), '--:--');
  assert.is(fmtDuration(-1), '--:--');
});

test('yieldToEventLoop runs after pending macrotasks; MessageChannel and setTimeout fallbacks work', async () => {
  const order: string[] = [];
  setTimeout(() => order.push('timer'), 0);
  await new Promise((r) => setTimeout(r, 0));
  setImmediate(() => order.push('immediate'));
  await yieldToEventLoop();
  order.push('after yield');
  assert.equal(order, ['timer', 'immediate', 'after yield']);
  // The channel's port is unref'd (it must not keep a Node process alive), so an interval keeps
  // this test's process alive until both messages have arrived.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const viaChannel = pickSchedule({ MessageChannel });
    const got: number[] = [];
    await Promise.all([new Promise<void>((resolve) => viaChannel(() => { got.push(1); resolve(); })), new Promise<void>((resolve) => viaChannel(() => { got.push(2); resolve(); }))]);
    assert.equal(got, [1, 2], 'in order');
    const viaTimeout = pickSchedule({});
    await new Promise<void>((resolve) => viaTimeout(resolve));
  } finally {
    clearInterval(keepAlive);
  }
});

test.run();
