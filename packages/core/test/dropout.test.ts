import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { randLeaf } from './gradcheck.js';

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

test.run();
