/**
 * DataLoader state dicts: stopping mid-epoch, saving through JSON and resuming in a fresh loader
 * gives the same batches as never stopping (shuffled with the global generator or the loader's
 * own), and malformed states are refused before anything changes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { DataLoader, TensorDataset, type DataLoaderOptions, type DataLoaderState } from '../src/index.js';
import { throwsWith } from './throws.js';

const ds = new TensorDataset(sg.arange(10).reshape([10, 1]), sg.arange(10, undefined, 1, { dtype: 'int32' }));

/** The y values of `batches` batches, epoch after epoch, from `loader`'s next iteration on. */
function take(loader: DataLoader, batches: number): number[][] {
  const out: number[][] = [];
  while (out.length < batches) {
    for (const { y } of loader) {
      out.push(Array.from(y.data));
      if (out.length === batches) break;
    }
  }
  return out;
}

const cases: Array<[string, () => DataLoaderOptions]> = [
  ['shuffle with the global generator', () => ({ batchSize: 3, shuffle: true })],
  ['shuffle with its own seed', () => ({ batchSize: 3, shuffle: true, seed: 4 })],
  ['shuffle with a given generator, dropLast', () => ({ batchSize: 3, shuffle: true, dropLast: true, generator: new sg.Generator(9) })],
  ['no shuffle', () => ({ batchSize: 4 })],
];

for (const [name, options] of cases) {
  test(`${name}: stop after 5 batches, save through JSON, resume in a new loader = the same batches as never stopping`, () => {
    sg.manualSeed(1);
    const expected = take(new DataLoader(ds, options()), 12);
    sg.manualSeed(1);
    const first = new DataLoader(ds, options());
    const head = take(first, 5);
    const saved = JSON.stringify(first.stateDict());
    const globalState = sg.defaultGenerator().getState();
    sg.manualSeed(77); // the rest of the run would restore the global generator from the checkpoint
    const second = new DataLoader(ds, options());
    second.loadStateDict(JSON.parse(saved) as DataLoaderState);
    sg.defaultGenerator().setState(globalState);
    assert.equal([...head, ...take(second, 7)], expected);
  });
}

test('a state taken at the end of an epoch starts the next epoch; a fresh loader\'s state is a no-op', () => {
  const a = new DataLoader(ds, { batchSize: 5, seed: 2, shuffle: true });
  take(a, 2);
  assert.equal(a.stateDict(), { ...a.stateDict(), epoch: 1, batchesInEpoch: 2 });
  const b = new DataLoader(ds, { batchSize: 5, seed: 2, shuffle: true });
  b.loadStateDict(a.stateDict());
  const c = new DataLoader(ds, { batchSize: 5, seed: 2, shuffle: true });
  take(c, 2);
  assert.equal(take(b, 2), take(c, 2));
  const fresh = new DataLoader(ds, { batchSize: 5 });
  const d = new DataLoader(ds, { batchSize: 5 });
  d.loadStateDict(fresh.stateDict());
  assert.equal(take(d, 1), [[0, 1, 2, 3, 4]]);
});

test('loadStateDict refuses states that do not fit, and changes nothing', () => {
  const loader = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 });
  take(loader, 2);
  const good = loader.stateDict();
  const target = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 });
  const before = JSON.stringify(target.stateDict());
  const op = 'DataLoader.loadStateDict';
  const cases: Array<[unknown, string]> = [
    [null, `${op}: options must be an object such as { epoch: ... }, got null`],
    [{ ...good, extra: 1 }, `${op}: unknown option 'extra' (known: epoch, batchesInEpoch, orderState, generator, length, batchSize, shuffle, dropLast)`],
    [{ ...good, batchSize: 4 }, `${op}: the saved loader has batchSize 4 but this one has 3`],
    [{ ...good, length: 11 }, `${op}: the saved loader has length 11 but this one has 10`],
    [{ ...good, shuffle: false }, `${op}: the saved loader has shuffle false but this one has true`],
    [{ ...good, epoch: -1 }, `${op}: epoch must be an integer >= 0, got -1`],
    [{ ...good, batchesInEpoch: 1.5 }, `${op}: batchesInEpoch must be an integer >= 0, got 1.5`],
    [{ ...good, batchesInEpoch: 5 }, `${op}: batchesInEpoch must be at most the 4 batches of an epoch, got 5`],
    [{ ...good, orderState: null }, `${op}: orderState is null but the loader shuffles and an epoch has started`],
    [{ ...good, orderState: { alea: { c: 1 }, spare: null } }, `${op}: orderState must be a generator state { alea: { c, s0, s1, s2 }, spare } as Generator.getState() returns, got object`],
    [{ ...good, generator: null }, `${op}: the saved loader used the global generator but this one has its own (seed or generator option)`],
  ];
  for (const [state, message] of cases) {
    throwsWith(() => target.loadStateDict(state as DataLoaderState), sg.ArgumentError, message);
    assert.is(JSON.stringify(target.stateDict()), before, message);
  }
  const global = new DataLoader(ds, { batchSize: 3, shuffle: true });
  throwsWith(() => global.loadStateDict(good), sg.ArgumentError, `${op}: the saved loader had its own generator (seed or generator option) but this one uses the global one`);
  throwsWith(() => global.loadStateDict({ ...good, generator: null, orderState: { alea: { c: 1, s0: 0.5, s1: 0.5, s2: 0.5 }, spare: 'x' } } as never), sg.ArgumentError,
    `${op}: orderState must be a generator state { alea: { c, s0, s1, s2 }, spare } as Generator.getState() returns, got object`);
  throwsWith(() => global.loadStateDict({ ...good, generator: null, orderState: { alea: null, spare: null } } as never), sg.ArgumentError, 'orderState must be a generator state');
  throwsWith(() => global.loadStateDict({ ...good, generator: null, orderState: 3 } as never), sg.ArgumentError, 'orderState must be a generator state', 'got 3');
});

test.run();
