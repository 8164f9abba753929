import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { type TensorJson, loadFixture, runFixture, toTensor } from './torch-fixtures.js';

runFixture('index_ops', (t, c) => {
  switch (c.op) {
    case 'flip': return sg.flip(t.x, c.args.dims as number[]);
    case 'topk': return sg.topk(t.x, c.args.k as number, c.options as sg.TopkOptions).values;
    case 'oneHot': return sg.oneHot(t.labels, c.args.numClasses as number);
    default: throw new Error(`unknown op ${c.op}`);
  }
});

test('topk indices equal torch\'s (every fixture case, float64 and float32)', () => {
  for (const c of loadFixture('index_ops').cases.filter((k) => k.op === 'topk')) {
    for (const dtype of ['float64', 'float32'] as const) {
      const { indices } = sg.topk(toTensor(c.inputs.x, dtype, false), c.args.k as number, c.options as sg.TopkOptions);
      const expected = c.indices as TensorJson;
      assert.is(indices.dtype, 'int32');
      assert.equal([...indices.shape], expected.shape, c.name);
      assert.equal([...indices.data], expected.data, `${c.name} ${dtype}`);
    }
  }
});

test('topk: NaN ranks largest, ties keep their order, sorted: false keeps positions along dim; a chainable method', () => {
  const x = sg.tensor([1, 3, NaN, 3, 2]);
  const big = sg.topk(x, 3);
  assert.equal([...big.indices.data], [2, 1, 3]);
  assert.equal([...sg.topk(sg.tensor([NaN, 1, NaN]), 3).indices.data], [0, 2, 1]);
  assert.equal([...sg.topk(sg.tensor([NaN, 1, NaN]), 2, { largest: false }).indices.data], [1, 0]);
  const small = x.topk(3, { largest: false });
  assert.equal([...small.values.data], [1, 2, 3]);
  assert.equal([...small.indices.data], [0, 4, 1]);
  const unsorted = sg.topk(sg.tensor([[5, 1, 4, 3]]), 2, { sorted: false });
  assert.equal(unsorted.values.toArray(), [[5, 4]]);
  assert.equal(unsorted.indices.toArray(), [[0, 2]]);
  assert.equal(sg.topk(sg.tensor(7), 1).values.toArray(), 7);
  const ints = sg.topk(sg.tensor([3, 9, 4], { dtype: 'int32' }), 1);
  assert.equal([ints.values.dtype, ints.values.item(), ints.indices.item()], ['int32', 9, 1]);
});

test('topk values gradient (gradcheck): last dim, middle dim, smallest, unsorted', () => {
  gradcheck((x) => sg.topk(x, 2).values, [randLeaf([3, 5], 61)]);
  gradcheck((x) => sg.topk(x, 3, { dim: 1, largest: false }).values, [randLeaf([2, 4, 3], 62)]);
  gradcheck((x) => sg.topk(x, 2, { dim: 0, sorted: false }).values, [randLeaf([4, 3], 63)]);
});

test('topk errors: k out of range, dim out of range, unknown options', () => {
  throwsWith(() => sg.topk(sg.ones([2, 3]), 4), sg.ArgumentError, 'topk: k must be an integer from 0 to 3 (the size of dimension 1), got 4 (input [2, 3])');
  throwsWith(() => sg.topk(sg.ones([2, 3]), 1.5, { dim: 0 }), sg.ArgumentError, 'topk: k must be an integer from 0 to 2 (the size of dimension 0), got 1.5 (input [2, 3])');
  throwsWith(() => sg.topk(sg.ones([2, 3]), 1, { dim: 2 }), sg.ArgumentError, 'topk: dim 2 is out of range for a tensor of shape [2, 3] (expected -2 to 1)');
  throwsWith(() => sg.topk(sg.ones([2, 3]), 1, { axis: 0 } as sg.TopkOptions), sg.ArgumentError, "topk: unknown option 'axis' (known: dim, largest, sorted)");
  throwsWith(() => sg.topk(sg.ones([2, 3]), 1, { largest: 'yes' as unknown as boolean }), sg.ArgumentError, "topk: largest must be true or false, got 'yes'");
});

test('oneHot: inferred and given numClasses, shapes, int32; errors by message', () => {
  const labels = sg.tensor([[2, 0], [1, 2]], { dtype: 'int32' });
  const y = labels.oneHot();
  assert.equal([...y.shape], [2, 2, 3]);
  assert.is(y.dtype, 'int32');
  assert.equal(y.toArray(), [[[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 0, 1]]]);
  assert.equal([...sg.oneHot(labels, 5).shape], [2, 2, 5]);
  assert.equal([...sg.oneHot(sg.zeros([0], { dtype: 'int32' }), 4).shape], [0, 4]);
  throwsWith(() => sg.oneHot(sg.tensor([0, 3], { dtype: 'int32' }), 3), sg.ArgumentError, 'oneHot: label 3 at position 1 is out of range for 3 classes (expected 0 to 2; labels [2])');
  throwsWith(() => sg.oneHot(sg.tensor([0, -1], { dtype: 'int32' })), sg.ArgumentError, 'oneHot: labels must be non-negative, got -1 at position 1 (labels [2])');
  throwsWith(() => sg.oneHot(sg.zeros([0], { dtype: 'int32' })), sg.ArgumentError, 'oneHot: cannot infer numClasses from empty labels [0]; pass numClasses');
  throwsWith(() => sg.oneHot(sg.tensor([1, 0])), sg.DTypeError, 'oneHot: labels must be int32 class indices, got float32 (labels [2])');
  throwsWith(() => sg.oneHot(sg.tensor([1], { dtype: 'int32' }), -2), sg.ArgumentError, 'oneHot: numClasses must be an integer >= -1, got -2 (labels [1])');
});

test.run();
