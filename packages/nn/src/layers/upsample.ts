/** `Upsample`: resizing as a layer, over core's `interpolate`. */
import { ArgumentError, checkBoolean, checkChoice, checkKnownOptions, fmtValue, interpolate, optionNames } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { checkInput } from './common.js';

/** Options of {@link Upsample}: exactly one of `size` and `scaleFactor`. */
export interface UpsampleOptions {
  /** The output's `[h, w]` (or a number for both). */
  size?: number | readonly [number, number];
  /** Multiplier of the input's height and width, a number or `[fh, fw]`; output size ⌊H·fh⌋. */
  scaleFactor?: number | readonly [number, number];
  /** `'nearest'` (default) or `'bilinear'`. */
  mode?: 'nearest' | 'bilinear';
  /**
   * Bilinear only: map the corner pixels' centres onto each other (true) or the corner pixels'
   * outer edges (false, PyTorch's default). Leaving it unset means false.
   */
  alignCorners?: boolean;
}

const UPSAMPLE_OPTIONS = optionNames<UpsampleOptions>({ size: true, scaleFactor: true, mode: true, alignCorners: true });

const positive = (v: unknown, integer: boolean): boolean => typeof v === 'number' && v > 0 && Number.isFinite(v) && (!integer || Number.isInteger(v));
const pairOf = (v: unknown, integer: boolean): boolean => positive(v, integer) || (Array.isArray(v) && v.length === 2 && v.every((d) => positive(d, integer)));

/**
 * Resizes the spatial dimensions (PyTorch's `nn.Upsample`, i.e. `interpolate` as a module): to a
 * fixed `size`, or by `scaleFactor`, with nearest-neighbour (default) or bilinear interpolation and
 * PyTorch's coordinate rules. It has no parameters; U-Net decoders follow it with a convolution.
 *
 * Shape: `[N, C, H, W]` → `[N, C, h, w]` with `[h, w] = size` or `[⌊H·fh⌋, ⌊W·fw⌋]`.
 *
 * @example
 * const up = new Upsample({ scaleFactor: 2, mode: 'bilinear' });
 * up.forward(sg.normal([1, 16, 8, 8])).shape;   // [1, 16, 16, 16]
 */
export class Upsample extends Module {
  /** The fixed output size, or null when scaling. */
  readonly size: number | readonly [number, number] | null;
  /** The scale factor, or null when resizing to `size`. */
  readonly scaleFactor: number | readonly [number, number] | null;
  /** Interpolation mode. */
  readonly mode: 'nearest' | 'bilinear';
  /** Bilinear corner alignment, or null when not set (nearest mode). */
  readonly alignCorners: boolean | null;

  constructor(opts: UpsampleOptions) {
    super();
    const op = 'Upsample';
    checkKnownOptions(op, opts, UPSAMPLE_OPTIONS);
    const hasSize = opts.size !== undefined && opts.size !== null;
    const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
    if (hasSize === hasScale) throw new ArgumentError(op, `give exactly one of size and scaleFactor, got ${hasSize ? 'both' : 'neither'}`);
    if (hasSize && !pairOf(opts.size, true)) throw new ArgumentError(op, `size must be a positive integer or a pair of them, got ${fmtValue(opts.size)}`);
    if (hasScale && !pairOf(opts.scaleFactor, false)) throw new ArgumentError(op, `scaleFactor must be a positive number or a pair of them, got ${fmtValue(opts.scaleFactor)}`);
    this.size = hasSize ? (opts.size as number | readonly [number, number]) : null;
    this.scaleFactor = hasScale ? (opts.scaleFactor as number | readonly [number, number]) : null;
    this.mode = checkChoice(op, 'mode', opts.mode ?? 'nearest', ['nearest', 'bilinear'] as const);
    if (opts.alignCorners !== undefined && this.mode === 'nearest') {
      // PyTorch's rule: nearest has no corners to align, so the flag would silently do nothing.
      throw new ArgumentError(op, `alignCorners can only be set with mode 'bilinear', got mode 'nearest'`);
    }
    this.alignCorners = opts.alignCorners === undefined ? null : checkBoolean(op, 'alignCorners', opts.alignCorners);
  }

  /** Resizes `x`. */
  forward(x: Tensor): Tensor {
    checkInput('Upsample', x, [4], '[N, C, H, W]');
    return interpolate(x, {
      ...(this.size !== null ? { size: this.size } : { scaleFactor: this.scaleFactor as number | readonly [number, number] }),
      mode: this.mode,
      ...(this.alignCorners !== null ? { alignCorners: this.alignCorners } : {}),
    });
  }

  override extraRepr(): string {
    const what = this.size !== null ? `size=${JSON.stringify(this.size)}` : `scaleFactor=${JSON.stringify(this.scaleFactor)}`;
    return `${what}, mode=${this.mode}${this.alignCorners !== null ? `, alignCorners=${this.alignCorners}` : ''}`;
  }
}
