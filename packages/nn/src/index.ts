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
} from './module.js';
export { Parameter, type ParameterOptions } from './parameter.js';
export { StateDictError, SafetensorsError, type ShapeMismatch } from './errors.js';
export { summary, withEvalMode } from './summary.js';
export { saveSafetensors, loadSafetensors, safetensorsMetadata, type SaveSafetensorsOptions } from './safetensors.js';
export * as init from './init.js';
export { type LayerOptions } from './layers/common.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dLayerOptions, type Conv2dPadding } from './layers/conv.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, ELU, SiLU, Softmax, LogSoftmax } from './layers/activation.js';
export { Flatten, Identity, Dropout } from './layers/basic.js';
export { MaxPool2d, AvgPool2d, type Pool2dOptions } from './layers/pool.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { Sequential, ModuleList } from './layers/container.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCEWithLogitsLoss, type ClassLossOptions } from './layers/loss.js';
