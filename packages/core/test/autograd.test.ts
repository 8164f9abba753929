import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';

test('backward of a scalar expression gives d(x*y + x)/dx = y + 1', () => {
  const x = sg.tensor([2], { requiresGrad: true });
  const y = sg.tensor([5], { requiresGrad: true });
  x.mul(y).add(x).sum().backward();
  assert.equal(x.grad!.toArray(), [6]);
  assert.equal(y.grad!.toArray(), [2]);
});

test('gradients accumulate over two backward calls', () => {
  const x = sg.tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  x.mul(3).sum().backward();
  assert.equal(x.grad!.toArray(), [5, 7, 9]);
});

test('a 20 000-op chain backpropagates (iterative, no stack overflow)', () => {
  const x = sg.tensor([1], { requiresGrad: true, dtype: 'float64' });
  let y = x;
  for (let i = 0; i < 20000; i++) y = y.mul(1.0001);
  y.sum().backward();
  assert.ok(Math.abs(x.grad!.item() - 1.0001 ** 20000) < 1e-6 * 1.0001 ** 20000);
});

test('a shared input receives the sum of both paths; leaves own their gradient memory', () => {
  const a = sg.tensor([3], { requiresGrad: true });
  const b = sg.tensor([4], { requiresGrad: true });
  a.add(b).sum().backward();
  assert.is.not(a.grad!.data, b.grad!.data);
  a.grad!.data[0] = 10;
  assert.is(b.grad!.item(), 1);
});

test('backward twice through a freed graph throws AutogradError; retainGraph allows it', () => {
  const x = sg.tensor([2], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.equal(x.grad!.toArray(), [8]);
  assert.throws(() => y.backward(), (e: Error) => e instanceof sg.AutogradError && /second time/.test(e.message));
});

test('non-scalar backward without a gradient names the shape', () => {
  const x = sg.ones([2, 3], { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), /backward: grad can be implicitly created only for a single-element output, got shape \[2, 3\]/);
});

test('noGrad records nothing; detach cuts the graph', () => {
  const x = sg.ones([2], { requiresGrad: true });
  const y = sg.noGrad(() => x.mul(2));
  assert.is(y.requiresGrad, false);
  assert.is(y.gradFn, null);
  assert.is(x.mul(2).detach().requiresGrad, false);
  assert.is(sg.isGradEnabled(), true);
});

test('defineOp: a user op takes part in autograd', () => {
  const cube = sg.defineOp({
    name: 'cube',
    forward(ctx, x) { ctx.save(x); return x.mul(x).mul(x); },
    backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x.mul(x)).mul(3)]; },
  });
  const x = sg.tensor([2], { requiresGrad: true });
  const y = cube(x);
  assert.is(y.gradFn!.op, 'cube');
  y.sum().backward();
  assert.equal(x.grad!.toArray(), [12]);
  gradcheck((t) => cube(t), [randLeaf([3, 2], 5)]);
});

test('defineOp: a forward that returns an input as is leaves that tensor as it was (the result is a new tensor over its values)', () => {
  const second = sg.defineOp({
    name: 'second',
    forward(_ctx, _a, b) { return b; },
    backward(_ctx, g) { return [g.mul(0), null]; },
  });
  const a = sg.tensor([1, 2], { requiresGrad: true });
  const b = sg.tensor([3, 4]);
  const y = second(a, b);
  assert.ok(y !== b);
  assert.is(y.gradFn!.op, 'second');
  assert.equal([b.requiresGrad, b.gradFn, b.isLeaf], [false, null, true]);
  assert.equal(y.toArray(), [3, 4]);
  y.sum().backward();
  assert.equal(a.grad!.toArray(), [0, 0]);
  assert.is(b.grad, null);
  // The same when the returned input itself requires grad: it stays a leaf.
  const same = sg.defineOp({ name: 'same', forward(_ctx, x) { return x; }, backward(_ctx, g) { return [g]; } });
  const z = same(a);
  assert.equal([a.isLeaf, a.gradFn, z.gradFn!.op], [true, null, 'same']);
});

test('retainGrad keeps a non-leaf gradient', () => {
  const x = sg.tensor([1, 2], { requiresGrad: true });
  const h = x.mul(2).retainGrad();
  h.mul(h).sum().backward();
  assert.equal(h.grad!.toArray(), [4, 8]);
});

test('int32 tensors cannot require grad', () => {
  assert.throws(() => sg.tensor([1], { dtype: 'int32', requiresGrad: true }), /Tensor: only floating-point tensors can require gradients/);
});

test('enableGrad re-enables recording inside noGrad; backward argument errors', () => {
  const x = sg.ones([2], { requiresGrad: true });
  const y = sg.noGrad(() => sg.enableGrad(() => x.mul(2)));
  assert.is(y.requiresGrad, true);
  assert.is(sg.noGrad(() => sg.isGradEnabled()), false);
  assert.throws(() => sg.ones([2]).sum().backward(), (e: Error) => e instanceof sg.AutogradError && /backward: the tensor of shape \[\] does not require grad and has no gradFn/.test(e.message));
  assert.throws(() => y.backward(sg.ones([3])), (e: Error) => e instanceof sg.ShapeError && /backward: gradient shape \[3\] does not match the output shape \[2\]/.test(e.message));
  y.backward(sg.ones([2], { dtype: 'float64' }));
  assert.equal(x.grad!.toArray(), [2, 2]);
  assert.is(x.grad!.dtype, 'float32');
});

test('a custom op returning a wrongly shaped gradient is reported with both shapes', () => {
  const bad = sg.defineOp({
    name: 'bad',
    forward(_ctx, x) { return x.mul(1); },
    backward(_ctx, g) { return [g.sum()]; },
  });
  const x = sg.ones([2, 2], { requiresGrad: true });
  assert.throws(() => bad(x).sum().backward(), /backward: op 'bad' returned a gradient of shape \[\] for input 0 of shape \[2, 2\]/);
});

test.run();
