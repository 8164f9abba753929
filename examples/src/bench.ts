/**
 * `npm run bench`: the speed benchmark. Runs the workloads of bench/workloads.ts (W1–W4 and the
 * MNIST example's model) on each kernel backend and thread count, prints the median time per
 * iteration after warm-up and the throughput, then the GEMM GFLOP/s on the shapes of a W2 step.
 *
 * `npm run bench:peers` adds TensorFlow.js (cpu and wasm backends, installed on demand into
 * bench/peers) and PyTorch (if /usr/bin/python3 imports torch), run on the same shapes in the same
 * run, and prints simplegrad's speed-ups over them.
 *
 * Flags: --quick (short budgets), --only W2,W4 (workload ids or prefixes), --peers, --no-tfjs (peers
 * without TF.js), --no-gemm, --no-js (skip the plain-JS reference backend), --memory N (train W2, or the workload named by
 * --memory-on, for N steps and report the resident and wasm memory before and after), --profile ID
 * (a CPU profile of about a second of steps of workload ID after warm-up, top self time), --allocs ID (typed arrays allocated
 * per step of workload ID), --trace ID (the calling thread's time per kind of WebAssembly job, pooled or
 * not, the copies and the rest, on one and two threads: bench/trace.ts), --no-tidy (model steps
 * without `tidy`, each allocating its own memory), --conv-precision high (`setConvPrecision('high')`
 * for simplegrad: Winograd F(4×4, 3×3) allowed).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as sg from '@simplegrad/core';
import { BUDGETS, type Budget, W2_GEMMS, countAllocations, gemmGflops, parallelCapacity, settle, timeMs, yieldToEventLoop } from './bench/measure.js';
import { profileSteps } from './bench/profile.js';
import { traceReport } from './bench/trace.js';
import { type Cell, ratioTable, renderTable, resultsTable } from './bench/table.js';
import { WORKLOADS, type WorkloadSpec, simplegradStep } from './bench/workloads.js';
import { runPeers } from './bench/peers.js';

const USAGE = `usage: npm run bench [-- flags]    (npm run bench:peers adds TensorFlow.js and PyTorch)
  --quick        short time budgets (about half the run time)
  --only W2,W4   only these workloads (ids or prefixes: W1, W1b, W2, W3, W4, MNIST, ResNet-18, MobileNetV2)
  --peers        also run TensorFlow.js (installed on demand into bench/peers) and PyTorch if available
  --no-gemm      skip the GEMM GFLOP/s table
  --no-js        skip the plain-JS reference backend (slow on ResNet-18 and MobileNetV2)
  --no-tfjs      with --peers: PyTorch only (TF.js is installed into bench/peers on first use)
  --rounds N     N rounds of simplegrad (then, with --peers, PyTorch), each cell the median of its
                 rounds (a shared machine's speed drifts over minutes; alternating keeps ratios fair)
  --memory N     train W2 for N steps and report resident and wasm memory before and after
  --memory-on ID the model workload --memory trains instead of W2 (e.g. ResNet-18)
  --profile ID   CPU-profile about a second of steps of workload ID (wasm, 2 threads, after a second of
                 warm-up) and print the top self time
  --allocs ID    count the typed arrays (and bytes) one step of workload ID allocates
  --no-tidy      run model steps outside \`tidy\` (each allocates new arrays for its activations and
                 gradients instead of reusing the last step's); with any of the flags here
  --conv-precision P
                 simplegrad's setConvPrecision (default highest; high allows Winograd F(4×4, 3×3),
                 faster 3×3 convolutions with about 10× the rounding error); with any of the flags here
  --trace ID     where a step of workload ID spends the calling thread's time on 1 and 2 threads: each
                 kind of WebAssembly job (pooled or not, the worker's share of its chunks), the copies
                 in and out of the module, and the rest (JavaScript, allocation, GC)`;

/** A simplegrad configuration: backend and thread count. */
interface Config {
  label: string;
  backend: sg.BackendName;
  threads: number;
}

const CONFIGS: Config[] = [
  { label: 'js', backend: 'js', threads: 1 },
  { label: 'wasm 1t', backend: 'wasm', threads: 1 },
  { label: 'wasm 2t', backend: 'wasm', threads: 2 },
];

/** Switches simplegrad to `c`, then lets its workers boot and the module get optimised. */
function use(c: Config): void {
  sg.useBackend(c.backend);
  sg.setWasmThreads(c.threads);
  if (c.backend === 'wasm') settle();
}

/** Whether model steps run in `tidy` (see simplegradStep; `--no-tidy` clears it). */
let tidySteps = true;
const step = (spec: WorkloadSpec): (() => void) => simplegradStep(spec, { tidy: tidySteps });

const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

/** Runs every selected workload on every configuration. */
async function benchSimplegrad(specs: WorkloadSpec[], budget: Budget, configs: Config[]): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const c of configs) {
    use(c);
    // The plain-JS reference is ~10× slower: one warm-up run is enough for it.
    const b = c.backend === 'js' ? { ...budget, warmup: Math.min(budget.warmup, 1) } : budget;
    for (const spec of specs) {
      const ms = timeMs(step(spec), b);
      cells.push({ workload: spec.id, config: c.label, ms });
      process.stderr.write(`  simplegrad ${c.label.padEnd(8)} ${spec.id.padEnd(14)} ${ms.toFixed(2)} ms\n`);
      await yieldToEventLoop();
    }
  }
  return cells;
}

/** One cell per workload and configuration: the median time of its rounds (a cell with no time keeps its note). */
function medianCells(runs: Cell[]): Cell[] {
  const groups = new Map<string, Cell[]>();
  for (const c of runs) {
    const key = `${c.workload}\u0000${c.config}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    const times = group.map((c) => c.ms).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    if (times.length === 0) return group[0];
    return { ...group[0], ms: times.length % 2 === 1 ? times[times.length >> 1] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2 };
  });
}

/** GFLOP/s of each configuration's GEMM on the W2 shapes. */
function benchGemm(budget: Budget): string {
  const rows = W2_GEMMS.map(([label, tA, tB, m, n, k]) => {
    const cellsOf = CONFIGS.map((c) => {
      use(c);
      return gemmGflops(tA, tB, m, n, k, budget).toFixed(1);
    });
    return [label, `${m}×${n}×${k}`, ...cellsOf];
  });
  return renderTable(['GEMM on W2 shapes (GFLOP/s)', 'm×n×k', ...CONFIGS.map((c) => c.label)], rows);
}

/** Trains workload `id` for `steps` steps on two threads and reports memory after warm-up and at the end. */
function benchMemory(steps: number, id: string): string {
  use({ label: 'wasm', backend: 'wasm', threads: 2 });
  const spec = WORKLOADS.find((w) => w.id === id);
  if (spec === undefined || spec.kind === 'conv') throw new Error(`bench: --memory-on needs a model workload id, got '${id}'`);
  const run = step(spec);
  for (let i = 0; i < 20; i++) run();
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const start = { rss: process.memoryUsage().rss, wasm: sg.wasmMemoryBytes() };
  const t = performance.now();
  for (let i = 0; i < steps; i++) run();
  const end = { rss: process.memoryUsage().rss, wasm: sg.wasmMemoryBytes() };
  const sps = (steps * spec.input[0] * 1000) / (performance.now() - t);
  return `memory over ${steps} ${id} steps after 20 warm-up steps (wasm, 2 threads, ${sps.toFixed(1)} samples/s): `
    + `RSS ${mb(start.rss)} → ${mb(end.rss)}, wasm memory ${mb(start.wasm)} → ${mb(end.wasm)}`;
}

/** The model workload `id`, or an error listing the ids. */
function modelWorkload(id: string): WorkloadSpec {
  const spec = WORKLOADS.find((w) => w.id === id);
  if (spec === undefined) throw new Error(`bench: no workload '${id}' (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
  return spec;
}

/**
 * --trace, --profile and --allocs: the trace of bench/trace.ts; a CPU profile of about a second of
 * steps (at least 3) after about a second of warm-up (at least 2 steps: V8 optimises a small model's
 * JavaScript and the workers' WebAssembly only after many calls, so a profile of the first steps
 * shows the compilers, not the step); and the allocations of a step.
 */
async function inspectWorkload(profileId: string | undefined, allocsId: string | undefined, traceId: string | undefined): Promise<void> {
  if (traceId !== undefined) {
    const spec = modelWorkload(traceId);
    use({ label: 'wasm 1t', backend: 'wasm', threads: 1 });
    console.log(await traceReport(traceId, () => step(spec)));
  }
  use({ label: 'wasm 2t', backend: 'wasm', threads: 2 });
  if (profileId !== undefined) {
    const run = step(modelWorkload(profileId));
    let steps = 0;
    const t0 = performance.now();
    while (steps < 2 || performance.now() - t0 < 1000) {
      run();
      steps++;
    }
    const perStep = (performance.now() - t0) / steps;
    // Into the temp directory, so that a profile never lands in the checkout.
    const file = join(tmpdir(), `${profileId.replace(/[^A-Za-z0-9-]/g, '_')}.cpuprofile`);
    console.log(`${profileId}: ${await profileSteps(run, Math.max(3, Math.round(1000 / perStep)), file)}`);
  }
  // After the profile: counting swaps the typed-array constructors, which deoptimises what it touches.
  if (allocsId !== undefined) {
    const run = step(modelWorkload(allocsId));
    run();
    run();
    const { arrays, bytes } = countAllocations(run, 3);
    console.log(`${allocsId}: ${arrays.toFixed(0)} typed arrays, ${(bytes / 2 ** 20).toFixed(1)} MB allocated per step`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      peers: { type: 'boolean', default: false },
      'no-gemm': { type: 'boolean', default: false },
      memory: { type: 'string' },
      'memory-on': { type: 'string', default: 'W2' },
      'no-js': { type: 'boolean', default: false },
      'no-tfjs': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      profile: { type: 'string' },
      allocs: { type: 'string' },
      trace: { type: 'string' },
      'no-tidy': { type: 'boolean', default: false },
      'conv-precision': { type: 'string', default: 'highest' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  tidySteps = !values['no-tidy'];
  sg.setConvPrecision(values['conv-precision'] as sg.ConvPrecision);
  if (values.profile !== undefined || values.allocs !== undefined || values.trace !== undefined) {
    // These inspect one workload and run no benchmark: a benchmark flag beside them would do nothing.
    const ignored: string[] = (['quick', 'only', 'peers', 'no-gemm', 'memory', 'no-js', 'no-tfjs'] as const)
      .filter((k) => values[k] !== undefined && values[k] !== false);
    if (values.rounds !== '1') ignored.push('rounds');
    if (ignored.length > 0) throw new Error(`bench: --trace, --profile and --allocs run alone; drop --${ignored.join(', --')}`);
    await inspectWorkload(values.profile, values.allocs, values.trace);
    return;
  }
  const budget = values.quick ? BUDGETS.quick : BUDGETS.full;
  const only = values.only?.split(',').map((s) => s.trim());
  const specs = only ? WORKLOADS.filter((w) => only.some((o) => w.id.startsWith(o))) : WORKLOADS;
  const cpu = cpus();
  const capacity = await parallelCapacity();
  console.log(`simplegrad benchmark: Node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, `
    + `WebAssembly SIMD ${sg.wasmSimdSupported() ? 'yes' : 'no'}, load average at start ${load()}, `
    + `cores free for us ≈ ${capacity.toFixed(2)} (two spinning workers vs one), conv precision ${sg.convPrecision()}`);
  console.log(`medians of timed runs after ${budget.warmup} warm-up run(s); conv throughput counts fwd+bwd as 3× the forward flops\n`);

  const started = performance.now();
  const chosen = values['no-js'] ? CONFIGS.filter((c) => c.backend !== 'js') : CONFIGS;
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench: --rounds must be a positive integer, got ${values.rounds}`);
  const runs: Cell[] = [];
  const configs = new Set(chosen.map((c) => c.label));
  for (let r = 0; r < rounds; r++) {
    if (rounds > 1) process.stderr.write(`round ${r + 1} of ${rounds}\n`);
    runs.push(...(await benchSimplegrad(specs, budget, chosen)));
    if (values.peers) {
      // TF.js is 10–500× slower than the others: its first round is enough.
      const peers = runPeers(specs, values.quick, values['no-tfjs'] ? 'off' : r === 0 ? 'run' : 'ran');
      runs.push(...peers.cells);
      for (const c of peers.configs) configs.add(c);
    }
  }
  const cells = medianCells(runs);
  console.log(resultsTable(specs, [...configs], cells));
  if (values.peers) {
    const pairs: [string, string][] = [
      ['wasm 1t', 'tfjs cpu'], ['wasm 1t', 'tfjs wasm 1t'], ['wasm 2t', 'tfjs wasm 2t'], ['wasm 1t', 'torch 1t'], ['wasm 2t', 'torch 2t'],
    ];
    console.log(`\nsimplegrad's speed-up (peer time / simplegrad time; > 1 means simplegrad is faster)\n${ratioTable(specs, pairs.filter(([, p]) => configs.has(p)), cells)}`);
  }
  if (!values['no-gemm']) console.log(`\n${benchGemm(budget)}`);
  if (values.memory) console.log(`\n${benchMemory(Number(values.memory), values['memory-on'])}`);
  console.log(`\nload average at end ${load()}, cores free for us ≈ ${(await parallelCapacity()).toFixed(2)}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
