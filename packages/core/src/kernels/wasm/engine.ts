/**
 * One instance of the WebAssembly SIMD kernels over a memory this side owns: decodes the inlined
 * bytes, compiles synchronously (the modules are a few KB, far below browsers' 8 MB limit for sync
 * compilation on the main thread), and hands out reusable scratch regions so a kernel call allocates
 * no big JS array. The memory only ever grows: a training loop reaches its peak in the first step and
 * stays flat after.
 */
import { LAYOUT, MAX_PAGES, PLAIN, SHARED } from './bytes.js';

/**
 * The functions the module exports (see packages/core/wasm/asc/kernels.ts for their arguments):
 * pointers are byte addresses, flags are 0/1; all but `winogradScratchFloats` return nothing.
 */
export type WasmExports = Record<
  'im2col' | 'col2im' | 'runChunk' | 'convReduce' | 'winogradFilters' | 'winogradScratchFloats',
  (...args: number[]) => number
>;

const EXPORTS = [
  'im2col', 'col2im', 'runChunk', 'convReduce', 'winogradFilters', 'winogradScratchFloats',
] as const satisfies readonly (keyof WasmExports)[];

/** Where the scratch regions for operands start; below it live the control words, the job and the tiles. */
export const HEAP: number = LAYOUT.HEAP;

const PAGE = 65536;
/** Words of the job descriptor: the op code and its arguments. */
const JOB_WORDS = 32;
const modules = new Map<boolean, WebAssembly.Module>();

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The compiled module, importing a shared memory when `shared` (compiled once, then reused). */
export function wasmModule(shared: boolean): WebAssembly.Module {
  let mod = modules.get(shared);
  if (mod === undefined) {
    mod = new WebAssembly.Module(decode(shared ? SHARED : PLAIN));
    modules.set(shared, mod);
  }
  return mod;
}

let simd: boolean | undefined;

/**
 * Whether this runtime runs the WebAssembly SIMD kernels (fixed-width SIMD128 and bulk memory:
 * Node ≥ 16.4, every current browser). Checked once, by validating the real module.
 */
export function wasmSimdSupported(): boolean {
  if (simd === undefined) {
    try {
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(decode(PLAIN));
    } catch {
      /* c8 ignore next */
      simd = false;
    }
  }
  return simd;
}

/** Rounds a byte count up to a cache line, so regions never share one (no false sharing between threads). */
export function align(bytes: number): number {
  return (bytes + 63) & ~63;
}

/**
 * Lays out consecutive cache-aligned regions of the given byte sizes from {@link HEAP}: returns
 * their addresses and, last, the total number of bytes they span.
 */
export function regions(...bytes: number[]): number[] {
  const out: number[] = [];
  let at = HEAP;
  for (const b of bytes) {
    out.push(at);
    at += align(b);
  }
  out.push(at - HEAP);
  return out;
}

function exportsOf(instance: WebAssembly.Instance): WasmExports {
  const out = {} as WasmExports;
  for (const name of EXPORTS) {
    const f = instance.exports[name];
    /* c8 ignore next */
    if (typeof f !== 'function') throw new Error(`simplegrad wasm: the module lacks the export ${name}`);
    out[name] = f as (...args: number[]) => number;
  }
  return out;
}

/** An instance of the kernels with its memory and views over it. */
export class Engine {
  /** The linear memory (shared when the engine feeds a worker pool). */
  readonly memory: WebAssembly.Memory;
  /** The module's exports. */
  readonly exports: WasmExports;
  /** Float view of the whole memory, refreshed whenever the memory grows. */
  f32: Float32Array;
  /** The job descriptor (op code, then arguments), refreshed whenever the memory grows. */
  job: Int32Array;

  /** Instantiates the kernels over a fresh memory, shared if `shared`. */
  constructor(readonly shared: boolean) {
    const initial = 2 * HEAP / PAGE;
    this.memory = shared
      ? new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial });
    const instance = new WebAssembly.Instance(wasmModule(shared), { env: { memory: this.memory } });
    this.exports = exportsOf(instance);
    this.f32 = new Float32Array(this.memory.buffer);
    this.job = new Int32Array(this.memory.buffer, LAYOUT.JOB, JOB_WORDS);
  }

  /** Ensures `bytes` of scratch from {@link HEAP} on, growing the memory (never shrinking it). */
  reserve(bytes: number): void {
    const need = HEAP + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      this.memory.grow(Math.ceil((need - have) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
      this.job = new Int32Array(this.memory.buffer, LAYOUT.JOB, JOB_WORDS);
    }
  }

  /** Writes the job descriptor: `op`, then its integer arguments. */
  setJob(op: number, args: readonly number[]): void {
    const job = this.job;
    job[0] = op;
    for (let i = 0; i < args.length; i++) job[i + 1] = args[i];
  }

  /** Copies `count` floats of `src` from `offset` into memory at byte address `ptr`. */
  put(ptr: number, src: Float32Array, offset: number, count: number): void {
    this.f32.set(src.subarray(offset, offset + count), ptr >> 2);
  }

  /** Copies `count` floats from memory at byte address `ptr` into `dst` at `offset`. */
  get(ptr: number, count: number, dst: Float32Array, offset: number): void {
    dst.set(this.f32.subarray(ptr >> 2, (ptr >> 2) + count), offset);
  }

  /** Bytes of memory in use (for memory-flatness checks). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
