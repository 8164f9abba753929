/**
 * The peers of `npm run bench:peers`, run on the same workload specs and budget in child processes:
 * TensorFlow.js 4.22 (installed on demand into bench/peers, bundled with esbuild, see
 * bench/peers/tfjs.mjs) and PyTorch (bench/peers/torch_bench.py, if /usr/bin/python3 imports torch).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUDGETS } from './measure.js';
import type { Cell } from './table.js';
import type { WorkloadSpec } from './workloads.js';

const dir = fileURLToPath(new URL('../../../bench/peers/', import.meta.url));
const python = '/usr/bin/python3';

/** Runs `cmd` with the specs and budget as JSON on stdin and parses its JSON-lines results. */
function runJsonLines(label: string, cmd: string, args: string[], input: unknown): Cell[] {
  process.stderr.write(`  ${label}: running…\n`);
  const r = spawnSync(cmd, args, { cwd: dir, input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 24 });
  const cells: Cell[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const { workload, ms, note } = JSON.parse(line) as { workload: string; ms: number | null; note?: string };
    cells.push({ workload, config: label, ms, ...(note ? { note } : {}) });
    process.stderr.write(`  ${label.padEnd(19)} ${workload.padEnd(14)} ${ms === null ? 'n/a' : `${ms.toFixed(2)} ms`}\n`);
  }
  if (r.status !== 0) process.stderr.write(`  ${label} exited with ${r.status}: ${r.stderr.split('\n').slice(-5).join(' ')}\n`);
  return cells;
}

/** Installs TF.js into bench/peers if needed and bundles the runner; returns the bundle's path or null. */
function prepareTfjs(): string | null {
  if (!existsSync(`${dir}node_modules/@tensorflow/tfjs-backend-wasm`)) {
    process.stderr.write('  installing TensorFlow.js into bench/peers (once)…\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) return null;
  }
  mkdirSync(`${dir}.build`, { recursive: true });
  const out = `${dir}.build/tfjs.mjs`;
  // Node ESM lacks require, __filename and __dirname, which the bundled CommonJS parts use.
  const banner = "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; "
    + 'const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __fu(new URL(\'.\', import.meta.url));';
  const esbuild = fileURLToPath(new URL('../../../node_modules/esbuild/bin/esbuild', import.meta.url));
  const r = spawnSync(process.execPath, [esbuild, 'tfjs.mjs', '--bundle', '--platform=node', '--format=esm', '--main-fields=module,main',
    `--outfile=${out}`, '--log-level=error', `--banner:js=${banner}`], { cwd: dir, stdio: 'inherit' });
  return r.status === 0 ? out : null;
}

/** Whether /usr/bin/python3 can import torch. */
function torchAvailable(): boolean {
  return existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

/**
 * Runs the peers on `specs` and returns their cells and column labels: TF.js when `tfjs` is `'run'`
 * (not when `'off'`, nor when `'ran'` in an earlier round), then PyTorch. TF.js's wasm backend runs
 * single-threaded: its threaded build is disabled in Node (tfjs issue 3830).
 */
export function runPeers(specs: WorkloadSpec[], quick: boolean, tfjs: 'run' | 'off' | 'ran' = 'run'): { cells: Cell[]; configs: string[] } {
  const input = { specs, budget: quick ? BUDGETS.quick : BUDGETS.full };
  const cells: Cell[] = [];
  const configs: string[] = [];
  const bundle = tfjs === 'run' ? prepareTfjs() : null;
  if (bundle !== null) {
    const wasmDir = `${dir}node_modules/@tensorflow/tfjs-backend-wasm/dist`;
    for (const [label, backend] of [['tfjs cpu', 'cpu'], ['tfjs wasm 1t', 'wasm']]) {
      cells.push(...runJsonLines(label, process.execPath, [bundle, '--backend', backend, '--threads', '1', '--wasm-dir', wasmDir], input));
      configs.push(label);
    }
    configs.push('tfjs wasm 2t');
    for (const s of specs) cells.push({ workload: s.id, config: 'tfjs wasm 2t', ms: null, note: 'TF.js disables its threaded wasm build in Node (tfjs issue 3830)' });
  } else if (tfjs !== 'ran') {
    process.stderr.write(tfjs === 'run' ? '  TensorFlow.js could not be installed or bundled: skipped\n' : '  TensorFlow.js: skipped (--no-tfjs)\n');
  }
  if (torchAvailable()) {
    for (const threads of [1, 2]) {
      const label = `torch ${threads}t`;
      cells.push(...runJsonLines(label, python, ['torch_bench.py', '--threads', String(threads)], input));
      configs.push(label);
    }
  } else {
    process.stderr.write(`  ${python} cannot import torch: PyTorch skipped\n`);
  }
  return { cells, configs };
}
