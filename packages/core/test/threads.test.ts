// The WebAssembly thread pool's worker program in both of its runtimes: Node worker_threads, and
// the browser protocol (a classic Web Worker from a Blob URL, fed the module and memory by
// postMessage, booting asynchronously) emulated in Node by a Worker class that reads the Blob URL
// and runs the program without `require`. Failures carry their cause: a failing chunk's error is
// quoted by the caller's, and a worker that cannot start degrades the pool, which warns once and
// reports fewer threads. The caller never waits for a worker that has not started. A job can be
// started and finished apart, the workers computing while the caller works elsewhere. No timing:
// every wait is for a state (a counter, an event), never for a duration.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import * as sg from '../src/index.js';
import { LAYOUT } from '../src/kernels/wasm/bytes.js';
import { sgdMomentumStep } from '../src/kernels/optim.js';
import { Engine, regions } from '../src/kernels/wasm/engine.js';
import { sgdMomentumJob } from '../src/kernels/wasm/jobs.js';
import { begin, chunksByWorkers, execute, getEngine, setWorkersOnly } from '../src/kernels/wasm/runtime.js';
import {
  Pool, WORKER_SOURCE, type WorkerThreads, browserSpawner, canBlock, nodeSpawner, threadSupport,
} from '../src/kernels/wasm/threads.js';
import { bits, rand } from './rounding.js';
import { throwsWith } from './throws.js';

/** W2-like work, big enough to be split over threads: a GEMM and a 3×3 convolution, forward and backward. */
function workload(): number[][] {
  const K = sg.wasmKernels;
  const c = new Float32Array(67 * 129);
  K.gemm(false, false, 67, 129, 70, rand(67 * 70, 1), 0, rand(70 * 129, 2), 0, c, 0, false);
  const g = { batch: 8, channels: 16, height: 12, width: 12, outChannels: 24, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, outH: 12, outW: 12 };
  const x = rand(8 * 16 * 144, 3), w = rand(24 * 16 * 9, 4), b = rand(24, 5);
  const y = new Float32Array(8 * 24 * 144);
  K.conv2dForward(x, g, w, b, y);
  const [gx, gw, gb] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(24)];
  K.conv2dBackward(y, x, g, w, gx, gw, gb);
  return [c, y, gx, gw, gb].map(bits);
}

/** A job that traps in every chunk: op 99 does not exist. */
function failingJob(total: number): void {
  const e = getEngine();
  e.setJob(99, []);
  execute(e, total, Infinity);
}

/**
 * Writes an SGD-momentum job of 4 chunks over 4000 seeded elements into `e`'s memory and descriptor.
 * Returns a check that `e`'s memory holds the reference's results (or, with `untouched`, still the
 * inputs), and a region no chunk touches, for the caller's own work while the job runs.
 */
function sgdJob(e: Engine): { check: (untouched?: boolean) => void; free: number } {
  const n = 4000;
  const [xP, gP, bP, pP, free, bytes] = regions(4 * n, 4 * n, 4 * n, 24, 4 * n);
  e.reserve(bytes);
  const [x, g, buf] = [rand(n, 21), rand(n, 22), rand(n, 23)];
  e.put(xP, x, 0, n);
  e.put(gP, g, 0, n);
  e.put(bP, buf, 0, n);
  e.f64(pP, 3).set([0.1, 0.9, 0.75]);
  sgdMomentumJob(e, { x: xP, g: gP, buf: bP, params: pP, n, perChunk: 1000 });
  const [rx, rbuf] = [x.slice(), buf.slice()];
  sgdMomentumStep(rx, g, rbuf, 0.1, 0.9, 0.75);
  const read = (ptr: number): number[] => Array.from(new Uint32Array(e.memory.buffer, ptr, n));
  return {
    check: (untouched = false) => {
      assert.equal(read(xP), bits(untouched ? x : rx), 'x');
      assert.equal(read(bP), bits(untouched ? buf : rbuf), 'buf');
    },
    free,
  };
}

/** Resolves once `cond()` holds, checking after each turn of the event loop (no deadline: a state, not a time). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

/** Collects console.warn's messages while `fn` runs. */
async function warnings(fn: () => Promise<void> | void): Promise<string[]> {
  const seen: string[] = [];
  const original = console.warn;
  console.warn = (m: string) => void seen.push(m);
  try {
    await fn();
  } finally {
    console.warn = original;
  }
  return seen;
}

/**
 * A browser's `Worker` emulated with a Node worker: it reads its Blob URL asynchronously (so, as in
 * a browser, it boots only after the creating thread returns to its event loop), then runs the
 * script as a classic worker would: no `require`, a `self` whose `onmessage` gets the posted data.
 * Messages posted before the boot are queued. `FakeWebWorker.script` replaces the script's text
 * (a worker that fails to load).
 */
class FakeWebWorker {
  static created = 0;
  static script: string | null = null;
  private worker: NodeWorker | null = null;
  private readonly queue: unknown[] = [];
  private readonly errorListeners: ((e: { message?: string }) => void)[] = [];
  private terminated = false;

  constructor(url: string) {
    FakeWebWorker.created++;
    const override = FakeWebWorker.script;
    void resolveObjectURL(url)!.text().then((source) => {
      if (this.terminated) return;
      const program = [
        "const { parentPort, workerData } = require('node:worker_threads');",
        'const self = { onmessage: null, onmessageerror: null };',
        'parentPort.on("message", (data) => { if (self.onmessage) self.onmessage({ data }); });',
        "new Function('require', 'self', workerData)(undefined, self);",
      ].join('\n');
      const worker = new NodeWorker(program, { eval: true, execArgv: [], workerData: override ?? source });
      worker.on('error', (e: Error) => { for (const l of this.errorListeners) l({ message: `Uncaught ${e.name}: ${e.message}` }); });
      worker.unref();
      for (const m of this.queue) worker.postMessage(m);
      this.worker = worker;
    });
  }

  postMessage(data: unknown): void {
    if (this.worker === null) this.queue.push(data);
    else this.worker.postMessage(data);
  }

  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void {
    this.errorListeners.push(listener);
  }

  terminate(): void {
    this.terminated = true;
    void this.worker?.terminate();
  }
}

const proc = process as unknown as { getBuiltinModule: (id: string) => unknown };
const nodeGetBuiltin = proc.getBuiltinModule;
const wt = nodeGetBuiltin.call(process, 'node:worker_threads') as WorkerThreads;

/** Runs `fn` as if in a browser's Web Worker: no node:worker_threads, a global Worker, and `crossOriginIsolated` as given. */
async function asBrowserWorker(isolated: boolean, fn: () => Promise<void> | void): Promise<void> {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  proc.getBuiltinModule = (id: string) => (id === 'node:worker_threads' ? undefined : nodeGetBuiltin.call(process, id));
  g.Worker = FakeWebWorker;
  g.crossOriginIsolated = isolated;
  try {
    await fn();
  } finally {
    proc.getBuiltinModule = nodeGetBuiltin;
    delete g.Worker;
    delete g.crossOriginIsolated;
  }
}

/** A module that imports a function the workers do not provide: instantiating it fails. */
const unlinkable = new WebAssembly.Module(new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
  1, 4, 1, 0x60, 0, 0, // type section: () -> ()
  2, 9, 1, 3, 0x65, 0x6e, 0x76, 1, 0x66, 0, 0, // import section: env.f, a function
]));

let one: number[][];

test.before(() => {
  const prev = sg.setWasmThreads(1);
  one = workload();
  sg.setWasmThreads(prev);
});

test('Node workers: a failing chunk\'s error names the worker, the chunk, the op and the cause; the next job works', () => {
  const prev = sg.setWasmThreads(2, { minFlops: 0 });
  try {
    assert.ok(setWorkersOnly(true), 'a pool exists');
    throwsWith(() => failingJob(8), Error, 'simplegrad wasm: worker 1 failed chunk 0 of op 99: RuntimeError: unreachable');
    // The message slot is reset per job: a second failure is reported afresh, not stale.
    throwsWith(() => failingJob(3), Error, 'simplegrad wasm: worker 1 failed chunk 0 of op 99: RuntimeError: unreachable');
    const before = chunksByWorkers();
    assert.equal(workload(), one, 'same bits as one thread, computed by the worker');
    assert.ok(chunksByWorkers() > before, 'the worker ran the chunks');
    setWorkersOnly(false);
    // The caller's own failure is thrown as it is (it runs chunk 0 first).
    assert.throws(() => failingJob(1), /unreachable/);
    assert.equal(sg.wasmThreadInfo(), { threads: 2, requested: 2, started: 1, chunksByWorkers: chunksByWorkers(), reason: null });
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
  }
});

test('the browser protocol (Blob URL, postMessage, async boot): the caller never waits for a worker that has not started, then the worker computes the same bits', async () => {
  await asBrowserWorker(true, async () => {
    const prev = sg.setWasmThreads(1);
    try {
      assert.is(threadSupport(), null);
      const created = FakeWebWorker.created;
      sg.setWasmThreads(2, { minFlops: 0, workersOnly: true });
      // The pool's worker cannot boot before this thread returns to its event loop, so a caller
      // that waited for it would hang here: it runs every chunk itself.
      assert.equal(workload(), one);
      assert.is(FakeWebWorker.created, created + 1, 'one Web Worker');
      assert.equal(sg.wasmThreadInfo(), { threads: 2, requested: 2, started: 0, chunksByWorkers: 0, reason: null });
      assert.ok(setWorkersOnly(true), 'a pool exists'); // browsers' workers do not boot on their own: no wait
      await until(() => sg.wasmThreadInfo().started === 1);
      assert.equal(workload(), one, 'the same bits from the Web Worker');
      assert.ok(chunksByWorkers() > 0, 'the Web Worker ran the chunks');
      throwsWith(() => failingJob(4), Error, 'simplegrad wasm: worker 1 failed chunk 0 of op 99: RuntimeError: unreachable');
      sg.setWasmThreads(2, { workersOnly: false });
      assert.equal(workload(), one, 'caller and worker racing: still the same bits');
    } finally {
      sg.setWasmThreads(prev, { minFlops: 2e6, workersOnly: false });
    }
  });
});

test('a Web Worker that dies at start (error event) degrades the pool: one warning, wasmThreads() and wasmThreadInfo() say so, jobs run on the caller', async () => {
  await asBrowserWorker(true, async () => {
    const prev = sg.setWasmThreads(1);
    FakeWebWorker.script = "throw new Error('cannot load the script')";
    try {
      const seen = await warnings(async () => {
        sg.setWasmThreads(2, { minFlops: 0, workersOnly: true });
        assert.is(sg.wasmThreadInfo().threads, 2, 'still booting');
        await until(() => sg.wasmThreads() === 1);
        assert.equal(workload(), one, 'the caller ran it all (workersOnly waits for started workers only)');
        assert.is(chunksByWorkers(), 0);
      });
      const why = 'worker 1 failed: Uncaught Error: cannot load the script';
      assert.equal(seen, [`@simplegrad/core: a WebAssembly worker stopped (${why}); the kernels run on 1 thread(s) instead of 2`]);
      assert.equal(sg.wasmThreadInfo(), { threads: 1, requested: 2, started: 0, chunksByWorkers: 0, reason: why });
      // Asking for two threads again builds a new pool (this time its worker loads).
      FakeWebWorker.script = null;
      sg.setWasmThreads(2);
      await until(() => sg.wasmThreadInfo().started === 1);
      assert.equal(sg.wasmThreadInfo(), { threads: 2, requested: 2, started: 1, chunksByWorkers: 0, reason: null });
    } finally {
      FakeWebWorker.script = null;
      sg.setWasmThreads(prev, { minFlops: 2e6, workersOnly: false });
    }
  });
});

test('a worker that cannot instantiate the module reports why from shared memory, before any event; the caller never waits for it', async () => {
  const engine = new Engine(true);
  let pool: Pool | null = null;
  const seen = await warnings(() => {
    pool = new Pool(engine, 1, nodeSpawner(wt), 1, unlinkable);
    pool.awaitStart(); // returns once the worker has given up
    pool.workersOnly = true;
    assert.is(pool.live, 0);
    assert.is(pool.started, 0);
    engine.setJob(99, []);
    assert.throws(() => pool!.run(1), /unreachable/, 'the caller ran the chunk itself');
  });
  const p = pool as unknown as Pool;
  assert.match(p.failure!, /^worker 1 could not start: LinkError: .*import/);
  assert.equal(seen, [`@simplegrad/core: a WebAssembly worker stopped (${p.failure}); the kernels run on 1 thread(s) instead of 2`]);
  p.close();
  assert.is(p.size, 0);
});

test('a Node worker that dies with an error event is reported with its cause', async () => {
  const engine = new Engine(true);
  const seen = await warnings(async () => {
    const pool = new Pool(engine, 1, nodeSpawner(wt, "throw new TypeError('no such program')"), 1);
    await until(() => pool.live === 0);
    assert.is(pool.failure, 'worker 1 failed: TypeError: no such program');
    pool.close();
  });
  assert.equal(seen, ['@simplegrad/core: a WebAssembly worker stopped (worker 1 failed: TypeError: no such program); the kernels run on 1 thread(s) instead of 2']);
});

test('Pool.start and finish: the worker runs a started job while the caller works elsewhere, finish ends it and throws a chunk\'s failure; one job at a time', () => {
  const engine = new Engine(true);
  const pool = new Pool(engine, 1, nodeSpawner(wt), 1);
  try {
    pool.awaitStart();
    const { check, free } = sgdJob(engine);
    const before = pool.chunksByWorkers;
    pool.start(4);
    assert.is(pool.running, 4);
    throwsWith(() => pool.start(2), Error, 'simplegrad wasm: a job of 2 chunks started while one of 4 is still running');
    // The caller's own work, on memory the job does not touch; it claims no chunk before finish,
    // so the worker runs them all (waited for as a state, not a time).
    engine.put(free, rand(4000, 24), 0, 4000);
    while (pool.chunksByWorkers < before + 4);
    pool.finish();
    assert.is(pool.running, 0);
    check();
    throwsWith(() => pool.finish(), Error, 'simplegrad wasm: no job is running');
    // A failing job: the worker's reason comes out of finish, and the pool works on.
    engine.setJob(99, []);
    pool.workersOnly = true;
    pool.start(3);
    throwsWith(() => pool.finish(), Error, 'simplegrad wasm: worker 1 failed chunk 0 of op 99: RuntimeError: unreachable');
    pool.workersOnly = false;
    pool.start(2);
    assert.throws(() => pool.finish(), /unreachable/, 'whoever ran the failing chunk, finish throws');
    assert.is(pool.running, 0);
    const again = sgdJob(engine);
    pool.run(4);
    again.check();
  } finally {
    pool.close();
  }
});

test('begin: without a pool the finisher runs the job in order (nothing runs before); with one the workers start it and the finisher ends it; failures come out of the finisher', () => {
  const prev = sg.setWasmThreads(1);
  try {
    let e = getEngine();
    let job = sgdJob(e);
    const finish = begin(e, 4, Infinity);
    job.check(true);
    finish();
    job.check();
    e.setJob(99, []);
    assert.throws(begin(e, 2, Infinity), /unreachable/);
    sg.setWasmThreads(2, { minFlops: 0 });
    assert.ok(setWorkersOnly(true), 'a pool exists');
    e = getEngine();
    job = sgdJob(e);
    const before = chunksByWorkers();
    const end = begin(e, 4, 0);
    e.put(job.free, rand(4000, 25), 0, 4000);
    while (chunksByWorkers() < before + 4); // the worker runs the started job before the finisher is called
    end();
    job.check();
    e.setJob(99, []);
    throwsWith(begin(e, 3, 0), Error, 'simplegrad wasm: worker 1 failed chunk 0 of op 99: RuntimeError: unreachable');
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
  }
});

test('a browser worker whose error event has no message is still reported', async () => {
  const engine = new Engine(true);
  class Silent {
    private listener: ((e: { message?: string }) => void) | null = null;
    postMessage(): void {
      setTimeout(() => this.listener!({}), 0);
    }
    addEventListener(_type: 'error', l: (e: { message?: string }) => void): void {
      this.listener = l;
    }
    terminate(): void {}
  }
  const seen = await warnings(async () => {
    const pool = new Pool(engine, 1, browserSpawner(Silent), 1);
    assert.is(pool.failure, null);
    await until(() => pool.live === 0);
    assert.is(pool.failure, 'worker 1 failed: the worker failed to load');
    pool.close();
  });
  assert.is(seen.length, 1);
});

test('where a pool cannot run, wasmThreads() is 1 and wasmThreadInfo() says why', async () => {
  const prev = sg.setWasmThreads(2);
  try {
    await asBrowserWorker(false, () => {
      sg.setWasmThreads(2); // reported as 1 here: a new engine, which gets no pool
      assert.equal(sg.wasmThreadInfo(), { threads: 1, requested: 2, started: 0, chunksByWorkers: 0, reason: 'the page is not cross-origin isolated (serve it with COOP/COEP headers)' });
    });
    const g = globalThis as { crossOriginIsolated?: boolean };
    proc.getBuiltinModule = () => undefined;
    g.crossOriginIsolated = true;
    try {
      assert.is(threadSupport(), 'this runtime has neither node:worker_threads nor Web Workers');
    } finally {
      proc.getBuiltinModule = nodeGetBuiltin;
      delete g.crossOriginIsolated;
    }
    // A browser's main thread: Atomics.wait throws there, before comparing the value.
    const wait = Atomics.wait;
    Atomics.wait = () => {
      throw new TypeError('Atomics.wait cannot be called in this context');
    };
    try {
      assert.is(canBlock(), false);
      assert.is(sg.wasmThreads(), 1);
      assert.is(sg.wasmThreadInfo().reason, 'this thread may not block in Atomics.wait (a browser\'s main thread): train in a Web Worker');
    } finally {
      Atomics.wait = wait;
    }
    assert.is(canBlock(), true);
    const sab = Object.getOwnPropertyDescriptor(globalThis, 'SharedArrayBuffer')!;
    Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
    try {
      assert.is(threadSupport(), 'SharedArrayBuffer is unavailable');
    } finally {
      Object.defineProperty(globalThis, 'SharedArrayBuffer', sab);
    }
    sg.setWasmThreads(1);
    assert.is(sg.wasmThreadInfo().reason, null, 'one thread asked for: nothing is missing');
  } finally {
    sg.setWasmThreads(prev);
  }
});

test('setWasmThreads rejects unknown options and a non-boolean workersOnly', () => {
  throwsWith(() => sg.setWasmThreads(2, { workers: 2 } as never), sg.ArgumentError, "setWasmThreads: unknown option 'workers' (known: minFlops, spinMs, workersOnly)");
  throwsWith(() => sg.setWasmThreads(2, { workersOnly: 1 } as never), sg.ArgumentError, /^setWasmThreads: workersOnly must be true or false, got 1/);
});

test('the control block (256 words with its two message slots) fits between LAYOUT.CTRL and the job descriptor', () => {
  assert.ok(LAYOUT.JOB - LAYOUT.CTRL >= 4 * 256, `${LAYOUT.JOB - LAYOUT.CTRL} bytes`);
});

test('the worker program is plain JavaScript for both runtimes (no import, no TypeScript)', () => {
  assert.not.match(WORKER_SOURCE, /\bimport\b|\bexport\b/);
  assert.ok(WORKER_SOURCE.includes("typeof require === 'function'") && WORKER_SOURCE.includes('self.onmessage'));
  new Function('require', 'self', `return; ${WORKER_SOURCE}`); // parses as a script
});

test.run();
