/**
 * Loss functions with PyTorch's semantics. Each loss computes per-element (or per-sample) losses,
 * then reduces them with ordinary differentiable ops ({@link reduce}), so every gradient of a
 * reduction comes for free. Cross-entropy with class indices and binary cross-entropy with logits
 * are fused ops (log-softmax, pick, smoothing and their VJP in one loop) because they run every
 * training step; the rest are compositions.
 */
import { allocateOutput, isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { type Shape, broadcastShapes, sameShape, sizeOf } from '../shape.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { abs, add, broadcastCopy, cast, div, mul, neg, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { logSoftmax } from './activation.js';
import { checkKnownOptions, optionNames, checkFloat } from '../check.js';

/** How a loss reduces over elements: `'mean'` (default), `'sum'`, or `'none'`. */
export type Reduction = 'mean' | 'sum' | 'none';
/** Options shared by the losses. */
export interface LossOptions { /** Reduction over elements (default `'mean'`). */ reduction?: Reduction }
/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** Per-class weights `[C]`. */ weight?: Tensor;
  /** Target value that is ignored (default -100). */ ignoreIndex?: number;
}
/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Label smoothing in [0, 1] (default 0). */ labelSmoothing?: number;
}
/** Options of {@link binaryCrossEntropy}. */
export interface BceOptions extends LossOptions {
  /** Per-element weight, broadcast to the input (null: none). */ weight?: Tensor | null;
}
/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions extends LossOptions {
  /** Per-element weight, broadcast to the input. */ weight?: Tensor;
  /** Weight of positive examples, broadcast over the class dimension. */ posWeight?: Tensor;
}

const LOSS_OPTIONS = optionNames<LossOptions>({ reduction: true });
const NLL_OPTIONS = optionNames<NllLossOptions>({ reduction: true, weight: true, ignoreIndex: true });
const CROSS_ENTROPY_OPTIONS = optionNames<CrossEntropyOptions>({ reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true });
const BCE_OPTIONS = optionNames<BceOptions>({ reduction: true, weight: true });
const BCE_LOGITS_OPTIONS = optionNames<BceWithLogitsOptions>({ reduction: true, weight: true, posWeight: true });

/** Rejects unknown option names (`known`), then returns the reduction (default `'mean'`), checked. */
function checkReduction(op: string, opts: LossOptions, known: readonly string[]): Reduction {
  checkKnownOptions(op, opts, known);
  const r = opts.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new ArgumentError(op, `reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
  }
  return r;
}

/** Reduces per-element losses; `'mean'` divides the sum by `count` (default: the number of elements). */
function reduce(losses: Tensor, reduction: Reduction, count = losses.size): Tensor {
  switch (reduction) {
    case 'none': return losses;
    case 'sum': return sum(losses);
    case 'mean': return div(sum(losses), count);
    default: return reduction satisfies never;
  }
}

/**
 * Where the classes are: input `[N, C, d1, ...]` (or unbatched `[C]`) is viewed as `[N, C, D]`, a
 * sample `s = n·D + d` being the flat index of the class-index target `[N, d1, ...]` (or `[]`).
 */
interface ClassLayout {
  readonly N: number;
  readonly C: number;
  readonly D: number;
  readonly classDim: number;
  /** The shape of a class-index target (and of the unreduced loss). */
  readonly indexShape: Shape;
}

function classLayout(op: string, input: Tensor): ClassLayout {
  checkFloat(op, 'input', input);
  const s = input.shape;
  if (s.length === 0) throw new ShapeError(op, 'input must have a class dimension, got shape []');
  if (s.length === 1) return { N: 1, C: s[0], D: 1, classDim: 0, indexShape: [] };
  return { N: s[0], C: s[1], D: sizeOf(s.slice(2)), classDim: 1, indexShape: [s[0], ...s.slice(2)] };
}

/** Checks a class-index target's dtype, shape and values (each in `[0, C)` or `ignoreIndex`). */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, layout: ClassLayout, ignoreIndex: number): void {
  if (target.dtype !== 'int32') {
    throw new DTypeError(op, `class-index target must be int32, got ${target.dtype} (target ${fmtShape(target.shape)}, input ${fmtShape(input.shape)})`);
  }
  if (!sameShape(target.shape, layout.indexShape)) {
    throw new ShapeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected target ${fmtShape(layout.indexShape)})`);
  }
  const td = target[RAW];
  for (let s = 0; s < td.length; s++) {
    const t = td[s];
    if (t !== ignoreIndex && (t < 0 || t >= layout.C)) {
      throw new ArgumentError(op, `target value ${t} at position ${s} is out of range for ${layout.C} classes (expected 0 to ${layout.C - 1}, or ignoreIndex ${ignoreIndex})`);
    }
  }
}

/** The class weights as float64 (null when not given), checked to be `[C]`. */
function classWeights(op: string, weight: Tensor | undefined, input: Tensor, C: number): Float64Array | null {
  if (weight === undefined) return null;
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new ShapeError(op, `weight ${fmtShape(weight.shape)} must have one entry per class (expected [${C}] for input ${fmtShape(input.shape)})`);
  }
  return Float64Array.from(weight[RAW]);
}

/**
 * Cross-entropy between logits `input` and a target, as PyTorch's `cross_entropy`:
 *
 * - class-index target (int32): `loss_s = w[t]·(lse_s − x[s, t])`, where `lse_s = log Σ_c exp(x[s, c])`.
 *   With label smoothing ε this becomes `(1 − ε)·w[t]·(lse_s − x[s, t]) + (ε/C)·Σ_c w[c]·(lse_s − x[s, c])`.
 *   Samples whose target equals `ignoreIndex` (default −100) contribute 0, and `'mean'` divides by
 *   the sum of `w[t]` over the other samples (their count without weights), so an all-ignored batch
 *   gives NaN, as in PyTorch.
 * - class-probability target (float, the input's shape): `loss_s = −Σ_c w[c]·t̃[s, c]·log_softmax(x)[s, c]`
 *   with `t̃ = (1 − ε)·t + ε/C`; `'mean'` divides by the number of samples (weights do not
 *   normalise), and the target also receives a gradient.
 *
 * Gradients are exact for every option; for index targets the fused VJP is
 * `g_s·(softmax(x_s)·((1 − ε)w[t] + (ε/C)Σw) − (ε/C)·w − (1 − ε)·w[t]·onehot(t))`.
 * `weight` receives no gradient.
 *
 * Shape: input `[N, C]` with target `[N]` (or `[N, C]` probabilities); input `[N, C, d1, ...]`
 * with target `[N, d1, ...]`; unbatched input `[C]` with target `[]`. With `reduction: 'none'` the
 * loss has the index-target shape.
 *
 * @example
 * const logits = sg.normal([64, 10], { requiresGrad: true });
 * const labels = sg.randint(0, 10, [64]);
 * sg.crossEntropy(logits, labels, { labelSmoothing: 0.1 }).backward();
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const layout = classLayout(op, input);
  const reduction = checkReduction(op, opts, CROSS_ENTROPY_OPTIONS);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  const w = classWeights(op, opts.weight, input, layout.C);
  if (isFloat(target.dtype)) {
    if (sameShape(target.shape, input.shape)) return probabilityCrossEntropy(input, target, layout, opts.weight, eps, reduction);
    if (sameShape(target.shape, layout.indexShape)) {
      throw new DTypeError(op, `class-index target must be int32, got ${target.dtype} (target ${fmtShape(target.shape)}, input ${fmtShape(input.shape)}); a float target must hold class probabilities of the input's shape`);
    }
    throw new ShapeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected int32 class indices ${fmtShape(layout.indexShape)} or float probabilities ${fmtShape(input.shape)})`);
  }
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkIndexTarget(op, input, target, layout, ignoreIndex);

  const { N, C, D } = layout;
  const xd = input[RAW];
  const td = target[RAW];
  const S = N * D;
  const lse = new Float64Array(S);
  const losses = allocateOutput(input.dtype, S);
  const smooth = eps / C;
  const wSum = w === null ? C : w.reduce((a, b) => a + b, 0);
  let denom = 0;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const s = n * D + d;
      const t = td[s];
      if (t === ignoreIndex) continue;
      const base = n * C * D + d;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, xd[base + c * D]);
      let e = 0;
      for (let c = 0; c < C; c++) e += Math.exp(xd[base + c * D] - m);
      const l = m + Math.log(e);
      lse[s] = l;
      const wt = w === null ? 1 : w[t];
      denom += wt;
      let smoothLoss = 0;
      if (smooth !== 0) {
        for (let c = 0; c < C; c++) smoothLoss += (w === null ? 1 : w[c]) * (l - xd[base + c * D]);
      }
      losses[s] = (1 - eps) * wt * (l - xd[base + t * D]) + smooth * smoothLoss;
    }
  }
  const out = record(op, new Tensor(losses, layout.indexShape), [input], (g) => {
    const gx = allocateOutput(g.dtype, input.size);
    const gd = g[RAW];
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < D; d++) {
        const s = n * D + d;
        const t = td[s];
        if (t === ignoreIndex) continue;
        const base = n * C * D + d;
        const gs = gd[s];
        const wt = w === null ? 1 : w[t];
        const pCoef = (1 - eps) * wt + smooth * wSum;
        for (let c = 0; c < C; c++) {
          gx[base + c * D] = gs * (Math.exp(xd[base + c * D] - lse[s]) * pCoef - smooth * (w === null ? 1 : w[c]));
        }
        gx[base + t * D] -= gs * (1 - eps) * wt;
      }
    }
    return [new Tensor(gx, input.shape)];
  });
  return reduce(out, reduction, denom);
}

/** Cross-entropy against class probabilities, composed from log-softmax (so the target gets a gradient too). */
function probabilityCrossEntropy(input: Tensor, target: Tensor, layout: ClassLayout, weight: Tensor | undefined, eps: number, reduction: Reduction): Tensor {
  const { C, classDim } = layout;
  let t = cast(target, input.dtype);
  if (eps > 0) t = add(mul(t, 1 - eps), eps / C);
  if (weight !== undefined) {
    // [C] → [C, 1, ..., 1] so that it broadcasts along the class dimension.
    t = mul(t, reshape(cast(weight, input.dtype), [C, ...Array<number>(input.ndim - classDim - 1).fill(1)]));
  }
  const losses = neg(sum(mul(logSoftmax(input, classDim), t), classDim));
  return reduce(losses, reduction, layout.N * layout.D);
}

/**
 * Negative log-likelihood of log-probabilities `input` (e.g. from {@link logSoftmax}) against
 * int32 class indices, as PyTorch's `nll_loss`: `loss_s = −w[t]·input[s, t]`; targets equal to
 * `ignoreIndex` (default −100) contribute 0 and `'mean'` divides by the sum of `w[t]` over the others.
 *
 * Shape: input `[N, C]` with target `[N]`; `[N, C, d1, ...]` with `[N, d1, ...]`; `[C]` with `[]`.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const layout = classLayout(op, input);
  const reduction = checkReduction(op, opts, NLL_OPTIONS);
  const w = classWeights(op, opts.weight, input, layout.C);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkIndexTarget(op, input, target, layout, ignoreIndex);
  const { N, C, D } = layout;
  const [td, xd] = [target[RAW], input[RAW]];
  const losses = allocateOutput(input.dtype, N * D);
  // pick[s]: the flat input position of sample s's target, or -1 when ignored.
  const pick = new Int32Array(N * D).fill(-1);
  const wt = new Float64Array(N * D);
  let denom = 0;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const s = n * D + d;
      const t = td[s];
      if (t === ignoreIndex) continue;
      pick[s] = n * C * D + t * D + d;
      wt[s] = w === null ? 1 : w[t];
      denom += wt[s];
      losses[s] = -wt[s] * xd[pick[s]];
    }
  }
  const out = record(op, new Tensor(losses, layout.indexShape), [input], (g) => {
    const gx = allocateOutput(g.dtype, input.size);
    const gd = g[RAW];
    for (let s = 0; s < pick.length; s++) if (pick[s] >= 0) gx[pick[s]] = -wt[s] * gd[s];
    return [new Tensor(gx, input.shape)];
  });
  return reduce(out, reduction, denom);
}

/** Throws unless input and target have the same shape (broadcasting them is almost always a bug). */
function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (they must have the same shape)`);
  }
}

/**
 * Mean squared error `(input − target)²`, reduced. Unlike PyTorch, which warns and broadcasts,
 * differing shapes throw. Both arguments receive gradients.
 *
 * Shape: input and target any same shape; the unreduced loss has that shape.
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const reduction = checkReduction('mseLoss', opts, LOSS_OPTIONS);
  checkFloat('mseLoss', 'input', input);
  checkSameShape('mseLoss', input, target);
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

/**
 * Mean absolute error `|input − target|`, reduced (the gradient at equality is 0, as in PyTorch).
 * Differing shapes throw.
 *
 * Shape: as {@link mseLoss}.
 */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const reduction = checkReduction('l1Loss', opts, LOSS_OPTIONS);
  checkFloat('l1Loss', 'input', input);
  checkSameShape('l1Loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}

/** `optional` broadcast to `shape` as a data array, or null; throws naming `name` when it does not fit. */
function broadcastOption(op: string, name: string, optional: Tensor | undefined, input: Tensor): ArrayLike<number> | null {
  if (optional === undefined) return null;
  const b = broadcastShapes(op, optional.shape, input.shape);
  if (!sameShape(b, input.shape)) {
    throw new ShapeError(op, `${name} ${fmtShape(optional.shape)} cannot be broadcast to input ${fmtShape(input.shape)}`);
  }
  return broadcastCopy(optional, input.shape)[RAW];
}

/** `log(1 + e^v)` without overflow or cancellation. */
function softplus(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** `log(v)` clamped below at −100, as PyTorch's binary cross-entropy (so a 0 or 1 probability stays finite). */
function clampedLog(v: number): number {
  return Math.max(Math.log(v), -100);
}

// PyTorch 1.13 divides by max((1 − x)·x, EPSILON) with a float (not double) constant 1e-12.
const BCE_EPSILON = Math.fround(1e-12);

/**
 * Binary cross-entropy between probabilities `input` (in [0, 1]) and targets, as PyTorch's
 * `binary_cross_entropy`: `loss = −w·[y·log x + (1 − y)·log(1 − x)]` with each log clamped below
 * at −100, so a confident wrong prediction costs 100, not Infinity. The gradient is PyTorch's:
 * `w·(x − y) / max((1 − x)·x, 1e-12)` for the input (finite at 0 and 1) and `−w·logit(x)` for the
 * target; `weight` receives none. Prefer {@link binaryCrossEntropyWithLogits} on logits: it is
 * stable where `sigmoid` followed by this loss rounds to 0 or 1.
 *
 * Shape: input and target the same shape; `weight` broadcasts to it; the unreduced loss has the
 * input's shape.
 *
 * @example
 * const p = sg.sigmoid(sg.normal([8, 1], { requiresGrad: true }));
 * sg.binaryCrossEntropy(p, sg.ones([8, 1])).backward();
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = checkReduction(op, opts, BCE_OPTIONS);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
  const w = broadcastOption(op, 'weight', opts.weight ?? undefined, input);
  const xd = input[RAW];
  const yd = target[RAW];
  const losses = allocateOutput(input.dtype, input.size);
  for (let i = 0; i < losses.length; i++) {
    const x = xd[i];
    if (!(x >= 0 && x <= 1)) {
      throw new ArgumentError(op, `input must hold probabilities in [0, 1], got ${x} at position ${i} (input ${fmtShape(input.shape)}); use binaryCrossEntropyWithLogits for logits`);
    }
    losses[i] = -(w === null ? 1 : w[i]) * (yd[i] * clampedLog(x) + (1 - yd[i]) * clampedLog(1 - x));
  }
  const out = record(op, new Tensor(losses, input.shape), [input, target], (g) => {
    const gd = g[RAW];
    const gx = input.requiresGrad ? allocateOutput(g.dtype, input.size) : null;
    const gy = target.requiresGrad ? allocateOutput(g.dtype, input.size) : null;
    for (let i = 0; i < gd.length; i++) {
      const x = xd[i];
      const gw = gd[i] * (w === null ? 1 : w[i]);
      if (gx !== null) gx[i] = (gw * (x - yd[i])) / Math.max((1 - x) * x, BCE_EPSILON);
      if (gy !== null) gy[i] = -gw * Math.log(x / (1 - x));
    }
    return [gx && new Tensor(gx, input.shape), gy && new Tensor(gy, input.shape)];
  });
  return reduce(out, reduction);
}

/**
 * Binary cross-entropy on logits, as PyTorch's `binary_cross_entropy_with_logits`:
 * `loss = −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))]`, evaluated stably as
 * `w·[(1 − y)·x + (1 + (p − 1)·y)·softplus(−x)]` (p = `posWeight`, default 1). The gradient is
 * `w·((1 − y) − (1 + (p − 1)y)·σ(−x))` for the input and `w·(−x + (p − 1)·softplus(−x))` for the
 * target; `weight` and `posWeight` receive none.
 *
 * Shape: input and target the same shape, e.g. `[N, C]`; `weight` broadcasts to it, `posWeight`
 * too (typically `[C]`, one per class along the last dimension).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, opts, BCE_LOGITS_OPTIONS);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
  const w = broadcastOption(op, 'weight', opts.weight, input);
  const pw = broadcastOption(op, 'posWeight', opts.posWeight, input);
  const xd = input[RAW];
  const yd = target[RAW];
  const losses = allocateOutput(input.dtype, input.size);
  for (let i = 0; i < losses.length; i++) {
    const lw = pw === null ? 1 : 1 + (pw[i] - 1) * yd[i];
    losses[i] = (w === null ? 1 : w[i]) * ((1 - yd[i]) * xd[i] + lw * softplus(-xd[i]));
  }
  const out = record(op, new Tensor(losses, input.shape), [input, target], (g) => {
    const gd = g[RAW];
    const gx = input.requiresGrad ? allocateOutput(g.dtype, input.size) : null;
    const gy = target.requiresGrad ? allocateOutput(g.dtype, input.size) : null;
    for (let i = 0; i < gd.length; i++) {
      const x = xd[i];
      const p = pw === null ? 1 : pw[i];
      const gw = gd[i] * (w === null ? 1 : w[i]);
      // σ(−x) = exp(−softplus(x)), in the form that does not overflow.
      const sigNeg = x >= 0 ? Math.exp(-x) / (1 + Math.exp(-x)) : 1 / (1 + Math.exp(x));
      if (gx !== null) gx[i] = gw * ((1 - yd[i]) - (1 + (p - 1) * yd[i]) * sigNeg);
      if (gy !== null) gy[i] = gw * (-x + (p - 1) * softplus(-x));
    }
    return [gx && new Tensor(gx, input.shape), gy && new Tensor(gy, input.shape)];
  });
  return reduce(out, reduction);
}
