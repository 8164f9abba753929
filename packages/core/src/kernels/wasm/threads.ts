/**
 * A small pool of worker threads that run chunks of WebAssembly jobs on a shared memory.
 *
 * A job (written at `LAYOUT.JOB` by the caller) is split into chunks that write disjoint outputs.
 * The calling thread and the workers claim chunks one at a time from a shared counter with a
 * compare-and-swap, so nobody waits for a thread that is slow to wake up, was descheduled by a
 * busy machine, or has not even started yet (browsers boot workers asynchronously): the caller
 * simply does more of the chunks itself, and at worst waits for the one chunk a started worker is
 * still running. The claim word holds `total << 16 | next`, so a claim can only succeed on the job
 * that is live, whatever a late worker saw before. Which thread runs a chunk never changes a bit of
 * its result (see packages/core/wasm/asc/kernels.ts).
 *
 * Hand-over costs no `postMessage` and no allocation: an idle worker spins on the job counter for a
 * moment (so back-to-back jobs start within a microsecond), then sleeps in `Atomics.wait`. A job
 * can also be started and finished apart ({@link Pool.start}, {@link Pool.finish}): the workers
 * compute while the caller does other work, such as copying the next job's operands in.
 *
 * One worker program ({@link WORKER_SOURCE}) runs in both kinds of worker: Node `worker_threads`
 * (started from the inlined source with `eval: true` and given the module and memory as
 * `workerData`; `unref`'d, so a finished training script exits normally) and browsers' Web Workers
 * (started from a Blob URL of the same source, so bundles need no extra file, and given the module
 * and memory by `postMessage`; only in cross-origin-isolated pages, where `SharedArrayBuffer` exists).
 * The calling thread must be allowed to block (`Atomics.wait`): a worker, or Node's main thread, not
 * a browser's main thread. Where any of this is missing, {@link threadSupport} says why and jobs
 * run on the calling thread.
 *
 * Failures carry their cause: a worker whose chunk throws writes a short UTF-8 message into a
 * reserved area of the control block, which the caller's error then quotes; a worker that cannot
 * start (its module fails to instantiate, or it dies with an error event) marks the pool degraded:
 * it warns once, and the thread count reported drops to the threads really working.
 */
import { LAYOUT } from './bytes.js';
import { type Engine, wasmModule } from './engine.js';

/** Int32 indices of the control words; the two every chunk touches (claim, done) have cache lines of their own. */
const SEQ = 0; // bumped once per job; idle workers wait on it
const EXIT = 1; // set to stop the workers
const STARTED = 2; // workers that have instantiated the module and entered their loop
const DEAD = 3; // workers that could not instantiate the module
const PAGES = 4; // the memory's size in pages when the live job was published (see the worker's refresh)
const CLAIM = 16; // total << 16 | next chunk
const DONE = 32; // chunks finished
const FAILED = 48; // a chunk threw
const BY_WORKERS = 56; // chunks the workers have run, ever (for tests and benchmarks)
/** Two message slots (a length word, then UTF-8 bytes): why a worker could not start, why a chunk failed. */
const START_MSG = 64;
const JOB_MSG = 160;
const MSG_BYTES = 4 * 95;
/** The control block fills the bytes from `LAYOUT.CTRL` up to the job descriptor. */
const CTRL_WORDS = 256;
/** Messages are cut to this many UTF-16 units, which take at most 3 bytes each in UTF-8: they always fit. */
const MSG_CHARS = 120;

/** The most workers the scratch tiles have room for. */
export const MAX_WORKERS = 7;
/** Chunks per job are limited by the 15 bits of the claim word's total. */
export const MAX_CHUNKS = 32767;

/**
 * The worker's whole program, one source for both runtimes: in Node it runs as CommonJS (eval), so
 * `require` exists and the module and memory come as `workerData`; in a browser it is a classic
 * worker script, which gets them in its first message. Plain JavaScript, no imports.
 */
export const WORKER_SOURCE = `'use strict';
const describe = (e) => (e instanceof Error ? e.name + ': ' + e.message : String(e));
function main(data) {
  // Not \`module\`: Bun and Deno run Node workers as module-scoped scripts where that name is taken.
  const { module: wasm, memory, thread, spinMs } = data;
  const ctrl = new Int32Array(memory.buffer, ${LAYOUT.CTRL}, ${CTRL_WORDS});
  const bytes = new Uint8Array(memory.buffer, ${LAYOUT.CTRL}, ${4 * CTRL_WORDS});
  // The first message of a slot wins (a length word of -1 marks one being written).
  const note = (slot, text) => {
    if (Atomics.compareExchange(ctrl, slot, 0, -1) !== 0) return;
    const b = new TextEncoder().encode(text.slice(0, ${MSG_CHARS}));
    bytes.set(b, 4 * slot + 4);
    Atomics.store(ctrl, slot, b.length);
  };
  let run;
  try {
    run = new WebAssembly.Instance(wasm, { env: { memory } }).exports.runChunk;
  } catch (e) {
    note(${START_MSG}, 'worker ' + thread + ' could not start: ' + describe(e));
    Atomics.add(ctrl, ${DEAD}, 1);
    Atomics.notify(ctrl, ${STARTED});
    return;
  }
  Atomics.add(ctrl, ${STARTED}, 1);
  Atomics.notify(ctrl, ${STARTED});
  const op = new Int32Array(memory.buffer, ${LAYOUT.JOB}, 1);
  // The pages this worker's view of the memory was last refreshed at. A shared memory grown by
  // another thread can reach this thread's instance late (V8 refreshes it on an interrupt, and an
  // object received while the memory grew can start stale): a chunk's bulk copy past the stale end
  // would trap. grow(0) refreshes this thread's view at once, so before a chunk of a job published
  // at more pages than it last saw, the worker refreshes.
  let pages = 0;
  let seen = 0;
  for (;;) {
    let spins = 0, t0 = 0;
    while (Atomics.load(ctrl, ${SEQ}) === seen) {
      if ((++spins & 255) !== 0) continue;
      const now = performance.now();
      if (t0 === 0) t0 = now;
      else if (now - t0 > spinMs) { Atomics.wait(ctrl, ${SEQ}, seen); t0 = 0; }
    }
    seen = Atomics.load(ctrl, ${SEQ});
    if (Atomics.load(ctrl, ${EXIT}) !== 0) break;
    for (;;) {
      const w = Atomics.load(ctrl, ${CLAIM});
      const total = w >>> 16, next = w & 0xffff;
      if (next >= total) break;
      if (Atomics.compareExchange(ctrl, ${CLAIM}, w, w + 1) !== w) continue;
      try {
        const p = Atomics.load(ctrl, ${PAGES});
        if (p !== pages) {
          memory.grow(0);
          pages = p;
        }
        run(next, thread);
      } catch (e) {
        note(${JOB_MSG}, 'worker ' + thread + ' failed chunk ' + next + ' of op ' + op[0] + ': ' + describe(e));
        Atomics.store(ctrl, ${FAILED}, 1);
      }
      Atomics.add(ctrl, ${BY_WORKERS}, 1);
      if (Atomics.add(ctrl, ${DONE}, 1) + 1 === total) Atomics.notify(ctrl, ${DONE});
    }
  }
}
if (typeof require === 'function') {
  main(require('node:worker_threads').workerData);
} else {
  self.onmessage = (e) => { self.onmessage = null; main(e.data); };
  // The module or memory could not be received (e.g. no shared memory here): fail as an error event.
  self.onmessageerror = () => { throw new Error('the WebAssembly module and memory could not be received'); };
}
`;

/** What a worker is given: the compiled shared-memory module, the memory, its thread index (1…) and its spin time. */
export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  thread: number;
  spinMs: number;
}

/** A started worker, as the pool holds it. */
export interface WorkerHandle {
  /** Ends the worker right away (the pool has told it to stop already). */
  terminate(): void;
}

/**
 * Starts one worker running {@link WORKER_SOURCE} with `data`; `onError` gets the message of an
 * error event (a worker that died). `bootsOnItsOwn`: the worker starts without the calling thread
 * returning to its event loop (Node), so the caller may block until it has.
 */
export interface Spawner {
  spawn(data: WorkerData, onError: (message: string) => void): WorkerHandle;
  readonly bootsOnItsOwn: boolean;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (e: unknown) => void): void;
}
/** The part of `node:worker_threads` the pool uses. */
export interface WorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown; name?: string; execArgv?: string[] }) => NodeWorker;
}
/** The part of a browser's `Worker` the pool uses. */
export interface WebWorker {
  postMessage(data: unknown): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate(): void;
}
type WebWorkerConstructor = new (url: string, options?: { name?: string }) => WebWorker;

interface Globals {
  process?: { getBuiltinModule?: (id: string) => unknown };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: WebWorkerConstructor;
}
const globals = globalThis as Globals;

/** `node:worker_threads`, reached without a static import so bundles for browsers stay clean. */
function workerThreads(): WorkerThreads | null {
  const mod = globals.process?.getBuiltinModule?.('node:worker_threads');
  return (mod as WorkerThreads | undefined) ?? null;
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Whether this thread may block in `Atomics.wait` (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    // Checked before the value is compared: where blocking is forbidden this throws at once.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Node workers: the source evaluated as CommonJS, the module and memory as `workerData`. */
export function nodeSpawner(threads: WorkerThreads, source: string = WORKER_SOURCE): Spawner {
  return {
    bootsOnItsOwn: true,
    spawn(data, onError) {
      // execArgv: [] so the worker does not inherit loaders such as `--import tsx`, which would
      // take it a second to boot; its program is plain JavaScript.
      const worker = new threads.Worker(source, { eval: true, name: `simplegrad-wasm-${data.thread}`, execArgv: [], workerData: data });
      // Without a listener a worker's uncaught error would crash the whole process.
      worker.on('error', (e) => onError(describe(e)));
      worker.unref();
      return { terminate: () => void worker.terminate() };
    },
  };
}

let blobUrl: string | null = null;

/**
 * Web Workers from a Blob URL of the source (made once, kept for the page's life), given the module
 * and memory by `postMessage`. `WorkerClass` defaults to the global `Worker`.
 */
export function browserSpawner(WorkerClass: WebWorkerConstructor = globals.Worker as WebWorkerConstructor): Spawner {
  return {
    bootsOnItsOwn: false,
    spawn(data, onError) {
      blobUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const worker = new WorkerClass(blobUrl, { name: `simplegrad-wasm-${data.thread}` });
      worker.addEventListener('error', (e) => onError(e.message || 'the worker failed to load'));
      worker.postMessage(data);
      return worker;
    },
  };
}

/**
 * Why a pool cannot run here, or null when it can: shared memory and atomics, a calling thread
 * that may block, and Node's `worker_threads` or (in a cross-origin-isolated page) Web Workers.
 */
export function threadSupport(): string | null {
  const node = workerThreads() !== null;
  // A browser first: there the missing headers are the cause of the missing SharedArrayBuffer.
  if (!node && typeof globals.Worker === 'function' && globals.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (serve it with COOP/COEP headers)';
  }
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'SharedArrayBuffer is unavailable';
  if (!node && typeof globals.Worker !== 'function') return 'this runtime has neither node:worker_threads nor Web Workers';
  if (!canBlock()) return 'this thread may not block in Atomics.wait (a browser\'s main thread): train in a Web Worker';
  return null;
}

/** Whether worker threads over shared memory (and blocking waits) are available here. */
export function threadsAvailable(): boolean {
  return threadSupport() === null;
}

/** The spawner for this runtime: Node workers where `worker_threads` exists, else Web Workers. */
export function defaultSpawner(): Spawner {
  const threads = workerThreads();
  return threads !== null ? nodeSpawner(threads) : browserSpawner();
}

/** Two threads where worker threads exist and the machine has at least two cores, else one. */
export function defaultThreads(): number {
  if (!threadsAvailable()) return 1;
  const os = globals.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = globals.navigator?.hardwareConcurrency ?? os?.availableParallelism?.() ?? 1;
  return cores >= 2 ? 2 : 1;
}

/** Worker threads bound to one shared-memory {@link Engine}. */
export class Pool {
  private readonly workers: WorkerHandle[] = [];
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  /** Workers reported dead by an error event (those that fail to instantiate count themselves in DEAD). */
  private errored = 0;
  private errorMessage: string | null = null;
  private warned = false;
  /** Chunks of the live job (between {@link start} and {@link finish}), else null. */
  private pending: number | null = null;
  /**
   * For tests: once a worker has started, the caller claims no chunk and waits for the workers to
   * run them all, so a test can know that work was split across threads by waiting for it, not by
   * hoping for a race. Until then the caller still runs every chunk (it never waits for a worker
   * that has not started).
   */
  workersOnly = false;

  /** Starts `count` workers on `engine` (which must be shared); idle, they spin `spinMs` before sleeping. */
  constructor(readonly engine: Engine, count: number, private readonly spawner: Spawner, spinMs: number, module: WebAssembly.Module = wasmModule(true)) {
    this.ctrl = new Int32Array(engine.memory.buffer, LAYOUT.CTRL, CTRL_WORDS);
    this.bytes = new Uint8Array(engine.memory.buffer, LAYOUT.CTRL, 4 * CTRL_WORDS);
    this.ctrl.fill(0);
    for (let w = 0; w < count; w++) {
      const data: WorkerData = { module, memory: engine.memory, thread: w + 1, spinMs };
      this.workers.push(spawner.spawn(data, (message) => this.died(`worker ${w + 1} failed: ${message}`)));
    }
  }

  /** Number of workers (threads besides the caller's). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers that have started (browsers boot them asynchronously). */
  get started(): number {
    return Atomics.load(this.ctrl, STARTED);
  }

  /** Workers not known to be dead: started or still booting. */
  get live(): number {
    return this.size - Atomics.load(this.ctrl, DEAD) - this.errored;
  }

  /** Why fewer workers than asked for are working (the first failure), or null while none failed. */
  get failure(): string | null {
    this.checkHealth();
    return this.errorMessage;
  }

  private died(message: string): void {
    this.errored++;
    this.errorMessage ??= message;
    this.checkHealth();
  }

  /** Notices workers that could not start, and warns once that the pool runs with fewer threads. */
  private checkHealth(): void {
    if (this.live === this.size) return;
    this.errorMessage ??= this.message(START_MSG);
    if (this.warned) return;
    this.warned = true;
    console.warn(`@simplegrad/core: a WebAssembly worker stopped (${this.errorMessage}); the kernels run on ${1 + this.live} thread(s) instead of ${1 + this.size}`);
  }

  /** The message in a slot ('' when none was written). */
  private message(slot: number): string {
    const n = Atomics.load(this.ctrl, slot);
    // slice: a copy off the shared memory, which browsers' TextDecoder refuses to read.
    return n > 0 ? new TextDecoder().decode(this.bytes.slice(4 * slot + 4, 4 * slot + 4 + n)) : '';
  }

  /**
   * Blocks until every worker has started or died, where workers boot without this thread's event
   * loop (Node); elsewhere returns at once. For tests that force the workers to run the chunks.
   */
  awaitStart(): void {
    if (!this.spawner.bootsOnItsOwn) return;
    // A worker that dies with an error event is only heard of on the event loop: after 30 s of
    // waiting (a boot takes milliseconds) the caller goes on, and runs the chunks itself.
    for (let s = this.started, waits = 0; s + Atomics.load(this.ctrl, DEAD) + this.errored < this.size && waits < 300; s = this.started, waits++) {
      Atomics.wait(this.ctrl, STARTED, s, 100);
    }
  }

  /**
   * Runs chunks `0 … total − 1` of the job at `LAYOUT.JOB` on the caller and the workers, and
   * returns when all are done; throws if one failed, with the worker's reason. {@link start}
   * then {@link finish}.
   */
  run(total: number): void {
    this.start(total);
    this.finish();
  }

  /**
   * Publishes the job at `LAYOUT.JOB` (chunks `0 … total − 1`) and wakes the workers, who start
   * claiming chunks; the caller claims none yet and may do other work until {@link finish}. Until
   * then the job is live: the caller must not write its descriptor or the memory its chunks read,
   * must not touch the memory they write, and must not start another job (which throws).
   *
   * Why the workers see everything written before: the descriptor and the job's inputs are plain
   * stores made before the atomic bump of the job counter (and the claim word's store), which a
   * worker reads atomically before it reads them. Memory the live job does not touch stays the
   * caller's to read and write.
   */
  start(total: number): void {
    if (this.pending !== null) throw new Error(`simplegrad wasm: a job of ${total} chunks started while one of ${this.pending} is still running`);
    this.checkHealth();
    const ctrl = this.ctrl;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, JOB_MSG, 0);
    Atomics.store(ctrl, PAGES, this.engine.byteLength >>> 16);
    Atomics.store(ctrl, CLAIM, total << 16);
    this.pending = total;
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
  }

  /**
   * Ends the job {@link start} published: the caller claims and runs the chunks left (none when
   * {@link workersOnly} and a worker has started), waits until every chunk is done, and throws if
   * one failed (its own failure as it is, a worker's with the worker's reason). Afterwards the
   * workers' writes are visible to the caller (it saw their atomic count of finished chunks), and
   * the descriptor and the job's memory are the caller's again.
   */
  finish(): void {
    const total = this.pending;
    if (total === null) throw new Error('simplegrad wasm: no job is running');
    const ctrl = this.ctrl;
    const run = this.engine.exports.runChunk;
    let failure: unknown = null;
    const stepAside = this.workersOnly && this.started > 0;
    while (!stepAside) {
      const w = Atomics.load(ctrl, CLAIM);
      const next = w & 0xffff;
      if (next >= total) break;
      if (Atomics.compareExchange(ctrl, CLAIM, w, w + 1) !== w) continue;
      try {
        run(next, 0);
      } catch (e) {
        failure = e;
      }
      Atomics.add(ctrl, DONE, 1);
    }
    // At most one chunk per started worker is still running: spin briefly, then sleep until the last notifies.
    let spins = 0;
    for (let done = Atomics.load(ctrl, DONE); done < total; done = Atomics.load(ctrl, DONE)) {
      if (++spins > 4096) Atomics.wait(ctrl, DONE, done, 1);
    }
    this.pending = null;
    if (failure !== null) throw failure;
    if (Atomics.load(ctrl, FAILED) !== 0) throw new Error(`simplegrad wasm: ${this.message(JOB_MSG) || 'a worker failed its chunk of the job'}`);
  }

  /** Chunks of the job that is live (started, not yet finished), or 0. */
  get running(): number {
    return this.pending ?? 0;
  }

  /** How many chunks the workers (not the caller) have run since the pool started. */
  get chunksByWorkers(): number {
    return Atomics.load(this.ctrl, BY_WORKERS);
  }

  /** Stops the workers (Node's are unref'd, so this only matters when switching thread counts). */
  close(): void {
    Atomics.store(this.ctrl, EXIT, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    // A browser worker would otherwise idle on; a Node worker has left its loop and ends anyway.
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

/**
 * A pool of `count` workers over `engine`, or null where threads are unavailable (see
 * {@link threadSupport}), the engine is not shared, or `count` is 0.
 */
export function createPool(engine: Engine, count: number, spinMs: number, spawner?: Spawner): Pool | null {
  if (count <= 0 || !engine.shared || !threadsAvailable()) return null;
  return new Pool(engine, Math.min(count, MAX_WORKERS), spawner ?? defaultSpawner(), spinMs);
}
