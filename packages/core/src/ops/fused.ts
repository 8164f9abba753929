/**
 * The options of the ops that run something on their own output in their kernels (conv2d's and
 * batchNorm's `activation`, conv2d's `maxPool`): reading them, naming the fused op, and handing the
 * backward kernel the output its gradient reads.
 */
import type { FloatArray } from '../dtype.js';
import { AutogradError, fmtShape } from '../errors.js';
import { checkChoice } from '../check.js';
import type { Fused, FusedActivation, FusedPool } from '../kernels/fused.js';
import { type Tensor, RAW } from '../tensor.js';

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

/**
 * The recorded name of `op` with what runs on its output, in order: `'conv2d+relu'`,
 * `'conv2d+relu+maxPool2d'`, `'conv2d+maxPool2d+relu'`, or `op` itself.
 */
export function fusedName(op: string, activation: FusedActivation | null, pool: FusedPool | null = null): string {
  // Every conv2d and batchNorm call names its node: no arrays for the common cases.
  if (pool === null) return activation === null ? op : `${op}+${activation}`;
  const act = activation === null ? [] : [activation];
  return [op, ...(pool.first ? ['maxPool2d', ...act] : [...act, 'maxPool2d'])].join('+');
}

/**
 * What the backward kernel needs of what ran on the op's output before it returned `out` (null for
 * nothing). The gradient reads `out`, so it refuses an `out` changed in place since the op ran, as
 * backward refuses changed inputs.
 */
export function fusedFor(op: string, activation: FusedActivation | null, out: Tensor, pool: FusedPool | null = null): (() => Fused) | null {
  if (activation === null && pool === null) return null;
  const version = out.version;
  return () => {
    if (out.version !== version) {
      throw new AutogradError('backward', `the output (shape ${fmtShape(out.shape)}) of op '${fusedName(op, activation, pool)}' was modified in place after the op ran (version ${version}, now ${out.version}), so its gradient would be computed from the new values`);
    }
    return { activation, pool, out: out[RAW] as FloatArray };
  };
}
