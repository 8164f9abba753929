/**
 * How closely float32 convolutions must round: the counterpart of PyTorch's
 * `torch.set_float32_matmul_precision` (and `torch.backends.cudnn.allow_tf32`) for simplegrad's
 * convolutions. It is a permission, not a command: a kernel may take a faster, less precise algorithm
 * only where the setting allows it, and the reference (js) kernels ignore it.
 */
import { checkChoice } from '../check.js';

/**
 * - `'highest'` (the default): every algorithm rounds about as a float32 sum of the terms does
 *   (Winograd F(2×2, 3×3) at most): within the default float32 tolerances of PyTorch's
 *   `torch.testing.assert_close` against a float64 result;
 * - `'high'`: 3×3 stride-1 convolutions on maps over 6×6 may also run as Winograd F(4×4, 3×3) on
 *   the WebAssembly backend (forward pass and input gradient): 1.1–1.8× faster there, with about 10×
 *   the rounding error (measured 1.5–3.1e-5 against a float64 result on outputs of rms 0.55).
 */
export type ConvPrecision = 'highest' | 'high';

const CHOICES: readonly ConvPrecision[] = ['highest', 'high'];

let precision: ConvPrecision = 'highest';

/**
 * Sets how precisely float32 convolutions must round ({@link ConvPrecision}) and returns the previous
 * setting. Results stay deterministic either way (the same bits on any thread count and runtime).
 *
 * @example
 * sg.setConvPrecision('high');    // allow Winograd F(4×4, 3×3): faster 3×3 convolutions, ~10× the rounding error
 * sg.setConvPrecision('highest'); // back to the default
 */
export function setConvPrecision(p: ConvPrecision): ConvPrecision {
  const next = checkChoice('setConvPrecision', 'precision', p, CHOICES);
  const prev = precision;
  precision = next;
  return prev;
}

/** The current {@link ConvPrecision} (`'highest'` unless {@link setConvPrecision} changed it). */
export function convPrecision(): ConvPrecision {
  return precision;
}
