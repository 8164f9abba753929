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
  if (s == 1) ch0 = forwardAcross(ch0, ch1, x, out, n, c, stats, w, b, params, training);
  else if (s == 4) ch0 = forwardQuads(ch0, ch1, x, out, n, c, stats, w, b, params, training);
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
  if (s == 1) ch0 = backwardAcross(ch0, ch1, g, x, gx, n, c, stats, w, sums, training);
  else if (s == 4) ch0 = backwardQuads(ch0, ch1, g, x, gx, n, c, stats, w, sums, training);
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

// One value a channel and sample (s = 1: a 1×1 map, or BatchNorm1d): channel by channel, each
// sample's value lies a whole row of c floats from the last, so the loops above read one cache line
// per element (ResNet-18's [32, 512, 1, 1]: 5.4 ns an element forward, 9.3 backward, against 0.5–0.8
// on bigger maps). Four neighbouring channels are one f32x4 of a row: the functions below take
// channels four at a time, each lane one channel, and do per lane exactly the scalar loops'
// operations in their order (the sums over samples in f64, the elementwise pass in f32), so the
// results are the same bits. They return the first channel they left (fewer than four remain).

/** `w · invstd` for two of four channels (lanes 2, 3 of `w`'s f32x4 when `high`), or `invstd` without a weight. */
@inline
function timesWeight(w: usize, col: usize, inv: v128, high: bool): v128 {
  if (w == 0) return inv;
  const wv = v128.load(w + col);
  return f64x2.mul(high ? hi64(wv) : lo64(wv), inv);
}

/** Two f64x2 (lanes 0, 1 and 2, 3 of four channels) as one f32x4. */
@inline
function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** `batchNormForwardChannels` for s = 1, channels `ch0` on in blocks of four; returns where it stopped. */
function forwardAcross(ch0: i32, ch1: i32, x: usize, out: usize, n: i32, c: i32, stats: usize, w: usize, b: usize, params: usize, training: bool): i32 {
  const m = <f64>n;
  const row = <usize>c << 2;
  let ch = ch0;
  for (; ch + 3 < ch1; ch += 4) {
    const col = <usize>ch << 2;
    if (training) {
      const k = v128.load(x + col);
      const k0 = lo64(k);
      const k1 = hi64(k);
      let a1 = f64x2.splat(0);
      let b1 = f64x2.splat(0);
      let a2 = f64x2.splat(0);
      let b2 = f64x2.splat(0);
      for (let i = 0; i < n; i++) {
        const v = v128.load(x + <usize>i * row + col);
        const d0 = f64x2.sub(lo64(v), k0);
        const d1 = f64x2.sub(hi64(v), k1);
        a1 = f64x2.add(a1, d0);
        b1 = f64x2.add(b1, d1);
        a2 = f64x2.add(a2, f64x2.mul(d0, d0));
        b2 = f64x2.add(b2, f64x2.mul(d1, d1));
      }
      const eps = f64x2.splat(load<f64>(params));
      const mv = f64x2.splat(m);
      const zero = f64x2.splat(0);
      const one = f64x2.splat(1);
      // As the scalar loop: dm = (0 + t1) / m, variance = max(t2 / m − dm², 0).
      const dm0 = f64x2.div(f64x2.add(zero, a1), mv);
      const dm1 = f64x2.div(f64x2.add(zero, b1), mv);
      const var0 = f64x2.max(f64x2.sub(f64x2.div(f64x2.add(zero, a2), mv), f64x2.mul(dm0, dm0)), zero);
      const var1 = f64x2.max(f64x2.sub(f64x2.div(f64x2.add(zero, b2), mv), f64x2.mul(dm1, dm1)), zero);
      v128.store(stats + (<usize>ch << 3), f64x2.add(k0, dm0));
      v128.store(stats + (<usize>ch << 3) + 16, f64x2.add(k1, dm1));
      v128.store(stats + (<usize>(c + ch) << 3), f64x2.div(one, f64x2.sqrt(f64x2.add(var0, eps))));
      v128.store(stats + (<usize>(c + ch) << 3) + 16, f64x2.div(one, f64x2.sqrt(f64x2.add(var1, eps))));
      v128.store(stats + (<usize>(2 * c + ch) << 3), var0);
      v128.store(stats + (<usize>(2 * c + ch) << 3) + 16, var1);
    }
    const meanv = demote4(v128.load(stats + (<usize>ch << 3)), v128.load(stats + (<usize>ch << 3) + 16));
    const scale = demote4(
      timesWeight(w, col, v128.load(stats + (<usize>(c + ch) << 3)), false),
      timesWeight(w, col, v128.load(stats + (<usize>(c + ch) << 3) + 16), true),
    );
    const shift = b == 0 ? f32x4.splat(0) : v128.load(b + col);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      v128.store(out + at, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + at), meanv), scale), shift));
    }
  }
  return ch;
}

/** `batchNormBackwardChannels` for s = 1, channels `ch0` on in blocks of four; returns where it stopped. */
function backwardAcross(ch0: i32, ch1: i32, g: usize, x: usize, gx: usize, n: i32, c: i32, stats: usize, w: usize, sums: usize, training: bool): i32 {
  const m = f64x2.splat(<f64>n);
  const row = <usize>c << 2;
  let ch = ch0;
  for (; ch + 3 < ch1; ch += 4) {
    const col = <usize>ch << 2;
    const mu0 = v128.load(stats + (<usize>ch << 3));
    const mu1 = v128.load(stats + (<usize>ch << 3) + 16);
    let a1 = f64x2.splat(0);
    let b1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let b2 = f64x2.splat(0);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      const gv = v128.load(g + at);
      const xv = v128.load(x + at);
      const g0 = lo64(gv);
      const g1 = hi64(gv);
      a1 = f64x2.add(a1, g0);
      b1 = f64x2.add(b1, g1);
      a2 = f64x2.add(a2, f64x2.mul(g0, f64x2.sub(lo64(xv), mu0)));
      b2 = f64x2.add(b2, f64x2.mul(g1, f64x2.sub(hi64(xv), mu1)));
    }
    // As the scalar loop: the sums are 0 + t.
    const zero = f64x2.splat(0);
    const sg0 = f64x2.add(zero, a1);
    const sg1 = f64x2.add(zero, b1);
    const sgc0 = f64x2.add(zero, a2);
    const sgc1 = f64x2.add(zero, b2);
    v128.store(sums + (<usize>ch << 3), sg0);
    v128.store(sums + (<usize>ch << 3) + 16, sg1);
    v128.store(sums + (<usize>(c + ch) << 3), sgc0);
    v128.store(sums + (<usize>(c + ch) << 3) + 16, sgc1);
    if (gx == 0) continue;
    const inv0 = v128.load(stats + (<usize>(c + ch) << 3));
    const inv1 = v128.load(stats + (<usize>(c + ch) << 3) + 16);
    const k0 = timesWeight(w, col, inv0, false);
    const k1 = timesWeight(w, col, inv1, true);
    let p0 = zero;
    let p1 = zero;
    let q0 = zero;
    let q1 = zero;
    if (training) {
      // p = (−k·invstd·invstd·Σg(x − μ)) / m, q = (−k·Σg) / m, in that order.
      p0 = f64x2.div(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.neg(k0), inv0), inv0), sgc0), m);
      p1 = f64x2.div(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.neg(k1), inv1), inv1), sgc1), m);
      q0 = f64x2.div(f64x2.mul(f64x2.neg(k0), sg0), m);
      q1 = f64x2.div(f64x2.mul(f64x2.neg(k1), sg1), m);
    }
    const kv = demote4(k0, k1);
    const pv = demote4(p0, p1);
    const qv = demote4(q0, q1);
    const mv = demote4(mu0, mu1);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      const t = f32x4.add(f32x4.mul(v128.load(g + at), kv), f32x4.mul(f32x4.sub(v128.load(x + at), mv), pv));
      v128.store(gx + at, f32x4.add(t, qv));
    }
  }
  return ch;
}

// Four values a channel and sample (s = 4: a 2×2 map): a row is one f32x4, and a channel's rows lie
// 16·c bytes apart, so the per-channel loops above again read a cache line per row (ResNet-18's
// [32, 256, 2, 2]: 2.4 ns an element forward, 3.8 backward). The functions below take four channels
// at a time, sample by sample (their four rows are one 64-byte run), each channel with its own
// accumulators doing the loops' operations in their order: the same bits. The four channels are
// written out by hand: a helper cannot hand back two updated accumulators in AssemblyScript, and
// keeping them in memory would cost what the loop saves.

/** The forward statistics of channel `ch` from its sums (as the scalar loop: the tail sums are 0). */
@inline
function storeStats(ch: i32, c: i32, k: f64, s1: v128, s2: v128, m: f64, stats: usize, params: usize): void {
  const dm = (hsum(s1) + 0) / m;
  const variance = max((hsum(s2) + 0) / m - dm * dm, 0);
  store<f64>(stats + (<usize>ch << 3), k + dm);
  store<f64>(stats + (<usize>(c + ch) << 3), 1 / Math.sqrt(variance + load<f64>(params)));
  store<f64>(stats + (<usize>(2 * c + ch) << 3), variance);
}

/** Channel `ch`'s `mean` (f32, as the scalar loop rounds it). */
@inline
function meanOf(ch: i32, stats: usize): v128 {
  return f32x4.splat(<f32>load<f64>(stats + (<usize>ch << 3)));
}

/** Channel `ch`'s `w · invstd` (f32, as the scalar loop rounds it). */
@inline
function scaleOf(ch: i32, c: i32, stats: usize, w: usize): v128 {
  return f32x4.splat(<f32>((w == 0 ? 1 : <f64>load<f32>(w + (<usize>ch << 2))) * load<f64>(stats + (<usize>(c + ch) << 3))));
}

/** Channel `ch`'s shift. */
@inline
function shiftOf(ch: i32, b: usize): v128 {
  return f32x4.splat(b == 0 ? <f32>0 : load<f32>(b + (<usize>ch << 2)));
}

/** One channel's row of four: `(x − mean)·scale + shift` at `at` (byte offset of both x and out). */
@inline
function normalizeRow(x: usize, out: usize, at: usize, mean: v128, scale: v128, shift: v128): void {
  v128.store(out + at, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + at), mean), scale), shift));
}

/** `batchNormForwardChannels` for s = 4, channels `ch0` on in blocks of four; returns where it stopped. */
function forwardQuads(ch0: i32, ch1: i32, x: usize, out: usize, n: i32, c: i32, stats: usize, w: usize, b: usize, params: usize, training: bool): i32 {
  const m = <f64>n * 4;
  const row = <usize>c << 4; // a sample: c channels of 4 floats
  let ch = ch0;
  for (; ch + 3 < ch1; ch += 4) {
    const col = <usize>ch << 4;
    if (training) {
      const k0 = <f64>load<f32>(x + col), k1 = <f64>load<f32>(x + col + 16);
      const k2 = <f64>load<f32>(x + col + 32), k3 = <f64>load<f32>(x + col + 48);
      const kv0 = f64x2.splat(k0), kv1 = f64x2.splat(k1), kv2 = f64x2.splat(k2), kv3 = f64x2.splat(k3);
      let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s22 = f64x2.splat(0), s23 = f64x2.splat(0);
      for (let i = 0; i < n; i++) {
        const at = x + <usize>i * row + col;
        let v = v128.load(at);
        let a = f64x2.sub(lo64(v), kv0);
        let d = f64x2.sub(hi64(v), kv0);
        s10 = f64x2.add(s10, f64x2.add(a, d));
        s20 = f64x2.add(s20, f64x2.add(f64x2.mul(a, a), f64x2.mul(d, d)));
        v = v128.load(at + 16);
        a = f64x2.sub(lo64(v), kv1);
        d = f64x2.sub(hi64(v), kv1);
        s11 = f64x2.add(s11, f64x2.add(a, d));
        s21 = f64x2.add(s21, f64x2.add(f64x2.mul(a, a), f64x2.mul(d, d)));
        v = v128.load(at + 32);
        a = f64x2.sub(lo64(v), kv2);
        d = f64x2.sub(hi64(v), kv2);
        s12 = f64x2.add(s12, f64x2.add(a, d));
        s22 = f64x2.add(s22, f64x2.add(f64x2.mul(a, a), f64x2.mul(d, d)));
        v = v128.load(at + 48);
        a = f64x2.sub(lo64(v), kv3);
        d = f64x2.sub(hi64(v), kv3);
        s13 = f64x2.add(s13, f64x2.add(a, d));
        s23 = f64x2.add(s23, f64x2.add(f64x2.mul(a, a), f64x2.mul(d, d)));
      }
      storeStats(ch, c, k0, s10, s20, m, stats, params);
      storeStats(ch + 1, c, k1, s11, s21, m, stats, params);
      storeStats(ch + 2, c, k2, s12, s22, m, stats, params);
      storeStats(ch + 3, c, k3, s13, s23, m, stats, params);
    }
    const m0 = meanOf(ch, stats), m1 = meanOf(ch + 1, stats), m2 = meanOf(ch + 2, stats), m3 = meanOf(ch + 3, stats);
    const a0 = scaleOf(ch, c, stats, w), a1 = scaleOf(ch + 1, c, stats, w), a2 = scaleOf(ch + 2, c, stats, w), a3 = scaleOf(ch + 3, c, stats, w);
    const b0 = shiftOf(ch, b), b1 = shiftOf(ch + 1, b), b2 = shiftOf(ch + 2, b), b3 = shiftOf(ch + 3, b);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      normalizeRow(x, out, at, m0, a0, b0);
      normalizeRow(x, out, at + 16, m1, a1, b1);
      normalizeRow(x, out, at + 32, m2, a2, b2);
      normalizeRow(x, out, at + 48, m3, a3, b3);
    }
  }
  return ch;
}

/** One channel's row of four of the input gradient: `g·k + (x − mean)·p + q` at `at`. */
@inline
function gradRow(g: usize, x: usize, gx: usize, at: usize, k: v128, mean: v128, p: v128, q: v128): void {
  v128.store(gx + at, f32x4.add(f32x4.add(f32x4.mul(v128.load(g + at), k), f32x4.mul(f32x4.sub(v128.load(x + at), mean), p)), q));
}

/** `batchNormBackwardChannels` for s = 4, channels `ch0` on in blocks of four; returns where it stopped. */
function backwardQuads(ch0: i32, ch1: i32, g: usize, x: usize, gx: usize, n: i32, c: i32, stats: usize, w: usize, sums: usize, training: bool): i32 {
  const m = <f64>n * 4;
  const row = <usize>c << 4;
  let ch = ch0;
  for (; ch + 3 < ch1; ch += 4) {
    const col = <usize>ch << 4;
    const mu0 = f64x2.splat(load<f64>(stats + (<usize>ch << 3))), mu1 = f64x2.splat(load<f64>(stats + (<usize>(ch + 1) << 3)));
    const mu2 = f64x2.splat(load<f64>(stats + (<usize>(ch + 2) << 3))), mu3 = f64x2.splat(load<f64>(stats + (<usize>(ch + 3) << 3)));
    let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
    let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s22 = f64x2.splat(0), s23 = f64x2.splat(0);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      let gv = v128.load(g + at), xv = v128.load(x + at);
      let ga = lo64(gv), gb = hi64(gv);
      s10 = f64x2.add(s10, f64x2.add(ga, gb));
      s20 = f64x2.add(s20, f64x2.add(f64x2.mul(ga, f64x2.sub(lo64(xv), mu0)), f64x2.mul(gb, f64x2.sub(hi64(xv), mu0))));
      gv = v128.load(g + at + 16); xv = v128.load(x + at + 16);
      ga = lo64(gv); gb = hi64(gv);
      s11 = f64x2.add(s11, f64x2.add(ga, gb));
      s21 = f64x2.add(s21, f64x2.add(f64x2.mul(ga, f64x2.sub(lo64(xv), mu1)), f64x2.mul(gb, f64x2.sub(hi64(xv), mu1))));
      gv = v128.load(g + at + 32); xv = v128.load(x + at + 32);
      ga = lo64(gv); gb = hi64(gv);
      s12 = f64x2.add(s12, f64x2.add(ga, gb));
      s22 = f64x2.add(s22, f64x2.add(f64x2.mul(ga, f64x2.sub(lo64(xv), mu2)), f64x2.mul(gb, f64x2.sub(hi64(xv), mu2))));
      gv = v128.load(g + at + 48); xv = v128.load(x + at + 48);
      ga = lo64(gv); gb = hi64(gv);
      s13 = f64x2.add(s13, f64x2.add(ga, gb));
      s23 = f64x2.add(s23, f64x2.add(f64x2.mul(ga, f64x2.sub(lo64(xv), mu3)), f64x2.mul(gb, f64x2.sub(hi64(xv), mu3))));
    }
    // As the scalar loop: each sum is hsum + 0 (no tail).
    const sg0 = hsum(s10) + 0, sg1 = hsum(s11) + 0, sg2 = hsum(s12) + 0, sg3 = hsum(s13) + 0;
    const sc0 = hsum(s20) + 0, sc1 = hsum(s21) + 0, sc2 = hsum(s22) + 0, sc3 = hsum(s23) + 0;
    store<f64>(sums + (<usize>ch << 3), sg0);
    store<f64>(sums + (<usize>(ch + 1) << 3), sg1);
    store<f64>(sums + (<usize>(ch + 2) << 3), sg2);
    store<f64>(sums + (<usize>(ch + 3) << 3), sg3);
    store<f64>(sums + (<usize>(c + ch) << 3), sc0);
    store<f64>(sums + (<usize>(c + ch + 1) << 3), sc1);
    store<f64>(sums + (<usize>(c + ch + 2) << 3), sc2);
    store<f64>(sums + (<usize>(c + ch + 3) << 3), sc3);
    if (gx == 0) continue;
    const i0 = load<f64>(stats + (<usize>(c + ch) << 3)), i1 = load<f64>(stats + (<usize>(c + ch + 1) << 3));
    const i2 = load<f64>(stats + (<usize>(c + ch + 2) << 3)), i3 = load<f64>(stats + (<usize>(c + ch + 3) << 3));
    const kk0 = (w == 0 ? 1 : <f64>load<f32>(w + (<usize>ch << 2))) * i0;
    const kk1 = (w == 0 ? 1 : <f64>load<f32>(w + (<usize>(ch + 1) << 2))) * i1;
    const kk2 = (w == 0 ? 1 : <f64>load<f32>(w + (<usize>(ch + 2) << 2))) * i2;
    const kk3 = (w == 0 ? 1 : <f64>load<f32>(w + (<usize>(ch + 3) << 2))) * i3;
    const p0 = training ? (-kk0 * i0 * i0 * sc0) / m : 0, p1 = training ? (-kk1 * i1 * i1 * sc1) / m : 0;
    const p2 = training ? (-kk2 * i2 * i2 * sc2) / m : 0, p3 = training ? (-kk3 * i3 * i3 * sc3) / m : 0;
    const q0 = training ? (-kk0 * sg0) / m : 0, q1 = training ? (-kk1 * sg1) / m : 0;
    const q2 = training ? (-kk2 * sg2) / m : 0, q3 = training ? (-kk3 * sg3) / m : 0;
    const kv0 = f32x4.splat(<f32>kk0), kv1 = f32x4.splat(<f32>kk1), kv2 = f32x4.splat(<f32>kk2), kv3 = f32x4.splat(<f32>kk3);
    const pv0 = f32x4.splat(<f32>p0), pv1 = f32x4.splat(<f32>p1), pv2 = f32x4.splat(<f32>p2), pv3 = f32x4.splat(<f32>p3);
    const qv0 = f32x4.splat(<f32>q0), qv1 = f32x4.splat(<f32>q1), qv2 = f32x4.splat(<f32>q2), qv3 = f32x4.splat(<f32>q3);
    const mv0 = meanOf(ch, stats), mv1 = meanOf(ch + 1, stats), mv2 = meanOf(ch + 2, stats), mv3 = meanOf(ch + 3, stats);
    for (let i = 0; i < n; i++) {
      const at = <usize>i * row + col;
      gradRow(g, x, gx, at, kv0, mv0, pv0, qv0);
      gradRow(g, x, gx, at + 16, kv1, mv1, pv1, qv1);
      gradRow(g, x, gx, at + 32, kv2, mv2, pv2, qv2);
      gradRow(g, x, gx, at + 48, kv3, mv3, pv3, qv3);
    }
  }
  return ch;
}
