/** Adam and AdamW: one update loop, differing only in where weight decay enters. */
import type { AdamStepConstants, FloatArray } from '@simplegrad/core';
import { ArgumentError, kernels } from '@simplegrad/core';
import { checkBoolean, checkKnownOptions, checkNonNegative, checkUnitInterval, fmtValue, optionNames } from '@simplegrad/core';
import { Optimizer, type ParamGroup, type ParamsInput, type StateReader, groupSuffix, isFloat, zerosLike } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW}. Every one can also be set per parameter group. */
export interface AdamOptions {
  /** Learning rate γ (default 1e-3). */
  lr?: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay λ: an L2 penalty for Adam (default 0), decoupled for AdamW (default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant: normalise by the running maximum of the second moment (default false). */
  amsgrad?: boolean;
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean;
}

/** Every option name, for the misspelling check (`optionNames` makes the table exhaustive). */
const ADAM_OPTIONS = optionNames<AdamOptions>({
  lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true, maximize: true,
});

/** {@link AdamOptions} with every default filled in: the hyperparameters of one group. */
export type AdamHyperparameters = Required<AdamOptions>;

/**
 * Adam's per-parameter state: the number of steps this parameter has taken (parameters skipped for
 * lack of a gradient do not count), the moment estimates, and with AMSGrad their running maximum.
 */
export type AdamState = {
  /** t: this parameter's step count (PyTorch's `step`), which the bias corrections use. */
  step: number;
  /** m: the exponential average of the gradient (PyTorch's `exp_avg`). */
  expAvg: FloatArray;
  /** v: the exponential average of the squared gradient (`exp_avg_sq`). */
  expAvgSq: FloatArray;
  /** v̂max: the running maximum of v with AMSGrad (`max_exp_avg_sq`), else null. */
  maxExpAvgSq: FloatArray | null;
};

/**
 * What Adam and AdamW share: validation, state handling and the update loop. `decoupled` selects
 * AdamW's weight decay (shrink the parameter) over Adam's (add λθ to the gradient).
 */
export abstract class AdamBase extends Optimizer<AdamHyperparameters, AdamState> {
  /** True for AdamW: weight decay multiplies the parameter by `1 − γλ` instead of entering the gradient. */
  readonly decoupled: boolean;

  /** @param name class name; @param decoupled AdamW's decay; @param weightDecay its default. */
  protected constructor(name: string, params: ParamsInput<AdamHyperparameters>, options: AdamOptions, decoupled: boolean, weightDecay: number) {
    checkKnownOptions(name, options, ADAM_OPTIONS);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, amsgrad = false, maximize = false } = options;
    super(name, params, { lr, betas, eps, weightDecay: options.weightDecay ?? weightDecay, amsgrad, maximize });
    this.decoupled = decoupled;
  }

  protected override validateGroup(h: AdamHyperparameters, index: number | null): void {
    const where = groupSuffix(index);
    checkNonNegative(this.name, 'lr', h.lr, where);
    if (!Array.isArray(h.betas) || h.betas.length !== 2) {
      throw new ArgumentError(this.name, `betas must be a pair [beta1, beta2], got ${fmtValue(h.betas)}${where}`);
    }
    checkUnitInterval(this.name, 'betas[0]', h.betas[0], where);
    checkUnitInterval(this.name, 'betas[1]', h.betas[1], where);
    checkNonNegative(this.name, 'eps', h.eps, where);
    checkNonNegative(this.name, 'weightDecay', h.weightDecay, where);
    checkBoolean(this.name, 'amsgrad', h.amsgrad, where);
    checkBoolean(this.name, 'maximize', h.maximize, where);
  }

  protected override updateGroup(group: ParamGroup<AdamHyperparameters>): void {
    const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
    const { decoupled } = this;
    const shrink = 1 - lr * weightDecay;
    for (const p of group.params) {
      const g = this.gradOf(p);
      if (g === null) continue;
      const x = p.data as FloatArray; // the constructor only accepts float tensors
      let state = this.state.get(p);
      if (state === undefined) {
        state = { step: 0, expAvg: zerosLike(x), expAvgSq: zerosLike(x), maxExpAvgSq: null };
        this.state.set(p, state);
      }
      // Created on demand, so amsgrad may also be switched on for a group after some steps.
      const vMax = amsgrad ? (state.maxExpAvgSq ??= zerosLike(x)) : null;
      const { expAvg: m, expAvgSq: v } = state;
      const step = ++state.step;
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
      const stepSize = lr / biasCorrection1;
      const k: AdamStepConstants = { beta1, beta2, eps, weightDecay, shrink, decoupled, stepSize, biasCorrection2Sqrt };
      // The usual step is a kernel of its own (WebAssembly SIMD on the default backend), with the
      // same bits as adamStepGeneral; it takes float gradients (see isFloat).
      if (vMax === null && !maximize && isFloat(g)) kernels().adamStep(x, g, m, v, k);
      else adamStepGeneral(x, g, m, v, vMax, maximize, k);
    }
  }

  protected override loadParamState(reader: StateReader): AdamState {
    return {
      step: reader.counter('step'),
      expAvg: reader.buffer('expAvg'),
      expAvgSq: reader.buffer('expAvgSq'),
      maxExpAvgSq: reader.optionalBuffer('maxExpAvgSq'),
    };
  }
}

/**
 * One Adam/AdamW step of one parameter with every option: `vMax` is AMSGrad's running maximum (or
 * null). Arithmetic in float64; each moment is read back after it is stored, so its rounding to the
 * parameter's dtype is PyTorch's.
 */
function adamStepGeneral(x: FloatArray, g: ArrayLike<number>, m: FloatArray, v: FloatArray, vMax: FloatArray | null, maximize: boolean, k: AdamStepConstants): void {
  const { beta1, beta2, eps, weightDecay, shrink, decoupled, stepSize, biasCorrection2Sqrt } = k;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[i] : g[i];
    // torch.optim.AdamW shrinks the stored parameter first, then takes the Adam step from it.
    if (decoupled) x[i] *= shrink;
    else if (weightDecay !== 0) gi += weightDecay * x[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    let second = v[i];
    if (vMax !== null) second = vMax[i] = Math.max(vMax[i], second);
    const denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
    x[i] -= stepSize * (m[i] / denom);
  }
}

/**
 * Adam, exactly as `torch.optim.Adam` (its single-tensor implementation):
 *
 * ```text
 * input: γ (lr), β₁, β₂ (betas), θ₀ (params), λ (weight decay), ε (eps), amsgrad, maximize
 * m₀ ← 0, v₀ ← 0, v̂max₀ ← 0                     (per parameter, on its first step)
 * for t = 1, 2, ...                             (t counts this parameter's steps)
 *   g ← ∇θ f(θ_{t-1})                           (parameters whose grad is null are skipped)
 *   if maximize: g ← −g
 *   if λ ≠ 0:    g ← g + λ θ_{t-1}
 *   m_t ← β₁ m_{t-1} + (1 − β₁) g
 *   v_t ← β₂ v_{t-1} + (1 − β₂) g²
 *   if amsgrad: v̂max_t ← max(v̂max_{t-1}, v_t);  v ← v̂max_t   else v ← v_t
 *   θ_t ← θ_{t-1} − (γ / (1 − β₁ᵗ)) · m_t / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * Note where ε sits: it is added after the bias correction of √v, as in PyTorch. Arithmetic is done
 * in float64; moments are stored in the parameter's dtype.
 *
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends AdamBase {
  /** @param params tensors or groups `{ params, ...overrides }`; @param options defaults for every group. */
  constructor(params: ParamsInput<AdamHyperparameters>, options: AdamOptions = {}) {
    super('Adam', params, options, false, 0);
  }
}

/**
 * AdamW: Adam with decoupled weight decay, exactly as `torch.optim.AdamW`. The only change from
 * {@link Adam} is the decay step, which shrinks the parameter before the Adam update and never
 * enters the moment estimates:
 *
 * ```text
 * for t = 1, 2, ...
 *   g ← ∇θ f(θ_{t-1});  if maximize: g ← −g
 *   θ ← θ_{t-1} · (1 − γλ)                      (λ defaults to 1e-2)
 *   m_t, v_t, v̂max_t as in Adam (from g, without λθ)
 *   θ_t ← θ − (γ / (1 − β₁ᵗ)) · m_t / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamBase {
  /** @param params tensors or groups `{ params, ...overrides }`; @param options defaults for every group. */
  constructor(params: ParamsInput<AdamHyperparameters>, options: AdamOptions = {}) {
    super('AdamW', params, options, true, 1e-2);
  }
}
