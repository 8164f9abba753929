/**
 * `interpolate`: resizing the spatial dimensions of `[N, C, H, W]` by nearest-neighbour or bilinear
 * sampling, with PyTorch 1.13's coordinate rules (`torch.nn.functional.interpolate` with
 * `recompute_scale_factor` unset). The per-axis source tables and the loops live in
 * `kernels/interpolate.ts`; both modes are linear maps, so the gradient is the adjoint loop.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkBoolean, checkChoice, checkKnownOptions, checkNonNegative, checkPair, fmtValue, optionNames, checkFloat } from '../check.js';

import {
  type ResampleGeometry, bilinearBackward, bilinearForward, linearTaps, nearestBackward, nearestForward, nearestIndices,
} from '../kernels/interpolate.js';

/** Interpolation modes of {@link interpolate}. */
export type InterpolateMode = 'nearest' | 'bilinear';

/** Options of {@link interpolate}: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** Output size, `h` (square) or `[h, w]`. */ size?: number | readonly [number, number];
  /** Multiplier of the input size, a number or `[fh, fw]`: the output is `[⌊H·fh⌋, ⌊W·fw⌋]`. */ scaleFactor?: number | readonly [number, number];
  /** `'nearest'` (default) or `'bilinear'`. */ mode?: InterpolateMode;
  /** Bilinear only: align the corner pixels' centres instead of the pixel areas (default false). */ alignCorners?: boolean;
}

const INTERPOLATE_OPTIONS = optionNames<InterpolateOptions>({ size: true, scaleFactor: true, mode: true, alignCorners: true });

/** The scale factor as a pair of finite numbers >= 0, or throws naming the value and the input shape. */
function scalePair(op: string, v: unknown, where: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2) {
    throw new ArgumentError(op, `scaleFactor must be a positive number or a pair of them, got ${fmtValue(v)} ${where}`);
  }
  return [checkNonNegative(op, 'scaleFactor', p[0], ` ${where}`), checkNonNegative(op, 'scaleFactor', p[1], ` ${where}`)];
}

/**
 * Resizes the last two dimensions of `x` to `size`, or by `scaleFactor`, as PyTorch's
 * `F.interpolate` (with `recompute_scale_factor` unset):
 *
 * - `'nearest'`: output `d` copies input `min(⌊d·s⌋, H − 1)` with `s = 1/scaleFactor` when a scale
 *   factor is given, else `H/h` (computed in float32, as PyTorch does). `alignCorners` does not apply
 *   and is an error, as in PyTorch.
 * - `'bilinear'`: the source coordinate is `d·(H − 1)/(h − 1)` with `alignCorners: true`, else
 *   `max((d + ½)·s − ½, 0)` (s as above: the given scale, not the size ratio, when `scaleFactor` is
 *   used); the output weights the two neighbours of that coordinate along each axis.
 *
 * Both up- and down-sampling; the gradient (for x) is the adjoint of the same sampling.
 *
 * Shape: `[N, C, H, W]` → `[N, C, h, w]` with `[h, w] = size` or `[⌊H·fh⌋, ⌊W·fw⌋]`.
 *
 * @example
 * const x = sg.normal([1, 16, 8, 8]);
 * sg.interpolate(x, { scaleFactor: 2 });                                          // [1, 16, 16, 16]
 * sg.interpolate(x, { size: [5, 12], mode: 'bilinear', alignCorners: true });     // [1, 16, 5, 12]
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  checkKnownOptions(op, opts, INTERPOLATE_OPTIONS);
  checkFloat(op, 'input', x);
  if (x.ndim !== 4) {
    throw new ShapeError(op, `input must be 4-D [N, C, H, W], got ${fmtShape(x.shape)}${x.ndim === 3 ? ' (unsqueeze an unbatched [C, H, W] image first)' : ''}`);
  }
  const where = `(input ${fmtShape(x.shape)})`;
  const mode = checkChoice(op, 'mode', opts.mode ?? 'nearest', ['nearest', 'bilinear'] as const);
  if (opts.alignCorners !== undefined && mode === 'nearest') {
    throw new ArgumentError(op, `alignCorners can only be set with mode 'bilinear', got mode 'nearest' ${where}`);
  }
  const alignCorners = checkBoolean(op, 'alignCorners', opts.alignCorners ?? false);
  const hasSize = opts.size !== undefined;
  const hasScale = opts.scaleFactor !== undefined;
  if (hasSize === hasScale) throw new ArgumentError(op, `give exactly one of size and scaleFactor, got ${hasSize ? 'both' : 'neither'} ${where}`);
  const [height, width] = x.shape.slice(2);
  if (height === 0 || width === 0) throw new ShapeError(op, `input must have non-empty spatial dimensions, got ${fmtShape(x.shape)}`);
  let outH: number;
  let outW: number;
  let scale: [number, number] | [null, null] = [null, null];
  if (hasSize) {
    [outH, outW] = checkPair(op, 'size', opts.size, 1, where);
  } else {
    scale = scalePair(op, opts.scaleFactor, where);
    outH = Math.floor(height * scale[0]);
    outW = Math.floor(width * scale[1]);
    if (outH < 1 || outW < 1) {
      throw new ShapeError(op, `output size would be [${outH}, ${outW}]: scaleFactor ${fmtValue(opts.scaleFactor)} shrinks the input ${fmtShape(x.shape)} below one pixel`);
    }
  }

  const geom: ResampleGeometry = { planes: x.shape[0] * x.shape[1], height, width, outH, outW };
  const outShape = [x.shape[0], x.shape[1], outH, outW];
  const out = allocateOutput(x.dtype, geom.planes * outH * outW) as FloatArray;
  const xd = x[RAW] as FloatArray;
  switch (mode) {
    case 'nearest': {
      const iy = nearestIndices(height, outH, scale[0]);
      const ix = nearestIndices(width, outW, scale[1]);
      nearestForward(xd, geom, iy, ix, out);
      return record(op, new Tensor(out, outShape), [x], (g) => {
        const gx = allocateOutput(g.dtype, x.size) as FloatArray;
        nearestBackward(g[RAW] as FloatArray, geom, iy, ix, gx);
        return [new Tensor(gx, x.shape)];
      });
    }
    case 'bilinear': {
      const float32 = x.dtype === 'float32';
      const ty = linearTaps(height, outH, alignCorners, scale[0], float32);
      const tx = linearTaps(width, outW, alignCorners, scale[1], float32);
      bilinearForward(xd, geom, ty, tx, out);
      return record(op, new Tensor(out, outShape), [x], (g) => {
        const gx = allocateOutput(g.dtype, x.size) as FloatArray;
        bilinearBackward(g[RAW] as FloatArray, geom, ty, tx, gx);
        return [new Tensor(gx, x.shape)];
      });
    }
    default:
      return mode satisfies never;
  }
}
