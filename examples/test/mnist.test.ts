import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadSafetensors } from '@simplegrad/nn';
import { mnist } from '@simplegrad/datasets/node';
import { type Split, train } from '../src/mnist/train.js';
import { parseMnistArgs, runMnist } from '../src/mnist/run.js';
import { curvesSvg } from '../src/mnist/chart.js';

let data: Promise<[Split, Split]> | undefined;
const splits = () => (data ??= Promise.all([mnist({ split: 'train' }), mnist({ split: 'test' })]));

async function stepLosses(seed: number, limit: number): Promise<number[]> {
  const [tr, te] = await splits();
  const losses: number[] = [];
  for await (const e of train({ train: tr, test: te, epochs: 1, limit, testLimit: 100, seed })) {
    if (e.type === 'step') losses.push(e.loss);
  }
  return losses;
}

test('reduced MNIST run: 4000 images, one epoch, test accuracy above 90 % on 2000 test images', async () => {
  const [tr, te] = await splits();
  let acc = 0;
  let steps = 0;
  for await (const e of train({ train: tr, test: te, epochs: 1, limit: 4000, testLimit: 2000, seed: 1 })) {
    if (e.type === 'step') steps++;
    if (e.type === 'epoch') acc = e.testAccuracy;
  }
  assert.is(steps, Math.ceil(4000 / 64));
  assert.ok(acc > 0.9, `test accuracy ${acc}`);
});

test('same seed gives the same losses; another seed differs', async () => {
  const a = await stepLosses(7, 320);
  const b = await stepLosses(7, 320);
  const c = await stepLosses(8, 320);
  assert.equal(a, b);
  assert.not.equal(a, c);
});

test('an aborted run stops between batches and reports aborted', async () => {
  const [tr, te] = await splits();
  const ctl = new AbortController();
  let steps = 0;
  let aborted = false;
  for await (const e of train({ train: tr, test: te, epochs: 1, limit: 640, testLimit: 100, signal: ctl.signal })) {
    if (e.type === 'step' && ++steps === 3) ctl.abort();
    if (e.type === 'done') aborted = e.aborted;
  }
  assert.is(steps, 3);
  assert.ok(aborted);
});

test('runMnist writes a loadable checkpoint, metrics and a chart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-mnist-'));
  try {
    let text = '';
    const sink = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } }) as unknown as NodeJS.WriteStream;
    const args = parseMnistArgs(['--epochs', '1', '--limit', '256', '--test-limit', '200', '--out', dir]);
    const epochs = await runMnist(args, sink);
    assert.is(epochs.length, 1);
    assert.match(text, /epoch 1\/1 {2}train loss \d\.\d{4} {2}test accuracy \d+\.\d\d%/);
    const sd = loadSafetensors(readFileSync(join(dir, 'model.safetensors')));
    const keys = sd instanceof Map ? [...sd.keys()] : Object.keys(sd);
    assert.equal(keys, ['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias']);
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    assert.is(metrics.epochs.length, 1);
    assert.match(readFileSync(join(dir, 'curves.svg'), 'utf8'), /^<svg[^]*<\/svg>$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flags are validated with the flag name', () => {
  assert.throws(() => parseMnistArgs(['--epochs', '0']), /mnist: --epochs must be a positive integer, got '0'/);
  assert.throws(() => parseMnistArgs(['--lr', 'abc']), /mnist: --lr must be a positive number, got 'abc'/);
  const d = parseMnistArgs([]);
  assert.equal([d.epochs, d.batchSize, d.lr, d.seed, d.out], [3, 64, 0.001, 0, 'runs/mnist']);
});

test('curvesSvg draws one point per epoch on both axes', () => {
  const svg = curvesSvg([{ epoch: 1, trainLoss: 0.3, testAccuracy: 0.97 }, { epoch: 2, trainLoss: 0.1, testAccuracy: 0.99 }], 'a < b');
  assert.is((svg.match(/<circle/g) ?? []).length, 4);
  assert.match(svg, /a &lt; b/);
});

test.run();
