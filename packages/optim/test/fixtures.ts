/** Loads the PyTorch fixtures written by tools/fixtures/optim.py and builds optimizers from them. */
import { readFileSync } from 'node:fs';
import * as sg from '@simplegrad/core';
import { Adam, AdamW, SGD, type Optimizer } from '../src/index.js';

/** One optimizer trajectory from optimizers.json. */
export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  dtype: 'float32' | 'float64';
  options: Record<string, unknown>;
  groups: Array<{ params: number[]; options: Record<string, unknown> }> | null;
  params: Array<{ shape: number[]; init: number[] }>;
  steps: Array<{ grads: Array<number[] | null>; after: number[][] }>;
}

/** One learning-rate sequence from schedulers.json. */
export interface SchedulerCase {
  name: string;
  lrs: number[];
  schedulers: Array<{ type: string; options: Record<string, unknown> }>;
  metrics: number[] | null;
  sequence: number[][];
}

/** One clipping case from clip.json. */
export interface ClipCase {
  kind: 'norm' | 'value';
  normType?: number | 'inf';
  maxNorm?: number;
  clipValue?: number;
  shapes: number[][];
  grads: number[][];
  totalNorm?: number;
  clipped: number[][];
}

/** Reads `tools/fixtures/optim/<name>`'s `cases`. */
export function loadCases<T>(name: string): T[] {
  const url = new URL(`../../../tools/fixtures/optim/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] }).cases;
}

/** The case's parameters as fresh leaves, with the case's initial values and dtype. */
export function makeParams(c: Pick<OptimizerCase, 'params' | 'dtype'>): sg.Tensor[] {
  return c.params.map((p) => sg.tensor(p.init, { shape: p.shape, dtype: c.dtype, requiresGrad: true }));
}

/** The optimizer the case describes, over `params`. */
export function makeOptimizer(c: OptimizerCase, params: sg.Tensor[]): Optimizer {
  const input = c.groups === null ? params : c.groups.map((g) => ({ ...g.options, params: g.params.map((i) => params[i]) }));
  // The fixture's options are the API's camelCase options, untyped because they come from JSON.
  type Args<C extends abstract new (...a: never[]) => unknown> = ConstructorParameters<C>;
  switch (c.optimizer) {
    case 'SGD': return new SGD(input as Args<typeof SGD>[0], c.options as Args<typeof SGD>[1]);
    case 'Adam': return new Adam(input as Args<typeof Adam>[0], c.options as Args<typeof Adam>[1]);
    case 'AdamW': return new AdamW(input as Args<typeof AdamW>[0], c.options as Args<typeof AdamW>[1]);
    default: return c.optimizer satisfies never;
  }
}

/** Sets each parameter's grad from one fixture step (null = no gradient). */
export function setGrads(params: sg.Tensor[], grads: Array<number[] | null>): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : sg.tensor(g, { shape: p.shape, dtype: p.dtype });
  });
}
