/**
 * Catching NaN and misuse where they start: anomaly detection (forward outputs and backward
 * gradients), version counters that stop backward through tensors changed in place, and the
 * public gradcheck that reports its worst element.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { throwsWith } from './throws.js';
import { getEngine } from '../src/kernels/wasm/runtime.js';

test('off by default: NaN flows silently; detectAnomaly restores the previous setting even when fn throws', () => {
  assert.is(sg.isAnomalyEnabled(), false);
  const x = sg.tensor([-1, 4], { requiresGrad: true });
  x.sqrt().sum().backward();
  assert.ok(Number.isNaN(x.grad!.data[0]));
  assert.throws(() => sg.detectAnomaly(() => { throw new Error('boom'); }), /boom/);
  assert.is(sg.isAnomalyEnabled(), false);
  assert.is(sg.detectAnomaly(() => sg.isAnomalyEnabled()), true);
  assert.is(sg.setDetectAnomaly(true), false);
  assert.is(sg.setDetectAnomaly(false), true);
  throwsWith(() => sg.setDetectAnomaly('yes' as never), sg.ArgumentError, "setDetectAnomaly: on must be true or false, got 'yes'");
  throwsWith(() => sg.setDetectAnomaly(1 as never), sg.ArgumentError, 'setDetectAnomaly: on must be true or false, got 1');
});

test('forward: the first op whose output holds NaN / Infinity throws, naming the op and its input shapes', () => {
  const x = sg.tensor([[1, -1, 2]], { requiresGrad: true });
  let err: sg.AnomalyError | undefined;
  try {
    sg.detectAnomaly(() => x.mul(2).log().sum());
  } catch (e) {
    err = e as sg.AnomalyError;
  }
  assert.instance(err, sg.AnomalyError);
  assert.is(err!.message, 'log: forward output of shape [1, 3] holds NaN (first at element 1) (inputs [1, 3])');
  assert.equal([err!.op, err!.phase, err!.inputShapes, err!.modulePath], ['log', 'forward', [[1, 3]], null]);
  // Data that already holds NaN: the first op touching it is named, with a pointer to its input.
  const pixel = sg.tensor([0.5, NaN]);
  throwsWith(() => sg.detectAnomaly(() => pixel.add(1)), sg.AnomalyError,
    'add: forward output of shape [2] holds NaN (first at element 1); input 0 already holds non-finite values, so look at where it came from (inputs [2], [])');
  throwsWith(() => sg.detectAnomaly(() => sg.tensor([1, 0]).div(0)), sg.AnomalyError, /^div: forward output of shape \[2\] holds Infinity \(first at element 0\)/);
  throwsWith(() => sg.detectAnomaly(() => sg.tensor([-1]).div(0)), sg.AnomalyError, /holds -Infinity/);
  // Without gradients (inference) the forward is still checked; int32 tensors cannot hold NaN.
  throwsWith(() => sg.detectAnomaly(() => sg.noGrad(() => sg.tensor([-1]).sqrt())), sg.AnomalyError, /^sqrt: forward output/);
  sg.detectAnomaly(() => sg.tensor([1, 2], { dtype: 'int32' }).add(sg.tensor([3, 4], { dtype: 'int32' })));
});

test('backward: the first gradient holding NaN / Infinity throws, naming the op whose backward computed it', () => {
  // sqrt(0) is 0 (finite), but its gradient 1 / (2 sqrt(0)) is Infinity.
  const x = sg.tensor([0, 4], { requiresGrad: true });
  let err: sg.AnomalyError | undefined;
  try {
    sg.detectAnomaly(() => x.sqrt().sum().backward());
  } catch (e) {
    err = e as sg.AnomalyError;
  }
  assert.instance(err, sg.AnomalyError);
  assert.is(err!.message, 'sqrt: backward computed a gradient for input 0 (shape [2]) that holds Infinity (first at element 0) (inputs [2])');
  assert.is(err!.phase, 'backward');
  assert.is(x.grad, null, 'nothing reached the leaf');
  // A graph built with detection off is checked in backward when detection is on then.
  const y = sg.tensor([0, 1], { requiresGrad: true });
  const loss = y.sqrt().sum();
  throwsWith(() => sg.detectAnomaly(() => loss.backward()), sg.AnomalyError, /^sqrt: backward computed a gradient for input 0/);
});

test('scopes name the module path (nn pushes them); the graph remembers the scope for backward', () => {
  const x = sg.tensor([0, 4], { requiresGrad: true });
  sg.pushAnomalyScope('Net.fc (Linear)');
  let out: sg.Tensor;
  try {
    out = sg.detectAnomaly(() => x.sqrt().sum());
  } finally {
    sg.popAnomalyScope();
  }
  throwsWith(() => sg.detectAnomaly(() => out.backward()), sg.AnomalyError,
    'sqrt: backward computed a gradient for input 0 (shape [2]) that holds Infinity (first at element 0) (inputs [2]; in module Net.fc (Linear))');
});

test('version counter: an input changed in place after the op ran stops backward (also custom ops\' saved tensors)', () => {
  const w = sg.tensor([1, 2], { requiresGrad: true });
  assert.is(w.version, 0);
  const loss = w.mul(w).sum();
  w.data[0] = 5;
  w.bumpVersion();
  assert.is(w.version, 1);
  throwsWith(() => loss.backward(), sg.AutogradError,
    "backward: input 0 (shape [2]) of op 'mul' was modified in place after the op ran (version 0, now 1), so its gradient would be computed from the new values; run the forward pass again after an optimizer step, init fill or loadStateDict");
  assert.is(w.detach().version, 1, 'detach shares the counter with the data');
  w.detach().bumpVersion();
  assert.is(w.version, 2);
  // A fresh forward after the change is fine.
  w.mul(w).sum().backward();
  assert.equal(Array.from(w.grad!.data), [10, 4]);
  const square = sg.defineOp({
    name: 'square',
    forward(ctx, x) { const y = x.mul(x); ctx.save(y); return y; },
    backward(ctx, g) { return [g.mul(2).mul(ctx.saved[0].sqrt())]; },
  });
  const a = sg.tensor([3], { requiresGrad: true });
  const out = square(a);
  const saved = out.detach();
  saved.bumpVersion();
  throwsWith(() => out.sum().backward(), sg.AutogradError, "backward: saved tensor 0 (shape [1]) of op 'square' was modified in place after the op ran (version 0, now 1)");
});

test('backward accepts its options first, as PyTorch users write backward(retain_graph=True); bad arguments are typed errors', () => {
  const x = sg.tensor([2], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward({ retainGraph: true });
  y.backward();
  assert.equal(Array.from(x.grad!.data), [8]);
  const z = x.mul(3).sum();
  throwsWith(() => z.backward({ retain_graph: true } as never), sg.ArgumentError, "backward: unknown option 'retain_graph' (known: retainGraph)");
  throwsWith(() => z.backward(undefined, { retainGraph: 1 as never }), sg.ArgumentError, 'backward: retainGraph must be true or false, got 1');
  throwsWith(() => z.backward([1] as never), sg.ArgumentError, 'backward: grad must be a Tensor (or an options object { retainGraph }), got an array');
  throwsWith(() => z.backward(null as never), sg.ArgumentError, 'backward: grad must be a Tensor (or an options object { retainGraph }), got null');
  throwsWith(() => z.backward(undefined, null as never), sg.ArgumentError, 'backward: options must be an object such as { retainGraph: true }, got null');
});

test('the Tensor constructor and allocation refuse bad shapes, dtypes and sizes with typed errors', () => {
  throwsWith(() => new sg.Tensor(new Float32Array(6), [-2, 3]), sg.ArgumentError, 'Tensor: shape must be an array of non-negative integers, got [-2, 3]');
  throwsWith(() => new sg.Tensor(new Float32Array(5), [2.5, 2]), sg.ArgumentError, 'Tensor: shape must be an array of non-negative integers, got [2.5, 2]');
  throwsWith(() => new sg.Tensor(new Float32Array(1), '1' as never), sg.ArgumentError, 'Tensor: shape must be an array of non-negative integers, got string');
  throwsWith(() => new sg.Tensor(new Uint8Array(2) as never, [2]), sg.DTypeError, 'Tensor: data must be a Float32Array, Float64Array or Int32Array (float32, float64, int32), got Uint8Array');
  throwsWith(() => new sg.Tensor([1, 2] as never, [2]), sg.DTypeError, 'Tensor: data must be a Float32Array, Float64Array or Int32Array (float32, float64, int32), got object');
  throwsWith(() => new sg.Tensor(null as never, [2]), sg.DTypeError, 'Tensor: data must be a Float32Array, Float64Array or Int32Array (float32, float64, int32), got null');
  throwsWith(() => sg.allocate('int64' as never, 2), sg.DTypeError, "allocate: unknown dtype 'int64' (known: float32, float64, int32)");
  throwsWith(() => sg.allocate(undefined as never, 2), sg.DTypeError, 'allocate: unknown dtype undefined (known: float32, float64, int32)');
  throwsWith(() => sg.allocate('float64', 1e12), sg.ArgumentError, 'allocate: cannot allocate 1000000000000 float64 elements (8000000000000 bytes): more than a typed array can hold or memory allows');
  throwsWith(() => sg.zeros([1e6, 1e6]), sg.ArgumentError, 'allocate: cannot allocate 1000000000000 float32 elements (4000000000000 bytes): more than a typed array can hold or memory allows');
});

test('asking the WebAssembly memory for more than it can hold is a typed error that says how much', () => {
  const e = getEngine();
  throwsWith(() => e.reserve(2 ** 40), sg.ArgumentError, /^wasm: a kernel needs \d+ bytes of WebAssembly memory but it holds at most \d+ \(\d+ in use now\); use smaller batches or the 'js' backend$/);
});

test('setWasmThreads clamps to the pool\'s maximum and wasmThreads reports what is really used', () => {
  const prev = sg.setWasmThreads(100);
  try {
    assert.ok(sg.wasmThreads() <= 8, `reported ${sg.wasmThreads()}`);
  } finally {
    sg.setWasmThreads(prev);
  }
});

test('gradcheck (public): passes correct gradients, reports the worst element of a wrong one, validates its options', () => {
  const x = sg.normal([3, 4], { dtype: 'float64', requiresGrad: true, generator: new sg.Generator(1) });
  const ok = sg.gradcheck((a) => a.mul(a).sum(1), [x]);
  assert.is(ok.ok, true);
  assert.is(ok.checked, 12);
  assert.ok(ok.worst!.ratio < 1);
  // A custom op whose backward is off by a factor 2 for element 5 only.
  const wrong = sg.defineOp({
    name: 'wrong',
    forward(_ctx, a) { return a.mul(3); },
    backward(_ctx, g) {
      const d = new Float64Array(g.data);
      for (let i = 0; i < d.length; i++) d[i] *= i === 5 ? 6 : 3;
      return [new sg.Tensor(d, g.shape)];
    },
  });
  const report = sg.gradcheck((a) => wrong(a), [x], { raiseException: false });
  assert.is(report.ok, false);
  assert.equal([report.worst!.input, report.worst!.index], [0, 5]);
  assert.ok(Math.abs(report.worst!.analytic - 2 * report.worst!.numeric) < 1e-6);
  let err: sg.GradcheckError | undefined;
  try { sg.gradcheck((a) => wrong(a), [x]); } catch (e) { err = e as sg.GradcheckError; }
  assert.instance(err, sg.GradcheckError);
  assert.match(err!.message, /^gradcheck: input 0 \[3, 4\] element 5: autograd -?[\d.e-]+ vs numeric -?[\d.e-]+ \([\d.e+]+× the tolerance; worst of 12 checked\)$/);
  assert.is(err!.result.worst!.index, 5);
  // NaN gradients never pass.
  const nan = sg.defineOp({ name: 'nan', forward(_c, a) { return a.mul(1); }, backward(_c, g) { return [g.mul(NaN)]; } });
  assert.is(sg.gradcheck((a) => nan(a), [x], { raiseException: false }).worst!.ratio, Infinity);
  throwsWith(() => sg.gradcheck((a) => a, [sg.zeros([2], { requiresGrad: true })]), sg.ArgumentError, 'gradcheck: inputs must be float64 (central differences need the precision), but inputs[0] is float32');
  throwsWith(() => sg.gradcheck((a) => a, [x], { epsilon: 1 } as never), sg.ArgumentError, /^gradcheck: unknown option 'epsilon'/);
  throwsWith(() => sg.gradcheck((a) => a, [x], { eps: -1 }), sg.ArgumentError, 'gradcheck: eps must be >= 0, got -1');
  throwsWith(() => sg.gradcheck((a) => a, [x], { maxPerInput: 0 }), sg.ArgumentError, 'gradcheck: maxPerInput must be a positive integer, got 0');
  throwsWith(() => sg.gradcheck(5 as never, [x]), sg.ArgumentError, 'gradcheck: fn must be a function, got number');
  throwsWith(() => sg.gradcheck((a) => a, x as never), sg.ArgumentError, 'gradcheck: inputs must be an array of tensors');
  throwsWith(() => sg.gradcheck((a) => a, [5 as never]), sg.ArgumentError, 'gradcheck: inputs[0] must be a Tensor');
  // Sampling: at most maxPerInput elements of a big input; inputs without requiresGrad are skipped.
  const big = sg.normal([40, 10], { dtype: 'float64', requiresGrad: true });
  const fixed = sg.normal([40, 10], { dtype: 'float64' });
  assert.is(sg.gradcheck((a, b) => a.mul(b), [big, fixed], { maxPerInput: 20, seed: 3 }).checked, 20);
});

test.run();
