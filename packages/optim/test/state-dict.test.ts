/**
 * Resumable training: optimizer and scheduler state dicts. Each scenario trains a small two-layer
 * network (core ops only) for N steps, saves everything through JSON, rebuilds a fresh model,
 * optimizer and schedulers, loads, and continues; the result must equal an uninterrupted run bit
 * for bit. A control run that continues *without* loading must differ, so the check is not vacuous.
 * Then: what the state dicts hold, that they are copies, and the errors for malformed ones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import {
  Adam, AdamW, CosineAnnealingLR, ExponentialLR, LinearLR, ReduceLROnPlateau, SGD, StepLR,
  type LoadableStateDict, type Optimizer,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

/** A scheduler of either kind, stepped the same way here: epoch schedulers ignore the metric. */
type AnySched = { step(metric: number): void; stateDict(): object; loadStateDict(sd: never): void };

interface Scenario {
  name: string;
  dtype: 'float32' | 'float64';
  makeOpt(params: sg.Tensor[]): Optimizer;
  makeScheds(opt: Optimizer): AnySched[];
}

const epochwise = (s: StepLR | ExponentialLR | CosineAnnealingLR | LinearLR): AnySched => ({
  step: () => s.step(), stateDict: () => s.stateDict(), loadStateDict: (sd) => s.loadStateDict(sd),
});
const plateau = (s: ReduceLROnPlateau): AnySched => ({
  step: (m) => s.step(m), stateDict: () => s.stateDict(), loadStateDict: (sd) => s.loadStateDict(sd),
});

/** A plateauing metric, so ReduceLROnPlateau cuts the lr both before and after the save point. */
const METRICS = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2];

/** The network's parameters: w1 [4, 6], b1 [6], w2 [6, 1], and `unused` [3], which never gets a gradient. */
function makeParams(dtype: Scenario['dtype']): sg.Tensor[] {
  const g = new sg.Generator(11);
  return [
    sg.normal([4, 6], { generator: g, dtype, std: 0.5, requiresGrad: true }),
    sg.normal([6], { generator: g, dtype, std: 0.1, requiresGrad: true }),
    sg.normal([6, 1], { generator: g, dtype, std: 0.5, requiresGrad: true }),
    sg.zeros([3], { dtype, requiresGrad: true }),
  ];
}

/** A fixed regression batch. */
function makeData(dtype: Scenario['dtype']): { x: sg.Tensor; y: sg.Tensor } {
  const g = new sg.Generator(5);
  const x = sg.normal([8, 4], { generator: g, dtype });
  return { x, y: sg.normal([8, 1], { generator: g, dtype }) };
}

/** One training step: forward, backward, optimizer step, then every scheduler step. */
function trainStep(k: number, params: sg.Tensor[], data: { x: sg.Tensor; y: sg.Tensor }, opt: Optimizer, scheds: AnySched[]): void {
  const [w1, b1, w2] = params;
  opt.zeroGrad();
  sg.mseLoss(sg.relu(data.x.matmul(w1).add(b1)).matmul(w2), data.y).backward();
  opt.step();
  for (const s of scheds) s.step(METRICS[k]);
}

function snapshot(params: sg.Tensor[], opt: Optimizer): { params: number[][]; lrs: number[] } {
  return { params: params.map((p) => Array.from(p.data)), lrs: opt.paramGroups.map((g) => g.lr) };
}

const TOTAL = 12;
const SAVE_AT = 5;

const scenarios: Scenario[] = [
  {
    name: 'SGD momentum=0.9 nesterov weightDecay=0.01 + StepLR stepSize=3',
    dtype: 'float32',
    makeOpt: (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    makeScheds: (o) => [epochwise(new StepLR(o, { stepSize: 3, gamma: 0.5 }))],
  },
  {
    name: 'SGD two groups (momentum, dampening) + ExponentialLR',
    dtype: 'float64',
    makeOpt: (ps) => new SGD([{ params: ps.slice(0, 2), momentum: 0.8, dampening: 0.2 }, { params: ps.slice(2), lr: 0.01 }], { lr: 0.05 }),
    makeScheds: (o) => [epochwise(new ExponentialLR(o, { gamma: 0.9 }))],
  },
  {
    name: 'Adam amsgrad + LinearLR warm-up chained with CosineAnnealingLR',
    dtype: 'float32',
    makeOpt: (ps) => new Adam(ps, { lr: 0.02, amsgrad: true, weightDecay: 0.01 }),
    makeScheds: (o) => [epochwise(new LinearLR(o, { startFactor: 0.2, totalIters: 4 })), epochwise(new CosineAnnealingLR(o, { tMax: 10, etaMin: 1e-4 }))],
  },
  {
    name: 'AdamW + ReduceLROnPlateau patience=1 cooldown=1',
    dtype: 'float32',
    makeOpt: (ps) => new AdamW(ps, { lr: 0.02, betas: [0.8, 0.99] }),
    makeScheds: (o) => [plateau(new ReduceLROnPlateau(o, { patience: 1, cooldown: 1, factor: 0.5 }))],
  },
];

for (const sc of scenarios) {
  test(`${sc.name} (${sc.dtype}): save after ${SAVE_AT} of ${TOTAL} steps, rebuild, load, continue = uninterrupted run, bit for bit`, () => {
    const data = makeData(sc.dtype);
    // Uninterrupted run.
    const refParams = makeParams(sc.dtype);
    const refOpt = sc.makeOpt(refParams);
    const refScheds = sc.makeScheds(refOpt);
    const lrHistory: number[][] = [];
    for (let k = 0; k < TOTAL; k++) {
      trainStep(k, refParams, data, refOpt, refScheds);
      lrHistory.push(refOpt.paramGroups.map((g) => g.lr));
    }
    // The schedule must move on both sides of the save point, or the scheduler's state would not matter.
    const changes = (from: number, to: number): boolean => lrHistory.slice(from, to).some((l, i) => l.join() !== lrHistory[from + i - 1]?.join() && from + i > 0);
    assert.ok(changes(1, SAVE_AT) && changes(SAVE_AT + 1, TOTAL), `the lr changes before and after the save point: ${JSON.stringify(lrHistory)}`);

    // Interrupted run: train, save through JSON, rebuild everything, load, continue.
    const params = makeParams(sc.dtype);
    const opt = sc.makeOpt(params);
    const scheds = sc.makeScheds(opt);
    for (let k = 0; k < SAVE_AT; k++) trainStep(k, params, data, opt, scheds);
    const saved = JSON.stringify({ params: params.map((p) => Array.from(p.data)), opt: opt.stateDict(), scheds: scheds.map((s) => s.stateDict()) });

    const resume = (load: boolean): ReturnType<typeof snapshot> => {
      const ckpt = JSON.parse(saved) as { params: number[][]; opt: LoadableStateDict; scheds: never[] };
      const fresh = makeParams(sc.dtype).map((p) => sg.tensor(p.data.map(() => 0), { shape: p.shape, dtype: sc.dtype, requiresGrad: true }));
      fresh.forEach((p, i) => p.data.set(ckpt.params[i]));
      const opt2 = sc.makeOpt(fresh);
      const scheds2 = sc.makeScheds(opt2);
      if (load) {
        opt2.loadStateDict(ckpt.opt);
        scheds2.forEach((s, i) => s.loadStateDict(ckpt.scheds[i]));
      }
      for (let k = SAVE_AT; k < TOTAL; k++) trainStep(k, fresh, data, opt2, scheds2);
      assert.not.ok(opt2.state.has(fresh[3]), 'the parameter without gradient never gets state');
      return snapshot(fresh, opt2);
    };
    const expected = snapshot(refParams, refOpt);
    assert.equal(resume(true), expected);
    assert.not.equal(resume(false), expected, 'control: continuing without loading the state gives a different run');
  });
}

function tinyParams(): sg.Tensor[] {
  return [sg.tensor([1, 2, 3], { requiresGrad: true }), sg.tensor([[0.5, -0.5]], { requiresGrad: true })];
}

function stepWith(opt: Optimizer, params: sg.Tensor[], grads: Array<number[] | null>): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : sg.tensor(g, { shape: p.shape });
  });
  opt.step();
}

test('Adam stateDict: PyTorch layout, parameters numbered across groups, state only for updated ones, plain numbers', () => {
  const [a, b] = tinyParams();
  const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5, amsgrad: true }], { lr: 0.1 });
  stepWith(opt, [a, b], [null, [1, -1]]);
  const sd = opt.stateDict();
  assert.equal(sd.paramGroups, [
    { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0] },
    { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [1] },
  ]);
  assert.equal(Object.keys(sd.state), ['1'], 'parameter 0 had no gradient, so it has no state');
  const s = sd.state[1];
  assert.is(s.step, 1);
  assert.ok(Array.isArray(s.expAvg) && Array.isArray(s.expAvgSq) && Array.isArray(s.maxExpAvgSq), 'buffers are plain arrays');
  assert.equal(s.expAvg, [Math.fround(0.1), Math.fround(-0.1)]);
  assert.equal(JSON.parse(JSON.stringify(sd)), sd, 'the state dict survives JSON unchanged');
});

test('stateDict is a copy: later steps and edits of the dict do not reach each other', () => {
  const [a, b] = tinyParams();
  const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
  stepWith(opt, [a, b], [[1, 1, 1], [1, 1]]);
  const sd = opt.stateDict();
  const before = JSON.stringify(sd);
  stepWith(opt, [a, b], [[2, 2, 2], [2, 2]]);
  opt.paramGroups[0].lr = 7;
  assert.is(JSON.stringify(sd), before, 'the saved dict did not change');
  const opt2 = new SGD(tinyParams(), { lr: 0.1, momentum: 0.9 });
  opt2.loadStateDict(sd);
  (sd.state[0].momentumBuffer as number[])[0] = 99;
  sd.paramGroups[0].lr = 99;
  assert.is(opt2.paramGroups[0].lr, 0.1);
  assert.equal(opt2.stateDict(), JSON.parse(before), 'editing the dict after loading changes nothing in the optimizer');
});

test('loadStateDict restores lr, initialLr and every hyperparameter, and copies buffers into the parameter dtype', () => {
  const p = sg.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const opt = new Adam([p], { lr: 0.1 });
  opt.loadStateDict({
    state: { 0: { step: 3, expAvg: [0.1, 0.2], expAvgSq: new Float32Array([0.5, 0.25]), maxExpAvgSq: null } },
    paramGroups: [{ params: [0], lr: 0.01, betas: [0.5, 0.6], eps: 1e-6, weightDecay: 0.1, amsgrad: false, maximize: true, initialLr: 0.02 }],
  });
  const g = opt.paramGroups[0];
  assert.equal([g.lr, g.betas, g.eps, g.weightDecay, g.maximize, g.initialLr], [0.01, [0.5, 0.6], 1e-6, 0.1, true, 0.02]);
  assert.is(g.params[0], p, 'the group keeps the optimizer\'s own parameter');
  const s = opt.state.get(p)!;
  assert.is(s.step, 3);
  assert.instance(s.expAvg, Float64Array);
  assert.equal(Array.from(s.expAvgSq), [0.5, 0.25]);
  // A StepLR built before loading keeps working with the restored lr.
  const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
  sched.step();
  assert.is(opt.paramGroups[0].lr, 0.005);
});

test('optimizer loadStateDict rejects malformed dicts with messages naming the problem, and changes nothing', () => {
  const make = (): { opt: SGD; params: sg.Tensor[] } => {
    const params = tinyParams();
    const opt = new SGD([{ params: [params[0]] }, { params: [params[1]] }], { lr: 0.1, momentum: 0.9 });
    stepWith(opt, params, [[1, 1, 1], [1, 1]]);
    return { opt, params };
  };
  const { opt } = make();
  const good = opt.stateDict();
  const cases: Array<[string, unknown]> = [
    ['SGD: loadStateDict expects { state, paramGroups } as returned by stateDict()', null],
    ['SGD: loadStateDict expects { state, paramGroups } as returned by stateDict()', { paramGroups: good.paramGroups }],
    ['SGD: loaded state dict has 1 parameter groups but the optimizer has 2', { ...good, paramGroups: [good.paramGroups[0]] }],
    ['SGD: loaded parameter group 1 has 2 parameters but the optimizer\'s group has 1', { ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], params: [1, 2] }] }],
    ['SGD: loaded parameter group 1 has no parameters but the optimizer\'s group has 1', { ...good, paramGroups: [good.paramGroups[0], { lr: 0.1 }] }],
    ['SGD: loaded parameter group 1 lists parameter index 0, which is not a new integer >= 0', { ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], params: [0] }] }],
    ['SGD: lr must be >= 0, got -1 (param group 1)', { ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], lr: -1 }] }],
    ['SGD: initialLr must be >= 0, got -2 (param group 0)', { ...good, paramGroups: [{ ...good.paramGroups[0], initialLr: -2 }, good.paramGroups[1]] }],
    ['SGD: loaded state has an entry for parameter 5, which no parameter group lists', { ...good, state: { ...good.state, 5: { momentumBuffer: null } } }],
    ['SGD: loaded state of parameter 0 must be an object, got 3', { ...good, state: { 0: 3 } }],
    ['SGD: loaded state[1].momentumBuffer has 3 values but parameter 1 (shape [1, 2]) has 2', { ...good, state: { 1: { momentumBuffer: [1, 2, 3] } } }],
    ['SGD: loaded state[0].momentumBuffer must be an array of numbers, got \'abc\'', { ...good, state: { 0: { momentumBuffer: 'abc' } } }],
  ];
  for (const [message, sd] of cases) {
    const { opt: target, params } = make();
    const before = JSON.stringify(target.stateDict());
    assert.throws(() => target.loadStateDict(sd as LoadableStateDict), (e: Error) => e instanceof sg.ArgumentError && e.message === message, message);
    assert.is(JSON.stringify(target.stateDict()), before, `${message}: the optimizer is unchanged`);
    assert.is(target.paramGroups[1].params[0], params[1]);
  }
  const adam = new Adam(tinyParams());
  const adamSd = (entry: object): LoadableStateDict => ({ state: { 0: entry as never }, paramGroups: adam.stateDict().paramGroups });
  assert.throws(() => adam.loadStateDict(adamSd({ step: 1.5, expAvg: [0, 0, 0], expAvgSq: [0, 0, 0] })), /^Adam: loaded state\[0\]\.step must be an integer >= 0, got 1\.5$/);
  assert.throws(() => adam.loadStateDict(adamSd({ step: 1, expAvgSq: [0, 0, 0] })), /^Adam: loaded state\[0\]\.expAvg is missing$/);
});

test('scheduler stateDict holds lastEpoch, baseLrs, lastLr and options; loading restores them without touching the lrs', () => {
  const opt = new SGD(tinyParams(), { lr: 0.1 });
  const sched = new StepLR(opt, { stepSize: 2 });
  sched.step();
  sched.step();
  const sd = sched.stateDict();
  assert.equal(sd, { lastEpoch: 2, baseLrs: [0.1], lastLr: [0.1 * 0.1], options: { stepSize: 2, gamma: 0.1 } });
  const opt2 = new SGD(tinyParams(), { lr: 0.1 });
  const sched2 = new StepLR(opt2, { stepSize: 5, gamma: 0.5 });
  sched2.loadStateDict(sd);
  assert.equal(sched2.stateDict(), sd);
  assert.is(opt2.paramGroups[0].lr, 0.1, 'the optimizer\'s lr comes back with the optimizer\'s own state dict');
  sd.baseLrs[0] = 5;
  assert.equal(sched2.baseLrs, [0.1], 'loading copies the arrays');
});

test('scheduler loadStateDict rejects malformed dicts with clear messages', () => {
  const opt = new SGD([{ params: tinyParams().slice(0, 1) }, { params: tinyParams().slice(1) }], { lr: 0.1 });
  const sched = new CosineAnnealingLR(opt, { tMax: 4 });
  const good = sched.stateDict();
  const cases: Array<[RegExp, unknown]> = [
    [/^CosineAnnealingLR: loadStateDict expects \{ lastEpoch, baseLrs, lastLr, options \} as returned by stateDict\(\), got 5$/, 5],
    [/^CosineAnnealingLR: loaded lastEpoch must be an integer >= 0, got -1$/, { ...good, lastEpoch: -1 }],
    [/^CosineAnnealingLR: loaded baseLrs must be an array of 2 numbers \(one per parameter group\), got \[0\.1\]$/, { ...good, baseLrs: [0.1] }],
    [/^CosineAnnealingLR: loaded lastLr must be an array of 2 numbers \(one per parameter group\), got undefined$/, { ...good, lastLr: undefined }],
    [/^CosineAnnealingLR: loaded options must be an object, got undefined$/, { ...good, options: undefined }],
    [/^CosineAnnealingLR: tMax must be a positive integer, got 0$/, { ...good, options: { tMax: 0 } }],
    [/^CosineAnnealingLR: unknown option 'stepSize' \(known: tMax, etaMin\)$/, { ...good, options: { tMax: 3, stepSize: 2 } }],
  ];
  for (const [re, sd] of cases) {
    assert.throws(() => sched.loadStateDict(sd as typeof good), re, String(re));
    assert.equal(sched.stateDict(), good, `${re}: unchanged`);
  }
});

test('ReduceLROnPlateau state dict: JSON-safe before the first step (best = Infinity), and restored exactly', () => {
  const opt = new SGD(tinyParams(), { lr: 0.1 });
  const fresh = new ReduceLROnPlateau(opt, { mode: 'max' });
  const sd0 = JSON.parse(JSON.stringify(fresh.stateDict()));
  assert.is(sd0.best, '-Infinity');
  assert.is(new ReduceLROnPlateau(opt, { mode: 'max' }).best, -Infinity);
  const minSched = new ReduceLROnPlateau(opt, { patience: 0, cooldown: 3, minLr: 0.001 });
  assert.is(minSched.stateDict().best, 'Infinity');
  minSched.step(1);
  minSched.step(2);
  const sd = minSched.stateDict();
  assert.equal(sd, {
    lastEpoch: 2, best: 1, numBadEpochs: 0, cooldownCounter: 3, lastLr: [0.010000000000000002],
    options: { mode: 'min', factor: 0.1, patience: 0, threshold: 1e-4, thresholdMode: 'rel', cooldown: 3, minLr: [0.001], eps: 1e-8 },
  });
  const other = new ReduceLROnPlateau(new SGD(tinyParams(), { lr: 0.1 }));
  other.loadStateDict(JSON.parse(JSON.stringify(sd)));
  assert.equal(other.stateDict(), sd);
  assert.is(other.inCooldown, true);
  other.loadStateDict(sd0);
  assert.is(other.best, -Infinity);
  assert.is(other.options.mode, 'max');
});

test('ReduceLROnPlateau loadStateDict rejects malformed dicts with clear messages', () => {
  const sched = new ReduceLROnPlateau(new SGD(tinyParams(), { lr: 0.1 }));
  const good = sched.stateDict();
  const cases: Array<[RegExp, unknown]> = [
    [/^ReduceLROnPlateau: loadStateDict expects \{ lastEpoch, best, numBadEpochs, cooldownCounter, lastLr, options \} as returned by stateDict\(\), got null$/, null],
    [/^ReduceLROnPlateau: loaded lastEpoch must be an integer >= 0, got '3'$/, { ...good, lastEpoch: '3' }],
    [/^ReduceLROnPlateau: loaded numBadEpochs must be an integer >= 0, got -1$/, { ...good, numBadEpochs: -1 }],
    [/^ReduceLROnPlateau: loaded cooldownCounter must be an integer >= 0, got 0\.5$/, { ...good, cooldownCounter: 0.5 }],
    [/^ReduceLROnPlateau: loaded best must be a number, 'Infinity' or '-Infinity', got 'inf'$/, { ...good, best: 'inf' }],
    [/^ReduceLROnPlateau: loaded best must be a number, 'Infinity' or '-Infinity', got NaN$/, { ...good, best: NaN }],
    [/^ReduceLROnPlateau: loaded lastLr must be an array of 1 numbers \(one per parameter group\), got \[0\.1, 0\.2\]$/, { ...good, lastLr: [0.1, 0.2] }],
    [/^ReduceLROnPlateau: loaded options must be an object, got 'min'$/, { ...good, options: 'min' }],
    [/^ReduceLROnPlateau: factor must be in \[0, 1\), got 2$/, { ...good, options: { ...good.options, factor: 2 } }],
  ];
  for (const [re, sd] of cases) {
    assert.throws(() => sched.loadStateDict(sd as typeof good), re, String(re));
    assert.equal(sched.stateDict(), good, `${re}: unchanged`);
  }
});

test('optimizer loadStateDict validates every value before changing anything: no coercion, no dropped fields, no foreign state', () => {
  const make = (): { opt: SGD; params: sg.Tensor[] } => {
    const params = tinyParams();
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    stepWith(opt, params, [[1, 1, 1], [1, 1]]);
    return { opt, params };
  };
  const good = make().opt.stateDict();
  const group = good.paramGroups[0];
  const adam = new Adam(tinyParams(), { lr: 0.1 });
  stepWith(adam, adam.paramGroups[0].params, [[1, 1, 1], [1, 1]]);
  const cases: Array<[string, unknown]> = [
    ['SGD: loaded state[0].momentumBuffer[0] must be a number, got \'0.5\'', { ...good, state: { 0: { momentumBuffer: ['0.5', null, true] } } }],
    ['SGD: loaded state[0].momentumBuffer[1] must be a number, got null', { ...good, state: { 0: { momentumBuffer: [0.5, null, true] } } }],
    ['SGD: loaded state[0].momentumBuffer must be an array of numbers, got object', { ...good, state: { 0: { momentumBuffer: { length: 3 } } } }],
    ['SGD: loaded state[0] has unknown field \'momentumBufer\' (SGD keeps: momentumBuffer); is it another optimizer\'s state?', { ...good, state: { 0: { momentumBufer: [1, 2, 3] } } }],
    ['SGD: loaded state[0] has both momentumBuffer and momentum_buffer; keep one', { ...good, state: { 0: { momentumBuffer: [1, 2, 3], momentum_buffer: [1, 2, 3] } } }],
    ['SGD: loaded parameter group 0 has unknown hyperparameter \'weight_decay\' (known: params, initialLr, lr, momentum, dampening, nesterov, weightDecay, maximize)', { ...good, paramGroups: [{ ...group, weight_decay: 0.1 }] }],
    ['SGD: loaded parameter group 0 must be an object { params, ...hyperparameters }, got null', { ...good, paramGroups: [null] }],
    ['SGD: loaded parameter group 0 has unknown hyperparameter \'betas\' (known: params, initialLr, lr, momentum, dampening, nesterov, weightDecay, maximize)', adam.stateDict()],
    ['SGD: loaded state[0] has unknown fields \'step\', \'expAvg\', \'expAvgSq\', \'maxExpAvgSq\' (SGD keeps: momentumBuffer); is it another optimizer\'s state?', { ...adam.stateDict(), paramGroups: good.paramGroups }],
  ];
  for (const [message, sd] of cases) {
    const { opt: target } = make();
    const before = JSON.stringify(target.stateDict());
    throwsWith(() => target.loadStateDict(sd as LoadableStateDict), sg.ArgumentError, message);
    assert.is(JSON.stringify(target.stateDict()), before, `${message}: the optimizer is unchanged`);
  }
});

test('optimizer loadStateDict accepts PyTorch\'s state names (momentum_buffer, exp_avg, ...) and keeps NaN in typed-array moments', () => {
  const p = sg.tensor([1, 2, 3], { requiresGrad: true });
  const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
  sgd.loadStateDict({ state: { 0: { momentum_buffer: [1, 2, 3] } }, paramGroups: sgd.stateDict().paramGroups });
  assert.equal(Array.from(sgd.state.get(p)!.momentumBuffer!), [1, 2, 3], 'momentum continues instead of restarting');
  const q = sg.tensor([1, 2], { requiresGrad: true });
  const adam = new Adam([q]);
  adam.loadStateDict({ state: { 0: { step: 4, exp_avg: new Float32Array([NaN, 1]), exp_avg_sq: [1, 2], max_exp_avg_sq: null } }, paramGroups: adam.stateDict().paramGroups });
  const s = adam.state.get(q)!;
  assert.is(s.step, 4);
  assert.ok(Number.isNaN(s.expAvg[0]) && s.expAvg[1] === 1);
  assert.equal(Array.from(s.expAvgSq), [1, 2]);
});

test('step bumps the version of every parameter it updates (and only those), so a stale graph refuses to backward', () => {
  const [a, b] = tinyParams();
  const opt = new SGD([a, b], { lr: 0.1 });
  const loss = a.mul(a).sum();
  stepWith(opt, [a, b], [[1, 1, 1], null]);
  assert.equal([a.version, b.version], [1, 0]);
  throwsWith(() => loss.backward(), sg.AutogradError,
    "backward: input 0 (shape [3]) of op 'mul' was modified in place after the op ran (version 0, now 1), so its gradient would be computed from the new values; run the forward pass again after an optimizer step, init fill or loadStateDict");
});

test.run();
