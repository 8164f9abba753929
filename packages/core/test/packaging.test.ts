// What packaging promises at run time: one base64 wasm module (the shared-memory variant is derived
// byte for byte), a strict-CSP page falls back to the js kernels with one warning, wasmThreads()
// reports the threads really used, and a second copy of core is detected with one warning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as sg from '../src/index.js';
import { PLAIN, SHARED } from '../src/kernels/wasm/bytes.js';
import { sharedVariant } from '../src/kernels/wasm/engine.js';
import { INSTANCE_KEY, registerInstance } from '../src/instance.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

test('the shared-memory module derived from the plain one equals the one the AssemblyScript build writes', () => {
  const derived = sharedVariant(bytes(PLAIN));
  const built = bytes(SHARED);
  assert.is(derived.length, built.length);
  assert.ok(derived.every((b, i) => b === built[i]), 'byte-identical');
  assert.ok(WebAssembly.validate(derived));
});

test('where WebAssembly cannot be compiled (a CSP without wasm-unsafe-eval) the kernels are js, wasmSimdSupported() is false, and one warning says why', () => {
  const script = [
    "WebAssembly.Module = function () { throw new EvalError('Refused to compile or instantiate WebAssembly module'); };",
    "const warnings = []; console.warn = (m) => warnings.push(m);",
    "const sg = await import('./packages/core/src/index.ts');",
    'const again = sg.wasmSimdSupported();',
    "let err = ''; try { sg.useBackend('wasm'); } catch (e) { err = e.message; }",
    'const y = sg.matmul(sg.ones([2, 3]), sg.ones([3, 2]));',
    'console.log(JSON.stringify([again, sg.kernels().name, err, warnings, Array.from(y.data)]));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--conditions=@simplegrad/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30000 });
  assert.is(r.status, 0, r.stderr);
  const [simd, name, err, warnings, data] = JSON.parse(r.stdout) as [boolean, string, string, string[], number[]];
  assert.is(simd, false);
  assert.is(name, 'js');
  assert.is(err, "useBackend: WebAssembly SIMD is not supported by this runtime; use 'js'");
  assert.equal(warnings, ['@simplegrad/core: WebAssembly cannot be compiled here (Refused to compile or instantiate WebAssembly module); using the js kernels']);
  assert.equal(data, [3, 3, 3, 3]);
});

test('wasmThreads() reports one thread where worker threads are unavailable, whatever count was set', () => {
  const proc = process as unknown as { getBuiltinModule: (id: string) => unknown };
  const original = proc.getBuiltinModule;
  const prev = sg.setWasmThreads(2);
  try {
    assert.is(sg.wasmThreads(), 2);
    proc.getBuiltinModule = () => undefined;
    assert.is(sg.wasmThreads(), 1, 'no node:worker_threads: the kernels run on the calling thread');
    assert.is(sg.setWasmThreads(1), 1);
    assert.is(sg.wasmThreads(), 1);
  } finally {
    proc.getBuiltinModule = original;
    sg.setWasmThreads(prev);
  }
});

test('core registers itself under Symbol.for(\'simplegrad.core\'); a second copy warns once, naming both', () => {
  const here = (globalThis as Record<symbol, { first: { version: string; url: string } }>)[INSTANCE_KEY];
  assert.is(INSTANCE_KEY, Symbol.for('simplegrad.core'));
  assert.is(here.first.version, 'source');
  assert.ok(here.first.url.endsWith('/packages/core/src/instance.ts'), here.first.url);

  const realm = {};
  const warn = console.warn;
  const printed: unknown[] = [];
  console.warn = (m: unknown) => printed.push(m);
  try {
    assert.is(registerInstance({ version: '0.1.0', url: 'file:///app/node_modules/@simplegrad/core/dist/index.mjs' }, realm), null);
    const message = registerInstance({ version: '0.2.0', url: 'file:///app/node_modules/@simplegrad/nn/node_modules/@simplegrad/core/dist/index.cjs' }, realm);
    assert.is(message, '@simplegrad/core: a second copy was loaded (0.2.0 at file:///app/node_modules/@simplegrad/nn/node_modules/@simplegrad/core/dist/index.cjs; '
      + 'the first is 0.1.0 at file:///app/node_modules/@simplegrad/core/dist/index.mjs). Each copy has its own seed, kernels and Tensor class: '
      + 'manualSeed and instanceof Tensor do not cross between them. Install one copy (nn, optim and datasets take core as a peer dependency) '
      + 'and load it one way (ESM or require, not both).');
    assert.is(registerInstance({ version: '0.3.0', url: 'file:///third.mjs' }, realm), null, 'a third copy does not warn again');
    assert.equal(printed, [message]);
  } finally {
    console.warn = warn;
  }
});

test.run();
