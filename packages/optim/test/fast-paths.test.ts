// The optimizers' fast loops (SGD momentum without decay/Nesterov/maximize; Adam and AdamW without
// AMSGrad/maximize) against their general loops, bit for bit: `maximize` with the gradient negated
// takes the general loop through exactly the same arithmetic (negation is exact), so the parameters
// and the state must come out identical. Sizes leave a tail after the 4-wide unrolled SGD loop. The
// fast loops are kernels (`kernels().sgdMomentumStep`, `.adamStep`): on the wasm backend a parameter
// of 5110 elements runs in WebAssembly (the small ones in the reference), with the same bits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { Adam, AdamW, SGD } from '../src/index.js';

type Make = (params: sg.Tensor[], maximize: boolean) => SGD | Adam | AdamW;

/** Parameters and state after 5 steps on seeded gradients (negated when `maximize`). */
function run(make: Make, dtype: 'float32' | 'float64', maximize: boolean): number[] {
  sg.manualSeed(7);
  const params = [sg.normal([4, 7], { dtype, requiresGrad: true }), sg.normal([5], { dtype, requiresGrad: true }), sg.normal([70, 73], { dtype, requiresGrad: true })];
  const opt = make(params, maximize);
  const gen = new sg.Generator(11);
  for (let step = 0; step < 5; step++) {
    for (const p of params) {
      const g = sg.normal(p.shape, { dtype, generator: gen });
      p.grad = maximize ? g.neg() : g;
    }
    opt.step();
  }
  const states: object[] = [...(opt.state as Map<sg.Tensor, object>).values()];
  const state = states.flatMap((s) => Object.values(s).flatMap((v) => (v instanceof Float32Array || v instanceof Float64Array ? [...v] : [])));
  return [...params.flatMap((p) => [...p.data]), ...state];
}

const CASES: [string, Make][] = [
  ['SGD momentum 0.9', (p, maximize) => new SGD(p, { lr: 0.1, momentum: 0.9, maximize })],
  ['SGD momentum 0.5, dampening 0.25', (p, maximize) => new SGD(p, { lr: 0.05, momentum: 0.5, dampening: 0.25, maximize })],
  ['Adam', (p, maximize) => new Adam(p, { lr: 0.01, maximize })],
  ['Adam weightDecay 0.1', (p, maximize) => new Adam(p, { lr: 0.01, weightDecay: 0.1, maximize })],
  ['AdamW', (p, maximize) => new AdamW(p, { lr: 0.01, maximize })],
];

for (const [name, make] of CASES) {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const backend of ['js', 'wasm'] as const) {
      test(`${name} ${dtype} on the ${backend} kernels: the fast loop equals the general loop bit for bit`, () => {
        const prev = sg.useBackend(backend);
        try {
          const fast = run(make, dtype, false);
          const general = run(make, dtype, true);
          assert.is(fast.length, general.length);
          fast.forEach((v, i) => {
            if (!Object.is(v, general[i])) assert.unreachable(`element ${i}: fast ${v}, general ${general[i]}`);
          });
        } finally {
          sg.setKernels(prev);
        }
      });
    }
  }
}

test('a gradient set by hand as an int32 tensor takes the general loops (the kernels take float arrays), with the same result as its float32 copy', () => {
  for (const [name, make] of CASES) {
    const results = (['int32', 'float32'] as const).map((dtype) => {
      const p = sg.tensor([1, -2, 3, 0.5, 7], { requiresGrad: true });
      const opt = make([p], false);
      for (let step = 0; step < 3; step++) {
        p.grad = sg.tensor([2, -1, 0, 3, -4], { dtype });
        opt.step();
      }
      return [...p.data];
    });
    assert.equal(results[0], results[1], name);
  }
});

test('the state lives in pinned storage (the wasm kernels update it in place): float32 on the wasm backend, plain arrays for float64', () => {
  const prev = sg.useBackend('wasm');
  try {
    const [p32, p64] = [sg.ones([64], { requiresGrad: true }), sg.ones([64], { dtype: 'float64', requiresGrad: true })];
    const sgd = new SGD([p32, p64], { lr: 0.1, momentum: 0.9 });
    const adam = new Adam([p32], { lr: 0.1 });
    for (const p of [p32, p64]) p.grad = sg.onesLike(p);
    sgd.step();
    adam.step();
    assert.instance(sgd.state.get(p32)!.momentumBuffer!.buffer, SharedArrayBuffer);
    assert.instance(sgd.state.get(p64)!.momentumBuffer!.buffer, ArrayBuffer);
    assert.instance(adam.state.get(p32)!.expAvg.buffer, SharedArrayBuffer);
    assert.instance(adam.state.get(p32)!.expAvgSq.buffer, SharedArrayBuffer);
  } finally {
    sg.setKernels(prev);
  }
});

test.run();
