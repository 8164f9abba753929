import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

// Values also used (as float64) by the PyTorch reference expressions quoted in each test.
const X = [[0.5, -1.25, 2.0, 0.75], [3.5, 0.25, -0.5, 1.5], [-2.0, 1.0, 0.0, 2.5]];
const x64 = (): sg.Tensor => sg.tensor(X, { dtype: 'float64' });

test('sum over dim 1 of [2,3,4] gives [2,4]; keepdim gives [2,1,4]; a dim list and all dims work', () => {
  const x = sg.arange(24).reshape(2, 3, 4);
  assert.equal(x.sum(1).shape, [2, 4]);
  assert.equal(x.sum(1, true).shape, [2, 1, 4]);
  assert.equal(x.sum(1).toArray(), [[12, 15, 18, 21], [48, 51, 54, 57]]);
  assert.equal(x.sum([0, 2]).toArray(), [60, 92, 124]);
  assert.is(x.sum().item(), 276);
});

test('mean of int32 input is float32; mean over [0, 2] of [2,3,4]', () => {
  const m = sg.tensor([1, 2], { dtype: 'int32' }).mean();
  assert.is(m.dtype, 'float32');
  assert.is(m.item(), 1.5);
  assert.equal(sg.arange(24).reshape(2, 3, 4).mean([0, 2]).toArray(), [7.5, 11.5, 15.5]);
});

test('sum and mean gradients (gradcheck, dims [0, 2], keepdim)', () => {
  gradcheck((a) => sg.sum(a, [0, 2], true), [randLeaf([2, 3, 4], 1)]);
  gradcheck((a) => sg.mean(a, 1), [randLeaf([2, 3, 4], 2)]);
  gradcheck((a) => sg.mean(a), [randLeaf([5], 3)]);
});

test('max/min over a dim, over all dims, and with keepdim', () => {
  const x = x64();
  assert.equal(sg.max(x, 1).toArray(), [2, 3.5, 2.5]);
  assert.equal(sg.min(x, 0).toArray(), [-2, -1.25, -0.5, 0.75]);
  assert.equal(sg.max(x, -1, true).shape, [3, 1]);
  assert.equal(sg.min(x, 0, true).toArray(), [[-2, -1.25, -0.5, 0.75]]);
  assert.is(sg.max(x).item(), 3.5);
  assert.equal(sg.max(x).shape, []);
  assert.equal(x.min(undefined, true).shape, [1, 1]);
  assert.is(x.min().item(), -2);
});

test('max of an int32 tensor stays int32; max of a scalar is itself', () => {
  const m = sg.tensor([[3, 9], [4, 1]], { dtype: 'int32' }).max(0);
  assert.is(m.dtype, 'int32');
  assert.equal(m.toArray(), [4, 9]);
  assert.is(sg.max(sg.tensor(4)).item(), 4);
  assert.is(sg.max(sg.tensor(4), 0).item(), 4);
});

test('max gradient is split evenly between ties (torch amax: [1,3,3] → [0, 0.5, 0.5])', () => {
  const t = sg.tensor([1, 3, 3], { requiresGrad: true, dtype: 'float64' });
  t.max().backward();
  assert.equal(t.grad!.toArray(), [0, 0.5, 0.5]);
  const u = sg.tensor([[1, 3, 3], [2, 2, 0]], { requiresGrad: true, dtype: 'float64' });
  u.min(1).sum().backward();
  assert.equal(u.grad!.toArray(), [[1, 0, 0], [0, 0, 1]]);
  const v = sg.tensor([[5, 1], [5, 2]], { requiresGrad: true });
  v.max(0).sum().backward();
  assert.equal(v.grad!.toArray(), [[0.5, 0], [0.5, 1]]);
});

test('max/min gradients (gradcheck, distinct values): dim 1, dim 0 keepdim, all dims', () => {
  gradcheck((a) => sg.max(a, 1), [randLeaf([3, 5], 4)]);
  gradcheck((a) => sg.min(a, 0, true), [randLeaf([4, 3, 2], 5)]);
  gradcheck((a) => sg.max(a), [randLeaf([3, 4], 6)]);
  gradcheck((a) => sg.min(a, -1), [randLeaf([2, 3, 4], 7)]);
});

test('max and argmax propagate NaN like PyTorch (argmax of [1, NaN, 5] is 1)', () => {
  const x = sg.tensor([1, NaN, 5]);
  assert.is(sg.argmax(x).item(), 1);
  assert.ok(Number.isNaN(sg.max(x).item()));
  assert.ok(Number.isNaN(sg.min(sg.tensor([NaN, 1])).item()));
  const t = sg.tensor([1, NaN, 5], { requiresGrad: true });
  t.max().backward();
  assert.equal(t.grad!.toArray(), [0, 1, 0]);
});

test('argmax/argmin: int32, first occurrence, flattened index without dim, keepdim', () => {
  const x = sg.tensor([[1, 7, 7], [9, 0, 9]]);
  const a = sg.argmax(x, 1);
  assert.is(a.dtype, 'int32');
  assert.equal(a.toArray(), [1, 0]);
  assert.is(sg.argmax(x).item(), 3);
  assert.equal(sg.argmax(x).shape, []);
  assert.equal(sg.argmin(x, 0).toArray(), [0, 1, 0]);
  assert.is(sg.argmin(x).item(), 4);
  assert.equal(x.argmax(0, true).shape, [1, 3]);
  assert.equal(x.argmin(-1, true).toArray(), [[0], [1]]);
  assert.equal(x.argmax(undefined, true).shape, [1, 1]);
});

test('max/argmax errors: dim out of range and empty dimension', () => {
  throwsWith(() => sg.max(sg.zeros([2, 3]), 2), sg.ArgumentError, 'max: dim 2 is out of range for a tensor of shape [2, 3] (expected -2 to 1)');
  throwsWith(() => sg.argmin(sg.zeros([2, 0]), 1), sg.ArgumentError, 'argmin: cannot reduce over an empty dimension 1 (shape [2, 0])');
  throwsWith(() => sg.max(sg.zeros([0])), sg.ArgumentError, 'max: cannot reduce over an empty tensor (shape [0])');
});

test('a dim that is neither an integer nor an array is an ArgumentError, not a TypeError (dim is positional, as in PyTorch)', () => {
  throwsWith(() => sg.sum(sg.ones([2, 3]), { dim: 1 } as never), sg.ArgumentError,
    'sum: dim must be an integer or an array of integers, got an object (shape [2, 3]); dim is the second positional argument, as in PyTorch');
  throwsWith(() => sg.mean(sg.ones([2, 3]), '1' as never), sg.ArgumentError, 'mean: dim must be an integer or an array of integers, got string (shape [2, 3]); dim is the second positional argument, as in PyTorch');
});

test('var: Bessel correction by default, correction 0, dim list with keepdim (torch values)', () => {
  const x = x64();
  assertClose(sg.variance(x).data, [2.4332386363636362], 1e-14, 1e-14, 'var()');
  assertClose(sg.variance(x, 1).data, [1.7916666666666667, 3.0572916666666674, 3.5625], 1e-14, 1e-14, 'var(1)');
  assertClose(sg.var(x, 0, false, { correction: 0 }).data, [5.055555555555556, 0.875, 1.1666666666666667, 0.513888888888889], 1e-14, 1e-14, 'var(0, correction=0)');
  const k = x.var([0, 1], true);
  assert.equal(k.shape, [1, 1]);
  assertClose(k.data, [2.4332386363636362], 1e-14, 1e-14, 'var((0,1), keepdim)');
});

test('var of int32 is float32; a divisor of 0 gives inf like PyTorch; a negative correction throws', () => {
  const v = sg.tensor([1, 2, 4], { dtype: 'int32' }).var();
  assert.is(v.dtype, 'float32');
  assertClose(v.data, [7 / 3], 1e-6);
  assert.is(sg.tensor([1, 3]).var(undefined, false, { correction: 2 }).item(), Infinity);
  throwsWith(() => sg.variance(sg.ones([3]), undefined, false, { correction: -1 }), sg.ArgumentError, 'var: correction must be >= 0, got -1');
});

test('var gradient (gradcheck): all dims, dim 1 with correction 0, dims [0, 2] keepdim', () => {
  gradcheck((a) => sg.variance(a), [randLeaf([3, 4], 8)]);
  gradcheck((a) => sg.variance(a, 1, false, { correction: 0 }), [randLeaf([3, 4], 9)]);
  gradcheck((a) => sg.variance(a, [0, 2], true), [randLeaf([2, 3, 4], 10)]);
});

test('logsumexp over dim 1, dim 0 keepdim, and both dims (torch values)', () => {
  const x = x64();
  assertClose(sg.logsumexp(x, 1).data, [2.4372280586139023, 3.675989157706268, 2.7748431211967275], 1e-14, 1e-14, 'lse(1)');
  const k = x.logsumexp(0, true);
  assert.equal(k.shape, [1, 4]);
  assertClose(k.data, [3.552472746376527, 1.4560097813072754, 2.196734096919617, 2.932855466878769], 1e-14, 1e-14, 'lse(0, keepdim)');
  assertClose(sg.logsumexp(x, [0, 1]).data, [4.204171444213722], 1e-14, 1e-14, 'lse((0,1))');
});

test('logsumexp is stable: [1000, 1000] → 1000 + ln 2, all −∞ → −∞, +∞ → +∞, int32 → float32', () => {
  const big = sg.tensor([[1000, 1000], [-1000, -1002]], { dtype: 'float64' });
  assertClose(sg.logsumexp(big, 1).data, [1000.6931471805599, -999.873071988957], 1e-12, 1e-15, 'lse big');
  assert.is(sg.logsumexp(sg.tensor([-Infinity, -Infinity]), 0).item(), -Infinity);
  assert.is(sg.logsumexp(sg.tensor([Infinity, 1]), 0).item(), Infinity);
  assert.is(sg.logsumexp(sg.tensor([0, 0], { dtype: 'int32' }), 0).dtype, 'float32');
});

test('logsumexp gradient (gradcheck): dim 1, dims [0, 2] keepdim, large offsets', () => {
  gradcheck((a) => sg.logsumexp(a, 1), [randLeaf([3, 5], 11)]);
  gradcheck((a) => sg.logsumexp(a, [0, 2], true), [randLeaf([2, 3, 4], 12)]);
  gradcheck((a) => sg.logsumexp(a.add(500), -1), [randLeaf([2, 3], 13)]);
});

test.run();
