import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { runFixture } from './torch-fixtures.js';

// Reference values: torch 1.13, float64, at these points (forward, then autograd gradient of sum).
const V = [-3, -1, -0.5, 0, 0.5, 1, 3];
const v64 = (): sg.Tensor => sg.tensor(V, { dtype: 'float64', requiresGrad: true });

/** Checks forward values and the gradient of `sum(f(v))` against PyTorch's, to float64 precision. */
function checkPointwise(f: (t: sg.Tensor) => sg.Tensor, forward: number[], grad: number[], what: string): void {
  const x = v64();
  const y = f(x);
  assert.is(y.dtype, 'float64');
  assertClose(y.data, forward, 1e-15, 1e-14, `${what} forward`);
  y.sum().backward();
  assertClose(x.grad!.data, grad, 1e-15, 1e-14, `${what} gradient`);
}

test('relu forward/gradient match torch; the gradient at exactly 0 is 0; NaN propagates', () => {
  checkPointwise(sg.relu, [0, 0, 0, 0, 0.5, 1, 3], [0, 0, 0, 0, 1, 1, 1], 'relu');
  assert.ok(Number.isNaN(sg.relu(sg.tensor([NaN])).item()));
  assert.is(sg.tensor([-2, 2]).relu().dtype, 'float32');
});

test('leakyRelu negativeSlope 0.2 and the default 0.01 match torch (slope at 0)', () => {
  checkPointwise((t) => sg.leakyRelu(t, { negativeSlope: 0.2 }), [-0.6000000000000001, -0.2, -0.1, 0, 0.5, 1, 3], [0.2, 0.2, 0.2, 0.2, 1, 1, 1], 'leakyRelu(0.2)');
  assertClose(sg.tensor([-2, 2]).leakyRelu().data, [-0.02, 2], 1e-8);
  throwsWith(() => sg.leakyRelu(sg.ones([1]), { negativeSlope: NaN }), sg.ArgumentError, 'leakyRelu: negativeSlope must be a finite number, got NaN');
});

test('sigmoid and tanh match torch; sigmoid(±1000) is 0/1 without overflow', () => {
  checkPointwise(sg.sigmoid, [0.04742587317756678, 0.2689414213699951, 0.3775406687981454, 0.5, 0.6224593312018546, 0.7310585786300049, 0.9525741268224334],
    [0.04517665973091214, 0.19661193324148185, 0.2350037122015945, 0.25, 0.2350037122015945, 0.19661193324148185, 0.045176659730912], 'sigmoid');
  checkPointwise(sg.tanh, [-0.9950547536867305, -0.7615941559557649, -0.46211715726000974, 0, 0.46211715726000974, 0.7615941559557649, 0.9950547536867305],
    [0.009866037165440166, 0.41997434161402614, 0.7864477329659274, 1, 0.7864477329659274, 0.41997434161402614, 0.009866037165440166], 'tanh');
  assert.equal(Array.from(sg.sigmoid(sg.tensor([-1000, 1000], { dtype: 'float64' })).data), [0, 1]);
});

test('gelu exact (erf) and tanh-approximate match torch, values and gradients', () => {
  checkPointwise(sg.gelu, [-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0, 0.34573123063700656, 0.841344746068543, 2.99595030590511],
    [-0.01194564720418392, -0.08331547058768635, 0.13250487534383712, 0.5, 0.8674951246561629, 1.0833154705876864, 1.011945647204184], 'gelu');
  checkPointwise((t) => t.gelu({ approximate: 'tanh' }), [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227],
    [-0.011584166630969648, -0.08296408384578252, 0.13263009646535764, 0.5, 0.8673699035346424, 1.0829640838457826, 1.0115841666309695], 'gelu(tanh)');
});

test('gelu stays accurate in the far negative tail (x = -8 … -37 vs 40-digit mpmath), where 1 + erf cancels', () => {
  const x = sg.tensor([-8, -12, -20, -30, -37], { dtype: 'float64', requiresGrad: true });
  const y = sg.gelu(x);
  assertClose(y.data, [-4.976768459417427e-15, -2.1317785344932147e-32, -5.507248237212468e-88, -1.472014178144456e-196, -2.1184613523340935e-298], 0, 1e-13, 'gelu tail');
  y.sum().backward();
  assertClose(x.grad!.data, [-3.979607261086796e-14, -2.5578956616748956e-31, -1.1014360483133464e-86, -4.416031690708495e-195, -7.838298669418516e-297], 0, 1e-13, 'gelu tail gradient');
});

test('erf is float64-accurate (≤ 2 ulp-ish vs Python math.erf) across all three of Cody\'s intervals', () => {
  const pts = [-30, -6, -5.5, -4.5, -3.9, -2, -1.1, -0.5, -0.46875, -0.3, -1e-10, 0, 1e-300, 0.1, 0.4, 0.46875, 0.47, 0.9, 1.7, 2.5, 3.3, 4.0, 4.01, 5.2, 6.1, 26.0, 27];
  const ref = [-1.0, -1.0, -0.9999999999999927, -0.9999999998033839, -0.9999999652077514, -0.9953222650189527, -0.8802050695740817, -0.5204998778130465,
    -0.49261347321793797, -0.3286267594591274, -1.1283791670955126e-10, 0.0, 1.1283791670955126e-300, 0.1124629160182849, 0.42839235504666845,
    0.49261347321793797, 0.4937450508860821, 0.7969082124228322, 0.9837904585907745, 0.999593047982555, 0.9999969422902035, 0.9999999845827421,
    0.9999999858030606, 0.9999999999998075, 1.0, 1.0, 1.0];
  assertClose(sg.erf(sg.tensor(pts, { dtype: 'float64' })).data, ref, 0, 5e-16, 'erf');
  assert.ok(Number.isNaN(sg.erf(sg.tensor([NaN], { dtype: 'float64' })).item()));
  assert.equal(Array.from(sg.erf(sg.tensor([-Infinity, Infinity], { dtype: 'float64' })).data), [-1, 1]);
  gradcheck((t) => sg.erf(t), [randLeaf([7], 1, 1.5)]);
});

test('gelu with an unknown approximate throws', () => {
  throwsWith(() => sg.gelu(sg.ones([1]), { approximate: 'fast' as 'tanh' }), sg.ArgumentError, "gelu: approximate must be 'none' or 'tanh', got 'fast'");
});

test('elu (alpha 0.5, and default 1) and silu match torch; the elu gradient at 0 is alpha', () => {
  checkPointwise((t) => sg.elu(t, { alpha: 0.5 }), [-0.475106465816068, -0.31606027941427883, -0.1967346701436833, 0, 0.5, 1, 3],
    [0.024893534183931972, 0.18393972058572117, 0.3032653298563167, 0.5, 1, 1, 1], 'elu(0.5)');
  assertClose(sg.tensor([-3, -1], { dtype: 'float64' }).elu().data, [-0.950212931632136, -0.6321205588285577], 1e-15, 1e-14, 'elu');
  checkPointwise(sg.silu, [-0.14227761953270035, -0.2689414213699951, -0.1887703343990727, 0, 0.3112296656009273, 0.7310585786300049, 2.8577223804672998],
    [-0.08810410601516962, 0.07232948812851325, 0.2600388126973482, 0.5, 0.7399611873026519, 0.9276705118714869, 1.0881041060151693], 'silu');
  throwsWith(() => sg.elu(sg.ones([1]), { alpha: Infinity }), sg.ArgumentError, 'elu: alpha must be a finite number, got Infinity');
});

test('pointwise activation gradients (gradcheck, away from kinks): all nine, float64', () => {
  const away = (seed: number): sg.Tensor => {
    const t = randLeaf([3, 4], seed);
    for (let i = 0; i < t.size; i++) if (Math.abs(t.data[i]) < 0.05) t.data[i] += 0.2;
    return t;
  };
  gradcheck((t) => sg.relu(t), [away(2)]);
  gradcheck((t) => sg.leakyRelu(t, { negativeSlope: 0.1 }), [away(3)]);
  gradcheck((t) => sg.sigmoid(t), [away(4)]);
  gradcheck((t) => sg.tanh(t), [away(5)]);
  gradcheck((t) => sg.gelu(t), [away(6)]);
  gradcheck((t) => sg.gelu(t, { approximate: 'tanh' }), [away(7)]);
  gradcheck((t) => sg.elu(t, { alpha: 1.5 }), [away(8)]);
  gradcheck((t) => sg.silu(t), [away(9)]);
});

test('int32 input to an activation computes in float32', () => {
  const y = sg.sigmoid(sg.tensor([0], { dtype: 'int32' }));
  assert.is(y.dtype, 'float32');
  assert.is(y.item(), 0.5);
});

// softmax / logSoftmax reference input, torch float64.
const X = [[0.5, -1.25, 2.0, 0.75], [3.5, 0.25, -0.5, 1.5], [-2.0, 1.0, 0.0, 2.5]];

test('softmax over dim 1 (default -1) and dim 0 match torch', () => {
  const x = sg.tensor(X, { dtype: 'float64' });
  assertClose(sg.softmax(x).data, [0.14410284129998482, 0.02504131899511203, 0.6458241288588027, 0.18503171084610048, 0.8386270759288705, 0.03251710053537534,
    0.015359990685028252, 0.113495832850726, 0.008439407947825186, 0.16951003994588623, 0.06235925876824149, 0.7596912933380471], 1e-16, 1e-14, 'softmax(1)');
  assertClose(x.softmax(0).data, [0.04724196245066051, 0.06680283352452963, 0.8214090194651259, 0.11271920470830456, 0.9488801811265869, 0.29938952887449777,
    0.06742535823245292, 0.23862655824004825, 0.0038778564227527454, 0.6338076376009726, 0.11116562230242114, 0.6486542370516473], 1e-16, 1e-14, 'softmax(0)');
});

test('logSoftmax over dim 1 and dim 0 match torch', () => {
  const x = sg.tensor(X, { dtype: 'float64' });
  assertClose(sg.logSoftmax(x, 1).data, [-1.9372280586139026, -3.6872280586139023, -0.43722805861390257, -1.6872280586139026, -0.1759891577062679, -3.425989157706268,
    -4.175989157706268, -2.175989157706268, -4.774843121196728, -1.7748431211967275, -2.7748431211967275, -0.2748431211967275], 1e-15, 1e-14, 'logSoftmax(1)');
  assertClose(x.logSoftmax(0).data, [-3.052472746376527, -2.7060097813072757, -0.19673409691961713, -2.182855466878769, -0.052472746376526894, -1.2060097813072754,
    -2.696734096919617, -1.432855466878769, -5.552472746376527, -0.45600978130727543, -2.196734096919617, -0.43285546687876886], 1e-15, 1e-14, 'logSoftmax(0)');
});

test('softmax/logSoftmax are stable for logits of ±1000 (float32): no NaN, no -Infinity', () => {
  const x = sg.tensor([[1000, 999, -1000], [-1000, -1001, -1002]]);
  const s = sg.softmax(x);
  assertClose(s.data, [0.7310586, 0.2689414, 0, 0.6652409, 0.2447285, 0.0900306], 1e-6, 1e-5, 'softmax big');
  const l = sg.logSoftmax(x);
  assertClose(l.data, [-0.3132617, -1.3132617, -2000.3132617, -0.4076060, -1.4076060, -2.4076060], 1e-4, 1e-6, 'logSoftmax big');
  assert.is(l.dtype, 'float32');
});

test('softmax/logSoftmax gradients (gradcheck): last dim, middle dim of a 3-D input', () => {
  gradcheck((t) => sg.softmax(t), [randLeaf([3, 5], 10)]);
  gradcheck((t) => sg.softmax(t, 1), [randLeaf([2, 3, 4], 11)]);
  gradcheck((t) => sg.logSoftmax(t), [randLeaf([3, 5], 12)]);
  gradcheck((t) => sg.logSoftmax(t, 0), [randLeaf([4, 2, 3], 13, 3)]);
});

test('softmax propagates NaN within its lane only; dim out of range names the shape', () => {
  const s = sg.softmax(sg.tensor([[1, NaN], [1, 1]]));
  assert.ok(Number.isNaN(s.data[0]) && Number.isNaN(s.data[1]));
  assert.equal(Array.from(s.data.subarray(2)), [0.5, 0.5]);
  throwsWith(() => sg.softmax(sg.ones([2, 3]), 2), sg.ArgumentError, 'softmax: dim 2 is out of range for a tensor of shape [2, 3] (expected -2 to 1)');
  throwsWith(() => sg.logSoftmax(sg.ones([2]), -2), sg.ArgumentError, 'logSoftmax: dim -2 is out of range for a tensor of shape [2] (expected -1 to 0)');
});

runFixture('hard_activations', (t, c) => {
  switch (c.op) {
    case 'relu6': return sg.relu6(t.x);
    case 'hardtanh': return sg.hardtanh(t.x, c.options as sg.HardtanhOptions);
    case 'hardswish': return sg.hardswish(t.x);
    case 'hardsigmoid': return sg.hardsigmoid(t.x);
    default: throw new Error(`unknown op ${c.op}`);
  }
});

// The kinks themselves, against torch 1.13 (float64 forward and gradient of sum).
const K = [-7, -6, -3, -1, 0, 1, 3, 6, 7];
function checkKinks(f: (t: sg.Tensor) => sg.Tensor, forward: number[], grad: number[], what: string): void {
  const x = sg.tensor(K, { dtype: 'float64', requiresGrad: true });
  const y = f(x);
  assertClose(y.data, forward, 1e-15, 1e-14, `${what} forward`);
  y.sum().backward();
  assertClose(x.grad!.data, grad, 1e-15, 1e-14, `${what} gradient`);
}

test('relu6, hardtanh, hardswish, hardsigmoid at exactly their kinks match torch 1.13 (which side owns each kink)', () => {
  checkKinks(sg.relu6, [0, 0, 0, 0, 0, 1, 3, 6, 6], [0, 0, 0, 0, 0, 1, 1, 0, 0], 'relu6');
  checkKinks((t) => t.hardtanh(), [-1, -1, -1, -1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 0, 0, 0, 0], 'hardtanh');
  checkKinks((t) => sg.hardtanh(t, { minVal: -3, maxVal: 6 }), [-3, -3, -3, -1, 0, 1, 3, 6, 6], [0, 0, 0, 1, 1, 1, 1, 0, 0], 'hardtanh(-3, 6)');
  checkKinks(sg.hardswish, [-0, -0, -0, -1 / 3, 0, 2 / 3, 3, 6, 7], [0, 0, -0.5, 1 / 6, 0.5, 5 / 6, 1, 1, 1], 'hardswish');
  checkKinks(sg.hardsigmoid, [0, 0, 0, 1 / 3, 0.5, 2 / 3, 1, 1, 1], [0, 0, 0, 1 / 6, 1 / 6, 1 / 6, 0, 0, 0], 'hardsigmoid');
});

test('hard activations and NaN: the value is NaN; the gradient is torch\'s vectorised one (NaN for hardswish, else 0)', () => {
  for (const [f, g] of [[sg.relu6, 0], [sg.hardtanh, 0], [sg.hardswish, NaN], [sg.hardsigmoid, 0]] as [(t: sg.Tensor) => sg.Tensor, number][]) {
    const x = sg.tensor([NaN], { dtype: 'float64', requiresGrad: true });
    const y = f(x);
    assert.ok(Number.isNaN(y.item()));
    y.sum().backward();
    assert.ok(Object.is(x.grad!.item(), g), `${f.name}: ${x.grad!.item()}`);
  }
  assert.equal(Array.from(sg.tensor([-2, 3, 9], { dtype: 'int32' }).relu6().data), [0, 3, 6]);
});

test('hard activation gradients (gradcheck away from the kinks) and chainable methods', () => {
  const away = (seed: number): sg.Tensor => {
    const t = randLeaf([3, 5], seed, 4);
    for (let i = 0; i < t.size; i++) if ([-6, -3, -1, 0, 1, 3, 6].some((k) => Math.abs(t.data[i] - k) < 0.01)) t.data[i] += 0.05;
    return t;
  };
  gradcheck((t) => t.relu6(), [away(51)]);
  gradcheck((t) => t.hardtanh({ minVal: -2, maxVal: 0.5 }), [away(52)]);
  gradcheck((t) => t.hardswish(), [away(53)]);
  gradcheck((t) => t.hardsigmoid(), [away(54)]);
});

test('activation options are strict and checked', () => {
  throwsWith(() => sg.hardtanh(sg.ones([1]), { minVal: 2, maxVal: 1 }), sg.ArgumentError, 'hardtanh: minVal must be <= maxVal, got minVal 2 and maxVal 1');
  throwsWith(() => sg.hardtanh(sg.ones([1]), { minVal: NaN }), sg.ArgumentError, 'hardtanh: minVal must be a finite number, got NaN');
  throwsWith(() => sg.hardtanh(sg.ones([1]), { min_val: 0 } as sg.HardtanhOptions), sg.ArgumentError, "hardtanh: unknown option 'min_val' (known: minVal, maxVal)");
  throwsWith(() => sg.leakyRelu(sg.ones([1]), { slope: 0.2 } as sg.LeakyReluOptions), sg.ArgumentError, "leakyRelu: unknown option 'slope' (known: negativeSlope)");
  throwsWith(() => sg.leakyRelu(sg.ones([1]), 0.2 as unknown as sg.LeakyReluOptions), sg.ArgumentError, 'leakyRelu: options must be an object such as { negativeSlope: ... }, got 0.2');
  throwsWith(() => sg.gelu(sg.ones([1]), { approx: 'tanh' } as sg.GeluOptions), sg.ArgumentError, "gelu: unknown option 'approx' (known: approximate)");
  throwsWith(() => sg.elu(sg.ones([1]), { alpah: 1 } as sg.EluOptions), sg.ArgumentError, "elu: unknown option 'alpah' (known: alpha)");
});

test.run();
