/** `Conv2d`: a 2-D convolution layer over core's `conv2d` (pad → im2col → one matrix multiply). */
import { ArgumentError, ShapeError, checkInteger, checkKnownOptions, checkPair, conv2d, fmtShape, optionNames, resolvePadMode } from '@simplegrad/core';
import type { Generator, OutputActivation, PadMode, Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type LayerOptions, checkInput, emptyParameter, resetWeightAndBias } from './common.js';

/**
 * Padding of {@link Conv2d}: a number (all sides), `[ph, pw]`, `[top, bottom, left, right]`, or
 * PyTorch's strings: `'valid'` (none) and `'same'` (output size = input size; stride 1 only; the
 * total dilation·(k − 1) is split with the odd one going to the bottom/right, as in PyTorch).
 */
export type Conv2dPadding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

/** Options of {@link Conv2d}. */
export interface Conv2dLayerOptions extends LayerOptions {
  /** Stride, a number or `[sh, sw]` (default 1). */
  stride?: number | readonly [number, number];
  /** Padding (default 0): see {@link Conv2dPadding}. */
  padding?: Conv2dPadding;
  /** How the padding is filled (default `'constant'`); PyTorch's `'zeros'` is accepted for it. */
  padMode?: PadMode | 'zeros';
  /** Fill value of constant padding (default 0). */
  padValue?: number;
  /** Spacing of the kernel taps, a number or `[dh, dw]` (default 1). */
  dilation?: number | readonly [number, number];
  /**
   * Channel groups (default 1): inChannels and outChannels must be multiples of it; each group of
   * inChannels/groups inputs feeds its own outChannels/groups outputs (`groups = inChannels` is a
   * depthwise convolution).
   */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

const CONV2D_LAYER_OPTIONS = optionNames<Conv2dLayerOptions>({
  stride: true, padding: true, padMode: true, padValue: true, dilation: true, groups: true, bias: true, dtype: true, generator: true,
});

/** What {@link Conv2d.forwardFused} runs on the convolution's output: conv2d's options of those names. */
export interface Conv2dEpilogue {
  /** An activation (default `'none'`). */ activation?: OutputActivation;
  /** Max pooling over non-overlapping windows of this size (default none). */ maxPool?: number | readonly [number, number];
  /** Pool before the activation rather than after it (default false). */ poolBeforeActivation?: boolean;
}
const EPILOGUE_OPTIONS = optionNames<Conv2dEpilogue>({ activation: true, maxPool: true, poolBeforeActivation: true });

/**
 * 2-D convolution (cross-correlation, PyTorch's `nn.Conv2d`) with weight
 * `[outChannels, inChannels / groups, kH, kW]` and bias `[outChannels]`, initialised like PyTorch:
 * both U(±1/√fanIn) with fanIn = (inChannels / groups)·kH·kW. Every padding mode has a gradient.
 *
 * Shape: `[N, C, H, W]` (or `[C, H, W]`) → `[N, O, ⌊(H + pt + pb − dh·(kH − 1) − 1) / sh⌋ + 1,
 * ⌊(W + pl + pr − dw·(kW − 1) − 1) / sw⌋ + 1]`.
 *
 * @example
 * const conv = new Conv2d(1, 32, 3, { padding: 1, padMode: 'reflect' });
 * conv.forward(sg.normal([8, 1, 28, 28])).shape;   // [8, 32, 28, 28]
 * new Conv2d(8, 16, 3, { groups: 8, padding: 2, dilation: 2 }).weight.shape;   // [16, 1, 3, 3]: depthwise, multiplier 2
 */
export class Conv2d extends Module {
  /** Input channels C. */
  readonly inChannels: number;
  /** Output channels O. */
  readonly outChannels: number;
  /** `[kH, kW]`. */
  readonly kernelSize: readonly [number, number];
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** `[top, bottom, left, right]`. */
  readonly padding: readonly [number, number, number, number];
  /** Padding mode passed to core's `pad`. */
  readonly padMode: PadMode;
  /** Fill value of constant padding. */
  readonly padValue: number;
  /** `[dh, dw]`. */
  readonly dilation: readonly [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** `[outChannels, inChannels / groups, kH, kW]`. */
  weight: Parameter;
  /** `[outChannels]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], opts: Conv2dLayerOptions = {}) {
    super();
    checkKnownOptions('Conv2d', opts, CONV2D_LAYER_OPTIONS);
    this.inChannels = checkInteger('Conv2d', 'inChannels', inChannels, 1);
    this.outChannels = checkInteger('Conv2d', 'outChannels', outChannels, 1);
    this.kernelSize = checkPair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = checkPair('Conv2d', 'stride', opts.stride ?? 1, 1);
    this.dilation = checkPair('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    this.groups = checkGroups('Conv2d', opts.groups, inChannels, outChannels);
    this.padding = resolvePadding(opts.padding ?? 0, this.kernelSize, this.stride, this.dilation);
    this.padMode = opts.padMode === 'zeros' || opts.padMode === undefined ? 'constant' : opts.padMode;
    try {
      resolvePadMode('Conv2d', 'padMode', this.padMode, []);   // core's list of modes, checked now rather than at the first forward
    } catch {
      throw new ArgumentError('Conv2d', `unknown padMode ${JSON.stringify(opts.padMode)}; expected 'zeros' (or 'constant'), 'reflect', 'replicate', 'circular' or 'symmetric' (or NumPy's 'edge', 'wrap')`);
    }
    this.padValue = opts.padValue ?? 0;
    this.weight = emptyParameter([outChannels, inChannels / this.groups, ...this.kernelSize], opts);
    this.bias = opts.bias === false ? null : emptyParameter([outChannels], opts);
    this.resetParameters(opts.generator);
  }

  /**
   * Re-draws the parameters with PyTorch's defaults (weight first, then bias).
   *
   * @example
   * conv.resetParameters(new Generator(1));
   */
  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  /** Convolves `x` (`[N, C, H, W]` or `[C, H, W]`) with the layer's weight and bias. */
  forward(x: Tensor): Tensor {
    return this.convolve(x);
  }

  /**
   * `this.forward(x)` with an activation and max pooling run on its output in the same kernels
   * (conv2d's `activation` and `maxPool` options): `maxPool2d(relu(this.forward(x)), 2)` for
   * `{ activation: 'relu', maxPool: 2 }`, values and gradients. `Sequential` runs a Conv2d followed
   * by a ReLU/ReLU6 and/or a non-overlapping MaxPool2d this way.
   *
   * @example
   * new Conv2d(3, 8, 3).forwardFused(sg.normal([2, 3, 16, 16]), { activation: 'relu', maxPool: 2 }).shape;   // [2, 8, 7, 7]
   */
  forwardFused(x: Tensor, epilogue: Conv2dEpilogue): Tensor {
    checkKnownOptions('Conv2d.forwardFused', epilogue, EPILOGUE_OPTIONS);
    return this.convolve(x, epilogue);
  }

  private convolve(x: Tensor, epilogue: Conv2dEpilogue = {}): Tensor {
    checkInput('Conv2d', x, [3, 4], '[N, C, H, W] or [C, H, W]');
    const channels = x.shape[x.ndim - 3];
    if (channels !== this.inChannels) {
      throw new ShapeError('Conv2d', `input has ${channels} channel${channels === 1 ? '' : 's'} but the layer expects ${this.inChannels} (input ${fmtShape(x.shape)}, weight ${fmtShape(this.weight.shape)})`);
    }
    return conv2d(x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      padMode: this.padMode,
      padValue: this.padValue,
      dilation: this.dilation,
      groups: this.groups,
      ...epilogue,
    });
  }

  override extraRepr(): string {
    const pad = this.padding.some((p) => p !== 0) ? `, padding=${fmtShape(this.padding)}` : '';
    const mode = this.padMode !== 'constant' ? `, padMode=${this.padMode}` : '';
    const dil = this.dilation[0] !== 1 || this.dilation[1] !== 1 ? `, dilation=${fmtShape(this.dilation)}` : '';
    const groups = this.groups !== 1 ? `, groups=${this.groups}` : '';
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)}, stride=${fmtShape(this.stride)}${pad}${dil}${groups}${mode}, bias=${this.bias !== null}`;
  }
}

/**
 * `groups` (default 1) checked against both channel counts, PyTorch's rule, e.g.
 * `Conv2d: inChannels (6) must be divisible by groups (4)`. Shared with ConvTranspose2d.
 */
export function checkGroups(layer: string, groups: unknown, inChannels: number, outChannels: number): number {
  const g = checkInteger(layer, 'groups', groups ?? 1, 1);
  if (inChannels % g !== 0) throw new ArgumentError(layer, `inChannels (${inChannels}) must be divisible by groups (${g})`);
  if (outChannels % g !== 0) throw new ArgumentError(layer, `outChannels (${outChannels}) must be divisible by groups (${g})`);
  return g;
}

/** Normalises every padding spelling to `[top, bottom, left, right]`. */
function resolvePadding(
  p: Conv2dPadding, kernel: readonly [number, number], stride: readonly [number, number], dilation: readonly [number, number],
): [number, number, number, number] {
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new ArgumentError('Conv2d', `padding 'same' needs stride 1, got stride ${fmtShape(stride)}`);
    }
    // PyTorch puts the smaller half first (top/left) when the total is odd.
    const [th, tw] = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  if (typeof p !== 'number' && p.length === 4) {
    if (!p.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ArgumentError('Conv2d', `padding must hold non-negative integers, got ${JSON.stringify(p)}`);
    }
    return [...p] as [number, number, number, number];
  }
  const [ph, pw] = checkPair('Conv2d', 'padding', p, 0);
  return [ph, ph, pw, pw];
}
