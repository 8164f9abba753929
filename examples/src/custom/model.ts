/**
 * A small residual network built from the custom pieces: a Conv2d/BatchNorm2d/Mish stem, two
 * {@link ResidualBlock}s (the second halves the resolution) and a linear classifier on the
 * globally averaged features.
 */
import { type Tensor, mean } from '@simplegrad/core';
import { BatchNorm2d, Conv2d, Linear, Module, Sequential } from '@simplegrad/nn';
import { Mish } from './mish.js';
import { ResidualBlock } from './residual.js';

/** Options of {@link TinyResNet}. */
export interface TinyResNetOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Number of classes (default 2). */
  classes?: number;
  /** Channels after the stem (default 8; the second block doubles them). */
  width?: number;
}

/**
 * `[N, C, H, W]` images → `[N, classes]` logits.
 *
 * @example
 * const net = new TinyResNet({ classes: 2 });
 * net.forward(sg.zeros([4, 1, 8, 8])).shape;   // [4, 2]
 */
export class TinyResNet extends Module {
  stem: Sequential;
  blocks: Sequential;
  fc: Linear;

  constructor(opts: TinyResNetOptions = {}) {
    super();
    const width = opts.width ?? 8;
    this.stem = new Sequential(new Conv2d(opts.inChannels ?? 1, width, 3, { padding: 1, bias: false }), new BatchNorm2d(width), new Mish());
    this.blocks = new Sequential(new ResidualBlock(width, width), new ResidualBlock(width, 2 * width, { stride: 2 }));
    this.fc = new Linear(2 * width, opts.classes ?? 2);
  }

  /** Logits for a batch of images. */
  forward(x: Tensor): Tensor {
    const h = this.blocks.forward(this.stem.forward(x));   // [N, 2·width, H/2, W/2]
    return this.fc.forward(mean(h, [2, 3]));               // global average pool → [N, 2·width] → [N, classes]
  }
}
