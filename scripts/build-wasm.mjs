#!/usr/bin/env node
// Builds the WebAssembly SIMD kernels of @simplegrad/core from packages/core/wasm/asc/kernels.ts with
// AssemblyScript (a devDependency, so it builds from npm packages alone) and writes the bytes, base64,
// into packages/core/src/kernels/wasm/bytes.ts: the package then ships no extra file, and tests run
// from sources without a build. A test recompiles and compares, so the committed bytes cannot drift.
//
// The jobs' arguments are described once, in scripts/wasm-schema.mjs: this script generates the
// AssemblyScript constant of every argument slot (prepended to kernels.ts) and the typed job writers
// of the JS side, packages/core/src/kernels/wasm/jobs.ts, so the two sides cannot disagree on a slot.
//
// The register-tiled micro-kernels are generated here rather than written by hand: AssemblyScript has
// no macros, and an MR×NR tile unrolled by hand is error-prone to edit.
//
// Usage: node scripts/build-wasm.mjs            (writes bytes.ts and jobs.ts)
//        node scripts/build-wasm.mjs --check    (exits 1 if either is stale)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { JOB_WORDS, LAYOUTS, camel, opCodes, resolveJobs } from './wasm-schema.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourcePath = resolve(root, 'packages/core/wasm/asc/kernels.ts');
export const bytesPath = resolve(root, 'packages/core/src/kernels/wasm/bytes.ts');
export const jobsPath = resolve(root, 'packages/core/src/kernels/wasm/jobs.ts');

/**
 * Rows of the register tile. 2×16 keeps its 8 accumulators, 4 B vectors, the A splat and one product
 * in the 14 SIMD registers V8 allocates on x64 without spilling: measured on the W2 shapes it ran at
 * 40 GFLOP/s against 35 for 4×16 (which spills), 36–40 for 3×12, 35 for 5×8, 33 for 4×8, and
 * unrolling k only slowed each down.
 */
export const MR = 2;
/** Columns of the register tile (a multiple of 4: f32x4 vectors). */
export const NR = 16;
/** Largest memory (pages of 64 KiB) the shared variant may grow to: 2 GiB. */
export const MAX_PAGES = 32768;
/**
 * The fixed layout of the low memory, shared by the module and the JS side (byte addresses): the
 * threads' control words, the job descriptor, one scratch tile per thread, and where operands start.
 */
export const LAYOUT = { CTRL: 1024, JOB: 2048, TMP: 4096, TMP_BYTES: 1024, HEAP: 65536 };
/** Job codes of `runChunk`: what one chunk of a job computes (see kernels.ts), from scripts/wasm-schema.mjs. */
export const OPS = opCodes();

/** AssemblyScript source of the `rows`×NR micro-kernel: `C[rows×NR] (+)= A[rows×kc]·Bpanel[kc×NR]`. */
function microKernel(rows) {
  const nv = NR / 4;
  const acc = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < nv; v++) acc.push([r, v]);
  const name = (r, v) => `c${r}_${v}`;
  const cAt = (r) => (r === 0 ? 'c' : `c + ${r === 1 ? '' : `${r} * `}ldc`);
  const lines = [];
  lines.push(`function mk${rows}(a: usize, ars: usize, acs: usize, b: usize, c: usize, ldc: usize, kc: i32, keep: bool): void {`);
  for (const [r, v] of acc) lines.push(`  let ${name(r, v)} = f32x4.splat(0);`);
  lines.push('  if (keep) {');
  for (const [r, v] of acc) lines.push(`    ${name(r, v)} = v128.load(${cAt(r)}, ${v * 16});`);
  lines.push('  }');
  for (let r = 1; r < rows; r++) lines.push(`  const a${r} = a + ${r === 1 ? '' : `${r} * `}ars;`);
  lines.push('  let o: usize = 0;');
  lines.push('  for (let p = 0; p < kc; p++) {');
  for (let v = 0; v < nv; v++) lines.push(`    const b${v} = v128.load(b, ${v * 16});`);
  for (let r = 0; r < rows; r++) {
    lines.push(`    const x${r} = v128.load32_splat(${r === 0 ? 'a' : `a${r}`} + o);`);
    for (let v = 0; v < nv; v++) lines.push(`    ${name(r, v)} = f32x4.add(${name(r, v)}, f32x4.mul(x${r}, b${v}));`);
  }
  lines.push('    o += acs;');
  lines.push(`    b += ${NR * 4};`);
  lines.push('  }');
  for (const [r, v] of acc) lines.push(`  v128.store(${cAt(r)}, ${name(r, v)}, ${v * 16});`);
  lines.push('}');
  return lines.join('\n');
}

/**
 * The constants prepended to kernels.ts: tile and layout sizes, the op codes (`OP_CONV_FORWARD`) and
 * the slot of every job argument (`CONV_OUT_H`, `CONV_FORWARD_X`; `JOB_OP` is the op code's).
 */
export function preamble() {
  // A layout's constants come once, whichever ops share them (resolveJobs gives them the same slots).
  const slots = new Map([['JOB_OP', 0]]);
  for (const { fields } of resolveJobs()) for (const f of fields) slots.set(f.constant, f.slot);
  return [
    `const MR: i32 = ${MR};`,
    `const NR: i32 = ${NR};`,
    `const JOB: usize = ${LAYOUT.JOB};`,
    `const TMP: usize = ${LAYOUT.TMP};`,
    `const TMP_BYTES: usize = ${LAYOUT.TMP_BYTES};`,
    ...Object.entries(OPS).map(([name, code]) => `const OP_${name}: i32 = ${code};`),
    ...[...slots].map(([name, slot]) => `const ${name}: i32 = ${slot};`),
  ].join('\n');
}

/** The full AssemblyScript source: constants, generated micro-kernels, then kernels.ts. */
export function source() {
  const kernels = [];
  for (let r = 1; r <= MR; r++) kernels.push(microKernel(r));
  const dispatch = [];
  for (let r = MR; r >= 1; r--) {
    dispatch.push(`${r === MR ? '' : 'else '}if (mr == ${r}) mk${r}(a, ars, acs, b, c, ldc, kc, keep);`);
  }
  const body = readFileSync(sourcePath, 'utf8').replace('MK_DISPATCH', dispatch.join('\n  '));
  return [preamble(), ...kernels, body].join('\n\n');
}

/** Compiles one variant: `shared` imports a shared memory (threads), otherwise a plain one. */
async function compile(shared) {
  const options = {
    optimizeLevel: 3,
    shrinkLevel: 0,
    runtime: 'stub',
    noAssert: true,
    enable: shared ? ['simd', 'threads'] : ['simd'],
    importMemory: true,
    noExportMemory: true,
    initialMemory: 1,
    // Static data (there is none today) would start here, clear of the control words, the job and
    // the scratch tiles below 16 KiB and of the operands from 64 KiB.
    memoryBase: 16384,
    ...(shared ? { sharedMemory: true, maximumMemory: MAX_PAGES } : {}),
  };
  // Kernels in files of their own (the folder's other .ts files, imported by kernels.ts) compile as they are.
  const dir = dirname(sourcePath);
  const files = { 'kernels.ts': source() };
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.ts') && f !== 'kernels.ts') files[f] = readFileSync(resolve(dir, f), 'utf8');
  const result = await asc.compileString(files, options);
  if (result.error || !result.binary) {
    throw new Error(`build-wasm: AssemblyScript failed\n${result.stderr.toString()}\n${result.error ?? ''}`);
  }
  return result.binary;
}

/** A flat object of numbers as a TypeScript literal: `{ A: 1, B: 2 }`. */
function literal(obj) {
  return `{ ${Object.entries(obj).map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
}

/** `PACK` → `PackArgs`, the layout `CONV` → `ConvArgs`. */
function argsType(name) {
  const c = camel(name);
  return `${c[0].toUpperCase()}${c.slice(1)}Args`;
}

/** The TypeScript fields of an argument list: a doc comment and `readonly name: number | boolean`. */
function tsFields(fields) {
  return fields.map(({ name, kind, doc }) => {
    const what = kind === 'ptr' ? `${doc.replace(/\.$/, '')} (byte address).` : doc;
    return `  /** ${what} */\n  readonly ${name}: ${kind === 'flag' ? 'boolean' : 'number'};`;
  });
}

/** Renders jobs.ts: an argument type and a writer per op, from scripts/wasm-schema.mjs. */
export function renderJobs() {
  const jobs = resolveJobs();
  const out = [
    '// Generated by scripts/build-wasm.mjs from scripts/wasm-schema.mjs — do not edit: change the schema and run `npm run build:wasm`.',
    '/**',
    ' * Typed writers of the WebAssembly job descriptor: one per op of `runChunk` (packages/core/wasm/asc/',
    ' * kernels.ts), each taking every argument by name and writing it into the slot the module reads it',
    ' * from. The slots are generated from the same schema as the module\'s constants, so callers never',
    ' * name a slot, and a missing or misspelt argument is a type error.',
    ' */',
    '',
    '/** Where a job is written: an engine\'s descriptor words (word 0 the op code, then the arguments). */',
    'export interface JobTarget {',
    '  /** The descriptor, at least {@link JOB_WORDS} long. */',
    '  readonly job: Int32Array;',
    '}',
    '',
    '/** Words of the job descriptor: the op code and up to this many minus one arguments. */',
    `export const JOB_WORDS = ${JOB_WORDS};`,
  ];
  for (const [layout, { doc, args }] of Object.entries(LAYOUTS)) {
    out.push('', `/** ${doc} */`, `export interface ${argsType(layout)} {`, ...tsFields(args.map(([name, kind, d]) => ({ name, kind, doc: d }))), '}');
  }
  for (const { op, code, doc, layout, fields } of jobs) {
    const own = layout === undefined ? fields : fields.slice(LAYOUTS[layout].args.length);
    const ext = layout === undefined ? '' : ` extends ${argsType(layout)}`;
    out.push('', `/** The arguments of a ${op} job (op ${code}). ${doc} */`, `export interface ${argsType(op)}${ext} {`, ...tsFields(own), '}');
  }
  const write = ({ name, kind, slot }) => `  j[${slot}] = ${kind === 'flag' ? `a.${name} ? 1 : 0` : `a.${name}`};`;
  // A layout's slots are written by one helper its ops share (the same slots for each).
  for (const [layout] of Object.entries(LAYOUTS)) {
    const { fields } = jobs.find((j) => j.layout === layout);
    out.push(
      '',
      `/** Writes the ${layout} arguments every job of that layout starts with. */`,
      `function write${argsType(layout)}(j: Int32Array, a: ${argsType(layout)}): void {`,
      ...fields.slice(0, LAYOUTS[layout].args.length).map(write),
      '}',
    );
  }
  for (const { op, code, doc, layout, fields } of jobs) {
    const shared = layout === undefined ? 0 : LAYOUTS[layout].args.length;
    out.push(
      '',
      `/** Writes a ${op} job (op ${code}) into \`e\`'s descriptor, each argument into its slot. ${doc} */`,
      `export function ${camel(op)}Job(e: JobTarget, a: ${argsType(op)}): void {`,
      '  const j = e.job;',
      `  j[0] = ${code};`,
      ...(layout === undefined ? [] : [`  write${argsType(layout)}(j, a);`]),
      ...fields.slice(shared).map(write),
      '}',
    );
  }
  out.push('');
  return out.join('\n');
}

/** Compiles both variants and renders bytes.ts. */
export async function render() {
  const plain = await compile(false);
  const shared = await compile(true);
  const b64 = (u8) => Buffer.from(u8).toString('base64');
  return [
    '// Generated by scripts/build-wasm.mjs from packages/core/wasm/asc/kernels.ts. Do not edit: run `npm run build:wasm`.',
    '',
    `/** Tile shape the module was built with (rows × columns of the register tile). */`,
    `export const TILE = { mr: ${MR}, nr: ${NR} } as const;`,
    `/** Pages (64 KiB) the shared-memory variant may grow to. */`,
    `export const MAX_PAGES = ${MAX_PAGES};`,
    `/** Byte addresses of the low memory: control words, job descriptor, scratch tiles, operands. */`,
    `export const LAYOUT = ${literal(LAYOUT)} as const;`,
    `/** Job codes understood by the module's \`runChunk\`. */`,
    `export const OPS = ${literal(OPS)} as const;`,
    `/** The module importing a plain memory (${plain.length} bytes). */`,
    `export const PLAIN = '${b64(plain)}';`,
    `/** The module importing a shared memory, for the worker pool (${shared.length} bytes). */`,
    `export const SHARED = '${b64(shared)}';`,
    '',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = [[bytesPath, await render()], [jobsPath, renderJobs()]];
  if (process.argv.includes('--check')) {
    const stale = files.filter(([path, text]) => readFileSync(path, 'utf8') !== text).map(([path]) => path.slice(path.lastIndexOf('/') + 1));
    // The first message is what the test of the committed bytes expects; it covers jobs.ts as well.
    console.log(stale.length === 0 ? 'bytes.ts is up to date' : `${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run npm run build:wasm`);
    process.exit(stale.length === 0 ? 0 : 1);
  }
  for (const [path, text] of files) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
