import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';

/** Naive reference product of row-major [m,k]·[k,n]. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += a[i * k + p] * b[p * n + j];
  return out;
}

test('matmul [7,13]·[13,5] equals the naive triple loop (float64)', () => {
  const a = randLeaf([7, 13], 1);
  const b = randLeaf([13, 5], 2);
  assertClose(sg.matmul(a, b).data, naive(a.data, b.data, 7, 13, 5), 1e-12, 1e-12, 'matmul');
});

test('matmul shape rules: vector·matrix, matrix·vector, dot, batch broadcasting [2,1,3,4]·[5,4,2]', () => {
  assert.equal(sg.matmul(sg.ones([3]), sg.ones([3, 2])).shape, [2]);
  assert.equal(sg.matmul(sg.ones([2, 3]), sg.ones([3])).shape, [2]);
  assert.equal(sg.matmul(sg.ones([3]), sg.ones([3])).shape, []);
  assert.is(sg.matmul(sg.tensor([1, 2, 3]), sg.tensor([4, 5, 6])).item(), 32);
  const a = randLeaf([2, 1, 3, 4], 3);
  const b = randLeaf([5, 4, 2], 4);
  const c = sg.matmul(a, b);
  assert.equal(c.shape, [2, 5, 3, 2]);
  // batch (1, 3): a[1, 0] · b[3]
  const a10 = sg.select(sg.select(a, 0, 1), 0, 0);
  const b3 = sg.select(b, 0, 3);
  assertClose(sg.select(sg.select(c, 0, 1), 0, 3).data, naive(a10.data, b3.data, 3, 4, 2), 1e-12, 1e-12, 'batch');
  assert.is(sg.matmul(sg.ones([2, 2], { dtype: 'float64' }), sg.ones([2, 2])).dtype, 'float64');
});

test('matmul gradients for 2-D, batched-broadcast and vector cases (gradcheck)', () => {
  gradcheck((x, y) => sg.matmul(x, y), [randLeaf([4, 3], 5), randLeaf([3, 6], 6)]);
  gradcheck((x, y) => sg.matmul(x, y), [randLeaf([2, 1, 3, 4], 7), randLeaf([5, 4, 2], 8)]);
  gradcheck((x, y) => sg.matmul(x, y), [randLeaf([3], 9), randLeaf([2, 3, 4], 10)]);
  gradcheck((x, y) => sg.matmul(x, y), [randLeaf([2, 4, 3], 11), randLeaf([3], 12)]);
});

test('matmul errors name the op and both full shapes', () => {
  assert.throws(() => sg.matmul(sg.ones([2, 3]), sg.ones([4, 2])), (e: Error) => e instanceof sg.ShapeError && /matmul: shapes \[2, 3\] and \[4, 2\] cannot be multiplied \(inner dimensions 3 and 4 differ\)/.test(e.message));
  assert.throws(() => sg.matmul(sg.tensor(2), sg.ones([2])), /matmul: both arguments need at least one dimension, got shapes \[\] and \[2\]/);
  assert.throws(() => sg.matmul(sg.ones([2, 2, 3]), sg.ones([3, 3, 1])), /matmul: shapes \[2\] and \[3\] cannot be broadcast together/);
  assert.throws(() => sg.matmul(sg.ones([2], { dtype: 'int32' }), sg.ones([2])), /matmul: a must be float32 or float64, got int32/);
});

test.run();
