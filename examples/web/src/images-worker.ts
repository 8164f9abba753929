/**
 * The images demo's worker: decodes the files the page hands over, keeps them as tensors, trains
 * and queries the model (images-session.ts) and keeps it in IndexedDB, all off the main thread.
 * IndexedDB is reached from here directly: @simplegrad/train's storage works in workers.
 */
import { type Tensor, interpolate, useBackend, wasmSimdSupported } from '@simplegrad/core';
import { decodeImage } from '@simplegrad/datasets';
import { deleteFromIndexedDB, listIndexedDB, loadFromIndexedDB, saveToIndexedDB } from '@simplegrad/train';
import { ImageModel, prepareImage, rgb } from './images-session.js';
import type { ImagesApi, ImagesCall, ImagesMessage } from './images-protocol.js';

/** Where both demos keep their models. */
export const DB = { dbName: 'simplegrad-demos' };
/** Kept images are at most this many pixels on their shorter edge (plenty for 32 × 32 or 64 × 64 input). */
const KEEP_EDGE = 96;

useBackend(wasmSimdSupported() ? 'wasm' : 'js');

const images = new Map<number, Tensor>();
let nextId = 1;
let model: ImageModel | null = null;
let controller: AbortController | null = null;

const post = (m: ImagesMessage, transfer: Transferable[] = []): void => self.postMessage(m, { transfer });

/** The browser's own decoder (every format it reads), scaled down while drawing; null where it cannot. */
async function decodeInBrowser(bytes: ArrayBuffer): Promise<Tensor | null> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch {
    return null; // not an image the browser reads: decodeImage gets its turn
  }
  const k = Math.min(1, KEEP_EDGE / Math.min(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * k)), h = Math.max(1, Math.round(bitmap.height * k));
  const ctx = new OffscreenCanvas(w, h).getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  return rgb(ctx.getImageData(0, 0, w, h));
}

/** Decoded with @simplegrad/datasets' pure-JS PNG/JPEG decoder, then scaled down like the browser path. */
function decodeInJs(bytes: ArrayBuffer): Tensor {
  const x = decodeImage(new Uint8Array(bytes), { channels: 3 });
  const [, h, w] = x.shape;
  const k = KEEP_EDGE / Math.min(h, w);
  if (k >= 1) return x;
  const size: [number, number] = [Math.max(1, Math.round(h * k)), Math.max(1, Math.round(w * k))];
  return interpolate(x.reshape([1, ...x.shape]), { size, mode: 'bilinear' }).reshape([3, ...size]);
}

function current(): ImageModel {
  if (model === null) throw new Error('there is no model yet: train one or load a saved one');
  return model;
}

function kept(id: number): Tensor {
  const x = images.get(id);
  if (x === undefined) throw new Error(`no image ${id}`);
  return x;
}

const api: { [K in keyof ImagesApi]: (...args: Parameters<ImagesApi[K]>) => ReturnType<ImagesApi[K]> | Promise<ReturnType<ImagesApi[K]>> } = {
  async decode(bytes) {
    const x = (await decodeInBrowser(bytes)) ?? decodeInJs(bytes);
    const id = nextId++;
    images.set(id, x);
    return { id, width: x.shape[2], height: x.shape[1] };
  },
  forget(ids) {
    for (const id of ids) images.delete(id);
  },
  async train(spec, settings, samples) {
    controller?.abort();
    const signal = (controller = new AbortController()).signal;
    const run = ImageModel.create(spec, settings.seed);
    model = run;
    const inputs = samples.map(([id]) => prepareImage(kept(id), spec.size));
    for await (const event of run.train(inputs, samples.map(([, label]) => label), settings, signal)) {
      if (event.type === 'done') return event;
      post({ type: 'event', event });
    }
    throw new Error('training ended without a done event');
  },
  stop() {
    controller?.abort();
  },
  classify(ids) {
    const m = current();
    return m.classify(ids.map((id) => prepareImage(kept(id), m.spec.size)));
  },
  async save(key) {
    await saveToIndexedDB(key, current().save(), DB);
    return listIndexedDB(DB);
  },
  async load(key) {
    const bytes = await loadFromIndexedDB(key, DB);
    if (bytes === null) return null;
    model = ImageModel.load(bytes);
    return model.spec;
  },
  list: () => listIndexedDB(DB),
  remove: (key) => deleteFromIndexedDB(key, DB),
  exportBytes() {
    return current().save().slice().buffer;
  },
};

self.onmessage = async (e: MessageEvent<ImagesCall>) => {
  const { rid, op, args } = e.data;
  try {
    const value = await (api[op] as (...a: unknown[]) => unknown)(...args);
    post({ type: 'reply', rid, value }, value instanceof ArrayBuffer ? [value] : []);
  } catch (err) {
    post({ type: 'reply', rid, error: err instanceof Error ? err.message : String(err) });
  }
};
