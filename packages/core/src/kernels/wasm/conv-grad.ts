/**
 * The output gradient of a convolution's backward pass, put into the module once for both passes
 * (the input gradient and the weight and bias gradients each read it, whichever strategy each takes),
 * with the fused conv + ReLU's gradient applied where it lies.
 */
import { type Engine, regions } from './engine.js';
import { reluJob } from './jobs.js';
import { execute, perChunk, threadSlots } from './runtime.js';

/**
 * The output gradient `[N, O, outH, outW]`, in the module at `at`: the first region of every
 * backward pass (each lays its regions out from the heap's start with this one first, so it stays
 * where it is). `host()` is the same values in a JS array, for the parts computed here.
 */
export interface OutputGrad {
  /** Byte address of the gradient in the module. */
  readonly at: number;
  /** The gradient as a JS array (for a fused ReLU, copied out of the module on first use). */
  host(): Float32Array;
}

/**
 * The fused ReLU on the `n` floats at byte address `at`, in place: with `mask` 0, ReLU itself; else
 * its gradient, `at ← at · (mask > 0)` where `mask` is the address of the ReLU's output. The module's
 * RELU job, which wasmReluForward and wasmReluBackward run too: the same bits on the same values.
 */
export function reluInPlace(e: Engine, at: number, mask: number, n: number): void {
  const per = perChunk(n, 4 * threadSlots(), 4);
  reluJob(e, mask === 0 ? { x: at, g: 0, out: at, n, perChunk: per } : { x: mask, g: at, out: at, n, perChunk: per });
  execute(e, Math.ceil(n / per), n);
}

/**
 * Puts `grad` (`n` floats) into the module for the backward passes. With `reluOut` (the fused conv +
 * ReLU's output), the gradient that reaches the convolution is `grad · (reluOut > 0)`, computed there.
 */
export function putOutputGrad(e: Engine, grad: Float32Array, reluOut: Float32Array | null, n: number): OutputGrad {
  const [at, maskAt, bytes] = regions(4 * n, reluOut === null ? 0 : 4 * n);
  e.reserve(bytes);
  e.put(at, grad, 0, n);
  if (reluOut === null) return { at, host: () => grad };
  e.put(maskAt, reluOut, 0, n);
  reluInPlace(e, at, maskAt, n);
  let host: Float32Array | null = null;
  return { at, host: () => (host ??= e.f32.slice(at >> 2, (at >> 2) + n)) };
}
