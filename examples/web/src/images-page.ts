/**
 * The "teach a CNN your own images" page: classes of dropped (or camera) pictures, training in the
 * worker with live curves, predictions for new pictures, and the model kept in IndexedDB (found
 * again after a reload). The page only draws; decoding, training and storage happen in the worker.
 * `window.imagesDemo` mirrors the page's state for the browser test.
 */
import type { StoredEntry } from '@simplegrad/train';
import { drawChart, ema } from './chart.js';
import type { ImagesApi, ImagesCall, ImagesMessage, ModelSpec, Prediction, TrainEvent, TrainSettings, Arch } from './images-protocol.js';

/** The IndexedDB key of this demo's model. */
const KEY = 'images-demo';
/** Defaults of the controls (the query overrides them). */
const DEFAULT_SPEC: Readonly<{ arch: Arch; size: number }> = { arch: 'cnn', size: 32 };
const DEFAULT_SETTINGS: Readonly<TrainSettings> = { epochs: 12, batchSize: 16, lr: 3e-3, seed: 0, augment: true };

interface Picture { id: number; url: string; name: string }
interface ClassCard { name: string; pictures: Picture[]; root: HTMLElement }

/** What the page knows, exposed as `window.imagesDemo`. */
export interface ImagesDemoState {
  state: 'loading' | 'ready' | 'training' | 'error';
  /** Pictures per class. */
  counts: number[];
  classes: string[];
  losses: number[];
  /** Training accuracy of every batch (augmented samples). */
  batchAccuracy: number[];
  /** Accuracy on the un-augmented training pictures after each epoch. */
  epochs: { epoch: number; step: number; loss: number; accuracy: number; cleanAccuracy: number }[];
  totalSteps: number;
  done: (TrainEvent & { type: 'done' }) | null;
  samplesPerSec: number;
  /** Predictions for the pictures in "try it", in order. */
  predictions: (Prediction & { file: string; className: string })[];
  /** The model's spec, once there is one (trained or loaded). */
  model: ModelSpec | null;
  /** How the current model came to be. */
  modelSource: 'trained' | 'loaded' | null;
  saved: StoredEntry | null;
  error: string | null;
}

const demo: ImagesDemoState = {
  state: 'loading', counts: [], classes: [], losses: [], batchAccuracy: [], epochs: [], totalSteps: 0, done: null, samplesPerSec: 0,
  predictions: [], model: null, modelSource: null, saved: null, error: null,
};
(globalThis as { imagesDemo?: ImagesDemoState }).imagesDemo = demo;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el as T;
};
const ui = {
  classes: $('classes'), addClass: $<HTMLButtonElement>('add-class'), camera: $<HTMLButtonElement>('camera'), cameraHint: $('camera-hint'),
  video: $<HTMLVideoElement>('video'), arch: $<HTMLSelectElement>('arch'), size: $<HTMLSelectElement>('size'), epochs: $<HTMLInputElement>('epochs'),
  train: $<HTMLButtonElement>('train'), stop: $<HTMLButtonElement>('stop'), rate: $('rate'), status: $('status'), progress: $('progress'),
  loss: $<HTMLCanvasElement>('loss'), acc: $<HTMLCanvasElement>('acc'), testDrop: $('test-drop'), testFiles: $<HTMLInputElement>('test-files'),
  results: $('results'), save: $<HTMLButtonElement>('save'), load: $<HTMLButtonElement>('load'), remove: $<HTMLButtonElement>('delete'),
  download: $<HTMLButtonElement>('download'), saved: $('saved'),
};

// --- the worker, as remote calls --------------------------------------------------------------

const worker = new Worker(new URL('./images-worker.mjs', import.meta.url), { type: 'module', name: 'simplegrad-images' });
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let rid = 0;

/** Calls `op` in the worker; an ArrayBuffer argument is transferred, not copied. */
function call<K extends keyof ImagesApi>(op: K, ...args: Parameters<ImagesApi[K]>): Promise<ReturnType<ImagesApi[K]>> {
  const id = ++rid;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker.postMessage({ rid: id, op, args } as ImagesCall, { transfer: args.filter((a): a is ArrayBuffer => a instanceof ArrayBuffer) });
  });
}

worker.onmessage = (e: MessageEvent<ImagesMessage>) => {
  const m = e.data;
  if (m.type === 'event') { onEvent(m.event); return; }
  const p = pending.get(m.rid);
  pending.delete(m.rid);
  if (m.error !== undefined) p?.reject(new Error(m.error));
  else p?.resolve(m.value);
};
worker.onerror = (e) => fail(`the worker failed: ${e.message}`);

// --- state and status -------------------------------------------------------------------------

const cards: ClassCard[] = [];
const tests: Picture[] = [];

function fail(message: string): void {
  demo.error = message;
  demo.state = 'error';
  document.body.dataset.state = 'error';
  ui.status.textContent = `Error: ${message}`;
}

/** Shows a message and updates which buttons make sense now. */
function setState(state: ImagesDemoState['state'], text?: string): void {
  demo.state = state;
  document.body.dataset.state = state;
  if (text !== undefined) ui.status.textContent = text;
  refresh();
}

function refresh(): void {
  demo.counts = cards.map((c) => c.pictures.length);
  demo.classes = cards.map((c) => c.name);
  const busy = demo.state === 'training' || demo.state === 'loading';
  ui.train.disabled = busy || cards.filter((c) => c.pictures.length > 0).length < 2 || cards.some((c) => c.pictures.length === 0);
  ui.train.title = ui.train.disabled && !busy ? 'every class needs at least one picture (and there must be two classes)' : '';
  ui.stop.disabled = demo.state !== 'training';
  ui.save.disabled = busy || demo.model === null;
  ui.download.disabled = busy || demo.model === null;
  ui.load.disabled = busy || demo.saved === null;
  ui.remove.disabled = busy || demo.saved === null;
  ui.addClass.disabled = busy || cards.length >= 8;
  for (const c of cards) c.root.querySelector('.count')!.textContent = `${c.pictures.length} picture${c.pictures.length === 1 ? '' : 's'}`;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// --- pictures in ------------------------------------------------------------------------------

/** Hands each file to the worker to decode; a file the worker cannot read is reported, not fatal. */
async function decodeFiles(files: Iterable<File>): Promise<Picture[]> {
  const out: Picture[] = [];
  for (const f of files) {
    try {
      const { id } = await call('decode', await f.arrayBuffer());
      out.push({ id, url: URL.createObjectURL(f), name: f.name });
    } catch (e) {
      ui.status.textContent = `Skipped ${f.name}: ${errorText(e)}`;
    }
  }
  return out;
}

/** Wires a drop zone (and the file input inside it) to `take`. */
function dropZone(zone: HTMLElement, input: HTMLInputElement, take: (files: File[]) => Promise<void>): void {
  const run = (files: File[]): void => { take(files.filter((f) => f.type === '' || f.type.startsWith('image/'))).catch((e) => fail(errorText(e))); };
  input.onchange = () => { run([...(input.files ?? [])]); input.value = ''; };
  zone.ondragover = (e) => { e.preventDefault(); zone.classList.add('over'); };
  zone.ondragleave = () => zone.classList.remove('over');
  zone.ondrop = (e) => { e.preventDefault(); zone.classList.remove('over'); run([...(e.dataTransfer?.files ?? [])]); };
}

function thumb(p: Picture): HTMLImageElement {
  const img = document.createElement('img');
  img.src = p.url;
  img.alt = img.title = p.name;
  return img;
}

function addCard(name: string): ClassCard {
  const root = document.createElement('section');
  root.className = 'class';
  const i = cards.length;
  root.innerHTML = `<header><input aria-label="class name" maxlength="40"><span class="count"></span><button class="capture" hidden>Capture</button><button class="clear">Clear</button></header>
    <div class="drop">Drop pictures or <label>choose files<input type="file" accept="image/*" multiple data-class="${i}"></label></div><div class="thumbs"></div>`;
  const card: ClassCard = { name, pictures: [], root };
  const nameInput = root.querySelector('header input') as HTMLInputElement;
  nameInput.value = name;
  nameInput.oninput = () => { card.name = nameInput.value.trim() || `Class ${i + 1}`; refresh(); };
  const thumbs = root.querySelector('.thumbs')!;
  dropZone(root.querySelector('.drop')!, root.querySelector('input[type=file]')!, async (files) => {
    const pics = await decodeFiles(files);
    card.pictures.push(...pics);
    thumbs.append(...pics.map(thumb));
    refresh();
  });
  (root.querySelector('.clear') as HTMLButtonElement).onclick = () => {
    call('forget', card.pictures.map((p) => p.id)).catch((e) => fail(errorText(e)));
    card.pictures.forEach((p) => URL.revokeObjectURL(p.url));
    card.pictures = [];
    thumbs.replaceChildren();
    refresh();
  };
  (root.querySelector('.capture') as HTMLButtonElement).onclick = () => { capture(card, thumbs).catch((e) => fail(errorText(e))); };
  cards.push(card);
  ui.classes.append(root);
  return card;
}

/** Sets the cards to `names` (keeping the pictures of cards that stay). */
function setClassNames(names: readonly string[]): void {
  while (cards.length < names.length) addCard(names[cards.length]);
  names.forEach((n, i) => {
    cards[i].name = n;
    (cards[i].root.querySelector('header input') as HTMLInputElement).value = n;
  });
  refresh();
}

// --- the camera (optional: only where the browser has one and the user allows it) --------------

let stream: MediaStream | null = null;

async function toggleCamera(): Promise<void> {
  if (stream !== null) {
    stream.getTracks().forEach((t) => t.stop());
    stream = null;
  } else {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
    ui.video.srcObject = stream;
    await ui.video.play();
  }
  const on = stream !== null;
  ui.video.classList.toggle('on', on);
  ui.camera.textContent = on ? 'Turn the camera off' : 'Use the camera';
  ui.cameraHint.textContent = on ? '“Capture” in a class adds the current frame to it.' : '';
  for (const c of cards) (c.root.querySelector('.capture') as HTMLButtonElement).hidden = !on;
}

async function capture(card: ClassCard, thumbs: Element): Promise<void> {
  const c = document.createElement('canvas');
  c.width = ui.video.videoWidth;
  c.height = ui.video.videoHeight;
  c.getContext('2d')!.drawImage(ui.video, 0, 0);
  const blob = await new Promise<Blob | null>((r) => c.toBlob(r, 'image/png'));
  if (blob === null) throw new Error('the camera frame could not be captured');
  const pics = await decodeFiles([new File([blob], `camera-${card.pictures.length + 1}.png`, { type: 'image/png' })]);
  card.pictures.push(...pics);
  thumbs.append(...pics.map(thumb));
  refresh();
}

// --- training -----------------------------------------------------------------------------------

/** Reads the run's settings from the query (`?epochs=5&arch=mobilenet`); a malformed value throws, naming it. */
function queryOptions(query: URLSearchParams): { spec: { arch: Arch; size: number }; settings: TrainSettings } {
  const spec = { ...DEFAULT_SPEC };
  const settings = { ...DEFAULT_SETTINGS };
  const num = (name: string, min: number, integer = true): number | undefined => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const v = Number(raw);
    if (raw.trim() === '' || !(v >= min) || (integer && !Number.isInteger(v))) throw new Error(`?${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${raw}'`);
    return v;
  };
  const arch = query.get('arch');
  if (arch !== null) {
    if (arch !== 'cnn' && arch !== 'mobilenet') throw new Error(`?arch must be cnn or mobilenet, got '${arch}'`);
    spec.arch = arch;
  }
  spec.size = num('size', 8) ?? spec.size;
  settings.epochs = num('epochs', 1) ?? settings.epochs;
  settings.batchSize = num('batch', 1) ?? settings.batchSize;
  settings.lr = num('lr', Number.MIN_VALUE, false) ?? settings.lr;
  settings.seed = num('seed', 0) ?? settings.seed;
  settings.augment = query.get('augment') !== '0';
  return { spec, settings };
}

let base: ReturnType<typeof queryOptions>;

let drawQueued = false;
function queueDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; draw(); });
}

function draw(): void {
  const xMax = Math.max(1, demo.totalSteps);
  const span = Math.min(20, Math.max(1, demo.totalSteps / 15));
  const at = (v: readonly number[]) => v.map((l, i) => [i + 1, l] as const);
  const lossMax = Math.min(3, Math.max(0.8, ...demo.losses) * 1.05);
  drawChart(ui.loss, { title: 'Training loss', xMax, yMin: 0, yMax: lossMax, xLabel: 'step' }, [
    { points: at(demo.losses), color: '#9ec5ee', width: 1, label: 'batch' },
    { points: at(ema(demo.losses, 1 - 1 / span)), color: '#1f5fa8', width: 2, label: 'average' },
  ]);
  drawChart(ui.acc, { title: 'Accuracy', xMax, yMin: 0, yMax: 1, xLabel: 'step', yFormat: (v) => `${Math.round(v * 100)}%` }, [
    { points: at(ema(demo.batchAccuracy, 1 - 1 / span)), color: '#d9822b', width: 1.5, label: 'augmented batches' },
    { points: demo.epochs.map((e) => [e.step, e.cleanAccuracy] as const), color: '#2a8a3e', width: 0, dot: 4, label: 'your pictures' },
  ]);
}

function onEvent(e: TrainEvent): void {
  if (e.type === 'batch') {
    demo.losses.push(e.loss);
    demo.batchAccuracy.push(e.accuracy);
    demo.totalSteps = e.totalSteps;
    demo.samplesPerSec = e.samplesPerSec;
    ui.rate.textContent = `${Math.round(e.samplesPerSec)} samples/s`;
    ui.progress.textContent = `epoch ${e.epoch}/${base.settings.epochs} · step ${e.step}/${e.totalSteps} · loss ${e.loss.toFixed(3)}`;
  } else if (e.type === 'epoch') {
    demo.epochs.push(e);
    ui.status.textContent = `Epoch ${e.epoch}: loss ${e.loss.toFixed(3)}; ${Math.round(e.cleanAccuracy * 100)} % of your pictures right.`;
  }
  queueDraw();
}

async function train(): Promise<void> {
  const spec: ModelSpec = { arch: ui.arch.value as Arch, size: Number(ui.size.value), classes: cards.map((c) => c.name) };
  const epochs = Number(ui.epochs.value);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got '${ui.epochs.value}'`);
  const settings: TrainSettings = { ...base.settings, epochs };
  base.settings = settings;
  const samples = cards.flatMap((c, label) => c.pictures.map((p) => [p.id, label] as [number, number]));
  Object.assign(demo, { losses: [], batchAccuracy: [], epochs: [], done: null, samplesPerSec: 0, totalSteps: 0 });
  setState('training', `Training on ${samples.length} pictures × ${epochs} epochs…`);
  try {
    const done = await call('train', spec, settings, samples);
    demo.done = done;
    demo.samplesPerSec = done.samplesPerSec;
    demo.model = spec;
    demo.modelSource = 'trained';
    ui.rate.textContent = `${Math.round(done.samplesPerSec)} samples/s`;
    const last = demo.epochs.at(-1);
    setState('ready', `${done.aborted ? 'Stopped' : 'Done'} after ${done.steps} steps (${done.samples} samples, ${done.trainSeconds.toFixed(1)} s)${last ? `; ${Math.round(last.cleanAccuracy * 100)} % of your pictures right` : ''}. Try it on new pictures below.`);
    queueDraw();
    await classifyAll();
  } catch (e) {
    fail(errorText(e));
  }
}

// --- trying it ----------------------------------------------------------------------------------

function showPrediction(p: Picture, pred: Prediction | null): HTMLElement {
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  fig.append(thumb(p), cap);
  if (pred === null) {
    cap.textContent = 'no model yet';
    return fig;
  }
  const names = demo.model!.classes;
  cap.textContent = `${names[pred.label]} (${Math.round(pred.probs[pred.label] * 100)} %)`;
  pred.probs.forEach((v, k) => {
    const row = document.createElement('div');
    row.className = 'prob';
    row.innerHTML = '<span></span><b></b><i></i>';
    row.querySelector('span')!.textContent = names[k];
    row.querySelector('b')!.textContent = `${(v * 100).toFixed(1)}%`;
    (row.querySelector('i') as HTMLElement).style.width = `${Math.max(1, v * 100)}%`;
    fig.append(row);
  });
  return fig;
}

/** (Re)classifies every picture in "try it" with the current model. */
async function classifyAll(): Promise<void> {
  const preds = demo.model === null || tests.length === 0 ? null : await call('classify', tests.map((t) => t.id));
  demo.predictions = preds === null ? [] : preds.map((p, i) => ({ ...p, file: tests[i].name, className: demo.model!.classes[p.label] }));
  ui.results.replaceChildren(...tests.map((t, i) => showPrediction(t, preds?.[i] ?? null)));
}

// --- keeping it ---------------------------------------------------------------------------------

const kB = (n: number): string => `${(n / 1024).toFixed(0)} kB`;

function showSaved(entries: readonly StoredEntry[]): void {
  demo.saved = entries.find((e) => e.key === KEY) ?? null;
  ui.saved.textContent = demo.saved === null
    ? 'No model saved in this browser yet.'
    : `Saved in this browser: ${kB(demo.saved.size)}, ${new Date(demo.saved.savedAt).toLocaleString()}.`;
  refresh();
}

async function loadSaved(): Promise<void> {
  const spec = await call('load', KEY);
  if (spec === null) { showSaved(await call('list')); return; }
  demo.model = spec;
  demo.modelSource = 'loaded';
  setClassNames(spec.classes);
  ui.arch.value = spec.arch;
  ui.size.value = String(spec.size);
  ui.status.textContent = `Loaded the saved model (${spec.arch === 'cnn' ? 'small CNN' : 'MobileNetV2 ×0.35'}, ${spec.size} × ${spec.size}, classes ${spec.classes.join(', ')}). Try it on new pictures, or train a new one.`;
  await classifyAll();
  refresh();
}

const guarded = (fn: () => Promise<void>) => () => { fn().catch((e) => fail(errorText(e))); };

ui.train.onclick = guarded(train);
ui.stop.onclick = guarded(async () => { ui.stop.disabled = true; ui.status.textContent = 'Stopping after this batch…'; await call('stop'); });
ui.addClass.onclick = () => { addCard(`Class ${cards.length + 1}`); refresh(); };
ui.camera.onclick = guarded(toggleCamera);
ui.save.onclick = guarded(async () => {
  showSaved(await call('save', KEY));
  ui.status.textContent = 'Saved in this browser: it will be found again after a reload.';
});
ui.load.onclick = guarded(loadSaved);
ui.remove.onclick = guarded(async () => { await call('remove', KEY); showSaved(await call('list')); ui.status.textContent = 'Deleted the saved model.'; });
ui.download.onclick = guarded(async () => {
  const bytes = new Uint8Array(await call('exportBytes'));
  const { downloadBytes } = await import('@simplegrad/train'); // loaded on first use: the page's bundle stays free of the library
  downloadBytes(bytes, `simplegrad-images-${demo.model!.classes.join('-')}.safetensors`);
});
dropZone(ui.testDrop, ui.testFiles, async (files) => {
  tests.push(...(await decodeFiles(files)));
  await classifyAll();
});

async function init(): Promise<void> {
  base = queryOptions(new URLSearchParams(location.search));
  ui.arch.value = base.spec.arch;
  ui.size.value = String(base.spec.size);
  if (ui.size.value !== String(base.spec.size)) ui.size.append(new Option(`${base.spec.size} × ${base.spec.size}`, String(base.spec.size), true, true));
  ui.epochs.value = String(base.settings.epochs);
  addCard('Class 1');
  addCard('Class 2');
  ui.camera.hidden = !navigator.mediaDevices?.getUserMedia;
  draw();
  showSaved(await call('list'));
  setState('ready', 'Add pictures to each class, then train.');
  // A model saved earlier is found and loaded right away: a reload keeps what was trained.
  if (demo.saved !== null) await loadSaved();
}

init().catch((e) => fail(errorText(e)));
