#!/usr/bin/env node
/**
 * The WebAssembly thread pool in real headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core, as scripts/browser-test.mjs). Needs a build (`npm run build`). It checks, with
 * examples/web/threads.html served by examples/web/server.mjs, that
 *   - in a cross-origin-isolated page (COOP/COEP), a module Web Worker that loads the packages' own
 *     dist builds gets a pool of Web Workers for `setWasmThreads(2)`: the pool's worker boots, runs
 *     the chunks when the caller steps aside (`workersOnly`), and two W2 training steps (each in
 *     `tidy`, whose memory reuse thereby runs in a browser too) give weights
 *     bit-identical to one thread (forced and racing), with the same losses as Node, and so are
 *     two steps with `setConvPrecision('high')` (Winograd F(4×4, 3×3)) on two threads;
 *   - the page's main thread, which may not block, reports one thread and why;
 *   - the same page served without COOP/COEP reports one thread in its worker, and why.
 * Then (unless --quick) it prints Chromium's samples/s for W2 (Adam step, batch 64) and ResNet-18
 * (SGD-momentum step, batch 32, 32×32; each step in `tidy`, as `npm run bench`) on one and two threads: measured, not asserted (a shared
 * machine's load moves them). The last line is `N passed, N failed`; the exit code is non-zero on
 * any failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, FLAGS, checks, expect } from './check-harness.mjs';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });

const { check, fail, finish, results } = checks();

const dist = ['core', 'nn', 'optim'].map((p) => join(ROOT, 'packages', p, 'dist', 'index.mjs'));
await check('the packages\' dist builds exist (else run `npm run build`)', () => {
  const missing = dist.filter((f) => !existsSync(f));
  expect(missing.length === 0, `missing: ${missing.join(', ')}`);
});
if (!existsSync(CHROMIUM)) await check(`Chromium is installed at ${CHROMIUM}`, () => expect(false, 'missing: apt-get install -y chromium (or set CHROMIUM=/path)'));
if (results.includes(false)) finish();

/**
 * The losses of the page's W2 check (two Adam steps on a batch of 64), computed in Node on one
 * thread from the same dist builds, at convolution precision `precision`.
 */
async function nodeLosses(precision) {
  const sg = await import(dist[0]);
  const nn = await import(dist[1]);
  const optim = await import(dist[2]);
  sg.useBackend('wasm');
  sg.setWasmThreads(1);
  const prev = sg.setConvPrecision(precision);
  sg.manualSeed(0);
  const model = new nn.Sequential(new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(9216, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const x = sg.normal([64, 1, 28, 28]), y = sg.randint(0, 10, [64]);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const losses = [];
  for (let i = 0; i < 2; i++) {
    model.zeroGrad();
    const loss = sg.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  sg.setConvPrecision(prev);
  return losses;
}

const { chromium } = await import('playwright-core');
const { startServer } = await import('../examples/web/server.mjs');
const server = await startServer({ port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'simplegrad-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
const WATCHDOG_MS = 300_000;
setTimeout(async () => {
  fail(`the threads browser test finished within ${WATCHDOG_MS / 1000} s`);
  await context.close().catch(() => {});
  await server.close();
  rmSync(profile, { recursive: true, force: true });
  finish();
}, WATCHDOG_MS).unref();
const page = context.pages()[0] ?? await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`); });
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`worker console.${m.type()}: ${m.text()}`); }));
// The same page without COOP/COEP: not cross-origin isolated, so no SharedArrayBuffer.
await page.route('**/threads.html?plain*', async (route) => {
  const response = await route.fetch();
  const headers = { ...response.headers() };
  delete headers['cross-origin-opener-policy'];
  delete headers['cross-origin-embedder-policy'];
  await route.fulfill({ response, headers });
});

/** Loads threads.html with `query` and returns its report. */
async function report(query, timeout) {
  await page.goto(`${server.url}threads.html${query}`);
  await page.waitForSelector('#out[data-done="1"]', { timeout });
  const got = JSON.parse(await page.textContent('#out'));
  expect(got.error === undefined && got.worker?.error === undefined, `the page failed: ${got.error ?? got.worker.error}`);
  return got;
}

try {
  let iso;
  await check('a cross-origin-isolated page\'s Web Worker gets a pool of Web Workers for setWasmThreads(2), and its worker boots', async () => {
    iso = await report(args.quick ? '' : '?bench=1', 240_000);
    expect(iso.isolated === true && iso.worker.isolated === true, `crossOriginIsolated: page ${iso.isolated}, worker ${iso.worker.isolated}`);
    const b = iso.worker.before;
    expect(b.threads === 2 && b.requested === 2 && b.reason === null, `wasmThreadInfo() in the worker: ${JSON.stringify(b)}`);
    expect(iso.worker.booted === true, 'the pool\'s worker did not start within 30 s');
  });

  await check('the pool\'s worker ran the chunks when the caller stepped aside, and W2\'s weights are bit-identical to one thread', () => {
    const f = iso.worker.forced;
    expect(f.chunksByWorkers > 0 && f.started === 1 && f.threads === 2, `after the forced run: ${JSON.stringify(f)}`);
    expect(iso.worker.sameForced === true, 'two threads (workers only) gave different weights or losses than one');
  });

  await check('caller and worker racing for chunks: still bit-identical to one thread', () => {
    expect(iso.worker.sameMixed === true, 'two threads (mixed) gave different weights or losses than one');
  });

  await check('Chromium\'s W2 losses equal Node\'s (same dist builds, same seed; also with setConvPrecision(\'high\') on two threads)', async () => {
    const [node, high] = [await nodeLosses('highest'), await nodeLosses('high')];
    expect(JSON.stringify(node) === JSON.stringify(iso.worker.losses), `Chromium ${iso.worker.losses}, Node ${node}`);
    expect(JSON.stringify(high) === JSON.stringify(iso.worker.lossesHigh), `precision 'high': Chromium ${iso.worker.lossesHigh}, Node ${high}`);
    expect(JSON.stringify(high) !== JSON.stringify(node), `precision 'high' changed nothing: ${high}`);
  });

  await check('the page\'s main thread (which may not block) reports one thread, and why', () => {
    const m = iso.main;
    expect(m.threads === 1 && m.requested === 2 && m.started === 0, `main thread: ${JSON.stringify(m)}`);
    expect(m.reason === 'this thread may not block in Atomics.wait (a browser\'s main thread): train in a Web Worker', `reason '${m.reason}'`);
  });

  await check('a page served without COOP/COEP reports one thread in its worker, and why; results unchanged', async () => {
    const plain = await report('?plain', 60_000);
    expect(plain.isolated === false && plain.worker.isolated === false, `crossOriginIsolated: page ${plain.isolated}, worker ${plain.worker.isolated}`);
    const b = plain.worker.before;
    expect(b.threads === 1 && b.requested === 2 && b.started === 0, `wasmThreadInfo(): ${JSON.stringify(b)}`);
    expect(b.reason === 'the page is not cross-origin isolated (serve it with COOP/COEP headers)', `reason '${b.reason}'`);
    expect(plain.worker.forced.chunksByWorkers === 0 && plain.worker.sameForced && plain.worker.sameMixed, `forced ${JSON.stringify(plain.worker.forced)}`);
    expect(JSON.stringify(plain.worker.losses) === JSON.stringify(iso.worker.losses), 'losses differ from the isolated page');
    expect(JSON.stringify(plain.worker.lossesHigh) === JSON.stringify(iso.worker.lossesHigh), 'precision \'high\' losses differ from the isolated page\'s two threads');
  });

  await check('no page, worker or console errors or warnings', () => expect(errors.length === 0, errors.join('\n     ')));

  const bench = iso?.worker?.bench;
  if (bench) {
    console.log(`\nChromium ${context.browser()?.version() ?? ''} Web Worker, WebAssembly SIMD, samples/s (best of 2 interleaved runs of ≥ 3 s each):`);
    for (const name of ['W2', 'ResNet-18']) {
      const r = bench[name];
      const fmt = (a) => a.map((v) => v.toFixed(1)).join(', ');
      console.log(`  ${name.padEnd(9)} batch ${String(r.batch).padStart(2)}: 1 thread ${r.one.toFixed(1)}, 2 threads ${r.two.toFixed(1)} = ${(r.two / r.one).toFixed(2)}× (runs: 1 thread ${fmt(r.runs[1])}; 2 threads ${fmt(r.runs[2])})`);
    }
    console.log(`  pool after the runs: ${JSON.stringify(bench.after)}`);
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
finish();
