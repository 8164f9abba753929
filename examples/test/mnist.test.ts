import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, kernels, setKernels, useBackend, wasmSimdSupported } from '@simplegrad/core';
import { type Stateful, loadCheckpoint, loadSafetensors } from '@simplegrad/nn';
import { mnist } from '@simplegrad/datasets/node';
import { type BatchLogs, type History, evaluate, fit } from '@simplegrad/train';
import { type MnistSetupOptions, type Split, evalLoader, head, mnistSetup } from '../src/mnist/train.js';
import { DEFAULTS, type MnistResult, USAGE, parseMnistArgs, runMnist } from '../src/mnist/run.js';
import { curvesSvg } from '../src/mnist/chart.js';
import { mnistModel } from '../src/mnist/model.js';

const BACKEND = wasmSimdSupported() ? 'wasm' : 'js';

let data: Promise<{ train: Split; test: Split }> | undefined;
const splits = () => (data ??= Promise.all([mnist({ split: 'train' }), mnist({ split: 'test' })]).then(([tr, te]) => ({ train: tr, test: te })));

/** Runs `fn` on the kernels the job uses by default, then restores the previous ones. */
async function onJobKernels<T>(fn: () => Promise<T>): Promise<T> {
  const prev = useBackend(BACKEND);
  try { return await fn(); } finally { setKernels(prev); }
}

/** Runs the job's recipe with fit, returning every batch's logs and the history. */
async function runRecipe(opts: MnistSetupOptions, signalAfter?: number): Promise<{ batches: BatchLogs[]; history: History }> {
  const { model, loader, options } = mnistSetup(await splits(), opts);
  const batches: BatchLogs[] = [];
  const ctl = new AbortController();
  const history = await onJobKernels(() => fit(model, loader, {
    ...options, signal: ctl.signal, yieldEveryMs: 0,
    callbacks: { onBatchEnd: (_b, logs) => { batches.push(logs); if (batches.length === signalAfter) ctl.abort(); } },
  }));
  return { batches, history };
}

/** The per-batch losses of a one-epoch run on the first `limit` images. */
async function stepLosses(seed: number, limit: number): Promise<number[]> {
  return (await runRecipe({ epochs: 1, limit, testLimit: 100, seed })).batches.map((b) => b.loss);
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
  const acc = r.epochs[0].valAccuracy;
  assert.ok(acc > 0.89, `test accuracy ${acc}`);
  assert.ok(r.losses[0] > 2 && r.losses[0] < 2.6, `the first loss ${r.losses[0]} is about ln 10`);
  assert.ok(r.epochs[0].loss < 1, `mean training loss ${r.epochs[0].loss}`);
  assert.is(kernels().name, before, 'the run restores the kernels it replaced');
});

test('reduced run prints the setup, one line per epoch (not a TTY: no bar) and the summary', async () => {
  await reducedRun();
  const lines = log.text().trimEnd().split('\n');
  assert.match(lines[0], /^MNIST: 60000 training \/ 10000 test images, ready in \d+\.\d s$/);
  assert.match(lines[1], BACKEND === 'wasm' ? new RegExp(`^kernels: wasm \\(WebAssembly SIMD\\), ${DEFAULTS.threads} threads?$`) : /^kernels: js/);
  assert.is(lines[2], 'training 1 epoch, batch 64, Adam lr 0.002 with cosine decay, seed 1, first 6000 images, testing on 2000');
  assert.match(lines[3], /^epoch 1\/1 {2}loss \d\.\d{4} {2}accuracy \d+\.\d\d% {2}valLoss \d\.\d{4} {2}valAccuracy \d+\.\d\d% {2}\d+\.\d s {2}\d+ samples\/s$/);
  assert.match(lines[4], /^test accuracy \d+\.\d\d% after 1 epoch; training took \d+\.\d s, \d+\.\d s in all$/);
  assert.match(lines[5], /^wrote .*model\.safetensors \(\d+\.\d KiB\), checkpoint\.safetensors \(\d+\.\d KiB\), metrics\.json and curves\.svg$/);
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
  assert.is((await onJobKernels(() => evaluate(fresh, evalLoader(te, 2000)))).accuracy, r.epochs[0].valAccuracy);
});

test('checkpoint.safetensors resumes the job: it loads into a freshly built setup (weights, Adam, schedule, loader)', async () => {
  const r = await reducedRun();
  const { model, loader, options } = mnistSetup(await splits(), { epochs: 1, limit: 6000, testLimit: 2000, seed: 1 });
  const extra = loadCheckpoint(readFileSync(join(dir, 'checkpoint.safetensors')), { model, optimizer: options.optimizer, scheduler: options.scheduler as Stateful, loader });
  assert.equal(extra, { epochs: 1 });
  assert.equal(model.parameters().map((p) => Array.from(p.data)), r.model.parameters().map((p) => Array.from(p.data)));
  assert.is(options.optimizer.stateDict().state[0].step, Math.ceil(6000 / 64), 'Adam resumes at its step count');
});

test('metrics.json holds the flags, the epoch metrics and every batch loss; curves.svg is a chart', async () => {
  const r = await reducedRun();
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  assert.equal(m.args, { epochs: 1, batchSize: 64, lr: 0.002, seed: 1, limit: 6000, testLimit: 2000, out: dir, backend: 'auto', threads: DEFAULTS.threads });
  assert.is(m.backend, BACKEND);
  assert.equal(m.batchLosses, r.losses);
  assert.is(m.epochs.length, 1);
  assert.equal(Object.keys(m.epochs[0]).sort(), ['accuracy', 'epoch', 'loss', 'lr', 'samplesPerSec', 'seconds', 'valAccuracy', 'valLoss']);
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

test('the recipe: the lr follows a cosine from lr to 0 over the run, stepped per batch; batches counted per epoch', async () => {
  const { batches, history } = await runRecipe({ epochs: 2, limit: 200, batchSize: 50, lr: 0.01, testLimit: 50 });
  assert.equal(batches.map((b) => `${b.epoch}.${b.batch}/${b.batches}`), ['1.1/4', '1.2/4', '1.3/4', '1.4/4', '2.1/4', '2.2/4', '2.3/4', '2.4/4']);
  batches.forEach((b, t) => assert.ok(Math.abs(b.lr - 0.005 * (1 + Math.cos((Math.PI * t) / 8))) < 1e-12, `step ${t} lr ${b.lr}`));
  assert.ok(batches.every((b) => b.samplesPerSec > 0 && b.etaSec >= 0));
  assert.is(batches[3].etaSec, 0);
  assert.equal(history.epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(history.epochs.every((e) => e.valAccuracy >= 0 && e.valAccuracy <= 1 && e.seconds > 0));
});

test('the recipe with schedule "constant" keeps the lr', async () => {
  const { batches } = await runRecipe({ epochs: 1, limit: 96, batchSize: 32, lr: 0.003, schedule: 'constant', testLimit: 10 });
  assert.equal(batches.map((b) => b.lr), [0.003, 0.003, 0.003]);
});

test('an aborted run stops between batches and reports aborted', async () => {
  const { batches, history } = await runRecipe({ epochs: 1, limit: 640, testLimit: 100 }, 3);
  assert.is(batches.length, 3);
  assert.is(history.stopped, 'aborted');
  assert.equal(history.epochs, [], 'no epoch completed');
});

test('head(split, n) shares memory; evalLoader takes the first n test images', async () => {
  const { test: te } = await splits();
  const h = head(te, 10);
  assert.equal(h.images.shape, [10, 1, 28, 28]);
  assert.is(h.images.data.buffer, te.images.data.buffer);
  assert.equal(Array.from(h.labels.data), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.is(head(te, 20000), te);
  const model = mnistModel();
  const { accuracy, samples } = await evaluate(model, evalLoader(te, 10));
  assert.is(samples, 10);
  assert.ok(Number.isInteger(Math.round(accuracy * 10 * 1e9) / 1e9), `accuracy ${accuracy} is a count out of 10`);
  assert.ok(model.training, 'evaluate restores training mode');
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
