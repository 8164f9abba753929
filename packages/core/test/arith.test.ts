// The closure-free arithmetic kernel (arithBroadcast) against the reference loop with a closure
// (binaryBroadcast), bit for bit, on every broadcasting pattern a network produces (same shape,
// scalars on either side, per-channel, rows, columns, size-1 dims mixed in, both sides broadcast),
// for + − × ÷ on float32, float64 and int32 data; and the public ops built on it, with gradients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { type ArithOp, arithBroadcast, binaryBroadcast } from '../src/kernels/elementwise.js';
import { broadcastShapes, broadcastStrides } from '../src/shape.js';
import { gradcheck, randLeaf } from './gradcheck.js';

const OPS: [ArithOp, (x: number, y: number) => number][] = [
  ['add', (x, y) => x + y], ['sub', (x, y) => x - y], ['mul', (x, y) => x * y], ['div', (x, y) => x / y],
];

const PAIRS: [number[], number[]][] = [
  [[2, 3, 4, 5], [2, 3, 4, 5]],
  [[2, 3, 4, 5], []],
  [[], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [1, 3, 1, 1]],
  [[1, 3, 1, 1], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [3, 1, 1]],
  [[4, 6], [6]],
  [[4, 6], [4, 1]],
  [[4, 1], [1, 6]],
  [[2, 1, 4, 1], [1, 3, 1, 5]],
  [[2, 3, 1, 5], [2, 1, 4, 1]],
  [[1, 1, 7], [1, 1, 1]],
  [[1], [1]],
  [[3, 1, 2], [3, 1, 2]],
  [[0, 3], [3]],
  [[5, 1, 1, 1], [5, 2, 3, 1]],
];

/** Seeded data of `dtype`; divisors stay away from 0 (int32 values 1..9, floats shifted). */
function fill(shape: number[], dtype: sg.DType, seed: number): sg.Tensor {
  sg.manualSeed(seed);
  if (dtype === 'int32') return sg.randint(1, 10, shape);
  return sg.uniform(shape, { low: 0.5, high: 3, dtype });
}

for (const dtype of ['float32', 'float64', 'int32'] as const) {
  for (const [sa, sb] of PAIRS) {
    test(`arithBroadcast ${dtype} [${sa}] op [${sb}] equals the closure loop for + - * /`, () => {
      const a = fill(sa, dtype, 1);
      const b = fill(sb, dtype, 2);
      const shape = broadcastShapes('test', a.shape, b.shape);
      const as = broadcastStrides(a.shape, shape);
      const bs = broadcastStrides(b.shape, shape);
      for (const [op, f] of OPS) {
        const n = shape.reduce((p, q) => p * q, 1);
        const out = sg.allocate(op === 'div' ? 'float64' : dtype, n);
        const ref = sg.allocate(op === 'div' ? 'float64' : dtype, n);
        arithBroadcast(op, a.data, as, b.data, bs, shape, out);
        binaryBroadcast(a.data, as, b.data, bs, shape, ref, f);
        assert.equal([...out], [...ref], op);
      }
    });
  }
}

test('add/sub/mul/div ops: values with broadcasting, int32 division gives float32', () => {
  const x = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  const c = sg.tensor([[10], [20]]);
  assert.equal(sg.add(x, c).toArray(), [[11, 12, 13], [24, 25, 26]]);
  assert.equal(sg.sub(x, 1).toArray(), [[0, 1, 2], [3, 4, 5]]);
  assert.equal(sg.mul(2, x).toArray(), [[2, 4, 6], [8, 10, 12]]);
  const q = sg.div(sg.tensor([1, 2], { dtype: 'int32' }), sg.tensor([2], { dtype: 'int32' }));
  assert.is(q.dtype, 'float32');
  assert.equal(q.toArray(), [0.5, 1]);
});

for (const [sa, sb] of [[[2, 3, 4], [1, 3, 1]], [[3, 1], [1, 4]], [[2, 3], []]] as [number[], number[]][]) {
  test(`add/sub/mul/div float64 gradcheck [${sa}] op [${sb}]`, () => {
    for (const f of [sg.add, sg.sub, sg.mul, sg.div]) {
      const a = randLeaf(sa, 3);
      const b = sg.add(randLeaf(sb, 4).detach().abs(), 0.5).requiresGrad_();
      gradcheck((x, y) => f(x, y), [a, b]);
    }
  });
}

test.run();
