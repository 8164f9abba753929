import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { gradcheck, randLeaf } from './gradcheck.js';
import { throwsWith } from './throws.js';

test('dropout p=0.25 on [200, 50]: kept entries are scaled by 4/3, about 25 % are zero, the mean is kept', () => {
  const y = sg.dropout(sg.ones([200, 50]), 0.25, { generator: new sg.Generator(1) });
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 4 / 3) < 1e-6, `value ${v}`);
  }
  assert.ok(Math.abs(zeros / y.size - 0.25) < 0.02, `zero fraction ${zeros / y.size}`);
  assert.ok(Math.abs(y.mean().item() - 1) < 0.03);
});

test('dropout is seeded: the same generator seed gives the same mask; the global seed too', () => {
  const x = sg.ones([64]);
  const a = sg.dropout(x, 0.5, { generator: new sg.Generator(9) });
  const b = sg.dropout(x, 0.5, { generator: new sg.Generator(9) });
  assert.equal(Array.from(a.data), Array.from(b.data));
  sg.manualSeed(3);
  const c = sg.dropout(x, 0.5);
  sg.manualSeed(3);
  assert.equal(Array.from(sg.dropout(x, 0.5).data), Array.from(c.data));
});

test('dropout gradient is the same scaled mask; identity in eval and for p=0; p=1 gives zeros', () => {
  const x = randLeaf([30], 2);
  const y = sg.dropout(x, 0.4, { generator: new sg.Generator(4) });
  y.sum().backward();
  for (let i = 0; i < x.size; i++) {
    const mask = y.data[i] / x.data[i];
    assert.ok(Math.abs(x.grad!.data[i] - mask) < 1e-12);
  }
  assert.is(sg.dropout(x, 0.4, { training: false }), x);
  assert.is(sg.dropout(x, 0), x);
  const z = sg.dropout(x, 1);
  assert.ok(Array.from(z.data).every((v) => v === 0));
});

test('dropout errors: p outside [0, 1] and integer input', () => {
  assert.throws(() => sg.dropout(sg.ones([2]), 1.5), (e: Error) => e instanceof sg.ArgumentError && /dropout: p must be a probability in \[0, 1\], got 1.5/.test(e.message));
  assert.throws(() => sg.dropout(sg.ones([2], { dtype: 'int32' }), 0.5), /dropout: x must be float32 or float64, got int32 \(shape \[2\]\)/);
});

test('dropout2d zeroes whole channels (about p of them) and scales the rest by 1/(1-p); [C, H, W] too', () => {
  const y = sg.dropout2d(sg.ones([8, 50, 3, 4]), 0.3, { generator: new sg.Generator(5) });
  let dropped = 0;
  for (let ch = 0; ch < 400; ch++) {
    const plane = Array.from(y.data.subarray(ch * 12, (ch + 1) * 12));
    const v = plane[0];
    assert.ok(plane.every((p) => p === v), `channel ${ch} is not constant`);
    if (v === 0) dropped++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `value ${v}`);
  }
  assert.ok(Math.abs(dropped / 400 - 0.3) < 0.06, `dropped fraction ${dropped / 400}`);
  const z = sg.ones([6, 2, 2]).dropout2d(0.5, { generator: new sg.Generator(2) });
  for (let ch = 0; ch < 6; ch++) assert.ok(new Set(z.data.subarray(ch * 4, ch * 4 + 4)).size === 1);
});

test('dropout2d: seeded masks reproduce, one draw per channel; the gradient is the same mask (gradcheck); identity in eval', () => {
  const x = randLeaf([2, 3, 4, 4], 6);
  const a = sg.dropout2d(x, 0.5, { generator: new sg.Generator(9) });
  const b = sg.dropout2d(x, 0.5, { generator: new sg.Generator(9) });
  assert.equal(Array.from(a.data), Array.from(b.data));
  // The mask uses 6 draws: a generator that made them continues exactly where dropout on 6 elements would.
  const g1 = new sg.Generator(4);
  const g2 = new sg.Generator(4);
  sg.dropout2d(x, 0.5, { generator: g1 });
  sg.dropout(sg.ones([6]), 0.5, { generator: g2 });
  assert.is(g1.random(), g2.random());
  gradcheck((t) => sg.dropout2d(t, 0.4, { generator: new sg.Generator(3) }), [randLeaf([2, 3, 2, 2], 7)]);
  assert.is(sg.dropout2d(x, 0.5, { training: false }), x);
  assert.is(sg.dropout2d(x, 0), x);
  assert.ok(Array.from(sg.dropout2d(x, 1).data).every((v) => v === 0));
});

test('dropout/dropout2d errors: p, shapes, dtype; options are strict', () => {
  throwsWith(() => sg.dropout2d(sg.ones([2, 3]), 0.5), sg.ShapeError, 'dropout2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got [2, 3]');
  throwsWith(() => sg.dropout2d(sg.ones([1, 2, 2]), -0.1), sg.ArgumentError, 'dropout2d: p must be a probability in [0, 1], got -0.1');
  throwsWith(() => sg.dropout2d(sg.ones([1, 2, 2], { dtype: 'int32' }), 0.5), sg.DTypeError, 'dropout2d: x must be float32 or float64, got int32 (shape [1, 2, 2])');
  throwsWith(() => sg.dropout(sg.ones([2]), 0.5, { train: false } as sg.DropoutOptions), sg.ArgumentError, "dropout: unknown option 'train' (known: training, generator)");
  throwsWith(() => sg.dropout2d(sg.ones([1, 2, 2]), 0.5, { inplace: true } as sg.DropoutOptions), sg.ArgumentError, "dropout2d: unknown option 'inplace' (known: training, generator)");
  throwsWith(() => sg.dropout(sg.ones([2]), 0.5, { training: 'no' as unknown as boolean }), sg.ArgumentError, "dropout: training must be true or false, got 'no'");
});

test.run();
