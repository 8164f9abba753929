import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

const a24 = (): sg.Tensor => sg.arange(24).reshape(2, 3, 4);
const idx = (v: sg.NestedArray): sg.Tensor => sg.tensor(v, { dtype: 'int32' });

// ---- reshape / view / clone / expand (existing) ------------------------------------------------

test('reshape [2,3,4] → [6,-1] shares data; view(2, 12) and reshape([24]) accept both argument styles', () => {
  const x = a24();
  const r = sg.reshape(x, [6, -1]);
  assert.equal(r.shape, [6, 4]);
  assert.is(r.data, x.data);
  assert.equal(x.view(2, 12).shape, [2, 12]);
  assert.equal(x.reshape([24]).shape, [24]);
  assert.is(sg.view(x, [2, 3, 4]), x);
  gradcheck((t) => sg.reshape(t, [4, -1]), [randLeaf([2, 3, 2], 1)]);
});

test('reshape errors name the requested and the input shapes', () => {
  throwsWith(() => a24().reshape(5, -1), sg.ShapeError, 'reshape: shape [5, -1] is invalid for input of shape [2, 3, 4] (24 elements)');
  throwsWith(() => a24().reshape(5, 5), sg.ShapeError, 'reshape: shape [5, 5] is invalid for input of shape [2, 3, 4] (24 elements)');
  throwsWith(() => a24().reshape(-1, -1), sg.ArgumentError, 'reshape: only one dimension can be -1, got [-1, -1]');
});

test('clone copies data and passes the gradient; expand [3,1] → [2,3,4] sums the gradient back', () => {
  const x = sg.tensor([1, 2]);
  const c = sg.clone(x);
  c.data[0] = 9;
  assert.is(x.data[0], 1);
  gradcheck((t) => sg.clone(t), [randLeaf([3], 2)]);
  const e = sg.expand(sg.tensor([[1], [2], [3]]), [2, 3, 4]);
  assert.equal(e.shape, [2, 3, 4]);
  assert.equal((e.toArray() as number[][][])[1][2], [3, 3, 3, 3]);
  assert.equal(sg.tensor([[1], [2]]).expand(-1, 3).toArray(), [[1, 1, 1], [2, 2, 2]]);
  gradcheck((t) => sg.expand(t, [2, 3, 4]), [randLeaf([3, 1], 3)]);
  throwsWith(() => sg.expand(sg.ones([3]), [4]), sg.ShapeError, /^expand: shapes \[3\] and \[4\] cannot be broadcast together/);
  throwsWith(() => sg.expand(sg.ones([2, 3]), [3]), sg.ShapeError, 'expand: cannot expand shape [2, 3] to fewer dimensions [3]');
});

// ---- flatten / squeeze / unsqueeze ---------------------------------------------------------------

test('flatten [2,3,4,5]: all dims → [120], startDim 1 → [2,60], dims 1..2 → [2,12,5]; a scalar → [1]', () => {
  const x = sg.zeros([2, 3, 4, 5]);
  assert.equal(sg.flatten(x).shape, [120]);
  assert.equal(x.flatten(1).shape, [2, 60]);
  assert.equal(sg.flatten(x, 1, 2).shape, [2, 12, 5]);
  assert.equal(sg.flatten(x, -2, -1).shape, [2, 3, 20]);
  assert.equal(sg.flatten(sg.tensor(3)).shape, [1]);
  gradcheck((t) => sg.flatten(t, 1), [randLeaf([2, 3, 2], 4)]);
  throwsWith(() => sg.flatten(x, 2, 1), sg.ArgumentError, 'flatten: startDim 2 comes after endDim 1 (shape [2, 3, 4, 5])');
  throwsWith(() => sg.flatten(x, 4), sg.ArgumentError, 'flatten: dim 4 is out of range for a tensor of shape [2, 3, 4, 5] (expected -4 to 3)');
});

test('squeeze [2,1,3,1]: all → [2,3], dim 1 → [2,3,1], dim 0 (size 2) is a no-op; unsqueeze inserts and -1 appends', () => {
  const x = sg.zeros([2, 1, 3, 1]);
  assert.equal(sg.squeeze(x).shape, [2, 3]);
  assert.equal(x.squeeze(1).shape, [2, 3, 1]);
  assert.equal(x.squeeze(-1).shape, [2, 1, 3]);
  assert.is(sg.squeeze(x, 0), x);
  assert.equal(sg.unsqueeze(sg.zeros([2, 3]), 1).shape, [2, 1, 3]);
  assert.equal(sg.zeros([2, 3]).unsqueeze(-1).shape, [2, 3, 1]);
  assert.equal(sg.unsqueeze(sg.zeros([2, 3]), 0).shape, [1, 2, 3]);
  assert.equal(sg.unsqueeze(sg.tensor(1), 0).shape, [1]);
  gradcheck((t) => sg.unsqueeze(sg.squeeze(t), 1), [randLeaf([3, 1, 2], 5)]);
  throwsWith(() => sg.unsqueeze(sg.zeros([2, 3]), 3), sg.ArgumentError, 'unsqueeze: dim 3 is out of range for a tensor of shape [2, 3] (expected -3 to 2)');
});

// ---- permute / transpose ---------------------------------------------------------------------------

test('permute [2,3,4] by [2,0,1] gives [4,2,3] with NumPy transpose values; both argument styles', () => {
  const p = sg.permute(a24(), [2, 0, 1]);
  assert.equal(p.shape, [4, 2, 3]);
  assert.equal(p.toArray(), [[[0, 4, 8], [12, 16, 20]], [[1, 5, 9], [13, 17, 21]], [[2, 6, 10], [14, 18, 22]], [[3, 7, 11], [15, 19, 23]]]);
  assert.equal(a24().permute(2, 0, 1).toArray(), p.toArray());
  assert.equal(a24().permute([-1, 0, 1]).toArray(), p.toArray());
  const id = a24();
  assert.is(sg.permute(id, [0, 1, 2]), id);
});

test('transpose swaps two dims: [2,3,4] (0, 1) matches numpy; a 2-D transpose; transpose of a scalar', () => {
  const t = sg.transpose(a24(), 0, 1);
  assert.equal(t.shape, [3, 2, 4]);
  assert.equal(Array.from(t.data), [0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23]);
  assert.equal(sg.tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1).toArray(), [[1, 4], [2, 5], [3, 6]]);
  assert.equal(sg.transpose(sg.tensor(2), 0, 0).shape, []);
});

test('dim -1 of a 0-d tensor is accepted, as the error text and PyTorch promise (normalizeDim in src/shape.ts)', () => {
  // Exposes a bug outside this suite's files: normalizeDim checks `dim < -ndim` instead of
  // `dim < -max(ndim, 1)`, so -1 is rejected for shape [] while the message says "expected -1 to 0".
  assert.equal(sg.transpose(sg.tensor(2), 0, -1).shape, []);
  assert.equal(sg.softmax(sg.tensor(2)).toArray(), 1);
});

test('permute/transpose gradients are the inverse permutation (gradcheck)', () => {
  gradcheck((t) => sg.permute(t, [2, 0, 3, 1]), [randLeaf([2, 3, 4, 2], 6)]);
  gradcheck((t) => sg.transpose(t, -1, 0), [randLeaf([3, 2, 4], 7)]);
});

test('permute errors: a repeated or missing dim names the input shape', () => {
  throwsWith(() => sg.permute(a24(), [0, 0, 1]), sg.ArgumentError, 'permute: dims [0, 0, 1] must list each of the 3 dimensions of the input [2, 3, 4] exactly once');
  throwsWith(() => sg.permute(a24(), [0, 1]), sg.ArgumentError, 'permute: dims [0, 1] must list each of the 3 dimensions of the input [2, 3, 4] exactly once');
  throwsWith(() => sg.permute(a24(), [0, 1, 3]), sg.ArgumentError, 'permute: dim 3 is out of range for a tensor of shape [2, 3, 4] (expected -3 to 2)');
});

// ---- slicing ------------------------------------------------------------------------------------

test('slice like NumPy: x[1, ::2], x[:, -2:], x[-1, 1:, 1::2], x[:, 1:3, ::3]', () => {
  const x = a24();
  assert.equal(sg.slice(x, 1, [undefined, undefined, 2]).toArray(), [[12, 13, 14, 15], [20, 21, 22, 23]]);
  assert.equal(x.slice(null, [-2]).toArray(), [[[4, 5, 6, 7], [8, 9, 10, 11]], [[16, 17, 18, 19], [20, 21, 22, 23]]]);
  assert.equal(sg.slice(x, -1, [1], [1, undefined, 2]).toArray(), [[17, 19], [21, 23]]);
  assert.equal(sg.slice(x, null, [1, 3], [0, 4, 3]).toArray(), [[[4, 7], [8, 11]], [[16, 19], [20, 23]]]);
});

test('slice bounds clamp like NumPy: x[:, 5:] is empty [2,0,4], x[:, -10:2] keeps 2 rows; all numbers give a scalar', () => {
  const x = a24();
  assert.equal(sg.slice(x, null, [5]).shape, [2, 0, 4]);
  assert.equal(sg.slice(x, null, [-10, 2]).shape, [2, 2, 4]);
  assert.equal(sg.slice(x, null, [3, 1]).shape, [2, 0, 4]);
  const s = sg.slice(x, 1, 2, 3);
  assert.equal(s.shape, []);
  assert.is(s.item(), 23);
  assert.equal(sg.slice(x).shape, [2, 3, 4]);
});

test('slice gradient places the output gradient into zeros (gradcheck with steps and negative indices)', () => {
  gradcheck((t) => sg.slice(t, [null, null, 2], -2, [1, -1]), [randLeaf([5, 3, 4], 8)]);
  gradcheck((t) => sg.slice(t, 1), [randLeaf([3, 4], 9)]);
  const x = sg.tensor([1, 2, 3, 4], { requiresGrad: true });
  x.slice([1, undefined, 2]).sum().backward();
  assert.equal(x.grad!.toArray(), [0, 1, 0, 1]);
});

test('slice errors: too many specs, index out of range, zero or fractional step, bad spec', () => {
  const x = sg.zeros([2, 3]);
  throwsWith(() => sg.slice(x, 0, 0, 0), sg.ArgumentError, 'slice: too many indices: 3 specs for a tensor of shape [2, 3]');
  throwsWith(() => sg.slice(x, 2), sg.ArgumentError, 'slice: index 2 is out of range for dimension 0 with size 2 (shape [2, 3])');
  throwsWith(() => sg.slice(x, null, -4), sg.ArgumentError, 'slice: index -4 is out of range for dimension 1 with size 3 (shape [2, 3])');
  throwsWith(() => sg.slice(x, [0, 2, 0]), sg.ArgumentError, 'slice: step must be a positive integer, got 0 for dimension 0 (shape [2, 3])');
  throwsWith(() => sg.slice(x, null, [0, 2, -1]), sg.ArgumentError, 'slice: step must be a positive integer, got -1 for dimension 1 (shape [2, 3])');
  throwsWith(() => sg.slice(x, [0.5]), sg.ArgumentError, 'slice: slice bounds must be integers, got 0.5 for dimension 0 (shape [2, 3])');
  throwsWith(() => sg.slice(x, 'a' as unknown as number), sg.ArgumentError, 'slice: spec for dimension 0 must be a number, null or [start, end, step], got a');
});

test('narrow(x, 1, 1, 2) of [2,3,4] is x[:, 1:3]; a negative start counts from the end', () => {
  const x = a24();
  assert.equal(sg.narrow(x, 1, 1, 2).toArray(), sg.slice(x, null, [1, 3]).toArray());
  assert.equal(x.narrow(-1, -2, 2).toArray(), sg.slice(x, null, null, [2]).toArray());
  assert.equal(sg.narrow(x, 0, 2, 0).shape, [0, 3, 4]);
  gradcheck((t) => sg.narrow(t, 1, 1, 2), [randLeaf([2, 4, 3], 10)]);
  throwsWith(() => sg.narrow(x, 1, 2, 2), sg.ArgumentError, 'narrow: start 2 + length 2 exceeds dimension 1 of size 3 (shape [2, 3, 4])');
  throwsWith(() => sg.narrow(x, 1, 4, 0), sg.ArgumentError, 'narrow: start 4 is out of range for dimension 1 of size 3 (shape [2, 3, 4])');
});

test('select(x, dim, index) removes the dim: select(x, 1, -1) of [2,3,4] is x[:, -1]', () => {
  const x = a24();
  const s = sg.select(x, 1, -1);
  assert.equal(s.shape, [2, 4]);
  assert.equal(s.toArray(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
  assert.equal(x.select(0, 1).toArray(), (x.toArray() as number[][][])[1]);
  gradcheck((t) => sg.select(t, 2, 1), [randLeaf([2, 3, 4], 11)]);
  throwsWith(() => sg.select(x, 2, 4), sg.ArgumentError, 'select: index 4 is out of range for dimension 2 with size 4 (shape [2, 3, 4])');
  throwsWith(() => sg.select(sg.tensor(1), 0, 0), sg.ArgumentError, 'select: cannot select from a 0-d tensor');
});

// ---- gather / indexSelect ------------------------------------------------------------------------

test('gather along dim 1 and dim 0 matches torch.gather', () => {
  const t = sg.arange(12).reshape(3, 4);
  assert.equal(sg.gather(t, 1, idx([[0, 3], [2, 2], [1, 0]])).toArray(), [[0, 3], [6, 6], [9, 8]]);
  assert.equal(t.gather(0, idx([[2, 0, 1, 1]])).toArray(), [[8, 1, 6, 7]]);
  assert.equal(sg.gather(sg.tensor(5), 0, sg.tensor(0, { dtype: 'int32' })).item(), 5);
});

test('gather gradient scatter-adds repeated indices (gradcheck, dims 1 and 0 of a 3-D input)', () => {
  const x = sg.tensor([[1, 2, 3]], { requiresGrad: true });
  sg.gather(x, 1, idx([[2, 2, 0]])).sum().backward();
  assert.equal(x.grad!.toArray(), [[1, 0, 2]]);
  gradcheck((t) => sg.gather(t, 1, idx([[[0, 1], [2, 2]], [[1, 0], [0, 0]]])), [randLeaf([2, 3, 2], 12)]);
  gradcheck((t) => sg.gather(t, 0, idx([[[1, 0]], [[0, 1]], [[1, 1]]])), [randLeaf([2, 3, 2], 13)]);
});

test('gather errors: float index, rank mismatch, oversized index, index value out of range', () => {
  const t = sg.zeros([2, 3]);
  throwsWith(() => sg.gather(t, 1, sg.tensor([[0]])), sg.DTypeError, 'gather: index must be int32, got float32 (index [1, 1])');
  throwsWith(() => sg.gather(t, 1, idx([0])), sg.ShapeError, 'gather: index [1] must have as many dimensions as input [2, 3]');
  throwsWith(() => sg.gather(t, 1, idx([[0], [0], [0]])), sg.ShapeError, 'gather: index [3, 1] is larger than input [2, 3] in dimension 0 (only dimension 1 may be larger)');
  throwsWith(() => sg.gather(t, 1, idx([[3]])), sg.ArgumentError, 'gather: index 3 is out of range for dimension 1 with size 3 (input [2, 3])');
  throwsWith(() => sg.gather(t, 0, idx([[-1]])), sg.ArgumentError, 'gather: index -1 is out of range for dimension 0 with size 2 (input [2, 3])');
});

test('indexSelect picks (and repeats) entries of a dim, like torch.index_select', () => {
  const t = sg.arange(12).reshape(3, 4);
  assert.equal(sg.indexSelect(t, 1, idx([3, 0, 3])).toArray(), [[3, 0, 3], [7, 4, 7], [11, 8, 11]]);
  assert.equal(t.indexSelect(0, idx([2])).toArray(), [[8, 9, 10, 11]]);
  assert.equal(sg.indexSelect(t, 0, idx([])).shape, [0, 4]);
  assert.equal(sg.indexSelect(sg.tensor(7), 0, sg.tensor(0, { dtype: 'int32' })).shape, []);
  gradcheck((x) => sg.indexSelect(x, 1, idx([2, 0, 2, 1])), [randLeaf([2, 3, 2], 14)]);
  throwsWith(() => sg.indexSelect(t, 0, idx([3])), sg.ArgumentError, 'indexSelect: index 3 is out of range for dimension 0 with size 3 (input [3, 4])');
  throwsWith(() => sg.indexSelect(t, 0, idx([[0]])), sg.ShapeError, 'indexSelect: index must be a vector, got index [1, 1] (input [3, 4])');
  throwsWith(() => sg.indexSelect(t, 0, sg.tensor([0])), sg.DTypeError, 'indexSelect: index must be int32, got float32 (index [1])');
});

// ---- cat / stack ---------------------------------------------------------------------------------

test('cat [2,3] and [2,1] along dim 1 → [2,4]; along dim 0 for [1,3] and [2,3]; negative dim', () => {
  const a = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  const b = sg.tensor([[7], [8]]);
  assert.equal(sg.cat([a, b], 1).toArray(), [[1, 2, 3, 7], [4, 5, 6, 8]]);
  assert.equal(sg.cat([a, b], -1).shape, [2, 4]);
  assert.equal(sg.cat([sg.tensor([[0, 0, 0]]), a]).toArray(), [[0, 0, 0], [1, 2, 3], [4, 5, 6]]);
  assert.equal(sg.cat([a]).toArray(), a.toArray());
});

test('cat promotes dtypes (int32 + float64 → float64) and its gradient is each input\'s slice', () => {
  const c = sg.cat([sg.tensor([1], { dtype: 'int32' }), sg.tensor([2.5], { dtype: 'float64' })]);
  assert.is(c.dtype, 'float64');
  assert.equal(c.toArray(), [1, 2.5]);
  gradcheck((p, q, r) => sg.cat([p, q, r], 1), [randLeaf([2, 2, 3], 15), randLeaf([2, 1, 3], 16), randLeaf([2, 3, 3], 17)]);
  const fixed = sg.ones([2], { dtype: 'float64' });
  gradcheck((p) => sg.cat([fixed, p, fixed]), [randLeaf([3], 18)]);
});

test('cat errors: empty list, scalar, mismatched shapes name both', () => {
  throwsWith(() => sg.cat([]), sg.ArgumentError, 'cat: expected a non-empty list of tensors');
  throwsWith(() => sg.cat([sg.tensor(1)]), sg.ShapeError, 'cat: zero-dimensional tensors cannot be concatenated (tensor 0 has shape [])');
  throwsWith(() => sg.cat([sg.zeros([2, 3]), sg.zeros([3, 3])], 1), sg.ShapeError, 'cat: tensor 1 has shape [3, 3] but tensor 0 has shape [2, 3]; sizes must match except in dimension 1');
  throwsWith(() => sg.cat([sg.zeros([2, 3]), sg.zeros([6])]), sg.ShapeError, 'cat: tensor 1 has shape [6] but tensor 0 has shape [2, 3]; sizes must match except in dimension 0');
  throwsWith(() => sg.cat([sg.zeros([2])], 1), sg.ArgumentError, 'cat: dim 1 is out of range for a tensor of shape [2] (expected -1 to 0)');
});

test('stack three [2,3] tensors: dim 0 → [3,2,3], dim -1 → [2,3,3]; gradient (gradcheck)', () => {
  const ts = [sg.zeros([2, 3]), sg.ones([2, 3]), sg.full([2, 3], 2)];
  assert.equal(sg.stack(ts).shape, [3, 2, 3]);
  const s = sg.stack(ts, -1);
  assert.equal(s.shape, [2, 3, 3]);
  assert.equal((s.toArray() as number[][][])[1][2], [0, 1, 2]);
  assert.equal(sg.stack([sg.tensor(1), sg.tensor(2)]).toArray(), [1, 2]);
  gradcheck((p, q) => sg.stack([p, q], 1), [randLeaf([2, 3], 19), randLeaf([2, 3], 20)]);
  throwsWith(() => sg.stack([]), sg.ArgumentError, 'stack: expected a non-empty list of tensors');
  throwsWith(() => sg.stack([sg.zeros([2]), sg.zeros([3])]), sg.ShapeError, 'stack: tensor 1 has shape [3] but tensor 0 has shape [2]; all tensors must have the same shape');
});

test('a chain of shape ops backpropagates: permute → slice → flatten → cat → gather', () => {
  gradcheck((t) => {
    const p = sg.permute(t, [1, 0, 2]);
    const s = sg.flatten(sg.slice(p, [1], null, [0, 3, 2]), 1);
    return sg.gather(sg.cat([s, s], 1), 1, idx([[0, 3, 7], [1, 1, 2]]));
  }, [randLeaf([2, 3, 3], 21)]);
});

test('flip reverses the listed dims (negative dims, several at once, a single number); the gradient flips back', () => {
  const x = sg.arange(6).reshape([2, 3]);
  assert.equal(sg.flip(x, [1]).toArray(), [[2, 1, 0], [5, 4, 3]]);
  assert.equal(x.flip([0, -1]).toArray(), [[5, 4, 3], [2, 1, 0]]);
  assert.equal(sg.flip(x, 0).toArray(), [[3, 4, 5], [0, 1, 2]]);
  const y = sg.flip(x, []);
  assert.equal(y.toArray(), x.toArray());
  assert.is.not(y.data, x.data);
  assert.equal(sg.flip(sg.tensor(3), [0]).toArray(), 3);
  assert.equal([...sg.flip(sg.zeros([0, 2]), [0, 1]).shape], [0, 2]);
  gradcheck((t) => sg.flip(t, [0, 2]), [randLeaf([2, 3, 4], 71)]);
  gradcheck((t) => t.flip(1), [randLeaf([3, 2], 72)]);
});

test('flip errors: repeated dim, dim out of range, bad dims', () => {
  throwsWith(() => sg.flip(sg.ones([2, 3]), [0, -2]), sg.ArgumentError, 'flip: dim 0 appears multiple times in dims [0, -2] (input [2, 3])');
  throwsWith(() => sg.flip(sg.ones([2, 3]), [2]), sg.ArgumentError, 'flip: dim 2 is out of range for a tensor of shape [2, 3] (expected -2 to 1)');
  throwsWith(() => sg.flip(sg.ones([2, 3]), '1' as unknown as number), sg.ArgumentError, 'flip: dims must be a number or an array of numbers, got string (input [2, 3])');
});

test.run();
