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
 *
 * `strip` first builds the package (`npm run build`) unless its dist is already newer than everything
 * it is built from (src/, package.json, tsconfig.json, the shared rollup config): a clean clone packs
 * full tarballs, and packing right after `npm run build` (CI) does not rewrite dist, which would make
 * the web demo's bundle look older than the packages it was built from.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE_CONDITIONS = ['@simplegrad/source'];
const BACKUP = '.package.json.orig';
const mode = process.argv[2];

/** Newest modification time of `path` (a file, or every file under a folder). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path, { recursive: true }).map((f) => statSync(join(path, String(f))).mtimeMs));
}

if (mode === 'strip') {
  if (existsSync(BACKUP)) throw new Error(`pack-manifest: ${BACKUP} exists (an earlier pack did not finish): restore it first`);
  const built = existsSync('dist/index.mjs') ? statSync('dist/index.mjs').mtimeMs : 0;
  const inputs = Math.max(newest('src'), newest('package.json'), newest('tsconfig.json'), newest('../../rollup.config.mjs'));
  if (built === 0 || inputs > built) execSync('npm run build', { stdio: ['ignore', process.stderr, process.stderr] }); // stdout stays npm pack's
  const text = readFileSync('package.json', 'utf8');
  const { atime, mtime } = statSync('package.json');
  writeFileSync(BACKUP, text);
  utimesSync(BACKUP, atime, mtime); // so that restoring does not make package.json look newer than dist
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
