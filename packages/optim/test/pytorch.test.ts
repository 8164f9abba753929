/**
 * Replays the PyTorch fixtures (tools/fixtures/optim.py, torch.optim single-tensor implementations):
 * every optimizer case step by step in float32 and float64, every scheduler's lr sequence, and
 * clip_grad_norm_ / clip_grad_value_.
 *
 * Tolerances, with `err = |ours − torch| / max(|torch|, 1)` (relative above 1, absolute below):
 * - float32 parameters: err ≤ 1e-6. Both sides store float32; torch also rounds every intermediate
 *   tensor op to float32 while we keep intermediates in float64, so the stored values may differ in
 *   the last bits (observed: max |Δ| 4.8e-7 on values up to ~4, i.e. ≤ 2 ulps; relative 4e-7).
 * - float64 parameters: err ≤ 1e-13 (same formulas and dtype, only operation order and libm differ;
 *   observed max |Δ| 4.4e-16). This is the check that catches formula slips (e.g. where eps goes),
 *   which float32 rounding could hide.
 * - learning rates: exact for StepLR, ExponentialLR, LinearLR and ReduceLROnPlateau (the same double
 *   arithmetic in the same order); ≤ 1e-14 relative for CosineAnnealingLR, whose `Math.cos` and
 *   Python's `math.cos` may differ in the last bit (observed: 2 of 32 values differ, by ≤ 7e-16 relative).
 * - clipGradNorm: returned norm and clipped gradients, err ≤ 1e-6 (torch reduces in float32).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import {
  CosineAnnealingLR, ExponentialLR, LinearLR, ReduceLROnPlateau, SGD, StepLR, clipGradNorm, clipGradValue,
} from '../src/index.js';
import { type ClipCase, type OptimizerCase, type SchedulerCase, loadCases, makeOptimizer, makeParams, setGrads } from './fixtures.js';

const TOL = { float32: 1e-6, float64: 1e-13 };

function relErr(ours: number, ref: number): number {
  return Math.abs(ours - ref) / Math.max(Math.abs(ref), 1);
}

function assertClose(ours: ArrayLike<number>, ref: readonly number[], tol: number, what: string): void {
  assert.is(ours.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++) {
    const e = relErr(ours[i], ref[i]);
    if (!(e <= tol)) assert.unreachable(`${what}[${i}]: got ${ours[i]}, torch ${ref[i]} (error ${e.toExponential(2)} > ${tol})`);
  }
}

const optimizerCases = loadCases<OptimizerCase>('optimizers.json');

test('the fixtures cover every optimizer, both dtypes and at least 5 steps per case', () => {
  for (const name of ['SGD', 'Adam', 'AdamW']) {
    for (const dtype of ['float32', 'float64']) {
      assert.ok(optimizerCases.some((c) => c.optimizer === name && c.dtype === dtype), `${name} ${dtype}`);
    }
  }
  assert.ok(optimizerCases.every((c) => c.steps.length >= 5));
  assert.ok(optimizerCases.some((c) => c.groups !== null));
  assert.ok(optimizerCases.some((c) => c.steps.some((s) => s.grads.includes(null))));
});

for (const c of optimizerCases) {
  test(`${c.name} ${c.dtype}: ${c.steps.length} steps equal torch.optim.${c.optimizer}`, () => {
    const params = makeParams(c);
    const opt = makeOptimizer(c, params);
    c.steps.forEach((s, k) => {
      opt.zeroGrad();
      setGrads(params, s.grads);
      opt.step();
      params.forEach((p, i) => {
        assert.is(p.dtype, c.dtype);
        assertClose(p.data, s.after[i], TOL[c.dtype], `step ${k + 1} param ${i}`);
      });
    });
  });
}

function makeScheduler(spec: SchedulerCase['schedulers'][number], opt: SGD): { step(metric?: number): void } {
  const o = spec.options;
  switch (spec.type) {
    case 'StepLR': return new StepLR(opt, o as unknown as ConstructorParameters<typeof StepLR>[1]);
    case 'ExponentialLR': return new ExponentialLR(opt, o as unknown as ConstructorParameters<typeof ExponentialLR>[1]);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, o as unknown as ConstructorParameters<typeof CosineAnnealingLR>[1]);
    case 'LinearLR': return new LinearLR(opt, o);
    case 'ReduceLROnPlateau': {
      const s = new ReduceLROnPlateau(opt, o);
      return { step: (m?: number) => s.step(m ?? NaN) };
    }
    default: throw new Error(`unknown scheduler ${spec.type}`);
  }
}

for (const c of loadCases<SchedulerCase>('schedulers.json')) {
  test(`${c.name}: lr sequence over ${c.sequence.length - 1} steps equals torch`, () => {
    const params = c.lrs.map(() => sg.zeros([1], { requiresGrad: true }));
    const opt = new SGD(params.map((p, i) => ({ params: [p], lr: c.lrs[i] })), { lr: c.lrs[0] });
    const scheds = c.schedulers.map((s) => makeScheduler(s, opt));
    const cosine = c.schedulers.some((s) => s.type === 'CosineAnnealingLR');
    const check = (k: number): void => {
      const lrs = opt.paramGroups.map((g) => g.lr);
      if (!cosine) return assert.equal(lrs, c.sequence[k], `lr after step ${k}`);
      lrs.forEach((lr, i) => {
        const ref = c.sequence[k][i];
        assert.ok(Math.abs(lr - ref) <= 1e-14 * Math.abs(ref), `lr of group ${i} after step ${k}: got ${lr}, torch ${ref}`);
      });
    };
    check(0);
    for (let k = 1; k < c.sequence.length; k++) {
      for (const s of scheds) s.step(c.metrics?.[k - 1]);
      check(k);
    }
  });
}

for (const c of loadCases<ClipCase>('clip.json')) {
  const label = c.kind === 'norm' ? `clipGradNorm maxNorm=${c.maxNorm} normType=${c.normType}` : `clipGradValue clipValue=${c.clipValue}`;
  test(`${label} equals torch`, () => {
    const params = c.shapes.map((s, i) => {
      const p = sg.zeros(s, { requiresGrad: true });
      p.grad = sg.tensor(c.grads[i], { shape: s });
      return p;
    });
    if (c.kind === 'norm') {
      const normType = c.normType === 'inf' ? Infinity : c.normType;
      const total = clipGradNorm(params, c.maxNorm!, { normType });
      assertClose([total], [c.totalNorm!], 1e-6, 'total norm');
    } else {
      clipGradValue(params, c.clipValue!);
    }
    params.forEach((p, i) => assertClose(p.grad!.data, c.clipped[i], 1e-6, `grad ${i}`));
  });
}

test.run();
