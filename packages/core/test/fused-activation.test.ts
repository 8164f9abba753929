// Activations fused into conv2d's and batchNorm's output (`activation: 'relu' | 'relu6'`): the kernels
// (each WebAssembly convolution strategy forced, and the reference) against the activation applied by
// the same kernels after the plain op, bit for bit, forward and every gradient; the ops against
// sg.relu / sg.relu6 after them on both backends, with float64 gradient checks, one against two
// threads, and their errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import { type FusedActivation, epilogueGrad } from '../src/kernels/fused.js';
import { putOutputGrad } from '../src/kernels/wasm/fused.js';
import { getEngine } from '../src/kernels/wasm/runtime.js';
import { type PoolGeometry, maxPool2dBackward } from '../src/kernels/pool.js';
import { type ConvStrategy, forceConvStrategy } from '../src/kernels/wasm/conv.js';
import { bits, rand } from './rounding.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { onOneAndTwoThreads } from './two-threads.js';

const ACTIVATIONS: FusedActivation[] = ['relu', 'relu6'];

/** The activation and its gradient by the kernels `K`, as the unfused ops run them. */
function composed(K: sg.Kernels, a: FusedActivation) {
  return {
    forward: (z: Float32Array, y: Float32Array) => (a === 'relu' ? K.reluForward(z, y) : K.hardtanhForward(z, y, 0, 6)),
    backward: (g: Float32Array, z: Float32Array, gz: Float32Array) => (a === 'relu' ? K.reluBackward(g, z, gz) : K.hardtanhBackward(g, z, gz, 0, 6)),
  };
}

/** Asserts the activation really cuts: some outputs at 0 (and at 6 for ReLU6), most not. */
function assertCuts(y: Float32Array, a: FusedActivation): void {
  const at = (v: number) => y.filter((u) => u === v).length;
  assert.ok(at(0) > y.length / 10 && at(0) < y.length / 2 + y.length / 4, `outputs at 0: ${at(0)} of ${y.length}`);
  if (a === 'relu6') assert.ok(at(6) > y.length / 20, `outputs at 6: ${at(6)} of ${y.length}`);
}

// ---- conv2d ------------------------------------------------------------------------------------------

interface Case { what: string; N: number; C: number; H: number; W: number; O: number; k: number; s?: number; pad?: number; groups?: number }

const cases: Case[] = [
  { what: '3×3, padding 1 (Winograd\'s shape)', N: 3, C: 5, H: 9, W: 8, O: 6, k: 3, pad: 1 },
  { what: '3×3 on a 2×2 map (dense\'s)', N: 4, C: 5, H: 2, W: 2, O: 6, k: 3, pad: 1 },
  { what: 'stride 2, unpadded', N: 2, C: 3, H: 11, W: 10, O: 4, k: 3, s: 2 },
  { what: 'pointwise', N: 3, C: 7, H: 5, W: 6, O: 4, k: 1 },
  { what: '2 groups', N: 2, C: 4, H: 6, W: 7, O: 6, k: 3, pad: 1, groups: 2 },
  { what: 'depthwise', N: 2, C: 4, H: 7, W: 9, O: 4, k: 3, pad: 1, groups: 4 },
];

function geometry(c: Case): ConvGeometry {
  const [s, p] = [c.s ?? 1, c.pad ?? 0];
  const out = (n: number) => Math.floor((n + 2 * p - c.k) / s) + 1;
  return {
    batch: c.N, channels: c.C, height: c.H, width: c.W, outChannels: c.O, kH: c.k, kW: c.k, strideH: s, strideW: s,
    padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups: c.groups ?? 1, outH: out(c.H), outW: out(c.W),
  };
}

const strategies: (ConvStrategy | null)[] = [null, 'image', 'folded', 'dense', 'winograd'];

for (const c of cases) {
  const g = geometry(c);
  const n = c.N * c.O * g.outH * g.outW;
  const rows = (c.C / (c.groups ?? 1)) * c.k * c.k;
  // Weights scaled so that a good share of the outputs passes 6 too.
  const x = rand(c.N * c.C * c.H * c.W, 31), w = rand(c.O * rows, 32).map((v) => (v * 24) / Math.sqrt(rows));
  const bias = rand(c.O, 33), grad = rand(n, 34);
  for (const K of [sg.jsKernels, sg.wasmKernels]) {
    for (const how of K === sg.wasmKernels ? strategies : [null]) {
      for (const a of ACTIVATIONS) {
        test(`${K.name}${how === null ? '' : ` (${how})`} conv + ${a}, ${c.what}: the same bits as ${a} after the convolution, forward and gradients`, () => {
          const prev = forceConvStrategy(how);
          try {
            const act = composed(K, a);
            const z = new Float32Array(n), y = new Float32Array(n).fill(NaN), want = new Float32Array(n);
            K.conv2dForward(x, g, w, bias, z);
            act.forward(z, want);
            K.conv2dForward(x, g, w, bias, y, a);
            assert.equal(bits(y), bits(want), 'forward');
            assertCuts(y, a);
            const dz = new Float32Array(n);
            act.backward(grad, z, dz);
            const expected = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
            K.conv2dBackward(dz, x, g, w, expected[0], expected[1], expected[2]);
            const fused = { activation: a, pool: null, out: y };
            const got = [new Float32Array(x.length).fill(NaN), new Float32Array(w.length).fill(NaN), new Float32Array(c.O).fill(NaN)];
            K.conv2dBackward(grad, x, g, w, got[0], got[1], got[2], fused);
            assert.equal(got.map(bits), expected.map(bits), 'all three gradients');
            // Each on its own, as a layer with frozen parts asks for them.
            const alone = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
            K.conv2dBackward(grad, x, g, w, alone[0], null, null, fused);
            K.conv2dBackward(grad, x, g, w, null, alone[1], null, fused);
            K.conv2dBackward(grad, x, g, w, null, null, alone[2], fused);
            assert.equal(alone.map(bits), expected.map(bits), 'each gradient alone');
          } finally {
            forceConvStrategy(prev);
          }
        });
      }
    }
  }
}

// ---- conv2d + activation + max pooling -----------------------------------------------------------------

/** The pooling of a convolution's output planes over windows `[kH, kW]` (stride the window). */
function poolOf(g: ConvGeometry, [kH, kW]: [number, number]): PoolGeometry {
  return {
    planes: g.batch * g.outChannels, height: g.outH, width: g.outW, kH, kW, strideH: kH, strideW: kW, padH: 0, padW: 0,
    outH: Math.floor(g.outH / kH), outW: Math.floor(g.outW / kW),
  };
}

for (const c of cases.filter((k) => k.what !== '3×3 on a 2×2 map (dense\'s)')) {
  const g = geometry(c);
  const n = c.N * c.O * g.outH * g.outW;
  const rows = (c.C / (c.groups ?? 1)) * c.k * c.k;
  const x = rand(c.N * c.C * c.H * c.W, 71), w = rand(c.O * rows, 72).map((v) => (v * 24) / Math.sqrt(rows));
  const bias = rand(c.O, 73);
  for (const K of [sg.jsKernels, sg.wasmKernels]) {
    for (const how of K === sg.wasmKernels ? strategies : [null]) {
      for (const a of [null, ...ACTIVATIONS]) {
        for (const [window, first] of [[[2, 2], false], [[3, 2], false], [[2, 2], true]] as [[number, number], boolean][]) {
          const order = first ? `${window.join('×')} max pooling + ${a ?? 'no activation'}` : `${a ?? 'no activation'} + ${window.join('×')} max pooling`;
          test(`${K.name}${how === null ? '' : ` (${how})`} conv + ${order}, ${c.what}: the same bits as the three ops, forward and gradients`, () => {
            const prev = forceConvStrategy(how);
            try {
              const p = poolOf(g, window);
              const m = p.planes * p.outH * p.outW;
              const grad = rand(m, 74);
              // Unfused: the convolution (with its activation, tested above, unless the pooling goes first), pooling, their gradients.
              const z = new Float32Array(n), want = new Float32Array(m), wantArg = new Int32Array(m);
              K.conv2dForward(x, g, w, bias, z, first ? null : a);
              K.maxPool2dForward(z, p, want, wantArg);
              const pooled = want.slice();
              if (first && a !== null) composed(K, a).forward(pooled, want);
              const out = new Float32Array(m).fill(NaN), argmax = new Int32Array(m).fill(-1);
              K.conv2dPooledForward(x, g, w, bias, a, p, first, out, argmax);
              assert.equal([bits(out), Array.from(argmax)], [bits(want), Array.from(wantArg)], 'forward');
              const dz = new Float32Array(n);
              if (first) {
                const dp = grad.slice();
                if (a !== null) composed(K, a).backward(grad, pooled, dp);
                maxPool2dBackward(dp, wantArg, p, dz);
              } else {
                maxPool2dBackward(grad, wantArg, p, dz);
                if (a !== null) composed(K, a).backward(dz.slice(), z, dz);
              }
              const expected = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
              K.conv2dBackward(dz, x, g, w, expected[0], expected[1], expected[2]);
              const fused = { activation: a, pool: { geometry: p, argmax, first }, out };
              const got = [new Float32Array(x.length).fill(NaN), new Float32Array(w.length).fill(NaN), new Float32Array(c.O).fill(NaN)];
              K.conv2dBackward(grad, x, g, w, got[0], got[1], got[2], fused);
              assert.equal(got.map(bits), expected.map(bits), 'gradients');
              // The convolution's output gradient itself, signed zeros included (the sums above would hide them).
              const dzFused = K === sg.jsKernels ? epilogueGrad(fused, grad) : putOutputGrad(getEngine(), grad, fused, n).host();
              assert.equal(bits(dzFused as Float32Array), bits(dz), 'the output gradient');
              // The signed zeros of ReLU's masked gradients differ by order: the test must see some.
              if (a === 'relu' && window[0] === 2) assert.ok(bits(dz).some((v) => v === 0x80000000) !== first, 'masked negative gradients give −0 only with the pooling after ReLU');
            } finally {
              forceConvStrategy(prev);
            }
          });
        }
      }
    }
  }
}

// ---- batchNorm ---------------------------------------------------------------------------------------

for (const K of [sg.jsKernels, sg.wasmKernels]) {
  for (const a of ACTIVATIONS) {
    for (const training of [true, false]) {
      // [8, 6, 12, 12]: past the wasm kernels' 4 096-element threshold.
      test(`${K.name} batchNorm + ${a} (${training ? 'training' : 'eval'}): the same bits as ${a} after batchNorm, forward, statistics and gradients`, () => {
        const [n, c, s] = [8, 6, 144];
        const x = rand(n * c * s, 60), weight = rand(c, 61).map((v) => 12 * v), bias = rand(c, 62), grad = rand(n * c * s, 63);
        const stats = () => {
          const [mean, variance, invstd] = [new Float64Array(c), new Float64Array(c), new Float64Array(c)];
          if (!training) for (let ch = 0; ch < c; ch++) [mean[ch], invstd[ch]] = [0.1 * ch, 1 / Math.sqrt(0.05 + 0.1 * ch)];
          return [mean, variance, invstd];
        };
        const act = composed(K, a);
        const [m0, v0, i0] = stats(), [m1, v1, i1] = stats();
        const z = new Float32Array(x.length), want = new Float32Array(x.length), y = new Float32Array(x.length).fill(NaN);
        K.batchNormForward(x, n, c, s, training, 1e-5, m0, v0, i0, weight, bias, z);
        act.forward(z, want);
        K.batchNormForward(x, n, c, s, training, 1e-5, m1, v1, i1, weight, bias, y, a);
        assert.equal(bits(y), bits(want), 'forward');
        assert.equal([Array.from(m1), Array.from(v1), Array.from(i1)], [Array.from(m0), Array.from(v0), Array.from(i0)], 'statistics');
        assertCuts(y, a);
        const dz = new Float32Array(x.length);
        act.backward(grad, z, dz);
        const [sg0, sc0, gx0] = [new Float64Array(c), new Float64Array(c), new Float32Array(x.length)];
        K.batchNormBackward(dz, x, n, c, s, m0, i0, weight, training, sg0, sc0, gx0);
        const [sg1, sc1, gx1] = [new Float64Array(c), new Float64Array(c), new Float32Array(x.length).fill(NaN)];
        K.batchNormBackward(grad, x, n, c, s, m1, i1, weight, training, sg1, sc1, gx1, { activation: a, pool: null, out: y });
        assert.equal([bits(gx1), Array.from(sg1), Array.from(sc1)], [bits(gx0), Array.from(sg0), Array.from(sc0)], 'gradients');
      });
    }
  }
}

// ---- the ops -----------------------------------------------------------------------------------------

/** A fused op and the activation after the unfused op: output, gradients and buffers, as bits. */
function opPair(run: (fused: FusedActivation | null, a: FusedActivation) => sg.Tensor[], a: FusedActivation): [number[][], number[][]] {
  const asBits = (ts: sg.Tensor[]) => ts.map((t) => bits(Float32Array.from(t.data)));
  return [asBits(run(a, a)), asBits(run(null, a))];
}

const after = (a: FusedActivation, t: sg.Tensor) => (a === 'relu' ? sg.relu(t) : sg.relu6(t));

for (const backend of ['js', 'wasm'] as const) {
  test(`${backend}: conv2d(…, { activation }) equals relu / relu6 after conv2d, bit for bit, output and gradients (padding modes, stride, an unbatched input)`, () => {
    const prev = sg.useBackend(backend);
    try {
      for (const a of ACTIVATIONS) {
        for (const [opts, shape] of [
          [{ padding: 1 }, [2, 3, 9, 10]],
          [{ padding: [1, 2, 0, 1], padMode: 'reflect' }, [2, 3, 7, 6]],
          [{ stride: 2 }, [3, 3, 12, 11]],
          [{ padding: 1 }, [3, 8, 8]],
        ] as [sg.Conv2dOptions, number[]][]) {
          const run = (fused: FusedActivation | null) => {
            const x = new sg.Tensor(rand(shape.reduce((p, q) => p * q), 40), shape, true);
            const w = new sg.Tensor(rand(6 * 3 * 3 * 3, 41).map((v) => 4 * v), [6, 3, 3, 3], true);
            const b = new sg.Tensor(rand(6, 42), [6], true);
            const y = fused === null ? after(a, sg.conv2d(x, w, { ...opts, bias: b })) : sg.conv2d(x, w, { ...opts, bias: b, activation: fused });
            y.backward(new sg.Tensor(rand(y.size, 43), y.shape));
            return [y, x.grad!, w.grad!, b.grad!];
          };
          const [fused, plain] = opPair(run, a);
          assert.equal(fused, plain, `${a} ${JSON.stringify(opts)}`);
        }
      }
    } finally {
      sg.setKernels(prev);
    }
  });

  test(`${backend}: batchNorm(…, { activation }) equals relu / relu6 after batchNorm, bit for bit, output, gradients and running statistics`, () => {
    const prev = sg.useBackend(backend);
    try {
      for (const a of ACTIVATIONS) {
        for (const training of [true, false]) {
          const run = (fused: FusedActivation | null) => {
            const x = new sg.Tensor(rand(8 * 5 * 11 * 10, 44), [8, 5, 11, 10], true);
            const w = new sg.Tensor(rand(5, 45).map((v) => 4 * v), [5], true);
            const b = new sg.Tensor(rand(5, 46), [5], true);
            const [rm, rv] = [sg.zeros([5]), sg.ones([5])];
            const opts = { weight: w, bias: b, training };
            const y = fused === null ? after(a, sg.batchNorm(x, rm, rv, opts)) : sg.batchNorm(x, rm, rv, { ...opts, activation: fused });
            y.backward(new sg.Tensor(rand(y.size, 47), y.shape));
            return [y, x.grad!, w.grad!, b.grad!, rm, rv];
          };
          const [fused, plain] = opPair(run, a);
          assert.equal(fused, plain, `${a}, training ${training}`);
        }
      }
    } finally {
      sg.setKernels(prev);
    }
  });
}

for (const backend of ['js', 'wasm'] as const) {
  test(`${backend}: conv2d(…, { activation, maxPool, poolBeforeActivation }) equals maxPool2d and the activation after conv2d in either order, bit for bit, output and gradients`, () => {
    const prev = sg.useBackend(backend);
    try {
      for (const a of ['none', ...ACTIVATIONS] as const) {
        for (const [opts, shape, k] of [
          [{ padding: 1 }, [2, 3, 9, 10], 2],
          [{ stride: 2 }, [3, 3, 14, 13], [3, 2]],
          [{ padding: 1 }, [3, 8, 8], 2],
        ] as [sg.Conv2dOptions, number[], number | [number, number]][]) {
          const run = (fused: boolean, first: boolean) => {
            const x = new sg.Tensor(rand(shape.reduce((p, q) => p * q), 80), shape, true);
            const w = new sg.Tensor(rand(6 * 3 * 3 * 3, 81).map((v) => 4 * v), [6, 3, 3, 3], true);
            const b = new sg.Tensor(rand(6, 82), [6], true);
            const act = (t: sg.Tensor) => (a === 'none' ? t : after(a, t));
            const conv = fused ? sg.conv2d(x, w, { ...opts, bias: b, activation: a, maxPool: k, poolBeforeActivation: first }) : sg.conv2d(x, w, { ...opts, bias: b });
            const y = fused ? conv : first ? act(sg.maxPool2d(conv, k)) : sg.maxPool2d(act(conv), k);
            y.backward(new sg.Tensor(rand(y.size, 83), y.shape));
            return [y, x.grad!, w.grad!, b.grad!].map((t) => bits(t.data as Float32Array));
          };
          for (const first of [false, true]) {
            assert.equal(run(true, first), run(false, first), `${a} ${JSON.stringify(opts)} maxPool ${JSON.stringify(k)}${first ? ', pooled first' : ''}`);
          }
        }
      }
    } finally {
      sg.setKernels(prev);
    }
  });
}

test('conv2d with fused max pooling: float64 gradient check, and its name', () => {
  const x = randLeaf([2, 3, 6, 6], 11), w = randLeaf([4, 3, 3, 3], 12, 2), b = randLeaf([4], 13);
  const y = sg.noGrad(() => sg.conv2d(x, w, { bias: b, padding: 1 }));
  // Away from ReLU's kink, and each window's two largest apart, so a small step moves no winner.
  assert.ok(Array.from(y.data).every((v) => Math.abs(v) > 1e-3), 'no output at the kink');
  for (let i = 0; i < y.size; i += 2) {
    if (Math.floor(i / 6) % 2 === 1) continue;
    const win = [i, i + 1, i + 6, i + 7].map((j) => y.data[j]).sort((p, q) => q - p);
    assert.ok(win[0] - win[1] > 1e-3, `window at ${i}: the two largest are apart`);
  }
  gradcheck((xi, wi, bi) => sg.conv2d(xi, wi, { bias: bi, padding: 1, activation: 'relu', maxPool: 2 }), [x, w, b], { maxPerInput: 60 });
  assert.is(sg.conv2d(x, w, { padding: 1, activation: 'relu6', maxPool: 2 }).gradFn?.op, 'conv2d+relu6+maxPool2d');
  assert.is(sg.conv2d(x, w, { padding: 1, activation: 'relu', maxPool: 2, poolBeforeActivation: true }).gradFn?.op, 'conv2d+maxPool2d+relu');
  throwsWith(() => sg.conv2d(x, w, { maxPool: 2, poolBeforeActivation: 1 as unknown as boolean }), sg.ArgumentError, /^conv2d: poolBeforeActivation must be/);
  assert.is(sg.conv2d(x, w, { padding: 1, maxPool: [2, 3] }).shape.join(','), '2,4,3,2');
});

test('the fused ops record as conv2d+relu, batchNorm+relu6, …; activation \'none\' is the plain op', () => {
  const x = randLeaf([2, 3, 6, 6], 1), w = randLeaf([4, 3, 3, 3], 2);
  assert.equal(ACTIVATIONS.map((a) => sg.conv2d(x, w, { activation: a }).gradFn?.op), ['conv2d+relu', 'conv2d+relu6']);
  assert.equal(ACTIVATIONS.map((a) => sg.batchNorm(x, null, null, { training: true, activation: a }).gradFn?.op), ['batchNorm+relu', 'batchNorm+relu6']);
  assert.is(sg.conv2d(x, w, { activation: 'none' }).gradFn?.op, 'conv2d');
  assert.is(sg.batchNorm(x, null, null, { training: true, activation: 'none' }).gradFn?.op, 'batchNorm');
});

test('conv2d and batchNorm with a fused activation: float64 gradient checks (input, weight and bias)', () => {
  // Inputs away from the kinks at 0 and 6: central differences would straddle them otherwise.
  const away = (t: sg.Tensor) => Array.from(t.data).every((v) => Math.abs(v) > 1e-3 && Math.abs(v - 6) > 1e-3);
  const x = randLeaf([2, 3, 5, 5], 5), w = randLeaf([4, 3, 3, 3], 6, 2), b = randLeaf([4], 7);
  assert.ok(away(sg.noGrad(() => sg.conv2d(x, w, { bias: b, padding: 1 }))), 'no conv output at a kink');
  for (const a of ACTIVATIONS) gradcheck((xi, wi, bi) => sg.conv2d(xi, wi, { bias: bi, padding: 1, activation: a }), [x, w, b], { maxPerInput: 60 });
  const xb = randLeaf([4, 3, 3, 3], 8), wb = randLeaf([3], 9, 4), bb = randLeaf([3], 10);
  assert.ok(away(sg.noGrad(() => sg.batchNorm(xb, null, null, { weight: wb, bias: bb, training: true }))), 'no batchNorm output at a kink');
  for (const a of ACTIVATIONS) {
    gradcheck((xi, wi, bi) => sg.batchNorm(xi, null, null, { weight: wi, bias: bi, training: true, activation: a }), [xb, wb, bb], { maxPerInput: 60 });
  }
});

test('one and two threads give the same bits for conv + ReLU6, conv + ReLU + pooling and batchNorm + ReLU (forward and gradients)', () => {
  const run = () => {
    const x = new sg.Tensor(rand(4 * 16 * 12 * 12, 50), [4, 16, 12, 12], true);
    const w = new sg.Tensor(rand(32 * 16 * 9, 51).map((v) => v / 2), [32, 16, 3, 3], true);
    const b = new sg.Tensor(rand(32, 52), [32], true);
    const z = sg.conv2d(x, w, { bias: b, padding: 1, activation: 'relu6' });
    const w2 = new sg.Tensor(rand(32 * 32 * 9, 54).map((v) => v / 3), [32, 32, 3, 3], true);
    const pooled = sg.conv2d(z, w2, { padding: 1, activation: 'relu', maxPool: 2 });
    const y = sg.batchNorm(pooled, null, null, { training: true, activation: 'relu' });
    y.backward(new sg.Tensor(rand(y.size, 53), y.shape));
    return [y, x.grad!, w.grad!, b.grad!, w2.grad!].map((t) => bits(t.data as Float32Array));
  };
  const [one, two, racing] = onOneAndTwoThreads(run);
  assert.equal(two, one);
  assert.equal(racing, one);
});

test('an unknown activation is an error, and a fused op refuses an output changed in place before backward', () => {
  const x = randLeaf([1, 2, 4, 4], 8), w = randLeaf([3, 2, 3, 3], 9);
  throwsWith(() => sg.conv2d(x, w, { activation: 'gelu' as 'relu' }), sg.ArgumentError, /^conv2d: activation must be 'none' or 'relu' or 'relu6', got 'gelu'/);
  throwsWith(() => sg.batchNorm(x, null, null, { training: true, activation: 'tanh' as 'relu' }), sg.ArgumentError, /^batchNorm: activation must be 'none' or 'relu' or 'relu6', got 'tanh'/);
  const y = sg.conv2d(x, w, { activation: 'relu' });
  y.data.fill(1);
  y.bumpVersion();
  throwsWith(() => y.sum().backward(), sg.AutogradError, "backward: the output (shape [1, 3, 2, 2]) of op 'conv2d+relu' was modified in place after the op ran (version 0, now 1), so its gradient would be computed from the new values");
  throwsWith(() => sg.conv2d(x, w, { maxPool: 3 }), sg.ShapeError, "conv2d: maxPool window [3, 3] is larger than the convolution's 2x2 output (input [1, 2, 4, 4], weight [3, 2, 3, 3])");
  throwsWith(() => sg.conv2d(x, w, { maxPool: 0 }), sg.ArgumentError, /^conv2d: maxPool must be/);
  throwsWith(() => sg.conv2d(x, w, { activation: 'relu', poolBeforeActivation: true }), sg.ArgumentError, "conv2d: poolBeforeActivation needs maxPool: there is no pooling to put first (input [1, 2, 4, 4], weight [3, 2, 3, 3])");
  const pooled = sg.conv2d(x, w, { maxPool: 2 });
  pooled.bumpVersion();
  throwsWith(() => pooled.sum().backward(), sg.AutogradError, /^backward: the output \(shape \[1, 3, 1, 1\]\) of op 'conv2d\+maxPool2d' was modified in place/);
  const z = sg.batchNorm(x, null, null, { training: true, activation: 'relu6' });
  z.bumpVersion();
  throwsWith(() => z.sum().backward(), sg.AutogradError, /^backward: the output \(shape \[1, 2, 4, 4\]\) of op 'batchNorm\+relu6' was modified in place/);
});

test.run();
