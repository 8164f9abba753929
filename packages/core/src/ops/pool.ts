/** 2-D max and average pooling. Stubs to be implemented. */
import { Tensor } from '../tensor.js';

/** Options of {@link maxPool2d}. */
export interface PoolOptions {
  /** Stride, a number or pair (default: the kernel size). */ stride?: number | readonly [number, number];
  /** Implicit padding on each side, a number or pair (default 0). */ padding?: number | readonly [number, number];
}
/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions extends PoolOptions {
  /** Count padded zeros in the divisor (default true, as in PyTorch). */ countIncludePad?: boolean;
}

/** 2-D max pooling. */
export function maxPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: PoolOptions = {}): Tensor { throw new Error(`maxPool2d: not implemented yet ${x}${kernelSize}${opts}`); }
/** 2-D average pooling. */
export function avgPool2d(x: Tensor, kernelSize: number | readonly [number, number], opts: AvgPool2dOptions = {}): Tensor { throw new Error(`avgPool2d: not implemented yet ${x}${kernelSize}${opts}`); }
