/** `ConvTranspose2d`: the transposed 2-D convolution layer over core's `convTranspose2d`. */
import { ArgumentError, ShapeError, checkKnownOptions, checkPair, convTranspose2d, fmtShape, optionNames, checkInteger } from '@simplegrad/core';
import type { Generator, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type LayerOptions, checkInput, emptyParameter, resetWeightAndBias } from './common.js';
import { checkGroups } from './conv.js';

/** Options of {@link ConvTranspose2d}. */
export interface ConvTranspose2dLayerOptions extends LayerOptions {
  /** Stride of the convolution this transposes, a number or `[sh, sw]` (default 1). */
  stride?: number | readonly [number, number];
  /** Padding of the convolution this transposes, a number or `[ph, pw]` (default 0): trims the output. */
  padding?: number | readonly [number, number];
  /**
   * Extra rows/columns at the bottom/right of the output, a number or `[oh, ow]` (default 0), each
   * smaller than the stride or the dilation.
   */
  outputPadding?: number | readonly [number, number];
  /** Channel groups (default 1): inChannels and outChannels must be multiples of it. */
  groups?: number;
  /** Spacing of the kernel taps, a number or `[dh, dw]` (default 1). */
  dilation?: number | readonly [number, number];
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

const CONV_TRANSPOSE2D_LAYER_OPTIONS = optionNames<ConvTranspose2dLayerOptions>({
  stride: true, padding: true, outputPadding: true, groups: true, dilation: true, bias: true, dtype: true, generator: true,
});

/**
 * Transposed 2-D convolution (PyTorch's `nn.ConvTranspose2d`, the gradient of `Conv2d` with respect
 * to its input; "deconvolution" in GAN generators and U-Net decoders). Weight
 * `[inChannels, outChannels / groups, kH, kW]` (PyTorch's layout), bias `[outChannels]`, both
 * initialised as PyTorch does: Kaiming-uniform with a = √5 and a bias U(±1/√fanIn), where fanIn is
 * computed from this layout as for any weight, (outChannels / groups)·kH·kW.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, O, (H − 1)·sh − 2·ph + dh·(kH − 1) + oh + 1,
 * (W − 1)·sw − 2·pw + dw·(kW − 1) + ow + 1]`.
 *
 * @example
 * const up = new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(sg.normal([2, 16, 8, 8])).shape;   // [2, 8, 16, 16]
 */
export class ConvTranspose2d extends Module {
  /** Input channels C. */
  readonly inChannels: number;
  /** Output channels O. */
  readonly outChannels: number;
  /** `[kH, kW]`. */
  readonly kernelSize: readonly [number, number];
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** `[ph, pw]`. */
  readonly padding: readonly [number, number];
  /** `[oh, ow]`. */
  readonly outputPadding: readonly [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** `[dh, dw]`. */
  readonly dilation: readonly [number, number];
  /** `[inChannels, outChannels / groups, kH, kW]`. */
  weight: Parameter;
  /** `[outChannels]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], opts: ConvTranspose2dLayerOptions = {}) {
    super();
    const op = 'ConvTranspose2d';
    checkKnownOptions(op, opts, CONV_TRANSPOSE2D_LAYER_OPTIONS);
    this.inChannels = checkInteger(op, 'inChannels', inChannels, 1);
    this.outChannels = checkInteger(op, 'outChannels', outChannels, 1);
    this.kernelSize = checkPair(op, 'kernelSize', kernelSize, 1);
    this.stride = checkPair(op, 'stride', opts.stride ?? 1, 1);
    this.padding = checkPair(op, 'padding', opts.padding ?? 0, 0);
    this.outputPadding = checkPair(op, 'outputPadding', opts.outputPadding ?? 0, 0);
    this.dilation = checkPair(op, 'dilation', opts.dilation ?? 1, 1);
    this.groups = checkGroups(op, opts.groups, inChannels, outChannels);
    for (const i of [0, 1]) {
      // PyTorch's rule: a larger output padding would add rows that no input position reaches.
      if (this.outputPadding[i] >= Math.max(this.stride[i], this.dilation[i])) {
        throw new ArgumentError(op, `outputPadding must be smaller than either stride or dilation, got outputPadding ${fmtShape(this.outputPadding)}, stride ${fmtShape(this.stride)}, dilation ${fmtShape(this.dilation)}`);
      }
    }
    this.weight = emptyParameter([inChannels, outChannels / this.groups, ...this.kernelSize], opts);
    this.bias = opts.bias === false ? null : emptyParameter([outChannels], opts);
    this.resetParameters(opts.generator);
  }

  /**
   * Re-draws the parameters with PyTorch's defaults (weight first, then bias).
   *
   * @example
   * up.resetParameters(new Generator(1));
   */
  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  /**
   * Applies the transposed convolution to `x` (`[N, C, H, W]` or `[C, H, W]`). Several input
   * sizes give the same output size under a strided convolution, so the inverse is ambiguous;
   * `outputSize` (`[h, w]`, or a longer shape whose last two entries count) picks the output size
   * as PyTorch's `forward(input, output_size)` does, overriding `outputPadding` for this call.
   *
   * @example
   * const down = new Conv2d(8, 8, 3, { stride: 2, padding: 1 });      // 7x7 and 8x8 both give 4x4
   * const up = new ConvTranspose2d(8, 8, 3, { stride: 2, padding: 1 });
   * up.forward(down.forward(x), [7, 7]).shape;                         // [N, 8, 7, 7]
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    checkInput('ConvTranspose2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    const channels = x.shape[x.ndim - 3];
    if (channels !== this.inChannels) {
      throw new ShapeError('ConvTranspose2d', `input has ${channels} channel${channels === 1 ? '' : 's'} but the layer expects ${this.inChannels} (input ${fmtShape(x.shape)}, weight ${fmtShape(this.weight.shape)})`);
    }
    return convTranspose2d(x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      outputPadding: outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize),
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  /** PyTorch's `_output_padding`: the padding that gives `outputSize`, which must lie within one stride of the smallest size. */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): [number, number] {
    const op = 'ConvTranspose2d';
    if (!Array.isArray(outputSize) || outputSize.length < 2 || !outputSize.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ArgumentError(op, `outputSize must be [h, w] (or a shape ending in them) of positive integers, got ${JSON.stringify(outputSize)}`);
    }
    const want = outputSize.slice(-2);
    const inSize = x.shape.slice(-2);
    const min = [0, 1].map((i) => (inSize[i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1);
    const max = [0, 1].map((i) => min[i] + this.stride[i] - 1);
    if (want.some((d, i) => d < min[i] || d > max[i])) {
      throw new ShapeError(op, `requested an output size of ${fmtShape(want)}, but valid sizes range from ${fmtShape(min)} to ${fmtShape(max)} (for an input of ${fmtShape(inSize)})`);
    }
    return [want[0] - min[0], want[1] - min[1]];
  }

  override extraRepr(): string {
    const nonDefault = (name: string, v: readonly [number, number], d: number): string => (v[0] !== d || v[1] !== d ? `, ${name}=${fmtShape(v)}` : '');
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)}, stride=${fmtShape(this.stride)}`
      + `${nonDefault('padding', this.padding, 0)}${nonDefault('outputPadding', this.outputPadding, 0)}${nonDefault('dilation', this.dilation, 1)}`
      + `${this.groups !== 1 ? `, groups=${this.groups}` : ''}, bias=${this.bias !== null}`;
  }
}
