import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose, gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';
import { loadFixture, runFixture, withTensors } from './torch-fixtures.js';

runFixture('interpolate', (t, c) => sg.interpolate(t.x, withTensors<sg.InterpolateOptions>(c.options, {})));

interface NearestRow { in: number; size?: number; scaleFactor?: number; index: number[] }
interface BilinearRow { in: number; size?: number; scaleFactor?: number; alignCorners: boolean; out: number[] }

const sweep = loadFixture('interpolate_index') as unknown as { nearest: NearestRow[]; bilinear32: BilinearRow[] };

/** interpolate of the row 0, 1, ..., n−1 (shape [1, 1, 1, n]) along its width. */
function resampleRow(n: number, dtype: 'float32' | 'float64', r: { size?: number; scaleFactor?: number }, mode: sg.InterpolateMode, alignCorners?: boolean): sg.Tensor {
  const x = sg.arange(n, { dtype }).reshape([1, 1, 1, n]);
  const opts: sg.InterpolateOptions = r.size !== undefined ? { size: [1, r.size] } : { scaleFactor: [1, r.scaleFactor!] };
  return sg.interpolate(x, { ...opts, mode, ...(alignCorners === undefined ? {} : { alignCorners }) });
}

test(`nearest picks torch's source index for every size 1..9 → 1..13 and 14 scale factors, float32 and float64 (${sweep.nearest.length} rows)`, () => {
  for (const r of sweep.nearest) {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = resampleRow(r.in, dtype, r, 'nearest');
      assert.equal([...y.data], r.index, `in=${r.in} ${r.size !== undefined ? `size=${r.size}` : `scaleFactor=${r.scaleFactor}`} ${dtype}`);
    }
  }
});

test(`bilinear float32 equals torch's float32 kernel (rounding of coordinates included) on ${sweep.bilinear32.length} rows`, () => {
  for (const r of sweep.bilinear32) {
    const y = resampleRow(r.in, 'float32', r, 'bilinear', r.alignCorners);
    assertClose(y.data, r.out, 2e-6, 1e-6, `in=${r.in} ${JSON.stringify(r)}`);
  }
});

test('interpolate gradients (gradcheck, float64): nearest and bilinear, both alignCorners, up and down, scale pairs', () => {
  const cases: [number[], sg.InterpolateOptions][] = [
    [[1, 2, 4, 5], { size: [7, 3], mode: 'nearest' }],
    [[2, 1, 5, 4], { scaleFactor: [1.5, 0.6] }],
    [[1, 2, 4, 5], { size: [7, 3], mode: 'bilinear' }],
    [[1, 2, 4, 5], { size: [3, 8], mode: 'bilinear', alignCorners: true }],
    [[1, 1, 5, 5], { scaleFactor: 1.7, mode: 'bilinear' }],
    [[1, 1, 6, 6], { scaleFactor: 0.5, mode: 'bilinear', alignCorners: true }],
    [[1, 1, 3, 3], { size: 1, mode: 'bilinear', alignCorners: true }],
  ];
  cases.forEach(([shape, opts], k) => gradcheck((x) => sg.interpolate(x, opts), [randLeaf(shape, 40 + k)]));
});

test('corner and identity behaviour: alignCorners keeps the corners; equal sizes copy; scaleFactor 2 nearest repeats pixels', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]], { dtype: 'float64' });
  const y = sg.interpolate(x, { size: 3, mode: 'bilinear', alignCorners: true });
  assert.equal(y.toArray(), [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
  assert.equal(sg.interpolate(x, { scaleFactor: 2 }).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  assert.equal(x.interpolate({ size: [2, 2], mode: 'bilinear' }).toArray(), x.toArray());
  // Without alignCorners, 2 → 4 samples at −0.25 (clamped to 0), 0.25, 0.75, 1.25 (right neighbour clamped).
  assert.equal(sg.interpolate(sg.tensor([[[[0, 4]]]], { dtype: 'float64' }), { size: [1, 4], mode: 'bilinear' }).toArray(), [[[[0, 1, 3, 4]]]]);
});

test('scaleFactor uses the given scale, not the size ratio (PyTorch without recompute_scale_factor)', () => {
  // 5 · 1.3 → 6 outputs; the coordinate uses 1/1.3, not 5/6, so the last output samples 4.0 (nearest: 3 vs 4).
  const x = sg.arange(5, { dtype: 'float64' }).reshape([1, 1, 1, 5]);
  assert.equal([...sg.interpolate(x, { scaleFactor: [1, 1.3] }).data], [0, 0, 1, 2, 3, 3]);
  assert.equal([...sg.interpolate(x, { size: [1, 6] }).data], [0, 0, 1, 2, 3, 4]);
});

test('interpolate errors: options, sizes, modes, shapes', () => {
  const x = sg.ones([1, 2, 4, 4]);
  throwsWith(() => sg.interpolate(x, { size: 2, mode: 'nearest', alignCorners: false }), sg.ArgumentError,
    "interpolate: alignCorners can only be set with mode 'bilinear', got mode 'nearest' (input [1, 2, 4, 4])");
  throwsWith(() => sg.interpolate(x, { size: 2, alignCorners: true }), sg.ArgumentError,
    "interpolate: alignCorners can only be set with mode 'bilinear', got mode 'nearest' (input [1, 2, 4, 4])");
  throwsWith(() => sg.interpolate(x, { size: 2, scaleFactor: 2 }), sg.ArgumentError, 'interpolate: give exactly one of size and scaleFactor, got both (input [1, 2, 4, 4])');
  throwsWith(() => sg.interpolate(x, {}), sg.ArgumentError, 'interpolate: give exactly one of size and scaleFactor, got neither (input [1, 2, 4, 4])');
  throwsWith(() => sg.interpolate(x, { size: 2, mode: 'bicubic' as 'nearest' }), sg.ArgumentError, "interpolate: mode must be 'nearest' or 'bilinear', got 'bicubic'");
  throwsWith(() => sg.interpolate(x, { size: 2, scale_factor: 2 } as sg.InterpolateOptions), sg.ArgumentError,
    "interpolate: unknown option 'scale_factor' (known: size, scaleFactor, mode, alignCorners)");
  throwsWith(() => sg.interpolate(x, { size: [2, 0] }), sg.ArgumentError, 'interpolate: size must be a positive integer or a pair of them, got [2, 0] (input [1, 2, 4, 4])');
  throwsWith(() => sg.interpolate(x, { scaleFactor: [2, -1] }), sg.ArgumentError, 'interpolate: scaleFactor must be >= 0, got -1 (input [1, 2, 4, 4])');
  throwsWith(() => sg.interpolate(x, { scaleFactor: [2, 2, 2] as unknown as number }), sg.ArgumentError,
    'interpolate: scaleFactor must be a positive number or a pair of them, got [2, 2, 2] (input [1, 2, 4, 4])');
  throwsWith(() => sg.interpolate(x, { scaleFactor: 0.2 }), sg.ShapeError, 'interpolate: output size would be [0, 0]: scaleFactor 0.2 shrinks the input [1, 2, 4, 4] below one pixel');
  throwsWith(() => sg.interpolate(x, { size: 2, mode: 'bilinear', alignCorners: 1 as unknown as boolean }), sg.ArgumentError, 'interpolate: alignCorners must be true or false, got 1');
  throwsWith(() => sg.interpolate(sg.ones([2, 4, 4]), { size: 2 }), sg.ShapeError,
    'interpolate: input must be 4-D [N, C, H, W], got [2, 4, 4] (unsqueeze an unbatched [C, H, W] image first)');
  throwsWith(() => sg.interpolate(sg.ones([4, 4]), { size: 2 }), sg.ShapeError, 'interpolate: input must be 4-D [N, C, H, W], got [4, 4]');
  throwsWith(() => sg.interpolate(sg.ones([1, 1, 0, 4]), { size: 2 }), sg.ShapeError, 'interpolate: input must have non-empty spatial dimensions, got [1, 1, 0, 4]');
  throwsWith(() => sg.interpolate(sg.ones([1, 1, 2, 2], { dtype: 'int32' }), { size: 2 }), sg.DTypeError, 'interpolate: input must be float32 or float64, got int32 (shape [1, 1, 2, 2])');
});

test.run();
