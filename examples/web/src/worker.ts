/**
 * The training worker: parses the IDX files the page transfers, then trains with the shared loop
 * (through {@link TrainingRun}), posting every event back. The loop yields between batches, which
 * is when `stop`, `checkpoint` and drawing requests get through. The model is kept in IndexedDB
 * from here (workers have it too).
 */
import { type Module, saveSafetensors } from '@simplegrad/nn';
import { deleteFromIndexedDB, evaluate, listIndexedDB, loadFromIndexedDB, saveToIndexedDB } from '@simplegrad/train';
import { evalLoader } from '../../src/mnist/train.js';
import {
  type MnistData, TrainingRun, classifyDrawing, loadMnist, loadModel, predictDigits, selectBackend, wasmSimdSupported,
} from './session.js';
import type { RunOptions } from './options.js';
import type { Digits, FromWorker, ToWorker } from './protocol.js';

/** Where the demos keep their models (the images demo uses another key). */
const DB = { dbName: 'simplegrad-demos' };
const KEY = 'mnist';

let data: MnistData | undefined;
let run: TrainingRun | undefined;
/** The model the page sees: the current run's, or the one loaded from IndexedDB. */
let model: Module | undefined;
/** The digits the page shows (for predictions after a load). */
let digitCount = 0;
/** The test images a loaded model is scored on. */
let testLimit = Infinity;
let controller: AbortController | undefined;
/** Steps done by the current run (names the checkpoint). */
let steps = 0;
let running: Promise<void> = Promise.resolve();

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, { transfer });
}

/** Stops any run in progress, waits for it to end (so its events never mix with the new run's), then trains. */
async function start(options: RunOptions): Promise<void> {
  if (data === undefined) throw new Error('start before the data was loaded');
  controller?.abort();
  await running.catch(() => {}); // its error, if any, was reported when it happened
  running = train(data, options);
  return running;
}

async function train(loaded: MnistData, options: RunOptions): Promise<void> {
  const backend = selectBackend(options.backend);
  post({ type: 'started', backend });
  const current = new TrainingRun(loaded, options);
  const signal = (controller = new AbortController()).signal;
  run = current;
  model = current.model;
  steps = 0;
  for await (const e of current.run(signal)) {
    if (e.type === 'step') steps = e.globalStep;
    post(e);
  }
}

/** The first `count` test images back as bytes, for the page to draw (whatever format was fetched). */
function firstDigits({ test }: MnistData, count: number): Digits {
  const n = Math.min(count, test.length);
  const src = test.images.data;
  const pixels = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(src[i] * 255);
  return { count: n, pixels, labels: Array.from(test.labels.data.subarray(0, n)) };
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'data': {
      const t0 = performance.now();
      data = await loadMnist(msg.files);
      digitCount = msg.digits;
      testLimit = msg.testLimit;
      const digits = firstDigits(data, msg.digits);
      post({ type: 'loaded', trainImages: data.train.length, testImages: data.test.length, seconds: (performance.now() - t0) / 1000, simd: wasmSimdSupported(), digits }, [digits.pixels.buffer]);
      return;
    }
    case 'start':
      return start(msg.options);
    case 'stop':
      controller?.abort();
      return;
    case 'checkpoint': {
      if (model === undefined) throw new Error('no model to save yet: start a run first');
      const bytes = saveSafetensors(model.stateDict()).slice(); // an own ArrayBuffer, so it can be transferred
      post({ type: 'checkpoint', bytes: bytes.buffer, steps }, [bytes.buffer]);
      return;
    }
    case 'classifyDrawing': {
      const out = model === undefined ? null : classifyDrawing(model, msg.pixels);
      post({ type: 'drawing', probs: out?.probs ?? null, digit: out?.digit ?? null });
      return;
    }
    case 'save':
      if (model === undefined) throw new Error('no model to save yet: train one first');
      await saveToIndexedDB(KEY, saveSafetensors(model.stateDict()), DB);
      return postStored('save');
    case 'load': {
      const bytes = await loadFromIndexedDB(KEY, DB);
      if (bytes === null || data === undefined) return postStored('load');
      controller?.abort(); // a run in progress stops; the loaded model replaces it
      model = loadModel(bytes);
      const images = Math.min(testLimit, data.test.length);
      const { accuracy } = await evaluate(model, evalLoader(data.test, images));
      return postStored('load', { predictions: predictDigits(model, data.test, digitCount), testAccuracy: accuracy, images });
    }
    case 'delete':
      await deleteFromIndexedDB(KEY, DB);
      return postStored('delete');
    case 'list':
      return postStored('list');
    default:
      throw new Error(`unknown message ${JSON.stringify(msg satisfies never)}`);
  }
}

async function postStored(op: 'save' | 'load' | 'delete' | 'list', loaded?: { predictions: number[]; testAccuracy: number; images: number }): Promise<void> {
  const entry = (await listIndexedDB(DB)).find((e) => e.key === KEY) ?? null;
  post({ type: 'stored', op, entry, ...(loaded && { loaded }) });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
