import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { runFixture, withTensors } from './torch-fixtures.js';

const labels = (values: sg.NestedArray) => sg.tensor(values, { dtype: 'int32' });
const probs = (shape: number[], seed: number) => sg.softmax(randLeaf(shape, seed).detach(), 1);

test('crossEntropy gradients: index targets with weight, ignoreIndex, labelSmoothing; every reduction (gradcheck)', () => {
  const y = labels([0, 2, 1, 2, 4]);
  const w = sg.tensor([1, 2, 0.5, 1, 3], { dtype: 'float64' });
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((x) => sg.crossEntropy(x, y, { reduction }), [randLeaf([5, 5], 1)]);
    gradcheck((x) => sg.crossEntropy(x, y, { reduction, weight: w, labelSmoothing: 0.1 }), [randLeaf([5, 5], 2)]);
  }
  gradcheck((x) => sg.crossEntropy(x, labels([1, -100, 3, 0, 2])), [randLeaf([5, 5], 3)]);
  gradcheck((x) => sg.crossEntropy(x, labels([[1, 0, 2], [2, 2, 0]])), [randLeaf([2, 3, 3], 4)]);
});

test('crossEntropy with probability targets: gradients for input and target (gradcheck)', () => {
  gradcheck((x, t) => sg.crossEntropy(x, t), [randLeaf([4, 6], 5), probs([4, 6], 6).requiresGrad_()]);
  gradcheck((x) => sg.crossEntropy(x, probs([4, 6], 7), { labelSmoothing: 0.2, reduction: 'sum' }), [randLeaf([4, 6], 8)]);
});

test('nllLoss, mseLoss, l1Loss and binaryCrossEntropyWithLogits gradients (gradcheck)', () => {
  const y = labels([3, 0, 1]);
  gradcheck((x) => sg.nllLoss(sg.logSoftmax(x, 1), y), [randLeaf([3, 4], 9)]);
  gradcheck((x) => sg.nllLoss(x, y, { weight: sg.tensor([1, 2, 3, 4], { dtype: 'float64' }), reduction: 'sum' }), [randLeaf([3, 4], 10)]);
  gradcheck((x, t) => sg.mseLoss(x, t), [randLeaf([3, 4], 11), randLeaf([3, 4], 12)]);
  gradcheck((x, t) => sg.l1Loss(x, t, { reduction: 'sum' }), [randLeaf([3, 4], 13), randLeaf([3, 4], 14)]);
  const t = sg.tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]], { dtype: 'float64' });
  gradcheck((x) => sg.binaryCrossEntropyWithLogits(x, t), [randLeaf([3, 4], 15, 3)]);
  gradcheck((x) => sg.binaryCrossEntropyWithLogits(x, t, { posWeight: sg.tensor([1, 2, 3, 4], { dtype: 'float64' }), weight: sg.tensor([0.5, 1, 2, 1], { dtype: 'float64' }) }), [randLeaf([3, 4], 16, 3)]);
});

test('crossEntropy values: uniform logits give log(C); an all-ignored batch gives NaN as in PyTorch', () => {
  const loss = sg.crossEntropy(sg.zeros([3, 10]), labels([1, 2, 3])).item();
  assert.ok(Math.abs(loss - Math.log(10)) < 1e-6);
  assert.ok(Number.isNaN(sg.crossEntropy(sg.zeros([2, 3]), labels([-100, -100])).item()));
  assert.ok(Math.abs(sg.binaryCrossEntropyWithLogits(sg.tensor([1000, -1000]), sg.tensor([1, 0])).item()) < 1e-6, 'stable at ±1000');
});

test('loss errors name the op, the argument and both shapes', () => {
  assert.throws(() => sg.crossEntropy(sg.zeros([4, 3]), labels([0, 1, 2])), (e: Error) => e instanceof sg.ShapeError && e.message === 'crossEntropy: target [3] does not match input [4, 3] (expected target [4])');
  assert.throws(() => sg.crossEntropy(sg.zeros([2, 3]), labels([0, 3])), /crossEntropy: target value 3 at position 1 is out of range for 3 classes \(expected 0 to 2, or ignoreIndex -100\)/);
  assert.throws(() => sg.crossEntropy(sg.zeros([2, 3]), labels([0, 1]), { reduction: 'avg' as never }), /crossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => sg.mseLoss(sg.zeros([2, 3]), sg.zeros([3, 2])), /mseLoss: target \[3, 2\] does not match input \[2, 3\] \(they must have the same shape\)/);
  assert.throws(() => sg.nllLoss(sg.zeros([2, 3]), sg.zeros([2])), (e: Error) => e instanceof sg.DTypeError && /nllLoss: class-index target must be int32, got float32 \(target \[2\], input \[2, 3\]\)/.test(e.message));
});

runFixture('bce', (t, c) => sg.binaryCrossEntropy(t.input, t.target, withTensors<sg.BceOptions>(c.options, { weight: t.weight })));

/** Seeded probabilities in [0.05, 0.95] (float64 leaf). */
function probLeaf(shape: number[], seed: number): sg.Tensor {
  return sg.sigmoid(randLeaf(shape, seed, 1.2)).detach().requiresGrad_();
}

test('binaryCrossEntropy gradients for input and target (gradcheck): every reduction, weight full and broadcast', () => {
  const w = sg.tensor([0.5, 2, 1], { dtype: 'float64' });
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((x, y) => sg.binaryCrossEntropy(x, y, { reduction }), [probLeaf([4, 3], 81), probLeaf([4, 3], 82)]);
    gradcheck((x, y) => sg.binaryCrossEntropy(x, y, { reduction, weight: w }), [probLeaf([4, 3], 83), probLeaf([4, 3], 84)]);
  }
});

test('binaryCrossEntropy at probabilities 0 and 1: log clamped at -100, input gradient finite as in torch 1.13', () => {
  const x = sg.tensor([0, 1, 0, 1, 0.25], { dtype: 'float64', requiresGrad: true });
  const y = sg.tensor([1, 0, 0, 1, 1], { dtype: 'float64' });
  const l = sg.binaryCrossEntropy(x, y, { reduction: 'none' });
  assert.equal([...l.data].slice(0, 4), [100, 100, 0, 0]);
  assert.ok(Math.abs(l.data[4] - Math.log(4)) < 1e-15);
  l.sum().backward();
  // (x − y) / max((1 − x)·x, float32(1e-12)) = ∓1/float32(1e-12), and 0 where x = y.
  const big = 1 / Math.fround(1e-12);
  assert.equal([...x.grad!.data].slice(0, 4), [-big, big, 0, 0]);
  assert.is(sg.binaryCrossEntropy(sg.tensor([0.5]), sg.tensor([1])).dtype, 'float32');
});

test('binaryCrossEntropy errors: probabilities outside [0, 1], shapes, weight broadcast, options', () => {
  throwsWith(() => sg.binaryCrossEntropy(sg.tensor([0.5, 1.5]), sg.tensor([1, 0])), sg.ArgumentError,
    'binaryCrossEntropy: input must hold probabilities in [0, 1], got 1.5 at position 1 (input [2]); use binaryCrossEntropyWithLogits for logits');
  throwsWith(() => sg.binaryCrossEntropy(sg.tensor([NaN]), sg.tensor([1])), sg.ArgumentError,
    'binaryCrossEntropy: input must hold probabilities in [0, 1], got NaN at position 0 (input [1]); use binaryCrossEntropyWithLogits for logits');
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2, 3], 0.5), sg.ones([3, 2])), sg.ShapeError, 'binaryCrossEntropy: target [3, 2] does not match input [2, 3] (they must have the same shape)');
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2, 3], 0.5), sg.ones([2, 3]), { weight: sg.ones([2]) }), sg.ShapeError,
    'binaryCrossEntropy: shapes [2] and [2, 3] cannot be broadcast together (dimension 1: 2 vs 3)');
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2, 3], 0.5), sg.ones([2, 3]), { weight: sg.ones([2, 2, 3]) }), sg.ShapeError,
    'binaryCrossEntropy: weight [2, 2, 3] cannot be broadcast to input [2, 3]');
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2], 0.5), sg.ones([2]), { reduction: 'avg' as sg.Reduction }), sg.ArgumentError,
    "binaryCrossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'");
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2], 0.5), sg.ones([2]), { posWeight: sg.ones([2]) } as sg.BceOptions), sg.ArgumentError,
    "binaryCrossEntropy: unknown option 'posWeight' (known: reduction, weight)");
  throwsWith(() => sg.binaryCrossEntropy(sg.full([2], 0.5), sg.ones([2], { dtype: 'int32' })), sg.DTypeError, 'binaryCrossEntropy: target must be float32 or float64, got int32 (shape [2])');
});

test('every loss rejects unknown options, naming the known ones', () => {
  const x = sg.zeros([2, 3]);
  const y = labels([0, 1]);
  throwsWith(() => sg.crossEntropy(x, y, { label_smoothing: 0.1 } as sg.CrossEntropyOptions), sg.ArgumentError,
    "crossEntropy: unknown option 'label_smoothing' (known: reduction, weight, ignoreIndex, labelSmoothing)");
  throwsWith(() => sg.nllLoss(x, y, { labelSmoothing: 0.1 } as sg.NllLossOptions), sg.ArgumentError, "nllLoss: unknown option 'labelSmoothing' (known: reduction, weight, ignoreIndex)");
  throwsWith(() => sg.mseLoss(x, x, { size_average: true } as sg.LossOptions), sg.ArgumentError, "mseLoss: unknown option 'size_average' (known: reduction)");
  throwsWith(() => sg.l1Loss(x, x, 'sum' as sg.LossOptions), sg.ArgumentError, "l1Loss: options must be an object such as { reduction: ... }, got 'sum'");
  throwsWith(() => sg.binaryCrossEntropyWithLogits(x, x, { pos_weight: x } as sg.BceWithLogitsOptions), sg.ArgumentError,
    "binaryCrossEntropyWithLogits: unknown option 'pos_weight' (known: reduction, weight, posWeight)");
});

test.run();
