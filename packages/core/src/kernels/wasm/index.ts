/**
 * The WebAssembly SIMD kernel backend: the same {@link Kernels} as the plain-TypeScript reference,
 * computed by a BLIS-style GEMM (B packed into 16-wide panels, A read in place, a 2×16 register
 * tile), SIMD im2col/col2im with fused zero padding, batched convolutions that keep every
 * intermediate inside the module (strategy by shape: dense matrices on maps smaller than the
 * filter, the batch folded into one GEMM on small maps, Winograd F(2×2, 3×3) for 3×3 stride-1 ones
 * (over the whole batch on small maps), direct depthwise loops; see conv.ts), max pooling, ReLU and ReLU6,
 * batch normalisation and the optimizers' updates (bit-identical to the reference loops), on one or
 * more threads (see runtime.ts and threads.ts). Parameters and optimizer state made with
 * `allocatePinned`, and the activations and gradients a `tidy` scope makes, live in the module's
 * memory, where the kernels use them in place.
 *
 * Float64 operands (gradient checks) go to the reference kernels. Results are bit-identical for
 * every thread count (see packages/core/wasm/asc/kernels.ts).
 */
import type { Kernels } from '../backend.js';
import { wasmConv2dBackward, wasmConv2dForward, wasmConv2dPooledForward } from './conv.js';
import { wasmCol2im, wasmGemm, wasmIm2col } from './gemm.js';
import { wasmMaxPool2dBackward, wasmMaxPool2dForward } from './pool.js';
import { wasmAdd, wasmHardtanhBackward, wasmHardtanhForward, wasmReluBackward, wasmReluForward } from './elementwise.js';
import { wasmBatchNormBackward, wasmBatchNormForward } from './batchnorm.js';
import { wasmAdamStep, wasmSgdMomentumStep } from './optim.js';
import { pinnedFloat32, releasePinned } from './runtime.js';

export { wasmSimdSupported } from './engine.js';
export { type WasmThreadInfo, type WasmThreadOptions, setWasmThreads, wasmMemoryBytes, wasmThreadInfo, wasmThreads } from './runtime.js';
export { type CopyEvent, type JobEvent, type KernelTracer, traceWasmKernels } from './trace.js';
export { wasmCol2im, wasmConv2dBackward, wasmConv2dForward, wasmGemm, wasmIm2col, wasmMaxPool2dForward, wasmReluBackward, wasmReluForward };

/**
 * The WebAssembly SIMD kernels (name `'wasm'`). Instantiated lazily on first use; check
 * {@link wasmSimdSupported} first, or use `useBackend('wasm')`, which does.
 */
export const wasmKernels: Kernels = {
  name: 'wasm', gemm: wasmGemm, im2col: wasmIm2col, col2im: wasmCol2im,
  conv2dForward: wasmConv2dForward, conv2dBackward: wasmConv2dBackward, conv2dPooledForward: wasmConv2dPooledForward,
  maxPool2dForward: wasmMaxPool2dForward, maxPool2dBackward: wasmMaxPool2dBackward,
  reluForward: wasmReluForward, reluBackward: wasmReluBackward, add: wasmAdd,
  batchNormForward: wasmBatchNormForward, batchNormBackward: wasmBatchNormBackward,
  sgdMomentumStep: wasmSgdMomentumStep, adamStep: wasmAdamStep,
  hardtanhForward: wasmHardtanhForward, hardtanhBackward: wasmHardtanhBackward, pinnedFloat32, releasePinned,
};
