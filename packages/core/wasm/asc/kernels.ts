// AssemblyScript source of the WebAssembly SIMD kernels. scripts/build-wasm.mjs compiles it after
// prepending the constants (`MR`, `NR`, `JOB`, `TMP`, `TMP_BYTES`, the `OP_*` job codes) and the
// generated register-tile micro-kernels `mk1 … mkMR`. No code here may allocate (no arrays, no
// strings): the stub runtime would hand out memory that the JS side uses for operands.
//
// Every pointer is a byte address in linear memory and every matrix is row-major f32. The JS side
// (src/kernels/wasm/) copies operands in, describes a job at `JOB` (an op code, then i32 arguments)
// and has one or more threads call `runChunk(chunk, thread)` until every chunk of the job is done.
// Chunks write disjoint outputs, so any thread may run any chunk.
//
// Reproducibility: every element of C is computed by exactly one micro-kernel call chain, as
// `acc = C or 0; for p in order: acc = acc + a·b` in f32 with separate mul and add (never a fused
// multiply-add), over k blocks whose sizes depend only on k. Edge tiles run the same kernels on a
// scratch tile. Reductions over images (weight and bias gradients) sum fixed groups of images, then
// the groups in order. So results depend neither on tile positions nor on which thread ran which
// chunk: one and two threads give identical bits.

/** Largest k block: a 16-wide B panel of KC rows (16 KB) stays in L1 while a block of A streams. */
const KC: i32 = 256;

/** The `i`-th i32 word of the job descriptor (word 0 is the op code). */
@inline
function arg(i: i32): i32 {
  return load<i32>(JOB + (<usize>i << 2));
}

/** This thread's scratch tile (edge tiles of the GEMM). */
@inline
function tmpOf(thread: i32): usize {
  return TMP + <usize>thread * TMP_BYTES;
}

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
  if (k == 0) {
    if (!accumulate) for (let i = i0; i < i1; i++) memory.fill(c + <usize>i * ldc, 0, ldc);
    return;
  }
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

/** Adds `count` floats from `src` into `dst`, four at a time. */
@inline
function addRow(dst: usize, src: usize, count: i32): void {
  let o: usize = 0;
  const end = <usize>count << 2;
  for (; o + 16 <= end; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

/** First output column whose tap `j` lands inside the image (left padding `pl`, stride `sW`). */
@inline
function firstInside(j: i32, pl: i32, sW: i32, outW: i32): i32 {
  let ox = 0;
  while (ox < outW && ox * sW + j - pl < 0) ox++;
  return ox;
}

/** One past the last output column whose tap `j` lands inside an image `width` wide. */
@inline
function endInside(j: i32, pl: i32, sW: i32, outW: i32, width: i32, from: i32): i32 {
  let ox = outW;
  while (ox > from && (ox - 1) * sW + j - pl >= width) ox--;
  return ox;
}

/**
 * One `[C, H, W]` image at `x` to columns at `cols` (`[C·kH·kW, outH·outW]`, row `(c·kH + i)·kW + j`),
 * the layout of the reference im2col in src/kernels/im2col.ts, with implicit zero padding: window
 * `(oy, ox)` starts at row `oy·sH − pt` and column `ox·sW − pl`, and taps outside the image read 0.
 */
export function im2col(
  x: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, cols: usize,
): void {
  const row = <usize>outW << 2;
  const planeBytes = (<usize>height * <usize>width) << 2;
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const ox0 = firstInside(j, pl, sW, outW);
      const ox1 = endInside(j, pl, sW, outW, width, ox0);
      const head = <usize>ox0 << 2;
      const tail = <usize>(outW - ox1) << 2;
      for (let c = 0; c < channels; c++) {
        const plane = x + <usize>c * planeBytes;
        let dst = cols + (<usize>((c * kH + i) * kW + j) * <usize>outH) * row;
        for (let oy = 0; oy < outH; oy++, dst += row) {
          const y = oy * sH + i - pt;
          if (y < 0 || y >= height || ox0 >= ox1) {
            memory.fill(dst, 0, row);
            continue;
          }
          const src = plane + ((<usize>y * <usize>width + <usize>(ox0 * sW + j - pl)) << 2);
          if (head > 0) memory.fill(dst, 0, head);
          if (sW == 1) {
            memory.copy(dst + head, src, <usize>(ox1 - ox0) << 2);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              store<f32>(dst + (<usize>ox << 2), load<f32>(src + ((<usize>((ox - ox0) * sW)) << 2)));
            }
          }
          if (tail > 0) memory.fill(dst + row - tail, 0, tail);
        }
      }
    }
  }
}

/**
 * The adjoint of {@link im2col}: adds the columns at `cols` back into the image at `x`; entries that
 * fell on the padding are dropped.
 */
export function col2im(
  cols: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, x: usize,
): void {
  const row = <usize>outW << 2;
  const planeBytes = (<usize>height * <usize>width) << 2;
  for (let c = 0; c < channels; c++) {
    const plane = x + <usize>c * planeBytes;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const ox0 = firstInside(j, pl, sW, outW);
        const ox1 = endInside(j, pl, sW, outW, width, ox0);
        let src = cols + (<usize>((c * kH + i) * kW + j) * <usize>outH) * row;
        for (let oy = 0; oy < outH; oy++, src += row) {
          const y = oy * sH + i - pt;
          if (y < 0 || y >= height || ox0 >= ox1) continue;
          const dst = plane + ((<usize>y * <usize>width + <usize>(ox0 * sW + j - pl)) << 2);
          if (sW == 1) {
            addRow(dst, src + (<usize>ox0 << 2), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              const d = dst + ((<usize>((ox - ox0) * sW)) << 2);
              store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
            }
          }
        }
      }
    }
  }
}

// ---- Convolution jobs. Arguments 1–13 describe the geometry, the rest are op-specific. ----------

/** Panels of `n` columns. */
@inline
function panelsOf(n: i32): i32 {
  return (n + NR - 1) / NR;
}

/**
 * `out[n] = W·cols(x[n]) (+ bias)` for image `n`: im2col into this thread's scratch, pack it, then
 * one GEMM with the weight `[O, C·kH·kW]` read in place, written straight into the output.
 */
function convForwardImage(img: i32, thread: i32): void {
  const C = arg(2), H = arg(3), W = arg(4), O = arg(5), kH = arg(6), kW = arg(7);
  const L = arg(12) * arg(13);
  const ckk = C * kH * kW;
  const x = <usize>arg(14), w = <usize>arg(15), bias = <usize>arg(16), out = <usize>arg(17);
  const scratch = <usize>arg(18) + <usize>thread * <usize>arg(19);
  const cols = scratch;
  const packed = cols + ((<usize>ckk * <usize>L) << 2);
  im2col(x + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2), C, H, W, kH, kW, arg(8), arg(9), arg(10), arg(11), arg(12), arg(13), cols);
  packB(false, L, ckk, cols, packed, 0, panelsOf(L));
  const y = out + ((<usize>img * <usize>O * <usize>L) << 2);
  if (bias != 0) {
    for (let o = 0; o < O; o++) {
      const v = f32x4.splat(load<f32>(bias + (<usize>o << 2)));
      const r = y + ((<usize>o * <usize>L) << 2);
      let e = 0;
      for (; e + 3 < L; e += 4) v128.store(r + (<usize>e << 2), v);
      for (; e < L; e++) store<f32>(r + (<usize>e << 2), f32x4.extract_lane(v, 0));
    }
  }
  gemmRows(false, O, L, ckk, w, packed, y, bias != 0, tmpOf(thread), 0, O);
}

/** `gx[n] = col2im(Wᵀ·g[n])` for image `n`, overwriting its gradient. */
function convInputGradImage(img: i32, thread: i32): void {
  const C = arg(2), H = arg(3), W = arg(4), O = arg(5), kH = arg(6), kW = arg(7);
  const L = arg(12) * arg(13);
  const ckk = C * kH * kW;
  const g = <usize>arg(14), w = <usize>arg(15), gx = <usize>arg(16);
  const scratch = <usize>arg(17) + <usize>thread * <usize>arg(18);
  const gcols = scratch;
  const packed = gcols + ((<usize>ckk * <usize>L) << 2);
  packB(false, L, O, g + ((<usize>img * <usize>O * <usize>L) << 2), packed, 0, panelsOf(L));
  gemmRows(true, ckk, L, O, w, packed, gcols, false, tmpOf(thread), 0, ckk);
  const image = gx + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2);
  memory.fill(image, 0, (<usize>C * <usize>H * <usize>W) << 2);
  col2im(gcols, C, H, W, kH, kW, arg(8), arg(9), arg(10), arg(11), arg(12), arg(13), image);
}

/**
 * Group `grp` of the weight gradient: `partialᵀ[grp] = Σ_{n in group} cols(x[n])·g[n]ᵀ`
 * (`[C·kH·kW, O]`, so the columns are read in place and only the small `g[n]` is packed), and the
 * bias gradient's partial sums in f64. A zero partial or bias pointer skips that gradient.
 */
function convWeightGradGroup(grp: i32, thread: i32): void {
  const N = arg(1), C = arg(2), H = arg(3), W = arg(4), O = arg(5), kH = arg(6), kW = arg(7);
  const L = arg(12) * arg(13);
  const ckk = C * kH * kW;
  const x = <usize>arg(14), g = <usize>arg(15);
  const partial = arg(16) == 0 ? <usize>0 : <usize>arg(16) + <usize>grp * <usize>arg(17);
  const bias = arg(18) == 0 ? <usize>0 : <usize>arg(18) + <usize>grp * <usize>arg(19);
  const per = arg(20);
  const scratch = <usize>arg(21) + <usize>thread * <usize>arg(22);
  const cols = scratch;
  const packed = cols + ((<usize>ckk * <usize>L) << 2);
  const n0 = grp * per;
  const n1 = min(N, n0 + per);
  if (bias != 0) memory.fill(bias, 0, <usize>O << 3);
  for (let img = n0; img < n1; img++) {
    const gi = g + ((<usize>img * <usize>O * <usize>L) << 2);
    if (partial != 0) {
      im2col(x + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2), C, H, W, kH, kW, arg(8), arg(9), arg(10), arg(11), arg(12), arg(13), cols);
      packB(true, O, L, gi, packed, 0, panelsOf(O));
      gemmRows(false, ckk, O, L, cols, packed, partial, img > n0, tmpOf(thread), 0, ckk);
    }
    if (bias != 0) {
      for (let o = 0; o < O; o++) {
        const r = gi + ((<usize>o * <usize>L) << 2);
        let v = f32x4.splat(0);
        let e = 0;
        for (; e + 3 < L; e += 4) v = f32x4.add(v, v128.load(r + (<usize>e << 2)));
        let s = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
        for (; e < L; e++) s += <f64>load<f32>(r + (<usize>e << 2));
        const at = bias + (<usize>o << 3);
        store<f64>(at, load<f64>(at) + s);
      }
    }
  }
}

/**
 * Sums the weight-gradient partials of `groups` groups in order into `gw` (`[O, C·kH·kW]`, transposing
 * them back), and the f64 bias partials into `gb`; a zero `gw` or `gb` skips it.
 */
export function convReduce(
  partials: usize, stride: usize, groups: i32, ckk: i32, O: i32, gw: usize, biasPartials: usize, biasStride: usize, gb: usize,
): void {
  for (let o = 0; o < O && gw != 0; o++) {
    for (let p = 0; p < ckk; p++) {
      const at = (<usize>p * <usize>O + <usize>o) << 2;
      let s = load<f32>(partials + at);
      for (let grp = 1; grp < groups; grp++) s += load<f32>(partials + <usize>grp * stride + at);
      store<f32>(gw + ((<usize>o * <usize>ckk + <usize>p) << 2), s);
    }
  }
  if (gb == 0) return;
  for (let o = 0; o < O; o++) {
    let s: f64 = 0;
    for (let grp = 0; grp < groups; grp++) s += load<f64>(biasPartials + <usize>grp * biasStride + (<usize>o << 3));
    store<f32>(gb + (<usize>o << 2), <f32>s);
  }
}

// ---- Pooling ------------------------------------------------------------------------------------

/**
 * Planes `p0 ≤ p < p1` of a 2×2, stride-2, unpadded max pooling: the maximum of each window into
 * `out` and its position within the plane (`y·W + x`, i32) into `argmax`. The comparisons are those
 * of the reference (src/kernels/pool.ts) in its order, four windows at a time: an element wins if it
 * is greater than the best so far or NaN, so the first maximum wins ties and NaN propagates.
 */
function maxPool2x2Planes(x: usize, H: i32, W: i32, outH: i32, outW: i32, out: usize, argmax: usize, p0: i32, p1: i32): void {
  const step = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    const plane = x + ((<usize>p * <usize>H * <usize>W) << 2);
    let o = (<usize>p * <usize>outH * <usize>outW) << 2;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = plane + ((<usize>(2 * oy) * <usize>W) << 2);
      const r1 = r0 + (<usize>W << 2);
      const row = 2 * oy * W;
      let ox = 0;
      for (; ox + 3 < outW; ox += 4, o += 16) {
        const off = <usize>(2 * ox) << 2;
        const u0 = v128.load(r0 + off), u1 = v128.load(r0 + off + 16);
        const l0 = v128.load(r1 + off), l1 = v128.load(r1 + off + 16);
        let best = v128.shuffle<f32>(u0, u1, 0, 2, 4, 6);
        const at = i32x4.add(i32x4.splat(row + 2 * ox), step);
        let win = at;
        let v = v128.shuffle<f32>(u0, u1, 1, 3, 5, 7);
        let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        win = v128.bitselect(i32x4.add(at, i32x4.splat(1)), win, take);
        v = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        win = v128.bitselect(i32x4.add(at, i32x4.splat(W)), win, take);
        v = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
        take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, take);
        win = v128.bitselect(i32x4.add(at, i32x4.splat(W + 1)), win, take);
        v128.store(out + o, best);
        v128.store(argmax + o, win);
      }
      for (; ox < outW; ox++, o += 4) {
        const a = row + 2 * ox;
        let best = load<f32>(r0 + (<usize>(2 * ox) << 2));
        let win = a;
        let v = load<f32>(r0 + (<usize>(2 * ox + 1) << 2));
        if (v > best || v != v) { best = v; win = a + 1; }
        v = load<f32>(r1 + (<usize>(2 * ox) << 2));
        if (v > best || v != v) { best = v; win = a + W; }
        v = load<f32>(r1 + (<usize>(2 * ox + 1) << 2));
        if (v > best || v != v) { best = v; win = a + W + 1; }
        store<f32>(out + o, best);
        store<i32>(argmax + o, win);
      }
    }
  }
}

/**
 * Runs chunk `chunk` of the job described at `JOB`, on thread `thread` (0 is the caller's; it picks
 * the scratch tile and regions). The JS side hands out each chunk exactly once.
 */
export function runChunk(chunk: i32, thread: i32): void {
  const op = arg(0);
  if (op == OP_PACK) {
    // tB, n, k, b, out, panels per chunk
    const per = arg(6);
    const q0 = chunk * per;
    packB(arg(1) != 0, arg(2), arg(3), <usize>arg(4), <usize>arg(5), q0, min(panelsOf(arg(2)), q0 + per));
  } else if (op == OP_ROWS) {
    // tA, m, n, k, a, packed B, c, accumulate, rows per chunk
    const per = arg(9);
    const i0 = chunk * per;
    gemmRows(arg(1) != 0, arg(2), arg(3), arg(4), <usize>arg(5), <usize>arg(6), <usize>arg(7), arg(8) != 0, tmpOf(thread), i0, min(arg(2), i0 + per));
  } else if (op == OP_CONV_FORWARD) {
    convForwardImage(chunk, thread);
  } else if (op == OP_CONV_INPUT_GRAD) {
    convInputGradImage(chunk, thread);
  } else if (op == OP_CONV_WEIGHT_GRAD) {
    convWeightGradGroup(chunk, thread);
  } else if (op == OP_MAX_POOL_2X2) {
    // x, H, W, outH, outW, out, argmax, planes, planes per chunk
    const per = arg(9);
    const p0 = chunk * per;
    maxPool2x2Planes(<usize>arg(1), arg(2), arg(3), arg(4), arg(5), <usize>arg(6), <usize>arg(7), p0, min(arg(8), p0 + per));
  } else {
    unreachable();
  }
}
