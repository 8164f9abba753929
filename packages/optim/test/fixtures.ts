/**
 * Typed access to the PyTorch fixtures written by tools/fixtures/optim.py (format:
 * tools/fixtures/optim/README.md), and the helpers that turn a case into tensors, optimizers and
 * schedulers. The JSON is trusted to match these types: the script that writes it is in the repo.
 */
import { readFileSync } from 'node:fs';
import * as sg from '@simplegrad/core';
import {
  Adam, AdamW, CosineAnnealingLR, ExponentialLR, LinearLR, ReduceLROnPlateau, SGD, StepLR,
  type AdamOptions, type CosineAnnealingLROptions, type ExponentialLROptions, type LinearLROptions,
  type Optimizer, type ReduceLROnPlateauOptions, type SGDOptions, type StepLROptions,
} from '../src/index.js';

/** Fields every optimizer case has; `O` is the optimizer's options type. */
interface OptimizerCaseOf<N extends string, O> {
  name: string;
  optimizer: N;
  dtype: 'float32' | 'float64';
  options: O;
  /** Parameter groups as indices into `params`, with per-group overrides; null: one group of all. */
  groups: Array<{ params: number[]; options: Partial<O> }> | null;
  params: Array<{ shape: number[]; init: number[] }>;
  /** Per step: each parameter's gradient (null: none) and its values after `step()`. */
  steps: Array<{ grads: Array<number[] | null>; after: number[][] }>;
  /** torch's per-parameter state after the last step, camelCase; null: torch created none. */
  state: Array<Record<string, number | number[] | null> | null>;
}

/** One optimizer trajectory from optimizers.json. */
export type OptimizerCase =
  | OptimizerCaseOf<'SGD', SGDOptions>
  | OptimizerCaseOf<'Adam', AdamOptions>
  | OptimizerCaseOf<'AdamW', AdamOptions>;

/** One scheduler of a scheduler case, with its options in the TypeScript API's form. */
export type SchedulerSpec =
  | { type: 'StepLR'; options: StepLROptions }
  | { type: 'ExponentialLR'; options: ExponentialLROptions }
  | { type: 'CosineAnnealingLR'; options: CosineAnnealingLROptions }
  | { type: 'LinearLR'; options: LinearLROptions }
  | { type: 'ReduceLROnPlateau'; options: ReduceLROnPlateauOptions };

/** One learning-rate sequence from schedulers.json. */
export interface SchedulerCase {
  name: string;
  /** The initial lr of each parameter group. */
  lrs: number[];
  /** Schedulers built in this order on one optimizer, and stepped in this order. */
  schedulers: SchedulerSpec[];
  /** ReduceLROnPlateau's metric per step; null for the epoch schedulers. */
  metrics: number[] | null;
  /** Every group's lr after construction (entry 0) and after each round of steps. */
  sequence: number[][];
}

/** One clipping case from clip.json. Gradients are flat; null: the parameter has none. */
export type ClipCase = { name: string; shapes: number[][]; grads: Array<number[] | null>; clipped: Array<number[] | null> } & (
  | { kind: 'norm'; normType: number | 'inf'; maxNorm: number; totalNorm: number }
  | { kind: 'value'; clipValue: number }
);

/** Reads `tools/fixtures/optim/<name>`'s `cases`. */
export function loadCases<T>(name: string): T[] {
  const url = new URL(`../../../tools/fixtures/optim/${name}`, import.meta.url);
  const parsed: { cases: T[] } = JSON.parse(readFileSync(url, 'utf8'));
  return parsed.cases;
}

/** The case's parameters as fresh leaves, with the case's initial values and dtype. */
export function makeParams(c: Pick<OptimizerCase, 'params' | 'dtype'>): sg.Tensor[] {
  return c.params.map((p) => sg.tensor(p.init, { shape: p.shape, dtype: c.dtype, requiresGrad: true }));
}

/** The case's parameters: all of them as one group, or the case's groups with their overrides. */
function groupsOf<O>(c: OptimizerCaseOf<string, O>, params: sg.Tensor[]): sg.Tensor[] | Array<Partial<O> & { params: sg.Tensor[] }> {
  if (c.groups === null) return params;
  return c.groups.map((g) => ({ ...g.options, params: g.params.map((i) => params[i]) }));
}

/** The optimizer the case describes, over `params`. */
export function makeOptimizer(c: OptimizerCase, params: sg.Tensor[]): Optimizer {
  switch (c.optimizer) {
    case 'SGD': return new SGD(groupsOf(c, params), c.options);
    case 'Adam': return new Adam(groupsOf(c, params), c.options);
    case 'AdamW': return new AdamW(groupsOf(c, params), c.options);
    default: return c satisfies never;
  }
}

/** A scheduler as the tests drive it: epoch schedulers ignore the metric. */
export interface SteppedScheduler {
  step(metric: number | undefined): void;
  getLastLr(): number[];
}

/** The scheduler `spec` describes, attached to `opt`. */
export function makeScheduler(spec: SchedulerSpec, opt: Optimizer): SteppedScheduler {
  const epochwise = (s: { step(): void; getLastLr(): number[] }): SteppedScheduler => ({ step: () => s.step(), getLastLr: () => s.getLastLr() });
  switch (spec.type) {
    case 'StepLR': return epochwise(new StepLR(opt, spec.options));
    case 'ExponentialLR': return epochwise(new ExponentialLR(opt, spec.options));
    case 'CosineAnnealingLR': return epochwise(new CosineAnnealingLR(opt, spec.options));
    case 'LinearLR': return epochwise(new LinearLR(opt, spec.options));
    case 'ReduceLROnPlateau': {
      const s = new ReduceLROnPlateau(opt, spec.options);
      return {
        step: (metric) => {
          if (metric === undefined) throw new Error('a ReduceLROnPlateau case needs a metric for every step');
          s.step(metric);
        },
        getLastLr: () => s.getLastLr(),
      };
    }
    default: return spec satisfies never;
  }
}

/** Sets each parameter's grad from one fixture step (null = no gradient). */
export function setGrads(params: sg.Tensor[], grads: Array<number[] | null>): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : sg.tensor(g, { shape: p.shape, dtype: p.dtype });
  });
}
