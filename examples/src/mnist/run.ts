/** Parsing the MNIST job's flags, running it, and writing its outputs. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Module, saveSafetensors } from '@simplegrad/nn';
import { mnist } from '@simplegrad/datasets/node';
import { type EpochEvent, train } from './train.js';
import { Progress } from './progress.js';
import { curvesSvg } from './chart.js';

/** Parsed command-line options of the MNIST job. */
export interface MnistArgs {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  /** Evaluate on the first N test images only (quick checks; the default is all 10 000). */
  testLimit?: number;
  out: string;
}

/** Parses the flags (with the defaults that reach ≥ 99 % test accuracy). */
export function parseMnistArgs(argv: string[]): MnistArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '3' },
      'batch-size': { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.001' },
      seed: { type: 'string', default: '0' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      out: { type: 'string', default: 'runs/mnist' },
    },
  });
  const num = (name: string, v: string, integer: boolean): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) {
      throw new Error(`mnist: --${name} must be a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
    }
    return x;
  };
  return {
    epochs: num('epochs', values.epochs!, true),
    batchSize: num('batch-size', values['batch-size']!, true),
    lr: num('lr', values.lr!, false),
    seed: Number.isInteger(Number(values.seed)) ? Number(values.seed) : num('seed', values.seed!, true),
    limit: values.limit === undefined ? undefined : num('limit', values.limit, true),
    testLimit: values['test-limit'] === undefined ? undefined : num('test-limit', values['test-limit'], true),
    out: values.out!,
  };
}

/** Runs the job; returns the per-epoch metrics. */
export async function runMnist(args: MnistArgs, out: NodeJS.WriteStream = process.stdout): Promise<EpochEvent[]> {
  const t0 = performance.now();
  const [trainSet, testSet] = await Promise.all([mnist({ split: 'train' }), mnist({ split: 'test' })]);
  out.write(`MNIST: ${trainSet.labels.shape[0]} training / ${testSet.labels.shape[0]} test images loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  out.write(`training ${args.epochs} epoch(s), batch ${args.batchSize}, Adam lr ${args.lr}, seed ${args.seed}${args.limit ? `, first ${args.limit} images` : ''}\n`);
  const progress = new Progress(out, args.epochs);
  const stepLosses: number[] = [];
  let epochs: EpochEvent[] = [];
  let seconds = 0;
  let model: Module | undefined;
  for await (const e of train({ train: trainSet, test: testSet, ...args })) {
    if (e.type === 'step') { progress.step(e); stepLosses.push(e.loss); }
    else if (e.type === 'epoch') progress.epoch(e);
    else { epochs = e.epochs; seconds = e.seconds; model = e.model; }
  }
  const dir = resolve(args.out);
  mkdirSync(dir, { recursive: true });
  const checkpoint = saveSafetensors(model!.stateDict());
  writeFileSync(join(dir, 'model.safetensors'), checkpoint);
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ args, seconds, epochs: epochs.map(({ type: _t, ...m }) => m) }, null, 2));
  writeFileSync(join(dir, 'curves.svg'), curvesSvg(epochs, `simplegrad MNIST CNN (seed ${args.seed})`, smooth(stepLosses, 50)));
  const last = epochs[epochs.length - 1];
  out.write(`test accuracy ${(last.testAccuracy * 100).toFixed(2)}% after ${epochs.length} epoch(s); training took ${seconds.toFixed(1)} s, ${((performance.now() - t0) / 1000).toFixed(1)} s in all\n`);
  out.write(`wrote ${join(dir, 'model.safetensors')} (${(checkpoint.length / 1024).toFixed(1)} KiB), metrics.json, curves.svg\n`);
  return epochs;
}

/** Averages consecutive values in windows of `k` (the per-batch loss is noisy). */
function smooth(values: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += k) {
    const w = values.slice(i, i + k);
    out.push(w.reduce((a, b) => a + b, 0) / w.length);
  }
  return out;
}

