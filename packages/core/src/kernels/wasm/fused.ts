/**
 * What kernels run on their own output in the module (see src/kernels/fused.ts), and the output
 * gradient of their backward passes: the activation runs on an output where it lies, its gradient on
 * the output gradient there, and a pooled output's gradient is unpooled straight into the module, so
 * none of them crosses the module boundary at the convolution's size. A convolution's output
 * gradient is put once for both backward passes (the input gradient, then the weight and bias
 * gradients, whichever strategy each takes).
 */
import { type Fused, type FusedActivation, RELU6, unpool } from '../fused.js';
import { type Engine, regions } from './engine.js';
import { hardtanhJob, reluJob } from './jobs.js';
import { execute, perChunk, threadSlots } from './runtime.js';

/**
 * The output gradient, in the module at `at`: the first region of every backward pass that takes
 * one (each lays its regions out from the scratch base with this one first, so it stays where it
 * is). `host()` is the same values in a JS array, for the parts computed in JS.
 */
export interface OutputGrad {
  /** Byte address of the gradient in the module. */
  readonly at: number;
  /** The gradient as a JS array (after a fused activation's gradient, copied out on first use). */
  host(): Float32Array;
}

/** ReLU6's bounds as float32 bit patterns, for the HARDTANH job. */
const RELU6_BITS = Array.from(new Int32Array(Float32Array.from(RELU6).buffer));

/**
 * `activation` on the `n` floats at byte address `at`, in place; or, with `mask` the address of the
 * activation's output, its gradient `at ← at · activation′` there. The module's RELU and HARDTANH
 * jobs, which wasmReluForward/Backward and wasmHardtanhForward/Backward run too: the same bits on
 * the same values.
 */
export function activateInModule(e: Engine, activation: FusedActivation, at: number, mask: number, n: number): void {
  const per = perChunk(n, 4 * threadSlots(), 4);
  const [x, g] = mask === 0 ? [at, 0] : [mask, at];
  if (activation === 'relu') reluJob(e, { x, g, out: at, n, perChunk: per });
  else hardtanhJob(e, { x, g, out: at, loBits: RELU6_BITS[0], hiBits: RELU6_BITS[1], n, perChunk: per });
  execute(e, Math.ceil(n / per), n);
}

/**
 * Puts the gradient of an op's own output (`n` floats) into the module at the scratch base for a
 * backward pass, from `grad`, the gradient of what the op returned. With `fused`, that goes back
 * through what ran on the output, computed there: the activation's gradient on the activation's
 * output (put into the region after it), or the pooled gradient unpooled into zeros (only the
 * pooled-size arrays cross).
 */
export function putOutputGrad(e: Engine, grad: Float32Array, fused: Fused | null, n: number): OutputGrad {
  const pooled = fused?.pool ?? null;
  const [at, maskAt, bytes] = regions(4 * n, fused === null || pooled !== null ? 0 : 4 * n);
  e.reserve(bytes);
  if (fused === null) {
    e.put(at, grad, 0, n);
    return { at, host: () => grad };
  }
  if (pooled !== null) {
    e.f32.fill(0, at >> 2, (at >> 2) + n);
    unpool(grad, fused.out, fused.activation, pooled, e.f32, at >> 2);
  } else {
    e.put(at, grad, 0, n);
    e.put(maskAt, fused.out as Float32Array, 0, n);
    activateInModule(e, fused.activation as FusedActivation, at, maskAt, n);
  }
  let host: Float32Array | null = null;
  return { at, host: () => (host ??= e.f32.slice(at >> 2, (at >> 2) + n)) };
}
