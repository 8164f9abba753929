/**
 * The `activation` option of the ops that fuse one into their output (conv2d, batchNorm): reading
 * it, naming the fused op, and handing the backward kernel the output its gradient reads.
 */
import type { FloatArray } from '../dtype.js';
import { AutogradError, fmtShape } from '../errors.js';
import { checkChoice } from '../check.js';
import type { Fused, FusedActivation } from '../kernels/fused.js';
import type { Tensor } from '../tensor.js';

/**
 * An activation fused into an op's output: `'relu'`, `'relu6'` (hardtanh on [0, 6], MobileNet's), or
 * `'none'`. The fused op equals the activation applied after the op, values and gradients.
 */
export type OutputActivation = 'none' | FusedActivation;

/** Reads an `activation` option (default `'none'`): the activation, or null for none. */
export function readActivation(op: string, v: unknown): FusedActivation | null {
  const a = checkChoice(op, 'activation', v ?? 'none', ['none', 'relu', 'relu6'] as const);
  return a === 'none' ? null : a;
}

/** The recorded name of `op` with `activation` fused: `'conv2d+relu'`, or `op` itself. */
export function fusedName(op: string, activation: FusedActivation | null): string {
  return activation === null ? op : `${op}+${activation}`;
}

/**
 * What the backward kernel needs of the activation fused into `out` (null for none). The gradient
 * reads the output, so it refuses an output changed in place since the op ran, as backward refuses
 * changed inputs.
 */
export function fusedFor(op: string, activation: FusedActivation | null, out: Tensor): (() => Fused) | null {
  if (activation === null) return null;
  const version = out.version;
  return () => {
    if (out.version !== version) {
      throw new AutogradError('backward', `the output (shape ${fmtShape(out.shape)}) of op '${fusedName(op, activation)}' was modified in place after the op ran (version ${version}, now ${out.version}), so its gradient would be computed from the new values`);
    }
    return { activation, out: out.data as FloatArray };
  };
}
