import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';

test('tensor() from a number, nested arrays and typed arrays with shape; dtypes', () => {
  assert.equal(sg.tensor(3).shape, []);
  assert.is(sg.tensor(3).item(), 3);
  const t = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(t.shape, [2, 3]);
  assert.is(t.dtype, 'float32');
  assert.equal(sg.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.is(sg.tensor(new Float64Array(2)).dtype, 'float64');
  assert.is(sg.tensor([0, 3, 1], { dtype: 'int32' }).dtype, 'int32');
  assert.equal(sg.tensor([1, 2, 3, 4], { shape: [2, 2] }).shape, [2, 2]);
  assert.equal(sg.tensor([]).shape, [0]);
});

test('tensor() errors: ragged arrays, non-numbers, shape/data mismatch, int32 with requiresGrad', () => {
  assert.throws(() => sg.tensor([[1, 2], [3]]), /tensor: ragged nested array: expected length 2 at depth 1 for shape \[2, 2\]/);
  assert.throws(() => sg.tensor([[1, 2], 3] as never), /tensor: ragged nested array/);
  assert.throws(() => sg.tensor([1, 2, 3], { shape: [2, 2] }), /tensor: shape \[2, 2\] needs 4 elements but the data has 3/);
  assert.throws(() => sg.tensor([1.5, 2], { dtype: 'int32', requiresGrad: true }), (e: Error) => e instanceof sg.DTypeError && /only floating-point tensors can require gradients/.test(e.message));
  assert.throws(() => sg.zeros([2, -1]), /zeros: shape \[2, -1\] must hold non-negative integers/);
});

test('full, zeros, ones, arange, linspace, eye and the *Like factories', () => {
  assert.equal(sg.full([2], 7).toArray(), [7, 7]);
  assert.equal(sg.zeros([2, 1]).toArray(), [[0], [0]]);
  assert.equal(sg.ones([3], { dtype: 'float64' }).dtype, 'float64');
  assert.equal(sg.arange(4).toArray(), [0, 1, 2, 3]);
  assert.equal(sg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.equal(sg.arange(3, 0, -1).toArray(), [3, 2, 1]);
  assert.throws(() => sg.arange(0, 1, 0), /arange: step must be a nonzero finite number, got 0/);
  assert.equal(sg.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(sg.linspace(2, 3, 1).toArray(), [2]);
  assert.throws(() => sg.linspace(0, 1, -1), /linspace: steps must be a non-negative integer, got -1/);
  assert.equal(sg.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  const x = sg.tensor([[1, 2]], { dtype: 'float64' });
  for (const t of [sg.zerosLike(x), sg.onesLike(x), sg.fullLike(x, 2), sg.normalLike(x), sg.uniformLike(x)]) {
    assert.equal(t.shape, [1, 2]);
    assert.is(t.dtype, 'float64');
  }
  assert.is(sg.randintLike(x, 0, 5).dtype, 'int32');
  assert.ok(sg.ones([1], { requiresGrad: true }).requiresGrad);
});

test('manualSeed: the same seed gives the same bits; another seed differs', () => {
  sg.manualSeed(42);
  const a = sg.normal([100]);
  const u = sg.uniform([10], { low: -2, high: 3 });
  sg.manualSeed(42);
  const b = sg.normal([100]);
  const v = sg.uniform([10], { low: -2, high: 3 });
  assert.equal(Array.from(a.data), Array.from(b.data));
  assert.equal(Array.from(u.data), Array.from(v.data));
  sg.manualSeed(43);
  assert.not.equal(Array.from(sg.normal([100]).data), Array.from(a.data));
  assert.is(sg.defaultGenerator().initialSeed(), 43);
});

test('an explicit Generator is independent of the global one, and its state round-trips', () => {
  const g = new sg.Generator(7);
  sg.manualSeed(1);
  const first = sg.normal([5], { generator: g });
  sg.manualSeed(2);
  const g2 = new sg.Generator(7);
  assert.equal(Array.from(sg.normal([5], { generator: g2 }).data), Array.from(first.data));
  g.normal(); // leaves a spare Box–Muller value pending
  const state = g.getState();
  const next = [g.normal(), g.random(), g.random53(), g.randint(0, 100)];
  const h = new sg.Generator(0).setState(state);
  assert.equal([h.normal(), h.random(), h.random53(), h.randint(0, 100)], next);
  const rng = new sg.Generator('s').asRng();
  const r = rng();
  assert.ok(r >= 0 && r < 1);
  assert.throws(() => new sg.Generator(Number.NaN), /manualSeed: seed must be finite, got NaN/);
});

test('random factories: statistics, ranges, randint bounds, and argument errors', () => {
  const g = new sg.Generator(3);
  const n = sg.normal([20000], { mean: 2, std: 0.5, generator: g, dtype: 'float64' });
  const mean = n.mean().item();
  const std = Math.sqrt(n.var().item());
  assert.ok(Math.abs(mean - 2) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.5) < 0.02, `std ${std}`);
  const u = sg.uniform([20000], { low: -1, high: 1, generator: g });
  assert.ok(u.min().item() >= -1 && u.max().item() < 1);
  assert.ok(Math.abs(u.mean().item()) < 0.02);
  const r = sg.randint(3, 7, [5000], { generator: g });
  assert.is(r.dtype, 'int32');
  const counts = [0, 0, 0, 0];
  for (const v of r.data) counts[v - 3]++;
  assert.ok(counts.every((c) => c > 1100 && c < 1400), `counts ${counts}`);
  assert.equal(sg.randn([2, 3]).shape, [2, 3]);
  assert.equal(sg.rand([4]).shape, [4]);
  assert.throws(() => sg.normal([2], { std: -1 }), /normal: std must be non-negative, got -1/);
  assert.throws(() => sg.uniform([2], { low: 1, high: 0 }), /uniform: high \(0\) must be >= low \(1\)/);
  assert.throws(() => sg.randint(3, 3, [2]), /randint: expected integers low < high, got low=3, high=3/);
});

test('Tensor basics: item, toArray, numel, detach, clone, to, toString, retainGrad', () => {
  const t = sg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  assert.is(t.numel(), 4);
  assert.is(t.size, 4);
  assert.is(t.ndim, 2);
  assert.ok(t.isLeaf);
  assert.throws(() => t.item(), /item: only a one-element tensor can be converted to a number, got shape \[2, 2\]/);
  const d = t.detach();
  assert.is(d.data, t.data);
  assert.is(d.requiresGrad, false);
  const c = t.clone();
  assert.is.not(c.data, t.data);
  assert.is(c.isLeaf, false);
  assert.is(t.toString(), 'tensor([[1,2],[3,4]], shape=[2, 2], dtype=float32, requiresGrad)');
  assert.match(sg.zeros([2000]).toString(), /2000 elements/);
  assert.is(t.float().dtype, 'float32');
  const h = t.mul(2).retainGrad();
  h.sum().backward();
  assert.equal(h.grad!.toArray(), [[1, 1], [1, 1]]);
  assert.equal(t.grad!.toArray(), [[2, 2], [2, 2]]);
  assert.throws(() => sg.tensor([1], { dtype: 'int32' }).requiresGrad_(), /requiresGrad_: only floating-point tensors can require gradients/);
  assert.throws(() => new sg.Tensor(new Float32Array(3), [2, 2]), /Tensor: shape \[2, 2\] needs 4 elements but the data has 3/);
});

test('chainable methods equal the functions', () => {
  sg.manualSeed(5);
  const x = sg.normal([2, 3, 4, 4]);
  const w = sg.normal([2, 3, 3, 3]);
  const same = (a: sg.Tensor, b: sg.Tensor) => assert.equal(Array.from(a.data), Array.from(b.data));
  same(x.conv2d(w, { padding: 1 }), sg.conv2d(x, w, { padding: 1 }));
  same(x.maxPool2d(2), sg.maxPool2d(x, 2));
  same(x.avgPool2d(2), sg.avgPool2d(x, 2));
  same(x.pad(1, { mode: 'reflect' }), sg.pad(x, 1, { mode: 'reflect' }));
  same(x.relu(), sg.relu(x));
  same(x.leakyRelu(), sg.leakyRelu(x));
  same(x.sigmoid(), sg.sigmoid(x));
  same(x.tanh(), sg.tanh(x));
  same(x.gelu(), sg.gelu(x));
  same(x.elu(), sg.elu(x));
  same(x.silu(), sg.silu(x));
  same(x.softmax(1), sg.softmax(x, 1));
  same(x.logSoftmax(), sg.logSoftmax(x));
  same(x.exp(), sg.exp(x));
  same(x.abs().log(), sg.log(sg.abs(x)));
  same(x.abs().sqrt(), sg.sqrt(sg.abs(x)));
  same(x.neg(), sg.neg(x));
  same(x.clamp(-1, 1), sg.clamp(x, -1, 1));
  same(x.maximum(0), sg.maximum(x, 0));
  same(x.minimum(0), sg.minimum(x, 0));
  same(x.ne(0), sg.ne(x, 0));
  same(x.lt(0), sg.lt(x, 0));
  same(x.le(0), sg.le(x, 0));
  same(x.gt(0), sg.gt(x, 0));
  same(x.ge(0), sg.ge(x, 0));
  same(x.sub(1).div(2), sg.div(sg.sub(x, 1), 2));
  same(x.sum([1, 2], true), sg.sum(x, [1, 2], true));
  same(x.max(1), sg.max(x, 1));
  same(x.min(1), sg.min(x, 1));
  same(x.argmax(1), sg.argmax(x, 1));
  same(x.argmin(1), sg.argmin(x, 1));
  same(x.var(1), sg.variance(x, 1));
  same(x.logsumexp(1), sg.logsumexp(x, 1));
  same(x.reshape(6, 16), sg.reshape(x, [6, 16]));
  same(x.view([6, 16]), sg.view(x, [6, 16]));
  same(x.flatten(1), sg.flatten(x, 1));
  same(x.transpose(0, 3), sg.transpose(x, 0, 3));
  same(x.permute(3, 2, 1, 0), sg.permute(x, [3, 2, 1, 0]));
  same(x.unsqueeze(0).squeeze(0), x);
  same(x.squeeze(), x);
  same(x.slice(0, [1, 3]), sg.slice(x, 0, [1, 3]));
  same(x.narrow(2, 1, 2), sg.narrow(x, 2, 1, 2));
  same(x.select(1, 2), sg.select(x, 1, 2));
  same(x.sum(0, true).expand(2, -1, -1, -1), sg.expand(sg.sum(x, 0, true), [2, 3, 4, 4]));
  const idx = sg.tensor([1, 0], { dtype: 'int32' });
  same(x.indexSelect(0, idx), sg.indexSelect(x, 0, idx));
  same(x.gather(0, sg.zeros([1, 3, 4, 4], { dtype: 'int32' })), sg.gather(x, 0, sg.zeros([1, 3, 4, 4], { dtype: 'int32' })));
  same(x.reshape(6, 16).matmul(sg.ones([16, 2])), sg.matmul(sg.reshape(x, [6, 16]), sg.ones([16, 2])));
  same(x.dropout(0.5, { generator: new sg.Generator(1) }), sg.dropout(x, 0.5, { generator: new sg.Generator(1) }));
});

test.run();
