/**
 * Gradient clipping beyond the PyTorch fixtures (pytorch.test.ts): inputs it accepts, non-finite
 * norms (scaled as torch does, or an error on request), and argument errors with their messages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { clipGradNorm, clipGradValue } from '../src/index.js';
import { throwsExactly } from './throws.js';

function withGrad(values: number[], dtype: 'float32' | 'float64' = 'float32'): sg.Tensor {
  const p = sg.zeros([values.length], { dtype, requiresGrad: true });
  p.grad = sg.tensor(values, { dtype });
  return p;
}


test('clipGradNorm takes one tensor or any iterable, and returns the norm before clipping', () => {
  const p = withGrad([3, 4], 'float64');
  assert.is(clipGradNorm(p, 1), 5);
  const coef = 1 / (5 + 1e-6);
  assert.equal(Array.from(p.grad!.data), [3 * coef, 4 * coef]);
  const q = withGrad([3, 4], 'float64');
  assert.is(clipGradNorm(new Set([q]), 10), 5);
  assert.equal(Array.from(q.grad!.data), [3, 4], 'below maxNorm nothing changes');
  assert.is(clipGradNorm([withGrad([-3, 2]), withGrad([1])], Infinity, { normType: Infinity }), 3);
});

test('clipGradNorm with no gradients at all returns 0 and changes nothing', () => {
  const p = sg.zeros([2], { requiresGrad: true });
  assert.is(clipGradNorm([p], 1), 0);
  assert.is(clipGradNorm([], 1), 0);
  assert.is(p.grad, null);
});

test('a non-finite total norm scales the gradients as torch does, or throws with errorIfNonfinite', () => {
  const p = withGrad([Infinity, 1]);
  const q = withGrad([2]);
  assert.is(clipGradNorm([p, q], 1), Infinity);
  // coefficient maxNorm / (∞ + 1e-6) = 0: ∞·0 is NaN, finite gradients become 0.
  assert.equal([Array.from(p.grad!.data), Array.from(q.grad!.data)], [[NaN, 0], [0]]);
  const r = withGrad([NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm(r, 1)));
  assert.ok(Array.from(r.grad!.data).every(Number.isNaN), 'a NaN norm makes every gradient NaN');
  const s = withGrad([Infinity, 1]);
  throwsExactly(() => clipGradNorm(s, 1, { errorIfNonfinite: true }),
    'clipGradNorm: the total norm of order 2 of the gradients is Infinity, so it cannot be clipped; pass errorIfNonfinite: false to scale by it anyway');
  assert.equal(Array.from(s.grad!.data), [Infinity, 1], 'nothing was scaled before the error');
});

test('clipGradNorm and clipGradValue argument errors name the function, the argument and the value', () => {
  const p = withGrad([1]);
  const cases: Array<[() => unknown, string]> = [
    [() => clipGradNorm(p, -1), 'clipGradNorm: maxNorm must be >= 0, got -1'],
    [() => clipGradNorm(p, NaN), 'clipGradNorm: maxNorm must be >= 0, got NaN'],
    [() => clipGradNorm(p, 1, { normType: 0 }), 'clipGradNorm: normType must be > 0 (Infinity for the max norm), got 0'],
    [() => clipGradNorm(p, 1, { normType: 'inf' as never }), 'clipGradNorm: normType must be > 0 (Infinity for the max norm), got \'inf\''],
    [() => clipGradNorm(p, 1, { errorIfNonfinite: 'yes' as never }), 'clipGradNorm: errorIfNonfinite must be true or false, got \'yes\''],
    [() => clipGradNorm(p, 1, { norm_type: 2 } as never), 'clipGradNorm: unknown option \'norm_type\' (known: normType, errorIfNonfinite)'],
    [() => clipGradNorm(p, 1, 2 as never), 'clipGradNorm: options must be an object such as { normType: ... }, got 2'],
    [() => clipGradNorm(5 as never, 1), 'clipGradNorm: params must be a tensor or an iterable of tensors, got 5'],
    [() => clipGradNorm([p, [1, 2]] as never, 1), 'clipGradNorm: params[1] is not a tensor, got [1, 2]'],
    [() => clipGradValue(p, -0.5), 'clipGradValue: clipValue must be >= 0, got -0.5'],
    [() => clipGradValue(null as never, 1), 'clipGradValue: params must be a tensor or an iterable of tensors, got null'],
  ];
  for (const [fn, message] of cases) throwsExactly(fn, message);
  assert.equal(Array.from(p.grad!.data), [1], 'rejected calls leave the gradient alone');
});

test('clipGradValue clamps elementwise into [-c, c] in the gradient\'s dtype; NaN stays NaN', () => {
  const p = withGrad([-2, -0.25, 0.5, 3, NaN], 'float64');
  clipGradValue(p, 0.5);
  assert.equal(Array.from(p.grad!.data), [-0.5, -0.25, 0.5, 0.5, NaN]);
  assert.instance(p.grad!.data, Float64Array);
});

test.run();
