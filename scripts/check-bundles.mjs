#!/usr/bin/env node
// Loads every package's built bundles the way consumers do: CommonJS `require` and ESM `import`,
// including the Node-only entry points. Unit tests run from the sources, so this is what proves dist works.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const entries = ['@simplegrad/core', '@simplegrad/nn', '@simplegrad/optim', '@simplegrad/datasets', '@simplegrad/datasets/node'];
for (const id of entries) {
  const cjs = require(id);
  const esm = await import(id);
  const names = Object.keys(esm).length;
  if (names === 0 || Object.keys(cjs).length !== names) throw new Error(`${id}: CJS exports ${Object.keys(cjs).length} names, ESM ${names}`);
  console.log(`bundle ok: ${id} (${names} exports, cjs + esm)`);
}
const sg = require('@simplegrad/core');
const g = new sg.Generator('hello.');
console.log(`bundle ok: seeded draw ${g.random()}`);
