/** Pooling layers over core's `maxPool2d` / `avgPool2d`. */
import { avgPool2d, fmtShape, maxPool2d } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { checkInput, pair } from './common.js';

/** Options of {@link MaxPool2d} and {@link AvgPool2d}. */
export interface Pool2dOptions {
  /** Stride, a number or `[sh, sw]` (default: the kernel size). */
  stride?: number | readonly [number, number];
  /** Implicit padding on each side, a number or `[ph, pw]` (default 0). */
  padding?: number | readonly [number, number];
}

abstract class Pool2d extends Module {
  /** `[kH, kW]`. */
  readonly kernelSize: readonly [number, number];
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** `[ph, pw]`, on each side. */
  readonly padding: readonly [number, number];

  constructor(layer: string, kernelSize: number | readonly [number, number], opts: Pool2dOptions) {
    super();
    this.kernelSize = pair(layer, 'kernelSize', kernelSize);
    this.stride = pair(layer, 'stride', opts.stride ?? this.kernelSize);
    this.padding = pair(layer, 'padding', opts.padding ?? 0, 0);
  }

  override extraRepr(): string {
    return `kernelSize=${fmtShape(this.kernelSize)}, stride=${fmtShape(this.stride)}, padding=${fmtShape(this.padding)}`;
  }
}

/**
 * 2-D max pooling (padding counts as −∞). The gradient goes to the maximum of each window.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, ⌊(H + 2ph − kH) / sh⌋ + 1, ⌊(W + 2pw − kW) / sw⌋ + 1]`.
 *
 * @example
 * new MaxPool2d(2).forward(sg.normal([8, 32, 26, 26])).shape;   // [8, 32, 13, 13]
 */
export class MaxPool2d extends Pool2d {
  constructor(kernelSize: number | readonly [number, number], opts: Pool2dOptions = {}) {
    super('MaxPool2d', kernelSize, opts);
  }
  /** Max-pools `x`. */
  forward(x: Tensor): Tensor {
    checkInput('MaxPool2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

/**
 * 2-D average pooling. Padded zeros count in the divisor unless `countIncludePad: false`
 * (PyTorch's default is to count them).
 *
 * Shape: as {@link MaxPool2d}.
 *
 * @example
 * new AvgPool2d(3, { stride: 2, padding: 1 }).forward(x);
 */
export class AvgPool2d extends Pool2d {
  /** Whether padded zeros count in the divisor. */
  readonly countIncludePad: boolean;
  constructor(kernelSize: number | readonly [number, number], opts: Pool2dOptions & { countIncludePad?: boolean } = {}) {
    super('AvgPool2d', kernelSize, opts);
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  /** Average-pools `x`. */
  forward(x: Tensor): Tensor {
    checkInput('AvgPool2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    return `${super.extraRepr()}, countIncludePad=${this.countIncludePad}`;
  }
}
