/**
 * The second half of the resume proof, run in a NEW process by checkpoint.test.ts:
 * `resume-child.ts <checkpoint> <steps> <out>` builds the run afresh, loads the checkpoint, trains
 * `steps` more steps and writes a checkpoint of the result to `out`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCheckpoint, saveCheckpoint } from '../src/index.js';
import { buildRun, train } from './resume-setup.js';

const [ckpt, steps, out] = process.argv.slice(2);
const run = buildRun();
const extra = loadCheckpoint(readFileSync(ckpt), run) as { steps: number };
train(run, Number(steps));
writeFileSync(out, saveCheckpoint({ ...run, extra: { steps: extra.steps + Number(steps) } }));
