/**
 * Layer behaviour beyond the PyTorch fixtures: argument and input errors (typed, with the layer,
 * the argument and the shapes), Dropout's scaling and seeding, BatchNorm's buffers and modes, the
 * loss modules' buffers, settings shown by toString, and the summary table.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import {
  AvgPool2d, BCEWithLogitsLoss, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, ELU, Flatten, GELU, Identity, L1Loss,
  LeakyReLU, Linear, LogSoftmax, MSELoss, MaxPool2d, Module, NLLLoss, ReLU, ReLU6, Sequential, Softmax, summary, withEvalMode,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';
import { runPair } from '../src/layers/fusion.js';

const { ArgumentError, ShapeError, DTypeError } = sg;

// ---- Linear and Conv2d -----------------------------------------------------------------------------

test('Linear: constructor and input errors name the layer, the argument and both shapes', () => {
  throwsWith(() => new Linear(0, 2), ArgumentError, 'Linear: inFeatures must be a positive integer, got 0');
  throwsWith(() => new Linear(2, 1.5), ArgumentError, 'Linear: outFeatures must be a positive integer, got 1.5');
  const lin = new Linear(4, 2);
  throwsWith(() => lin.forward(sg.zeros([2, 3])), ShapeError, 'Linear: input has 3 features but the layer expects 4 (input [2, 3], weight [2, 4])');
  throwsWith(() => lin.forward(sg.tensor(1)), ShapeError, 'Linear: expected an input [..., 4], got a scalar');
  throwsWith(() => lin.forward(sg.zeros([2, 4], { dtype: 'int32' })), DTypeError, 'Linear: input must be float32 or float64, got int32 (shape [2, 4])');
  const noBias = new Linear(4, 2, { bias: false });
  assert.is(noBias.bias, null);
  assert.equal(noBias.namedParameters().map(([n]) => n), ['weight']);
  assert.equal(noBias.forward(sg.ones([3, 4])).shape, [3, 2]);
});

test('Conv2d: padding spellings resolve to [top, bottom, left, right]', () => {
  assert.equal(new Conv2d(1, 1, 3).padding, [0, 0, 0, 0]);
  assert.equal(new Conv2d(1, 1, 3, { padding: 2 }).padding, [2, 2, 2, 2]);
  assert.equal(new Conv2d(1, 1, 3, { padding: [1, 2] }).padding, [1, 1, 2, 2]);
  assert.equal(new Conv2d(1, 1, 3, { padding: [1, 0, 2, 1] }).padding, [1, 0, 2, 1]);
  assert.equal(new Conv2d(1, 1, [4, 3], { padding: 'same' }).padding, [1, 2, 1, 1]);
  assert.equal(new Conv2d(1, 1, 3, { padding: 'valid' }).padding, [0, 0, 0, 0]);
  const asym = new Conv2d(1, 2, 3, { padding: [1, 0, 2, 1] });
  assert.equal(asym.forward(sg.zeros([1, 1, 5, 5])).shape, [1, 2, 4, 6]);
});

test('Conv2d: argument errors', () => {
  throwsWith(() => new Conv2d(0, 1, 3), ArgumentError, 'Conv2d: inChannels must be a positive integer, got 0');
  throwsWith(() => new Conv2d(1, 1, 0), ArgumentError, 'Conv2d: kernelSize must be a positive integer or a pair of them, got 0');
  throwsWith(() => new Conv2d(1, 1, [3, 3, 3] as unknown as number), ArgumentError, 'Conv2d: kernelSize must be a positive integer or a pair of them, got [3, 3, 3]');
  throwsWith(() => new Conv2d(1, 1, 3, { stride: 0 }), ArgumentError, 'Conv2d: stride must be a positive integer or a pair of them, got 0');
  throwsWith(() => new Conv2d(1, 1, 3, { padding: -1 }), ArgumentError, 'Conv2d: padding must be a non-negative integer or a pair of them, got -1');
  throwsWith(() => new Conv2d(1, 1, 3, { padding: [1, -1, 0, 0] }), ArgumentError, 'Conv2d: padding must hold non-negative integers, got [1,-1,0,0]');
  throwsWith(() => new Conv2d(1, 1, 3, { padding: 'same', stride: 2 }), ArgumentError, 'Conv2d: padding \'same\' needs stride 1, got stride [2, 2]');
  throwsWith(() => new Conv2d(1, 1, 3, { padMode: 'mirror' as 'reflect' }), ArgumentError,
    'Conv2d: unknown padMode "mirror"; expected \'zeros\' (or \'constant\'), \'reflect\', \'replicate\', \'circular\' or \'symmetric\' (or NumPy\'s \'edge\', \'wrap\')');
});

test('Conv2d: input errors name the layer and both shapes', () => {
  const conv = new Conv2d(3, 4, 3);
  throwsWith(() => conv.forward(sg.zeros([1, 1, 5, 5])), ShapeError, 'Conv2d: input has 1 channel but the layer expects 3 (input [1, 1, 5, 5], weight [4, 3, 3, 3])');
  throwsWith(() => conv.forward(sg.zeros([2, 5, 5])), ShapeError, 'Conv2d: input has 2 channels but the layer expects 3 (input [2, 5, 5], weight [4, 3, 3, 3])');
  throwsWith(() => conv.forward(sg.zeros([5, 5])), ShapeError, 'Conv2d: expected a 3-D or 4-D input [N, C, H, W] or [C, H, W], got shape [5, 5]');
  throwsWith(() => conv.forward(sg.zeros([1, 3, 5, 5], { dtype: 'int32' })), DTypeError, 'Conv2d: input must be float32 or float64, got int32 (shape [1, 3, 5, 5])');
});

test('Conv2d: NumPy\'s pad-mode names and the padValue option reach core\'s conv2d', () => {
  sg.manualSeed(4);
  const x = sg.normal([1, 2, 5, 5]);
  const edge = new Conv2d(2, 3, 3, { padding: 1, padMode: 'edge' });
  const replicate = new Conv2d(2, 3, 3, { padding: 1, padMode: 'replicate' });
  replicate.loadStateDict(edge.stateDict());
  assert.equal([...edge.forward(x).data], [...replicate.forward(x).data]);
  const filled = new Conv2d(2, 3, 3, { padding: [1, 2], padValue: 1.5, bias: false });
  const want = sg.conv2d(x, filled.weight, { padding: [1, 2], padValue: 1.5 });
  assert.equal([...filled.forward(x).data], [...want.data]);
  assert.is(String(filled), 'Conv2d(2, 3, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1, 2, 2], bias=false)');
});

// ---- pooling, activations, utility layers ------------------------------------------------------------

test('pooling layers: argument and input errors, defaults, and their settings', () => {
  throwsWith(() => new MaxPool2d(0), ArgumentError, 'MaxPool2d: kernelSize must be a positive integer or a pair of them, got 0');
  throwsWith(() => new AvgPool2d(2, { padding: -1 }), ArgumentError, 'AvgPool2d: padding must be a non-negative integer or a pair of them, got -1');
  throwsWith(() => new MaxPool2d(2).forward(sg.zeros([4, 4])), ShapeError, 'MaxPool2d: expected a 3-D or 4-D input [N, C, H, W] or [C, H, W], got shape [4, 4]');
  throwsWith(() => new AvgPool2d(2).forward(sg.zeros([1, 1, 4, 4], { dtype: 'int32' })), DTypeError, 'AvgPool2d: input must be float32 or float64, got int32 (shape [1, 1, 4, 4])');
  const pool = new MaxPool2d([2, 3]);
  assert.equal(pool.stride, [2, 3], 'stride defaults to the kernel size');
  assert.is(String(pool), 'MaxPool2d(kernelSize=[2, 3], stride=[2, 3], padding=[0, 0])');
  assert.is(String(new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })), 'AvgPool2d(kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], countIncludePad=false)');
  assert.equal(new AvgPool2d(2).forward(sg.ones([2, 1, 4, 6])).shape, [2, 1, 2, 3]);
});

test('activation modules show their settings and default to PyTorch\'s values', () => {
  assert.is(new LeakyReLU().negativeSlope, 0.01);
  assert.is(String(new LeakyReLU({ negativeSlope: 0.2 })), 'LeakyReLU(negativeSlope=0.2)');
  assert.is(String(new GELU()), 'GELU(approximate=none)');
  assert.is(String(new ELU()), 'ELU(alpha=1)');
  assert.is(String(new Softmax()), 'Softmax(dim=-1)');
  assert.is(String(new LogSoftmax(1)), 'LogSoftmax(dim=1)');
  assert.is(String(new ReLU()), 'ReLU()');
  const rows = new Softmax().forward(sg.tensor([[1, 2, 3], [0, 0, 0]]));
  assert.ok(Math.abs((rows.sum(1).data[0]) - 1) < 1e-6);
  assert.is(String(new Flatten()), 'Flatten(startDim=1, endDim=-1)');
  const x = sg.ones([2, 3]);
  assert.is(new Identity().forward(x), x);
});

// ---- Dropout -----------------------------------------------------------------------------------------

test('Dropout in training zeroes about p of the entries and scales the rest by 1 / (1 − p) (inverted)', () => {
  const drop = new Dropout(0.3, { generator: new sg.Generator(11) });
  const y = drop.forward(sg.ones([200, 100]));
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `kept value ${v}`);
  }
  const n = y.size;
  assert.ok(Math.abs(zeros / n - 0.3) < 5 * Math.sqrt(0.3 * 0.7 / n), `dropped fraction ${zeros / n}`);
  const mean = y.mean().item();
  assert.ok(Math.abs(mean - 1) < 0.02, `mean ${mean} stays about 1`);
});

test('Dropout is the identity in eval mode, and for p = 0; p = 1 zeroes everything', () => {
  const x = sg.normal([3, 4]);
  const drop = new Dropout(0.5);
  assert.is(drop.eval().forward(x), x);
  assert.is(new Dropout(0).forward(x), x);
  assert.ok([...new Dropout(1).forward(x).data].every((v) => v === 0));
  assert.is(String(new Dropout()), 'Dropout(p=0.5)');
});

test('Dropout masks are seeded: the same generator seed (or manualSeed) gives the same mask; the gradient uses it', () => {
  const x = sg.ones([50], { requiresGrad: true });
  const a = new Dropout(0.5, { generator: new sg.Generator(3) }).forward(x);
  const b = new Dropout(0.5, { generator: new sg.Generator(3) }).forward(x);
  assert.equal([...a.data], [...b.data]);
  sg.manualSeed(8);
  const c = new Dropout(0.5).forward(x);
  sg.manualSeed(8);
  const d = new Dropout(0.5).forward(x);
  assert.equal([...c.data], [...d.data]);
  assert.not.equal([...a.data], [...c.data]);
  a.sum().backward();
  assert.equal([...x.grad!.data], [...a.data], 'd(sum)/dx is the scaled mask');
});

test('Dropout rejects p outside [0, 1]', () => {
  throwsWith(() => new Dropout(1.5), ArgumentError, 'Dropout: p must be in [0, 1], got 1.5');
  throwsWith(() => new Dropout(NaN), ArgumentError, 'Dropout: p must be in [0, 1], got NaN');
});

// ---- BatchNorm ------------------------------------------------------------------------------------------

test('BatchNorm: argument and input errors', () => {
  throwsWith(() => new BatchNorm2d(0), ArgumentError, 'BatchNorm2d: numFeatures must be a positive integer, got 0');
  throwsWith(() => new BatchNorm2d(2, { eps: 0 }), ArgumentError, 'BatchNorm2d: eps must be positive, got 0');
  throwsWith(() => new BatchNorm1d(2, { momentum: 1.5 }), ArgumentError, 'BatchNorm1d: momentum must be in [0, 1] or null, got 1.5');
  const bn = new BatchNorm2d(3);
  throwsWith(() => bn.forward(sg.zeros([4, 2, 2, 2])), ShapeError, 'BatchNorm2d: input has 2 channels but the layer expects 3 (input [4, 2, 2, 2])');
  throwsWith(() => bn.forward(sg.zeros([4, 3])), ShapeError, 'BatchNorm2d: expected a 4-D input [N, C, H, W], got shape [4, 3]');
  throwsWith(() => new BatchNorm1d(3).forward(sg.zeros([3])), ShapeError, 'BatchNorm1d: expected a 2-D or 3-D input [N, C] or [N, C, L], got shape [3]');
  throwsWith(() => bn.forward(sg.zeros([1, 3, 1, 1])), ShapeError, 'BatchNorm2d: expected more than 1 value per channel when training, got input [1, 3, 1, 1]');
  assert.equal(bn.eval().forward(sg.ones([1, 3, 1, 1])).shape, [1, 3, 1, 1], 'one value per channel is fine in eval mode');
});

test('BatchNorm updates its running statistics in place (state-dict tensors see it), only when training', () => {
  const bn = new BatchNorm2d(2);
  const sd = bn.stateDict();
  const x = sg.tensor([1, 2, 3, 4, 5, 6, 7, 8], { shape: [2, 2, 2, 1] });
  bn.forward(x);
  // channel 0 holds 1, 2, 5, 6 (mean 3.5, unbiased var 17/3); channel 1 holds 3, 4, 7, 8 (mean 5.5)
  assert.ok(Math.abs(sd.get('running_mean')!.data[0] - 0.35) < 1e-6);
  assert.ok(Math.abs(sd.get('running_mean')!.data[1] - 0.55) < 1e-6);
  assert.ok(Math.abs(sd.get('running_var')!.data[0] - (0.9 + 0.1 * 17 / 3)) < 1e-6);
  assert.is(sd.get('num_batches_tracked')!.item(), 1);
  bn.eval().forward(x);
  assert.is(bn.numBatchesTracked!.item(), 1);
  bn.resetRunningStats();
  assert.equal([...bn.runningMean!.data, ...bn.runningVar!.data, bn.numBatchesTracked!.item()], [0, 0, 1, 1, 0]);
  bn.weight!.data.fill(3);
  bn.resetParameters();
  assert.equal([...bn.weight!.data], [1, 1]);
});

test('BatchNorm without running statistics has no buffers and normalises with batch statistics in eval mode', () => {
  const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
  assert.equal([...bn.stateDict().keys()], []);
  assert.is(bn.runningMean, null);
  assert.is(bn.runningVar, null);
  assert.is(bn.numBatchesTracked, null);
  bn.resetRunningStats();
  const y = bn.eval().forward(sg.tensor([1, 3, 10, 30], { shape: [2, 2, 1, 1] }));
  assert.ok(Math.abs(y.data[0] + 1) < 1e-3 && Math.abs(y.data[2] - 1) < 1e-3);
  assert.is(String(bn), 'BatchNorm2d(2, eps=0.00001, momentum=0.1, affine=false, trackRunningStats=false)');
});

// ---- loss modules ----------------------------------------------------------------------------------------

test('loss modules build without class weights, and keep given weights as state-dict buffers (PyTorch\'s names)', () => {
  const logits = sg.tensor([[2, 0, -1], [0.5, 0.5, 3]]);
  const labels = sg.tensor([0, 2], { dtype: 'int32' });
  const ce = new CrossEntropyLoss();
  assert.equal([...ce.stateDict().keys()], []);
  assert.is(ce.weight, undefined);
  assert.is(ce.forward(logits, labels).item(), sg.crossEntropy(logits, labels).item());
  const weight = sg.tensor([1, 2, 3]);
  const wce = new CrossEntropyLoss({ weight, reduction: 'sum' });
  assert.equal([...wce.stateDict().keys()], ['weight']);
  assert.is(wce.weight, weight);
  assert.is(String(wce), 'CrossEntropyLoss(reduction=sum)');
  const nll = new NLLLoss({ weight });
  assert.equal([...nll.stateDict().keys()], ['weight']);
  assert.is(nll.ignoreIndex, -100);
  const bce = new BCEWithLogitsLoss({ posWeight: sg.tensor([2]) });
  assert.equal([...bce.stateDict().keys()], ['pos_weight']);
  assert.equal([...bce.posWeight!.data], [2]);
  assert.is(new BCEWithLogitsLoss().posWeight, undefined);
  assert.is(String(new MSELoss()), 'MSELoss(reduction=mean)');
  assert.is(String(new L1Loss({ reduction: 'none' })), 'L1Loss(reduction=none)');
});

// ---- summary -----------------------------------------------------------------------------------------------

class Net extends Module {
  features = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2));
  head = new Sequential(new Flatten(), new Dropout(0.5), new Linear(36, 10));
  forward(x: sg.Tensor): sg.Tensor { return this.head.forward(this.features.forward(x)); }
}

test('summary lists every module run, its output shape and parameters, then total / trainable counts', () => {
  const net = new Net();
  net.features.at(0).requiresGrad_(false);
  assert.is(net.summary([2, 1, 8, 8]), [
    'Net summary, input [2, 1, 8, 8]',
    '===============================================',
    'Layer (type)              Output shape  Param #',
    '-----------------------------------------------',
    'features (Sequential)     [2, 4, 3, 3]        -',
    'features.0 (Conv2d)       [2, 4, 6, 6]       40',
    'features.1 (BatchNorm2d)  [2, 4, 6, 6]        8',
    'features.2 (ReLU)         [2, 4, 6, 6]        0',
    'features.3 (MaxPool2d)    [2, 4, 3, 3]        0',
    'head (Sequential)         [2, 10]             -',
    'head.0 (Flatten)          [2, 36]             0',
    'head.1 (Dropout)          [2, 36]             0',
    'head.2 (Linear)           [2, 10]           370',
    '===============================================',
    'Output shape: [2, 10]',
    'Total params: 418',
    'Trainable params: 378',
    'Non-trainable params: 40',
  ].join('\n'));
});

test('summary has no side effects: modes, BatchNorm statistics, the generator and the hooks are untouched', () => {
  const net = new Net();
  net.head.eval();
  const modes = net.modules().map((m) => m.training);
  const state = sg.defaultGenerator().getState();
  summary(net, [1, 1, 8, 8]);
  assert.equal(net.modules().map((m) => m.training), modes);
  assert.equal(sg.defaultGenerator().getState(), state);
  assert.is((net.features.at(1) as BatchNorm2d).numBatchesTracked!.item(), 0);
  assert.ok(net.modules().every((m) => !Object.hasOwn(m, 'forward')), 'the hooks were removed');
});

test('summary: a module run twice is marked (reused), array outputs list each shape, big counts get separators', () => {
  class Twice extends Module {
    fc = new Linear(500, 500, { dtype: 'float64' });
    forward(x: sg.Tensor) { return [this.fc.forward(this.fc.forward(x)), x]; }
  }
  const text = new Twice().summary([1, 500], { dtype: 'float64' });
  assert.match(text, /\nfc \(Linear\) {3}\[1, 500\] {7}250,500\nfc \(Linear\) {3}\[1, 500\] {6}\(reused\)\n/);
  assert.match(text, /Output shape: \[\[1, 500\], \[1, 500\]\]\nTotal params: 250,500\n/);
});

test('summary restores the hooks even when the forward throws, and reports the error', () => {
  const net = new Sequential(new Linear(3, 2));
  throwsWith(() => net.summary([1, 4]), ShapeError, /^Linear: input has 4 features but the layer expects 3/);
  assert.ok(!Object.hasOwn(net.at(0), 'forward'));
});

test('withEvalMode runs without gradients in eval mode and restores each module\'s own mode', () => {
  const net = new Sequential(new Linear(2, 2), new Dropout(0.5));
  net.at(1).eval();
  const x = sg.ones([1, 2], { requiresGrad: true });
  const y = withEvalMode(net, () => {
    assert.ok(net.modules().every((m) => !m.training));
    return net.forward(x);
  });
  assert.is(y.requiresGrad, false);
  assert.equal(net.modules().map((m) => m.training), [true, true, false]);
});

// ---- Fused layer pairs (Conv2d or BatchNorm, then ReLU or ReLU6) --------------------------------------

/** A small CNN as a Sequential, its output and every parameter's and the input's gradient as numbers. */
function runCnn(net: Sequential, prepare: (net: Sequential) => void = () => {}): { ops: string[]; values: number[][] } {
  prepare(net);
  const x = sg.normal([2, 3, 10, 10], { generator: new sg.Generator(5), requiresGrad: true });
  const y = net.forward(x);
  // The ops of the graph, output first, along the first input (read before backward frees the graph).
  const ops: string[] = [];
  for (let t: sg.Tensor | undefined = y; t?.gradFn; t = t.gradFn.inputs[0]) ops.push(t.gradFn.op);
  y.backward(sg.normal(y.shape, { generator: new sg.Generator(6) }));
  const buffers = net.namedBuffers().map(([, b]) => b);
  return { ops, values: [y, x.grad!, ...net.parameters().map((p) => p.grad!), ...buffers].map((t) => Array.from(t.data)) };
}

const cnn = (): Sequential => {
  sg.manualSeed(3);
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 1 }), new ReLU(), new Conv2d(8, 8, 3, { bias: false }), new BatchNorm2d(8), new ReLU6(),
    new Conv2d(8, 6, 1), new MaxPool2d(2), new ReLU(), new Conv2d(6, 4, 1), new ReLU6(), new MaxPool2d(2, { padding: 1 }),
    new Conv2d(4, 4, 1), new MaxPool2d(2), new Flatten(),
  );
};

test('Sequential runs a Conv2d or BatchNorm2d, a ReLU or ReLU6 and (after a Conv2d) a non-overlapping MaxPool2d before or after it as one fused op, with the same values, gradients and running statistics as the modules one after the other', () => {
  const fused = runCnn(cnn());
  assert.equal(fused.ops, ['reshape', 'conv2d+maxPool2d', 'maxPool2d', 'conv2d+relu6', 'conv2d+maxPool2d+relu', 'batchNorm+relu6', 'conv2d', 'conv2d+relu']);
  // A forward hook on each activation and pooling keeps the runs apart (the hooks must see them run); it changes nothing else.
  let seen = 0;
  const apart = runCnn(cnn(), (net) => {
    for (const m of net.children()) if (m instanceof ReLU || m instanceof ReLU6 || m instanceof MaxPool2d) m.registerForwardHook(() => { seen++; });
  });
  assert.is(seen, 7, 'the hooks ran');
  assert.equal(apart.ops, [
    'reshape', 'maxPool2d', 'conv2d', 'maxPool2d', 'relu6', 'conv2d', 'relu', 'maxPool2d', 'conv2d', 'relu6', 'batchNorm', 'conv2d', 'relu', 'conv2d',
  ]);
  assert.equal(fused.values, apart.values);
  const conv = new Conv2d(3, 8, 3);
  const x = sg.normal([2, 3, 6, 6]);
  assert.equal(Array.from(conv.forwardFused(x, { activation: 'relu' }).data), Array.from(sg.relu(conv.forward(x)).data));
  assert.equal(Array.from(conv.forwardFused(x, { maxPool: 2 }).data), Array.from(sg.maxPool2d(conv.forward(x), 2).data));
  const bn = new BatchNorm2d(3).eval();
  assert.equal(Array.from(bn.forwardFused(x, { activation: 'relu6' }).data), Array.from(sg.relu6(bn.forward(x)).data));
  throwsWith(() => conv.forwardFused(x, { activation: 'relu', pool: 2 } as never), ArgumentError, /^Conv2d.forwardFused: unknown option 'pool'/);
  throwsWith(() => bn.forwardFused(x, { maxPool: 2 } as never), ArgumentError, /^BatchNorm2d.forwardFused: unknown option 'maxPool'/);
});

test('Sequential keeps a pair apart when either module has its own forward, or under anomaly detection', () => {
  const x = sg.normal([1, 2, 5, 5]);
  class Shifted extends Conv2d {
    override forward(t: sg.Tensor): sg.Tensor { return super.forward(t).add(1); }
  }
  const layer = new Shifted(2, 3, 3);
  const shifted = new Sequential(layer, new ReLU()).forward(x);
  assert.is(shifted.gradFn?.op, 'relu');
  assert.equal(Array.from(shifted.data), Array.from(sg.relu(layer.forward(x)).data));
  const conv = new Conv2d(2, 3, 3);
  const patched = new ReLU();
  patched.forward = (t: sg.Tensor) => sg.relu(t).mul(2);
  assert.is(new Sequential(conv, patched).forward(x).gradFn?.op, 'mul');
  assert.is(runPair(conv, patched, x).gradFn?.op, 'mul');
  assert.is(runPair(conv, new ReLU(), x).gradFn?.op, 'conv2d+relu');
  const plain = new Sequential(conv, new ReLU());
  assert.is(sg.detectAnomaly(() => plain.forward(x)).gradFn?.op, 'relu');
  assert.is(plain.forward(x).gradFn?.op, 'conv2d+relu');
  // Other activations and other first layers stay apart.
  assert.is(new Sequential(conv, new LeakyReLU()).forward(x).gradFn?.op, 'leakyRelu');
  assert.is(new Sequential(new Linear(5, 5), new ReLU()).forward(x).gradFn?.op, 'relu');
});

test.run();
