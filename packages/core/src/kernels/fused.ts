/**
 * What a kernel may run on its own output before handing it back (conv2d's and batchNorm's
 * `activation`, conv2d's `maxPool`), with the reference for it and for its gradient: an activation
 * (ReLU, or ReLU6: hardtanh on [0, 6]), then, for a convolution, max pooling over non-overlapping
 * windows. The gradients read only what the op returns: an activation's output is positive (inside
 * (0, 6)) exactly where its input is, NaN on both sides, and a pooled output is the activation's
 * output at the window's winner, so every mask is the unfused ops' own: the same values, bit for bit.
 */
import type { FloatArray } from '../dtype.js';
import { hardtanhBackward, hardtanhForward } from './activation.js';
import { reluBackward, reluForward } from './elementwise.js';
import type { PoolGeometry } from './pool.js';

/** An activation fused into a kernel's output. */
export type FusedActivation = 'relu' | 'relu6';

/** Max pooling fused into a convolution's output: its geometry and each window's winner within its plane. */
export interface FusedPool {
  /** The pooling (windows that do not overlap: stride = window, no padding), over the convolution's output planes. */
  readonly geometry: PoolGeometry;
  /** The winner of each window, as {@link maxPool2dForward} gives it. */
  readonly argmax: Int32Array;
  /**
   * Whether the pooling ran before the activation (LeNet's order) rather than after it (VGG's). The
   * values are the same either way (both are monotone), but ReLU's gradient carries the sign of a
   * masked gradient into its zero, so the order fixes which zeros the unfused ops would give.
   */
  readonly first: boolean;
}

/** What a backward kernel needs of what ran on the op's output: the activation, the pooling, and the output returned. */
export interface Fused {
  /** The activation applied, or null. */
  readonly activation: FusedActivation | null;
  /** The max pooling applied (before or after the activation: see {@link FusedPool.first}), or null. */
  readonly pool: FusedPool | null;
  /** The op's output (pooled, when pooling ran). */
  readonly out: FloatArray;
}

/** ReLU6's bounds: hardtanh on [0, 6]. */
export const RELU6: readonly [number, number] = [0, 6];

/** Applies `activation` to `out` in place, as {@link reluForward} and {@link hardtanhForward} do. */
export function activateInPlace(activation: FusedActivation, out: FloatArray): void {
  if (activation === 'relu') reluForward(out, out);
  else hardtanhForward(out, out, RELU6[0], RELU6[1]);
}

/**
 * The gradient of the op's own output (a new array) from `grad`, the gradient of what it returned:
 * back through the pooling (to each window's winner, 0 elsewhere, as maxPool2d's backward) and the
 * activation ({@link reluBackward}, {@link hardtanhBackward}, on the output they gave).
 */
export function epilogueGrad(fused: Fused, grad: FloatArray): FloatArray {
  const make = (n: number) => (grad instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const { activation, pool, out } = fused;
  if (pool === null) {
    // Then an activation ran: a Fused always has one or the other.
    const gz = make(grad.length);
    if (activation === 'relu') reluBackward(grad, out, gz);
    else hardtanhBackward(grad, out, gz, RELU6[0], RELU6[1]);
    return gz;
  }
  const p = pool.geometry;
  const gz = make(p.planes * p.height * p.width);
  unpool(grad, out, activation, pool, gz);
  return gz;
}

/**
 * Writes `grad` (the pooled output's gradient) back through the pooling and `activation` into `gz`,
 * which holds zeros: each window's value at its winner, as the unfused backward passes compute it
 * (the pooling's sum `0 + g`, and ReLU's product with its mask, `(0 + g)·m` when the pooling ran
 * after it and `0 + g·m` before; hardtanh's masked bits give +0 where masked either way). The
 * winners of non-overlapping windows are distinct, so each is written once. The wasm kernels'
 * MAX_UNPOOL job (packages/core/wasm/asc/pool.ts) does the same operations in the module.
 */
function unpool(grad: FloatArray, out: FloatArray, activation: FusedActivation | null, pool: FusedPool, gz: FloatArray): void {
  const { geometry: p, argmax, first } = pool;
  const size = p.height * p.width;
  const per = p.outH * p.outW;
  const [lo, hi] = RELU6;
  // One loop per activation: the choice stays out of the loop over every pooled element.
  for (let plane = 0, k = 0; plane < p.planes; plane++) {
    const base = plane * size;
    const end = k + per;
    if (activation === null) for (; k < end; k++) gz[base + argmax[k]] = 0 + grad[k];
    else if (activation === 'relu' && first) for (; k < end; k++) gz[base + argmax[k]] = 0 + grad[k] * +(out[k] > 0);
    else if (activation === 'relu') for (; k < end; k++) gz[base + argmax[k]] = (0 + grad[k]) * +(out[k] > 0);
    else for (; k < end; k++) gz[base + argmax[k]] = out[k] > lo && out[k] < hi ? 0 + grad[k] : 0;
  }
}
