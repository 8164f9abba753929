/**
 * The images demo's worker: decodes the files the page hands over, keeps them as tensors, trains
 * and queries the model (images-session.ts) and keeps it in IndexedDB, all off the main thread.
 * IndexedDB is reached from here directly: @simplegrad/train's storage works in workers.
 */
import { type Tensor, adaptiveAvgPool2d, useBackend, wasmSimdSupported } from '@simplegrad/core';
import { decodeImageAsync } from '@simplegrad/datasets';
import { deleteFromIndexedDB, listIndexedDB, loadFromIndexedDB, saveToIndexedDB } from '@simplegrad/train';
import { ImageModel, prepareImage } from './images-session.js';
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

/**
 * Decoded by the browser where it can (every format it reads), else by the pure-JS PNG/JPEG
 * decoders, then reduced to at most KEEP_EDGE pixels on the shorter edge by averaging whole areas
 * (adaptive average pooling: a box filter, so a large photo does not alias).
 */
async function decode(bytes: ArrayBuffer): Promise<Tensor> {
  const x = await decodeImageAsync(new Uint8Array(bytes), { channels: 3 });
  const [, h, w] = x.shape;
  const k = KEEP_EDGE / Math.min(h, w);
  if (k >= 1) return x;
  const size: [number, number] = [Math.max(1, Math.round(h * k)), Math.max(1, Math.round(w * k))];
  return adaptiveAvgPool2d(x, size);
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
    const x = await decode(bytes);
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
