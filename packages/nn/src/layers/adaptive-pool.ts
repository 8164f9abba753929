/** Adaptive pooling layers over core's `adaptiveAvgPool2d` / `adaptiveMaxPool2d`. */
import { ArgumentError, adaptiveAvgPool2d, adaptiveMaxPool2d, fmtValue } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { checkInput } from './common.js';

/**
 * The output size of an adaptive pooling layer: a number (square), or `[h, w]` where `null` keeps
 * that input dimension (PyTorch's `None`).
 */
export type AdaptiveOutputSize = number | readonly [number | null, number | null];

const isSize = (d: unknown): boolean => typeof d === 'number' && Number.isInteger(d) && d >= 1;

abstract class AdaptivePool2d extends Module {
  /** `[h, w]`; `null` keeps the input's size in that dimension. */
  readonly outputSize: readonly [number | null, number | null];

  constructor(private readonly layer: string, outputSize: AdaptiveOutputSize) {
    super();
    const p = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => d === null || isSize(d))) {
      throw new ArgumentError(layer, `outputSize must be a positive integer or a pair of positive integers or nulls, got ${fmtValue(outputSize)}`);
    }
    this.outputSize = [p[0], p[1]];
  }

  /** The output size for input `x`, nulls resolved to x's own height / width. */
  protected resolve(x: Tensor): [number, number] {
    checkInput(this.layer, x, [3, 4], '[N, C, H, W] or [C, H, W]');
    const [h, w] = x.shape.slice(-2);
    return [this.outputSize[0] ?? h, this.outputSize[1] ?? w];
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
  }
}

/**
 * Average pooling to a fixed output size, whatever the input size (PyTorch's
 * `nn.AdaptiveAvgPool2d`): output cell `i` averages input rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1 (likewise
 * columns), so bins may overlap or differ in size when h does not divide H. `new
 * AdaptiveAvgPool2d(1)` is the global average pooling before a classifier head.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, h, w]`.
 *
 * @example
 * new AdaptiveAvgPool2d(1).forward(sg.normal([2, 512, 7, 7])).shape;          // [2, 512, 1, 1]
 * new AdaptiveAvgPool2d([3, null]).forward(sg.normal([2, 4, 10, 6])).shape;   // [2, 4, 3, 6]
 */
export class AdaptiveAvgPool2d extends AdaptivePool2d {
  constructor(outputSize: AdaptiveOutputSize) {
    super('AdaptiveAvgPool2d', outputSize);
  }
  /** Average-pools `x` to the output size. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.resolve(x));
  }
}

/**
 * Max pooling to a fixed output size (PyTorch's `nn.AdaptiveMaxPool2d`), over the same bins as
 * {@link AdaptiveAvgPool2d}; the gradient goes to each bin's maximum.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, C, h, w]`.
 *
 * @example
 * new AdaptiveMaxPool2d([2, 3]).forward(sg.normal([1, 8, 9, 9])).shape;   // [1, 8, 2, 3]
 */
export class AdaptiveMaxPool2d extends AdaptivePool2d {
  constructor(outputSize: AdaptiveOutputSize) {
    super('AdaptiveMaxPool2d', outputSize);
  }
  /** Max-pools `x` to the output size. */
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.resolve(x));
  }
}
