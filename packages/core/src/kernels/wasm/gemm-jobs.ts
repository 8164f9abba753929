/**
 * GEMMs on operands already in the module's memory, for the convolution strategies that keep their
 * intermediates inside it (conv.ts, conv-dense.ts): the generic column and row jobs of the GEMM,
 * chunked by the shape alone, so results never depend on the thread count.
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
  const flops = 2 * m * n * k;
  const panels = Math.ceil(n / TILE.nr);
  if (panels >= COLUMN_PANELS) {
    const per = perChunk(panels, CHUNKS);
    const bytes = align(4 * per * TILE.nr * k);
    colsJob(e, { transA, transB, m, n, k, a: aP, b: bP, c: cP, accumulate, perChunk: per, scratch: pP, scratchStride: bytes });
    execute(e, Math.ceil(panels / per), flops);
    return;
  }
  const pPer = perChunk(panels, CHUNKS);
  packJob(e, { transB, n, k, b: bP, out: pP, perChunk: pPer });
  execute(e, Math.ceil(panels / pPer), flops);
  const rPer = perChunk(m, ROW_BLOCKS, TILE.mr);
  rowsJob(e, { transA, m, n, k, a: aP, packed: pP, c: cP, accumulate, perChunk: rPer });
  execute(e, Math.ceil(m / rPer), flops);
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
