import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

// A 4×4 image with ties inside several windows; expected values from torch 1.13 (F.max_pool2d / F.avg_pool2d).
const tied = () => sg.tensor([[[[1, 3, 3, 0], [2, 3, 1, 5], [0, 4, 4, -1], [4, 0, 2, 2]]]], { dtype: 'float64', requiresGrad: true });

// ---- forward and backward against PyTorch --------------------------------------------------------

test('maxPool2d x=[1,1,4,4] kernel=2 equals torch; ties send the gradient to the first maximum', () => {
  const x = tied();
  const y = sg.maxPool2d(x, 2);
  assert.equal(y.toArray(), [[[[3, 5], [4, 4]]]]);
  y.sum().backward();
  assert.equal(Array.from(x.grad!.data), [0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0]);
});

test('maxPool2d x=[1,1,4,4] kernel=3 stride=1 padding=1 equals torch; overlapping winners collect every gradient', () => {
  const x = tied();
  const y = sg.maxPool2d(x, 3, { stride: 1, padding: 1 });
  assert.equal(Array.from(y.data), [3, 3, 5, 5, 4, 4, 5, 5, 4, 4, 5, 5, 4, 4, 4, 4]);
  y.sum().backward();
  assert.equal(Array.from(x.grad!.data), [0, 2, 0, 0, 0, 0, 0, 6, 0, 7, 1, 0, 0, 0, 0, 0]);
});

test('avgPool2d x=[1,1,4,4] kernel=3 stride=2 padding=1 countIncludePad=true (default) equals torch', () => {
  const x = sg.arange(1, 17, 1, { dtype: 'float64', requiresGrad: true });
  const y = sg.avgPool2d(x.reshape([1, 1, 4, 4]), 3, { stride: 2, padding: 1 });
  assertClose(y.data, [1.5555555555555556, 3.3333333333333335, 6.333333333333333, 11], 1e-14, 1e-14, 'avg');
  y.sum().backward();
  const a = 1 / 9, b = 2 / 9, c = 4 / 9;
  assertClose(x.grad!.data, [a, b, a, a, b, c, b, b, a, b, a, a, a, b, a, a], 1e-14, 1e-14, 'avg grad');
});

test('avgPool2d x=[1,1,4,4] kernel=3 stride=2 padding=1 countIncludePad=false equals torch', () => {
  const x = sg.arange(1, 17, 1, { dtype: 'float64', requiresGrad: true });
  const y = sg.avgPool2d(x.reshape([1, 1, 4, 4]), 3, { stride: 2, padding: 1, countIncludePad: false });
  assertClose(y.data, [3.5, 5, 9.5, 11], 1e-14, 1e-14, 'avg');
  y.sum().backward();
  assertClose(x.grad!.data, [0.25, 0.41666666666666663, 0.16666666666666666, 0.16666666666666666,
    0.41666666666666663, 0.6944444444444444, 0.2777777777777778, 0.2777777777777778,
    0.16666666666666666, 0.2777777777777778, 0.1111111111111111, 0.1111111111111111,
    0.16666666666666666, 0.2777777777777778, 0.1111111111111111, 0.1111111111111111], 1e-14, 1e-14, 'avg grad');
});

test('maxPool2d propagates NaN like PyTorch', () => {
  const x = sg.tensor([[[1, NaN], [3, 2]]]);
  assert.ok(Number.isNaN(sg.maxPool2d(x, 2).item()));
});

test('maxPool2d and avgPool2d x=[3,6,5] (3-D) keep the channel dim and dtype; the stride defaults to the kernel', () => {
  const x = sg.normal([3, 6, 5]);
  assert.equal(sg.maxPool2d(x, 2).shape, [3, 3, 2]);
  assert.equal(sg.avgPool2d(x, [3, 2]).shape, [3, 2, 2]);
  assert.is(sg.avgPool2d(x, 2).dtype, 'float32');
  assert.equal(x.maxPool2d(2, { stride: 1 }).toArray(), sg.maxPool2d(x, 2, { stride: 1 }).toArray());
  assert.equal(x.avgPool2d(2, { padding: 1 }).toArray(), sg.avgPool2d(x, 2, { padding: 1 }).toArray());
});

test('maxPool2d x=[8,32,26,26] kernel=2 (the MNIST shape) → [8,32,13,13]', () => {
  assert.equal(sg.maxPool2d(sg.zeros([8, 32, 26, 26]), 2).shape, [8, 32, 13, 13]);
});

// ---- gradients (float64 central differences) --------------------------------------------------------

const cases: [string, number[], number | [number, number], sg.AvgPool2dOptions][] = [
  ['x=[2,3,6,6] kernel=2', [2, 3, 6, 6], 2, {}],
  ['x=[2,2,7,7] kernel=3 stride=2 padding=1', [2, 2, 7, 7], 3, { stride: 2, padding: 1 }],
  ['x=[1,2,5,7] kernel=[2,3] stride=[1,2] padding=[1,1]', [1, 2, 5, 7], [2, 3], { stride: [1, 2], padding: [1, 1] }],
  ['x=[3,5,5] (3-D) kernel=3 stride=1 padding=1', [3, 5, 5], 3, { stride: 1, padding: 1 }],
];
for (const [name, shape, k, opts] of cases) {
  test(`maxPool2d gradcheck ${name}`, () => {
    gradcheck((x) => sg.maxPool2d(x, k, opts), [randLeaf(shape, 51)]);
  });
  for (const countIncludePad of [true, false]) {
    test(`avgPool2d gradcheck ${name} countIncludePad=${countIncludePad}`, () => {
      gradcheck((x) => sg.avgPool2d(x, k, { ...opts, countIncludePad }), [randLeaf(shape, 52)]);
    });
  }
}

// ---- errors -------------------------------------------------------------------------------------

test('maxPool2d rejects padding above half the kernel (PyTorch\'s rule)', () => {
  throwsWith(() => sg.maxPool2d(sg.zeros([1, 1, 5, 5]), 3, { padding: 2 }), sg.ArgumentError,
    'maxPool2d: padding [2, 2] must be at most half the kernel size [3, 3] (input [1, 1, 5, 5])');
  throwsWith(() => sg.avgPool2d(sg.zeros([1, 1, 5, 5]), [4, 2], { padding: [2, 2] }), sg.ArgumentError,
    'avgPool2d: padding [2, 2] must be at most half the kernel size [4, 2] (input [1, 1, 5, 5])');
});

test('maxPool2d rejects a window that does not fit the input', () => {
  throwsWith(() => sg.maxPool2d(sg.zeros([1, 1, 2, 5]), 3), sg.ShapeError,
    'maxPool2d: output size would be 0x1: kernel [3, 3] with padding [0, 0] does not fit the input 2x5 (input [1, 1, 2, 5])');
});

test('pooling rejects bad kernel, stride and padding values', () => {
  const x = sg.zeros([1, 1, 4, 4]);
  throwsWith(() => sg.maxPool2d(x, 0), sg.ArgumentError,
    'maxPool2d: kernelSize must be a positive integer or a pair of them, got 0 (input [1, 1, 4, 4])');
  throwsWith(() => sg.avgPool2d(x, 2, { stride: [1, 0] }), sg.ArgumentError,
    'avgPool2d: stride must be a positive integer or a pair of them, got [1, 0] (input [1, 1, 4, 4])');
  throwsWith(() => sg.avgPool2d(x, 2, { padding: -1 }), sg.ArgumentError,
    'avgPool2d: padding must be a non-negative integer or a pair of them, got -1 (input [1, 1, 4, 4])');
  throwsWith(() => sg.maxPool2d(x, [2, 2, 2] as unknown as number), sg.ArgumentError, /^maxPool2d: kernelSize must be a positive integer or a pair/);
});

test('pooling rejects 2-D inputs and int32 tensors', () => {
  throwsWith(() => sg.maxPool2d(sg.zeros([4, 4]), 2), sg.ShapeError, 'maxPool2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got [4, 4]');
  throwsWith(() => sg.avgPool2d(sg.zeros([1, 4, 4], { dtype: 'int32' }), 2), sg.DTypeError,
    'avgPool2d: input must be float32 or float64, got int32 (input [1, 4, 4])');
});

test.run();
