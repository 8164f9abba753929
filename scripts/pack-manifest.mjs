#!/usr/bin/env node
/**
 * The `prepack` / `postpack` step of every package (run from the package folder by npm):
 *
 *   node ../../scripts/pack-manifest.mjs strip     # before packing
 *   node ../../scripts/pack-manifest.mjs restore   # after packing
 *
 * In the monorepo each `exports` entry has a `@simplegrad/source` (and, while scripts move over,
 * `source`) condition pointing at src/*.ts, which tests and tsconfig.test.json resolve through
 * `--conditions` / `customConditions`. src is not shipped, so `strip` saves package.json as
 * `.package.json.orig`, writes a copy without those conditions and without the build-only
 * `rollupEntries`, and `restore` puts the original back. A tarball's package.json never names a file
 * the tarball lacks.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const SOURCE_CONDITIONS = ['@simplegrad/source', 'source'];
const BACKUP = '.package.json.orig';
const mode = process.argv[2];

if (mode === 'strip') {
  const text = readFileSync('package.json', 'utf8');
  if (existsSync(BACKUP)) throw new Error(`pack-manifest: ${BACKUP} exists (an earlier pack did not finish): restore it first`);
  writeFileSync(BACKUP, text);
  const pkg = JSON.parse(text);
  for (const entry of Object.values(pkg.exports ?? {})) {
    if (entry && typeof entry === 'object') for (const c of SOURCE_CONDITIONS) delete entry[c];
  }
  delete pkg.rollupEntries;
  writeFileSync('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(BACKUP)) renameSync(BACKUP, 'package.json');
} else {
  console.error('usage: pack-manifest.mjs strip|restore');
  process.exit(2);
}
