/**
 * The WebAssembly backend's state: the engine (module instance and memory), the worker pool and the
 * threading options, and {@link execute}, which runs a job's chunks on one or more threads (and
 * {@link begin}, the same in two halves, so the caller can copy while the workers compute).
 */
import { ArgumentError } from '../../errors.js';
import { checkBoolean, checkKnownOptions } from '../../check.js';
import { Engine, align, wasmSimdSupported } from './engine.js';
import { type KernelTracer, jobName, tracer } from './trace.js';
import { MAX_CHUNKS, MAX_WORKERS, type Pool, createPool, defaultThreads, threadSupport, threadsAvailable } from './threads.js';

/** Threading options of the WebAssembly backend; see {@link setWasmThreads}. */
export interface WasmThreadOptions {
  /**
   * Jobs below this many flops stay on the calling thread. Default 2 000 000: about 50 µs of work on
   * one thread, which is what handing work to a worker that has gone to sleep costs (a spinning
   * worker takes it within a microsecond, and a late one simply gets fewer chunks).
   */
  minFlops?: number;
  /**
   * How long an idle worker spins before it sleeps, in ms (default 0.25). Spinning takes the next
   * job within a microsecond, where a sleeping worker is woken in about 25 µs (the caller starts
   * the job meanwhile, and the wake-up itself cost the caller 9–10 µs a job in a microbenchmark on
   * this project's VM, 0.4 µs when the worker spins; `Atomics.notify` was 1.5–4 ms of a profiled
   * ResNet-18 or MobileNetV2 step at 0.05 ms). Longer is worse for the gaps between jobs where the
   * calling thread runs JavaScript: a spinning worker holds the core that V8's parallel garbage
   * collection wants (GC pauses 9–11 ms a step of either network with 1 ms of spinning, 5–6 with
   * 0.05, when every step allocated its activations), and with 1 ms both took 10 % longer a
   * two-thread step in two of three runs. Since a `tidy` step keeps its
   * activations in the module and allocates little, 0.25 ms: in eight alternated rounds the median
   * two-thread step went 80.5 → 77.9 ms (ResNet-18) and 62.4 → 60.4 ms (MobileNetV2) against 0.05.
   */
  spinMs?: number;
  /**
   * For tests and benchmarks (default false): once a worker has started, the calling thread runs no
   * chunk of a pooled job and waits for the workers to run them all, so a check that the workers
   * computed the same bits does not depend on who wins a race. Until a worker has started the
   * caller still runs everything (browsers boot workers asynchronously: see {@link wasmThreadInfo}).
   */
  workersOnly?: boolean;
}

/** What {@link wasmThreadInfo} reports. */
export interface WasmThreadInfo {
  /** The threads the kernels use now, as {@link wasmThreads} reports. */
  threads: number;
  /** The threads asked for with {@link setWasmThreads} (or the default). */
  requested: number;
  /** Pool workers that have started (they boot asynchronously in browsers; until then the caller does their share). */
  started: number;
  /** Chunks of jobs the workers (not the caller) have run since the pool started. */
  chunksByWorkers: number;
  /** Why fewer threads than requested are used, or null. */
  reason: string | null;
}

const config = { threads: 0, minFlops: 2e6, spinMs: 0.25, workersOnly: false };
const KNOWN_OPTIONS = ['minFlops', 'spinMs', 'workersOnly'] as const;
let engine: Engine | null = null;
let pool: Pool | null = null;

/**
 * Sets how many threads the WebAssembly kernels use (1 = the calling thread only; the default is
 * two where worker threads exist and the machine has two cores, else one) and returns the previous
 * count. Results do not depend on it: chunks of work are fixed by the problem, not by the threads,
 * and each is computed in the same order whichever thread runs it. Where threads are unavailable
 * (a browser's main thread, a page that is not cross-origin isolated) any count runs on one thread;
 * in a cross-origin-isolated page's Web Worker the pool is made of Web Workers. A count above the
 * pool's maximum (the caller plus 7 workers) is clamped to it, and {@link wasmThreads} then reports
 * the clamped count.
 *
 * @example
 * sg.useBackend('wasm');
 * sg.setWasmThreads(2, { spinMs: 0.5 });
 * sg.setWasmThreads(100); sg.wasmThreads();   // 8: what is really used
 */
export function setWasmThreads(threads: number, options: WasmThreadOptions = {}): number {
  const prev = wasmThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ArgumentError('setWasmThreads', `threads must be a positive integer, got ${threads}`);
  }
  checkKnownOptions('setWasmThreads', options, KNOWN_OPTIONS);
  const { minFlops, spinMs, workersOnly } = options;
  if (workersOnly !== undefined) checkBoolean('setWasmThreads', 'workersOnly', workersOnly);
  if (minFlops !== undefined && !(minFlops >= 0)) throw new ArgumentError('setWasmThreads', `minFlops must be a non-negative number, got ${minFlops}`);
  if (spinMs !== undefined && !(spinMs >= 0)) throw new ArgumentError('setWasmThreads', `spinMs must be a non-negative number, got ${spinMs}`);
  config.minFlops = minFlops ?? config.minFlops;
  config.spinMs = spinMs ?? config.spinMs;
  config.workersOnly = workersOnly ?? config.workersOnly;
  if (pool !== null) pool.workersOnly = config.workersOnly;
  threads = Math.min(threads, 1 + MAX_WORKERS);
  // A degraded pool (a worker failed to start) reports fewer threads than set: asking again retries.
  if (threads !== prev || threads !== config.threads || spinMs !== undefined) {
    pool?.close();
    pool = null;
    engine = null; // the next call builds an engine (shared or not) to match
  }
  config.threads = threads;
  return prev;
}

/**
 * The number of threads the WebAssembly kernels use: the count set (or the default), except where
 * worker threads are unavailable (a browser's main thread or a page that is not cross-origin
 * isolated, a runtime without `SharedArrayBuffer` or workers), where every count runs on the calling
 * thread and this says 1, and except when a worker failed to start, where it counts the threads
 * still working (and a warning said why). {@link wasmThreadInfo} tells the reason.
 */
export function wasmThreads(): number {
  if (config.threads === 0) config.threads = defaultThreads();
  if (config.threads > 1 && !threadsAvailable()) return 1;
  return pool === null ? config.threads : Math.min(config.threads, 1 + pool.live);
}

/**
 * The state of the WebAssembly thread pool: threads used and requested, workers started, chunks
 * the workers ran, and why fewer threads than requested are used. Builds the engine and its pool
 * (where WebAssembly SIMD runs) if they do not exist yet, so in a browser the workers start booting (asynchronously: poll
 * `started`, awaiting between calls, to know they are up).
 *
 * @example
 * sg.setWasmThreads(2);
 * const info = sg.wasmThreadInfo();
 * if (info.threads < info.requested) console.log(`one thread: ${info.reason}`);
 */
export function wasmThreadInfo(): WasmThreadInfo {
  if (wasmSimdSupported()) getEngine(); // else the js kernels run, on this thread

  const threads = wasmThreads();
  const reason = config.threads > 1 ? threadSupport() ?? pool?.failure ?? null : null;
  return { threads, requested: config.threads, started: pool?.started ?? 0, chunksByWorkers: chunksByWorkers(), reason };
}

/** Bytes of WebAssembly memory the backend holds (0 before first use); it only grows to a peak. */
export function wasmMemoryBytes(): number {
  return engine?.byteLength ?? 0;
}

/** The engine for the current thread count, built on first use. */
export function getEngine(): Engine {
  if (engine === null) {
    const threads = wasmThreads();
    // The shared-memory module even for one thread where it can run: V8 compiles each module
    // lazily and optimises its hot functions after a while, so one module for every thread count
    // means switching counts (as benchmarks do) never starts over with unoptimised code.
    const shared = typeof SharedArrayBuffer === 'function';
    engine = new Engine(shared);
    engine.makeCurrent();
    pool = shared && threads > 1 ? createPool(engine, threads - 1, config.spinMs) : null;
    if (pool !== null) pool.workersOnly = config.workersOnly;
  }
  return engine;
}

/**
 * Bytes that transient pinned arrays (see {@link pinnedFloat32}) may hold at once. Their blocks go
 * back when a `tidy` scope releases them, or else when they are collected, which in a synchronous
 * loop that keeps one a step (a returned image, a tensor whose `data` was read) waits until the
 * event loop turns; past this bound such arrays are plain, so that loop cannot grow the module's
 * memory, which never shrinks, beyond it. ResNet-18's step (batch 32, 32×32) keeps about 30 MB.
 */
export const TRANSIENT_PIN_BYTES = 256 * 2 ** 20;
/** Bytes of the transient pinned arrays neither released nor collected. */
let transientBytes = 0;

/** The engine that pinned an array, and the bytes it counts towards {@link TRANSIENT_PIN_BYTES}. */
interface PinRecord {
  engine: Engine;
  transient: number;
}

/** Each pinned array's record, until {@link releasePinned} frees its block. */
const pins = new WeakMap<Float32Array, PinRecord>();

/**
 * Gives a collected pinned array's block back to its engine. The callbacks run between tasks (when
 * the event loop turns), so a synchronous loop that builds model after model keeps their blocks,
 * and a replaced engine its memory, until it yields.
 */
const unpin = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<PinRecord & { at: number }>(({ engine: e, at, transient }) => {
    transientBytes -= transient;
    e.freePinned(at);
  })
  : null;

/**
 * A zero-filled float32 array of `n` elements pinned in the engine's memory: the kernels read and
 * update it in place, without copying it in and out, so arrays that go into kernels every step
 * (parameters, optimizer state, a `tidy` scope's activations) cost no copies. Its block returns to
 * the engine when the array is collected, or by {@link releasePinned}. Null where the memory is not
 * shared (a browser page that is not cross-origin isolated: its views would be detached when it
 * grows) or has no room, and for a `transient` array (one a scope will probably release) past
 * {@link TRANSIENT_PIN_BYTES}: the caller makes a plain array.
 */
export function pinnedFloat32(n: number, transient = false): Float32Array | null {
  if (!wasmSimdSupported()) return null;
  const bytes = transient ? align(4 * n) : 0;
  if (transientBytes + bytes > TRANSIENT_PIN_BYTES) return null;
  const e = getEngine();
  const array = e.allocatePinned(n);
  if (array === null) return null;
  const record = { engine: e, transient: bytes };
  transientBytes += bytes;
  pins.set(array, record);
  unpin?.register(array, { ...record, at: e.pinnedAddress(array) }, array);
  return array;
}

/**
 * Frees the block of `array`, from {@link pinnedFloat32}, now: the caller guarantees that nothing
 * reads or writes the array again (a `tidy` scope releasing its tensor). Anything else is ignored.
 */
export function releasePinned(array: Float32Array): void {
  const record = pins.get(array);
  if (record === undefined) return;
  pins.delete(array);
  unpin?.unregister(array);
  transientBytes -= record.transient;
  record.engine.release(array);
}

/**
 * How many chunks of jobs the worker threads (not the caller) have run since the current pool
 * started: 0 without a pool. Lets tests and benchmarks see that work really was shared.
 */
export function chunksByWorkers(): number {
  return pool?.chunksByWorkers ?? 0;
}

/**
 * For tests: when `on`, the caller of a pooled job runs none of its chunks and waits for the
 * workers to run them all (see `Pool.workersOnly`); where workers boot on their own (Node) it first
 * waits until they have started. Returns whether a pool exists to obey it.
 */
export function setWorkersOnly(on: boolean): boolean {
  getEngine();
  if (pool === null) return false;
  pool.workersOnly = on;
  if (on) pool.awaitStart();
  return true;
}

/** Threads a job may use right now: 1 plus the pool's workers. */
export function threadSlots(): number {
  return 1 + (pool?.size ?? 0);
}

/**
 * Splits `count` units into at most `chunks` chunks of whole `unit`s (e.g. register tiles): the
 * number of units per chunk. A function of the problem alone, so results never depend on threads.
 */
export function perChunk(count: number, chunks: number, unit = 1): number {
  const units = Math.ceil(count / unit);
  return Math.max(1, Math.ceil(units / Math.min(chunks, MAX_CHUNKS))) * unit;
}

/** Floats in a 64-byte cache line. */
const LINE_FLOATS = 16;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Images a chunk of a per-image job takes when each image writes `floats` consecutive floats of every
 * row of a matrix the batch shares (its Winograd tiles in V's 16-wide panels and M′'s rows, its
 * columns of the folded im2col): enough that a chunk's share of a row is whole 64-byte lines, so no
 * two threads write one cache line. A function of the shape alone. With one image a chunk, a 4×4 map
 * (4 tiles, 16 bytes of a line) had the two threads writing alternate 16 bytes of the same lines:
 * ResNet-18's batched Winograd input transform took 4–11 ms a step on two threads against 1.4 ms on
 * one. From 64 floats an image the lines shared at its ends are few.
 */
export function imagesPerChunk(floats: number): number {
  return floats >= 4 * LINE_FLOATS ? 1 : LINE_FLOATS / gcd(floats, LINE_FLOATS);
}

/** The pool for a job of `total` chunks worth `flops`, or null to run it on this thread: more than one chunk, no more than the claim word holds, and enough work. */
function pooled(total: number, flops: number): Pool | null {
  return pool !== null && total > 1 && total <= MAX_CHUNKS && flops >= config.minFlops ? pool : null;
}

/**
 * Runs chunks `0 … total − 1` of the job described on `e` (written by a generated writer of `jobs.ts`): on the pool when
 * it exists, there is more than one chunk (and no more than the claim word holds) and the job is
 * worth `flops` ≥ `minFlops`, else in order on this thread.
 */
export function execute(e: Engine, total: number, flops: number): void {
  // Traced, as begin's finisher run at once (the same chunks on the same threads), which reports it.
  if (tracer() !== null) {
    begin(e, total, flops)();
    return;
  }
  const p = pooled(total, flops);
  if (p !== null) p.run(total);
  else runHere(e, total);
}

/**
 * Runs `job` (op `op`, `total` chunks, on `p` or on this thread) and reports it to `t`, with the
 * chunks the workers ran since their count was `before`.
 */
function traced(t: KernelTracer, op: number, p: Pool | null, total: number, before: number, job: () => void): void {
  const t0 = performance.now();
  job();
  const ms = performance.now() - t0;
  t.job({ name: jobName(op), pooled: p !== null, chunks: total, byWorkers: p === null ? 0 : p.chunksByWorkers - before, ms });
}

/** Runs chunks `0 … total − 1` of the job on `e` in order on this thread. */
function runHere(e: Engine, total: number): void {
  const run = e.exports.runChunk;
  for (let c = 0; c < total; c++) run(c, 0);
}

/**
 * {@link execute} in two halves, so the caller can work while the workers compute: where `execute`
 * would use the pool, starts the job (the workers begin on its chunks, the caller takes none yet)
 * and returns the finisher, which makes the caller run the chunks left, waits for all and throws a
 * chunk's failure; elsewhere nothing starts and the finisher runs every chunk in order on this
 * thread (the same results, without the overlap). Call the finisher exactly once, before any other
 * job. The rule between the two: do not write the job descriptor (no job writer of `jobs.ts`) or
 * the memory the live job reads, nor touch the memory it writes, before calling the finisher;
 * other regions are the caller's (e.g. to copy the next operands in while this job runs).
 *
 * @example
 * sgdMomentumJob(e, { x: xA, g: gA, buf: bA, params, n, perChunk });
 * const finish = begin(e, chunks, flops);
 * e.put(xB, x, at, len); // region B: not the live job's
 * finish();
 */
export function begin(e: Engine, total: number, flops: number): () => void {
  const p = pooled(total, flops);
  const t = tracer();
  if (t !== null) {
    const op = e.job[0];
    const before = p?.chunksByWorkers ?? 0;
    p?.start(total);
    return () => traced(t, op, p, total, before, () => (p !== null ? p.finish() : runHere(e, total)));
  }
  if (p !== null) {
    p.start(total);
    return () => p.finish();
  }
  return () => runHere(e, total);
}

/**
 * Whether {@link begin} would start a job of `total` chunks worth `flops` on the pool, so that the
 * caller's work before the finisher overlaps it (else the finisher runs it all on this thread, and
 * a caller may prefer an order that suits one thread).
 */
export function overlaps(total: number, flops: number): boolean {
  return pooled(total, flops) !== null;
}
