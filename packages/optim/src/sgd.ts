/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay. */
import type { FloatArray } from '@simplegrad/core';
import { ArgumentError, kernels } from '@simplegrad/core';
import { checkBoolean, checkFinite, checkKnownOptions, checkNonNegative, optionNames } from '@simplegrad/core';
import { Optimizer, type ParamGroup, type ParamsInput, type StateReader, groupSuffix, isFloat, zerosLike } from './optimizer.js';

/** Options of {@link SGD}. Every one can also be set per parameter group. */
export interface SGDOptions {
  /** Learning rate γ (required). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening τ for momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum; needs `momentum > 0` and `dampening = 0` (default false). */
  nesterov?: boolean;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean;
}

/** Every option name, for the misspelling check (`optionNames` makes the table exhaustive). */
const SGD_OPTIONS = optionNames<SGDOptions>({
  lr: true, momentum: true, dampening: true, nesterov: true, weightDecay: true, maximize: true,
});

/** {@link SGDOptions} with every default filled in: the hyperparameters of one group. */
export type SGDHyperparameters = Required<SGDOptions>;

/** SGD's per-parameter state: the momentum buffer, null while `momentum` is 0 (as in PyTorch). */
export type SGDState = { momentumBuffer: FloatArray | null };

/**
 * Stochastic gradient descent, optionally with momentum, exactly as `torch.optim.SGD`:
 *
 * ```text
 * input: γ (lr), θ₀ (params), λ (weight decay), μ (momentum), τ (dampening), nesterov, maximize
 * for t = 1, 2, ...
 *   g ← ∇θ f(θ_{t-1})            (parameters whose grad is null are skipped)
 *   if maximize: g ← −g
 *   if λ ≠ 0:    g ← g + λ θ_{t-1}
 *   if μ ≠ 0:
 *     b ← g                       on the parameter's first step (no dampening)
 *     b ← μ b + (1 − τ) g         afterwards
 *     g ← g + μ b  if nesterov,   else  g ← b
 *   θ_t ← θ_{t-1} − γ g
 * ```
 *
 * Arithmetic is done in float64; the momentum buffer is stored in the parameter's dtype and read
 * back from it, as PyTorch keeps it in a tensor of that dtype.
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * // per-group options: a smaller lr for the backbone
 * new SGD([{ params: backbone, lr: 0.01 }, { params: head }], { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  /** @param params tensors or groups `{ params, ...overrides }`; @param options defaults for every group. */
  constructor(params: ParamsInput<SGDHyperparameters>, options: SGDOptions) {
    checkKnownOptions('SGD', options, SGD_OPTIONS);
    const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0, maximize = false } = options;
    // SGD has no sensible default lr (PyTorch's is `required` too).
    if (lr === undefined) throw new ArgumentError('SGD', 'lr is required, e.g. new SGD(params, { lr: 0.01 })');
    super('SGD', params, { lr, momentum, dampening, nesterov, weightDecay, maximize });
  }

  protected override validateGroup(h: SGDHyperparameters, index: number | null): void {
    const where = groupSuffix(index);
    checkNonNegative(this.name, 'lr', h.lr, where);
    checkNonNegative(this.name, 'momentum', h.momentum, where);
    checkFinite(this.name, 'dampening', h.dampening, where);
    checkNonNegative(this.name, 'weightDecay', h.weightDecay, where);
    checkBoolean(this.name, 'nesterov', h.nesterov, where);
    checkBoolean(this.name, 'maximize', h.maximize, where);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new ArgumentError(this.name, `nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${h.momentum} and dampening ${h.dampening}${where}`);
    }
  }

  protected override updateGroup(group: ParamGroup<SGDHyperparameters>): void {
    const { momentum } = group;
    for (const p of group.params) {
      const g = this.gradOf(p);
      if (g === null) continue;
      const x = p.data as FloatArray; // the constructor only accepts float tensors
      let state = this.state.get(p);
      if (state === undefined) {
        state = { momentumBuffer: null };
        this.state.set(p, state);
      }
      if (momentum === 0) {
        sgdStep(x, g, null, false, group);
        continue;
      }
      const first = state.momentumBuffer === null;
      const buf = (state.momentumBuffer ??= zerosLike(x));
      // The step nearly every CNN takes is a kernel of its own (WebAssembly SIMD on the default
      // backend), with the same bits as sgdStep; it takes float gradients (a grad set by hand may
      // be of another dtype, which sgdStep reads as well).
      if (!first && group.weightDecay === 0 && !group.nesterov && !group.maximize && isFloat(g)) {
        kernels().sgdMomentumStep(x, g, buf, group.lr, momentum, 1 - group.dampening);
      } else {
        sgdStep(x, g, buf, first, group);
      }
    }
  }

  protected override loadParamState(reader: StateReader): SGDState {
    return { momentumBuffer: reader.optionalBuffer('momentumBuffer') };
  }
}

/**
 * One SGD step of one parameter, every option (see {@link SGD}): `buf` is its momentum buffer (null
 * without momentum), `first` whether this is the buffer's first step. Arithmetic in float64; the
 * buffer is read back after it is stored, so its rounding to the parameter's dtype is PyTorch's.
 */
function sgdStep(x: FloatArray, g: ArrayLike<number>, buf: FloatArray | null, first: boolean, h: SGDHyperparameters): void {
  const { lr, momentum, dampening, nesterov, weightDecay, maximize } = h;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) d += weightDecay * x[i];
    if (buf !== null) {
      buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    x[i] -= lr * d;
  }
}
