/**
 * Winograd over many images at once (packages/core/wasm/asc/kernels.ts):
 *
 * - the forward pass and input gradient on maps over 6×6: F(2×2, 3×3) an image a chunk, or, where
 *   `setConvPrecision('high')` allows it, F(4×4, 3×3) a few images a chunk (their tiles the columns
 *   of one GEMM per ξ; {@link winogradTile});
 * - the forward pass and input gradient over the whole batch as F(2×2, 3×3), for maps up to 6×6
 *   ("Winograd over the whole batch"): an image a chunk would compute its 16 products as GEMMs only
 *   as wide as one image's tiles, which on an 8×8 map is one 16-wide panel and on a 4×4 map a
 *   quarter of one. Here the batch's tiles are the columns of one GEMM per ξ: an input transform job
 *   (a chunk per few images), the 16 products (a chunk per ξ and block of output channels), an
 *   output transform job (a chunk per image). Each tile goes through the same arithmetic as per
 *   image, so the results are the same bits, on any number of threads;
 * - the weight gradient as F(2×2, 3×3) over fixed groups of images, on any map ("Winograd weight
 *   gradient"): per group the transforms of its inputs and output gradients, then 16 GEMMs whose
 *   depth is its tiles, added in group order; finally the inverse filter transform.
 */
import { TILE } from './bytes.js';
import { align, type Engine } from './engine.js';
import { CHUNKS } from './gemm-jobs.js';
import {
  winograd4x4FiltersJob, winograd4x4Job, winogradFiltersJob, winogradGradTilesJob, winogradInputJob, winogradJob, winogradOutputJob, winogradProductsJob,
  winogradWeightOutputJob,
} from './jobs.js';
import { execute, imagesPerChunk, perChunk } from './runtime.js';
import { convPrecision } from '../precision.js';

/** Output channels per chunk of the products, so that 16 ξ × blocks give every thread several chunks. */
const ROW_BLOCKS = 4;

/**
 * The most tiles an image may have for the batched pass: up to 6×6 output maps. Measured (one thread,
 * 32 images, 3×3 padding 1, ms forward / input gradient): 128→128 on 4×4 folded 5.5 / 6.7, per image
 * 9.0 / 8.2, batched 3.5 / 3.2; 256→256 on 4×4 20.3 / 24.1, 40.9 / 41.8, 14.2 / 13.6; 64→64 on 6×6
 * per image 2.5 / 2.4, batched 1.7 / 1.6; on 8×8 (16 tiles an image, a whole panel) the two are even
 * (64→64: 2.6 / 2.6 and 2.7 / 2.9) and 32→32 runs better per image (0.79 against 0.95).
 */
const MAX_TILES = 9;

/** The most bytes the batch's transformed inputs and products may take together (and one image's, for the weight gradient). */
const MAX_BYTES = 64 * 1024 * 1024;

/** The per-ξ stride of V or M: as the per-image pass's `spread`, so the 16 regions start in different L1 sets. */
function spread(bytes: number): number {
  return Math.ceil(bytes / 4096) * 4096 + 64;
}

/** The sizes of one batched pass. */
interface Layout {
  /** Columns of V and M: every tile of the batch and 3 spare (the output transform reads groups of four), in whole panels. */
  columns: number;
  vStride: number;
  mStride: number;
  /** Bytes of one thread's zero-bordered plane. */
  plane: number;
  /** Bytes of the whole scratch: V, M, then a plane per thread. */
  bytes: number;
}

function layoutOf(batch: number, cin: number, cout: number, outH: number, outW: number, threads: number): Layout {
  const tH = (outH + 1) >> 1;
  const tW = (outW + 1) >> 1;
  const columns = Math.ceil((batch * tH * tW + 3) / TILE.nr) * TILE.nr;
  const vStride = spread(4 * cin * columns);
  const mStride = spread(4 * cout * columns);
  // The plane's rows are read 4 floats at a time from column 2·tx: 2·tW + 2 columns hold them all.
  const plane = align(4 * (2 * tH + 2) * (2 * tW + 2));
  return { columns, vStride, mStride, plane, bytes: 16 * (vStride + mStride) + threads * plane };
}

let batching: boolean | null = null;

/**
 * For tests: runs every Winograd pass batched (`true`) or per image (`false`), or restores the
 * choice by size (`null`); returns the previous setting.
 */
export function forceWinogradBatched(on: boolean | null): boolean | null {
  const prev = batching;
  batching = on;
  return prev;
}

/** Whether a Winograd pass over `batch` images of `outH × outW` outputs runs batched: small maps, and the scratch bounded. */
export function winogradBatched(batch: number, cin: number, cout: number, outH: number, outW: number): boolean {
  if (batching !== null) return batching;
  const tiles = ((outH + 1) >> 1) * ((outW + 1) >> 1);
  return tiles <= MAX_TILES && layoutOf(batch, cin, cout, outH, outW, 1).bytes <= MAX_BYTES;
}

/**
 * Whether Winograd over the batch beats folding on a map small enough to fold (conv.ts): from 2×2
 * tiles an image (3×3 and 4×4 maps) and 32 tiles in all. Measured (one thread, ms forward / input
 * gradient, folded against batched Winograd, which includes transforming the filters): 8 images
 * 128→128 on 4×4 2.16 / 2.09 against 1.86 / 1.97, 64→64 0.58 / 0.55 against 0.50 / 0.45; 2 images
 * 0.54 / 0.55 against 0.87 / 0.83; on 2×2 and 1×1 maps (one tile an image) the filters' transform
 * alone outweighs the products (8 images 256→256 on 2×2: 1.95 / 2.40 against 4.15 / 4.78).
 */
export function winogradBeatsFolding(batch: number, outH: number, outW: number): boolean {
  const tiles = ((outH + 1) >> 1) * ((outW + 1) >> 1);
  return tiles >= 4 && batch * tiles >= 32;
}

/** Scratch bytes {@link winogradBatch} needs from its `scratch` address on. */
export function winogradBatchBytes(batch: number, cin: number, cout: number, outH: number, outW: number, threads: number): number {
  return layoutOf(batch, cin, cout, outH, outW, threads).bytes;
}

/**
 * Bytes between two ξ of the transformed filters of a `cout × cin` correlation: spread like V and M,
 * so the 16 rows a filter's transform writes at once lie in different L1 sets.
 */
export function filtersStride(cout: number, cin: number): number {
  return spread(4 * cout * cin);
}

/**
 * Output tile of a Winograd pass: F(2×2, 3×3) (16 ξ) or F(4×4, 3×3) (36 ξ, 2.25 multiplications an
 * output instead of 4; see kernels.ts).
 */
export type WinogradTile = 2 | 4;

/** The ξ of an output tile: (tile + 2)². */
function xis(tile: WinogradTile): number {
  return (tile + 2) * (tile + 2);
}

/** Bytes of the transformed filters of an `O × C` weight (either way round): a region of {@link filtersStride} per ξ. */
export function filtersBytes(O: number, C: number, tile: WinogradTile = 2): number {
  return xis(tile) * filtersStride(O, C);
}

/**
 * Transforms the 3×3 filters of the weight at `wP` (`[O, C, 3, 3]`) for Winograd with output tile
 * `tile` into `uP` (a region of `[cout, cin]` per ξ, {@link filtersStride} apart; `flip`: rotated,
 * for the input gradient, `cout` = C), split by rows of U over the threads.
 */
export function transformFilters(e: Engine, wP: number, O: number, C: number, flip: boolean, uP: number, tile: WinogradTile = 2): void {
  const [cout, cin] = flip ? [C, O] : [O, C];
  const per = perChunk(cout, CHUNKS);
  const args = { w: wP, weightRows: O, weightColumns: C, flip, filters: uP, filtersStride: filtersStride(cout, cin), perChunk: per };
  if (tile === 2) winogradFiltersJob(e, args);
  else winograd4x4FiltersJob(e, args);
  // About 10 ns a filter on one thread (measured 9–12 ns from 64×64 to 256×256 filters; 30–40 ns
  // when the regions lay a multiple of 4 KB apart and chunks went by weight rows): 400 of
  // minFlops' flops, so worth splitting from about 5 000 filters (F(4×4) writes 36 values a filter
  // instead of 16).
  execute(e, Math.ceil(cout / per), (tile === 2 ? 400 : 900) * O * C);
}

// ---- Winograd per image (a few images a chunk for F(4×4)) -------------------------------------------

let tileForced: WinogradTile | null = null;

/**
 * For tests: makes every Winograd pass that is not batched take output tile `tile`, or restores the
 * choice by shape with `null`; returns the previous setting.
 */
export function forceWinogradTile(tile: WinogradTile | null): WinogradTile | null {
  const prev = tileForced;
  tileForced = tile;
  return prev;
}

/**
 * The output tile of a Winograd pass that is not batched (maps over 6×6): F(2×2, 3×3) unless
 * `setConvPrecision` allows `'high'` (F(4×4)'s rounding error is about 10× F(2×2)'s, more than
 * PyTorch's default float32 tolerances); then F(4×4, 3×3) where a chunk's tiles
 * ({@link winograd4Images}) fill at least one 16-wide panel, else F(2×2, 3×3) an image a chunk.
 * Measured (one thread, ms forward / input gradient, F(2×2) against F(4×4)): W2's second conv (64
 * images, 32→64 on 26×26) 21.5 / 27.0 against 15.8 / 21.3; 32 images 64→64 on 8×8 2.32 / 2.22
 * against 1.66 / 1.65, on 12×12 6.3 / 6.5 against 3.6 / 3.6, 128→128 on 16×16 30.7 / 30.7 against
 * 19.0 / 18.9; 8 images 64→64 on 56×56 26.4 / 26.5 against 17.7 / 17.6; 16 images 4→8 on 26×26
 * 0.31 / 0.41 against 0.27 / 0.41; but 2 images 64→64 on 8×8 (4 tiles a chunk) 0.17 / 0.18 against
 * 0.37 / 0.38. Two threads gain about as much (W2's conv 11.7 / 14.4 against 9.3 / 11.9 ms). On
 * maps up to 6×6 F(4×4) only equals the batched F(2×2) (128→128 on 4×4: 2.90 against 2.70), which
 * they keep.
 */
export function winogradTile(batch: number, outH: number, outW: number): WinogradTile {
  if (tileForced !== null) return tileForced;
  if (convPrecision() === 'highest') return 2;
  return winograd4Images(batch, outH, outW) * tiles4(outH, outW) >= 16 ? 4 : 2;
}

/** The 4×4 output tiles of an `outH × outW` map (the last row and column of tiles may be partial). */
function tiles4(outH: number, outW: number): number {
  return ((outH + 3) >> 2) * ((outW + 3) >> 2);
}

/**
 * Images a chunk of an F(4×4) pass takes: enough that their tiles fill about 128 columns (whole
 * 16-wide panels of the GEMMs), but at least four chunks in all; one for maps of 96 tiles and more.
 * A function of the shape alone (and the results do not depend on it).
 */
export function winograd4Images(batch: number, outH: number, outW: number): number {
  const tiles = tiles4(outH, outW);
  return tiles >= 96 ? 1 : Math.max(1, Math.min(Math.ceil(128 / tiles), Math.ceil(batch / 4)));
}

/** Scratch bytes a thread needs for a Winograd pass per image with output tile `tile`. */
export function winogradImagesBytes(e: Engine, tile: WinogradTile, batch: number, cin: number, cout: number, outH: number, outW: number): number {
  return align(4 * (tile === 2
    ? e.exports.winogradScratchFloats(cin, cout, outH, outW)
    : e.exports.winograd4ScratchFloats(winograd4Images(batch, outH, outW), cin, cout, outH, outW)));
}

/**
 * The correlation of {@link winogradBatch} per image (F(2×2): a chunk an image; F(4×4): a few
 * images a chunk), on filters transformed with the same `tile`; `scratchStride` is each thread's
 * {@link winogradImagesBytes}.
 */
export function winogradImages(e: Engine, p: WinogradPass, tile: WinogradTile, scratchStride: number): void {
  const args = {
    batch: p.batch, inChannels: p.cin, height: p.height, width: p.width, padTop: p.padTop, padLeft: p.padLeft,
    filters: p.filters, filtersStride: filtersStride(p.cout, p.cin), bias: p.bias, outChannels: p.cout, outH: p.outH, outW: p.outW,
    x: p.x, out: p.out, scratch: p.scratch, scratchStride,
  };
  const flops = 2 * p.batch * p.cout * p.cin * p.outH * p.outW * 9;
  if (tile === 2) {
    winogradJob(e, args);
    execute(e, p.batch, flops);
    return;
  }
  const images = winograd4Images(p.batch, p.outH, p.outW);
  winograd4x4Job(e, { ...args, images });
  execute(e, Math.ceil(p.batch / images), flops);
}

/** The correlation the batched pass computes, with every operand already in the module's memory (byte addresses). */
export interface WinogradPass {
  batch: number; cin: number; height: number; width: number; padTop: number; padLeft: number;
  /** The filters transformed by {@link transformFilters} (16 regions of `[cout, cin]`). */ filters: number;
  /** The bias (`[cout]`), 0 for none. */ bias: number;
  cout: number; outH: number; outW: number;
  /** `[batch, cin, height, width]`. */ x: number;
  /** `[batch, cout, outH, outW]`, overwritten. */ out: number;
  /** {@link winogradBatchBytes} of scratch. */ scratch: number;
}

/**
 * `out[n, co] = bias[co] + Σ_ci Σ_ij g[co, ci, i, j] · x[n, ci, oy + i − padTop, ox + j − padLeft]`
 * for the whole batch (zero outside the input), as the three jobs described in the module comment.
 * `threads` must be the thread slots the scratch was sized for.
 */
export function winogradBatch(e: Engine, p: WinogradPass, threads: number): void {
  const L = layoutOf(p.batch, p.cin, p.cout, p.outH, p.outW, threads);
  const v = p.scratch;
  const m = v + 16 * L.vStride;
  const planes = m + 16 * L.mStride;
  // The spare columns are zeroed, so the GEMMs never read stale lanes.
  const perImage = ((p.outH + 1) >> 1) * ((p.outW + 1) >> 1);
  const tiles = p.batch * perImage;
  for (let xi = 0; xi < 16; xi++) {
    for (let t = tiles; t < L.columns; t++) {
      for (let c = 0, at = (v + xi * L.vStride) / 4 + (t >> 4) * p.cin * TILE.nr + (t & 15); c < p.cin; c++, at += TILE.nr) e.f32[at] = 0;
    }
  }
  const flops = 2 * p.batch * p.cout * p.cin * p.outH * p.outW * 9;
  const images = imagesPerChunk(perImage);
  winogradInputJob(e, {
    images, batch: p.batch, inChannels: p.cin, height: p.height, width: p.width, padTop: p.padTop, padLeft: p.padLeft, outH: p.outH, outW: p.outW,
    x: p.x, v, vStride: L.vStride, scratch: planes, scratchStride: L.plane,
  });
  execute(e, Math.ceil(p.batch / images), flops);
  const rowsPerChunk = perChunk(p.cout, ROW_BLOCKS, TILE.mr);
  const rowBlocks = Math.ceil(p.cout / rowsPerChunk);
  winogradProductsJob(e, {
    inChannels: p.cin, outChannels: p.cout, columns: L.columns, filters: p.filters, filtersStride: filtersStride(p.cout, p.cin),
    v, vStride: L.vStride, m, mStride: L.mStride, accumulate: false, rowsPerChunk, rowBlocks,
  });
  execute(e, 16 * rowBlocks, flops);
  winogradOutputJob(e, {
    outChannels: p.cout, outH: p.outH, outW: p.outW, columns: L.columns, bias: p.bias, m, mStride: L.mStride, out: p.out,
  });
  execute(e, p.batch, flops);
}

// ---- The weight gradient ----------------------------------------------------------------------------

/**
 * The bytes a group's transformed inputs and output gradients (V and M′) aim at: whole images up to
 * this, so the products' GEMMs are deep (W2's 26×26 maps: 9 images, 1 296 tiles) while the scratch
 * stays small; an image bigger than this is a group of its own.
 */
const GROUP_BYTES = 8 * 1024 * 1024;

/** Bytes of one image's V and M′ for the weight gradient (16 ξ, input channels padded to whole panels). */
function weightBytesPerImage(cin: number, cout: number, outH: number, outW: number): number {
  return 64 * ((outH + 1) >> 1) * ((outW + 1) >> 1) * (Math.ceil(cin / TILE.nr) * TILE.nr + cout);
}

/**
 * Whether one image's transforms fit the weight gradient's scratch bound ({@link MAX_BYTES}): not
 * so for big maps with many channels (64→64 on 224×224 would take 103 MB), which keep the direct
 * weight gradient per image.
 */
export function winogradWeightFits(cin: number, cout: number, outH: number, outW: number): boolean {
  return weightBytesPerImage(cin, cout, outH, outW) <= MAX_BYTES;
}

/** The sizes of a Winograd weight gradient: images per group, and its scratch. */
interface WeightLayout {
  /** Images per group (the last may hold fewer): a function of the shape alone. */
  perGroup: number;
  /** Tiles an image. */
  tiles: number;
  uStride: number;
  vStride: number;
  mStride: number;
  /** Bytes of one thread's zero-bordered plane. */
  plane: number;
  /** Bytes of Ŭ, V, M′, then a plane per thread. */
  bytes: number;
}

let groupImages: number | null = null;

/**
 * For tests: makes the Winograd weight gradient take `images` images per group (so small problems
 * run several groups), or restores the choice by size with `null`; returns the previous setting.
 */
export function forceWinogradGroup(images: number | null): number | null {
  const prev = groupImages;
  groupImages = images;
  return prev;
}

function weightLayoutOf(batch: number, cin: number, cout: number, outH: number, outW: number, threads: number): WeightLayout {
  const tH = (outH + 1) >> 1;
  const tW = (outW + 1) >> 1;
  const tW4 = (tW + 3) & ~3;
  const tiles = tH * tW;
  const lanes = Math.ceil(cin / TILE.nr) * TILE.nr;
  // As many whole images as fit the budget (deeper GEMMs), then evened out over the groups.
  const most = groupImages ?? Math.max(1, Math.floor(GROUP_BYTES / weightBytesPerImage(cin, cout, outH, outW)));
  const groups = Math.ceil(batch / Math.min(most, batch));
  const perGroup = Math.ceil(batch / groups);
  const uStride = filtersStride(cout, cin);
  const vStride = spread(4 * lanes * perGroup * tiles);
  const mStride = spread(4 * cout * perGroup * tiles);
  // Four channels' interleaved input plane, or (smaller) one output channel's gradient plane.
  const plane = align(Math.max(16 * (2 * tH + 2) * (2 * tW + 2), 4 * 2 * tH * 2 * tW4));
  return { perGroup, tiles, uStride, vStride, mStride, plane, bytes: 16 * (uStride + vStride + mStride) + threads * plane };
}

/** Scratch bytes {@link winogradWeightGrad} needs from its `scratch` address on. */
export function winogradWeightBytes(batch: number, cin: number, cout: number, outH: number, outW: number, threads: number): number {
  return weightLayoutOf(batch, cin, cout, outH, outW, threads).bytes;
}

/** The weight gradient a Winograd pass computes, every operand already in the module's memory (byte addresses). */
export interface WinogradWeightPass {
  batch: number; cin: number; height: number; width: number; padTop: number; padLeft: number; cout: number; outH: number; outW: number;
  /** `[batch, cin, height, width]`. */ x: number;
  /** The output gradient `[batch, cout, outH, outW]`. */ grad: number;
  /** `[cout, cin, 3, 3]`, overwritten. */ gw: number;
  /** f64 `[batch, cout]` for each image's gradient sums (the bias gradient), 0 for none. */ biasSums: number;
  /** {@link winogradWeightBytes} of scratch. */ scratch: number;
}

/**
 * `gw[co, ci, i, j] = Σ_n Σ_{oy, ox} grad[n, co, oy, ox] · x[n, ci, oy + i − padTop, ox + j − padLeft]`
 * (zero outside the input) as Winograd F(2×2, 3×3): see "Winograd weight gradient" in kernels.ts.
 * Per group of images, in order: the transforms (a chunk per few images, {@link imagesPerChunk}), then the 16 products added into
 * Ŭ; finally Ŭ transformed back. `threads` must be the thread slots the scratch was sized for.
 */
export function winogradWeightGrad(e: Engine, p: WinogradWeightPass, threads: number): void {
  const L = weightLayoutOf(p.batch, p.cin, p.cout, p.outH, p.outW, threads);
  const u = p.scratch;
  const v = u + 16 * L.uStride;
  const m = v + 16 * L.vStride;
  const planes = m + 16 * L.mStride;
  const rowsPerChunk = perChunk(p.cout, ROW_BLOCKS, TILE.mr);
  const rowBlocks = Math.ceil(p.cout / rowsPerChunk);
  const perImages = imagesPerChunk(L.tiles);
  for (let first = 0; first < p.batch; first += L.perGroup) {
    const images = Math.min(L.perGroup, p.batch - first);
    const tiles = images * L.tiles;
    const flops = 2 * images * p.cout * p.cin * p.outH * p.outW * 9;
    winogradGradTilesJob(e, {
      images: perImages, groupImages: images, inChannels: p.cin, height: p.height, width: p.width, padTop: p.padTop, padLeft: p.padLeft, outChannels: p.cout,
      outH: p.outH, outW: p.outW, first, tiles, x: p.x, grad: p.grad, v, vStride: L.vStride, m, mStride: L.mStride,
      biasSums: p.biasSums, scratch: planes, scratchStride: L.plane,
    });
    execute(e, Math.ceil(images / perImages), flops);
    winogradProductsJob(e, {
      inChannels: tiles, outChannels: p.cout, columns: p.cin, filters: m, filtersStride: L.mStride, v, vStride: L.vStride,
      m: u, mStride: L.uStride, accumulate: first > 0, rowsPerChunk, rowBlocks,
    });
    execute(e, 16 * rowBlocks, flops);
  }
  const per = perChunk(p.cout, CHUNKS);
  winogradWeightOutputJob(e, { u, uStride: L.uStride, outChannels: p.cout, inChannels: p.cin, gw: p.gw, perChunk: per });
  execute(e, Math.ceil(p.cout / per), 2000 * p.cout * p.cin);
}
