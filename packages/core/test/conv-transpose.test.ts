import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

type Pair = [number, number];
const pair = (v: number | readonly [number, number] | undefined, d: number): Pair => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The sum of all elements of `a · b` (an inner product). */
function dot(a: sg.Tensor, b: sg.Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
  return s;
}

/**
 * The composed definition: per group `weightᵀ · x` gives every input pixel's scaled kernel copy, col2im
 * sums the copies onto the uncropped output, and the result is padded by `outputPadding` and cropped
 * by `padding`.
 */
function composed(x: sg.Tensor, w: sg.Tensor, o: sg.ConvTranspose2dOptions): sg.Tensor {
  const [n, c, h, wd] = x.shape;
  const [, og, kH, kW] = w.shape;
  const groups = o.groups ?? 1;
  const [sH, sW] = pair(o.stride, 1);
  const [dH, dW] = pair(o.dilation, 1);
  const [pH, pW] = pair(o.padding, 0);
  const [oH, oW] = pair(o.outputPadding, 0);
  const cg = c / groups;
  const wt = sg.transpose(w.reshape([groups, cg, og * kH * kW]), 1, 2);              // [G, Og·kH·kW, C/G]
  const cols = sg.matmul(wt, x.reshape([n, groups, cg, h * wd])).reshape([n, groups * og * kH * kW, h * wd]);
  const fullH = (h - 1) * sH + dH * (kH - 1) + 1;
  const fullW = (wd - 1) * sW + dW * (kW - 1) + 1;
  const full = sg.pad(sg.col2im(cols, [fullH, fullW], [kH, kW], { stride: [sH, sW], dilation: [dH, dW] }), [0, oH, 0, oW]);
  const out = sg.slice(full, null, null, [pH, fullH + oH - pH], [pW, fullW + oW - pW]);
  return o.bias ? out.add(o.bias.reshape([groups * og, 1, 1])) : out;
}

// ---- shapes and the definition --------------------------------------------------------------------

test('convTranspose2d output size is (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1 (PyTorch)', () => {
  const x = sg.zeros([2, 4, 5, 6]);
  assert.equal(sg.convTranspose2d(x, sg.zeros([4, 3, 3, 3])).shape, [2, 3, 7, 8]);
  assert.equal(sg.convTranspose2d(x, sg.zeros([4, 3, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }).shape, [2, 3, 10, 12]);
  assert.equal(sg.convTranspose2d(x, sg.zeros([4, 1, 3, 2]), { groups: 2, stride: [3, 1], dilation: [1, 3], padding: [0, 1] }).shape, [2, 2, 15, 7]);
  assert.equal(sg.convTranspose2d(sg.zeros([4, 5, 6]), sg.zeros([4, 2, 2, 2]), { stride: 2 }).shape, [2, 10, 12]);
  assert.equal(sg.zeros([4, 5, 6]).convTranspose2d(sg.zeros([4, 2, 2, 2]), { stride: 2 }).shape, [2, 10, 12]);
});

test('convTranspose2d x=[1,1,2,2] w=[1,1,2,2] stride=2 places a scaled kernel copy per pixel', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]]);
  const w = sg.tensor([[[[1, 10], [100, 1000]]]]);
  assert.equal(sg.convTranspose2d(x, w, { stride: 2 }).toArray(), [[[
    [1, 10, 2, 20], [100, 1000, 200, 2000], [3, 30, 4, 40], [300, 3000, 400, 4000]]]]);
  // stride 1: the copies overlap and add; padding 1 crops the border; bias shifts everything
  assert.equal(sg.convTranspose2d(x, w, { padding: 1, bias: sg.tensor([0.5]) }).toArray(), [[[[1234.5]]]]);
});

const adjointCases: [string, { x: number[]; w: number[]; opts: sg.ConvTranspose2dOptions }][] = [
  ['x=[2,4,3,4] w=[4,3,3,3] stride=2 padding=1 outputPadding=1', { x: [2, 4, 3, 4], w: [4, 3, 3, 3], opts: { stride: 2, padding: 1, outputPadding: 1 } }],
  ['x=[1,6,4,3] w=[6,1,3,2] groups=3 stride=[2,3] dilation=[2,1] padding=[1,0] outputPadding=[1,2]',
    { x: [1, 6, 4, 3], w: [6, 1, 3, 2], opts: { groups: 3, stride: [2, 3], dilation: [2, 1], padding: [1, 0], outputPadding: [1, 2] } }],
  ['x=[2,2,3,3] w=[2,2,2,2] dilation=3 stride=3 outputPadding=2', { x: [2, 2, 3, 3], w: [2, 2, 2, 2], opts: { dilation: 3, stride: 3, outputPadding: 2 } }],
];
for (const [name, c] of adjointCases) {
  test(`convTranspose2d is conv2d's adjoint, <conv2d(u), v> = <u, convTranspose2d(v)>: ${name}`, () => {
    const v = randLeaf(c.x, 1);
    const w = randLeaf(c.w, 2);
    const y = sg.convTranspose2d(v, w, c.opts);
    const u = randLeaf(y.shape.slice(), 3);
    const { stride, dilation, groups } = c.opts;
    const [pH, pW] = pair(c.opts.padding, 0);
    const conv = sg.conv2d(u, w, { stride, dilation, groups, padding: [pH, pW] });
    assert.equal(conv.shape, v.shape, 'conv2d maps the output back to the input shape');
    const a = dot(conv, v);
    assert.ok(Math.abs(a - dot(u, y)) <= 1e-10 * (1 + Math.abs(a)), `${a} vs ${dot(u, y)}`);
  });
}

// ---- gradients (float64 central differences) --------------------------------------------------------

const gradCases: [string, { x: number[]; w: number[]; bias: boolean; opts: sg.ConvTranspose2dOptions }][] = [
  ['x=[2,3,4,3] w=[3,2,3,3] stride=2 padding=1 outputPadding=1 bias', { x: [2, 3, 4, 3], w: [3, 2, 3, 3], bias: true, opts: { stride: 2, padding: 1, outputPadding: 1 } }],
  ['x=[1,4,3,4] w=[4,2,2,3] groups=2 dilation=[2,1] stride=[1,2] padding=[1,0] outputPadding=[1,1] bias',
    { x: [1, 4, 3, 4], w: [4, 2, 2, 3], bias: true, opts: { groups: 2, dilation: [2, 1], stride: [1, 2], padding: [1, 0], outputPadding: [1, 1] } }],
  ['x=[2,3,3,3] w=[3,2,3,3] depthwise multiplier 2 (groups=3) dilation=2 padding=2 no bias',
    { x: [2, 3, 3, 3], w: [3, 2, 3, 3], bias: false, opts: { groups: 3, dilation: 2, padding: 2 } }],
  ['x=[1,2,3,3] w=[2,1,2,2] dilation=3 outputPadding=2 (outputPadding ≥ stride: zero rows that still get the bias) bias',
    { x: [1, 2, 3, 3], w: [2, 1, 2, 2], bias: true, opts: { dilation: 3, outputPadding: 2 } }],
  ['x=[2,4,4] (3-D) w=[2,3,2,2] stride=3 outputPadding=2 bias', { x: [2, 4, 4], w: [2, 3, 2, 2], bias: true, opts: { stride: 3, outputPadding: 2 } }],
];
for (const [name, c] of gradCases) {
  test(`convTranspose2d gradcheck ${name}`, () => {
    const x = randLeaf(c.x, 11);
    const w = randLeaf(c.w, 12);
    const b = randLeaf([c.w[1] * (c.opts.groups ?? 1)], 13);
    const inputs = c.bias ? [x, w, b] : [x, w];
    gradcheck((xi, wi, bi) => sg.convTranspose2d(xi, wi, { ...c.opts, bias: bi }), inputs, { maxPerInput: 60 });
  });
}

test('convTranspose2d computes only the gradients asked for', () => {
  const x = randLeaf([1, 2, 3, 3], 14);
  const w = sg.ones([2, 2, 2, 2], { dtype: 'float64' });
  sg.convTranspose2d(x, w, { stride: 2 }).sum().backward();
  assert.equal(Array.from(x.grad!.data), new Array(18).fill(8));   // each pixel's copy has 2 channels × 4 taps of weight 1
  assert.is(w.grad, null);
  const ones = sg.ones([1, 2, 3, 3], { dtype: 'float64' });
  const w2 = randLeaf([2, 2, 2, 2], 15);
  sg.convTranspose2d(ones, w2, { stride: 2 }).sum().backward();
  assert.is(ones.grad, null);
  assert.equal(Array.from(w2.grad!.data), new Array(16).fill(9));   // every tap sees each of the 9 pixels once
});

// ---- fused kernels == composed definition, on both backends -----------------------------------------

for (const K of [sg.jsKernels, sg.wasmKernels]) {
  const cases: [string, number[], number[], sg.ConvTranspose2dOptions][] = [
    ['x=[2,4,5,4] w=[4,3,3,3] stride=2 padding=1 outputPadding=1 (groups 1, dilation 1)', [2, 4, 5, 4], [4, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    ['x=[2,9,6,6] w=[9,4,3,3] stride=1 padding=1 (3×3 stride 1)', [2, 9, 6, 6], [9, 4, 3, 3], { padding: 1 }],
    ['x=[1,3,4,5] w=[3,2,3,3] stride=2 outputPadding=1 (outputPadding > padding)', [1, 3, 4, 5], [3, 2, 3, 3], { stride: 2, outputPadding: 1 }],
    ['x=[1,2,3,4] w=[2,3,2,2] dilation=3 outputPadding=[2,1] (outputPadding ≥ stride)', [1, 2, 3, 4], [2, 3, 2, 2], { dilation: 3, outputPadding: [2, 1] }],
    ['x=[2,6,4,5] w=[6,2,3,2] groups=3 dilation=[2,3] stride=[2,1] padding=[1,2] outputPadding=[1,2]', [2, 6, 4, 5], [6, 2, 3, 2],
      { groups: 3, dilation: [2, 3], stride: [2, 1], padding: [1, 2], outputPadding: [1, 2] }],
  ];
  for (const [name, xs, ws, opts] of cases) {
    test(`${K.name}: convTranspose2d (fused kernels) equals the composition matmul → col2im → crop (+ bias), values and gradients: ${name}`, () => {
      const prev = sg.setKernels(K);
      try {
        const f32 = (shape: number[], seed: number, grad = true): sg.Tensor =>
          sg.tensor(Float32Array.from(randLeaf(shape, seed).data), { shape, requiresGrad: grad });
        const x = f32(xs, 21);
        const w = f32(ws, 22);
        const b = f32([ws[1] * (opts.groups ?? 1)], 23);
        const fused = sg.convTranspose2d(x, w, { ...opts, bias: b });
        const up = f32(fused.shape.slice(), 24, false);
        fused.mul(up).sum().backward();
        const grads = [x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.data));
        x.grad = w.grad = b.grad = null;
        const ref = composed(x, w, { ...opts, bias: b });
        assert.equal(ref.shape, fused.shape);
        ref.mul(up).sum().backward();
        assertClose(fused.data, ref.data, 1e-5, 1e-5, 'output');
        assertClose(grads[0], x.grad!.data, 1e-5, 1e-5, 'x.grad');
        assertClose(grads[1], w.grad!.data, 1e-5, 1e-5, 'weight.grad');
        assertClose(grads[2], b.grad!.data, 1e-5, 1e-5, 'bias.grad');
      } finally {
        sg.setKernels(prev);
      }
    });
  }
}

test('convTranspose2d goes through kernels(): the conv kernels, read backwards', () => {
  const calls = { conv2dForward: 0, conv2dBackward: 0 };
  const spy: sg.Kernels = {
    ...sg.jsKernels,
    name: 'spy',
    conv2dForward: (...a) => { calls.conv2dForward++; sg.jsKernels.conv2dForward(...a); },
    conv2dBackward: (...a) => { calls.conv2dBackward++; sg.jsKernels.conv2dBackward(...a); },
  };
  const prev = sg.setKernels(spy);
  try {
    sg.convTranspose2d(randLeaf([2, 1, 3, 3], 31), randLeaf([1, 2, 2, 2], 32), { stride: 2 }).sum().backward();
  } finally {
    sg.setKernels(prev);
  }
  // forward: the input gradient; backward: a forward convolution (x) and a weight gradient (w)
  assert.equal(calls, { conv2dForward: 1, conv2dBackward: 2 });
});

// ---- errors -------------------------------------------------------------------------------------

test('convTranspose2d rejects channel and group mismatches the way PyTorch explains them', () => {
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 3, 4, 4]), sg.zeros([4, 2, 3, 3])), sg.ShapeError,
    'convTranspose2d: input has 3 channels but weight expects 4 (input [1, 3, 4, 4], weight [4, 2, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4]), sg.zeros([4, 2, 3, 3])), sg.ShapeError,
    'convTranspose2d: input has 1 channel but weight expects 4 (input [1, 1, 4, 4], weight [4, 2, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 3, 4, 4]), sg.zeros([3, 2, 3, 3]), { groups: 2 }), sg.ShapeError,
    'convTranspose2d: groups=2 must divide the input channels, but weight has 3 (input [1, 3, 4, 4], weight [3, 2, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 4, 4, 4]), sg.zeros([4, 2, 3, 3]), { groups: 0 }), sg.ArgumentError,
    'convTranspose2d: groups must be a positive integer, got 0 (input [1, 4, 4, 4], weight [4, 2, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 4, 4, 4]), sg.zeros([4, 2, 3, 3]), { groups: 2, bias: sg.zeros([2]) }), sg.ShapeError,
    'convTranspose2d: bias must have shape [4] (one value per output channel), got [2] (input [1, 4, 4, 4], weight [4, 2, 3, 3], bias [2])');
});

test('convTranspose2d rejects bad shapes and dtypes', () => {
  throwsWith(() => sg.convTranspose2d(sg.zeros([4, 4]), sg.zeros([1, 1, 3, 3])), sg.ShapeError,
    'convTranspose2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got 2-D (input [4, 4], weight [1, 1, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 9])), sg.ShapeError,
    'convTranspose2d: weight must be 4-D [inChannels, outChannels/groups, kH, kW], got 2-D (input [1, 1, 4, 4], weight [1, 9])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4], { dtype: 'int32' }), sg.zeros([1, 1, 3, 3])), sg.DTypeError,
    'convTranspose2d: input must be float32 or float64, got int32 (input [1, 1, 4, 4], weight [1, 1, 3, 3])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 1, 3, 3], { dtype: 'float64' })), sg.DTypeError,
    "convTranspose2d: weight is float64 but input is float32; convert one with .to('float32') or .to('float64') (input [1, 1, 4, 4], weight [1, 1, 3, 3])");
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 1, 3, 3]), { bias: sg.zeros([1], { dtype: 'int32' }) }), sg.DTypeError,
    'convTranspose2d: bias must be float32 or float64, got int32 (input [1, 1, 4, 4], weight [1, 1, 3, 3], bias [1])');
  throwsWith(() => sg.convTranspose2d(sg.zeros([1, 1, 4, 4]), sg.zeros([1, 1, 3, 3]), { bias: [1] as unknown as sg.Tensor }), sg.ArgumentError,
    'convTranspose2d: bias must be a tensor or null, got [1] (input [1, 1, 4, 4], weight [1, 1, 3, 3])');
});

test('convTranspose2d rejects bad stride, padding, dilation and outputPadding, and an empty output', () => {
  const x = sg.zeros([1, 1, 2, 2]);
  const w = sg.zeros([1, 1, 3, 3]);
  const ctx = '(input [1, 1, 2, 2], weight [1, 1, 3, 3])';
  throwsWith(() => sg.convTranspose2d(x, w, { stride: 0 }), sg.ArgumentError, `convTranspose2d: stride must be a positive integer or a pair of them, got 0 ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { dilation: [1, 0] }), sg.ArgumentError,
    `convTranspose2d: dilation must be a positive integer or a pair of them, got [1, 0] ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { padding: -1 }), sg.ArgumentError,
    `convTranspose2d: padding must be a non-negative integer or a pair of them, got -1 ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { padding: [1, 1, 1, 1] as unknown as number }), sg.ArgumentError,
    `convTranspose2d: padding must be a non-negative integer or a pair of them, got [1, 1, 1, 1] ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { outputPadding: 1.5 }), sg.ArgumentError,
    `convTranspose2d: outputPadding must be a non-negative integer or a pair of them, got 1.5 ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { stride: 2, outputPadding: [1, 2] }), sg.ArgumentError,
    `convTranspose2d: outputPadding [1, 2] must be smaller than the stride [2, 2] or the dilation [1, 1] in each dimension ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { outputPadding: 1 }), sg.ArgumentError,
    `convTranspose2d: outputPadding [1, 1] must be smaller than the stride [1, 1] or the dilation [1, 1] in each dimension ${ctx}`);
  throwsWith(() => sg.convTranspose2d(x, w, { padding: [2, 1] }), sg.ShapeError,
    `convTranspose2d: the output would be 0x2: (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 must be positive; reduce the padding [2, 1] ${ctx}`);
});

test('convTranspose2d options are strict: an unknown key or a non-object is an error naming the known keys', () => {
  const x = sg.zeros([1, 1, 2, 2]);
  const w = sg.zeros([1, 1, 3, 3]);
  throwsWith(() => sg.convTranspose2d(x, w, { output_padding: 1 } as unknown as sg.ConvTranspose2dOptions), sg.ArgumentError,
    "convTranspose2d: unknown option 'output_padding' (known: bias, stride, padding, outputPadding, groups, dilation)");
  throwsWith(() => sg.convTranspose2d(x, w, null as unknown as sg.ConvTranspose2dOptions), sg.ArgumentError,
    'convTranspose2d: options must be an object such as { bias: ... }, got null');
});

test.run();
