/**
 * Module: registration by field assignment (order and PyTorch's dotted names), dynamic
 * registration and its errors, buffers, the walks, train/eval, zeroGrad, apply, freezing,
 * containers, toString and forward hooks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import {
  BatchNorm2d, Conv2d, Dropout, Linear, Module, ModuleList, Parameter, ReLU, Sequential, Tanh,
} from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';
import { emptyPool } from '../../core/src/recycle.js';

class Block extends Module {
  conv = new Conv2d(2, 2, 3, { padding: 1 });
  bn = new BatchNorm2d(2);
  forward(x: sg.Tensor): sg.Tensor { return sg.relu(this.bn.forward(this.conv.forward(x))); }
}

class Net extends Module {
  scale = new Parameter(sg.ones([1]));
  stem = new Conv2d(1, 2, 3);
  blocks = new ModuleList([new Block(), new Block()]);
  head = new Sequential(new ReLU(), new Linear(8, 3));
  forward(x: sg.Tensor): sg.Tensor {
    let h = this.stem.forward(x).mul(this.scale);   // [N, 2, 2, 2]
    for (const b of this.blocks) h = b.forward(h);
    return this.head.forward(sg.flatten(h, 1));     // [N, 3]
  }
}

const names = (pairs: [string, unknown][]): string[] => pairs.map(([n]) => n);

test('fields register in declaration order under PyTorch\'s dotted names (ModuleList and Sequential indices)', () => {
  const net = new Net();
  assert.equal(names(net.namedParameters()), [
    'scale', 'stem.weight', 'stem.bias',
    'blocks.0.conv.weight', 'blocks.0.conv.bias', 'blocks.0.bn.weight', 'blocks.0.bn.bias',
    'blocks.1.conv.weight', 'blocks.1.conv.bias', 'blocks.1.bn.weight', 'blocks.1.bn.bias',
    'head.1.weight', 'head.1.bias',
  ]);
  assert.equal(names(net.namedModules()), [
    '', 'stem', 'blocks', 'blocks.0', 'blocks.0.conv', 'blocks.0.bn', 'blocks.1', 'blocks.1.conv', 'blocks.1.bn', 'head', 'head.0', 'head.1',
  ]);
  assert.equal(names(net.namedChildren()), ['stem', 'blocks', 'head']);
  assert.equal(net.children(), [net.stem, net.blocks, net.head]);
  assert.is(net.modules().length, 12);
  assert.is(net.parameters().length, 13);
  assert.equal([...net.stateDict().keys()], [
    'scale', 'stem.weight', 'stem.bias',
    'blocks.0.conv.weight', 'blocks.0.conv.bias', 'blocks.0.bn.weight', 'blocks.0.bn.bias',
    'blocks.0.bn.running_mean', 'blocks.0.bn.running_var', 'blocks.0.bn.num_batches_tracked',
    'blocks.1.conv.weight', 'blocks.1.conv.bias', 'blocks.1.bn.weight', 'blocks.1.bn.bias',
    'blocks.1.bn.running_mean', 'blocks.1.bn.running_var', 'blocks.1.bn.num_batches_tracked',
    'head.1.weight', 'head.1.bias',
  ]);
  assert.equal(net.forward(sg.zeros([2, 1, 4, 4])).shape, [2, 3]);
});

test('prefix and recurse options of the named walks; plain tensors and arrays are not state', () => {
  class Odd extends Module {
    plain = sg.ones([2]);
    list = [new Linear(1, 1)];
    lin = new Linear(2, 1, { bias: false });
    forward(x: sg.Tensor): sg.Tensor { return x; }
  }
  const m = new Odd();
  assert.equal(names(m.namedParameters({ prefix: 'model' })), ['model.lin.weight']);
  assert.equal(names(m.namedParameters({ recurse: false })), []);
  assert.equal(names(m.namedModules({ prefix: 'm' })), ['m', 'm.lin']);
  assert.equal([...m.stateDict().keys()], ['lin.weight']);
  assert.equal(names(new Net().namedBuffers({ prefix: 'n' })).slice(0, 2), ['n.blocks.0.bn.running_mean', 'n.blocks.0.bn.running_var']);
});

test('a shared parameter or module is listed once (under its first name) but saved under every name', () => {
  class Tied extends Module {
    enc = new Linear(3, 3);
    dec = new Linear(3, 3);
    again: Linear;
    constructor() {
      super();
      this.dec.weight = this.enc.weight;
      this.again = this.enc;
    }
    forward(x: sg.Tensor): sg.Tensor { return this.dec.forward(this.enc.forward(x)); }
  }
  const m = new Tied();
  assert.equal(names(m.namedParameters()), ['enc.weight', 'enc.bias', 'dec.bias']);
  assert.equal(names(m.namedParameters({ removeDuplicate: false })), [
    'enc.weight', 'enc.bias', 'dec.weight', 'dec.bias', 'again.weight', 'again.bias',
  ]);
  assert.equal(names(m.namedModules()), ['', 'enc', 'dec']);
  assert.equal(names(m.namedModules({ removeDuplicate: false })), ['', 'enc', 'dec', 'again']);
  assert.equal(names(m.namedChildren()), ['enc', 'dec']);
  assert.equal([...m.stateDict().keys()], ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias', 'again.weight', 'again.bias']);
});

test('a module that refers back to its parent does not loop forever', () => {
  const outer = new Sequential(new Linear(2, 2));
  const inner = outer.at(0) as Linear & { parent?: Module };
  inner.registerModule('parent', outer);
  assert.equal(names(outer.namedModules()), ['', '0']);
  assert.equal(names(outer.namedModules({ removeDuplicate: false })), ['', '0']);
  assert.equal([...outer.stateDict().keys()], ['0.weight', '0.bias']);
});

test('registerParameter / registerModule / registerBuffer register names chosen at run time', () => {
  class Dyn extends Module {
    constructor() {
      super();
      for (let i = 0; i < 2; i++) this.registerParameter(`w${i}`, new Parameter(sg.full([2], i)));
      this.registerModule('act', new Tanh());
      this.registerParameter('gone', null);
      this.registerBuffer('steps', sg.zeros([], { dtype: 'int32' }));
      this.registerBuffer('cache', sg.ones([2]), { persistent: false });
      this.registerBuffer('unset', null);
    }
    forward(x: sg.Tensor): sg.Tensor { return x; }
  }
  const m = new Dyn();
  assert.equal(names(m.namedParameters()), ['w0', 'w1']);
  assert.equal(names(m.namedModules()), ['', 'act']);
  assert.equal(names(m.namedBuffers()), ['steps', 'cache']);
  assert.is(m.buffers().length, 2);
  assert.equal([...m.stateDict().keys()], ['w0', 'w1', 'steps'], 'non-persistent and null buffers are not saved');
  assert.is(m.getBuffer('unset'), null);
  // re-registering a buffer replaces it in place of the old one's position
  m.registerBuffer('steps', sg.ones([], { dtype: 'int32' }));
  assert.equal(names(m.namedBuffers()), ['steps', 'cache']);
  assert.is(m.getBuffer('steps')!.item(), 1);
  // replacing a parameter / module of the same name is allowed
  m.registerParameter('w0', new Parameter(sg.zeros([3])));
  assert.equal(m.getParameter('w0').shape, [3]);
  m.registerModule('act', null);
  assert.equal(names(m.namedModules()), ['']);
});

test('registration errors name the method, the attribute and the class', () => {
  const m = new Linear(2, 2);
  assert.throws(() => m.registerParameter('a.b', null), /^registerParameter: name must be a non-empty string without '\.', got "a\.b" \(in Linear\)$/);
  assert.throws(() => m.registerBuffer('', null), /registerBuffer: name must be a non-empty string without '\.', got "" \(in Linear\)/);
  assert.throws(() => m.registerParameter('training', null), /registerParameter: attribute 'training' already exists on Linear and is not a parameter/);
  assert.throws(() => m.registerBuffer('training', null), /registerBuffer: attribute 'training' already exists on Linear and is not a buffer/);
  assert.throws(() => m.registerBuffer('forward', null), /registerBuffer: attribute 'forward' already exists on Linear and is not a buffer/);
  assert.throws(() => m.registerModule('weight', new ReLU()), /registerModule: attribute 'weight' already exists on Linear and is not a module/);
  assert.throws(() => m.registerBuffer('weight', sg.ones([2])), /registerBuffer: attribute 'weight' already exists on Linear and is not a buffer/);
  assert.throws(() => m.registerParameter('constructor', null), /attribute 'constructor' already exists on Linear and is not a parameter/);
  assert.throws(() => m.registerParameter('w', sg.ones([2]) as unknown as Parameter),
    /registerParameter: 'w' must be a Parameter or null, got Tensor \(in Linear\); wrap a tensor with new Parameter\(t\)/);
  assert.throws(() => m.registerModule('child', {} as Module), /registerModule: 'child' must be a Module or null, got Object \(in Linear\)/);
  assert.throws(() => m.registerBuffer('b', 3 as unknown as sg.Tensor), /registerBuffer: buffer 'b' must be a Tensor or null, got number \(in Linear\)/);
  m.registerBuffer('stat', sg.zeros([1]));
  assert.throws(() => m.registerParameter('stat', null), /registerParameter: 'stat' is already a buffer of Linear/);
  assert.throws(() => m.registerModule('stat', null), /registerModule: 'stat' is already a buffer of Linear/);
  const bn = new BatchNorm2d(2);
  assert.throws(() => bn.registerParameter('runningMean', null), /attribute 'runningMean' already exists on BatchNorm2d and is not a parameter/);
});

test('module errors are ArgumentErrors (typed), with the op first in the message', () => {
  const net = new Net();
  throwsWith(() => net.getSubmodule('x.y'), sg.ArgumentError, "getSubmodule: Net has no submodule 'x' (looking up 'x.y')");
  throwsWith(() => net.registerParameter('a.b', null), sg.ArgumentError, 'registerParameter: name must be a non-empty string without \'.\', got "a.b" (in Net)');
  throwsWith(() => net.train(1 as unknown as boolean), sg.ArgumentError, 'train: mode must be a boolean, got number');
  throwsWith(() => new Sequential(3 as unknown as Module), sg.ArgumentError, "Sequential: entry '0' is not a Module (got number)");
});

test('getSubmodule / getParameter / getBuffer resolve dotted paths and say which step is missing', () => {
  const net = new Net();
  assert.is(net.getSubmodule(''), net);
  assert.is(net.getSubmodule('blocks.1.bn'), net.blocks.at(1).getSubmodule('bn'));
  assert.is(net.getParameter('head.1.bias'), (net.head.at(1) as Linear).bias);
  assert.is(net.getBuffer('blocks.0.bn.running_var'), (net.blocks.at(0) as Block).bn.runningVar);
  assert.throws(() => net.getSubmodule('blocks.7.bn'), /^getSubmodule: ModuleList at 'blocks' has no submodule '7' \(looking up 'blocks\.7\.bn'\)$/);
  assert.throws(() => net.getSubmodule('nope'), /getSubmodule: Net has no submodule 'nope' \(looking up 'nope'\)/);
  assert.throws(() => net.getSubmodule('scale'), /getSubmodule: Net has no submodule 'scale'/);
  assert.throws(() => net.getParameter('stem.gain'), /getParameter: Conv2d has no parameter 'gain' \(looking up 'stem\.gain'\)/);
  assert.throws(() => net.getParameter('missing.weight'), /getParameter: Net has no submodule 'missing' \(looking up 'missing\.weight'\)/);
  assert.throws(() => net.getBuffer('stem.weight'), /getBuffer: Conv2d has no buffer 'weight' \(looking up 'stem\.weight'\)/);
});

test('train() and eval() reach every descendant, return the module, and reject non-boolean modes', () => {
  const net = new Net();
  assert.is(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  assert.is(net.train(), net);
  assert.ok(net.modules().every((m) => m.training));
  net.blocks.eval();
  assert.equal(net.modules().map((m) => m.training), [true, true, false, false, false, false, false, false, false, true, true, true]);
  assert.throws(() => net.train('no' as unknown as boolean), /^train: mode must be a boolean, got string$/);
});

test('zeroGrad clears gradients to null (default) or to zeros, leaving parameters without grad alone', () => {
  const lin = new Linear(3, 2);
  lin.forward(sg.ones([4, 3])).sum().backward();
  assert.ok(lin.weight.grad !== null && lin.bias!.grad !== null);
  lin.zeroGrad({ setToNone: false });
  assert.equal([...lin.weight.grad!.data], [0, 0, 0, 0, 0, 0]);
  lin.zeroGrad();
  assert.is(lin.weight.grad, null);
  assert.is(lin.bias!.grad, null);
  lin.zeroGrad();
  assert.is(lin.weight.grad, null);
});

test('zeroGrad gives gradients nobody read to the next step (releaseGrad), and leaves a gradient someone read untouched', () => {
  emptyPool(); // every test file runs in one process: others may have filled the pool
  sg.manualSeed(4);
  const lin = new Linear(30, 20);
  const x = sg.normal([8, 30]);
  lin.forward(x).sum().backward();
  lin.zeroGrad(); // the first step's gradient of a pinned weight becomes pinned memory for the next ones
  lin.forward(x).sum().backward();
  const weightGrad = sg.readGrad(lin.weight)!.data;
  const biasGrad = lin.bias!.grad!; // read: handed out
  const biasValues = Array.from(biasGrad.data);
  lin.zeroGrad();
  lin.forward(x).sum().backward();
  assert.is(sg.readGrad(lin.weight)!.data, weightGrad, 'the weight gradient reuses last step\'s array');
  assert.is.not(sg.readGrad(lin.bias!)!.data, biasGrad.data, 'the bias gradient that was read is not reused');
  assert.equal(Array.from(biasGrad.data), biasValues, 'and keeps its values');
});

test('apply visits children before their parent, each module once', () => {
  const net = new Net();
  const seen: Module[] = [];
  net.apply((m) => seen.push(m));
  const name = new Map(net.namedModules().map(([n, m]) => [m, n]));
  assert.equal(seen.map((m) => name.get(m)), [
    'stem', 'blocks.0.conv', 'blocks.0.bn', 'blocks.0', 'blocks.1.conv', 'blocks.1.bn', 'blocks.1', 'blocks', 'head.0', 'head.1', 'head', '',
  ]);
  assert.is(net.apply(() => undefined), net);
});

test('freezing: requiresGrad_(false) (or p.requiresGrad = false) stops gradients to those parameters only', () => {
  const net = new Net();
  assert.is(net.stem.requiresGrad_(false), net.stem);
  net.scale.requiresGrad = false;
  net.forward(sg.normal([2, 1, 4, 4])).sum().backward();
  assert.is(net.stem.weight.grad, null);
  assert.is(net.stem.bias!.grad, null);
  assert.is(net.scale.grad, null);
  assert.ok(net.getParameter('head.1.weight').grad !== null);
  assert.ok(net.getParameter('blocks.0.conv.weight').grad !== null);
  net.stem.requiresGrad_();
  assert.ok(net.stem.weight.requiresGrad);
});

test('Parameter wraps a tensor\'s data without copying and can be built frozen', () => {
  const t = sg.tensor([1, 2]);
  const p = new Parameter(t);
  assert.is(p.data, t.data);
  assert.ok(p.requiresGrad && p.isLeaf);
  assert.is(new Parameter(t, { requiresGrad: false }).requiresGrad, false);
});

test('Sequential: positional and named children, length, at(), iteration, append, and its errors', () => {
  const seq = new Sequential(new Linear(2, 3), new ReLU());
  assert.is(seq.length, 2);
  assert.ok(seq.at(-1) instanceof ReLU);
  assert.throws(() => seq.at(2), /^Sequential\.at: index 2 is out of range for 2 modules$/);
  assert.throws(() => seq.at(0.5), /Sequential\.at: index 0\.5 is out of range for 2 modules/);
  seq.append(new Linear(3, 1));
  assert.equal([...seq.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(seq.forward(sg.ones([4, 2])).shape, [4, 1]);
  const named = new Sequential({ fc: new Linear(4, 2), act: new Tanh() });
  assert.is(named.length, 2);
  assert.ok(named.at(1) instanceof Tanh);
  assert.equal([...named].map((m) => m.constructor.name), ['Linear', 'Tanh']);
  assert.equal([...named.stateDict().keys()], ['fc.weight', 'fc.bias']);
  assert.equal(named.forward(sg.ones([1, 4])).shape, [1, 2]);
  const lin = new Linear(2, 2);
  const twice = new Sequential(lin, lin);
  assert.is(twice.length, 2, 'a module held twice runs twice');
  assert.equal(names(twice.namedParameters()), ['0.weight', '0.bias']);
  assert.equal(new Sequential().forward(sg.ones([1])).shape, [1]);
  assert.throws(() => new Sequential(new ReLU(), 3 as unknown as Module), /^Sequential: entry '1' is not a Module \(got number\)$/);
  assert.throws(() => new Sequential({ a: null as unknown as Module }), /Sequential: entry 'a' is not a Module \(got null\)/);
  assert.throws(() => seq.append('x' as unknown as Module), /Sequential\.append: expected a Module, got string/);
  class Shape extends Module { forward(x: sg.Tensor) { return x.shape; } }
  assert.throws(() => new Sequential(new Shape()).forward(sg.ones([1])), /Sequential: module '0' \(Shape\) returned object, not a Tensor/);
});

test('ModuleList registers its modules, extends, and has no forward of its own', () => {
  const list = new ModuleList();
  assert.is(list.length, 0);
  list.extend([new Linear(2, 2), new ReLU()]).append(new Linear(2, 1));
  assert.is(list.length, 3);
  assert.equal([...list.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.throws(() => list.forward(), /^ModuleList: a ModuleList has no forward; iterate its modules in the parent module's forward$/);
  assert.throws(() => new ModuleList().at(0), /ModuleList\.at: index 0 is out of range for 0 modules/);
  assert.throws(() => new ModuleList([new ReLU()]).at(-2), /ModuleList\.at: index -2 is out of range for 1 module$/);
});

test('toString prints the module tree PyTorch-style with each layer\'s settings', () => {
  const seq = new Sequential(new Conv2d(1, 4, 3, { padding: 1, padMode: 'reflect' }), new BatchNorm2d(4), new Dropout(0.2), new Linear(2, 3, { bias: false }));
  assert.is(String(seq), [
    'Sequential(',
    '  (0): Conv2d(1, 4, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1, 1, 1], padMode=reflect, bias=true)',
    '  (1): BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
    '  (2): Dropout(p=0.2)',
    '  (3): Linear(inFeatures=2, outFeatures=3, bias=false)',
    ')',
  ].join('\n'));
  class Wrap extends Module {
    inner = new Sequential(new ReLU());
    override extraRepr() { return 'k=1'; }
    forward(x: sg.Tensor) { return x; }
  }
  assert.is(String(new Wrap()), 'Wrap(\n  k=1\n  (inner): Sequential(\n    (0): ReLU()\n  )\n)');
});

// ---- hooks ----------------------------------------------------------------------------------------

test('forward hooks see inputs and output, can replace the output, run in order, and are removable', () => {
  const lin = new Linear(2, 2);
  const log: string[] = [];
  const h1 = lin.registerForwardHook((m, inputs, out) => {
    log.push(`h1 ${m.constructor.name} ${(inputs[0] as sg.Tensor).shape} -> ${(out as sg.Tensor).shape}`);
  });
  const h2 = lin.registerForwardHook(() => { log.push('h2'); return sg.zeros([7]); });
  const out = new Sequential(lin).forward(sg.ones([3, 2]));
  assert.equal(out.shape, [7], 'the hook ran when called through a container and replaced the output');
  assert.equal(log, ['h1 Linear 3,2 -> 3,2', 'h2']);
  h2.remove();
  h2.remove();
  assert.equal(lin.forward(sg.ones([3, 2])).shape, [3, 2]);
  h1.remove();
  assert.ok(!Object.hasOwn(lin, 'forward'), 'no wrapper is left once every hook is removed');
  assert.equal(log.length, 3);
});

test('forward pre-hooks can replace the inputs (an array, or a single value)', () => {
  const act = new ReLU();
  const h = act.registerForwardPreHook((_m, [x]) => [(x as sg.Tensor).neg()]);
  assert.equal([...act.forward(sg.tensor([-1, 2])).data], [1, 0]);
  h.remove();
  const single = act.registerForwardPreHook(() => sg.tensor([5, -5]));
  assert.equal([...act.forward(sg.tensor([0, 0])).data], [5, 0]);
  single.remove();
  const noop = act.registerForwardPreHook(() => undefined);
  assert.equal([...act.forward(sg.tensor([-3, 3])).data], [0, 3]);
  noop.remove();
});

test('hooks on a module whose forward is an own field restore that field when removed', () => {
  class Arrow extends Module {
    forward = (x: sg.Tensor): sg.Tensor => x.mul(2);
  }
  const m = new Arrow();
  const own = m.forward;
  let calls = 0;
  const h = m.registerForwardHook(() => { calls++; });
  assert.equal([...m.forward(sg.tensor([1])).data], [2]);
  assert.is(calls, 1);
  h.remove();
  assert.is(m.forward, own);
  assert.ok(Object.keys(m).includes('forward'));
});

test("layers make their parameters in pinned storage (the wasm kernels read them in place): float32 on the wasm backend, else plain arrays", () => {
  const prev = sg.useBackend('wasm');
  try {
    const conv = new Conv2d(3, 4, 3);
    for (const p of [conv.weight, conv.bias!]) assert.instance(p.data.buffer, SharedArrayBuffer);
    assert.instance(new Linear(2, 3, { dtype: 'float64' }).weight.data.buffer, ArrayBuffer);
    sg.useBackend('js');
    assert.instance(new Linear(2, 3).weight.data.buffer, ArrayBuffer);
  } finally {
    sg.setKernels(prev);
  }
});

test.run();
