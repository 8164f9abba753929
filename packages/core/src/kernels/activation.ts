/**
 * Pointwise activation kernels: each activation is a forward loop and a backward loop over typed
 * arrays, with the scalar formula written inline (no closure call per element, which costs more
 * than the arithmetic of most activations). Forward loops read `x` (int32 input computes in the
 * float dtype of `out`); a backward loop writes `gx[i] = g[i] · f'(x[i])`, reading whichever of `x`
 * and the saved output `y` gives the simpler derivative. ReLU, the hottest, lives with the backend
 * kernels in `elementwise.ts` (it has a WebAssembly twin).
 *
 * Derivatives at kinks are PyTorch 1.13's: each backward loop states which side a kink belongs to.
 */
import type { FloatArray, TypedArray } from '../dtype.js';

/**
 * `out[i] = x[i]` for x > 0, `slope·x[i]` otherwise. The sign of x is random half the time, so the
 * factor is looked up (`[slope, 1][x > 0]`) rather than branched on; `x·1` is exactly `x`.
 */
export function leakyReluForward(x: TypedArray, out: FloatArray, slope: number): void {
  const factor = new Float64Array([slope, 1]);
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v * factor[+(v > 0)];
  }
}

/** Leaky ReLU's gradient: 1 for x > 0, `slope` otherwise (so at 0 too, as PyTorch); no branch. */
export function leakyReluBackward(g: FloatArray, x: TypedArray, gx: FloatArray, slope: number): void {
  const factor = new Float64Array([slope, 1]);
  for (let i = 0; i < gx.length; i++) gx[i] = g[i] * factor[+(x[i] > 0)];
}

/** Logistic sigmoid of one number, without overflow for large |v|. */
export function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** `out[i] = 1 / (1 + e^−x[i])`, never overflowing. */
export function sigmoidForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
}

/** Sigmoid's gradient from its output: `g·y(1 − y)`. */
export function sigmoidBackward(g: FloatArray, y: FloatArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) gx[i] = g[i] * y[i] * (1 - y[i]);
}

/** `out[i] = tanh(x[i])`. */
export function tanhForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]);
}

/** Tanh's gradient from its output: `g·(1 − y²)`. */
export function tanhBackward(g: FloatArray, y: FloatArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) gx[i] = g[i] * (1 - y[i] * y[i]);
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
export function erfScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** The complementary error function `1 − erf(x)` of one number, without cancellation for large x. */
export function erfcScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/** `out[i] = erf(x[i])`. */
export function erfForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = erfScalar(x[i]);
}

/** erf's gradient: `g·2/√π·e^(−x²)`. */
export function erfBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) gx[i] = g[i] * 2 * INV_SQRT_PI * Math.exp(-x[i] * x[i]);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = INV_SQRT_PI * SQRT1_2;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** Exact GELU `x·Φ(x)`, with Φ through erfc so that the negative tail keeps its digits. */
export function geluForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = 0.5 * v * erfcScalar(-v * SQRT1_2);
  }
}

/** Exact GELU's gradient: `g·(Φ(x) + x·φ(x))`. */
export function geluBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    gx[i] = g[i] * (0.5 * erfcScalar(-v * SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
  }
}

/** PyTorch's tanh-approximate GELU: `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`. */
export function geluTanhForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v * v * v)));
  }
}

/** The tanh-approximate GELU's gradient. */
export function geluTanhBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    const t = Math.tanh(GELU_K * (v + GELU_C * v * v * v));
    gx[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * v * v));
  }
}

/** ELU: `x` for x > 0, `alpha·(eˣ − 1)` otherwise. */
export function eluForward(x: TypedArray, out: FloatArray, alpha: number): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

/** ELU's gradient: 1 for x > 0, `alpha·eˣ` otherwise (so alpha at 0, as PyTorch). */
export function eluBackward(g: FloatArray, x: TypedArray, gx: FloatArray, alpha: number): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    gx[i] = v > 0 ? g[i] : g[i] * alpha * Math.exp(v);
  }
}

/** SiLU: `x·σ(x)`. */
export function siluForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v * sigmoidScalar(v);
  }
}

/** SiLU's gradient: `g·σ(x)(1 + x(1 − σ(x)))`. */
export function siluBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    const s = sigmoidScalar(v);
    gx[i] = g[i] * s * (1 + v * (1 - s));
  }
}

/** The bits of `v` rounded to float32, as an int32. */
function float32Bits(v: number): number {
  BITS_F32[0] = v;
  return BITS_I32[0];
}
const BITS_F32 = new Float32Array(1);
const BITS_I32 = new Int32Array(BITS_F32.buffer);

/** An int32 view of a float32 array's elements (same memory). */
const int32View = (a: Float32Array): Int32Array => new Int32Array(a.buffer, a.byteOffset, a.length);

/**
 * Hardtanh: `x` clamped into `[lo, hi]`; NaN stays NaN. Inputs past the ends are about as common as
 * inputs inside (ReLU6 after BatchNorm: half are negative), so a branch on them is mispredicted
 * often, which costs several times the rest of the loop. The float32 loop therefore selects between
 * the bit patterns of `x`, `lo` and `hi` with masks made from the comparisons (no branch); it stores
 * exactly what the plain loop stores (`lo`, `hi` rounded to float32, or `x` itself).
 */
export function hardtanhForward(x: TypedArray, out: FloatArray, lo: number, hi: number): void {
  if (x instanceof Float32Array && out instanceof Float32Array) {
    const xi = int32View(x);
    const oi = int32View(out);
    const lb = float32Bits(lo);
    const hb = float32Bits(hi);
    for (let i = 0; i < oi.length; i++) {
      const v = x[i];
      const b = xi[i];
      const r = b ^ ((b ^ lb) & -+(v < lo));
      oi[i] = r ^ ((r ^ hb) & -+(v > hi));
    }
    return;
  }
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/**
 * Hardtanh's gradient: `g` strictly inside `(lo, hi)`, 0 at and beyond both ends and for NaN.
 * PyTorch 1.13 answers differently for NaN in its scalar tail loop (g) and its vectorised main
 * loop (0); every element of a real tensor but the last few takes the vectorised one, so that is
 * the rule here. As in the forward, the float32 loop masks the bits of `g` instead of branching
 * (so +0 where masked, even for an infinite or NaN `g`, as the plain loop).
 */
export function hardtanhBackward(g: FloatArray, x: TypedArray, gx: FloatArray, lo: number, hi: number): void {
  if (g instanceof Float32Array && gx instanceof Float32Array) {
    const gi = int32View(g);
    const oi = int32View(gx);
    for (let i = 0; i < oi.length; i++) {
      const v = x[i];
      oi[i] = gi[i] & -(+(v > lo) & +(v < hi));
    }
    return;
  }
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    gx[i] = v > lo && v < hi ? g[i] : 0;
  }
}

/** Hardswish: `x·min(max(x + 3, 0), 6) / 6`, in PyTorch's order of operations. */
export function hardswishForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    const r = v + 3;
    out[i] = (v * (r < 0 ? 0 : r > 6 ? 6 : r)) / 6;
  }
}

/**
 * Hardswish's gradient, PyTorch 1.13's vectorised rule (the one nearly every element takes): 0 for
 * x < −3, `x/3 + 1/2` on `[−3, 3)` (so −1/2 at −3), 1 from 3 on; NaN gives NaN. (1.13's scalar
 * tail loop instead gives 3/2 at exactly 3 and 1 for NaN.)
 */
export function hardswishBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    gx[i] = v < -3 ? 0 : v >= 3 ? g[i] : g[i] * (v / 3 + 0.5);
  }
}

/** Hardsigmoid: `min(max(x + 3, 0), 6) / 6`. */
export function hardsigmoidForward(x: TypedArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const r = x[i] + 3;
    out[i] = (r < 0 ? 0 : r > 6 ? 6 : r) / 6;
  }
}

/**
 * Hardsigmoid's gradient: `g/6` strictly inside `(−3, 3)`, 0 at ±3, beyond them and for NaN
 * (PyTorch's `x > −3 && x < 3` test). PyTorch 1.13 multiplies by the float32 constant `1.0f/6`
 * even in float64; this uses the exact 1/6 (they differ by 3e-8 relative).
 */
export function hardsigmoidBackward(g: FloatArray, x: TypedArray, gx: FloatArray): void {
  for (let i = 0; i < gx.length; i++) {
    const v = x[i];
    gx[i] = v > -3 && v < 3 ? g[i] / 6 : 0;
  }
}
