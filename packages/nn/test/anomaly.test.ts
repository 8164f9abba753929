/**
 * nn's part in catching misuse: under anomaly detection an AnomalyError names the module path of
 * the forward that produced the NaN (forward and backward), in-place init fills bump versions,
 * and containers reject PyTorch-style misuse with typed errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { Linear, Module, ModuleList, ReLU, Sequential, init } from '../src/index.js';
import { throwsWith } from '../../core/test/throws.js';

/** A layer whose forward takes the log: NaN for negative inputs. */
class Log extends Module {
  forward(x: sg.Tensor): sg.Tensor { return x.log(); }
}

/** A layer whose forward is fine but whose gradient is infinite at 0. */
class Sqrt extends Module {
  forward(x: sg.Tensor): sg.Tensor { return x.sqrt(); }
}

class Net extends Module {
  features = new Sequential(new Linear(2, 2), new ReLU(), new Log());
  head = new Sqrt();
  forward(x: sg.Tensor): sg.Tensor { return this.head.forward(this.features.forward(x)); }
}

/** A subclass calling super.forward: still one scope. */
class LoudLog extends Log {
  override forward(x: sg.Tensor): sg.Tensor { return super.forward(x.mul(1)); }
}

test('forward: the AnomalyError names the module path of the op that produced the NaN', () => {
  const net = new Net();
  init.constant_((net.features.at(0) as Linear).weight, -1);
  const x = sg.ones([1, 2]);
  let err: sg.AnomalyError | undefined;
  try {
    sg.detectAnomaly(() => net.forward(x));
  } catch (e) {
    err = e as sg.AnomalyError;
  }
  assert.instance(err, sg.AnomalyError);
  // relu gives 0 here, and log(0) is -Infinity.
  assert.is(err!.message, 'log: forward output of shape [1, 2] holds -Infinity (first at element 0) (inputs [1, 2]; in module Net.features.2 (Log))');
  assert.is(err!.modulePath, 'Net.features.2 (Log)');
  // The scopes were all left: an op outside any module has no path.
  throwsWith(() => sg.detectAnomaly(() => sg.tensor([-1]).log()), sg.AnomalyError, 'log: forward output of shape [1] holds NaN (first at element 0) (inputs [1])');
  // Off, the same forward runs silently (log gives -Infinity, the head's sqrt turns it into NaN).
  assert.ok(Number.isNaN(net.forward(x).data[0]));
});

test('backward: the path recorded in the forward is named when the gradient turns infinite', () => {
  const net = new Net();
  init.constant_((net.features.at(0) as Linear).weight, 0.5);
  init.constant_((net.features.at(0) as Linear).bias!, 0);
  // exp then log keeps values finite; sqrt(0) is finite, its gradient is not.
  const x = sg.tensor([[1, 1]]);
  const out = sg.detectAnomaly(() => net.forward(x));
  init.zeros_((net.features.at(0) as Linear).weight); // changes the weights: the graph must now refuse
  throwsWith(() => out.sum().backward(), sg.AutogradError, /^backward: input 1 \(shape \[2, 2\]\) of op 'linear' was modified in place after the op ran \(version \d+, now \d+\)/);
  const net2 = new Net();
  init.constant_((net2.features.at(0) as Linear).weight, 0);
  init.constant_((net2.features.at(0) as Linear).bias!, 1);
  const y = sg.detectAnomaly(() => net2.forward(sg.tensor([[1, 1]])));
  assert.equal(Array.from(y.data), [0, 0], 'sqrt(log(1)) = 0: finite forward');
  throwsWith(() => sg.detectAnomaly(() => y.sum().backward()), sg.AnomalyError,
    'sqrt: backward computed a gradient for input 0 (shape [1, 2]) that holds Infinity (first at element 0) (inputs [1, 2]; in module Net.head (Sqrt))');
});

test('a root module is named by its class; super.forward keeps one scope; modules called from outside their parent are found', () => {
  throwsWith(() => sg.detectAnomaly(() => new LoudLog().forward(sg.tensor([-1]))), sg.AnomalyError, 'log: forward output of shape [1] holds NaN (first at element 0) (inputs [1]; in module LoudLog)');
  const inner = new Log();
  class Holder extends Module {
    seq = new Sequential(new Sequential(inner));
    stray = [new Log()]; // a plain array: not registered, so not a named child
    useStray = false;
    forward(x: sg.Tensor): sg.Tensor { return this.useStray ? this.stray[0].forward(x) : inner.forward(x); }
  }
  const h = new Holder();
  throwsWith(() => sg.detectAnomaly(() => h.forward(sg.tensor([1, -3]))), sg.AnomalyError, /in module Holder\.seq\.0\.0 \(Log\)\)$/);
  h.useStray = true;
  throwsWith(() => sg.detectAnomaly(() => h.forward(sg.tensor([1, -3]))), sg.AnomalyError, /in module Holder\.<Log> \(Log\)\)$/);
});

test('init fills bump the version of the tensor they fill', () => {
  const lin = new Linear(3, 2);
  const v = lin.weight.version;
  init.uniform_(lin.weight);
  init.normal_(lin.weight);
  init.kaimingUniform_(lin.weight);
  init.zeros_(lin.bias!);
  assert.is(lin.weight.version, v + 3);
  assert.is(lin.bias!.version, 1 + (v === 0 ? 1 : v));
});

test('new ModuleList(a, b) (Sequential\'s style) is a typed error naming the right call', () => {
  throwsWith(() => new ModuleList(new Linear(1, 1) as never, new Linear(1, 1) as never), sg.ArgumentError,
    'ModuleList: takes one iterable of modules, e.g. new ModuleList([a, b]), got 2 arguments starting with a Linear');
  throwsWith(() => new ModuleList(new Linear(1, 1) as never), sg.ArgumentError, 'ModuleList: takes one iterable of modules, e.g. new ModuleList([a, b]), got 1 argument starting with a Linear');
  throwsWith(() => new ModuleList(5 as never), sg.ArgumentError, 'ModuleList: expects an iterable of modules, got number');
  assert.is(new ModuleList([new Linear(1, 1), new ReLU()]).length, 2);
});

test.run();
