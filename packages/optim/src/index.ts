/**
 * @simplegrad/optim: optimizers (SGD, Adam, AdamW), learning-rate schedulers and gradient
 * clipping, with updates equal to PyTorch's `torch.optim` step by step.
 *
 * @example
 * import { Adam, CosineAnnealingLR, clipGradNorm } from '@simplegrad/optim';
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * const sched = new CosineAnnealingLR(opt, { tMax: epochs });
 * for (const { x, y } of loader) {
 *   opt.zeroGrad();
 *   crossEntropy(model.forward(x), y).backward();
 *   clipGradNorm(model.parameters(), 1.0);
 *   opt.step();
 * }
 * sched.step();   // once per epoch
 */
export {
  Optimizer, StateReader, type Hyperparameters, type ParamGroup, type ParamGroupInput, type ParamsInput,
  type ParamState, type StateValue, type SavedStateValue, type LoadableStateValue, type SavedParamGroup,
  type OptimizerStateDict, type LoadableStateDict,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDHyperparameters, type SGDState } from './sgd.js';
export { Adam, AdamW, AdamBase, type AdamOptions, type AdamHyperparameters, type AdamState } from './adam.js';
export { LRScheduler, type SchedulerStateDict } from './schedulers/lr-scheduler.js';
export { StepLR, type StepLROptions } from './schedulers/step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './schedulers/exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './schedulers/cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './schedulers/linear-lr.js';
export {
  ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauResolved, type ReduceLROnPlateauStateDict,
} from './schedulers/reduce-lr-on-plateau.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
