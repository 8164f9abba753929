/**
 * The DOM-free parts of the web demos (examples/web/src), in Node: the MNIST page's drawing
 * preprocessing and zoomed accuracy axis, the demo server's byte ranges, and the images demo's model
 * (learns two classes of generated pictures, BatchNorm re-estimation, save and load by bytes alone).
 * The pages themselves run in Chromium in scripts/browser-test.mjs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import { saveSafetensors, safetensorsMetadata } from '@simplegrad/nn';
import { accuracyAxis } from '../web/src/chart.js';
import { digitFromDrawing } from '../web/src/session.js';
import { ImageModel, prepareImage } from '../web/src/images-session.js';
// @ts-expect-error: the demo server is plain JavaScript without types
import { byteRange } from '../web/server.mjs';

const sum = (t: sg.Tensor): number => Array.from(t.data as Float32Array).reduce((a, b) => a + b, 0);

/** A white `w × h` RGBA canvas with the rectangle rows `y0..y1`, columns `x0..x1` inked black. */
function canvas(w: number, h: number, [y0, y1, x0, x1]: number[]) {
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data.fill(0, (y * w + x) * 4, (y * w + x) * 4 + 3);
  return { data, width: w, height: h };
}

test('digitFromDrawing: ink inverted, its box scaled to 20 pixels on the longer side, centre of mass at the centre', () => {
  const x = digitFromDrawing(canvas(100, 100, [10, 89, 40, 59]))!;   // an 80 × 20 bar
  assert.equal(x.shape, [1, 28, 28]);
  const rows: number[] = [], cols: number[] = [];
  x.data.forEach((v, i) => { if (v > 0.5) { rows.push(Math.floor(i / 28)); cols.push(i % 28); } });
  assert.equal([Math.min(...rows), Math.max(...rows)], [5, 24]);      // 20 rows, centre of mass 9.5 moved to 14 (rounded up)
  assert.equal([Math.min(...cols), Math.max(...cols)], [12, 16]);     // 20 / 4 = 5 columns, centred
  assert.ok(x.data.every((v) => v >= 0 && v <= 1));
  assert.ok(Math.abs(sum(x) - 100) < 1e-3, `ink ${sum(x)}`);        // area averaging keeps all the ink (20 × 5)
});

test('digitFromDrawing: a blank canvas is null; a mark in a corner still lands in the frame', () => {
  assert.is(digitFromDrawing(canvas(50, 40, [1, 0, 1, 0])), null);
  const x = digitFromDrawing(canvas(60, 60, [0, 2, 57, 59]))!;         // 3 × 3 in the top right corner
  assert.ok(sum(x) > 300, 'the mark is scaled up to 20 × 20 and kept');
});

test('accuracyAxis: 0-100 % until an accuracy passes 90 %, then 90-100 %', () => {
  assert.is(accuracyAxis([]).yMin, 0);
  assert.is(accuracyAxis([0.5, 0.9]).yMin, 0);
  const zoomed = accuracyAxis([0.5, 0.93]);
  assert.is(zoomed.yMin, 0.9);
  assert.is(zoomed.title, 'Test accuracy (axis from 90 %)');
  assert.is(zoomed.format(0.95), '95%');
});

test('byteRange: bytes=a-b and bytes=a- within the size; anything else is the whole file', () => {
  assert.equal(byteRange('bytes=0-99', 1000), [0, 99]);
  assert.equal(byteRange('bytes=10-', 1000), [10, 999]);
  assert.equal(byteRange('bytes=0-5000', 1000), [0, 999]);
  assert.is(byteRange(undefined, 1000), null);
  assert.is(byteRange('bytes=500-100', 1000), null);
  assert.is(byteRange('bytes=0-1,5-9', 1000), null);
});

/** A noisy `[3, h, w]` picture whose red (class 0) or blue (class 1) channel dominates. */
function picture(cls: number, g: sg.Generator, h = 30, w = 40): sg.Tensor {
  const x = new Float32Array(3 * h * w);
  for (let p = 0; p < h * w; p++) {
    const hi = 0.5 + 0.5 * g.random(), lo = 0.45 * g.random();
    x[(cls === 0 ? 0 : 2) * h * w + p] = hi;
    x[h * w + p] = 0.7 * g.random();
    x[(cls === 0 ? 2 : 0) * h * w + p] = lo;
  }
  return new sg.Tensor(x, [3, h, w]);
}

test('ImageModel: the small CNN learns red vs blue pictures with augmentation; events are complete; save/load keeps every prediction', async () => {
  const g = new sg.Generator(3);
  const train = Array.from({ length: 24 }, (_, i) => prepareImage(picture(i % 2, g), 32));
  const heldOut = Array.from({ length: 10 }, (_, i) => prepareImage(picture(i % 2, g, 50, 36), 32));
  assert.equal(train[0].shape, [3, 32, 32]);
  const m = ImageModel.create({ arch: 'cnn', size: 32, classes: ['red', 'blue'] }, 0);
  const events: string[] = [];
  let done;
  for await (const e of m.train(train, train.map((_, i) => i % 2), { epochs: 4, batchSize: 16, lr: 3e-3, seed: 0, augment: true })) {
    events.push(e.type);
    if (e.type === 'done') done = e;
  }
  assert.equal(events, ['batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'done']);
  assert.equal([done!.steps, done!.samples, done!.aborted], [8, 96, false]);
  const preds = m.classify(heldOut);
  assert.equal(preds.map((p) => p.label), heldOut.map((_, i) => i % 2));
  const bytes = m.save();
  assert.equal(JSON.parse(safetensorsMetadata(bytes).simplegradImages), { arch: 'cnn', size: 32, classes: ['red', 'blue'] });
  const back = ImageModel.load(bytes);
  assert.equal(back.spec, m.spec);
  assert.equal(back.classify(heldOut), preds);
  assert.equal(m.classify([]), []);
});

test('ImageModel.load refuses safetensors without the demo\'s metadata; a run aborted before it starts still ends with done', async () => {
  const m = ImageModel.create({ arch: 'cnn', size: 16, classes: ['a', 'b', 'c'] }, 1);
  const plain = saveSafetensors(m.model.stateDict());
  assert.throws(() => ImageModel.load(plain), /not a model saved by the images demo/);
  const g = new sg.Generator(4);
  const xs = Array.from({ length: 6 }, (_, i) => prepareImage(picture(i % 2, g), 16));
  const stop = new AbortController();
  stop.abort();
  const last = [];
  for await (const e of m.train(xs, xs.map((_, i) => i % 3), { epochs: 3, batchSize: 4, lr: 1e-3, seed: 0, augment: false }, stop.signal)) last.push(e);
  assert.equal(last.map((e) => e.type), ['done']);   // aborted before the first batch
  assert.ok(last[0].type === 'done' && last[0].aborted && last[0].steps === 0);
});

test.run();
