/**
 * The demo page: fetches the MNIST IDX files from its server (only the images a reduced run uses),
 * hands them to the training worker, and draws what comes back (loss and accuracy curves, test
 * digits with predictions, samples/s, the class of a digit drawn on the pad). The main thread only
 * draws; all tensor work happens in the worker, so the page stays responsive. The model can be kept
 * in IndexedDB and is loaded again after a reload. `window.demo` mirrors the page's state for the
 * browser test and for curious users.
 */
import type { StoredEntry } from '@simplegrad/train';
import { type RunOptions, parseRunOptions } from './options.js';
import { type Series, accuracyAxis, drawChart, ema } from './chart.js';
import type { Digits, FromWorker, ToWorker } from './protocol.js';
import type { DoneMessage, EpochMessage, IdxFiles } from './session.js';

/** What the page knows, exposed as `window.demo`. */
export interface DemoState {
  state: 'loading' | 'ready' | 'training' | 'done' | 'error';
  options: RunOptions | null;
  /** Seconds to fetch the four files, and for the worker to parse them. */
  fetchSeconds: number;
  /** Bytes fetched, and the sizes of the whole files (a reduced run fetches a prefix of each). */
  fetchedBytes: number;
  fullBytes: number;
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
  /** Whether a model exists (trained here or loaded), and the entry saved in IndexedDB. */
  hasModel: boolean;
  saved: StoredEntry | null;
  /** Test accuracy of the model loaded from IndexedDB. */
  loadedAccuracy: number | null;
  /** The class probabilities of the drawn digit (null: nothing drawn, or no model), and whether a newer answer is coming. */
  drawing: number[] | null;
  drawingPending: boolean;
  error: string | null;
}

/** Each IDX file: its name, header size and bytes per record (a 28 × 28 image or a label). */
const FILES: Record<keyof IdxFiles, { name: string; header: number; record: number }> = {
  trainImages: { name: 'train-images-idx3-ubyte', header: 16, record: 784 }, trainLabels: { name: 'train-labels-idx1-ubyte', header: 8, record: 1 },
  testImages: { name: 't10k-images-idx3-ubyte', header: 16, record: 784 }, testLabels: { name: 't10k-labels-idx1-ubyte', header: 8, record: 1 },
};

const demo: DemoState = {
  state: 'loading', options: null, fetchSeconds: 0, fetchedBytes: 0, fullBytes: 0, parseSeconds: 0, simd: false, backend: '', runs: 0,
  losses: [], evals: [], epochs: [], totalSteps: 0, samplesPerSec: 0, done: null, predictions: [], digitLabels: [],
  hasModel: false, saved: null, loadedAccuracy: null, drawing: null, drawingPending: false, error: null,
};
(globalThis as { demo?: DemoState }).demo = demo;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el as T;
};
const ui = {
  start: $<HTMLButtonElement>('start'), stop: $<HTMLButtonElement>('stop'), download: $<HTMLButtonElement>('download'),
  save: $<HTMLButtonElement>('save'), load: $<HTMLButtonElement>('load'), forget: $<HTMLButtonElement>('forget'), saved: $('saved'),
  pad: $<HTMLCanvasElement>('pad'), clear: $<HTMLButtonElement>('clear'), guess: $('guess'), probs: $('probs'), seen: $<HTMLCanvasElement>('seen'),
  status: $('status'), rate: $('rate'), progress: $('progress'), params: $('params'), digest: $('digest'),
  heartbeat: $('heartbeat'), loss: $<HTMLCanvasElement>('loss'), acc: $<HTMLCanvasElement>('acc'), digits: $('digits'),
};

function setState(state: DemoState['state'], text: string): void {
  demo.state = state;
  document.body.dataset.state = state;
  ui.status.textContent = text;
  updateButtons();
}

/** Enables what makes sense in the current state. */
function updateButtons(): void {
  const state = demo.state;
  ui.start.disabled = state !== 'ready' && state !== 'done';
  ui.stop.disabled = state !== 'training';
  const idle = state === 'ready' || state === 'done';
  ui.download.disabled = ui.save.disabled = !demo.hasModel || !idle;
  ui.load.disabled = ui.forget.disabled = demo.saved === null || !idle;
}

function showSaved(entry: StoredEntry | null): void {
  demo.saved = entry;
  ui.saved.textContent = entry === null ? 'No model saved in this browser.' : `Saved in this browser: ${(entry.size / 1024).toFixed(0)} kB, ${new Date(entry.savedAt).toLocaleString()}.`;
  updateButtons();
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
  const axis = accuracyAxis([...demo.evals.map(([, a]) => a), ...demo.epochs.map((e) => e.testAccuracy)]);
  drawChart(ui.acc, { title: axis.title, xMax: demo.totalSteps, yMin: axis.yMin, yMax: 1, xLabel: 'step', yFormat: axis.format }, [live, epochs]);
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
      setState('ready', `Ready: ${m.trainImages} training and ${m.testImages} test images (${mb(demo.fetchedBytes)} of ${mb(demo.fullBytes)} fetched in ${demo.fetchSeconds.toFixed(2)} s, parsed in ${m.seconds.toFixed(2)} s). WebAssembly SIMD ${m.simd ? 'available' : 'missing'}.`);
      if (new URLSearchParams(location.search).get('autostart') === '1') start();
      else send({ type: 'list' });
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
      demo.hasModel = true;
      demo.samplesPerSec = m.samplesPerSec;
      showPredictions(m.predictions);
      ui.rate.textContent = `${Math.round(m.samplesPerSec)} samples/s · ${demo.backend}`;
      ui.digest.textContent = m.digest === null ? '' : `weights SHA-256 ${m.digest.slice(0, 16)}…`;
      ui.digest.title = m.digest ?? '';
      requestDrawing();
      setState('done', `${m.aborted ? 'Stopped' : 'Done'} after ${m.steps} steps (${m.samples} samples) in ${m.seconds.toFixed(1)} s${m.testAccuracy === null ? '' : `; test accuracy ${pct(m.testAccuracy)}`}.`);
      queueDraw();
      return;
    case 'checkpoint':
      // Loaded on first use: the page's own bundle stays free of the library.
      import('@simplegrad/train')
        .then(({ downloadBytes }) => downloadBytes(new Uint8Array(m.bytes), `simplegrad-mnist-seed${demo.options!.seed}-step${m.steps}.safetensors`))
        .catch((e: unknown) => fail(String(e)));
      return;
    case 'drawing':
      showDrawing(m.probs, m.digit);
      return;
    case 'stored':
      showSaved(m.entry);
      if (m.op === 'list' && m.entry !== null) {
        // A model kept from an earlier visit is loaded right away: a reload keeps what was trained.
        setState('loading', 'Loading the model saved in this browser…');
        send({ type: 'load' });
      } else if (m.op === 'load' && m.loaded !== undefined) {
        demo.hasModel = true;
        demo.loadedAccuracy = m.loaded.testAccuracy;
        showPredictions(m.loaded.predictions);
        setState('done', `Loaded the model saved in this browser: test accuracy ${pct(m.loaded.testAccuracy)} (${m.loaded.images} images). Draw a digit, or train a new model.`);
        requestDrawing();
      } else if (m.op === 'load') {
        setState('ready', 'No saved model found.');
      } else if (m.op === 'save') {
        ui.status.textContent = 'Saved in this browser: the model will be loaded again after a reload.';
      }
      return;
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
ui.save.onclick = () => send({ type: 'save' });
ui.load.onclick = () => { setState('loading', 'Loading the saved model…'); send({ type: 'load' }); };
ui.forget.onclick = () => { send({ type: 'delete' }); ui.status.textContent = 'Deleted the saved model.'; };

// --- the drawing pad --------------------------------------------------------------------------

const pen = ui.pad.getContext('2d', { willReadFrequently: true })!;
/** A request is in flight: strokes meanwhile are sent once it is answered (at most one queued). */
let drawingBusy = false;
let drawingDirty = false;

function clearPad(): void {
  pen.fillStyle = 'white';
  pen.fillRect(0, 0, ui.pad.width, ui.pad.height);
  showDrawing(null, null);
}

/** Sends the pad's pixels to the worker (if there is a model), coalescing requests while one runs. */
function requestDrawing(): void {
  if (!demo.hasModel) return;
  demo.drawingPending = true;
  if (drawingBusy) { drawingDirty = true; return; }
  drawingBusy = true;
  const { data, width, height } = pen.getImageData(0, 0, ui.pad.width, ui.pad.height);
  send({ type: 'classifyDrawing', pixels: { data, width, height } }, [data.buffer]);
}

function showDrawing(probs: number[] | null, digit: Uint8Array | null): void {
  drawingBusy = false;
  demo.drawing = probs;
  demo.drawingPending = false;
  if (drawingDirty) { drawingDirty = false; requestDrawing(); }
  const best = probs === null ? -1 : probs.indexOf(Math.max(...probs));
  ui.guess.textContent = probs === null ? (demo.hasModel ? 'Draw a digit above.' : 'Train or load a model, then draw.') : `It is a ${best} (${pct(probs[best])})`;
  ui.probs.replaceChildren(...Array.from({ length: 10 }, (_, k) => {
    const row = document.createElement('div');
    row.innerHTML = '<span></span><i></i>';
    row.querySelector('span')!.textContent = String(k);
    (row.querySelector('i') as HTMLElement).style.width = `${probs === null ? 0 : Math.max(0.5, probs[k] * 100)}%`;
    row.className = k === best ? 'best' : '';
    return row;
  }));
  const img = new ImageData(28, 28);
  for (let p = 0; p < 784; p++) { const v = digit === null ? 255 : 255 - digit[p]; img.data.set([v, v, v, 255], p * 4); }
  ui.seen.getContext('2d')?.putImageData(img, 0, 0);
}

/** Pointer strokes in the pad's own pixels (its CSS size differs); a prediction after each move and lift. */
let last: [number, number] | null = null;
const at = (e: PointerEvent): [number, number] => {
  const r = ui.pad.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * ui.pad.width, ((e.clientY - r.top) / r.height) * ui.pad.height];
};
ui.pad.onpointerdown = (e) => { ui.pad.setPointerCapture(e.pointerId); last = at(e); ui.pad.onpointermove!(e); };
ui.pad.onpointermove = (e) => {
  if (last === null) return;
  const p = at(e);
  pen.strokeStyle = '#111';
  pen.lineWidth = ui.pad.width / 12;
  pen.lineCap = pen.lineJoin = 'round';
  pen.beginPath(); pen.moveTo(...last); pen.lineTo(...p); pen.stroke();
  last = p;
  requestDrawing();
};
ui.pad.onpointerup = ui.pad.onpointercancel = () => { last = null; requestDrawing(); };
ui.clear.onclick = clearPad;
clearPad();

// A visible heartbeat: the longest gap between ticks of a main-thread timer during the run.
let maxGap = 0;
let lastTick = performance.now();
setInterval(() => {
  const t = performance.now();
  maxGap = Math.max(maxGap, t - lastTick);
  lastTick = t;
  ui.heartbeat.textContent = `main thread: longest timer gap ${Math.round(maxGap)} ms`;
}, 50);

const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MB`;

/**
 * The first `count` records of an IDX file: an HTTP range request for just those bytes (a server
 * without ranges sends the whole file, which is cut here), with the header's record count set to
 * `count` so the file parses as a smaller one. Counts the bytes transferred and the whole size.
 */
async function fetchIdx({ name, header, record }: { name: string; header: number; record: number }, count: number): Promise<ArrayBuffer> {
  const end = header + count * record;
  const res = await fetch(new URL(`mnist/${name}`, document.baseURI), { headers: { range: `bytes=0-${end - 1}` } });
  if (!res.ok) throw new Error(`fetching mnist/${name} failed: HTTP ${res.status} ${res.statusText}`);
  const body = await res.arrayBuffer();
  demo.fetchedBytes += body.byteLength;
  // A 206 answer names the whole size after the slash of Content-Range; a 200 is the whole file.
  demo.fullBytes += res.status === 206 ? Number(res.headers.get('content-range')?.split('/')[1]) : body.byteLength;
  if (body.byteLength < end) throw new Error(`mnist/${name} has ${body.byteLength} bytes, fewer than the ${end} of ${count} records`);
  const out = body.byteLength === end ? body : body.slice(0, end);
  new DataView(out).setUint32(4, count); // big-endian, as IDX headers are
  return out;
}

async function load(): Promise<void> {
  demo.options = parseRunOptions(new URLSearchParams(location.search));
  const o = demo.options;
  ui.params.textContent = `limit ${o.limit ?? 'all'} · epochs ${o.epochs} · batch ${o.batchSize} · lr ${o.lr ?? 'default'} (${o.schedule}) · seed ${o.seed} · backend ${o.backend} · test on ${o.testLimit}`;
  setState('loading', 'Fetching the MNIST files…');
  draw();
  const t0 = performance.now();
  // Only what the run uses: its training images, and the test images its evaluations and digits read.
  const trainCount = Math.min(60000, o.limit ?? 60000);
  const testCount = Math.min(10000, Math.max(o.testLimit, o.evalEvery > 0 ? o.evalLimit : 0, o.digits));
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    fetchIdx(FILES.trainImages, trainCount), fetchIdx(FILES.trainLabels, trainCount),
    fetchIdx(FILES.testImages, testCount), fetchIdx(FILES.testLabels, testCount)]);
  demo.fetchSeconds = (performance.now() - t0) / 1000;
  const files: IdxFiles = { trainImages, trainLabels, testImages, testLabels };
  ui.status.textContent = 'Parsing in the worker…';
  // Transferred, not copied: up to 55 MB move to the worker without a second copy.
  send({ type: 'data', files, digits: o.digits, testLimit: o.testLimit }, [trainImages, trainLabels, testImages, testLabels]);
}

load().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
