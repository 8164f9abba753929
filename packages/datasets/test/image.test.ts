// decodeImage and fromPixels against the pixels PIL decodes from the same files
// (tools/fixtures/images.py writes both), plus channel conversion and hostile input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import { ArgumentError } from '@simplegrad/core';
import { ImageError, decodeImage, decodeImageAsync, fromPixels } from '../src/index.js';
import { throwsWith } from './throws.js';

const DIR = new URL('../../../tools/fixtures/images/', import.meta.url);
interface Expected { mode: string; width: number; height: number; pixels: number[]; rgb?: number[] }
const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(new URL('images.json', DIR), 'utf8')).files;
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

/** Largest |ours − PIL's| over all samples, in units of `scale` (PIL interleaves, we are planar). */
function maxDiff(t: ReturnType<typeof decodeImage>, interleaved: readonly number[], scale: number): number {
  const [c, h, w] = t.shape;
  let worst = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) worst = Math.max(worst, Math.abs(t.data[ch * h * w + p] * scale - interleaved[p * c + ch]));
  }
  return worst;
}

const PNGS: [string, number][] = [['gray8.png', 1], ['gray-alpha.png', 2], ['rgb8.png', 3], ['rgba8.png', 4]];
for (const [name, channels] of PNGS) {
  test(`decodeImage ${name}: its own ${channels} channel(s), exactly PIL's pixels / 255`, () => {
    const e = EXPECTED[name];
    const t = decodeImage(file(name));
    assert.equal(t.shape, [channels, e.height, e.width]);
    assert.is(t.dtype, 'float32');
    assert.ok(maxDiff(t, e.pixels, 255) < 1e-4);
  });
}

test('decodeImage palette.png: palette entries expanded to RGB, as PIL converts them', () => {
  const e = EXPECTED['palette.png'];
  const t = decodeImage(file('palette.png'));
  assert.equal(t.shape, [3, e.height, e.width]);
  assert.ok(maxDiff(t, e.rgb!, 255) < 1e-4);
});

test('decodeImage gray16.png: 16-bit samples divided by 65535', () => {
  const e = EXPECTED['gray16.png'];
  const t = decodeImage(file('gray16.png'));
  assert.equal(t.shape, [1, e.height, e.width]);
  assert.ok(maxDiff(t, e.pixels, 65535) < 0.01);
});

test('decodeImage bits1.png: 1-bit gray gives 0 and 1', () => {
  const e = EXPECTED['bits1.png'];
  const t = decodeImage(file('bits1.png'));
  assert.equal(t.shape, [1, e.height, e.width]);
  assert.equal(Array.from(t.data), e.pixels.map((v) => (v ? 1 : 0)));
});

test('decodeImage of a 16-bit RGB PNG (written by fast-png): exact samples / 65535', () => {
  const data = Uint16Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 3000);
  const t = decodeImage(encodePng({ width: 3, height: 2, data, depth: 16, channels: 3 }));
  assert.equal(t.shape, [3, 2, 3]);
  assert.ok(Math.abs(t.data[1] - 3 / 65535 * 3000 * 1) < 1e-6, 'pixel 1 red');   // interleaved index 3
  assert.ok(Math.abs(t.data[6 + 0] - 1 * 3000 / 65535) < 1e-6, 'pixel 0 green');
});

for (const name of ['rgb444.jpg', 'progressive.jpg']) {
  test(`decodeImage ${name} (4:4:4): within 2/255 of libjpeg's pixels (PIL)`, () => {
    const e = EXPECTED[name];
    const t = decodeImage(file(name));
    assert.equal(t.shape, [3, e.height, e.width]);
    assert.ok(maxDiff(t, e.pixels, 255) <= 2 + 1e-4, `max diff ${maxDiff(t, e.pixels, 255)}`);
  });
}

test('decodeImage gray.jpg: one channel (from the frame header), within 2/255 of PIL', () => {
  const e = EXPECTED['gray.jpg'];
  const t = decodeImage(file('gray.jpg'));
  assert.equal(t.shape, [1, e.height, e.width]);
  assert.ok(maxDiff(t, e.pixels, 255) <= 2 + 1e-4);
});

test('decodeImage channels: gray → RGB replicates, RGB → gray is ITU-R 601 luma, alpha dropped or set to 1', () => {
  const gray = decodeImage(file('gray8.png'), { channels: 3 });
  const plane = gray.shape[1] * gray.shape[2];
  for (let p = 0; p < plane; p++) assert.ok(gray.data[p] === gray.data[plane + p] && gray.data[p] === gray.data[2 * plane + p]);
  const rgb = decodeImage(file('rgb8.png'));
  const l = decodeImage(file('rgb8.png'), { channels: 1 });
  for (let p = 0; p < plane; p++) {
    const want = 0.299 * rgb.data[p] + 0.587 * rgb.data[plane + p] + 0.114 * rgb.data[2 * plane + p];
    assert.ok(Math.abs(l.data[p] - want) < 1e-6);
  }
  const rgba = decodeImage(file('rgb8.png'), { channels: 4 });
  assert.ok(Array.from(rgba.data.subarray(3 * plane)).every((a) => a === 1), 'alpha 1 when the file has none');
  const dropped = decodeImage(file('rgba8.png'), { channels: 3 });
  assert.equal(Array.from(dropped.data), Array.from(decodeImage(file('rgba8.png')).data.subarray(0, 3 * plane)));
  const la = decodeImage(file('gray-alpha.png'), { channels: 4 });
  assert.equal(Array.from(la.data.subarray(3 * plane)), Array.from(decodeImage(file('gray-alpha.png')).data.subarray(plane)));
  assert.equal(decodeImage(file('gray-alpha.png'), { channels: 1 }).shape, [1, gray.shape[1], gray.shape[2]]);
});

test('decodeImage rejects unknown formats, truncated and corrupt files, oversized headers and bad options, by message', () => {
  throwsWith(() => decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39])), ImageError, 'decodeImage: unknown image format (expected PNG or JPEG; first bytes 47 49 46 38)');
  const png = file('rgb8.png');
  throwsWith(() => decodeImage(png.subarray(0, 12)), ImageError, 'decodeImage: truncated PNG: 12 bytes');
  throwsWith(() => decodeImage(png.subarray(0, png.length - 20)), ImageError, 'decodeImage: invalid PNG');
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 100000);
  new DataView(huge.buffer).setUint32(20, 100000);
  throwsWith(() => decodeImage(huge), ImageError, 'image of 100000x100000 pixels exceeds maxPixels 268435456');
  throwsWith(() => decodeImage(png, { maxPixels: 10 }), ImageError, 'image of 7x5 pixels exceeds maxPixels 10');
  const jpg = file('rgb444.jpg');
  throwsWith(() => decodeImage(jpg.subarray(0, 40)), ImageError, 'decodeImage: invalid JPEG');
  throwsWith(() => decodeImage(png, { channels: 2 as 1 }), ArgumentError, 'decodeImage: channels must be 1, 3 or 4, got 2');
  throwsWith(() => decodeImage(png, { chanels: 3 } as object), ArgumentError, "decodeImage: unknown option 'chanels' (known: channels, maxPixels)");
  throwsWith(() => decodeImage(png, { maxPixels: 0 }), ArgumentError, 'maxPixels must be a positive number, got 0');
  throwsWith(() => decodeImage([1, 2] as unknown as Uint8Array), ArgumentError, 'bytes must be a Uint8Array');
});

test('fromPixels: RGBA bytes (ImageData-like) to [C, H, W] in [0, 1]; RGB by default, 1 and 4 channels', () => {
  const data = Uint8ClampedArray.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0]); // red, green (half alpha), blue (alpha 0)
  const rgb = fromPixels({ data, width: 3, height: 1 });
  assert.equal(rgb.shape, [3, 1, 3]);
  assert.equal(Array.from(rgb.data), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const rgba = fromPixels({ data, width: 1, height: 3 }, { channels: 4 });
  assert.equal(rgba.shape, [4, 3, 1]);
  assert.ok(Math.abs(rgba.data[10] - 128 / 255) < 1e-7);
  const gray = fromPixels({ data, width: 3, height: 1 }, { channels: 1 });
  assert.ok(Math.abs(gray.data[0] - 0.299) < 1e-6 && Math.abs(gray.data[1] - 0.587) < 1e-6 && Math.abs(gray.data[2] - 0.114) < 1e-6);
  throwsWith(() => fromPixels({ data, width: 2, height: 2 }), ArgumentError, 'fromPixels: expected width · height · 4 RGBA bytes, got 12 bytes for 2x2');
  throwsWith(() => fromPixels({ data: [1, 2, 3, 4] as unknown as Uint8Array, width: 1, height: 1 }), ArgumentError, 'pixels.data must be a Uint8Array');
  throwsWith(() => fromPixels({ data, width: 3, height: 1 }, { channels: 3, alpha: true } as object), ArgumentError, "fromPixels: unknown option 'alpha' (known: channels)");
});

/** Installs a fake browser decoder (createImageBitmap + OffscreenCanvas) for the duration of `fn`. */
async function withFakeBrowser(opts: { fails?: boolean; noContext?: boolean; size?: [number, number] }, fn: (calls: string[]) => Promise<void>): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const saved = { createImageBitmap: g.createImageBitmap, OffscreenCanvas: g.OffscreenCanvas };
  const calls: string[] = [];
  const [width, height] = opts.size ?? [2, 1];
  g.createImageBitmap = async (blob: Blob, options: object) => {
    calls.push(`bitmap ${blob.size} ${JSON.stringify(options)}`);
    if (opts.fails) throw new Error('The source image could not be decoded.');
    return { width, height, close: () => calls.push('close') };
  };
  g.OffscreenCanvas = class {
    constructor(w: number, h: number) { calls.push(`canvas ${w}x${h}`); }
    getContext() {
      return opts.noContext ? null : {
        drawImage: () => calls.push('draw'),
        getImageData: (_x: number, _y: number, w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(255) }),
      };
    }
  };
  try {
    await fn(calls);
  } finally {
    Object.assign(g, saved);
  }
}

test('decodeImageAsync: the browser decoder where there is one (raw pixels, RGB by default), decodeImage otherwise', async () => {
  const png = file('rgb8.png');
  assert.equal(Array.from((await decodeImageAsync(png)).data), Array.from(decodeImage(png).data), 'Node: the pure-JS decoders');
  await withFakeBrowser({}, async (calls) => {
    const x = await decodeImageAsync(png);
    assert.equal(x.shape, [3, 1, 2]);
    assert.ok(Array.from(x.data).every((v) => v === 1));
    assert.equal(calls, [`bitmap ${png.length} {"colorSpaceConversion":"none","premultiplyAlpha":"none"}`, 'canvas 2x1', 'draw', 'close']);
    assert.equal((await decodeImageAsync(png, { channels: 4 })).shape, [4, 1, 2]);
  });
  await withFakeBrowser({ fails: true }, async () => {
    const x = await decodeImageAsync(png);
    assert.equal(x.shape, [3, 5, 7], 'a format the browser refuses falls back to decodeImage');
  });
  await withFakeBrowser({ noContext: true }, async (calls) => {
    assert.equal((await decodeImageAsync(png)).shape, [3, 5, 7]);
    assert.ok(calls.includes('close'));
  });
  await withFakeBrowser({ size: [100, 100] }, async (calls) => {
    let error: unknown;
    await decodeImageAsync(png, { maxPixels: 50 }).catch((e: unknown) => { error = e; });
    throwsWith(() => { throw error; }, ImageError, 'decodeImageAsync: image of 100x100 pixels exceeds maxPixels 50');
    assert.ok(calls.includes('close'), 'the bitmap is released');
  });
  let error: unknown;
  await decodeImageAsync(png, { channel: 3 } as object).catch((e: unknown) => { error = e; });
  throwsWith(() => { throw error; }, ArgumentError, "decodeImageAsync: unknown option 'channel' (known: channels, maxPixels)");
});

test.run();
