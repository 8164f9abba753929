/**
 * Layer pairs that run as one op: a `Conv2d` or a BatchNorm followed by a `ReLU` or `ReLU6` takes
 * the activation fused into its kernels (core's `activation` option), with the same values and
 * gradients as the two modules one after the other and without the activation's separate pass and
 * array. Only where nothing could tell the difference: both modules run their class's own forward
 * (no hooks, which shadow it on the instance, and no override) and anomaly detection, which names
 * each module's ops, is off.
 */
import { type FusedActivation, type Tensor, isAnomalyEnabled } from '@simplegrad/core';
import type { Module } from '../module.js';
import { ReLU, ReLU6 } from './activation.js';
import { BatchNorm } from './batchnorm.js';
import { Conv2d } from './conv.js';

/** Whether `m` runs `cls`'s own `forward`: no hooks (which shadow it on the instance) and no override. */
function plainForward(m: Module, cls: { prototype: Module }): boolean {
  return m.forward === cls.prototype.forward && !Object.hasOwn(m, 'forward');
}

/** The activation `m` applies, when it is a plain ReLU or ReLU6. */
function activationOf(m: Module): FusedActivation | null {
  if (m instanceof ReLU && plainForward(m, ReLU)) return 'relu';
  if (m instanceof ReLU6 && plainForward(m, ReLU6)) return 'relu6';
  return null;
}

/** `first` when it can take an activation fused into its output. */
function fusable(first: Module): Conv2d | BatchNorm | null {
  if (first instanceof Conv2d && plainForward(first, Conv2d)) return first;
  if (first instanceof BatchNorm && plainForward(first, BatchNorm)) return first;
  return null;
}

/** Whether {@link runPair} runs `first` then `second` as one fused op. */
export function fusesWith(first: Module, second: Module): boolean {
  return fusable(first) !== null && activationOf(second) !== null && !isAnomalyEnabled();
}

/**
 * `second.forward(first.forward(x))`: one fused op where {@link fusesWith} allows, else the two
 * forwards.
 *
 * @example
 * runPair(this.bn1, this.relu, y);   // ResNet's relu(bn1(y)), fused
 */
export function runPair(first: Module, second: Module, x: Tensor): Tensor {
  if (!fusesWith(first, second)) return second.forward(first.forward(x)) as Tensor;
  return (fusable(first) as Conv2d | BatchNorm).forwardActivated(x, activationOf(second) as FusedActivation);
}
