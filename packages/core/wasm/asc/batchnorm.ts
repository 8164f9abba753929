// Batch normalisation kernels (AssemblyScript, SIMD), with the contracts of the reference loops in
// src/kernels/batchnorm.ts; imported by kernels.ts, whose runChunk runs them. The input is
// `[n, c, s]` f32 (one channel of one sample is a contiguous run of s floats); a chunk owns whole
// channels, so every per-channel sum is taken by one thread in one fixed order: results do not
// depend on the thread count. Sums accumulate in f64 (pairs of lanes), the elementwise passes run
// in f32. Per-channel vectors (`stats`, `sums`) are f64 `[2, c]` at 8-aligned addresses.

/** Lanes 0, 1 of an f32x4 as f64x2. */
@inline
function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of an f32x4 as f64x2. */
@inline
function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** The sum of an f64x2's lanes. */
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Channels `ch0 ≤ ch < ch1` of the forward pass: in training, first the batch mean, biased variance
 * and `invstd = 1 / √(variance + eps)` into `stats` (at `ch`, `2c + ch`, `c + ch`), from the
 * sums of `x − k` and `(x − k)²` with `k` the channel's first value (as the reference); in eval,
 * `stats` holds the running ones already. Then `out = (x − mean) · (w · invstd) + b` (`w`, `b`: f32
 * `[c]`, or 0 for 1 and 0). `eps` is read as the f64 at `params`.
 */
export function batchNormForwardChannels(
  ch0: i32, ch1: i32, x: usize, out: usize, n: i32, c: i32, s: i32, stats: usize, w: usize, b: usize, params: usize, training: bool,
): void {
  const m = <f64>n * <f64>s;
  for (let ch = ch0; ch < ch1; ch++) {
    if (training) {
      const k = <f64>load<f32>(x + ((<usize>ch * <usize>s) << 2));
      const kv = f64x2.splat(k);
      let s1 = f64x2.splat(0);
      let s2 = f64x2.splat(0);
      let t1: f64 = 0;
      let t2: f64 = 0;
      for (let i = 0; i < n; i++) {
        const row = x + ((<usize>(i * c + ch) * <usize>s) << 2);
        let j = 0;
        for (; j + 3 < s; j += 4) {
          const v = v128.load(row + (<usize>j << 2));
          const a = f64x2.sub(lo64(v), kv);
          const d = f64x2.sub(hi64(v), kv);
          s1 = f64x2.add(s1, f64x2.add(a, d));
          s2 = f64x2.add(s2, f64x2.add(f64x2.mul(a, a), f64x2.mul(d, d)));
        }
        for (; j < s; j++) {
          const d = <f64>load<f32>(row + (<usize>j << 2)) - k;
          t1 += d;
          t2 += d * d;
        }
      }
      const dm = (hsum(s1) + t1) / m;
      const variance = max((hsum(s2) + t2) / m - dm * dm, 0);
      store<f64>(stats + (<usize>ch << 3), k + dm);
      store<f64>(stats + (<usize>(c + ch) << 3), 1 / Math.sqrt(variance + load<f64>(params)));
      store<f64>(stats + (<usize>(2 * c + ch) << 3), variance);
    }
    const mean = <f32>load<f64>(stats + (<usize>ch << 3));
    const scale = <f32>((w == 0 ? 1 : <f64>load<f32>(w + (<usize>ch << 2))) * load<f64>(stats + (<usize>(c + ch) << 3)));
    const shift = b == 0 ? <f32>0 : load<f32>(b + (<usize>ch << 2));
    const mv = f32x4.splat(mean);
    const av = f32x4.splat(scale);
    const bv = f32x4.splat(shift);
    for (let i = 0; i < n; i++) {
      const at = (<usize>(i * c + ch) * <usize>s) << 2;
      const src = x + at;
      const dst = out + at;
      let j = 0;
      for (; j + 3 < s; j += 4) {
        const o = <usize>j << 2;
        v128.store(dst + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + o), mv), av), bv));
      }
      for (; j < s; j++) {
        const o = <usize>j << 2;
        store<f32>(dst + o, (load<f32>(src + o) - mean) * scale + shift);
      }
    }
  }
}

/**
 * Channels `ch0 ≤ ch < ch1` of the backward pass, given `stats` (mean, invstd) from the forward:
 * `sums` receives `Σ g` at `ch` and `Σ g·(x − mean)` at `c + ch`; if `gx` is non-zero it receives
 * the input gradient `gx = k·g + p·(x − mean) + q` with `k = w·invstd` and, in training,
 * `p = −k·invstd²·Σg(x − mean)/m`, `q = −k·Σg/m` (0 in eval), as the reference.
 */
export function batchNormBackwardChannels(
  ch0: i32, ch1: i32, g: usize, x: usize, gx: usize, n: i32, c: i32, s: i32, stats: usize, w: usize, sums: usize, training: bool,
): void {
  const m = <f64>n * <f64>s;
  for (let ch = ch0; ch < ch1; ch++) {
    const mu = load<f64>(stats + (<usize>ch << 3));
    const invstd = load<f64>(stats + (<usize>(c + ch) << 3));
    const muv = f64x2.splat(mu);
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let t1: f64 = 0;
    let t2: f64 = 0;
    for (let i = 0; i < n; i++) {
      const at = (<usize>(i * c + ch) * <usize>s) << 2;
      const gr = g + at;
      const xr = x + at;
      let j = 0;
      for (; j + 3 < s; j += 4) {
        const o = <usize>j << 2;
        const gv = v128.load(gr + o);
        const xv = v128.load(xr + o);
        const ga = lo64(gv);
        const gb = hi64(gv);
        s1 = f64x2.add(s1, f64x2.add(ga, gb));
        s2 = f64x2.add(s2, f64x2.add(f64x2.mul(ga, f64x2.sub(lo64(xv), muv)), f64x2.mul(gb, f64x2.sub(hi64(xv), muv))));
      }
      for (; j < s; j++) {
        const o = <usize>j << 2;
        const gj = <f64>load<f32>(gr + o);
        t1 += gj;
        t2 += gj * (<f64>load<f32>(xr + o) - mu);
      }
    }
    const sg = hsum(s1) + t1;
    const sgc = hsum(s2) + t2;
    store<f64>(sums + (<usize>ch << 3), sg);
    store<f64>(sums + (<usize>(c + ch) << 3), sgc);
    if (gx == 0) continue;
    const k = (w == 0 ? 1 : <f64>load<f32>(w + (<usize>ch << 2))) * invstd;
    const p = training ? (-k * invstd * invstd * sgc) / m : 0;
    const q = training ? (-k * sg) / m : 0;
    const mean = <f32>mu;
    const kv = f32x4.splat(<f32>k);
    const pv = f32x4.splat(<f32>p);
    const qv = f32x4.splat(<f32>q);
    const mv = f32x4.splat(mean);
    for (let i = 0; i < n; i++) {
      const at = (<usize>(i * c + ch) * <usize>s) << 2;
      const gr = g + at;
      const xr = x + at;
      const dst = gx + at;
      let j = 0;
      for (; j + 3 < s; j += 4) {
        const o = <usize>j << 2;
        const t = f32x4.add(f32x4.mul(v128.load(gr + o), kv), f32x4.mul(f32x4.sub(v128.load(xr + o), mv), pv));
        v128.store(dst + o, f32x4.add(t, qv));
      }
      for (; j < s; j++) {
        const o = <usize>j << 2;
        store<f32>(dst + o, load<f32>(gr + o) * <f32>k + (load<f32>(xr + o) - mean) * <f32>p + <f32>q);
      }
    }
  }
}
