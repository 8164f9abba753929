/**
 * `npm run bench -- --trace ID`: where a training step of workload ID spends the calling thread's
 * time, on one thread and on two (`sg.traceWasmKernels`): each kind of WebAssembly job (ms a step,
 * whether the pool shared it and how many of its chunks the worker ran), the copies into and out of
 * the module, and what is left (JavaScript: autograd, allocation, garbage collection). A second
 * thread can only shorten the pooled jobs; the rest is the share that caps its gain.
 */
import * as sg from '@simplegrad/core';
import { yieldToEventLoop } from './measure.js';
import { renderTable } from './table.js';

/** Per kind of job, summed over the traced steps. */
interface JobTotals {
  ms: number;
  /** The part of `ms` in pooled calls. */
  pooledMs: number;
  calls: number;
  pooled: number;
  chunks: number;
  byWorkers: number;
}

/** One thread count's trace: totals per job kind, copies and step time, per step. */
interface Trace {
  steps: number;
  stepMs: number;
  jobs: Map<string, JobTotals>;
  copies: { into: [number, number]; out: [number, number] };
}

/** Traces `steps` calls of `step` (already warmed up). */
function traceSteps(step: () => void, steps: number): Trace {
  const jobs = new Map<string, JobTotals>();
  const copies: Trace['copies'] = { into: [0, 0], out: [0, 0] };
  const prev = sg.traceWasmKernels({
    job: (e) => {
      const t = jobs.get(e.name) ?? { ms: 0, pooledMs: 0, calls: 0, pooled: 0, chunks: 0, byWorkers: 0 };
      t.ms += e.ms;
      t.calls++;
      if (e.pooled) {
        t.pooledMs += e.ms;
        t.pooled++;
        t.chunks += e.chunks;
        t.byWorkers += e.byWorkers;
      }
      jobs.set(e.name, t);
    },
    copy: (e) => {
      const c = e.into ? copies.into : copies.out;
      c[0] += e.ms;
      c[1] += e.bytes;
    },
  });
  const t0 = performance.now();
  try {
    for (let i = 0; i < steps; i++) step();
  } finally {
    sg.traceWasmKernels(prev);
  }
  return { steps, stepMs: (performance.now() - t0) / steps, jobs, copies };
}

/**
 * Traces workload steps from `makeStep` (a fresh model each time) on one and on two threads, twice
 * each in alternation (a shared machine drifts), about `seconds` each after as long a warm-up, and
 * returns the report. It yields to the event loop between runs, so each run's model and replaced
 * engine are given back (see yieldToEventLoop).
 */
export async function traceReport(id: string, makeStep: () => () => void, seconds = 2): Promise<string> {
  const runs = new Map<number, Trace[]>([[1, []], [2, []]]);
  for (const threads of [1, 2, 1, 2]) {
    sg.setWasmThreads(threads);
    const step = makeStep();
    let steps = 0;
    const t0 = performance.now();
    while (steps < 2 || performance.now() - t0 < 1000 * seconds) {
      step();
      steps++;
    }
    runs.get(threads)!.push(traceSteps(step, steps));
    await yieldToEventLoop();
  }
  const sum = (threads: number) => {
    const traces = runs.get(threads)!;
    const steps = traces.reduce((s, t) => s + t.steps, 0);
    const jobs = new Map<string, JobTotals>();
    for (const t of traces) {
      for (const [name, j] of t.jobs) {
        const a = jobs.get(name) ?? { ms: 0, pooledMs: 0, calls: 0, pooled: 0, chunks: 0, byWorkers: 0 };
        for (const k of ['ms', 'pooledMs', 'calls', 'pooled', 'chunks', 'byWorkers'] as const) a[k] += j[k];
        jobs.set(name, a);
      }
    }
    const stepMs = traces.reduce((s, t) => s + t.stepMs * t.steps, 0) / steps;
    const copyMs = traces.reduce((s, t) => s + t.copies.into[0] + t.copies.out[0], 0) / steps;
    const copyMB = traces.reduce((s, t) => s + t.copies.into[1] + t.copies.out[1], 0) / steps / 2 ** 20;
    return { steps, jobs, stepMs, copyMs, copyMB };
  };
  const one = sum(1), two = sum(2);
  const names = [...new Set([...one.jobs.keys(), ...two.jobs.keys()])].sort((a, b) => (one.jobs.get(b)?.ms ?? 0) - (one.jobs.get(a)?.ms ?? 0));
  const perStep = (ms: number | undefined, steps: number) => (ms === undefined ? '' : (ms / steps).toFixed(2));
  const rows = names.map((name) => {
    const a = one.jobs.get(name), b = two.jobs.get(name);
    return [
      name, perStep(a?.ms, one.steps), perStep(b?.ms, two.steps),
      b === undefined ? '' : `${(b.calls / two.steps).toFixed(0)} (${((100 * b.pooled) / b.calls).toFixed(0)} %)`,
      b === undefined || b.chunks === 0 ? '' : `${((100 * b.byWorkers) / b.chunks).toFixed(0)} %`,
    ];
  });
  const split = (s: ReturnType<typeof sum>) => {
    let pooled = 0, all = 0;
    for (const j of s.jobs.values()) {
      pooled += j.pooledMs;
      all += j.ms;
    }
    const [p, q] = [pooled / s.steps, (all - pooled) / s.steps];
    return `${s.stepMs.toFixed(1)} ms a step: pooled jobs ${p.toFixed(1)}, jobs on the calling thread ${q.toFixed(1)}, `
      + `copies ${s.copyMs.toFixed(1)} (${s.copyMB.toFixed(0)} MB), the rest ${(s.stepMs - p - q - s.copyMs).toFixed(1)}`;
  };
  return `${id}, wasm (${one.steps} steps on 1 thread, ${two.steps} on 2, alternated)\n`
    + `  1 thread:  ${split(one)}\n  2 threads: ${split(two)}\n`
    + renderTable(['job', '1 t ms/step', '2 t ms/step', '2 t calls/step (pooled)', 'worker ran'], rows);
}
