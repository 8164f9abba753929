/**
 * What kernels run on their own output in the module (see src/kernels/fused.ts), and the output
 * gradient of their backward passes: the activation runs on an output where it lies, its gradient on
 * the output gradient there, and a pooled output's gradient is unpooled straight into the module, so
 * none of them crosses the module boundary at the convolution's size. A convolution's output
 * gradient is put once for both backward passes (the input gradient, then the weight and bias
 * gradients, whichever strategy each takes).
 */
import { type Fused, type FusedActivation, type FusedPool, RELU6 } from '../fused.js';
import type { PoolGeometry } from '../pool.js';
import { type Engine, regions, regionsFrom, scratchBase } from './engine.js';
import { hardtanhJob, maxUnpoolJob, reluJob } from './jobs.js';
import { execute, perChunk, threadSlots } from './runtime.js';

/**
 * The output gradient, in the module at `at`: a pinned array's block, read in place, or the first
 * region of every backward pass that takes one (each lays its regions out from the scratch base with
 * this one first, so it stays where it is). The passes only read it at `at` (a copy they may
 * overwrite is theirs to make, in their first region). `host()` is the same values in a JS array,
 * for the parts computed in JS.
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
 * activation's output, its gradient `at ← grad · activation′` of the gradient at `grad` (by default
 * `at` itself). The module's RELU and HARDTANH jobs, which wasmReluForward/Backward and
 * wasmHardtanhForward/Backward run too: the same bits on the same values.
 */
export function activateInModule(e: Engine, activation: FusedActivation, at: number, mask: number, n: number, grad: number = at): void {
  const per = perChunk(n, 4 * threadSlots(), 4);
  const [x, g] = mask === 0 ? [at, 0] : [mask, grad];
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
  if (pooled !== null) return unpoolInModule(e, grad, fused as Fused, pooled, n);
  const [at, maskAt, bytes] = regions(4 * n, fused === null ? 0 : 4 * n);
  e.reserve(bytes);
  // Read in place when pinned (the passes only read it), else copied into the first region.
  if (fused === null) return { at: e.place(at, grad, 0, n), host: () => grad };
  // The activation's gradient goes into the first region, from the gradient where it lies when
  // pinned (else copied there first, and computed over).
  activateInModule(e, fused.activation as FusedActivation, at, e.place(maskAt, fused.out as Float32Array, 0, n), n, e.place(at, grad, 0, n));
  return inModule(e, at, n);
}

/** An output gradient computed in the module, at `at`, copied out for the JS side on first use. */
function inModule(e: Engine, at: number, n: number): OutputGrad {
  let host: Float32Array | null = null;
  return { at, host: () => (host ??= e.f32.slice(at >> 2, (at >> 2) + n)) };
}

/** The activations' codes in the MAX_UNPOOL job. */
const UNPOOL_ACTIVATION = { none: 0, relu: 1, relu6: 2 } as const;

/**
 * {@link putOutputGrad} through a fused max pooling: the MAX_UNPOOL job (see {@link unpoolInto})
 * writes the `n` floats of the convolution's output gradient into the first region. Done in
 * JavaScript into the module's memory it was 2.4 ms of a W2 step (4 ns an element through a shared
 * array), plus the zeroing.
 */
function unpoolInModule(e: Engine, grad: Float32Array, fused: Fused, pooled: FusedPool, n: number): OutputGrad {
  const [at, bytes] = regions(4 * n);
  e.reserve(bytes);
  unpoolInto(e, at, scratchBase() + bytes, grad, pooled.argmax, pooled.geometry, fused.activation, fused.out as Float32Array, pooled.first);
  return inModule(e, at, n);
}

/**
 * The MAX_UNPOOL job: the planes at byte address `gz` (`p.planes` of `p.height·p.width` floats)
 * zeroed, then each window's gradient (`grad`, `[planes, outH·outW]`) added at its winner (`argmax`)
 * in window order, through `activation` on the pooled output `out` when given (a fused pooling,
 * whose windows do not overlap; `first`: the pooling ran before the activation), with the operations
 * of the references (`maxPool2dBackward` in src/kernels/pool.ts, `unpool` in src/kernels/fused.ts),
 * so the same bits. Its operands are read in place when pinned, else copied into regions laid out
 * from byte address `start`. A chunk of planes each: planes are independent, so any chunking gives
 * the same bits.
 */
export function unpoolInto(
  e: Engine, gz: number, start: number, grad: Float32Array, argmax: Int32Array,
  p: Pick<PoolGeometry, 'planes' | 'height' | 'width' | 'outH' | 'outW'>,
  activation: FusedActivation | null, out: Float32Array | null, first: boolean,
): void {
  const m = grad.length;
  const [gP, oP, aP, bytes] = regionsFrom(start, 4 * m, activation === null ? 0 : 4 * m, 4 * m);
  e.reserve(bytes);
  const gAt = e.place(gP, grad, 0, m);
  const oAt = activation === null ? 0 : e.place(oP, out as Float32Array, 0, m);
  e.i32(aP, m).set(argmax);
  const per = perChunk(p.planes, 4 * threadSlots());
  maxUnpoolJob(e, {
    grad: gAt, out: oAt, argmax: aP, gz, per: p.outH * p.outW, size: p.height * p.width,
    activation: UNPOOL_ACTIVATION[activation ?? 'none'], first, loBits: RELU6_BITS[0], hiBits: RELU6_BITS[1], planes: p.planes, perChunk: per,
  });
  // It moves memory rather than computing: each element of the gradient it writes counts as one
  // "flop", as the 2×2 pooling's.
  execute(e, Math.ceil(p.planes / per), p.planes * p.height * p.width);
}
