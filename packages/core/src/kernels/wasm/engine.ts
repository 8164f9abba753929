/**
 * One instance of the WebAssembly SIMD kernels over a memory this side owns: decodes the inlined
 * bytes, compiles synchronously (the modules are a few KB, far below browsers' 8 MB limit for sync
 * compilation on the main thread), and hands out reusable scratch regions so a kernel call allocates
 * no big JS array. The memory only ever grows: a training loop reaches its peak in the first step and
 * stays flat after.
 */
import { MAX_PAGES, PLAIN, SHARED } from './bytes.js';

/**
 * The functions the module exports (see packages/core/wasm/asc/kernels.ts for their arguments):
 * pointers are byte addresses, flags are 0/1.
 */
export type WasmExports = Record<'packB' | 'gemmRows' | 'im2col' | 'col2im', (...args: number[]) => void>;

/** Byte address of the Int32 control block that the main thread and the workers hand jobs through. */
export const CTRL = 1024;
/** Byte address of the scratch tiles, one per thread (edge tiles of the GEMM). */
export const TMP = 4096;
/** Bytes per thread's scratch tile (room for tiles up to 16×16 floats). */
export const TMP_BYTES = 1024;
/** Where the scratch regions for operands start; below it live the control block and tiles. */
export const HEAP = 65536;

const PAGE = 65536;
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
 * Whether this runtime runs the WebAssembly SIMD kernels (fixed-width SIMD128: Node ≥ 16.4, every
 * current browser). Checked once, by validating the real module.
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

/** Rounds a byte count up to a cache line, so regions never share one. */
export function align(bytes: number): number {
  return (bytes + 63) & ~63;
}

function exportsOf(instance: WebAssembly.Instance): WasmExports {
  const fn = (name: keyof WasmExports): ((...args: number[]) => void) => {
    const f = instance.exports[name];
    /* c8 ignore next */
    if (typeof f !== 'function') throw new Error(`simplegrad wasm: the module lacks the export ${name}`);
    return f as (...args: number[]) => void;
  };
  return { packB: fn('packB'), gemmRows: fn('gemmRows'), im2col: fn('im2col'), col2im: fn('col2im') };
}

/** An instance of the kernels with its memory and views over it. */
export class Engine {
  /** The linear memory (shared when the engine feeds a worker pool). */
  readonly memory: WebAssembly.Memory;
  /** The module's exports. */
  readonly exports: WasmExports;
  /** Float view of the whole memory, refreshed whenever the memory grows. */
  f32: Float32Array;
  /** Int32 view of the control block. */
  readonly ctrl: Int32Array;

  /** Instantiates the kernels over a fresh memory, shared if `shared`. */
  constructor(readonly shared: boolean) {
    const initial = 2 * HEAP / PAGE;
    this.memory = shared
      ? new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial });
    const instance = new WebAssembly.Instance(wasmModule(shared), { env: { memory: this.memory } });
    this.exports = exportsOf(instance);
    this.f32 = new Float32Array(this.memory.buffer);
    this.ctrl = new Int32Array(this.memory.buffer, CTRL, 64);
  }

  /** Ensures `bytes` of scratch from {@link HEAP} on, growing the memory (never shrinking it). */
  reserve(bytes: number): void {
    const need = HEAP + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      this.memory.grow(Math.ceil((need - have) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
  }

  /** Bytes of memory in use (for memory-flatness checks). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
