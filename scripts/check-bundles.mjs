#!/usr/bin/env node
// Loads every package's built bundles the way consumers do: CommonJS `require` and ESM `import`,
// every entry point of every packages/* (their `exports`). Unit tests run from the sources, so this is
// what proves dist works in the repository; scripts/check-packages.mjs does the same from the packed
// tarballs in a fresh app.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const entries = readdirSync(join(ROOT, 'packages'))
  .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
  .map((d) => JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')))
  .flatMap((pkg) => Object.keys(pkg.exports ?? { '.': null }).filter((k) => k !== './package.json').map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`)));
// Loading core's ESM and CJS builds together is exactly what its second-copy warning is for: count it.
const warnings = [];
const warn = console.warn;
console.warn = (...args) => { warnings.push(args.join(' ')); };
for (const id of entries) {
  const cjs = require(id);
  const esm = await import(id);
  const names = Object.keys(esm).length;
  if (names === 0 || Object.keys(cjs).filter((k) => k !== '__esModule').length !== names) throw new Error(`${id}: CJS exports ${Object.keys(cjs).length} names, ESM ${names}`);
  console.log(`bundle ok: ${id} (${names} exports, cjs + esm)`);
}
console.warn = warn;
const dual = warnings.filter((w) => w.includes('@simplegrad/core: a second copy was loaded'));
if (dual.length !== 1 || warnings.length !== 1) throw new Error(`expected one second-copy warning from core, got: ${JSON.stringify(warnings)}`);
console.log('bundle ok: loading core\'s ESM and CJS builds together printed one second-copy warning');
const sg = require('@simplegrad/core');
const g = new sg.Generator('hello.');
console.log(`bundle ok: seeded draw ${g.random()}`);
