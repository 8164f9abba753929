/** Test helper: a wasm workload on one thread and on two, the second with the worker running every pooled chunk. */
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { chunksByWorkers, setWorkersOnly } from '../src/kernels/wasm/runtime.js';

/**
 * `run()` on one thread, then on two with the caller stepping aside so the worker runs every pooled
 * chunk (really another thread, whatever the scheduler does; asserted), on the wasm backend; the
 * previous backend and thread settings are restored. Returns both results for the caller to compare.
 */
export function onOneAndTwoThreads<T>(run: () => T): [T, T] {
  const prevKernels = sg.useBackend('wasm');
  const prev = sg.setWasmThreads(1);
  try {
    const one = run();
    sg.setWasmThreads(2, { minFlops: 0 });
    assert.ok(setWorkersOnly(true), 'a pool exists');
    const before = chunksByWorkers();
    const two = run();
    assert.ok(chunksByWorkers() > before, 'the workers ran the chunks');
    return [one, two];
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
    sg.setKernels(prevKernels);
  }
}
