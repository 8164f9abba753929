/**
 * Every random draw in the library goes through the seeded Generator: no package source may call
 * JavaScript's unseeded RNG (or `crypto.getRandomValues`), or seeds would not reproduce runs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const packages = new URL('../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) ? [p] : [];
  });
}

test('no package source uses an unseeded random source', () => {
  const files = readdirSync(packages).flatMap((p) => sources(join(packages, p, 'src')));
  assert.ok(files.length > 40, `found ${files.length} source files`);
  const offenders = files.filter((f) => /Math\s*\.\s*random|getRandomValues/.test(readFileSync(f, 'utf8')));
  assert.equal(offenders, []);
});

test.run();
