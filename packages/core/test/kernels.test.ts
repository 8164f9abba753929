// Every kernel on every backend against a direct float64 evaluation of its definition, on odd sizes
// (1, 7, 13, 65: odd rows and columns that are not multiples of the 2×16 register tile), all transpose variants, accumulate and
// overwrite, padding and strides. The tolerance is the standard bound for a float32 sum of k products,
// |error| ≤ 2·k·2⁻²⁴·Σ|aᵢbᵢ|, so agreement means "equal up to float32 rounding", not "roughly equal".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import {
  type PoolGeometry, avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward,
} from '../src/kernels/pool.js';
import { binaryBroadcast, reluBackward, reluForward } from '../src/kernels/elementwise.js';
import { EPS32, assertRounding, bits, rand } from './rounding.js';
import { onOneAndTwoThreads } from './two-threads.js';

const backends: sg.Kernels[] = [sg.jsKernels, sg.wasmKernels];

// ---- GEMM -----------------------------------------------------------------------------------------

/** C = op(A)·op(B) (+ C0) in float64, with Σ|terms| for the tolerance. */
function gemmExact(tA: boolean, tB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c0: Float32Array | null): [Float64Array, Float64Array] {
  const c = new Float64Array(m * n);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c0 ? c0[i * n + j] : 0;
      let t = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const v = (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
        s += v;
        t += Math.abs(v);
      }
      c[i * n + j] = s;
      bound[i * n + j] = t;
    }
  }
  return [c, bound];
}

const gemmShapes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [13, 7, 65], [65, 17, 3], [5, 33, 9], [66, 35, 300], [4, 16, 1], [1, 65, 13]];

for (const K of backends) {
  for (const [m, n, k] of gemmShapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const accumulate of [false, true]) {
          test(`${K.name} gemm m=${m} n=${n} k=${k} transA=${tA} transB=${tB} accumulate=${accumulate} at offsets`, () => {
            const a = rand(m * k + 3, m * 100 + k);
            const b = rand(k * n + 5, n * 100 + k + 1);
            const c0 = rand(m * n, m + n + k);
            // Operands start at offsets 3 and 5 and C sits at 2 inside a bigger array: the kernel
            // must respect the offsets and leave the rest untouched.
            const c = new Float32Array(m * n + 4).fill(7);
            c.set(c0, 2);
            K.gemm(tA, tB, m, n, k, a, 3, b, 5, c, 2, accumulate);
            const [exact, bound] = gemmExact(tA, tB, m, n, k, a.subarray(3), b.subarray(5), accumulate ? c0 : null);
            assertRounding(c.subarray(2, 2 + m * n), exact, bound, k + 1, 'C');
            assert.equal([c[0], c[1], c[m * n + 2], c[m * n + 3]], [7, 7, 7, 7], 'outside C');
          });
        }
      }
    }
  }

  test(`${K.name} gemm with k=0 zeroes C (overwrite) or leaves it (accumulate); m=0 or n=0 is a no-op`, () => {
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    K.gemm(false, false, 2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 0, true);
    assert.equal(Array.from(c), [1, 2, 3, 4, 5, 6]);
    K.gemm(false, false, 0, 3, 2, new Float32Array(0), 0, new Float32Array(6), 0, c, 0, false);
    K.gemm(false, false, 2, 0, 2, new Float32Array(4), 0, new Float32Array(0), 0, c, 0, false);
    assert.equal(Array.from(c), [1, 2, 3, 4, 5, 6]);
    K.gemm(false, false, 2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 0, false);
    assert.equal(Array.from(c), [0, 0, 0, 0, 0, 0]);
  });

  test(`${K.name} gemm in float64 (gradient checks) is exact to float64 rounding`, () => {
    const a = Float64Array.from(rand(7 * 13, 1));
    const b = Float64Array.from(rand(13 * 5, 2));
    const c = new Float64Array(7 * 5);
    K.gemm(false, true, 7, 5, 13, a, 0, b, 0, c, 0, false);
    const [exact] = gemmExact(false, true, 7, 5, 13, Float32Array.from(a), Float32Array.from(b), null);
    for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i] - exact[i]) < 1e-14, `element ${i}`);
  });
}

// ---- im2col / col2im ------------------------------------------------------------------------------

const imShapes: [number, number, number, number, number, number, number][] = [
  // C, H, W, kH, kW, sH, sW
  [1, 1, 1, 1, 1, 1, 1], [2, 7, 13, 3, 2, 1, 1], [3, 13, 7, 3, 3, 2, 3], [1, 65, 9, 5, 1, 4, 2], [5, 6, 6, 6, 6, 1, 1],
];

for (const K of backends) {
  for (const [C, H, W, kH, kW, sH, sW] of imShapes) {
    const outH = Math.floor((H - kH) / sH) + 1;
    const outW = Math.floor((W - kW) / sW) + 1;
    test(`${K.name} im2col and col2im x=[${C},${H},${W}] kernel=${kH}x${kW} stride=${sH}x${sW} equal the definition`, () => {
      const x = rand(C * H * W + 1, C + H + W);
      const len = outH * outW;
      const cols = new Float32Array(C * kH * kW * len + 2);
      K.im2col(x, 1, C, H, W, kH, kW, sH, sW, outH, outW, cols, 2);
      const back = new Float32Array(C * H * W + 1).fill(0.5);
      const g = rand(C * kH * kW * len, 9);
      K.col2im(g, 0, C, H, W, kH, kW, sH, sW, outH, outW, back, 1);
      const expectBack = new Float64Array(C * H * W).fill(0.5);
      const bound = new Float64Array(C * H * W).fill(0.5);
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < kH; i++) {
          for (let j = 0; j < kW; j++) {
            for (let oy = 0; oy < outH; oy++) {
              for (let ox = 0; ox < outW; ox++) {
                const row = (c * kH + i) * kW + j;
                const src = (c * H + oy * sH + i) * W + ox * sW + j;
                assert.is(cols[2 + row * len + oy * outW + ox], x[1 + src], `cols[${row}][${oy * outW + ox}]`);
                expectBack[src] += g[row * len + oy * outW + ox];
                bound[src] += Math.abs(g[row * len + oy * outW + ox]);
              }
            }
          }
        }
      }
      assertRounding(back.subarray(1), expectBack, bound, kH * kW, 'col2im');
      assert.is(back[0], 0.5, 'col2im left the element before its offset alone');
    });
  }
}

for (const K of backends) {
  test(`${K.name} im2col and col2im in float64 and on empty windows fall back to the reference`, () => {
    const x = Float64Array.from(rand(2 * 5 * 4, 3));
    const cols = new Float64Array(2 * 4 * 4 * 3), ref = new Float64Array(cols.length);
    K.im2col(x, 0, 2, 5, 4, 2, 2, 1, 1, 4, 3, cols, 0);
    sg.jsKernels.im2col(x, 0, 2, 5, 4, 2, 2, 1, 1, 4, 3, ref, 0);
    assert.equal(Array.from(cols), Array.from(ref));
    const back = new Float64Array(x.length), refBack = new Float64Array(x.length);
    K.col2im(cols, 0, 2, 5, 4, 2, 2, 1, 1, 4, 3, back, 0);
    sg.jsKernels.col2im(cols, 0, 2, 5, 4, 2, 2, 1, 1, 4, 3, refBack, 0);
    assert.equal(Array.from(back), Array.from(refBack));
    const none = new Float32Array(0);
    K.im2col(new Float32Array(4), 0, 0, 2, 2, 1, 1, 1, 1, 2, 2, none, 0);
    K.col2im(none, 0, 0, 2, 2, 1, 1, 1, 1, 2, 2, new Float32Array(4), 0);
  });
}

// ---- convolution ----------------------------------------------------------------------------------

interface ConvCase { N: number; C: number; H: number; W: number; O: number; kH: number; kW: number; s: [number, number]; pad: [number, number, number, number] }

/** The geometry of a case (padding [top, bottom, left, right]). */
function geometry(c: ConvCase): ConvGeometry {
  const [pt, pb, pl, pr] = c.pad;
  return {
    batch: c.N, channels: c.C, height: c.H, width: c.W, outChannels: c.O, kH: c.kH, kW: c.kW,
    strideH: c.s[0], strideW: c.s[1], padTop: pt, padLeft: pl,
    outH: Math.floor((c.H + pt + pb - c.kH) / c.s[0]) + 1, outW: Math.floor((c.W + pl + pr - c.kW) / c.s[1]) + 1,
  };
}

/** Calls `visit(n, o, oy, ox, c, y, x, i, j)` for every in-image term of the convolution sum. */
function forEachTerm(g: ConvGeometry, visit: (n: number, o: number, oy: number, ox: number, c: number, y: number, x: number, i: number, j: number) => void): void {
  for (let n = 0; n < g.batch; n++) for (let o = 0; o < g.outChannels; o++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    for (let c = 0; c < g.channels; c++) for (let i = 0; i < g.kH; i++) for (let j = 0; j < g.kW; j++) {
      const y = oy * g.strideH + i - g.padTop;
      const x = ox * g.strideW + j - g.padLeft;
      if (y >= 0 && y < g.height && x >= 0 && x < g.width) visit(n, o, oy, ox, c, y, x, i, j);
    }
  }
}

const convCases: ConvCase[] = [
  { N: 1, C: 1, H: 1, W: 1, O: 1, kH: 1, kW: 1, s: [1, 1], pad: [0, 0, 0, 0] },
  { N: 3, C: 2, H: 7, W: 9, O: 5, kH: 3, kW: 2, s: [1, 1], pad: [1, 0, 2, 1] },
  { N: 2, C: 3, H: 13, W: 13, O: 7, kH: 3, kW: 3, s: [2, 2], pad: [1, 1, 1, 1] },
  { N: 2, C: 1, H: 13, W: 7, O: 17, kH: 5, kW: 3, s: [3, 2], pad: [2, 2, 0, 1] },
  { N: 1, C: 2, H: 4, W: 5, O: 3, kH: 3, kW: 3, s: [1, 1], pad: [2, 2, 2, 2] },
  { N: 17, C: 1, H: 5, W: 5, O: 2, kH: 3, kW: 3, s: [1, 1], pad: [0, 0, 0, 0] },
];

for (const K of backends) {
  for (const cc of convCases) {
    const g = geometry(cc);
    const name = `x=[${cc.N},${cc.C},${cc.H},${cc.W}] w=[${cc.O},${cc.C},${cc.kH},${cc.kW}] stride=${cc.s.join('x')} pad=[${cc.pad.join(',')}]`;
    test(`${K.name} conv2dForward and conv2dBackward ${name} equal the definition`, () => {
      const rows = cc.C * cc.kH * cc.kW;
      const len = g.outH * g.outW;
      const x = rand(cc.N * cc.C * cc.H * cc.W, 11);
      const w = rand(cc.O * rows, 12);
      const bias = rand(cc.O, 13);
      const grad = rand(cc.N * cc.O * len, 14);
      const idx = { x: (n: number, c: number, y: number, xx: number) => ((n * cc.C + c) * cc.H + y) * cc.W + xx, w: (o: number, c: number, i: number, j: number) => ((o * cc.C + c) * cc.kH + i) * cc.kW + j, y: (n: number, o: number, oy: number, ox: number) => ((n * cc.O + o) * g.outH + oy) * g.outW + ox };
      const out = new Float64Array(cc.N * cc.O * len), outB = new Float64Array(out.length);
      for (let n = 0; n < cc.N; n++) for (let o = 0; o < cc.O; o++) for (let e = 0; e < len; e++) { out[(n * cc.O + o) * len + e] = bias[o]; outB[(n * cc.O + o) * len + e] = Math.abs(bias[o]); }
      const gx = new Float64Array(x.length), gxB = new Float64Array(x.length);
      const gw = new Float64Array(w.length), gwB = new Float64Array(w.length);
      const gb = new Float64Array(cc.O), gbB = new Float64Array(cc.O);
      forEachTerm(g, (n, o, oy, ox, c, y, xx, i, j) => {
        const xi = idx.x(n, c, y, xx), wi = idx.w(o, c, i, j), yi = idx.y(n, o, oy, ox);
        out[yi] += w[wi] * x[xi]; outB[yi] += Math.abs(w[wi] * x[xi]);
        gx[xi] += w[wi] * grad[yi]; gxB[xi] += Math.abs(w[wi] * grad[yi]);
        gw[wi] += grad[yi] * x[xi]; gwB[wi] += Math.abs(grad[yi] * x[xi]);
      });
      for (let n = 0; n < cc.N; n++) for (let o = 0; o < cc.O; o++) for (let e = 0; e < len; e++) { gb[o] += grad[(n * cc.O + o) * len + e]; gbB[o] += Math.abs(grad[(n * cc.O + o) * len + e]); }

      const y = new Float32Array(out.length).fill(NaN);
      K.conv2dForward(x, g, w, bias, y);
      assertRounding(y, out, outB, rows + 1, 'forward with bias');
      const y0 = new Float32Array(out.length).fill(NaN);
      K.conv2dForward(x, g, w, null, y0);
      assertRounding(y0, Array.from(out, (v, k) => v - bias[Math.floor(k / len) % cc.O]), outB, rows + 2, 'forward without bias');

      const [gxA, gwA, gbA] = [new Float32Array(gx.length).fill(NaN), new Float32Array(gw.length).fill(NaN), new Float32Array(cc.O).fill(NaN)];
      K.conv2dBackward(grad, x, g, w, gxA, gwA, gbA);
      assertRounding(gxA, gx, gxB, cc.O * cc.kH * cc.kW, 'input gradient');
      assertRounding(gwA, gw, gwB, cc.N * len, 'weight gradient');
      assertRounding(gbA, gb, gbB, cc.N * len, 'bias gradient');
      // Each gradient on its own (the others null) is the same.
      const [gxOnly, gwOnly, gbOnly] = [new Float32Array(gx.length), new Float32Array(gw.length), new Float32Array(cc.O)];
      K.conv2dBackward(grad, x, g, w, gxOnly, null, null);
      K.conv2dBackward(grad, x, g, w, null, gwOnly, null);
      K.conv2dBackward(grad, x, g, w, null, null, gbOnly);
      assert.equal([Array.from(gxOnly), Array.from(gwOnly), Array.from(gbOnly)], [Array.from(gxA), Array.from(gwA), Array.from(gbA)]);
    });
  }

  test(`${K.name} conv2d kernels in float64 fall back to the reference and agree to float64 rounding`, () => {
    const g = geometry(convCases[2]);
    const x = Float64Array.from(rand(2 * 3 * 13 * 13, 1)), w = Float64Array.from(rand(7 * 27, 2)), b = Float64Array.from(rand(7, 3));
    const y = new Float64Array(2 * 7 * g.outH * g.outW), ref = new Float64Array(y.length);
    K.conv2dForward(x, g, w, b, y);
    sg.jsKernels.conv2dForward(x, g, w, b, ref);
    assert.equal(Array.from(y), Array.from(ref));
    const [gx, gw, gb] = [new Float64Array(x.length), new Float64Array(w.length), new Float64Array(7)];
    const [rx, rw, rb] = [new Float64Array(x.length), new Float64Array(w.length), new Float64Array(7)];
    K.conv2dBackward(y, x, g, w, gx, gw, gb);
    sg.jsKernels.conv2dBackward(y, x, g, w, rx, rw, rb);
    assert.equal([Array.from(gx), Array.from(gw), Array.from(gb)], [Array.from(rx), Array.from(rw), Array.from(rb)]);
  });
}

// ---- Winograd --------------------------------------------------------------------------------------
//
// The wasm backend computes 3×3, stride-1 convolutions with 4 or more input channels as Winograd
// F(2×2, 3×3), Y = Aᵀ[Σ_c (G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, and their input gradient as the same on the output
// gradient with rotated filters (given 8 or more input channels). Its rounding bound is the
// standard one for any evaluation by sums and products: |error| ≤ γ_depth · (the same algorithm
// evaluated on absolute values), with depth = C_in + 14 successive roundings (6 in the filter
// transform, 2 input, 1 product, C_in in the sum over channels, 5 in the output transform and the
// bias). The reference (and wasm where Winograd does not apply, e.g. padding 3 for the input
// gradient) computes directly, with the bound used above for convolutions; each result must meet
// the bound of one of the two algorithms.

const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];
const BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
const AT = [[1, 1, 1, 0], [0, 1, -1, -1]];

/** Multiplies small dense matrices (as nested arrays). */
const matmul = (a: number[][], b: number[][]): number[][] => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: number[][]): number[][] => a[0].map((_, j) => a.map((r) => r[j]));
const absM = (a: number[][]): number[][] => a.map((r) => r.map(Math.abs));

/**
 * Winograd F(2×2, 3×3) evaluated on absolute values, per output element: the majorant of the
 * rounding bound above. `filter(co, ci)` gives a 3×3 filter, `input(ci, y, x)` an input element (0
 * outside), for a correlation with padding `pt`, `pl` and output `[cout, outH, outW]`.
 */
function winogradMajorant(cin: number, cout: number, outH: number, outW: number, pt: number, pl: number, filter: (co: number, ci: number) => number[][], input: (ci: number, y: number, x: number) => number): Float64Array {
  const out = new Float64Array(cout * outH * outW);
  const [aG, aBT, aAT] = [absM(G), absM(BT), absM(AT)];
  const U = Array.from({ length: cout }, (_, co) => Array.from({ length: cin }, (_, ci) => matmul(matmul(aG, absM(filter(co, ci))), transpose(aG))));
  for (let ty = 0; ty < Math.ceil(outH / 2); ty++) {
    for (let tx = 0; tx < Math.ceil(outW / 2); tx++) {
      const V = Array.from({ length: cin }, (_, ci) => {
        const d = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => Math.abs(input(ci, 2 * ty - pt + r, 2 * tx - pl + c))));
        return matmul(matmul(aBT, d), transpose(aBT));
      });
      for (let co = 0; co < cout; co++) {
        const P = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => V.reduce((s, v, ci) => s + U[co][ci][r][c] * v[r][c], 0)));
        const Y = matmul(matmul(aAT, P), transpose(aAT));
        for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
          if (2 * ty + a < outH && 2 * tx + b < outW) out[(co * outH + 2 * ty + a) * outW + 2 * tx + b] = Y[a][b];
        }
      }
    }
  }
  return out;
}

const winogradCases: ConvCase[] = [
  { N: 2, C: 16, H: 9, W: 9, O: 16, kH: 3, kW: 3, s: [1, 1], pad: [0, 0, 0, 0] },
  { N: 3, C: 17, H: 11, W: 14, O: 20, kH: 3, kW: 3, s: [1, 1], pad: [1, 1, 1, 1] },
  { N: 1, C: 16, H: 20, W: 21, O: 24, kH: 3, kW: 3, s: [1, 1], pad: [2, 0, 0, 2] },
  { N: 1, C: 16, H: 5, W: 6, O: 16, kH: 3, kW: 3, s: [1, 1], pad: [3, 3, 3, 3] },
  // Few channels (the smallest the wasm backend sends to Winograd) over more tiles than one block.
  { N: 1, C: 8, H: 67, W: 50, O: 5, kH: 3, kW: 3, s: [1, 1], pad: [1, 1, 1, 1] },
  { N: 2, C: 4, H: 9, W: 8, O: 8, kH: 3, kW: 3, s: [1, 1], pad: [0, 1, 1, 0] },
];

for (const K of backends) {
  for (const cc of winogradCases) {
    const g = geometry(cc);
    test(`${K.name} 3×3 conv x=[${cc.N},${cc.C},${cc.H},${cc.W}] w=[${cc.O},${cc.C},3,3] pad=[${cc.pad.join(',')}]: forward and input gradient within the Winograd (or direct) bound`, () => {
      const len = g.outH * g.outW;
      const x = rand(cc.N * cc.C * cc.H * cc.W, 51), w = rand(cc.O * cc.C * 9, 52), bias = rand(cc.O, 53), grad = rand(cc.N * cc.O * len, 54);
      const wAt = (o: number, c: number, i: number, j: number) => w[((o * cc.C + c) * 3 + i) * 3 + j];
      const out = new Float64Array(cc.N * cc.O * len), gx = new Float64Array(x.length);
      const outB = new Float64Array(out.length), gxB = new Float64Array(x.length); // Σ|terms|, for the direct bound
      for (let n = 0; n < cc.N; n++) for (let o = 0; o < cc.O; o++) out.fill(bias[o], (n * cc.O + o) * len, (n * cc.O + o + 1) * len);
      forEachTerm(g, (n, o, oy, ox, c, y, xx, i, j) => {
        const [yi, xi] = [((n * cc.O + o) * g.outH + oy) * g.outW + ox, ((n * cc.C + c) * cc.H + y) * cc.W + xx];
        out[yi] += wAt(o, c, i, j) * x[xi];
        outB[yi] += Math.abs(wAt(o, c, i, j) * x[xi]);
        gx[xi] += wAt(o, c, i, j) * grad[yi];
        gxB[xi] += Math.abs(wAt(o, c, i, j) * grad[yi]);
      });
      const y = new Float32Array(out.length), gxA = new Float32Array(x.length);
      K.conv2dForward(x, g, w, bias, y);
      K.conv2dBackward(grad, x, g, w, gxA, null, null);
      for (let n = 0; n < cc.N; n++) {
        const fwd = winogradMajorant(cc.C, cc.O, g.outH, g.outW, g.padTop, g.padLeft, (o, c) => [0, 1, 2].map((i) => [0, 1, 2].map((j) => wAt(o, c, i, j))),
          (c, yy, xx) => (yy >= 0 && yy < cc.H && xx >= 0 && xx < cc.W ? x[((n * cc.C + c) * cc.H + yy) * cc.W + xx] : 0));
        const bwd = winogradMajorant(cc.O, cc.C, cc.H, cc.W, 2 - g.padTop, 2 - g.padLeft, (c, o) => [0, 1, 2].map((i) => [0, 1, 2].map((j) => wAt(o, c, 2 - i, 2 - j))),
          (o, yy, xx) => (yy >= 0 && yy < g.outH && xx >= 0 && xx < g.outW ? grad[((n * cc.O + o) * g.outH + yy) * g.outW + xx] : 0));
        for (let k = 0; k < cc.O * len; k++) {
          const e = out[n * cc.O * len + k], a = y[n * cc.O * len + k];
          const absBias = Math.abs(bias[Math.floor(k / len)]);
          const tol = Math.max(1.01 * (cc.C + 14) * EPS32 * (fwd[k] + absBias), 2 * (9 * cc.C + 2) * EPS32 * (outB[n * cc.O * len + k] + absBias)) + 1e-30;
          if (!(Math.abs(a - e) <= tol)) assert.unreachable(`forward image ${n} element ${k}: ${a} vs exact ${e} (tolerance ${tol.toExponential(2)})`);
        }
        const size = cc.C * cc.H * cc.W;
        for (let k = 0; k < size; k++) {
          const e = gx[n * size + k], a = gxA[n * size + k];
          const tol = Math.max(1.01 * (cc.O + 14) * EPS32 * bwd[k], 2 * (cc.O + 10) * EPS32 * gxB[n * size + k]) + 1e-30;
          if (!(Math.abs(a - e) <= tol)) assert.unreachable(`input gradient image ${n} element ${k}: ${a} vs exact ${e} (tolerance ${tol.toExponential(2)})`);
        }
      }
    });
  }
}

for (const K of backends) {
  test(`${K.name} im2col and col2im with fused zero padding are adjoint, <cols(x), c> = <x, col2im(c)>, and wasm equals js bit for bit`, () => {
    const g = geometry(convCases[3]);
    const { channels: C, height: H, width: W, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
    const len = outH * outW;
    const image = C * H * W;
    const x = rand(2 * image, 5);
    const c = rand(C * kH * kW * len, 6);
    const cols = new Float32Array(C * kH * kW * len);
    K.im2col(x, image, C, H, W, kH, kW, strideH, strideW, outH, outW, cols, 0, padTop, padLeft);
    const ref = new Float32Array(cols.length);
    sg.jsKernels.im2col(x, image, C, H, W, kH, kW, strideH, strideW, outH, outW, ref, 0, padTop, padLeft);
    assert.equal(Array.from(cols), Array.from(ref), 'im2col is a copy: every backend gives the same bits');
    const back = new Float32Array(2 * image);
    K.col2im(c, 0, C, H, W, kH, kW, strideH, strideW, outH, outW, back, image, padTop, padLeft);
    let lhs = 0, rhs = 0;
    for (let i = 0; i < cols.length; i++) lhs += cols[i] * c[i];
    for (let i = 0; i < back.length; i++) rhs += x[i] * back[i];
    assert.ok(Math.abs(lhs - rhs) < 1e-4, `${lhs} vs ${rhs}`);
    assert.ok(back.subarray(0, image).every((v) => v === 0), 'image 0 untouched');
  });
}

for (const K of backends) {
  test(`${K.name}: conv2d (fused kernels) equals the composition pad → im2col → matmul → + bias, values and gradients`, () => {
    const prev = sg.setKernels(K);
    try {
      const x = sg.tensor(rand(2 * 3 * 9 * 8, 21), { shape: [2, 3, 9, 8], requiresGrad: true });
      const w = sg.tensor(rand(5 * 3 * 3 * 2, 22), { shape: [5, 3, 3, 2], requiresGrad: true });
      const b = sg.tensor(rand(5, 23), { shape: [5], requiresGrad: true });
      const up = sg.tensor(rand(2 * 5 * 5 * 8, 24), { shape: [2, 5, 5, 8] });
      const fused = sg.conv2d(x, w, { bias: b, stride: [2, 1], padding: [1, 2, 0, 1] });
      fused.mul(up).sum().backward();
      const grads = [x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.data));
      x.grad = w.grad = b.grad = null;
      const cols = sg.im2col(sg.pad(x, [1, 2, 0, 1]), [3, 2], { stride: [2, 1] });
      const composed = sg.matmul(w.reshape([5, 18]), cols).reshape([2, 5, 5, 8]).add(b.reshape([5, 1, 1]));
      composed.mul(up).sum().backward();
      const close = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
        for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i])), `${what}[${i}]: ${a[i]} vs ${e[i]}`);
      };
      close(fused.data, composed.data, 'output');
      close(grads[0], x.grad!.data, 'x.grad');
      close(grads[1], w.grad!.data, 'weight.grad');
      close(grads[2], b.grad!.data, 'bias.grad');
    } finally {
      sg.setKernels(prev);
    }
  });
}

// ---- pooling and ReLU -----------------------------------------------------------------------------

test('maxPool2dForward: the unrolled 2×2 path picks the same winners as the general loop (ties, NaN, −∞)', () => {
  const x = rand(3 * 9 * 10, 31);
  x[0] = x[1] = 5; // a tie: the first wins
  x[22] = NaN; // NaN wins its window
  x.fill(-Infinity, 40, 42); // a window of −∞ (rows 4: x=0..1) keeps its first element
  x.fill(-Infinity, 50, 52);
  for (const stride of [2, 1, 3]) {
    const g: PoolGeometry = { planes: 3, height: 9, width: 10, kH: 2, kW: 2, strideH: stride, strideW: stride, padH: 0, padW: 0, outH: Math.floor((9 - 2) / stride) + 1, outW: Math.floor((10 - 2) / stride) + 1 };
    const count = 3 * g.outH * g.outW;
    const [out, arg] = [new Float32Array(count), new Int32Array(count)];
    maxPool2dForward(x, g, out, arg);
    // Against a direct scan with the general loop's comparison.
    let k = 0;
    for (let p = 0; p < 3; p++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++, k++) {
      let best = -Infinity, at = oy * stride * 10 + ox * stride;
      for (let y = oy * stride; y < oy * stride + 2; y++) for (let xi = ox * stride; xi < ox * stride + 2; xi++) {
        const v = x[p * 90 + y * 10 + xi];
        if (v > best || v !== v) { best = v; at = y * 10 + xi; }
      }
      assert.ok(Object.is(out[k], Math.fround(best)), `stride ${stride} window ${k}: ${out[k]} vs ${best}`);
      assert.is(arg[k], at, `stride ${stride} window ${k} argmax`);
    }
    const gx = new Float32Array(3 * 90);
    maxPool2dBackward(new Float32Array(count).fill(1), arg, g, gx);
    assert.is(gx.reduce((s, v) => s + v, 0), count, 'every output gradient lands once');
  }
});

/** Calls `visit(k, p, y, x)` for every output `k` and every in-image element of its window. */
function forEachWindowElement(g: PoolGeometry, visit: (k: number, p: number, y: number, x: number) => void): void {
  let k = 0;
  for (let p = 0; p < g.planes; p++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++, k++) {
    for (let i = 0; i < g.kH; i++) for (let j = 0; j < g.kW; j++) {
      const y = oy * g.strideH - g.padH + i, x = ox * g.strideW - g.padW + j;
      if (y >= 0 && y < g.height && x >= 0 && x < g.width) visit(k, p, y, x);
    }
  }
}

for (const [kH, kW, sH, sW, padH, padW] of [[3, 3, 2, 2, 1, 1], [2, 3, 1, 2, 1, 0], [3, 2, 3, 1, 0, 1], [1, 1, 1, 1, 0, 0]]) {
  const [H, W] = [7, 13];
  const g: PoolGeometry = { planes: 3, height: H, width: W, kH, kW, strideH: sH, strideW: sW, padH, padW, outH: Math.floor((H + 2 * padH - kH) / sH) + 1, outW: Math.floor((W + 2 * padW - kW) / sW) + 1 };
  test(`max and avg pooling x=[3,${H},${W}] kernel=${kH}x${kW} stride=${sH}x${sW} pad=${padH}x${padW} equal the definition, forward and backward`, () => {
    const x = rand(3 * H * W, kH * 10 + kW);
    const count = 3 * g.outH * g.outW;
    const grad = rand(count, 7);
    const [mx, arg] = [new Float32Array(count), new Int32Array(count)];
    maxPool2dForward(x, g, mx, arg);
    const best = new Float64Array(count).fill(-Infinity), at = new Int32Array(count).fill(-1);
    const sum = new Float64Array(count), real = new Int32Array(count);
    forEachWindowElement(g, (k, p, y, xi) => {
      const v = x[p * H * W + y * W + xi];
      if (v > best[k]) { best[k] = v; at[k] = y * W + xi; }
      sum[k] += v;
      real[k]++;
    });
    assert.equal(Array.from(mx), Array.from(best, Math.fround));
    assert.equal(Array.from(arg), Array.from(at));
    const gxMax = new Float32Array(3 * H * W);
    maxPool2dBackward(grad, arg, g, gxMax);
    const expectMax = new Float64Array(3 * H * W);
    for (let k = 0; k < count; k++) expectMax[Math.floor(k / (g.outH * g.outW)) * H * W + at[k]] += grad[k];
    assertRounding(gxMax, expectMax, Array.from(expectMax, Math.abs), 4, 'max backward');
    for (const include of [true, false]) {
      const avg = new Float32Array(count);
      avgPool2dForward(x, g, include, avg);
      const divisor = (k: number) => {
        if (!include) return real[k];
        const oy = Math.floor(k / g.outW) % g.outH, ox = k % g.outW;
        const h = Math.min(oy * sH - padH + kH, H + padH) - (oy * sH - padH);
        const w = Math.min(ox * sW - padW + kW, W + padW) - (ox * sW - padW);
        return h * w;
      };
      assertRounding(avg, Array.from(sum, (s, k) => s / divisor(k)), Array.from(sum, (_, k) => 2 * kH * kW / divisor(k)), kH * kW, `avg forward countIncludePad=${include}`);
      const gxAvg = new Float32Array(3 * H * W);
      avgPool2dBackward(grad, g, include, gxAvg);
      const expectAvg = new Float64Array(3 * H * W), bound = new Float64Array(3 * H * W);
      forEachWindowElement(g, (k, p, y, xi) => {
        expectAvg[p * H * W + y * W + xi] += grad[k] / divisor(k);
        bound[p * H * W + y * W + xi] += 2 * Math.abs(grad[k] / divisor(k));
      });
      assertRounding(gxAvg, expectAvg, bound, kH * kW, `avg backward countIncludePad=${include}`);
    }
  });
}

for (const K of backends) {
  for (const [planes, H, W] of [[1, 2, 2], [3, 7, 13], [5, 26, 26], [2, 9, 19], [1, 65, 65]]) {
    test(`${K.name} maxPool2dForward 2×2 stride 2 x=[${planes},${H},${W}] equals the reference bit for bit (ties, NaN, −∞)`, () => {
      const x = rand(planes * H * W, H * 100 + W);
      for (let i = 0; i < x.length; i += 17) x[i + 1] = x[i]; // ties
      for (let i = 5; i < x.length; i += 41) x[i] = NaN;
      for (let i = 9; i < x.length; i += 29) x[i] = -Infinity;
      if (x.length >= 4) x.fill(-Infinity, 0, 2);
      const g: PoolGeometry = { planes, height: H, width: W, kH: 2, kW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: H >> 1, outW: W >> 1 };
      const count = planes * g.outH * g.outW;
      const [out, arg, refOut, refArg] = [new Float32Array(count), new Int32Array(count), new Float32Array(count), new Int32Array(count)];
      K.maxPool2dForward(x, g, out, arg);
      maxPool2dForward(x, g, refOut, refArg);
      assert.equal(Array.from(arg), Array.from(refArg));
      assert.equal(Array.from(out), Array.from(refOut));
    });
  }

  // Any window, stride and padding: ResNet's 3×3 stride-2 stem pooling, overlapping and clipped windows.
  const windows: [number, number, number, number, number, number, number, number, number][] = [
    // planes, H, W, kH, kW, sH, sW, padH, padW
    [6, 16, 16, 3, 3, 2, 2, 1, 1], [3, 7, 9, 3, 2, 1, 2, 1, 0], [2, 5, 5, 5, 5, 1, 1, 2, 2], [4, 11, 6, 2, 3, 3, 1, 0, 1], [1, 1, 1, 1, 1, 1, 1, 0, 0],
    // Several groups of four outputs a row and a partial last one; a column stride of 3 (lanes gathered one by one).
    [2, 21, 35, 3, 3, 2, 2, 1, 1], [3, 13, 23, 3, 4, 2, 3, 1, 2],
  ];
  for (const [planes, H, W, kH, kW, sH, sW, padH, padW] of windows) {
    const outH = Math.floor((H + 2 * padH - kH) / sH) + 1, outW = Math.floor((W + 2 * padW - kW) / sW) + 1;
    test(`${K.name} maxPool2dForward ${kH}×${kW} stride ${sH}×${sW} padding ${padH}×${padW} x=[${planes},${H},${W}] equals the reference bit for bit (ties, NaN, −∞)`, () => {
      const x = rand(planes * H * W, H * 31 + W);
      for (let i = 0; i + 1 < x.length; i += 7) x[i + 1] = x[i]; // ties
      for (let i = 3; i < x.length; i += 23) x[i] = NaN;
      for (let i = 2; i + 1 < x.length; i += 37) x[i + 1] = x[i] = NaN; // two NaN in a window: which one wins matters to the gradient
      for (let i = 6; i < x.length; i += 19) x[i] = -Infinity;
      if (x.length >= 4) x.fill(-Infinity, 0, 3);
      // A plane of −∞: every window's first real element wins, never the padding.
      if (planes > 1) x.fill(-Infinity, (planes - 1) * H * W);
      const g: PoolGeometry = { planes, height: H, width: W, kH, kW, strideH: sH, strideW: sW, padH, padW, outH, outW };
      const count = planes * outH * outW;
      const [out, arg, refOut, refArg] = [new Float32Array(count), new Int32Array(count), new Float32Array(count), new Int32Array(count)];
      K.maxPool2dForward(x, g, out, arg);
      maxPool2dForward(x, g, refOut, refArg);
      assert.equal(Array.from(arg), Array.from(refArg));
      assert.equal(Array.from(out), Array.from(refOut));
    });
  }

  test(`${K.name} maxPool2dForward in float64 falls back to the reference`, () => {
    const x = rand(2 * 7 * 7, 3);
    const g2: PoolGeometry = { planes: 2, height: 7, width: 7, kH: 2, kW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: 3, outW: 3 };
    const x64 = Float64Array.from(x);
    const [o64, a64, r64, ra64] = [new Float64Array(18), new Int32Array(18), new Float64Array(18), new Int32Array(18)];
    K.maxPool2dForward(x64, g2, o64, a64);
    maxPool2dForward(x64, g2, r64, ra64);
    assert.equal([Array.from(o64), Array.from(a64)], [Array.from(r64), Array.from(ra64)]);
  });
}

for (const K of backends) {
  for (const n of [7, (1 << 14) + 3, 100003]) {
    test(`${K.name} reluForward and reluBackward on ${n} elements equal the reference (±0, NaN, ±∞)`, () => {
      const x = rand(n, n);
      const g = rand(n, n + 1);
      for (let i = 0; i < n; i += 13) x[i] = [0, -0, NaN, Infinity, -Infinity][(i / 13) % 5];
      g[n - 1] = NaN;
      const [out, ref, gx, refGx] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      K.reluForward(x, out);
      reluForward(x, ref);
      K.reluBackward(g, x, gx);
      reluBackward(g, x, refGx);
      for (let i = 0; i < n; i++) {
        if (!Object.is(out[i], ref[i]) && !(Number.isNaN(out[i]) && Number.isNaN(ref[i]))) assert.unreachable(`forward ${i}: ${out[i]} vs ${ref[i]} (x = ${x[i]})`);
        if (!Object.is(gx[i], refGx[i]) && !(Number.isNaN(gx[i]) && Number.isNaN(refGx[i]))) assert.unreachable(`backward ${i}: ${gx[i]} vs ${refGx[i]}`);
      }
    });
  }

  test(`${K.name} reluForward and reluBackward on int32 and float64 input take the reference`, () => {
    const xi = Int32Array.from({ length: 1 << 15 }, (_, i) => (i % 7) - 3);
    const out = new Float32Array(xi.length);
    K.reluForward(xi, out);
    assert.equal(Array.from(out.subarray(0, 7)), [0, 0, 0, 0, 1, 2, 3]);
    const x = Float64Array.from(rand(1 << 15, 4)), gx = new Float64Array(x.length);
    K.reluBackward(new Float64Array(x.length).fill(3), x, gx);
    assert.ok(gx.every((v, i) => v === (x[i] > 0 ? 3 : 0)));
  });
}

for (const K of backends) {
  // Overlapping windows (3×3 stride 2 and stride 1, ResNet's stem pooling and denser), and 2×2; small and big.
  for (const [kH, stride, pad, planes, side] of [[3, 2, 1, 64, 24], [3, 1, 1, 48, 20], [2, 2, 0, 64, 24], [3, 2, 1, 3, 9]]) {
    test(`${K.name} maxPool2dBackward ${kH}×${kH} stride ${stride} on ${planes} planes of ${side}×${side}: the reference's bits (windows sharing a winner, ±0 gradients), old values in gx overwritten`, () => {
      const out = Math.floor((side + 2 * pad - kH) / stride) + 1;
      const g: PoolGeometry = { planes, height: side, width: side, kH, kW: kH, strideH: stride, strideW: stride, padH: pad, padW: pad, outH: out, outW: out };
      const x = rand(planes * side * side, side + kH).map((v) => Math.round(v * 4) / 4); // ties: windows share winners
      const count = planes * out * out;
      const [pooled, arg] = [new Float32Array(count), new Int32Array(count)];
      maxPool2dForward(x, g, pooled, arg);
      const grad = rand(count, side + stride);
      for (let k = 0; k < count; k += 7) grad[k] = k % 14 === 0 ? -0 : 0;
      const want = new Float32Array(x.length);
      maxPool2dBackward(grad, arg, g, want);
      const got = rand(x.length, 99); // old values: every element must be written
      K.maxPool2dBackward(grad, arg, g, got);
      assert.equal(bits(got), bits(want));
      if (stride < kH) assert.ok(new Set(arg).size < arg.length, 'some windows share a winner');
    });
  }
}

for (const K of backends) {
  for (const n of [7, (1 << 14) + 3, 100003]) {
    test(`${K.name} add on ${n} elements gives float32 sums (±0, NaN, ±∞, overflow), also into either operand`, () => {
      const a = rand(n, n + 2), b = rand(n, n + 3);
      const specials = [0, -0, NaN, Infinity, -Infinity, 3e38];
      for (let i = 0; i < n; i += 17) [a[i], b[i]] = [specials[(i / 17) % 6], specials[(i / 17 + 1) % 6]];
      const want = Float32Array.from(a, (v, i) => v + b[i]);
      const same = (got: Float32Array, what: string): void => {
        for (let i = 0; i < n; i++) {
          if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) assert.unreachable(`${what} ${i}: ${got[i]} vs ${want[i]}`);
        }
      };
      const out = new Float32Array(n);
      K.add(a, b, out);
      same(out, 'out');
      const [intoA, intoB] = [a.slice(), b.slice()];
      K.add(intoA, b, intoA);
      K.add(a, intoB, intoB);
      same(intoA, 'into a');
      same(intoB, 'into b');
    });
  }

  test(`${K.name} add on int32 and float64 arrays takes the reference (rounding to the output's type)`, () => {
    const n = 1 << 15;
    const a = Int32Array.from({ length: n }, (_, i) => i - 5), b = Float64Array.from({ length: n }, (_, i) => i / 4);
    const out = new Float64Array(n);
    K.add(a, b, out);
    assert.ok(out.every((v, i) => v === i - 5 + i / 4));
    const ints = new Int32Array(n);
    K.add(a, a, ints);
    assert.ok(ints.every((v, i) => v === 2 * (i - 5)));
  });
}

for (const K of backends) {
  // ReLU6's bounds, hardtanh's defaults, and bounds that are not float32 values (which take the reference).
  for (const [lo, hi] of [[0, 6], [-1, 1], [0.1, 0.7]]) {
    for (const n of [7, (1 << 14) + 3, 100003]) {
      test(`${K.name} hardtanhForward and hardtanhBackward [${lo}, ${hi}] on ${n} elements give the reference's bits (the bounds, just past them, ±0, NaN, ±∞)`, () => {
        const x = rand(n, n + 7).map((v) => v * 8);
        const g = rand(n, n + 8);
        const specials = [0, -0, NaN, Infinity, -Infinity, lo, hi, Math.fround(lo), Math.fround(hi), Math.fround(lo) - 1e-7, Math.fround(hi) + 1e-6];
        for (let i = 0; i < n; i += 11) x[i] = specials[(i / 11) % specials.length];
        g[n - 1] = NaN;
        g[n - 2] = -Infinity;
        const [out, ref, gx, refGx] = [new Float32Array(n), new Float32Array(n), new Float32Array(n).fill(NaN), new Float32Array(n)];
        K.hardtanhForward(x, out, lo, hi);
        sg.jsKernels.hardtanhForward(x, ref, lo, hi);
        K.hardtanhBackward(g, x, gx, lo, hi);
        sg.jsKernels.hardtanhBackward(g, x, refGx, lo, hi);
        assert.equal(bits(out), bits(ref));
        assert.equal(bits(gx), bits(refGx));
      });
    }
  }
}

test('general max pooling in wasm gives the same winners on one and two threads (each thread pads its planes in its own scratch)', () => {
  const g: PoolGeometry = { planes: 37, height: 16, width: 15, kH: 3, kW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, outH: 8, outW: 8 };
  const x = rand(g.planes * g.height * g.width, 93);
  for (let i = 4; i < x.length; i += 31) x[i] = NaN;
  const run = (): number[][] => {
    const count = g.planes * g.outH * g.outW;
    const [out, arg] = [new Float32Array(count), new Int32Array(count)];
    sg.wasmKernels.maxPool2dForward(x, g, out, arg);
    return [bits(out), Array.from(arg)];
  };
  const [one, two, racing] = onOneAndTwoThreads(run);
  const count = g.planes * g.outH * g.outW;
  const [refOut, refArg] = [new Float32Array(count), new Int32Array(count)];
  maxPool2dForward(x, g, refOut, refArg);
  assert.equal(one, [bits(refOut), Array.from(refArg)]);
  assert.equal(two, one);
  assert.equal(racing, one);
});

test('hardtanh in wasm gives the same bits on one and two threads (workers forced to run the chunks)', () => {
  const n = 100003;
  const x = rand(n, 91).map((v) => v * 8), g = rand(n, 92);
  const run = (): number[][] => {
    const [out, gx] = [new Float32Array(n), new Float32Array(n)];
    sg.wasmKernels.hardtanhForward(x, out, 0, 6);
    sg.wasmKernels.hardtanhBackward(g, x, gx, 0, 6);
    return [bits(out), bits(gx)];
  };
  const [one, two, racing] = onOneAndTwoThreads(run);
  assert.equal(two, one);
  assert.equal(racing, one);
});

test('binaryBroadcast over [2,3,4]: scalar to shape (filled rows), row vector, column vector', () => {
  const shape = [2, 3, 4];
  const out = new Float32Array(24);
  binaryBroadcast(new Float32Array([5]), [0, 0, 0], new Float32Array([2]), [0, 0, 0], shape, out, (x, y) => x * y);
  assert.ok(out.every((v) => v === 10));
  const row = Float32Array.from([1, 2, 3, 4]), col = Float32Array.from([10, 20, 30]);
  binaryBroadcast(row, [0, 0, 1], col, [0, 1, 0], shape, out, (x, y) => x + y);
  assert.equal(Array.from(out.subarray(0, 12)), [11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34]);
  assert.equal(Array.from(out.subarray(12)), Array.from(out.subarray(0, 12)));
});

test('reluForward and reluBackward: max(x, 0) with +0 for x ≤ 0, NaN propagating; gradient masked by x > 0', () => {
  const x = new Float32Array([-2, -0, 0, 1e-30, 3.5, NaN, -Infinity, Infinity, 3.4e38]);
  const out = new Float32Array(x.length);
  reluForward(x, out);
  assert.equal(Array.from(out).map((v) => (Object.is(v, -0) ? '-0' : v)), [0, 0, 0, Math.fround(1e-30), 3.5, NaN, 0, Infinity, Math.fround(3.4e38)]);
  const gx = new Float32Array(x.length);
  reluBackward(new Float32Array(x.length).fill(2), x, gx);
  assert.equal(Array.from(gx), [0, 0, 0, 2, 2, 0, 0, 2, 2]);
  const f64 = new Float64Array([1.7e308, -1.7e308, 5e-324, -5e-324, NaN]);
  const f64Out = new Float64Array(f64.length);
  reluForward(f64, f64Out);
  assert.equal(Array.from(f64Out), [1.7e308, 0, 5e-324, 0, NaN], 'float64 at the ends of its range');
});

test.run();
