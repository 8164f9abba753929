import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, kernels, setKernels, useBackend, wasmSimdSupported } from '@simplegrad/core';
import { loadSafetensors } from '@simplegrad/nn';
import { mnist } from '@simplegrad/datasets/node';
import { type EpochEvent, type Split, type StepEvent, accuracy, head, train } from '../src/mnist/train.js';
import { DEFAULTS, type MnistResult, USAGE, parseMnistArgs, runMnist } from '../src/mnist/run.js';
import { curvesSvg } from '../src/mnist/chart.js';
import { Progress, epochLine, fmtDuration } from '../src/mnist/progress.js';
import { mnistModel } from '../src/mnist/model.js';

const BACKEND = wasmSimdSupported() ? 'wasm' : 'js';

let data: Promise<{ train: Split; test: Split }> | undefined;
const splits = () => (data ??= Promise.all([mnist({ split: 'train' }), mnist({ split: 'test' })]).then(([tr, te]) => ({ train: tr, test: te })));

/** Runs `fn` on the kernels the job uses by default, then restores the previous ones. */
async function onJobKernels<T>(fn: () => Promise<T>): Promise<T> {
  const prev = useBackend(BACKEND);
  try { return await fn(); } finally { setKernels(prev); }
}

/** The per-batch losses of a one-epoch run on the first `limit` images. */
async function stepLosses(seed: number, limit: number): Promise<number[]> {
  const { train: tr, test: te } = await splits();
  const losses: number[] = [];
  await onJobKernels(async () => {
    for await (const e of train({ train: tr, test: te, epochs: 1, limit, testLimit: 100, seed })) {
      if (e.type === 'step') losses.push(e.loss);
    }
  });
  return losses;
}

/** Collects writes; pretends to be a terminal when `tty`. */
function sink(tty: boolean): { text: () => string; write: (s: string) => boolean; isTTY: boolean; columns: number } {
  let text = '';
  return { text: () => text, write: (s: string) => { text += s; return true; }, isTTY: tty, columns: 100 };
}

// One reduced run of the real job, shared by the tests below: 6000 images, one epoch (seeds 0-2 gave
// 90.9-92.3 % on the first 2000 test images; a broken gradient or data path gives far less).
const dir = mkdtempSync(join(tmpdir(), 'sg-mnist-'));
const log = sink(false);
let reduced: Promise<MnistResult> | undefined;
const before = kernels().name;
const reducedRun = () => (reduced ??= splits().then((d) => runMnist(
  parseMnistArgs(['--epochs', '1', '--limit', '6000', '--test-limit', '2000', '--seed', '1', '--out', dir]), { out: log, data: d })));

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('reduced run (6000 images, 1 epoch): test accuracy on 2000 test images is above 89 %', async () => {
  const r = await reducedRun();
  assert.is(r.epochs.length, 1);
  assert.is(r.losses.length, Math.ceil(6000 / 64));
  assert.is(r.backend, BACKEND);
  const acc = r.epochs[0].testAccuracy;
  assert.ok(acc > 0.89, `test accuracy ${acc}`);
  assert.ok(r.losses[0] > 2 && r.losses[0] < 2.6, `the first loss ${r.losses[0]} is about ln 10`);
  assert.ok(r.epochs[0].trainLoss < 1, `mean training loss ${r.epochs[0].trainLoss}`);
  assert.is(kernels().name, before, 'the run restores the kernels it replaced');
});

test('reduced run prints the setup, one line per epoch (not a TTY: no bar) and the summary', async () => {
  await reducedRun();
  const lines = log.text().trimEnd().split('\n');
  assert.match(lines[0], /^MNIST: 60000 training \/ 10000 test images, ready in \d+\.\d s$/);
  assert.match(lines[1], BACKEND === 'wasm' ? new RegExp(`^kernels: wasm \\(WebAssembly SIMD\\), ${DEFAULTS.threads} threads?$`) : /^kernels: js/);
  assert.is(lines[2], 'training 1 epoch, batch 64, Adam lr 0.002 with cosine decay, seed 1, first 6000 images, testing on 2000');
  assert.match(lines[3], /^epoch 1\/1 {2}train loss \d\.\d{4} {2}test accuracy \d+\.\d\d% {2}\d+\.\d s {2}\d+ samples\/s {2}\(test \d+\.\d s\)$/);
  assert.match(lines[4], /^test accuracy \d+\.\d\d% after 1 epoch; training took \d+\.\d s, \d+\.\d s in all$/);
  assert.match(lines[5], /^wrote .*model\.safetensors \(\d+\.\d KiB\), metrics\.json and curves\.svg$/);
  assert.is(lines.length, 6);
  assert.not.match(log.text(), /\r|\x1b/, 'no terminal control codes in a log');
});

test('the checkpoint loads back with loadSafetensors under PyTorch names and reproduces the accuracy', async () => {
  const r = await reducedRun();
  const bytes = readFileSync(join(dir, 'model.safetensors'));
  assert.is(bytes.length, r.checkpointBytes);
  const sd = loadSafetensors(bytes);
  assert.equal([...sd.keys()], ['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
  assert.equal([...sd.values()].map((t) => t.shape), [[16, 1, 5, 5], [16], [32, 16, 5, 5], [32], [128, 512], [128], [10, 128], [10]]);
  const fresh = mnistModel();
  fresh.loadStateDict(sd);
  const { test: te } = await splits();
  assert.is(await onJobKernels(async () => accuracy(fresh, te, 500, 2000)), r.epochs[0].testAccuracy);
});

test('metrics.json holds the flags, the epoch metrics and every batch loss; curves.svg is a chart', async () => {
  const r = await reducedRun();
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  assert.equal(m.args, { epochs: 1, batchSize: 64, lr: 0.002, seed: 1, limit: 6000, testLimit: 2000, out: dir, backend: 'auto', threads: DEFAULTS.threads });
  assert.is(m.backend, BACKEND);
  assert.equal(m.batchLosses, r.losses);
  assert.is(m.epochs.length, 1);
  assert.equal(Object.keys(m.epochs[0]).sort(), ['epoch', 'evalSeconds', 'samplesPerSec', 'seconds', 'testAccuracy', 'trainLoss']);
  const svg = readFileSync(join(dir, 'curves.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*<\/svg>\n$/);
  assert.match(svg, />epoch</);
  assert.match(svg, />training loss \(cross-entropy\)</);
  assert.match(svg, />test accuracy</);
});

test('same seed gives the same losses, bit for bit; another seed differs', async () => {
  const a = await stepLosses(7, 320);
  assert.is(a.length, 5);
  assert.equal(await stepLosses(7, 320), a);
  assert.not.equal(await stepLosses(8, 320), a);
});

test('train: the lr follows a cosine from lr to 0 over the run; the step events count and time the batches', async () => {
  const { train: tr, test: te } = await splits();
  const steps: StepEvent[] = [];
  const epochs: EpochEvent[] = [];
  await onJobKernels(async () => {
    for await (const e of train({ train: tr, test: te, epochs: 2, limit: 200, batchSize: 50, lr: 0.01, testLimit: 50 })) {
      if (e.type === 'step') steps.push(e);
      if (e.type === 'epoch') epochs.push(e);
    }
  });
  assert.equal(steps.map((s) => `${s.epoch}.${s.step}/${s.steps}`), ['1.1/4', '1.2/4', '1.3/4', '1.4/4', '2.1/4', '2.2/4', '2.3/4', '2.4/4']);
  steps.forEach((s, t) => assert.ok(Math.abs(s.lr - 0.005 * (1 + Math.cos((Math.PI * t) / 8))) < 1e-12, `step ${t} lr ${s.lr}`));
  assert.ok(steps.every((s) => s.samplesPerSec > 0 && s.etaSec >= 0 && s.runEtaSec >= s.etaSec));
  assert.is(steps[3].etaSec, 0);
  assert.is(steps[7].runEtaSec, 0);
  assert.equal(epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.testAccuracy >= 0 && e.testAccuracy <= 1 && e.seconds > 0 && e.evalSeconds >= 0));
});

test('train with schedule "constant" keeps the lr', async () => {
  const { train: tr, test: te } = await splits();
  const lrs: number[] = [];
  await onJobKernels(async () => {
    for await (const e of train({ train: tr, test: te, epochs: 1, limit: 96, batchSize: 32, lr: 0.003, schedule: 'constant', testLimit: 10 })) {
      if (e.type === 'step') lrs.push(e.lr);
    }
  });
  assert.equal(lrs, [0.003, 0.003, 0.003]);
});

test('an aborted run stops between batches and reports aborted', async () => {
  const { train: tr, test: te } = await splits();
  const ctl = new AbortController();
  let steps = 0;
  let done: { aborted: boolean; epochs: EpochEvent[] } | undefined;
  await onJobKernels(async () => {
    for await (const e of train({ train: tr, test: te, epochs: 1, limit: 640, testLimit: 100, signal: ctl.signal, yieldEveryMs: 0 })) {
      if (e.type === 'step' && ++steps === 3) ctl.abort();
      if (e.type === 'done') done = e;
    }
  });
  assert.is(steps, 3);
  assert.ok(done?.aborted);
  assert.equal(done?.epochs, [], 'no epoch completed');
});

test('head(split, n) shares memory; accuracy counts the first n test images', async () => {
  const { test: te } = await splits();
  const h = head(te, 10);
  assert.equal(h.images.shape, [10, 1, 28, 28]);
  assert.is(h.images.data.buffer, te.images.data.buffer);
  assert.equal(Array.from(h.labels.data), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.is(head(te, 20000), te);
  const model = mnistModel();
  const acc = accuracy(model, te, 4, 10);
  assert.ok(Number.isInteger(acc * 10), `accuracy ${acc} is a count out of 10`);
  assert.ok(model.training, 'accuracy restores training mode');
});

test('flags: defaults, every flag, and errors that name the flag and value', () => {
  const d = parseMnistArgs([]);
  assert.equal(d, { epochs: 2, batchSize: 64, lr: 0.002, seed: 0, limit: undefined, testLimit: undefined, out: 'runs/mnist', backend: 'auto', threads: DEFAULTS.threads, help: false });
  const all = parseMnistArgs(['--epochs', '2', '--batch-size=128', '--lr', '1e-3', '--seed=-5', '--limit', '6400', '--test-limit', '1000',
    '--out', 'x/y', '--backend', 'js', '--threads', '2']);
  assert.equal(all, { epochs: 2, batchSize: 128, lr: 0.001, seed: -5, limit: 6400, testLimit: 1000, out: 'x/y', backend: 'js', threads: 2, help: false });
  assert.ok(parseMnistArgs(['-h']).help);
  assert.match(USAGE, /--epochs N[^]*--backend NAME[^]*--threads N/);
  const bad: [string[], string][] = [
    [['--epochs', '0'], "mnist: --epochs must be a positive integer, got '0'"],
    [['--epochs', '1.5'], "--epochs must be a positive integer, got '1.5'"],
    [['--batch-size', ''], "--batch-size must be a positive integer, got ''"],
    [['--lr', 'abc'], "mnist: --lr must be a positive number, got 'abc'"],
    [['--lr=-1'], "--lr must be a positive number, got '-1'"],
    [['--lr', 'Infinity'], "--lr must be a positive number, got 'Infinity'"],
    [['--seed', '0.5'], "--seed must be a integer, got '0.5'"],
    [['--limit=-3'], "--limit must be a positive integer, got '-3'"],
    [['--test-limit', '1e400'], "--test-limit must be a positive integer, got '1e400'"],
    [['--threads', '0'], "--threads must be a positive integer, got '0'"],
    [['--backend', 'gpu'], "mnist: --backend must be js, wasm or auto, got 'gpu'"],
    [['--out', ''], 'mnist: --out must name a directory'],
    [['--bogus'], "mnist: Unknown option '--bogus'"],
    [['--epochs'], "Option '--epochs <value>' argument missing"],
    [['stray'], "Unexpected argument 'stray'"],
  ];
  for (const [argv, message] of bad) {
    try {
      parseMnistArgs(argv);
      assert.unreachable(`${argv.join(' ')} should throw`);
    } catch (e) {
      assert.instance(e, ArgumentError, `${argv.join(' ')}: ${(e as Error).message}`);
      assert.ok((e as Error).message.includes(message), `${argv.join(' ')}: "${(e as Error).message}" lacks "${message}"`);
    }
  }
});

test('Progress on a TTY: a throttled live bar with epoch, step, loss, samples/s and ETA, then the epoch line', () => {
  const out = sink(true);
  let clock = 5000;
  const p = new Progress(out, 3, () => clock);
  const step = (s: number): StepEvent => ({ type: 'step', epoch: 2, step: s, steps: 10, loss: 0.1234, lr: 1e-3, samplesPerSec: 1500, etaSec: 75, runEtaSec: 200 });
  p.step(step(1));
  clock += 99;
  p.step(step(2));   // within 100 ms of the first: skipped
  p.step(step(10));  // an epoch's last step is always drawn
  clock += 100;
  p.step(step(3));   // 100 ms after the last drawn frame: drawn
  const frames = out.text().split('\r\x1b[2K').filter(Boolean);
  assert.is(frames.length, 3);
  assert.match(frames[2], /^epoch 2\/3 ███████░{17} 3\/10 /);
  assert.is(frames[0], 'epoch 2/3 ██░░░░░░░░░░░░░░░░░░░░░░ 1/10  loss 0.1234  1500 samples/s  ETA 1:15 (run 3:20)');
  assert.match(frames[1], /^epoch 2\/3 █{24} 10\/10 /);
  const e: EpochEvent = { type: 'epoch', epoch: 2, trainLoss: 0.05, testAccuracy: 0.98765, seconds: 40.04, evalSeconds: 2.96, samplesPerSec: 1498.6 };
  p.epoch(e);
  assert.ok(out.text().endsWith('\r\x1b[2Kepoch 2/3  train loss 0.0500  test accuracy 98.77%  40.0 s  1499 samples/s  (test 3.0 s)\n'));
  const narrow = sink(true);
  Object.assign(narrow, { columns: 30 });
  new Progress(narrow, 1).step(step(5));
  assert.is(narrow.text().length, '\r\x1b[2K'.length + 29, 'cut to the terminal width');
  const sizeless = sink(true);
  Object.assign(sizeless, { columns: 0 });
  new Progress(sizeless, 1).step(step(5));
  assert.match(sizeless.text(), /ETA 1:15$/, 'a terminal reporting 0 columns gets the whole line');
  const plain = sink(false);
  new Progress(plain, 3).step(step(1));
  assert.is(plain.text(), '', 'no bar when not a TTY');
  assert.is(epochLine(e, 3), 'epoch 2/3  train loss 0.0500  test accuracy 98.77%  40.0 s  1499 samples/s  (test 3.0 s)');
});

test('fmtDuration: m:ss, and --:-- before the rate is known', () => {
  assert.equal([0, 59.4, 59.6, 61, 3600].map(fmtDuration), ['0:00', '0:59', '1:00', '1:01', '60:00']);
  assert.is(fmtDuration(Infinity), '--:--');
  assert.is(fmtDuration(Number.NaN), '--:--');
});

test('curvesSvg: both curves with a point per epoch, both axes labelled, the 99 % target, escaped title', () => {
  const svg = curvesSvg([
    { epoch: 1, trainLoss: 0.3, testAccuracy: 0.975 },
    { epoch: 2, trainLoss: 0.1, testAccuracy: 0.991 },
  ], { title: 'a < b & "c"', batchLosses: Array.from({ length: 200 }, (_, i) => 2.3 / (1 + i / 10)) });
  assert.is((svg.match(/<circle/g) ?? []).length, 4);
  assert.is((svg.match(/<path /g) ?? []).length, 3, 'loss, accuracy and smoothed batch loss');
  assert.match(svg, /a &lt; b &amp; &quot;c&quot;/);
  assert.match(svg, />96%</, 'the accuracy axis starts below the lowest point, at a whole percent');
  assert.match(svg, />100%</);
  assert.match(svg, />99\.0% target</);
  assert.match(svg, />0</);
  assert.match(svg, />2\.4</, 'the loss axis ends at a round number above the highest smoothed batch loss');
  for (const e of ['0', '1', '2']) assert.match(svg, new RegExp(`>${e}</text>`));
  assert.not.match(svg, /NaN|Infinity|undefined/);
  const empty = curvesSvg([]);
  assert.match(empty, /<svg[^]*MNIST training[^]*<\/svg>/);
  assert.not.match(empty, /NaN|Infinity|undefined/);
  assert.not.match(empty, /<circle/);
});

test.run();
