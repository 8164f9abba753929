/**
 * One-file checkpoints: the resume proof (20 steps, checkpoint mid-epoch, a NEW process loads it
 * and trains 20 more: bit-identical to 40 uninterrupted steps), what the file holds and how big it
 * is, NaN moments, and validation of everything before anything changes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '@simplegrad/core';
import { Adam, SGD, StepLR } from '@simplegrad/optim';
import { DataLoader, TensorDataset } from '@simplegrad/datasets';
import {
  CheckpointError, Linear, SafetensorsError, StateDictError, loadCheckpoint, loadSafetensors, safetensorsMetadata, saveCheckpoint, saveSafetensors,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';
import { buildRun, train, type Run } from './resume-setup.js';

/** Every bit of a run that must match: the parameters, the optimizer's state, lrs, loader position, generator. */
function fingerprint(run: Run): string {
  const params = run.model.parameters().map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('hex'));
  const opt = run.optimizer.stateDict();
  return JSON.stringify({ params, opt, sched: run.scheduler.stateDict(), loader: run.loader.stateDict(), g: sg.defaultGenerator().getState() });
}

test('resume proof: 20 steps, checkpoint mid-epoch, a new process loads it and trains 20 more = 40 uninterrupted steps, bit for bit', () => {
  const straight = buildRun();
  train(straight, 40);
  const expected = fingerprint(straight);

  const first = buildRun();
  train(first, 20);
  assert.is((first.loader.stateDict()).batchesInEpoch, 4, 'saved in the middle of an epoch');
  const bytes = saveCheckpoint({ ...first, extra: { steps: 20 } });
  const dir = mkdtempSync(join(tmpdir(), 'sg-resume-'));
  try {
    writeFileSync(join(dir, 'a.ckpt'), bytes);
    const child = fileURLToPath(new URL('./resume-child.ts', import.meta.url));
    // The same loader flags as this process (tsx, source conditions), in a fresh process.
    const r = spawnSync(process.execPath, [...process.execArgv, child, join(dir, 'a.ckpt'), '20', join(dir, 'b.ckpt')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const resumed = buildRun();
    const extra = loadCheckpoint(readFileSync(join(dir, 'b.ckpt')), resumed);
    assert.equal(extra, { steps: 40 });
    assert.is(fingerprint(resumed), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Control: resuming without the checkpoint's generator and loader state gives another run.
  const control = buildRun();
  loadCheckpoint(bytes, { model: control.model, optimizer: control.optimizer, scheduler: control.scheduler });
  sg.manualSeed(5);
  train(control, 20);
  assert.is.not(fingerprint(control), expected);
});

test('the file is a safetensors container: model tensors, moments as float32 tensors, small JSON; its size is the tensors plus a few KB', () => {
  const run = buildRun();
  train(run, 3);
  const bytes = saveCheckpoint({ ...run, extra: { note: 'x' } });
  const sd = loadSafetensors(bytes);
  const keys = [...sd.keys()];
  assert.ok(keys.includes('model.0.weight') && keys.includes('optimizer.state.0.expAvg') && keys.includes('optimizer.state.3.expAvgSq'), keys.join());
  assert.is(sd.get('optimizer.state.0.expAvg')!.dtype, 'float32', 'float32 moments stay float32');
  const tensorBytes = [...sd.values()].reduce((a, t) => a + t.data.byteLength, 0);
  const paramBytes = run.model.parameters().reduce((a, p) => a + p.data.byteLength, 0);
  assert.is(tensorBytes, 3 * paramBytes, 'weights + two moments, nothing else');
  assert.ok(bytes.length - tensorBytes < 4096, `overhead ${bytes.length - tensorBytes} bytes`);
  assert.is(safetensorsMetadata(bytes).format, 'simplegrad-checkpoint');
});

test('NaN and infinite moments, and NaN / Infinity in extra, survive; float64 buffers stay float64', () => {
  const p = sg.tensor([1, 2, 3], { requiresGrad: true, dtype: 'float64' });
  const opt = new Adam([p]);
  opt.loadStateDict({ state: { 0: { step: 2, expAvg: [NaN, Infinity, 0.1], expAvgSq: [1, 2, 3], maxExpAvgSq: null } }, paramGroups: opt.stateDict().paramGroups });
  const bytes = saveCheckpoint({ optimizer: opt, extra: { best: NaN, worst: -Infinity, list: [1, { a: Infinity }] } });
  assert.is(loadSafetensors(bytes).get('optimizer.state.0.expAvg')!.dtype, 'float64');
  const q = sg.tensor([0, 0, 0], { requiresGrad: true, dtype: 'float64' });
  const opt2 = new Adam([q]);
  const extra = loadCheckpoint(bytes, { optimizer: opt2 }) as { best: number; worst: number; list: [number, { a: number }] };
  assert.ok(Number.isNaN(extra.best) && extra.worst === -Infinity && extra.list[1].a === Infinity);
  const s = opt2.state.get(q)!;
  assert.ok(Number.isNaN(s.expAvg[0]) && s.expAvg[1] === Infinity && s.expAvg[2] === 0.1);
  assert.is(s.step, 2);
});

test('loadCheckpoint validates everything before changing anything: a failing part leaves every part and the generator as they were', () => {
  const run = buildRun();
  train(run, 5);
  const bytes = saveCheckpoint(run);
  const fresh = buildRun();
  const otherLoader = new DataLoader(new TensorDataset(sg.zeros([30, 4]), sg.zeros([30], { dtype: 'int32' })), { batchSize: 5, shuffle: true });
  const otherModel = new Linear(4, 3); // built (drawing its init from the global generator) before the snapshot
  const before = fingerprint(fresh);
  // A loader that batches differently refuses last, after the optimizer and scheduler loaded: they are rolled back.
  throwsWith(() => loadCheckpoint(bytes, { ...fresh, loader: otherLoader }), sg.ArgumentError, 'DataLoader.loadStateDict: the saved loader has batchSize 4 but this one has 5');
  assert.is(fingerprint(fresh), before, 'nothing changed');
  // A model that does not fit is found before anything loads.
  throwsWith(() => loadCheckpoint(bytes, { ...fresh, model: otherModel as never }), StateDictError, /^loadStateDict: error\(s\) in loading the state dict for Linear:/);
  assert.is(fingerprint(fresh), before);
  // An optimizer of another kind refuses the state.
  throwsWith(() => loadCheckpoint(bytes, { optimizer: new SGD(fresh.model.parameters(), { lr: 0.1 }) }), sg.ArgumentError, /^SGD: loaded parameter group 0 has unknown hyperparameter 'betas'/);
  assert.is(fingerprint(fresh), before);
});

test('loadCheckpoint and saveCheckpoint reject malformed input with typed errors', () => {
  const run = buildRun();
  const bytes = saveCheckpoint({ model: run.model });
  throwsWith(() => loadCheckpoint(bytes, { optimizer: run.optimizer }), CheckpointError, 'loadCheckpoint: the checkpoint has no optimizer state, but a optimizer was given to load into');
  throwsWith(() => loadCheckpoint(bytes, { scheduler: [run.scheduler] }), CheckpointError, 'loadCheckpoint: the checkpoint has no scheduler state, but a scheduler was given to load into');
  throwsWith(() => loadCheckpoint(bytes, { loader: run.loader }), CheckpointError, 'loadCheckpoint: the checkpoint has no loader state, but a loader was given to load into');
  throwsWith(() => loadCheckpoint(saveSafetensors(run.model.stateDict()), { model: run.model }), CheckpointError,
    'loadCheckpoint: not a simplegrad checkpoint (metadata format undefined); for plain weights use loadSafetensors');
  const withMeta = (state: string, version = '1'): Uint8Array => saveSafetensors(new Map(), { metadata: { format: 'simplegrad-checkpoint', version, state } });
  throwsWith(() => loadCheckpoint(withMeta('{}', '2')), CheckpointError, "loadCheckpoint: checkpoint version '2' is not supported (this reader reads version 1)");
  throwsWith(() => loadCheckpoint(withMeta('{')), CheckpointError, /^loadCheckpoint: the checkpoint's state is not valid JSON/);
  throwsWith(() => loadCheckpoint(withMeta('5')), CheckpointError, "loadCheckpoint: the checkpoint's state must be a JSON object");
  throwsWith(() => loadCheckpoint(withMeta(`{"a":${'['.repeat(300)}${']'.repeat(300)}}`)), CheckpointError, "loadCheckpoint: the checkpoint's state nests deeper than 256 levels");
  throwsWith(() => loadCheckpoint(withMeta('{"generator":5}')), sg.ArgumentError, /^loadCheckpoint: the saved global generator must be a generator state/);
  const opt = new Adam(run.model.parameters());
  throwsWith(() => loadCheckpoint(withMeta('{"generator":null,"optimizer":{"state":{"0":{"expAvg":{"$tensor":"optimizer.x"}}},"paramGroups":[]}}'), { optimizer: opt }), CheckpointError,
    "loadCheckpoint: the optimizer state refers to a tensor 'optimizer.x' that the checkpoint does not hold");
  throwsWith(() => loadCheckpoint(saveSafetensors(new Map([['stray', sg.zeros([1])]]), { metadata: { format: 'simplegrad-checkpoint', version: '1', state: '{}' } })), CheckpointError,
    'loadCheckpoint: unexpected tensor "stray" in the checkpoint (neither a model tensor nor an optimizer buffer it references)');
  throwsWith(() => loadCheckpoint(new Uint8Array(3)), SafetensorsError, 'loadCheckpoint: the file is 3 bytes long, too short for the 8-byte header length');
  throwsWith(() => loadCheckpoint(bytes, { model: run.model, scheduler: [] }), CheckpointError, 'loadCheckpoint: the checkpoint has no scheduler state, but a scheduler was given to load into');
  throwsWith(() => loadCheckpoint(bytes, { modle: run.model } as never), sg.ArgumentError, "loadCheckpoint: unknown option 'modle' (known: model, optimizer, scheduler, loader)");
  throwsWith(() => saveCheckpoint({ model: {} as never }), CheckpointError, 'saveCheckpoint: model must be a Module, got object');
  throwsWith(() => saveCheckpoint({ optimizer: 5 as never }), CheckpointError, 'saveCheckpoint: optimizer must have stateDict() and loadStateDict(), got 5');
  throwsWith(() => saveCheckpoint({ scheduler: [run.scheduler, 1 as never] }), CheckpointError, 'saveCheckpoint: scheduler[1] must have stateDict() and loadStateDict(), got 1');
  throwsWith(() => saveCheckpoint({ extra: { n: 1n } }), CheckpointError, /^saveCheckpoint: extra \(or a part's state\) cannot be written as JSON: /);
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  throwsWith(() => saveCheckpoint({ extra: deep }), CheckpointError, 'saveCheckpoint: extra nests deeper than 254 levels, which loadCheckpoint refuses');
  // Scheduler counts must agree.
  const two = saveCheckpoint({ scheduler: [run.scheduler, new StepLR(run.optimizer, { stepSize: 2 })] });
  throwsWith(() => loadCheckpoint(two, { scheduler: run.scheduler }), CheckpointError, 'loadCheckpoint: the checkpoint has 2 scheduler state(s) but 1 scheduler(s) were given');
  // Parts not asked for are simply not loaded.
  assert.is(loadCheckpoint(saveCheckpoint({ ...run, extra: 7 }), { model: run.model }), 7);
});

test.run();
