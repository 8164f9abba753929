/**
 * Strict arguments: every layer, loss and initialiser reads its arguments as PyTorch does
 * (`new MaxPool2d(3, 2)` has stride 2, `new LeakyReLU(0.2)` slope 0.2) or names them in an options
 * object, and everything else — a misspelled option, a positional argument PyTorch would read as
 * something simplegrad does not take — is an ArgumentError naming the layer, never silently ignored.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import {
  AvgPool2d, BCELoss, BCEWithLogitsLoss, BatchNorm2d, CrossEntropyLoss, Dropout, Dropout2d, ELU, Flatten, GELU, Hardsigmoid, Hardswish,
  Hardtanh, Identity, L1Loss, LeakyReLU, Linear, LogSoftmax, MSELoss, MaxPool2d, NLLLoss, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh,
  init,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

const { ArgumentError } = sg;
/** Calls a constructor with arguments its TypeScript signature forbids, as untyped JavaScript can. */
const untyped = (cls: unknown): new (...args: unknown[]) => unknown => cls as new (...args: unknown[]) => unknown;

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

// ---- Pooling: PyTorch's positional (kernelSize, stride, padding) --------------------------------------

test('MaxPool2d(3, 2) has stride 2 as in PyTorch: [1, 1, 7, 7] → [1, 1, 3, 3] (stride 3 would give 2x2)', () => {
  const x = sg.arange(49).reshape([1, 1, 7, 7]);
  const pool = new MaxPool2d(3, 2);
  assert.equal(pool.stride, [2, 2]);
  const y = pool.forward(x);
  assert.equal(y.shape, [1, 1, 3, 3]);
  assert.equal([...y.data], [16, 18, 20, 30, 32, 34, 44, 46, 48]);
  assert.equal([...new MaxPool2d(3, { stride: 2 }).forward(x).data], [...y.data], 'named stride is the same');
  assert.equal([...new MaxPool2d({ kernelSize: 3, stride: 2 }).forward(x).data], [...y.data], 'everything named');
});

test('MaxPool2d(3, 2, 1) and MaxPool2d(3, 2, { padding: 1 }) pad by 1: [1, 1, 8, 8] → [1, 1, 4, 4] (ResNet stem)', () => {
  const x = sg.normal([1, 1, 8, 8], { generator: new sg.Generator(1) });
  const a = new MaxPool2d(3, 2, 1);
  const b = new MaxPool2d(3, 2, { padding: 1 });
  assert.equal([a.stride, a.padding], [[2, 2], [1, 1]]);
  assert.equal(a.forward(x).shape, [1, 1, 4, 4]);
  assert.equal([...b.forward(x).data], [...a.forward(x).data]);
  assert.equal(new MaxPool2d([3, 2], undefined, [1, 0]).stride, [3, 2], 'an undefined stride is the default (the kernel size)');
});

test('AvgPool2d(3, 2, 1) is PyTorch\'s stride 2, padding 1; countIncludePad by name', () => {
  const x = sg.ones([1, 1, 8, 8]);
  const pool = new AvgPool2d(3, 2, 1);
  assert.equal([pool.kernelSize, pool.stride, pool.padding, pool.countIncludePad], [[3, 3], [2, 2], [1, 1], true]);
  const y = pool.forward(x);
  assert.equal(y.shape, [1, 1, 4, 4]);
  close([y.data[0]], [4 / 9], 1e-7);   // the corner window holds 4 ones and 5 padded zeros
  const excl = new AvgPool2d(3, 2, 1, { countIncludePad: false }).forward(x);
  assert.is(excl.data[0], 1);
  assert.equal(String(new AvgPool2d(2, 1)), 'AvgPool2d(kernelSize=[2, 2], stride=[1, 1], padding=[0, 0], countIncludePad=true)');
});

test('pooling rejects misspelled options, positional forms PyTorch reads otherwise, and values given twice', () => {
  const MaxP = untyped(MaxPool2d);
  const AvgP = untyped(AvgPool2d);
  throwsWith(() => new MaxP({ kernel_size: 3 }), ArgumentError, "MaxPool2d: unknown option 'kernel_size' (known: kernelSize, stride, padding)");
  throwsWith(() => new MaxP(3, { strides: 2 }), ArgumentError, "MaxPool2d: unknown option 'strides' (known: kernelSize, stride, padding)");
  throwsWith(() => new MaxP(3, 2, 1, 2), ArgumentError,
    "MaxPool2d: takes at most 3 positional arguments (kernelSize, stride, padding, in PyTorch's order); got 4: 3, 2, 1, 2; name the others in an options object");
  throwsWith(() => new AvgP(3, 2, 1, true), ArgumentError,
    "AvgPool2d: takes at most 3 positional arguments (kernelSize, stride, padding, in PyTorch's order); got 4: 3, 2, 1, true; name the others in an options object");
  throwsWith(() => new MaxP(3, { stride: 2 }, 1), ArgumentError, 'MaxPool2d: the options object must be the last argument, got one at position 2 of 3');
  throwsWith(() => new MaxP(3, 2, { stride: 1 }), ArgumentError, 'MaxPool2d: stride is given twice: positionally (2) and as an option (1)');
  throwsWith(() => new MaxP({ stride: 2 }), ArgumentError, 'MaxPool2d: kernelSize must be a positive integer or a pair of them, got undefined');
  throwsWith(() => new AvgP(2, { count_include_pad: false }), ArgumentError,
    "AvgPool2d: unknown option 'count_include_pad' (known: kernelSize, stride, padding, countIncludePad)");
  throwsWith(() => new AvgP(2, { countIncludePad: 'no' }), ArgumentError, "AvgPool2d: countIncludePad must be true or false, got 'no'");
  throwsWith(() => new MaxP(2, '2'), ArgumentError, "MaxPool2d: stride must be a positive integer or a pair of them, got '2'");
});

// ---- Activations -------------------------------------------------------------------------------------

test('LeakyReLU(0.2) has slope 0.2 as in PyTorch, the same as { negativeSlope: 0.2 }', () => {
  const x = sg.tensor([-1, 2]);
  close(new LeakyReLU(0.2).forward(x).data, [-0.2, 2]);
  close(new LeakyReLU({ negativeSlope: 0.2 }).forward(x).data, [-0.2, 2]);
  close(new LeakyReLU().forward(x).data, [-0.01, 2]);
  const Leaky = untyped(LeakyReLU);
  throwsWith(() => new Leaky({ negative_slope: 0.2 }), ArgumentError, "LeakyReLU: unknown option 'negative_slope' (known: negativeSlope)");
  throwsWith(() => new Leaky(0.2, true), ArgumentError,
    "LeakyReLU: takes at most 1 positional argument (negativeSlope, in PyTorch's order); got 2: 0.2, true; name the others in an options object");
  throwsWith(() => new Leaky('0.2'), ArgumentError, "LeakyReLU: negativeSlope must be a finite number, got '0.2'");
});

test('parameter-free activations reject any argument (PyTorch\'s inplace included) instead of ignoring it', () => {
  for (const [name, cls] of [['ReLU', ReLU], ['ReLU6', ReLU6], ['Sigmoid', Sigmoid], ['Tanh', Tanh], ['SiLU', SiLU],
    ['Hardswish', Hardswish], ['Hardsigmoid', Hardsigmoid], ['Identity', Identity]] as const) {
    const C = untyped(cls);
    throwsWith(() => new C(true), ArgumentError, `${name}: takes no arguments, got true`);
    throwsWith(() => new C({ inplace: true }), ArgumentError, `${name}: takes no arguments, got { inplace }`);
  }
});

test('ReLU6, Hardswish, Hardsigmoid and Hardtanh compute PyTorch\'s functions', () => {
  const x = sg.tensor([-4, -3, -1, 0, 1.5, 3, 5, 8]);
  close(new ReLU6().forward(x).data, [0, 0, 0, 0, 1.5, 3, 5, 6]);
  close(new Hardswish().forward(x).data, [0, 0, -1 / 3, 0, 1.125, 3, 5, 8]);
  close(new Hardsigmoid().forward(x).data, [0, 0, 1 / 3, 0.5, 0.75, 1, 1, 1]);
  close(new Hardtanh().forward(x).data, [-1, -1, -1, 0, 1, 1, 1, 1]);
  close(new Hardtanh(0, 6).forward(x).data, new ReLU6().forward(x).toArray() as number[]);
  close(new Hardtanh({ minVal: -2, maxVal: 2 }).forward(x).data, [-2, -2, -1, 0, 1.5, 2, 2, 2]);
  close(new Hardtanh(-2, { maxVal: 2 }).forward(x).data, [-2, -2, -1, 0, 1.5, 2, 2, 2]);
  assert.is(String(new Hardtanh(0, 6)), 'Hardtanh(minVal=0, maxVal=6)');
  // PyTorch's gradient: 1 strictly inside, 0 at the kinks and outside.
  const xs = sg.tensor([-1, 0, 3, 6, 7], { requiresGrad: true });
  new ReLU6().forward(xs).sum().backward();
  assert.equal([...xs.grad!.data], [0, 0, 1, 0, 0]);
});

test('Hardtanh: positional (minVal, maxVal) as in PyTorch; bad bounds and names throw', () => {
  const H = untyped(Hardtanh);
  throwsWith(() => new H(2, 1), ArgumentError, 'Hardtanh: minVal must be <= maxVal, got minVal 2 and maxVal 1');
  throwsWith(() => new H({ min_val: 0 }), ArgumentError, "Hardtanh: unknown option 'min_val' (known: minVal, maxVal)");
  throwsWith(() => new H(0, 6, true), ArgumentError,
    "Hardtanh: takes at most 2 positional arguments (minVal, maxVal, in PyTorch's order); got 3: 0, 6, true; name the others in an options object");
  throwsWith(() => new H(NaN), ArgumentError, 'Hardtanh: minVal must be a finite number, got NaN');
});

test('GELU(\'tanh\'), ELU(0.5), Softmax(1), LogSoftmax(0): PyTorch\'s positional forms', () => {
  assert.is(new GELU('tanh').approximate, 'tanh');
  assert.is(new GELU({ approximate: 'tanh' }).approximate, 'tanh');
  assert.is(new ELU(0.5).alpha, 0.5);
  close(new ELU(0.5).forward(sg.tensor([-1])).data, [0.5 * (Math.exp(-1) - 1)]);
  assert.is(new Softmax({ dim: 0 }).dim, 0);
  close(new Softmax(0).forward(sg.tensor([[0, 0], [0, 0]])).data, [0.5, 0.5, 0.5, 0.5]);
  close(new LogSoftmax(0).forward(sg.tensor([0, 0])).data, [-Math.LN2, -Math.LN2]);
  const [G, E, S, L] = [untyped(GELU), untyped(ELU), untyped(Softmax), untyped(LogSoftmax)];
  throwsWith(() => new G('exact'), ArgumentError, "GELU: approximate must be 'none' or 'tanh', got 'exact'");
  throwsWith(() => new E({ alpha: 1, inplace: false }), ArgumentError, "ELU: unknown option 'inplace' (known: alpha)");
  throwsWith(() => new S({ axis: 1 }), ArgumentError, "Softmax: unknown option 'axis' (known: dim)");
  throwsWith(() => new S(1.5), ArgumentError, 'Softmax: dim must be an integer, got 1.5');
  throwsWith(() => new L(1, 2), ArgumentError,
    "LogSoftmax: takes at most 1 positional argument (dim, in PyTorch's order); got 2: 1, 2; name the others in an options object");
});

// ---- Flatten, Dropout, Dropout2d ---------------------------------------------------------------------------

test('Flatten(startDim, endDim) and { startDim, endDim }; bad dims and names throw', () => {
  const x = sg.zeros([2, 3, 4, 5]);
  assert.equal(new Flatten(0, 2).forward(x).shape, [24, 5]);
  assert.equal(new Flatten({ endDim: 2 }).forward(x).shape, [2, 12, 5]);
  const F = untyped(Flatten);
  throwsWith(() => new F({ start_dim: 0 }), ArgumentError, "Flatten: unknown option 'start_dim' (known: startDim, endDim)");
  throwsWith(() => new F(0.5), ArgumentError, 'Flatten: startDim must be an integer, got 0.5');
  throwsWith(() => new F(0, '-1'), ArgumentError, "Flatten: endDim must be an integer, got '-1'");
});

test('Dropout(p) / Dropout({ p, generator }); Dropout2d(p) drops whole channels', () => {
  assert.is(new Dropout(0.2).p, 0.2);
  assert.is(new Dropout({ p: 0.2 }).p, 0.2);
  const a = new Dropout(0.5, { generator: new sg.Generator(4) }).forward(sg.ones([64]));
  const b = new Dropout({ p: 0.5, generator: new sg.Generator(4) }).forward(sg.ones([64]));
  assert.equal([...a.data], [...b.data]);
  const drop2d = new Dropout2d(0.5, { generator: new sg.Generator(2) });
  assert.is(String(drop2d), 'Dropout2d(p=0.5)');
  const y = drop2d.forward(sg.ones([4, 8, 3, 3]));
  let zeroed = 0;
  for (let plane = 0; plane < 32; plane++) {
    const vals = new Set(y.data.subarray(plane * 9, plane * 9 + 9));
    assert.is(vals.size, 1, `plane ${plane} is all dropped or all kept`);
    const v = [...vals][0];
    assert.ok(v === 0 || v === 2, `plane ${plane}: ${v}`);
    if (v === 0) zeroed++;
  }
  assert.ok(zeroed > 4 && zeroed < 28, `${zeroed} of 32 channels dropped`);
  const x = sg.ones([2, 3, 2, 2]);
  assert.is(new Dropout2d(0.5).eval().forward(x), x);
  assert.is(new Dropout2d().p, 0.5);
});

test('Dropout and Dropout2d reject misspelled options, PyTorch\'s inplace, bad p and generators', () => {
  for (const [name, cls] of [['Dropout', Dropout], ['Dropout2d', Dropout2d]] as const) {
    const D = untyped(cls);
    throwsWith(() => new D({ rate: 0.2 }), ArgumentError, `${name}: unknown option 'rate' (known: p, generator)`);
    throwsWith(() => new D(0.2, true), ArgumentError,
      `${name}: takes at most 1 positional argument (p, in PyTorch's order); got 2: 0.2, true; name the others in an options object`);
    throwsWith(() => new D(1.5), ArgumentError, `${name}: p must be in [0, 1], got 1.5`);
    throwsWith(() => new D(0.5, { generator: 3 }), ArgumentError, `${name}: generator must be a Generator, got 3`);
    throwsWith(() => new D(0.5, { p: 0.1 }), ArgumentError, `${name}: p is given twice: positionally (0.5) and as an option (0.1)`);
  }
});

// ---- Layers with parameters ---------------------------------------------------------------------------

test('Linear and BatchNorm2d: PyTorch\'s positional bias / eps are rejected, options checked by name and type', () => {
  const Lin = untyped(Linear);
  const BN = untyped(BatchNorm2d);
  throwsWith(() => new Lin(4, 2, false), ArgumentError, 'Linear: options must be an object such as { bias: ... }, got false');
  throwsWith(() => new Lin(4, 2, { use_bias: false }), ArgumentError, "Linear: unknown option 'use_bias' (known: bias, dtype, generator)");
  throwsWith(() => new Lin(4, 2, { bias: 0 }), ArgumentError, 'Linear: bias must be true or false, got 0');
  throwsWith(() => new Lin(4, 2, { dtype: 'float16' }), ArgumentError, "Linear: dtype must be 'float32' or 'float64', got 'float16'");
  assert.is(new Linear(4, 2, { bias: false }).bias, null);
  throwsWith(() => new BN(4, 1e-3), ArgumentError, 'BatchNorm2d: options must be an object such as { eps: ... }, got 0.001');
  throwsWith(() => new BN(4, { eps: 1e-3, momentun: 0.1 }), ArgumentError,
    "BatchNorm2d: unknown option 'momentun' (known: eps, momentum, affine, trackRunningStats, dtype)");
  throwsWith(() => new BN(4, { affine: 'false' }), ArgumentError, "BatchNorm2d: affine must be true or false, got 'false'");
  throwsWith(() => new BN(4, { trackRunningStats: 0 }), ArgumentError, 'BatchNorm2d: trackRunningStats must be true or false, got 0');
  throwsWith(() => new BN(4, { eps: '1e-5' }), ArgumentError, "BatchNorm2d: eps must be a finite number, got '1e-5'");
});

// ---- Losses -----------------------------------------------------------------------------------------------

test('losses take PyTorch\'s positional weight; the same loss as { weight }', () => {
  const logits = sg.tensor([[1, 2, 0.5], [0, -1, 3]]);
  const labels = sg.tensor([1, 2], { dtype: 'int32' });
  const w = sg.tensor([1, 2, 3]);
  close(new CrossEntropyLoss(w).forward(logits, labels).data, [...new CrossEntropyLoss({ weight: w }).forward(logits, labels).data]);
  close(new CrossEntropyLoss(w, { reduction: 'sum' }).forward(logits, labels).data,
    [...new CrossEntropyLoss({ weight: w, reduction: 'sum' }).forward(logits, labels).data]);
  const logp = sg.logSoftmax(logits, 1);
  close(new NLLLoss(w).forward(logp, labels).data, [...new NLLLoss({ weight: w }).forward(logp, labels).data]);
  assert.is(new BCEWithLogitsLoss(w).weight, w);
  assert.is(new CrossEntropyLoss(undefined, { ignoreIndex: 0 }).ignoreIndex, 0);
});

test('BCELoss: binary cross-entropy of probabilities with PyTorch\'s −100 log clamp, weight and reduction', () => {
  const p = sg.tensor([0.9, 0.2, 1, 0]);
  const y = sg.tensor([1, 0, 0, 0]);
  const each = [-Math.log(0.9), -Math.log(0.8), 100, 0];
  close(new BCELoss({ reduction: 'none' }).forward(p, y).data, each, 1e-5);
  close(new BCELoss().forward(p, y).data, [each.reduce((a, b) => a + b) / 4], 1e-5);
  const w = sg.tensor([2, 1, 1, 1]);
  close(new BCELoss(w, { reduction: 'sum' }).forward(p, y).data, [2 * each[0] + each[1] + each[2]], 1e-4);
  const bce = new BCELoss({ weight: w });
  assert.equal([...bce.stateDict().keys()], ['weight'], 'weight is a buffer, saved as in PyTorch');
  assert.is(String(bce), 'BCELoss(reduction=mean)');
});

test('losses reject misspelled options, deprecated positional size_average/reduce, bad reductions and weights', () => {
  const [CE, NLL, MSE, L1, BCE, BCEL] = [CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss].map(untyped);
  throwsWith(() => new CE({ ignore_index: 0 }), ArgumentError,
    "CrossEntropyLoss: unknown option 'ignore_index' (known: weight, ignoreIndex, reduction, labelSmoothing)");
  throwsWith(() => new CE(undefined, true), ArgumentError,
    "CrossEntropyLoss: takes at most 1 positional argument (weight, in PyTorch's order); got 2: undefined, true; name the others in an options object");
  throwsWith(() => new CE({ labelSmoothing: 1.5 }), ArgumentError, 'CrossEntropyLoss: labelSmoothing must be in [0, 1], got 1.5');
  throwsWith(() => new CE({ ignoreIndex: '0' }), ArgumentError, "CrossEntropyLoss: ignoreIndex must be a number, got '0'");
  throwsWith(() => new NLL({ weight: [1, 2] }), ArgumentError, 'NLLLoss: weight must be a Tensor, got [1, 2]');
  throwsWith(() => new NLL({ reduction: 'avg' }), ArgumentError, "NLLLoss: reduction must be 'mean' or 'sum' or 'none', got 'avg'");
  throwsWith(() => new MSE('sum'), ArgumentError, "MSELoss: takes its options by name ({ reduction }), not positionally; got 1: 'sum'");
  throwsWith(() => new L1({ reduce: false }), ArgumentError, "L1Loss: unknown option 'reduce' (known: reduction)");
  throwsWith(() => new BCE({ weights: sg.ones([2]) }), ArgumentError, "BCELoss: unknown option 'weights' (known: weight, reduction)");
  throwsWith(() => new BCEL({ pos_weight: sg.ones([1]) }), ArgumentError, "BCEWithLogitsLoss: unknown option 'pos_weight' (known: weight, posWeight, reduction)");
  throwsWith(() => new BCEL({ posWeight: 3 }), ArgumentError, 'BCEWithLogitsLoss: posWeight must be a Tensor, got 3');
});

// ---- init -------------------------------------------------------------------------------------------------

test('init: PyTorch\'s positional forms draw the same values as the named ones', () => {
  const same = (a: (t: sg.Tensor, g: sg.Generator) => unknown, b: (t: sg.Tensor, g: sg.Generator) => unknown): number[] => {
    const [x, y] = [sg.zeros([6, 5]), sg.zeros([6, 5])];
    a(x, new sg.Generator(9));
    b(y, new sg.Generator(9));
    assert.equal([...x.data], [...y.data]);
    return [...x.data];
  };
  const u = same((t, g) => init.uniform_(t, -0.1, 0.1, { generator: g }), (t, g) => init.uniform_(t, { a: -0.1, b: 0.1, generator: g }));
  assert.ok(u.every((v) => v >= -0.1 && v < 0.1) && u.some((v) => v < 0));
  same((t, g) => init.normal_(t, 0, 0.02, { generator: g }), (t, g) => init.normal_(t, { std: 0.02, generator: g }));
  same((t, g) => init.xavierUniform_(t, 2, { generator: g }), (t, g) => init.xavierUniform_(t, { gain: 2, generator: g }));
  same((t, g) => init.xavierNormal_(t, 2, { generator: g }), (t, g) => init.xavierNormal_(t, { gain: 2, generator: g }));
  same((t, g) => init.kaimingNormal_(t, 0, 'fanOut', 'relu', { generator: g }),
    (t, g) => init.kaimingNormal_(t, { mode: 'fanOut', nonlinearity: 'relu', generator: g }));
  same((t, g) => init.kaimingUniform_(t, Math.sqrt(5), { generator: g }), (t, g) => init.kaimingUniform_(t, { a: Math.sqrt(5), generator: g }));
});

test('init rejects misspelled options, extra positional arguments, bad values and generators', () => {
  const t = sg.zeros([3, 3]);
  const any = init as unknown as Record<string, (...a: unknown[]) => unknown>;
  throwsWith(() => any.uniform_(t, { low: 0 }), ArgumentError, "uniform_: unknown option 'low' (known: a, b, generator)");
  throwsWith(() => any.normal_(t, 0, 1, 2), ArgumentError,
    "normal_: takes at most 2 positional arguments (mean, std, in PyTorch's order); got 3: 0, 1, 2; name the others in an options object");
  throwsWith(() => any.normal_(t, { mean: '0' }), ArgumentError, "normal_: mean must be a finite number, got '0'");
  throwsWith(() => any.xavierUniform_(t, { gain: 1, mode: 'fanIn' }), ArgumentError, "xavierUniform_: unknown option 'mode' (known: gain, generator)");
  throwsWith(() => any.kaimingUniform_(t, { nonlinearity: 'relu', gain: 1 }), ArgumentError,
    "kaimingUniform_: unknown option 'gain' (known: a, mode, nonlinearity, generator)");
  throwsWith(() => any.kaimingNormal_(t, 0, 'fan_out'), ArgumentError, "kaimingNormal_: mode must be 'fanIn' or 'fanOut', got 'fan_out'");
  throwsWith(() => any.kaimingNormal_(t, { generator: 7 }), ArgumentError, 'kaimingNormal_: generator must be a Generator, got 7');
  throwsWith(() => any.uniform_(t, { generator: 7 }), ArgumentError, 'uniform_: generator must be a Generator, got 7');
  throwsWith(() => any.uniform_(t, -Infinity, 0), ArgumentError, 'uniform_: a must be a finite number, got -Infinity');
  throwsWith(() => any.constant_(t, '1'), ArgumentError, "constant_: value must be a number, got '1'");
});

test.run();
