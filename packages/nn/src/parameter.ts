/** `Parameter`: the tensor type a {@link Module} registers as trainable state. */
import { Tensor } from '@simplegrad/core';

/** Options of {@link Parameter}. */
export interface ParameterOptions {
  /** Whether the optimizer trains it (default true). Set false (or later `p.requiresGrad = false`) to freeze. */
  requiresGrad?: boolean;
}

/**
 * A leaf tensor that a {@link Module} registers as a parameter when it is assigned to one of the
 * module's fields (PyTorch's `nn.Parameter`). It shares the data of the tensor it wraps and
 * requires gradients unless told otherwise.
 *
 * @example
 * class Scale extends Module {
 *   gain = new Parameter(sg.ones([1]));          // registered as 'gain'
 *   forward(x: Tensor) { return x.mul(this.gain); }
 * }
 */
export class Parameter extends Tensor {
  /** Wraps `value`'s data (not copied) as a leaf parameter. */
  constructor(value: Tensor, opts: ParameterOptions = {}) {
    super(value.data, value.shape, opts.requiresGrad ?? true);
  }
}
