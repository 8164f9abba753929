import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

// ---- the seed library's example -----------------------------------------------------------------

test('conv2d seed example x=[1,3,28,28] w=[16,3,3,3] stride=1 padding=1 → [1,16,28,28], kernel.grad [16,3,3,3]', () => {
  sg.manualSeed(42);
  const x = sg.normal([1, 3, 28, 28]);
  const kernel = sg.normal([16, 3, 3, 3], { requiresGrad: true });
  const out = sg.conv2d(x, kernel, { stride: 1, padding: 1 });
  assert.equal(out.shape, [1, 16, 28, 28]);
  assert.is(out.dtype, 'float32');
  out.sum().backward();
  assert.equal(kernel.grad!.shape, [16, 3, 3, 3]);
  assert.is(x.grad, null);
});

// ---- forward against PyTorch (torch 1.13, float64; values pasted from /usr/bin/python3) ------------

test('conv2d x=[1,2,4,4] w=[2,2,3,3] stride=[2,1] pad=[1,0,2,1] mode=reflect bias equals torch', () => {
  // x = arange(32).reshape(1,2,4,4); w = arange(36).reshape(2,2,3,3) % 5 - 2; b = [0.5, -1]
  // torch: F.conv2d(F.pad(x, (2, 1, 1, 0), mode='reflect'), w, b, stride=(2, 1))
  const x = sg.arange(32, undefined, 1, { dtype: 'float64' }).reshape([1, 2, 4, 4]);
  const wd = Array.from({ length: 36 }, (_, i) => (i % 5) - 2);
  const w = sg.tensor(wd, { shape: [2, 2, 3, 3], dtype: 'float64' });
  const bias = sg.tensor([0.5, -1], { dtype: 'float64' });
  const y = sg.conv2d(x, w, { bias, stride: [2, 1], padding: [1, 0, 2, 1], padMode: 'reflect' });
  assert.equal(y.shape, [1, 2, 2, 5]);
  assertClose(y.data, [-48.5, -45.5, -44.5, -47.5, -50.5, -40.5, -37.5, -36.5, -39.5, -42.5,
    35, 30, 29, 30, 35, 11, 6, 5, 6, 11], 1e-12, 1e-12, 'conv2d reflect');
});

test('conv2d x=[2,3,3] (3-D) w=[1,2,2,2] padding=1 mode=circular equals torch, output has no batch dim', () => {
  // torch: F.conv2d(F.pad(x[None], (1, 1, 1, 1), mode='circular'), w)[0]
  const x = sg.arange(1, 19, 1, { dtype: 'float64' }).reshape([2, 3, 3]);
  const w = sg.tensor([[[[1, 0], [0, -1]], [[2, 1], [0, 0]]]], { dtype: 'float64' });
  const y = sg.conv2d(x, w, { padding: 1, padMode: 'circular' });
  assert.equal(y.shape, [1, 4, 4]);
  assert.equal(Array.from(y.data), [60, 54, 57, 60, 33, 27, 30, 33, 42, 36, 39, 42, 60, 54, 57, 60]);
});

test('conv2d with padding equals conv2d of the input padded by sg.pad (same mode, same value)', () => {
  const x = randLeaf([2, 3, 5, 6], 1);
  const w = randLeaf([4, 3, 3, 2], 2);
  for (const padMode of ['constant', 'reflect', 'replicate', 'symmetric', 'circular', 'edge', 'wrap'] as const) {
    const a = sg.conv2d(x, w, { padding: [1, 2, 0, 1], padMode, padValue: 0.25, stride: [1, 2] });
    const b = sg.conv2d(sg.pad(x, [1, 2, 0, 1], { mode: padMode, value: 0.25 }), w, { stride: [1, 2] });
    assertClose(a.data, b.data, 1e-12, 1e-12, padMode);
  }
});

test('conv2d padWidth (the seed name) equals padding; [ph, pw] means [ph, ph, pw, pw]', () => {
  const x = randLeaf([1, 2, 5, 5], 3);
  const w = randLeaf([3, 2, 3, 3], 4);
  const ref = sg.conv2d(x, w, { padding: [1, 1, 2, 2] });
  assert.equal(sg.conv2d(x, w, { padWidth: [1, 1, 2, 2] }).toArray(), ref.toArray());
  assert.equal(sg.conv2d(x, w, { padding: [1, 2] }).toArray(), ref.toArray());
  assert.equal(sg.conv2d(x, w, { padding: [1, 2], padWidth: [1, 1, 2, 2] }).toArray(), ref.toArray());
  assert.equal(x.conv2d(w, { padding: [1, 2] }).toArray(), ref.toArray());
});

// ---- gradients (float64 central differences) --------------------------------------------------------

interface ConvCase {
  x: number[]; w: number[]; bias: boolean;
  opts: Omit<sg.Conv2dOptions, 'bias'>;
}
const convCases: [string, ConvCase][] = [
  ['x=[2,3,7,7] w=[4,3,3,3] stride=[2,1] pad=[1,0,2,1] mode=reflect bias',
    { x: [2, 3, 7, 7], w: [4, 3, 3, 3], bias: true, opts: { stride: [2, 1], padding: [1, 0, 2, 1], padMode: 'reflect' } }],
  ['x=[2,2,6,6] w=[3,2,3,3] stride=2 pad=1 mode=constant bias',
    { x: [2, 2, 6, 6], w: [3, 2, 3, 3], bias: true, opts: { stride: 2, padding: 1 } }],
  ['x=[1,3,5,6] w=[2,3,1,1] stride=1 pad=0 (1x1 kernel) no bias',
    { x: [1, 3, 5, 6], w: [2, 3, 1, 1], bias: false, opts: {} }],
  ['x=[2,2,6,7] w=[2,2,5,5] stride=[1,2] pad=2 mode=replicate no bias (5x5 kernel)',
    { x: [2, 2, 6, 7], w: [2, 2, 5, 5], bias: false, opts: { stride: [1, 2], padding: 2, padMode: 'replicate' } }],
  ['x=[2,5,5] (3-D) w=[3,2,3,3] pad=[1,1] mode=circular bias',
    { x: [2, 5, 5], w: [3, 2, 3, 3], bias: true, opts: { padding: [1, 1], padMode: 'circular' } }],
  ['x=[1,2,4,5] w=[2,2,2,3] stride=[3,2] pad=[0,1,1,0] padValue=0.5 bias',
    { x: [1, 2, 4, 5], w: [2, 2, 2, 3], bias: true, opts: { stride: [3, 2], padding: [0, 1, 1, 0], padValue: 0.5 } }],
  ['x=[1,1,3,3] w=[2,1,3,3] stride=1 pad=[4,0,0,4] mode=symmetric (pad wider than the input) no bias',
    { x: [1, 1, 3, 3], w: [2, 1, 3, 3], bias: false, opts: { padding: [4, 0, 0, 4], padMode: 'symmetric' } }],
];
for (const [name, c] of convCases) {
  test(`conv2d gradcheck ${name}`, () => {
    const x = randLeaf(c.x, 21);
    const w = randLeaf(c.w, 22);
    const b = randLeaf([c.w[0]], 23);
    const inputs = c.bias ? [x, w, b] : [x, w];
    gradcheck((xi, wi, bi) => sg.conv2d(xi, wi, { ...c.opts, bias: bi }), inputs, { maxPerInput: 60 });
  });
}

test('conv2d gradients for x, weight and bias all arrive (x=[2,3,6,6] w=[4,3,3,3] bias)', () => {
  const x = randLeaf([2, 3, 6, 6], 31);
  const w = randLeaf([4, 3, 3, 3], 32);
  const b = randLeaf([4], 33);
  sg.conv2d(x, w, { bias: b, padding: 1 }).sum().backward();
  assert.equal(x.grad!.shape, [2, 3, 6, 6]);
  assert.equal(w.grad!.shape, [4, 3, 3, 3]);
  // d(sum)/d(bias[o]) is the number of output positions of channel o summed over the batch.
  assert.equal(Array.from(b.grad!.data), [72, 72, 72, 72]);
});

// ---- dilation and groups --------------------------------------------------------------------------

const groupedCases: [string, ConvCase][] = [
  ['x=[2,4,7,8] w=[6,2,3,3] groups=2 dilation=[2,1] stride=[2,1] pad=[1,0,2,1] bias',
    { x: [2, 4, 7, 8], w: [6, 2, 3, 3], bias: true, opts: { groups: 2, dilation: [2, 1], stride: [2, 1], padding: [1, 0, 2, 1] } }],
  ['x=[1,3,7,6] w=[6,1,3,3] depthwise multiplier 2 (groups=3) dilation=2 pad=2 bias',
    { x: [1, 3, 7, 6], w: [6, 1, 3, 3], bias: true, opts: { groups: 3, dilation: 2, padding: 2 } }],
  ['x=[2,6,6,7] w=[3,2,2,3] groups=3 dilation=[1,2] stride=[1,2] pad=[0,1,2,0] mode=reflect no bias',
    { x: [2, 6, 6, 7], w: [3, 2, 2, 3], bias: false, opts: { groups: 3, dilation: [1, 2], stride: [1, 2], padding: [0, 1, 2, 0], padMode: 'reflect' } }],
  ['x=[4,6,6] (3-D) w=[4,2,3,3] groups=2 dilation=3 pad=3 padValue=0.5 bias',
    { x: [4, 6, 6], w: [4, 2, 3, 3], bias: true, opts: { groups: 2, dilation: 3, padding: 3, padValue: 0.5 } }],
];
for (const [name, c] of groupedCases) {
  test(`conv2d gradcheck ${name}`, () => {
    const x = randLeaf(c.x, 24);
    const w = randLeaf(c.w, 25);
    const b = randLeaf([c.w[0]], 26);
    const inputs = c.bias ? [x, w, b] : [x, w];
    gradcheck((xi, wi, bi) => sg.conv2d(xi, wi, { ...c.opts, bias: bi }), inputs, { maxPerInput: 60 });
  });
}

test('conv2d x=[1,2,5,5] w=[2,1,2,2] groups=2 dilation=2 equals the definition (each output channel sees its own input channel)', () => {
  const x = sg.arange(50, undefined, 1, { dtype: 'float64' }).reshape([1, 2, 5, 5]);
  const w = sg.tensor([[[[1, 0], [0, -1]]], [[[0, 2], [1, 0]]]], { dtype: 'float64' });
  const y = sg.conv2d(x, w, { groups: 2, dilation: 2 });
  assert.equal(y.shape, [1, 2, 3, 3]);
  // channel 0: x0[r][q] − x0[r+2][q+2]; channel 1: 2·x1[r][q+2] + x1[r+2][q]
  const at = (c: number, r: number, q: number): number => 25 * c + 5 * r + q;
  const expected: number[] = [];
  for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) expected.push(at(0, r, q) - at(0, r + 2, q + 2));
  for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) expected.push(2 * at(1, r, q + 2) + at(1, r + 2, q));
  assert.equal(Array.from(y.data), expected);
});

test('conv2d output size follows PyTorch with dilation: ⌊(H + pads − d·(k − 1) − 1)/s⌋ + 1', () => {
  const x = sg.zeros([1, 2, 11, 9]);
  assert.equal(sg.conv2d(x, sg.zeros([4, 2, 3, 3]), { dilation: [2, 3], stride: [2, 1], padding: [1, 0, 0, 2] }).shape, [1, 4, 4, 5]);
  assert.equal(sg.conv2d(x, sg.zeros([4, 1, 3, 3]), { groups: 2, dilation: 4 }).shape, [1, 4, 3, 1]);
});

test('conv2d groups=G equals G separate convolutions over the channel slices, concatenated', () => {
  const x = randLeaf([2, 6, 5, 5], 27);
  const w = randLeaf([4, 3, 3, 3], 28);
  const b = randLeaf([4], 29);
  const y = sg.conv2d(x, w, { bias: b, groups: 2, padding: 1, dilation: [1, 2] });
  const parts = [0, 1].map((k) => sg.conv2d(sg.slice(x, null, [3 * k, 3 * k + 3]), sg.slice(w, [2 * k, 2 * k + 2]),
    { bias: sg.slice(b, [2 * k, 2 * k + 2]), padding: 1, dilation: [1, 2] }));
  assertClose(y.data, sg.cat(parts, 1).data, 1e-12, 1e-12, 'grouped');
});

// ---- im2col / col2im ----------------------------------------------------------------------------

test('im2col x=[1,1,3,3] kernel=2 lays out one kernel tap per row, one window per column', () => {
  const cols = sg.im2col(sg.arange(1, 10).reshape([1, 1, 3, 3]), 2);
  assert.equal(cols.toArray(), [[[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]]);
});

test('im2col x=[1,2,3,5] kernel=[2,2] stride=[1,2]: shape and strided values', () => {
  const cols = sg.im2col(sg.arange(30).reshape([1, 2, 3, 5]), [2, 2], { stride: [1, 2] });
  assert.equal(cols.shape, [1, 8, 4]);
  // row 0 = tap (c=0, i=0, j=0) at windows (0,0), (0,2), (1,0), (1,2); row 7 = tap (c=1, i=1, j=1)
  assert.equal((cols.toArray() as number[][][])[0][0], [0, 2, 5, 7]);
  assert.equal((cols.toArray() as number[][][])[0][7], [21, 23, 26, 28]);
});

test('col2im(im2col(ones)) counts how many windows cover each pixel', () => {
  const x = sg.ones([1, 1, 3, 3]);
  assert.equal(sg.col2im(sg.im2col(x, 2), [3, 3], 2).toArray(), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  // stride 2 over width 4 with kernel 1 leaves columns 1 and 3 uncovered.
  assert.equal(sg.col2im(sg.im2col(sg.ones([1, 1, 1, 4]), 1, { stride: 2 }), [1, 4], 1, { stride: 2 }).toArray(), [[[[1, 0, 1, 0]]]]);
});

test('im2col gradcheck x=[2,2,5,6] kernel=[3,2] stride=[2,3]', () => {
  gradcheck((x) => sg.im2col(x, [3, 2], { stride: [2, 3] }), [randLeaf([2, 2, 5, 6], 41)]);
});

test('im2col gradcheck x=[1,3,4,4] kernel=3 stride=1 (overlapping windows)', () => {
  gradcheck((x) => sg.im2col(x, 3), [randLeaf([1, 3, 4, 4], 42)]);
});

test('col2im gradcheck cols=[2,12,9] outputSize=[4,5] kernel=[2,3] stride=[1,1]', () => {
  gradcheck((c) => sg.col2im(c, [4, 5], [2, 3]), [randLeaf([2, 12, 9], 43)]);
});

test('conv2d goes through kernels(): a swapped-in backend is used for the fused convolution', () => {
  const calls = { conv2dForward: 0, conv2dBackward: 0 };
  const spy: sg.Kernels = {
    ...sg.jsKernels,
    name: 'spy',
    conv2dForward: (...a) => { calls.conv2dForward++; sg.jsKernels.conv2dForward(...a); },
    conv2dBackward: (...a) => { calls.conv2dBackward++; sg.jsKernels.conv2dBackward(...a); },
  };
  const prev = sg.setKernels(spy);
  try {
    const x = randLeaf([2, 1, 4, 4], 44);
    sg.conv2d(x, randLeaf([1, 1, 2, 2], 45)).sum().backward();
  } finally {
    sg.setKernels(prev);
  }
  assert.equal(calls, { conv2dForward: 1, conv2dBackward: 1 });
});

test('im2col x=[1,1,4,5] kernel=2 dilation=[2,3]: taps 2 rows and 3 columns apart', () => {
  const cols = sg.im2col(sg.arange(20).reshape([1, 1, 4, 5]), 2, { dilation: [2, 3] });
  // windows at (0,0), (0,1), (1,0), (1,1); taps at (0,0), (0,3), (2,0), (2,3) from the corner
  assert.equal(cols.toArray(), [[[0, 1, 5, 6], [3, 4, 8, 9], [10, 11, 15, 16], [13, 14, 18, 19]]]);
  assert.equal(sg.col2im(sg.im2col(sg.ones([1, 1, 4, 5]), 2, { dilation: [2, 3] }), [4, 5], 2, { dilation: [2, 3] }).toArray(),
    [[[[1, 1, 0, 1, 1], [1, 1, 0, 1, 1], [1, 1, 0, 1, 1], [1, 1, 0, 1, 1]]]]);
});

test('im2col gradcheck x=[2,2,7,6] kernel=[2,3] stride=[2,1] dilation=[3,2]', () => {
  gradcheck((x) => sg.im2col(x, [2, 3], { stride: [2, 1], dilation: [3, 2] }), [randLeaf([2, 2, 7, 6], 46)]);
});

test('col2im gradcheck cols=[1,8,6] outputSize=[6,5] kernel=2 stride=[2,1] dilation=2', () => {
  gradcheck((c) => sg.col2im(c, [6, 5], 2, { stride: [2, 1], dilation: 2 }), [randLeaf([1, 8, 6], 47)]);
});

for (const K of [sg.jsKernels, sg.wasmKernels]) {
  test(`${K.name}: im2col/col2im with dilation take the reference kernels and equal float64 (float32 input)`, () => {
    const prev = sg.setKernels(K);
    try {
      const x = randLeaf([2, 3, 7, 8], 48);
      const x32 = sg.tensor(Float32Array.from(x.data), { shape: x.shape });
      const opts = { stride: [1, 2] as [number, number], dilation: [2, 3] as [number, number] };
      const cols = sg.im2col(x32, 3, opts);
      assertClose(cols.data, sg.im2col(x, 3, opts).data, 1e-6, 1e-6, 'im2col');
      assertClose(sg.col2im(cols, [7, 8], 3, opts).data, sg.col2im(sg.im2col(x, 3, opts), [7, 8], 3, opts).data, 1e-5, 1e-5, 'col2im');
    } finally {
      sg.setKernels(prev);
    }
  });

  test(`${K.name}: conv2d with groups and dilation (fused kernels) equals pad → im2col → per-group matmul → + bias, values and gradients`, () => {
    const prev = sg.setKernels(K);
    try {
      const f32 = (shape: number[], seed: number, grad = true): sg.Tensor =>
        sg.tensor(Float32Array.from(randLeaf(shape, seed).data), { shape, requiresGrad: grad });
      // x=[2,6,9,8] w=[4,3,3,2] groups=2 stride=[2,1] dilation=[2,3] pad=[1,2,0,1] → [2,4,4,6]
      const x = f32([2, 6, 9, 8], 51);
      const w = f32([4, 3, 3, 2], 52);
      const b = f32([4], 53);
      const up = f32([2, 4, 4, 6], 54, false);
      const fused = sg.conv2d(x, w, { bias: b, groups: 2, stride: [2, 1], dilation: [2, 3], padding: [1, 2, 0, 1] });
      assert.equal(fused.shape, [2, 4, 4, 6]);
      fused.mul(up).sum().backward();
      const grads = [x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.data));
      x.grad = w.grad = b.grad = null;
      const cols = sg.im2col(sg.pad(x, [1, 2, 0, 1]), [3, 2], { stride: [2, 1], dilation: [2, 3] });  // [2, 36, 24]
      const composed = sg.matmul(w.reshape([2, 2, 18]), cols.reshape([2, 2, 18, 24])).reshape([2, 4, 4, 6]).add(b.reshape([4, 1, 1]));
      composed.mul(up).sum().backward();
      assertClose(fused.data, composed.data, 1e-5, 1e-5, 'output');
      assertClose(grads[0], x.grad!.data, 1e-5, 1e-5, 'x.grad');
      assertClose(grads[1], w.grad!.data, 1e-5, 1e-5, 'weight.grad');
      assertClose(grads[2], b.grad!.data, 1e-5, 1e-5, 'bias.grad');
    } finally {
      sg.setKernels(prev);
    }
  });
}

test('wasm conv2d kernels with groups or dilation agree with the reference kernels to float32 rounding', () => {
  const x = Float32Array.from(randLeaf([2, 4, 6, 7], 55).data);
  const base = { batch: 2, channels: 4, height: 6, width: 7, outChannels: 4, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 };
  for (const extra of [{ groups: 2 }, { dilationH: 2 }, { dilationW: 2 }, { groups: 4, dilationH: 2, dilationW: 2 }]) {
    const g = { ...base, ...extra, outH: extra.dilationH ? 4 : 6, outW: extra.dilationW ? 5 : 7 };
    const rows = (4 / (extra.groups ?? 1)) * 9;
    const w = Float32Array.from(randLeaf([4 * rows], 56).data);
    const bias = Float32Array.from([0.5, -1, 2, 0]);
    const out = [new Float32Array(2 * 4 * g.outH * g.outW), new Float32Array(2 * 4 * g.outH * g.outW)];
    sg.jsKernels.conv2dForward(x, g, w, bias, out[0]);
    sg.wasmKernels.conv2dForward(x, g, w, bias, out[1]);
    assertClose(out[1], out[0], 1e-5, 1e-5, `forward ${JSON.stringify(extra)}`);
    const grad = Float32Array.from(randLeaf([out[0].length], 57).data);
    const gs = [0, 1].map(() => [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(4)]);
    sg.jsKernels.conv2dBackward(grad, x, g, w, gs[0][0], gs[0][1], gs[0][2]);
    sg.wasmKernels.conv2dBackward(grad, x, g, w, gs[1][0], gs[1][1], gs[1][2]);
    gs[0].forEach((e, i) => assertClose(gs[1][i], e, 1e-5, 1e-5, `backward ${JSON.stringify(extra)} [${i}]`));
  }
});

// ---- errors -------------------------------------------------------------------------------------

test('conv2d rejects a channel mismatch the way PyTorch explains it', () => {
  throwsWith(() => sg.conv2d(sg.zeros([1, 1, 28, 28]), sg.zeros([64, 3, 3, 3])), sg.ShapeError,
    'conv2d: input has 1 channel but weight expects 3 (input [1, 1, 28, 28], weight [64, 3, 3, 3])');
  throwsWith(() => sg.conv2d(sg.zeros([2, 5, 5]), sg.zeros([4, 3, 3, 3])), sg.ShapeError,
    'conv2d: input has 2 channels but weight expects 3 (input [2, 5, 5], weight [4, 3, 3, 3])');
});

test('conv2d rejects inputs that are not 3-D/4-D and weights that are not 4-D', () => {
  throwsWith(() => sg.conv2d(sg.zeros([28, 28]), sg.zeros([1, 1, 3, 3])), sg.ShapeError,
    'conv2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got 2-D (input [28, 28], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(sg.zeros([1, 3, 8, 8]), sg.zeros([16, 27])), sg.ShapeError,
    'conv2d: weight must be 4-D [outChannels, inChannels/groups, kH, kW], got 2-D (input [1, 3, 8, 8], weight [16, 27])');
});

test('conv2d rejects a bias that is not [O]', () => {
  throwsWith(() => sg.conv2d(sg.zeros([1, 3, 8, 8]), sg.zeros([16, 3, 3, 3]), { bias: sg.zeros([3]) }), sg.ShapeError,
    'conv2d: bias must have shape [16] (one value per output channel), got [3] (input [1, 3, 8, 8], weight [16, 3, 3, 3], bias [3])');
  throwsWith(() => sg.conv2d(sg.zeros([1, 3, 8, 8]), sg.zeros([16, 3, 3, 3]), { bias: sg.zeros([16, 1]) }), sg.ShapeError,
    /^conv2d: bias must have shape \[16\] \(one value per output channel\), got \[16, 1\]/);
});

test('conv2d rejects a kernel larger than the padded input', () => {
  throwsWith(() => sg.conv2d(sg.zeros([1, 3, 2, 2]), sg.zeros([4, 3, 5, 5]), { padding: 1 }), sg.ShapeError,
    'conv2d: kernel 5x5 is larger than the padded input 4x4 (padding [1, 1, 1, 1]) (input [1, 3, 2, 2], weight [4, 3, 5, 5])');
});

test('conv2d rejects a non-positive stride and bad padding', () => {
  const x = sg.zeros([1, 1, 5, 5]);
  const w = sg.zeros([1, 1, 3, 3]);
  throwsWith(() => sg.conv2d(x, w, { stride: 0 }), sg.ArgumentError,
    'conv2d: stride must be a positive integer or a pair of them, got 0 (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(x, w, { stride: [1, -2] }), sg.ArgumentError, /^conv2d: stride must be a positive integer .*, got \[1, -2\]/);
  throwsWith(() => sg.conv2d(x, w, { padding: -1 }), sg.ArgumentError,
    'conv2d: padding must be a non-negative integer, [ph, pw] or [top, bottom, left, right], got -1 (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(x, w, { padWidth: [1, 2, 3] as unknown as number }), sg.ArgumentError, /^conv2d: padWidth must be a non-negative integer, \[ph, pw\] or \[top, bottom, left, right\], got \[1,2,3\]/);
  throwsWith(() => sg.conv2d(x, w, { padding: 1, padWidth: 2 }), sg.ArgumentError,
    "conv2d: padding 1 and padWidth 2 disagree; padWidth is the seed library's name for padding, pass only one (input [1, 1, 5, 5], weight [1, 1, 3, 3])");
  throwsWith(() => sg.conv2d(x, w, { padding: 1, padMode: 'mirror' as sg.PadMode }), sg.ArgumentError,
    /^conv2d: unknown padMode "mirror"; expected one of 'constant', 'reflect', 'replicate', 'symmetric', 'circular'/);
  throwsWith(() => sg.conv2d(x, w, { padding: 1, padValue: '1' as unknown as number }), sg.ArgumentError,
    'conv2d: padValue must be a number, got "1" (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
});

test('conv2d rejects mixed float dtypes (no silent promotion, as in PyTorch) and int32 tensors', () => {
  const x64 = sg.zeros([1, 1, 4, 4], { dtype: 'float64' });
  throwsWith(() => sg.conv2d(x64, sg.zeros([1, 1, 3, 3])), sg.DTypeError,
    "conv2d: weight is float32 but input is float64; convert one with .to('float64') or .to('float32') (input [1, 1, 4, 4], weight [1, 1, 3, 3])");
  throwsWith(() => sg.conv2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 1, 3, 3]), { bias: sg.zeros([1], { dtype: 'float64' }) }), sg.DTypeError,
    /^conv2d: bias is float64 but input is float32/);
  throwsWith(() => sg.conv2d(sg.zeros([1, 1, 4, 4], { dtype: 'int32' }), sg.zeros([1, 1, 3, 3])), sg.DTypeError,
    'conv2d: input must be float32 or float64, got int32 (input [1, 1, 4, 4], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 1, 3, 3], { dtype: 'int32' })), sg.DTypeError,
    'conv2d: weight must be float32 or float64, got int32 (input [1, 1, 4, 4], weight [1, 1, 3, 3])');
});

test('im2col and col2im reject bad shapes and arguments', () => {
  throwsWith(() => sg.im2col(sg.zeros([3, 4, 4]), 2), sg.ShapeError, 'im2col: input must be 4-D [N, C, H, W], got [3, 4, 4]');
  throwsWith(() => sg.im2col(sg.zeros([1, 3, 4, 4]), 5), sg.ShapeError, 'im2col: kernel 5x5 is larger than the input 4x4 (input [1, 3, 4, 4])');
  throwsWith(() => sg.im2col(sg.zeros([1, 3, 4, 4]), [2, 0]), sg.ArgumentError,
    'im2col: kernelSize must be a positive integer or a pair of them, got [2, 0] (input [1, 3, 4, 4])');
  throwsWith(() => sg.im2col(sg.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2), sg.DTypeError, /^im2col: input must be float32 or float64, got int32/);
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 4]), [3, 3], 2, { stride: 2 }), sg.ShapeError,
    'col2im: columns must have shape [N, C·2·2, 1] for kernel 2x2 and stride 2x2 over 3x3 (columns [1, 4, 4], outputSize [3,3])');
  throwsWith(() => sg.col2im(sg.zeros([1, 5, 4]), [3, 3], 2), sg.ShapeError, /^col2im: columns must have shape \[N, C·2·2, 4\]/);
  throwsWith(() => sg.col2im(sg.zeros([4, 4]), [3, 3], 2), sg.ShapeError, 'col2im: columns must be 3-D [N, C·kH·kW, L], got [4, 4]');
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 4]), [1, 3], 2), sg.ShapeError, 'col2im: kernel 2x2 is larger than the output 1x3 (columns [1, 4, 4], outputSize [1,3])');
});

test('conv2d rejects groups that do not divide the channels, the way PyTorch explains it', () => {
  throwsWith(() => sg.conv2d(sg.zeros([1, 4, 5, 5]), sg.zeros([3, 2, 3, 3]), { groups: 2 }), sg.ShapeError,
    'conv2d: groups=2 must divide the output channels, but weight has 3 (input [1, 4, 5, 5], weight [3, 2, 3, 3])');
  throwsWith(() => sg.conv2d(sg.zeros([1, 3, 5, 5]), sg.zeros([4, 2, 3, 3]), { groups: 2 }), sg.ShapeError,
    'conv2d: input has 3 channels but weight expects 4 (groups=2 × 2 per group) (input [1, 3, 5, 5], weight [4, 2, 3, 3])');
  throwsWith(() => sg.conv2d(sg.zeros([1, 4, 5, 5]), sg.zeros([4, 4, 3, 3]), { groups: 2 }), sg.ShapeError,
    'conv2d: input has 4 channels but weight expects 8 (groups=2 × 4 per group) (input [1, 4, 5, 5], weight [4, 4, 3, 3])');
  for (const groups of [0, 1.5, -2, '2']) {
    throwsWith(() => sg.conv2d(sg.zeros([1, 4, 5, 5]), sg.zeros([4, 2, 3, 3]), { groups: groups as number }), sg.ArgumentError,
      `conv2d: groups must be a positive integer, got ${typeof groups === 'string' ? `'${groups}'` : groups} (input [1, 4, 5, 5], weight [4, 2, 3, 3])`);
  }
});

test('conv2d rejects a bad dilation and a dilated kernel wider than the padded input', () => {
  const x = sg.zeros([1, 1, 5, 5]);
  const w = sg.zeros([1, 1, 3, 3]);
  throwsWith(() => sg.conv2d(x, w, { dilation: 0 }), sg.ArgumentError,
    'conv2d: dilation must be a positive integer or a pair of them, got 0 (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(x, w, { dilation: [1, 2, 3] as unknown as number }), sg.ArgumentError,
    'conv2d: dilation must be a positive integer or a pair of them, got [1, 2, 3] (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
  throwsWith(() => sg.conv2d(x, w, { dilation: [3, 1], padding: [0, 0, 1, 1] }), sg.ShapeError,
    'conv2d: kernel 3x3 (dilation 3x1: spans 7x3) is larger than the padded input 5x7 (padding [0, 0, 1, 1]) (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
});

test('conv2d options are strict: an unknown key or a non-object is an error naming the known keys', () => {
  const x = sg.zeros([1, 1, 5, 5]);
  const w = sg.zeros([1, 1, 3, 3]);
  throwsWith(() => sg.conv2d(x, w, { dilations: 2 } as unknown as sg.Conv2dOptions), sg.ArgumentError,
    "conv2d: unknown option 'dilations' (known: bias, stride, padding, padWidth, dilation, groups, padMode, padValue, activation, maxPool, poolBeforeActivation)");
  throwsWith(() => sg.conv2d(x, w, 1 as unknown as sg.Conv2dOptions), sg.ArgumentError,
    'conv2d: options must be an object such as { bias: ... }, got 1');
  throwsWith(() => sg.conv2d(x, w, { bias: 0.5 as unknown as sg.Tensor }), sg.ArgumentError,
    'conv2d: bias must be a tensor or null, got 0.5 (input [1, 1, 5, 5], weight [1, 1, 3, 3])');
  throwsWith(() => sg.im2col(x, 2, { padding: 1 } as unknown as sg.Im2colOptions), sg.ArgumentError,
    "im2col: unknown option 'padding' (known: stride, dilation)");
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 16]), [5, 5], 2, { strides: 1 } as unknown as sg.Im2colOptions), sg.ArgumentError,
    "col2im: unknown option 'strides' (known: stride, dilation)");
});

test('im2col and col2im reject a bad dilation and a dilated kernel wider than the input', () => {
  throwsWith(() => sg.im2col(sg.zeros([1, 1, 4, 4]), 2, { dilation: [1, 0] }), sg.ArgumentError,
    'im2col: dilation must be a positive integer or a pair of them, got [1, 0] (input [1, 1, 4, 4])');
  throwsWith(() => sg.im2col(sg.zeros([1, 1, 4, 4]), 2, { dilation: 4 }), sg.ShapeError,
    'im2col: kernel 2x2 (dilation 4x4: spans 5x5) is larger than the input 4x4 (input [1, 1, 4, 4])');
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 5]), [5, 5], 2, { dilation: 3 }), sg.ShapeError,
    'col2im: columns must have shape [N, C·2·2, 4] for kernel 2x2 (dilation 3x3: spans 4x4) and stride 1x1 over 5x5 (columns [1, 4, 5], outputSize [5,5])');
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 1]), [3, 3], 2, { dilation: 3 }), sg.ShapeError,
    'col2im: kernel 2x2 (dilation 3x3: spans 4x4) is larger than the output 3x3 (columns [1, 4, 1], outputSize [3,3])');
  throwsWith(() => sg.col2im(sg.zeros([1, 4, 1]), [3, 3], 2, { dilation: 'x' as unknown as number }), sg.ArgumentError,
    /^col2im: dilation must be a positive integer or a pair of them, got 'x'/);
});

test.run();
