/**
 * MobileNetV2 built exactly as torchvision 0.14's `mobilenet_v2()`: inverted residual blocks of
 * depthwise-separable convolutions with ReLU6, the same module names (`features.0.0.weight`,
 * `features.1.conv.0.0.weight`, `classifier.1.weight`...), order, shapes and initialisation, so
 * torchvision checkpoints converted to safetensors load strictly.
 */
import { ArgumentError, adaptiveAvgPool2d, checkInteger, checkKnownOptions, fmtValue, flatten, optionNames } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';
import { kaimingNormal_, normal_, zeros_ } from '../init.js';
import type { LayerOptions } from '../layers/common.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { ReLU6 } from '../layers/activation.js';
import { Dropout } from '../layers/basic.js';
import { Linear } from '../layers/linear.js';
import { Sequential } from '../layers/container.js';

/**
 * torchvision's `_make_divisible`: `v` rounded to the nearest multiple of `divisor` (at least
 * `minValue`, default `divisor`), then raised by one `divisor` if rounding lost more than 10 %.
 *
 * @example
 * makeDivisible(32 * 0.5, 8);   // 16
 * makeDivisible(24 * 0.35, 8);  // 8
 */
export function makeDivisible(v: number, divisor: number, minValue: number = divisor): number {
  let newV = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** Python's `round`: halves go to the even neighbour (`round(2.5) == 2`), unlike `Math.round`. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** Options of {@link Conv2dNormActivation}. */
export interface Conv2dNormActivationOptions extends LayerOptions {
  /** Kernel size (default 3); padding is (kernelSize − 1) / 2, keeping the size at stride 1. */
  kernelSize?: number;
  /** Stride (default 1). */
  stride?: number;
  /** Channel groups of the convolution (default 1). */
  groups?: number;
}

/**
 * torchvision's `Conv2dNormActivation` as MobileNetV2 uses it: a `Sequential` of a bias-free
 * convolution (`'0'`), BatchNorm (`'1'`) and ReLU6 (`'2'`).
 *
 * Shape: `[N, inChannels, H, W]` → `[N, outChannels, H / stride, W / stride]`.
 *
 * @example
 * new Conv2dNormActivation(3, 32, { stride: 2 });   // keys 0.weight, 1.weight, 1.bias, 1.running_mean...
 */
export class Conv2dNormActivation extends Sequential {
  constructor(inChannels: number, outChannels: number, opts: Conv2dNormActivationOptions = {}) {
    const k = opts.kernelSize ?? 3;
    super(
      new Conv2d(inChannels, outChannels, k, {
        stride: opts.stride ?? 1, padding: Math.floor((k - 1) / 2), groups: opts.groups ?? 1, bias: false, dtype: opts.dtype, generator: opts.generator,
      }),
      new BatchNorm2d(outChannels, { dtype: opts.dtype }),
      new ReLU6(),
    );
  }
}

/**
 * MobileNetV2's inverted residual block: a 1×1 expansion to `round(inp · expandRatio)` channels
 * (skipped when the ratio is 1), a 3×3 depthwise convolution carrying the stride, a linear 1×1
 * projection to `oup` with BatchNorm; the input is added back when the stride is 1 and inp = oup.
 *
 * Shape: `[N, inp, H, W]` → `[N, oup, H / stride, W / stride]`.
 *
 * @example
 * const block = new InvertedResidual(16, 24, 2, 6);
 * block.forward(sg.normal([1, 16, 32, 32])).shape;   // [1, 24, 16, 16]
 */
export class InvertedResidual extends Module {
  /** The block's layers. */
  conv: Sequential;
  /** 1 or 2. */
  readonly stride: number;
  /** Whether the input is added to the output. */
  readonly useResConnect: boolean;
  /** Output channels. */
  readonly outChannels: number;

  constructor(inp: number, oup: number, stride: number, expandRatio: number, opts: LayerOptions = {}) {
    super();
    if (stride !== 1 && stride !== 2) throw new ArgumentError('InvertedResidual', `stride must be 1 or 2, got ${fmtValue(stride)}`);
    this.stride = stride;
    const hidden = roundHalfEven(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, ...opts }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, ...opts }),
      new Conv2d(hidden, oup, 1, { bias: false, ...opts }),
      new BatchNorm2d(oup, { dtype: opts.dtype }),
    );
    this.conv = new Sequential(...layers);
    this.outChannels = oup;
  }

  /** `x + conv(x)` with the residual connection, `conv(x)` without. */
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.useResConnect ? x.add(y) : y;
  }
}

/** Options of {@link MobileNetV2} and {@link mobilenetV2}. */
export interface MobileNetV2Options extends LayerOptions {
  /** Size of the classifier's output (default 1000). */
  numClasses?: number;
  /** Multiplies every stage's width (default 1), rounded by {@link makeDivisible} to `roundNearest`. */
  widthMult?: number;
  /** Channel counts are multiples of this (default 8; 1 turns rounding off). */
  roundNearest?: number;
  /** Dropout probability before the classifier (default 0.2). */
  dropout?: number;
  /**
   * The stages as `[t, c, n, s]` rows: expansion ratio, output channels, blocks, first stride
   * (default torchvision's seven rows, from `[1, 16, 1, 1]` to `[6, 320, 1, 1]`).
   */
  invertedResidualSetting?: readonly (readonly [number, number, number, number])[];
}

const MOBILENET_OPTIONS = optionNames<MobileNetV2Options>({
  numClasses: true, widthMult: true, roundNearest: true, dropout: true, invertedResidualSetting: true, dtype: true, generator: true,
});

const DEFAULT_SETTING: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/**
 * torchvision's MobileNetV2: a 3×3 stride-2 stem, 17 inverted residual blocks, a 1×1 convolution
 * to `lastChannel` (1280 · max(1, widthMult)), global average pooling, then `classifier` =
 * Dropout + Linear. Initialisation as torchvision's: convolutions Kaiming-normal (fan-out) with
 * zero biases, BatchNorm 1 / 0, the Linear N(0, 0.01²) with zero bias, drawn from `generator`.
 *
 * Shape: `[N, 3, H, W]` → `[N, numClasses]` (the network downsamples by 32).
 *
 * @example
 * const net = new MobileNetV2({ numClasses: 10, widthMult: 0.5 });
 */
export class MobileNetV2 extends Module {
  /** Stem, inverted residual blocks and the last 1×1 convolution, `features.0` ... `features.18`. */
  features: Sequential;
  /** `classifier.0` Dropout, `classifier.1` Linear. */
  classifier: Sequential;
  /** Channels entering the classifier. */
  readonly lastChannel: number;

  constructor(opts: MobileNetV2Options = {}) {
    super();
    const op = 'MobileNetV2';
    checkKnownOptions(op, opts, MOBILENET_OPTIONS);
    const numClasses = checkInteger(op, 'numClasses', opts.numClasses ?? 1000, 1);
    const widthMult = opts.widthMult ?? 1;
    if (typeof widthMult !== 'number' || !(widthMult > 0) || !Number.isFinite(widthMult)) throw new ArgumentError(op, `widthMult must be a positive number, got ${fmtValue(widthMult)}`);
    const roundNearest = checkInteger(op, 'roundNearest', opts.roundNearest ?? 8, 1);
    const setting = opts.invertedResidualSetting ?? DEFAULT_SETTING;
    if (!Array.isArray(setting) || setting.length === 0 || setting.some((row) => !Array.isArray(row) || row.length !== 4)) {
      throw new ArgumentError(op, `invertedResidualSetting should be a non-empty list of [t, c, n, s] rows, got ${fmtValue(setting)}`);
    }
    const layerOpts: LayerOptions = { dtype: opts.dtype, generator: opts.generator };
    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
    const features: Module[] = [new Conv2dNormActivation(3, inputChannel, { stride: 2, ...layerOpts })];
    for (const [t, c, n, s] of setting) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t, layerOpts));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, ...layerOpts }));
    this.features = new Sequential(...features);
    this.classifier = new Sequential(new Dropout(opts.dropout ?? 0.2, { generator: opts.generator }), new Linear(this.lastChannel, numClasses, layerOpts));
    // torchvision re-initialises after building, walking modules in order.
    const generator = opts.generator;
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        kaimingNormal_(m.weight, { mode: 'fanOut', generator });
        if (m.bias !== null) zeros_(m.bias);
      } else if (m instanceof Linear) {
        normal_(m.weight, { mean: 0, std: 0.01, generator });
        if (m.bias !== null) zeros_(m.bias);
      }
    }
  }

  /** Logits `[N, numClasses]` for images `[N, 3, H, W]`. */
  forward(x: Tensor): Tensor {
    const f = adaptiveAvgPool2d(this.features.forward(x), [1, 1]);
    return this.classifier.forward(flatten(f, 1));
  }
}

/**
 * MobileNetV2 (torchvision's `mobilenet_v2()`, 3.5 M parameters at width 1 and 1000 classes):
 * state-dict keys, order and shapes equal torchvision's for the same options.
 *
 * Shape: `[N, 3, H, W]` → `[N, numClasses]`.
 *
 * @example
 * const net = mobilenetV2({ numClasses: 10, widthMult: 0.5, dropout: 0.1 });
 * net.forward(sg.normal([2, 3, 64, 64])).shape;   // [2, 10]
 */
export function mobilenetV2(opts: MobileNetV2Options = {}): MobileNetV2 {
  return new MobileNetV2(opts);
}
