// AssemblyScript source of the WebAssembly SIMD kernels (compiled by scripts/build-wasm.mjs, which
// prepends the generated micro-kernels `mk1 … mkMR` and the constants `MR` and `NR`).
//
// Every pointer is a byte address in linear memory and every matrix is row-major f32. The JS side
// (src/kernels/wasm/) copies operands in, calls these functions and copies results out.
//
// Reproducibility: every element of C is computed by exactly one micro-kernel call chain, as
// `acc = C or 0; for p in order: acc = acc + a·b` in f32 with separate mul and add (never a fused
// multiply-add), over k blocks whose sizes depend only on k. Edge tiles run the same kernels on a
// scratch tile. So the result depends neither on the tile position nor on how rows are split across
// threads: one and two threads give identical bits.

/** Largest k block: a 16-wide B panel of KC rows (16 KB) stays in L1 while a block of A streams. */
const KC: i32 = 256;

/**
 * Packs op(B) (`[k, n]`; stored `[n, k]` when `transB`) into NR-wide column panels: panel `q` holds
 * `op(B)[p][q·NR + jj]` at `out + ((q·k + p)·NR + jj)·4`, zero-padded past `n`, so the micro-kernel
 * reads one contiguous run of NR floats per step of k. Only panels `q0 ≤ q < q1` are written, so
 * threads can share the packing.
 */
export function packB(transB: bool, n: i32, k: i32, b: usize, out: usize, q0: i32, q1: i32): void {
  const zero = f32x4.splat(0);
  for (let q = q0; q < q1; q++) {
    const j0 = q * NR;
    const w = min(NR, n - j0);
    const dst = out + ((<usize>q * <usize>k * <usize>NR) << 2);
    if (!transB) {
      for (let p = 0; p < k; p++) {
        const src = b + ((<usize>p * <usize>n + <usize>j0) << 2);
        const d = dst + ((<usize>p * <usize>NR) << 2);
        if (w == NR) {
          for (let v = 0; v < NR; v += 4) v128.store(d + (<usize>v << 2), v128.load(src + (<usize>v << 2)));
        } else {
          for (let v = 0; v < NR; v += 4) v128.store(d + (<usize>v << 2), zero);
          for (let jj = 0; jj < w; jj++) store<f32>(d + (<usize>jj << 2), load<f32>(src + (<usize>jj << 2)));
        }
      }
      continue;
    }
    // op(B)[p][j] = b[j·k + p]: transpose 4×4 blocks in registers, scalar at the edges.
    let jj = 0;
    for (; jj + 3 < w; jj += 4) {
      const r0 = b + ((<usize>(j0 + jj) * <usize>k) << 2);
      const r1 = r0 + (<usize>k << 2);
      const r2 = r1 + (<usize>k << 2);
      const r3 = r2 + (<usize>k << 2);
      const d = dst + (<usize>jj << 2);
      let p = 0;
      for (; p + 3 < k; p += 4) {
        const o = <usize>p << 2;
        const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        const dp = d + ((<usize>p * <usize>NR) << 2);
        v128.store(dp, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(dp + (<usize>NR << 2), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(dp + (<usize>NR << 3), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(dp + (<usize>(3 * NR) << 2), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
      for (; p < k; p++) {
        const o = <usize>p << 2;
        const dp = d + ((<usize>p * <usize>NR) << 2);
        store<f32>(dp, load<f32>(r0 + o));
        store<f32>(dp + 4, load<f32>(r1 + o));
        store<f32>(dp + 8, load<f32>(r2 + o));
        store<f32>(dp + 12, load<f32>(r3 + o));
      }
    }
    for (; jj < NR; jj++) {
      const d = dst + (<usize>jj << 2);
      const r = b + ((<usize>(j0 + jj) * <usize>k) << 2);
      for (let p = 0; p < k; p++) {
        store<f32>(d + ((<usize>p * <usize>NR) << 2), jj < w ? load<f32>(r + (<usize>p << 2)) : 0);
      }
    }
  }
}

/** Runs the `mr`-row micro-kernel (1 ≤ mr ≤ MR). */
@inline
function tile(mr: i32, a: usize, ars: usize, acs: usize, b: usize, c: usize, ldc: usize, kc: i32, keep: bool): void {
  MK_DISPATCH
}

/**
 * Rows `i0 ≤ i < i1` of `C[m×n] (+)= op(A)·op(B)` with op(B) already packed by {@link packB}. A is
 * read in place (stored `[m, k]`, or `[k, m]` when `transA`); `tmp` is this thread's scratch tile
 * (MR·NR floats) for the right edge when `n` is not a multiple of NR.
 */
export function gemmRows(
  transA: bool, m: i32, n: i32, k: i32, a: usize, bp: usize, c: usize, accumulate: bool, tmp: usize, i0: i32, i1: i32,
): void {
  const ars: usize = (transA ? 1 : <usize>k) << 2; // byte stride between rows of op(A)
  const acs: usize = (transA ? <usize>m : 1) << 2; // byte stride between columns of op(A)
  const ldc: usize = <usize>n << 2;
  const blocks = (k + KC - 1) / KC;
  const step = (k + blocks - 1) / blocks; // even k blocks, a function of k alone
  const panels = (n + NR - 1) / NR;
  for (let kb = 0; kb < k; kb += step) {
    const kc = min(step, k - kb);
    const keep = accumulate || kb > 0; // add into C rather than overwrite
    for (let q = 0; q < panels; q++) {
      const j0 = q * NR;
      const w = min(NR, n - j0);
      const bq = bp + (((<usize>q * <usize>k + <usize>kb) * <usize>NR) << 2);
      for (let i = i0; i < i1; i += MR) {
        const mr = min(MR, i1 - i);
        const ap = a + <usize>i * ars + <usize>kb * acs;
        const cp = c + <usize>i * ldc + (<usize>j0 << 2);
        if (w == NR) {
          tile(mr, ap, ars, acs, bq, cp, ldc, kc, keep);
          continue;
        }
        if (keep) {
          for (let r = 0; r < mr; r++) {
            for (let jj = 0; jj < w; jj++) {
              store<f32>(tmp + ((<usize>(r * NR + jj)) << 2), load<f32>(cp + <usize>r * ldc + (<usize>jj << 2)));
            }
          }
        }
        tile(mr, ap, ars, acs, bq, tmp, <usize>NR << 2, kc, keep);
        for (let r = 0; r < mr; r++) {
          for (let jj = 0; jj < w; jj++) {
            store<f32>(cp + <usize>r * ldc + (<usize>jj << 2), load<f32>(tmp + ((<usize>(r * NR + jj)) << 2)));
          }
        }
      }
    }
  }
}

/** Copies `count` floats from `src` to `dst`, four at a time. */
@inline
function copyRow(dst: usize, src: usize, count: i32): void {
  let o: usize = 0;
  const end = <usize>count << 2;
  for (; o + 16 <= end; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/** Adds `count` floats from `src` into `dst`, four at a time. */
@inline
function addRow(dst: usize, src: usize, count: i32): void {
  let o: usize = 0;
  const end = <usize>count << 2;
  for (; o + 16 <= end; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

/**
 * One `[C, H, W]` image at `x` to columns at `cols` (`[C·kH·kW, outH·outW]`, row `(c·kH + i)·kW + j`),
 * the layout of the reference im2col in src/kernels/im2col.ts.
 */
export function im2col(
  x: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, outH: i32, outW: i32, cols: usize,
): void {
  let dst = cols;
  const row = <usize>outW << 2;
  for (let c = 0; c < channels; c++) {
    const plane = x + ((<usize>c * <usize>height * <usize>width) << 2);
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        for (let oy = 0; oy < outH; oy++) {
          const src = plane + ((<usize>(oy * sH + i) * <usize>width + <usize>j) << 2);
          if (sW == 1) {
            copyRow(dst, src, outW);
          } else {
            for (let ox = 0; ox < outW; ox++) store<f32>(dst + (<usize>ox << 2), load<f32>(src + ((<usize>ox * <usize>sW) << 2)));
          }
          dst += row;
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds the columns at `cols` back into the image at `x`. */
export function col2im(
  cols: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, outH: i32, outW: i32, x: usize,
): void {
  let src = cols;
  const row = <usize>outW << 2;
  for (let c = 0; c < channels; c++) {
    const plane = x + ((<usize>c * <usize>height * <usize>width) << 2);
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        for (let oy = 0; oy < outH; oy++) {
          const dst = plane + ((<usize>(oy * sH + i) * <usize>width + <usize>j) << 2);
          if (sW == 1) {
            addRow(dst, src, outW);
          } else {
            for (let ox = 0; ox < outW; ox++) {
              const d = dst + ((<usize>ox * <usize>sW) << 2);
              store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
            }
          }
          src += row;
        }
      }
    }
  }
}
