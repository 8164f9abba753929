/** Dropout. Stub to be implemented. */
import { Tensor } from '../tensor.js';
import type { Generator } from '../random.js';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Apply dropout (default true); when false, dropout is the identity. */ training?: boolean;
  /** Generator for the mask (default: the global one). */ generator?: Generator;
}

/** Inverted dropout: zeroes each element with probability `p` and scales the rest by `1/(1-p)`. */
export function dropout(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor { throw new Error(`dropout: not implemented yet ${x}${p}${opts}`); }
