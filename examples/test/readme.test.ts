/**
 * The README's `ts` blocks are real, runnable usage: each one is written to a scratch module next to
 * this file (so that `@simplegrad/*` resolves as it does for users of the workspace) and imported.
 * Whatever a block prints is captured and checked for the values the README's comments promise.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);

/** Runs a block as an ES module and returns what it logged. */
async function run(source: string, name: string): Promise<string> {
  const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, source);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')); };
  try {
    await import(pathToFileURL(file).href);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}

test('the README has the tour, model, data, training and tidy blocks', () => {
  assert.is(blocks.length, 5);
});

test('README block 1 (core tour) runs and prints what its comments say', async () => {
  const out = await run(blocks[0], 'tour');
  assert.match(out, '[16,3,3,3]');
  assert.match(out, '[3,12,27] [1,3]');
  assert.match(out, 'conv2d: input has 1 channel but weight expects 3 (input [1, 1, 28, 28], weight [16, 3, 3, 3])');
});

test('README block 2 (model, optimizer, safetensors) runs', async () => {
  const out = await run(blocks[1], 'model');
  assert.match(out, 'conv1.weight [32,1,3,3]');
  assert.match(out, 'fc.weight [10,5408]');
});

test('README block 3 (MNIST data loader) runs', async () => {
  const out = await run(blocks[2], 'data');
  assert.match(out, '[256,1,28,28] [256]');
});

test('README block 4 (fit with augmentation, validation and early stopping) runs', async () => {
  const out = await run(blocks[3], 'fit');
  assert.match(out, '2 completed');
  assert.match(out, 'true');
});

test('README block 5 (a training loop in tidy) runs: losses fall, a released tensor throws', async () => {
  const out = (await run(blocks[4], 'tidy')).split('\n');
  assert.is(out.length, 4);
  const losses = out.slice(0, 3).map(Number);
  assert.ok(losses[1] < losses[0] && losses[2] < losses[1], `losses ${losses}`);
  assert.is(out[0], '1.0769', 'the README comment\'s first loss');
  assert.is(out[3], 'ReleasedError');
});

test.run();
