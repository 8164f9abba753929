/**
 * Optimizer update kernels over typed arrays: the inner loops of the steps nearly every training run
 * takes (SGD with momentum, Adam and AdamW), for @simplegrad/optim, which keeps the general loops
 * (Nesterov, maximize, AMSGrad, a buffer's first step) and every per-step constant.
 *
 * Arithmetic is in float64 and each result is stored in the parameter's dtype, and wherever a loop
 * reads back an element it has just stored it reads the stored (rounded) value, as PyTorch does with
 * its state tensors. IEEE +, ×, / and √ are correctly rounded, so a kernel that performs the same
 * operations in the same order and association, rounding wherever these loops store, gives the same
 * bits (the WebAssembly ones in wasm/optim.ts do, and are tested to).
 */
import type { FloatArray } from '../dtype.js';

/**
 * The step nearly every CNN takes with SGD (momentum after the buffer's first step; no weight
 * decay, Nesterov or maximize) in a loop of its own: `b ← μ b + keep · g; θ ← θ − γ b` with
 * `keep = 1 − τ` (τ the dampening), in place on `x` (θ) and `buf` (b). `x`, `g` and `buf` have one
 * length; `buf` is read back after it is stored, so θ moves by the rounded buffer, as in PyTorch.
 * The same operations on each element as optim's general SGD loop, so the same bits, at about twice
 * its speed; four elements per iteration (they are independent) save another ~20 % of loop
 * overhead, which counts at ResNet-18's 11 M parameters.
 *
 * @example
 * const x = new Float32Array([1, 2]), buf = new Float32Array([0.5, 0.5]);
 * sgdMomentumStep(x, new Float32Array([0.1, -0.1]), buf, 0.1, 0.9, 1);
 * // buf ≈ [0.55, 0.35], x ≈ [0.945, 1.965]
 */
export function sgdMomentumStep(x: FloatArray, g: FloatArray, buf: FloatArray, lr: number, momentum: number, keep: number): void {
  const n = x.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    buf[i] = momentum * buf[i] + keep * g[i];
    buf[i + 1] = momentum * buf[i + 1] + keep * g[i + 1];
    buf[i + 2] = momentum * buf[i + 2] + keep * g[i + 2];
    buf[i + 3] = momentum * buf[i + 3] + keep * g[i + 3];
    x[i] -= lr * buf[i];
    x[i + 1] -= lr * buf[i + 1];
    x[i + 2] -= lr * buf[i + 2];
    x[i + 3] -= lr * buf[i + 3];
  }
  for (; i < n; i++) {
    buf[i] = momentum * buf[i] + keep * g[i];
    x[i] -= lr * buf[i];
  }
}

/** What one Adam step of one parameter needs besides its arrays, computed once per step by the optimizer. */
export interface AdamStepConstants {
  /** β₁, the decay of the first moment. */
  readonly beta1: number;
  /** β₂, the decay of the second moment. */
  readonly beta2: number;
  /** ε, added to the bias-corrected √v. */
  readonly eps: number;
  /** λ: Adam's L2 penalty (ignored when `decoupled`). */
  readonly weightDecay: number;
  /** AdamW's `1 − γλ` (used only when `decoupled`). */
  readonly shrink: number;
  /** AdamW: shrink the parameter rather than add λθ to the gradient. */
  readonly decoupled: boolean;
  /** `γ / (1 − β₁ᵗ)`. */
  readonly stepSize: number;
  /** `√(1 − β₂ᵗ)`. */
  readonly biasCorrection2Sqrt: number;
}

/**
 * The usual Adam/AdamW step (no AMSGrad, no maximize) of one parameter, in place on `x` (θ), `m`
 * and `v`, with the per-step constants hoisted:
 *
 * ```text
 * AdamW: θ ← θ · shrink        Adam with λ ≠ 0: g ← g + λθ
 * m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g · g
 * θ ← θ − stepSize · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * `x`, `g`, `m`, `v` have one length. torch.optim.AdamW shrinks the stored parameter first, then
 * takes the Adam step from it; m and v are read back after they are stored. The same operations in
 * the same order as optim's general Adam loop, so the same bits.
 *
 * @example
 * const x = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
 * const k = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, shrink: 1, decoupled: false, stepSize: 1e-3 / 0.1, biasCorrection2Sqrt: Math.sqrt(0.001) };
 * adamStep(x, new Float32Array([0.5]), m, v, k);   // the first step moves x by −γ: x ≈ [0.999]
 */
export function adamStep(x: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, k: AdamStepConstants): void {
  const { beta1, beta2, eps, weightDecay, shrink, decoupled, stepSize, biasCorrection2Sqrt } = k;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const l2 = !decoupled && weightDecay !== 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    if (decoupled) x[i] *= shrink;
    else if (l2) gi += weightDecay * x[i];
    m[i] = beta1 * m[i] + c1 * gi;
    v[i] = beta2 * v[i] + c2 * gi * gi;
    x[i] -= stepSize * (m[i] / (Math.sqrt(v[i]) / biasCorrection2Sqrt + eps));
  }
}
