/**
 * Initialisation. PyTorch's RNG cannot be matched bit for bit, so these tests check what can be:
 * the same seed gives the same bits; PyTorch's default bounds (Kaiming-uniform with a = √5, i.e.
 * U(±1/√fanIn) for weights, and U(±1/√fanIn) for biases) hold exactly; and each init.* function's
 * samples have the mean, spread and range its formula implies (seeded, so deterministic).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { BatchNorm2d, Conv2d, Linear, Module, Sequential, init } from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

function stats(t: sg.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.data;
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    min = Math.min(min, d[i]);
    max = Math.max(max, d[i]);
  }
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / d.length), min, max };
}

/** Checks sample statistics of `n` draws against a distribution's mean and std (5 standard errors). */
function assertMoments(t: sg.Tensor, mean: number, std: number, what: string): void {
  const s = stats(t);
  const n = t.size;
  assert.ok(Math.abs(s.mean - mean) < 5 * std / Math.sqrt(n), `${what}: mean ${s.mean} vs ${mean}`);
  assert.ok(Math.abs(s.std / std - 1) < 5 / Math.sqrt(2 * n), `${what}: std ${s.std} vs ${std}`);
}

function assertUniform(t: sg.Tensor, bound: number, what: string): void {
  const s = stats(t);
  assert.ok(s.min >= -bound && s.max <= bound, `${what}: range [${s.min}, ${s.max}] exceeds ±${bound}`);
  // The extremes come close to the bound: the samples fill the interval.
  assert.ok(s.max > 0.95 * bound && s.min < -0.95 * bound, `${what}: range [${s.min}, ${s.max}] does not fill ±${bound}`);
  assertMoments(t, 0, bound / Math.sqrt(3), what);
}

// The data's own bytes: a parameter's array is a view into pinned storage (its buffer is larger).
const bits = (m: Module): number[][] => [...m.stateDict().values()].map((t) => [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);

class Cnn extends Module {
  conv = new Conv2d(3, 8, 3);
  bn = new BatchNorm2d(8);
  fc = new Linear(8, 4);
  forward(x: sg.Tensor): sg.Tensor { return x; }
}

test('after manualSeed(s) the same architecture gets the same bits; another seed gives other bits', () => {
  sg.manualSeed(123);
  const a = new Cnn();
  sg.manualSeed(123);
  const b = new Cnn();
  assert.equal(bits(b), bits(a));
  sg.manualSeed(124);
  assert.not.equal(bits(new Cnn()).slice(0, 2), bits(a).slice(0, 2));
});

test('a layer given its own generator ignores the global seed and is reproducible from that generator', () => {
  sg.manualSeed(1);
  const a = new Linear(6, 5, { generator: new sg.Generator(9) });
  sg.manualSeed(2);
  const b = new Linear(6, 5, { generator: new sg.Generator(9) });
  assert.equal(bits(b), bits(a));
  const c = new Conv2d(2, 3, 3, { generator: new sg.Generator(9) });
  const d = new Conv2d(2, 3, 3);
  c.resetParameters(new sg.Generator(4));
  d.resetParameters(new sg.Generator(4));
  assert.equal(bits(d), bits(c));
});

test('the global seed stream is consumed weight first, then bias (Linear: resetParameters reproduces construction)', () => {
  sg.manualSeed(5);
  const lin = new Linear(4, 3);
  const first = bits(lin);
  sg.manualSeed(5);
  lin.resetParameters();
  assert.equal(bits(lin), first);
});

test('Linear(256, 64) defaults: weight and bias U(±1/√256), Kaiming-uniform with a = √5', () => {
  sg.manualSeed(0);
  const lin = new Linear(256, 64);
  assertUniform(lin.weight, 1 / 16, 'weight');
  const s = stats(lin.bias!);
  assert.ok(s.min >= -1 / 16 && s.max <= 1 / 16, `bias range [${s.min}, ${s.max}]`);
  assert.ok(s.max - s.min > 0.1, 'bias spread');
  // init.kaimingUniform_ with a = √5 is exactly that bound: gain √(2 / (1 + 5)) × √(3 / fanIn) = 1 / √fanIn
  assert.ok(Math.abs(init.calculateGain('leakyRelu', Math.sqrt(5)) * Math.sqrt(3 / 256) - 1 / 16) < 1e-15);
});

test('Conv2d(8, 16, 5) defaults: fanIn = 8·5·5 = 200, weight and bias U(±1/√200)', () => {
  sg.manualSeed(0);
  const conv = new Conv2d(8, 16, 5);
  assertUniform(conv.weight, 1 / Math.sqrt(200), 'weight');
  const s = stats(conv.bias!);
  assert.ok(s.min >= -1 / Math.sqrt(200) && s.max <= 1 / Math.sqrt(200));
  const f64 = new Conv2d(2, 2, 3, { dtype: 'float64' });
  assert.is(f64.weight.dtype, 'float64');
});

test('BatchNorm2d defaults: weight 1, bias 0, running mean 0, running var 1, no batches', () => {
  const bn = new BatchNorm2d(3);
  assert.equal([...bn.weight!.data], [1, 1, 1]);
  assert.equal([...bn.bias!.data], [0, 0, 0]);
  assert.equal([...bn.runningMean!.data], [0, 0, 0]);
  assert.equal([...bn.runningVar!.data], [1, 1, 1]);
  assert.is(bn.numBatchesTracked!.item(), 0);
});

test('calculateGain and calculateFanInAndFanOut follow torch.nn.init', () => {
  assert.is(init.calculateGain('linear'), 1);
  assert.is(init.calculateGain('conv2d'), 1);
  assert.is(init.calculateGain('sigmoid'), 1);
  assert.is(init.calculateGain('tanh'), 5 / 3);
  assert.is(init.calculateGain('relu'), Math.SQRT2);
  assert.is(init.calculateGain('leakyRelu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.is(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.is(init.calculateGain('selu'), 0.75);
  throwsWith(() => init.calculateGain('swish' as init.Nonlinearity), sg.ArgumentError, 'calculateGain: unsupported nonlinearity "swish"');
  throwsWith(() => init.calculateGain('leakyRelu', NaN), sg.ArgumentError, 'calculateGain: negative slope NaN is not a finite number');
  assert.equal(init.calculateFanInAndFanOut([16, 3, 5, 5]), { fanIn: 75, fanOut: 400 });
  assert.equal(init.calculateFanInAndFanOut(sg.zeros([4, 7])), { fanIn: 7, fanOut: 4 });
  throwsWith(() => init.calculateFanInAndFanOut([5]), sg.ArgumentError,
    'calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [5])');
});

test('uniform_ / normal_ / constant_ / zeros_ / ones_ fill in place with the requested distribution', () => {
  const g = new sg.Generator(7);
  const t = sg.zeros([20000]);
  assert.is(init.uniform_(t, { a: -2, b: 4, generator: g }), t);
  const u = stats(t);
  assert.ok(u.min >= -2 && u.max < 4 && u.min < -1.99 && u.max > 3.99);
  assertMoments(t, 1, 6 / Math.sqrt(12), 'uniform_');
  init.uniform_(t, { generator: g });
  assertMoments(t, 0.5, 1 / Math.sqrt(12), 'uniform_ default U(0, 1)');
  init.normal_(t, { mean: 3, std: 0.5, generator: g });
  assertMoments(t, 3, 0.5, 'normal_');
  init.normal_(t, { generator: g });
  assertMoments(t, 0, 1, 'normal_ default N(0, 1)');
  assert.equal([...init.constant_(sg.zeros([3]), 2.5).data], [2.5, 2.5, 2.5]);
  assert.equal([...init.zeros_(sg.ones([2])).data], [0, 0]);
  assert.equal([...init.ones_(sg.zeros([2], { dtype: 'int32' })).data], [1, 1]);
});

test('xavierUniform_ / xavierNormal_: bound gain·√(6 / (fanIn + fanOut)), std gain·√(2 / (fanIn + fanOut))', () => {
  const g = new sg.Generator(8);
  const w = sg.zeros([100, 300]);
  init.xavierUniform_(w, { generator: g });
  assertUniform(w, Math.sqrt(6 / 400), 'xavierUniform_');
  init.xavierUniform_(w, { gain: 2, generator: g });
  assertUniform(w, 2 * Math.sqrt(6 / 400), 'xavierUniform_ gain 2');
  init.xavierNormal_(w, { generator: g });
  assertMoments(w, 0, Math.sqrt(2 / 400), 'xavierNormal_');
  init.xavierNormal_(w, { gain: init.calculateGain('tanh'), generator: g });
  assertMoments(w, 0, (5 / 3) * Math.sqrt(2 / 400), 'xavierNormal_ tanh gain');
});

test('kaimingUniform_ / kaimingNormal_: gain / √fan for fanIn and fanOut, relu and leaky relu', () => {
  const g = new sg.Generator(9);
  const w = sg.zeros([64, 32, 3, 3]);   // fanIn 288, fanOut 576
  init.kaimingUniform_(w, { generator: g });
  assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 288), 'kaimingUniform_ default (leaky relu, a = 0)');
  init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu', generator: g });
  assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 576), 'kaimingUniform_ fanOut relu');
  init.kaimingNormal_(w, { generator: g });
  assertMoments(w, 0, Math.sqrt(2 / 288), 'kaimingNormal_');
  init.kaimingNormal_(w, { a: 0.3, mode: 'fanOut', generator: g });
  assertMoments(w, 0, Math.sqrt(2 / 1.09) / Math.sqrt(576), 'kaimingNormal_ a=0.3 fanOut');
  const empty = sg.zeros([0, 3]);
  assert.is(init.kaimingUniform_(empty), empty);
  assert.is(init.kaimingNormal_(empty), empty);
});

test('the same generator state gives the same draws in every init function (float64 too)', () => {
  for (const fill of [
    (t: sg.Tensor, g: sg.Generator) => init.kaimingUniform_(t, { generator: g }),
    (t: sg.Tensor, g: sg.Generator) => init.xavierNormal_(t, { generator: g }),
    (t: sg.Tensor, g: sg.Generator) => init.normal_(t, { generator: g }),
  ]) {
    const a = fill(sg.zeros([4, 5], { dtype: 'float64' }), new sg.Generator('seed'));
    const b = fill(sg.zeros([4, 5], { dtype: 'float64' }), new sg.Generator('seed'));
    assert.equal([...a.data], [...b.data]);
  }
});

test('init errors: integer tensors, a > b, negative std, bad fan mode', () => {
  const ints = sg.zeros([2, 2], { dtype: 'int32' });
  throwsWith(() => init.uniform_(ints), sg.DTypeError, 'uniform_: tensor must be float32 or float64, got int32 (shape [2, 2])');
  throwsWith(() => init.normal_(ints), sg.DTypeError, 'normal_: tensor must be float32 or float64, got int32 (shape [2, 2])');
  throwsWith(() => init.uniform_(sg.zeros([2]), { a: 1, b: 0 }), sg.ArgumentError, 'uniform_: expected a <= b, got a=1, b=0');
  throwsWith(() => init.normal_(sg.zeros([2]), { std: -1 }), sg.ArgumentError, 'normal_: std must be non-negative, got -1');
  throwsWith(() => init.kaimingNormal_(sg.zeros([2, 2]), { mode: 'fan_in' as init.FanMode }), sg.ArgumentError,
    'kaimingNormal_: mode must be \'fanIn\' or \'fanOut\', got \'fan_in\'');
});

test('the design document\'s names without the underscore are the same in-place functions', () => {
  assert.is(init.kaimingNormal, init.kaimingNormal_);
  assert.is(init.kaimingUniform, init.kaimingUniform_);
  assert.is(init.xavierUniform, init.xavierUniform_);
  assert.is(init.xavierNormal, init.xavierNormal_);
  assert.is(init.uniform, init.uniform_);
  assert.is(init.normal, init.normal_);
  assert.is(init.constant, init.constant_);
  assert.is(init.zeros, init.zeros_);
  assert.is(init.ones, init.ones_);
});

test('apply() re-initialises a model\'s layers with a chosen scheme', () => {
  const model = new Sequential(new Linear(50, 40), new Linear(40, 30));
  model.apply((m) => {
    if (m instanceof Linear) {
      init.xavierUniform_(m.weight, { generator: new sg.Generator(1) });
      init.zeros_(m.bias!);
    }
  });
  assertUniform((model.at(0) as Linear).weight, Math.sqrt(6 / 90), 'first layer');
  assert.ok([...(model.at(1) as Linear).bias!.data].every((v) => v === 0));
});

test.run();
