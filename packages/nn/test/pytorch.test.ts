/**
 * Layers against PyTorch: the fixtures in tools/fixtures/nn/ were made by tools/fixtures/nn.py from
 * torch.nn modules with stored parameters. Every layer case runs in float64 (forward and gradients,
 * to 1e-9) and in float32 (to 1e-4); BatchNorm runs several training steps and compares the running
 * statistics after each; a small CNN whose state dict PyTorch-side code wrote as safetensors loads
 * here and gives PyTorch's outputs and gradients.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import * as nn from '../src/index.js';
import { assertClose } from '../../core/test/gradcheck.js';
import { type TensorJson, fixtureBytes, fixtureJson, toStateDict, toTensor, tolerance } from './fixtures.js';

type Float = 'float32' | 'float64';
const DTYPES: readonly Float[] = ['float64', 'float32'];

function expectClose(actual: sg.Tensor | null, expected: TensorJson, dtype: Float, what: string): void {
  assert.ok(actual !== null, `${what}: no tensor`);
  assert.equal([...actual!.shape], expected.shape, `${what}: shape`);
  const { atol, rtol } = tolerance(dtype, expected.data);
  assertClose(actual!.data, expected.data, atol, rtol, what);
}

// ---- layers.json -------------------------------------------------------------------------------

interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  tensorOptions: Record<string, TensorJson>;
  state: Record<string, TensorJson>;
  inputs: TensorJson[];
  output: TensorJson;
  cot?: TensorJson;
  grads?: Record<string, TensorJson>;
}

type Make = (args: any[], opts: any) => nn.Module;

/** The TS constructor call for each torch.nn class in the fixture (arguments in the TS API's order). */
const MAKE: Record<string, Make> = {
  Linear: ([i, o], opts) => new nn.Linear(i, o, opts),
  Conv2d: ([i, o, k], opts) => new nn.Conv2d(i, o, k, opts),
  MaxPool2d: ([k], opts) => new nn.MaxPool2d(k, opts),
  AvgPool2d: ([k], opts) => new nn.AvgPool2d(k, opts),
  ReLU: () => new nn.ReLU(),
  LeakyReLU: (_, opts) => new nn.LeakyReLU(opts),
  Sigmoid: () => new nn.Sigmoid(),
  Tanh: () => new nn.Tanh(),
  GELU: (_, opts) => new nn.GELU(opts),
  ELU: (_, opts) => new nn.ELU(opts),
  SiLU: () => new nn.SiLU(),
  Softmax: ([dim]) => new nn.Softmax(dim),
  LogSoftmax: ([dim]) => new nn.LogSoftmax(dim),
  Flatten: (args) => new nn.Flatten(...(args as [number?, number?])),
  Dropout: ([p]) => new nn.Dropout(p).eval(),
  CrossEntropyLoss: (_, opts) => new nn.CrossEntropyLoss(opts),
  NLLLoss: (_, opts) => new nn.NLLLoss(opts),
  MSELoss: (_, opts) => new nn.MSELoss(opts),
  L1Loss: (_, opts) => new nn.L1Loss(opts),
  BCEWithLogitsLoss: (_, opts) => new nn.BCEWithLogitsLoss(opts),
};

const layers = suite('pytorch layers');
for (const c of fixtureJson<{ cases: LayerCase[] }>('layers.json').cases) {
  for (const dtype of DTYPES) {
    layers(`${c.name} ${dtype}`, () => {
      const tensorOpts = Object.fromEntries(Object.entries(c.tensorOptions).map(([k, t]) => [k, toTensor(t, dtype)]));
      const withDtype = c.layer === 'Linear' || c.layer === 'Conv2d' ? { dtype } : {};
      const layer = MAKE[c.layer](c.args, { ...c.options, ...tensorOpts, ...withDtype });
      // The same state-dict keys as torch.nn (parameters and buffers such as a loss's `weight`).
      assert.equal([...layer.stateDict().keys()], Object.keys(c.state));
      layer.loadStateDict(toStateDict(c.state, dtype));
      const inputs = c.inputs.map((t) => toTensor(t, dtype, t.requiresGrad === true));
      const out = layer.forward(...inputs) as sg.Tensor;
      expectClose(out, c.output, dtype, 'output');
      if (c.cot === undefined || c.grads === undefined) return;
      out.backward(toTensor(c.cot, dtype));
      for (const [key, g] of Object.entries(c.grads)) {
        const got = key.startsWith('input.') ? inputs[Number(key.slice(6))].grad : layer.getParameter(key).grad;
        expectClose(got, g, dtype, `grad of ${key}`);
      }
    });
  }
}
layers.run();

// ---- batchnorm.json ----------------------------------------------------------------------------

interface BatchNormStep {
  x: TensorJson;
  output: TensorJson;
  cot: TensorJson;
  grads: Record<string, TensorJson>;
  state: Record<string, TensorJson>;
}

interface BatchNormCase {
  name: string;
  layer: 'BatchNorm2d' | 'BatchNorm1d';
  numFeatures: number;
  options: nn.BatchNormOptions;
  initial: Record<string, TensorJson>;
  steps: BatchNormStep[];
  eval: BatchNormStep;
}

const bn = suite('pytorch batchnorm');
for (const c of fixtureJson<{ cases: BatchNormCase[] }>('batchnorm.json').cases) {
  for (const dtype of DTYPES) {
    bn(`${c.name}: ${c.steps.length} training steps then eval, ${dtype}`, () => {
      const layer = new nn[c.layer](c.numFeatures, { ...c.options, dtype });
      assert.equal([...layer.stateDict().keys()], Object.keys(c.initial));
      layer.loadStateDict(toStateDict(c.initial, dtype));
      const run = (step: BatchNormStep, what: string): void => {
        const x = toTensor(step.x, dtype, true);
        const out = layer.forward(x);
        expectClose(out, step.output, dtype, `${what} output`);
        out.backward(toTensor(step.cot, dtype));
        for (const [key, g] of Object.entries(step.grads)) {
          expectClose(key === 'input.0' ? x.grad : layer.getParameter(key).grad, g, dtype, `${what} grad of ${key}`);
        }
        layer.zeroGrad();
        const sd = layer.stateDict();
        assert.equal([...sd.keys()], Object.keys(step.state), `${what} state keys`);
        for (const [key, t] of Object.entries(step.state)) {
          if (key.endsWith('num_batches_tracked')) assert.equal([...sd.get(key)!.data], t.data, `${what} ${key}`);
          else expectClose(sd.get(key)!, t, dtype, `${what} ${key}`);
        }
      };
      c.steps.forEach((step, i) => run(step, `step ${i + 1}`));
      layer.eval();
      run(c.eval, 'eval');
    });
  }
}
bn.run();

// ---- model.safetensors + model.json --------------------------------------------------------------

interface ModelFixture {
  stateDictKeys: string[];
  dtypes: Record<string, string>;
  numBatchesTracked: number;
  input: TensorJson;
  target: TensorJson;
  evalOutput: TensorJson;
  loss: number;
  grads: Record<string, TensorJson>;
}

/** The fixture's torch.nn `Net`, field for field, so both have the same state-dict keys. */
class Net extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2));
  blocks = new nn.ModuleList([new nn.Conv2d(4, 4, 3, { padding: 1, padMode: 'reflect' }), new nn.Conv2d(4, 6, 3, { stride: 2, bias: false })]);
  bn = new nn.BatchNorm2d(6, { momentum: null });
  head = new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(24, 3));

  forward(x: sg.Tensor): sg.Tensor {
    let h = this.features.forward(x);                      // [N, 4, 5, 5]
    h = sg.relu(this.blocks.at(0).forward(h));             // [N, 4, 5, 5]
    h = this.bn.forward(this.blocks.at(1).forward(h));     // [N, 6, 2, 2]
    return this.head.forward(sg.relu(h));                  // [N, 3]
  }
}

const model = suite('pytorch model from safetensors');
const fx = fixtureJson<ModelFixture>('model.json');

model('the TS mirror of the torch.nn model has PyTorch\'s state-dict keys in PyTorch\'s order', () => {
  assert.equal([...new Net().stateDict().keys()], fx.stateDictKeys);
});

model('model.safetensors written on the Python side loads (F32 + I64 num_batches_tracked) with its metadata', () => {
  const bytes = fixtureBytes('model.safetensors');
  const sd = nn.loadSafetensors(bytes);
  assert.equal([...sd.keys()].sort(), [...fx.stateDictKeys].sort());
  for (const [k, t] of sd) assert.is(t.dtype, fx.dtypes[k] === 'I64' ? 'int32' : 'float32', k);
  assert.equal([...sd.get('features.1.num_batches_tracked')!.data], [fx.numBatchesTracked]);
  assert.equal(nn.safetensorsMetadata(bytes), { format: 'pt' });
});

model('loaded into the TS model it gives PyTorch\'s eval output, loss and parameter gradients (float32, 1e-4)', () => {
  const net = new Net();
  net.loadStateDict(nn.loadSafetensors(fixtureBytes('model.safetensors')));
  net.eval();
  const out = net.forward(toTensor(fx.input, 'float32'));
  expectClose(out, fx.evalOutput, 'float32', 'eval output');
  const loss = sg.crossEntropy(out, toTensor(fx.target));
  assert.ok(Math.abs(loss.item() - fx.loss) <= 1e-4 * Math.max(1, Math.abs(fx.loss)), `loss ${loss.item()} vs ${fx.loss}`);
  loss.backward();
  assert.equal(Object.keys(fx.grads), net.namedParameters().map(([k]) => k));
  for (const [k, g] of Object.entries(fx.grads)) expectClose(net.getParameter(k).grad, g, 'float32', `grad of ${k}`);
});

model('saving the loaded model and loading it again reproduces every tensor bit for bit', () => {
  const net = new Net();
  const original = nn.loadSafetensors(fixtureBytes('model.safetensors'));
  net.loadStateDict(original);
  const again = nn.loadSafetensors(nn.saveSafetensors(net.stateDict()));
  assert.equal([...again.keys()], fx.stateDictKeys);
  for (const [k, t] of original) {
    const u = again.get(k)!;
    assert.is(u.dtype, t.dtype, k);
    assert.equal(new Uint8Array(u.data.buffer), new Uint8Array(t.data.buffer), k);
  }
});
model.run();
