// The ≤ 50-line MNIST job runs, reduced to 3 000 training images, and must clear an accuracy floor
// (it reaches 91.3 % on all 10 000 test images; a broken layer, loss or optimizer gives far less).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { beautifulMnist } from '../src/beautiful-mnist.js';

test('beautiful-mnist.ts is at most 50 lines', () => {
  const lines = readFileSync(new URL('../src/beautiful-mnist.ts', import.meta.url), 'utf8').trimEnd().split('\n');
  assert.ok(lines.length <= 50, `${lines.length} lines`);
});

test('beautiful-mnist on 3000 images, one epoch: test accuracy above 88 %', async () => {
  const accuracy = await beautifulMnist({ limit: 3000, quiet: true });
  assert.ok(accuracy > 0.88, `test accuracy ${accuracy}`);
});

test.run();
