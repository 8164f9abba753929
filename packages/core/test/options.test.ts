/**
 * Strict arguments in core: an unknown option, a positional value in an options object's place, a
 * string where a number belongs — each an error naming the op, the argument and the known options,
 * never silently ignored or coerced. Also `readArgs`, the PyTorch-style argument reader every
 * package shares.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { throwsWith } from './throws.js';

const { ArgumentError, DTypeError } = sg;
/** Calls `fn` with arguments its TypeScript signature forbids, as untyped JavaScript can. */
const untyped = (fn: unknown): ((...args: unknown[]) => unknown) => fn as (...args: unknown[]) => unknown;

// ---- readArgs: Python's reading of a PyTorch signature ----------------------------------------------

test('readArgs: positional values in PyTorch\'s order, a trailing options object, or both', () => {
  const known = ['kernelSize', 'stride', 'padding'];
  assert.equal(sg.readArgs('Pool', [3, 2], known, known), { kernelSize: 3, stride: 2 });
  assert.equal(sg.readArgs('Pool', [3, { padding: 1 }], known, known), { kernelSize: 3, padding: 1 });
  assert.equal(sg.readArgs('Pool', [{ kernelSize: 3 }], known, known), { kernelSize: 3 });
  assert.equal(sg.readArgs('Pool', [3, undefined, 1], known, known), { kernelSize: 3, padding: 1 });
  assert.equal(sg.readArgs('Pool', [[3, 2]], known, known), { kernelSize: [3, 2] }, 'an array is a value, not options');
  assert.equal(sg.readArgs('Loss', [sg.ones([2])], ['weight'], ['weight']).weight?.shape, [2], 'a tensor is a value');
  assert.equal(sg.readArgs('Pool', [Object.assign(Object.create(null), { stride: 1 })], known, known), { stride: 1 });
  assert.equal(sg.readArgs('ReLU', [], [], []), {});
});

test('readArgs rejects unknown names, extra positional values, misplaced options and values given twice', () => {
  const known = ['kernelSize', 'stride'];
  throwsWith(() => sg.readArgs('Pool', [{ kernel_size: 3 }], known, known), ArgumentError, "Pool: unknown option 'kernel_size' (known: kernelSize, stride)");
  throwsWith(() => sg.readArgs('Pool', [3, 2, 1], known, known), ArgumentError,
    "Pool: takes at most 2 positional arguments (kernelSize, stride, in PyTorch's order); got 3: 3, 2, 1; name the others in an options object");
  throwsWith(() => sg.readArgs('Drop', [0.1, 0.2], ['p'], ['p']), ArgumentError,
    "Drop: takes at most 1 positional argument (p, in PyTorch's order); got 2: 0.1, 0.2; name the others in an options object");
  throwsWith(() => sg.readArgs('Loss', ['sum'], [], ['reduction']), ArgumentError, "Loss: takes its options by name ({ reduction }), not positionally; got 1: 'sum'");
  throwsWith(() => sg.readArgs('Pool', [{ stride: 2 }, 3], known, known), ArgumentError, 'Pool: the options object must be the last argument, got one at position 1 of 2');
  throwsWith(() => sg.readArgs('Pool', [3, { kernelSize: 2 }], known, known), ArgumentError, 'Pool: kernelSize is given twice: positionally (3) and as an option (2)');
  throwsWith(() => sg.readArgs('ReLU', [true, { inplace: true }], [], []), ArgumentError, 'ReLU: takes no arguments, got true, { inplace }');
  const g = new sg.Generator(1);
  assert.is(sg.readArgs('X', [g], ['p'], ['p']).p, g, 'a class instance is a value, not an options object');
});

test('checkProbability, checkNumber, checkDType, checkFloat: the shared value checks', () => {
  assert.is(sg.checkProbability('Dropout', 'p', 1), 1);
  throwsWith(() => sg.checkProbability('Dropout', 'p', -0.1), ArgumentError, 'Dropout: p must be in [0, 1], got -0.1');
  throwsWith(() => sg.checkProbability('Dropout', 'p', '0.5', ' (layer 3)'), ArgumentError, "Dropout: p must be in [0, 1], got '0.5' (layer 3)");
  assert.is(sg.checkNumber('clamp', 'min', -Infinity), -Infinity);
  throwsWith(() => sg.checkNumber('clamp', 'min', [0]), ArgumentError, 'clamp: min must be a number, got [0]');
  assert.is(sg.checkDType('zeros', 'dtype', 'int32'), 'int32');
  sg.checkFloat('op', 'x', sg.zeros([1], { dtype: 'float64' }));
  throwsWith(() => sg.checkFloat('op', 'x', sg.zeros([1, 2], { dtype: 'int32' }), '(input [1, 2])'), DTypeError, 'op: x must be float32 or float64, got int32 (input [1, 2])');
});

// ---- Pooling and padding ---------------------------------------------------------------------------------

test('maxPool2d / avgPool2d: a positional stride is rejected, not read as "no options" (stride = kernel)', () => {
  const x = sg.zeros([1, 1, 7, 7]);
  throwsWith(() => untyped(sg.maxPool2d)(x, 3, 2), ArgumentError, 'maxPool2d: options must be an object such as { stride: ... }, got 2');
  throwsWith(() => untyped(sg.avgPool2d)(x, 3, [2, 2]), ArgumentError, 'avgPool2d: options must be an object such as { stride: ... }, got [2, 2]');
  throwsWith(() => untyped(sg.maxPool2d)(x, 3, { strides: 2 }), ArgumentError, "maxPool2d: unknown option 'strides' (known: stride, padding)");
  throwsWith(() => untyped(sg.maxPool2d)(x, 3, { countIncludePad: false }), ArgumentError,
    "maxPool2d: unknown option 'countIncludePad' (known: stride, padding)");
  throwsWith(() => untyped(sg.avgPool2d)(x, 3, { count_include_pad: false }), ArgumentError,
    "avgPool2d: unknown option 'count_include_pad' (known: stride, padding, countIncludePad)");
  throwsWith(() => untyped(sg.avgPool2d)(x, 3, { countIncludePad: 0 }), ArgumentError, 'avgPool2d: countIncludePad must be true or false, got 0');
  assert.equal(sg.maxPool2d(x, 3, { stride: 2 }).shape, [1, 1, 3, 3]);
  assert.equal(x.maxPool2d(3, { stride: 2, padding: 1 }).shape, [1, 1, 4, 4]);
});

test('pad: a positional mode is rejected (it would pad with zeros), as are unknown options', () => {
  const x = sg.ones([1, 1, 2, 2]);
  throwsWith(() => untyped(sg.pad)(x, 1, 'reflect'), ArgumentError, "pad: options must be an object such as { mode: ... }, got 'reflect'");
  throwsWith(() => untyped(sg.pad)(x, 1, { mode: 'reflect', fill: 0 }), ArgumentError, "pad: unknown option 'fill' (known: mode, value)");
  assert.equal(sg.pad(x, 1, { mode: 'reflect' }).shape, [1, 1, 4, 4]);
});

// ---- Reductions ------------------------------------------------------------------------------------------

test('reductions: keepdim must be a boolean (an options object there would silently mean true)', () => {
  const x = sg.ones([2, 3]);
  for (const op of ['sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'logsumexp', 'var'] as const) {
    throwsWith(() => untyped(sg[op])(x, 1, { keepdim: true }), ArgumentError, `${op}: keepdim must be true or false, got object`);
  }
  throwsWith(() => untyped(sg.sum)(x, 1, 1), ArgumentError, 'sum: keepdim must be true or false, got 1');
  assert.equal(sg.sum(x, 1, true).shape, [2, 1]);
  throwsWith(() => untyped(sg.variance)(x, 1, false, { unbiased: false }), ArgumentError, "var: unknown option 'unbiased' (known: correction)");
  throwsWith(() => untyped(sg.variance)(x, 1, false, 0), ArgumentError, 'var: options must be an object such as { correction: ... }, got 0');
  throwsWith(() => untyped(sg.variance)(x, 1, false, { correction: Infinity }), ArgumentError, 'var: correction must be finite, got Infinity');
});

// ---- Elementwise, matmul, linear ---------------------------------------------------------------------------

test('elementwise ops take tensors and numbers only; clamp bounds are numbers; cast needs a real dtype', () => {
  const x = sg.ones([2]);
  throwsWith(() => untyped(sg.add)(x, '2'), ArgumentError, "add: expected a Tensor or a number, got '2'");
  throwsWith(() => untyped(sg.mul)([1, 2], x), ArgumentError, 'mul: expected a Tensor or a number, got [1, 2]');
  throwsWith(() => untyped(sg.lt)(x, null), ArgumentError, 'lt: expected a Tensor or a number, got null');
  throwsWith(() => untyped(sg.where)(x, x, 'a'), ArgumentError, "where: expected a Tensor or a number, got 'a'");
  throwsWith(() => untyped(sg.exp)('1'), ArgumentError, "exp: expected a Tensor or a number, got '1'");
  throwsWith(() => untyped(sg.neg)(undefined), ArgumentError, 'neg: expected a Tensor or a number, got undefined');
  throwsWith(() => untyped(sg.abs)({}), ArgumentError, 'abs: expected a Tensor or a number, got object');
  throwsWith(() => untyped(sg.toTensor)('1'), ArgumentError, "toTensor: expected a Tensor or a number, got '1'");
  throwsWith(() => untyped(sg.clamp)(x, { min: 0 }), ArgumentError, 'clamp: min must be a number, got object');
  throwsWith(() => untyped(sg.clamp)(x, 0, '1'), ArgumentError, "clamp: max must be a number, got '1'");
  assert.equal([...sg.clamp(sg.tensor([-2, 0.5, 3]), -Infinity, 1).data], [-2, 0.5, 1]);
  throwsWith(() => untyped(sg.cast)(x, 'float16'), ArgumentError, "cast: dtype must be 'float32' or 'float64' or 'int32', got 'float16'");
  throwsWith(() => sg.matmul(sg.ones([2], { dtype: 'int32' }), x), DTypeError, 'matmul: a must be float32 or float64, got int32 (shape [2])');
});

test('linear: the bias is PyTorch\'s third positional argument; an options object there is rejected', () => {
  const x = sg.ones([2, 3]);
  const w = sg.ones([4, 3]);
  const b = sg.ones([4]);
  throwsWith(() => untyped(sg.linear)(x, w, { bias: b }), ArgumentError,
    'linear: bias must be a Tensor or null (the third positional argument, as in PyTorch), got object');
  assert.equal([...sg.linear(x, w, b).data], new Array(8).fill(4));
  assert.equal([...sg.linear(x, w, undefined as unknown as null).data], new Array(8).fill(3));
});

// ---- Factories ---------------------------------------------------------------------------------------------

test('factories reject unknown options, positional options and bad dtype/requiresGrad values', () => {
  throwsWith(() => untyped(sg.tensor)([1], { requires_grad: true }), ArgumentError, "tensor: unknown option 'requires_grad' (known: dtype, requiresGrad, shape)");
  throwsWith(() => untyped(sg.tensor)([1], 'int32'), ArgumentError, "tensor: options must be an object such as { dtype: ... }, got 'int32'");
  throwsWith(() => untyped(sg.zeros)([2], 'float64'), ArgumentError, "zeros: options must be an object such as { dtype: ... }, got 'float64'");
  throwsWith(() => untyped(sg.zeros)([2], { dtype: 'float16' }), ArgumentError, "zeros: dtype must be 'float32' or 'float64' or 'int32', got 'float16'");
  throwsWith(() => untyped(sg.ones)([2], { requiresGrad: 'yes' }), ArgumentError, "ones: requiresGrad must be true or false, got 'yes'");
  throwsWith(() => untyped(sg.full)([2], '1'), ArgumentError, "full: value must be a number, got '1'");
  throwsWith(() => untyped(sg.full)([2], 1, { dtype: 'int32', grad: true }), ArgumentError, "full: unknown option 'grad' (known: dtype, requiresGrad)");
  assert.ok(Number.isNaN(sg.full([1], NaN).item()), 'NaN is a number (PyTorch fills with it too)');
  throwsWith(() => untyped(sg.normal)([2], { mean: 0, stdev: 1 }), ArgumentError,
    "normal: unknown option 'stdev' (known: dtype, requiresGrad, generator, mean, std)");
  throwsWith(() => untyped(sg.normal)([2], 0, 1), ArgumentError, 'normal: options must be an object such as { dtype: ... }, got 0');
  throwsWith(() => untyped(sg.normal)([2], { mean: '1' }), ArgumentError, "normal: mean must be a finite number, got '1'");
  throwsWith(() => untyped(sg.normal)([2], { std: Infinity }), ArgumentError, 'normal: std must be a finite number, got Infinity');
  throwsWith(() => untyped(sg.uniform)([2], { min: 0 }), ArgumentError, "uniform: unknown option 'min' (known: dtype, requiresGrad, generator, low, high)");
  throwsWith(() => untyped(sg.uniform)([2], { high: NaN }), ArgumentError, 'uniform: high must be a finite number, got NaN');
  throwsWith(() => untyped(sg.randint)(0, 5, [2], { seed: 1 }), ArgumentError, "randint: unknown option 'seed' (known: dtype, requiresGrad, generator)");
  throwsWith(() => untyped(sg.randint)('0', 5, [2]), ArgumentError, "randint: expected integers low < high, got low='0', high=5");
  throwsWith(() => untyped(sg.randn)([2], { std: 2 }), ArgumentError, "randn: unknown option 'std' (known: dtype, requiresGrad, generator)");
  throwsWith(() => untyped(sg.rand)([2], { high: 2 }), ArgumentError, "rand: unknown option 'high' (known: dtype, requiresGrad, generator)");
  throwsWith(() => untyped(sg.normal)([2], { generator: 5 }), ArgumentError, 'normal: generator must be a Generator (e.g. new Generator(seed)), got number');
  throwsWith(() => untyped(sg.rand)([2], { generator: null }), ArgumentError, 'rand: generator must be a Generator (e.g. new Generator(seed)), got null');
});

test('*Like factories check their options under their own name and keep x\'s dtype by default', () => {
  const x = sg.zeros([2, 2], { dtype: 'float64' });
  throwsWith(() => untyped(sg.zerosLike)(x, { shape: [3] }), ArgumentError, "zerosLike: unknown option 'shape' (known: dtype, requiresGrad)");
  throwsWith(() => untyped(sg.onesLike)(x, 'int32'), ArgumentError, "onesLike: options must be an object such as { dtype: ... }, got 'int32'");
  throwsWith(() => untyped(sg.fullLike)(x, 1, { value: 2 }), ArgumentError, "fullLike: unknown option 'value' (known: dtype, requiresGrad)");
  throwsWith(() => untyped(sg.normalLike)(x, { mu: 0 }), ArgumentError, "normalLike: unknown option 'mu' (known: dtype, requiresGrad, generator, mean, std)");
  throwsWith(() => untyped(sg.uniformLike)(x, { lo: 0 }), ArgumentError, "uniformLike: unknown option 'lo' (known: dtype, requiresGrad, generator, low, high)");
  throwsWith(() => untyped(sg.randintLike)(x, 0, 3, { high: 3 }), ArgumentError, "randintLike: unknown option 'high' (known: dtype, requiresGrad, generator)");
  assert.is(sg.onesLike(x).dtype, 'float64');
  assert.is(sg.fullLike(x, 2, { dtype: 'int32' }).dtype, 'int32');
  assert.is(sg.normalLike(x, { std: 2, generator: new sg.Generator(1) }).dtype, 'float64');
  assert.is(sg.uniformLike(x, { low: -1 }).dtype, 'float64');
  assert.is(sg.randintLike(x, 0, 3).dtype, 'int32');
});

test('arange and eye take options after any of their number forms, as in PyTorch', () => {
  const a = sg.arange(5, { dtype: 'int32' });
  assert.equal([a.dtype, [...a.data]], ['int32', [0, 1, 2, 3, 4]]);
  assert.equal([...sg.arange(1, 3, { dtype: 'float64' }).data], [1, 2]);
  assert.equal([...sg.arange(0, 1, 0.25, { dtype: 'float64' }).data], [0, 0.25, 0.5, 0.75]);
  assert.equal([...sg.arange(2, undefined, 1).data], [0, 1]);
  throwsWith(() => untyped(sg.arange)(0, 1, { step: 0.5 }), ArgumentError, "arange: unknown option 'step' (known: dtype, requiresGrad)");
  throwsWith(() => untyped(sg.arange)(0, 1, 0.5, 3), ArgumentError, 'arange: takes at most start, end and step, got 4 numbers');
  throwsWith(() => untyped(sg.arange)('5'), ArgumentError, "arange: start must be a finite number, got '5'");
  throwsWith(() => untyped(sg.arange)(0, [5]), ArgumentError, 'arange: end must be a finite number, got [5]');
  throwsWith(() => untyped(sg.arange)(0, 1, NaN), ArgumentError, 'arange: step must be a finite number, got NaN');
  const e = sg.eye(2, { dtype: 'float64' });
  assert.equal([e.dtype, e.shape, [...e.data]], ['float64', [2, 2], [1, 0, 0, 1]]);
  assert.equal(sg.eye(2, 3, { dtype: 'int32' }).shape, [2, 3]);
  throwsWith(() => untyped(sg.eye)(2, 3, { dtyp: 'int32' }), ArgumentError, "eye: unknown option 'dtyp' (known: dtype, requiresGrad)");
  throwsWith(() => untyped(sg.linspace)(0, 1, 3, { endpoint: false }), ArgumentError, "linspace: unknown option 'endpoint' (known: dtype, requiresGrad)");
  throwsWith(() => untyped(sg.linspace)('0', 1, 3), ArgumentError, "linspace: start must be a finite number, got '0'");
});

test.run();
