// AssemblyScript source of the WebAssembly SIMD kernels. scripts/build-wasm.mjs compiles it after
// prepending the constants (`MR`, `NR`, `JOB`, `TMP`, `TMP_BYTES`, the `OP_*` job codes, the slot of
// every job argument) and the generated register-tile micro-kernels `mk1 … mkMR`. No code here may
// allocate (no arrays, no strings): the stub runtime would hand out memory that the JS side uses for
// operands.
//
// Every pointer is a byte address in linear memory and every matrix is row-major f32. The JS side
// (src/kernels/wasm/) copies operands in, describes a job at `JOB` (an op code, then i32 arguments)
// and has one or more threads call `runChunk(chunk, thread)` until every chunk of the job is done.
// Chunks write disjoint outputs, so any thread may run any chunk.
//
// Job arguments are named in scripts/wasm-schema.mjs, which generates both the slot constants read
// here (`arg(CONV_OUT_H)`: a shared layout's name, else `<OP>_<NAME>`) and the JS side's typed
// writers (src/kernels/wasm/jobs.ts), so the two cannot disagree: never read an argument by number.
//
// Reproducibility: every element of C is computed by exactly one micro-kernel call chain, as
// `acc = C or 0; for p in order: acc = acc + a·b` in f32 with separate mul and add (never a fused
// multiply-add), over k blocks whose sizes depend only on k. Edge tiles run the same kernels on a
// scratch tile. Winograd convolutions transform and multiply each image on its own, in a fixed
// order. Reductions over images (weight and bias gradients) sum fixed groups of images, then the
// groups in order, or are the depth of one GEMM (the batch folded into its columns), or run in one
// chunk per channel in image order (depthwise). So results depend neither on tile positions nor on
// which thread ran which chunk: one and two threads give identical bits.

import { batchNormBackwardChannels, batchNormForwardChannels } from './batchnorm';
import { adamRange, sgdMomentumRange } from './optim';
import { denseSumTapsRows, denseWriteRows } from './dense';
import { maxPoolPlanes, maxUnpoolPlanes } from './pool';
import { storeLanes } from './lanes';
export { maxPoolScratchFloats } from './pool';

/** Largest k block: a 16-wide B panel of KC rows (16 KB) stays in L1 while a block of A streams. */
const KC: i32 = 256;

/** The i32 word at slot `i` of the job descriptor (a generated constant: `JOB_OP`, `CONV_OUT_H`, …). */
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
 * `op(B)[p][q·NR + jj]` at `out + (((q − first)·k + p)·NR + jj)·4`, zero-padded past `n`, so the
 * micro-kernel reads one contiguous run of NR floats per step of k. Only panels `q0 ≤ q < q1` are
 * written, so threads can share the packing (`first` = 0) or each pack its own (`first` = q0).
 */
function packB(transB: bool, n: i32, k: i32, b: usize, out: usize, first: i32, q0: i32, q1: i32): void {
  const zero = f32x4.splat(0);
  for (let q = q0; q < q1; q++) {
    const j0 = q * NR;
    const w = min(NR, n - j0);
    const dst = out + ((<usize>(q - first) * <usize>k * <usize>NR) << 2);
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
 * read in place (stored `[m, k]`, or `[k, m]` when `transA`); C's rows are `ldc` bytes apart (`4·n`,
 * or more when C is a column block of a wider matrix); `tmp` is this thread's scratch tile (MR·NR
 * floats) for the right edge when `n` is not a multiple of NR.
 */
function gemmRows(
  transA: bool, m: i32, n: i32, k: i32, a: usize, bp: usize, c: usize, ldc: usize, accumulate: bool, tmp: usize, i0: i32, i1: i32,
): void {
  const ars: usize = (transA ? 1 : <usize>k) << 2; // byte stride between rows of op(A)
  const acs: usize = (transA ? <usize>m : 1) << 2; // byte stride between columns of op(A)
  if (k == 0) {
    if (!accumulate) for (let i = i0; i < i1; i++) memory.fill(c + <usize>i * ldc, 0, <usize>n << 2);
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
 * `memory.fill(dst, 0, bytes)` for a multiple of 4 bytes. V8 runs bulk-memory instructions as calls
 * out of the generated code, which costs more than the fill itself for the short rows of small maps
 * (a depthwise pass over [32, 960, 1, 1] took 2 ms in such calls), so short runs are stored inline.
 */
@inline
function zeroBytes(dst: usize, bytes: usize): void {
  if (bytes >= 256) {
    memory.fill(dst, 0, bytes);
    return;
  }
  const z = f32x4.splat(0);
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, z);
  for (; o < bytes; o += 4) store<f32>(dst + o, 0);
}

/**
 * Zeroes `bytes` (a multiple of 4) from byte address `dst`: how the engine clears a pinned block it
 * hands out, at memset's speed (a fill of shared memory from JavaScript ran at a quarter of it).
 */
export function zeroFill(dst: usize, bytes: usize): void {
  memory.fill(dst, 0, bytes);
}

/** `memory.copy(dst, src, bytes)` for a multiple of 4 bytes between disjoint ranges, short runs inline (see {@link zeroBytes}). */
@inline
function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 256) {
    memory.copy(dst, src, bytes);
    return;
  }
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/**
 * One `[C, H, W]` image at `x` to columns at `cols` (`[C·kH·kW, outH·outW]`, row `(c·kH + i)·kW + j`),
 * the layout of the reference im2col in src/kernels/im2col.ts, with implicit zero padding: window
 * `(oy, ox)` starts at row `oy·sH − pt` and column `ox·sW − pl`, its tap `(i, j)` sits `(i·dH, j·dW)`
 * from there, and taps outside the image read 0. Rows of `cols` start `ld` floats apart (`outH·outW`
 * for one image's columns, `N·outH·outW` when a batch's columns sit side by side).
 */
function im2colRows(
  x: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, dH: i32, dW: i32, cols: usize, ld: i32,
): void {
  const row = <usize>outW << 2;
  const ldBytes = <usize>ld << 2;
  const planeBytes = (<usize>height * <usize>width) << 2;
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const dx = j * dW;
      const ox0 = firstInside(dx, pl, sW, outW);
      const ox1 = endInside(dx, pl, sW, outW, width, ox0);
      const head = <usize>ox0 << 2;
      const tail = <usize>(outW - ox1) << 2;
      for (let c = 0; c < channels; c++) {
        const plane = x + <usize>c * planeBytes;
        let dst = cols + <usize>((c * kH + i) * kW + j) * ldBytes;
        for (let oy = 0; oy < outH; oy++, dst += row) {
          const y = oy * sH + i * dH - pt;
          if (y < 0 || y >= height || ox0 >= ox1) {
            zeroBytes(dst, row);
            continue;
          }
          const src = plane + ((<usize>y * <usize>width + <usize>(ox0 * sW + dx - pl)) << 2);
          if (head > 0) zeroBytes(dst, head);
          if (sW == 1) {
            copyBytes(dst + head, src, <usize>(ox1 - ox0) << 2);
          } else {
            let ox = ox0;
            // Stride 2 (ResNet's 7×7 stem, every downsampling conv): four outputs per shuffle of two
            // loads; the second load may read one float past the last tap, inside the memory.
            if (sW == 2) {
              for (; ox + 3 < ox1; ox += 4) v128.store(dst + (<usize>ox << 2), evens(src + ((<usize>((ox - ox0) * 2)) << 2)));
            }
            for (; ox < ox1; ox++) {
              store<f32>(dst + (<usize>ox << 2), load<f32>(src + ((<usize>((ox - ox0) * sW)) << 2)));
            }
          }
          if (tail > 0) zeroBytes(dst + row - tail, tail);
        }
      }
    }
  }
}

/** {@link im2colRows} of one image into its own `[C·kH·kW, outH·outW]` columns (the reference's contract). */
export function im2col(
  x: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, cols: usize, dH: i32, dW: i32,
): void {
  im2colRows(x, channels, height, width, kH, kW, sH, sW, pt, pl, outH, outW, dH, dW, cols, outH * outW);
}

/**
 * The adjoint of {@link im2colRows}: adds the columns at `cols` (rows `ld` floats apart) back into the
 * image at `x`; entries that fell on the padding are dropped.
 */
function col2imRows(
  cols: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, dH: i32, dW: i32, x: usize, ld: i32,
): void {
  const row = <usize>outW << 2;
  const ldBytes = <usize>ld << 2;
  const planeBytes = (<usize>height * <usize>width) << 2;
  for (let c = 0; c < channels; c++) {
    const plane = x + <usize>c * planeBytes;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const dx = j * dW;
        const ox0 = firstInside(dx, pl, sW, outW);
        const ox1 = endInside(dx, pl, sW, outW, width, ox0);
        let src = cols + <usize>((c * kH + i) * kW + j) * ldBytes;
        for (let oy = 0; oy < outH; oy++, src += row) {
          const y = oy * sH + i * dH - pt;
          if (y < 0 || y >= height || ox0 >= ox1) continue;
          const dst = plane + ((<usize>y * <usize>width + <usize>(ox0 * sW + dx - pl)) << 2);
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

/** {@link col2imRows} from one image's own columns (the reference's contract). */
export function col2im(
  cols: usize, channels: i32, height: i32, width: i32, kH: i32, kW: i32, sH: i32, sW: i32, pt: i32, pl: i32,
  outH: i32, outW: i32, x: usize, dH: i32, dW: i32,
): void {
  col2imRows(cols, channels, height, width, kH, kW, sH, sW, pt, pl, outH, outW, dH, dW, x, outH * outW);
}

// ---- Convolution jobs --------------------------------------------------------------------------
//
// Every conv job starts with the CONV layout of scripts/wasm-schema.mjs, the geometry (`CONV_BATCH`,
// `CONV_CHANNELS`, … `CONV_GROUPS`), so the helpers below read it whichever conv op runs; the op's own
// arguments follow (`CONV_FORWARD_X`, …).
// Input channels [k·C/G, (k+1)·C/G) of group k feed its output channels [k·O/G, (k+1)·O/G), so a
// group's rows of the columns (C/G·kH·kW of them) are contiguous, and so are its rows of the weight.

/** Panels of `n` columns. */
@inline
function panelsOf(n: i32): i32 {
  return (n + NR - 1) / NR;
}

/** Image `img` of the job's input at `x` to columns at `cols`, rows `ld` floats apart. */
function jobIm2col(x: usize, img: i32, cols: usize, ld: i32): void {
  const C = arg(CONV_CHANNELS), H = arg(CONV_HEIGHT), W = arg(CONV_WIDTH);
  im2colRows(x + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2), C, H, W, arg(CONV_K_H), arg(CONV_K_W), arg(CONV_STRIDE_H), arg(CONV_STRIDE_W), arg(CONV_PAD_TOP), arg(CONV_PAD_LEFT),
    arg(CONV_OUT_H), arg(CONV_OUT_W), arg(CONV_DILATION_H), arg(CONV_DILATION_W), cols, ld);
}

/** Columns at `cols` (rows `ld` floats apart) added into image `img` of `x`, which is zeroed first. */
function jobCol2im(cols: usize, ld: i32, x: usize, img: i32): void {
  const C = arg(CONV_CHANNELS), H = arg(CONV_HEIGHT), W = arg(CONV_WIDTH);
  const image = x + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2);
  zeroBytes(image, (<usize>C * <usize>H * <usize>W) << 2);
  col2imRows(cols, C, H, W, arg(CONV_K_H), arg(CONV_K_W), arg(CONV_STRIDE_H), arg(CONV_STRIDE_W), arg(CONV_PAD_TOP), arg(CONV_PAD_LEFT), arg(CONV_OUT_H), arg(CONV_OUT_W), arg(CONV_DILATION_H), arg(CONV_DILATION_W), image, ld);
}

/** Rows of one group's columns: `C/G·kH·kW`. */
@inline
function groupRows(): i32 {
  return arg(CONV_CHANNELS) / arg(CONV_GROUPS) * arg(CONV_K_H) * arg(CONV_K_W);
}

/**
 * Whether the job's convolution is pointwise (1×1 kernel, stride 1, no padding, the output as big as
 * the input): an image's columns `[C, H·W]` are then the image itself, so the per-image jobs read
 * (and the input gradient writes) the image in place instead of copying it through im2col/col2im.
 */
@inline
function pointwiseConv(): bool {
  return arg(CONV_K_H) == 1 && arg(CONV_K_W) == 1 && arg(CONV_STRIDE_H) == 1 && arg(CONV_STRIDE_W) == 1
    && arg(CONV_PAD_TOP) == 0 && arg(CONV_PAD_LEFT) == 0 && arg(CONV_OUT_H) == arg(CONV_HEIGHT) && arg(CONV_OUT_W) == arg(CONV_WIDTH);
}

/**
 * `out[n] = W·cols(x[n]) (+ bias)` for image `n`, group by group: im2col into this thread's scratch,
 * pack the group's rows, then one GEMM with the group's rows of the weight `[O, C/G·kH·kW]` read in
 * place, written straight into the output. Args: x, w, bias (0: none), out, scratch, its stride.
 */
function convForwardImage(img: i32, thread: i32): void {
  const O = arg(CONV_OUT_CHANNELS), G = arg(CONV_GROUPS);
  const L = arg(CONV_OUT_H) * arg(CONV_OUT_W);
  const kg = groupRows(), og = O / G;
  const w = <usize>arg(CONV_FORWARD_W), bias = <usize>arg(CONV_FORWARD_BIAS), out = <usize>arg(CONV_FORWARD_OUT);
  const cols = <usize>arg(CONV_FORWARD_SCRATCH) + <usize>thread * <usize>arg(CONV_FORWARD_SCRATCH_STRIDE);
  const packed = cols + ((<usize>G * <usize>kg * <usize>L) << 2);
  const pointwise = pointwiseConv();
  const src = pointwise ? <usize>arg(CONV_FORWARD_X) + ((<usize>img * <usize>arg(CONV_CHANNELS) * <usize>L) << 2) : cols;
  if (!pointwise) jobIm2col(<usize>arg(CONV_FORWARD_X), img, cols, L);
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
  for (let k = 0; k < G; k++) {
    packB(false, L, kg, src + ((<usize>k * <usize>kg * <usize>L) << 2), packed, 0, 0, panelsOf(L));
    gemmRows(false, og, L, kg, w + ((<usize>k * <usize>og * <usize>kg) << 2), packed, y + ((<usize>k * <usize>og * <usize>L) << 2),
      <usize>L << 2, bias != 0, tmpOf(thread), 0, og);
  }
}

/** `gx[n] = col2im(Wᵀ·g[n])` for image `n`, group by group, overwriting its gradient. Args: g, w, gx, scratch, its stride. */
function convInputGradImage(img: i32, thread: i32): void {
  const O = arg(CONV_OUT_CHANNELS), G = arg(CONV_GROUPS);
  const L = arg(CONV_OUT_H) * arg(CONV_OUT_W);
  const kg = groupRows(), og = O / G;
  const g = <usize>arg(CONV_INPUT_GRAD_G), w = <usize>arg(CONV_INPUT_GRAD_W);
  const gcols = <usize>arg(CONV_INPUT_GRAD_SCRATCH) + <usize>thread * <usize>arg(CONV_INPUT_GRAD_SCRATCH_STRIDE);
  const packed = gcols + ((<usize>G * <usize>kg * <usize>L) << 2);
  const gi = g + ((<usize>img * <usize>O * <usize>L) << 2);
  // Pointwise, the GEMM writes the image's gradient itself (the columns are the image).
  const pointwise = pointwiseConv();
  const dst = pointwise ? <usize>arg(CONV_INPUT_GRAD_GX) + ((<usize>img * <usize>arg(CONV_CHANNELS) * <usize>L) << 2) : gcols;
  for (let k = 0; k < G; k++) {
    packB(false, L, og, gi + ((<usize>k * <usize>og * <usize>L) << 2), packed, 0, 0, panelsOf(L));
    gemmRows(true, kg, L, og, w + ((<usize>k * <usize>og * <usize>kg) << 2), packed, dst + ((<usize>k * <usize>kg * <usize>L) << 2),
      <usize>L << 2, false, tmpOf(thread), 0, kg);
  }
  if (!pointwise) jobCol2im(gcols, L, <usize>arg(CONV_INPUT_GRAD_GX), img);
}

/**
 * Group `grp` of images of the weight gradient: `partial[grp][p, o] = Σ_{n in group} cols(x[n])·g[n]ᵀ`
 * over the rows `p` of o's channel group (`[C/G·kH·kW, O]`, so the columns are read in place and only
 * the small `g[n]` is packed), and the bias gradient's partial sums in f64. A zero partial or bias
 * pointer skips that gradient. Args: x, g, partial, its stride, bias partial, its stride, images per
 * group, scratch, its stride.
 */
function convWeightGradGroup(grp: i32, thread: i32): void {
  const N = arg(CONV_BATCH), O = arg(CONV_OUT_CHANNELS), G = arg(CONV_GROUPS);
  const L = arg(CONV_OUT_H) * arg(CONV_OUT_W);
  const kg = groupRows(), og = O / G;
  const x = <usize>arg(CONV_WEIGHT_GRAD_X), g = <usize>arg(CONV_WEIGHT_GRAD_G);
  const partial = arg(CONV_WEIGHT_GRAD_PARTIAL) == 0 ? <usize>0 : <usize>arg(CONV_WEIGHT_GRAD_PARTIAL) + <usize>grp * <usize>arg(CONV_WEIGHT_GRAD_PARTIAL_STRIDE);
  const bias = arg(CONV_WEIGHT_GRAD_BIAS_PARTIAL) == 0 ? <usize>0 : <usize>arg(CONV_WEIGHT_GRAD_BIAS_PARTIAL) + <usize>grp * <usize>arg(CONV_WEIGHT_GRAD_BIAS_PARTIAL_STRIDE);
  const per = arg(CONV_WEIGHT_GRAD_PER_GROUP);
  const cols = <usize>arg(CONV_WEIGHT_GRAD_SCRATCH) + <usize>thread * <usize>arg(CONV_WEIGHT_GRAD_SCRATCH_STRIDE);
  const packed = cols + ((<usize>G * <usize>kg * <usize>L) << 2);
  const n0 = grp * per;
  const n1 = min(N, n0 + per);
  if (bias != 0) zeroBytes(bias, <usize>O << 3);
  const pointwise = pointwiseConv();
  for (let img = n0; img < n1; img++) {
    const gi = g + ((<usize>img * <usize>O * <usize>L) << 2);
    if (partial != 0) {
      const src = pointwise ? x + ((<usize>img * <usize>arg(CONV_CHANNELS) * <usize>L) << 2) : cols;
      if (!pointwise) jobIm2col(x, img, cols, L);
      for (let k = 0; k < G; k++) {
        packB(true, og, L, gi + ((<usize>k * <usize>og * <usize>L) << 2), packed, 0, 0, panelsOf(og));
        gemmRows(false, kg, og, L, src + ((<usize>k * <usize>kg * <usize>L) << 2), packed, partial + (<usize>(k * og) << 2),
          <usize>O << 2, img > n0, tmpOf(thread), 0, kg);
      }
    }
    if (bias != 0) addPlaneSums(gi, O, L, bias);
  }
}

/** Adds the sum of each of the `count` planes of `len` floats at `g` (in f64, four lanes then the tail) to `sums[p]`. */
function addPlaneSums(g: usize, count: i32, len: i32, sums: usize): void {
  for (let o = 0; o < count; o++) {
    const r = g + ((<usize>o * <usize>len) << 2);
    let v = f32x4.splat(0);
    let e = 0;
    for (; e + 3 < len; e += 4) v = f32x4.add(v, v128.load(r + (<usize>e << 2)));
    let s = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
    for (; e < len; e++) s += <f64>load<f32>(r + (<usize>e << 2));
    const at = sums + (<usize>o << 3);
    store<f64>(at, load<f64>(at) + s);
  }
}

/**
 * Sums the weight-gradient partials of `groups` groups in order into `gw` (`[O, rows]`, transposing
 * them back from `[rows, O]`), and the f64 bias partials into `gb`; a zero `gw` or `gb` skips it.
 */
export function convReduce(
  partials: usize, stride: usize, groups: i32, rows: i32, O: i32, gw: usize, biasPartials: usize, biasStride: usize, gb: usize,
): void {
  for (let o = 0; o < O && gw != 0; o++) {
    for (let p = 0; p < rows; p++) {
      const at = (<usize>p * <usize>O + <usize>o) << 2;
      let s = load<f32>(partials + at);
      for (let grp = 1; grp < groups; grp++) s += load<f32>(partials + <usize>grp * stride + at);
      store<f32>(gw + ((<usize>o * <usize>rows + <usize>p) << 2), s);
    }
  }
  if (gb == 0) return;
  for (let o = 0; o < O; o++) {
    let s: f64 = 0;
    for (let grp = 0; grp < groups; grp++) s += load<f64>(biasPartials + <usize>grp * biasStride + (<usize>o << 3));
    store<f32>(gb + (<usize>o << 2), <f32>s);
  }
}

// ---- The batch folded into one GEMM --------------------------------------------------------------
//
// On small maps a GEMM per image has too few columns (outH·outW, e.g. 1) to fill a 16-wide panel, so
// the batch's columns go side by side instead: `cols[C·kH·kW, N·L]` with image n at columns
// [n·L, (n+1)·L), and the forward pass, both gradients' products are one GEMM each (per group) on the
// generic PACK and ROWS jobs. The weight gradient's sum over the batch is then the GEMM's depth,
// blocked by a rule of the depth alone, so it is as thread-independent as everything else.

/**
 * Chunk `chunk`'s images (`images` a chunk, so that no two chunks write one cache line of a row:
 * see imagesPerChunk in runtime.ts) to their columns of the batch's columns. Args: images, x, cols.
 */
function convFoldIm2col(chunk: i32): void {
  const L = arg(CONV_OUT_H) * arg(CONV_OUT_W);
  const per = arg(CONV_FOLD_IM2COL_IMAGES);
  for (let img = chunk * per, end = min(arg(CONV_BATCH), img + per); img < end; img++) {
    jobIm2col(<usize>arg(CONV_FOLD_IM2COL_X), img, <usize>arg(CONV_FOLD_IM2COL_COLS) + ((<usize>img * <usize>L) << 2), arg(CONV_BATCH) * L);
  }
}

/** Image `img`'s columns of the batch's column gradient back into its input gradient. Args: gcols, gx. */
function convFoldCol2im(img: i32): void {
  const L = arg(CONV_OUT_H) * arg(CONV_OUT_W);
  jobCol2im(<usize>arg(CONV_FOLD_COL2IM_COLS) + ((<usize>img * <usize>L) << 2), arg(CONV_BATCH) * L, <usize>arg(CONV_FOLD_COL2IM_GX), img);
}

/**
 * Moves `N` images of `O` planes of `L` floats between the batch layout `[N, O, L]` at `batch` and the
 * folded one `[O, N·L]` at `folded`: to the batch when `toBatch`, else from it.
 */
export function convFold(batch: usize, folded: usize, N: i32, O: i32, L: i32, toBatch: bool): void {
  const bytes = <usize>L << 2;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const b = batch + ((<usize>(n * O + o) * <usize>L) << 2);
      const f = folded + ((<usize>o * <usize>N + <usize>n) * bytes);
      if (toBatch) copyBytes(b, f, bytes);
      else copyBytes(f, b, bytes);
    }
  }
}

// ---- Depthwise convolution ------------------------------------------------------------------------
//
// groups = C: output channel o = c·m + k (k < m, the channel multiplier) sees input channel c alone,
// through its kH×kW filter. A GEMM per channel would have depth kH·kW and one row, so these work
// directly on planes, four outputs to a vector: each plane is first copied into a zero-bordered one
// (arguments planeH, planeW: `Hp × Wp`, sized by the JS side so every tap and the whole image lie
// inside), so no tap needs a bounds check. Every output element is one fixed chain of f32 adds (no
// fused multiply-add), the same in a vector lane as in the scalar tail. 3×3 filters at column
// stride 1 or 2 (nearly every depthwise layer) keep their nine weights in registers.

/** Four taps `s` floats apart from `p`: contiguous, evens of eight, or gathered. */
@inline
function taps4(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 2) return evens(p);
  const b = <usize>s << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + b));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * b));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * b));
}

/** Tap `t` of a filter of `kk` taps at `w`, or of it rotated by 180° when `flip`. */
@inline
function tapWeight(w: usize, kk: i32, t: i32, flip: bool): f32 {
  return load<f32>(w + (<usize>(flip ? kk - 1 - t : t) << 2));
}

/**
 * A correlation over one zero-bordered plane: `dst[oy, ox] = start + Σ_ij w[i, j] · src[(oy·sH + i·dH)·Wp
 * + ox·sW + j·dW]` for an `outH × outW` output, taps in row-major order, the filter rotated when `flip`;
 * `start` is 0 (`init` 0), `b` (1) or what `dst` holds (2).
 */
function correlatePlane(
  src: usize, Wp: i32, sH: i32, sW: i32, dH: i32, dW: i32, kH: i32, kW: i32, w: usize, flip: bool,
  outH: i32, outW: i32, dst: usize, init: i32, b: f32,
): void {
  if (kH == 3 && kW == 3 && sW == 1) {
    correlatePlane3(src, Wp, sH, 1, dH, dW, w, flip, outH, outW, dst, init, b);
    return;
  }
  if (kH == 3 && kW == 3 && sW == 2) {
    correlatePlane3(src, Wp, sH, 2, dH, dW, w, flip, outH, outW, dst, init, b);
    return;
  }
  const kk = kH * kW;
  for (let oy = 0; oy < outH; oy++) {
    const yr = dst + ((<usize>oy * <usize>outW) << 2);
    const base = src + ((<usize>oy * <usize>sH * <usize>Wp) << 2);
    let ox = 0;
    for (; ox + 3 < outW; ox += 4) {
      let acc = init == 0 ? f32x4.splat(0) : init == 1 ? f32x4.splat(b) : v128.load(yr + (<usize>ox << 2));
      for (let i = 0; i < kH; i++) {
        const r = base + ((<usize>(i * dH * Wp + ox * sW)) << 2);
        for (let j = 0; j < kW; j++) {
          acc = f32x4.add(acc, f32x4.mul(f32x4.splat(tapWeight(w, kk, i * kW + j, flip)), taps4(r + (<usize>(j * dW) << 2), sW)));
        }
      }
      v128.store(yr + (<usize>ox << 2), acc);
    }
    for (; ox < outW; ox++) {
      let s: f32 = init == 0 ? 0 : init == 1 ? b : load<f32>(yr + (<usize>ox << 2));
      for (let i = 0; i < kH; i++) {
        const r = base + ((<usize>(i * dH * Wp + ox * sW)) << 2);
        for (let j = 0; j < kW; j++) s += tapWeight(w, kk, i * kW + j, flip) * load<f32>(r + (<usize>(j * dW) << 2));
      }
      store<f32>(yr + (<usize>ox << 2), s);
    }
  }
}

/** {@link correlatePlane} for a 3×3 filter at column stride `sW` (a constant where inlined), its weights in registers. */
@inline
function correlatePlane3(
  src: usize, Wp: i32, sH: i32, sW: i32, dH: i32, dW: i32, w: usize, flip: bool, outH: i32, outW: i32, dst: usize, init: i32, b: f32,
): void {
  const q0 = tapWeight(w, 9, 0, flip), q1 = tapWeight(w, 9, 1, flip), q2 = tapWeight(w, 9, 2, flip);
  const q3 = tapWeight(w, 9, 3, flip), q4 = tapWeight(w, 9, 4, flip), q5 = tapWeight(w, 9, 5, flip);
  const q6 = tapWeight(w, 9, 6, flip), q7 = tapWeight(w, 9, 7, flip), q8 = tapWeight(w, 9, 8, flip);
  const v0 = f32x4.splat(q0), v1 = f32x4.splat(q1), v2 = f32x4.splat(q2), v3 = f32x4.splat(q3), v4 = f32x4.splat(q4);
  const v5 = f32x4.splat(q5), v6 = f32x4.splat(q6), v7 = f32x4.splat(q7), v8 = f32x4.splat(q8);
  const dx = <usize>dW << 2, dy = (<usize>dH * <usize>Wp) << 2;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = src + ((<usize>oy * <usize>sH * <usize>Wp) << 2), r1 = r0 + dy, r2 = r1 + dy;
    const yr = dst + ((<usize>oy * <usize>outW) << 2);
    let ox = 0;
    for (; ox + 3 < outW; ox += 4) {
      const o = <usize>(ox * sW) << 2;
      let acc = init == 0 ? f32x4.splat(0) : init == 1 ? f32x4.splat(b) : v128.load(yr + (<usize>ox << 2));
      acc = f32x4.add(acc, f32x4.mul(v0, taps4(r0 + o, sW)));
      acc = f32x4.add(acc, f32x4.mul(v1, taps4(r0 + o + dx, sW)));
      acc = f32x4.add(acc, f32x4.mul(v2, taps4(r0 + o + 2 * dx, sW)));
      acc = f32x4.add(acc, f32x4.mul(v3, taps4(r1 + o, sW)));
      acc = f32x4.add(acc, f32x4.mul(v4, taps4(r1 + o + dx, sW)));
      acc = f32x4.add(acc, f32x4.mul(v5, taps4(r1 + o + 2 * dx, sW)));
      acc = f32x4.add(acc, f32x4.mul(v6, taps4(r2 + o, sW)));
      acc = f32x4.add(acc, f32x4.mul(v7, taps4(r2 + o + dx, sW)));
      acc = f32x4.add(acc, f32x4.mul(v8, taps4(r2 + o + 2 * dx, sW)));
      v128.store(yr + (<usize>ox << 2), acc);
    }
    for (; ox < outW; ox++) {
      const o = <usize>(ox * sW) << 2;
      let s: f32 = init == 0 ? 0 : init == 1 ? b : load<f32>(yr + (<usize>ox << 2));
      s += q0 * load<f32>(r0 + o); s += q1 * load<f32>(r0 + o + dx); s += q2 * load<f32>(r0 + o + 2 * dx);
      s += q3 * load<f32>(r1 + o); s += q4 * load<f32>(r1 + o + dx); s += q5 * load<f32>(r1 + o + 2 * dx);
      s += q6 * load<f32>(r2 + o); s += q7 * load<f32>(r2 + o + dx); s += q8 * load<f32>(r2 + o + 2 * dx);
      store<f32>(yr + (<usize>ox << 2), s);
    }
  }
}

/**
 * Planes `(n, c)` of chunk `chunk` of the depthwise forward pass: `out[n, c·m + k] = bias + Σ_ij
 * w[c·m + k, i, j] · x[n, c, oy·sH + i·dH − pt, ox·sW + j·dW − pl]`. Args: x, w, bias (0: none), out,
 * scratch, its stride, Hp, Wp, planes per chunk.
 */
function depthwiseForward(chunk: i32, thread: i32): void {
  const C = arg(CONV_CHANNELS), H = arg(CONV_HEIGHT), W = arg(CONV_WIDTH), O = arg(CONV_OUT_CHANNELS), kH = arg(CONV_K_H), kW = arg(CONV_K_W);
  const outH = arg(CONV_OUT_H), outW = arg(CONV_OUT_W);
  const x = <usize>arg(DEPTHWISE_FORWARD_X), w = <usize>arg(DEPTHWISE_FORWARD_W), bias = <usize>arg(DEPTHWISE_FORWARD_BIAS), out = <usize>arg(DEPTHWISE_FORWARD_OUT);
  const pad = <usize>arg(DEPTHWISE_FORWARD_SCRATCH) + <usize>thread * <usize>arg(DEPTHWISE_FORWARD_SCRATCH_STRIDE);
  const Hp = arg(DEPTHWISE_FORWARD_PLANE_H), Wp = arg(DEPTHWISE_FORWARD_PLANE_W), per = arg(DEPTHWISE_FORWARD_PER_CHUNK);
  const m = O / C, kk = kH * kW, L = outH * outW;
  const p1 = min(arg(CONV_BATCH) * C, (chunk + 1) * per);
  for (let p = chunk * per; p < p1; p++) {
    const n = p / C, c = p - n * C;
    padPlane(x + ((<usize>p * <usize>H * <usize>W) << 2), H, W, arg(CONV_PAD_TOP), arg(CONV_PAD_LEFT), pad, Hp, Wp);
    for (let k = 0; k < m; k++) {
      const o = c * m + k;
      correlatePlane(pad, Wp, arg(CONV_STRIDE_H), arg(CONV_STRIDE_W), arg(CONV_DILATION_H), arg(CONV_DILATION_W), kH, kW, w + ((<usize>o * <usize>kk) << 2), false, outH, outW,
        out + ((<usize>(n * O + o) * <usize>L) << 2), bias == 0 ? 0 : 1, bias == 0 ? 0 : load<f32>(bias + (<usize>o << 2)));
    }
  }
}

/**
 * Planes `(n, c)` of chunk `chunk` of the depthwise input gradient. At stride 1 it is the
 * correlation of each output gradient plane, zero-bordered by `(kH − 1)·dH` rows and `(kW − 1)·dW`
 * columns, with the rotated filter, summed over k = 0 … m − 1 (planeH, planeW then size that
 * bordered plane). At other strides every output gradient element, times each tap's weight, is
 * added where that tap read (k, then taps in row-major order, then outputs), on the zero-bordered
 * input plane, whose image part is then copied out. Args: g, w, gx, scratch, its stride, Hp, Wp,
 * planes per chunk.
 */
function depthwiseInputGrad(chunk: i32, thread: i32): void {
  const C = arg(CONV_CHANNELS), H = arg(CONV_HEIGHT), W = arg(CONV_WIDTH), O = arg(CONV_OUT_CHANNELS), kH = arg(CONV_K_H), kW = arg(CONV_K_W), sH = arg(CONV_STRIDE_H), sW = arg(CONV_STRIDE_W);
  const pt = arg(CONV_PAD_TOP), pl = arg(CONV_PAD_LEFT), outH = arg(CONV_OUT_H), outW = arg(CONV_OUT_W), dH = arg(CONV_DILATION_H), dW = arg(CONV_DILATION_W);
  const g = <usize>arg(DEPTHWISE_INPUT_GRAD_G), w = <usize>arg(DEPTHWISE_INPUT_GRAD_W), gx = <usize>arg(DEPTHWISE_INPUT_GRAD_GX);
  const pad = <usize>arg(DEPTHWISE_INPUT_GRAD_SCRATCH) + <usize>thread * <usize>arg(DEPTHWISE_INPUT_GRAD_SCRATCH_STRIDE);
  const Hp = arg(DEPTHWISE_INPUT_GRAD_PLANE_H), Wp = arg(DEPTHWISE_INPUT_GRAD_PLANE_W), per = arg(DEPTHWISE_INPUT_GRAD_PER_CHUNK);
  const m = O / C, kk = kH * kW, L = outH * outW;
  const p1 = min(arg(CONV_BATCH) * C, (chunk + 1) * per);
  const gather = sH == 1 && sW == 1;
  for (let p = chunk * per; p < p1; p++) {
    const n = p / C, c = p - n * C;
    const image = gx + ((<usize>p * <usize>H * <usize>W) << 2);
    if (gather) {
      const bh = (kH - 1) * dH, bw = (kW - 1) * dW;
      for (let k = 0; k < m; k++) {
        const o = c * m + k;
        padPlane(g + ((<usize>(n * O + o) * <usize>L) << 2), outH, outW, bh, bw, pad, Hp, Wp);
        // gx[y, x] reads bordered row y + pt + i·dH, column x + pl + j·dW of tap (kH − 1 − i, kW − 1 − j).
        correlatePlane(pad + ((<usize>(pt * Wp + pl)) << 2), Wp, 1, 1, dH, dW, kH, kW, w + ((<usize>o * <usize>kk) << 2), true, H, W,
          image, k == 0 ? 0 : 2, 0);
      }
      continue;
    }
    zeroBytes(pad, (<usize>Hp * <usize>Wp) << 2);
    for (let k = 0; k < m; k++) {
      const o = c * m + k;
      const gp = g + ((<usize>(n * O + o) * <usize>L) << 2);
      for (let i = 0; i < kH; i++) {
        for (let j = 0; j < kW; j++) {
          const ws = load<f32>(w + ((<usize>(o * kk + i * kW + j)) << 2));
          const wv = f32x4.splat(ws);
          for (let oy = 0; oy < outH; oy++) {
            const d = pad + ((<usize>((oy * sH + i * dH) * Wp + j * dW)) << 2);
            const s = gp + ((<usize>oy * <usize>outW) << 2);
            let ox = 0;
            if (sW == 1) {
              for (; ox + 3 < outW; ox += 4) {
                const at = d + (<usize>ox << 2);
                v128.store(at, f32x4.add(v128.load(at), f32x4.mul(wv, v128.load(s + (<usize>ox << 2)))));
              }
            } else if (sW == 2) {
              // Every other column: the products interleaved with zeros (x + 0 is x), eight columns
              // at a time; the last may reach one float past the row, into the next or the slack.
              const z = f32x4.splat(0);
              for (; ox + 3 < outW; ox += 4) {
                const at = d + (<usize>ox << 3);
                const t = f32x4.mul(wv, v128.load(s + (<usize>ox << 2)));
                v128.store(at, f32x4.add(v128.load(at), v128.shuffle<f32>(t, z, 0, 4, 1, 4)));
                v128.store(at, f32x4.add(v128.load(at, 16), v128.shuffle<f32>(t, z, 2, 4, 3, 4)), 16);
              }
            }
            for (; ox < outW; ox++) {
              const at = d + ((<usize>(ox * sW)) << 2);
              store<f32>(at, load<f32>(at) + ws * load<f32>(s + (<usize>ox << 2)));
            }
          }
        }
      }
    }
    for (let y = 0; y < H; y++) {
      copyBytes(image + ((<usize>y * <usize>W) << 2), pad + ((<usize>((y + pt) * Wp + pl)) << 2), <usize>W << 2);
    }
  }
}

/** Adds `t` to lane 0 of `acc` (the scalar tail of a vector of running sums). */
@inline
function addLane0(acc: v128, t: f32): v128 {
  return f32x4.replace_lane(acc, 0, f32x4.extract_lane(acc, 0) + t);
}

/**
 * One plane's terms of the depthwise weight gradient: `sums[t] += Σ g[oy, ox] · tap t's input`, a
 * vector of four running sums per tap `t` (the tail in lane 0), taps read as in {@link correlatePlane}.
 */
function weightGradPlane(
  src: usize, Wp: i32, sH: i32, sW: i32, dH: i32, dW: i32, kH: i32, kW: i32, g: usize, outH: i32, outW: i32, sums: usize,
): void {
  if (kH == 3 && kW == 3 && sW == 1) {
    weightGradPlane3(src, Wp, sH, 1, dH, dW, g, outH, outW, sums);
    return;
  }
  if (kH == 3 && kW == 3 && sW == 2) {
    weightGradPlane3(src, Wp, sH, 2, dH, dW, g, outH, outW, sums);
    return;
  }
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const at = sums + ((<usize>(i * kW + j)) << 4);
      let acc = v128.load(at);
      for (let oy = 0; oy < outH; oy++) {
        const r = src + ((<usize>((oy * sH + i * dH) * Wp + j * dW)) << 2);
        const s = g + ((<usize>oy * <usize>outW) << 2);
        let ox = 0;
        for (; ox + 3 < outW; ox += 4) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(s + (<usize>ox << 2)), taps4(r + ((<usize>(ox * sW)) << 2), sW)));
        }
        for (; ox < outW; ox++) acc = addLane0(acc, load<f32>(s + (<usize>ox << 2)) * load<f32>(r + ((<usize>(ox * sW)) << 2)));
      }
      v128.store(at, acc);
    }
  }
}

/** {@link weightGradPlane} for a 3×3 filter at column stride `sW` (a constant where inlined): one pass, nine sums in registers. */
@inline
function weightGradPlane3(src: usize, Wp: i32, sH: i32, sW: i32, dH: i32, dW: i32, g: usize, outH: i32, outW: i32, sums: usize): void {
  let a0 = v128.load(sums), a1 = v128.load(sums, 16), a2 = v128.load(sums, 32), a3 = v128.load(sums, 48), a4 = v128.load(sums, 64);
  let a5 = v128.load(sums, 80), a6 = v128.load(sums, 96), a7 = v128.load(sums, 112), a8 = v128.load(sums, 128);
  const dx = <usize>dW << 2, dy = (<usize>dH * <usize>Wp) << 2;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = src + ((<usize>oy * <usize>sH * <usize>Wp) << 2), r1 = r0 + dy, r2 = r1 + dy;
    const s = g + ((<usize>oy * <usize>outW) << 2);
    let ox = 0;
    for (; ox + 3 < outW; ox += 4) {
      const gv = v128.load(s + (<usize>ox << 2));
      const o = <usize>(ox * sW) << 2;
      a0 = f32x4.add(a0, f32x4.mul(gv, taps4(r0 + o, sW)));
      a1 = f32x4.add(a1, f32x4.mul(gv, taps4(r0 + o + dx, sW)));
      a2 = f32x4.add(a2, f32x4.mul(gv, taps4(r0 + o + 2 * dx, sW)));
      a3 = f32x4.add(a3, f32x4.mul(gv, taps4(r1 + o, sW)));
      a4 = f32x4.add(a4, f32x4.mul(gv, taps4(r1 + o + dx, sW)));
      a5 = f32x4.add(a5, f32x4.mul(gv, taps4(r1 + o + 2 * dx, sW)));
      a6 = f32x4.add(a6, f32x4.mul(gv, taps4(r2 + o, sW)));
      a7 = f32x4.add(a7, f32x4.mul(gv, taps4(r2 + o + dx, sW)));
      a8 = f32x4.add(a8, f32x4.mul(gv, taps4(r2 + o + 2 * dx, sW)));
    }
    for (; ox < outW; ox++) {
      const gs = load<f32>(s + (<usize>ox << 2));
      const o = <usize>(ox * sW) << 2;
      a0 = addLane0(a0, gs * load<f32>(r0 + o)); a1 = addLane0(a1, gs * load<f32>(r0 + o + dx)); a2 = addLane0(a2, gs * load<f32>(r0 + o + 2 * dx));
      a3 = addLane0(a3, gs * load<f32>(r1 + o)); a4 = addLane0(a4, gs * load<f32>(r1 + o + dx)); a5 = addLane0(a5, gs * load<f32>(r1 + o + 2 * dx));
      a6 = addLane0(a6, gs * load<f32>(r2 + o)); a7 = addLane0(a7, gs * load<f32>(r2 + o + dx)); a8 = addLane0(a8, gs * load<f32>(r2 + o + 2 * dx));
    }
  }
  v128.store(sums, a0); v128.store(sums, a1, 16); v128.store(sums, a2, 32); v128.store(sums, a3, 48); v128.store(sums, a4, 64);
  v128.store(sums, a5, 80); v128.store(sums, a6, 96); v128.store(sums, a7, 112); v128.store(sums, a8, 128);
}

/**
 * Channels `c` of chunk `chunk` of the depthwise weight and bias gradients, each a sum over the whole
 * batch in image order (so it needs no partials): per tap a vector of four running sums, its lanes
 * added in order at the end; the bias's plane sums in f64. A zero gw or gb skips it. Args: x, g, gw,
 * gb, scratch, its stride, Hp, Wp, channels per chunk.
 */
function depthwiseWeightGrad(chunk: i32, thread: i32): void {
  const N = arg(CONV_BATCH), C = arg(CONV_CHANNELS), H = arg(CONV_HEIGHT), W = arg(CONV_WIDTH), O = arg(CONV_OUT_CHANNELS), kH = arg(CONV_K_H), kW = arg(CONV_K_W);
  const outH = arg(CONV_OUT_H), outW = arg(CONV_OUT_W);
  const x = <usize>arg(DEPTHWISE_WEIGHT_GRAD_X), g = <usize>arg(DEPTHWISE_WEIGHT_GRAD_G), gw = <usize>arg(DEPTHWISE_WEIGHT_GRAD_GW), gb = <usize>arg(DEPTHWISE_WEIGHT_GRAD_GB);
  const pad = <usize>arg(DEPTHWISE_WEIGHT_GRAD_SCRATCH) + <usize>thread * <usize>arg(DEPTHWISE_WEIGHT_GRAD_SCRATCH_STRIDE);
  const Hp = arg(DEPTHWISE_WEIGHT_GRAD_PLANE_H), Wp = arg(DEPTHWISE_WEIGHT_GRAD_PLANE_W), per = arg(DEPTHWISE_WEIGHT_GRAD_PER_CHUNK);
  const m = O / C, kk = kH * kW, L = outH * outW;
  // After the plane (and 8 floats of slack): m·kk vector sums, then m f64 bias sums.
  const sums = pad + ((((<usize>Hp * <usize>Wp + 8) << 2) + 15) & ~<usize>15);
  const biasSums = sums + ((<usize>m * <usize>kk) << 4);
  const c1 = min(C, (chunk + 1) * per);
  for (let c = chunk * per; c < c1; c++) {
    zeroBytes(sums, ((<usize>m * <usize>kk) << 4) + (<usize>m << 3));
    for (let n = 0; n < N; n++) {
      const gn = g + ((<usize>(n * O + c * m) * <usize>L) << 2);
      if (gb != 0) addPlaneSums(gn, m, L, biasSums);
      if (gw == 0) continue;
      padPlane(x + ((<usize>(n * C + c) * <usize>H * <usize>W) << 2), H, W, arg(CONV_PAD_TOP), arg(CONV_PAD_LEFT), pad, Hp, Wp);
      for (let k = 0; k < m; k++) {
        weightGradPlane(pad, Wp, arg(CONV_STRIDE_H), arg(CONV_STRIDE_W), arg(CONV_DILATION_H), arg(CONV_DILATION_W), kH, kW, gn + ((<usize>k * <usize>L) << 2), outH, outW,
          sums + ((<usize>(k * kk)) << 4));
      }
    }
    for (let k = 0; k < m; k++) {
      const o = c * m + k;
      if (gw != 0) {
        for (let t = 0; t < kk; t++) {
          const v = v128.load(sums + ((<usize>(k * kk + t)) << 4));
          const s = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
          store<f32>(gw + ((<usize>(o * kk + t)) << 2), s);
        }
      }
      if (gb != 0) store<f32>(gb + (<usize>o << 2), <f32>load<f64>(biasSums + (<usize>k << 3)));
    }
  }
}

// ---- Winograd F(2×2, 3×3) ----------------------------------------------------------------------
//
// A 3×3, stride-1 correlation computed per 2×2 output tile as Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A (Lavin &
// Gray 2016), with d the tile's 4×4 input patch: 16 products per tile and channel pair instead of
// 36, so the GEMM work drops 2.25× for the price of cheap transforms. The 16 products become 16
// GEMMs M_ξ = U_ξ·V_ξ ([Cout×Cin]·[Cin×tiles]) on the same micro-kernels. Used for the forward pass
// and, on the output gradient with the filters rotated, for the input gradient.
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]

/**
 * Tiles per block of the Winograd transforms and GEMMs. Blocks bound the scratch a large image needs
 * (16·(Cin + Cout) floats per tile); on the W2 shapes 128 to 1024 ran the same, once the ξ strides
 * stopped aliasing in L1 (see {@link spread}).
 */
const WINOGRAD_TILES: i32 = 512;

/** The 3×3 filter of the correlation's output channel `co` and input channel `ci` in `w` (`[O, C, 3, 3]`): `w[co][ci]`, or flipped `w[ci][co]`. */
@inline
function filterOf(w: usize, C: i32, co: i32, ci: i32, flip: bool): usize {
  return w + ((<usize>(flip ? ci * C + co : co * C + ci) * 9) << 2);
}

/** Tap `k = 3i + j` of the filter at `src`, `g[i][j]`, or of the filter rotated by 180° (`g[2 − i][2 − j]`, tap 8 − k) when flipped. */
@inline
function tap(src: usize, k: i32, flip: bool): f32 {
  return load<f32>(src + (<usize>(flip ? 8 - k : k) << 2));
}

/**
 * Rows `r0 ≤ co < r1` of the filters transformed for Winograd (a WINOGRAD_FILTERS chunk):
 * `U[ξ][co][ci] = (G·g·Gᵀ)[ξ]` for the 3×3 filter `g` of output channel `co` and input channel `ci`
 * of the correlation, with `w` stored `[O, C, 3, 3]`. Unflipped, `co` is `o` and `ci` is `c`;
 * flipped (for the input gradient), `co` is `c`, `ci` is `o` and `g` is `w[o][c]` rotated by 180°.
 * The ξ regions lie `uStride` bytes apart (spread: not a multiple of 4 KB). A chunk owns whole
 * rows of U and writes each row's floats in order, so chunks share cache lines only at their edges
 * and the 16 lines being filled stay in L1: about 10 ns a filter on one thread. With the regions a
 * multiple of 4 KB apart (16 lines in one L1 set) and chunks of weight rows (flipped, a column of
 * U each, its lines shared with the other thread's chunks), it was 30–40 ns, and 8× slower on two
 * threads in ResNet-18.
 */
function winogradFilters(w: usize, O: i32, C: i32, flip: bool, U: usize, uStride: usize, r0: i32, r1: i32): void {
  const cin = flip ? O : C;
  for (let co = r0; co < r1; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const src = filterOf(w, C, co, ci, flip);
      const g0 = tap(src, 0, flip), g1 = tap(src, 1, flip), g2 = tap(src, 2, flip);
      const g3 = tap(src, 3, flip), g4 = tap(src, 4, flip), g5 = tap(src, 5, flip);
      const g6 = tap(src, 6, flip), g7 = tap(src, 7, flip), g8 = tap(src, 8, flip);
      // G·g (4×3), one column of g at a time.
      const a0 = g0, a1 = <f32>0.5 * (g0 + g3 + g6), a2 = <f32>0.5 * (g0 - g3 + g6), a3 = g6;
      const b0 = g1, b1 = <f32>0.5 * (g1 + g4 + g7), b2 = <f32>0.5 * (g1 - g4 + g7), b3 = g7;
      const c0 = g2, c1 = <f32>0.5 * (g2 + g5 + g8), c2 = <f32>0.5 * (g2 - g5 + g8), c3 = g8;
      const at = U + ((<usize>(co * cin + ci)) << 2);
      // (G·g)·Gᵀ, row r = [x0, ½(x0 + x1 + x2), ½(x0 − x1 + x2), x2] for row r of G·g.
      store<f32>(at, a0); store<f32>(at + uStride, <f32>0.5 * (a0 + b0 + c0));
      store<f32>(at + 2 * uStride, <f32>0.5 * (a0 - b0 + c0)); store<f32>(at + 3 * uStride, c0);
      store<f32>(at + 4 * uStride, a1); store<f32>(at + 5 * uStride, <f32>0.5 * (a1 + b1 + c1));
      store<f32>(at + 6 * uStride, <f32>0.5 * (a1 - b1 + c1)); store<f32>(at + 7 * uStride, c1);
      store<f32>(at + 8 * uStride, a2); store<f32>(at + 9 * uStride, <f32>0.5 * (a2 + b2 + c2));
      store<f32>(at + 10 * uStride, <f32>0.5 * (a2 - b2 + c2)); store<f32>(at + 11 * uStride, c2);
      store<f32>(at + 12 * uStride, a3); store<f32>(at + 13 * uStride, <f32>0.5 * (a3 + b3 + c3));
      store<f32>(at + 14 * uStride, <f32>0.5 * (a3 - b3 + c3)); store<f32>(at + 15 * uStride, c3);
    }
  }
}

/** Lanes `p[0], p[2], p[4], p[6]` (floats from byte address `p`). */
@inline
function evens(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/** Lanes `p[1], p[3], p[5], p[7]`. */
@inline
function odds(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 1, 3, 5, 7);
}

/**
 * Stores the values of tiles `t … t + 3` into the packed-panel layout at `v` (one ξ): lane `t & 15`
 * of row `c` of panel `t >> 4`; one vector store unless the four straddle two panels.
 */
@inline
function storeTiles(v: usize, cin: i32, c: i32, t: i32, x: v128): void {
  if ((t & 15) <= 12) {
    v128.store(v + ((<usize>((t >> 4) * cin + c) * <usize>NR + <usize>(t & 15)) << 2), x);
    return;
  }
  store<f32>(v + ((<usize>((t >> 4) * cin + c) * <usize>NR + <usize>(t & 15)) << 2), f32x4.extract_lane(x, 0));
  store<f32>(v + ((<usize>(((t + 1) >> 4) * cin + c) * <usize>NR + <usize>((t + 1) & 15)) << 2), f32x4.extract_lane(x, 1));
  store<f32>(v + ((<usize>(((t + 2) >> 4) * cin + c) * <usize>NR + <usize>((t + 2) & 15)) << 2), f32x4.extract_lane(x, 2));
  store<f32>(v + ((<usize>(((t + 3) >> 4) * cin + c) * <usize>NR + <usize>((t + 3) & 15)) << 2), f32x4.extract_lane(x, 3));
}

/**
 * The input transform V = Bᵀ·d·B of four horizontally adjacent tiles at once (their 4×4 patches start
 * at columns x0, x0 + 2, x0 + 4, x0 + 6 of rows y0 … y0 + 3, all inside the plane).
 */
@inline
function inputTiles4(plane: usize, W: i32, y0: i32, x0: i32, V: usize, vStride: usize, cin: i32, c: i32, t: i32): void {
  const w4 = <usize>W << 2;
  const r0 = plane + ((<usize>(y0 * W + x0)) << 2), r1 = r0 + w4, r2 = r1 + w4, r3 = r2 + w4;
  const d00 = evens(r0), d01 = odds(r0), d02 = evens(r0 + 8), d03 = odds(r0 + 8);
  const d10 = evens(r1), d11 = odds(r1), d12 = evens(r1 + 8), d13 = odds(r1 + 8);
  const d20 = evens(r2), d21 = odds(r2), d22 = evens(r2 + 8), d23 = odds(r2 + 8);
  const d30 = evens(r3), d31 = odds(r3), d32 = evens(r3 + 8), d33 = odds(r3 + 8);
  const e00 = f32x4.sub(d00, d20), e01 = f32x4.sub(d01, d21), e02 = f32x4.sub(d02, d22), e03 = f32x4.sub(d03, d23);
  const e10 = f32x4.add(d10, d20), e11 = f32x4.add(d11, d21), e12 = f32x4.add(d12, d22), e13 = f32x4.add(d13, d23);
  const e20 = f32x4.sub(d20, d10), e21 = f32x4.sub(d21, d11), e22 = f32x4.sub(d22, d12), e23 = f32x4.sub(d23, d13);
  const e30 = f32x4.sub(d10, d30), e31 = f32x4.sub(d11, d31), e32 = f32x4.sub(d12, d32), e33 = f32x4.sub(d13, d33);
  storeTiles(V, cin, c, t, f32x4.sub(e00, e02)); storeTiles(V + vStride, cin, c, t, f32x4.add(e01, e02));
  storeTiles(V + 2 * vStride, cin, c, t, f32x4.sub(e02, e01)); storeTiles(V + 3 * vStride, cin, c, t, f32x4.sub(e01, e03));
  storeTiles(V + 4 * vStride, cin, c, t, f32x4.sub(e10, e12)); storeTiles(V + 5 * vStride, cin, c, t, f32x4.add(e11, e12));
  storeTiles(V + 6 * vStride, cin, c, t, f32x4.sub(e12, e11)); storeTiles(V + 7 * vStride, cin, c, t, f32x4.sub(e11, e13));
  storeTiles(V + 8 * vStride, cin, c, t, f32x4.sub(e20, e22)); storeTiles(V + 9 * vStride, cin, c, t, f32x4.add(e21, e22));
  storeTiles(V + 10 * vStride, cin, c, t, f32x4.sub(e22, e21)); storeTiles(V + 11 * vStride, cin, c, t, f32x4.sub(e21, e23));
  storeTiles(V + 12 * vStride, cin, c, t, f32x4.sub(e30, e32)); storeTiles(V + 13 * vStride, cin, c, t, f32x4.add(e31, e32));
  storeTiles(V + 14 * vStride, cin, c, t, f32x4.sub(e32, e31)); storeTiles(V + 15 * vStride, cin, c, t, f32x4.sub(e31, e33));
}

/**
 * Copies a `H × W` plane into a zero-filled `Hp × Wp` one at row `pt`, column `pl` (clipping what
 * falls outside), so that reads at `(y + pt, x + pl)` see the plane with zero padding.
 */
function padPlane(src: usize, H: i32, W: i32, pt: i32, pl: i32, dst: usize, Hp: i32, Wp: i32): void {
  zeroBytes(dst, (<usize>Hp * <usize>Wp) << 2);
  const x0 = max(0, -pl), x1 = min(W, Wp - pl); // source columns that land inside
  if (x0 >= x1) return;
  for (let y = max(0, -pt); y < H && y + pt < Hp; y++) {
    copyBytes(dst + ((<usize>((y + pt) * Wp + x0 + pl)) << 2), src + ((<usize>(y * W + x0)) << 2), <usize>(x1 - x0) << 2);
  }
}

/**
 * Stores the two output rows' values of four tiles: `even` holds the tiles' left outputs, `odd` their
 * right ones; `cols` of the 8 columns from `y` lie inside the output (all 8: two vector stores).
 */
@inline
function storeOutputs(y: usize, even: v128, odd: v128, cols: i32): void {
  const lo = v128.shuffle<f32>(even, odd, 0, 4, 1, 5);
  const hi = v128.shuffle<f32>(even, odd, 2, 6, 3, 7);
  if (cols >= 8) {
    v128.store(y, lo);
    v128.store(y, hi, 16);
    return;
  }
  if (cols > 0) store<f32>(y, f32x4.extract_lane(lo, 0));
  if (cols > 1) store<f32>(y, f32x4.extract_lane(lo, 1), 4);
  if (cols > 2) store<f32>(y, f32x4.extract_lane(lo, 2), 8);
  if (cols > 3) store<f32>(y, f32x4.extract_lane(lo, 3), 12);
  if (cols > 4) store<f32>(y, f32x4.extract_lane(hi, 0), 16);
  if (cols > 5) store<f32>(y, f32x4.extract_lane(hi, 1), 20);
  if (cols > 6) store<f32>(y, f32x4.extract_lane(hi, 2), 24);
}

/**
 * The output transform Y = Aᵀ·m·A (+ bias) of four horizontally adjacent tiles: `m` addresses the
 * first tile's product in M_0, `y` its top-left output; `cols` of the group's 8 output columns lie
 * inside the output, and its lower row only if `lower`.
 */
@inline
function outputTiles4(m: usize, mStride: usize, b: v128, y: usize, outW: i32, lower: bool, cols: i32): void {
  const m0 = v128.load(m), m1 = v128.load(m + mStride), m2 = v128.load(m + 2 * mStride), m3 = v128.load(m + 3 * mStride);
  const m4 = v128.load(m + 4 * mStride), m5 = v128.load(m + 5 * mStride), m6 = v128.load(m + 6 * mStride), m7 = v128.load(m + 7 * mStride);
  const m8 = v128.load(m + 8 * mStride), m9 = v128.load(m + 9 * mStride), m10 = v128.load(m + 10 * mStride), m11 = v128.load(m + 11 * mStride);
  const m12 = v128.load(m + 12 * mStride), m13 = v128.load(m + 13 * mStride), m14 = v128.load(m + 14 * mStride), m15 = v128.load(m + 15 * mStride);
  // Aᵀ·m: rows (m0 + m1 + m2, m1 − m2 − m3) of each column of the 4×4 m; then ·A along the rows.
  const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
  const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
  storeOutputs(y, f32x4.add(b, f32x4.add(f32x4.add(s00, s01), s02)), f32x4.add(b, f32x4.sub(f32x4.sub(s01, s02), s03)), cols);
  if (!lower) return;
  const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
  const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
  storeOutputs(y + (<usize>outW << 2), f32x4.add(b, f32x4.add(f32x4.add(s10, s11), s12)), f32x4.add(b, f32x4.sub(f32x4.sub(s11, s12), s13)), cols);
}

/**
 * One image of the Winograd correlation: `out[co, oy, ox] = bias[co] + Σ_ci Σ_ij g[co, ci, i, j] ·
 * x[ci, oy + i − pt, ox + j − pl]` (zero outside the input), overwriting `out` (`[cout, outH, outW]`).
 * `U` holds the transformed filters ({@link winogradFilters}, ξ regions `uStride` bytes apart); `scratch` room for {@link
 * winogradScratchFloats} floats. Every transform goes four tiles at a time.
 */
function winogradImage(
  x: usize, cin: i32, H: i32, W: i32, pt: i32, pl: i32, U: usize, uStride: usize, bias: usize, cout: i32, outH: i32, outW: i32,
  out: usize, scratch: usize, tmp: usize,
): void {
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1;
  const tW4 = (tW + 3) & ~3; // a row's tiles, rounded up to the groups of four the transforms take
  // Tiles go in even blocks of whole tile rows (at most about WINOGRAD_TILES tiles). Within a block tile
  // (r, tx) is column r·tW + tx; the group of four that reaches past a row's last tile writes the
  // next row's first columns (which that row then overwrites) or, on the block's last row, up to 3
  // spare columns; the GEMMs run over whole panels, and columns past the tiles are never read.
  const blocks = (tH * tW4 + WINOGRAD_TILES - 1) / WINOGRAD_TILES;
  const rowsPer = (tH + blocks - 1) / blocks;
  const cols = panelsOf(rowsPer * tW + 3) * NR; // columns room for any block
  const vStride = spread((<usize>cin * <usize>cols) << 2); // bytes per ξ of a block's packed V
  const mStride = spread((<usize>cout * <usize>cols) << 2);
  const V = scratch;
  const M = V + 16 * vStride;
  const Wp = 2 * tW4 + 2;
  const plane = M + 16 * mStride; // one channel's rows of the block, zero-bordered: every patch inside
  for (let ty0 = 0; ty0 < tH; ty0 += rowsPer) {
    const rows = min(rowsPer, tH - ty0);
    const used = rows * tW;
    const n = panelsOf(used) * NR;
    // Input transform, straight into the packed-panel layout of packB; the spare columns zeroed
    // first, so the GEMMs never see stale or uninitialised lanes: whole panels, each one run over
    // every channel (one memory.fill per 64-byte row was 512 calls out of V8's code an image on
    // W2's second conv).
    for (let xi = 0; xi < 16; xi++) {
      for (let q = used >> 4; q < cols / NR; q++) zeroBytes(V + <usize>xi * vStride + ((<usize>(q * cin) * <usize>NR) << 2), (<usize>cin * <usize>NR) << 2);
    }
    for (let c = 0; c < cin; c++) {
      padPlane(x + ((<usize>c * <usize>H * <usize>W) << 2), H, W, pt - 2 * ty0, pl, plane, 2 * rows + 2, Wp);
      for (let r = 0; r < rows; r++) {
        for (let tx = 0; tx < tW; tx += 4) inputTiles4(plane, Wp, 2 * r, 2 * tx, V, vStride, cin, c, r * tW + tx);
      }
    }
    // The 16 products.
    for (let xi = 0; xi < 16; xi++) {
      gemmRows(false, cout, n, cin, U + <usize>xi * uStride, V + <usize>xi * vStride, M + <usize>xi * mStride, <usize>n << 2, false, tmp, 0, cout);
    }
    // Output transform: Y = Aᵀ·m·A per tile, plus the bias, clipped at odd output sizes.
    for (let co = 0; co < cout; co++) {
      const bv = f32x4.splat(bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2)));
      const mo = M + ((<usize>co * <usize>n) << 2);
      const yo = out + ((<usize>co * <usize>outH * <usize>outW) << 2);
      for (let r = 0; r < rows; r++) {
        const oy = 2 * (ty0 + r);
        for (let tx = 0; tx < tW; tx += 4) {
          outputTiles4(mo + ((<usize>(r * tW + tx)) << 2), mStride, bv, yo + ((<usize>(oy * outW + 2 * tx)) << 2), outW, oy + 1 < outH, min(8, outW - 2 * tx));
        }
      }
    }
  }
}

/**
 * A stride for the 16 ξ regions of V or M that the transforms touch all at once: rounded up to 4 KB
 * plus one cache line, so the 16 regions start in 16 different L1 sets. With strides that are
 * multiples of 4 KB (e.g. 32 channels × 96 tiles × 4 bytes = 12 KB) they all map to the same set and
 * evict each other: measured 10–20 % slower.
 */
@inline
function spread(bytes: usize): usize {
  return ((bytes + 4095) & ~4095) + 64;
}

/**
 * Floats of scratch {@link winogradImage} needs: a block's packed transformed input and products, and
 * the zero-bordered input planes. Exported so the JS side sizes its regions by the same rule.
 */
export function winogradScratchFloats(cin: i32, cout: i32, outH: i32, outW: i32): i32 {
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, tW4 = (tW + 3) & ~3;
  const blocks = (tH * tW4 + WINOGRAD_TILES - 1) / WINOGRAD_TILES;
  const rowsPer = (tH + blocks - 1) / blocks;
  const cols = panelsOf(rowsPer * tW + 3) * NR;
  return <i32>((16 * (spread((<usize>cin * <usize>cols) << 2) + spread((<usize>cout * <usize>cols) << 2))) >> 2) + (2 * rowsPer + 2) * (2 * tW4 + 2);
}

/** Image `img` of a WINOGRAD job (its arguments: see the schema). */
function winogradJob(img: i32, thread: i32): void {
  const cin = arg(WINOGRAD_IN_CHANNELS), H = arg(WINOGRAD_HEIGHT), W = arg(WINOGRAD_WIDTH), cout = arg(WINOGRAD_OUT_CHANNELS), outH = arg(WINOGRAD_OUT_H), outW = arg(WINOGRAD_OUT_W);
  const x = <usize>arg(WINOGRAD_X) + ((<usize>img * <usize>cin * <usize>H * <usize>W) << 2);
  const out = <usize>arg(WINOGRAD_OUT) + ((<usize>img * <usize>cout * <usize>outH * <usize>outW) << 2);
  const scratch = <usize>arg(WINOGRAD_SCRATCH) + <usize>thread * <usize>arg(WINOGRAD_SCRATCH_STRIDE);
  winogradImage(x, cin, H, W, arg(WINOGRAD_PAD_TOP), arg(WINOGRAD_PAD_LEFT), <usize>arg(WINOGRAD_FILTERS), <usize>arg(WINOGRAD_FILTERS_STRIDE), <usize>arg(WINOGRAD_BIAS), cout, outH, outW, out, scratch, tmpOf(thread));
}

// ---- Winograd F(4×4, 3×3), a few images a chunk ---------------------------------------------------
//
// The same correlation per 4×4 output tile from its 6×6 input patch, Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A with
// Lavin & Gray's points 0, ±1, ±2: 36 products per tile and channel pair for 16 outputs, 2.25
// multiplications an output against F(2×2, 3×3)'s 4 (and the direct 9), for transforms of about the
// same cost an output. Its larger coefficients round about 10× worse than F(2×2)'s (still within the
// tests' float32 bound, but not PyTorch's default tolerances), so the JS side takes it only where
// `setConvPrecision('high')` allows. Lanes are four horizontally adjacent tiles, as above; a chunk
// takes a few images whose tiles are side by side as the columns of one GEMM per ξ (image k's tile
// (ty, tx) is column k·T + ty·tW + tx), so a map of few tiles still fills the 16-wide panels. Each
// column's arithmetic is the same whatever the chunk, so results do not depend on the grouping.
//
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; ¹⁄₂₄ ¹⁄₁₂ ⅙; ¹⁄₂₄ −¹⁄₁₂ ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]

/** Most tiles a block of one image takes (bounding the scratch of big maps, 36·(Cin + Cout) floats a tile). */
const WINOGRAD4_TILES: i32 = 256;

/** Component `i` of G·(a, b, c)ᵀ (a constant `i` after inlining). */
@inline
function gTimes(a: f32, b: f32, c: f32, i: i32): f32 {
  if (i == 0) return <f32>0.25 * a;
  if (i == 1) return <f32>(-1.0 / 6.0) * ((a + b) + c);
  if (i == 2) return <f32>(-1.0 / 6.0) * ((a - b) + c);
  if (i == 3) return (<f32>(1.0 / 24.0) * a + <f32>(1.0 / 12.0) * b) + <f32>(1.0 / 6.0) * c;
  if (i == 4) return (<f32>(1.0 / 24.0) * a - <f32>(1.0 / 12.0) * b) + <f32>(1.0 / 6.0) * c;
  return c;
}

/** Row `(a, b, c)` of G·g times Gᵀ: six values at `at`, `uStride` bytes apart. */
@inline
function filterRow6(at: usize, uStride: usize, a: f32, b: f32, c: f32): void {
  store<f32>(at, gTimes(a, b, c, 0));
  store<f32>(at + uStride, gTimes(a, b, c, 1));
  store<f32>(at + 2 * uStride, gTimes(a, b, c, 2));
  store<f32>(at + 3 * uStride, gTimes(a, b, c, 3));
  store<f32>(at + 4 * uStride, gTimes(a, b, c, 4));
  store<f32>(at + 5 * uStride, gTimes(a, b, c, 5));
}

/**
 * Rows `r0 ≤ co < r1` of the filters transformed for F(4×4, 3×3) (a WINOGRAD_4X4_FILTERS chunk):
 * `U[ξ][co][ci] = (G·g·Gᵀ)[ξ]`, ξ = 6i + j, otherwise as {@link winogradFilters} (flip, strides).
 */
function winograd4Filters(w: usize, O: i32, C: i32, flip: bool, U: usize, uStride: usize, r0: i32, r1: i32): void {
  const cin = flip ? O : C;
  for (let co = r0; co < r1; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const src = filterOf(w, C, co, ci, flip);
      const g0 = tap(src, 0, flip), g1 = tap(src, 1, flip), g2 = tap(src, 2, flip);
      const g3 = tap(src, 3, flip), g4 = tap(src, 4, flip), g5 = tap(src, 5, flip);
      const g6 = tap(src, 6, flip), g7 = tap(src, 7, flip), g8 = tap(src, 8, flip);
      // Row i of G·g is (G·column 0, G·column 1, G·column 2)[i]; each row times Gᵀ gives ξ 6i … 6i + 5.
      const at = U + ((<usize>(co * cin + ci)) << 2);
      const s6 = 6 * uStride;
      filterRow6(at, uStride, gTimes(g0, g3, g6, 0), gTimes(g1, g4, g7, 0), gTimes(g2, g5, g8, 0));
      filterRow6(at + s6, uStride, gTimes(g0, g3, g6, 1), gTimes(g1, g4, g7, 1), gTimes(g2, g5, g8, 1));
      filterRow6(at + 2 * s6, uStride, gTimes(g0, g3, g6, 2), gTimes(g1, g4, g7, 2), gTimes(g2, g5, g8, 2));
      filterRow6(at + 3 * s6, uStride, gTimes(g0, g3, g6, 3), gTimes(g1, g4, g7, 3), gTimes(g2, g5, g8, 3));
      filterRow6(at + 4 * s6, uStride, gTimes(g0, g3, g6, 4), gTimes(g1, g4, g7, 4), gTimes(g2, g5, g8, 4));
      filterRow6(at + 5 * s6, uStride, gTimes(g0, g3, g6, 5), gTimes(g1, g4, g7, 5), gTimes(g2, g5, g8, 5));
    }
  }
}

/** A vector to `at`: straight into the scratch, or (`toV`) lane by tile into the packed V ({@link storeTiles}). */
@inline
function put4(at: usize, x: v128, toV: bool, cin: i32, c: i32, t: i32): void {
  if (toV) storeTiles(at, cin, c, t, x);
  else v128.store(at, x);
}

/**
 * Bᵀ·(d0 … d5) for four tiles (lanes), its six rows to `at`, `step` bytes apart:
 * 4(d0 − d2) + (d4 − d2), (d4 − 4d2) ± (d3 − 4d1), (d4 − d2) ± 2(d3 − d1), 4(d1 − d3) + (d5 − d3).
 */
@inline
function inputTransform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, at: usize, step: usize, toV: bool, cin: i32, c: i32, t: i32): void {
  const four = f32x4.splat(4), two = f32x4.splat(2);
  const t0 = f32x4.sub(d4, f32x4.mul(four, d2)), t1 = f32x4.sub(d3, f32x4.mul(four, d1));
  const t2 = f32x4.sub(d4, d2), t3 = f32x4.mul(two, f32x4.sub(d3, d1));
  put4(at, f32x4.add(f32x4.mul(four, f32x4.sub(d0, d2)), t2), toV, cin, c, t);
  put4(at + step, f32x4.add(t0, t1), toV, cin, c, t);
  put4(at + 2 * step, f32x4.sub(t0, t1), toV, cin, c, t);
  put4(at + 3 * step, f32x4.add(t2, t3), toV, cin, c, t);
  put4(at + 4 * step, f32x4.sub(t2, t3), toV, cin, c, t);
  put4(at + 5 * step, f32x4.add(f32x4.mul(four, f32x4.sub(d1, d3)), f32x4.sub(d5, d3)), toV, cin, c, t);
}

/**
 * V = Bᵀ·d·B of four horizontally adjacent tiles of one channel: their 6×6 patches start at columns
 * x0, x0 + 4, x0 + 8, x0 + 12 of rows y0 … y0 + 5 of the zero-bordered plane (row length Wp, at least
 * x0 + 20 columns). Each patch row's 20 floats are transposed into six vectors of the tiles' columns
 * and times B into `tmp` (36 vectors); then each column times Bᵀ into ξ = 6i + j of the packed V.
 */
@inline
function inputTiles4x4(plane: usize, Wp: i32, y0: i32, x0: i32, V: usize, vStride: usize, cin: i32, c: i32, t: i32, tmp: usize): void {
  for (let i = 0; i < 6; i++) {
    const r = plane + ((<usize>((y0 + i) * Wp + x0)) << 2);
    const l0 = v128.load(r), l1 = v128.load(r, 16), l2 = v128.load(r, 32), l3 = v128.load(r, 48), l4 = v128.load(r, 64);
    const a0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), a1 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5);
    const b0 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7), b1 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
    const e0 = v128.shuffle<f32>(l1, l2, 0, 4, 1, 5), e1 = v128.shuffle<f32>(l3, l4, 0, 4, 1, 5);
    inputTransform6(
      v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), v128.shuffle<f32>(a0, a1, 2, 3, 6, 7),
      v128.shuffle<f32>(b0, b1, 0, 1, 4, 5), v128.shuffle<f32>(b0, b1, 2, 3, 6, 7),
      v128.shuffle<f32>(e0, e1, 0, 1, 4, 5), v128.shuffle<f32>(e0, e1, 2, 3, 6, 7),
      tmp + <usize>i * 96, 16, false, cin, c, t,
    );
  }
  for (let j = 0; j < 6; j++) {
    const s = tmp + <usize>j * 16;
    inputTransform6(
      v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), v128.load(s, 384), v128.load(s, 480),
      V + <usize>j * vStride, 6 * vStride, true, cin, c, t,
    );
  }
}

/**
 * Y = Aᵀ·m·A (+ bias `b`) of four horizontally adjacent tiles of one output channel: `m` addresses the
 * first tile's product in M_0 (ξ regions `mStride` apart), `y` its top-left output; `rows` of the
 * tiles' 4 rows and `cols` of their 16 columns lie inside the output. Each column of m times Aᵀ into
 * `tmp`, then each row times A, transposed so that a vector holds one tile's four outputs of a row.
 */
@inline
function outputTiles4x4(m: usize, mStride: usize, b: v128, y: usize, outW: i32, rows: i32, cols: i32, tmp: usize): void {
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  const s6 = 6 * mStride;
  for (let j = 0; j < 6; j++) {
    const at = m + <usize>j * mStride;
    const m0 = v128.load(at), m1 = v128.load(at + s6), m2 = v128.load(at + 2 * s6);
    const m3 = v128.load(at + 3 * s6), m4 = v128.load(at + 4 * s6), m5 = v128.load(at + 5 * s6);
    const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2), r = f32x4.add(m3, m4), s = f32x4.sub(m3, m4);
    const o = tmp + <usize>j * 16;
    v128.store(o, f32x4.add(f32x4.add(m0, p), r));
    v128.store(o, f32x4.add(q, f32x4.mul(two, s)), 96);
    v128.store(o, f32x4.add(p, f32x4.mul(four, r)), 192);
    v128.store(o, f32x4.add(f32x4.add(q, f32x4.mul(eight, s)), m5), 288);
  }
  for (let i = 0; i < rows; i++) {
    const at = tmp + <usize>i * 96;
    const m0 = v128.load(at), m1 = v128.load(at, 16), m2 = v128.load(at, 32);
    const m3 = v128.load(at, 48), m4 = v128.load(at, 64), m5 = v128.load(at, 80);
    const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2), r = f32x4.add(m3, m4), s = f32x4.sub(m3, m4);
    const y0 = f32x4.add(b, f32x4.add(f32x4.add(m0, p), r));
    const y1 = f32x4.add(b, f32x4.add(q, f32x4.mul(two, s)));
    const y2 = f32x4.add(b, f32x4.add(p, f32x4.mul(four, r)));
    const y3 = f32x4.add(b, f32x4.add(f32x4.add(q, f32x4.mul(eight, s)), m5));
    // Lane k of y_c is tile k's output column c: transposed, vector k is tile k's four columns.
    const a0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), a1 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5);
    const b0 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7), b1 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
    const row = y + ((<usize>(i * outW)) << 2);
    storeLanes(row, v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), cols);
    if (cols > 4) storeLanes(row + 16, v128.shuffle<f32>(a0, a1, 2, 3, 6, 7), cols - 4);
    if (cols > 8) storeLanes(row + 32, v128.shuffle<f32>(b0, b1, 0, 1, 4, 5), cols - 8);
    if (cols > 12) storeLanes(row + 48, v128.shuffle<f32>(b0, b1, 2, 3, 6, 7), cols - 12);
  }
}

/** Tile rows a block of one image takes: all of them when a chunk holds several images, else at most about WINOGRAD4_TILES tiles. */
@inline
function winograd4Rows(images: i32, tH: i32, tW4: i32): i32 {
  if (images > 1) return tH;
  const blocks = (tH * tW4 + WINOGRAD4_TILES - 1) / WINOGRAD4_TILES;
  return (tH + blocks - 1) / blocks;
}

/** Columns of a block's V and M: its tiles and 3 spare (the transforms go four tiles at a time), in whole panels. */
@inline
function winograd4Columns(images: i32, outH: i32, outW: i32): i32 {
  const tH = (outH + 3) >> 2, tW = (outW + 3) >> 2;
  return panelsOf(images * winograd4Rows(images, tH, (tW + 3) & ~3) * tW + 3) * NR;
}

/** Bytes of a block's zero-bordered input plane: rows of 4·tW4 + 4 floats, so the last group of four tiles reads 20 floats. */
@inline
function winograd4PlaneBytes(images: i32, outH: i32, outW: i32): usize {
  const tH = (outH + 3) >> 2, tW4 = (((outW + 3) >> 2) + 3) & ~3;
  return (<usize>(4 * winograd4Rows(images, tH, tW4) + 2) * <usize>(4 * tW4 + 4)) << 2;
}

/**
 * Floats of scratch a chunk of {@link winograd4Chunk} needs: a block's packed V and M (36 ξ regions
 * each), the input plane and 36 vectors of transform scratch. Exported so the JS side sizes its
 * regions by the same rule.
 */
export function winograd4ScratchFloats(images: i32, cin: i32, cout: i32, outH: i32, outW: i32): i32 {
  const cols = winograd4Columns(images, outH, outW);
  return <i32>((36 * (spread((<usize>cin * <usize>cols) << 2) + spread((<usize>cout * <usize>cols) << 2)) + winograd4PlaneBytes(images, outH, outW) + 576) >> 2);
}

/**
 * Chunk `chunk` of a WINOGRAD_4X4 job: images `chunk·images …` of `out[n, co, oy, ox] = bias[co] +
 * Σ_ci Σ_ij g[co, ci, i, j] · x[n, ci, oy + i − pt, ox + j − pl]` (zero outside the input), per
 * block: the input transform of every tile, the 36 products, the output transform.
 */
function winograd4Chunk(chunk: i32, thread: i32): void {
  const images = arg(WINOGRAD_4X4_IMAGES);
  const n0 = chunk * images, n1 = min(arg(WINOGRAD_4X4_BATCH), n0 + images);
  const cin = arg(WINOGRAD_4X4_IN_CHANNELS), H = arg(WINOGRAD_4X4_HEIGHT), W = arg(WINOGRAD_4X4_WIDTH);
  const cout = arg(WINOGRAD_4X4_OUT_CHANNELS), outH = arg(WINOGRAD_4X4_OUT_H), outW = arg(WINOGRAD_4X4_OUT_W);
  const pt = arg(WINOGRAD_4X4_PAD_TOP), pl = arg(WINOGRAD_4X4_PAD_LEFT);
  const U = <usize>arg(WINOGRAD_4X4_FILTERS), uStride = <usize>arg(WINOGRAD_4X4_FILTERS_STRIDE);
  const bias = <usize>arg(WINOGRAD_4X4_BIAS);
  const tH = (outH + 3) >> 2, tW = (outW + 3) >> 2, tW4 = (tW + 3) & ~3;
  const rowsPer = winograd4Rows(images, tH, tW4);
  const cols = winograd4Columns(images, outH, outW);
  const vStride = spread((<usize>cin * <usize>cols) << 2), mStride = spread((<usize>cout * <usize>cols) << 2);
  const V = <usize>arg(WINOGRAD_4X4_SCRATCH) + <usize>thread * <usize>arg(WINOGRAD_4X4_SCRATCH_STRIDE);
  const M = V + 36 * vStride;
  const plane = M + 36 * mStride;
  const tmp = plane + winograd4PlaneBytes(images, outH, outW);
  const Wp = 4 * tW4 + 4;
  const gemmTmp = tmpOf(thread);
  for (let ty0 = 0; ty0 < tH; ty0 += rowsPer) {
    const rows = min(rowsPer, tH - ty0);
    const perImage = rows * tW;
    const used = (n1 - n0) * perImage;
    const n = panelsOf(used) * NR;
    // The spare columns zeroed first, so the GEMMs never see stale or uninitialised lanes.
    for (let xi = 0; xi < 36; xi++) {
      for (let q = used >> 4; q < cols / NR; q++) zeroBytes(V + <usize>xi * vStride + ((<usize>(q * cin) * <usize>NR) << 2), (<usize>cin * <usize>NR) << 2);
    }
    // A group of four reaching past a row's last tile writes the next row's (or image's) first
    // columns, which that row then overwrites, or on the block's last row up to 3 spare columns.
    for (let img = n0; img < n1; img++) {
      const xImg = <usize>arg(WINOGRAD_4X4_X) + ((<usize>img * <usize>cin * <usize>H * <usize>W) << 2);
      const t0 = (img - n0) * perImage;
      for (let c = 0; c < cin; c++) {
        padPlane(xImg + ((<usize>c * <usize>H * <usize>W) << 2), H, W, pt - 4 * ty0, pl, plane, 4 * rows + 2, Wp);
        for (let r = 0; r < rows; r++) {
          for (let tx = 0; tx < tW; tx += 4) inputTiles4x4(plane, Wp, 4 * r, 4 * tx, V, vStride, cin, c, t0 + r * tW + tx, tmp);
        }
      }
    }
    for (let xi = 0; xi < 36; xi++) {
      gemmRows(false, cout, n, cin, U + <usize>xi * uStride, V + <usize>xi * vStride, M + <usize>xi * mStride, <usize>n << 2, false, gemmTmp, 0, cout);
    }
    for (let img = n0; img < n1; img++) {
      const t0 = (img - n0) * perImage;
      for (let co = 0; co < cout; co++) {
        const bv = f32x4.splat(bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2)));
        const mo = M + ((<usize>co * <usize>n + <usize>t0) << 2);
        const yo = <usize>arg(WINOGRAD_4X4_OUT) + ((<usize>(img * cout + co) * <usize>outH * <usize>outW) << 2);
        for (let r = 0; r < rows; r++) {
          const oy = 4 * (ty0 + r);
          for (let tx = 0; tx < tW; tx += 4) {
            outputTiles4x4(mo + ((<usize>(r * tW + tx)) << 2), mStride, bv, yo + ((<usize>(oy * outW + 4 * tx)) << 2), outW, min(4, outH - oy), min(16, outW - 4 * tx), tmp);
          }
        }
      }
    }
  }
}

// ---- Winograd over the whole batch --------------------------------------------------------------
//
// On small maps a Winograd pass per image is a set of GEMMs only a few tiles wide (a 4×4 map has 4
// tiles), far too narrow for the 16-wide panels. Here the batch's tiles are columns of one matrix
// per ξ: the input transform writes every image's tiles side by side (chunk: an image), the 16
// products are GEMMs over all of them (chunk: a ξ and a block of output channels), and the output
// transform reads them back (chunk: an image). Tile t of image n is column n·T + t (T tiles an
// image); every step is the per-image pass's arithmetic on the same values in the same order, so
// the results are the same bits.

/**
 * The input transform V = Bᵀ·d·B of one tile, its 4×4 patch at row y0, column x0 of the
 * zero-bordered plane `plane` (row length Wp), into column t of the packed V (one value per ξ): the
 * same operations as {@link inputTiles4}, one tile at a time, for tile rows narrower than four.
 */
@inline
function inputTile1(plane: usize, Wp: i32, y0: i32, x0: i32, V: usize, vStride: usize, cin: i32, c: i32, t: i32): void {
  const w4 = <usize>Wp << 2;
  const r0 = plane + ((<usize>(y0 * Wp + x0)) << 2);
  const d0 = v128.load(r0), d1 = v128.load(r0 + w4), d2 = v128.load(r0 + 2 * w4), d3 = v128.load(r0 + 3 * w4);
  const at = V + ((<usize>((t >> 4) * cin + c) * <usize>NR + <usize>(t & 15)) << 2);
  inputRow1(f32x4.sub(d0, d2), at, vStride);
  inputRow1(f32x4.add(d1, d2), at + 4 * vStride, vStride);
  inputRow1(f32x4.sub(d2, d1), at + 8 * vStride, vStride);
  inputRow1(f32x4.sub(d1, d3), at + 12 * vStride, vStride);
}

/** Row e (a vector over the patch's columns) times B: `[e0 − e2, e1 + e2, e2 − e1, e1 − e3]` at four ξ, `vStride` apart. */
@inline
function inputRow1(e: v128, at: usize, vStride: usize): void {
  const x = v128.shuffle<f32>(e, e, 0, 1, 2, 1);
  const y = v128.shuffle<f32>(e, e, 2, 2, 1, 3);
  const v = v128.shuffle<f32>(f32x4.sub(x, y), f32x4.add(x, y), 0, 5, 2, 3);
  store<f32>(at, f32x4.extract_lane(v, 0));
  store<f32>(at + vStride, f32x4.extract_lane(v, 1));
  store<f32>(at + 2 * vStride, f32x4.extract_lane(v, 2));
  store<f32>(at + 3 * vStride, f32x4.extract_lane(v, 3));
}

/** Image `img` of the batch's input transform (WINOGRAD_INPUT): its tiles into columns img·T … of V. */
function winogradInputImage(img: i32, thread: i32): void {
  const cin = arg(WINOGRAD_INPUT_IN_CHANNELS), H = arg(WINOGRAD_INPUT_HEIGHT), W = arg(WINOGRAD_INPUT_WIDTH);
  const outH = arg(WINOGRAD_INPUT_OUT_H), outW = arg(WINOGRAD_INPUT_OUT_W);
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, T = tH * tW;
  const Hp = 2 * tH + 2, Wp = 2 * tW + 2;
  const x = <usize>arg(WINOGRAD_INPUT_X) + ((<usize>img * <usize>cin * <usize>H * <usize>W) << 2);
  const V = <usize>arg(WINOGRAD_INPUT_V);
  const vStride = <usize>arg(WINOGRAD_INPUT_V_STRIDE);
  const plane = <usize>arg(WINOGRAD_INPUT_SCRATCH) + <usize>thread * <usize>arg(WINOGRAD_INPUT_SCRATCH_STRIDE);
  const pt = arg(WINOGRAD_INPUT_PAD_TOP), pl = arg(WINOGRAD_INPUT_PAD_LEFT);
  for (let c = 0; c < cin; c++) {
    padPlane(x + ((<usize>c * <usize>H * <usize>W) << 2), H, W, pt, pl, plane, Hp, Wp);
    for (let ty = 0; ty < tH; ty++) {
      for (let tx = 0; tx < tW; tx++) inputTile1(plane, Wp, 2 * ty, 2 * tx, V, vStride, cin, c, img * T + ty * tW + tx);
    }
  }
}

/**
 * Chunk `chunk` of the 16 products (WINOGRAD_PRODUCTS): ξ = ⌊chunk / blocks⌋, a block of output
 * channels. The forward passes' `M = U·V`; the weight gradient's `Ŭ (+)= M′·V′` (see below).
 */
function winogradProducts(chunk: i32, thread: i32): void {
  const blocks = arg(WINOGRAD_PRODUCTS_ROW_BLOCKS);
  const xi = chunk / blocks;
  const per = arg(WINOGRAD_PRODUCTS_ROWS_PER_CHUNK);
  const cout = arg(WINOGRAD_PRODUCTS_OUT_CHANNELS), cin = arg(WINOGRAD_PRODUCTS_IN_CHANNELS), cols = arg(WINOGRAD_PRODUCTS_COLUMNS);
  const i0 = (chunk - xi * blocks) * per;
  const U = <usize>arg(WINOGRAD_PRODUCTS_FILTERS) + <usize>xi * <usize>arg(WINOGRAD_PRODUCTS_FILTERS_STRIDE);
  const V = <usize>arg(WINOGRAD_PRODUCTS_V) + <usize>xi * <usize>arg(WINOGRAD_PRODUCTS_V_STRIDE);
  const M = <usize>arg(WINOGRAD_PRODUCTS_M) + <usize>xi * <usize>arg(WINOGRAD_PRODUCTS_M_STRIDE);
  gemmRows(false, cout, cols, cin, U, V, M, <usize>cols << 2, arg(WINOGRAD_PRODUCTS_ACCUMULATE) != 0, tmpOf(thread), i0, min(cout, i0 + per));
}

/** Image `img` of the batch's output transform (WINOGRAD_OUTPUT): Y = Aᵀ·m·A (+ bias) of its tiles. */
function winogradOutputImage(img: i32): void {
  const cout = arg(WINOGRAD_OUTPUT_OUT_CHANNELS), outH = arg(WINOGRAD_OUTPUT_OUT_H), outW = arg(WINOGRAD_OUTPUT_OUT_W);
  const cols = arg(WINOGRAD_OUTPUT_COLUMNS);
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, T = tH * tW;
  const bias = <usize>arg(WINOGRAD_OUTPUT_BIAS);
  const M = <usize>arg(WINOGRAD_OUTPUT_M);
  const mStride = <usize>arg(WINOGRAD_OUTPUT_M_STRIDE);
  const out = <usize>arg(WINOGRAD_OUTPUT_OUT) + ((<usize>img * <usize>cout * <usize>outH * <usize>outW) << 2);
  for (let co = 0; co < cout; co++) {
    const bv = f32x4.splat(bias == 0 ? <f32>0 : load<f32>(bias + (<usize>co << 2)));
    const mo = M + ((<usize>co * <usize>cols + <usize>(img * T)) << 2);
    const yo = out + ((<usize>co * <usize>outH * <usize>outW) << 2);
    for (let r = 0; r < tH; r++) {
      const oy = 2 * r;
      for (let tx = 0; tx < tW; tx += 4) {
        outputTiles4(mo + ((<usize>(r * tW + tx)) << 2), mStride, bv, yo + ((<usize>(oy * outW + 2 * tx)) << 2), outW, oy + 1 < outH, min(8, outW - 2 * tx));
      }
    }
  }
}

// ---- Winograd weight gradient ---------------------------------------------------------------------
//
// The forward pass computes each output tile as Y = Aᵀ·[U ⊙ V]·A with U = G·g·Gᵀ and V = Bᵀ·d·B,
// so by the chain rule the filter's gradient is Gᵀ·[Σ_tiles (A·dY·Aᵀ) ⊙ V]·G: per ξ, a sum over
// every tile of the batch of the transformed output gradient M′ = A·dY·Aᵀ times the transformed
// input V, i.e. one GEMM `Ŭ_ξ[O×C] = M′_ξ[O×T]·V_ξᵀ` whose depth is the tiles (2.25× fewer
// multiplications than the direct `dY·colsᵀ`). The batch is taken in fixed groups of images (a
// function of the shape): the transforms of a group (a chunk per few images), its 16 products (a chunk per
// ξ and block of output channels, accumulating into Ŭ in group order), then the inverse filter
// transform (a chunk per block of output channels). Tiles reaching past an odd output size see a
// zero gradient there, as the forward pass never wrote those outputs.

/**
 * M′ = A·dY·Aᵀ of four horizontally adjacent tiles of one output channel's gradient, from the
 * zero-bordered plane `plane` (row length W): tile k's 2×2 gradient is at rows y0, y0 + 1, columns
 * x0 + 2k, x0 + 2k + 1. The first `count` tiles' values go to `m` (the first tile's column in M′_0),
 * one ξ region `mStride` bytes apart.
 */
@inline
function gradTiles4(plane: usize, W: i32, y0: i32, x0: i32, m: usize, mStride: usize, count: i32): void {
  const r0 = plane + ((<usize>(y0 * W + x0)) << 2), r1 = r0 + (<usize>W << 2);
  const a = evens(r0), b = odds(r0), c = evens(r1), d = odds(r1);
  // A·dY: rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); each row (p, q)·Aᵀ = (p, p + q, p − q, −q).
  gradRow4(a, b, m, mStride, count);
  gradRow4(f32x4.add(a, c), f32x4.add(b, d), m + 4 * mStride, mStride, count);
  gradRow4(f32x4.sub(a, c), f32x4.sub(b, d), m + 8 * mStride, mStride, count);
  gradRow4(f32x4.neg(c), f32x4.neg(d), m + 12 * mStride, mStride, count);
}

/** A row (p, q) of A·dY times Aᵀ: `p, p + q, p − q, −q` at four ξ regions, the first `count` lanes. */
@inline
function gradRow4(p: v128, q: v128, m: usize, mStride: usize, count: i32): void {
  storeLanes(m, p, count);
  storeLanes(m + mStride, f32x4.add(p, q), count);
  storeLanes(m + 2 * mStride, f32x4.sub(p, q), count);
  storeLanes(m + 3 * mStride, f32x4.neg(q), count);
}


/**
 * Four channels of one image interleaved into a zero-bordered plane of vectors (`Hp × Wp`, lane k
 * = channel c0 + k, zero past the last channel `C`): `x`'s row y, column x lands at row y + pt,
 * column x + pl, clipped to the plane.
 */
function interleave4(x: usize, C: i32, H: i32, W: i32, c0: i32, pt: i32, pl: i32, P: usize, Hp: i32, Wp: i32): void {
  zeroBytes(P, (<usize>Hp * <usize>Wp) << 4);
  const x0 = max(0, -pl), x1 = min(W, Wp - pl);
  for (let k = 0; k < min(4, C - c0); k++) {
    const src = x + ((<usize>(c0 + k) * <usize>H * <usize>W) << 2);
    for (let y = max(0, -pt); y < H && y + pt < Hp; y++) {
      const from = src + ((<usize>(y * W)) << 2);
      const to = P + ((<usize>((y + pt) * Wp + pl)) << 4) + (<usize>k << 2);
      for (let xx = x0; xx < x1; xx++) store<f32>(to + (<usize>xx << 4), load<f32>(from + (<usize>xx << 2)));
    }
  }
}

/**
 * The input transform V = Bᵀ·d·B of one tile for four channels at once (lanes), its 4×4 patch at
 * row y0, column x0 of the interleaved plane `P` (row length Wp vectors): ξ = 4i + j goes to
 * `at + ξ·vStride`. The same operations as {@link inputTiles4}.
 */
@inline
function inputTileChannels4(P: usize, Wp: i32, y0: i32, x0: i32, at: usize, vStride: usize): void {
  const w16 = <usize>Wp << 4;
  const r0 = P + ((<usize>(y0 * Wp + x0)) << 4), r1 = r0 + w16, r2 = r1 + w16, r3 = r2 + w16;
  const d00 = v128.load(r0), d01 = v128.load(r0, 16), d02 = v128.load(r0, 32), d03 = v128.load(r0, 48);
  const d10 = v128.load(r1), d11 = v128.load(r1, 16), d12 = v128.load(r1, 32), d13 = v128.load(r1, 48);
  const d20 = v128.load(r2), d21 = v128.load(r2, 16), d22 = v128.load(r2, 32), d23 = v128.load(r2, 48);
  const d30 = v128.load(r3), d31 = v128.load(r3, 16), d32 = v128.load(r3, 32), d33 = v128.load(r3, 48);
  const e00 = f32x4.sub(d00, d20), e01 = f32x4.sub(d01, d21), e02 = f32x4.sub(d02, d22), e03 = f32x4.sub(d03, d23);
  const e10 = f32x4.add(d10, d20), e11 = f32x4.add(d11, d21), e12 = f32x4.add(d12, d22), e13 = f32x4.add(d13, d23);
  const e20 = f32x4.sub(d20, d10), e21 = f32x4.sub(d21, d11), e22 = f32x4.sub(d22, d12), e23 = f32x4.sub(d23, d13);
  const e30 = f32x4.sub(d10, d30), e31 = f32x4.sub(d11, d31), e32 = f32x4.sub(d12, d32), e33 = f32x4.sub(d13, d33);
  v128.store(at, f32x4.sub(e00, e02)); v128.store(at + vStride, f32x4.add(e01, e02));
  v128.store(at + 2 * vStride, f32x4.sub(e02, e01)); v128.store(at + 3 * vStride, f32x4.sub(e01, e03));
  v128.store(at + 4 * vStride, f32x4.sub(e10, e12)); v128.store(at + 5 * vStride, f32x4.add(e11, e12));
  v128.store(at + 6 * vStride, f32x4.sub(e12, e11)); v128.store(at + 7 * vStride, f32x4.sub(e11, e13));
  v128.store(at + 8 * vStride, f32x4.sub(e20, e22)); v128.store(at + 9 * vStride, f32x4.add(e21, e22));
  v128.store(at + 10 * vStride, f32x4.sub(e22, e21)); v128.store(at + 11 * vStride, f32x4.sub(e21, e23));
  v128.store(at + 12 * vStride, f32x4.sub(e30, e32)); v128.store(at + 13 * vStride, f32x4.add(e31, e32));
  v128.store(at + 14 * vStride, f32x4.sub(e32, e31)); v128.store(at + 15 * vStride, f32x4.sub(e31, e33));
}

/**
 * `Σ p[0 … n)` in f64 as four interleaved partial sums (elements 4j + k into the k-th), added as
 * `(s0 + s1) + (s2 + s3)`, then the tail in order: the bias sums of the Winograd weight gradient
 * (src/kernels/wasm/conv.ts repeats the same operations for a bias gradient alone).
 */
@inline
function planeSum(p: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    a = f64x2.add(a, f64x2.promote_low_f32x4(v));
    b = f64x2.add(b, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let s = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
  for (; i < n; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/**
 * Image `first + k` of a group (WINOGRAD_GRAD_TILES): its tiles' V (packed by channel panels,
 * rows `k·T …` of the group's `tiles`, four channels a pass through an interleaved plane; the
 * lanes past the last channel zero), M′ (rows of output channels, columns `k·T …`), and the f64
 * sums of its gradient planes for the bias ({@link planeSum}).
 */
function winogradGradTiles(k: i32, thread: i32): void {
  const C = arg(WINOGRAD_GRAD_TILES_IN_CHANNELS), H = arg(WINOGRAD_GRAD_TILES_HEIGHT), W = arg(WINOGRAD_GRAD_TILES_WIDTH);
  const O = arg(WINOGRAD_GRAD_TILES_OUT_CHANNELS), outH = arg(WINOGRAD_GRAD_TILES_OUT_H), outW = arg(WINOGRAD_GRAD_TILES_OUT_W);
  const tiles = arg(WINOGRAD_GRAD_TILES_TILES);
  const img = arg(WINOGRAD_GRAD_TILES_FIRST) + k;
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, tW4 = (tW + 3) & ~3;
  const t0 = k * tH * tW;
  const V = <usize>arg(WINOGRAD_GRAD_TILES_V), vStride = <usize>arg(WINOGRAD_GRAD_TILES_V_STRIDE);
  const M = <usize>arg(WINOGRAD_GRAD_TILES_M), mStride = <usize>arg(WINOGRAD_GRAD_TILES_M_STRIDE);
  const plane = <usize>arg(WINOGRAD_GRAD_TILES_SCRATCH) + <usize>thread * <usize>arg(WINOGRAD_GRAD_TILES_SCRATCH_STRIDE);
  const x = <usize>arg(WINOGRAD_GRAD_TILES_X) + ((<usize>img * <usize>C * <usize>H * <usize>W) << 2);
  const Hp = 2 * tH + 2, Wp = 2 * tW + 2;
  const zero = f32x4.splat(0);
  for (let c0 = 0; c0 < panelsOf(C) * NR; c0 += 4) {
    const row = V + ((<usize>((c0 >> 4) * tiles + t0) * <usize>NR + <usize>(c0 & 15)) << 2);
    if (c0 >= C) {
      for (let t = 0; t < tH * tW; t++) {
        for (let xi = 0; xi < 16; xi++) v128.store(row + (<usize>t << 6) + <usize>xi * vStride, zero);
      }
      continue;
    }
    interleave4(x, C, H, W, c0, arg(WINOGRAD_GRAD_TILES_PAD_TOP), arg(WINOGRAD_GRAD_TILES_PAD_LEFT), plane, Hp, Wp);
    for (let ty = 0; ty < tH; ty++) {
      for (let tx = 0; tx < tW; tx++) inputTileChannels4(plane, Wp, 2 * ty, 2 * tx, row + (<usize>(ty * tW + tx) << 6), vStride);
    }
  }
  const g = <usize>arg(WINOGRAD_GRAD_TILES_GRAD) + ((<usize>img * <usize>O * <usize>outH * <usize>outW) << 2);
  const sums = <usize>arg(WINOGRAD_GRAD_TILES_BIAS_SUMS);
  for (let o = 0; o < O; o++) {
    const go = g + ((<usize>o * <usize>outH * <usize>outW) << 2);
    padPlane(go, outH, outW, 0, 0, plane, 2 * tH, 2 * tW4);
    const mo = M + ((<usize>o * <usize>tiles + <usize>t0) << 2);
    for (let ty = 0; ty < tH; ty++) {
      for (let tx = 0; tx < tW; tx += 4) gradTiles4(plane, 2 * tW4, 2 * ty, 2 * tx, mo + ((<usize>(ty * tW + tx)) << 2), mStride, min(4, tW - tx));
    }
    if (sums != 0) store<f64>(sums + ((<usize>img * <usize>O + <usize>o) << 3), planeSum(go, outH * outW));
  }
}

/**
 * Output channels `o0 ≤ o < o1` of the weight gradient from Ŭ (WINOGRAD_WEIGHT_OUTPUT):
 * `gw[o, c] = Gᵀ·Ŭ[·, o, c]·G`, a 3×3 filter from the 16 ξ, overwriting `gw` (`[O, C, 3, 3]`).
 */
function winogradWeightOutput(U: usize, uStride: usize, O: i32, C: i32, gw: usize, o0: i32, o1: i32): void {
  const h = f32x4.splat(0.5);
  for (let o = o0; o < o1; o++) {
    for (let c = 0; c < C; c++) {
      const at = U + ((<usize>(o * C + c)) << 2);
      const r0 = xiRow(at, uStride, 0), r1 = xiRow(at, uStride, 4), r2 = xiRow(at, uStride, 8), r3 = xiRow(at, uStride, 12);
      // Gᵀ·X for X's rows r0 … r3: rows r0 + ½(r1 + r2), ½(r1 − r2), ½(r1 + r2) + r3.
      const s = f32x4.mul(h, f32x4.add(r1, r2));
      const dst = gw + ((<usize>(o * C + c) * 9) << 2);
      filterRow(dst, f32x4.add(r0, s));
      filterRow(dst + 12, f32x4.mul(h, f32x4.sub(r1, r2)));
      filterRow(dst + 24, f32x4.add(s, r3));
    }
  }
}

/** Row `(x0, x1, x2, x3)` of Gᵀ·X times G: `x0 + ½(x1 + x2), ½(x1 − x2), ½(x1 + x2) + x3` at `dst`. */
@inline
function filterRow(dst: usize, y: v128): void {
  const x0 = f32x4.extract_lane(y, 0), x1 = f32x4.extract_lane(y, 1), x2 = f32x4.extract_lane(y, 2), x3 = f32x4.extract_lane(y, 3);
  const s = <f32>0.5 * (x1 + x2);
  store<f32>(dst, x0 + s);
  store<f32>(dst, <f32>0.5 * (x1 - x2), 4);
  store<f32>(dst, s + x3, 8);
}

/** ξ `xi … xi + 3` of one filter's Ŭ (regions `uStride` bytes apart from `at`) as a vector. */
@inline
function xiRow(at: usize, uStride: usize, xi: i32): v128 {
  const p = at + <usize>xi * uStride;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + uStride));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * uStride));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * uStride));
}

// ---- ReLU ---------------------------------------------------------------------------------------

/**
 * Elements `e0 ≤ e < e1` of `out = max(x, 0)` (`f32x4.max` returns NaN for NaN and +0 for ±0, the
 * reference's results), or of ReLU's gradient `gx = g · (x > 0 ? 1 : 0)` when `g` is non-zero.
 */
function reluRange(x: usize, g: usize, out: usize, e0: i32, e1: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let e = e0;
  if (g == 0) {
    for (; e + 3 < e1; e += 4) {
      const o = <usize>e << 2;
      v128.store(out + o, f32x4.max(v128.load(x + o), zero));
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      const v = load<f32>(x + o);
      store<f32>(out + o, v <= 0 ? 0 : v);
    }
    return;
  }
  for (; e + 3 < e1; e += 4) {
    const o = <usize>e << 2;
    const mask = v128.and(f32x4.gt(v128.load(x + o), zero), one);
    v128.store(out + o, f32x4.mul(v128.load(g + o), mask));
  }
  for (; e < e1; e++) {
    const o = <usize>e << 2;
    store<f32>(out + o, load<f32>(g + o) * (load<f32>(x + o) > 0 ? <f32>1 : <f32>0));
  }
}

/**
 * Elements `e0 ≤ e < e1` of `out = a + b`: float32 additions, the reference's (its float64 sum of two
 * float32 values rounds to the same float32); a NaN may come out with another sign or payload. Each
 * element is read before it is written, so `out` may be `a` or `b`.
 */
function addRange(a: usize, b: usize, out: usize, e0: i32, e1: i32): void {
  let e = e0;
  for (; e + 3 < e1; e += 4) {
    const o = <usize>e << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; e < e1; e++) {
    const o = <usize>e << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** Matrices `m0 ≤ m < m1` of `[count, rows, cols]` at `src` written transposed, `[cols, rows]` each, at `dst`. */
function transposeMatrices(src: usize, dst: usize, rows: i32, cols: i32, m0: i32, m1: i32): void {
  const size = <usize>rows * <usize>cols;
  for (let m = m0; m < m1; m++) {
    const s = src + ((<usize>m * size) << 2), d = dst + ((<usize>m * size) << 2);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) store<f32>(d + ((<usize>c * <usize>rows + <usize>r) << 2), load<f32>(s + ((<usize>r * <usize>cols + <usize>c) << 2)));
    }
  }
}

/**
 * Elements `e0 ≤ e < e1` of hardtanh, `x` clamped into `[lo, hi]` (the bounds' f32 bit patterns):
 * `lo` where `x < lo`, `hi` where `x > hi`, else `x` itself (NaN stays NaN), as the reference's
 * float32 loop selects bit patterns; or, when `g` is non-zero, its gradient: `g` where `lo < x < hi`,
 * +0 elsewhere (the reference masks the bits of `g` the same way).
 */
function hardtanhRange(x: usize, g: usize, out: usize, loBits: i32, hiBits: i32, e0: i32, e1: i32): void {
  const lo = reinterpret<f32>(loBits), hi = reinterpret<f32>(hiBits);
  const lv = f32x4.splat(lo), hv = f32x4.splat(hi);
  let e = e0;
  if (g == 0) {
    for (; e + 3 < e1; e += 4) {
      const o = <usize>e << 2;
      const v = v128.load(x + o);
      const r = v128.bitselect(lv, v, f32x4.lt(v, lv));
      v128.store(out + o, v128.bitselect(hv, r, f32x4.gt(v, hv)));
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      const v = load<f32>(x + o);
      store<f32>(out + o, v < lo ? lo : v > hi ? hi : v);
    }
    return;
  }
  for (; e + 3 < e1; e += 4) {
    const o = <usize>e << 2;
    const v = v128.load(x + o);
    v128.store(out + o, v128.and(v128.load(g + o), v128.and(f32x4.gt(v, lv), f32x4.lt(v, hv))));
  }
  for (; e < e1; e++) {
    const o = <usize>e << 2;
    const v = load<f32>(x + o);
    store<i32>(out + o, v > lo && v < hi ? load<i32>(g + o) : 0);
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
 * Chunk `chunk` of a GEMM split by columns: it packs its own panels of op(B) into this thread's
 * scratch and computes those columns of C for every row, so the job needs no barrier between packing
 * and multiplying. Args: 1 tA, 2 tB, 3 m, 4 n, 5 k, 6 a, 7 b, 8 c, 9 accumulate, 10 panels per
 * chunk, 11 scratch, 12 scratch bytes per thread.
 */
function gemmColumns(chunk: i32, thread: i32): void {
  const m = arg(COLS_M), n = arg(COLS_N), k = arg(COLS_K), per = arg(COLS_PER_CHUNK);
  const q0 = chunk * per;
  const q1 = min(panelsOf(n), q0 + per);
  const packed = <usize>arg(COLS_SCRATCH) + <usize>thread * <usize>arg(COLS_SCRATCH_STRIDE);
  packB(arg(COLS_TRANS_B) != 0, n, k, <usize>arg(COLS_B), packed, q0, q0, q1);
  const j0 = q0 * NR;
  gemmRows(arg(COLS_TRANS_A) != 0, m, min(n, q1 * NR) - j0, k, <usize>arg(COLS_A), packed, <usize>arg(COLS_C) + (<usize>j0 << 2), <usize>n << 2, arg(COLS_ACCUMULATE) != 0, tmpOf(thread), 0, m);
}

/**
 * Runs chunk `chunk` of the job described at `JOB`, on thread `thread` (0 is the caller's; it picks
 * the scratch tile and regions). The JS side hands out each chunk exactly once.
 */
export function runChunk(chunk: i32, thread: i32): void {
  const op = arg(JOB_OP);
  if (op == OP_PACK) {
    // tB, n, k, b, out, panels per chunk
    const per = arg(PACK_PER_CHUNK);
    const q0 = chunk * per;
    packB(arg(PACK_TRANS_B) != 0, arg(PACK_N), arg(PACK_K), <usize>arg(PACK_B), <usize>arg(PACK_OUT), 0, q0, min(panelsOf(arg(PACK_N)), q0 + per));
  } else if (op == OP_ROWS) {
    // tA, m, n, k, a, packed B, c, accumulate, rows per chunk
    const per = arg(ROWS_PER_CHUNK);
    const i0 = chunk * per;
    gemmRows(arg(ROWS_TRANS_A) != 0, arg(ROWS_M), arg(ROWS_N), arg(ROWS_K), <usize>arg(ROWS_A), <usize>arg(ROWS_PACKED), <usize>arg(ROWS_C), <usize>arg(ROWS_N) << 2, arg(ROWS_ACCUMULATE) != 0, tmpOf(thread), i0, min(arg(ROWS_M), i0 + per));
  } else if (op == OP_COLS) {
    gemmColumns(chunk, thread);
  } else if (op == OP_CONV_FORWARD) {
    convForwardImage(chunk, thread);
  } else if (op == OP_CONV_INPUT_GRAD) {
    convInputGradImage(chunk, thread);
  } else if (op == OP_CONV_WEIGHT_GRAD) {
    convWeightGradGroup(chunk, thread);
  } else if (op == OP_WINOGRAD) {
    winogradJob(chunk, thread);
  } else if (op == OP_WINOGRAD_4X4) {
    winograd4Chunk(chunk, thread);
  } else if (op == OP_WINOGRAD_4X4_FILTERS) {
    const per = arg(WINOGRAD_4X4_FILTERS_PER_CHUNK);
    const r0 = chunk * per;
    const O = arg(WINOGRAD_4X4_FILTERS_WEIGHT_ROWS), C = arg(WINOGRAD_4X4_FILTERS_WEIGHT_COLUMNS), flip = arg(WINOGRAD_4X4_FILTERS_FLIP) != 0;
    winograd4Filters(<usize>arg(WINOGRAD_4X4_FILTERS_W), O, C, flip, <usize>arg(WINOGRAD_4X4_FILTERS_FILTERS), <usize>arg(WINOGRAD_4X4_FILTERS_FILTERS_STRIDE), r0, min(flip ? C : O, r0 + per));
  } else if (op == OP_CONV_FOLD_IM2COL) {
    convFoldIm2col(chunk);
  } else if (op == OP_CONV_FOLD_COL2IM) {
    convFoldCol2im(chunk);
  } else if (op == OP_DEPTHWISE_FORWARD) {
    depthwiseForward(chunk, thread);
  } else if (op == OP_DEPTHWISE_INPUT_GRAD) {
    depthwiseInputGrad(chunk, thread);
  } else if (op == OP_DEPTHWISE_WEIGHT_GRAD) {
    depthwiseWeightGrad(chunk, thread);
  } else if (op == OP_RELU) {
    // x, g (0 for the forward), out, n, elements per chunk
    const per = arg(RELU_PER_CHUNK);
    const e0 = chunk * per;
    reluRange(<usize>arg(RELU_X), <usize>arg(RELU_G), <usize>arg(RELU_OUT), e0, min(arg(RELU_N), e0 + per));
  } else if (op == OP_BATCH_NORM_FORWARD) {
    // x, out, n, c, s, stats, w, b, params, training, channels per chunk (see batchnorm.ts)
    const per = arg(BATCH_NORM_FORWARD_PER_CHUNK);
    const c0 = chunk * per;
    batchNormForwardChannels(c0, min(arg(BATCH_NORM_FORWARD_C), c0 + per), <usize>arg(BATCH_NORM_FORWARD_X), <usize>arg(BATCH_NORM_FORWARD_OUT), arg(BATCH_NORM_FORWARD_N), arg(BATCH_NORM_FORWARD_C), arg(BATCH_NORM_FORWARD_S), <usize>arg(BATCH_NORM_FORWARD_STATS), <usize>arg(BATCH_NORM_FORWARD_WEIGHT), <usize>arg(BATCH_NORM_FORWARD_BIAS), <usize>arg(BATCH_NORM_FORWARD_PARAMS), arg(BATCH_NORM_FORWARD_TRAINING) != 0);
  } else if (op == OP_BATCH_NORM_BACKWARD) {
    // g, x, gx, n, c, s, stats, w, sums, training, channels per chunk (see batchnorm.ts)
    const per = arg(BATCH_NORM_BACKWARD_PER_CHUNK);
    const c0 = chunk * per;
    batchNormBackwardChannels(c0, min(arg(BATCH_NORM_BACKWARD_C), c0 + per), <usize>arg(BATCH_NORM_BACKWARD_G), <usize>arg(BATCH_NORM_BACKWARD_X), <usize>arg(BATCH_NORM_BACKWARD_GX), arg(BATCH_NORM_BACKWARD_N), arg(BATCH_NORM_BACKWARD_C), arg(BATCH_NORM_BACKWARD_S), <usize>arg(BATCH_NORM_BACKWARD_STATS), <usize>arg(BATCH_NORM_BACKWARD_WEIGHT), <usize>arg(BATCH_NORM_BACKWARD_SUMS), arg(BATCH_NORM_BACKWARD_TRAINING) != 0);
  } else if (op == OP_MAX_POOL_2X2) {
    // x, H, W, outH, outW, out, argmax, planes, planes per chunk
    const per = arg(MAX_POOL_2X2_PER_CHUNK);
    const p0 = chunk * per;
    maxPool2x2Planes(<usize>arg(MAX_POOL_2X2_X), arg(MAX_POOL_2X2_HEIGHT), arg(MAX_POOL_2X2_WIDTH), arg(MAX_POOL_2X2_OUT_H), arg(MAX_POOL_2X2_OUT_W), <usize>arg(MAX_POOL_2X2_OUT), <usize>arg(MAX_POOL_2X2_ARGMAX), p0, min(arg(MAX_POOL_2X2_PLANES), p0 + per));
  } else if (op == OP_SGD_MOMENTUM) {
    // x, g, buf, params, n, elements per chunk (see optim.ts)
    const per = arg(SGD_MOMENTUM_PER_CHUNK);
    const i0 = chunk * per;
    sgdMomentumRange(<usize>arg(SGD_MOMENTUM_X), <usize>arg(SGD_MOMENTUM_G), <usize>arg(SGD_MOMENTUM_BUF), <usize>arg(SGD_MOMENTUM_PARAMS), i0, min(arg(SGD_MOMENTUM_N), i0 + per));
  } else if (op == OP_ADAM) {
    // x, g, m, v, params, decoupled, l2, n, elements per chunk (see optim.ts)
    const per = arg(ADAM_PER_CHUNK);
    const i0 = chunk * per;
    adamRange(<usize>arg(ADAM_X), <usize>arg(ADAM_G), <usize>arg(ADAM_M), <usize>arg(ADAM_V), <usize>arg(ADAM_PARAMS), arg(ADAM_DECOUPLED) != 0, arg(ADAM_L2) != 0, i0, min(arg(ADAM_N), i0 + per));
  } else if (op == OP_WINOGRAD_FILTERS) {
    const per = arg(WINOGRAD_FILTERS_PER_CHUNK);
    const r0 = chunk * per;
    const O = arg(WINOGRAD_FILTERS_WEIGHT_ROWS), C = arg(WINOGRAD_FILTERS_WEIGHT_COLUMNS), flip = arg(WINOGRAD_FILTERS_FLIP) != 0;
    winogradFilters(<usize>arg(WINOGRAD_FILTERS_W), O, C, flip, <usize>arg(WINOGRAD_FILTERS_FILTERS), <usize>arg(WINOGRAD_FILTERS_FILTERS_STRIDE), r0, min(flip ? C : O, r0 + per));
  } else if (op == OP_WINOGRAD_INPUT) {
    const per = arg(WINOGRAD_INPUT_IMAGES);
    for (let n = chunk * per, end = min(arg(WINOGRAD_INPUT_BATCH), n + per); n < end; n++) winogradInputImage(n, thread);
  } else if (op == OP_WINOGRAD_PRODUCTS) {
    winogradProducts(chunk, thread);
  } else if (op == OP_WINOGRAD_OUTPUT) {
    winogradOutputImage(chunk);
  } else if (op == OP_WINOGRAD_GRAD_TILES) {
    const per = arg(WINOGRAD_GRAD_TILES_IMAGES);
    for (let k = chunk * per, end = min(arg(WINOGRAD_GRAD_TILES_GROUP_IMAGES), k + per); k < end; k++) winogradGradTiles(k, thread);
  } else if (op == OP_WINOGRAD_WEIGHT_OUTPUT) {
    const per = arg(WINOGRAD_WEIGHT_OUTPUT_PER_CHUNK);
    const o0 = chunk * per;
    const O = arg(WINOGRAD_WEIGHT_OUTPUT_OUT_CHANNELS);
    winogradWeightOutput(<usize>arg(WINOGRAD_WEIGHT_OUTPUT_U), <usize>arg(WINOGRAD_WEIGHT_OUTPUT_U_STRIDE), O, arg(WINOGRAD_WEIGHT_OUTPUT_IN_CHANNELS), <usize>arg(WINOGRAD_WEIGHT_OUTPUT_GW), o0, min(O, o0 + per));
  } else if (op == OP_HARDTANH) {
    const per = arg(HARDTANH_PER_CHUNK);
    const e0 = chunk * per;
    hardtanhRange(<usize>arg(HARDTANH_X), <usize>arg(HARDTANH_G), <usize>arg(HARDTANH_OUT), arg(HARDTANH_LO_BITS), arg(HARDTANH_HI_BITS), e0, min(arg(HARDTANH_N), e0 + per));
  } else if (op == OP_ADD) {
    const per = arg(ADD_PER_CHUNK);
    const e0 = chunk * per;
    addRange(<usize>arg(ADD_A), <usize>arg(ADD_B), <usize>arg(ADD_OUT), e0, min(arg(ADD_N), e0 + per));
  } else if (op == OP_TRANSPOSE) {
    const per = arg(TRANSPOSE_PER_CHUNK);
    const m0 = chunk * per;
    transposeMatrices(<usize>arg(TRANSPOSE_SRC), <usize>arg(TRANSPOSE_DST), arg(TRANSPOSE_ROWS), arg(TRANSPOSE_COLS), m0, min(arg(TRANSPOSE_COUNT), m0 + per));
  } else if (op == OP_MAX_POOL) {
    const per = arg(MAX_POOL_PER_CHUNK);
    const p0 = chunk * per;
    maxPoolPlanes(<usize>arg(MAX_POOL_X), arg(MAX_POOL_HEIGHT), arg(MAX_POOL_WIDTH), arg(MAX_POOL_K_H), arg(MAX_POOL_K_W), arg(MAX_POOL_STRIDE_H), arg(MAX_POOL_STRIDE_W), arg(MAX_POOL_PAD_H), arg(MAX_POOL_PAD_W), arg(MAX_POOL_OUT_H), arg(MAX_POOL_OUT_W), <usize>arg(MAX_POOL_OUT), <usize>arg(MAX_POOL_ARGMAX), p0, min(arg(MAX_POOL_PLANES), p0 + per), <usize>arg(MAX_POOL_SCRATCH) + <usize>thread * <usize>arg(MAX_POOL_SCRATCH_STRIDE));
  } else if (op == OP_MAX_UNPOOL) {
    const per = arg(MAX_UNPOOL_PER_CHUNK);
    const p0 = chunk * per;
    maxUnpoolPlanes(<usize>arg(MAX_UNPOOL_GRAD), <usize>arg(MAX_UNPOOL_OUT), <usize>arg(MAX_UNPOOL_ARGMAX), <usize>arg(MAX_UNPOOL_GZ), arg(MAX_UNPOOL_PER), arg(MAX_UNPOOL_SIZE), arg(MAX_UNPOOL_ACTIVATION), arg(MAX_UNPOOL_FIRST) != 0, reinterpret<f32>(arg(MAX_UNPOOL_LO_BITS)), reinterpret<f32>(arg(MAX_UNPOOL_HI_BITS)), p0, min(arg(MAX_UNPOOL_PLANES), p0 + per));
  } else if (op == OP_DENSE_WRITE) {
    const per = arg(DENSE_WRITE_PER_CHUNK);
    const o0 = chunk * per;
    denseWriteRows(<usize>arg(DENSE_WRITE_W), <usize>arg(DENSE_WRITE_TAP_TABLE), <usize>arg(DENSE_WRITE_D), o0, min(arg(DENSE_WRITE_OUT_CHANNELS), o0 + per), arg(DENSE_WRITE_CHANNELS), arg(DENSE_WRITE_KERNEL_TAPS), arg(DENSE_WRITE_POSITIONS), arg(DENSE_WRITE_INPUTS));
  } else if (op == OP_DENSE_SUM_TAPS) {
    const per = arg(DENSE_SUM_TAPS_PER_CHUNK);
    const o0 = chunk * per;
    denseSumTapsRows(<usize>arg(DENSE_SUM_TAPS_GD), <usize>arg(DENSE_SUM_TAPS_PAIRS), <usize>arg(DENSE_SUM_TAPS_GW), o0, min(arg(DENSE_SUM_TAPS_OUT_CHANNELS), o0 + per), arg(DENSE_SUM_TAPS_CHANNELS), arg(DENSE_SUM_TAPS_KERNEL_TAPS), arg(DENSE_SUM_TAPS_INPUTS));
  } else {
    unreachable();
  }
}
