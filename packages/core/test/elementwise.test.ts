import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';

const pos = (shape: number[], seed: number) => {
  const t = randLeaf(shape, seed);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.abs(t.data[i]) + 0.5;
  return t;
};

test('add/sub/mul/div broadcast [2,3,1] with [4]: values and shape as NumPy', () => {
  const a = sg.tensor([[[1], [2], [3]], [[4], [5], [6]]]);
  const b = sg.tensor([1, 2, 3, 4]);
  assert.equal(sg.add(a, b).shape, [2, 3, 4]);
  assert.equal(sg.add(a, b).toArray(), [[[2, 3, 4, 5], [3, 4, 5, 6], [4, 5, 6, 7]], [[5, 6, 7, 8], [6, 7, 8, 9], [7, 8, 9, 10]]]);
  assert.equal(sg.sub(b, 1).toArray(), [0, 1, 2, 3]);
  assert.equal(sg.mul(2, b).toArray(), [2, 4, 6, 8]);
  assert.equal(sg.div(b, 2).toArray(), [0.5, 1, 1.5, 2]);
  assert.equal(b.pow(2).toArray(), [1, 4, 9, 16]);
});

test('binary op gradients with broadcasting reduce back to each input shape (gradcheck)', () => {
  const a = randLeaf([2, 3, 1], 1);
  const b = randLeaf([4], 2);
  gradcheck((x, y) => sg.add(x, y), [a, b]);
  gradcheck((x, y) => sg.sub(x, y), [a, b]);
  gradcheck((x, y) => sg.mul(x, y), [a, b]);
  gradcheck((x, y) => sg.div(x, y), [a, pos([4], 3)]);
  gradcheck((x, y) => sg.pow(x, y), [pos([2, 3, 1], 4), randLeaf([4], 5)]);
  gradcheck((x, y) => sg.maximum(x, y), [a, b]);
  gradcheck((x, y) => sg.minimum(x, y), [a, b]);
  assert.equal(a.grad!.shape, [2, 3, 1]);
  assert.equal(b.grad!.shape, [4]);
});

test('unary op gradients: neg exp log sqrt abs clamp (gradcheck, float64)', () => {
  gradcheck((x) => sg.neg(x), [randLeaf([3, 4], 6)]);
  gradcheck((x) => sg.exp(x), [randLeaf([3, 4], 7)]);
  gradcheck((x) => sg.log(x), [pos([3, 4], 8)]);
  gradcheck((x) => sg.sqrt(x), [pos([3, 4], 9)]);
  gradcheck((x) => sg.abs(x), [randLeaf([3, 4], 10)]);
  gradcheck((x) => sg.clamp(x, -0.5, 0.5), [randLeaf([3, 4], 11)]);
  gradcheck((x) => sg.clamp(x, undefined, 0.2), [randLeaf([3, 4], 12)]);
  gradcheck((x) => x.pow(3), [randLeaf([5], 13)]);
});

test('values of unary ops equal Math.* on float32', () => {
  const x = sg.tensor([0.25, 1, 4]);
  assertClose(sg.exp(x).data, [Math.exp(0.25), Math.E, Math.exp(4)], 1e-5, 1e-6, 'exp');
  assertClose(sg.log(x).data, [Math.log(0.25), 0, Math.log(4)], 1e-6, 1e-6, 'log');
  assert.equal(Array.from(sg.sqrt(x).data), [0.5, 1, 2]);
  assert.equal(sg.abs(sg.tensor([-2, 3])).toArray(), [2, 3]);
  assert.equal(sg.clamp(sg.tensor([-2, 0, 3]), -1, 1).toArray(), [-1, 0, 1]);
  assert.equal(sg.neg(sg.tensor([1, -2])).toArray(), [-1, 2]);
});

test('comparisons return 0/1 and carry no gradient; where selects and routes gradients', () => {
  const a = sg.tensor([1, 2, 3]);
  assert.equal(sg.eq(a, 2).toArray(), [0, 1, 0]);
  assert.equal(sg.ne(a, 2).toArray(), [1, 0, 1]);
  assert.equal(sg.lt(a, 2).toArray(), [1, 0, 0]);
  assert.equal(sg.le(a, 2).toArray(), [1, 1, 0]);
  assert.equal(sg.gt(a, 2).toArray(), [0, 0, 1]);
  assert.equal(sg.ge(a, 2).toArray(), [0, 1, 1]);
  assert.equal(a.eq(1).toArray(), [1, 0, 0]);
  const x = randLeaf([2, 3], 14);
  const y = randLeaf([3], 15);
  const cond = sg.tensor([[1, 0, 1], [0, 0, 1]]);
  gradcheck((p, q) => sg.where(cond, p, q), [x, y]);
  assert.equal(sg.where(cond, 1, 0).toArray(), [[1, 0, 1], [0, 0, 1]]);
});

test('cast: int32 truncates toward zero, float casts are differentiable', () => {
  assert.equal(sg.cast(sg.tensor([-1.7, 2.9]), 'int32').toArray(), [-1, 2]);
  assert.is(sg.tensor([1, 2]).double().dtype, 'float64');
  assert.is(sg.tensor([1, 2]).int().dtype, 'int32');
  const x = randLeaf([3], 16);
  // float32 rounding in the middle needs a larger step for the central difference.
  gradcheck((t) => sg.cast(t, 'float32').double().mul(2), [x], { eps: 1e-3, atol: 1e-4, rtol: 1e-3 });
});

test('mixed dtypes promote to the wider float; numbers keep the tensor dtype', () => {
  const a = sg.tensor([1, 2], { dtype: 'float64' });
  assert.is(sg.add(a, sg.tensor([1, 1])).dtype, 'float64');
  assert.is(sg.add(sg.tensor([1, 1]), 1).dtype, 'float32');
  assert.is(sg.mul(a, 3).dtype, 'float64');
});

test('broadcast errors name the op and both full shapes', () => {
  assert.throws(() => sg.add(sg.zeros([2, 3]), sg.zeros([4, 3, 2])), (e: Error) => e instanceof sg.ShapeError && /add: shapes \[2, ?3\] and \[4, ?3, ?2\] cannot be broadcast together/.test(e.message));
  assert.throws(() => sg.clamp(sg.zeros([1])), /clamp: at least one of min and max must be given/);
  assert.throws(() => sg.clamp(sg.zeros([1]), 2, 1), /clamp: min 2 is greater than max 1/);
  assert.is(sg.exp(sg.tensor([1], { dtype: 'int32' })).dtype, 'float32', 'exp of int32 is float32, as in PyTorch');
});

test('sumTo and broadcastTo are inverse shape rules; broadcastTo is differentiable', () => {
  const x = randLeaf([3, 1], 17);
  assert.equal(sg.broadcastTo(x, [2, 3, 4]).shape, [2, 3, 4]);
  gradcheck((t) => sg.broadcastTo(t, [2, 3, 4]), [x]);
  assert.equal(sg.sumTo(sg.ones([2, 3, 4]), [3, 1]).toArray(), [[8], [8], [8]]);
  assert.throws(() => sg.broadcastTo(sg.zeros([3]), [2, 4]), /expand: shapes \[3\] and \[2, 4\] cannot be broadcast together/);
});

test('ties: maximum/minimum split the gradient evenly (PyTorch); pow at a = 0; clamp with only min; where with one grad side', () => {
  const a = sg.tensor([1, 2, 3], { requiresGrad: true });
  const b = sg.tensor([1, 0, 5], { requiresGrad: true });
  sg.maximum(a, b).sum().backward();
  assert.equal(a.grad!.toArray(), [0.5, 1, 0]);
  assert.equal(b.grad!.toArray(), [0.5, 0, 1]);
  a.grad = null; b.grad = null;
  sg.minimum(a, b).sum().backward();
  assert.equal(a.grad!.toArray(), [0.5, 0, 1]);
  assert.equal(b.grad!.toArray(), [0.5, 1, 0]);
  const base = sg.tensor([0, 2], { requiresGrad: true });
  const e = sg.tensor([2, 3], { requiresGrad: true });
  sg.pow(base, e).sum().backward();
  assert.equal(base.grad!.toArray(), [0, 12]);
  assert.ok(Math.abs(e.grad!.data[1] - 8 * Math.log(2)) < 1e-5 && e.grad!.data[0] === 0, 'd(a^b)/db is 0 where a = 0');
  const c = sg.tensor([-1, 0.5, 3], { requiresGrad: true });
  sg.clamp(c, 0).sum().backward();
  assert.equal(c.grad!.toArray(), [0, 1, 1]);
  const p = sg.tensor([1, 2], { requiresGrad: true });
  sg.where(sg.tensor([1, 0]), p, sg.tensor([9, 9])).sum().backward();
  assert.equal(p.grad!.toArray(), [1, 0]);
  assert.equal(sg.pow(sg.tensor([2, 3]), 2).toArray(), [4, 9]);
  assert.is(sg.add(2, 3).item(), 5);
  assert.is(sg.lt(sg.tensor([1], { dtype: 'int32' }), 2).dtype, 'float32');
});

test.run();
