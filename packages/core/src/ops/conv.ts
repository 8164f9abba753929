/** conv2d as pad → im2col → one matrix multiply. Stub to be implemented. */
import { Tensor } from '../tensor.js';
import type { PadMode } from './pad.js';

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Bias `[O]`. */ bias?: Tensor | null;
  /** Stride, a number or `[sh, sw]` (default 1). */ stride?: number | readonly [number, number];
  /** Padding, a number, `[ph, pw]`, or `[top, bottom, left, right]` (default 0). */ padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** The seed library's name for `padding`. */ padWidth?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Padding mode (default `'constant'`). */ padMode?: PadMode;
  /** Fill value for constant padding (default 0). */ padValue?: number;
}

/** 2-D cross-correlation. */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dOptions = {}): Tensor { throw new Error(`conv2d: not implemented yet ${x}${weight}${opts}`); }
