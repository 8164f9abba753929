/**
 * @simplegrad/core: tensors with dynamic autograd, seeded randomness, and the ops a CNN needs.
 *
 * @example
 * import * as sg from '@simplegrad/core';
 * sg.manualSeed(42);
 * const x = sg.normal([1, 3, 28, 28]);
 * const kernel = sg.normal([16, 3, 3, 3], { requiresGrad: true });
 * const out = sg.conv2d(x, kernel, { stride: 1, padding: 1 });   // [1, 16, 28, 28]
 * out.sum().backward();                                           // kernel.grad: [16, 3, 3, 3]
 */
import './instance.js'; // registers this copy; warns once if another copy of core is loaded
export { Tensor, type NestedArray, type TensorLike, readGrad, releaseGrad } from './tensor.js';
export { type DType, type TypedArray, type FloatArray, allocate } from './dtype.js';
export { allocatePinned } from './pinned.js';
export { tidy, keep, ReleasedError } from './tidy.js';
export { SimplegradError, ShapeError, ArgumentError, DTypeError, AutogradError, fmtShape } from './errors.js';
export {
  AnomalyError, detectAnomaly, setDetectAnomaly, isAnomalyEnabled, pushAnomalyScope, popAnomalyScope,
} from './anomaly.js';
export {
  gradcheck, GradcheckError, type GradcheckOptions, type GradcheckResult, type GradcheckElement,
} from './gradcheck.js';
export { type Shape, broadcastShapes, sizeOf, stridesOf, normalizeDim, normalizeDims, sameShape } from './shape.js';
export {
  Generator, type GeneratorState, type Rng, DEFAULT_SEED, manualSeed, defaultGenerator,
} from './random.js';
export {
  noGrad, enableGrad, isGradEnabled, defineOp, type OpContext, type OpDefinition, type GradNode,
  type BackwardFn, type BackwardOptions,
} from './autograd.js';
export * from './creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, clamp, where, cast,
  eq, ne, lt, le, gt, ge, sumTo, toTensor,
} from './ops/elementwise.js';
export { sum, mean, max, min, argmax, argmin, variance, var, logsumexp, type VarOptions } from './ops/reduce.js';
export {
  reshape, view, clone, expand, broadcastTo, flatten, transpose, permute, squeeze, unsqueeze, slice, narrow, select,
  gather, indexSelect, cat, stack, flip, type SliceSpec,
} from './ops/shape.js';
export { topk, oneHot, type TopkOptions, type TopkResult } from './ops/index-ops.js';
export { matmul } from './ops/matmul.js';
export { linear } from './ops/linear.js';
export * from './ops/activation.js';
export * from './ops/loss.js';
export * from './ops/dropout.js';
export * from './ops/pad.js';
export * from './ops/conv.js';
export { convTranspose2d, type ConvTranspose2dOptions } from './ops/conv-transpose.js';
export type { OutputActivation } from './ops/fused.js';
export type { FusedActivation } from './kernels/fused.js';
export * from './ops/pool.js';
export * from './ops/adaptive-pool.js';
export * from './ops/interpolate.js';
export * from './ops/norm.js';
export * from './ops/batchnorm.js';
export { type Kernels, jsKernels, kernels, setKernels } from './kernels/backend.js';
export type { AdamStepConstants } from './kernels/optim.js';
export { type BackendName, useBackend } from './kernels/backend.js';
export { type ConvPrecision, convPrecision, setConvPrecision } from './kernels/precision.js';
export {
  wasmKernels, wasmSimdSupported, setWasmThreads, wasmThreads, wasmMemoryBytes, type WasmThreadOptions,
  wasmThreadInfo, type WasmThreadInfo, traceWasmKernels, type KernelTracer, type JobEvent, type CopyEvent,
} from './kernels/wasm/index.js';
export {
  checkKnownOptions, checkPair, optionNames, fmtValue, checkNonNegative, checkFinite, checkUnitInterval, checkInteger,
  checkBoolean, checkChoice, checkPerGroup, checkFloat, checkNumber, checkDType, checkProbability, readArgs,
  checkGeneratorState,
} from './check.js';
