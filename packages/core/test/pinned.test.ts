// Pinned storage (allocatePinned): float32 arrays in the WebAssembly backend's memory, which its
// kernels read (weights, biases, GEMM operands) and update (optimizer state) in place instead of
// copying. Checked: what is pinned and what is not, that kernels give the same bits with pinned
// operands as with plain copies on one and two threads and never write a pinned operand they only
// read, that the scratch regions never reach a pinned block (nor memory growth detach it), that a
// freed block is reused zero-filled, and that an array pinned in an engine since replaced (the
// thread count changed) is an ordinary operand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import { type AdamStepConstants } from '../src/kernels/optim.js';
import { type ConvStrategy, forceConvStrategy } from '../src/kernels/wasm/conv.js';
import { Engine, align, scratchBase } from '../src/kernels/wasm/engine.js';
import { SEGMENT } from '../src/kernels/wasm/optim.js';
import { TRANSIENT_PIN_BYTES, getEngine, pinnedFloat32, releasePinned } from '../src/kernels/wasm/runtime.js';
import { onOneAndTwoThreads } from './two-threads.js';
import { bits, rand } from './rounding.js';
import { throwsWith } from './throws.js';

/** A pinned copy of `a`, in the current engine (asserted: else a comparison with plain copies proves nothing). */
function pinned(a: Float32Array): Float32Array {
  const p = sg.allocatePinned('float32', a.length) as Float32Array;
  assert.ok(getEngine().pinnedAddress(p) >= 0, 'pinned in the engine the kernels use');
  p.set(a);
  return p;
}

/** Runs `fn` on the wasm backend, restoring the kernels after. */
function onWasm<T>(fn: () => T): T {
  const prev = sg.useBackend('wasm');
  try {
    return fn();
  } finally {
    sg.setKernels(prev);
  }
}

test('allocatePinned: zeroed float32 arrays that the wasm engine holds, plain arrays for other dtypes, the js backend, and typed errors', () => {
  onWasm(() => {
    const a = sg.allocatePinned('float32', 1000) as Float32Array;
    assert.instance(a, Float32Array);
    assert.is(a.length, 1000);
    assert.ok(a.every((v) => v === 0));
    assert.instance(a.buffer, SharedArrayBuffer, 'a view into the shared memory');
    assert.ok(getEngine().pinnedAddress(a) >= 0, 'the engine knows its address');
    assert.is(getEngine().pinnedAddress(a.subarray(1)), -1, 'a part of it is not an operand the kernels take in place');
    const d = sg.allocatePinned('float64', 10);
    assert.instance(d, Float64Array);
    assert.instance(d.buffer, ArrayBuffer);
    assert.instance(sg.allocatePinned('int32', 3), Int32Array);
    assert.is(sg.allocatePinned('float32', 0).length, 0);
  });
  const prev = sg.useBackend('js');
  try {
    const j = sg.allocatePinned('float32', 8);
    assert.instance(j, Float32Array);
    assert.instance(j.buffer, ArrayBuffer, 'the js kernels copy nothing: a plain array');
  } finally {
    sg.setKernels(prev);
  }
  throwsWith(() => sg.allocatePinned('float32', -1), sg.ArgumentError, 'allocatePinned: n must be a non-negative integer, got -1');
  throwsWith(() => sg.allocatePinned('float32', 2.5), sg.ArgumentError, 'allocatePinned: n must be a non-negative integer, got 2.5');
  throwsWith(() => sg.allocatePinned('float16' as sg.DType, 2), sg.DTypeError, "allocatePinned: unknown dtype 'float16' (known: float32, float64, int32)");
  // Too big to pin or to allocate at all: allocate's typed error, on either backend, not a bare RangeError.
  for (const backend of ['wasm', 'js'] as const) {
    const before = sg.useBackend(backend);
    try {
      throwsWith(() => sg.allocatePinned('float32', 2 ** 33), sg.ArgumentError,
        'allocate: cannot allocate 8589934592 float32 elements (34359738368 bytes): more than a typed array can hold or memory allows');
    } finally {
      sg.setKernels(before);
    }
  }
});

test('an engine pins blocks below its scratch, which moves up past them; a freed block is reused, zero-filled; no block past half the memory; unshared memory pins nothing', () => {
  const e = new Engine(true);
  const start = e.scratch;
  const a = e.allocatePinned(100) as Float32Array;
  assert.is(e.pinnedAddress(a), start);
  assert.is(e.scratch, start + 448, '400 bytes, rounded up to cache lines');
  const b = e.allocatePinned(16) as Float32Array;
  assert.is(e.pinnedAddress(b), start + 448);
  a.fill(7);
  e.freePinned(start);
  const c = e.allocatePinned(50) as Float32Array;
  assert.is(e.pinnedAddress(c), start, 'the first freed block big enough');
  assert.throws(() => e.freePinned(start + 1), /no pinned block at/, 'only a block in use can be freed');
  assert.ok(c.every((v) => v === 0), 'zero-filled');
  const d = e.allocatePinned(40) as Float32Array;
  assert.is(e.pinnedAddress(d), start + 256, "the rest of the freed block");
  assert.is(e.scratch, start + 512, 'no new block taken from the scratch');
  assert.is(e.place(e.scratch, d, 2, 30), e.pinnedAddress(d) + 8, 'a pinned operand is read in place');
  assert.is(e.place(e.scratch, new Float32Array(40), 2, 30), e.scratch, 'any other is copied into the region');
  assert.is(e.allocatePinned(2 ** 28), null, 'a 1 GB block: past half the memory, which the scratch keeps');
  assert.is(e.allocatePinned(2 ** 30 + 1), null, 'past 4 GB: its size does not wrap round to a small one');
  assert.is(align(2 ** 32 + 1), 2 ** 32 + 64, 'byte counts round up in float arithmetic, not 32-bit masks');
  assert.is(e.scratch, start + 512, 'nothing taken');
  assert.is(new Engine(false).allocatePinned(10), null, 'an unshared memory detaches its views when it grows');
});

test('an engine merges freed neighbours and gives a block that ends at the scratch back to it; release frees an array at once and unpins it', () => {
  const e = new Engine(true);
  const start = e.scratch;
  const [a, b, c, d] = [100, 100, 100, 16].map((n) => e.allocatePinned(n) as Float32Array);
  assert.equal([a, b, c, d].map((p) => e.pinnedAddress(p) - start), [0, 448, 896, 1344]);
  e.release(a);
  assert.is(e.pinnedAddress(a), -1, 'released: no longer pinned');
  e.release(c);
  e.release(b); // between two free blocks: the three make one
  const big = e.allocatePinned(300) as Float32Array;
  assert.is(e.pinnedAddress(big), start, 'a block of a, b and c together');
  assert.is(e.scratch, start + 1408);
  e.release(d);
  assert.is(e.scratch, start + 1216, 'the last block went back to the scratch, with the free rest of a, b and c before it');
  e.release(big);
  assert.is(e.scratch, start, 'and the merged one below it too');
  assert.throws(() => e.release(big), /did not pin/);
  assert.throws(() => e.release(new Float32Array(4)), /did not pin/);
});

const convCases: [string, ConvGeometry][] = [
  ['3×3 on 9×8 maps', { batch: 3, channels: 5, height: 9, width: 8, outChannels: 6, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: 9, outW: 8 }],
  ['3×3 on 2×2 maps', { batch: 12, channels: 8, height: 2, width: 2, outChannels: 8, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: 2, outW: 2 }],
  ['depthwise', { batch: 2, channels: 6, height: 7, width: 7, outChannels: 6, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 6, outH: 4, outW: 4 }],
];

for (const [what, g] of convCases) {
  test(`conv ${what}: pinned operands (input, weight, bias, output gradient, a fused ReLU's output) read in place and left unchanged, pinned results holding old values (output, input, weight and bias gradients) written in place, give the bits of plain copies under every strategy, on one and two threads`, () => {
    const { batch: N, channels: C, outChannels: O, groups = 1 } = g;
    const len = g.outH * g.outW;
    const x = rand(N * C * g.height * g.width, 1), w = rand(O * (C / groups) * 9, 2), b = rand(O, 3), gy = rand(N * O * len, 4);
    const strategies: (ConvStrategy | null)[] = [null, 'image', 'folded', 'dense', 'winograd'];
    const run = (): number[][] => strategies.flatMap((how) => {
      const prev = forceConvStrategy(how);
      try {
        return [false, true].flatMap((pin) => {
          const copy = (a: Float32Array): Float32Array => (pin ? pinned(a) : a.slice());
          // A pinned result holds old values (as a block a tidy scope or a parameter's last gradient
          // gave back does): every element must be written. A plain one is zeros.
          const result = (n: number, seed: number): Float32Array => (pin ? pinned(rand(n, seed)) : new Float32Array(n));
          const [xk, wk, bk, gyk] = [copy(x), copy(w), copy(b), copy(gy)];
          const [y, yRelu] = [result(N * O * len, 7), result(N * O * len, 8)];
          sg.wasmKernels.conv2dForward(xk, g, wk, bk, y);
          sg.wasmKernels.conv2dForward(xk, g, wk, bk, yRelu, 'relu');
          const [gx, gw, gb] = [result(x.length, 9), result(w.length, 5), result(O, 6)];
          sg.wasmKernels.conv2dBackward(gyk, xk, g, wk, gx, gw, gb);
          // Through the fused ReLU: its output (the mask) read in place, the output gradient copied (it is computed over).
          const [gxRelu, gwRelu] = [result(x.length, 10), result(w.length, 11)];
          sg.wasmKernels.conv2dBackward(gyk, xk, g, wk, gxRelu, gwRelu, null, { activation: 'relu', pool: null, out: yRelu });
          const label = `${how ?? 'by shape'}, ${pin ? 'pinned' : 'plain'}`;
          assert.equal([bits(xk), bits(wk), bits(bk), bits(gyk)], [bits(x), bits(w), bits(b), bits(gy)], `${label}: the operands are unchanged`);
          return [bits(y), bits(yRelu), bits(gx), bits(gw), bits(gb), bits(gxRelu), bits(gwRelu)];
        });
      } finally {
        forceConvStrategy(prev);
      }
    });
    const [one, workers, racing] = onOneAndTwoThreads(run);
    for (let i = 0; i < one.length; i += 14) assert.equal(one.slice(i + 7, i + 14), one.slice(i, i + 7), `strategy ${strategies[i / 14]}: pinned as plain`);
    assert.equal(workers, one);
    assert.equal(racing, one);
  });
}

test('conv with a fused ReLU and max pooling: a pinned input and pooled output, and through the pooling\'s gradient a pinned pooled gradient and output, give the bits of plain copies', () => {
  const g: ConvGeometry = { batch: 4, channels: 4, height: 8, width: 8, outChannels: 8, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: 8, outW: 8 };
  const pool = { planes: 4 * 8, height: 8, width: 8, kH: 2, kW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: 4, outW: 4 };
  const x = rand(4 * 4 * 64, 20), w = pinned(rand(8 * 4 * 9, 21)), gp = rand(4 * 8 * 16, 22);
  const run = (): number[][] => [false, true].flatMap((pin) => {
    const copy = (a: Float32Array): Float32Array => (pin ? pinned(a) : a.slice());
    const [xk, gpk] = [copy(x), copy(gp)];
    const out = pin ? pinned(rand(4 * 8 * 16, 23)) : new Float32Array(4 * 8 * 16);
    const argmax = new Int32Array(out.length);
    sg.wasmKernels.conv2dPooledForward(xk, g, w, null, 'relu', pool, false, out, argmax);
    const gx = pin ? pinned(rand(x.length, 24)) : new Float32Array(x.length);
    sg.wasmKernels.conv2dBackward(gpk, xk, g, w, gx, null, null, { activation: 'relu', pool: { geometry: pool, argmax, first: false }, out });
    assert.equal([bits(xk), bits(gpk)], [bits(x), bits(gp)], 'the operands are unchanged');
    return [bits(out), Array.from(argmax), bits(gx)];
  });
  const [one, workers, racing] = onOneAndTwoThreads(run);
  assert.equal(one.slice(3), one.slice(0, 3), 'pinned as plain');
  assert.equal(workers, one);
  assert.equal(racing, one);
});

test('batch norm (training and eval, with a fused ReLU), ReLU, ReLU6, sums and max pooling (and its gradient): pinned operands read in place and unchanged, pinned results holding old values written, the bits of plain copies; an output that is its input works too', () => {
  const [n, c, sz] = [4, 6, 900]; // 21 600 elements: past every wasm kernel's threshold for JavaScript
  const size = n * c * sz;
  const x = rand(size, 30), gy = rand(size, 31), wt = pinned(rand(c, 32)), bs = pinned(rand(c, 33));
  const pool = { planes: n * c, height: 30, width: 30, kH: 3, kW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, outH: 15, outW: 15 };
  const run = (): number[][] => [false, true].flatMap((pin) => {
    const copy = (a: Float32Array): Float32Array => (pin ? pinned(a) : a.slice());
    const result = (len: number, seed: number): Float32Array => (pin ? pinned(rand(len, seed)) : new Float32Array(len));
    const [xk, gyk] = [copy(x), copy(gy)];
    const got: number[][] = [];
    for (const training of [true, false]) {
      const [mean, variance, invstd] = [new Float64Array(c), new Float64Array(c).fill(1), new Float64Array(c).fill(1)];
      if (!training) mean.fill(0.25);
      const out = result(size, 34);
      sg.wasmKernels.batchNormForward(xk, n, c, sz, training, 1e-5, mean, variance, invstd, wt, bs, out, 'relu');
      const [sumGrad, sumCentered, gx] = [new Float64Array(c), new Float64Array(c), result(size, 35)];
      sg.wasmKernels.batchNormBackward(gyk, xk, n, c, sz, mean, invstd, wt, training, sumGrad, sumCentered, gx, { activation: 'relu', pool: null, out });
      const gxPlain = result(size, 36);
      sg.wasmKernels.batchNormBackward(gyk, xk, n, c, sz, mean, invstd, wt, training, sumGrad, sumCentered, gxPlain);
      got.push(bits(out), bits(gx), bits(gxPlain), [...sumGrad, ...sumCentered, ...mean, ...invstd]);
    }
    const [r, gr, h6, gh6] = [result(size, 37), result(size, 38), result(size, 39), result(size, 40)];
    sg.wasmKernels.reluForward(xk, r);
    sg.wasmKernels.reluBackward(gyk, xk, gr);
    sg.wasmKernels.hardtanhForward(xk, h6, 0, 6);
    sg.wasmKernels.hardtanhBackward(gyk, xk, gh6, 0, 6);
    const sum = result(size, 42);
    sg.wasmKernels.add(xk, gyk, sum);
    const [pooled, argmax] = [result(n * c * 225, 41), new Int32Array(n * c * 225)];
    sg.wasmKernels.maxPool2dForward(xk, pool, pooled, argmax);
    const unpooled = result(size, 43);
    sg.wasmKernels.maxPool2dBackward(pooled, argmax, pool, unpooled);
    assert.equal([bits(xk), bits(gyk)], [bits(x), bits(gy)], `${pin ? 'pinned' : 'plain'}: the operands are unchanged`);
    // In place: ReLU's output is its input.
    const same = copy(x);
    sg.wasmKernels.reluForward(same, same);
    // In place: a sum into its first operand.
    const acc = copy(gy);
    sg.wasmKernels.add(acc, xk, acc);
    return [...got, bits(r), bits(gr), bits(h6), bits(gh6), bits(sum), bits(pooled), Array.from(argmax), bits(unpooled), bits(acc), bits(same)];
  });
  const [one, workers, racing] = onOneAndTwoThreads(run);
  const half = one.length / 2;
  assert.equal(one.slice(half), one.slice(0, half), 'pinned as plain');
  assert.equal(one[half - 1], bits(x.map((v) => Math.max(v, 0))), 'ReLU in place');
  assert.equal(one[half - 2], bits(gy.map((v, i) => v + x[i])), 'a sum in place');
  assert.equal(workers, one);
  assert.equal(racing, one);
});

test('gemm: pinned A and B (at offsets, either transposed) and C (accumulated into, or overwritten) give the bits of plain copies, on one and two threads', () => {
  const [m, n, k] = [37, 70, 41];
  const a = rand(m * k + 5, 5), b = rand(k * n + 3, 6), c0 = rand(m * n, 7);
  const run = (): number[][] => [false, true].flatMap((tA) => [false, true].flatMap((tB) => [false, true].flatMap((accumulate) => [false, true].map((pin) => {
    const [ak, bk] = pin ? [pinned(a), pinned(b)] : [a, b];
    const c = pin ? pinned(c0) : c0.slice();
    sg.wasmKernels.gemm(tA, tB, m, n, k, ak, 5, bk, 3, c, 0, accumulate);
    return bits(c);
  }))));
  const [one, workers, racing] = onOneAndTwoThreads(run);
  for (let i = 0; i < one.length; i += 2) assert.equal(one[i + 1], one[i], `case ${i / 2}: pinned as plain`);
  assert.equal(workers, one);
  assert.equal(racing, one);
});

test('SGD and Adam update pinned parameters and state in place, with the bits of plain arrays, over several segments, on one and two threads', () => {
  const n = 2 * SEGMENT + 1234;
  const x = rand(n, 8), g = rand(n, 9), buf = rand(n, 10), m = rand(n, 11), v = rand(n, 12).map(Math.abs);
  const k: AdamStepConstants = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, shrink: 1 - 1e-3 * 0.01, decoupled: true, stepSize: 1e-3 / 0.1, biasCorrection2Sqrt: Math.sqrt(1 - 0.999) };
  const run = (): number[][] => [false, true].flatMap((pin) => {
    const copy = (a: Float32Array): Float32Array => (pin ? pinned(a) : a.slice());
    const [xs, bs] = [copy(x), copy(buf)];
    sg.wasmKernels.sgdMomentumStep(xs, g, bs, 0.1, 0.9, 1);
    const [xa, ma, va] = [copy(x), copy(m), copy(v)];
    sg.wasmKernels.adamStep(xa, g, ma, va, k);
    return [bits(xs), bits(bs), bits(xa), bits(ma), bits(va)];
  });
  const [one, workers, racing] = onOneAndTwoThreads(run);
  assert.equal(one.slice(5), one.slice(0, 5), 'pinned as plain');
  assert.not.equal(one[0], bits(x), 'the step moved the parameter');
  assert.equal(workers, one);
  assert.equal(racing, one);
});

test('pinned arrays keep their values while kernels grow the memory and fill their scratch; one pinned in a replaced engine is an ordinary operand', () => {
  onWasm(() => {
    const prevThreads = sg.setWasmThreads(1);
    try {
      const p = pinned(rand(5000, 13));
      const before = bits(p);
      const base = scratchBase();
      assert.ok(base > getEngine().pinnedAddress(p), 'the scratch starts past the block');
      // A GEMM whose operands and product take about 12 MB of scratch, far more than was there.
      const [m, n, k] = [600, 700, 2000];
      const c = new Float32Array(m * n);
      sg.wasmKernels.gemm(false, false, m, n, k, rand(m * k, 14), 0, rand(k * n, 15), 0, c, 0, false);
      assert.equal(bits(p), before, 'the scratch never reached the block');
      assert.is(p.length, 5000, 'still attached after the memory grew');
      // A new engine (two threads): p is no longer one of its blocks, so it is copied in like any array.
      sg.setWasmThreads(2);
      assert.is(getEngine().pinnedAddress(p), -1);
      const a = rand(3 * 5000, 16);
      const [c1, c2] = [new Float32Array(3), new Float32Array(3)];
      sg.wasmKernels.gemm(false, false, 3, 1, 5000, a, 0, p, 0, c1, 0, false);
      sg.wasmKernels.gemm(false, false, 3, 1, 5000, a, 0, p.slice(), 0, c2, 0, false);
      assert.equal(bits(c1), bits(c2));
    } finally {
      sg.setWasmThreads(prevThreads);
    }
  });
});

test('transient pins (a scope\'s results) are bounded: none past TRANSIENT_PIN_BYTES neither released nor collected, long-lived pins apart; a released one makes room', () => {
  onWasm(() => {
    const n = TRANSIENT_PIN_BYTES / 8 + 1024; // a little over half the bound
    const a = pinnedFloat32(n, true);
    assert.ok(a !== null && getEngine().pinnedAddress(a) >= 0);
    assert.is(pinnedFloat32(n, true), null, 'a second one would pass the bound: the caller makes a plain array');
    assert.ok(pinnedFloat32(1000) !== null, 'a long-lived pin (a parameter\'s) does not count');
    releasePinned(a!);
    assert.is(getEngine().pinnedAddress(a!), -1, 'released: unpinned');
    releasePinned(a!); // a second release, or of an array never pinned, is ignored
    releasePinned(new Float32Array(4));
    const b = pinnedFloat32(n, true);
    assert.ok(b !== null, 'the released one made room');
    assert.ok(b!.every((v) => v === 0), 'zero-filled');
    releasePinned(b!);
  });
});

test.run();
