#!/usr/bin/env node
/**
 * Prints the size of every built ESM bundle: as written, minified (esbuild's API, the bundle as one
 * ES module, its own imports left external) and minified + gzipped (node:zlib, level 9). Package
 * bundles exclude their dependencies (@simplegrad/core), so the rows add up; the web demo's files
 * (examples/web/dist) inline everything. Then what an app pays for core when a bundler tree-shakes
 * it: esbuild bundles (minified) of an entry that uses only `tensor` + `matmul`, and of all of core.
 * Needs `npm run build`.
 *
 *   node scripts/bundle-sizes.mjs
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const mjs = (dir) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.mjs')).sort().map((f) => join(dir, f)) : []);
const packages = readdirSync(join(ROOT, 'packages')).filter((p) => existsSync(join(ROOT, 'packages', p, 'package.json'))).sort();
const files = [
  ...packages.flatMap((p) => mjs(join(ROOT, 'packages', p, 'dist'))),
  ...mjs(join(ROOT, 'examples', 'web', 'dist')),
];
const coreEsm = join(ROOT, 'packages', 'core', 'dist', 'index.mjs');
if (files.length === 0 || !existsSync(coreEsm)) {
  console.error('no bundles found: run `npm run build` first');
  process.exit(1);
}

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
const rows = [];
for (const file of files) {
  const code = readFileSync(file, 'utf8');
  const min = (await transform(code, { minify: true, format: 'esm', target: 'es2022', loader: 'js' })).code;
  rows.push({ file: relative(ROOT, file), raw: Buffer.byteLength(code), min: Buffer.byteLength(min), gz: gzipSync(min, { level: 9 }).length });
}
// What an app bundles of core (tree-shaken by esbuild): only tensor + matmul, and everything.
const tmp = mkdtempSync(join(tmpdir(), 'simplegrad-sizes-'));
try {
  const apps = {
    'app using core\'s tensor + matmul (esbuild, minified)': `import { tensor, matmul } from ${JSON.stringify(coreEsm)};\nconsole.log(matmul(tensor([[1]]), tensor([[2]])));\n`,
    'app using all of core (esbuild, minified)': `export * from ${JSON.stringify(coreEsm)};\n`,
  };
  for (const [name, source] of Object.entries(apps)) {
    const entry = join(tmp, `${rows.length}.mjs`);
    writeFileSync(entry, source);
    const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0].contents;
    rows.push({ file: name, raw: NaN, min: code.length, gz: gzipSync(code, { level: 9 }).length });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const web = rows.filter((r) => r.file.startsWith('examples/web/dist/') && !r.file.endsWith('seedrandom.mjs'));
const total = 'web demo, all it loads (page + worker + session + chunks)';
const width = Math.max(...rows.map((r) => r.file.length), total.length);
const cell = (n) => (Number.isNaN(n) ? '' : kb(n)).padStart(9);
console.log(`${'bundle'.padEnd(width)}  ${'raw'.padStart(9)}  ${'minified'.padStart(9)}  ${'min+gzip'.padStart(9)}`);
for (const r of rows) console.log(`${r.file.padEnd(width)}  ${cell(r.raw)}  ${cell(r.min)}  ${cell(r.gz)}`);
const sum = (k) => web.reduce((n, r) => n + r[k], 0);
console.log(`${total.padEnd(width)}  ${kb(sum('raw')).padStart(9)}  ${kb(sum('min')).padStart(9)}  ${kb(sum('gz')).padStart(9)}`);
