/**
 * Runs PyTorch fixture cases (tools/fixtures/core/*.json, format in tools/fixtures/README.md) for
 * the test files of the ops added by issue 9: each case once in float64 (forward and every stored
 * gradient) and once in float32 (forward), like pytorch.test.ts does for the older families.
 * Every run also records the largest error against torch, which `maxErrors` reports.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { assertClose } from './gradcheck.js';

export interface TensorJson {
  shape: number[];
  dtype: 'float64' | 'int32';
  requiresGrad?: boolean;
  data: number[];
}

export interface FixtureCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  options: Record<string, unknown>;
  inputs: Record<string, TensorJson>;
  output: TensorJson;
  cot?: TensorJson;
  grads?: Record<string, TensorJson>;
  [extra: string]: unknown;
}

export interface Fixture { family: string; torch: string; numpy: string; cases: FixtureCase[]; [extra: string]: unknown }

/** The case's tensors by input name (`x`, `weight`, ...). */
export type Inputs = Record<string, sg.Tensor>;
/** Calls the op under test for one case. */
export type Runner = (t: Inputs, c: FixtureCase) => sg.Tensor;

const FIXTURES = new URL('../../../tools/fixtures/core/', import.meta.url);

/** Reads `tools/fixtures/core/<family>.json`. */
export function loadFixture(family: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${family}.json`, FIXTURES), 'utf8')) as Fixture;
}

export function toTensor(j: TensorJson, float: 'float32' | 'float64', requiresGrad: boolean): sg.Tensor {
  if (j.dtype === 'int32') return new sg.Tensor(Int32Array.from(j.data), j.shape);
  const data = float === 'float64' ? Float64Array.from(j.data) : Float32Array.from(j.data);
  return new sg.Tensor(data, j.shape, requiresGrad);
}

/** `opts` plus the case's tensor-valued options that are present. */
export function withTensors<T>(opts: Record<string, unknown>, tensors: Record<string, sg.Tensor | undefined>): T {
  const out: Record<string, unknown> = { ...opts };
  for (const [k, t] of Object.entries(tensors)) if (t !== undefined) out[k] = t;
  return out as T;
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest |ours − torch| per family and kind, filled in as cases run (for the report). */
export const maxErrors: Record<string, { forward64: number; grad64: number; forward32: number }> = {};

function note(family: string, kind: 'forward64' | 'grad64' | 'forward32', err: number): void {
  const e = (maxErrors[family] ??= { forward64: 0, grad64: 0, forward32: 0 });
  e[kind] = Math.max(e[kind], err);
}

/** float64: forward and every stored gradient, to 1e-4 absolute + relative (as pytorch.test.ts). */
export function checkFloat64(family: string, c: FixtureCase, run: Runner): void {
  const t: Inputs = {};
  for (const [k, j] of Object.entries(c.inputs)) t[k] = toTensor(j, 'float64', j.requiresGrad === true);
  const out = run(t, c);
  assert.is(out.dtype, c.output.dtype, 'output dtype');
  assert.equal([...out.shape], c.output.shape, 'output shape');
  assertClose(out.data, c.output.data, 1e-4, 1e-4, `${c.op} forward`);
  note(family, 'forward64', maxDiff(out.data, c.output.data));
  if (!c.cot || !c.grads) return;
  out.backward(new sg.Tensor(Float64Array.from(c.cot.data), c.cot.shape));
  for (const [k, g] of Object.entries(c.grads)) {
    const grad = t[k].grad;
    assert.ok(grad, `${c.op}: ${k}.grad is null after backward`);
    assert.equal([...grad.shape], g.shape, `${k}.grad shape`);
    assertClose(grad.data, g.data, 1e-4, 1e-4, `${c.op} grad of ${k}`);
    note(family, 'grad64', maxDiff(grad.data, g.data) / Math.max(1, maxAbs(g.data)));
  }
}

/** float32: forward only, the tolerance scaled by the output's magnitude. */
export function checkFloat32(family: string, c: FixtureCase, run: Runner): void {
  const t: Inputs = {};
  for (const [k, j] of Object.entries(c.inputs)) t[k] = toTensor(j, 'float32', false);
  const out = run(t, c);
  assert.equal([...out.shape], c.output.shape, 'output shape');
  const scale = Math.max(1, maxAbs(c.output.data));
  assertClose(out.data, c.output.data, 1e-4 * scale, 1e-4, `${c.op} float32 forward`);
  note(family, 'forward32', maxDiff(out.data, c.output.data) / scale);
}

/** Registers and runs a suite with every case of `family` in float64 and float32. */
export function runFixture(family: string, run: Runner): void {
  const fixture = loadFixture(family);
  const s = suite(`pytorch ${family} (torch ${fixture.torch})`);
  for (const c of fixture.cases) {
    s(c.name, () => checkFloat64(family, c, run));
    s(`${c.name} [float32 forward]`, () => checkFloat32(family, c, run));
  }
  s.after(() => {
    if (process.env.SG_REPORT_ERRORS) console.log(family, JSON.stringify(maxErrors[family]));
  });
  s.run();
}
