/**
 * One demo run, free of any DOM or Node API so the exact same bundled file runs in the browser's
 * worker and in Node (the browser test imports `web/dist/session.mjs` to check that both produce
 * bit-identical weights). It runs `@simplegrad/train`'s `fitEvents` on the recipe of
 * `examples/src/mnist/train.ts` and adds what the page needs: live accuracy points, predictions for a few test digits, a digest of the weights,
 * a checkpoint, and a samples/s figure that counts only the time spent training.
 */
import {
  type BackendName, Tensor, adaptiveAvgPool2d, manualSeed, noGrad, setWasmThreads, softmax, useBackend, wasmSimdSupported,
} from '@simplegrad/core';
import { type MnistDataset, type PixelsLike, fromPixels, mnist } from '@simplegrad/datasets';
import { type Module, loadSafetensors, saveSafetensors } from '@simplegrad/nn';
import { evaluate, fitEvents, predict } from '@simplegrad/train';
import { evalLoader, mnistSetup, normalizeMnist } from '../../src/mnist/train.js';
import { mnistModel } from '../../src/mnist/model.js';
import type { BackendChoice, RunOptions } from './options.js';

export { wasmSimdSupported, setWasmThreads } from '@simplegrad/core';
// Node (the browser test) reads a run's URL query with the page's own parser.
export { parseRunOptions } from './options.js';

/** The four IDX files of MNIST, as fetched (gzip or not). */
export interface IdxFiles {
  trainImages: ArrayBuffer | Uint8Array;
  trainLabels: ArrayBuffer | Uint8Array;
  testImages: ArrayBuffer | Uint8Array;
  testLabels: ArrayBuffer | Uint8Array;
}

/** Both splits, parsed. */
export interface MnistData {
  train: MnistDataset;
  test: MnistDataset;
}

/** Parses the IDX files with the browser-safe loader of @simplegrad/datasets. */
export async function loadMnist(files: IdxFiles): Promise<MnistData> {
  const [train, test] = await Promise.all([
    mnist({ split: 'train', source: { images: files.trainImages, labels: files.trainLabels } }),
    mnist({ split: 'test', source: { images: files.testImages, labels: files.testLabels } }),
  ]);
  return { train, test };
}

/**
 * Switches the kernels: `'auto'` takes WebAssembly SIMD where the module validates, else the
 * TypeScript reference. `threads` caps the WebAssembly threads (in a browser, more than one only in a
 * worker of a cross-origin-isolated page, which the demo is; the results are the same bits either way).
 */
export function selectBackend(choice: BackendChoice, threads?: number): BackendName {
  const name: BackendName = choice === 'auto' ? (wasmSimdSupported() ? 'wasm' : 'js') : choice;
  useBackend(name);
  if (name === 'wasm' && threads !== undefined) setWasmThreads(threads);
  return name;
}

/** Predicted classes of the first `count` test images. */
export function predictDigits(model: Module, test: MnistDataset, count: number): number[] {
  const n = Math.min(count, test.length);
  if (n === 0) return [];
  return Array.from(predict(model, normalizeMnist(test.images.narrow(0, 0, n))).argmax(1).data);
}

/** The model of the main job with weights from safetensors bytes (a saved or downloaded checkpoint). */
export function loadModel(bytes: Uint8Array): Module {
  const model = mnistModel();
  model.loadStateDict(loadSafetensors(bytes));
  return model;
}

/**
 * A drawing (dark ink on a light canvas, any size) as an MNIST digit `[1, 28, 28]` in [0, 1], by
 * MNIST's own recipe: inverted to light ink on black, cropped to the ink's bounding box, scaled so
 * its longer side is 20 pixels (area averaging, so thin strokes survive), and placed in the 28 × 28
 * frame with its centre of mass at the centre. Null when there is no ink.
 */
export function digitFromDrawing(pixels: PixelsLike): Tensor | null {
  const gray = fromPixels(pixels, { channels: 1 }).data;
  const { width: w, height: h } = pixels;
  const ink = new Float32Array(w * h);
  let top = h, bottom = -1, left = w, right = -1;
  for (let i = 0; i < w * h; i++) {
    ink[i] = 1 - gray[i];
    if (ink[i] < 0.1) continue;
    const y = Math.floor(i / w), x = i % w;
    top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
  }
  if (bottom < 0) return null;
  const bh = bottom - top + 1, bw = right - left + 1;
  const box = new Float32Array(bh * bw);
  for (let y = 0; y < bh; y++) box.set(ink.subarray((top + y) * w + left, (top + y) * w + left + bw), y * bw);
  const k = 20 / Math.max(bh, bw);
  const sh = Math.max(1, Math.round(bh * k)), sw = Math.max(1, Math.round(bw * k));
  const small = adaptiveAvgPool2d(new Tensor(box, [1, 1, bh, bw]), [sh, sw]).data;
  let mass = 0, cy = 0, cx = 0;
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) { const v = small[y * sw + x]; mass += v; cy += v * y; cx += v * x; }
  // Offsets that move the centre of mass to (14, 14), kept inside the frame.
  const oy = Math.min(28 - sh, Math.max(0, Math.round(14 - cy / mass))), ox = Math.min(28 - sw, Math.max(0, Math.round(14 - cx / mass)));
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) out[(oy + y) * 28 + ox + x] = Math.min(1, small[y * sw + x]);
  return new Tensor(out, [1, 28, 28]);
}

/** Class probabilities for a drawing, and the 28 × 28 digit the model saw (8-bit); null without ink. */
export function classifyDrawing(model: Module, pixels: PixelsLike): { probs: number[]; digit: Uint8Array } | null {
  const x = digitFromDrawing(pixels);
  if (x === null) return null;
  const probs = noGrad(() => softmax(predict(model, normalizeMnist(x.reshape([1, 1, 28, 28]))), 1));
  return { probs: Array.from(probs.data), digit: Uint8Array.from(x.data, (v) => Math.round(v * 255)) };
}

/** After every batch. `samplesPerSec` and `etaSec` cover the whole run so far, training time only. */
export interface StepMessage {
  type: 'step';
  epoch: number;
  step: number;
  steps: number;
  globalStep: number;
  totalSteps: number;
  loss: number;
  samplesPerSec: number;
  etaSec: number;
}

/** A live accuracy point (the first `images` test images after `globalStep` steps) and fresh predictions. */
export interface EvalMessage {
  type: 'eval';
  globalStep: number;
  accuracy: number;
  images: number;
  predictions: number[];
}

/** After every epoch: the loop's metrics plus predictions for the shown digits. */
export interface EpochMessage {
  type: 'epoch';
  epoch: number;
  globalStep: number;
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
  predictions: number[];
}

/** Once at the end, also after a stop. */
export interface DoneMessage {
  type: 'done';
  aborted: boolean;
  steps: number;
  samples: number;
  /** Time inside training steps (excludes the evaluations the page asked for). */
  trainSeconds: number;
  seconds: number;
  samplesPerSec: number;
  /** SHA-256 of the weights (see {@link weightsDigest}); null where WebCrypto is missing. */
  digest: string | null;
  predictions: number[];
  testAccuracy: number | null;
}

/** What {@link TrainingRun.run} yields. */
export type RunEvent = StepMessage | EvalMessage | EpochMessage | DoneMessage;

const now = (): number => performance.now();

/**
 * Hex SHA-256 over every state-dict entry in order: its name, a NUL, then its raw float32 bytes.
 * Equal digests mean bit-identical weights under the same names.
 */
export async function weightsDigest(model: Module): Promise<string | null> {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (subtle === undefined) return null; // insecure origins have no WebCrypto
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [name, t] of model.stateDict()) {
    parts.push(enc.encode(`${name}\0`));
    parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  const hash = new Uint8Array(await subtle.digest('SHA-256', all));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A model and its training on `data` with `options`. The model is built here (from the seed, as
 * `train` would) so the page can checkpoint it between batches and while it is stopped.
 */
export class TrainingRun {
  /** The CNN of `examples/src/mnist/model.ts`. */
  readonly model: Module;

  /** Seeds the global generator and builds the model. */
  constructor(readonly data: MnistData, readonly options: RunOptions) {
    manualSeed(options.seed);
    this.model = mnistModel();
  }

  /** Predicted classes of the first `options.digits` test images. */
  predictions(): number[] {
    return predictDigits(this.model, this.data.test, this.options.digits);
  }

  /** The weights as a safetensors file (PyTorch key names). */
  checkpoint(): Uint8Array {
    return saveSafetensors(this.model.stateDict());
  }

  /** Trains, yielding the loop's progress translated into plain, cloneable messages. */
  async *run(signal?: AbortSignal): AsyncGenerator<RunEvent> {
    const o = this.options;
    const n = Math.min(this.data.train.length, o.limit ?? Infinity);
    const steps = Math.ceil(n / o.batchSize);
    const totalSteps = steps * o.epochs;
    const t0 = now();
    let trainMs = 0;
    let samples = 0;
    let globalStep = 0;
    let lastAccuracy: number | null = null;
    // Time from handing control back to the loop until its next step event is training time;
    // what this generator's consumer and the evaluations below do in between is not.
    let resumed = now();
    const { loader, options } = mnistSetup(this.data, { ...o, model: this.model });
    for await (const e of fitEvents(this.model, loader, { ...options, signal })) {
      if (e.type === 'batchEnd') {
        trainMs += now() - resumed;
        globalStep++;
        samples += e.logs.size;
        const rate = samples / (trainMs / 1000);
        yield { type: 'step', epoch: e.logs.epoch, step: e.logs.batch, steps, globalStep, totalSteps, loss: e.logs.loss, samplesPerSec: rate, etaSec: ((totalSteps - globalStep) * trainMs) / globalStep / 1000 };
        if (o.evalEvery > 0 && globalStep % o.evalEvery === 0) {
          const images = Math.min(o.evalLimit, this.data.test.length);
          const { accuracy } = await evaluate(this.model, evalLoader(this.data.test, images));
          yield { type: 'eval', globalStep, accuracy, images, predictions: this.predictions() };
        }
      } else if (e.type === 'epochEnd') {
        lastAccuracy = e.logs.valAccuracy;
        yield { type: 'epoch', epoch: e.logs.epoch, globalStep, trainLoss: e.logs.loss, testAccuracy: e.logs.valAccuracy, seconds: e.logs.seconds, predictions: this.predictions() };
      } else if (e.type === 'trainEnd') {
        const trainSeconds = trainMs / 1000;
        yield {
          type: 'done', aborted: e.history.stopped === 'aborted', steps: globalStep, samples, trainSeconds, seconds: (now() - t0) / 1000,
          samplesPerSec: trainSeconds > 0 ? samples / trainSeconds : 0, digest: await weightsDigest(this.model), predictions: this.predictions(),
          testAccuracy: lastAccuracy,
        };
      }
      resumed = now();
    }
  }
}
