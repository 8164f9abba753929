/**
 * A small pool of worker threads that run chunks of WebAssembly jobs on a shared memory.
 *
 * A job (written at `LAYOUT.JOB` by the caller) is split into chunks that write disjoint outputs.
 * The calling thread and the workers claim chunks one at a time from a shared counter with a
 * compare-and-swap, so nobody waits for a thread that is slow to wake up or was descheduled by a
 * busy machine: the caller simply does more of the chunks itself, and at worst waits for the one
 * chunk a worker is still running. The claim word holds `total << 16 | next`, so a claim can only
 * succeed on the job that is live, whatever a late worker saw before. Which thread runs a chunk never
 * changes a bit of its result (see packages/core/wasm/asc/kernels.ts).
 *
 * Hand-over costs no `postMessage` and no allocation: an idle worker spins on the job counter for a
 * moment (so back-to-back jobs start within a microsecond), then sleeps in `Atomics.wait`.
 *
 * Workers are Node `worker_threads` started from an inlined source string (`eval: true`), so bundles
 * need no extra file, and they are `unref`'d, so a finished training script exits normally. Where
 * blocking waits or `worker_threads` are unavailable (browsers' main thread, Deno without the Node
 * shim) {@link createPool} returns null and jobs run on the calling thread.
 */
import { LAYOUT } from './bytes.js';
import { type Engine, wasmModule } from './engine.js';

/** Int32 indices of the control words; the two every chunk touches (claim, done) have cache lines of their own. */
const SEQ = 0; // bumped once per job; idle workers wait on it
const EXIT = 1; // set to stop the workers
const CLAIM = 16; // total << 16 | next chunk
const DONE = 32; // chunks finished
const FAILED = 48; // a chunk threw
const BY_WORKERS = 56; // chunks the workers have run, ever (for tests and benchmarks)
const CTRL_WORDS = 64;

/** The most workers the scratch tiles have room for. */
export const MAX_WORKERS = 7;
/** Chunks per job are limited by the 15 bits of the claim word's total. */
export const MAX_CHUNKS = 32767;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown; name?: string; execArgv?: string[] }) => NodeWorker;
}

/** Node's `process`, if this is Node (typed by hand: the package compiles without Node's types). */
function nodeProcess(): { getBuiltinModule?: (id: string) => unknown } | undefined {
  return (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
}

/** `node:worker_threads`, reached without a static import so bundles for browsers stay clean. */
function workerThreads(): WorkerThreads | null {
  const mod = nodeProcess()?.getBuiltinModule?.('node:worker_threads');
  return (mod as WorkerThreads | undefined) ?? null;
}

/** Whether worker threads over shared memory (and blocking waits) are available here. */
export function threadsAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && workerThreads() !== null;
}

/** Two threads where worker threads exist and the machine has at least two cores, else one. */
export function defaultThreads(): number {
  if (!threadsAvailable()) return 1;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = nav?.hardwareConcurrency ?? os?.availableParallelism?.() ?? 1;
  return cores >= 2 ? 2 : 1;
}

// The worker's whole program. Runs as CommonJS (eval), so it reaches worker_threads with require.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
// Not \`module\`: Bun and Deno run this as a module-scoped script where that name is taken.
const { module: wasm, memory, thread, spinMs } = workerData;
const run = new WebAssembly.Instance(wasm, { env: { memory } }).exports.runChunk;
const ctrl = new Int32Array(memory.buffer, ${LAYOUT.CTRL}, ${CTRL_WORDS});
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
    try { run(next, thread); } catch { Atomics.store(ctrl, ${FAILED}, 1); }
    Atomics.add(ctrl, ${BY_WORKERS}, 1);
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === total) Atomics.notify(ctrl, ${DONE});
  }
}
`;

/** Worker threads bound to one shared-memory {@link Engine}. */
export class Pool {
  private readonly workers: NodeWorker[] = [];
  private readonly ctrl: Int32Array;
  /**
   * For tests: the caller claims no chunk and waits for the workers to run them all, so a test can
   * know that work was split across threads by waiting for it, not by hoping for a race.
   */
  workersOnly = false;

  /** Starts `count` workers on `engine` (which must be shared); idle, they spin `spinMs` before sleeping. */
  constructor(readonly engine: Engine, count: number, threads: WorkerThreads, spinMs: number) {
    this.ctrl = new Int32Array(engine.memory.buffer, LAYOUT.CTRL, CTRL_WORDS);
    this.ctrl.fill(0);
    for (let w = 0; w < count; w++) {
      // execArgv: [] so the worker does not inherit loaders such as `--import tsx`, which would
      // take it a second to boot; its program is plain JavaScript.
      const worker = new threads.Worker(WORKER_SOURCE, {
        eval: true, name: `simplegrad-wasm-${w + 1}`, execArgv: [],
        workerData: { module: wasmModule(true), memory: engine.memory, thread: w + 1, spinMs },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Number of workers (threads besides the caller's). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs chunks `0 … total − 1` of the job at `LAYOUT.JOB` on the caller and the workers, and
   * returns when all are done; throws if one failed.
   */
  run(total: number): void {
    const ctrl = this.ctrl;
    const run = this.engine.exports.runChunk;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, CLAIM, total << 16);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    let failure: unknown = null;
    while (!this.workersOnly) {
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
    // At most one chunk per worker is still running: spin briefly, then sleep until the last notifies.
    let spins = 0;
    for (let done = Atomics.load(ctrl, DONE); done < total; done = Atomics.load(ctrl, DONE)) {
      if (++spins > 4096) Atomics.wait(ctrl, DONE, done, 1);
    }
    if (failure !== null) throw failure;
    if (Atomics.load(ctrl, FAILED) !== 0) throw new Error('simplegrad wasm: a worker failed its chunk of the job');
  }

  /** How many chunks the workers (not the caller) have run since the pool started. */
  get chunksByWorkers(): number {
    return Atomics.load(this.ctrl, BY_WORKERS);
  }

  /** Stops the workers (they are unref'd, so this only matters when switching thread counts). */
  close(): void {
    Atomics.store(this.ctrl, EXIT, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    this.workers.length = 0;
  }
}

/**
 * A pool of `count` workers over `engine`, or null where threads are unavailable (see the module
 * comment) or `count` is 0.
 */
export function createPool(engine: Engine, count: number, spinMs: number): Pool | null {
  const threads = workerThreads();
  if (count <= 0 || threads === null || !engine.shared) return null;
  return new Pool(engine, Math.min(count, MAX_WORKERS), threads, spinMs);
}
