#!/usr/bin/env node
/**
 * Prints the size of every built ESM bundle: as written, minified (esbuild's API, the bundle as one
 * ES module, its own imports left external) and minified + gzipped (node:zlib, level 9). Package
 * bundles exclude their dependencies (@simplegrad/core, seedrandom), so the rows add up; the web
 * demo's files (examples/web/dist) inline everything. Needs `npm run build`.
 *
 *   node scripts/bundle-sizes.mjs
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const mjs = (dir) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.mjs')).sort().map((f) => join(dir, f)) : []);
const files = [
  ...['core', 'nn', 'optim', 'datasets'].flatMap((p) => mjs(join(ROOT, 'packages', p, 'dist'))),
  ...mjs(join(ROOT, 'examples', 'web', 'dist')),
];
if (files.length === 0) {
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
const web = rows.filter((r) => r.file.startsWith('examples/web/dist/') && !r.file.endsWith('seedrandom.mjs'));
const total = 'web demo, all it loads (page + worker + session + chunks)';
const width = Math.max(...rows.map((r) => r.file.length), total.length);
console.log(`${'bundle'.padEnd(width)}  ${'raw'.padStart(9)}  ${'minified'.padStart(9)}  ${'min+gzip'.padStart(9)}`);
for (const r of rows) console.log(`${r.file.padEnd(width)}  ${kb(r.raw).padStart(9)}  ${kb(r.min).padStart(9)}  ${kb(r.gz).padStart(9)}`);
const sum = (k) => web.reduce((n, r) => n + r[k], 0);
console.log(`${total.padEnd(width)}  ${kb(sum('raw')).padStart(9)}  ${kb(sum('min')).padStart(9)}  ${kb(sum('gz')).padStart(9)}`);
