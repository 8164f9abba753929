/** Activations and (log-)softmax. Stubs to be implemented. */
import { Tensor } from '../tensor.js';

/** Options of {@link leakyRelu}. */
export interface LeakyReluOptions { /** Slope for x < 0 (default 0.01). */ negativeSlope?: number }
/** Options of {@link gelu}. */
export interface GeluOptions { /** `'none'` (exact, erf; default) or `'tanh'`. */ approximate?: 'none' | 'tanh' }
/** Options of {@link elu}. */
export interface EluOptions { /** Scale of the negative part (default 1). */ alpha?: number }

/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor { return notYet('relu', x); }
/** `x` for x ≥ 0, `negativeSlope·x` otherwise. */
export function leakyRelu(x: Tensor, opts: LeakyReluOptions = {}): Tensor { return notYet('leakyRelu', x, opts); }
/** `1 / (1 + e^-x)`. */
export function sigmoid(x: Tensor): Tensor { return notYet('sigmoid', x); }
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor { return notYet('tanh', x); }
/** GELU. */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor { return notYet('gelu', x, opts); }
/** ELU. */
export function elu(x: Tensor, opts: EluOptions = {}): Tensor { return notYet('elu', x, opts); }
/** `x·sigmoid(x)`. */
export function silu(x: Tensor): Tensor { return notYet('silu', x); }
/** Softmax over `dim`. */
export function softmax(x: Tensor, dim = -1): Tensor { return notYet('softmax', x, dim); }
/** Log-softmax over `dim`. */
export function logSoftmax(x: Tensor, dim = -1): Tensor { return notYet('logSoftmax', x, dim); }

function notYet(op: string, ..._args: unknown[]): never { throw new Error(`${op}: not implemented yet`); }
