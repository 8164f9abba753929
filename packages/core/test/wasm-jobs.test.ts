// The WebAssembly job arguments are described once (scripts/wasm-schema.mjs) and both sides are
// generated from it: the AssemblyScript slot constants the kernels read (`arg(CONV_OUT_H)`) and the
// typed writers of src/kernels/wasm/jobs.ts. These tests check that each writer puts every named
// field in the slot the AssemblyScript constant says, that the committed jobs.ts is what the schema
// generates, and that no code reads or writes a job argument by number.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LAYOUT, OPS } from '../src/kernels/wasm/bytes.js';
import * as jobs from '../src/kernels/wasm/jobs.js';
import { getEngine } from '../src/kernels/wasm/runtime.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Field { name: string; kind: 'int' | 'ptr' | 'flag'; slot: number; constant: string }
interface Job { op: keyof typeof OPS; code: number; fields: Field[] }

// The generator and the schema are plain .mjs scripts: imported untyped.
const build = await import(new URL('../../../scripts/build-wasm.mjs', import.meta.url).href);
const schema = await import(new URL('../../../scripts/wasm-schema.mjs', import.meta.url).href);
const resolved = schema.resolveJobs() as Job[];

/** The slot constants the AssemblyScript source is compiled with: `const CONV_OUT_H: i32 = 12;`. */
function asConstants(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of (build.preamble() as string).matchAll(/^const (\w+): i32 = (\d+);$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** The writer of an op: `CONV_FORWARD` → `convForwardJob`. */
function writerOf(op: string): (e: jobs.JobTarget, a: Record<string, number | boolean>) => void {
  const name = `${schema.camel(op) as string}Job`;
  const f = (jobs as unknown as Record<string, unknown>)[name];
  assert.type(f, 'function', `jobs.ts exports ${name}`);
  return f as (e: jobs.JobTarget, a: Record<string, number | boolean>) => void;
}

/** Distinct values for every field of a job (flags alternate) and the word each must become. */
function sample(job: Job): [Record<string, number | boolean>, Map<string, number>] {
  const args: Record<string, number | boolean> = {};
  const words = new Map<string, number>();
  for (const f of job.fields) {
    const value = f.kind === 'flag' ? f.slot % 2 === 0 : 1000 * job.code + 37 * f.slot + 5;
    args[f.name] = value;
    words.set(f.name, typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }
  return [args, words];
}

test('each job writer puts every named field in the slot the AssemblyScript constant of that name says', () => {
  const constants = asConstants();
  assert.is(constants.get('JOB_OP'), 0);
  assert.is(resolved.length, Object.keys(OPS).length, 'every op code has a schema entry');
  for (const job of resolved) {
    assert.is(OPS[job.op], job.code, `${job.op}: bytes.ts carries the schema's op code`);
    assert.is(constants.get(`OP_${job.op}`), job.code, `${job.op}: the module's OP_ constant`);
    const job32 = new Int32Array(jobs.JOB_WORDS).fill(-1);
    const [args, words] = sample(job);
    writerOf(job.op)({ job: job32 }, args);
    assert.is(job32[0], job.code, `${job.op}: op code in word 0`);
    const written = new Set([0]);
    for (const f of job.fields) {
      const slot = constants.get(f.constant);
      assert.ok(slot !== undefined, `${job.op}.${f.name}: the module has a constant ${f.constant}`);
      assert.is(job32[slot], words.get(f.name), `${job.op}.${f.name} at ${f.constant} = ${slot}`);
      assert.not.ok(written.has(slot), `${job.op}.${f.name}: slot ${slot} is not shared with another field`);
      written.add(slot);
    }
    for (let i = 0; i < jobs.JOB_WORDS; i++) if (!written.has(i)) assert.is(job32[i], -1, `${job.op} leaves word ${i} alone`);
  }
});

test('a writer fills the engine\'s job area in the module\'s memory (at LAYOUT.JOB), read back word by word', () => {
  const e = getEngine();
  jobs.reluJob(e, { x: 64, g: 0, out: 128, n: 9, perChunk: 4 });
  const area = new Int32Array(e.memory.buffer, LAYOUT.JOB, 6);
  assert.equal(Array.from(area), [OPS.RELU, 64, 0, 128, 9, 4]);
  const c = asConstants();
  assert.equal([c.get('RELU_X'), c.get('RELU_G'), c.get('RELU_OUT'), c.get('RELU_N'), c.get('RELU_PER_CHUNK')], [1, 2, 3, 4, 5]);
});

test('a missing or misspelt job argument is a type error (checked by tsc on this file)', () => {
  const target = { job: new Int32Array(jobs.JOB_WORDS) };
  // @ts-expect-error perChunk is missing
  jobs.reluJob(target, { x: 1, g: 2, out: 3, n: 4 });
  // @ts-expect-error perChnk is not an argument of RELU
  jobs.reluJob(target, { x: 1, g: 2, out: 3, n: 4, perChunk: 5, perChnk: 5 });
  // @ts-expect-error flags take booleans, not 0/1
  jobs.packJob(target, { transB: 1, n: 1, k: 1, b: 0, out: 0, perChunk: 1 });
  assert.is(target.job[0], OPS.PACK);
});

test('the committed jobs.ts is what the schema generates, and its header says so', () => {
  const committed = readFileSync(`${root}packages/core/src/kernels/wasm/jobs.ts`, 'utf8');
  assert.ok(committed === build.renderJobs(), 'jobs.ts is stale: run npm run build:wasm');
  assert.match(committed.split('\n')[0], /^\/\/ Generated by scripts\/build-wasm\.mjs .*do not edit/);
});

test('no kernel reads or writes a job argument by number', () => {
  const asc = `${root}packages/core/wasm/asc/`;
  for (const file of readdirSync(asc).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(asc + file, 'utf8');
    assert.not.match(text, /\barg\(\s*[\d(]/, `${file} reads arguments by generated name only`);
    assert.not.match(text, /\barg\([^)]*[+-]/, `${file} computes no slot`);
  }
  const src = `${root}packages/core/src/kernels/wasm/`;
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && f !== 'engine.ts')) {
    assert.not.match(readFileSync(src + file, 'utf8'), /\.setJob\(/, `${file} writes jobs through the generated writers`);
  }
});

test('the schema rejects what would make the two sides disagree', () => {
  assert.is(schema.upperSnake('outH'), 'OUT_H');
  assert.is(schema.upperSnake('scratchStride'), 'SCRATCH_STRIDE');
  assert.is(schema.camel('MAX_POOL_2X2'), 'maxPool2x2');
  const jobsTable = schema.JOBS as Record<string, { code: number; args: unknown[][] }>;
  const check = (mutate: () => void, message: RegExp) => {
    const saved = JSON.stringify(jobsTable);
    try {
      mutate();
      assert.throws(() => schema.resolveJobs(), message);
    } finally {
      const back = JSON.parse(saved) as typeof jobsTable;
      for (const k of Object.keys(jobsTable)) delete jobsTable[k];
      Object.assign(jobsTable, back);
    }
  };
  check(() => jobsTable.RELU.args.push(['x', 'ptr', 'again']), /RELU has two arguments named x/);
  check(() => { jobsTable.RELU.code = jobsTable.PACK.code; }, /share code 0/);
  check(() => jobsTable.RELU.args.push(['y', 'float', '?']), /unknown kind float/);
  check(() => { for (let i = 0; i < 40; i++) jobsTable.RELU.args.push([`a${i}`, 'int', '']); }, /RELU has 45 arguments/);
  check(() => { jobsTable.PACK_PER = { code: 99, args: [['chunk', 'int', '']] }; }, /constant PACK_PER_CHUNK of op PACK_PER is already defined by op PACK/);
  assert.not.throws(() => schema.resolveJobs());
});

test.run();
