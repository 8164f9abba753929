// General max pooling (AssemblyScript), for src/kernels/wasm/pool.ts; imported by kernels.ts, whose
// runChunk runs it over a range of planes. The same comparisons in the same order as the reference
// loop in src/kernels/pool.ts: each window clipped to the image, scanned row by row; an element wins
// if it is greater than the best so far or NaN (so the first maximum wins ties and NaN propagates),
// starting from −∞ at the window's first real element.
//
// Four outputs of a row at a time: each plane is first copied into the thread's scratch with −∞
// around it (as far as any window reaches), so every window is whole and the four run the same
// comparisons in lanes. A padded −∞ is never greater than the best and is not NaN, so it never
// wins: the lanes give the reference's winners, which scans the clipped window only. The scalar
// loop took about 4 ns an element a window reads (its per-output bookkeeping, not the comparisons).

import { storeLanes } from './lanes';

/** Columns of the −∞-bordered copy of a plane: every window of whole groups of four outputs, and 4 floats to spare for the stride-2 loads. */
function paddedWidth(kW: i32, sW: i32, outW: i32): i32 {
  return (((outW + 3) & ~3) - 1) * sW + kW + 4;
}

/** Rows of the −∞-bordered copy of a plane. */
function paddedHeight(kH: i32, sH: i32, outH: i32): i32 {
  return (outH - 1) * sH + kH;
}

/** Floats of the scratch {@link maxPoolPlanes} needs (one thread's): exported so the JS side sizes its regions by the same rule. */
export function maxPoolScratchFloats(kH: i32, kW: i32, sH: i32, sW: i32, outH: i32, outW: i32): i32 {
  return paddedHeight(kH, sH, outH) * paddedWidth(kW, sW, outW);
}

/** Copies the plane at `src` (`H × W`) into `dst` (`Hp × Wp`) at row `padH`, column `padW`, −∞ elsewhere. */
function padPlaneInf(src: usize, H: i32, W: i32, padH: i32, padW: i32, dst: usize, Hp: i32, Wp: i32): void {
  const inf = f32x4.splat(<f32>-Infinity);
  const n = Hp * Wp;
  let i = 0;
  for (; i + 3 < n; i += 4) v128.store(dst + (<usize>i << 2), inf);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>-Infinity);
  const rows = min(H, Hp - padH), cols = min(W, Wp - padW);
  if (cols <= 0) return;
  for (let y = 0; y < rows; y++) {
    memory.copy(dst + ((<usize>((y + padH) * Wp + padW)) << 2), src + ((<usize>(y * W)) << 2), <usize>cols << 2);
  }
}

/** Four floats of `row` from `at`, `sW` apart. */
@inline
function gather4(row: usize, at: i32, sW: i32): v128 {
  const p = row + (<usize>at << 2);
  if (sW == 1) return v128.load(p);
  if (sW == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  const s = <usize>sW << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + s));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * s));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * s));
}

/**
 * Planes `p0 ≤ p < p1`: `out` (f32) and `argmax` (i32, the winner's `y·W + x` in its plane), through
 * `scratch` ({@link maxPoolScratchFloats} floats).
 */
export function maxPoolPlanes(
  x: usize, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, padH: i32, padW: i32, outH: i32, outW: i32,
  out: usize, argmax: usize, p0: i32, p1: i32, scratch: usize,
): void {
  const Hp = paddedHeight(kH, sH, outH), Wp = paddedWidth(kW, sW, outW);
  const lanes = i32x4(0, 1, 2, 3);
  for (let p = p0; p < p1; p++) {
    padPlaneInf(x + ((<usize>p * <usize>H * <usize>W) << 2), H, W, padH, padW, scratch, Hp, Wp);
    const o0 = (<usize>p * <usize>outH * <usize>outW) << 2;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * sH - padH, 0);
      for (let ox = 0; ox < outW; ox += 4) {
        const cols = i32x4.mul(i32x4.add(i32x4.splat(ox), lanes), i32x4.splat(sW)); // each lane's window start, padded
        // The reference's start: the window's first real element.
        let at = i32x4.add(i32x4.max_s(i32x4.sub(cols, i32x4.splat(padW)), i32x4.splat(0)), i32x4.splat(y0 * W));
        let best = f32x4.splat(<f32>-Infinity);
        for (let i = 0; i < kH; i++) {
          const yp = oy * sH + i;
          const row = scratch + (<usize>(yp * Wp) << 2);
          const rowIndex = i32x4.add(cols, i32x4.splat((yp - padH) * W - padW));
          for (let j = 0; j < kW; j++) {
            const v = gather4(row, ox * sW + j, sW);
            const wins = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, wins);
            at = v128.bitselect(i32x4.add(rowIndex, i32x4.splat(j)), at, wins);
          }
        }
        const o = o0 + ((<usize>(oy * outW + ox)) << 2);
        storeLanes(out + o, best, outW - ox);
        storeLanes(argmax + o, at, outW - ox);
      }
    }
  }
}

/**
 * Planes `p0 ≤ p < p1` of a max pooling's gradient (MAX_UNPOOL): plane `p` of `gz` (`size` floats)
 * zeroed, then each of its `per` windows' gradient added at the window's winner (`argmax`, i32, an
 * index within the plane) in window order, as the reference `maxPool2dBackward` (src/kernels/pool.ts)
 * does, so the same bits, signed zeros and windows that overlap (and share a winner) included. A
 * fused pooling's windows do not overlap, and its gradient goes back through the activation with the
 * operations of the reference `unpool` (src/kernels/fused.ts): ReLU's `(0 + g)·m` when the pooling
 * ran after it and `0 + g·m` before (`first`), `m` = 1 where the pooled output `out` is positive,
 * else 0; ReLU6's `0 + g` inside (lo, hi), else +0 (each winner written once).
 */
export function maxUnpoolPlanes(
  grad: usize, out: usize, argmax: usize, gz: usize, per: i32, size: i32, activation: i32, first: bool, lo: f32, hi: f32, p0: i32, p1: i32,
): void {
  const zero = f32x4.splat(0);
  for (let p = p0; p < p1; p++) {
    const base = gz + ((<usize>p * <usize>size) << 2);
    let i = 0;
    for (; i + 3 < size; i += 4) v128.store(base + (<usize>i << 2), zero);
    for (; i < size; i++) store<f32>(base + (<usize>i << 2), 0);
    for (let k = p * per, end = k + per; k < end; k++) {
      const at = <usize>k << 2;
      const g = load<f32>(grad + at);
      const w = base + (<usize>load<i32>(argmax + at) << 2);
      let v: f32;
      if (activation == 0) {
        v = load<f32>(w) + g;
      } else if (activation == 1) {
        const m: f32 = load<f32>(out + at) > 0 ? 1 : 0;
        v = first ? <f32>0 + g * m : (<f32>0 + g) * m;
      } else {
        const o = load<f32>(out + at);
        v = o > lo && o < hi ? <f32>0 + g : 0;
      }
      store<f32>(w, v);
    }
  }
}
