import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

const x23 = () => sg.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
const vec = (values: number[]) => sg.tensor(values, { dtype: 'float64' });

// ---- forward: values produced by numpy.pad (NumPy 1.24.2, /usr/bin/python3) ----------------------

test('pad x=[2,3] width=[1,2,2,1] mode=constant value=9 equals numpy.pad', () => {
  const y = sg.pad(x23(), [1, 2, 2, 1], { value: 9 });
  assert.equal(y.toArray(), [[9, 9, 9, 9, 9, 9], [9, 9, 1, 2, 3, 9], [9, 9, 4, 5, 6, 9], [9, 9, 9, 9, 9, 9], [9, 9, 9, 9, 9, 9]]);
});

test('pad x=[2,3] width=[1,2,2,1] mode=reflect equals numpy.pad (widths larger than the dim)', () => {
  const y = sg.pad(x23(), [1, 2, 2, 1], { mode: 'reflect' });
  assert.equal(y.toArray(), [[6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
});

test('pad x=[2,3] width=[1,2,2,1] mode=replicate (numpy edge) equals numpy.pad', () => {
  const y = sg.pad(x23(), [1, 2, 2, 1], { mode: 'replicate' });
  assert.equal(y.toArray(), [[1, 1, 1, 2, 3, 3], [1, 1, 1, 2, 3, 3], [4, 4, 4, 5, 6, 6], [4, 4, 4, 5, 6, 6], [4, 4, 4, 5, 6, 6]]);
});

test('pad x=[2,3] width=[1,2,2,1] mode=symmetric equals numpy.pad', () => {
  const y = sg.pad(x23(), [1, 2, 2, 1], { mode: 'symmetric' });
  assert.equal(y.toArray(), [[2, 1, 1, 2, 3, 3], [2, 1, 1, 2, 3, 3], [5, 4, 4, 5, 6, 6], [5, 4, 4, 5, 6, 6], [2, 1, 1, 2, 3, 3]]);
});

test('pad x=[2,3] width=[1,2,2,1] mode=circular (numpy wrap) equals numpy.pad', () => {
  const y = sg.pad(x23(), [1, 2, 2, 1], { mode: 'circular' });
  assert.equal(y.toArray(), [[5, 6, 4, 5, 6, 4], [2, 3, 1, 2, 3, 1], [5, 6, 4, 5, 6, 4], [2, 3, 1, 2, 3, 1], [5, 6, 4, 5, 6, 4]]);
});

test('pad x=[3] reflect with widths far beyond the dim replays NumPy\'s iterative (non-periodic) fill', () => {
  // NumPy mirrors the grown array chunk by chunk, so these differ from a periodic extension
  // (which would end ..., 2, 3 and start 1, 2, ... respectively).
  assert.equal(sg.pad(vec([1, 2, 3]), [[1, 8]], { mode: 'reflect' }).toArray(), [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 1]);
  assert.equal(sg.pad(vec([1, 2, 3]), [[8, 1]], { mode: 'reflect' }).toArray(), [3, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]);
  assert.equal(sg.pad(vec([1, 2, 3]), [[7, 7]], { mode: 'reflect' }).toArray(), [2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2]);
});

test('pad x=[2] and x=[3] symmetric with widths far beyond the dim equal numpy.pad', () => {
  assert.equal(sg.pad(vec([1, 2]), [[1, 8]], { mode: 'symmetric' }).toArray(), [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1]);
  assert.equal(sg.pad(vec([1, 2]), [[8, 1]], { mode: 'symmetric' }).toArray(), [2, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
  assert.equal(sg.pad(vec([1, 2, 3]), [[5, 1]], { mode: 'symmetric' }).toArray(), [2, 3, 3, 2, 1, 1, 2, 3, 3]);
});

test('pad x=[3] circular with widths beyond the dim is strictly periodic (NumPy >= 1.25 wrap)', () => {
  // NumPy 1.24 (installed here) still gives [3, 1, 1, 2, 3, 1, 2, 3, 1] for (5, 1): the pre-1.25
  // wrap bug that copied partial periods. Current NumPy and this library wrap whole periods.
  assert.equal(sg.pad(vec([1, 2, 3]), [[5, 1]], { mode: 'circular' }).toArray(), [2, 3, 1, 2, 3, 1, 2, 3, 1]);
  assert.equal(sg.pad(vec([1, 2, 3]), [[2, 3]], { mode: 'wrap' }).toArray(), [2, 3, 1, 2, 3, 1, 2, 3]);
});

test('pad x=[1,1] width=2 mode=reflect repeats the single value (as numpy does)', () => {
  const y = sg.pad(sg.tensor([[7]]), 2, { mode: 'reflect' });
  assert.equal(y.shape, [5, 5]);
  assert.ok(Array.from(y.data).every((v) => v === 7));
});

test('pad x=[2,2,3] pairs=[[1,0],[0,1],[2,0]] mode=symmetric pads every dimension like numpy.pad', () => {
  const y = sg.pad(sg.arange(1, 13).reshape([2, 2, 3]), [[1, 0], [0, 1], [2, 0]], { mode: 'symmetric' });
  assert.equal(y.toArray(), [
    [[2, 1, 1, 2, 3], [5, 4, 4, 5, 6], [5, 4, 4, 5, 6]],
    [[2, 1, 1, 2, 3], [5, 4, 4, 5, 6], [5, 4, 4, 5, 6]],
    [[8, 7, 7, 8, 9], [11, 10, 10, 11, 12], [11, 10, 10, 11, 12]],
  ]);
});

test('pad x=[1,2,2,3] width=1 pads only the last two dims; NumPy aliases edge/wrap equal replicate/circular', () => {
  const x = sg.arange(12).reshape([1, 2, 2, 3]);
  assert.equal(sg.pad(x, 1).shape, [1, 2, 4, 5]);
  assert.equal(sg.pad(x, 1, { mode: 'edge' }).toArray(), sg.pad(x, 1, { mode: 'replicate' }).toArray());
  assert.equal(sg.pad(x, [2, 0, 1, 3], { mode: 'wrap' }).toArray(), sg.pad(x, [2, 0, 1, 3], { mode: 'circular' }).toArray());
});

test('pad keeps the dtype (float32, float64, int32); all-zero widths return the input itself', () => {
  assert.is(sg.pad(sg.ones([2, 2]), 1).dtype, 'float32');
  assert.is(sg.pad(sg.ones([2, 2], { dtype: 'float64' }), 1).dtype, 'float64');
  const xi = sg.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
  assert.equal(sg.pad(xi, [0, 0, 1, 0], { mode: 'reflect' }).toArray(), [[2, 1, 2], [4, 3, 4]]);
  assert.is(sg.pad(xi, 0), xi);
  assert.is(sg.pad(xi, [[0, 0], [0, 0]], { mode: 'reflect' }), xi);
});

test('pad x=[0,2] pairs=[[1,0],[0,0]] mode=constant fills an empty dim (numpy does too)', () => {
  const y = sg.pad(sg.zeros([0, 2]), [[1, 0], [0, 0]], { value: 3 });
  assert.equal(y.toArray(), [[3, 3]]);
});

test('pad x=[0,3] pairs=[[0,0],[1,1]] mode=reflect pads a non-empty dim of an empty tensor', () => {
  assert.equal(sg.pad(sg.zeros([0, 3]), [[0, 0], [1, 1]], { mode: 'reflect' }).shape, [0, 5]);
});

test('pad x.method: sg.pad and x.pad agree and record op pad', () => {
  const x = randLeaf([2, 3], 1);
  const y = x.pad([1, 0, 0, 2], { mode: 'symmetric' });
  assert.is(y.gradFn!.op, 'pad');
  assert.equal(y.toArray(), sg.pad(x, [1, 0, 0, 2], { mode: 'symmetric' }).toArray());
});

// ---- backward -----------------------------------------------------------------------------------

test('pad x=[3] width=[[2,2]] mode=reflect: gradient of the sum counts the copies of each element', () => {
  const x = sg.tensor([1, 2, 3], { requiresGrad: true });
  const y = sg.pad(x, [[2, 2]], { mode: 'reflect' });       // [3, 2, 1, 2, 3, 2, 1]
  y.sum().backward();
  assert.equal(x.grad!.toArray(), [2, 3, 2]);
});

test('pad x=[2,3] width=[1,1,1,1] mode=constant: padded cells send no gradient back', () => {
  const x = sg.ones([2, 3], { requiresGrad: true });
  sg.pad(x, 1, { value: 5 }).sum().backward();
  assert.equal(x.grad!.toArray(), [[1, 1, 1], [1, 1, 1]]);
});

const modes = ['constant', 'reflect', 'replicate', 'symmetric', 'circular'] as const;
for (const mode of modes) {
  test(`pad gradcheck x=[2,3,4,5] width=[1,2,3,0] mode=${mode} (asymmetric)`, () => {
    gradcheck((x) => sg.pad(x, [1, 2, 3, 0], { mode, value: 0.5 }), [randLeaf([2, 3, 4, 5], 10)]);
  });
  test(`pad gradcheck x=[2,3] pairs=[[1,0],[2,3]] mode=${mode} (per-dimension pairs)`, () => {
    gradcheck((x) => sg.pad(x, [[1, 0], [2, 3]], { mode }), [randLeaf([2, 3], 11)]);
  });
}
for (const mode of ['reflect', 'symmetric', 'circular', 'replicate'] as const) {
  test(`pad gradcheck x=[3,2,3] pairs=[[4,7],[5,1],[0,8]] mode=${mode} (widths larger than the dims)`, () => {
    gradcheck((x) => sg.pad(x, [[4, 7], [5, 1], [0, 8]], { mode }), [randLeaf([3, 2, 3], 12)]);
  });
}
test('pad gradcheck x=[2,1,1] width=3 mode=reflect (size-1 dims)', () => {
  gradcheck((x) => sg.pad(x, 3, { mode: 'reflect' }), [randLeaf([2, 1, 1], 13)]);
});

// ---- errors -------------------------------------------------------------------------------------

test('pad rejects a negative width, naming the width and the input shape', () => {
  throwsWith(() => sg.pad(sg.ones([1, 3, 4, 4]), [1, -1, 0, 0]), sg.ArgumentError,
    'pad: width [1,-1,0,0] must hold non-negative integers, got -1 (input [1, 3, 4, 4])');
  throwsWith(() => sg.pad(sg.ones([2, 2]), 1.5), sg.ArgumentError, 'pad: width 1.5 must hold non-negative integers, got 1.5 (input [2, 2])');
});

test('pad rejects an unknown mode, listing the valid ones', () => {
  throwsWith(() => sg.pad(sg.ones([2, 2]), 1, { mode: 'mirror' as sg.PadMode }), sg.ArgumentError,
    `pad: unknown mode "mirror"; expected one of 'constant', 'reflect', 'replicate', 'symmetric', 'circular' (or NumPy's aliases 'edge', 'wrap') (input [2, 2])`);
  throwsWith(() => sg.pad(sg.ones([2, 2]), 1, { mode: 'toString' as sg.PadMode }), sg.ArgumentError, /^pad: unknown mode "toString"/);
});

test('pad rejects a width of the wrong arity', () => {
  const x = sg.ones([1, 2, 3]);
  throwsWith(() => sg.pad(x, [1, 2, 3] as unknown as sg.PadWidth), sg.ArgumentError,
    'pad: width [1,2,3] must be a number, [top, bottom, left, right], or one [before, after] pair per dimension (input [1, 2, 3])');
  throwsWith(() => sg.pad(x, [[1, 1], [2, 2]]), sg.ShapeError,
    'pad: width [[1,1],[2,2]] has 2 [before, after] pairs but the input has 3 dimensions (input [1, 2, 3])');
  throwsWith(() => sg.pad(sg.ones([4]), [[1, 1], [2, 2]]), sg.ShapeError,
    'pad: width [[1,1],[2,2]] has 2 [before, after] pairs but the input has 1 dimension (input [4])');
  throwsWith(() => sg.pad(x, [[1, 1, 1]] as unknown as sg.PadWidth), sg.ArgumentError, /^pad: width \[\[1,1,1\]\] must be a number/);
  throwsWith(() => sg.pad(x, [[1, 0]]), sg.ShapeError, /^pad: width \[\[1,0\]\] has 1 \[before, after\] pair but the input has 3 dimensions/);
});

test('pad rejects a spatial width on a 1-D input, pointing to per-dimension pairs', () => {
  throwsWith(() => sg.pad(sg.ones([5]), 1), sg.ShapeError,
    'pad: width 1 pads the last two dimensions, but the input has 1; pass one [before, after] pair per dimension instead (input [5])');
});

test('pad rejects non-constant modes on an empty dim (numpy: can\'t extend empty axis)', () => {
  throwsWith(() => sg.pad(sg.zeros([0, 2]), [[1, 0], [0, 0]], { mode: 'reflect' }), sg.ShapeError,
    "pad: mode 'reflect' cannot pad dimension 0 of size 0 (only 'constant' can) (input [0, 2], width [[1,0],[0,0]])");
});

test('pad rejects a non-number value', () => {
  throwsWith(() => sg.pad(sg.ones([2, 2]), 1, { value: '1' as unknown as number }), sg.ArgumentError,
    'pad: value must be a number, got "1" (input [2, 2])');
});

test.run();
