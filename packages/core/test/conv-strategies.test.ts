// The WebAssembly convolution's strategies (per image, batch folded into one GEMM, Winograd, and the
// direct depthwise kernels), each forced onto shapes it may not be picked for by default, against a
// float64 evaluation of the definition with padding, stride, dilation and groups: values and all
// three gradients within the float32 bound |error| ≤ 2·k·2⁻²⁴·Σ|terms| (k the depth of the sum), as
// the reference kernels are. Then one against two threads, bit for bit, on the new paths.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import { type ConvStrategy, convStrategyRuns, forceConvStrategy } from '../src/kernels/wasm/conv.js';
import { onOneAndTwoThreads } from './two-threads.js';
import {
  forceWinogradBatched, forceWinogradGroup, forceWinogradTile, winograd4Images, winogradTile, winogradWeightFits,
} from '../src/kernels/wasm/winograd.js';
import { imagesPerChunk } from '../src/kernels/wasm/runtime.js';
import { assertRounding, bits, rand } from './rounding.js';

interface Case {
  what: string; N: number; C: number; H: number; W: number; O: number; k: [number, number];
  s?: [number, number]; pad?: [number, number, number, number]; d?: [number, number]; groups?: number;
  /** Strategies the case is not forced onto (dense on a big map: D would take gigabytes). */
  skip?: ConvStrategy[];
}

/** The geometry of a case (padding [top, bottom, left, right]). */
function geometry(c: Case): ConvGeometry {
  const [pt, pb, pl, pr] = c.pad ?? [0, 0, 0, 0];
  const [sH, sW] = c.s ?? [1, 1];
  const [dH, dW] = c.d ?? [1, 1];
  return {
    batch: c.N, channels: c.C, height: c.H, width: c.W, outChannels: c.O, kH: c.k[0], kW: c.k[1], strideH: sH, strideW: sW,
    padTop: pt, padLeft: pl, dilationH: dH, dilationW: dW, groups: c.groups ?? 1,
    outH: Math.floor((c.H + pt + pb - dH * (c.k[0] - 1) - 1) / sH) + 1, outW: Math.floor((c.W + pl + pr - dW * (c.k[1] - 1) - 1) / sW) + 1,
  };
}

const cases: Case[] = [
  { what: '1×1 map (ResNet-18 layer 4)', N: 5, C: 6, H: 1, W: 1, O: 7, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: '2×2 map (ResNet-18 layer 3)', N: 4, C: 5, H: 2, W: 2, O: 6, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: '2×4 map, stride 2 (D four positions a SIMD store, some off every tap)', N: 3, C: 5, H: 2, W: 4, O: 6, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1] },
  { what: '1×3 map (3 of the 9 taps on the map)', N: 4, C: 5, H: 1, W: 3, O: 6, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: '3×2 map, stride 2×1, dilation 1×2, uneven padding', N: 3, C: 4, H: 3, W: 2, O: 5, k: [3, 3], s: [2, 1], pad: [1, 1, 2, 0], d: [1, 2] },
  { what: 'odd sizes, 3×2 kernel, uneven padding', N: 3, C: 5, H: 7, W: 9, O: 6, k: [3, 2], pad: [1, 0, 2, 1] },
  { what: 'stride 2', N: 4, C: 3, H: 13, W: 11, O: 5, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1] },
  { what: 'map over 8×8 (per image by default)', N: 2, C: 3, H: 12, W: 11, O: 5, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: '8×9 maps of 10 images (F(4×4): 3 images a chunk, the last alone; tiles straddling panels)', N: 10, C: 9, H: 8, W: 9, O: 8, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: 'a 67×66 map (F(4×4): two blocks of tile rows, the last tiles cut by the edges)', N: 1, C: 8, H: 67, W: 66, O: 4, k: [3, 3], pad: [1, 1, 1, 1], skip: ['dense'] },
  { what: '1×1 kernel, stride 2', N: 3, C: 7, H: 5, W: 6, O: 4, k: [1, 1], s: [2, 2] },
  { what: 'pointwise (1×1, stride 1: columns are the image)', N: 3, C: 7, H: 5, W: 6, O: 4, k: [1, 1] },
  { what: 'pointwise, 2 groups', N: 2, C: 6, H: 4, W: 7, O: 8, k: [1, 1], groups: 2 },
  { what: '1×1 kernel, padding 1 (not pointwise)', N: 2, C: 3, H: 4, W: 5, O: 4, k: [1, 1], pad: [1, 1, 1, 1] },
  { what: 'big filter on a 6×5 map (its weight gradient folded by default)', N: 2, C: 32, H: 6, W: 5, O: 64, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: 'over 64 channels each way (Winograd filters: two rows of U a chunk, flipped too)', N: 2, C: 66, H: 5, W: 6, O: 70, k: [3, 3], pad: [1, 1, 1, 1] },
  { what: '2 groups', N: 3, C: 4, H: 6, W: 7, O: 6, k: [3, 3], pad: [1, 1, 1, 1], groups: 2 },
  { what: '3 groups, dilation 2, stride 2', N: 2, C: 6, H: 11, W: 10, O: 9, k: [3, 3], s: [2, 2], pad: [2, 2, 2, 2], d: [2, 2], groups: 3 },
  { what: 'dilation 2×3', N: 2, C: 3, H: 10, W: 9, O: 4, k: [3, 3], pad: [2, 2, 3, 3], d: [2, 3] },
  { what: 'depthwise', N: 3, C: 5, H: 9, W: 10, O: 5, k: [3, 3], pad: [1, 1, 1, 1], groups: 5 },
  { what: 'depthwise ×2, stride 2', N: 2, C: 4, H: 9, W: 11, O: 8, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1], groups: 4 },
  { what: 'depthwise ×2, dilation 2', N: 2, C: 3, H: 8, W: 9, O: 6, k: [3, 3], pad: [2, 2, 2, 2], d: [2, 2], groups: 3 },
  { what: 'depthwise, 5×3 kernel, stride 3×1, uneven padding', N: 2, C: 4, H: 12, W: 13, O: 4, k: [5, 3], s: [3, 1], pad: [2, 0, 1, 2], groups: 4 },
  { what: 'depthwise, stride 1×3', N: 2, C: 2, H: 7, W: 17, O: 2, k: [3, 3], s: [1, 3], pad: [1, 1, 1, 1], groups: 2 },
  { what: 'depthwise ×2 on a 1×1 map', N: 3, C: 6, H: 1, W: 1, O: 12, k: [3, 3], pad: [1, 1, 1, 1], groups: 6 },
];

/** The exact forward pass and gradients of case `c` in float64, with Σ|terms| of each element for the bound. */
function exact(c: Case, g: ConvGeometry, x: Float32Array, w: Float32Array, bias: Float32Array, grad: Float32Array) {
  const G = g.groups ?? 1, cg = c.C / G, og = c.O / G, [kH, kW] = c.k, len = g.outH * g.outW;
  const out = new Float64Array(c.N * c.O * len), outB = new Float64Array(out.length);
  const gx = new Float64Array(x.length), gxB = new Float64Array(x.length);
  const gw = new Float64Array(w.length), gwB = new Float64Array(w.length);
  const gb = new Float64Array(c.O), gbB = new Float64Array(c.O);
  for (let n = 0; n < c.N; n++) for (let o = 0; o < c.O; o++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    const yi = ((n * c.O + o) * g.outH + oy) * g.outW + ox;
    out[yi] += bias[o];
    outB[yi] += Math.abs(bias[o]);
    gb[o] += grad[yi];
    gbB[o] += Math.abs(grad[yi]);
    for (let cc = 0; cc < cg; cc++) for (let i = 0; i < kH; i++) for (let j = 0; j < kW; j++) {
      const y = oy * g.strideH + i * (g.dilationH ?? 1) - g.padTop;
      const xx = ox * g.strideW + j * (g.dilationW ?? 1) - g.padLeft;
      if (y < 0 || y >= c.H || xx < 0 || xx >= c.W) continue;
      const xi = ((n * c.C + Math.floor(o / og) * cg + cc) * c.H + y) * c.W + xx;
      const wi = ((o * cg + cc) * kH + i) * kW + j;
      out[yi] += w[wi] * x[xi]; outB[yi] += Math.abs(w[wi] * x[xi]);
      gx[xi] += w[wi] * grad[yi]; gxB[xi] += Math.abs(w[wi] * grad[yi]);
      gw[wi] += grad[yi] * x[xi]; gwB[wi] += Math.abs(grad[yi] * x[xi]);
    }
  }
  return { out, outB, gx, gxB, gw, gwB, gb, gbB, depth: { out: cg * kH * kW + 1, gx: og * kH * kW, gw: c.N * len } };
}

/** A forced strategy; `'winograd 4×4'`: Winograd as F(4×4, 3×3) a few images a chunk, on every map it applies to. */
type Forced = ConvStrategy | 'winograd 4×4' | null;
const strategies: Forced[] = [null, 'image', 'folded', 'dense', 'winograd', 'winograd 4×4'];

/** Forces `how`; returns what restores the previous settings. */
function force(how: Forced): () => void {
  const four = how === 'winograd 4×4';
  const prev = forceConvStrategy(four ? 'winograd' : how);
  const prevTile = forceWinogradTile(four ? 4 : null);
  const prevBatched = forceWinogradBatched(four ? false : null);
  return () => {
    forceConvStrategy(prev);
    forceWinogradTile(prevTile);
    forceWinogradBatched(prevBatched);
  };
}

for (const c of cases) {
  const g = geometry(c);
  const G = c.groups ?? 1;
  const rows = (c.C / G) * c.k[0] * c.k[1];
  const len = g.outH * g.outW;
  const x = rand(c.N * c.C * c.H * c.W, 21), w = rand(c.O * rows, 22), bias = rand(c.O, 23), grad = rand(c.N * c.O * len, 24);
  const e = exact(c, g, x, w, bias, grad);
  for (const K of [sg.jsKernels, sg.wasmKernels]) {
    for (const how of K === sg.wasmKernels ? strategies.filter((f) => !c.skip?.includes(f as ConvStrategy)) : [null]) {
      test(`${K.name}${how === null ? '' : ` (${how})`} conv ${c.what}: x=[${c.N},${c.C},${c.H},${c.W}] w=[${c.O},${c.C / G},${c.k.join(',')}] groups=${G}: values and gradients within float32 rounding`, () => {
        const restore = force(how);
        try {
          const y = new Float32Array(e.out.length).fill(NaN);
          K.conv2dForward(x, g, w, bias, y);
          assertRounding(y, e.out, e.outB, e.depth.out, 'forward');
          const y0 = new Float32Array(e.out.length).fill(NaN);
          K.conv2dForward(x, g, w, null, y0);
          assertRounding(y0, Array.from(e.out, (v, k) => v - bias[Math.floor(k / len) % c.O]), e.outB, e.depth.out + 1, 'forward without bias');
          const [gx, gw, gb] = [new Float32Array(x.length).fill(NaN), new Float32Array(w.length).fill(NaN), new Float32Array(c.O).fill(NaN)];
          K.conv2dBackward(grad, x, g, w, gx, gw, gb);
          assertRounding(gx, e.gx, e.gxB, e.depth.gx, 'input gradient');
          assertRounding(gw, e.gw, e.gwB, e.depth.gw, 'weight gradient');
          assertRounding(gb, e.gb, e.gbB, e.depth.gw, 'bias gradient');
          // Each gradient on its own (the others null) is the same.
          const [gxOnly, gwOnly, gbOnly] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
          K.conv2dBackward(grad, x, g, w, gxOnly, null, null);
          K.conv2dBackward(grad, x, g, w, null, gwOnly, null);
          K.conv2dBackward(grad, x, g, w, null, null, gbOnly);
          assert.equal([Array.from(gxOnly), Array.from(gwOnly), Array.from(gbOnly)], [Array.from(gx), Array.from(gw), Array.from(gb)]);
          K.conv2dBackward(grad, x, g, w, null, null, null); // nothing asked: nothing to do
        } finally {
          restore();
        }
      });
    }
  }
}

test('forcing Winograd computes its shapes as Winograd (as chosen by default on big maps) and other shapes per image, which the folded path equals on values and input gradients', () => {
  const prev = forceConvStrategy(null);
  try {
    const run = (c: Case): Float32Array[] => {
      const g = geometry(c);
      const x = rand(c.N * c.C * c.H * c.W, 31), w = rand(c.O * c.C * 9, 32), grad = rand(c.N * c.O * g.outH * g.outW, 33);
      const y = new Float32Array(grad.length), gx = new Float32Array(x.length);
      sg.wasmKernels.conv2dForward(x, g, w, null, y);
      sg.wasmKernels.conv2dBackward(grad, x, g, w, gx, null, null);
      return [y, gx];
    };
    const big: Case = { what: '', N: 2, C: 8, H: 12, W: 13, O: 6, k: [3, 3], pad: [1, 1, 1, 1] };
    const small: Case = { what: '', N: 2, C: 8, H: 5, W: 6, O: 6, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1] };
    const [bigAuto, smallAuto] = [run(big), run(small)];
    forceConvStrategy('winograd');
    assert.equal(run(big), bigAuto);
    const smallWinograd = run(small);
    forceConvStrategy('image');
    assert.equal(smallWinograd, run(small));
    // Folded by default: the same GEMM chains as per image (depth and k blocks are the same), so the
    // forward pass and the input gradient agree bit for bit; only the weight gradient's sum differs.
    assert.equal(smallWinograd, smallAuto);
  } finally {
    forceConvStrategy(prev);
  }
});

test('Winograd over the whole batch gives the same bits as Winograd per image (forward and input gradient; odd sizes, uneven padding, bias)', () => {
  const prev = forceConvStrategy('winograd');
  const prevBatched = forceWinogradBatched(null);
  try {
    for (const c of [
      { what: '', N: 5, C: 8, H: 4, W: 4, O: 12, k: [3, 3], pad: [1, 1, 1, 1] },
      { what: '', N: 3, C: 9, H: 7, W: 5, O: 8, k: [3, 3], pad: [1, 0, 2, 1] },
      { what: '', N: 2, C: 16, H: 8, W: 8, O: 10, k: [3, 3], pad: [1, 1, 1, 1] },
      { what: '', N: 4, C: 8, H: 1, W: 1, O: 8, k: [3, 3], pad: [1, 1, 1, 1] },
    ] satisfies Case[]) {
      const g = geometry(c);
      const x = rand(c.N * c.C * c.H * c.W, 61), w = rand(c.O * c.C * 9, 62), b = rand(c.O, 63), grad = rand(c.N * c.O * g.outH * g.outW, 64);
      const run = (batched: boolean): number[][] => {
        forceWinogradBatched(batched);
        const [y, gx] = [new Float32Array(grad.length), new Float32Array(x.length)];
        sg.wasmKernels.conv2dForward(x, g, w, b, y);
        sg.wasmKernels.conv2dBackward(grad, x, g, w, gx, null, null);
        return [bits(y), bits(gx)];
      };
      const before = convStrategyRuns().winograd;
      assert.equal(run(true), run(false), `x=[${c.N},${c.C},${c.H},${c.W}]`);
      assert.equal(convStrategyRuns().winograd - before, 4, 'both passes ran as Winograd, twice');
    }
  } finally {
    forceConvStrategy(prev);
    forceWinogradBatched(prevBatched);
  }
});

test('Winograd F(4×4, 3×3) gives each image the same bits whatever images share its chunk (forward and input gradient, bias)', () => {
  const restore = force('winograd 4×4');
  try {
    const c: Case = { what: '', N: 10, C: 9, H: 8, W: 9, O: 12, k: [3, 3], pad: [1, 0, 2, 1] };
    const g = geometry(c);
    const [image, out] = [c.C * c.H * c.W, c.O * g.outH * g.outW];
    const x = rand(c.N * image, 65), w = rand(c.O * c.C * 9, 66), b = rand(c.O, 67), grad = rand(c.N * out, 68);
    assert.is(winograd4Images(c.N, g.outH, g.outW), 3, 'the batch: 3 images a chunk');
    const run = (n: number, at: number): number[][] => {
      const one = { ...g, batch: n };
      const [y, gx] = [new Float32Array(n * out), new Float32Array(n * image)];
      sg.wasmKernels.conv2dForward(x.subarray(at * image, (at + n) * image), one, w, b, y);
      sg.wasmKernels.conv2dBackward(grad.subarray(at * out, (at + n) * out), x.subarray(at * image, (at + n) * image), one, w, gx, null, null);
      return [bits(y), bits(gx)];
    };
    const all = run(c.N, 0);
    for (let n = 0; n < c.N; n++) {
      const [y, gx] = run(1, n);
      assert.equal(y, all[0].slice(n * out, (n + 1) * out), `image ${n}: forward`);
      assert.equal(gx, all[1].slice(n * image, (n + 1) * image), `image ${n}: input gradient`);
    }
  } finally {
    restore();
  }
});

test('setConvPrecision: \'highest\' (the default) keeps Winograd to F(2×2, 3×3); \'high\' lets maps over 6×6 take F(4×4, 3×3) where a chunk\'s tiles fill a panel; other values are errors', () => {
  assert.is(sg.convPrecision(), 'highest');
  const prevBackend = sg.useBackend('wasm');
  const jobs: string[] = [];
  sg.traceWasmKernels({ job: (e) => { if (e.name.startsWith('WINOGRAD')) jobs.push(e.name); }, copy: () => {} });
  try {
    // W2's second convolution (64 images, 32→64 on 26×26), forward and input gradient.
    sg.manualSeed(3);
    const x = sg.normal([64, 32, 26, 26], { requiresGrad: true });
    const w = sg.normal([64, 32, 3, 3]);
    const pass = (): string[] => {
      jobs.length = 0;
      sg.conv2d(x, w).sum().backward();
      return [...new Set(jobs)].filter((j) => j === 'WINOGRAD' || j === 'WINOGRAD_4X4');
    };
    assert.equal(pass(), ['WINOGRAD']);
    assert.is(sg.setConvPrecision('high'), 'highest');
    assert.is(sg.convPrecision(), 'high');
    assert.equal(pass(), ['WINOGRAD_4X4']);
    // A chunk's tiles fill a panel: 4 images of 36 tiles (24×24 outputs), 8 of 4 (8×8); not 1 of 4.
    assert.equal([winogradTile(64, 24, 24), winograd4Images(64, 24, 24)], [4, 4]);
    assert.equal([winogradTile(32, 8, 8), winograd4Images(32, 8, 8)], [4, 8]);
    assert.equal([winogradTile(2, 8, 8), winograd4Images(2, 8, 8)], [2, 1]);
    assert.equal([winogradTile(8, 56, 56), winograd4Images(8, 56, 56)], [4, 1]);
    assert.is(sg.setConvPrecision('highest'), 'high');
    assert.equal([winogradTile(64, 24, 24), winogradTile(32, 8, 8)], [2, 2]);
    for (const bad of ['medium', 'HIGH', undefined, 1]) {
      assert.throws(
        () => sg.setConvPrecision(bad as sg.ConvPrecision),
        (e: Error) => e instanceof sg.ArgumentError && e.message === `setConvPrecision: precision must be 'highest' or 'high', got ${sg.fmtValue(bad)}`,
      );
    }
    assert.is(sg.convPrecision(), 'highest', 'a rejected value changes nothing');
  } finally {
    sg.setConvPrecision('highest');
    sg.traceWasmKernels(null);
    sg.setKernels(prevBackend);
  }
});

test('the Winograd weight gradient in groups of 1, 2 and 3 images and by size: within float32 rounding of the exact sums (odd sizes, uneven padding, channels past a 16-wide panel)', () => {
  const prev = forceConvStrategy('winograd');
  try {
    for (const c of [
      { what: '', N: 5, C: 17, H: 7, W: 6, O: 20, k: [3, 3], pad: [1, 0, 2, 1] },
      { what: '', N: 4, C: 3, H: 2, W: 9, O: 5, k: [3, 3], pad: [2, 2, 0, 1] },
      { what: '', N: 3, C: 8, H: 11, W: 11, O: 6, k: [3, 3] },
    ] satisfies Case[]) {
      const g = geometry(c);
      const x = rand(c.N * c.C * c.H * c.W, 71), w = rand(c.O * c.C * 9, 72), b = rand(c.O, 73), grad = rand(c.N * c.O * g.outH * g.outW, 74);
      const e = exact(c, g, x, w, b, grad);
      for (const images of [1, 2, 3, null]) {
        const prevGroup = forceWinogradGroup(images);
        try {
          const [gw, gb] = [new Float32Array(w.length).fill(NaN), new Float32Array(c.O).fill(NaN)];
          const before = convStrategyRuns().winograd;
          sg.wasmKernels.conv2dBackward(grad, x, g, w, null, gw, gb);
          assert.equal(convStrategyRuns().winograd - before, 1, 'the weight gradient ran as Winograd');
          const what = `x=[${c.N},${c.C},${c.H},${c.W}] O=${c.O}, ${images ?? 'by size'} images a group`;
          assertRounding(gw, e.gw, e.gwB, e.depth.gw, `weight gradient, ${what}`);
          assertRounding(gb, e.gb, e.gbB, e.depth.gw, `bias gradient, ${what}`);
        } finally {
          forceWinogradGroup(prevGroup);
        }
      }
    }
  } finally {
    forceConvStrategy(prev);
  }
});

test('the Winograd weight gradient keeps one image\'s transforms within 64 MB: big maps with many channels keep the direct weight gradient', () => {
  // 16 ξ × 4 bytes × tiles × (input channels in whole panels + output channels).
  assert.ok(winogradWeightFits(64, 64, 112, 112), '64→64 on 112×112: 6.4 MB');
  assert.ok(winogradWeightFits(32, 64, 24, 24), "W2's second conv");
  assert.not.ok(winogradWeightFits(64, 64, 224, 224), '64→64 on 224×224: 103 MB');
  assert.not.ok(winogradWeightFits(1, 512, 256, 128), 'few input channels still take a whole panel');
});

test('per-image jobs that write a shared matrix (Winograd transforms, folded im2col) take whole 64-byte lines of its rows a chunk, so no two threads write one cache line', () => {
  // [floats an image writes of a row, images a chunk]: Winograd on 4×4 maps (2×2 tiles), 1×1 and 2×2 maps
  // (1 tile), 6×6 (9), 12×12 (36), 8×8 (16), bigger; the folded im2col's outH·outW likewise.
  for (const [tiles, images] of [[4, 4], [1, 16], [2, 8], [9, 16], [36, 4], [16, 1], [48, 1], [64, 1], [169, 1]]) {
    assert.is(imagesPerChunk(tiles), images, `${tiles} floats an image`);
    if (tiles < 64) assert.is((tiles * images) % 16, 0, `${tiles} floats an image: whole lines`);
  }
});

/** Every pass of the new paths on shapes with enough chunks to be shared between threads. */
function workload(): Float32Array[] {
  const out: Float32Array[] = [];
  const shapes: [Case, Forced | 'group of 2'][] = [
    // Folded GEMMs in row blocks (few panels), then split by panels (N·outH·outW = 192 columns).
    [{ what: '', N: 9, C: 12, H: 3, W: 3, O: 40, k: [3, 3], pad: [1, 1, 1, 1] }, 'folded'],
    [{ what: '', N: 12, C: 16, H: 4, W: 4, O: 24, k: [3, 3], pad: [1, 1, 1, 1] }, null],
    [{ what: '', N: 6, C: 8, H: 9, W: 7, O: 12, k: [3, 3], s: [2, 1], pad: [2, 2, 2, 2], d: [2, 1], groups: 2 }, 'folded'],
    [{ what: '', N: 6, C: 8, H: 9, W: 7, O: 12, k: [3, 3], s: [2, 1], pad: [2, 2, 2, 2], d: [2, 1], groups: 2 }, 'image'],
    // Folded with a 2×2 output (4 images a chunk of the im2col, the last chunk one image).
    [{ what: '', N: 13, C: 8, H: 4, W: 4, O: 12, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1] }, 'folded'],
    [{ what: '', N: 5, C: 24, H: 9, W: 9, O: 48, k: [3, 3], pad: [1, 1, 1, 1], groups: 24 }, null],
    [{ what: '', N: 5, C: 24, H: 9, W: 9, O: 24, k: [3, 3], s: [2, 2], pad: [1, 1, 1, 1], groups: 24 }, null],
    // Pointwise per image (MobileNetV2's 1×1 layers on 8×8 and bigger maps), grouped too.
    [{ what: '', N: 6, C: 16, H: 9, W: 8, O: 24, k: [1, 1] }, 'image'],
    [{ what: '', N: 6, C: 16, H: 9, W: 8, O: 24, k: [1, 1], groups: 4 }, 'image'],
    // Winograd over the whole batch (an 8×8 map: 16 tiles an image; a 4×4 map: 4 images a chunk, the
    // last chunk one image), and its weight gradient on the 4×4 map (16 channels).
    [{ what: '', N: 6, C: 8, H: 8, W: 8, O: 12, k: [3, 3], pad: [1, 1, 1, 1] }, 'winograd'],
    [{ what: '', N: 13, C: 16, H: 4, W: 4, O: 12, k: [3, 3], pad: [1, 1, 1, 1] }, 'winograd'],
    // F(4×4, 3×3): 3 images a chunk (the last alone), and one image in two blocks of tile rows.
    [{ what: '', N: 10, C: 9, H: 8, W: 9, O: 12, k: [3, 3], pad: [1, 1, 1, 1] }, 'winograd 4×4'],
    [{ what: '', N: 2, C: 8, H: 70, W: 65, O: 8, k: [3, 3], pad: [1, 0, 2, 1] }, 'winograd 4×4'],
    // The Winograd weight gradient by default (16 channels), and in groups of 2 images (accumulating).
    [{ what: '', N: 5, C: 16, H: 10, W: 9, O: 20, k: [3, 3], pad: [1, 1, 0, 1] }, null],
    [{ what: '', N: 5, C: 16, H: 10, W: 9, O: 20, k: [3, 3], pad: [1, 1, 0, 1] }, 'group of 2'],
    // Dense: by default on a 2×2 map (forward and input gradient), and forced with stride and dilation.
    [{ what: '', N: 20, C: 16, H: 2, W: 2, O: 24, k: [3, 3], pad: [1, 1, 1, 1] }, null],
    [{ what: '', N: 6, C: 8, H: 3, W: 2, O: 12, k: [3, 3], s: [2, 1], pad: [1, 1, 2, 0], d: [1, 2] }, 'dense'],
  ];
  for (const [c, how] of shapes) {
    const g = geometry(c);
    const rows = (c.C / (c.groups ?? 1)) * c.k[0] * c.k[1];
    const x = rand(c.N * c.C * c.H * c.W, 41), w = rand(c.O * rows, 42), b = rand(c.O, 43);
    const y = new Float32Array(c.N * c.O * g.outH * g.outW);
    const [gx, gw, gb] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(c.O)];
    const restore = force(how === 'group of 2' ? null : how);
    const prevGroup = forceWinogradGroup(how === 'group of 2' ? 2 : null);
    try {
      sg.wasmKernels.conv2dForward(x, g, w, b, y);
      sg.wasmKernels.conv2dBackward(y, x, g, w, gx, gw, gb);
    } finally {
      restore();
      forceWinogradGroup(prevGroup);
    }
    out.push(y, gx, gw, gb);
  }
  return out;
}

test('conv2d keeps the dense strategy\'s D from its forward pass for its input gradient: one write instead of two, the same bits; a later forward with the same weight makes the backward pass write its own', () => {
  const prev = sg.useBackend('wasm');
  const prevThreads = sg.setWasmThreads(1);
  const writes: string[] = [];
  try {
    // A 2×2 map under a 3×3 filter and a batch of 20: dense by default (forward and input gradient).
    sg.manualSeed(7);
    const w = sg.normal([24, 16, 3, 3], { requiresGrad: true });
    const x = sg.normal([20, 16, 2, 2], { requiresGrad: true });
    const x2 = sg.normal([20, 16, 2, 2], { requiresGrad: true });
    const g = sg.normal([20, 24, 2, 2]);
    const geo = geometry({ what: '', N: 20, C: 16, H: 2, W: 2, O: 24, k: [3, 3], pad: [1, 1, 1, 1] });
    /** What the kernels give without any pass: the reference bits. */
    const direct = (input: sg.Tensor): number[][] => {
      const y = new Float32Array(20 * 24 * 4), gx = new Float32Array(input.size), gw = new Float32Array(w.size);
      sg.wasmKernels.conv2dForward(input.data as Float32Array, geo, w.data as Float32Array, null, y);
      sg.wasmKernels.conv2dBackward(g.data as Float32Array, input.data as Float32Array, geo, w.data as Float32Array, gx, gw, null);
      return [bits(y), bits(gx), bits(gw)];
    };
    const want = direct(x), want2 = direct(x2);
    sg.traceWasmKernels({ job: (e) => { if (e.name === 'DENSE_WRITE') writes.push(e.name); }, copy: () => {} });
    const y = sg.conv2d(x, w, { padding: 1 });
    y.backward(g);
    assert.is(writes.length, 1, 'the backward pass read the forward pass\'s D');
    assert.equal([bits(y.data as Float32Array), bits(x.grad!.data as Float32Array), bits(w.grad!.data as Float32Array)], want);
    // Two calls with the same weight before the first one's backward: that one writes D again.
    writes.length = 0;
    x.grad = null;
    w.grad = null;
    const ya = sg.conv2d(x, w, { padding: 1 });
    const yb = sg.conv2d(x2, w, { padding: 1 });
    ya.backward(g);
    assert.is(writes.length, 3, 'a, b, then a\'s own');
    assert.equal(bits(x.grad!.data as Float32Array), want[1]);
    yb.backward(g);
    assert.is(writes.length, 3, 'b\'s backward read b\'s D');
    assert.equal(bits(x2.grad!.data as Float32Array), want2[1]);
    // Without a graph to serve (no grad), nothing is kept: the next backward writes its own.
    writes.length = 0;
    const yc = sg.conv2d(x, w, { padding: 1 });
    sg.noGrad(() => sg.conv2d(x2, w, { padding: 1 }));
    x.grad = null;
    yc.backward(g);
    assert.is(writes.length, 2, 'the no-grad call left the kept D to yc\'s forward pass');
    assert.equal(bits(x.grad!.data as Float32Array), want[1]);
  } finally {
    sg.traceWasmKernels(null);
    sg.setWasmThreads(prevThreads);
    sg.setKernels(prev);
  }
});

test('the dense and batched Winograd strategies are chosen by shape: dense on 1×1 and 2×2 maps, Winograd on 4×4 ones, of a big enough batch, and Winograd weight gradients from 16 channels', () => {
  const prev = forceConvStrategy(null);
  try {
    // The strategy each pass (forward, input gradient, weight gradient) took.
    const passes = (c: Case): ConvStrategy[] => {
      const g = geometry(c);
      const x = rand(c.N * c.C * c.H * c.W, 51), w = rand(c.O * c.C * 9, 52), grad = rand(c.N * c.O * g.outH * g.outW, 53);
      const took = (run: () => void): ConvStrategy => {
        const before = convStrategyRuns();
        run();
        const after = convStrategyRuns();
        const changed = (Object.keys(after) as ConvStrategy[]).filter((k) => after[k] !== before[k]);
        assert.equal(changed.length, 1);
        return changed[0];
      };
      return [
        took(() => sg.wasmKernels.conv2dForward(x, g, w, null, new Float32Array(grad.length))),
        took(() => sg.wasmKernels.conv2dBackward(grad, x, g, w, new Float32Array(x.length), null, null)),
        took(() => sg.wasmKernels.conv2dBackward(grad, x, g, w, null, new Float32Array(w.length), null)),
      ];
    };
    const map1: Case = { what: '', N: 32, C: 8, H: 1, W: 1, O: 8, k: [3, 3], pad: [1, 1, 1, 1] };
    const map2: Case = { what: '', N: 32, C: 8, H: 2, W: 2, O: 8, k: [3, 3], pad: [1, 1, 1, 1] };
    assert.equal(passes(map1), ['dense', 'dense', 'dense']);
    assert.equal(passes(map2), ['dense', 'dense', 'dense']);
    // Too few images to pay for writing D: 8·(9 − 4) products saved per element of D against 10·4.
    assert.equal(passes({ ...map2, N: 9 }), ['dense', 'dense', 'dense']);
    assert.equal(passes({ ...map2, N: 8 }), ['folded', 'folded', 'folded']);
    assert.equal(passes({ ...map1, N: 2 }), ['dense', 'dense', 'dense']);
    assert.equal(passes({ ...map1, N: 1 }), ['folded', 'folded', 'folded']);
    // 4×4 maps: Winograd over the batch for the forward pass and input gradient from 32 tiles (8 images).
    const map4: Case = { what: '', N: 8, C: 8, H: 4, W: 4, O: 8, k: [3, 3], pad: [1, 1, 1, 1] };
    assert.equal(passes(map4), ['winograd', 'winograd', 'folded']);
    assert.equal(passes({ ...map4, N: 7 }), ['folded', 'folded', 'folded']);
    // The weight gradient as Winograd from 16 channels on both sides and 32 outputs in all, on any map
    // (after dense); per image or folded below.
    const wide: Case = { what: '', N: 2, C: 16, H: 4, W: 4, O: 16, k: [3, 3], pad: [1, 1, 1, 1] };
    assert.equal(passes(wide), ['folded', 'folded', 'winograd']);
    assert.equal(passes({ ...wide, H: 12, W: 12 }), ['winograd', 'winograd', 'winograd']);
    assert.equal(passes({ ...wide, N: 1 }), ['folded', 'folded', 'folded']);
    assert.equal(passes({ ...wide, C: 15 }), ['folded', 'folded', 'folded']);
    assert.equal(passes({ ...wide, N: 32, H: 2, W: 2 }), ['dense', 'dense', 'dense']);
    // Grouped: never dense (nor when forced).
    forceConvStrategy('dense');
    assert.equal(passes({ ...map1, C: 8, O: 8, groups: 2 } as Case).includes('dense'), false);
  } finally {
    forceConvStrategy(prev);
  }
});

test('one and two threads give identical bits for the folded, dense, grouped, dilated and depthwise convolutions (forward and all gradients)', () => {
  const [one, two, mixed] = onOneAndTwoThreads(() => workload().map(bits));
  assert.equal(two, one);
  assert.equal(mixed, one);
});

test.run();
