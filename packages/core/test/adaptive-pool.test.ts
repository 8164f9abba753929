import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import {
  adaptiveAvgPoolBins, adaptiveMaxPoolBins, binEnd, binStart, globalAvgPool, globalMaxPool,
} from '../src/kernels/adaptive-pool.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { runFixture } from './torch-fixtures.js';

type Size = sg.AdaptiveSize;

runFixture('adaptive_pool', (t, c) => {
  const size = c.args.outputSize as Size;
  return c.op === 'adaptiveAvgPool2d' ? sg.adaptiveAvgPool2d(t.x, size) : sg.adaptiveMaxPool2d(t.x, size);
});

test('bins are PyTorch\'s: start ⌊i·H/out⌋, end ⌈(i+1)·H/out⌉ (7 → 3: [0,3), [2,5), [4,7); 3 → 7 repeats rows)', () => {
  assert.equal([0, 1, 2].map((i) => [binStart(i, 7, 3), binEnd(i, 7, 3)]), [[0, 3], [2, 5], [4, 7]]);
  assert.equal([0, 1, 2, 3, 4, 5, 6].map((i) => [binStart(i, 3, 7), binEnd(i, 3, 7)]),
    [[0, 1], [0, 1], [0, 2], [1, 2], [1, 3], [2, 3], [2, 3]]);
});

test('adaptive pooling gradients (gradcheck, float64): non-divisible, upsizing, global, 3-D input, null entries', () => {
  for (const [shape, size, seed] of [
    [[2, 2, 7, 5], [3, 2], 1], [[1, 2, 3, 4], [7, 6], 2], [[2, 3, 5, 4], 1, 3], [[3, 6, 5], [4, 3], 4], [[1, 2, 6, 5], [null, 2], 5],
  ] as [number[], Size, number][]) {
    gradcheck((x) => sg.adaptiveAvgPool2d(x, size), [randLeaf(shape, seed)]);
    // Max pooling is piecewise linear: distinct values keep every bin's winner stable under ±eps.
    gradcheck((x) => sg.adaptiveMaxPool2d(x, size), [randLeaf(shape, seed + 10)]);
  }
});

test('global (1×1) fast path equals the general bin loop and the composed mean/max, values and gradients', () => {
  const x = randLeaf([3, 4, 5, 6], 21);
  const g = { planes: 12, height: 5, width: 6, outH: 1, outW: 1 };
  const fast = new Float64Array(12);
  const bins = new Float64Array(12);
  globalAvgPool(x.data as Float64Array, 12, 30, fast);
  adaptiveAvgPoolBins(x.data as Float64Array, g, bins);
  assertClose(fast, bins, 1e-15, 1e-14, 'global avg vs bins');
  // Ties and NaN: the same winner from both loops.
  const y = new Float64Array([1, 3, 3, 2, NaN, 5, 7, 7, -Infinity, -Infinity, -Infinity, -Infinity]);
  const [fm, fa, bm, ba] = [new Float64Array(3), new Int32Array(3), new Float64Array(3), new Int32Array(3)];
  globalMaxPool(y, 3, 4, fm, fa);
  adaptiveMaxPoolBins(y, { planes: 3, height: 2, width: 2, outH: 1, outW: 1 }, bm, ba);
  assert.equal([...fa], [1, 0, 0]);
  assert.equal([...ba], [...fa]);
  assert.ok(Number.isNaN(fm[1]) && Number.isNaN(bm[1]));
  assert.equal([fm[0], fm[2]], [3, -Infinity]);

  const avg = sg.adaptiveAvgPool2d(x, 1);
  const composed = x.mean([2, 3], true);
  assertClose(avg.data, composed.data, 1e-15, 1e-14, 'avg forward');
  const cot = randLeaf([3, 4, 1, 1], 22).detach();
  avg.backward(cot);
  const gFast = x.grad!.data.slice();
  x.grad = null;
  composed.backward(cot);
  assertClose(gFast, x.grad!.data, 1e-15, 1e-14, 'avg gradient');

  x.grad = null;
  const mx = sg.adaptiveMaxPool2d(x, [1, 1]);
  const ref = x.flatten(2).max(2, true).unsqueeze(3);
  assertClose(mx.data, ref.data, 0, 0, 'max forward');
  mx.backward(cot);
  const gMax = x.grad!.data.slice();
  x.grad = null;
  ref.backward(cot);
  assertClose(gMax, x.grad!.data, 0, 0, 'max gradient');
});

test('a divisible output size equals avgPool2d / maxPool2d with kernel = stride = H/out', () => {
  const x = randLeaf([2, 3, 8, 6], 31).detach();
  assertClose(sg.adaptiveAvgPool2d(x, [4, 2]).data, sg.avgPool2d(x, [2, 3]).data, 1e-15, 1e-14, 'avg');
  assertClose(sg.adaptiveMaxPool2d(x, [2, 3]).data, sg.maxPool2d(x, [4, 2]).data, 0, 0, 'max');
});

test('adaptiveMaxPool2d: ties send the gradient to the first maximum; overlapping bins add up; NaN propagates', () => {
  const x = sg.tensor([[[[1, 5, 5], [5, 2, 0], [0, 1, 2]]]], { dtype: 'float64', requiresGrad: true });
  const y = sg.adaptiveMaxPool2d(x, 2); // bins rows [0,2),[1,3) × cols [0,2),[1,3)
  assert.equal(y.toArray(), [[[[5, 5], [5, 2]]]]);
  y.sum().backward();
  // Bin (0,0) picks (0,1) over (1,0); bin (0,1) also (0,1); bin (1,0) (1,0); bin (1,1) (1,1) then (2,2) tie → first.
  assert.equal(x.grad!.toArray(), [[[[0, 2, 0], [1, 1, 0], [0, 0, 0]]]]);
  const n = sg.adaptiveMaxPool2d(sg.tensor([[[1, NaN], [3, 4]]]), 1);
  assert.ok(Number.isNaN(n.item()));
});

test('outputSize forms: a number, [h, w], null keeps a dimension, 0 gives an empty output; methods chain', () => {
  const x = sg.normal([2, 3, 7, 5]);
  assert.equal([...sg.adaptiveAvgPool2d(x, 3).shape], [2, 3, 3, 3]);
  assert.equal([...x.adaptiveAvgPool2d([null, 2]).shape], [2, 3, 7, 2]);
  assert.equal([...x.adaptiveMaxPool2d([4, null]).shape], [2, 3, 4, 5]);
  assert.equal([...sg.adaptiveAvgPool2d(x, [0, 2]).shape], [2, 3, 0, 2]);
  assert.is(sg.adaptiveAvgPool2d(x, [7, 5]).data.every((v, i) => v === x.data[i]), true, 'identity');
});

test('adaptive pooling errors name the op, the rule and the shapes', () => {
  throwsWith(() => sg.adaptiveAvgPool2d(sg.ones([4, 4]), 2), sg.ShapeError, 'adaptiveAvgPool2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got [4, 4]');
  throwsWith(() => sg.adaptiveMaxPool2d(sg.ones([1, 2, 2], { dtype: 'int32' }), 1), sg.DTypeError, 'adaptiveMaxPool2d: input must be float32 or float64, got int32 (shape [1, 2, 2])');
  throwsWith(() => sg.adaptiveAvgPool2d(sg.ones([1, 2, 0, 3]), 1), sg.ShapeError, 'adaptiveAvgPool2d: input must have non-empty spatial dimensions, got [1, 2, 0, 3]');
  throwsWith(() => sg.adaptiveAvgPool2d(sg.ones([1, 2, 4, 4]), -1), sg.ArgumentError,
    'adaptiveAvgPool2d: outputSize must be a non-negative integer or a pair of them, got -1 (input [1, 2, 4, 4])');
  throwsWith(() => sg.adaptiveAvgPool2d(sg.ones([1, 2, 4, 4]), [2.5, 2]), sg.ArgumentError,
    'adaptiveAvgPool2d: outputSize must be a non-negative integer or a pair of them, got [2.5, 2] (input [1, 2, 4, 4])');
  throwsWith(() => sg.adaptiveMaxPool2d(sg.ones([1, 2, 4, 4]), [null, 1.5]), sg.ArgumentError,
    'adaptiveMaxPool2d: outputSize must be a non-negative integer or a pair of non-negative integers or nulls, got [null, 1.5] (input [1, 2, 4, 4])');
  throwsWith(() => sg.adaptiveMaxPool2d(sg.ones([1, 2, 4, 4]), [2] as unknown as Size), sg.ArgumentError,
    'adaptiveMaxPool2d: outputSize must be a non-negative integer or a pair of them, got [2] (input [1, 2, 4, 4])');
});

test.run();
