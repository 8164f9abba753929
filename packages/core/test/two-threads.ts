/** Test helper: a wasm workload on one thread, on two with the worker running every pooled chunk, and on two racing. */
import * as assert from 'uvu/assert';
import * as sg from '../src/index.js';
import { chunksByWorkers, setWorkersOnly } from '../src/kernels/wasm/runtime.js';

/**
 * `run()` on one thread, then on two with the caller stepping aside so the worker runs every pooled
 * chunk (really another thread, whatever the scheduler does; asserted), then on two with caller and
 * worker racing for the chunks, on the wasm backend; the previous backend and thread settings are
 * restored. Returns the three results for the caller to compare (equal bits whoever ran what).
 */
export function onOneAndTwoThreads<T>(run: () => T): [one: T, workers: T, racing: T] {
  const prevKernels = sg.useBackend('wasm');
  const prev = sg.setWasmThreads(1);
  try {
    const one = run();
    sg.setWasmThreads(2, { minFlops: 0 });
    assert.ok(setWorkersOnly(true), 'a pool exists');
    const before = chunksByWorkers();
    const two = run();
    assert.ok(chunksByWorkers() > before, 'the workers ran the chunks');
    setWorkersOnly(false);
    return [one, two, run()];
  } finally {
    setWorkersOnly(false);
    sg.setWasmThreads(prev, { minFlops: 2e6 });
    sg.setKernels(prevKernels);
  }
}
