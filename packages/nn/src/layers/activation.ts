/**
 * Activations as modules (no parameters), each a thin wrapper over the core function of the same
 * name, so they can sit in a `Sequential` and show up in `summary()`. Arguments read as PyTorch's:
 * `new LeakyReLU(0.2)` has slope 0.2, `new Softmax(1)` normalises dimension 1, and each may be named
 * instead (`new LeakyReLU({ negativeSlope: 0.2 })`). Anything PyTorch would read differently (its
 * `inplace` flag included) is an error, never silently dropped.
 */
import {
  ArgumentError, checkChoice, checkFinite, elu, fmtValue, gelu, hardsigmoid, hardswish, hardtanh, leakyRelu, logSoftmax,
  optionNames, readArgs, relu, relu6, sigmoid, silu, softmax, tanh,
} from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';

/** Throws unless the layer was built without arguments (PyTorch's only one here, `inplace`, is not taken). */
function noArgs(layer: string, args: readonly unknown[]): void {
  readArgs(layer, args, [], []);
}

/** An integer dimension (negative counts from the end), checked when the layer is built. */
function checkDim(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentError(layer, `${name} must be an integer, got ${fmtValue(v)}`);
  return v;
}

/**
 * `max(x, 0)` elementwise. Shape: unchanged.
 *
 * @example
 * new ReLU().forward(sg.tensor([-1, 2]));   // [0, 2]
 */
export class ReLU extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('ReLU', args);
  }
  /** Applies ReLU. */
  forward(x: Tensor): Tensor { return relu(x); }
}

/**
 * `min(max(x, 0), 6)` elementwise (MobileNet's activation); the gradient is 0 at both kinks, as in
 * PyTorch. Shape: unchanged.
 *
 * @example
 * new ReLU6().forward(sg.tensor([-1, 3, 8]));   // [0, 3, 6]
 */
export class ReLU6 extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('ReLU6', args);
  }
  /** Applies ReLU6. */
  forward(x: Tensor): Tensor { return relu6(x); }
}

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** Slope for negative inputs (default 0.01). */
  negativeSlope?: number;
}
const LEAKY_RELU_OPTIONS = optionNames<LeakyReLUOptions>({ negativeSlope: true });

/**
 * `x` for x ≥ 0, `negativeSlope·x` otherwise (default slope 0.01), PyTorch's
 * `nn.LeakyReLU(negative_slope)`. Shape: unchanged.
 *
 * @example
 * new LeakyReLU(0.2).forward(sg.tensor([-1, 2]));   // [-0.2, 2]
 * new LeakyReLU({ negativeSlope: 0.2 });            // the same
 */
export class LeakyReLU extends Module {
  /** Slope for negative inputs. */
  readonly negativeSlope: number;
  constructor(...args: [negativeSlope?: number] | [opts: LeakyReLUOptions]) {
    super();
    const opts = readArgs<LeakyReLUOptions>('LeakyReLU', args, ['negativeSlope'], LEAKY_RELU_OPTIONS);
    this.negativeSlope = checkFinite('LeakyReLU', 'negativeSlope', opts.negativeSlope ?? 0.01);
  }
  /** Applies leaky ReLU. */
  forward(x: Tensor): Tensor { return leakyRelu(x, { negativeSlope: this.negativeSlope }); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** Options of {@link Hardtanh}. */
export interface HardtanhLayerOptions {
  /** Lower end of the linear region (default −1). */
  minVal?: number;
  /** Upper end of the linear region (default 1). */
  maxVal?: number;
}
const HARDTANH_OPTIONS = optionNames<HardtanhLayerOptions>({ minVal: true, maxVal: true });

/**
 * `x` clamped into `[minVal, maxVal]` (defaults −1 and 1), PyTorch's `nn.Hardtanh(min_val,
 * max_val)`; the gradient is 1 strictly inside and 0 at the ends. Shape: unchanged.
 *
 * @example
 * new Hardtanh(0, 6).forward(x);                     // ReLU6
 * new Hardtanh({ minVal: -2, maxVal: 2 }).forward(x);
 */
export class Hardtanh extends Module {
  /** Lower end of the linear region. */
  readonly minVal: number;
  /** Upper end of the linear region. */
  readonly maxVal: number;
  constructor(...args: [minVal?: number, maxVal?: number] | [minVal: number | undefined, opts: Omit<HardtanhLayerOptions, 'minVal'>] | [opts: HardtanhLayerOptions]) {
    super();
    const opts = readArgs<HardtanhLayerOptions>('Hardtanh', args, ['minVal', 'maxVal'], HARDTANH_OPTIONS);
    this.minVal = checkFinite('Hardtanh', 'minVal', opts.minVal ?? -1);
    this.maxVal = checkFinite('Hardtanh', 'maxVal', opts.maxVal ?? 1);
    if (!(this.minVal <= this.maxVal)) {
      throw new ArgumentError('Hardtanh', `minVal must be <= maxVal, got minVal ${this.minVal} and maxVal ${this.maxVal}`);
    }
  }
  /** Applies hardtanh. */
  forward(x: Tensor): Tensor { return hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal }); }
  override extraRepr(): string { return `minVal=${this.minVal}, maxVal=${this.maxVal}`; }
}

/**
 * `x·relu6(x + 3) / 6` elementwise (MobileNetV3), with PyTorch's gradient at the kinks. Shape: unchanged.
 *
 * @example
 * new Hardswish().forward(sg.tensor([-4, 0, 4]));   // [-0, 0, 4]
 */
export class Hardswish extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('Hardswish', args);
  }
  /** Applies hardswish. */
  forward(x: Tensor): Tensor { return hardswish(x); }
}

/**
 * `relu6(x + 3) / 6` elementwise, with PyTorch's gradient at the kinks. Shape: unchanged.
 *
 * @example
 * new Hardsigmoid().forward(sg.tensor([-4, 0, 1.5]));   // [0, 0.5, 0.75]
 */
export class Hardsigmoid extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('Hardsigmoid', args);
  }
  /** Applies hardsigmoid. */
  forward(x: Tensor): Tensor { return hardsigmoid(x); }
}

/**
 * `1 / (1 + e^-x)` elementwise. Shape: unchanged.
 *
 * @example
 * new Sigmoid().forward(sg.tensor([0]));   // [0.5]
 */
export class Sigmoid extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('Sigmoid', args);
  }
  /** Applies the logistic sigmoid. */
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/**
 * Hyperbolic tangent elementwise. Shape: unchanged.
 *
 * @example
 * new Tanh().forward(sg.tensor([0]));   // [0]
 */
export class Tanh extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('Tanh', args);
  }
  /** Applies tanh. */
  forward(x: Tensor): Tensor { return tanh(x); }
}

/** Options of {@link GELU}. */
export interface GELULayerOptions {
  /** `'none'` (exact, `x·Φ(x)`; default) or `'tanh'` (the tanh approximation). */
  approximate?: 'none' | 'tanh';
}
const GELU_OPTIONS = optionNames<GELULayerOptions>({ approximate: true });

/**
 * GELU, exact (`x·Φ(x)`, default) or with `approximate: 'tanh'`, PyTorch's `nn.GELU(approximate)`.
 * Shape: unchanged.
 *
 * @example
 * new GELU('tanh').forward(x);
 * new GELU({ approximate: 'tanh' });   // the same
 */
export class GELU extends Module {
  /** `'none'` (exact) or `'tanh'`. */
  readonly approximate: 'none' | 'tanh';
  constructor(...args: [approximate?: 'none' | 'tanh'] | [opts: GELULayerOptions]) {
    super();
    const opts = readArgs<GELULayerOptions>('GELU', args, ['approximate'], GELU_OPTIONS);
    this.approximate = checkChoice('GELU', 'approximate', opts.approximate ?? 'none', ['none', 'tanh']);
  }
  /** Applies GELU. */
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate=${this.approximate}`; }
}

/** Options of {@link ELU}. */
export interface ELULayerOptions {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}
const ELU_OPTIONS = optionNames<ELULayerOptions>({ alpha: true });

/**
 * ELU: `x` for x > 0, `alpha·(eˣ − 1)` otherwise (default alpha 1), PyTorch's `nn.ELU(alpha)`.
 * Shape: unchanged.
 *
 * @example
 * new ELU(0.5).forward(x);
 * new ELU({ alpha: 0.5 });   // the same
 */
export class ELU extends Module {
  /** Scale of the negative part. */
  readonly alpha: number;
  constructor(...args: [alpha?: number] | [opts: ELULayerOptions]) {
    super();
    const opts = readArgs<ELULayerOptions>('ELU', args, ['alpha'], ELU_OPTIONS);
    this.alpha = checkFinite('ELU', 'alpha', opts.alpha ?? 1);
  }
  /** Applies ELU. */
  forward(x: Tensor): Tensor { return elu(x, { alpha: this.alpha }); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/**
 * SiLU (swish): `x·sigmoid(x)`. Shape: unchanged.
 *
 * @example
 * new SiLU().forward(x);
 */
export class SiLU extends Module {
  constructor(...args: never[]) {
    super();
    noArgs('SiLU', args);
  }
  /** Applies SiLU. */
  forward(x: Tensor): Tensor { return silu(x); }
}

/** Options of {@link Softmax} and {@link LogSoftmax}. */
export interface SoftmaxLayerOptions {
  /** The normalised dimension (default -1, the last). */
  dim?: number;
}
const SOFTMAX_OPTIONS = optionNames<SoftmaxLayerOptions>({ dim: true });

/**
 * Softmax over `dim` (default -1: the last dimension, the class dimension of `[N, C]` logits),
 * PyTorch's `nn.Softmax(dim)`. Shape: unchanged.
 *
 * @example
 * new Softmax(1).forward(logits);   // rows sum to 1
 */
export class Softmax extends Module {
  /** The dimension that sums to 1. */
  readonly dim: number;
  constructor(...args: [dim?: number] | [opts: SoftmaxLayerOptions]) {
    super();
    this.dim = checkDim('Softmax', 'dim', readArgs<SoftmaxLayerOptions>('Softmax', args, ['dim'], SOFTMAX_OPTIONS).dim ?? -1);
  }
  /** Applies softmax over `dim`. */
  forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/**
 * Log-softmax over `dim` (default -1), computed stably; pairs with `NLLLoss`. PyTorch's
 * `nn.LogSoftmax(dim)`. Shape: unchanged.
 *
 * @example
 * new LogSoftmax(1).forward(logits);
 */
export class LogSoftmax extends Module {
  /** The normalised dimension. */
  readonly dim: number;
  constructor(...args: [dim?: number] | [opts: SoftmaxLayerOptions]) {
    super();
    this.dim = checkDim('LogSoftmax', 'dim', readArgs<SoftmaxLayerOptions>('LogSoftmax', args, ['dim'], SOFTMAX_OPTIONS).dim ?? -1);
  }
  /** Applies log-softmax over `dim`. */
  forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
