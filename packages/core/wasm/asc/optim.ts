// Optimizer update kernels (AssemblyScript, SIMD), bit-identical to the reference loops in
// src/kernels/optim.ts; imported by kernels.ts, whose runChunk runs them over a range of elements.
//
// The reference computes in f64 and stores f32. IEEE f64 +, ×, / and √ are correctly rounded in JS
// and in WebAssembly alike, so these loops load the f32 inputs two at a time as f64x2, perform the same
// operations in the same order and association (never a fused multiply-add), demote wherever the
// reference stores into a Float32Array, and use the demoted value wherever it reads that element
// back. The per-step constants are f64s the JS side computed, read from `params`. Each element's
// result depends on that element alone, so chunking and threads cannot change it.

/** The two f32 at `p` as f64x2 (a 64-bit load: no shuffle, unlike promoting the top of an f32x4). */
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * Rounds an f64x2 to f32 (each lane as a JS store into a Float32Array would), stores the pair at
 * `p` and returns the stored values as f64x2, for the reads back the reference makes.
 */
@inline
function store2(p: usize, v: v128): v128 {
  const r = f32x4.demote_f64x2_zero(v);
  v128.store64_lane(p, r, 0);
  return f64x2.promote_low_f32x4(r);
}

/** One pair of SGD with momentum at byte offset `o`; see sgdMomentumRange. */
@inline
function sgdPair(x: usize, g: usize, buf: usize, o: usize, lr: v128, momentum: v128, keep: v128): void {
  const b = store2(buf + o, f64x2.add(f64x2.mul(momentum, load2(buf + o)), f64x2.mul(keep, load2(g + o))));
  store2(x + o, f64x2.sub(load2(x + o), f64x2.mul(lr, b)));
}

/**
 * Elements `i0 ≤ i < i1` of SGD with momentum: `buf = f32(μ·buf + keep·g)`, then
 * `x = f32(x − γ·buf)` with the stored buf. `params`: f64 `[γ, μ, keep]`. `i0` is a multiple of 4.
 */
export function sgdMomentumRange(x: usize, g: usize, buf: usize, params: usize, i0: i32, i1: i32): void {
  const lr = load<f64>(params);
  const momentum = load<f64>(params, 8);
  const keep = load<f64>(params, 16);
  const lrv = f64x2.splat(lr);
  const mv = f64x2.splat(momentum);
  const kv = f64x2.splat(keep);
  let i = i0;
  for (; i + 3 < i1; i += 4) {
    const o = <usize>i << 2;
    sgdPair(x, g, buf, o, lrv, mv, kv);
    sgdPair(x, g, buf, o + 8, lrv, mv, kv);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const b = <f32>(momentum * <f64>load<f32>(buf + o) + keep * <f64>load<f32>(g + o));
    store<f32>(buf + o, b);
    store<f32>(x + o, <f32>(<f64>load<f32>(x + o) - lr * <f64>b));
  }
}

/** One pair of an Adam step at byte offset `o`; see adamRange (`k`: the params, splat). */
@inline
function adamPair(
  x: usize, g: usize, m: usize, v: usize, o: usize, decoupled: bool, l2: bool,
  b1: v128, b2: v128, c1: v128, c2: v128, eps: v128, wd: v128, shrink: v128, stepSize: v128, bc2: v128,
): void {
  let xv = load2(x + o);
  let gv = load2(g + o);
  if (decoupled) xv = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.mul(xv, shrink)));
  else if (l2) gv = f64x2.add(gv, f64x2.mul(wd, xv));
  const mn = store2(m + o, f64x2.add(f64x2.mul(b1, load2(m + o)), f64x2.mul(c1, gv)));
  const vn = store2(v + o, f64x2.add(f64x2.mul(b2, load2(v + o)), f64x2.mul(f64x2.mul(c2, gv), gv)));
  const denom = f64x2.add(f64x2.div(f64x2.sqrt(vn), bc2), eps);
  store2(x + o, f64x2.sub(xv, f64x2.mul(stepSize, f64x2.div(mn, denom))));
}

/**
 * Elements `i0 ≤ i < i1` of an Adam/AdamW step (no AMSGrad, no maximize):
 * `x = f32(x·shrink)` if `decoupled`, else `g = g + λ·x` if `l2`; `m = f32(β₁·m + c₁·g)`;
 * `v = f32(β₂·v + (c₂·g)·g)`; `x = f32(x − stepSize·(m / (√v / bc₂ + ε)))` with the stored x, m, v.
 * `params`: f64 `[β₁, β₂, c₁, c₂, ε, λ, shrink, stepSize, bc₂]`. `i0` is a multiple of 4.
 */
export function adamRange(x: usize, g: usize, m: usize, v: usize, params: usize, decoupled: bool, l2: bool, i0: i32, i1: i32): void {
  const beta1 = load<f64>(params);
  const beta2 = load<f64>(params, 8);
  const c1 = load<f64>(params, 16);
  const c2 = load<f64>(params, 24);
  const eps = load<f64>(params, 32);
  const wd = load<f64>(params, 40);
  const shrink = load<f64>(params, 48);
  const stepSize = load<f64>(params, 56);
  const bc2 = load<f64>(params, 64);
  const b1v = f64x2.splat(beta1);
  const b2v = f64x2.splat(beta2);
  const c1v = f64x2.splat(c1);
  const c2v = f64x2.splat(c2);
  const epsv = f64x2.splat(eps);
  const wdv = f64x2.splat(wd);
  const shv = f64x2.splat(shrink);
  const sv = f64x2.splat(stepSize);
  const bcv = f64x2.splat(bc2);
  let i = i0;
  // Two pairs an iteration: their √ and ÷ (the divider is the bottleneck) overlap.
  for (; i + 3 < i1; i += 4) {
    const o = <usize>i << 2;
    adamPair(x, g, m, v, o, decoupled, l2, b1v, b2v, c1v, c2v, epsv, wdv, shv, sv, bcv);
    adamPair(x, g, m, v, o + 8, decoupled, l2, b1v, b2v, c1v, c2v, epsv, wdv, shv, sv, bcv);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    let xi = <f64>load<f32>(x + o);
    let gi = <f64>load<f32>(g + o);
    if (decoupled) xi = <f64><f32>(xi * shrink);
    else if (l2) gi += wd * xi;
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + c1 * gi);
    const vi = <f32>(beta2 * <f64>load<f32>(v + o) + c2 * gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(x + o, <f32>(xi - stepSize * (<f64>mi / (Math.sqrt(<f64>vi) / bc2 + eps))));
  }
}
