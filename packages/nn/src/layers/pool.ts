/**
 * Pooling layers over core's `maxPool2d` / `avgPool2d`. Their arguments read as PyTorch's do:
 * `new MaxPool2d(3, 2)` has stride 2, `new MaxPool2d(3, 2, 1)` padding 1, and any of them may be
 * named in a trailing options object (`new MaxPool2d(3, { stride: 2, padding: 1 })`).
 */
import { avgPool2d, checkBoolean, checkPair, fmtShape, maxPool2d, optionNames, readArgs } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { checkInput } from './common.js';

/** A size given as one number for both spatial dimensions, or as `[h, w]`. */
export type Size2 = number | readonly [number, number];

/** Options of {@link MaxPool2d} and {@link AvgPool2d}. */
export interface Pool2dOptions {
  /** Window size, a number or `[kH, kW]` (the first positional argument; may be named here instead). */
  kernelSize?: Size2;
  /** Stride, a number or `[sh, sw]` (default: the kernel size). */
  stride?: Size2;
  /** Implicit padding on each side, a number or `[ph, pw]` (default 0). */
  padding?: Size2;
}

/** Options of {@link AvgPool2d}. */
export interface AvgPool2dLayerOptions extends Pool2dOptions {
  /** Count padded zeros in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

/**
 * The accepted argument lists: PyTorch's positional `(kernelSize, stride, padding)`, each form
 * optionally followed by an options object naming the rest, or the options object alone.
 */
export type Pool2dArgs<O extends Pool2dOptions> =
  | [kernelSize: Size2, opts?: Omit<O, 'kernelSize'>]
  | [kernelSize: Size2, stride: Size2 | undefined, opts?: Omit<O, 'kernelSize' | 'stride'>]
  | [kernelSize: Size2, stride: Size2 | undefined, padding: Size2, opts?: Omit<O, 'kernelSize' | 'stride' | 'padding'>]
  | [opts: O & { kernelSize: Size2 }];

// PyTorch's order; its further positional arguments (dilation, ceil_mode...) are not taken.
const POSITIONAL = ['kernelSize', 'stride', 'padding'] as const;
const MAX_POOL_OPTIONS = optionNames<Pool2dOptions>({ kernelSize: true, stride: true, padding: true });
const AVG_POOL_OPTIONS = optionNames<AvgPool2dLayerOptions>({ kernelSize: true, stride: true, padding: true, countIncludePad: true });

abstract class Pool2d extends Module {
  /** `[kH, kW]`. */
  readonly kernelSize: readonly [number, number];
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** `[ph, pw]`, on each side. */
  readonly padding: readonly [number, number];

  constructor(layer: string, opts: Pool2dOptions) {
    super();
    this.kernelSize = checkPair(layer, 'kernelSize', opts.kernelSize, 1);
    this.stride = checkPair(layer, 'stride', opts.stride ?? this.kernelSize, 1);
    this.padding = checkPair(layer, 'padding', opts.padding ?? 0, 0);
  }

  override extraRepr(): string {
    return `kernelSize=${fmtShape(this.kernelSize)}, stride=${fmtShape(this.stride)}, padding=${fmtShape(this.padding)}`;
  }
}

/**
 * 2-D max pooling (padding counts as −∞). The gradient goes to the maximum of each window.
 * Arguments as PyTorch's `nn.MaxPool2d(kernel_size, stride, padding)`; dilation, ceil mode and
 * returned indices are not supported.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, ⌊(H + 2ph − kH) / sh⌋ + 1, ⌊(W + 2pw − kW) / sw⌋ + 1]`.
 *
 * @example
 * new MaxPool2d(2).forward(sg.normal([8, 32, 26, 26])).shape;   // [8, 32, 13, 13]
 * new MaxPool2d(3, 2, 1);                                       // stride 2, padding 1, as in PyTorch
 * new MaxPool2d(3, { stride: 2, padding: 1 });                  // the same, by name
 */
export class MaxPool2d extends Pool2d {
  constructor(...args: Pool2dArgs<Pool2dOptions>) {
    super('MaxPool2d', readArgs<Pool2dOptions>('MaxPool2d', args, POSITIONAL, MAX_POOL_OPTIONS));
  }
  /** Max-pools `x`. */
  forward(x: Tensor): Tensor {
    checkInput('MaxPool2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

/**
 * 2-D average pooling. Padded zeros count in the divisor unless `countIncludePad: false`
 * (PyTorch's default is to count them). Arguments as PyTorch's `nn.AvgPool2d(kernel_size, stride,
 * padding)` with `countIncludePad` by name; ceil mode and a divisor override are not supported.
 *
 * Shape: as {@link MaxPool2d}.
 *
 * @example
 * new AvgPool2d(3, 2, 1).forward(x);                                // stride 2, padding 1
 * new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false });
 */
export class AvgPool2d extends Pool2d {
  /** Whether padded zeros count in the divisor. */
  readonly countIncludePad: boolean;
  constructor(...args: Pool2dArgs<AvgPool2dLayerOptions>) {
    const opts = readArgs<AvgPool2dLayerOptions>('AvgPool2d', args, POSITIONAL, AVG_POOL_OPTIONS);
    super('AvgPool2d', opts);
    this.countIncludePad = checkBoolean('AvgPool2d', 'countIncludePad', opts.countIncludePad ?? true);
  }
  /** Average-pools `x`. */
  forward(x: Tensor): Tensor {
    checkInput('AvgPool2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad });
  }
  /** Adds `countIncludePad` to the pooling settings shown by `summary`. */
  override extraRepr(): string {
    return `${super.extraRepr()}, countIncludePad=${this.countIncludePad}`;
  }
}
