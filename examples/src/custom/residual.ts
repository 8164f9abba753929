/**
 * A custom module: the basic residual block of ResNet (He et al. 2016), built from nn's Conv2d and
 * BatchNorm2d with the custom Mish activation. Its parameters register themselves by field
 * assignment, so the state-dict keys are `conv1.weight`, `bn1.running_mean`, `shortcut.0.weight`...
 */
import { type Tensor } from '@simplegrad/core';
import { BatchNorm2d, Conv2d, Identity, Module, Sequential } from '@simplegrad/nn';
import { Mish, mish } from './mish.js';

/** Options of {@link ResidualBlock}. */
export interface ResidualBlockOptions {
  /** Stride of the first convolution and of the shortcut (default 1; 2 halves H and W). */
  stride?: number;
  /** dtype of the parameters (default float32; float64 for gradient checks). */
  dtype?: 'float32' | 'float64';
}

/**
 * `mish(bn2(conv2(mish(bn1(conv1(x))))) + shortcut(x))`. The shortcut is the identity when the
 * shape is kept, otherwise a strided 1×1 convolution with batch norm, as in ResNet.
 *
 * Shape: `[N, inChannels, H, W]` → `[N, outChannels, ⌈H / stride⌉, ⌈W / stride⌉]`.
 *
 * @example
 * const block = new ResidualBlock(8, 16, { stride: 2 });
 * block.forward(sg.normal([4, 8, 12, 12])).shape;   // [4, 16, 6, 6]
 */
export class ResidualBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  act = new Mish();
  conv2: Conv2d;
  bn2: BatchNorm2d;
  shortcut: Module;

  constructor(inChannels: number, outChannels: number, opts: ResidualBlockOptions = {}) {
    super();
    const stride = opts.stride ?? 1;
    const dtype = opts.dtype;
    // Convolutions followed by batch norm need no bias: the norm's shift takes its place.
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, dtype });
    this.bn1 = new BatchNorm2d(outChannels, { dtype });
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false, dtype });
    this.bn2 = new BatchNorm2d(outChannels, { dtype });
    this.shortcut = stride === 1 && inChannels === outChannels
      ? new Identity()
      : new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, bias: false, dtype }), new BatchNorm2d(outChannels, { dtype }));
  }

  /** Runs the block. */
  forward(x: Tensor): Tensor {
    const h = this.act.forward(this.bn1.forward(this.conv1.forward(x)));   // [N, out, H', W']
    const y = this.bn2.forward(this.conv2.forward(h));                     // [N, out, H', W']
    return mish(y.add(this.shortcut.forward(x)));
  }
}
