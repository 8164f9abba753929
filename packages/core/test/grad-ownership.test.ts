import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { record } from '../src/autograd.js';

// The engine hands gradients that ops marked fresh on without copying (into later sums, into a
// leaf's .grad, into an activation's backward). These check it never hands on shared memory.

const leaf = (values: number[], dtype: sg.DType = 'float32'): sg.Tensor => sg.tensor(values, { dtype, requiresGrad: true });
const buf = (t: sg.Tensor): ArrayBufferLike => t.data.buffer;

test('a leaf fed by add (which returns its incoming gradient twice) gets its own buffer', () => {
  const a = leaf([1, 2]);
  const b = leaf([3, 4]);
  a.add(b).mul(sg.tensor([2, 3])).sum().backward();
  assert.equal(Array.from(a.grad!.data), [2, 3]);
  assert.ok(buf(a.grad!) !== buf(b.grad!));
  a.grad!.data[0] = 99;
  assert.equal(Array.from(b.grad!.data), [2, 3]);
});

test('gradients summed from fresh and shared paths equal the composed values (x through relu6, linear and add)', () => {
  sg.manualSeed(3);
  const w = sg.normal([3, 4], { requiresGrad: true });
  const x = sg.normal([2, 4], { requiresGrad: true });
  // x reaches the loss through two fresh ops (relu6, linear) and a shared one (add): every branch of the sum.
  const f = (xx: sg.Tensor, ww: sg.Tensor): sg.Tensor => sg.linear(sg.relu6(xx), ww).sum().add(sg.linear(xx, ww).sum()).add(xx.add(xx).sum()).add(sg.relu6(xx).sum());
  f(x, w).backward();
  const x64 = x.detach().to('float64').requiresGrad_();
  const w64 = w.detach().to('float64').requiresGrad_();
  sg.setDetectAnomaly(true);   // anomaly mode lends no buffer: the plain path as the reference
  try { f(x64, w64).backward(); } finally { sg.setDetectAnomaly(false); }
  for (const [a, b] of [[x, x64], [w, w64]]) {
    for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.grad!.data[i] - b.grad!.data[i]) < 1e-5, `${a.grad!.data[i]} vs ${b.grad!.data[i]}`);
  }
  // A second backward accumulates into the taken-over buffers.
  const before = Array.from(w.grad!.data);
  f(x, w).backward();
  assert.equal(Array.from(w.grad!.data), before.map((v) => Math.fround(v + v)));
});

test('a fresh gradient arriving after a shared one is summed into its own buffer, in either order', () => {
  for (const swap of [false, true]) {
    const x = leaf([-1, 2, 7]);
    const shared = x.mul(sg.tensor([2, 3, 4])).sum();
    const fresh = sg.relu6(x).mul(sg.tensor([5, 6, 7])).sum();
    (swap ? fresh.add(shared) : shared.add(fresh)).backward();
    assert.equal(Array.from(x.grad!.data), [2, 9, 4]);
  }
});

test('an activation computing in the lent gradient buffer leaves a retained intermediate gradient intact', () => {
  const x = leaf([-1, 0.5, 2, 7], 'float64');
  const y1 = sg.hardtanh(x, { minVal: -2, maxVal: 6 }).retainGrad();
  const y2 = sg.relu6(y1);
  y2.mul(sg.tensor([1, 2, 3, 4], { dtype: 'float64' })).sum().backward();
  assert.equal(Array.from(y1.grad!.data), [0, 2, 3, 0]);
  assert.equal(Array.from(x.grad!.data), [1, 2, 3, 0].map((v, i) => (i === 3 ? 0 : v * [0, 1, 1, 0][i])));
  // Twice through one op, so the lent buffer must not be the retained one.
  const z = leaf([1, 2]);
  const h = sg.relu6(z).retainGrad();
  sg.relu6(h).sum().backward();
  assert.equal(Array.from(h.grad!.data), [1, 1]);
  assert.equal(Array.from(z.grad!.data), [1, 1]);
});

test('a freshGrads op that returns one buffer twice, an input\'s buffer or the incoming gradient is copied', () => {
  const a = leaf([1, 2]);
  const b = leaf([3, 4]);
  const out = sg.tensor([0, 0]);
  const y = record('dup', out, [a, b], (g) => {
    const t = new sg.Tensor(Float32Array.from(g.data), [2]);
    return [t, t];
  }, true);
  y.sum().backward();
  assert.ok(buf(a.grad!) !== buf(b.grad!));
  const c = leaf([5, 6]);
  const u = sg.tensor([7, 8]);
  record('own', sg.tensor([0, 0]), [c, u], () => [new sg.Tensor(u.data, [2]), null], true).sum().backward();
  assert.ok(buf(c.grad!) !== buf(u));
  c.grad!.data[0] = 0;
  assert.equal(Array.from(u.data), [7, 8]);
  const d = leaf([1, 1]);
  const seed = sg.tensor([3, 4]);
  record('same', sg.tensor([0, 0]), [d], (g) => [g], true).backward(seed);
  assert.ok(buf(d.grad!) !== buf(seed));
  assert.equal(Array.from(seed.data), [3, 4]);
});

test('a fresh gradient of another dtype is cast, and the cast is taken over', () => {
  const a = leaf([1, 2], 'float64');
  record('narrow', sg.tensor([0, 0], { dtype: 'float64' }), [a], () => [new sg.Tensor(Float32Array.from([0.5, 0.25]), [2])], true).sum().backward();
  assert.is(a.grad!.dtype, 'float64');
  assert.equal(Array.from(a.grad!.data), [0.5, 0.25]);
});

test('conv2d and batchNorm parameter gradients (taken over) equal a second run\'s, and two leaves never share one', () => {
  sg.manualSeed(5);
  const x = sg.normal([2, 3, 5, 5]);
  const w = sg.normal([4, 3, 3, 3], { requiresGrad: true });
  const bias = sg.normal([4], { requiresGrad: true });
  const gamma = sg.ones([4], { requiresGrad: true });
  const beta = sg.zeros([4], { requiresGrad: true });
  const run = (): number[][] => {
    w.grad = bias.grad = gamma.grad = beta.grad = null;
    const y = sg.batchNorm(sg.conv2d(x, w, { bias, padding: 1 }), null, null, { weight: gamma, bias: beta, training: true });
    sg.relu6(y).mul(sg.normal([2, 4, 5, 5])).sum().backward();
    const bufs = new Set([w, bias, gamma, beta].map((t) => buf(t.grad!)));
    assert.is(bufs.size, 4);
    return [w, bias, gamma, beta].map((t) => Array.from(t.grad!.data));
  };
  sg.manualSeed(9);
  const first = run();
  sg.manualSeed(9);
  assert.equal(run(), first);
});

test('gradients computed in lent buffers (relu6, batchNorm) equal the unlent ones bit for bit, on both backends', () => {
  for (const backend of ['js', 'wasm'] as sg.BackendName[]) {
    const prev = sg.useBackend(backend);
    try {
      sg.manualSeed(11);
      const x = sg.normal([4, 8, 32, 32], { requiresGrad: true });   // above the wasm kernels' size floor
      const gamma = sg.normal([8], { requiresGrad: true });
      const beta = sg.normal([8], { requiresGrad: true });
      const r = sg.normal([4, 8, 32, 32]);
      const run = (): number[][] => {
        x.grad = gamma.grad = beta.grad = null;
        // relu6 hands batchNorm a fresh gradient, which batchNorm computes its input gradient in.
        sg.relu6(sg.batchNorm(sg.relu6(x.mul(2)), null, null, { weight: gamma, bias: beta, training: true })).mul(r).sum().backward();
        return [x, gamma, beta].map((t) => Array.from(t.grad!.data));
      };
      const lent = run();
      const plain = sg.detectAnomaly(run);   // anomaly mode lends nothing
      assert.equal(lent, plain, backend);
    } finally {
      sg.setKernels(prev);
    }
  }
});

test.run();
