/**
 * The Optimizer base and the optimizers' options: parameter groups, addParamGroup, zeroGrad in both
 * modes, skipping parameters without gradient, and the hyperparameter checks (message text asserted).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { Adam, AdamW, SGD, StepLR, type Optimizer } from '../src/index.js';
import { throwsExactly } from './throws.js';
import { emptyPool } from '../../core/src/recycle.js';

function leaf(values: number[], dtype: 'float32' | 'float64' = 'float32'): sg.Tensor {
  return sg.tensor(values, { dtype, requiresGrad: true });
}

function setGrad(p: sg.Tensor, values: number[]): void {
  p.grad = sg.tensor(values, { shape: p.shape, dtype: p.dtype });
}


test('SGD step without momentum: θ ← θ − lr·g, computed in float64 and stored in the parameter dtype', () => {
  const p = leaf([1, -2], 'float64');
  const opt = new SGD([p], { lr: 0.1 });
  setGrad(p, [0.5, 1]);
  opt.step();
  assert.equal(Array.from(p.data), [1 - 0.1 * 0.5, -2 - 0.1]);
  assert.equal(opt.state.get(p), { momentumBuffer: null }, 'momentum 0 keeps a null buffer, as torch does');
});

test('parameters whose grad is null are skipped: no update and no state (frozen layers)', () => {
  const a = leaf([1, 2]);
  const frozen = leaf([3, 4]);
  for (const opt of [new SGD([a, frozen], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), new Adam([a, frozen]), new AdamW([a, frozen])] as Optimizer[]) {
    setGrad(a, [1, 1]);
    frozen.grad = null;
    opt.step();
    assert.equal(Array.from(frozen.data), [3, 4], `${opt.name}: the frozen parameter did not move, not even by weight decay`);
    assert.not.ok(opt.state.has(frozen), `${opt.name}: no state for the frozen parameter`);
    assert.ok(opt.state.has(a), `${opt.name}: state for the updated one`);
  }
});

test('zeroGrad() sets every grad to null; zeroGrad({ setToNone: false }) zero-fills the same grad tensors', () => {
  const a = leaf([1, 2]);
  const b = leaf([3]);
  const c = leaf([5]);
  const opt = new SGD([{ params: [a] }, { params: [b, c] }], { lr: 0.1 });
  setGrad(a, [1, 2]);
  setGrad(b, [3]);
  const gradB = b.grad;
  opt.zeroGrad({ setToNone: false });
  assert.is(b.grad, gradB, 'the grad tensor is kept');
  assert.equal(Array.from(a.grad!.data), [0, 0]);
  assert.equal(Array.from(b.grad!.data), [0]);
  assert.is(c.grad, null, 'a null grad stays null');
  opt.zeroGrad();
  assert.equal([a.grad, b.grad, c.grad], [null, null, null]);
  opt.zeroGrad({ setToNone: true });
  assert.equal([a.grad, b.grad, c.grad], [null, null, null]);
});

test('a step does not hand the gradients out: zeroGrad() then gives their memory to the next backward (releaseGrad)', () => {
  emptyPool(); // every test file runs in one process: others may have filled the pool
  for (const make of [(p: sg.Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9 }), (p: sg.Tensor[]) => new Adam(p, { lr: 0.1 })]) {
    sg.manualSeed(5);
    const w = sg.normal([64, 9], { requiresGrad: true });
    const x = sg.normal([16, 9]);
    const opt = make([w]);
    sg.linear(x, w).pow(2).sum().backward();
    const g = sg.readGrad(w)!.data;
    opt.step();
    opt.zeroGrad();
    sg.linear(x, w).pow(2).sum().backward();
    assert.is(sg.readGrad(w)!.data, g, `${opt.name}: last step's array`);
    const read = w.grad!;
    opt.step();
    opt.zeroGrad();
    sg.linear(x, w).pow(2).sum().backward();
    assert.is.not(sg.readGrad(w)!.data, read.data, `${opt.name}: a gradient someone read is not reused`);
  }
});

test('a zero-filled grad still updates the parameter (weight decay, momentum), a null grad does not', () => {
  const p = leaf([1], 'float64');
  const opt = new SGD([p], { lr: 0.1, momentum: 0.5, weightDecay: 0.5 });
  setGrad(p, [1]);
  opt.step(); // d = 1 + 0.5·1 = 1.5, buf = 1.5, θ = 1 − 0.15
  assert.is(p.data[0], 0.85);
  opt.zeroGrad({ setToNone: false });
  opt.step(); // d = 0.5·0.85, buf = 0.5·1.5 + d
  assert.is(p.data[0], 0.85 - 0.1 * (0.5 * 1.5 + 0.5 * 0.85));
  const moved = p.data[0];
  opt.zeroGrad();
  opt.step();
  assert.is(p.data[0], moved);
});

test('parameter groups: each group has its own options over the defaults, and they can be changed between steps', () => {
  const a = leaf([1], 'float64');
  const b = leaf([1], 'float64');
  const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.01, weightDecay: 1 }], { lr: 0.1 });
  assert.equal(opt.paramGroups.map(({ params, ...h }) => [params.length, h]), [
    [1, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false }],
    [1, { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 1, maximize: false }],
  ]);
  setGrad(a, [1]);
  setGrad(b, [1]);
  opt.step();
  assert.is(a.data[0], 1 - 0.1);
  assert.is(b.data[0], 1 - 0.01 * 2);
  opt.paramGroups[0].lr = 1;
  opt.paramGroups[1].maximize = true;
  opt.step();
  assert.is(a.data[0], 0.9 - 1);
  assert.is(b.data[0], 0.98 - 0.01 * (-1 + 0.98));
});

test('groups never share arrays: each group, the defaults and the state dict have their own betas', () => {
  const opt = new Adam([{ params: [leaf([1])] }, { params: [leaf([2])] }], { betas: [0.8, 0.9] });
  const [g0, g1] = opt.paramGroups;
  assert.is.not(g0.betas, g1.betas);
  assert.is.not(g0.betas, opt.defaults.betas);
  assert.is.not(opt.stateDict().paramGroups[0].betas, g0.betas, 'nor does the state dict');
  assert.equal(g1.betas, [0.8, 0.9]);
});

test('params may be any iterable: an array, a Set, a generator (consumed once)', () => {
  const a = leaf([1]);
  const b = leaf([2]);
  function* gen(): Generator<sg.Tensor> { yield a; yield b; }
  for (const params of [[a, b], new Set([a, b]), gen()]) {
    const opt = new SGD(params, { lr: 0.1 });
    assert.equal(opt.paramGroups[0].params, [a, b]);
  }
  const single = new SGD([{ params: a }], { lr: 0.1 });
  assert.equal(single.paramGroups[0].params, [a], 'a group may hold a single tensor');
});

test('addParamGroup: the new group takes the defaults plus its overrides and is stepped from then on', () => {
  const a = leaf([1], 'float64');
  const b = leaf([1], 'float64');
  const opt = new Adam([a], { lr: 0.1 });
  opt.addParamGroup({ params: [b], lr: 0.5, amsgrad: true });
  assert.is(opt.paramGroups.length, 2);
  const { params, ...h } = opt.paramGroups[1];
  assert.equal(params, [b]);
  assert.equal(h, { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false });
  setGrad(a, [1]);
  setGrad(b, [1]);
  opt.step();
  // Adam's first step moves by lr·g/(|g| + eps·...), i.e. almost exactly lr.
  assert.ok(Math.abs(a.data[0] - 0.9) < 1e-6 && Math.abs(b.data[0] - 0.5) < 1e-6, `${a.data[0]} ${b.data[0]}`);
  assert.ok(opt.state.get(b)!.maxExpAvgSq instanceof Float64Array, 'amsgrad state for the new group');
  throwsExactly(() => opt.addParamGroup({ params: [a] }), 'Adam: some parameters appear in more than one parameter group (params[0] of group 2 is already in group 0)');
  throwsExactly(() => opt.addParamGroup({ params: [leaf([3])], betas: [0.9, 1] }), 'Adam: betas[1] must be in [0, 1), got 1 (param group 2)');
  throwsExactly(() => opt.addParamGroup(5 as never), 'Adam: a parameter group must be an object with a params field, got 5 (param group 2)');
  assert.is(opt.paramGroups.length, 2, 'a rejected group is not added');
});

test('a scheduler built before addParamGroup refuses to step the changed optimizer', () => {
  const opt = new SGD([leaf([1])], { lr: 0.1 });
  const sched = new StepLR(opt, { stepSize: 1 });
  opt.addParamGroup({ params: [leaf([2])] });
  throwsExactly(() => sched.step(), 'StepLR: the optimizer has 2 parameter groups but the scheduler was built for 1');
});

test('step(closure) calls the closure first and returns its result', () => {
  const p = leaf([1]);
  const opt = new SGD([p], { lr: 0.1 });
  let calls = 0;
  const loss = opt.step(() => {
    calls++;
    setGrad(p, [1]);
    return 42;
  });
  assert.is(loss, 42);
  assert.is(calls, 1);
  assert.is(p.data[0], Math.fround(0.9));
  assert.is(opt.step(), undefined);
});

test('Adam: amsgrad switched on for a group after some steps starts its running maximum then', () => {
  const p = leaf([1]);
  const opt = new Adam([p], { lr: 0.1 });
  setGrad(p, [1]);
  opt.step();
  assert.is(opt.state.get(p)!.maxExpAvgSq, null);
  opt.paramGroups[0].amsgrad = true;
  opt.step();
  const s = opt.state.get(p)!;
  assert.equal(Array.from(s.maxExpAvgSq!), Array.from(s.expAvgSq));
  assert.is(s.step, 2);
});

test('SGD: momentum switched on later starts its buffer from the gradient, undampened (as torch)', () => {
  const p = leaf([0], 'float64');
  const opt = new SGD([p], { lr: 1, dampening: 0.5 });
  setGrad(p, [1]);
  opt.step();
  opt.paramGroups[0].momentum = 0.9;
  setGrad(p, [2]);
  opt.step();
  assert.equal(Array.from(opt.state.get(p)!.momentumBuffer!), [2]);
  opt.step(); // buf = 0.9·2 + 0.5·2
  assert.equal(Array.from(opt.state.get(p)!.momentumBuffer!), [0.9 * 2 + 0.5 * 2]);
});

test('a gradient whose shape differs from its parameter\'s is a ShapeError naming both shapes', () => {
  const a = leaf([1, 2, 3]);
  const opt = new SGD([{ params: [leaf([0])] }, { params: [leaf([0]), a] }], { lr: 0.1 });
  a.grad = sg.tensor([1, 2]);
  throwsExactly(() => opt.step(), 'SGD: the gradient of params[1] of param group 1 has shape [2] but the parameter has shape [3]', sg.ShapeError);
});

test('hyperparameter validation: every rule has a message naming the optimizer, the option and the value', () => {
  const p = (): sg.Tensor[] => [leaf([1])];
  const cases: Array<[() => unknown, string]> = [
    [() => new SGD(p(), { lr: -0.1 }), 'SGD: lr must be >= 0, got -0.1'],
    [() => new SGD(p(), { lr: NaN }), 'SGD: lr must be >= 0, got NaN'],
    [() => new SGD(p(), { lr: Infinity }), 'SGD: lr must be finite, got Infinity'],
    [() => new SGD(p(), { lr: '0.1' as never }), 'SGD: lr must be a number, got \'0.1\''],
    [() => new SGD(p(), {} as never), 'SGD: lr is required, e.g. new SGD(params, { lr: 0.01 })'],
    [() => new SGD(p(), 0.1 as never), 'SGD: options must be an object such as { lr: ... }, got 0.1'],
    [() => new SGD(p(), { lr: 0.1, momentum: -0.9 }), 'SGD: momentum must be >= 0, got -0.9'],
    [() => new SGD(p(), { lr: 0.1, weightDecay: -1e-4 }), 'SGD: weightDecay must be >= 0, got -0.0001'],
    [() => new SGD(p(), { lr: 0.1, dampening: Infinity }), 'SGD: dampening must be a finite number, got Infinity'],
    [() => new SGD(p(), { lr: 0.1, nesterov: true }), 'SGD: nesterov momentum requires momentum > 0 and dampening = 0, got momentum 0 and dampening 0'],
    [() => new SGD(p(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), 'SGD: nesterov momentum requires momentum > 0 and dampening = 0, got momentum 0.9 and dampening 0.1'],
    [() => new SGD(p(), { lr: 0.1, maximize: 'true' as never }), 'SGD: maximize must be true or false, got \'true\''],
    [() => new SGD(p(), { lr: 0.1, momentun: 0.9 } as never), 'SGD: unknown option \'momentun\' (known: lr, momentum, dampening, nesterov, weightDecay, maximize)'],
    [() => new SGD([{ params: p(), nesterov: true }], { lr: 0.1 }), 'SGD: nesterov momentum requires momentum > 0 and dampening = 0, got momentum 0 and dampening 0 (param group 0)'],
    [() => new Adam(p(), { lr: -1 }), 'Adam: lr must be >= 0, got -1'],
    [() => new Adam(p(), { betas: [1, 0.999] }), 'Adam: betas[0] must be in [0, 1), got 1'],
    [() => new Adam(p(), { betas: [-0.1, 0.999] }), 'Adam: betas[0] must be in [0, 1), got -0.1'],
    [() => new AdamW(p(), { betas: [0.9, 1.5] }), 'AdamW: betas[1] must be in [0, 1), got 1.5'],
    [() => new Adam(p(), { betas: [0.9] as never }), 'Adam: betas must be a pair [beta1, beta2], got [0.9]'],
    [() => new Adam(p(), { betas: 0.9 as never }), 'Adam: betas must be a pair [beta1, beta2], got 0.9'],
    [() => new Adam(p(), { eps: -1e-8 }), 'Adam: eps must be >= 0, got -1e-8'],
    [() => new Adam(p(), { weightDecay: -0.01 }), 'Adam: weightDecay must be >= 0, got -0.01'],
    [() => new AdamW(p(), { weightDecay: -1 }), 'AdamW: weightDecay must be >= 0, got -1'],
    [() => new Adam(p(), { amsgrad: 1 as never }), 'Adam: amsgrad must be true or false, got 1'],
    [() => new Adam(p(), { weight_decay: 0.1 } as never), 'Adam: unknown option \'weight_decay\' (known: lr, betas, eps, weightDecay, amsgrad, maximize)'],
    [() => new Adam([{ params: p() }, { params: p(), betas: [0.9, 1] }]), 'Adam: betas[1] must be in [0, 1), got 1 (param group 1)'],
  ];
  for (const [fn, message] of cases) throwsExactly(fn, message);
});

test('parameter validation: empty lists and groups, duplicates within and across groups, non-tensors, non-float and non-leaf tensors', () => {
  const a = leaf([1]);
  const computed = a.mul(2);
  const cases: Array<[() => unknown, string]> = [
    [() => new SGD([], { lr: 0.1 }), 'SGD: optimizer got an empty parameter list'],
    [() => new Adam([{ params: [a] }, { params: [] }]), 'Adam: optimizer got an empty parameter list (param group 1)'],
    [() => new SGD([a, a], { lr: 0.1 }), 'SGD: params[1] appears twice in the same parameter group (param group 0)'],
    [() => new AdamW([{ params: [a] }, { params: [leaf([2]), a] }]), 'AdamW: some parameters appear in more than one parameter group (params[1] of group 1 is already in group 0)'],
    [() => new SGD(a as never, { lr: 0.1 }), 'SGD: params must be an iterable of tensors or of parameter groups, got a tensor of shape [1]'],
    [() => new SGD([a, { params: [leaf([2])] }] as never, { lr: 0.1 }), 'SGD: params mixes tensors and parameter groups; pass either tensors or groups `{ params, ...options }`'],
    [() => new SGD([{ params: 3 }] as never, { lr: 0.1 }), 'SGD: params must be a tensor or an iterable of tensors, got 3 (param group 0)'],
    [() => new SGD([{ params: [a, 'w'] }] as never, { lr: 0.1 }), 'SGD: optimizer can only optimize tensors, but params[1] is \'w\' (param group 0)'],
    [() => new SGD([sg.tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 }), 'SGD: optimizer can only optimize floating-point tensors, but params[0] is int32 (param group 0)'],
    [() => new Adam([computed]), 'Adam: can\'t optimize a non-leaf tensor: params[0] was computed by an op; pass the leaf tensors it came from, or a detach() of it (param group 0)'],
  ];
  for (const [fn, message] of cases) throwsExactly(fn, message);
  assert.ok(new Adam([computed.detach()]), 'a detached copy is a leaf and is accepted');
  assert.ok(new Adam([a.mul(3).retainGrad()]), 'a non-leaf that retains its grad is accepted (torch allows it)');
});

test.run();
