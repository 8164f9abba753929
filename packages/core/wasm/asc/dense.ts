// The dense convolution's two gathers (AssemblyScript), for src/kernels/wasm/conv-dense.ts; imported
// by kernels.ts, whose runChunk runs them over a range of output channels. D is the convolution as
// one matrix `[O·L, C·HW]` (L output positions, HW input positions); `taps` is i32 `[L, HW]`: the
// tap `i·kW + j` through which output position p reads input position q, or −1. Each output
// channel's rows are written (or summed) by one thread in a fixed order: results do not depend on
// the thread count.

/**
 * Rows `o0·L ≤ row < o1·L` of D from the weight `w` (f32 `[O, C, kk]`). Where HW is a multiple of
 * 4, four input positions a SIMD store: their taps are one i32x4 of the table, the four weights
 * loaded by lane (a tap of −1 reads tap 0, then masked to 0). On 2×2 maps (ResNet-18's 256→256
 * layers, D 1.05 M elements) one element went from about 1.3 ns to 0.7; 1×1 maps (HW = 1) are
 * bound by reading the weight and keep the scalar loop.
 */
export function denseWriteRows(w: usize, taps: usize, d: usize, o0: i32, o1: i32, C: i32, kk: i32, L: i32, HW: i32): void {
  let at = d + ((<usize>o0 * <usize>L * <usize>C * <usize>HW) << 2);
  const simd = (HW & 3) == 0;
  for (let o = o0; o < o1; o++) {
    for (let p = 0; p < L; p++) {
      const tp = taps + (<usize>(p * HW) << 2);
      let wc = w + ((<usize>o * <usize>C * <usize>kk) << 2);
      if (simd) {
        for (let c = 0; c < C; c++) {
          for (let q = 0; q < HW; q += 4) {
            const t = v128.load(tp + (<usize>q << 2));
            const on = i32x4.ge_s(t, i32x4.splat(0));
            const i = i32x4.max_s(t, i32x4.splat(0));
            let v = f32x4.splat(load<f32>(wc + (<usize>i32x4.extract_lane(i, 0) << 2)));
            v = f32x4.replace_lane(v, 1, load<f32>(wc + (<usize>i32x4.extract_lane(i, 1) << 2)));
            v = f32x4.replace_lane(v, 2, load<f32>(wc + (<usize>i32x4.extract_lane(i, 2) << 2)));
            v = f32x4.replace_lane(v, 3, load<f32>(wc + (<usize>i32x4.extract_lane(i, 3) << 2)));
            v128.store(at, v128.and(v, on));
            at += 16;
          }
          wc += <usize>kk << 2;
        }
        continue;
      }
      for (let c = 0; c < C; c++) {
        for (let q = 0; q < HW; q++) {
          const t = load<i32>(tp + (<usize>q << 2));
          store<f32>(at, t < 0 ? <f32>0 : load<f32>(wc + (<usize>t << 2)));
          at += 4;
        }
        wc += <usize>kk << 2;
      }
    }
  }
}

/**
 * Output channels `o0 ≤ o < o1` of the weight gradient from D's gradient in tap-friendly order,
 * `gd[p·O + o, q·C + c]` (f32 `[L·O, HW·C]`, from the transposed operands, so that one pair (p, q)
 * reads a contiguous run over c): `gw[o, c, t] = Σ gd[p·O + o, q·C + c]` over the pairs (p, q) that
 * tap t joins, in their order in `pairs` (by p, then q), four channels per SIMD step, summed in f32;
 * taps that join no pair (off the map for every output) get 0. `pairs` is i32: the number U of taps
 * with pairs, U of (tap, end of its pairs), then each pair's offset `p·O·HW·C + q·C`.
 */
export function denseSumTapsRows(gd: usize, pairs: usize, gw: usize, o0: i32, o1: i32, C: i32, kk: i32, HW: i32): void {
  const used = load<i32>(pairs);
  const offsets = pairs + ((<usize>(1 + 2 * used)) << 2);
  const rowFloats = <usize>C * <usize>kk;
  const kk4 = <usize>kk << 2;
  memory.fill(gw + ((<usize>o0 * rowFloats) << 2), 0, (<usize>(o1 - o0) * rowFloats) << 2);
  for (let o = o0; o < o1; o++) {
    const base = gd + ((<usize>o * <usize>HW * <usize>C) << 2);
    const out = gw + ((<usize>o * rowFloats) << 2);
    let k0 = 0;
    for (let u = 0; u < used; u++) {
      const t = load<i32>(pairs + (<usize>(1 + 2 * u) << 2));
      const end = load<i32>(pairs + (<usize>(2 + 2 * u) << 2));
      let c = 0;
      for (; c + 3 < C; c += 4) {
        let acc = f32x4.splat(0);
        for (let k = k0; k < end; k++) {
          acc = f32x4.add(acc, v128.load(base + ((<usize>load<i32>(offsets + (<usize>k << 2)) + <usize>c) << 2)));
        }
        const cell = out + (<usize>c * kk4) + (<usize>t << 2);
        store<f32>(cell, f32x4.extract_lane(acc, 0));
        store<f32>(cell + kk4, f32x4.extract_lane(acc, 1));
        store<f32>(cell + 2 * kk4, f32x4.extract_lane(acc, 2));
        store<f32>(cell + 3 * kk4, f32x4.extract_lane(acc, 3));
      }
      for (; c < C; c++) {
        let sum: f32 = 0;
        for (let k = k0; k < end; k++) sum += load<f32>(base + ((<usize>load<i32>(offsets + (<usize>k << 2)) + <usize>c) << 2));
        store<f32>(out + (<usize>c * kk4) + (<usize>t << 2), sum);
      }
      k0 = end;
    }
  }
}
