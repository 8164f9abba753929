/**
 * Activations and (log-)softmax. Each pointwise activation is its scalar function `f` and derivative
 * `f'` next to each other ({@link pointwise}); forward and backward are single loops over typed
 * arrays, and int32 input computes in float32. Softmax and log-softmax subtract each lane's maximum
 * before exponentiating, so no finite input overflows.
 */
import { allocate, floatDType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { axisView } from './reduce.js';
import { kernels } from '../kernels/backend.js';

/** Options of {@link leakyRelu}. */
export interface LeakyReluOptions { /** Slope for x < 0 (default 0.01). */ negativeSlope?: number }
/** Options of {@link gelu}. */
export interface GeluOptions { /** `'none'` (exact, erf; default) or `'tanh'`. */ approximate?: 'none' | 'tanh' }
/** Options of {@link elu}. */
export interface EluOptions { /** Scale of the negative part (default 1). */ alpha?: number }

/**
 * Applies `f` elementwise; the gradient is `g · df(x, y)` with `y = f(x)` (whichever of the two gives
 * the simpler derivative).
 */
function pointwise(op: string, x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const xd = x.data;
  const out = allocate(floatDType(x.dtype), x.size);
  for (let i = 0; i < out.length; i++) out[i] = f(xd[i]);
  return record(op, new Tensor(out, x.shape), [x], (g) => {
    const gx = allocate(g.dtype, g.size);
    const gd = g.data;
    for (let i = 0; i < gx.length; i++) gx[i] = gd[i] * df(xd[i], out[i]);
    return [new Tensor(gx, x.shape)];
  });
}

function requireFinite(op: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new ArgumentError(op, `${name} must be a finite number, got ${v}`);
}

/**
 * `max(x, 0)`. The gradient at exactly 0 is 0, as in PyTorch; NaN propagates.
 *
 * Shape: any; the output has the input's shape (likewise for every activation here).
 */
export function relu(x: Tensor): Tensor {
  // pointwise's shared loop calls closures; relu runs on every conv output, so it has kernels.
  const K = kernels();
  const xd = x.data;
  const out = allocate(floatDType(x.dtype), x.size);
  K.reluForward(xd, out);
  return record('relu', new Tensor(out, x.shape), [x], (g) => {
    const gx = allocate(g.dtype, g.size);
    K.reluBackward(g.data, xd, gx);
    return [new Tensor(gx, x.shape)];
  });
}

/** `x` for x > 0, `negativeSlope·x` otherwise (default slope 0.01; the gradient at 0 is the slope). */
export function leakyRelu(x: Tensor, opts: LeakyReluOptions = {}): Tensor {
  const s = opts.negativeSlope ?? 0.01;
  requireFinite('leakyRelu', 'negativeSlope', s);
  return pointwise('leakyRelu', x, (v) => (v > 0 ? v : s * v), (v) => (v > 0 ? 1 : s));
}

/** Logistic sigmoid of one number, without overflow for large |v|. */
function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** `1 / (1 + e^-x)`, evaluated without overflow; gradient `y(1 - y)`. */
export function sigmoid(x: Tensor): Tensor {
  return pointwise('sigmoid', x, sigmoidScalar, (_v, y) => y * (1 - y));
}

/** Hyperbolic tangent; gradient `1 - y²`. */
export function tanh(x: Tensor): Tensor {
  return pointwise('tanh', x, Math.tanh, (_v, y) => 1 - y * y);
}

// W. J. Cody, "Rational Chebyshev approximations for the error function" (Math. Comp. 1969), as in
// his CALERF routine: relative error below 1e-16 in float64 on each of three intervals of |x|.
const ERF_A = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const ERF_B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const ERF_C = [
  5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
  1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8,
];
const ERF_D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3,
  4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3,
];
const ERF_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
const ERF_Q = [2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
const ERF_SMALL = 0.46875;
const INV_SQRT_PI = 0.5641895835477562869;

/** erf(x) for |x| ≤ 0.46875. */
function erfSmall(x: number): number {
  const z = x * x;
  let num = ERF_A[4] * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + ERF_A[i]) * z;
    den = (den + ERF_B[i]) * z;
  }
  return (x * (num + ERF_A[3])) / (den + ERF_B[3]);
}

/** erfc(y) for y > 0.46875 (NaN for NaN). */
function erfcLarge(y: number): number {
  if (y >= 26.543) return 0; // erfc underflows to 0 in float64 beyond here
  let r: number;
  if (y <= 4) {
    let num = ERF_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERF_C[i]) * y;
      den = (den + ERF_D[i]) * y;
    }
    r = (num + ERF_C[7]) / (den + ERF_D[7]);
  } else {
    const z = 1 / (y * y);
    let num = ERF_P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERF_P[i]) * z;
      den = (den + ERF_Q[i]) * z;
    }
    r = (INV_SQRT_PI - (z * (num + ERF_P[4])) / (den + ERF_Q[4])) / y;
  }
  // exp(-y²) split as exp(-s²)·exp(-(y-s)(y+s)) with s = y rounded to 1/16, so y² is exact enough.
  const s = Math.trunc(y * 16) / 16;
  return Math.exp(-s * s) * Math.exp(-(y - s) * (y + s)) * r;
}

/** The error function of one number, accurate to about 1e-16 (Cody's rational approximations). */
function erfScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** The complementary error function `1 - erf(x)` of one number, without cancellation for large x. */
function erfcScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/** The error function, elementwise; gradient `2/√π · e^(−x²)`. */
export function erf(x: Tensor): Tensor {
  return pointwise('erf', x, erfScalar, (v) => 2 * INV_SQRT_PI * Math.exp(-v * v));
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = INV_SQRT_PI * SQRT1_2;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/**
 * GELU, `x·Φ(x)` with Φ the standard normal CDF (`approximate: 'none'`, default), or PyTorch's
 * `approximate: 'tanh'` form `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`. The exact form evaluates Φ
 * through erfc, so it stays accurate far into the negative tail.
 */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  const approximate = opts.approximate ?? 'none';
  switch (approximate) {
    case 'none':
      return pointwise(
        'gelu', x,
        (v) => 0.5 * v * erfcScalar(-v * SQRT1_2),
        (v) => 0.5 * erfcScalar(-v * SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v),
      );
    case 'tanh':
      return pointwise(
        'gelu', x,
        (v) => 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v * v * v))),
        (v) => {
          const t = Math.tanh(GELU_K * (v + GELU_C * v * v * v));
          return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * v * v);
        },
      );
    default:
      throw new ArgumentError('gelu', `approximate must be 'none' or 'tanh', got '${String(approximate satisfies never)}'`);
  }
}

/** ELU: `x` for x > 0, `alpha·(eˣ − 1)` otherwise (default alpha 1; the gradient at 0 is alpha). */
export function elu(x: Tensor, opts: EluOptions = {}): Tensor {
  const alpha = opts.alpha ?? 1;
  requireFinite('elu', 'alpha', alpha);
  return pointwise('elu', x, (v) => (v > 0 ? v : alpha * Math.expm1(v)), (v) => (v > 0 ? 1 : alpha * Math.exp(v)));
}

/** SiLU (swish): `x·sigmoid(x)`; gradient `σ(x)(1 + x(1 − σ(x)))`. */
export function silu(x: Tensor): Tensor {
  return pointwise('silu', x, (v) => v * sigmoidScalar(v), (v) => {
    const s = sigmoidScalar(v);
    return s * (1 + v * (1 - s));
  });
}

/**
 * Runs `lane(base, n, stride)` over every 1-D lane of `x` along `dim`, into a fresh output of the
 * float dtype, and returns it: lanes are `n` elements `stride` apart starting at `base`.
 */
function mapLanes(op: string, x: Tensor, dim: number, lane: (xd: ArrayLike<number>, out: Float32Array | Float64Array, base: number, n: number, stride: number) => void): Tensor {
  const d = normalizeDim(op, dim, x.shape);
  const { outer, n, inner } = axisView(x.shape, d);
  const out = allocate(floatDType(x.dtype), x.size) as Float32Array | Float64Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) lane(x.data, out, o * n * inner + i, n, inner);
  }
  return new Tensor(out, x.shape);
}

/** Lane maximum (NaN if any element is NaN, so that NaN propagates). */
function laneMax(xd: ArrayLike<number>, base: number, n: number, stride: number): number {
  let m = -Infinity;
  for (let k = 0; k < n; k++) {
    const v = xd[base + k * stride];
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

/**
 * Softmax over `dim` (default the last): `exp(x − max) / sum(exp(x − max))`. The gradient is
 * `y·(g − sum(g·y))` over the same lane.
 *
 * Shape: any; each lane along `dim` sums to 1.
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const y = mapLanes('softmax', x, dim, (xd, out, base, n, stride) => {
    const m = laneMax(xd, base, n, stride);
    let s = 0;
    for (let k = 0; k < n; k++) {
      const e = Math.exp(xd[base + k * stride] - m);
      out[base + k * stride] = e;
      s += e;
    }
    for (let k = 0; k < n; k++) out[base + k * stride] /= s;
  });
  return record('softmax', y, [x], (g) => {
    const gd = g.data;
    const yd = y.data;
    return [mapLanes('softmax', g, dim, (_xd, out, base, n, stride) => {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += gd[base + k * stride] * yd[base + k * stride];
      for (let k = 0; k < n; k++) out[base + k * stride] = yd[base + k * stride] * (gd[base + k * stride] - dot);
    })];
  });
}

/**
 * Log-softmax over `dim` (default the last): `x − max − log(sum(exp(x − max)))`, never taking the
 * log of a rounded-to-zero probability. The gradient is `g − softmax(x)·sum(g)` over the lane.
 *
 * Shape: any.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const y = mapLanes('logSoftmax', x, dim, (xd, out, base, n, stride) => {
    const m = laneMax(xd, base, n, stride);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(xd[base + k * stride] - m);
    const lse = m + Math.log(s);
    for (let k = 0; k < n; k++) out[base + k * stride] = xd[base + k * stride] - lse;
  });
  return record('logSoftmax', y, [x], (g) => {
    const gd = g.data;
    const yd = y.data;
    return [mapLanes('logSoftmax', g, dim, (_xd, out, base, n, stride) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += gd[base + k * stride];
      for (let k = 0; k < n; k++) out[base + k * stride] = gd[base + k * stride] - Math.exp(yd[base + k * stride]) * s;
    })];
  });
}
