// The optimizer update kernels: the WebAssembly ones give the same bits as the reference loops (the
// loops @simplegrad/optim ran before), on one thread, on two, and with the worker running every
// chunk, for sizes with every kind of tail (shorter than a vector, between vectors, past a chunk,
// past a segment, past two: the pipeline's region sets reused). Bit identity, not closeness: the
// module performs the reference's f64 operations in its order and rounds where it stores (see
// packages/core/wasm/asc/optim.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { type AdamStepConstants, adamStep, sgdMomentumStep } from '../src/kernels/optim.js';
import { SEGMENT, adamInModule, sgdMomentumInModule } from '../src/kernels/wasm/optim.js';
import { chunksByWorkers, setWorkersOnly } from '../src/kernels/wasm/runtime.js';
import { bits, rand } from './rounding.js';

/** Asserts two float32 arrays hold the same bits, naming the first element that differs. */
function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const a = bits(actual);
  const b = bits(expected);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.unreachable(`${what}: element ${i} is ${actual[i]}, the reference's ${expected[i]}`);
  }
}

/** Seeded data spread over several binades (so roundings differ from element to element). */
function data(n: number, seed: number, scale: number): Float32Array {
  const a = rand(n, seed);
  const b = rand(n, seed + 100);
  for (let i = 0; i < n; i++) a[i] *= scale * 2 ** Math.round(4 * b[i]);
  return a;
}

/** Adam's per-step constants at step `t`, computed as @simplegrad/optim computes them. */
function adamConstants(t: number, weightDecay: number, decoupled: boolean): AdamStepConstants {
  const [beta1, beta2, lr] = [0.9, 0.999, 3e-3];
  return {
    beta1, beta2, eps: 1e-8, weightDecay, shrink: 1 - lr * weightDecay, decoupled,
    stepSize: lr / (1 - beta1 ** t), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
  };
}

// 2·(SEGMENT + 5) + 5: three segments, so the pipeline reuses its first region set (and ends on a short tail).
const SIZES = [1, 3, 4, 5, 4097, 100003, SEGMENT + 5, 2 * (SEGMENT + 5) + 5];
const ADAM_CASES: [string, number, boolean][] = [['Adam', 0, false], ['Adam, L2 weight decay', 0.05, false], ['AdamW', 0.05, true]];

/** Three steps of each kernel on `n` elements, the reference on copies; asserts equal bits after each. */
function compareAll(n: number, where: string): void {
  const g = [1, 2, 3].map((s) => data(n, 10 + s, 0.1));
  {
    const x = data(n, 1, 1), buf = data(n, 2, 0.1);
    const [rx, rbuf] = [x.slice(), buf.slice()];
    for (let t = 0; t < 3; t++) {
      sgdMomentumInModule(x, g[t], buf, 0.1, 0.9, 0.75);
      sgdMomentumStep(rx, g[t], rbuf, 0.1, 0.9, 0.75);
      sameBits(buf, rbuf, `SGD momentum n=${n} ${where} step ${t + 1}: buf`);
      sameBits(x, rx, `SGD momentum n=${n} ${where} step ${t + 1}: x`);
    }
  }
  for (const [name, weightDecay, decoupled] of ADAM_CASES) {
    const x = data(n, 3, 1), m = data(n, 4, 0.01), v = data(n, 5, 1e-3).map((e) => e * e);
    const [rx, rm, rv] = [x.slice(), m.slice(), v.slice()];
    for (let t = 1; t <= 3; t++) {
      const k = adamConstants(t, weightDecay, decoupled);
      adamInModule(x, g[t - 1], m, v, k);
      adamStep(rx, g[t - 1], rm, rv, k);
      sameBits(m, rm, `${name} n=${n} ${where} step ${t}: m`);
      sameBits(v, rv, `${name} n=${n} ${where} step ${t}: v`);
      sameBits(x, rx, `${name} n=${n} ${where} step ${t}: x`);
    }
  }
}

test(`wasm SGD momentum, Adam, Adam+L2 and AdamW equal the reference bit for bit on 1 thread, n = ${SIZES.join(', ')}`, () => {
  const prev = sg.setWasmThreads(1);
  try {
    for (const n of SIZES) compareAll(n, '1 thread');
  } finally {
    sg.setWasmThreads(prev);
  }
});

test('wasm optimizer kernels equal the reference bit for bit on 2 threads, and with the worker running every chunk', () => {
  const prev = sg.setWasmThreads(2, { minFlops: 0 });
  try {
    for (const n of SIZES) compareAll(n, '2 threads');
    // The caller steps aside, so the worker runs every pooled chunk: really another thread.
    assert.ok(setWorkersOnly(true), 'a pool exists');
    const before = chunksByWorkers();
    for (const n of [4097, 100003, SEGMENT + 5, 2 * (SEGMENT + 5) + 5]) compareAll(n, 'workers only');
    assert.ok(chunksByWorkers() > before, 'the workers ran the chunks');
    // A copy that throws while a segment's job runs (buf too short: a broken contract) still ends
    // that job first, so the pool takes the next one.
    const n = 2 * SEGMENT + 9;
    assert.throws(() => sgdMomentumInModule(data(n, 1, 1), data(n, 2, 0.1), new Float32Array(100), 0.1, 0.9, 1), RangeError);
    compareAll(n, 'after a failed copy');
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
  }
});

test('the wasm kernels through the backend: float64 arrays, mixed dtypes and small arrays take the reference, large float32 ones the module, same bits', () => {
  const K = sg.wasmKernels;
  for (const n of [5, 100003]) {
    const g = data(n, 7, 0.1);
    const x = data(n, 8, 1), buf = data(n, 9, 0.1);
    const [rx, rbuf] = [x.slice(), buf.slice()];
    K.sgdMomentumStep(x, g, buf, 0.05, 0.9, 1);
    sg.jsKernels.sgdMomentumStep(rx, g, rbuf, 0.05, 0.9, 1);
    sameBits(x, rx, `backend SGD n=${n}: x`);
    sameBits(buf, rbuf, `backend SGD n=${n}: buf`);
    const k = adamConstants(2, 0.01, true);
    const m = data(n, 10, 0.01), v = data(n, 11, 0.01).map((e) => e * e);
    const [ax, am, av] = [x.slice(), m.slice(), v.slice()];
    K.adamStep(x, g, m, v, k);
    sg.jsKernels.adamStep(ax, g, am, av, k);
    sameBits(x, ax, `backend AdamW n=${n}: x`);
    sameBits(m, am, `backend AdamW n=${n}: m`);
  }
  // float64 parameters (and a float64 gradient of float32 parameters) go to the reference.
  const n = 5000;
  const x64 = Float64Array.from(data(n, 12, 1)), g64 = Float64Array.from(data(n, 13, 0.1));
  const b64 = new Float64Array(n).fill(0.25);
  const [rx64, rb64] = [x64.slice(), b64.slice()];
  K.sgdMomentumStep(x64, g64, b64, 0.1, 0.9, 1);
  sg.jsKernels.sgdMomentumStep(rx64, g64, rb64, 0.1, 0.9, 1);
  assert.equal(Array.from(x64), Array.from(rx64), 'float64 SGD');
  const x32 = data(n, 14, 1), m32 = new Float32Array(n), v32 = new Float32Array(n);
  const [rx32, rm32, rv32] = [x32.slice(), m32.slice(), v32.slice()];
  K.adamStep(x32, g64, m32, v32, adamConstants(1, 0, false));
  sg.jsKernels.adamStep(rx32, g64, rm32, rv32, adamConstants(1, 0, false));
  sameBits(x32, rx32, 'Adam with a float64 gradient: x');
  sameBits(v32, rv32, 'Adam with a float64 gradient: v');
});

test('the js reference kernels: one SGD momentum step and one Adam step by hand', () => {
  const x = new Float32Array([1, 2]), buf = new Float32Array([0.5, 0.5]);
  sgdMomentumStep(x, new Float32Array([0.1, -0.1]), buf, 0.1, 0.9, 1);
  assert.equal(Array.from(buf), [Math.fround(0.55), Math.fround(0.35)]);
  assert.equal(Array.from(x), [Math.fround(1 - 0.1 * Math.fround(0.55)), Math.fround(2 - 0.1 * Math.fround(0.35))]);
  // Adam's first step moves every element by about −γ whatever the gradient's scale.
  const y = new Float32Array([1, -1]), m = new Float32Array(2), v = new Float32Array(2);
  adamStep(y, new Float32Array([0.5, -1e-3]), m, v, adamConstants(1, 0, false));
  assert.ok(Math.abs(y[0] - (1 - 3e-3)) < 1e-6 && Math.abs(y[1] - (-1 + 3e-3)) < 1e-6, `Adam's first step: ${Array.from(y)}`);
});

test.run();
