/**
 * Per-sample data augmentation after torchvision's `transforms`: a {@link Transform} maps one
 * `[C, H, W]` image to another and draws any randomness from the seeded {@link Generator} it is
 * given, so a seed reproduces every augmented batch. {@link withTransform} applies one to a dataset.
 *
 * The algorithms (crop positions, the 10 attempts of `randomResizedCrop`, colour-jitter order and
 * blends, rounding of sizes) are torchvision 0.14's for tensors; the random numbers come from our
 * generator, so the crops are torchvision's kind of crops, not its exact draws.
 */
import {
  ArgumentError, Generator, ShapeError, Tensor, checkKnownOptions, defaultGenerator, flip, fmtShape, interpolate, noGrad,
  pad, slice, type PadMode,
} from '@simplegrad/core';
import type { Dataset, Sample, SampleValue } from './data.js';

/** A per-sample transform: one `[C, H, W]` image in, one out; randomness only from `generator`. */
export type Transform = (x: Tensor, generator: Generator) => Tensor;

/** An output size: a number (square, or for {@link resize} the shorter edge) or `[height, width]`. */
export type Size = number | readonly [number, number];

function checkImage(op: string, x: Tensor): [number, number, number] {
  if (!(x instanceof Tensor) || x.ndim !== 3) {
    throw new ShapeError(op, `expects one image [C, H, W], got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2]];
}

function checkSize(op: string, size: unknown): [number, number] {
  const p = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ArgumentError(op, `size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [p[0], p[1]];
}

function checkRange(op: string, name: string, v: unknown, lowest: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((e) => typeof e === 'number' && Number.isFinite(e) && e >= lowest) || v[0] > v[1]) {
    throw new ArgumentError(op, `${name} must be [min, max] with ${lowest} <= min <= max, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

/** A uniform float in `[lo, hi)`. */
const uniform = (g: Generator, lo: number, hi: number): number => lo + (hi - lo) * g.random();

/** Rows `top … top + h − 1` and columns `left … left + w − 1` of an image, as a new tensor. */
function crop(x: Tensor, top: number, left: number, h: number, w: number): Tensor {
  return slice(x, null, [top, top + h], [left, left + w]);
}

/** Bilinear resize of one image to exactly `h × w` (align corners false, no antialias: torchvision's tensor default). */
function resizeTo(x: Tensor, h: number, w: number): Tensor {
  if (x.shape[1] === h && x.shape[2] === w) return x;
  return interpolate(x.reshape([1, ...x.shape]), { size: [h, w], mode: 'bilinear', alignCorners: false }).reshape([x.shape[0], h, w]);
}

/**
 * Chains transforms left to right, passing each the same generator.
 *
 * @example
 * const augment = compose([randomCrop(32, { padding: 4 }), randomHorizontalFlip(), normalize(mean, std)]);
 */
export function compose(transforms: readonly Transform[]): Transform {
  if (!Array.isArray(transforms) || !transforms.every((t) => typeof t === 'function')) {
    throw new ArgumentError('compose', 'expects an array of transforms (functions (x, generator) => Tensor)');
  }
  const list = [...transforms];
  return (x, generator) => list.reduce((acc, t) => t(acc, generator), x);
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Padding added before cropping: a number (all sides) or `[top, bottom, left, right]` (default 0). */
  padding?: number | readonly [number, number, number, number];
  /** How to pad, any {@link PadMode} of core's `pad` (default `'constant'`, zeros). */
  padMode?: PadMode;
}

/**
 * Pads, then crops a `size` window at a uniformly random position (torchvision's `RandomCrop`).
 *
 * *Shape*: `[C, H, W]` → `[C, h, w]`.
 *
 * @example
 * randomCrop(32, { padding: 4, padMode: 'reflect' });   // CIFAR-10's standard augmentation
 */
export function randomCrop(size: Size, options: RandomCropOptions = {}): Transform {
  checkKnownOptions('randomCrop', options, ['padding', 'padMode']);
  const [th, tw] = checkSize('randomCrop', size);
  const padding = options.padding ?? 0;
  const mode = options.padMode ?? 'constant';
  return (x, g) => noGrad(() => {
    checkImage('randomCrop', x);
    const padded = padding === 0 ? x : pad(x, padding, { mode });
    const [, h, w] = padded.shape;
    if (h < th || w < tw) throw new ShapeError('randomCrop', `crop ${th}x${tw} is larger than the padded image ${h}x${w} (input ${fmtShape(x.shape)})`);
    const top = g.randint(0, h - th + 1);
    const left = g.randint(0, w - tw + 1);
    return crop(padded, top, left, th, tw);
  });
}

/** Options of {@link randomHorizontalFlip}. */
export interface FlipOptions {
  /** Probability of flipping (default 0.5). */
  p?: number;
}

/**
 * Mirrors the image left to right with probability `p` (torchvision's `RandomHorizontalFlip`).
 *
 * @example
 * randomHorizontalFlip({ p: 0.5 });
 */
export function randomHorizontalFlip(options: FlipOptions = {}): Transform {
  checkKnownOptions('randomHorizontalFlip', options, ['p']);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError('randomHorizontalFlip', `p must be a probability in [0, 1], got ${JSON.stringify(p)}`);
  return (x, g) => {
    checkImage('randomHorizontalFlip', x);
    return g.random() < p ? noGrad(() => flip(x, [2])) : x;
  };
}

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's (default `[0.08, 1]`). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, sampled log-uniformly (default `[3/4, 4/3]`). */
  ratio?: readonly [number, number];
}

/**
 * Crops a random area and aspect ratio, then resizes it bilinearly to `size` (torchvision's
 * `RandomResizedCrop`: 10 attempts, then a centre crop clamped to the ratio range).
 *
 * *Shape*: `[C, H, W]` → `[C, h, w]`.
 *
 * @example
 * randomResizedCrop(96, { scale: [0.5, 1] });
 */
export function randomResizedCrop(size: Size, options: RandomResizedCropOptions = {}): Transform {
  checkKnownOptions('randomResizedCrop', options, ['scale', 'ratio']);
  const [th, tw] = checkSize('randomResizedCrop', size);
  const [sLo, sHi] = checkRange('randomResizedCrop', 'scale', options.scale ?? [0.08, 1], 0);
  const [rLo, rHi] = checkRange('randomResizedCrop', 'ratio', options.ratio ?? [3 / 4, 4 / 3], Number.MIN_VALUE);
  return (x, g) => noGrad(() => {
    const [, height, width] = checkImage('randomResizedCrop', x);
    const area = height * width;
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * uniform(g, sLo, sHi);
      const aspect = Math.exp(uniform(g, Math.log(rLo), Math.log(rHi)));
      const w = Math.round(Math.sqrt(target * aspect));
      const h = Math.round(Math.sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const top = g.randint(0, height - h + 1);
        const left = g.randint(0, width - w + 1);
        return resizeTo(crop(x, top, left, h, w), th, tw);
      }
    }
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < rLo) h = Math.round(w / rLo);
    else if (inRatio > rHi) w = Math.round(h * rHi);
    return resizeTo(crop(x, Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w), th, tw);
  });
}

/**
 * Crops the central `size` window (torchvision's `CenterCrop`: offsets rounded half to even, as
 * Python's `round`).
 *
 * *Shape*: `[C, H, W]` → `[C, h, w]`.
 *
 * @example
 * centerCrop(224);
 */
export function centerCrop(size: Size): Transform {
  const [th, tw] = checkSize('centerCrop', size);
  return (x) => noGrad(() => {
    const [, h, w] = checkImage('centerCrop', x);
    if (h < th || w < tw) throw new ShapeError('centerCrop', `crop ${th}x${tw} is larger than the image ${h}x${w} (input ${fmtShape(x.shape)})`);
    return crop(x, roundHalfEven((h - th) / 2), roundHalfEven((w - tw) / 2), th, tw);
  });
}

/** Python's `round`: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  if (v - f !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Resizes bilinearly: to exactly `[height, width]`, or with a number, so that the shorter edge
 * becomes `size` and the aspect ratio is kept (the longer edge truncated, as torchvision does).
 *
 * *Shape*: `[C, H, W]` → `[C, h, w]`.
 *
 * @example
 * resize(256);          // shorter edge 256
 * resize([32, 32]);     // exactly 32 × 32
 */
export function resize(size: Size): Transform {
  const exact = typeof size !== 'number';
  const [sh, sw] = checkSize('resize', size);
  return (x) => noGrad(() => {
    const [, h, w] = checkImage('resize', x);
    if (exact) return resizeTo(x, sh, sw);
    return h <= w ? resizeTo(x, sh, Math.trunc((sh * w) / h)) : resizeTo(x, Math.trunc((sh * h) / w), sh);
  });
}

/** Options of {@link colorJitter}: each a strength `s` (factor uniform in `[max(0, 1 − s), 1 + s]`) or a `[min, max]` range of factors. */
export interface ColorJitterOptions {
  /** Scales every channel (default 0: unchanged). */ brightness?: number | readonly [number, number];
  /** Blends with the mean gray level (default 0). */ contrast?: number | readonly [number, number];
  /** Blends with the image's own gray version; no effect on 1-channel images (default 0). */ saturation?: number | readonly [number, number];
}

function jitterRange(name: string, v: number | readonly [number, number] | undefined): [number, number] | null {
  if (v === undefined || v === 0) return null;
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) throw new ArgumentError('colorJitter', `${name} must be a non-negative number or [min, max], got ${v}`);
    return [Math.max(0, 1 - v), 1 + v];
  }
  return checkRange('colorJitter', name, v, 0);
}

/** torchvision's `_blend`: `clamp(f·x + (1 − f)·other, 0, 1)`, `other` per pixel (length H·W) or one value. */
function blend(x: Float32Array | Float64Array, other: ArrayLike<number> | number, f: number, plane: number): void {
  for (let i = 0; i < x.length; i++) {
    const o = typeof other === 'number' ? other : other[i % plane];
    x[i] = Math.min(1, Math.max(0, f * x[i] + (1 - f) * o));
  }
}

/** Luma plane of an RGB image (ITU-R 601), or the image itself for one channel. */
function grayPlane(x: Float32Array | Float64Array, channels: number, plane: number): Float64Array {
  const gray = new Float64Array(plane);
  for (let p = 0; p < plane; p++) gray[p] = channels >= 3 ? 0.299 * x[p] + 0.587 * x[plane + p] + 0.114 * x[2 * plane + p] : x[p];
  return gray;
}

/**
 * Random brightness, contrast and saturation (torchvision's `ColorJitter` without hue): the three
 * factors are drawn first, then applied in a random order, each a clamped blend in [0, 1].
 *
 * @example
 * colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 });
 */
export function colorJitter(options: ColorJitterOptions = {}): Transform {
  checkKnownOptions('colorJitter', options, ['brightness', 'contrast', 'saturation']);
  const ranges = [jitterRange('brightness', options.brightness), jitterRange('contrast', options.contrast), jitterRange('saturation', options.saturation)];
  return (x, g) => {
    const [c, h, w] = checkImage('colorJitter', x);
    if (x.dtype === 'int32') throw new ArgumentError('colorJitter', 'expects a float image in [0, 1], got int32');
    const order = [0, 1, 2];
    for (let i = 2; i > 0; i--) {   // Fisher–Yates: a uniformly random order of the three adjustments
      const j = g.randint(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const factors = ranges.map((r) => (r === null ? null : uniform(g, r[0], r[1])));
    const data = (x.data as Float32Array | Float64Array).slice();
    const plane = h * w;
    for (const k of order) {
      const f = factors[k];
      if (f === null) continue;
      if (k === 0) blend(data, 0, f, plane);
      else if (k === 1) {
        const gray = grayPlane(data, c, plane);
        blend(data, gray.reduce((a, b) => a + b, 0) / plane, f, plane);
      } else if (c >= 3) blend(data, grayPlane(data, c, plane), f, plane);
    }
    return new Tensor(data, x.shape);
  };
}

/** Options of {@link withTransform}: where the randomness comes from. */
export interface WithTransformOptions {
  /** Seed of a new generator owned by the dataset (default: the global generator). */
  seed?: number | string;
  /** A generator to draw from (exclusive with `seed`). */
  generator?: Generator;
}

/** A dataset whose samples' inputs pass through a {@link Transform}; see {@link withTransform}. */
export interface TransformedDataset extends Dataset {
  /** The generator the transform draws from; its state is what a checkpoint saves to resume exactly. */
  readonly generator: Generator;
}

function transformSample(sample: Sample, t: Transform, g: Generator, index: number): Sample {
  const apply = (v: SampleValue): SampleValue => {
    if (!(v instanceof Tensor)) throw new ArgumentError('withTransform', `sample ${index}'s input is not a tensor`);
    return t(v, g);
  };
  if (Array.isArray(sample)) {
    if (sample.length < 1) throw new ArgumentError('withTransform', `sample ${index} is empty`);
    return [apply(sample[0]), ...sample.slice(1)];
  }
  if (sample !== null && typeof sample === 'object' && 'x' in sample && 'y' in sample) return { x: apply(sample.x), y: sample.y };
  throw new ArgumentError('withTransform', `sample ${index} is neither [x, y] nor { x, y }`);
}

/**
 * A view of `dataset` whose `get(i)` returns the sample with its input (`[x, …]`'s first value or
 * `{ x }`) passed through `transform`, drawing from one generator: with `seed`, the same sequence of
 * `get` calls (e.g. a seeded shuffling DataLoader) gives the same augmented samples.
 *
 * @example
 * const train = withTransform(cifar, compose([randomCrop(32, { padding: 4 }), randomHorizontalFlip()]), { seed: 0 });
 * const loader = new DataLoader(train, { batchSize: 128, shuffle: true, seed: 0 });
 */
export function withTransform(dataset: Dataset, transform: Transform, options: WithTransformOptions = {}): TransformedDataset {
  checkKnownOptions('withTransform', options, ['seed', 'generator']);
  if (options.seed !== undefined && options.generator !== undefined) throw new ArgumentError('withTransform', 'give either seed or generator, not both');
  if (typeof transform !== 'function') throw new ArgumentError('withTransform', 'transform must be a function (x, generator) => Tensor');
  if (options.generator !== undefined && !(options.generator instanceof Generator)) throw new ArgumentError('withTransform', 'generator must be a Generator');
  const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator());
  return {
    generator,
    get length() { return dataset.length; },
    get: (index: number) => transformSample(dataset.get(index) as Sample, transform, generator, index),
  };
}
