// tidy scopes (tidy.ts): when the function returns, the tensors it made are released (any use throws
// a ReleasedError naming the shape) except what it returns, what it keeps, gradients and parameters;
// an array the scope allocated goes back to allocate's pool only when every tensor over its memory
// (views too) was released and nobody read `data`; a scope whose kept tensor still has a graph to
// walk, that throws, or that returns a promise releases nothing; scopes nest; a training loop in
// tidy computes the same bits as one without, on both backends and two threads; and on the wasm
// backend a scope's big results are pinned, their blocks given back when released.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { RAW } from '../src/tensor.js';
import { emptyPool } from '../src/recycle.js';
import { throwsWith } from './throws.js';
import { getEngine } from '../src/kernels/wasm/runtime.js';
import { onOneAndTwoThreads } from './two-threads.js';

/** The tensor's array without handing it out (as simplegrad's own code reads it). */
const raw = (t: sg.Tensor): sg.TypedArray => t[RAW];

test('tidy returns fn\'s result; the tensors fn made are released, what it returns is kept', () => {
  const x = sg.ones([2, 3]);
  let mid: sg.Tensor | null = null;
  const out = sg.tidy(() => {
    mid = x.mul(2);
    return mid.add(1);
  });
  assert.equal(out.toArray(), [[3, 3, 3], [3, 3, 3]]);
  assert.is(out.released, false);
  assert.is(x.released, false, 'made outside the scope');
  assert.is(mid!.released, true);
  throwsWith(() => mid!.data, sg.ReleasedError, 'Tensor: this tensor of shape [2, 3] was released when the tidy scope that made it ended; return it from the scope\'s function or pass it to keep() to use it afterwards');
  throwsWith(() => mid!.add(1), sg.ReleasedError, /shape \[2, 3\] was released/);
  throwsWith(() => mid!.item(), sg.ReleasedError, /was released/);
  throwsWith(() => { mid!.data = new Float32Array(6); }, sg.ReleasedError, /was released/);
  assert.equal(sg.tidy(() => 7), 7);
});

test('released tensors\' arrays are reused by later allocations; read or shared ones are not', () => {
  emptyPool();
  const x = sg.normal([1000]);
  let kept: sg.Tensor | null = null;
  let arrays: sg.TypedArray[] = [];
  sg.tidy(() => {
    const a = x.mul(2), b = x.add(1), c = x.sub(3), d = x.neg();
    const view = d.reshape([10, 100]);
    kept = view;
    void c.data; // handed out: its array is the reader's now
    arrays = [raw(a), raw(b), raw(c), raw(d)];
    return { view, other: [1, 'x', null] };
  });
  assert.is(kept!.released, false);
  const again = [sg.allocate('float32', 1000), sg.allocate('float32', 1000), sg.allocate('float32', 1000)];
  assert.ok(again[0] === arrays[1] || again[0] === arrays[0], 'a released array comes back');
  assert.equal(new Set(again.slice(0, 2)), new Set([arrays[0], arrays[1]]), 'both released, unread arrays');
  assert.ok(again[0].every((v) => v === 0) && again[1].every((v) => v === 0), 'zero-filled');
  assert.ok(!again.includes(arrays[2] as Float32Array), 'c was read');
  assert.ok(!again.includes(arrays[3] as Float32Array), 'd is shared with the kept view');
  assert.equal(Array.from(kept!.data.slice(0, 3)), Array.from(x.data.slice(0, 3), (v) => -v));
});

test('tensors inside arrays, plain and null-prototype objects, Maps and Sets that fn returns are kept', () => {
  const x = sg.ones([1]);
  const bare = Object.create(null) as { t?: sg.Tensor };
  const r = sg.tidy(() => {
    bare.t = x.mul(5);
    return [{ a: [x.mul(1)] }, new Map([[x.mul(2), x.mul(3)]]), new Set([x.mul(4)]), bare, 'label'] as const;
  });
  const all = [r[0].a[0], ...r[1].keys(), ...r[1].values(), ...r[2], bare.t!];
  assert.equal(all.map((t) => t.released), [false, false, false, false, false]);
  assert.equal(all.map((t) => t.item()), [1, 2, 3, 4, 5]);
});

test('assigning data hands the new array out: it is never reused; only an array of the dtype and size is taken', () => {
  emptyPool();
  const mine = new Float32Array(55).fill(2);
  let t: sg.Tensor | null = null;
  sg.tidy(() => {
    t = sg.zeros([55]).add(1);
    t.data = mine;
  });
  assert.is(t!.released, true);
  assert.is.not(sg.allocate('float32', 55), mine);
  assert.ok(mine.every((v) => v === 2));
  // Only an array of the tensor's dtype and size may replace its elements.
  const u = sg.zeros([2, 3]);
  throwsWith(() => { u.data = new Float32Array(5); }, sg.ShapeError, 'Tensor.data: shape [2, 3] needs 6 elements, got an array of 5');
  throwsWith(() => { u.data = new Float64Array(6); }, sg.DTypeError, 'Tensor.data: must be a Float32Array (the tensor\'s dtype is float32), got Float64Array');
  throwsWith(() => { u.data = [1, 2, 3, 4, 5, 6] as unknown as Float32Array; }, sg.DTypeError, 'Tensor.data: must be a Float32Array (the tensor\'s dtype is float32), got object');
  u.data = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(u.toArray(), [[1, 2, 3], [4, 5, 6]]);
});

test('an array from the public allocate is its caller\'s: never reused, even when its tensor is released', () => {
  emptyPool();
  let mine: sg.TypedArray | null = null;
  let t: sg.Tensor | null = null;
  sg.tidy(() => {
    mine = sg.allocate('float32', 333);
    t = new sg.Tensor(mine, [333]);
  });
  assert.is(t!.released, true);
  assert.is.not(sg.allocate('float32', 333), mine);
});

test('gradients, parameters and keep() survive the scope; released results of backward are reused', () => {
  const w = sg.normal([4, 5], { requiresGrad: true });
  let made: sg.Tensor | null = null;
  let kept: sg.Tensor | null = null;
  let grad: sg.Tensor | null = null;
  const loss = sg.tidy(() => {
    made = sg.zeros([3], { requiresGrad: true }); // a leaf that requires grad: a parameter
    kept = sg.keep(w.mul(3));
    const l = w.mul(w).sum();
    l.backward();
    grad = sg.readGrad(w);
    return l.item();
  });
  assert.type(loss, 'number');
  assert.is(made!.released, false);
  assert.is(kept!.released, false);
  assert.is(grad!.released, false);
  assert.equal(Array.from(w.grad!.data), Array.from(w.data, (v) => Math.fround(2 * v)));
  throwsWith(() => sg.keep(3 as unknown as sg.Tensor), sg.ArgumentError, 'keep: expected a Tensor, got number');
  const outside = sg.ones([1]);
  assert.is(sg.keep(outside), outside, 'outside a scope: nothing to do');
});

test('a kept tensor whose graph is still to be walked keeps everything: backward works after the scope', () => {
  const w = sg.normal([6], { requiresGrad: true });
  let mid: sg.Tensor | null = null;
  const loss = sg.tidy(() => {
    mid = w.mul(w);
    return mid.sum();
  });
  assert.is(mid!.released, false);
  loss.backward();
  assert.equal(Array.from(w.grad!.data), Array.from(w.data, (v) => Math.fround(2 * v)));
  // After backward the graph is freed: a scope returning it releases the rest.
  let mid2: sg.Tensor | null = null;
  const l2 = sg.tidy(() => {
    mid2 = w.mul(w);
    const l = mid2.sum();
    l.backward();
    return l;
  });
  assert.is(mid2!.released, true);
  assert.is(l2.released, false);
  throwsWith(() => sg.tidy(() => mid2!.sum()), sg.ReleasedError, /was released/);
});

test('an inner scope that returns a graph still to be walked hands all its tensors to the outer scope', () => {
  const w = sg.normal([5], { requiresGrad: true });
  let mid: sg.Tensor | null = null;
  sg.tidy(() => {
    const loss = sg.tidy(() => {
      mid = w.mul(w);
      return mid.sum();
    });
    assert.is(mid!.released, false, 'kept for the backward pass');
    loss.backward();
  });
  assert.is(mid!.released, true, 'released by the outer scope once backward ran');
  assert.equal(Array.from(w.grad!.data), Array.from(w.data, (v) => Math.fround(2 * v)));
});

test('a scope that throws, or returns a promise, releases nothing', () => {
  let mid: sg.Tensor | null = null;
  throwsWith(() => sg.tidy(() => {
    mid = sg.ones([2]).mul(2);
    throw new Error('boom');
  }), Error, 'boom');
  assert.is(mid!.released, false);
  let mid2: sg.Tensor | null = null;
  throwsWith(() => sg.tidy(() => {
    mid2 = sg.ones([2]).mul(2);
    return Promise.resolve(mid2);
  }), sg.ArgumentError, 'tidy: fn returned a promise: tidy runs synchronous code only (the scope ended when fn returned; nothing was released)');
  assert.is(mid2!.released, false);
  throwsWith(() => sg.tidy(3 as unknown as () => void), sg.ArgumentError, 'tidy: fn must be a function, got number');
  const untyped = sg.tidy as unknown as (...a: unknown[]) => unknown;
  throwsWith(() => untyped('step', () => 1), sg.ArgumentError, 'tidy: takes one argument, a function; got 2 (TensorFlow.js\'s tidy(name, fn): here there is no name, pass the function alone)');
  throwsWith(() => untyped(() => 1, { name: 'x' }), sg.ArgumentError, 'tidy: takes one argument, a function; got 2');
  const keepUntyped = sg.keep as unknown as (...a: unknown[]) => unknown;
  throwsWith(() => keepUntyped(sg.ones([1]), sg.ones([1])), sg.ArgumentError, 'keep: takes one tensor; got 2 arguments');
});

test('scopes nest: what the inner one keeps belongs to the outer one', () => {
  let inner: sg.Tensor | null = null;
  let innerMid: sg.Tensor | null = null;
  const out = sg.tidy(() => {
    inner = sg.tidy(() => {
      innerMid = sg.ones([3]).mul(2);
      return innerMid.add(1);
    });
    assert.is(innerMid!.released, true);
    assert.is(inner.released, false);
    return inner.mul(2);
  });
  assert.is(inner!.released, true, 'released by the outer scope');
  assert.equal(out.toArray(), [6, 6, 6]);
});

test('ops defined with defineOp that read .data hand the array out: it is never reused', () => {
  emptyPool();
  const double = sg.defineOp({
    name: 'double',
    forward(_ctx, x) { return new sg.Tensor(Float32Array.from(x.data, (v) => 2 * v), x.shape); },
    backward(_ctx, g) { return [g.mul(2)]; },
  });
  let y: sg.TypedArray | null = null;
  sg.tidy(() => {
    const x = sg.ones([77]).mul(3);
    y = raw(x);
    double(x);
  });
  assert.is.not(sg.allocate('float32', 77), y);
});

/** A plain SGD update (learning rate 0.1) of `params` from their gradients. */
function descend(params: sg.Tensor[]): void {
  sg.noGrad(() => {
    for (const p of params) {
      const g = sg.readGrad(p)!;
      for (let i = 0; i < p.size; i++) p.data[i] -= 0.1 * g.data[i];
    }
  });
}

/** Four SGD steps of a small CNN, each in tidy or not: the losses and the weights. */
function train(scoped: boolean): number[][] {
  sg.manualSeed(3);
  const w1 = sg.normal([8, 3, 3, 3], { requiresGrad: true }), b1 = sg.zeros([8], { requiresGrad: true });
  const w2 = sg.normal([10, 8 * 4 * 4], { requiresGrad: true });
  const x = sg.normal([4, 3, 8, 8]), y = sg.randint(0, 10, [4]);
  const step = (): number => {
    for (const p of [w1, b1, w2]) sg.releaseGrad(p);
    const h = sg.maxPool2d(sg.relu(sg.conv2d(x, w1, { bias: b1, padding: 1 })), 2);
    const l = sg.crossEntropy(sg.matmul(h.flatten(1), w2.transpose(0, 1)), y);
    l.backward();
    descend([w1, b1, w2]);
    return l.item();
  };
  const losses = Array.from({ length: 4 }, () => (scoped ? sg.tidy(step) : step()));
  return [losses, ...[w1, b1, w2].map((p) => Array.from(p.data))];
}

test('a training loop in tidy computes the same bits as without (js)', () => {
  const prev = sg.useBackend('js');
  try {
    assert.equal(train(true), train(false));
  } finally {
    sg.setKernels(prev);
  }
});

test('a training loop in tidy computes the same bits as without (wasm, one and two threads)', () => {
  const plain = onOneAndTwoThreads(() => train(false));
  const scoped = onOneAndTwoThreads(() => train(true));
  assert.equal(scoped, plain);
  assert.equal(scoped[1], scoped[0]);
});

/**
 * Four SGD steps of a CNN whose activations are big enough to be pinned (conv, batch norm with its
 * ReLU, a plain ReLU, max pooling, linear), each in tidy or not: the losses, the weights, and per step
 * the conv output's address in the engine (−1: plain) and the engine's bytes after the step.
 */
function trainPinned(scoped: boolean): { values: number[][]; addresses: number[]; bytes: number[] } {
  sg.manualSeed(5);
  const w1 = sg.normal([16, 3, 3, 3], { requiresGrad: true }), gamma = sg.ones([16], { requiresGrad: true });
  const w2 = sg.normal([10, 16 * 8 * 8], { requiresGrad: true }).mul(0.05).detach().requiresGrad_();
  const x = sg.normal([4, 3, 16, 16]), y = sg.randint(0, 10, [4]);
  const [addresses, bytes]: number[][] = [[], []];
  const step = (): number => {
    for (const p of [w1, gamma, w2]) sg.releaseGrad(p);
    const z = sg.conv2d(x, w1, { padding: 1 });
    addresses.push(getEngine().pinnedAddress(raw(z) as Float32Array));
    const h = sg.maxPool2d(sg.relu(sg.batchNorm(z, null, null, { weight: gamma, training: true, activation: 'relu' })), 2);
    const l = sg.crossEntropy(sg.linear(h.flatten(1), w2), y);
    l.backward();
    descend([w1, gamma, w2]);
    return l.item();
  };
  const losses = Array.from({ length: 4 }, () => {
    const l = scoped ? sg.tidy(step) : step();
    bytes.push(sg.wasmMemoryBytes());
    return l;
  });
  return { values: [losses, ...[w1, gamma, w2].map((p) => Array.from(p.data))], addresses, bytes };
}

test('wasm: a scope\'s big float32 results are pinned (kernels use them in place) and given back when it releases them, so each step takes the last one\'s blocks and the memory stays flat; the same bits as plain arrays, on one and two threads', () => {
  const plain = onOneAndTwoThreads(() => trainPinned(false));
  const scoped = onOneAndTwoThreads(() => trainPinned(true));
  for (let i = 0; i < 3; i++) {
    assert.equal(scoped[i].values, plain[i].values, 'pinned as plain');
    assert.ok(plain[i].addresses.every((a) => a < 0), 'outside a scope: plain arrays');
    const [first, ...later] = scoped[i].addresses;
    assert.ok(first >= 0, 'in a scope: pinned');
    assert.equal(later, [first, first, first], 'the same block every step');
    assert.equal(scoped[i].bytes.slice(1), [1, 2, 3].map(() => scoped[i].bytes[1]), 'no growth after the first step');
  }
  assert.equal(scoped[1].values, scoped[0].values);
});

test('wasm: a pinned result that was read, kept or returned outlives the scope with its values; a released one is unpinned; the js backend pins nothing', () => {
  const prev = sg.useBackend('wasm');
  try {
    let read: sg.TypedArray | null = null, copy: number[] = [], kept: sg.Tensor | null = null, released: sg.TypedArray | null = null;
    const x = sg.normal([8, 1000]);
    const out = sg.tidy(() => {
      const a = x.mul(2);
      read = a.data;
      copy = Array.from(a.data);
      kept = sg.keep(x.add(1));
      const b = x.sub(1);
      released = raw(b);
      assert.ok(getEngine().pinnedAddress(released as Float32Array) >= 0);
      return x.neg();
    });
    const e = getEngine();
    assert.ok(e.pinnedAddress(read! as Float32Array) >= 0, 'read: still pinned, its block not reused');
    assert.ok(e.pinnedAddress(raw(kept!) as Float32Array) >= 0 && e.pinnedAddress(raw(out) as Float32Array) >= 0);
    assert.is(e.pinnedAddress(released! as Float32Array), -1, 'released: its block went back');
    sg.tidy(() => void [x.mul(3), x.mul(4), x.mul(5)]); // new results over the freed blocks
    assert.equal(Array.from(read!), copy);
    assert.equal(Array.from(kept!.data), Array.from(x.data, (v) => Math.fround(v + 1)));
    assert.equal(Array.from(out.data), Array.from(x.data, (v) => -v));
    sg.useBackend('js');
    assert.is(getEngine().pinnedAddress(raw(sg.tidy(() => x.mul(2))) as Float32Array), -1, 'js: a plain array');
  } finally {
    sg.setKernels(prev);
  }
});

test.run();
