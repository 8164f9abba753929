/** traceWasmKernels: every job and copy of the WebAssembly kernels reported, results unchanged. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { setWorkersOnly } from '../src/kernels/wasm/runtime.js';
import { throwsWith } from './throws.js';

const rand = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 2);

/** A GEMM and a ReLU through the wasm kernels, with every event reported while they run. */
function traced(): { c: Float32Array; r: Float32Array; jobs: sg.JobEvent[]; copies: sg.CopyEvent[] } {
  const [m, n, k] = [64, 96, 80];
  const a = rand(m * k, 1), b = rand(k * n, 2), x = rand(50_000, 3);
  const [c, r] = [new Float32Array(m * n), new Float32Array(x.length)];
  const jobs: sg.JobEvent[] = [], copies: sg.CopyEvent[] = [];
  const prev = sg.traceWasmKernels({ job: (e) => jobs.push(e), copy: (e) => copies.push(e) });
  try {
    sg.wasmKernels.gemm(false, false, m, n, k, a, 0, b, 0, c, 0, false);
    sg.wasmKernels.reluForward(x, r);
  } finally {
    sg.traceWasmKernels(prev);
  }
  return { c, r, jobs, copies };
}

test('traceWasmKernels reports each job by name and each copy by bytes, on one thread: nothing pooled', () => {
  const prevKernels = sg.useBackend('wasm');
  const prevThreads = sg.setWasmThreads(1);
  try {
    const { jobs, copies } = traced();
    const names = jobs.map((j) => j.name);
    assert.ok(names.includes('RELU'), `jobs: ${names.join(', ')}`);
    assert.ok(names.some((n) => n === 'COLS' || n === 'ROWS'), `a GEMM job among ${names.join(', ')}`);
    for (const j of jobs) {
      assert.is(j.pooled, false);
      assert.is(j.byWorkers, 0);
      assert.ok(j.chunks >= 1 && j.ms >= 0);
    }
    // In: A, B and the ReLU's input; out: C and the ReLU's output.
    const into = copies.filter((c) => c.into).map((c) => c.bytes).sort((p, q) => p - q);
    const out = copies.filter((c) => !c.into).map((c) => c.bytes).sort((p, q) => p - q);
    assert.equal(into, [4 * 64 * 80, 4 * 80 * 96, 4 * 50_000].sort((p, q) => p - q));
    assert.equal(out, [4 * 64 * 96, 4 * 50_000].sort((p, q) => p - q));
  } finally {
    sg.setWasmThreads(prevThreads);
    sg.setKernels(prevKernels);
  }
});

test('traceWasmKernels on two threads: pooled jobs say how many chunks the workers ran (all of them when the caller steps aside); the results are the untraced bits', () => {
  const prevKernels = sg.useBackend('wasm');
  const prevThreads = sg.setWasmThreads(2, { minFlops: 0 });
  try {
    assert.ok(setWorkersOnly(true), 'a pool exists');
    const { c, r, jobs } = traced();
    const pooled = jobs.filter((j) => j.pooled);
    assert.ok(pooled.length > 0, 'some job was shared');
    for (const j of pooled) assert.is(j.byWorkers, j.chunks, `${j.name}: the workers ran every chunk`);
    setWorkersOnly(false);
    // Untraced, racing: the same bits.
    const [m, n, k] = [64, 96, 80];
    const c2 = new Float32Array(m * n), r2 = new Float32Array(50_000);
    sg.wasmKernels.gemm(false, false, m, n, k, rand(m * k, 1), 0, rand(k * n, 2), 0, c2, 0, false);
    sg.wasmKernels.reluForward(rand(50_000, 3), r2);
    assert.equal(new Uint32Array(c.buffer), new Uint32Array(c2.buffer));
    assert.equal(new Uint32Array(r.buffer), new Uint32Array(r2.buffer));
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prevThreads, { minFlops: 2e6 });
    sg.setKernels(prevKernels);
  }
});

test('traceWasmKernels returns the previous tracer, and null stops the reports', () => {
  const prevKernels = sg.useBackend('wasm');
  try {
    let events = 0;
    const t: sg.KernelTracer = { job: () => { events++; }, copy: () => { events++; } };
    const before = sg.traceWasmKernels(t);
    assert.is(sg.traceWasmKernels(null), t);
    sg.wasmKernels.reluForward(rand(50_000, 4), new Float32Array(50_000));
    assert.is(events, 0);
    sg.traceWasmKernels(before);
  } finally {
    sg.setKernels(prevKernels);
  }
});

test('traceWasmKernels refuses what is not a tracer, naming what is missing', () => {
  throwsWith(() => sg.traceWasmKernels({ job: () => {} } as unknown as sg.KernelTracer), sg.ArgumentError,
    'traceWasmKernels: tracer must be null or an object with job and copy functions, got an object without copy');
  throwsWith(() => sg.traceWasmKernels((() => {}) as unknown as sg.KernelTracer), sg.ArgumentError,
    'traceWasmKernels: tracer must be null or an object with job and copy functions, got function');
});

test.run();
