/**
 * ResNet-18 built exactly as torchvision 0.14's `resnet18()`: the same modules under the same
 * names (`layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `fc.bias`...), in the same order,
 * with the same initialisation, so torchvision checkpoints converted to safetensors load strictly.
 */
import { ArgumentError, checkBoolean, checkInteger, checkKnownOptions, flatten, optionNames } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { kaimingNormal_ } from '../init.js';
import type { LayerOptions } from '../layers/common.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { ReLU } from '../layers/activation.js';
import { MaxPool2d } from '../layers/pool.js';
import { AdaptiveAvgPool2d } from '../layers/adaptive-pool.js';
import { Linear } from '../layers/linear.js';
import { Sequential } from '../layers/container.js';
import { runPair } from '../layers/fusion.js';

/**
 * torchvision's residual block of ResNet-18/34: two 3×3 convolutions with BatchNorm, the input
 * added back before the last ReLU (through `downsample`, a 1×1 convolution and BatchNorm, when
 * the block changes the stride or the width).
 *
 * Shape: `[N, inplanes, H, W]` → `[N, planes, H / stride, W / stride]`.
 *
 * @example
 * const block = new BasicBlock(64, 64);
 * block.forward(sg.normal([1, 64, 8, 8])).shape;   // [1, 64, 8, 8]
 */
export class BasicBlock extends Module {
  /** Output width relative to `planes` (1 for this block). */
  static readonly expansion = 1;
  /** 3×3 convolution, carries the stride. */
  conv1: Conv2d;
  /** BatchNorm after conv1. */
  bn1: BatchNorm2d;
  /** The block's ReLU (used twice; it has no state). */
  relu: ReLU;
  /** 3×3 convolution. */
  conv2: Conv2d;
  /** BatchNorm after conv2. */
  bn2: BatchNorm2d;
  /** Projection of the input for the residual sum, or null for the identity. */
  downsample: Sequential | null;
  /** The block's stride. */
  readonly stride: number;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null, opts: LayerOptions = {}) {
    super();
    this.conv1 = new Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false, ...opts });
    this.bn1 = new BatchNorm2d(planes, { dtype: opts.dtype });
    this.relu = new ReLU();
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false, ...opts });
    this.bn2 = new BatchNorm2d(planes, { dtype: opts.dtype });
    this.downsample = downsample;
    this.stride = stride;
  }

  /** relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)). */
  forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    const out = this.bn2.forward(this.conv2.forward(runPair(this.bn1, this.relu, this.conv1.forward(x))));
    return this.relu.forward(out.add(identity));
  }
}

/** Options of {@link ResNet} and {@link resnet18}. */
export interface ResNetOptions extends LayerOptions {
  /** Size of the classifier's output (default 1000, ImageNet's). */
  numClasses?: number;
  /**
   * Start every residual branch's last BatchNorm at weight 0, so each block begins as the identity
   * (default false; torchvision's `zero_init_residual`).
   */
  zeroInitResidual?: boolean;
}

const RESNET_OPTIONS = optionNames<ResNetOptions>({ numClasses: true, zeroInitResidual: true, dtype: true, generator: true });

/**
 * torchvision's ResNet with {@link BasicBlock}s: a 7×7 stride-2 stem, 3×3 max pooling, four stages
 * of `layers[i]` blocks (64, 128, 256, 512 channels; stages 2-4 halve the resolution), global
 * average pooling and a linear classifier. Initialisation as torchvision's: every convolution
 * Kaiming-normal (fan-out, ReLU gain), BatchNorm weight 1 and bias 0, the classifier with Linear's
 * default; all draws come from `generator` (default: the global one) in torchvision's order.
 *
 * Shape: `[N, 3, H, W]` → `[N, numClasses]` (any H, W ≥ 32 or so; 224 for ImageNet weights).
 *
 * @example
 * const net = new ResNet([2, 2, 2, 2], { numClasses: 10 });   // resnet18's layout
 */
export class ResNet extends Module {
  /** 7×7 stride-2 stem convolution. */
  conv1: Conv2d;
  /** Stem BatchNorm. */
  bn1: BatchNorm2d;
  /** Stem ReLU. */
  relu: ReLU;
  /** 3×3 stride-2 max pooling. */
  maxpool: MaxPool2d;
  /** Stage 1: 64 channels. */
  layer1: Sequential;
  /** Stage 2: 128 channels, stride 2. */
  layer2: Sequential;
  /** Stage 3: 256 channels, stride 2. */
  layer3: Sequential;
  /** Stage 4: 512 channels, stride 2. */
  layer4: Sequential;
  /** Global average pooling to 1×1. */
  avgpool: AdaptiveAvgPool2d;
  /** The classifier. */
  fc: Linear;

  constructor(layers: readonly [number, number, number, number], opts: ResNetOptions = {}) {
    super();
    checkKnownOptions('ResNet', opts, RESNET_OPTIONS);
    if (!Array.isArray(layers) || layers.length !== 4) throw new ArgumentError('ResNet', `layers must list the number of blocks of the 4 stages, got ${JSON.stringify(layers)}`);
    const numClasses = checkInteger('ResNet', 'numClasses', opts.numClasses ?? 1000, 1);
    const zeroInitResidual = checkBoolean('ResNet', 'zeroInitResidual', opts.zeroInitResidual ?? false);
    const layerOpts: LayerOptions = { dtype: opts.dtype, generator: opts.generator };
    let inplanes = 64;
    const makeLayer = (planes: number, blocks: number, stride: number): Sequential => {
      checkInteger('ResNet', 'each layers entry', blocks, 1);
      let downsample: Sequential | null = null;
      if (stride !== 1 || inplanes !== planes * BasicBlock.expansion) {
        downsample = new Sequential(
          new Conv2d(inplanes, planes * BasicBlock.expansion, 1, { stride, bias: false, ...layerOpts }),
          new BatchNorm2d(planes * BasicBlock.expansion, { dtype: opts.dtype }),
        );
      }
      const blocksList = [new BasicBlock(inplanes, planes, stride, downsample, layerOpts)];
      inplanes = planes * BasicBlock.expansion;
      for (let i = 1; i < blocks; i++) blocksList.push(new BasicBlock(inplanes, planes, 1, null, layerOpts));
      return new Sequential(...blocksList);
    };
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, ...layerOpts });
    this.bn1 = new BatchNorm2d(64, { dtype: opts.dtype });
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = makeLayer(64, layers[0], 1);
    this.layer2 = makeLayer(128, layers[1], 2);
    this.layer3 = makeLayer(256, layers[2], 2);
    this.layer4 = makeLayer(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * BasicBlock.expansion, numClasses, layerOpts);
    // torchvision re-initialises after building, walking modules in order (BatchNorm already starts at 1 / 0).
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu', generator: opts.generator });
    }
    if (zeroInitResidual) {
      for (const m of this.modules()) if (m instanceof BasicBlock) m.bn2.weight?.data.fill(0);
    }
  }

  /** Logits `[N, numClasses]` for images `[N, 3, H, W]`. */
  forward(x: Tensor): Tensor {
    let y = this.maxpool.forward(runPair(this.bn1, this.relu, this.conv1.forward(x)));
    y = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(y))));
    return this.fc.forward(flatten(this.avgpool.forward(y), 1));
  }
}

/**
 * ResNet-18 (torchvision's `resnet18()`, 11.7 M parameters at 1000 classes): state-dict keys,
 * order and shapes equal torchvision's, so its ImageNet weights, converted to safetensors, load
 * strictly (see the README).
 *
 * Shape: `[N, 3, H, W]` → `[N, numClasses]`.
 *
 * @example
 * const net = resnet18({ numClasses: 10 });
 * net.loadStateDict(loadSafetensors(bytes));   // torchvision weights (numClasses 1000)
 * net.eval().forward(images).argmax(1);
 */
export function resnet18(opts: ResNetOptions = {}): ResNet {
  return new ResNet([2, 2, 2, 2], opts);
}
