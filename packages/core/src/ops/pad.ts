/** Padding in every NumPy mode, with gradients. Stub to be implemented. */
import { Tensor } from '../tensor.js';

/** Padding modes: PyTorch-style names, NumPy's names accepted as aliases (`edge`, `wrap`). */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'symmetric' | 'circular' | 'edge' | 'wrap';
/** A number (all four spatial sides), `[top, bottom, left, right]`, or NumPy-style `[before, after]` pairs, one per dimension. */
export type PadWidth = number | readonly [number, number, number, number] | readonly (readonly [number, number])[];
/** Options of {@link pad}. */
export interface PadOptions {
  /** Padding mode (default `'constant'`). */ mode?: PadMode;
  /** Fill value for `'constant'` (default 0). */ value?: number;
}

/** Pads `x`: see {@link PadWidth} and {@link PadMode}. */
export function pad(x: Tensor, width: PadWidth, opts: PadOptions = {}): Tensor { throw new Error(`pad: not implemented yet ${x}${width}${opts}`); }
