/**
 * Golden values from PyTorch and NumPy: pad, conv2d, pooling, (log-)softmax and the losses.
 *
 * The fixtures in tools/fixtures/core/*.json were made once by tools/fixtures/core.py (see
 * tools/fixtures/README.md); CI never needs torch. Each case holds its inputs, the op's options as
 * the TS API takes them, the forward output and, for differentiable ops, the gradients of
 * `sum(out * cot)` for a stored cotangent `cot`. Every case runs twice: in float64 with gradients,
 * and in float32 for the forward only.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose } from './gradcheck.js';

interface TensorJson {
  shape: number[];
  dtype: 'float64' | 'int32';
  /** Inputs only: whether the float64 run asks for this input's gradient. */
  requiresGrad?: boolean;
  data: number[];
}

type OpName =
  | 'pad' | 'conv2d' | 'convTranspose2d' | 'maxPool2d' | 'avgPool2d' | 'softmax' | 'logSoftmax'
  | 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'l1Loss' | 'binaryCrossEntropyWithLogits';

interface Case {
  name: string;
  op: OpName;
  /** Positional arguments other than tensors. */
  args: { width?: sg.PadWidth; kernelSize?: number | [number, number]; dim?: number };
  /** The options object, minus its tensor-valued entries (those are in `inputs`). */
  options: Record<string, unknown>;
  inputs: Record<string, TensorJson>;
  output: TensorJson;
  cot?: TensorJson;
  grads?: Record<string, TensorJson>;
  /** 'torch', 'numpy-adjoint' or 'torch+numpy-adjoint': where the expected gradients came from. */
  gradSource?: string;
}

interface Fixture { family: string; torch: string; numpy: string; cases: Case[] }

type Inputs = Record<string, sg.Tensor>;

/** `opts` plus the tensor-valued options that this case has (absent ones stay absent, not undefined). */
function withTensors<T>(opts: Record<string, unknown>, tensors: Record<string, sg.Tensor | undefined>): T {
  const out: Record<string, unknown> = { ...opts };
  for (const [k, t] of Object.entries(tensors)) if (t !== undefined) out[k] = t;
  return out as T;
}

/** Calls the TS API for each op, routing each stored input to its argument or option. */
const run = {
  pad: (t, c) => sg.pad(t.x, c.args.width!, c.options as sg.PadOptions),
  conv2d: (t, c) => sg.conv2d(t.x, t.weight, withTensors<sg.Conv2dOptions>(c.options, { bias: t.bias })),
  convTranspose2d: (t, c) => sg.convTranspose2d(t.x, t.weight, withTensors<sg.ConvTranspose2dOptions>(c.options, { bias: t.bias })),
  maxPool2d: (t, c) => sg.maxPool2d(t.x, c.args.kernelSize!, c.options as sg.PoolOptions),
  avgPool2d: (t, c) => sg.avgPool2d(t.x, c.args.kernelSize!, c.options as sg.AvgPool2dOptions),
  softmax: (t, c) => sg.softmax(t.x, c.args.dim),
  logSoftmax: (t, c) => sg.logSoftmax(t.x, c.args.dim),
  crossEntropy: (t, c) => sg.crossEntropy(t.input, t.target, withTensors<sg.CrossEntropyOptions>(c.options, { weight: t.weight })),
  nllLoss: (t, c) => sg.nllLoss(t.input, t.target, withTensors<sg.NllLossOptions>(c.options, { weight: t.weight })),
  mseLoss: (t, c) => sg.mseLoss(t.input, t.target, c.options as sg.LossOptions),
  l1Loss: (t, c) => sg.l1Loss(t.input, t.target, c.options as sg.LossOptions),
  binaryCrossEntropyWithLogits: (t, c) => sg.binaryCrossEntropyWithLogits(
    t.input, t.target, withTensors<sg.BceWithLogitsOptions>(c.options, { weight: t.weight, posWeight: t.posWeight })),
} satisfies Record<OpName, (t: Inputs, c: Case) => sg.Tensor>;

function toTensor(j: TensorJson, float: 'float32' | 'float64', requiresGrad: boolean): sg.Tensor {
  if (j.dtype === 'int32') return new sg.Tensor(Int32Array.from(j.data), j.shape);
  const data = float === 'float64' ? Float64Array.from(j.data) : Float32Array.from(j.data);
  return new sg.Tensor(data, j.shape, requiresGrad);
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/** float64, forward and every stored gradient, to 1e-4. */
function checkFloat64(c: Case): void {
  const t: Inputs = {};
  for (const [k, j] of Object.entries(c.inputs)) t[k] = toTensor(j, 'float64', j.requiresGrad === true);
  const out = run[c.op](t, c);
  assert.is(out.dtype, 'float64', 'output dtype');
  assert.equal([...out.shape], c.output.shape, 'output shape');
  assertClose(out.data, c.output.data, 1e-4, 1e-4, `${c.op} forward`);
  if (!c.cot || !c.grads) return;
  out.backward(new sg.Tensor(Float64Array.from(c.cot.data), c.cot.shape));
  for (const [k, g] of Object.entries(c.grads)) {
    const grad = t[k].grad;
    assert.ok(grad, `${c.op}: ${k}.grad is null after backward`);
    assert.equal([...grad.shape], g.shape, `${k}.grad shape`);
    assertClose(grad.data, g.data, 1e-4, 1e-4, `${c.op} grad of ${k} (${c.gradSource})`);
  }
}

/** float32, forward only; the tolerance scales with the output's magnitude. */
function checkFloat32(c: Case): void {
  const t: Inputs = {};
  for (const [k, j] of Object.entries(c.inputs)) t[k] = toTensor(j, 'float32', false);
  const out = run[c.op](t, c);
  assert.is(out.dtype, 'float32', 'output dtype');
  assert.equal([...out.shape], c.output.shape, 'output shape');
  const atol = 1e-4 * Math.max(1, maxAbs(c.output.data));
  assertClose(out.data, c.output.data, atol, 1e-4, `${c.op} float32 forward`);
}

const FIXTURES = new URL('../../../tools/fixtures/core/', import.meta.url);

for (const family of ['pad', 'conv2d', 'conv_grouped', 'conv_transpose', 'pool', 'softmax', 'losses']) {
  const fixture = JSON.parse(readFileSync(new URL(`${family}.json`, FIXTURES), 'utf8')) as Fixture;
  const s = suite(`pytorch ${family} (torch ${fixture.torch}, numpy ${fixture.numpy})`);
  for (const c of fixture.cases) {
    s(c.name, () => checkFloat64(c));
    s(`${c.name} [float32 forward]`, () => checkFloat32(c));
  }
  s.run();
}
