/**
 * The dense strategy of the WebAssembly convolution, for maps smaller than the filter: the whole
 * convolution as one matrix `D[O·L, C·H·W]` (L = outH·outW) with `D[o·L + p, c·H·W + q] = w[o, c, i, j]`
 * for the tap (i, j) through which output position p reads input position q, or 0 when none does.
 * Then the forward pass is one GEMM `out[N, O·L] = x[N, C·H·W] · Dᵀ` (x and out in their own layouts,
 * no columns, no folding), the input gradient `gx = grad · D`, and the weight gradient `gD = gradᵀ · x`
 * summed back over the (p, q) pairs of each tap.
 *
 * Why: on a map no bigger than the filter, most of im2col's columns are padding. ResNet-18 on 32×32
 * images ends on 2×2 and 1×1 maps, where a 3×3 filter (padding 1) has 4 of its 9 taps on the image
 * for each output, and 1 of 9 on a 1×1 map: the folded GEMM multiplies 2.25× and 9× more zeros than
 * products. D has exactly the products (`H·W` per output and input channel instead of `kH·kW`), so
 * the GEMMs shrink by `kH·kW / (H·W)`, at the price of writing D, which costs a fraction of a GEMM
 * over a batch (see {@link denseWins}).
 *
 * Ungrouped convolutions only (a grouped one would make D block-diagonal). Results are
 * thread-independent: every job (writing D, the GEMMs, summing the weight gradient per tap in f32,
 * packages/core/wasm/asc/dense.ts) is chunked by the shape, each chunk in a fixed order.
 */
import { type ConvGeometry, type ConvPass, conv2dBackward as jsConv2dBackward } from '../conv.js';
import { type Engine, type Placed, regions, scratchBase } from './engine.js';
import type { OutputGrad } from './fused.js';
import { CHUNKS, gemmJobs, gemmScratch } from './gemm-jobs.js';
import { denseSumTapsJob, denseWriteJob, transposeJob } from './jobs.js';
import { execute, getEngine, perChunk, pinnedFloat32, threadSlots } from './runtime.js';

/** The most floats D may take (16 MB): beyond it the maps are no longer small. */
const MAX_DENSE = 1 << 22;

/**
 * What writing D costs against the GEMM products it saves, measured per pass (`scripts/bench-conv.ts
 * --dense`, one thread, ms folded / dense for the forward pass, input gradient and weight gradient):
 *
 * - 32 images: 512→512 on 1×1 5.8 / 1.8, 9.4 / 1.7, 6.2 / 1.8; 256→256 on 2×2 5.4 / 3.2, 7.7 / 4.0,
 *   5.3 / 3.1; 64→64 on 2×2 0.46 / 0.17, 0.44 / 0.17, 0.46 / 0.20;
 * - 8 images: 512→512 on 1×1 3.4 / 1.4, 3.6 / 1.3, 2.8 / 1.4; 256→256 on 2×2 1.27 / 1.65,
 *   1.64 / 1.71, 1.48 / 1.31; 128→128 on 2×2 0.40 / 0.42, 0.40 / 0.41, 0.40 / 0.33;
 * - 2 images: 512→512 on 1×1 3.6 / 1.7, 5.1 / 1.3, 2.7 / 1.3; 256→256 on 2×2 0.69 / 1.27,
 *   0.78 / 1.24, 0.54 / 0.86.
 *
 * So a pass goes dense when the products saved per element of D, `N·(kH·kW − H·W)`, exceed
 * `WRITE_COST·H·W`: 1×1 maps from 2 images, 2×2 maps under a 3×3 filter from 9.
 */
const WRITE_COST = 10;

/** Whether the dense strategy can compute the convolution at all (ungrouped). */
export function denseApplies(g: ConvGeometry): boolean {
  return (g.groups ?? 1) === 1;
}

/** Whether the dense strategy beats the folded GEMM: the map is smaller than the filter by enough for the batch, and D is small. */
export function denseWins(g: ConvGeometry): boolean {
  const hw = g.height * g.width;
  return denseApplies(g) && g.batch * (g.kH * g.kW - hw) > WRITE_COST * hw
    && g.outChannels * g.outH * g.outW * g.channels * hw <= MAX_DENSE;
}

/**
 * The tap through which each output position reads each input position: `(i·kW + j)` at
 * `[p·H·W + q]` (p = oy·outW + ox, q = r·W + s), or −1 where none does (`r = oy·sH + i·dH − padTop`,
 * likewise s).
 */
function tapsOf(g: ConvGeometry): Int32Array {
  const { height: H, width: W, kH, kW, outH, outW } = g;
  const [dH, dW] = [g.dilationH ?? 1, g.dilationW ?? 1];
  const t = new Int32Array(outH * outW * H * W).fill(-1);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const p = oy * outW + ox;
      for (let i = 0; i < kH; i++) {
        const r = oy * g.strideH + i * dH - g.padTop;
        if (r < 0 || r >= H) continue;
        for (let j = 0; j < kW; j++) {
          const s = ox * g.strideW + j * dW - g.padLeft;
          if (s >= 0 && s < W) t[(p * H + r) * W + s] = i * kW + j;
        }
      }
    }
  }
  return t;
}

/**
 * What the D jobs are worth in the pool's flops (`minFlops`; about 60 to a nanosecond of one
 * thread): bound by memory, not arithmetic, they are counted by the elements they touch. Measured
 * on ResNet-18's layers (one thread, 32 images): writing D took 0.6 ms for 512→512 on 1×1 (D 0.26 M
 * elements; the weight 2.36 M, read whole since the one tap in nine is a stride under a cache line)
 * and 0.6 ms for 256→256 on 2×2 (D 1.05 M, the weight 0.59 M, four positions a SIMD store): about
 * 0.6 ns an element of D and 0.28 one of the weight. Summing the taps took 0.8 ms (D's gradient
 * 0.26 M, the weight gradient 2.36 M, filled then written) and 0.85 ms (1.05 M, 0.59 M). Counted as
 * twice D's products, as they were, the 1×1 layers' jobs stayed on the calling thread (8 of a
 * ResNet-18 step's 14 D writes and 4 of its 7 tap sums: 0.85 and 0.62 ms each on two threads, 0.50
 * and 0.39 ms pooled).
 */
const WRITE_FLOPS = { d: 35, weight: 17 };
const SUM_FLOPS = { d: 40, weight: 15 };

/** Output channels per chunk of the D jobs: a constant of the problem, never of the threads. */
function channelsPerChunk(O: number): number {
  return perChunk(O, CHUNKS);
}

/**
 * The pairs (p, q) each tap joins, for summing the weight gradient: the number U of taps that join
 * any, U of (tap, end of its pairs), then the pairs' offsets `p·O·HW·C + q·C` into D's gradient in
 * tap-friendly order, tap by tap, in order of p then q. On a 1×1 map only the centre tap of a 3×3
 * filter joins a pair.
 */
function pairsOf(g: ConvGeometry, taps: Int32Array): Int32Array {
  const HW = g.height * g.width;
  const byTap: number[][] = Array.from({ length: g.kH * g.kW }, () => []);
  taps.forEach((t, pq) => {
    if (t >= 0) byTap[t].push(Math.floor(pq / HW) * g.outChannels * HW * g.channels + (pq % HW) * g.channels);
  });
  const head: number[] = [];
  const offsets: number[] = [];
  byTap.forEach((list, t) => {
    if (list.length === 0) return;
    offsets.push(...list);
    head.push(t, offsets.length);
  });
  return Int32Array.from([head.length / 2, ...head, ...offsets]);
}

/**
 * The matrices `[N, rows, cols]` at byte address `src` as `[N, cols, rows]`: the output gradient with
 * its positions outermost (`[N, L·O]`), the input likewise (`[N, HW·C]`), so that D's gradient comes
 * out of the GEMM in the order the tap sums read (see dense.ts). Where either is 1 that is `src`
 * itself; else a TRANSPOSE job writes them at `dst`. Returns where they are.
 */
function transposed(e: Engine, src: number, dst: number, n: number, rows: number, cols: number): number {
  if (rows === 1 || cols === 1) return src;
  const per = perChunk(n, CHUNKS);
  transposeJob(e, { src, dst, rows, cols, count: n, perChunk: per });
  // It moves memory: each element counts as one "flop", as pooling's.
  execute(e, Math.ceil(n / per), n * rows * cols);
  return dst;
}

/** Writes D (see the module comment) at byte address `dP` from the weight at `wP`, the tap table at `tP`. */
function writeDense(e: Engine, g: ConvGeometry, wP: number, tP: number, dP: number): void {
  const O = g.outChannels;
  const per = channelsPerChunk(O);
  denseWriteJob(e, {
    w: wP, tapTable: tP, d: dP, outChannels: O, channels: g.channels, kernelTaps: g.kH * g.kW,
    positions: g.outH * g.outW, inputs: g.height * g.width, perChunk: per,
  });
  const dSize = O * g.outH * g.outW * g.channels * g.height * g.width;
  execute(e, Math.ceil(O / per), WRITE_FLOPS.d * dSize + WRITE_FLOPS.weight * O * g.channels * g.kH * g.kW);
}

/**
 * D kept from a forward pass for the same call's input gradient, which would otherwise write it
 * again (7 of ResNet-18's 14 D writes a step, 3.6 ms on one thread): per weight array and geometry,
 * a pinned block holding the D of the last forward pass that wrote it and that pass's identity (see
 * `ConvPass`). The backward pass of that call reads it; any other writes its own. Between the two
 * the weight cannot change through simplegrad: autograd refuses a backward pass whose inputs moved
 * (a weight written in place without `bumpVersion`, which autograd cannot see, gets the input
 * gradient of the weight the forward pass used).
 * One block a weight and map size (dense maps are smaller than the filter: a few sizes at most), so
 * the memory is bounded by the model; a block goes with its weight.
 */
const keptD = new WeakMap<Float32Array, Map<string, { d: Float32Array; pass: ConvPass | null }>>();

/** What D depends on besides the weight. */
function geometryKey(g: ConvGeometry): string {
  return [g.channels, g.height, g.width, g.outChannels, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft,
    g.dilationH ?? 1, g.dilationW ?? 1, g.outH, g.outW].join(',');
}

/**
 * The block that keeps D for `pass` (made or found; before any region is laid out, since a new
 * pinned block moves the scratch base), or null: no pass, or nothing can be pinned.
 */
function keepFor(e: Engine, w: Float32Array, g: ConvGeometry, size: number, pass: ConvPass | null): { d: Float32Array; pass: ConvPass | null } | null {
  if (pass === null) return null;
  let byGeometry = keptD.get(w);
  if (byGeometry === undefined) keptD.set(w, (byGeometry = new Map()));
  const key = geometryKey(g);
  let kept = byGeometry.get(key);
  if (kept === undefined || e.pinnedAddress(kept.d) < 0) {
    const d = pinnedFloat32(size);
    if (d === null) return null;
    kept = { d, pass: null };
    byGeometry.set(key, kept);
  }
  return kept;
}

/** Forward convolution, dense (see conv.ts), leaving the output in the module. */
export function denseForward(
  x: Float32Array, g: ConvGeometry, w: Float32Array, bias: Float32Array | null, pass: ConvPass | null, out: Float32Array | null,
): Placed {
  const e = getEngine();
  const { batch: N, outChannels: O } = g;
  const L = g.outH * g.outW;
  const CHW = g.channels * g.height * g.width;
  const kept = keepFor(e, w, g, O * L * CHW, pass);
  const [xP, wP, tP, dP, oP, pP, bytes] = regions(
    4 * N * CHW, 4 * w.length, 4 * L * g.height * g.width, kept === null ? 4 * O * L * CHW : 0, 4 * N * O * L,
    4 * gemmScratch(O * L, CHW, threadSlots()),
  );
  e.reserve(bytes);
  // The input read, the output written, where they lie when pinned.
  const [xAt, oAt] = [e.place(xP, x, 0, N * CHW), out === null ? oP : e.target(oP, out)];
  const taps = tapsOf(g);
  e.i32(tP, taps.length).set(taps);
  const dAt = kept === null ? dP : e.pinnedAddress(kept.d);
  if (kept !== null) kept.pass = null; // being rewritten: no pass's until done
  writeDense(e, g, e.place(wP, w, 0, w.length), tP, dAt);
  if (kept !== null) kept.pass = pass;
  if (bias !== null) {
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const at = (oAt >> 2) + (n * O + o) * L;
        e.f32.fill(bias[o], at, at + L);
      }
    }
  }
  gemmJobs(e, false, true, N, O * L, CHW, xAt, dAt, oAt, pP, bias !== null);
  return { at: oAt, end: scratchBase() + bytes };
}

/** The gradients, dense; same contract as the reference (see conv.ts). */
export function denseBackward(
  dy: OutputGrad, x: Float32Array, g: ConvGeometry, w: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, pass: ConvPass | null = null,
): void {
  if (gb !== null) jsConv2dBackward(dy.host(), x, g, w, null, null, gb);
  if (gx === null && gw === null) return;
  const e = getEngine();
  const { batch: N, outChannels: O } = g;
  const L = g.outH * g.outW;
  const CHW = g.channels * g.height * g.width;
  const threads = threadSlots();
  const taps = tapsOf(g);
  // The first region is dy's when it was copied in (see OutputGrad); x's copy and both transposes
  // for the weight gradient get regions of their own.
  const [, xP, wP, tP, dP, pP, gtP, xtP, bytes] = regions(
    4 * N * O * L, 4 * N * CHW, 4 * w.length, 4 * (1 + 2 * g.kH * g.kW + taps.length), 4 * O * L * CHW,
    4 * Math.max(gemmScratch(CHW, O * L, threads), gemmScratch(CHW, N, threads)), gw === null ? 0 : 4 * N * O * L, gw === null ? 0 : 4 * N * CHW,
  );
  e.reserve(bytes);
  if (gx !== null) {
    // The forward pass's D when this call's forward kept it (never a new block here: the output
    // gradient already lies at the scratch base); else written again.
    const kept = pass === null ? undefined : keptD.get(w)?.get(geometryKey(g));
    let dAt = kept !== undefined && kept.pass === pass ? e.pinnedAddress(kept.d) : -1;
    if (dAt < 0) {
      e.i32(tP, taps.length).set(taps);
      // Read in place when pinned; wP stays a scratch region, where the weight gradient goes below.
      writeDense(e, g, e.place(wP, w, 0, w.length), tP, dP);
      dAt = dP;
    }
    const gxAt = e.target(xP, gx);
    gemmJobs(e, false, false, N, CHW, O * L, dy.at, dAt, gxAt, pP, false);
    e.collect(gxAt, gx);
  }
  if (gw !== null) {
    // The input read in place when pinned, else copied in (over the input gradient's region,
    // copied out above).
    const gt = transposed(e, dy.at, gtP, N, O, L);
    const xt = transposed(e, e.place(xP, x, 0, N * CHW), xtP, N, g.channels, g.height * g.width);
    gemmJobs(e, true, false, O * L, CHW, N, gt, xt, dP, pP, false);
    // The weight gradient goes into a pinned gradient, else where the weight was.
    const pairs = pairsOf(g, taps);
    e.i32(tP, pairs.length).set(pairs);
    const per = channelsPerChunk(O);
    const gwAt = e.target(wP, gw);
    denseSumTapsJob(e, {
      gd: dP, pairs: tP, gw: gwAt, outChannels: O, channels: g.channels, kernelTaps: g.kH * g.kW,
      inputs: g.height * g.width, perChunk: per,
    });
    execute(e, Math.ceil(O / per), SUM_FLOPS.d * O * L * CHW + SUM_FLOPS.weight * w.length);
    e.collect(gwAt, gw);
  }
}
