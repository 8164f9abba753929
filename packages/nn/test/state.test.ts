/**
 * State dicts: what stateDict() holds, and loadStateDict's strict / non-strict reporting of
 * missing, unexpected and mis-shaped keys (all at once, before anything is copied).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { BatchNorm2d, Conv2d, Linear, Module, Sequential, StateDictError } from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

class Small extends Module {
  conv = new Conv2d(1, 2, 3);
  bn = new BatchNorm2d(2);
  fc = new Linear(2, 3);
  forward(x: sg.Tensor): sg.Tensor { return this.fc.forward(sg.flatten(sg.mean(this.bn.forward(this.conv.forward(x)), [2, 3]), 1)); }
}

const keysOf = (m: Module): string[] => [...m.stateDict().keys()];

test('stateDict holds parameters and persistent buffers under dotted names, sharing memory, cut from the graph', () => {
  const m = new Small();
  const sd = m.stateDict();
  assert.equal([...sd.keys()], [
    'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked', 'fc.weight', 'fc.bias',
  ]);
  assert.is(sd.get('conv.weight')!.data, m.conv.weight.data, 'shares memory, as PyTorch\'s state_dict does');
  assert.is(sd.get('conv.weight')!.requiresGrad, false);
  assert.is(sd.get('bn.num_batches_tracked')!.dtype, 'int32');
});

test('loadStateDict copies values in place (the Parameter objects an optimizer holds stay valid) and converts dtypes', () => {
  const src = new Small();
  const dst = new Small();
  const weight = dst.fc.weight;
  const sd64 = new Map([...src.stateDict()].map(([k, t]) => [k, t.dtype === 'int32' ? t : t.to('float64')]));
  sd64.set('bn.num_batches_tracked', sg.tensor(5, { dtype: 'int32' }));
  const result = dst.loadStateDict(sd64);
  assert.equal(result, { missingKeys: [], unexpectedKeys: [] });
  assert.is(dst.fc.weight, weight);
  assert.is(dst.fc.weight.dtype, 'float32');
  assert.equal([...dst.fc.weight.data], [...src.fc.weight.data]);
  assert.is(dst.bn.numBatchesTracked!.item(), 5);
  assert.ok(dst.fc.weight.data !== src.fc.weight.data, 'copied, not aliased');
});

test('loadStateDict accepts a plain object of tensors', () => {
  const lin = new Linear(2, 1);
  lin.loadStateDict({ weight: sg.tensor([[3, 4]]), bias: sg.tensor([5]) });
  assert.equal([...lin.weight.data, ...lin.bias!.data], [3, 4, 5]);
});

test('strict loading reports every missing, unexpected and mis-shaped key in one error, and copies nothing', () => {
  const m = new Small();
  const before = [...m.fc.bias!.data];
  const sd = m.stateDict();
  const bad = new Map(sd);
  bad.delete('bn.running_var');
  bad.delete('conv.bias');
  bad.set('fc.weight', sg.zeros([3, 4]));
  bad.set('conv.weight', sg.zeros([2, 1, 5, 5]));
  bad.set('extra.weight', sg.zeros([1]));
  bad.set('bn.scale', sg.zeros([1]));
  bad.set('fc.bias', sg.full([3], 9));
  let err: StateDictError | undefined;
  try {
    m.loadStateDict(bad);
  } catch (e) {
    err = e as StateDictError;
  }
  assert.instance(err, StateDictError);
  assert.is(err!.message, [
    'loadStateDict: error(s) in loading the state dict for Small:',
    '  missing keys: "conv.bias", "bn.running_var"',
    '  unexpected keys: "extra.weight", "bn.scale"',
    '  size mismatch for "conv.weight": the checkpoint has shape [2, 1, 5, 5], the model has shape [2, 1, 3, 3]',
    '  size mismatch for "fc.weight": the checkpoint has shape [3, 4], the model has shape [3, 2]',
  ].join('\n'));
  assert.equal(err!.missingKeys, ['conv.bias', 'bn.running_var']);
  assert.equal(err!.unexpectedKeys, ['extra.weight', 'bn.scale']);
  assert.equal(err!.shapeMismatches, [
    { key: 'conv.weight', expected: [2, 1, 3, 3], got: [2, 1, 5, 5] },
    { key: 'fc.weight', expected: [3, 2], got: [3, 4] },
  ]);
  assert.is(err!.op, 'loadStateDict');
  assert.equal([...m.fc.bias!.data], before, 'nothing was copied');
});

test('non-strict loading loads what matches and returns the missing and unexpected keys', () => {
  const m = new Small();
  const partial = new Map<string, sg.Tensor>([['fc.bias', sg.tensor([1, 2, 3])], ['head.weight', sg.zeros([1])]]);
  const result = m.loadStateDict(partial, { strict: false });
  assert.equal(result.unexpectedKeys, ['head.weight']);
  assert.equal(result.missingKeys, keysOf(m).filter((k) => k !== 'fc.bias'));
  assert.equal([...m.fc.bias!.data], [1, 2, 3]);
});

test('a shape mismatch is an error even when not strict, and the message then lists only the mismatch', () => {
  const lin = new Linear(2, 2);
  throwsWith(() => lin.loadStateDict({ weight: sg.zeros([2]), other: sg.zeros([1]) }, { strict: false }), StateDictError,
    'loadStateDict: error(s) in loading the state dict for Linear:\n  size mismatch for "weight": the checkpoint has shape [2], the model has shape [2, 2]');
});

test('loading a value that is not a Tensor names the key', () => {
  const lin = new Linear(2, 2);
  throwsWith(() => lin.loadStateDict({ weight: [[1, 2], [3, 4]] as unknown as sg.Tensor, bias: sg.zeros([2]) }), sg.ArgumentError,
    'loadStateDict: the value for "weight" is not a Tensor (got object)');
  throwsWith(() => lin.loadStateDict(new Map([['weight', null as unknown as sg.Tensor]])), sg.ArgumentError,
    'loadStateDict: the value for "weight" is not a Tensor (got null)');
});

test('a state dict round trips between two architectures with the same names, and onto a copy of itself', () => {
  sg.manualSeed(1);
  const a = new Sequential(new Linear(3, 4), new Linear(4, 2));
  const b = new Sequential(new Linear(3, 4), new Linear(4, 2));
  b.loadStateDict(a.stateDict());
  const x = sg.normal([5, 3]);
  assert.equal([...b.forward(x).data], [...a.forward(x).data]);
  a.loadStateDict(a.stateDict());
  assert.equal([...b.forward(x).data], [...a.forward(x).data]);
});

test('loadStateDict validates before copying: undefined values, int32 range, non-dicts, strict options', () => {
  const m = new Small();
  const good = m.stateDict();
  const before = [...m.stateDict().values()].map((t) => Array.from(t.data));
  const unchanged = (what: string): void => assert.equal([...m.stateDict().values()].map((t) => Array.from(t.data)), before, `${what}: nothing copied`);
  // A key present with the value undefined is a broken value, not a missing key (strict or not).
  const partial = new Map([...good].map(([k, t]) => [k, k === 'fc.bias' ? undefined : sg.onesLike(t)] as [string, sg.Tensor]));
  throwsWith(() => m.loadStateDict(partial), sg.ArgumentError, 'loadStateDict: the value for "fc.bias" is not a Tensor (got undefined)');
  throwsWith(() => m.loadStateDict(partial, { strict: false }), sg.ArgumentError, 'loadStateDict: the value for "fc.bias" is not a Tensor (got undefined)');
  unchanged('undefined value');
  // 3e9 would wrap to a negative int32 count, NaN would become 0.
  for (const [v, shown] of [[3e9, '3000000000'], [NaN, 'NaN'], [1.5, '1.5']] as const) {
    const sd = new Map(good);
    sd.set('bn.num_batches_tracked', sg.tensor(v, { dtype: 'float64' }));
    sd.set('fc.bias', sg.onesLike(good.get('fc.bias')!));
    throwsWith(() => m.loadStateDict(sd), sg.ArgumentError,
      `loadStateDict: the value for "bn.num_batches_tracked" (shape []) must hold integers in the int32 range for this int32 buffer, but element 0 is ${shown}`);
    unchanged(`num_batches_tracked ${shown}`);
  }
  const ok = new Map(good);
  ok.set('bn.num_batches_tracked', sg.tensor(2147483647, { dtype: 'float64' }));
  m.loadStateDict(ok);
  assert.is(m.bn.numBatchesTracked!.item(), 2147483647);
  for (const [bad, shown] of [[null, 'null'], [undefined, 'undefined'], [[1], '[1]'], [sg.zeros([1]), 'a tensor of shape [1]'], [5, '5']] as const) {
    throwsWith(() => m.loadStateDict(bad as never), sg.ArgumentError, `loadStateDict: expects a state dict (a Map or an object of tensors by key), got ${shown}`);
  }
  throwsWith(() => m.loadStateDict(good, { strict: 0 as never }), sg.ArgumentError, 'loadStateDict: strict must be true or false, got 0');
  throwsWith(() => m.loadStateDict(good, { stric: false } as never), sg.ArgumentError, "loadStateDict: unknown option 'stric' (known: strict)");
  throwsWith(() => m.loadStateDict(good, null as never), sg.ArgumentError, 'loadStateDict: options must be an object such as { strict: ... }, got null');
});

test('loadStateDict bumps the version of every tensor it writes, so a graph built before refuses to backward', () => {
  const lin = new Linear(2, 1);
  const v = lin.weight.version;
  const loss = lin.forward(sg.ones([1, 2])).sum();
  lin.loadStateDict(lin.stateDict());
  assert.is(lin.weight.version, v + 1);
  assert.throws(() => loss.backward(), (e: Error) => e instanceof sg.AutogradError && /modified in place/.test(e.message));
});

test.run();
