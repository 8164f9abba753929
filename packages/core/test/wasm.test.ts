// The WebAssembly backend as a system: one and two threads give identical bits, the committed module
// bytes match a rebuild, the process exits normally after using threads, memory stays flat, and the
// threading options are validated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as sg from '../src/index.js';
import type { ConvGeometry } from '../src/kernels/conv.js';
import { chunksByWorkers, execute, getEngine } from '../src/kernels/wasm/runtime.js';
import { createPool, defaultThreads, threadsAvailable } from '../src/kernels/wasm/threads.js';
import { bits, rand } from './rounding.js';
import { onOneAndTwoThreads } from './two-threads.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Everything the backend computes for a few shapes big enough to be split over threads. */
function workload(): Float32Array[] {
  const K = sg.wasmKernels;
  const out: Float32Array[] = [];
  for (const [tA, tB, m, n, k] of [[false, false, 67, 129, 70], [true, true, 33, 200, 101], [false, true, 130, 17, 300]] as const) {
    const c = rand(m * n, 3);
    K.gemm(tA, tB, m, n, k, rand(m * k, 1), 0, rand(k * n, 2), 0, c, 0, true);
    out.push(c);
  }
  const g: ConvGeometry = { batch: 37, channels: 5, height: 15, width: 14, outChannels: 19, kH: 3, kW: 3, strideH: 1, strideW: 2, padTop: 1, padLeft: 1, outH: 15, outW: 7 };
  const x = rand(37 * 5 * 15 * 14, 4), w = rand(19 * 45, 5), b = rand(19, 6);
  const y = new Float32Array(37 * 19 * 15 * 7);
  K.conv2dForward(x, g, w, b, y);
  const [gx, gw, gb] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(19)];
  K.conv2dBackward(y, x, g, w, gx, gw, gb);
  out.push(y, gx, gw, gb);
  const pooled = new Float32Array(37 * 19 * 7 * 3);
  const argmax = new Int32Array(pooled.length);
  K.maxPool2dForward(y, { planes: 37 * 19, height: 15, width: 7, kH: 2, kW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: 7, outW: 3 }, pooled, argmax);
  out.push(pooled, new Float32Array(argmax.buffer));
  // A 3×3 stride-1 convolution with 16+ channels: the Winograd path, forward and input gradient.
  const gw3: ConvGeometry = { batch: 9, channels: 16, height: 11, width: 13, outChannels: 17, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, outH: 11, outW: 13 };
  const x3 = rand(9 * 16 * 11 * 13, 8), w3 = rand(17 * 16 * 9, 9);
  const y3 = new Float32Array(9 * 17 * 11 * 13), gx3 = new Float32Array(x3.length);
  K.conv2dForward(x3, gw3, w3, null, y3);
  K.conv2dBackward(y3, x3, gw3, w3, gx3, null, null);
  out.push(y3, gx3);
  const [relu, reluGrad] = [new Float32Array(y.length), new Float32Array(y.length)];
  K.reluForward(y, relu);
  K.reluBackward(rand(y.length, 7), y, reluGrad);
  out.push(relu, reluGrad);
  return out;
}

test('one and two threads give identical bits for GEMM, convolution (direct and Winograd; forward, input, weight and bias gradients), max pooling and ReLU', () => {
  const [one, two, mixed] = onOneAndTwoThreads(workload);
  assert.equal(mixed.map(bits), one.map(bits));
  assert.is(two.length, one.length);
  for (let i = 0; i < one.length; i++) {
    const a = new Uint32Array(one[i].buffer, one[i].byteOffset, one[i].length);
    const b = new Uint32Array(two[i].buffer, two[i].byteOffset, two[i].length);
    for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) assert.unreachable(`result ${i} element ${j}: ${one[i][j]} vs ${two[i][j]}`);
  }
});

test('a failing job throws on one thread and on two, and the pool keeps working afterwards', () => {
  const prev = sg.setWasmThreads(1);
  try {
    const bad = () => {
      const e = getEngine();
      e.setJob(99, []); // no such op: the module traps
      execute(e, 8, Infinity);
    };
    assert.throws(bad, /unreachable/);
    sg.setWasmThreads(2, { minFlops: 0 });
    assert.throws(bad);
    const c = new Float32Array(4);
    sg.wasmKernels.gemm(false, false, 2, 2, 1, new Float32Array([1, 2]), 0, new Float32Array([3, 4]), 0, c, 0, false);
    assert.equal(Array.from(c), [3, 4, 6, 8]);
  } finally {
    sg.setWasmThreads(prev, { minFlops: 2e6 });
  }
});

test('without SharedArrayBuffer (a browser main thread) two threads fall back to one: same bits, no workers', () => {
  const prev = sg.setWasmThreads(1);
  const sab = Object.getOwnPropertyDescriptor(globalThis, 'SharedArrayBuffer')!;
  try {
    const one = workload();
    Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
    assert.is(threadsAvailable(), false);
    assert.is(defaultThreads(), 1);
    sg.setWasmThreads(2, { minFlops: 0 });
    const fallback = workload();
    assert.is(chunksByWorkers(), 0);
    assert.is(getEngine().shared, false);
    assert.equal(fallback.map((a) => Array.from(a)), one.map((a) => Array.from(a)));
  } finally {
    Object.defineProperty(globalThis, 'SharedArrayBuffer', sab);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
  }
});

test('without node:worker_threads (a browser, Deno) threads are unavailable; without a core count one thread is assumed', () => {
  const proc = process as unknown as { getBuiltinModule: (id: string) => unknown };
  const original = proc.getBuiltinModule;
  try {
    proc.getBuiltinModule = () => undefined;
    assert.is(threadsAvailable(), false);
    assert.is(defaultThreads(), 1);
    proc.getBuiltinModule = (id: string) => (id === 'node:os' ? undefined : original.call(process, id));
    assert.is(threadsAvailable(), true);
    assert.is(defaultThreads(), 1, 'no navigator and no node:os: assume one core');
  } finally {
    proc.getBuiltinModule = original;
  }
});

test('defaultThreads: two where the runtime reports at least two cores, one otherwise; createPool(0) is null', () => {
  const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  try {
    for (const [cores, expected] of [[1, 1], [2, 2], [16, 2]]) {
      Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: cores }, configurable: true });
      assert.is(defaultThreads(), expected, `${cores} cores`);
    }
  } finally {
    if (nav) Object.defineProperty(globalThis, 'navigator', nav);
    else Reflect.deleteProperty(globalThis, 'navigator');
  }
  assert.is(createPool(getEngine(), 0, 1), null);
});

test('the committed module bytes (src/kernels/wasm/bytes.ts) equal a rebuild from the AssemblyScript source', () => {
  const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.is(r.stdout.trim(), 'bytes.ts is up to date', r.stderr);
  assert.is(r.status, 0);
});

test('a script that trained on two threads exits by itself with status 0 (workers never hold the process)', () => {
  const script = [
    "import * as sg from './packages/core/src/index.ts';",
    "sg.useBackend('wasm'); sg.setWasmThreads(2, { minFlops: 0 });",
    'const x = sg.normal([8, 3, 12, 12]); const w = sg.normal([4, 3, 3, 3], { requiresGrad: true });',
    'for (let i = 0; i < 20; i++) sg.conv2d(x, w, { padding: 1 }).sum().backward();',
    "console.log('done', w.grad.shape.join('x'));",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30000 });
  assert.is(r.signal, null, 'not killed by the timeout');
  assert.is(r.stdout.trim(), 'done 4x3x3x3', r.stderr);
  assert.is(r.status, 0);
});

test('without WebAssembly (node --jitless) the default kernels are js, results agree, and useBackend(\'wasm\') says why it cannot', () => {
  const script = [
    "import * as sg from './packages/core/src/index.ts';",
    "let err = ''; try { sg.useBackend('wasm'); } catch (e) { err = e.message; }",
    "const y = sg.conv2d(sg.arange(16).reshape(1, 1, 4, 4), sg.ones([1, 1, 3, 3]), { padding: 1 });",
    "console.log(JSON.stringify([sg.wasmSimdSupported(), sg.kernels().name, err, Array.from(y.data)]));",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--jitless', '--conditions=@simplegrad/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30000 });
  assert.is(r.status, 0, r.stderr);
  const [simd, name, err, data] = JSON.parse(r.stdout) as [boolean, string, string, number[]];
  assert.is(simd, false);
  assert.is(name, 'js');
  assert.is(err, "useBackend: WebAssembly SIMD is not supported by this runtime; use 'js'");
  const here = sg.conv2d(sg.arange(16).reshape(1, 1, 4, 4), sg.ones([1, 1, 3, 3]), { padding: 1 });
  assert.equal(data, Array.from(here.data));
});

test('wasm memory grows to a peak on the first call and stays flat on repeats', () => {
  workload();
  const peak = sg.wasmMemoryBytes();
  assert.ok(peak > 0);
  for (let i = 0; i < 3; i++) workload();
  assert.is(sg.wasmMemoryBytes(), peak);
});

test('setWasmThreads validates its arguments and returns the previous count; wasmThreads reads it', () => {
  const prev = sg.setWasmThreads(1);
  try {
    assert.is(sg.wasmThreads(), 1);
    assert.is(sg.setWasmThreads(2), 1);
    assert.is(sg.wasmThreads(), 2);
    assert.throws(() => sg.setWasmThreads(0), (e: Error) => e instanceof sg.ArgumentError && e.message === 'setWasmThreads: threads must be a positive integer, got 0');
    assert.throws(() => sg.setWasmThreads(1.5), (e: Error) => e.message === 'setWasmThreads: threads must be a positive integer, got 1.5');
    assert.throws(() => sg.setWasmThreads(2, { minFlops: -1 }), (e: Error) => e.message === 'setWasmThreads: minFlops must be a non-negative number, got -1');
    assert.throws(() => sg.setWasmThreads(2, { spinMs: NaN }), (e: Error) => e.message === 'setWasmThreads: spinMs must be a non-negative number, got NaN');
  } finally {
    sg.setWasmThreads(prev);
  }
});

test("useBackend switches every op's kernels and rejects unknown names", () => {
  assert.ok(sg.wasmSimdSupported());
  const prev = sg.useBackend('wasm');
  try {
    assert.is(sg.kernels().name, 'wasm');
    assert.is(sg.useBackend('js').name, 'wasm');
    assert.is(sg.kernels(), sg.jsKernels);
    assert.throws(() => sg.useBackend('gpu' as sg.BackendName), (e: Error) => e instanceof sg.ArgumentError && e.message === "useBackend: unknown backend 'gpu' (expected 'js' or 'wasm')");
  } finally {
    sg.setKernels(prev);
  }
});

test.run();
