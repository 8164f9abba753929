/**
 * Tracing of the WebAssembly kernels, for benchmarks (`npm run bench -- --trace ID`): each job the
 * kernels run and each copy into or out of the module's memory, with the calling thread's time on
 * it. It answers what a CPU profile cannot: which jobs the thread pool shared and how much of them
 * the workers ran, and how much of a step the calling thread spends alone (jobs too small to share,
 * copies) — the share that caps what a second thread can gain. Off unless a tracer is set; then the
 * kernels pay a clock read per job and per copy.
 */
import { ArgumentError } from '../../errors.js';
import { OPS } from './bytes.js';

/** One job of the module: see {@link KernelTracer.job}. */
export interface JobEvent {
  /** The job's op, as the module's job table names it (e.g. `'COLS'`, `'WINOGRAD_INPUT'`). */
  readonly name: string;
  /** Whether the thread pool shared it (else the calling thread ran every chunk). */
  readonly pooled: boolean;
  /** Its chunks. */
  readonly chunks: number;
  /** How many of its chunks the workers ran (0 when not pooled). */
  readonly byWorkers: number;
  /**
   * Milliseconds the calling thread spent on it: running chunks and waiting for the workers' (for a
   * job started early so that the caller can copy meanwhile, from its finisher on).
   */
  readonly ms: number;
}

/** One copy between a JavaScript array and the module's memory: see {@link KernelTracer.copy}. */
export interface CopyEvent {
  /** True for a copy into the module (an operand), false for one out of it (a result). */
  readonly into: boolean;
  /** Bytes copied. */
  readonly bytes: number;
  /** Milliseconds it took (a copy into a fresh array includes that array's page faults). */
  readonly ms: number;
}

/** What {@link traceWasmKernels} reports to. Both are called on the calling thread, synchronously. */
export interface KernelTracer {
  /** After each job of the module. */
  job(event: JobEvent): void;
  /** After each copy into or out of the module. */
  copy(event: CopyEvent): void;
}

let current: KernelTracer | null = null;

const NAMES = new Map<number, string>(Object.entries(OPS).map(([name, code]) => [code, name]));

/**
 * Sets the tracer the WebAssembly kernels report every job and copy to, or stops tracing with
 * `null`; returns the previous tracer. The kernels' results do not change.
 *
 * @example
 * const ms = new Map<string, number>();
 * sg.traceWasmKernels({ job: (e) => ms.set(e.name, (ms.get(e.name) ?? 0) + e.ms), copy: () => {} });
 * model.forward(x).sum().backward();
 * sg.traceWasmKernels(null);   // ms: time per job kind, e.g. 'COLS' → 3.2
 */
export function traceWasmKernels(tracer: KernelTracer | null): KernelTracer | null {
  if (tracer !== null) {
    const what = typeof tracer !== 'object' ? typeof tracer
      : (['job', 'copy'] as const).filter((k) => typeof tracer[k] !== 'function').map((k) => `an object without ${k}`)[0];
    if (what !== undefined) throw new ArgumentError('traceWasmKernels', `tracer must be null or an object with job and copy functions, got ${what}`);
  }
  const prev = current;
  current = tracer;
  return prev;
}

/** The tracer set, or null (for the kernels' hooks). */
export function tracer(): KernelTracer | null {
  return current;
}

/** The name of job op `code` (its number when the table has none). */
export function jobName(code: number): string {
  return NAMES.get(code) ?? String(code);
}
