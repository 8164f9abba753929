/**
 * The demo page: fetches the MNIST IDX files from its server, hands them to the training worker,
 * and draws what comes back (loss and accuracy curves, test digits with predictions, samples/s).
 * The main thread only draws; all tensor work happens in the worker, so the page stays responsive.
 * `window.demo` mirrors the page's state for the browser test and for curious users.
 */
import { type RunOptions, parseRunOptions } from './options.js';
import { type Series, drawChart, ema } from './chart.js';
import type { Digits, FromWorker, ToWorker } from './protocol.js';
import type { DoneMessage, EpochMessage, IdxFiles } from './session.js';

/** What the page knows, exposed as `window.demo`. */
export interface DemoState {
  state: 'loading' | 'ready' | 'training' | 'done' | 'error';
  options: RunOptions | null;
  /** Seconds to fetch the four files, and for the worker to parse them. */
  fetchSeconds: number;
  parseSeconds: number;
  simd: boolean;
  backend: string;
  /** Runs started on this page. */
  runs: number;
  /** The current run: one loss per step event received, live accuracy points, epochs, the end. */
  losses: number[];
  evals: [number, number][];
  epochs: EpochMessage[];
  totalSteps: number;
  samplesPerSec: number;
  done: DoneMessage | null;
  predictions: number[];
  /** True classes of the shown test digits. */
  digitLabels: number[];
  error: string | null;
}

const FILES: Record<keyof IdxFiles, string> = {
  trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte',
};

const demo: DemoState = {
  state: 'loading', options: null, fetchSeconds: 0, parseSeconds: 0, simd: false, backend: '', runs: 0,
  losses: [], evals: [], epochs: [], totalSteps: 0, samplesPerSec: 0, done: null, predictions: [], digitLabels: [], error: null,
};
(globalThis as { demo?: DemoState }).demo = demo;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el as T;
};
const ui = {
  start: $<HTMLButtonElement>('start'), stop: $<HTMLButtonElement>('stop'), download: $<HTMLButtonElement>('download'),
  status: $('status'), rate: $('rate'), progress: $('progress'), params: $('params'), digest: $('digest'),
  heartbeat: $('heartbeat'), loss: $<HTMLCanvasElement>('loss'), acc: $<HTMLCanvasElement>('acc'), digits: $('digits'),
};

function setState(state: DemoState['state'], text: string): void {
  demo.state = state;
  document.body.dataset.state = state;
  ui.status.textContent = text;
  ui.start.disabled = state !== 'ready' && state !== 'done';
  ui.stop.disabled = state !== 'training';
  ui.download.disabled = demo.runs === 0 || state === 'loading' || state === 'error';
}

function fail(message: string): void {
  demo.error = message;
  setState('error', `Error: ${message}`);
}

// --- the digits strip -------------------------------------------------------------------------

let digits: Digits = { count: 0, pixels: new Uint8Array(0), labels: [] };

function buildDigits(d: Digits): void {
  digits = d;
  demo.digitLabels = d.labels;
  ui.digits.replaceChildren();
  for (let i = 0; i < d.count; i++) {
    const fig = document.createElement('figure');
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const img = new ImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - d.pixels[i * 784 + p];
      img.data.set([v, v, v, 255], p * 4);
    }
    c.getContext('2d')?.putImageData(img, 0, 0);
    const cap = document.createElement('figcaption');
    cap.textContent = `label ${d.labels[i]}`;
    fig.append(c, cap);
    ui.digits.append(fig);
  }
}

function showPredictions(pred: readonly number[]): void {
  demo.predictions = [...pred];
  ui.digits.querySelectorAll('figure').forEach((fig, i) => {
    const cap = fig.querySelector('figcaption')!;
    const ok = pred[i] === digits.labels[i];
    cap.textContent = `predicted ${pred[i]}`;
    cap.className = ok ? 'right' : 'wrong';
    fig.title = `label ${digits.labels[i]}, predicted ${pred[i]}`;
  });
}

// --- the charts -------------------------------------------------------------------------------

let drawQueued = false;

/** Coalesces redraws to one per frame, however fast step events arrive. */
function queueDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; draw(); });
}

function draw(): void {
  const steps = demo.losses.map((l, i) => [i + 1, l] as const);
  // Averages over about a 25th of the run (at most 50 steps), so short runs are not all lag.
  const span = Math.min(50, Math.max(1, demo.totalSteps / 25));
  const smooth = ema(demo.losses, 1 - 1 / span).map((l, i) => [i + 1, l] as const);
  const lossMax = Math.max(0.5, ...demo.losses.slice(0, 200), ...demo.losses.slice(-200)) * 1.05;
  drawChart(ui.loss, { title: 'Training loss (per batch)', xMax: demo.totalSteps, yMin: 0, yMax: Math.min(lossMax, 3), xLabel: 'step' }, [
    { points: steps, color: '#9ec5ee', width: 1, label: 'batch' },
    { points: smooth, color: '#1f5fa8', width: 2, label: 'moving average' },
  ]);
  const live: Series = { points: demo.evals, color: '#d9822b', width: 1.5, dot: 2, label: `test subset (${demo.options?.evalLimit ?? 0} images)` };
  const epochs: Series = { points: demo.epochs.map((e) => [e.globalStep, e.testAccuracy] as const), color: '#2a8a3e', width: 0, dot: 5, label: 'end of epoch' };
  drawChart(ui.acc, { title: 'Test accuracy', xMax: demo.totalSteps, yMin: 0, yMax: 1, xLabel: 'step', yFormat: (v) => `${Math.round(v * 100)}%` }, [live, epochs]);
}

// --- the worker -------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module', name: 'simplegrad-train' });
const send = (msg: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(msg, { transfer });

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'loaded':
      demo.parseSeconds = m.seconds;
      demo.simd = m.simd;
      buildDigits(m.digits);
      setState('ready', `Ready: ${m.trainImages} training and ${m.testImages} test images (fetched in ${demo.fetchSeconds.toFixed(2)} s, parsed in ${m.seconds.toFixed(2)} s). WebAssembly SIMD ${m.simd ? 'available' : 'missing'}.`);
      if (new URLSearchParams(location.search).get('autostart') === '1') start();
      return;
    case 'started':
      demo.backend = m.backend;
      return;
    case 'step':
      demo.losses.push(m.loss);
      demo.totalSteps = m.totalSteps;
      demo.samplesPerSec = m.samplesPerSec;
      ui.rate.textContent = `${Math.round(m.samplesPerSec)} samples/s · ${demo.backend}`;
      ui.progress.textContent = `epoch ${m.epoch}/${demo.options!.epochs} · step ${m.step}/${m.steps} · loss ${m.loss.toFixed(3)} · ETA ${Math.ceil(m.etaSec)} s`;
      queueDraw();
      return;
    case 'eval':
      demo.evals.push([m.globalStep, m.accuracy]);
      showPredictions(m.predictions);
      queueDraw();
      return;
    case 'epoch':
      demo.epochs.push(m);
      showPredictions(m.predictions);
      ui.status.textContent = `Epoch ${m.epoch}: mean training loss ${m.trainLoss.toFixed(4)}, test accuracy ${pct(m.testAccuracy)} (${demo.options!.testLimit} images).`;
      queueDraw();
      return;
    case 'done':
      demo.done = m;
      demo.samplesPerSec = m.samplesPerSec;
      showPredictions(m.predictions);
      ui.rate.textContent = `${Math.round(m.samplesPerSec)} samples/s · ${demo.backend}`;
      ui.digest.textContent = m.digest === null ? '' : `weights SHA-256 ${m.digest.slice(0, 16)}…`;
      ui.digest.title = m.digest ?? '';
      setState('done', `${m.aborted ? 'Stopped' : 'Done'} after ${m.steps} steps (${m.samples} samples) in ${m.seconds.toFixed(1)} s${m.testAccuracy === null ? '' : `; test accuracy ${pct(m.testAccuracy)}`}.`);
      queueDraw();
      return;
    case 'checkpoint': {
      const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `simplegrad-mnist-seed${demo.options!.seed}-step${m.steps}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return;
    }
    case 'error':
      fail(m.message);
      return;
    default:
      fail(`unexpected message ${JSON.stringify(m satisfies never)}`);
  }
}

worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
worker.onerror = (e) => fail(`the worker failed: ${e.message}`);

function start(): void {
  Object.assign(demo, { losses: [], evals: [], epochs: [], done: null, predictions: [], samplesPerSec: 0 });
  demo.runs++;
  maxGap = 0;
  setState('training', `Training ${demo.options!.limit ?? 60000} images × ${demo.options!.epochs} epoch(s)…`);
  ui.digest.textContent = '';
  send({ type: 'start', options: demo.options! });
}

ui.start.onclick = start;
ui.stop.onclick = () => { ui.stop.disabled = true; ui.status.textContent = 'Stopping after this batch…'; send({ type: 'stop' }); };
ui.download.onclick = () => send({ type: 'checkpoint' });

// A visible heartbeat: the longest gap between ticks of a main-thread timer during the run.
let maxGap = 0;
let lastTick = performance.now();
setInterval(() => {
  const t = performance.now();
  maxGap = Math.max(maxGap, t - lastTick);
  lastTick = t;
  ui.heartbeat.textContent = `main thread: longest timer gap ${Math.round(maxGap)} ms`;
}, 50);

async function fetchFile(name: string): Promise<ArrayBuffer> {
  const res = await fetch(new URL(`mnist/${name}`, document.baseURI));
  if (!res.ok) throw new Error(`fetching mnist/${name} failed: HTTP ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

async function load(): Promise<void> {
  demo.options = parseRunOptions(new URLSearchParams(location.search));
  const o = demo.options;
  ui.params.textContent = `limit ${o.limit ?? 'all'} · epochs ${o.epochs} · batch ${o.batchSize} · lr ${o.lr ?? 'default'} (${o.schedule}) · seed ${o.seed} · backend ${o.backend} · test on ${o.testLimit}`;
  setState('loading', 'Fetching the MNIST files…');
  draw();
  const t0 = performance.now();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [FILES.trainImages, FILES.trainLabels, FILES.testImages, FILES.testLabels].map(fetchFile));
  demo.fetchSeconds = (performance.now() - t0) / 1000;
  const files: IdxFiles = { trainImages, trainLabels, testImages, testLabels };
  ui.status.textContent = 'Parsing in the worker…';
  // Transferred, not copied: the 55 MB move to the worker without a second copy.
  send({ type: 'data', files, digits: o.digits }, [trainImages, trainLabels, testImages, testLabels]);
}

load().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
