/**
 * The extension example (examples/src/custom): the custom op `mish` made with core's `defineOp`,
 * the custom `ResidualBlock` module, and a model built from both, each checked numerically in
 * float64 and by training.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { loadSafetensors, saveSafetensors } from '@simplegrad/nn';
import { assertClose, gradcheck, randLeaf } from '../../packages/core/test/gradcheck.js';
import { Mish, mish } from '../src/custom/mish.js';
import { ResidualBlock } from '../src/custom/residual.js';
import { TinyResNet } from '../src/custom/model.js';
import { bars, trainBars } from '../src/custom/train.js';

test('mish equals x·tanh(softplus(x)) composed from core ops, and stays finite for large |x|', () => {
  const x = randLeaf([4, 5], 1, 3);
  const composed = x.mul(sg.tanh(sg.log(sg.exp(x).add(1))));
  assertClose(mish(x).data, composed.data, 1e-12, 1e-12, 'mish forward');
  const extreme = mish(sg.tensor([-100, -30, 0, 30, 100], { dtype: 'float64' }));
  assertClose(extreme.data, [-100 * Math.tanh(Math.log1p(Math.exp(-100))), -30 * Math.tanh(Math.log1p(Math.exp(-30))), 0, 30, 100], 1e-12, 1e-12, 'mish tails');
  assert.ok([...mish(sg.tensor([-1e4, 1e4])).data].every(Number.isFinite));
});

test('mish records itself in the graph as a custom op; its backward passes a float64 gradient check', () => {
  const x = randLeaf([3, 4, 2], 2, 2);
  const y = mish(x);
  assert.is(y.gradFn?.op, 'mish');
  gradcheck((t) => mish(t), [x]);
  gradcheck((t) => mish(t.mul(t)).sum(), [randLeaf([6], 3)]);
});

test('mish works in float32, and not recording under noGrad', () => {
  const x = sg.tensor([-1, 0, 2], { requiresGrad: true });
  const y = new Mish().forward(x);
  assert.is(y.dtype, 'float32');
  y.sum().backward();
  // the reference: autograd through the composition of core ops, in float64
  const ref = sg.tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
  ref.mul(sg.tanh(sg.log(sg.exp(ref).add(1)))).sum().backward();
  assertClose(x.grad!.data, ref.grad!.data, 1e-6, 1e-6, 'mish\' at -1, 0, 2');
  assertClose(x.grad!.data, [0.0592, 0.6, 1.0693], 1e-4, 0, 'mish\' rounded');
  assert.is(sg.noGrad(() => mish(x)).requiresGrad, false);
});

test('ResidualBlock registers its layers under their field names; the shortcut is an identity or a 1×1 conv', () => {
  const same = new ResidualBlock(4, 4);
  assert.equal([...same.stateDict().keys()], [
    'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked',
    'conv2.weight', 'bn2.weight', 'bn2.bias', 'bn2.running_mean', 'bn2.running_var', 'bn2.num_batches_tracked',
  ]);
  const down = new ResidualBlock(4, 8, { stride: 2 });
  assert.equal(down.namedParameters().map(([n]) => n).slice(-3), ['shortcut.0.weight', 'shortcut.1.weight', 'shortcut.1.bias']);
  assert.equal(down.forward(sg.normal([2, 4, 7, 7])).shape, [2, 8, 4, 4]);
  assert.equal(same.forward(sg.normal([2, 4, 5, 5])).shape, [2, 4, 5, 5]);
});

test('ResidualBlock (train-mode batch norm, mish, shortcut) passes a float64 gradient check for input and weights', () => {
  sg.manualSeed(5);
  const block = new ResidualBlock(2, 3, { stride: 2, dtype: 'float64' });
  const x = randLeaf([2, 2, 5, 5], 6);
  const f = (input: sg.Tensor) => block.forward(input);
  gradcheck(f, [x, block.conv1.weight, block.conv2.weight, block.bn2.weight!, block.getParameter('shortcut.0.weight')], { maxPerInput: 40, atol: 1e-5, rtol: 1e-4 });
});

test('TinyResNet trains: Adam lowers the cross-entropy on the bars task within a few steps', () => {
  const { model, losses } = trainBars({ steps: 12, batchSize: 16, seed: 1 });
  const first = losses[0];
  const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(last < 0.7 * first, `loss ${first.toFixed(4)} → ${last.toFixed(4)}`);
  assert.ok(losses.every(Number.isFinite));
  const logits = model.eval().forward(bars(4, new sg.Generator(9)).x);
  assert.equal(logits.shape, [4, 2]);
});

test('a gradient step on TinyResNet reaches every parameter, and its checkpoint round trips', () => {
  sg.manualSeed(2);
  const net = new TinyResNet();
  const { x, y } = bars(8, new sg.Generator(2));
  sg.crossEntropy(net.forward(x), y).backward();
  const missing = net.namedParameters().filter(([, p]) => p.grad === null).map(([n]) => n);
  assert.equal(missing, []);
  const again = new TinyResNet();
  again.loadStateDict(loadSafetensors(saveSafetensors(net.stateDict())));
  net.eval();
  again.eval();
  assert.equal([...again.forward(x).data], [...net.forward(x).data]);
});

test.run();
