/**
 * The kernel interface: the few hot loops every op funnels into. Ops call `kernels().gemm(...)`, so a
 * faster backend (WebAssembly SIMD, threads) can be swapped in with {@link setKernels} without touching
 * ops or modules. The plain-TypeScript kernels are the reference and the fallback.
 *
 * What belongs in a kernel, so this stays one clear boundary:
 * - plain functions over typed arrays plus plain numbers (sizes, offsets, flags): no Tensor, no
 *   autograd, no shape inference or user-facing validation (the op checks its arguments first);
 * - results written into arrays the caller allocated: a kernel allocates no tensors and keeps no
 *   state between calls beyond reusable scratch (the wasm engine's memory) and the pinned arrays
 *   it handed out ({@link Kernels.pinnedFloat32}), which it may read and update in place;
 * - deterministic: work is split into chunks fixed by the problem's shape, never by the thread count
 *   or timing, and each element's arithmetic runs in a fixed order, so equal inputs give equal bits;
 * - every fast kernel keeps the reference's contract and is tested equal to it; float64 inputs go to
 *   the reference. WebAssembly job arguments are named in scripts/wasm-schema.mjs (never by slot).
 */
import { conv2dBackward, conv2dForward, conv2dPooledForward } from './conv.js';
import { gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';
import { maxPool2dBackward, maxPool2dForward } from './pool.js';
import { add, reluBackward, reluForward } from './elementwise.js';
import { batchNormBackward, batchNormForward } from './batchnorm.js';
import { adamStep, sgdMomentumStep } from './optim.js';
import { hardtanhBackward, hardtanhForward } from './activation.js';
import { wasmKernels, wasmSimdSupported } from './wasm/index.js';
import { ArgumentError } from '../errors.js';

/** The hot kernels, as plain functions over typed arrays. */
export interface Kernels {
  /** A name for logs and benchmarks, e.g. `'js'`. */
  readonly name: string;
  /** `C (+)= op(A)·op(B)`: see the reference {@link gemm}. */
  readonly gemm: typeof gemm;
  /** One image to columns: see the reference {@link im2col}. */
  readonly im2col: typeof im2col;
  /** Columns back to one image, accumulating: see the reference {@link col2im}. */
  readonly col2im: typeof col2im;
  /** A batched convolution with zero padding: see the reference {@link conv2dForward}. */
  readonly conv2dForward: typeof conv2dForward;
  /** Its input, weight and bias gradients: see the reference {@link conv2dBackward}. */
  readonly conv2dBackward: typeof conv2dBackward;
  /** A convolution, its activation and max pooling in one pass: see the reference {@link conv2dPooledForward}. */
  readonly conv2dPooledForward: typeof conv2dPooledForward;
  /** Max pooling with the winners' positions: see the reference {@link maxPool2dForward}. */
  readonly maxPool2dForward: typeof maxPool2dForward;
  /** Its gradient (any windows, overlapping too): see the reference {@link maxPool2dBackward}. */
  readonly maxPool2dBackward: typeof maxPool2dBackward;
  /** `max(x, 0)`: see the reference {@link reluForward}. */
  readonly reluForward: typeof reluForward;
  /** ReLU's gradient: see the reference {@link reluBackward}. */
  readonly reluBackward: typeof reluBackward;
  /** `out = a + b` over arrays of one length (`out` may be either): see the reference {@link add}. */
  readonly add: typeof add;
  /** Batch normalisation (statistics in training), fused: see the reference {@link batchNormForward}. */
  readonly batchNormForward: typeof batchNormForward;
  /** Its input gradient and per-channel sums: see the reference {@link batchNormBackward}. */
  readonly batchNormBackward: typeof batchNormBackward;
  /** SGD's momentum step, in place: see the reference {@link sgdMomentumStep}. */
  readonly sgdMomentumStep: typeof sgdMomentumStep;
  /** An Adam/AdamW step, in place: see the reference {@link adamStep}. */
  readonly adamStep: typeof adamStep;
  /** Hardtanh (and ReLU6): see the reference {@link hardtanhForward}. */
  readonly hardtanhForward: typeof hardtanhForward;
  /** Its gradient: see the reference {@link hardtanhBackward}. */
  readonly hardtanhBackward: typeof hardtanhBackward;
  /**
   * A zero-filled float32 array of `n` elements for an operand that goes into kernels often (a
   * parameter, optimizer state; `transient`: an activation a `tidy` scope will likely release) that
   * these kernels can use without copying (wasm pins it in its memory), or null where they cannot
   * pin it: then the caller makes a plain array. The js kernels copy nothing anyway, so theirs
   * always says null.
   */
  readonly pinnedFloat32: (n: number, transient?: boolean) => Float32Array | null;
  /**
   * Frees the storage of an array from {@link Kernels.pinnedFloat32} now, not when it is collected:
   * its caller guarantees that nothing uses the array again (a `tidy` scope's released tensor).
   * Arrays it did not pin are ignored.
   */
  readonly releasePinned: (array: Float32Array) => void;
}

/** The plain-TypeScript reference kernels. */
export const jsKernels: Kernels = {
  name: 'js', gemm, im2col, col2im, conv2dForward, conv2dBackward, conv2dPooledForward, maxPool2dForward, maxPool2dBackward, reluForward, reluBackward, add,
  batchNormForward, batchNormBackward, sgdMomentumStep, adamStep, hardtanhForward, hardtanhBackward, pinnedFloat32: () => null, releasePinned: () => {},
};

// The fastest kernels the runtime supports are the default: WebAssembly SIMD where it exists (Node
// >= 16.4, every current browser), the plain-TypeScript reference elsewhere. Each is deterministic
// (and wasm is thread-count independent); the two agree to float32 rounding, not bit for bit.
let active: Kernels = wasmSimdSupported() ? wasmKernels : jsKernels;

/** The kernels in use. */
export function kernels(): Kernels {
  return active;
}

/** Replaces the kernels in use (returns the previous ones, so tests can restore them). */
export function setKernels(next: Kernels): Kernels {
  const prev = active;
  active = next;
  return prev;
}

/** The kernel backends {@link useBackend} knows: the plain-TypeScript reference and WebAssembly SIMD. */
export type BackendName = 'js' | 'wasm';

/**
 * Switches every op to the named kernels and returns the previous ones (for {@link setKernels}).
 * `'wasm'` is the WebAssembly SIMD backend (multi-threaded for large products, see
 * `setWasmThreads`); it throws where WebAssembly SIMD is missing, so a caller that wants a silent
 * fallback checks `wasmSimdSupported()` first.
 *
 * @example
 * sg.useBackend(sg.wasmSimdSupported() ? 'wasm' : 'js');
 */
export function useBackend(name: BackendName): Kernels {
  switch (name) {
    case 'js':
      return setKernels(jsKernels);
    case 'wasm':
      if (!wasmSimdSupported()) throw new ArgumentError('useBackend', 'WebAssembly SIMD is not supported by this runtime; use \'js\'');
      return setKernels(wasmKernels);
    default:
      throw new ArgumentError('useBackend', `unknown backend '${String(name satisfies never)}' (expected 'js' or 'wasm')`);
  }
}
