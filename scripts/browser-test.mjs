#!/usr/bin/env node
/**
 * `npm run test:browser`: the web demo (examples/web) in real headless Chromium, driven by
 * playwright-core through Debian's /usr/bin/chromium (`apt-get install -y chromium`). Needs a build
 * (`npm run build`). It checks that
 *   - every package's own dist/index.mjs loads unbundled in the browser, and no `node:` import
 *     reaches a browser entry point;
 *   - a reduced run fetches only the images it uses (HTTP ranges), trains in the worker while a
 *     main-thread timer keeps ticking, progress events arrive, the test accuracy passes a floor, the
 *     digits get predictions and the charts are drawn; a digit drawn on the pad is classified with
 *     exactly the probabilities Node computes for the same pixels and weights;
 *   - the downloaded checkpoint and the weights' SHA-256 equal those of the same run in Node (the
 *     same bundled session.mjs, the same seed, data and WebAssembly kernels): bit-identical;
 *   - the model saved to IndexedDB is loaded again after a reload (same test accuracy and digits);
 *   - Stop ends a second, longer run early;
 *   - the images demo learns generated pictures and keeps its model across reloads
 *     (scripts/browser-images-test.mjs).
 * It saves screenshots (browser-smoke.png, browser-images.png) and prints timings and samples/s for
 * Chromium and Node. `--only=mnist` or `--only=images` runs one demo's checks. The last line is
 * `N passed, N failed`; the exit code is non-zero on any failure.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, FLAGS, checks, expect } from './check-harness.mjs';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'examples', 'web');
/** The reduced run: 640 images × 2 epochs = 20 steps of 64, live accuracy every 5 steps. */
const REDUCED = { limit: 640, epochs: 2, batch: 64, seed: 0, testLimit: 500, evalEvery: 5, evalLimit: 200, backend: 'wasm' };
const ACCURACY_FLOOR = 0.5; // chance is 0.1; this run reaches about 0.7 (measured in Node)
/**
 * The run that gets stopped: 2 000 steps (about a minute) if left alone, so the Stop click, sent
 * after its third step, lands while it runs however slow or fast the machine is.
 */
const LONG = { ...REDUCED, limit: 6400, epochs: 20, evalEvery: 0 };

const { values: args } = parseArgs({ options: { only: { type: 'string' } } });
if (args.only !== undefined && args.only !== 'mnist' && args.only !== 'images') throw new Error(`--only must be mnist or images, got '${args.only}'`);
const runMnist = args.only !== 'images', runImages = args.only !== 'mnist';

const { check, fail, finish, results } = checks();
const query = (o) => `?${new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)]))}`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;


/** Newest modification time of the files under `dir` (recursively). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const t0 = performance.now();
const PACKAGES = ['core', 'nn', 'optim', 'datasets', 'train'];
const bundles = [...PACKAGES.map((p) => join(ROOT, 'packages', p, 'dist', 'index.mjs')), ...['page', 'worker', 'session', 'images-page', 'images-worker'].map((f) => join(WEB, 'dist', `${f}.mjs`))];

await check('the web bundle exists and is newer than what it is built from (else run `npm run build`)', () => {
  const missing = bundles.filter((b) => !existsSync(b));
  expect(missing.length === 0, `missing: ${missing.join(', ')}`);
  const built = Math.min(...bundles.slice(PACKAGES.length).map((b) => statSync(b).mtimeMs));
  const inputs = [newest(join(WEB, 'src')), newest(join(ROOT, 'examples', 'src', 'mnist')), ...bundles.slice(0, PACKAGES.length).map((b) => statSync(b).mtimeMs)];
  expect(Math.max(...inputs) <= built, 'examples/web/dist is older than its sources or the packages\' dist');
});
// Package sources newer than their dist are only a warning: the bundle still runs identically in
// Chromium and Node, and CI always builds first.
for (const p of PACKAGES) {
  if (newest(join(ROOT, 'packages', p, 'src')) > statSync(bundles[PACKAGES.indexOf(p)]).mtimeMs) console.log(`warning: packages/${p}/src changed after its last build; this tests the built code`);
}
if (results.includes(false)) finish();

await check('no static or dynamic node: import reaches a browser entry point (packages\' dist/index.mjs, web/dist/*.mjs)', () => {
  // A string naming a built-in (core reaches worker_threads through process.getBuiltinModule) is fine.
  const nodeImport = /(?:^|[;\s])(?:import|export)\s[^;]*?from\s*['"]node:|\bimport\(\s*['"]node:/m;
  const bad = bundles.filter((b) => nodeImport.test(readFileSync(b, 'utf8')));
  expect(bad.length === 0, `imports a node: built-in: ${bad.join(', ')}`);
  // The Node-only entry does import built-ins: proves the pattern matches what it should.
  expect(nodeImport.test(readFileSync(join(ROOT, 'packages', 'datasets', 'dist', 'node.mjs'), 'utf8')), 'the pattern misses the imports of @simplegrad/datasets/node');
});

if (!existsSync(CHROMIUM)) {
  await check(`Chromium is installed at ${CHROMIUM}`, () => expect(false, 'missing: apt-get install -y chromium (or set CHROMIUM=/path)'));
  finish();
}

const { chromium } = await import('playwright-core');
const { startServer, mnistDataDir } = await import('../examples/web/server.mjs');
const server = await startServer({ port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'simplegrad-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true, viewport: { width: 1060, height: 900 } });
// A hung page must not hang CI: after WATCHDOG_MS everything is closed and the run fails.
const WATCHDOG_MS = 360_000;
setTimeout(async () => {
  fail(`the whole browser test finished within ${s(WATCHDOG_MS)}`);
  await context.close().catch(() => {});
  await server.close();
  rmSync(profile, { recursive: true, force: true });
  finish();
}, WATCHDOG_MS).unref();
const page = context.pages()[0] ?? await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
page.on('response', (r) => { if (r.status() >= 400) pageErrors.push(`HTTP ${r.status()} for ${r.url()}`); });
page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console.error: ${m.text()}`); });
page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`worker console.error: ${m.text()}`); }));

/** Waits until the demo reaches one of `states` (an error state ends the wait with its message). */
async function waitState(states, timeout) {
  await page.waitForFunction((want) => want.includes(window.demo?.state) || window.demo?.state === 'error', states, { timeout, polling: 50 });
  const { state, error } = await page.evaluate(() => ({ state: window.demo.state, error: window.demo.error }));
  if (state === 'error') throw new Error(`the page failed: ${error}`);
}

try {
  let checkReport = {};
  await check('every package\'s own dist/index.mjs loads in Chromium through an import map (seedrandom, fast-png, jpeg-js as ESM)', async () => {
    await page.goto(`${server.url}check.html`);
    await page.waitForSelector('#out[data-done="1"]', { timeout: 20_000 });
    const got = JSON.parse(await page.textContent('#out'));
    checkReport = got;
    expect(got.error === undefined, `import failed: ${got.error}`);
    const sg = await import('@simplegrad/core');
    const nn = await import('@simplegrad/nn');
    for (const p of PACKAGES) {
      const n = Object.keys(await import(`@simplegrad/${p}`)).length;
      expect(got[p] === n, `@simplegrad/${p}: ${got[p]} exports in Chromium, ${n} in Node`);
    }
    expect(got.draw === new sg.Generator('hello.').random(), `Generator('hello.') draws ${got.draw} in Chromium`);
    sg.manualSeed(0);
    const w = Array.from(new nn.Linear(3, 2).weight.data);
    expect(JSON.stringify(got.linear) === JSON.stringify(w), `Linear(3, 2) after manualSeed(0): ${got.linear} in Chromium, ${w} in Node`);
  });

  await check('@simplegrad/train saves to IndexedDB on the main thread and reads, lists and deletes it back', () => {
    expect(JSON.stringify(checkReport.storage) === '{"back":[1,2,3],"keys":["check"],"deleted":true,"after":null}', `storage ${JSON.stringify(checkReport.storage)}`);
  });

  if (runMnist) {
    await check('a malformed query parameter stops the page with a message naming it (?limit=5OO)', async () => {
      await page.goto(`${server.url}?limit=5OO`);
      await page.waitForFunction(() => window.demo?.state === 'error', null, { timeout: 10_000, polling: 50 });
      const status = await page.textContent('#status');
      expect(status === "Error: ?limit must be an integer ≥ 1, got '5OO'", `status '${status}'`);
    });

    let loadInfo;
    // The run reads 640 training images and its first 500 test images: their records, with the headers.
    const wanted = 16 + 8 + (REDUCED.limit + REDUCED.testLimit) * (784 + 1) + 16 + 8;
    await check(`a reduced run fetches only what it uses: ${REDUCED.limit} + ${REDUCED.testLimit} images by HTTP ranges, ${wanted} bytes of the four IDX files`, async () => {
      await page.goto(`${server.url}${query(REDUCED)}`);
      await waitState(['ready'], 60_000);
      loadInfo = await page.evaluate(() => ({ fetch: demo.fetchSeconds, parse: demo.parseSeconds, simd: demo.simd, fetched: demo.fetchedBytes, full: demo.fullBytes, status: document.getElementById('status').textContent }));
      expect(new RegExp(`${REDUCED.limit} training and ${REDUCED.testLimit} test images`).test(loadInfo.status), `status: ${loadInfo.status}`);
      expect(loadInfo.fetched === wanted, `fetched ${loadInfo.fetched} bytes, expected ${wanted}`);
      const full = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].reduce((n, f) => n + statSync(join(mnistDataDir(), f)).size, 0);
      expect(loadInfo.full === full, `the page counts ${loadInfo.full} bytes in the whole files, they have ${full}`);
      expect(loadInfo.simd, 'the worker reports no WebAssembly SIMD');
    });

    let run;
    await check(`a reduced run (${query(REDUCED)}) trains to the end in the worker`, async () => {
      await page.evaluate(() => {
        // Each tick records the time and how many steps the worker had reported by then.
        window.__ticks = [];
        window.__timer = setInterval(() => window.__ticks.push([performance.now(), demo.losses.length]), 10);
      });
      const tStart = performance.now();
      await page.click('#start');
      await waitState(['done'], 120_000);
      const wall = performance.now() - tStart;
      run = await page.evaluate(() => {
        clearInterval(window.__timer);
        const t = window.__ticks;
        let maxGap = 0;
        for (let i = 1; i < t.length; i++) maxGap = Math.max(maxGap, t[i][0] - t[i - 1][0]);
        const steps = new Set(t.map(([, n]) => n));
        return { ...structuredClone(demo), maxGap, ticks: t.length, stepsSeenByTicks: steps.size, rate: document.getElementById('rate').textContent };
      });
      run.wall = wall;
      expect(run.done && !run.done.aborted, `done: ${JSON.stringify(run.done)}`);
      expect(run.backend === 'wasm', `backend ${run.backend}`);
    });

    const steps = Math.ceil(REDUCED.limit / REDUCED.batch) * REDUCED.epochs;
    // Not a wall-clock threshold (a loaded CI machine stretches any gap): the main thread's timer ran
    // between the worker's step reports, which it cannot if training blocked it. The gap is printed.
    await check('the main thread stayed responsive: its timer ran between the worker\'s step reports', () => {
      expect(run !== undefined, 'no run');
      expect(run.stepsSeenByTicks >= 3, `the timer saw only ${run.stepsSeenByTicks} distinct step counts in ${run.ticks} ticks`);
    });

    await check(`progress events arrived: ${steps} steps, ${steps / REDUCED.evalEvery} live accuracy points, ${REDUCED.epochs} epochs`, () => {
      expect(run.losses.length === steps && run.done.steps === steps, `${run.losses.length} step events, done after ${run.done.steps} steps`);
      expect(run.losses.every((l) => Number.isFinite(l) && l > 0), `losses ${run.losses}`);
      expect(run.evals.length === steps / REDUCED.evalEvery, `${run.evals.length} live accuracy points`);
      expect(run.epochs.length === REDUCED.epochs, `${run.epochs.length} epoch events`);
    });

    await check(`test accuracy rose above ${ACCURACY_FLOOR} (first ${REDUCED.testLimit} test images) and the loss fell`, () => {
      expect(run.done.testAccuracy > ACCURACY_FLOOR, `test accuracy ${run.done.testAccuracy}`);
      const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
      expect(mean(run.losses.slice(-5)) < mean(run.losses.slice(0, 5)), `first losses ${run.losses.slice(0, 5)}, last ${run.losses.slice(-5)}`);
    });

    await check('the page shows samples/s, predictions for 12 test digits, and both curves', async () => {
      expect(/^\d+ samples\/s · wasm$/.test(run.rate) && run.samplesPerSec > 0, `rate text '${run.rate}'`);
      const captions = await page.$$eval('#digits figcaption', (els) => els.map((e) => [e.textContent, e.className]));
      expect(captions.length === 12 && captions.every(([t, c]) => /^predicted \d$/.test(t) && (c === 'right' || c === 'wrong')), `captions ${JSON.stringify(captions)}`);
      const right = run.done.predictions.filter((p, i) => p === run.digitLabels[i]).length;
      expect(captions.filter(([, c]) => c === 'right').length === right, `${right} of 12 predictions are right, the captions say otherwise`);
      // Count pixels of the moving-average loss line and of the live accuracy line.
      const counts = await page.evaluate(() => {
        const count = (id, [r, g, b]) => {
          const c = document.getElementById(id);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 40 && d[i + 3] > 200) n++;
          return n;
        };
        return { loss: count('loss', [0x1f, 0x5f, 0xa8]), acc: count('acc', [0xd9, 0x82, 0x2b]) };
      });
      expect(counts.loss > 100 && counts.acc > 50, `curve pixels: loss ${counts.loss}, accuracy ${counts.acc}`);
    });

    let drawn;
    await check('a digit drawn on the pad gets class probabilities from the worker (a stroke like a 7)', async () => {
      const box = await page.locator('#pad').boundingBox();
      const px = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
      await page.mouse.move(...px(0.25, 0.2));
      await page.mouse.down();
      for (const [fx, fy] of [[0.5, 0.2], [0.75, 0.2], [0.6, 0.5], [0.5, 0.8]]) await page.mouse.move(...px(fx, fy), { steps: 4 });
      await page.mouse.up();
      await page.waitForFunction(() => demo.drawing !== null && !demo.drawingPending, null, { timeout: 20_000, polling: 50 });
      drawn = await page.evaluate(() => {
        const c = document.getElementById('pad');
        const { data, width, height } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return { probs: demo.drawing, data: Array.from(data), width, height, guess: document.getElementById('guess').textContent };
      });
      expect(drawn.probs.length === 10 && Math.abs(drawn.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5, `probabilities ${drawn.probs}`);
      expect(/^It is a \d \(\d+\.\d%\)$/.test(drawn.guess), `guess '${drawn.guess}'`);
    });

    await page.screenshot({ path: join(ROOT, 'browser-smoke.png'), fullPage: true });

    let download;
    await check('Download checkpoint saves a safetensors file of the trained weights', async () => {
      const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#download')]);
      download = { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
      expect(download.name === `simplegrad-mnist-seed0-step${steps}.safetensors`, `file name ${download.name}`);
    });

    // The same run in Node: the very session.mjs the worker imports, the same files, seed and kernels.
    const session = await import(join(WEB, 'dist', 'session.mjs'));
    const dir = mnistDataDir();
    const tLoad = performance.now();
    const file = (name) => readFileSync(join(dir, name));
    const data = await session.loadMnist({
      trainImages: file('train-images-idx3-ubyte'), trainLabels: file('train-labels-idx1-ubyte'),
      testImages: file('t10k-images-idx3-ubyte'), testLabels: file('t10k-labels-idx1-ubyte'),
    });
    const nodeLoad = performance.now() - tLoad;
    session.selectBackend('wasm', 2); // two threads, as the isolated page's worker has: a like-for-like samples/s
    const nodeRun = new session.TrainingRun(data, session.parseRunOptions(new URLSearchParams(query(REDUCED))));
    const nodeLosses = [];
    let nodeDone;
    const tNode = performance.now();
    for await (const e of nodeRun.run()) {
      if (e.type === 'step') nodeLosses.push(e.loss);
      if (e.type === 'done') nodeDone = e;
    }
    const nodeWall = performance.now() - tNode;

    await check(`determinism: the weights after ${steps} steps are bit-identical in Chromium and Node (SHA-256 and every loss)`, () => {
      expect(run.done.digest !== null && run.done.digest === nodeDone.digest, `Chromium ${run.done.digest}\n     Node     ${nodeDone.digest}`);
      const diff = run.losses.findIndex((l, i) => l !== nodeLosses[i]);
      expect(diff === -1 && nodeLosses.length === run.losses.length, `step ${diff + 1}: loss ${run.losses[diff]} in Chromium, ${nodeLosses[diff]} in Node`);
      expect(run.done.testAccuracy === nodeDone.testAccuracy, `accuracy ${run.done.testAccuracy} vs ${nodeDone.testAccuracy}`);
    });

    await check('the downloaded checkpoint loads in Node (@simplegrad/nn loadSafetensors) and equals the Node run\'s weights', async () => {
      expect(download !== undefined, 'no download');
      const { loadSafetensors } = await import('@simplegrad/nn');
      const loaded = loadSafetensors(new Uint8Array(download.bytes));
      const mine = nodeRun.model.stateDict();
      expect(JSON.stringify([...loaded.keys()].sort()) === JSON.stringify([...mine.keys()].sort()), `keys ${[...loaded.keys()]} vs ${[...mine.keys()]}`);
      for (const [k, t] of mine) {
        const a = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
        const u = loaded.get(k).data;
        expect(a.equals(Buffer.from(u.buffer, u.byteOffset, u.byteLength)), `${k} differs`);
      }
    });

    await check('the drawing\'s probabilities equal those Node computes from the same pixels and weights (session.classifyDrawing)', () => {
      expect(drawn !== undefined, 'no drawing');
      const node = session.classifyDrawing(nodeRun.model, { data: new Uint8ClampedArray(drawn.data), width: drawn.width, height: drawn.height });
      expect(JSON.stringify(node.probs) === JSON.stringify(drawn.probs), `Chromium ${drawn.probs}\n     Node     ${node.probs}`);
    });

    await check('Save keeps the model in IndexedDB; after a reload it is loaded again with the same test accuracy and digit predictions; Delete removes it', async () => {
      await page.click('#save');
      await page.waitForFunction(() => demo.saved !== null, null, { timeout: 10_000, polling: 50 });
      await page.reload();
      await page.waitForFunction(() => demo.loadedAccuracy !== null || demo.state === 'error', null, { timeout: 60_000, polling: 50 });
      const after = await page.evaluate(() => ({ accuracy: demo.loadedAccuracy, predictions: demo.predictions, state: demo.state, error: demo.error, status: document.getElementById('status').textContent }));
      expect(after.state === 'done', `state ${after.state}: ${after.error}`);
      expect(after.accuracy === run.done.testAccuracy, `test accuracy ${after.accuracy} after the reload, ${run.done.testAccuracy} before`);
      expect(JSON.stringify(after.predictions) === JSON.stringify(run.done.predictions), `digits ${after.predictions} after the reload, ${run.done.predictions} before`);
      expect(after.status.startsWith('Loaded the model saved in this browser'), `status '${after.status}'`);
      await page.click('#forget');
      await page.waitForFunction(() => demo.saved === null, null, { timeout: 10_000, polling: 50 });
    });

    let stopped;
    await check(`Stop ends a second run early (${query(LONG)}: ${LONG.limit / LONG.batch * LONG.epochs} steps unless stopped)`, async () => {
      await page.goto(`${server.url}${query(LONG)}`);
      await waitState(['ready'], 60_000);
      await page.click('#start');
      await page.waitForFunction(() => demo.losses.length >= 3, null, { timeout: 60_000, polling: 20 });
      const tStop = performance.now();
      await page.click('#stop');
      await waitState(['done'], 30_000);
      stopped = await page.evaluate(() => ({ done: demo.done, status: document.getElementById('status').textContent }));
      stopped.latency = performance.now() - tStop;
      expect(stopped.done.aborted, 'the run was not marked aborted');
      expect(stopped.done.steps >= 3 && stopped.done.steps < LONG.limit / LONG.batch * LONG.epochs, `stopped after ${stopped.done.steps} steps`);
      expect(stopped.status.startsWith(`Stopped after ${stopped.done.steps} steps`), `status '${stopped.status}'`);
    });

    await check('no page, worker or console errors', () => expect(pageErrors.length === 0, pageErrors.join('\n     ')));

    const rate = (x) => `${Math.round(x)} samples/s`;
    console.log(`\nreduced run ${query(REDUCED)}: ${steps} steps of ${REDUCED.batch}, WebAssembly SIMD, the default threads (2 in Node and in the isolated page's worker)`);
    console.log(`  Chromium worker: fetch ${loadInfo?.fetch.toFixed(2)} s + parse ${loadInfo?.parse.toFixed(2)} s; run ${s(run.done.seconds * 1000)} (training ${run.done.trainSeconds.toFixed(2)} s) = ${rate(run.done.samplesPerSec)}; test accuracy ${run.done.testAccuracy}`);
    console.log(`  Node ${process.versions.node}:    read+parse ${s(nodeLoad)}; run ${s(nodeWall)} (training ${nodeDone.trainSeconds.toFixed(2)} s) = ${rate(nodeDone.samplesPerSec)}; test accuracy ${nodeDone.testAccuracy}`);
    console.log(`  weights SHA-256 ${run.done.digest} (${run.done.digest === nodeDone.digest ? 'equal' : 'DIFFERENT'})`);
    console.log(`  main-thread timer: ${run.ticks} ticks, longest gap ${run.maxGap.toFixed(0)} ms`);
    if (stopped) console.log(`  stop: ${stopped.done.steps} of ${LONG.limit / LONG.batch * LONG.epochs} steps, done ${stopped.latency.toFixed(0)} ms after the click`);
    console.log(`  screenshot: browser-smoke.png`);
  }

  if (runImages) {
    const { imagesChecks } = await import('./browser-images-test.mjs');
    const r = await imagesChecks({ context, server, check, expect, root: ROOT });
    const t = r.train;
    if (t?.done) {
      console.log(`\nimages demo: ${t.counts.join(' + ')} generated PNGs, small CNN at 32 × 32 with augmentation, ${t.done.steps} steps of 16`);
      console.log(`  Chromium worker: ${Math.round(t.done.samplesPerSec)} samples/s (training ${t.done.trainSeconds.toFixed(2)} s); training pictures ${t.epochs.at(-1).cleanAccuracy}, held out ${r.heldOut}`);
      const mb = r.mobilenet?.done;
      if (mb) console.log(`  MobileNetV2 ×0.35 at 32 × 32: ${Math.round(mb.samplesPerSec)} samples/s (${mb.steps} steps)`);
      console.log('  screenshot: browser-images.png');
    }
  }
  console.log(`total ${s(performance.now() - t0)}`);
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
finish();
