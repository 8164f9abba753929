/**
 * Numerical gradient checking for tests (float64, central differences on a random projection).
 * For `out = f(inputs)` and a fixed random cotangent `c`, autograd's gradient of `sum(out · c)` is
 * compared with `(L(x + eps) - L(x - eps)) / 2eps` for each checked input element.
 */
import { Generator, Tensor, noGrad } from '../src/index.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many elements per input (a seeded sample); default 150. */
  maxPerInput?: number;
  seed?: number;
}

/** float64 leaf tensor of `shape` with seeded normal values, requiring grad. */
export function randLeaf(shape: number[], seed: number, scale = 1): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = g.normal() * scale;
  return new Tensor(data, shape, true);
}

export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  const maxPer = opts.maxPerInput ?? 150;
  const gen = new Generator(opts.seed ?? 1234);
  for (const x of inputs) {
    if (x.dtype !== 'float64') throw new Error(`gradcheck: inputs must be float64, got ${x.dtype}`);
    x.grad = null;
  }
  const out = f(...inputs);
  const c = new Float64Array(out.size);
  for (let i = 0; i < c.length; i++) c[i] = gen.normal();
  const proj = (t: Tensor): number => {
    let s = 0;
    for (let i = 0; i < t.size; i++) s += t.data[i] * c[i];
    return s;
  };
  out.backward(new Tensor(c, out.shape));
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad?.data ?? new Float64Array(x.size);
    const idx = x.size <= maxPer ? [...Array(x.size).keys()] : Array.from({ length: maxPer }, () => gen.randint(0, x.size));
    for (const i of idx) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const lp = noGrad(() => proj(f(...inputs)));
      x.data[i] = orig - eps;
      const lm = noGrad(() => proj(f(...inputs)));
      x.data[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[i];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck: input ${k} [${x.shape}] element ${i}: autograd ${a} vs numeric ${numeric}`);
      }
    }
  });
}

/** Asserts two arrays are elementwise close: |a - b| <= atol + rtol·|b|. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4, what = ''): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = (Number.isNaN(e) && Number.isNaN(a)) || a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}
