// The fused batchNorm op against its composed definition (mean, sub, mul, div, sqrt...) on every
// backend: values, gradients of x, weight and bias, and the running statistics; float64 gradchecks in
// training and eval mode; and the argument errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { ArgumentError, DTypeError, ShapeError, Tensor } from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { onOneAndTwoThreads } from './two-threads.js';

const backends: sg.BackendName[] = ['js', 'wasm'];

/** The composed definition (F.batch_norm written with generic ops), updating rm/rv like PyTorch. */
function composed(x: Tensor, rm: Tensor | null, rv: Tensor | null, w: Tensor | null, b: Tensor | null, training: boolean, momentum: number, eps: number): Tensor {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
  let y: Tensor;
  if (training) {
    const mean = x.mean(dims, true);
    const centered = x.sub(mean);
    const biasedVar = centered.mul(centered).mean(dims, true);
    y = centered.div(biasedVar.add(eps).sqrt());
    if (rm !== null && rv !== null) {
      const m = x.size / x.shape[1];
      for (let ch = 0; ch < x.shape[1]; ch++) {
        rm.data[ch] = (1 - momentum) * rm.data[ch] + momentum * mean.data[ch];
        rv.data[ch] = (1 - momentum) * rv.data[ch] + momentum * biasedVar.data[ch] * (m / (m - 1));
      }
    }
  } else {
    y = x.sub((rm as Tensor).reshape(perChannel)).div((rv as Tensor).add(eps).sqrt().reshape(perChannel));
  }
  if (w !== null) y = y.mul(w.reshape(perChannel));
  if (b !== null) y = y.add(b.reshape(perChannel));
  return y;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      assert.unreachable(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Seeded float32 tensor with a per-call offset so channel means are not 0. */
function data(shape: number[], seed: number, offset = 0): Tensor {
  sg.manualSeed(seed);
  return sg.normal(shape, { mean: offset, std: 2 });
}

const cases: { shape: number[]; affine: boolean; training: boolean; stats: boolean }[] = [
  { shape: [4, 3, 5, 6], affine: true, training: true, stats: true },
  { shape: [4, 3, 5, 6], affine: false, training: true, stats: true },
  { shape: [4, 3, 5, 6], affine: true, training: true, stats: false },
  { shape: [4, 3, 5, 6], affine: true, training: false, stats: true },
  { shape: [2, 5, 7], affine: true, training: true, stats: true },
  { shape: [8, 6], affine: true, training: true, stats: true },
  { shape: [8, 6], affine: false, training: false, stats: true },
  { shape: [2, 4, 2, 3, 2], affine: true, training: true, stats: true },
  // Large enough (>= 4096 elements) for the wasm kernels: vector bodies, scalar tails (s = 7, 1).
  { shape: [8, 6, 10, 12], affine: true, training: true, stats: true },
  { shape: [8, 6, 10, 12], affine: false, training: false, stats: true },
  { shape: [64, 10, 7], affine: true, training: true, stats: false },
  { shape: [512, 16], affine: true, training: true, stats: true },
  { shape: [512, 16], affine: true, training: false, stats: true },
  // One value a channel and sample (s = 1): four channels a SIMD lane each, then the rest one by one
  // (30 channels: chunks of 8 on one thread, so blocks of four and a chunk of 6).
  { shape: [160, 30], affine: true, training: true, stats: true },
  { shape: [160, 30, 1, 1], affine: false, training: true, stats: false },
  { shape: [160, 30], affine: true, training: false, stats: true },
  // Four values a channel and sample (s = 4, a 2×2 map): four channels a sample at a time, then the rest.
  { shape: [40, 30, 2, 2], affine: true, training: true, stats: true },
  { shape: [40, 30, 4], affine: false, training: false, stats: true },
];

for (const backend of backends) {
  for (const { shape, affine, training, stats } of cases) {
    test(`${backend}: batchNorm x=[${shape}] affine=${affine} training=${training} runningStats=${stats} equals the composition`, () => {
      const prev = sg.useBackend(backend);
      try {
        const c = shape[1];
        const make = () => {
          const x = data(shape, 1, 3).requiresGrad_();
          const w = affine ? data([c], 2, 1).requiresGrad_() : null;
          const b = affine ? data([c], 3).requiresGrad_() : null;
          const rm = stats ? data([c], 4) : null;
          const rv = stats ? sg.uniform([c], { low: 0.5, high: 2 }) : null;
          return { x, w, b, rm, rv };
        };
        const f = make();
        const r = make();
        const y = sg.batchNorm(f.x, f.rm, f.rv, { weight: f.w, bias: f.b, training, momentum: 0.3, eps: 1e-3 });
        const yr = composed(r.x, r.rm, r.rv, r.w, r.b, training, 0.3, 1e-3);
        assert.equal(y.shape, shape);
        assertClose(y.data, yr.data, 2e-6, 'output');
        const g = data(shape, 9);
        y.backward(g);
        yr.backward(g);
        assertClose(f.x.grad!.data, r.x.grad!.data, 2e-5, 'x.grad');
        if (affine) {
          assertClose(f.w!.grad!.data, r.w!.grad!.data, 2e-5, 'weight.grad');
          assertClose(f.b!.grad!.data, r.b!.grad!.data, 2e-5, 'bias.grad');
        }
        if (stats) {
          assertClose(f.rm!.data, r.rm!.data, 1e-6, 'runningMean');
          assertClose(f.rv!.data, r.rv!.data, 1e-6, 'runningVar');
        }
      } finally {
        sg.setKernels(prev);
      }
    });
  }
}

test('wasm batchNorm gives the same bits on 1 and 2 threads (chunks own whole channels)', () => {
  const [one, two, racing] = onOneAndTwoThreads(() => {
    const x = data([16, 24, 9, 9], 1, 2).requiresGrad_();
    const w = data([24], 2, 1).requiresGrad_();
    const rm = sg.zeros([24]);
    const rv = sg.ones([24]);
    const y = sg.batchNorm(x, rm, rv, { weight: w, training: true });
    y.backward(data([16, 24, 9, 9], 3));
    return [...y.data, ...x.grad!.data, ...w.grad!.data, ...rm.data, ...rv.data];
  });
  assert.ok(one.every((v, i) => Object.is(v, two[i])), '1 vs 2 threads');
  assert.ok(one.every((v, i) => Object.is(v, racing[i])), '1 vs 2 threads racing');
});

for (const spatial of [[1, 1], [2, 2]]) {
  const what = spatial[0] === 1 ? '1×1 maps (four channels a SIMD step)' : '2×2 maps (four channels a sample at a time)';
  test(`wasm batchNorm on ${what} gives the same bits on 1 and 2 threads, and each channel alone's bits`, () => {
    const run = (): number[] => {
      const x = data([160, 30, ...spatial], 1, 2).requiresGrad_();
      const w = data([30], 2, 1).requiresGrad_();
      const rm = sg.zeros([30]);
      const rv = sg.ones([30]);
      const y = sg.batchNorm(x, rm, rv, { weight: w, training: true });
      y.backward(data([160, 30, ...spatial], 3));
      return [...y.data, ...x.grad!.data, ...w.grad!.data, ...rm.data, ...rv.data];
    };
    const [one, two, racing] = onOneAndTwoThreads(run);
    assert.ok(one.every((v, i) => Object.is(v, two[i])), '1 vs 2 threads');
    assert.ok(one.every((v, i) => Object.is(v, racing[i])), '1 vs 2 threads racing');
    // Each channel alone (c = 1, so the per-channel loop; 4 200 values, enough for the wasm
    // kernels) gives the bits its place in the four-channel pass gave.
    const prev = sg.useBackend('wasm');
    try {
      const s = spatial[0] * spatial[1];
      const n = Math.ceil(4200 / s);
      const x = data([n, 30, ...spatial], 1, 2).requiresGrad_();
      const w = data([30], 2, 1);
      const g = data([n, 30, ...spatial], 3);
      const yt = sg.batchNorm(x, null, null, { weight: w, training: true });
      yt.backward(g);
      const [y, gx] = [yt.data, x.grad!.data];
      const at = (i: number, ch: number, j: number) => (i * 30 + ch) * s + j;
      const col = (t: sg.Tensor, ch: number) => sg.tensor(Array.from({ length: n * s }, (_, k) => t.data[at(Math.floor(k / s), ch, k % s)])).reshape([n, 1, ...spatial]);
      for (let ch = 0; ch < 30; ch++) {
        const xc = col(x, ch).requiresGrad_();
        const alone = sg.batchNorm(xc, null, null, { weight: sg.tensor([w.data[ch]]), training: true });
        alone.backward(col(g, ch));
        assert.ok(Array.from(alone.data).every((v, k) => Object.is(v, y[at(Math.floor(k / s), ch, k % s)])), `channel ${ch}: output`);
        assert.ok(Array.from(xc.grad!.data).every((v, k) => Object.is(v, gx[at(Math.floor(k / s), ch, k % s)])), `channel ${ch}: input gradient`);
      }
    } finally {
      sg.setKernels(prev);
    }
  });
}

test('batchNorm float64 gradcheck, training, x=[3,2,3,2] with weight and bias', () => {
  const x = randLeaf([3, 2, 3, 2], 1);
  const w = randLeaf([2], 2);
  const b = randLeaf([2], 3);
  gradcheck((x, w, b) => sg.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [x, w, b]);
});

test('batchNorm float64 gradcheck, eval with running statistics, x=[4,3,5]', () => {
  const x = randLeaf([4, 3, 5], 4);
  const w = randLeaf([3], 5);
  const b = randLeaf([3], 6);
  const rm = randLeaf([3], 7).detach();
  const rv = new Tensor(Float64Array.from([0.5, 1, 2]), [3]);
  gradcheck((x, w, b) => sg.batchNorm(x, rm, rv, { weight: w, bias: b }), [x, w, b]);
});

test('batchNorm float64 gradcheck, training without weight, x only needs a gradient through the statistics', () => {
  gradcheck((x) => sg.batchNorm(x, null, null, { training: true, eps: 0 }), [randLeaf([5, 2], 8)]);
});

test('batchNorm: only weight and bias need gradients (x is data)', () => {
  const x = data([4, 2, 3], 1);
  const w = sg.ones([2], { requiresGrad: true });
  const b = sg.zeros([2], { requiresGrad: true });
  sg.batchNorm(x, null, null, { weight: w, bias: b, training: true }).mul(x).sum().backward();
  assert.is(x.grad, null);
  assert.ok(w.grad !== null && b.grad !== null);
  assertClose(b.grad!.data, (x.sum([0, 2]).data), 1e-5, 'bias.grad = Σ x');
});

test('batchNorm: training updates running statistics in place with the unbiased variance; eval leaves them', () => {
  const x = new Tensor(Float32Array.from([1, 3, 5, 7]), [4, 1]);
  const rm = sg.zeros([1]);
  const rv = sg.ones([1]);
  const y = sg.batchNorm(x, rm, rv, { training: true, momentum: 0.5, eps: 0 });
  // mean 4, biased var 5, unbiased 20/3.
  assertClose(y.data, [-3 / Math.sqrt(5), -1 / Math.sqrt(5), 1 / Math.sqrt(5), 3 / Math.sqrt(5)], 1e-6, 'normalised');
  assertClose(rm.data, [2], 1e-7, 'runningMean');
  assertClose(rv.data, [0.5 + 10 / 3], 1e-6, 'runningVar');
  sg.batchNorm(x, rm, rv);
  assertClose(rm.data, [2], 1e-7, 'runningMean after eval');
});

test('batchNorm: batch statistics keep their precision when the mean is large next to the spread', () => {
  // [N=2, C=2, L=2]: channel 0 holds 1e8 + [1, 2, 3, 4], channel 1 holds [-1, 1, -1, 1].
  const x = new Tensor(Float64Array.from([1e8 + 1, 1e8 + 2, -1, 1, 1e8 + 3, 1e8 + 4, -1, 1]), [2, 2, 2]);
  const rm = new Tensor(new Float64Array(2), [2]);
  const rv = new Tensor(new Float64Array(2), [2]);
  const y = sg.batchNorm(x, rm, rv, { training: true, momentum: 1, eps: 0 });
  const r = Math.sqrt(1.25);
  assertClose(y.data, [-1.5 / r, -0.5 / r, -1, 1, 0.5 / r, 1.5 / r, -1, 1], 1e-9, 'normalised');
  assertClose(rm.data, [1e8 + 2.5, 0], 1e-15, 'means');
  assertClose(rv.data, [5 / 3, 4 / 3], 1e-9, 'unbiased variances');
});

test('batchNorm: argument, shape and dtype errors name the op and the shapes', () => {
  const x = sg.zeros([2, 3, 4]);
  const c3 = sg.ones([3]);
  throwsWith(() => sg.batchNorm(sg.zeros([3]), null, null, { training: true }), ShapeError, 'batchNorm: input must have at least 2 dimensions [N, C, ...], got [3]');
  throwsWith(() => sg.batchNorm(x, null, null), ArgumentError, 'batchNorm: runningMean and runningVar are required when training is false (input [2, 3, 4])');
  throwsWith(() => sg.batchNorm(x, c3, null, { training: true }), ArgumentError, 'batchNorm: runningMean and runningVar must be given together, got only runningMean');
  throwsWith(() => sg.batchNorm(x, null, c3, { training: true }), ArgumentError, 'batchNorm: runningMean and runningVar must be given together, got only runningVar');
  throwsWith(() => sg.batchNorm(x, c3, c3, { weight: sg.ones([4]) }), ShapeError, 'batchNorm: weight must have shape [3] (one value per channel), got [4] (input [2, 3, 4])');
  throwsWith(() => sg.batchNorm(x, c3, c3, { bias: sg.ones([3], { dtype: 'float64' }) }), DTypeError, 'batchNorm: bias must have the input\'s dtype float32, got float64 (input [2, 3, 4])');
  throwsWith(() => sg.batchNorm(x, c3, c3, { weight: 2 as unknown as Tensor }), ArgumentError, 'batchNorm: weight must be a tensor or null, got number');
  throwsWith(() => sg.batchNorm(sg.zeros([1, 3, 1]), null, null, { training: true }), ShapeError, 'batchNorm: expected more than 1 value per channel when training, got input [1, 3, 1]');
  throwsWith(() => sg.batchNorm(x, c3, c3, { momentum: NaN }), ArgumentError, 'batchNorm: momentum must be a finite number, got NaN');
  throwsWith(() => sg.batchNorm(x, c3, c3, { eps: -1 }), ArgumentError, 'batchNorm: eps must be >= 0, got -1');
  throwsWith(() => sg.batchNorm(x, c3, c3, { training: 1 as unknown as boolean }), ArgumentError, 'batchNorm: training must be true or false, got 1');
  throwsWith(() => sg.batchNorm(x, c3, c3, { epsilon: 1 } as never), ArgumentError, 'batchNorm: unknown option \'epsilon\' (known: weight, bias, training, momentum, eps, activation)');
  throwsWith(() => sg.batchNorm(sg.zeros([2, 3], { dtype: 'int32' }), null, null, { training: true }), DTypeError, /^batchNorm: input must be float32 or float64, got int32/);
});

test.run();
