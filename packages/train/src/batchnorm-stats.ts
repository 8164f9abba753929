/**
 * Re-estimating BatchNorm running statistics after training (PyTorch's
 * `torch.optim.swa_utils.update_bn`): when weights move fast (few pictures, a high learning rate),
 * the running averages lag behind them and eval-mode outputs collapse; one pass over clean data with a
 * cumulative average fixes that.
 */
import { ArgumentError, type Tensor, noGrad } from '@simplegrad/core';
import { BatchNorm1d, BatchNorm2d, type Module } from '@simplegrad/nn';

/**
 * Resets the running mean and variance of every BatchNorm layer of `model`, then runs `batches`
 * forward in train mode without a graph, averaging each layer's batch statistics with equal weight
 * (momentum null); restores every layer's momentum and every module's mode. Returns the number of
 * BatchNorm layers updated.
 *
 * @example
 * updateBatchNormStats(model, new DataLoader(train, { batchSize: 64 }));   // then evaluate in eval mode
 */
export function updateBatchNormStats(model: Module, batches: Iterable<{ readonly x: Tensor }>): number {
  if (model === null || typeof model !== 'object' || typeof model.modules !== 'function') throw new ArgumentError('updateBatchNormStats', 'model must be a Module');
  if (batches === null || typeof batches?.[Symbol.iterator] !== 'function') throw new ArgumentError('updateBatchNormStats', 'batches must be an iterable of { x } batches, e.g. a DataLoader');
  const modules = model.modules();
  const norms = modules.filter((m): m is BatchNorm1d | BatchNorm2d => m instanceof BatchNorm2d || m instanceof BatchNorm1d);
  if (norms.length === 0) return 0;
  const modes = modules.map((m) => m.training);
  const momenta = norms.map((b) => b.momentum);
  try {
    for (const b of norms) { b.resetRunningStats(); b.momentum = null; }
    model.train();
    noGrad(() => { for (const { x } of batches) model.forward(x); });
  } finally {
    norms.forEach((b, i) => { b.momentum = momenta[i]; });
    modules.forEach((m, i) => { m.training = modes[i]; });
  }
  return norms.length;
}
