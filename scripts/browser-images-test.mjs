/**
 * The images demo (examples/web/images.html) in headless Chromium, called by scripts/browser-test.mjs
 * (`npm run test:browser`) with its browser context, server and check helpers. Two classes of
 * generated PNGs (made here with fast-png from a seeded generator: red-dominant and blue-dominant
 * noise, random sizes) are uploaded through the class cards' file inputs. It checks that
 *   - the page starts with no saved model, and training in the worker learns: every step reported,
 *     the loss falls, the un-augmented training pictures and held-out generated pictures are
 *     classified above a floor;
 *   - Save puts the model in IndexedDB (written from the worker); Download gives safetensors whose
 *     metadata names the classes;
 *   - after a reload the page finds the model, loads it, and classifies the same held-out files
 *     with exactly the same probabilities; Delete removes it and a reload then finds nothing;
 *   - the MobileNetV2 ×0.35 option trains too (its samples/s is reported; it learns slowly from
 *     scratch, so no accuracy is asserted).
 * No wall-clock threshold: samples/s is printed, never asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';

/** Generated pictures per class for training, and per class held out. */
const TRAIN_PER_CLASS = 12;
const HELD_OUT_PER_CLASS = 8;
/** The run: the page's defaults (small CNN, 32 × 32, augmentation on) with fewer epochs. */
const RUN = { epochs: 6, seed: 0 };
const HELD_OUT_FLOOR = 0.9; // chance is 0.5; the run gets every held-out picture right (measured)

/** A seeded xorshift32 in [0, 1): the test's own randomness, no Math.random. */
function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A noisy picture whose red (class 0) or blue (class 1) channel dominates, 28-63 pixels a side, as PNG. */
function picture(cls, seed) {
  const r = rng(seed);
  const width = 28 + Math.floor(r() * 36), height = 28 + Math.floor(r() * 36);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const hi = 120 + r() * 135, lo = r() * 110, mid = r() * 180;
    data.set(cls === 0 ? [hi, mid, lo] : [lo, mid, hi], p * 3);
  }
  return { name: `${cls === 0 ? 'red' : 'blue'}-${seed}.png`, mimeType: 'image/png', buffer: Buffer.from(encode({ width, height, data, channels: 3, depth: 8 })) };
}

/** `n` pictures of class `cls` from seeds `from`, `from + 1`, ... (also used to take screenshots by hand). */
export const pictures = (cls, from, n) => Array.from({ length: n }, (_, i) => picture(cls, from + i));

/**
 * Runs the images checks in a new page of `context`; returns what the report prints.
 * `check(name, fn)` records a named check, `expect(cond, message)` fails one.
 */
export async function imagesChecks({ context, server, check, expect, root }) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker console.error: ${m.text()}`); }));
  const url = `${server.url}images.html?${new URLSearchParams(Object.entries(RUN).map(([k, v]) => [k, String(v)]))}`;
  const state = () => page.evaluate(() => structuredClone(window.imagesDemo));
  /** Waits for the page to be ready (not loading or training); an error state ends the wait with its message. */
  const ready = async (timeout) => {
    await page.waitForFunction(() => ['ready', 'error'].includes(window.imagesDemo?.state), null, { timeout, polling: 50 });
    const s = await state();
    if (s.state === 'error') throw new Error(`the page failed: ${s.error}`);
    return s;
  };
  const heldOut = [...pictures(0, 1000, HELD_OUT_PER_CLASS), ...pictures(1, 2000, HELD_OUT_PER_CLASS)];
  const truth = heldOut.map((_, i) => (i < HELD_OUT_PER_CLASS ? 'red' : 'blue'));
  /** Uploads the held-out pictures to "try it" and waits for their predictions (after `before` earlier ones). */
  const classify = async (before) => {
    await page.setInputFiles('#test-files', heldOut);
    await page.waitForFunction((n) => window.imagesDemo.predictions.length === n, before + heldOut.length, { timeout: 30_000, polling: 50 });
    return (await state()).predictions.slice(before);
  };
  const report = {};

  await check('images page: starts with two empty classes and no saved model; Train waits for pictures', async () => {
    await page.goto(url);
    const s = await ready(30_000);
    expect(s.saved === null && s.model === null, `saved ${JSON.stringify(s.saved)}, model ${JSON.stringify(s.model)}`);
    expect(JSON.stringify(s.counts) === '[0,0]', `counts ${s.counts}`);
    expect(await page.isDisabled('#train'), 'Train is enabled without pictures');
  });

  await check(`images page: ${TRAIN_PER_CLASS} generated PNGs per class go in through the file inputs, named classes`, async () => {
    const names = page.locator('.class header input');
    await names.nth(0).fill('red');
    await names.nth(1).fill('blue');
    await page.setInputFiles('input[data-class="0"]', pictures(0, 0, TRAIN_PER_CLASS));
    await page.setInputFiles('input[data-class="1"]', pictures(1, 100, TRAIN_PER_CLASS));
    await page.waitForFunction((n) => window.imagesDemo.counts.every((c) => c === n), TRAIN_PER_CLASS, { timeout: 30_000, polling: 50 });
    const s = await state();
    expect(JSON.stringify(s.classes) === '["red","blue"]', `classes ${s.classes}`);
    expect(await page.locator('.thumbs img').count() === 2 * TRAIN_PER_CLASS, 'thumbnails missing');
    expect(!(await page.isDisabled('#train')), 'Train is still disabled');
  });

  const steps = Math.ceil((2 * TRAIN_PER_CLASS) / 16) * RUN.epochs;
  await check(`images page: training in the worker reports ${steps} steps and ${RUN.epochs} epochs, the loss falls, the training pictures are learnt`, async () => {
    await page.click('#train');
    await page.waitForFunction(() => window.imagesDemo.state === 'training', null, { timeout: 10_000, polling: 20 });
    const s = await ready(120_000);
    report.train = s;
    expect(s.done && !s.done.aborted && s.done.steps === steps, `done ${JSON.stringify(s.done)}`);
    expect(s.losses.length === steps && s.epochs.length === RUN.epochs, `${s.losses.length} step and ${s.epochs.length} epoch events`);
    const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(s.losses.slice(-4)) < mean(s.losses.slice(0, 4)), `losses ${s.losses.map((l) => l.toFixed(3))}`);
    expect(s.epochs.at(-1).cleanAccuracy >= HELD_OUT_FLOOR, `accuracy on the training pictures ${s.epochs.at(-1).cleanAccuracy}`);
    expect(/^\d+ samples\/s$/.test(await page.textContent('#rate')), 'no samples/s shown');
  });

  await check(`images page: held-out generated pictures are classified above ${HELD_OUT_FLOOR} and both curves are drawn`, async () => {
    const preds = await classify(0);
    report.before = preds;
    const right = preds.filter((p, i) => p.className === truth[i]).length;
    report.heldOut = right / preds.length;
    expect(right / preds.length >= HELD_OUT_FLOOR, `${right} of ${preds.length} right: ${preds.map((p) => p.className)}`);
    expect(preds.every((p) => Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5), 'probabilities do not sum to 1');
    const captions = await page.$$eval('#results figcaption', (els) => els.map((e) => e.textContent));
    expect(captions.length === preds.length && captions.every((c, i) => c.startsWith(`${preds[i].className} (`)), `captions ${captions}`);
    const pixels = await page.evaluate(() => {
      const count = (id, [r, g, b]) => {
        const c = document.getElementById(id);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 40 && d[i + 3] > 200) n++;
        return n;
      };
      return { loss: count('loss', [0x1f, 0x5f, 0xa8]), acc: count('acc', [0x2a, 0x8a, 0x3e]) };
    });
    expect(pixels.loss > 100 && pixels.acc > 20, `curve pixels ${JSON.stringify(pixels)}`);
  });

  await page.screenshot({ path: join(root, 'browser-images.png'), fullPage: true });

  await check('images page: Save writes the model to IndexedDB (from the worker); Download gives safetensors naming the classes', async () => {
    await page.click('#save');
    await page.waitForFunction(() => window.imagesDemo.saved !== null, null, { timeout: 10_000, polling: 50 });
    const s = await state();
    expect(s.saved.key === 'images-demo' && s.saved.size > 1000, `saved ${JSON.stringify(s.saved)}`);
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#download')]);
    const bytes = new Uint8Array(readFileSync(await dl.path()));
    expect(dl.suggestedFilename() === 'simplegrad-images-red-blue.safetensors', `file name ${dl.suggestedFilename()}`);
    const { safetensorsMetadata, loadSafetensors } = await import('@simplegrad/nn');
    const spec = JSON.parse(safetensorsMetadata(bytes).simplegradImages);
    expect(JSON.stringify(spec) === JSON.stringify({ arch: 'cnn', size: 32, classes: ['red', 'blue'] }), `metadata ${JSON.stringify(spec)}`);
    expect(bytes.length === s.saved.size && loadSafetensors(bytes).size > 0, `download ${bytes.length} bytes, saved ${s.saved.size}`);
  });

  await check('images page: after a reload the saved model is found and loaded, and classifies the same files identically', async () => {
    await page.reload();
    await page.waitForFunction(() => window.imagesDemo?.modelSource === 'loaded' || window.imagesDemo?.state === 'error', null, { timeout: 30_000, polling: 50 });
    const s = await ready(30_000);
    expect(s.saved?.key === 'images-demo' && JSON.stringify(s.model.classes) === '["red","blue"]', `saved ${JSON.stringify(s.saved)}, model ${JSON.stringify(s.model)}`);
    expect(JSON.stringify(s.classes) === '["red","blue"]', `class cards ${s.classes}`);
    const after = await classify(0);
    const diff = after.findIndex((p, i) => JSON.stringify(p.probs) !== JSON.stringify(report.before[i].probs));
    expect(diff === -1, `picture ${diff}: ${JSON.stringify(after[diff]?.probs)} after the reload, ${JSON.stringify(report.before[diff]?.probs)} before`);
  });

  await check('images page: Delete removes the saved model; the next reload finds none', async () => {
    await page.click('#delete');
    await page.waitForFunction(() => window.imagesDemo.saved === null, null, { timeout: 10_000, polling: 50 });
    await page.reload();
    const s = await ready(30_000);
    expect(s.saved === null && s.model === null, `saved ${JSON.stringify(s.saved)}, model ${JSON.stringify(s.model)}`);
  });

  await check('images page: the MobileNetV2 ×0.35 option trains in the worker too (2 epochs at 32 × 32)', async () => {
    await page.setInputFiles('input[data-class="0"]', pictures(0, 0, TRAIN_PER_CLASS));
    await page.setInputFiles('input[data-class="1"]', pictures(1, 100, TRAIN_PER_CLASS));
    await page.waitForFunction((n) => window.imagesDemo.counts.every((c) => c === n), TRAIN_PER_CLASS, { timeout: 30_000, polling: 50 });
    await page.selectOption('#arch', 'mobilenet');
    await page.fill('#epochs', '2');
    await page.click('#train');
    await page.waitForFunction(() => window.imagesDemo.state === 'training', null, { timeout: 10_000, polling: 20 });
    const s = await ready(120_000);
    report.mobilenet = s;
    expect(s.done && s.done.steps === 4 && s.model.arch === 'mobilenet', `done ${JSON.stringify(s.done)}, model ${JSON.stringify(s.model)}`);
    expect(s.losses.every((l) => Number.isFinite(l)), `losses ${s.losses}`);
  });

  await check('images page: no page, worker or console errors', () => expect(errors.length === 0, errors.join('\n     ')));
  await page.close();
  return report;
}
