/**
 * Scheduler semantics beyond the PyTorch lr sequences (pytorch.test.ts): construction performs
 * step 0 and records `initialLr`, chained schedulers start from it, ReduceLROnPlateau takes tensor
 * metrics and leaves the lr alone until it cuts, and every option is validated with a clear message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { CosineAnnealingLR, ExponentialLR, LinearLR, ReduceLROnPlateau, SGD, StepLR } from '../src/index.js';
import { throwsExactly } from './throws.js';

function makeOpt(lrs: number[] = [0.1]): SGD {
  return new SGD(lrs.map((lr) => ({ params: [sg.zeros([1], { requiresGrad: true })], lr })), { lr: lrs[0] });
}


test('constructing an epoch scheduler records initialLr and performs step 0 (LinearLR: lr · startFactor)', () => {
  const opt = makeOpt([0.1, 0.02]);
  const warm = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
  assert.equal(opt.paramGroups.map((g) => [g.initialLr, g.lr]), [[0.1, 0.05], [0.02, 0.01]]);
  assert.is(warm.lastEpoch, 0);
  assert.equal(warm.getLastLr(), [0.05, 0.01]);
  // A second scheduler on the same optimizer starts from initialLr, not from the warmed-up lr.
  const cos = new CosineAnnealingLR(opt, { tMax: 4 });
  assert.equal(cos.baseLrs, [0.1, 0.02]);
  warm.step();
  warm.step();
  // The chainable form multiplies factor by factor (as torch does), so the end is the base lr up to rounding.
  opt.paramGroups.forEach((g, i) => assert.ok(Math.abs(g.lr - [0.1, 0.02][i]) < 1e-17, `the warm-up ends at the base lr: ${g.lr}`));
});

test('getLastLr returns a copy', () => {
  const sched = new ExponentialLR(makeOpt(), { gamma: 0.5 });
  sched.getLastLr()[0] = 7;
  assert.equal(sched.getLastLr(), [0.1]);
});

test('ReduceLROnPlateau: construction changes no lr and sets no initialLr; step takes a number or a one-element tensor', () => {
  const opt = makeOpt([0.1, 0.2]);
  const sched = new ReduceLROnPlateau(opt, { patience: 0, minLr: [0.05, 0] });
  assert.equal(opt.paramGroups.map((g) => [g.lr, g.initialLr]), [[0.1, undefined], [0.2, undefined]]);
  sched.step(sg.tensor([1.5]));
  assert.is(sched.best, 1.5);
  sched.step(2); // worse: bad epochs 1 > patience 0, so cut
  assert.equal(opt.paramGroups.map((g) => g.lr), [0.05, 0.020000000000000004], 'cut by factor, floored at minLr');
  assert.equal(sched.getLastLr(), [0.05, 0.020000000000000004]);
  sched.step(NaN); // a NaN metric is never an improvement
  assert.is(sched.numBadEpochs, 0, 'the cut reset the bad epochs');
  assert.is(sched.best, 1.5);
  throwsExactly(() => sched.step('low' as never), 'ReduceLROnPlateau: step expects the metric as a number or a one-element tensor, got \'low\'');
  throwsExactly(() => sched.step(undefined as never), 'ReduceLROnPlateau: step expects the metric as a number or a one-element tensor, got undefined');
});

test('ReduceLROnPlateau.isBetter: min/max × rel/abs threshold rules', () => {
  const opt = makeOpt();
  const rule = (o: ConstructorParameters<typeof ReduceLROnPlateau>[1], a: number, best: number): boolean => new ReduceLROnPlateau(opt, o).isBetter(a, best);
  assert.equal([rule({ threshold: 0.1 }, 0.91, 1), rule({ threshold: 0.1 }, 0.89, 1)], [false, true]);
  assert.equal([rule({ threshold: 0.1, thresholdMode: 'abs' }, 0.91, 1), rule({ threshold: 0.1, thresholdMode: 'abs' }, 0.89, 1)], [false, true]);
  assert.equal([rule({ mode: 'max', threshold: 0.1 }, 1.09, 1), rule({ mode: 'max', threshold: 0.1 }, 1.11, 1)], [false, true]);
  assert.equal([rule({ mode: 'max', threshold: 0.1, thresholdMode: 'abs' }, 1.09, 1), rule({ mode: 'max', threshold: 0.1, thresholdMode: 'abs' }, 1.11, 1)], [false, true]);
});

test('a scheduler whose optimizer gained a parameter group refuses to step (ReduceLROnPlateau too)', () => {
  const opt = makeOpt();
  const plateau = new ReduceLROnPlateau(opt);
  opt.addParamGroup({ params: [sg.zeros([1], { requiresGrad: true })] });
  throwsExactly(() => plateau.step(1), 'ReduceLROnPlateau: the optimizer has 2 parameter groups but the scheduler was built for 1');
});

test('scheduler option validation: messages name the scheduler, the option and the value; the optimizer is left untouched', () => {
  const opt = makeOpt([0.1, 0.02]);
  const cases: Array<[() => unknown, string]> = [
    [() => new StepLR(opt, { stepSize: 0 }), 'StepLR: stepSize must be a positive integer, got 0'],
    [() => new StepLR(opt, {} as never), 'StepLR: stepSize must be a positive integer, got undefined'],
    [() => new StepLR(opt, { stepSize: 2, gamma: -0.5 }), 'StepLR: gamma must be >= 0, got -0.5'],
    [() => new StepLR(opt, { step_size: 2 } as never), 'StepLR: unknown option \'step_size\' (known: stepSize, gamma)'],
    [() => new StepLR(opt, 30 as never), 'StepLR: options must be an object such as { stepSize: ... }, got 30'],
    [() => new StepLR({} as never, { stepSize: 1 }), 'StepLR: expected an Optimizer, got object'],
    [() => new ExponentialLR(opt, {} as never), 'ExponentialLR: gamma must be a number, got undefined'],
    [() => new CosineAnnealingLR(opt, { tMax: 2.5 }), 'CosineAnnealingLR: tMax must be a positive integer, got 2.5'],
    [() => new CosineAnnealingLR(opt, { tMax: 10, etaMin: -1e-3 }), 'CosineAnnealingLR: etaMin must be >= 0, got -0.001'],
    [() => new LinearLR(opt, { startFactor: 0 }), 'LinearLR: startFactor must be in (0, 1], got 0'],
    [() => new LinearLR(opt, { startFactor: 1.5 }), 'LinearLR: startFactor must be in (0, 1], got 1.5'],
    [() => new LinearLR(opt, { endFactor: -0.1 }), 'LinearLR: endFactor must be in [0, 1], got -0.1'],
    [() => new LinearLR(opt, { endFactor: '1' as never }), 'LinearLR: endFactor must be in [0, 1], got \'1\''],
    [() => new LinearLR(opt, { totalIters: 0 }), 'LinearLR: totalIters must be a positive integer, got 0'],
    [() => new ReduceLROnPlateau(opt, { mode: 'mn' as never }), 'ReduceLROnPlateau: mode must be \'min\' or \'max\', got \'mn\''],
    [() => new ReduceLROnPlateau(opt, { thresholdMode: 'relative' as never }), 'ReduceLROnPlateau: thresholdMode must be \'rel\' or \'abs\', got \'relative\''],
    [() => new ReduceLROnPlateau(opt, { factor: 1 }), 'ReduceLROnPlateau: factor must be in [0, 1), got 1'],
    [() => new ReduceLROnPlateau(opt, { patience: -1 }), 'ReduceLROnPlateau: patience must be an integer >= 0, got -1'],
    [() => new ReduceLROnPlateau(opt, { cooldown: 1.5 }), 'ReduceLROnPlateau: cooldown must be an integer >= 0, got 1.5'],
    [() => new ReduceLROnPlateau(opt, { threshold: -1 }), 'ReduceLROnPlateau: threshold must be >= 0, got -1'],
    [() => new ReduceLROnPlateau(opt, { eps: -1 }), 'ReduceLROnPlateau: eps must be >= 0, got -1'],
    [() => new ReduceLROnPlateau(opt, { minLr: [0.1] }), 'ReduceLROnPlateau: expected 2 minLr values (one per parameter group), got 1'],
    [() => new ReduceLROnPlateau(opt, { minLr: [0.1, -1] }), 'ReduceLROnPlateau: minLr[1] must be >= 0, got -1'],
    [() => new ReduceLROnPlateau(opt, { minLr: -1 }), 'ReduceLROnPlateau: minLr must be >= 0, got -1'],
    [() => new ReduceLROnPlateau(opt, { min_lr: 0 } as never), 'ReduceLROnPlateau: unknown option \'min_lr\' (known: mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps)'],
    [() => new ReduceLROnPlateau(null as never), 'ReduceLROnPlateau: expected an Optimizer, got null'],
  ];
  for (const [fn, message] of cases) throwsExactly(fn, message);
  assert.equal(opt.paramGroups.map((g) => [g.lr, g.initialLr]), [[0.1, undefined], [0.02, undefined]]);
});

test.run();
