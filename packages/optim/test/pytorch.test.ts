/**
 * Replays the PyTorch fixtures (tools/fixtures/optim.py, torch 1.13's single-tensor torch.optim):
 * every optimizer × option combination step by step in float32 and float64 (parameters after each
 * step, per-parameter state after the last), every scheduler's lr sequence, and clip_grad_norm_ /
 * clip_grad_value_.
 *
 * Tolerances: `|ours − torch| ≤ atol + rtol·|torch|`.
 * - float32: rtol 1e-5, atol 1e-6 for parameters and state buffers. Both sides store float32, but
 *   torch rounds every intermediate tensor op to float32 while we keep intermediates in float64, so
 *   stored values may differ in the last bits (observed over 100 cases: max |Δ| 4.8e-7 on values up
 *   to ~4, i.e. 1–2 float32 ulps of the operands; more ulps only on results near 0 after cancellation).
 * - float64: rtol 1e-13, atol 1e-15 (same formulas and dtype; only the order of a few operations and
 *   libm's pow/sqrt can differ; observed max |Δ| 4.4e-16). This is the check that catches formula
 *   slips (where eps goes, which value weight decay reads), which float32 rounding could hide.
 * - learning rates: exact for StepLR, ExponentialLR, LinearLR and ReduceLROnPlateau (the same double
 *   arithmetic in the same order); rtol 1e-14 with CosineAnnealingLR, whose `Math.cos` and Python's
 *   `math.cos` may differ in the last bit (observed: 2 of 504 lrs differ, by 5.7e-16 relative).
 * - clipping: rtol 1e-5, atol 1e-6 (torch reduces in float32, we in float64; observed: norm 2.0e-7
 *   relative, clipped gradients 6e-8 absolute, i.e. 1 ulp).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { SGD, clipGradNorm, clipGradValue } from '../src/index.js';
import {
  type ClipCase, type OptimizerCase, type SchedulerCase, loadCases, makeOptimizer, makeParams, makeScheduler, setGrads,
} from './fixtures.js';

const TOL = { float32: { rtol: 1e-5, atol: 1e-6 }, float64: { rtol: 1e-13, atol: 1e-15 } } as const;
type Tol = { rtol: number; atol: number };

/** Checks `ours` against torch's values elementwise; float32 references are first rounded back to float32. */
function assertClose(ours: ArrayLike<number>, ref: readonly number[], tol: Tol, what: string, f32 = false): void {
  assert.is(ours.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++) {
    const r = f32 ? Math.fround(ref[i]) : ref[i];
    const err = Math.abs(ours[i] - r);
    if (!(err <= tol.atol + tol.rtol * Math.abs(r))) {
      assert.unreachable(`${what}[${i}]: got ${ours[i]}, torch ${r} (|Δ| ${err.toExponential(2)} > ${tol.atol} + ${tol.rtol}·|torch|)`);
    }
  }
}

const optimizerCases = loadCases<OptimizerCase>('optimizers.json');

test('the optimizer fixtures cover each optimizer in both dtypes, groups, missing grads and >= 5 steps', () => {
  for (const name of ['SGD', 'Adam', 'AdamW']) {
    for (const dtype of ['float32', 'float64']) {
      const cases = optimizerCases.filter((c) => c.optimizer === name && c.dtype === dtype);
      assert.ok(cases.length >= 8, `${name} ${dtype}: ${cases.length} cases`);
      assert.ok(cases.some((c) => c.groups !== null), `${name} ${dtype}: a case with parameter groups`);
      assert.ok(cases.some((c) => c.state.includes(null)), `${name} ${dtype}: a parameter torch never updated`);
    }
  }
  assert.ok(optimizerCases.every((c) => c.steps.length >= 5), 'every case has at least 5 steps');
});

for (const c of optimizerCases) {
  test(`${c.name}: ${c.steps.length} steps and the final state equal torch.optim.${c.optimizer}`, () => {
    const params = makeParams(c);
    const opt = makeOptimizer(c, params);
    const tol = TOL[c.dtype];
    const f32 = c.dtype === 'float32';
    c.steps.forEach((s, k) => {
      opt.zeroGrad();
      setGrads(params, s.grads);
      opt.step();
      params.forEach((p, i) => {
        assert.is(p.dtype, c.dtype);
        assertClose(p.data, s.after[i], tol, `step ${k + 1} param ${i}`, f32);
      });
    });
    params.forEach((p, i) => {
      const ref = c.state[i];
      const ours = opt.state.get(p);
      if (ref === null) {
        assert.is(ours, undefined, `param ${i} got no gradient, so it must have no state`);
        return;
      }
      assert.ok(ours !== undefined, `param ${i} has state`);
      const keys = new Set([...Object.keys(ref), ...Object.keys(ours)]);
      for (const key of keys) {
        const r = ref[key] ?? null; // torch leaves out max_exp_avg_sq without amsgrad; we store null
        const o = ours[key] ?? null;
        const what = `final state of param ${i}: ${key}`;
        if (r === null || typeof r === 'number') assert.is(o, r, what);
        else if (o === null || typeof o === 'number') assert.unreachable(`${what}: got ${o}, torch has a buffer`);
        else assertClose(o, r, tol, what, f32);
      }
    });
  });
}

for (const c of loadCases<SchedulerCase>('schedulers.json')) {
  test(`${c.name}: lr sequence over ${c.sequence.length - 1} steps equals torch`, () => {
    const params = c.lrs.map(() => sg.zeros([1], { requiresGrad: true }));
    const opt = new SGD(params.map((p, i) => ({ params: [p], lr: c.lrs[i] })), { lr: c.lrs[0] });
    const scheds = c.schedulers.map((s) => makeScheduler(s, opt));
    const rtol = c.schedulers.some((s) => s.type === 'CosineAnnealingLR') ? 1e-14 : 0;
    const check = (k: number): void => {
      const lrs = opt.paramGroups.map((g) => g.lr);
      lrs.forEach((lr, i) => {
        const ref = c.sequence[k][i];
        assert.ok(Math.abs(lr - ref) <= rtol * Math.abs(ref), `lr of group ${i} after step ${k}: got ${lr}, torch ${ref}`);
      });
      assert.equal(scheds[scheds.length - 1].getLastLr(), lrs, `getLastLr() after step ${k}`);
    };
    check(0);
    for (let k = 1; k < c.sequence.length; k++) {
      for (const s of scheds) s.step(c.metrics?.[k - 1]);
      check(k);
    }
  });
}

for (const c of loadCases<ClipCase>('clip.json')) {
  test(`${c.name} equals torch (${c.grads.filter((g) => g === null).length} parameter without grad)`, () => {
    const tol = { rtol: 1e-5, atol: 1e-6 };
    const params = c.shapes.map((s, i) => {
      const p = sg.zeros(s, { requiresGrad: true });
      const g = c.grads[i];
      p.grad = g === null ? null : sg.tensor(g, { shape: s });
      return p;
    });
    if (c.kind === 'norm') {
      const total = clipGradNorm(params, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
      assertClose([total], [c.totalNorm], tol, 'returned total norm');
    } else {
      clipGradValue(params, c.clipValue);
    }
    params.forEach((p, i) => {
      const ref = c.clipped[i];
      if (ref === null) assert.is(p.grad, null, `grad ${i} stays null`);
      else assertClose(p.grad!.data, ref, tol, `grad ${i}`, true);
    });
  });
}

test.run();
