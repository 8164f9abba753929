/**
 * Images in: PNG and JPEG bytes ({@link decodeImage}, pure JavaScript through `fast-png` and
 * `jpeg-js`, so it runs unchanged in Node, browsers and workers) and raw RGBA pixels from a canvas,
 * an `ImageData` or a video frame ({@link fromPixels}). Both give a float32 `[C, H, W]` tensor in
 * [0, 1], the layout every conv layer and transform here expects.
 */
import { decode as decodePng, hasPngSignature } from 'fast-png';
import jpeg from 'jpeg-js';
import { ArgumentError, Tensor, checkKnownOptions } from '@simplegrad/core';
import { ImageError } from './errors.js';

/** Channel counts an image tensor may be converted to: gray, RGB or RGBA. */
export type ImageChannels = 1 | 3 | 4;

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * Convert to 1 (gray, ITU-R 601 luma as PIL's `'L'`), 3 (RGB) or 4 (RGBA) channels. Default: the
   * file's own channels (gray 1, gray+alpha 2, RGB and palette 3, RGBA 4).
   */
  channels?: ImageChannels;
  /** Largest width × height accepted (default 2²⁸ pixels); a bigger header is an {@link ImageError} before any allocation. */
  maxPixels?: number;
}

/** Options of {@link fromPixels}. */
export interface FromPixelsOptions {
  /** 1 (gray), 3 (RGB, the default) or 4 (RGBA). */
  channels?: ImageChannels;
}

/** Pixels as `ImageData` and canvases hold them: RGBA bytes, row-major. */
export interface PixelsLike {
  /** `width · height · 4` bytes, RGBA. */
  readonly data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

const DECODE_KEYS = ['channels', 'maxPixels'] as const;
const DEFAULT_MAX_PIXELS = 2 ** 28;

/** Interleaved samples of one image, `scale` the largest sample value (255 or 65535). */
interface Interleaved {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: ArrayLike<number>;
  readonly scale: number;
}

/** ITU-R 601-2 luma, the weights PIL's `convert('L')` and torchvision's `rgb_to_grayscale` use. */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/**
 * Planar float32 `[C, H, W]` in [0, 1] from interleaved samples, converting the channel count:
 * gray is replicated to RGB, alpha is dropped or set to 1, colour becomes luma.
 */
function toPlanar(img: Interleaved, channels: number): Tensor {
  const { width, height, data, scale } = img;
  const from = img.channels;
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  const inv = 1 / scale;
  for (let p = 0; p < plane; p++) {
    const s = p * from;
    const hasColor = from >= 3;
    const r = data[s] * inv;
    const g = hasColor ? data[s + 1] * inv : r;
    const b = hasColor ? data[s + 2] * inv : r;
    const a = from === 2 ? data[s + 1] * inv : from === 4 ? data[s + 3] * inv : 1;
    if (channels === 1) out[p] = hasColor ? luma(r, g, b) : r;
    else if (channels === 2) { out[p] = r; out[plane + p] = a; }
    else {
      out[p] = r; out[plane + p] = g; out[2 * plane + p] = b;
      if (channels === 4) out[3 * plane + p] = a;
    }
  }
  return new Tensor(out, [channels, height, width]);
}

function checkChannels(op: string, channels: unknown): ImageChannels | undefined {
  if (channels === undefined || channels === 1 || channels === 3 || channels === 4) return channels;
  throw new ArgumentError(op, `channels must be 1, 3 or 4, got ${JSON.stringify(channels)}`);
}

/** Reads a PNG's 8-bit or 16-bit samples; palette images become RGB, and 1/2/4-bit gray is scaled to its own range. */
function readPng(bytes: Uint8Array, maxPixels: number): Interleaved {
  // The IHDR chunk is always first: width and height are checked before fast-png allocates anything.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new ImageError('decodeImage', `truncated PNG: ${bytes.length} bytes`);
  checkSize(view.getUint32(16), view.getUint32(20), maxPixels);
  let png;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new ImageError('decodeImage', `invalid PNG: ${(e as Error).message}`);
  }
  const { width, height, depth } = png;
  // fast-png leaves 1-, 2- and 4-bit samples packed, each row starting on a byte boundary.
  const samples = depth < 8 ? unpackBits(png.data, width, height, png.channels, depth) : png.data;
  if (png.palette !== undefined) {
    const idx = samples;
    const out = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const entry = png.palette[idx[p]];
      if (entry === undefined) throw new ImageError('decodeImage', `invalid PNG: palette index ${idx[p]} at pixel ${p} is outside the ${png.palette.length}-entry palette`);
      out[3 * p] = entry[0]; out[3 * p + 1] = entry[1]; out[3 * p + 2] = entry[2];
    }
    return { width, height, channels: 3, data: out, scale: 255 };
  }
  return { width, height, channels: png.channels, data: samples, scale: 2 ** depth - 1 };
}

/** One byte per sample from rows of `depth`-bit samples packed most significant bit first. */
function unpackBits(packed: ArrayLike<number>, width: number, height: number, channels: number, depth: number): Uint8Array {
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  if (packed.length < rowBytes * height) throw new ImageError('decodeImage', `invalid PNG: ${packed.length} bytes of ${depth}-bit samples for ${width}x${height}`);
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      out[y * perRow + i] = (packed[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Number of colour components in a JPEG's start-of-frame header (1 gray, 3 YCbCr, 4 CMYK), or 0 if none is found. */
function jpegComponents(bytes: Uint8Array): number {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) { i++; continue; }
    const marker = bytes[i + 1];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame header.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) { i += marker === 0xff ? 1 : 2; continue; }
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return 0;
}

function readJpeg(bytes: Uint8Array, maxPixels: number): Interleaved {
  let img;
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: Math.ceil((maxPixels * 8) / 2 ** 20) + 64 });
  } catch (e) {
    throw new ImageError('decodeImage', `invalid JPEG: ${(e as Error).message}`);
  }
  // jpeg-js always returns RGB; a one-component (gray) file has equal channels, given back as one.
  if (jpegComponents(bytes) === 1) {
    const gray = new Uint8Array(img.width * img.height);
    for (let p = 0; p < gray.length; p++) gray[p] = img.data[3 * p];
    return { width: img.width, height: img.height, channels: 1, data: gray, scale: 255 };
  }
  return { width: img.width, height: img.height, channels: 3, data: img.data, scale: 255 };
}

function checkSize(width: number, height: number, maxPixels: number): void {
  if (width === 0 || height === 0) throw new ImageError('decodeImage', `image has no pixels (${width}x${height})`);
  if (width * height > maxPixels) throw new ImageError('decodeImage', `image of ${width}x${height} pixels exceeds maxPixels ${maxPixels}`);
}

/**
 * Decodes a PNG (8- or 16-bit; gray, gray+alpha, RGB, RGBA or palette) or a JPEG (baseline or
 * progressive) into a float32 `[C, H, W]` tensor in [0, 1]; 16-bit samples are divided by 65 535.
 * The format is recognised by its signature, not a file name. Malformed or oversized input is an
 * {@link ImageError}.
 *
 * *Shape*: bytes → `[C, H, W]`, C the file's own channels or `channels`.
 *
 * @example
 * const img = decodeImage(readFileSync('cat.jpg'), { channels: 3 });   // [3, H, W]
 * const gray = decodeImage(pngBytes, { channels: 1 });                 // [1, H, W]
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  checkKnownOptions('decodeImage', options, DECODE_KEYS);
  const channels = checkChannels('decodeImage', options.channels);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels >= 1)) throw new ArgumentError('decodeImage', `maxPixels must be a positive number, got ${maxPixels}`);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError('decodeImage', 'bytes must be a Uint8Array (what readFileSync returns, or new Uint8Array(await blob.arrayBuffer()))');
  let img: Interleaved;
  if (hasPngSignature(bytes)) img = readPng(bytes, maxPixels);
  else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) img = readJpeg(bytes, maxPixels);
  else throw new ImageError('decodeImage', `unknown image format (expected PNG or JPEG; first bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  return toPlanar(img, channels ?? img.channels);
}

/**
 * Pixels from a canvas, `ImageData`, `VideoFrame` copy or any `{ data, width, height }` of RGBA
 * bytes, as a float32 `[C, H, W]` tensor in [0, 1] (RGB by default; alpha kept with `channels: 4`,
 * luma with `channels: 1`).
 *
 * *Shape*: `width × height` RGBA → `[C, height, width]`.
 *
 * @example
 * const x = fromPixels(ctx.getImageData(0, 0, 28, 28), { channels: 1 });   // [1, 28, 28]
 */
export function fromPixels(pixels: PixelsLike, options: FromPixelsOptions = {}): Tensor {
  checkKnownOptions('fromPixels', options, ['channels']);
  const channels = checkChannels('fromPixels', options.channels) ?? 3;
  const { data, width, height } = pixels ?? {};
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new ArgumentError('fromPixels', 'pixels.data must be a Uint8Array or Uint8ClampedArray of RGBA bytes');
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new ArgumentError('fromPixels', `expected width · height · 4 RGBA bytes, got ${data.length} bytes for ${width}x${height}`);
  }
  return toPlanar({ width, height, channels: 4, data, scale: 255 }, channels);
}

/** The browser APIs {@link decodeImageAsync} uses, when the runtime has them. */
interface BrowserDecoder {
  createImageBitmap(blob: Blob, options: object): Promise<{ readonly width: number; readonly height: number; close(): void }>;
  OffscreenCanvas: new (w: number, h: number) => { getContext(kind: '2d'): { drawImage(img: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): PixelsLike } | null };
}

function browserDecoder(): BrowserDecoder | null {
  const g = globalThis as Partial<BrowserDecoder> & { Blob?: unknown };
  return typeof g.createImageBitmap === 'function' && typeof g.OffscreenCanvas === 'function' && typeof g.Blob === 'function' ? (g as BrowserDecoder) : null;
}

/**
 * Like {@link decodeImage}, but with the browser's own decoder where there is one (pages and
 * workers: `createImageBitmap` + `OffscreenCanvas`, so WebP, GIF, AVIF... work too, without
 * colour-space conversion or premultiplied alpha), and `decodeImage` elsewhere (Node, or bytes the
 * browser cannot read). The browser path gives RGBA pixels, so `channels` defaults to 3 there.
 *
 * *Shape*: bytes → `[C, H, W]`.
 *
 * @example
 * const x = await decodeImageAsync(new Uint8Array(await file.arrayBuffer()), { channels: 3 });
 */
export async function decodeImageAsync(bytes: Uint8Array, options: DecodeImageOptions = {}): Promise<Tensor> {
  checkKnownOptions('decodeImageAsync', options, DECODE_KEYS);
  checkChannels('decodeImageAsync', options.channels);
  const browser = browserDecoder();
  if (browser !== null && bytes instanceof Uint8Array) {
    let bitmap;
    try {
      // A copy: Blob refuses views of shared memory.
      bitmap = await browser.createImageBitmap(new Blob([bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch {
      bitmap = null;   // not a format the browser reads: the pure-JS decoders get their turn (and name the problem)
    }
    if (bitmap !== null) {
      const { width, height } = bitmap;
      if (width * height > (options.maxPixels ?? DEFAULT_MAX_PIXELS)) {
        bitmap.close();
        throw new ImageError('decodeImageAsync', `image of ${width}x${height} pixels exceeds maxPixels ${options.maxPixels ?? DEFAULT_MAX_PIXELS}`);
      }
      const ctx = new browser.OffscreenCanvas(width, height).getContext('2d');
      if (ctx !== null) {
        ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
        return fromPixels(ctx.getImageData(0, 0, width, height), { channels: options.channels ?? 3 });
      }
      bitmap.close();
    }
  }
  return decodeImage(bytes, options);
}
