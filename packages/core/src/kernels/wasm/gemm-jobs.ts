/**
 * GEMMs on operands already in the module's memory: the generic column and row jobs of the GEMM
 * (for wasmGemm, gemm.ts) and their choice for the convolution strategies that keep their
 * intermediates inside the module (conv.ts, conv-dense.ts), chunked by the shape
 * alone, so results never depend on the thread count.
 */
import { TILE } from './bytes.js';
import { align, type Engine } from './engine.js';
import { colsJob, packJob, rowsJob } from './jobs.js';
import { execute, perChunk } from './runtime.js';

/** Chunks the GEMM jobs and the depthwise passes are cut into: a constant of the problem, not of the threads. */
export const CHUNKS = 64;

/** Floats of `n` columns of `k` rows packed into whole panels. */
export function packed(n: number, k: number): number {
  return Math.ceil(n / TILE.nr) * TILE.nr * k;
}

/** The operands of a GEMM already in memory: `C[m×n] (+)= op(A)·op(B)`, byte addresses, `ldc` = n. */
export interface GemmOperands {
  transA: boolean; transB: boolean; m: number; n: number; k: number; a: number; b: number; c: number; accumulate: boolean;
}

/**
 * The GEMM split by columns: each chunk packs its own `per` panels of op(B) into its thread's
 * scratch (`scratch + thread·stride`, `stride` bytes ≥ the packed panels) and computes those
 * columns of C for every row, so the job needs no barrier.
 */
export function gemmByColumns(e: Engine, g: GemmOperands, per: number, scratch: number, stride: number): void {
  const panels = Math.ceil(g.n / TILE.nr);
  colsJob(e, { ...g, perChunk: per, scratch, scratchStride: stride });
  execute(e, Math.ceil(panels / per), 2 * g.m * g.n * g.k);
}

/**
 * The GEMM for a narrow C: op(B) packed first into `packed` (`panelsPer` panels a chunk), then C
 * computed in blocks of `rowsPer` rows, each reading the whole packed op(B).
 */
export function gemmByRows(e: Engine, g: GemmOperands, packed: number, panelsPer: number, rowsPer: number): void {
  const flops = 2 * g.m * g.n * g.k;
  packJob(e, { transB: g.transB, n: g.n, k: g.k, b: g.b, out: packed, perChunk: panelsPer });
  execute(e, Math.ceil(Math.ceil(g.n / TILE.nr) / panelsPer), flops);
  rowsJob(e, { transA: g.transA, m: g.m, n: g.n, k: g.k, a: g.a, packed, c: g.c, accumulate: g.accumulate, perChunk: rowsPer });
  execute(e, Math.ceil(g.m / rowsPer), flops);
}

/**
 * `C[m×n] (+)= op(A)·op(B)` on operands already in memory (`ldc` = n), on the generic GEMM jobs. With
 * enough 16-wide panels (a forward pass over a few 8×8 maps, any weight gradient) each chunk packs
 * its own panels of op(B) and computes those columns for every row, so op(B) is read once in all;
 * with few (the batch's columns of 1×1 maps), op(B) is packed first and C computed in a few blocks of
 * rows, each of which reads the small packed op(B) again (many small row blocks would read it as
 * many times: 64 blocks made 512→512 on 1×1 maps 1.5× slower). Chunks are fixed by the shape.
 */
export function gemmJobs(
  e: Engine, transA: boolean, transB: boolean, m: number, n: number, k: number, aP: number, bP: number, cP: number, pP: number, accumulate: boolean,
): void {
  const g: GemmOperands = { transA, transB, m, n, k, a: aP, b: bP, c: cP, accumulate };
  const panels = Math.ceil(n / TILE.nr);
  if (panels >= COLUMN_PANELS) {
    const per = perChunk(panels, CHUNKS);
    gemmByColumns(e, g, per, pP, align(4 * per * TILE.nr * k));
    return;
  }
  gemmByRows(e, g, pP, perChunk(panels, CHUNKS), perChunk(m, ROW_BLOCKS, TILE.mr));
}
/** Panels from which the folded GEMMs split by columns rather than rows. */
const COLUMN_PANELS = 8;
/** Row blocks of a folded GEMM with few panels. */
const ROW_BLOCKS = 8;

/** Floats of the packed operand {@link gemmJobs} needs per thread (`threads` of them by columns, one shared by rows). */
export function gemmScratch(n: number, k: number, threads: number): number {
  const panels = Math.ceil(n / TILE.nr);
  if (panels < COLUMN_PANELS) return packed(n, k);
  return threads * align(4 * perChunk(panels, CHUNKS) * TILE.nr * k) / 4;
}
