/**
 * The kernel interface: the few hot loops every op funnels into. Ops call `kernels().gemm(...)`, so a
 * faster backend (WebAssembly SIMD, threads) can be swapped in with {@link setKernels} without touching
 * ops or modules. The plain-TypeScript kernels are the reference and the fallback.
 */
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';

/** The hot kernels, as plain functions over typed arrays. */
export interface Kernels {
  /** A name for logs and benchmarks, e.g. `'js'`. */
  readonly name: string;
  /** `C (+)= op(A)·op(B)`: see the reference {@link gemm}. */
  readonly gemm: typeof gemm;
  /** One image to columns: see the reference {@link im2col}. */
  readonly im2col: typeof im2col;
  /** Columns back to one image, accumulating: see the reference {@link col2im}. */
  readonly col2im: typeof col2im;
}

/** The plain-TypeScript reference kernels. */
export const jsKernels: Kernels = { name: 'js', gemm, im2col, col2im };

let active: Kernels = jsKernels;

/** The kernels in use. */
export function kernels(): Kernels {
  return active;
}

/** Replaces the kernels in use (returns the previous ones, so tests can restore them). */
export function setKernels(next: Kernels): Kernels {
  const prev = active;
  active = next;
  return prev;
}
