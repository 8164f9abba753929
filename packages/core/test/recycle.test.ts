// Released gradients' memory (releaseGrad, recycle.ts): a gradient nobody outside simplegrad read is
// reused by the next allocation of its length, zero-filled; one that was read (or assigned) stays its
// holder's, untouched; views and int32 are never pooled; at most MAX_PER_LENGTH arrays of a length
// and MAX_BYTES in all wait; and a training loop that releases its gradients computes the same bits
// as one that drops them. A pinned parameter's gradient is kept pinned (gradStorage), so optimizers
// read it in place: from the second step on, the same block every step, with the same bits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { MAX_BYTES, MAX_PER_LENGTH, emptyPool, recycle, reuse } from '../src/recycle.js';
import { getEngine } from '../src/kernels/wasm/runtime.js';

/** A leaf of `n` elements whose gradient, after backward, is `2·x` (a fresh array of length n). */
function withGrad(n: number, seed = 1): sg.Tensor {
  sg.manualSeed(seed);
  const x = sg.normal([n], { requiresGrad: true });
  x.mul(x).sum().backward();
  return x;
}

test('releaseGrad gives an unread gradient\'s array to the next allocation of its length, zero-filled', () => {
  emptyPool(); // every test file runs in one process: others may have filled it
  const x = withGrad(1000);
  const g = sg.readGrad(x);
  assert.ok(g !== null);
  const data = g.data;
  assert.ok(data.some((v) => v !== 0));
  sg.releaseGrad(x);
  assert.is(sg.readGrad(x), null);
  assert.is(x.grad, null);
  const next = sg.allocate('float32', 1000);
  assert.is(next, data, 'the same array');
  assert.ok(next.every((v) => v === 0), 'zero-filled');
  assert.is.not(sg.allocate('float32', 1000), data, 'given out once');
});

test('a gradient read through .grad (or assigned) is the reader\'s: releaseGrad drops it untouched', () => {
  const x = withGrad(500);
  const held = x.grad;
  assert.ok(held !== null);
  const values = Array.from(held.data);
  sg.releaseGrad(x);
  assert.is(x.grad, null);
  const fresh = sg.allocate('float32', 500);
  assert.is.not(fresh, held.data);
  fresh.fill(7);
  assert.equal(Array.from(held.data), values, 'the reader\'s values stay');

  // Read before backward made a new one: the new one is not handed out.
  const y = withGrad(600);
  void y.grad;
  y.mul(y).sum().backward(); // accumulates into the handed-out tensor: still handed out
  const accumulated = sg.readGrad(y)!.data;
  sg.releaseGrad(y);
  assert.is.not(sg.allocate('float32', 600), accumulated);

  const z = sg.normal([700], { requiresGrad: true });
  const mine = sg.zeros([700]);
  z.grad = mine;
  sg.releaseGrad(z);
  assert.is.not(sg.allocate('float32', 700), mine.data, 'an assigned gradient is never reused');
  assert.equal(mine.data.every((v) => v === 0), true);
});

test('a new gradient after release is not handed out until read: backward, release, backward again reuses', () => {
  emptyPool();
  const x = withGrad(800);
  void x.grad; // this one is handed out
  sg.releaseGrad(x);
  x.mul(x).sum().backward(); // a new gradient tensor: nobody has read it
  const data = sg.readGrad(x)!.data;
  sg.releaseGrad(x);
  assert.is(sg.allocate('float32', 800), data);
});

test('the pool keeps whole float arrays only, at most MAX_PER_LENGTH of a length', () => {
  emptyPool();
  const big = new Float32Array(64);
  recycle(big.subarray(0, 32)); // a view into a larger buffer (as pinned storage is)
  assert.is(reuse('float32', 32), null);
  recycle(new Float32Array(0));
  assert.is(reuse('float32', 0), null);
  assert.is(reuse('int32', 16), null);
  const d = new Float64Array(48).fill(3);
  recycle(d);
  assert.is(reuse('float32', 48), null, 'by dtype');
  assert.is(reuse('float64', 48), d);
  assert.ok(d.every((v) => v === 0));
  const arrays: Float32Array[] = Array.from({ length: MAX_PER_LENGTH + 2 }, () => new Float32Array(40).fill(1));
  for (const a of arrays) recycle(a);
  const back = new Set<Float32Array>();
  for (let r = reuse('float32', 40); r !== null; r = reuse('float32', 40)) back.add(r as Float32Array);
  assert.is(back.size, MAX_PER_LENGTH);
  assert.ok([...back].every((a) => arrays.slice(0, MAX_PER_LENGTH).includes(a)), 'the first ones offered');
});

test('at most MAX_BYTES wait in all: past it an offered array is left to the collector', () => {
  const floats = Math.ceil(MAX_BYTES / 4 / 2) + 16; // each a little over half the bound
  emptyPool();
  const a = new Float32Array(floats);
  const b = new Float32Array(floats + 16);
  recycle(a);
  recycle(b);
  assert.is(reuse('float32', floats + 16), null, 'the second did not fit');
  assert.is(reuse('float32', floats), a);
  recycle(b); // the first was taken back: now it fits
  assert.is(reuse('float32', floats + 16), b);
});

test('a training loop that releases its gradients computes the same bits as one that drops them, on both backends', () => {
  for (const backend of ['js', 'wasm'] as const) {
    const run = (release: boolean): number[][] => {
      sg.manualSeed(3);
      const w = sg.normal([8, 3, 3, 3], { requiresGrad: true }).mul(0.2).detach().requiresGrad_();
      const b = sg.zeros([8], { requiresGrad: true });
      const x = sg.normal([4, 3, 8, 8]);
      for (let step = 0; step < 3; step++) {
        const loss = sg.conv2d(x, w, { bias: b, padding: 1 }).relu().mean();
        loss.backward();
        for (const p of [w, b]) {
          const g = sg.readGrad(p)!;
          for (let i = 0; i < p.size; i++) p.data[i] -= 0.5 * g.data[i];
          p.bumpVersion();
          if (release) sg.releaseGrad(p);
          else p.grad = null;
        }
      }
      return [Array.from(w.data), Array.from(b.data)];
    };
    const prev = sg.useBackend(backend);
    try {
      assert.equal(run(true), run(false), backend);
    } finally {
      sg.setKernels(prev);
    }
  }
});

test('a pinned parameter\'s gradient is pinned from the first step on, the same block each step, with the same bits as plain gradients', () => {
  const prev = sg.useBackend('wasm');
  try {
    const run = (release: boolean): { weights: number[]; grads: sg.TypedArray[] } => {
      sg.manualSeed(8);
      const init = sg.normal([8, 3, 3, 3]).mul(0.2);
      const w = new sg.Tensor(sg.allocatePinned('float32', init.size), init.shape, true);
      w.data.set(init.data);
      const x = sg.normal([4, 3, 8, 8]);
      const grads: sg.TypedArray[] = [];
      for (let step = 0; step < 4; step++) {
        sg.conv2d(x, w, { padding: 1 }).relu().mean().backward();
        const g = sg.readGrad(w)!;
        grads.push(g.data);
        for (let i = 0; i < w.size; i++) w.data[i] -= 0.5 * g.data[i];
        w.bumpVersion();
        if (release) sg.releaseGrad(w);
        else w.grad = null;
      }
      return { weights: Array.from(w.data), grads };
    };
    const released = run(true);
    assert.equal(released.weights, run(false).weights);
    const e = getEngine();
    assert.ok(e.pinnedAddress(released.grads[0] as Float32Array) >= 0, 'the first step\'s gradient is pinned');
    for (const g of released.grads.slice(1)) assert.is(g, released.grads[0], 'and its block is every later step\'s');
    // Read, a gradient stays its reader's: the next step's is new memory.
    const w = new sg.Tensor(sg.allocatePinned('float32', 16), [16], true);
    for (let i = 0; i < 2; i++) {
      w.mul(w).sum().backward();
      sg.releaseGrad(w);
    }
    w.mul(w).sum().backward();
    const held = w.grad!;
    sg.releaseGrad(w);
    w.mul(w).sum().backward();
    assert.is.not(sg.readGrad(w)!.data, held.data);
  } finally {
    sg.setKernels(prev);
  }
});

test('where the kernels cannot pin (a pinned parameter trained on the js backend), releaseGrad pools the gradient and takes nothing from the pool', () => {
  const prev = sg.useBackend('wasm');
  try {
    const w = new sg.Tensor(sg.allocatePinned('float32', 300), [300], true);
    sg.useBackend('js');
    w.mul(w).sum().backward();
    const g = sg.readGrad(w)!.data;
    emptyPool(); // (backward's own allocations of this length may draw from it: offered only now)
    const waiting = new Float32Array(300);
    recycle(waiting);
    sg.releaseGrad(w);
    assert.is(reuse('float32', 300), g, 'the gradient went to the pool');
    assert.is(reuse('float32', 300), waiting, 'and the array already waiting is still there');
  } finally {
    sg.setKernels(prev);
  }
});

test.run();
