/**
 * @simplegrad/nn: modules that register their parameters under PyTorch's names, the layers a CNN
 * needs, PyTorch-default initialisation from the seeded generator, state dicts and safetensors
 * checkpoints.
 *
 * @example
 * import { Module, Conv2d, Linear } from '@simplegrad/nn';
 * import { type Tensor, flatten, maxPool2d, relu } from '@simplegrad/core';
 * class Net extends Module {
 *   conv1 = new Conv2d(1, 32, 3);         // conv1.weight [32, 1, 3, 3], conv1.bias [32]
 *   fc = new Linear(32 * 13 * 13, 10);    // fc.weight [10, 5408], fc.bias [10]
 *   forward(x: Tensor) { return this.fc.forward(flatten(maxPool2d(relu(this.conv1.forward(x)), 2), 1)); }
 * }
 */
export const VERSION = '0.1.0';
export {
  Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult, type BufferOptions, type NamedOptions,
  type ForwardHook, type ForwardPreHook, type HookHandle, type SummaryOptions,
  type LoadPlan,
} from './module.js';
export { Parameter, type ParameterOptions } from './parameter.js';
export { StateDictError, SafetensorsError, type ShapeMismatch } from './errors.js';
export { summary, withEvalMode } from './summary.js';
export { saveSafetensors, loadSafetensors, safetensorsMetadata, type SaveSafetensorsOptions } from './safetensors.js';
export { saveCheckpoint, loadCheckpoint, CheckpointError, type CheckpointContents, type CheckpointTargets, type Stateful } from './checkpoint.js';
export * as init from './init.js';
export { type LayerOptions } from './layers/common.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dEpilogue, type Conv2dLayerOptions, type Conv2dPadding } from './layers/conv.js';
export {
  ReLU, ReLU6, LeakyReLU, Hardtanh, Hardswish, Hardsigmoid, Sigmoid, Tanh, GELU, ELU, SiLU, Softmax, LogSoftmax,
  type LeakyReLUOptions, type HardtanhLayerOptions, type GELULayerOptions, type ELULayerOptions, type SoftmaxLayerOptions,
} from './layers/activation.js';
export { Flatten, Identity, Dropout, Dropout2d, type FlattenOptions, type DropoutLayerOptions, type DropoutArgs } from './layers/basic.js';
export { MaxPool2d, AvgPool2d, type Pool2dOptions, type AvgPool2dLayerOptions, type Pool2dArgs, type Size2 } from './layers/pool.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { Sequential, ModuleList } from './layers/container.js';
export { ConvTranspose2d, type ConvTranspose2dLayerOptions } from './layers/conv-transpose.js';
export { AdaptiveAvgPool2d, AdaptiveMaxPool2d, type AdaptiveOutputSize } from './layers/adaptive-pool.js';
export { Upsample, type UpsampleOptions } from './layers/upsample.js';
export { GroupNorm, LayerNorm, type GroupNormOptions, type LayerNormOptions } from './layers/norm.js';
export { ModuleDict } from './layers/dict.js';
export { ResNet, BasicBlock, resnet18, type ResNetOptions } from './models/resnet.js';
export {
  MobileNetV2, InvertedResidual, Conv2dNormActivation, mobilenetV2, makeDivisible, type MobileNetV2Options, type Conv2dNormActivationOptions,
} from './models/mobilenet.js';
export {
  CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, type ClassLossOptions, type ReductionOptions, type BCELossOptions,
  type BCEWithLogitsLossOptions,
} from './layers/loss.js';
