/** `GroupNorm` and `LayerNorm`: per-sample normalisation layers over core's `groupNorm` / `layerNorm`. */
import {
  ArgumentError, ShapeError, checkBoolean, checkKnownOptions, checkNonNegative, fmtShape, fmtValue, groupNorm, layerNorm, optionNames, checkInteger,
} from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { type LayerOptions, checkFloat, emptyParameter } from './common.js';

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions extends Omit<LayerOptions, 'generator'> {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale (weight, init 1) and shift (bias, init 0) (default true). */
  affine?: boolean;
}

const GROUP_NORM_OPTIONS = optionNames<GroupNormOptions>({ eps: true, affine: true, dtype: true });

/**
 * Group normalisation (PyTorch's `nn.GroupNorm`): the C channels are split into `numGroups` groups
 * and each sample's group is normalised with its own mean and biased variance over its channels
 * and spatial positions, then scaled and shifted per channel. Unlike BatchNorm it does not depend
 * on the batch (same in training and eval mode, no running statistics), so it suits small batches.
 *
 * Shape: `[N, C, ...]` → unchanged; C must be `numChannels`.
 *
 * @example
 * const gn = new GroupNorm(4, 16);            // weight, bias: [16]
 * gn.forward(sg.normal([2, 16, 8, 8])).shape;   // [2, 16, 8, 8]
 */
export class GroupNorm extends Module {
  /** Number of groups G. */
  readonly numGroups: number;
  /** Number of channels C. */
  readonly numChannels: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Whether weight and bias exist. */
  readonly affine: boolean;
  /** Per-channel scale `[C]` (null unless affine). */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (null unless affine). */
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    const op = 'GroupNorm';
    checkKnownOptions(op, opts, GROUP_NORM_OPTIONS);
    this.numGroups = checkInteger(op, 'numGroups', numGroups, 1);
    this.numChannels = checkInteger(op, 'numChannels', numChannels, 1);
    if (numChannels % numGroups !== 0) throw new ArgumentError(op, `numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = checkNonNegative(op, 'eps', opts.eps ?? 1e-5);
    this.affine = checkBoolean(op, 'affine', opts.affine ?? true);
    this.weight = this.affine ? emptyParameter([numChannels], opts) : null;
    this.bias = this.affine ? emptyParameter([numChannels], opts) : null;
    this.resetParameters();
  }

  /**
   * Sets weight to 1 and bias to 0 (PyTorch's defaults).
   *
   * @example
   * gn.resetParameters();
   */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** Normalises `x` per sample and group. */
  forward(x: Tensor): Tensor {
    checkFloat('GroupNorm', x);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError('GroupNorm', `expected an input [N, ${this.numChannels}, ...], got shape ${fmtShape(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions extends Omit<LayerOptions, 'generator'> {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn an elementwise scale (weight, init 1) and shift (bias, init 0) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
}

const LAYER_NORM_OPTIONS = optionNames<LayerNormOptions>({ eps: true, elementwiseAffine: true, dtype: true });

/**
 * Layer normalisation (PyTorch's `nn.LayerNorm`): each sample is normalised over its last
 * `normalizedShape.length` dimensions (mean and biased variance), then scaled and shifted
 * elementwise by `weight` and `bias` of shape `normalizedShape`.
 *
 * Shape: `[..., ...normalizedShape]` → unchanged.
 *
 * @example
 * const ln = new LayerNorm([16, 8, 8]);         // weight, bias: [16, 8, 8]
 * ln.forward(sg.normal([2, 16, 8, 8])).shape;   // [2, 16, 8, 8]
 * new LayerNorm(64).forward(sg.normal([4, 10, 64]));   // over the last dimension
 */
export class LayerNorm extends Module {
  /** The trailing dimensions normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether weight and bias exist. */
  readonly elementwiseAffine: boolean;
  /** Scale of shape `normalizedShape` (null unless elementwiseAffine). */
  weight: Parameter | null;
  /** Shift of shape `normalizedShape` (null unless elementwiseAffine). */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const op = 'LayerNorm';
    checkKnownOptions(op, opts, LAYER_NORM_OPTIONS);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ArgumentError(op, `normalizedShape must be a positive integer or a non-empty array of them, got ${fmtValue(normalizedShape)}`);
    }
    this.normalizedShape = [...shape];
    this.eps = checkNonNegative(op, 'eps', opts.eps ?? 1e-5);
    this.elementwiseAffine = checkBoolean(op, 'elementwiseAffine', opts.elementwiseAffine ?? true);
    this.weight = this.elementwiseAffine ? emptyParameter(this.normalizedShape, opts) : null;
    this.bias = this.elementwiseAffine ? emptyParameter(this.normalizedShape, opts) : null;
    this.resetParameters();
  }

  /**
   * Sets weight to 1 and bias to 0 (PyTorch's defaults).
   *
   * @example
   * ln.resetParameters();
   */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** Normalises `x` over its trailing `normalizedShape` dimensions. */
  forward(x: Tensor): Tensor {
    checkFloat('LayerNorm', x);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError('LayerNorm', `expected an input [..., ${this.normalizedShape.join(', ')}], got shape ${fmtShape(x.shape)}`);
    }
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
