import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import * as K from '../src/kernels/activation.js';

// The float32 hardtanh loops select bit patterns instead of branching, and leakyRelu looks its factor
// up: they must store exactly what the plain comparisons store, for every kind of value.
const SPECIAL = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, -1, 1, 6, -6, 0.5, -3, 3, 5.999999, 6.000001];

/** Seeded float32 data: the special values, then normals scaled to cross every end. */
function data(n: number): Float32Array {
  sg.manualSeed(7);
  const r = sg.normal([n]).data;
  const x = new Float32Array(SPECIAL.length + n);
  x.set(SPECIAL);
  for (let i = 0; i < n; i++) x[SPECIAL.length + i] = r[i] * 5;
  return x;
}

/** Asserts `a` and `b` hold the same bits (NaN equal to NaN, −0 unlike +0). */
function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  const ai = new Int32Array(a.buffer, a.byteOffset, a.length);
  const bi = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ai[i] !== bi[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) assert.unreachable(`${what}: element ${i} is ${a[i]}, expected ${b[i]}`);
  }
}

test('float32 hardtanh forward/backward (branch-free) equal the plain loops, specials and unrepresentable ends included', () => {
  const x = data(500);
  sg.manualSeed(8);
  const g = Float32Array.from(sg.normal([x.length]).data);
  g.set([NaN, Infinity, -Infinity, -0], 0);
  for (const [lo, hi] of [[0, 6], [-1, 1], [-0.1, 0.3], [-3, -3], [-0, 0], [2, 1e39]]) {
    const out = new Float32Array(x.length);
    K.hardtanhForward(x, out, lo, hi);
    sameBits(out, Float32Array.from(x, (v) => (v < lo ? lo : v > hi ? hi : v)), `forward [${lo}, ${hi}]`);
    const gx = new Float32Array(x.length);
    K.hardtanhBackward(g, x, gx, lo, hi);
    sameBits(gx, Float32Array.from(x, (v, i) => (v > lo && v < hi ? g[i] : 0)), `backward [${lo}, ${hi}]`);
  }
  // int32 input into a float32 gradient still takes the masked loop.
  const xi = Int32Array.from([-2, 0, 3, 6, 9]);
  const gx = new Float32Array(5);
  K.hardtanhBackward(Float32Array.from([1, 2, 3, 4, 5]), xi, gx, 0, 6);
  assert.equal(Array.from(gx), [0, 0, 3, 0, 0]);
});

test('float32 relu6 through autograd equals float64 relu6 rounded (values and gradients), on a subarray view', () => {
  const x = data(300);
  const view = x.subarray(3);   // a view with a byte offset: the int32 views must respect it
  const a = new sg.Tensor(view, [view.length], true);
  const b = new sg.Tensor(Float64Array.from(view), [view.length], true);
  const ya = sg.relu6(a);
  const yb = sg.relu6(b);
  sameBits(ya.data as Float32Array, Float32Array.from(yb.data), 'relu6 forward');
  const w = sg.normal([view.length]);
  ya.mul(w).sum().backward();
  yb.mul(w.to('float64')).sum().backward();
  sameBits(a.grad!.data as Float32Array, Float32Array.from(b.grad!.data), 'relu6 gradient');
});

test('leakyRelu (factor lookup) equals the plain loop, float32 and float64', () => {
  for (const make of [(n: number) => data(n), (n: number) => Float64Array.from(data(n))]) {
    const x = make(200);
    const out = new (x.constructor as Float32ArrayConstructor)(x.length);
    K.leakyReluForward(x, out, 0.2);
    const ref = x.map((v) => (v > 0 ? v : 0.2 * v));
    const g = x.map((_, i) => (i % 7) - 3.5);
    const gx = new (x.constructor as Float32ArrayConstructor)(x.length);
    K.leakyReluBackward(g, x, gx, 0.2);
    const gref = x.map((v, i) => (v > 0 ? g[i] : g[i] * 0.2));
    for (let i = 0; i < x.length; i++) {
      assert.ok(Object.is(out[i], ref[i]), `forward ${i}: ${out[i]} vs ${ref[i]}`);
      assert.ok(Object.is(gx[i], gref[i]), `backward ${i}: ${gx[i]} vs ${gref[i]}`);
    }
  }
});

test.run();
