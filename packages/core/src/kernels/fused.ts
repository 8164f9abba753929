/**
 * Activations a kernel applies to its own output (conv2d's and batchNorm's `activation`), with the
 * reference for applying them and for their gradients: ReLU, and ReLU6 (hardtanh on [0, 6]). Both
 * gradients read the activation's output, which is positive (inside (0, 6)) exactly where its input
 * is (NaN on both sides), so the mask is the activation's own: the same values as the unfused ops.
 */
import type { FloatArray } from '../dtype.js';
import { hardtanhBackward, hardtanhForward } from './activation.js';
import { reluBackward, reluForward } from './elementwise.js';

/** An activation fused into a kernel's output. */
export type FusedActivation = 'relu' | 'relu6';

/** What a backward kernel needs of a fused activation: which one, and the output it produced. */
export interface Fused {
  /** The activation applied. */
  readonly activation: FusedActivation;
  /** Its output (the op's output). */
  readonly out: FloatArray;
}

/** ReLU6's bounds: hardtanh on [0, 6]. */
export const RELU6: readonly [number, number] = [0, 6];

/** Applies `activation` to `out` in place, as {@link reluForward} and {@link hardtanhForward} do. */
export function activateInPlace(activation: FusedActivation, out: FloatArray): void {
  if (activation === 'relu') reluForward(out, out);
  else hardtanhForward(out, out, RELU6[0], RELU6[1]);
}

/** `grad` through the activation (a new array): {@link reluBackward} or {@link hardtanhBackward} on its output. */
export function activationGrad(fused: Fused, grad: FloatArray): FloatArray {
  const gx = grad instanceof Float64Array ? new Float64Array(grad.length) : new Float32Array(grad.length);
  if (fused.activation === 'relu') reluBackward(grad, fused.out, gx);
  else hardtanhBackward(grad, fused.out, gx, RELU6[0], RELU6[1]);
  return gx;
}
