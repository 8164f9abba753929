/**
 * The layers for real architectures, beyond the whole-model parity of models.test.ts: Conv2d's
 * dilation and groups, ConvTranspose2d, adaptive pooling, Upsample, GroupNorm, LayerNorm,
 * ModuleDict and the resnet18 / mobilenetV2 builders: structure, PyTorch's initialisation (bounds
 * checked against torch 1.13), independent checks of the semantics, and every argument error by
 * its message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import {
  AdaptiveAvgPool2d, AdaptiveMaxPool2d, BasicBlock, BatchNorm2d, Conv2d, Conv2dNormActivation, ConvTranspose2d, GroupNorm, InvertedResidual,
  LayerNorm, Linear, MobileNetV2, Module, ModuleDict, ReLU, ResNet, Upsample, makeDivisible, mobilenetV2, resnet18,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

const { ArgumentError, ShapeError, DTypeError } = sg;

const f64 = (shape: number[], seed: number): Tensor => sg.normal(shape, { dtype: 'float64', generator: new sg.Generator(seed) });
const dot = (a: Tensor, b: Tensor): number => { let s = 0; for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i]; return s; };
const maxAbs = (t: Tensor): number => Array.from(t.data).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const std = (t: Tensor): number => {
  const d = Array.from(t.data);
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  return Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
};
function close(a: Tensor, b: Tensor, tol = 1e-10, what = ''): void {
  assert.equal(a.shape, b.shape, `${what} shape`);
  let err = 0;
  for (let i = 0; i < a.size; i++) err = Math.max(err, Math.abs(a.data[i] - b.data[i]));
  assert.ok(err <= tol, `${what} max error ${err}`);
}

// ---- Conv2d: dilation and groups ------------------------------------------------------------------

test('Conv2d groups: weight [O, C/groups, kH, kW], PyTorch\'s init bound 1/√((C/groups)·kH·kW)', () => {
  const dw = new Conv2d(64, 128, 3, { groups: 64, generator: new sg.Generator(1) });   // depthwise, multiplier 2
  assert.equal(dw.weight.shape, [128, 1, 3, 3]);
  assert.ok(maxAbs(dw.weight) <= 1 / 3 && maxAbs(dw.weight) > 0.99 / 3);
  assert.ok(maxAbs(dw.bias as Tensor) <= 1 / 3);
  const g = new Conv2d(8, 4, 3, { groups: 2 });
  assert.equal(g.weight.shape, [4, 4, 3, 3]);
  assert.is(String(g), 'Conv2d(8, 4, kernelSize=[3, 3], stride=[1, 1], groups=2, bias=true)');
  assert.is(String(new Conv2d(2, 2, 3, { dilation: [2, 1], padding: 1 })), 'Conv2d(2, 2, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1, 1, 1], dilation=[2, 1], bias=true)');
});

test('Conv2d x=[2,6,7,8] groups=3 dilation=[2,1] stride=2: equals three separate convolutions of the channel groups, concatenated', () => {
  const conv = new Conv2d(6, 9, 3, { groups: 3, dilation: [2, 1], stride: 2, padding: [1, 2], dtype: 'float64', generator: new sg.Generator(3) });
  const x = f64([2, 6, 7, 8], 4);
  const y = conv.forward(x);
  assert.equal(y.shape, [2, 9, 3, 5]);   // ⌊(7 + 2 − 2·2 − 1) / 2⌋ + 1 = 3, ⌊(8 + 4 − 2 − 1) / 2⌋ + 1 = 5
  const parts = [0, 1, 2].map((g) => sg.conv2d(
    sg.narrow(x, 1, 2 * g, 2),
    sg.narrow(conv.weight, 0, 3 * g, 3),
    { bias: sg.narrow(conv.bias as Tensor, 0, 3 * g, 3), stride: 2, padding: [1, 2], dilation: [2, 1] },
  ));
  close(y, sg.cat(parts, 1), 1e-12, 'grouped');
});

test('Conv2d padding \'same\' with dilation pads dilation·(k − 1) in total, the smaller half first', () => {
  assert.equal(new Conv2d(1, 1, 3, { padding: 'same', dilation: 2 }).padding, [2, 2, 2, 2]);
  assert.equal(new Conv2d(1, 1, [4, 3], { padding: 'same', dilation: [3, 1] }).padding, [4, 5, 1, 1]);
  assert.equal(new Conv2d(2, 3, [4, 3], { padding: 'same', dilation: [3, 1] }).forward(sg.zeros([1, 2, 11, 6])).shape, [1, 3, 11, 6]);
});

test('Conv2d: unknown options, bad groups and dilation are errors naming the rule', () => {
  throwsWith(() => new Conv2d(1, 1, 3, { dilations: 2 } as never), ArgumentError,
    'Conv2d: unknown option \'dilations\' (known: stride, padding, padMode, padValue, dilation, groups, bias, dtype, generator)');
  throwsWith(() => new Conv2d(1, 1, 3, 1 as never), ArgumentError, /^Conv2d: options must be an object such as \{ stride: \.\.\. \}, got 1$/);
  throwsWith(() => new Conv2d(6, 8, 3, { groups: 4 }), ArgumentError, 'Conv2d: inChannels (6) must be divisible by groups (4)');
  throwsWith(() => new Conv2d(8, 6, 3, { groups: 4 }), ArgumentError, 'Conv2d: outChannels (6) must be divisible by groups (4)');
  throwsWith(() => new Conv2d(8, 8, 3, { groups: 0 }), ArgumentError, 'Conv2d: groups must be a positive integer, got 0');
  throwsWith(() => new Conv2d(8, 8, 3, { dilation: 0 }), ArgumentError, 'Conv2d: dilation must be a positive integer or a pair of them, got 0');
});

// ---- ConvTranspose2d --------------------------------------------------------------------------------

test('ConvTranspose2d: weight [C, O/groups, kH, kW] and PyTorch\'s init: bound 1/√((O/groups)·kH·kW), as torch 1.13 draws it', () => {
  // torch: ConvTranspose2d(64, 32, 3).weight has max |w| 0.05892 (bound 1/√288 = 0.058926) and std 0.03402 (bound/√3).
  const ct = new ConvTranspose2d(64, 32, 3, { generator: new sg.Generator(5) });
  assert.equal(ct.weight.shape, [64, 32, 3, 3]);
  const bound = 1 / Math.sqrt(32 * 9);
  assert.ok(maxAbs(ct.weight) <= bound && maxAbs(ct.weight) > 0.999 * bound);
  assert.ok(Math.abs(std(ct.weight) / (bound / Math.sqrt(3)) - 1) < 0.02);
  assert.ok(maxAbs(ct.bias as Tensor) <= bound);
  // groups=4: torch's weight [64, 8, 3, 3], max |w| 0.11785 (bound 1/√72).
  const g = new ConvTranspose2d(64, 32, 3, { groups: 4, bias: false, generator: new sg.Generator(5) });
  assert.equal(g.weight.shape, [64, 8, 3, 3]);
  assert.is(g.bias, null);
  assert.ok(maxAbs(g.weight) <= 1 / Math.sqrt(72) && maxAbs(g.weight) > 0.999 / Math.sqrt(72));
  // Same seed, same bits.
  assert.equal([...new ConvTranspose2d(4, 2, 2, { generator: new sg.Generator(9) }).weight.data], [...new ConvTranspose2d(4, 2, 2, { generator: new sg.Generator(9) }).weight.data]);
});

test('ConvTranspose2d x=[2,4,5,6] stride=[2,3] padding=[1,0] outputPadding=[1,2] dilation=[1,2] groups=2: shape rule, and it is conv2d\'s adjoint', () => {
  const ct = new ConvTranspose2d(4, 6, 3, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 2, bias: false, dtype: 'float64' });
  const y = f64([2, 4, 5, 6], 7);
  const out = ct.forward(y);
  // (5 − 1)·2 − 2 + 1·2 + 1 + 1 = 10; (6 − 1)·3 − 0 + 2·2 + 2 + 1 = 22
  assert.equal(out.shape, [2, 6, 10, 22]);
  const x = f64([2, 6, 10, 22], 8);
  const conv = sg.conv2d(x, ct.weight, { stride: [2, 3], padding: [1, 0], dilation: [1, 2], groups: 2 });
  assert.equal(conv.shape, y.shape);
  // ⟨convT(y), x⟩ = ⟨y, conv(x)⟩
  assert.ok(Math.abs(dot(out, x) - dot(y, conv)) < 1e-9 * Math.abs(dot(y, conv)));
  assert.is(String(ct), 'ConvTranspose2d(4, 6, kernelSize=[3, 3], stride=[2, 3], padding=[1, 0], outputPadding=[1, 2], dilation=[1, 2], groups=2, bias=false)');
  assert.is(String(new ConvTranspose2d(1, 1, 2)), 'ConvTranspose2d(1, 1, kernelSize=[2, 2], stride=[1, 1], bias=true)');
  assert.equal(new ConvTranspose2d(3, 2, 2, { stride: 2 }).forward(sg.zeros([3, 4, 4])).shape, [2, 8, 8]);
});

test('ConvTranspose2d forward(x, outputSize) picks among the sizes a strided conv maps together, as PyTorch\'s output_size', () => {
  const down = new Conv2d(2, 2, 3, { stride: 2, padding: 1 });
  const up = new ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1, dtype: 'float64' });
  const x7 = down.forward(sg.zeros([1, 2, 7, 7]));
  assert.equal(down.forward(sg.zeros([1, 2, 8, 8])).shape, x7.shape);   // both [1, 2, 4, 4]
  const y = f64([1, 2, 4, 4], 3);
  assert.equal(up.forward(y, [7, 7]).shape, [1, 2, 7, 7]);
  assert.equal(up.forward(y, [1, 2, 8, 7]).shape, [1, 2, 8, 7]);
  close(up.forward(y, [8, 8]), sg.convTranspose2d(y, up.weight, { bias: up.bias, stride: 2, padding: 1, outputPadding: 1 }), 0, 'outputSize 8');
  throwsWith(() => up.forward(y, [9, 7]), ShapeError, 'ConvTranspose2d: requested an output size of [9, 7], but valid sizes range from [7, 7] to [8, 8] (for an input of [4, 4])');
  throwsWith(() => up.forward(y, [7]), ArgumentError, 'ConvTranspose2d: outputSize must be [h, w] (or a shape ending in them) of positive integers, got [7]');
});

test('ConvTranspose2d: argument and input errors', () => {
  throwsWith(() => new ConvTranspose2d(4, 4, 3, { outputPadding: 2, stride: 2 }), ArgumentError,
    'ConvTranspose2d: outputPadding must be smaller than either stride or dilation, got outputPadding [2, 2], stride [2, 2], dilation [1, 1]');
  throwsWith(() => new ConvTranspose2d(4, 4, 3, { output_padding: 1 } as never), ArgumentError,
    'ConvTranspose2d: unknown option \'output_padding\' (known: stride, padding, outputPadding, groups, dilation, bias, dtype, generator)');
  throwsWith(() => new ConvTranspose2d(4, 6, 3, { groups: 4 }), ArgumentError, 'ConvTranspose2d: outChannels (6) must be divisible by groups (4)');
  throwsWith(() => new ConvTranspose2d(4, 6, 0), ArgumentError, 'ConvTranspose2d: kernelSize must be a positive integer or a pair of them, got 0');
  throwsWith(() => new ConvTranspose2d(0, 6, 3), ArgumentError, 'ConvTranspose2d: inChannels must be a positive integer, got 0');
  const ct = new ConvTranspose2d(4, 2, 3);
  throwsWith(() => ct.forward(sg.zeros([1, 3, 5, 5])), ShapeError, 'ConvTranspose2d: input has 3 channels but the layer expects 4 (input [1, 3, 5, 5], weight [4, 2, 3, 3])');
  throwsWith(() => ct.forward(sg.zeros([1, 5, 5])), ShapeError, 'ConvTranspose2d: input has 1 channel but the layer expects 4 (input [1, 5, 5], weight [4, 2, 3, 3])');
  throwsWith(() => ct.forward(sg.zeros([5, 5])), ShapeError, 'ConvTranspose2d: expected a 3-D or 4-D input [N, C, H, W] or [C, H, W], got shape [5, 5]');
});

// ---- adaptive pooling -------------------------------------------------------------------------------

test('AdaptiveAvgPool2d / AdaptiveMaxPool2d: output sizes (null keeps the input\'s), global average = mean, errors', () => {
  const x = f64([2, 3, 7, 5], 10);
  assert.equal(new AdaptiveAvgPool2d(3).forward(x).shape, [2, 3, 3, 3]);
  assert.equal(new AdaptiveAvgPool2d([4, null]).forward(x).shape, [2, 3, 4, 5]);
  assert.equal(new AdaptiveMaxPool2d([null, 2]).forward(x).shape, [2, 3, 7, 2]);
  assert.equal(new AdaptiveMaxPool2d(2).forward(sg.narrow(x, 0, 0, 1).reshape([3, 7, 5])).shape, [3, 2, 2]);
  close(new AdaptiveAvgPool2d(1).forward(x), x.mean([2, 3], true), 1e-12, 'global average');
  close(new AdaptiveMaxPool2d(1).forward(x), x.max(3, true).max(2, true), 0, 'global max');
  assert.is(String(new AdaptiveAvgPool2d([4, null])), 'AdaptiveAvgPool2d(outputSize=[4, null])');
  throwsWith(() => new AdaptiveAvgPool2d(0), ArgumentError, 'AdaptiveAvgPool2d: outputSize must be a positive integer or a pair of positive integers or nulls, got 0');
  throwsWith(() => new AdaptiveMaxPool2d([1, 2, 3] as never), ArgumentError, 'AdaptiveMaxPool2d: outputSize must be a positive integer or a pair of positive integers or nulls, got [1, 2, 3]');
  throwsWith(() => new AdaptiveAvgPool2d(2).forward(sg.zeros([4, 4])), ShapeError, 'AdaptiveAvgPool2d: expected a 3-D or 4-D input [N, C, H, W] or [C, H, W], got shape [4, 4]');
  throwsWith(() => new AdaptiveMaxPool2d(2).forward(sg.zeros([1, 4, 4], { dtype: 'int32' })), DTypeError, 'AdaptiveMaxPool2d: input must be float32 or float64, got int32 (shape [1, 4, 4])');
});

// ---- Upsample ---------------------------------------------------------------------------------------

test('Upsample: nearest by scaleFactor repeats pixels; bilinear to a size; settings in toString', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]]);
  assert.equal(new Upsample({ scaleFactor: 2 }).forward(x).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  // align corners: the corners stay, the middle is the average of all four.
  const y = new Upsample({ size: [3, 3], mode: 'bilinear', alignCorners: true }).forward(x);
  assert.equal(y.shape, [1, 1, 3, 3]);
  assert.equal([y.data[0], y.data[2], y.data[4], y.data[6], y.data[8]], [1, 2, 2.5, 3, 4]);
  assert.is(String(new Upsample({ scaleFactor: [2, 3], mode: 'bilinear' })), 'Upsample(scaleFactor=[2,3], mode=bilinear)');
  assert.is(String(new Upsample({ size: 5, mode: 'bilinear', alignCorners: false })), 'Upsample(size=5, mode=bilinear, alignCorners=false)');
});

test('Upsample: exactly one of size / scaleFactor, PyTorch\'s modes, alignCorners only for bilinear, strict options', () => {
  throwsWith(() => new Upsample({}), ArgumentError, 'Upsample: give exactly one of size and scaleFactor, got neither');
  throwsWith(() => new Upsample({ size: 4, scaleFactor: 2 }), ArgumentError, 'Upsample: give exactly one of size and scaleFactor, got both');
  throwsWith(() => new Upsample({ size: 2.5 }), ArgumentError, 'Upsample: size must be a positive integer or a pair of them, got 2.5');
  throwsWith(() => new Upsample({ scaleFactor: [2, 0] }), ArgumentError, 'Upsample: scaleFactor must be a positive number or a pair of them, got [2, 0]');
  throwsWith(() => new Upsample({ scaleFactor: 2, mode: 'bicubic' as never }), ArgumentError, 'Upsample: mode must be \'nearest\' or \'bilinear\', got \'bicubic\'');
  throwsWith(() => new Upsample({ scaleFactor: 2, alignCorners: true }), ArgumentError, 'Upsample: alignCorners can only be set with mode \'bilinear\', got mode \'nearest\'');
  throwsWith(() => new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: 1 as never }), ArgumentError, 'Upsample: alignCorners must be true or false, got 1');
  throwsWith(() => new Upsample({ scale_factor: 2 } as never), ArgumentError, 'Upsample: unknown option \'scale_factor\' (known: size, scaleFactor, mode, alignCorners)');
  throwsWith(() => new Upsample({ scaleFactor: 2 }).forward(sg.zeros([1, 4, 4])), ShapeError, 'Upsample: expected a 4-D input [N, C, H, W], got shape [1, 4, 4]');
});

// ---- GroupNorm and LayerNorm ------------------------------------------------------------------------

test('GroupNorm: weight ones, bias zeros; each sample\'s group normalised to mean 0, variance 1; affine false has no parameters', () => {
  const gn = new GroupNorm(2, 4, { dtype: 'float64' });
  assert.equal([...(gn.weight as Tensor).data], [1, 1, 1, 1]);
  assert.equal([...(gn.bias as Tensor).data], [0, 0, 0, 0]);
  const x = f64([3, 4, 5, 2], 11).mul(3).add(1);
  const y = gn.forward(x);
  const groups = y.reshape([3, 2, 20]);
  close(groups.mean(2), sg.zeros([3, 2], { dtype: 'float64' }), 1e-12, 'group means');
  close(groups.sub(groups.mean(2, true)).pow(2).mean(2), sg.full([3, 2], 1, { dtype: 'float64' }), 1e-3, 'group variances');   // eps 1e-5 / var 9
  const plain = new GroupNorm(1, 4, { affine: false, eps: 0.5 });
  assert.equal(plain.namedParameters(), []);
  assert.is(String(plain), 'GroupNorm(1, 4, eps=0.5, affine=false)');
  throwsWith(() => new GroupNorm(3, 4), ArgumentError, 'GroupNorm: numChannels (4) must be divisible by numGroups (3)');
  throwsWith(() => new GroupNorm(2, 4, { momentum: 0.1 } as never), ArgumentError, 'GroupNorm: unknown option \'momentum\' (known: eps, affine, dtype)');
  throwsWith(() => new GroupNorm(2, 4, { eps: -1 }), ArgumentError, 'GroupNorm: eps must be >= 0, got -1');
  throwsWith(() => gn.forward(sg.zeros([2, 3, 4], { dtype: 'float64' })), ShapeError, 'GroupNorm: expected an input [N, 4, ...], got shape [2, 3, 4]');
  throwsWith(() => gn.forward(sg.zeros([2, 4], { dtype: 'int32' })), DTypeError, 'GroupNorm: input must be float32 or float64, got int32 (shape [2, 4])');
});

test('LayerNorm: over the trailing normalizedShape dims, weight/bias of that shape, errors', () => {
  const ln = new LayerNorm([3, 4], { dtype: 'float64' });
  assert.equal((ln.weight as Tensor).shape, [3, 4]);
  const x = f64([2, 5, 3, 4], 12).mul(2);
  const y = ln.forward(x).reshape([10, 12]);
  close(y.mean(1), sg.zeros([10], { dtype: 'float64' }), 1e-12, 'means');
  const lastDim = new LayerNorm(4, { elementwiseAffine: false, dtype: 'float64' });
  assert.equal(lastDim.namedParameters(), []);
  close(lastDim.forward(x).mean(-1), sg.zeros([2, 5, 3], { dtype: 'float64' }), 1e-12, 'last-dim means');
  assert.is(String(lastDim), 'LayerNorm([4], eps=0.00001, elementwiseAffine=false)');
  throwsWith(() => ln.forward(sg.zeros([2, 4, 3], { dtype: 'float64' })), ShapeError, 'LayerNorm: expected an input [..., 3, 4], got shape [2, 4, 3]');
  throwsWith(() => ln.forward(sg.zeros([4], { dtype: 'float64' })), ShapeError, 'LayerNorm: expected an input [..., 3, 4], got shape [4]');
  throwsWith(() => new LayerNorm([]), ArgumentError, 'LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got []');
  throwsWith(() => new LayerNorm(4, { affine: false } as never), ArgumentError, 'LayerNorm: unknown option \'affine\' (known: eps, elementwiseAffine, dtype)');
  throwsWith(() => new LayerNorm(4, { elementwiseAffine: 'no' as never }), ArgumentError, 'LayerNorm: elementwiseAffine must be true or false, got \'no\'');
});

// ---- ModuleDict -------------------------------------------------------------------------------------

test('ModuleDict: registered under its keys in insertion order; set replaces in place; pop, clear, has, iteration', () => {
  const d = new ModuleDict({ cls: new Linear(4, 3), box: new Linear(4, 2) });
  assert.equal([...d.stateDict().keys()], ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']);
  assert.is(d.length, 2);
  assert.ok(d.has('box') && !d.has('aux'));
  d.set('aux', new ReLU());
  const replacement = new Linear(4, 5);
  d.set('cls', replacement);
  assert.equal(d.keys(), ['cls', 'box', 'aux']);
  assert.is(d.get('cls'), replacement);
  assert.equal([...d], ['cls', 'box', 'aux']);
  assert.equal(d.values().map((m) => m.constructor.name), ['Linear', 'Linear', 'ReLU']);
  assert.equal(d.entries().map(([k]) => k), ['cls', 'box', 'aux']);
  assert.is(d.pop('box').constructor.name, 'Linear');
  assert.equal(d.keys(), ['cls', 'aux']);
  class Net extends Module {
    heads = new ModuleDict(new Map([['b', new Linear(2, 2)], ['a', new Linear(2, 1)]]));
    forward(x: Tensor): Tensor { return this.heads.get('a').forward(this.heads.get('b').forward(x)) as Tensor; }
  }
  const net = new Net();
  assert.equal([...net.stateDict().keys()], ['heads.b.weight', 'heads.b.bias', 'heads.a.weight', 'heads.a.bias']);
  assert.equal(net.forward(sg.zeros([3, 2])).shape, [3, 1]);
  d.clear();
  assert.is(d.length, 0);
  assert.equal(new ModuleDict([['0', new ReLU()], ['1', new ReLU()]]).keys(), ['0', '1']);
});

test('ModuleDict: errors for a missing key, a non-module, reserved names, a key JavaScript would reorder, forward', () => {
  const d = new ModuleDict({ a: new ReLU() });
  throwsWith(() => d.get('b'), ArgumentError, 'ModuleDict.get: no module under key "b" (keys: a)');
  throwsWith(() => d.set('b', 3 as never), ArgumentError, 'ModuleDict.set: the value for key "b" must be a Module, got number');
  throwsWith(() => d.set('training', new ReLU()), ArgumentError, 'registerModule: attribute \'training\' already exists on ModuleDict and is not a module');
  throwsWith(() => d.set('a.b', new ReLU()), ArgumentError, 'registerModule: name must be a non-empty string without \'.\', got "a.b" (in ModuleDict)');
  throwsWith(() => d.set('1', new ReLU()), ArgumentError,
    'ModuleDict.set: key "1" would not keep insertion order: JavaScript lists integer-like keys first, ascending (keys so far: a)');
  assert.equal(d.keys(), ['a']);
  throwsWith(() => new ModuleDict([['2', new ReLU()], ['1', new ReLU()]]), ArgumentError, /^ModuleDict.set: key "1" would not keep insertion order/);
  throwsWith(() => new ModuleDict(new ReLU() as never), ArgumentError, 'ModuleDict: expected an object, a Map or [key, module] pairs, got a Module');
  throwsWith(() => new ModuleDict([['a']] as never), ArgumentError, 'ModuleDict: expected [key, module] pairs, got an entry of length 1');
  throwsWith(() => new ModuleDict(['ab'] as never), ArgumentError, 'ModuleDict: expected [key, module] pairs, got an entry string');
  throwsWith(() => new ModuleDict(null as never), ArgumentError, 'ModuleDict: expected an object, a Map or [key, module] pairs, got null');
  throwsWith(() => d.update(5 as never), ArgumentError, 'ModuleDict: expected an object, a Map or [key, module] pairs, got number');
  throwsWith(() => d.set('b', null as never), ArgumentError, 'ModuleDict.set: the value for key "b" must be a Module, got null');
  throwsWith(() => d.forward(), ArgumentError, 'ModuleDict: a ModuleDict has no forward; call its modules in the parent module\'s forward');
});

test('PyTorch positional forms that these layers take only as options are errors, not silently ignored', () => {
  // PyTorch reads these as stride, size, eps, eps and num_classes; simplegrad wants them named.
  throwsWith(() => new ConvTranspose2d(4, 4, 3, 2 as never), ArgumentError, /^ConvTranspose2d: options must be an object such as \{ stride: \.\.\. \}, got 2$/);
  throwsWith(() => new Upsample(2 as never), ArgumentError, /^Upsample: options must be an object such as \{ size: \.\.\. \}, got 2$/);
  throwsWith(() => new GroupNorm(2, 4, 1e-3 as never), ArgumentError, /^GroupNorm: options must be an object such as \{ eps: \.\.\. \}, got 0.001$/);
  throwsWith(() => new LayerNorm(4, 1e-3 as never), ArgumentError, /^LayerNorm: options must be an object such as \{ eps: \.\.\. \}, got 0.001$/);
  throwsWith(() => resnet18(10 as never), ArgumentError, /^ResNet: options must be an object such as \{ numClasses: \.\.\. \}, got 10$/);
  throwsWith(() => mobilenetV2(10 as never), ArgumentError, /^MobileNetV2: options must be an object such as \{ numClasses: \.\.\. \}, got 10$/);
});

// ---- model builders ---------------------------------------------------------------------------------

test('resnet18: torchvision\'s init (convs Kaiming-normal fan-out, BatchNorm 1/0), seeded, zeroInitResidual, strict options', () => {
  const net = resnet18({ numClasses: 10, generator: new sg.Generator(1) });
  const w = net.layer1.getParameter('0.conv1.weight');    // fan-out 64·9: std √(2/576)
  assert.ok(Math.abs(std(w) / Math.sqrt(2 / 576) - 1) < 0.02);
  assert.equal([...(net.bn1.weight as Tensor).data].every((v) => v === 1), true);
  const fcBound = 1 / Math.sqrt(512);                      // Linear's default
  assert.ok(maxAbs(net.fc.weight) <= fcBound && maxAbs(net.fc.weight) > 0.99 * fcBound);
  assert.equal([...resnet18({ numClasses: 10, generator: new sg.Generator(1) }).fc.weight.data], [...net.fc.weight.data]);
  const zero = resnet18({ numClasses: 2, zeroInitResidual: true });
  assert.ok(zero.modules().filter((m) => m instanceof BasicBlock).every((b) => (b as BasicBlock).bn2.weight?.data.every((v) => v === 0)));
  assert.equal(net.eval().forward(sg.zeros([1, 3, 32, 32])).shape, [1, 10]);
  assert.is(net.layer2.at(0) instanceof BasicBlock && (net.layer2.at(0) as BasicBlock).stride, 2);
  throwsWith(() => resnet18({ num_classes: 10 } as never), ArgumentError, 'ResNet: unknown option \'num_classes\' (known: numClasses, zeroInitResidual, dtype, generator)');
  throwsWith(() => resnet18({ numClasses: 0 }), ArgumentError, 'ResNet: numClasses must be a positive integer, got 0');
  throwsWith(() => new ResNet([2, 2, 2] as never), ArgumentError, 'ResNet: layers must list the number of blocks of the 4 stages, got [2,2,2]');
  throwsWith(() => new ResNet([1, 0, 1, 1]), ArgumentError, 'ResNet: each layers entry must be a positive integer, got 0');
});

test('mobilenetV2: torchvision\'s _make_divisible, init (Linear N(0, 0.01²), zero biases), residual blocks, errors', () => {
  // torchvision: [_make_divisible(v, 8) for v in [16, 8.4, 12, 1664, 3, 100, 27.9, 36]]
  assert.equal([32 * 0.5, 24 * 0.35, 16 * 0.75, 1280 * 1.3, 3, 100, 27.9, 36].map((v) => makeDivisible(v, 8)), [16, 8, 16, 1664, 8, 104, 32, 40]);
  const net = mobilenetV2({ numClasses: 10, widthMult: 0.5, generator: new sg.Generator(2) });
  assert.is(net.lastChannel, 1280);
  const fc = net.classifier.at(1) as Linear;
  assert.ok(Math.abs(std(fc.weight) / 0.01 - 1) < 0.03);
  assert.ok((fc.bias as Tensor).data.every((v) => v === 0));
  const stem = net.features.at(0) as Conv2dNormActivation;
  assert.ok(Math.abs(std((stem.at(0) as Conv2d).weight) / Math.sqrt(2 / (16 * 9)) - 1) < 0.15);   // 432 draws, fan-out 16·9
  const blocks = net.features.modules().filter((m) => m instanceof InvertedResidual) as InvertedResidual[];
  assert.is(blocks.length, 17);
  assert.equal(blocks.map((b) => b.useResConnect).filter(Boolean).length, 10);
  const dw = blocks[1].conv.at(1) as Conv2dNormActivation;
  assert.is((dw.at(0) as Conv2d).groups, (dw.at(0) as Conv2d).inChannels);
  net.eval();
  assert.equal(net.forward(sg.zeros([1, 3, 32, 32])).shape, [1, 10]);
  const custom = new MobileNetV2({ numClasses: 3, invertedResidualSetting: [[1, 16, 1, 1], [6, 24, 2, 2]], roundNearest: 4 });
  assert.equal(custom.features.length, 5);
  assert.equal(custom.eval().forward(sg.zeros([2, 3, 16, 16])).shape, [2, 3]);
  throwsWith(() => mobilenetV2({ width_mult: 0.5 } as never), ArgumentError,
    'MobileNetV2: unknown option \'width_mult\' (known: numClasses, widthMult, roundNearest, dropout, invertedResidualSetting, dtype, generator)');
  throwsWith(() => mobilenetV2({ widthMult: 0 }), ArgumentError, 'MobileNetV2: widthMult must be a positive number, got 0');
  throwsWith(() => mobilenetV2({ invertedResidualSetting: [] }), ArgumentError, 'MobileNetV2: invertedResidualSetting should be a non-empty list of [t, c, n, s] rows, got []');
  throwsWith(() => new InvertedResidual(8, 8, 3, 6), ArgumentError, 'InvertedResidual: stride must be 1 or 2, got 3');
  // torchvision: int(round(inp * expand_ratio)) with Python's round-half-even: 5·2.5 → 12, 7·2.5 → 18, 4·1.3 → 5.
  const hidden = (inp: number, t: number): number => ((new InvertedResidual(inp, 8, 1, t).conv.at(0) as Conv2dNormActivation).at(0) as Conv2d).outChannels;
  assert.equal([hidden(5, 2.5), hidden(7, 2.5), hidden(4, 1.3)], [12, 18, 5]);
});

test('model builders honour dtype: float64 ResNet / MobileNetV2 parameters and buffers', () => {
  const net = new MobileNetV2({ numClasses: 2, widthMult: 0.25, dtype: 'float64', invertedResidualSetting: [[1, 16, 1, 1]] });
  assert.ok(net.parameters().every((p) => p.dtype === 'float64'));
  assert.ok(net.modules().filter((m) => m instanceof BatchNorm2d).every((m) => (m as BatchNorm2d).runningMean?.dtype === 'float64'));
  const block = new BasicBlock(4, 4, 1, null, { dtype: 'float64' });
  assert.equal(block.forward(f64([1, 4, 5, 5], 1)).shape, [1, 4, 5, 5]);
});

test.run();
