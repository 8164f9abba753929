/**
 * Numerical gradient checking for authors of custom ops and modules (PyTorch's `gradcheck`): float64
 * central differences on a random projection. For `out = fn(...inputs)` and a fixed seeded
 * cotangent `c`, autograd's gradient of `L = sum(out · c)` is compared, element by element, with
 * `(L(x + eps) − L(x − eps)) / 2eps`.
 */
import { ArgumentError, SimplegradError, fmtShape } from './errors.js';
import { Tensor, RAW } from './tensor.js';
import { noGrad } from './autograd.js';
import { Generator } from './random.js';
import { checkKnownOptions, checkNonNegative, checkInteger, optionNames } from './check.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6): an element passes when |autograd − numeric| ≤ atol + rtol·|numeric|. */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Check at most this many elements per input, a seeded sample (default 150; all of smaller inputs). */
  maxPerInput?: number;
  /** Seed of the cotangent and of the sample (default 1234). */
  seed?: number;
  /** Throw a {@link GradcheckError} on failure (default true); false returns the report instead. */
  raiseException?: boolean;
}

const OPTIONS = optionNames<GradcheckOptions>({ eps: true, atol: true, rtol: true, maxPerInput: true, seed: true, raiseException: true });

/** One checked element: where, both gradients, and how far over the tolerance it is. */
export interface GradcheckElement {
  /** The input's position in `inputs`. */
  input: number;
  /** The element's flat index in that input. */
  index: number;
  /** Autograd's gradient. */
  analytic: number;
  /** The central difference. */
  numeric: number;
  /** |analytic − numeric| / (atol + rtol·|numeric|): above 1 fails. */
  ratio: number;
}

/** What {@link gradcheck} found. */
export interface GradcheckResult {
  /** True when every checked element is within tolerance. */
  ok: boolean;
  /** The element with the largest {@link GradcheckElement.ratio} (null when nothing was checked). */
  worst: GradcheckElement | null;
  /** How many elements were checked. */
  checked: number;
}

/**
 * A gradient that disagrees with its central difference. `result` holds the worst element.
 *
 * @example
 * try { sg.gradcheck(myOp, [x]); } catch (e) { if (e instanceof sg.GradcheckError) console.log(e.result.worst); }
 */
export class GradcheckError extends SimplegradError {
  /** The full report. */
  readonly result: GradcheckResult;
  constructor(result: GradcheckResult, shapes: readonly (readonly number[])[]) {
    const w = result.worst as GradcheckElement;
    super('gradcheck', `input ${w.input} ${fmtShape(shapes[w.input])} element ${w.index}: autograd ${w.analytic} vs numeric ${w.numeric} (${w.ratio.toPrecision(3)}× the tolerance; worst of ${result.checked} checked)`);
    this.result = result;
  }
}

/**
 * Checks `fn`'s gradients against float64 central differences. Inputs must be float64 tensors;
 * those with `requiresGrad` are checked (their `.grad` is reset). Returns a report whose `worst`
 * is the element farthest from its tolerance; by default a failure throws a {@link GradcheckError}
 * naming it.
 *
 * *Shape*: any; `fn` may return any shape (a seeded random cotangent reduces it to a scalar).
 *
 * @example
 * const x = sg.normal([3, 4], { dtype: 'float64', requiresGrad: true });
 * sg.gradcheck((a) => myCustomOp(a), [x]);                 // throws if a gradient is wrong
 * sg.gradcheck(f, [x], { raiseException: false }).worst;  // or inspect the report
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  checkKnownOptions('gradcheck', opts, OPTIONS);
  const eps = checkNonNegative('gradcheck', 'eps', opts.eps ?? 1e-6);
  const atol = checkNonNegative('gradcheck', 'atol', opts.atol ?? 1e-6);
  const rtol = checkNonNegative('gradcheck', 'rtol', opts.rtol ?? 1e-4);
  const maxPer = checkInteger('gradcheck', 'maxPerInput', opts.maxPerInput ?? 150, 1);
  if (typeof fn !== 'function') throw new ArgumentError('gradcheck', `fn must be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs)) throw new ArgumentError('gradcheck', 'inputs must be an array of tensors');
  inputs.forEach((x, k) => {
    if (!(x instanceof Tensor)) throw new ArgumentError('gradcheck', `inputs[${k}] must be a Tensor`);
    if (x.dtype !== 'float64') throw new ArgumentError('gradcheck', `inputs must be float64 (central differences need the precision), but inputs[${k}] is ${x.dtype}`);
    x.grad = null;
  });
  const gen = new Generator(opts.seed ?? 1234);
  const out = fn(...inputs);
  const c = new Float64Array(out.size);
  for (let i = 0; i < c.length; i++) c[i] = gen.normal();
  const proj = (t: Tensor): number => {
    let s = 0;
    const d = t[RAW];
    for (let i = 0; i < d.length; i++) s += d[i] * c[i];
    return s;
  };
  out.backward(new Tensor(c, out.shape));
  let worst: GradcheckElement | null = null;
  let checked = 0;
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad?.data ?? new Float64Array(x.size);
    const idx = x.size <= maxPer ? [...Array(x.size).keys()] : Array.from({ length: maxPer }, () => gen.randint(0, x.size));
    for (const i of idx) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const lp = noGrad(() => proj(fn(...inputs)));
      x.data[i] = orig - eps;
      const lm = noGrad(() => proj(fn(...inputs)));
      x.data[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[i];
      const diff = Math.abs(a - numeric);
      // NaN on either side is a failure of infinite size, never a pass.
      const ratio = Number.isNaN(diff) ? Infinity : diff / (atol + rtol * Math.abs(numeric));
      checked++;
      if (worst === null || ratio > worst.ratio) worst = { input: k, index: i, analytic: a, numeric, ratio };
    }
  });
  const result: GradcheckResult = { ok: worst === null || (worst as GradcheckElement).ratio <= 1, worst, checked };
  if (!result.ok && opts.raiseException !== false) throw new GradcheckError(result, inputs.map((x) => x.shape));
  return result;
}
