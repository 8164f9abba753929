/**
 * Runs of layers that execute as one op: a `Conv2d` or a BatchNorm followed by a `ReLU` or `ReLU6`
 * takes the activation fused into its kernels, and a `Conv2d` followed by a `MaxPool2d` whose stride
 * is its window and without padding takes the pooling too, before or after the activation (core's
 * `activation`, `maxPool` and `poolBeforeActivation` options). Same values and gradients as the
 * modules one after the other, without their separate passes and arrays. Only where nothing could
 * tell the difference: every module of the run executes its class's own forward (no hooks, which
 * shadow it on the instance, and no override) and anomaly detection, which names each module's ops,
 * is off.
 */
import { type FusedActivation, type Tensor, isAnomalyEnabled } from '@simplegrad/core';
import type { Module } from '../module.js';
import { ReLU, ReLU6 } from './activation.js';
import { BatchNorm } from './batchnorm.js';
import { Conv2d } from './conv.js';
import { MaxPool2d } from './pool.js';

/** Whether `m` runs `cls`'s own `forward`: no hooks (which shadow it on the instance) and no override. */
function plainForward(m: Module | undefined, cls: { prototype: Module }): boolean {
  return m !== undefined && m.forward === cls.prototype.forward && !Object.hasOwn(m, 'forward');
}

/** The activation `m` applies, when it is a plain ReLU or ReLU6. */
function activationOf(m: Module | undefined): FusedActivation | null {
  if (m instanceof ReLU && plainForward(m, ReLU)) return 'relu';
  if (m instanceof ReLU6 && plainForward(m, ReLU6)) return 'relu6';
  return null;
}

/** The window of `m`, when it is a plain MaxPool2d over non-overlapping windows (stride the window, no padding). */
function poolWindowOf(m: Module | undefined): [number, number] | null {
  if (!(m instanceof MaxPool2d) || !plainForward(m, MaxPool2d)) return null;
  const [[kH, kW], [sH, sW], [pH, pW]] = [m.kernelSize, m.stride, m.padding];
  return sH === kH && sW === kW && pH === 0 && pW === 0 ? [kH, kW] : null;
}

/** One fused run: its result, and the index of the first module after it. */
export interface FusedRun {
  /** What the run's modules return, one after the other. */
  readonly out: Tensor;
  /** The index past the run's last module. */
  readonly next: number;
}

/**
 * The run of modules from `modules[i]` that executes as one op, on `x`: a Conv2d or a BatchNorm,
 * then a ReLU or ReLU6, with (after a Conv2d) a non-overlapping MaxPool2d before or after it; two
 * modules at least. Null when no such run starts at `i` (see the file comment for when runs are
 * left apart).
 */
export function runFused(modules: readonly Module[], i: number, x: Tensor): FusedRun | null {
  if (isAnomalyEnabled()) return null;
  const first = modules[i];
  const conv = first instanceof Conv2d && plainForward(first, Conv2d);
  if (!conv && !(first instanceof BatchNorm && plainForward(first, BatchNorm))) return null;
  let next = i + 1;
  const poolFirst = conv ? poolWindowOf(modules[next]) : null;
  if (poolFirst !== null) next++;
  const activation = activationOf(modules[next]);
  if (activation !== null) next++;
  const poolAfter = conv && poolFirst === null ? poolWindowOf(modules[next]) : null;
  if (poolAfter !== null) next++;
  if (next === i + 1) return null;
  if (!conv) return { out: (first as BatchNorm).forwardFused(x, { activation: activation as FusedActivation }), next };
  const maxPool = poolFirst ?? poolAfter ?? undefined;
  const out = (first as Conv2d).forwardFused(x, { activation: activation ?? 'none', maxPool, poolBeforeActivation: poolFirst !== null });
  return { out, next };
}

/**
 * `second.forward(first.forward(x))`, as one fused op where {@link runFused} takes the pair.
 *
 * @example
 * runPair(this.bn1, this.relu, y);   // ResNet's relu(bn1(y)), fused
 */
export function runPair(first: Module, second: Module, x: Tensor): Tensor {
  const run = runFused([first, second], 0, x);
  return run !== null && run.next === 2 ? run.out : (second.forward(first.forward(x)) as Tensor);
}
