/**
 * A custom differentiable op defined with core's `defineOp`: Mish, `x · tanh(softplus(x))`
 * (Misra 2019), which core does not ship. Forward and backward are plain loops over the typed
 * arrays, side by side, like core's own ops; `Mish` wraps it as a module so it can sit in a
 * `Sequential` or a custom block.
 */
import { type Tensor, defineOp, zerosLike } from '@simplegrad/core';
import { Module } from '@simplegrad/nn';

/** `log(1 + eˣ)` without overflow: for large x it is x to double precision. */
function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/**
 * Mish elementwise: `y = x · tanh(softplus(x))`, with
 * `dy/dx = tanh(sp) + x · (1 − tanh²(sp)) · sigmoid(x)` where `sp = softplus(x)`
 * (since d softplus / dx = sigmoid). Works in float32 and float64. Shape: unchanged.
 *
 * @example
 * const y = mish(sg.tensor([-1, 0, 2], { requiresGrad: true }));
 * y.sum().backward();
 */
export const mish = defineOp<[Tensor]>({
  name: 'mish',
  forward(ctx, x) {
    ctx.save(x);
    const out = zerosLike(x);
    for (let i = 0; i < x.size; i++) out.data[i] = x.data[i] * Math.tanh(softplus(x.data[i]));
    return out;
  },
  backward(ctx, grad) {
    const [x] = ctx.saved;
    const dx = zerosLike(x);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      const t = Math.tanh(softplus(v));
      const sigmoid = 1 / (1 + Math.exp(-v));
      dx.data[i] = grad.data[i] * (t + v * (1 - t * t) * sigmoid);
    }
    return [dx];
  },
});

/**
 * The {@link mish} activation as a module.
 *
 * @example
 * new Sequential(new Conv2d(1, 8, 3), new Mish());
 */
export class Mish extends Module {
  /** Applies Mish. */
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}
