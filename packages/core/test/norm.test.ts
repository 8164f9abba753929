import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { runFixture, withTensors } from './torch-fixtures.js';

runFixture('norm', (t, c) => {
  const opts = withTensors<sg.NormOptions>(c.options, { weight: t.weight, bias: t.bias });
  return c.op === 'groupNorm'
    ? sg.groupNorm(t.x, c.args.numGroups as number, opts)
    : sg.layerNorm(t.x, c.args.normalizedShape as number | number[], opts);
});

/** `(x − mean) / √(var + eps) · weight + bias` from generic differentiable ops (the definition). */
function composedGroupNorm(x: sg.Tensor, G: number, w: sg.Tensor | undefined, b: sg.Tensor | undefined, eps: number): sg.Tensor {
  const [N, C] = x.shape;
  const g = x.reshape([N, G, -1]);
  const mu = g.mean(2, true);
  const v = g.var(2, true, { correction: 0 });
  let y = g.sub(mu).div(v.add(eps).sqrt()).reshape(x.shape);
  const affine = [C, ...Array<number>(x.ndim - 2).fill(1)];
  if (w) y = y.mul(w.reshape(affine));
  if (b) y = y.add(b.reshape(affine));
  return y;
}

function composedLayerNorm(x: sg.Tensor, k: number, w: sg.Tensor | undefined, b: sg.Tensor | undefined, eps: number): sg.Tensor {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const mu = x.mean(dims, true);
  const v = x.var(dims, true, { correction: 0 });
  let y = x.sub(mu).div(v.add(eps).sqrt());
  if (w) y = y.mul(w);
  if (b) y = y.add(b);
  return y;
}

/** Runs `fused` and `composed` on the same leaves; values and every gradient must agree. */
function sameAsComposed(leaves: sg.Tensor[], fused: () => sg.Tensor, composed: () => sg.Tensor, what: string): void {
  leaves.forEach((t) => { t.grad = null; });
  const a = fused();
  const cot = randLeaf([...a.shape], 77).detach();
  a.backward(cot);
  const ga = leaves.map((t) => t.grad!.data.slice());
  leaves.forEach((t) => { t.grad = null; });
  const b = composed();
  assertClose(a.data, b.data, 1e-12, 1e-10, `${what} forward`);
  b.backward(cot);
  leaves.forEach((t, i) => assertClose(ga[i], t.grad!.data, 1e-12, 1e-10, `${what} grad ${i}`));
}

test('groupNorm equals the composed definition (values, x/weight/bias gradients): groups 1, between, C; no affine', () => {
  for (const [shape, G, seed] of [[[2, 6, 4, 3], 3, 1], [[2, 6, 4, 3], 1, 2], [[2, 6, 4, 3], 6, 3], [[3, 4], 2, 4], [[1, 8, 3, 2, 2], 4, 5]] as [number[], number, number][]) {
    const x = randLeaf(shape, seed, 2);
    const w = randLeaf([shape[1]], seed + 100);
    const b = randLeaf([shape[1]], seed + 200);
    sameAsComposed([x, w, b], () => sg.groupNorm(x, G, { weight: w, bias: b }), () => composedGroupNorm(x, G, w, b, 1e-5), `groupNorm ${shape} G=${G}`);
    sameAsComposed([x], () => x.groupNorm(G, { eps: 0.01 }), () => composedGroupNorm(x, G, undefined, undefined, 0.01), `groupNorm ${shape} G=${G} no affine`);
  }
});

test('layerNorm equals the composed definition (values, x/weight/bias gradients) over 1 and 2 trailing dims', () => {
  for (const [shape, ns, seed] of [[[2, 3, 4], [4], 11], [[2, 3, 4], [3, 4], 12], [[5], [5], 13], [[2, 2, 3, 5], [5], 14]] as [number[], number[], number][]) {
    const x = randLeaf(shape, seed, 2);
    const w = randLeaf(ns, seed + 100);
    const b = randLeaf(ns, seed + 200);
    sameAsComposed([x, w, b], () => sg.layerNorm(x, ns, { weight: w, bias: b }), () => composedLayerNorm(x, ns.length, w, b, 1e-5), `layerNorm ${shape} ${ns}`);
    sameAsComposed([x], () => x.layerNorm(ns, { eps: 0.1 }), () => composedLayerNorm(x, ns.length, undefined, undefined, 0.1), `layerNorm ${shape} ${ns} no affine`);
  }
});

test('norm gradients (gradcheck, float64): x, weight and bias; only weight; only bias', () => {
  gradcheck((x, w, b) => sg.groupNorm(x, 2, { weight: w, bias: b }), [randLeaf([2, 4, 3, 2], 21, 2), randLeaf([4], 22), randLeaf([4], 23)]);
  gradcheck((x, w) => sg.groupNorm(x, 3, { weight: w }), [randLeaf([2, 6, 5], 24, 2), randLeaf([6], 25)]);
  gradcheck((x, w, b) => sg.layerNorm(x, [3, 4], { weight: w, bias: b }), [randLeaf([2, 3, 4], 26, 2), randLeaf([3, 4], 27), randLeaf([3, 4], 28)]);
  gradcheck((x, b) => sg.layerNorm(x, 4, { bias: b, weight: null }), [randLeaf([3, 4], 29, 2), randLeaf([4], 30)]);
});

test('only the parameters need gradients: x without requiresGrad, weight and bias with (matches the composed one)', () => {
  const x = randLeaf([2, 4, 3], 41, 2).detach();
  const w = randLeaf([4], 42);
  const b = randLeaf([4], 43);
  sameAsComposed([w, b], () => sg.groupNorm(x, 2, { weight: w, bias: b }), () => composedGroupNorm(x, 2, w, b, 1e-5), 'groupNorm params only');
  const w2 = randLeaf([3], 44);
  sameAsComposed([w2], () => sg.layerNorm(x, 3, { weight: w2, bias: sg.zeros([3], { dtype: 'float64' }) }), () => composedLayerNorm(x, 1, w2, undefined, 1e-5), 'layerNorm weight only');
});

test('normalised output has mean 0 and variance 1 per group; weight and bias without requiresGrad get no gradient', () => {
  const x = randLeaf([2, 4, 5, 5], 31, 3);
  const y = sg.groupNorm(x, 2, { weight: sg.ones([4], { dtype: 'float64' }), bias: sg.zeros([4], { dtype: 'float64' }) });
  const g = y.reshape([2, 2, 50]);
  assertClose(g.mean(2).data, [0, 0, 0, 0], 1e-12, 0, 'mean');
  assertClose(g.var(2, false, { correction: 0 }).data, [1, 1, 1, 1], 1e-4, 1e-4, 'var');
  y.sum().backward();
  assert.ok(x.grad !== null);
  assert.is(sg.layerNorm(sg.ones([2, 3]), 3).dtype, 'float32');
});

test('norm errors name the op, the rule and the shapes; options are strict', () => {
  const x = sg.ones([2, 6, 3]);
  throwsWith(() => sg.groupNorm(x, 4), sg.ShapeError, 'groupNorm: the number of channels 6 must be divisible by numGroups 4 (input [2, 6, 3])');
  throwsWith(() => sg.groupNorm(x, 0), sg.ArgumentError, 'groupNorm: numGroups must be a positive integer, got 0 (input [2, 6, 3])');
  throwsWith(() => sg.groupNorm(sg.ones([6]), 2), sg.ShapeError, 'groupNorm: input must be [N, C, *] with at least 2 dimensions, got [6]');
  throwsWith(() => sg.groupNorm(x, 3, { weight: sg.ones([3]) }), sg.ShapeError, 'groupNorm: weight [3] must have shape [6] (one entry per channel; input [2, 6, 3])');
  throwsWith(() => sg.groupNorm(x, 3, { bias: sg.ones([6, 1]) }), sg.ShapeError, 'groupNorm: bias [6, 1] must have shape [6] (one entry per channel; input [2, 6, 3])');
  throwsWith(() => sg.groupNorm(x, 3, { weight: [1, 2] as unknown as sg.Tensor }), sg.ArgumentError, 'groupNorm: weight must be a tensor, got [1, 2]');
  throwsWith(() => sg.groupNorm(x, 3, { eps: -1 }), sg.ArgumentError, 'groupNorm: eps must be >= 0, got -1');
  throwsWith(() => sg.groupNorm(x, 3, { affine: true } as sg.NormOptions), sg.ArgumentError, "groupNorm: unknown option 'affine' (known: weight, bias, eps)");
  throwsWith(() => sg.groupNorm(sg.ones([2, 2], { dtype: 'int32' }), 1), sg.DTypeError, 'groupNorm: input must be float32 or float64, got int32 (shape [2, 2])');
  throwsWith(() => sg.layerNorm(sg.ones([2, 3, 4]), [5]), sg.ShapeError, 'layerNorm: input [2, 3, 4] must end with normalizedShape [5] (expected [*, 5])');
  throwsWith(() => sg.layerNorm(sg.ones([4]), [2, 4]), sg.ShapeError, 'layerNorm: input [4] must end with normalizedShape [2, 4] (expected [*, 2, 4])');
  throwsWith(() => sg.layerNorm(sg.ones([2, 3]), []), sg.ArgumentError, 'layerNorm: normalizedShape must be a positive integer or a non-empty array of them, got [] (input [2, 3])');
  throwsWith(() => sg.layerNorm(sg.ones([2, 3]), 3, { weight: sg.ones([2]) }), sg.ShapeError, 'layerNorm: weight [2] must have shape [3] (the normalizedShape; input [2, 3])');
  throwsWith(() => sg.layerNorm(sg.ones([2, 3]), 3, { elementwiseAffine: false } as sg.NormOptions), sg.ArgumentError, "layerNorm: unknown option 'elementwiseAffine' (known: weight, bias, eps)");
});

test.run();
