/**
 * A small pool of worker threads that run GEMM row blocks on a shared WebAssembly memory. Jobs are
 * handed over through an Int32 control block in that memory with `Atomics` (no `postMessage`, no
 * allocation): a worker that has just finished spins for a moment, so back-to-back calls cost well
 * under a microsecond to hand over, then sleeps in `Atomics.wait` (about 60 µs to wake).
 *
 * Workers are Node `worker_threads` started from an inlined source string (`eval: true`), so bundles
 * need no extra file, and they are `unref`'d, so a finished training script exits normally. Where
 * blocking waits or `worker_threads` are unavailable (browsers' main thread, Deno without the Node
 * shim) {@link createPool} returns null and the kernels run on one thread.
 */
import { CTRL, Engine, wasmModule } from './engine.js';

/** Int32 slots per worker in the control block: seq, done, op, failed, then up to 12 arguments. */
const SLOT = 16;
/** The most workers the control block has room for. */
export const MAX_WORKERS = 7;

/** Jobs a worker runs. */
export const Op = { GemmRows: 0, PackB: 1, Exit: 2 } as const;
/** One of {@link Op}. */
export type Op = (typeof Op)[keyof typeof Op];

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown; name?: string }) => NodeWorker;
}

/** Node's `process`, if this is Node (typed by hand: the package compiles without Node's types). */
function workerThreadsHost(): { getBuiltinModule?: (id: string) => unknown } | undefined {
  return (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
}

/** `node:worker_threads`, reached without a static import so bundles for browsers stay clean. */
function workerThreads(): WorkerThreads | null {
  const mod = workerThreadsHost()?.getBuiltinModule?.('node:worker_threads');
  return (mod as WorkerThreads | undefined) ?? null;
}

/** Two threads where worker threads exist and the machine has at least two cores, else one. */
export function defaultThreads(): number {
  if (!threadsAvailable()) return 1;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const os = workerThreadsHost()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = nav?.hardwareConcurrency ?? os?.availableParallelism?.() ?? 1;
  return cores >= 2 ? 2 : 1;
}

/** Whether worker threads over shared memory (and blocking waits) are available here. */
export function threadsAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && workerThreads() !== null;
}

// The worker's whole program. Runs as CommonJS (eval), so it reaches worker_threads with require.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot, spinMs } = workerData;
const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(memory.buffer, ${CTRL}, ${SLOT * MAX_WORKERS});
const s = slot * ${SLOT};
let seen = 0;
for (;;) {
  let spins = 0, t0 = 0;
  while (Atomics.load(ctrl, s) === seen) {
    if ((++spins & 1023) !== 0) continue;
    const now = performance.now();
    if (t0 === 0) t0 = now;
    else if (now - t0 > spinMs) { Atomics.wait(ctrl, s, seen); t0 = 0; }
  }
  seen = Atomics.load(ctrl, s);
  const op = ctrl[s + 2];
  if (op === ${Op.Exit}) break;
  const a = (i) => ctrl[s + 4 + i];
  try {
    if (op === ${Op.GemmRows}) e.gemmRows(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10));
    else e.packB(a(0), a(1), a(2), a(3), a(4), a(5), a(6));
    ctrl[s + 3] = 0;
  } catch (err) {
    ctrl[s + 3] = 1;
  }
  Atomics.store(ctrl, s + 1, seen);
  Atomics.notify(ctrl, s + 1);
}
`;

/** Worker threads bound to one shared-memory {@link Engine}. */
export class Pool {
  private readonly workers: NodeWorker[] = [];
  private readonly ctrl: Int32Array;

  /** Starts `count` workers on `engine` (which must be shared); they spin `spinMs` before sleeping. */
  constructor(readonly engine: Engine, count: number, threads: WorkerThreads, spinMs: number) {
    this.ctrl = new Int32Array(engine.memory.buffer, CTRL, SLOT * MAX_WORKERS);
    this.ctrl.fill(0);
    for (let w = 0; w < count; w++) {
      const worker = new threads.Worker(WORKER_SOURCE, {
        eval: true, name: `simplegrad-wasm-${w}`,
        workerData: { module: wasmModule(true), memory: engine.memory, slot: w, spinMs },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Number of workers (threads besides the caller's). */
  get size(): number {
    return this.workers.length;
  }

  /** Hands job `op` with integer `args` to worker `w` and returns at once. */
  post(w: number, op: Op, args: readonly number[]): void {
    const s = w * SLOT;
    const ctrl = this.ctrl;
    for (let i = 0; i < args.length; i++) ctrl[s + 4 + i] = args[i];
    ctrl[s + 2] = op;
    Atomics.store(ctrl, s, ctrl[s] + 1);
    Atomics.notify(ctrl, s);
  }

  /** Blocks until worker `w` has finished its last job; throws if that job failed. */
  wait(w: number): void {
    const s = w * SLOT;
    const ctrl = this.ctrl;
    const seq = ctrl[s];
    let spins = 0;
    for (let done = Atomics.load(ctrl, s + 1); done !== seq; done = Atomics.load(ctrl, s + 1)) {
      // Jobs are split evenly, so the worker is usually microseconds behind: spin first, then sleep
      // (only the first call waits long, while the worker thread boots).
      if (++spins > 20000) Atomics.wait(ctrl, s + 1, done, 50);
    }
    if (ctrl[s + 3] !== 0) throw new Error(`simplegrad wasm: worker ${w} failed its job (op ${ctrl[s + 2]})`);
  }

  /** Stops the workers (they are unref'd, so this only matters when switching thread counts). */
  close(): void {
    for (let w = 0; w < this.workers.length; w++) this.post(w, Op.Exit, []);
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
