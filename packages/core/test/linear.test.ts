// linear(x, weight, bias) = x·weightᵀ + bias as one op: it agrees with the composition
// matmul(x, transpose(weight)) + bias (values and the three gradients) on both backends, passes a
// float64 gradcheck, calls only GEMMs with transpose flags, gives the same bits on one and two
// threads, and rejects bad shapes and dtypes with messages naming both shapes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { chunksByWorkers, setWorkersOnly } from '../src/kernels/wasm/runtime.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

const backends: sg.BackendName[] = sg.wasmSimdSupported() ? ['js', 'wasm'] : ['js'];

/** A leaf of `shape` and `dtype` with seeded normal values. */
function leaf(shape: number[], seed: number, dtype: 'float32' | 'float64'): sg.Tensor {
  return sg.tensor(randLeaf(shape, seed).data, { shape, dtype, requiresGrad: true });
}

/** The output and the gradients of x, weight and bias (if any) for a seeded cotangent. */
function run(f: (x: sg.Tensor, w: sg.Tensor, b: sg.Tensor | null) => sg.Tensor, xs: number[], ws: number[], withBias: boolean, dtype: 'float32' | 'float64') {
  const x = leaf(xs, 1, dtype);
  const w = leaf(ws, 2, dtype);
  const b = withBias ? leaf([ws[0]], 3, dtype) : null;
  const y = f(x, w, b);
  y.backward(sg.tensor(randLeaf([...y.shape], 4).data, { shape: y.shape, dtype }));
  return { y, gx: x.grad!, gw: w.grad!, gb: b?.grad ?? null };
}

/** The composition that linear replaces. */
const composed = (x: sg.Tensor, w: sg.Tensor, b: sg.Tensor | null): sg.Tensor => {
  const y = sg.matmul(x, sg.transpose(w, 0, 1));
  return b ? sg.add(y, b) : y;
};

/** Runs `fn` with the named kernels, then restores the previous ones. */
function withBackend<T>(name: sg.BackendName, fn: () => T): T {
  const prev = sg.useBackend(name);
  try {
    return fn();
  } finally {
    sg.setKernels(prev);
  }
}

/** Bit pattern of a float array (a float64 array as pairs of words), so -0/NaN compare exactly. */
function bits(a: sg.TypedArray): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4);
}

// [x shape, weight shape]: 1-D, 2-D and 3-D inputs over the odd sizes 1, 7, 13, 65.
const shapes: [number[], number[]][] = [
  [[7], [13, 7]],
  [[1, 65], [7, 65]],
  [[13, 7], [65, 7]],
  [[65, 13], [1, 13]],
  [[3, 7, 13], [65, 13]],
  [[2, 1, 65], [7, 65]],
];

for (const backend of backends) {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const withBias of [true, false]) {
      for (const [xs, ws] of shapes) {
        test(`${backend} ${dtype} linear x=${JSON.stringify(xs)} w=${JSON.stringify(ws)}${withBias ? ' with bias' : ''} equals matmul(x, wᵀ)${withBias ? ' + b' : ''}, values and gradients`, () => {
          withBackend(backend, () => {
            const got = run(sg.linear, xs, ws, withBias, dtype);
            const want = run(composed, xs, ws, withBias, dtype);
            const [atol, rtol] = dtype === 'float32' ? [1e-5, 1e-5] : [1e-12, 1e-12];
            assert.equal(got.y.shape, [...xs.slice(0, -1), ws[0]]);
            assert.is(got.y.dtype, dtype);
            assertClose(got.y.data, want.y.data, atol, rtol, 'output');
            assertClose(got.gx.data, want.gx.data, atol, rtol, 'x.grad');
            assertClose(got.gw.data, want.gw.data, atol, rtol, 'weight.grad');
            if (withBias) assertClose(got.gb!.data, want.gb!.data, atol, rtol, 'bias.grad');
            else assert.is(got.gb, null);
            // The bias is added after the product, so on a 2-D input the forward is the composition, bit for bit.
            if (xs.length === 2) assert.equal(bits(got.y.data), bits(want.y.data));
          });
        });
      }
    }
  }
}

if (backends.includes('wasm')) {
  test('wasm float64 linear runs the reference kernels: the same bits as js for the output and all three gradients', () => {
    const [js, wasm] = (['js', 'wasm'] as const).map((name) => withBackend(name, () => run(sg.linear, [3, 7, 13], [65, 13], true, 'float64')));
    for (const k of ['y', 'gx', 'gw', 'gb'] as const) assert.equal(bits(wasm[k]!.data), bits(js[k]!.data), k);
  });
}

test('linear gradcheck (float64): x=[2,3,7] w=[5,7] b=[5]; x=[7] w=[13,7] without bias; x=[1,1] w=[1,1]', () => {
  gradcheck((x, w, b) => sg.linear(x, w, b), [randLeaf([2, 3, 7], 11), randLeaf([5, 7], 12), randLeaf([5], 13)]);
  gradcheck((x, w) => sg.linear(x, w), [randLeaf([7], 14), randLeaf([13, 7], 15)]);
  gradcheck((x, w, b) => sg.linear(x, w, b), [randLeaf([1, 1], 16), randLeaf([1, 1], 17), randLeaf([1], 18)]);
});

test('linear is one recorded op of three GEMMs with transpose flags (no transposed copies) and skips the gradients nobody needs', () => {
  const calls: string[] = [];
  const spy: sg.Kernels = {
    ...sg.jsKernels,
    name: 'spy',
    gemm: (...a) => { calls.push(`${a[0] ? 'T' : 'N'}${a[1] ? 'T' : 'N'} ${a[2]}x${a[3]}x${a[4]}`); sg.jsKernels.gemm(...a); },
  };
  const prev = sg.setKernels(spy);
  try {
    const x = randLeaf([4, 3, 5], 21);
    const w = randLeaf([6, 5], 22);
    const b = randLeaf([6], 23);
    const y = sg.linear(x, w, b);
    assert.is(y.gradFn?.op, 'linear');
    assert.is(y.gradFn?.inputs.length, 3);
    y.sum().backward();
    assert.equal(calls, ['NT 12x6x5', 'NN 12x5x6', 'TN 6x5x12']);
    // A first layer: the input needs no gradient, and a frozen bias neither.
    calls.length = 0;
    const x0 = sg.tensor(randLeaf([4, 5], 24).data, { shape: [4, 5], dtype: 'float64' });
    const b0 = sg.tensor(b.data, { shape: [6], dtype: 'float64' });
    w.grad = null;
    sg.linear(x0, w, b0).sum().backward();
    assert.equal(calls, ['NT 4x6x5', 'TN 6x5x4']);
    assert.is(x0.grad, null);
    assert.is(b0.grad, null);
    assert.equal(w.grad!.shape, [6, 5]);
    // Nothing requires a gradient: no graph.
    assert.is(sg.noGrad(() => sg.linear(x, w, b)).gradFn, null);
  } finally {
    sg.setKernels(prev);
  }
});

test('linear on empty inputs: x=[0,4] gives [0,3] and zero weight/bias gradients; in=0 gives the bias', () => {
  const w = sg.ones([3, 4], { requiresGrad: true });
  const b = sg.tensor([1, 2, 3], { requiresGrad: true });
  const y = sg.linear(sg.zeros([0, 4]), w, b);
  assert.equal(y.shape, [0, 3]);
  y.sum().backward();
  assert.equal(w.grad!.toArray(), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  assert.equal(b.grad!.toArray(), [0, 0, 0]);
  assert.equal(sg.linear(sg.zeros([2, 0]), sg.zeros([3, 0]), sg.tensor([1, 2, 3])).toArray(), [[1, 2, 3], [1, 2, 3]]);
});

if (backends.includes('wasm')) {
  test('wasm linear x=[33,300] w=[65,300] b=[65]: one and two threads give identical bits (output and all three gradients)', () => {
    const prevThreads = sg.setWasmThreads(1);
    try {
      withBackend('wasm', () => {
        const step = () => {
          const r = run(sg.linear, [33, 300], [65, 300], true, 'float32');
          return [r.y, r.gx, r.gw, r.gb!].map((t) => bits(t.data));
        };
        const one = step();
        sg.setWasmThreads(2, { minFlops: 0 });
        // The caller steps aside, so the worker runs every pooled chunk: the comparison really
        // runs on another thread, whatever the scheduler does.
        assert.ok(setWorkersOnly(true), 'a pool exists');
        const two = step();
        setWorkersOnly(false);
        assert.ok(chunksByWorkers() > 0, 'the workers ran the chunks');
        ['output', 'x.grad', 'weight.grad', 'bias.grad'].forEach((what, i) => assert.equal(two[i], one[i], what));
      });
    } finally {
      sg.setWasmThreads(prevThreads, { minFlops: 2e6 });
    }
  });
}

test('linear rejects int32 and mixed float dtypes (no silent promotion, as in PyTorch)', () => {
  throwsWith(() => sg.linear(sg.zeros([2, 4], { dtype: 'int32' }), sg.zeros([3, 4])), sg.DTypeError,
    'linear: input must be float32 or float64, got int32 (input [2, 4], weight [3, 4])');
  throwsWith(() => sg.linear(sg.zeros([2, 4]), sg.zeros([3, 4], { dtype: 'int32' })), sg.DTypeError,
    'linear: weight must be float32 or float64, got int32 (input [2, 4], weight [3, 4])');
  throwsWith(() => sg.linear(sg.zeros([2, 4], { dtype: 'float64' }), sg.zeros([3, 4])), sg.DTypeError,
    "linear: weight is float32 but input is float64; convert one with .to('float64') or .to('float32') (input [2, 4], weight [3, 4])");
  throwsWith(() => sg.linear(sg.zeros([2, 4]), sg.zeros([3, 4]), sg.zeros([3], { dtype: 'float64' })), sg.DTypeError,
    "linear: bias is float64 but input is float32; convert one with .to('float32') or .to('float64') (input [2, 4], weight [3, 4], bias [3])");
});

test('linear rejects a scalar input, a weight that is not 2-D, a feature mismatch and a bias that is not [out]', () => {
  throwsWith(() => sg.linear(sg.tensor(1), sg.zeros([3, 1])), sg.ShapeError,
    'linear: input must have at least 1 dimension [..., inFeatures], got a scalar (input [], weight [3, 1])');
  throwsWith(() => sg.linear(sg.zeros([2, 4]), sg.zeros([4])), sg.ShapeError,
    'linear: weight must be 2-D [outFeatures, inFeatures], got 1-D (input [2, 4], weight [4])');
  throwsWith(() => sg.linear(sg.zeros([2, 5]), sg.zeros([3, 4])), sg.ShapeError,
    'linear: input has 5 features but weight expects 4 (input [2, 5], weight [3, 4])');
  throwsWith(() => sg.linear(sg.zeros([2, 1]), sg.zeros([3, 4])), sg.ShapeError,
    'linear: input has 1 feature but weight expects 4 (input [2, 1], weight [3, 4])');
  throwsWith(() => sg.linear(sg.zeros([2, 4]), sg.zeros([3, 4]), sg.zeros([4])), sg.ShapeError,
    'linear: bias must have shape [3] (one value per output feature), got [4] (input [2, 4], weight [3, 4], bias [4])');
  throwsWith(() => sg.linear(sg.zeros([2, 4]), sg.zeros([3, 4]), sg.zeros([3, 1])), sg.ShapeError,
    'linear: bias must have shape [3] (one value per output feature), got [3, 1] (input [2, 4], weight [3, 4], bias [3, 1])');
});

test.run();
