// Per-sample transforms: exact pixels on small images, torchvision's size rules, determinism by seed,
// and strict options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, Generator, ShapeError, Tensor, arange, tensor } from '@simplegrad/core';
import {
  TensorDataset, DataLoader, centerCrop, colorJitter, compose, normalize, randomCrop, randomHorizontalFlip, randomResizedCrop,
  resize, withTransform,
} from '../src/index.js';
import { throwsWith } from './throws.js';

/** A [C, H, W] image whose value at (c, y, x) is c·100 + y·10 + x. */
function image(c: number, h: number, w: number): Tensor {
  const data = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(k * h + y) * w + x] = k * 100 + y * 10 + x;
  return new Tensor(data, [c, h, w]);
}
const rows = (t: Tensor): number[][][] => t.toArray() as number[][][];

test('centerCrop takes the middle window (offsets rounded half to even, as torchvision)', () => {
  assert.equal(rows(centerCrop(2)(image(1, 4, 5), new Generator(0))), [[[12, 13], [22, 23]]]);   // left (5 − 2) / 2 = 1.5 → 2
  assert.equal(rows(centerCrop([1, 3])(image(1, 3, 3), new Generator(0))), [[[10, 11, 12]]]);
  // (5 − 2) / 2 = 1.5 rounds to 2; (4 − 1) / 2 = 1.5 rounds to 2
  assert.equal(rows(centerCrop([2, 1])(image(1, 5, 4), new Generator(0))), [[[22], [32]]]);
  throwsWith(() => centerCrop(6)(image(1, 5, 5), new Generator(0)), ShapeError, 'centerCrop: crop 6x6 is larger than the image 5x5 (input [1, 5, 5])');
  throwsWith(() => centerCrop(0), ArgumentError, 'centerCrop: size must be a positive integer or [height, width], got 0');
});

test('randomCrop: every window position is reachable, windows are exact, padding and padMode apply first', () => {
  const x = image(2, 4, 4);
  const g = new Generator(3);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const out = randomCrop(3)(x, g);
    assert.equal(out.shape, [2, 3, 3]);
    const top = Math.floor(out.data[0] / 10);
    const left = out.data[0] % 10;
    seen.add(`${top},${left}`);
    assert.equal(rows(out)[1][2], [100 + (top + 2) * 10 + left, 100 + (top + 2) * 10 + left + 1, 100 + (top + 2) * 10 + left + 2]);
  }
  assert.is(seen.size, 4, 'the four 3×3 windows of a 4×4 image all occur');
  const padded = randomCrop(4, { padding: 2 })(image(1, 2, 2), new Generator(1));
  assert.equal(padded.shape, [1, 4, 4]);
  assert.ok(Array.from(padded.data).every((v) => [0, 1, 10, 11].includes(v)), 'zeros and the image only');
  // reflect padding of [[0, 1], [10, 11]] by 1 gives only image values
  const reflected = randomCrop(4, { padding: 1, padMode: 'reflect' })(image(1, 2, 2), new Generator(1));
  assert.equal(rows(reflected), [[[11, 10, 11, 10], [1, 0, 1, 0], [11, 10, 11, 10], [1, 0, 1, 0]]]);
  throwsWith(() => randomCrop(5)(image(1, 4, 4), g), ShapeError, 'randomCrop: crop 5x5 is larger than the padded image 4x4 (input [1, 4, 4])');
  throwsWith(() => randomCrop(3, { pading: 1 } as object), ArgumentError, "randomCrop: unknown option 'pading' (known: padding, padMode)");
  throwsWith(() => randomCrop(3)(tensor([1, 2, 3]), g), ShapeError, 'randomCrop: expects one image [C, H, W], got [3]');
});

test('randomHorizontalFlip: p = 1 mirrors, p = 0 keeps, p = 0.5 does both at about half', () => {
  const x = image(1, 2, 3);
  assert.equal(rows(randomHorizontalFlip({ p: 1 })(x, new Generator(0))), [[[2, 1, 0], [12, 11, 10]]]);
  assert.is(randomHorizontalFlip({ p: 0 })(x, new Generator(0)), x);
  const g = new Generator(5);
  let flips = 0;
  for (let i = 0; i < 400; i++) if (randomHorizontalFlip()(x, g).data[0] === 2) flips++;
  assert.ok(flips > 160 && flips < 240, `${flips} of 400 flipped`);
  throwsWith(() => randomHorizontalFlip({ p: 2 }), ArgumentError, 'randomHorizontalFlip: p must be a probability in [0, 1], got 2');
});

test('resize: exact size, or the shorter edge (longer one truncated, as torchvision); bilinear corners kept on upsampling ×2 of a constant', () => {
  assert.equal(resize([3, 5])(image(2, 6, 10), new Generator(0)).shape, [2, 3, 5]);
  assert.equal(resize(4)(image(1, 6, 10), new Generator(0)).shape, [1, 4, 6]);    // 4·10/6 = 6.67 → 6
  assert.equal(resize(4)(image(1, 10, 6), new Generator(0)).shape, [1, 6, 4]);
  const constant = new Tensor(new Float32Array(12).fill(0.25), [3, 2, 2]);
  assert.ok(Array.from(resize([4, 4])(constant, new Generator(0)).data).every((v) => Math.abs(v - 0.25) < 1e-7));
  // Downsampling by exactly 2 with bilinear, align corners false: each output is the mean of a 2×2 block.
  const x = image(1, 4, 4);
  assert.equal(rows(resize([2, 2])(x, new Generator(0))), [[[5.5, 7.5], [25.5, 27.5]]]);
  const same = image(1, 3, 3);
  assert.is(resize([3, 3])(same, new Generator(0)), same, 'no-op resize returns the image itself');
});

test('randomResizedCrop: output size, crops inside the image; an impossible ratio falls back to the clamped centre crop', () => {
  const g = new Generator(2);
  for (let i = 0; i < 20; i++) assert.equal(randomResizedCrop([5, 7])(image(3, 20, 30), g).shape, [3, 5, 7]);
  // scale [1, 1] with ratio [1, 1] on a 4×8 image never fits (an 5.66×5.66 square): the fallback crops
  // the centre 4×4 (ratio clamped to 1), resized to 4×4 = unchanged.
  const out = randomResizedCrop(4, { scale: [1, 1], ratio: [1, 1] })(image(1, 4, 8), g);
  assert.equal(rows(out), rows(image(1, 4, 8)).map((plane) => plane.map((r) => r.slice(2, 6))));
  throwsWith(() => randomResizedCrop(4, { scale: [0.5, 0.1] }), ArgumentError, 'randomResizedCrop: scale must be [min, max] with 0 <= min <= max, got [0.5,0.1]');
  throwsWith(() => randomResizedCrop(4, { ratios: [1, 2] } as object), ArgumentError, "unknown option 'ratios' (known: scale, ratio)");
});

test('colorJitter: brightness scales and clamps, contrast blends with the gray mean, saturation with the gray image; 0 changes nothing', () => {
  const x = new Tensor(Float32Array.from([0.2, 0.8, 0.4, 0.6, 0.5, 0.5]), [3, 1, 2]);
  const g = new Generator(0);
  assert.equal(Array.from(colorJitter()(x, g).data), Array.from(x.data));
  const b = colorJitter({ brightness: [2, 2] })(x, g);
  assert.equal(Array.from(b.data).map((v) => +v.toFixed(6)), [0.4, 1, 0.8, 1, 1, 1]);
  const gray = [0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.5, 0.299 * 0.8 + 0.587 * 0.6 + 0.114 * 0.5];
  const mean = (gray[0] + gray[1]) / 2;
  const c = colorJitter({ contrast: [0, 0] })(x, g);
  assert.ok(Array.from(c.data).every((v) => Math.abs(v - mean) < 1e-6), 'contrast 0: the mean gray everywhere');
  const s = colorJitter({ saturation: [0, 0] })(x, g);
  assert.ok(Array.from(s.data).every((v, i) => Math.abs(v - gray[i % 2]) < 1e-6), 'saturation 0: the gray image');
  const one = new Tensor(Float32Array.from([0.2, 0.8]), [1, 1, 2]);
  assert.equal(Array.from(colorJitter({ saturation: [0, 0] })(one, g).data).map((v) => +v.toFixed(6)), [0.2, 0.8], 'no saturation on gray images');
  throwsWith(() => colorJitter({ brightness: -1 }), ArgumentError, 'colorJitter: brightness must be a non-negative number or [min, max], got -1');
  throwsWith(() => colorJitter({ hue: 0.1 } as object), ArgumentError, "colorJitter: unknown option 'hue' (known: brightness, contrast, saturation)");
});

test('normalize works per channel on one image [C, H, W] and on batches [B, C, H, W]', () => {
  const n = normalize([1, 2], [2, 4]);
  const img = new Tensor(Float32Array.from([3, 5, 6, 10]), [2, 1, 2]);
  assert.equal(Array.from(n(img).data), [1, 2, 1, 2]);
  const batch = new Tensor(Float32Array.from([3, 5, 6, 10, 1, 1, 2, 2]), [2, 2, 1, 2]);
  assert.equal(Array.from(n(batch).data), [1, 2, 1, 2, 0, 0, 0, 0]);
  throwsWith(() => n(image(3, 1, 1)), ShapeError, 'normalize: mean/std have 2 channel value(s) but x has shape [3, 1, 1] (channels are dimension 0 of an image [C, H, W], 1 of a batch [B, C] or [B, C, H, W])');
});

test('compose chains; withTransform + a seeded shuffling DataLoader reproduces every augmented batch', () => {
  const augment = compose([randomCrop(3, { padding: 1 }), randomHorizontalFlip(), normalize([0.5], [0.5])]);
  const images = arange(0, 8 * 16).reshape([8, 1, 4, 4]).div(128);
  const ds = new TensorDataset(images, tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: 'int32' }));
  const epoch = (seed: number) => {
    const loader = new DataLoader(withTransform(ds, augment, { seed }), { batchSize: 4, shuffle: true, seed: 1 });
    return [...loader].map((b) => [Array.from(b.x.data), Array.from(b.y.data)]);
  };
  const a = epoch(7);
  assert.equal(a.length, 2);
  assert.equal(a[0][0].length, 4 * 9);
  assert.equal(epoch(7), a, 'same seeds, same batches');
  assert.not.equal(epoch(8), a, 'another transform seed, other crops');
  const dict = withTransform({ length: 1, get: () => ({ x: image(1, 2, 2), y: 3 }) }, randomHorizontalFlip({ p: 1 }), { generator: new Generator(0) });
  assert.equal((dict.get(0) as { x: Tensor; y: number }).y, 3);
  throwsWith(() => withTransform(ds, augment, { seed: 1, generator: new Generator(1) }), ArgumentError, 'withTransform: give either seed or generator, not both');
  throwsWith(() => withTransform({ length: 1, get: () => [3, 4] }, augment).get(0), ArgumentError, "withTransform: sample 0's input is not a tensor");
  throwsWith(() => withTransform({ length: 1, get: () => 5 as never }, augment).get(0), ArgumentError, 'withTransform: sample 0 is neither [x, y] nor { x, y }');
  throwsWith(() => compose([5 as never]), ArgumentError, 'compose: expects an array of transforms');
});

test.run();
