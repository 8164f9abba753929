// conv2d with a fused ReLU (`activation: 'relu'`): the kernels (each WebAssembly strategy forced, and
// the reference) against ReLU applied by the same kernels after the plain convolution, bit for bit,
// forward and every gradient; the op against sg.relu(sg.conv2d(...)) on both backends, with a float64
// gradient check, one against two threads, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import { type ConvStrategy, forceConvStrategy } from '../src/kernels/wasm/conv.js';
import { chunksByWorkers, setWorkersOnly } from '../src/kernels/wasm/runtime.js';
import { bits, rand } from './rounding.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

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
  const x = rand(c.N * c.C * c.H * c.W, 31), w = rand(c.O * (c.C / (c.groups ?? 1)) * c.k * c.k, 32);
  const bias = rand(c.O, 33), grad = rand(n, 34);
  for (const K of [sg.jsKernels, sg.wasmKernels]) {
    for (const how of K === sg.wasmKernels ? strategies : [null]) {
      test(`${K.name}${how === null ? '' : ` (${how})`} conv + ReLU, ${c.what}: the same bits as ReLU after the convolution, forward and gradients`, () => {
        const prev = forceConvStrategy(how);
        try {
          const z = new Float32Array(n), y = new Float32Array(n).fill(NaN), composed = new Float32Array(n);
          K.conv2dForward(x, g, w, bias, z);
          K.reluForward(z, composed);
          K.conv2dForward(x, g, w, bias, y, true);
          assert.equal(bits(y), bits(composed), 'forward');
          const zeros = y.filter((v) => v === 0).length;
          assert.ok(zeros > n / 5 && zeros < n - n / 5, `the ReLU cuts a real share of the outputs (${zeros} of ${n})`);
          const dz = new Float32Array(n);
          K.reluBackward(grad, z, dz);
          const want = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
          K.conv2dBackward(dz, x, g, w, want[0], want[1], want[2]);
          const got = [new Float32Array(x.length).fill(NaN), new Float32Array(w.length).fill(NaN), new Float32Array(c.O).fill(NaN)];
          K.conv2dBackward(grad, x, g, w, got[0], got[1], got[2], y);
          assert.equal(got.map(bits), want.map(bits), 'all three gradients');
          // Each on its own, as a layer with frozen parts asks for them.
          const alone = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
          K.conv2dBackward(grad, x, g, w, alone[0], null, null, y);
          K.conv2dBackward(grad, x, g, w, null, alone[1], null, y);
          K.conv2dBackward(grad, x, g, w, null, null, alone[2], y);
          assert.equal(alone.map(bits), want.map(bits), 'each gradient alone');
        } finally {
          forceConvStrategy(prev);
        }
      });
    }
  }
}

/** sg.conv2d with the fused ReLU and sg.relu after sg.conv2d: output and the three gradients, as bits. */
function opPair(opts: sg.Conv2dOptions, xShape: number[], seed: number): [number[][], number[][]] {
  const run = (fused: boolean) => {
    const x = new sg.Tensor(rand(xShape.reduce((a, b) => a * b), seed), xShape, true);
    const w = new sg.Tensor(rand(6 * 3 * 3 * 3, seed + 1), [6, 3, 3, 3], true);
    const b = new sg.Tensor(rand(6, seed + 2), [6], true);
    const y = fused ? sg.conv2d(x, w, { ...opts, bias: b, activation: 'relu' }) : sg.relu(sg.conv2d(x, w, { ...opts, bias: b }));
    y.backward(new sg.Tensor(rand(y.size, seed + 3), y.shape));
    return [y, x.grad!, w.grad!, b.grad!].map((t) => bits(t.data as Float32Array));
  };
  return [run(true), run(false)];
}

for (const backend of ['js', 'wasm'] as const) {
  test(`${backend}: conv2d(…, { activation: 'relu' }) equals relu(conv2d(…)) bit for bit, output and gradients (padding modes, stride, an unbatched input)`, () => {
    const prev = sg.useBackend(backend);
    try {
      for (const [opts, shape] of [
        [{ padding: 1 }, [2, 3, 9, 10]],
        [{ padding: [1, 2, 0, 1], padMode: 'reflect' }, [2, 3, 7, 6]],
        [{ stride: 2 }, [3, 3, 12, 11]],
        [{ padding: 1 }, [3, 8, 8]],
      ] as [sg.Conv2dOptions, number[]][]) {
        const [fused, composed] = opPair(opts, shape, 40);
        assert.equal(fused, composed, JSON.stringify(opts));
      }
    } finally {
      sg.setKernels(prev);
    }
  });
}

test('the fused op records as conv2d+relu; activation \'none\' is the plain convolution', () => {
  const x = randLeaf([2, 3, 6, 6], 1), w = randLeaf([4, 3, 3, 3], 2);
  assert.is(sg.conv2d(x, w, { activation: 'relu' }).gradFn?.op, 'conv2d+relu');
  assert.is(sg.conv2d(x, w, { activation: 'none' }).gradFn?.op, 'conv2d');
  assert.equal(Array.from(sg.conv2d(x, w, { activation: 'none' }).data), Array.from(sg.conv2d(x, w).data));
});

test('conv2d + relu gradcheck (float64): input, weight and bias', () => {
  // Inputs away from ReLU's kink: the central differences would straddle it otherwise.
  const x = randLeaf([2, 3, 5, 5], 5), w = randLeaf([4, 3, 3, 3], 6), b = randLeaf([4], 7);
  const y = sg.noGrad(() => sg.conv2d(x, w, { bias: b, padding: 1 }));
  assert.ok(Array.from(y.data).every((v) => Math.abs(v) > 1e-3), 'no output at the kink');
  gradcheck((xi, wi, bi) => sg.conv2d(xi, wi, { bias: bi, padding: 1, activation: 'relu' }), [x, w, b], { maxPerInput: 60 });
});

test('one and two threads give the same bits for the fused conv + ReLU (forward and gradients)', () => {
  const run = () => {
    const x = new sg.Tensor(rand(4 * 16 * 12 * 12, 50), [4, 16, 12, 12], true);
    const w = new sg.Tensor(rand(32 * 16 * 9, 51), [32, 16, 3, 3], true);
    const b = new sg.Tensor(rand(32, 52), [32], true);
    const y = sg.conv2d(x, w, { bias: b, padding: 1, activation: 'relu' });
    y.backward(new sg.Tensor(rand(y.size, 53), y.shape));
    return [y, x.grad!, w.grad!, b.grad!].map((t) => bits(t.data as Float32Array));
  };
  const prevKernels = sg.useBackend('wasm');
  const prev = sg.setWasmThreads(1);
  try {
    const one = run();
    sg.setWasmThreads(2, { minFlops: 0 });
    assert.ok(setWorkersOnly(true), 'a pool exists');
    const before = chunksByWorkers();
    const two = run();
    assert.ok(chunksByWorkers() > before, 'the workers ran the chunks');
    assert.equal(two, one);
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
    sg.setKernels(prevKernels);
  }
});

test('conv2d rejects an unknown activation, and the fused op refuses an output changed in place before backward', () => {
  const x = randLeaf([1, 2, 4, 4], 8), w = randLeaf([3, 2, 3, 3], 9);
  throwsWith(() => sg.conv2d(x, w, { activation: 'gelu' as 'relu' }), sg.ArgumentError, /^conv2d: activation must be 'none' or 'relu', got 'gelu'/);
  const y = sg.conv2d(x, w, { activation: 'relu' });
  y.data.fill(1);
  y.bumpVersion();
  throwsWith(() => y.sum().backward(), sg.AutogradError, "backward: the output (shape [1, 3, 2, 2]) of op 'conv2d+relu' was modified in place after the op ran (version 0, now 1), so its gradient would be computed from the new values");
});

test.run();
