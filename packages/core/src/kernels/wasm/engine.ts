/**
 * One instance of the WebAssembly SIMD kernels over a memory this side owns: decodes the inlined
 * bytes, compiles synchronously (the modules are a few KB, far below browsers' 8 MB limit for sync
 * compilation on the main thread), and hands out reusable scratch regions so a kernel call allocates
 * no big JS array. The memory only ever grows: a training loop reaches its peak in the first step and
 * stays flat after.
 */
import { LAYOUT, MAX_PAGES, PLAIN } from './bytes.js';
import { JOB_WORDS } from './jobs.js';
import { tracer } from './trace.js';
import { ArgumentError } from '../../errors.js';

/**
 * The functions the module exports (see packages/core/wasm/asc/kernels.ts for their arguments):
 * pointers are byte addresses, flags are 0/1; all but the `…ScratchFloats` sizes return nothing.
 */
export type WasmExports = Record<
  'im2col' | 'col2im' | 'runChunk' | 'convReduce' | 'winogradScratchFloats' | 'winograd4ScratchFloats' | 'maxPoolScratchFloats' | 'convFold' | 'zeroFill',
  (...args: number[]) => number
>;

const EXPORTS = [
  'im2col', 'col2im', 'runChunk', 'convReduce', 'winogradScratchFloats', 'winograd4ScratchFloats', 'maxPoolScratchFloats', 'convFold', 'zeroFill',
] as const satisfies readonly (keyof WasmExports)[];

/** Where memory for operands starts; below it live the control words, the job and the tiles. */
export const HEAP: number = LAYOUT.HEAP;

/** The engine the kernels use (runtime.ts makes it current); {@link regions} lay out its scratch. */
let current: Engine | null = null;

/**
 * Where the current engine's scratch regions start: HEAP, moved up past every block it pins (see
 * {@link Engine.allocatePinned}). Blocks are pinned only between kernel calls, so no call's regions
 * ever move under it.
 */
export function scratchBase(): number {
  return current?.scratch ?? HEAP;
}

const PAGE = 65536;
const modules = new Map<boolean, WebAssembly.Module>();

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Reads the unsigned LEB128 at `bytes[at]`: its value and the index after it. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
}

/** `value` as unsigned LEB128 bytes. */
function toLeb(value: number): number[] {
  const out: number[] = [];
  do {
    const b = value % 128;
    value = Math.floor(value / 128);
    out.push(value > 0 ? b | 0x80 : b);
  } while (value > 0);
  return out;
}

/**
 * The shared-memory variant of a module: the same bytes with its memory import's limits turned into
 * `shared, maximum MAX_PAGES`. Deriving it here (tested byte-equal to the one the AssemblyScript build
 * writes) ships one module's base64 instead of two, and keeps the threads-only variant out of
 * browser bundles, which never build a pool.
 */
export function sharedVariant(plain: Uint8Array): Uint8Array<ArrayBuffer> {
  const parts: ArrayLike<number>[] = [plain.subarray(0, 8)]; // magic and version
  for (let at = 8; at < plain.length;) {
    const id = plain[at];
    const [size, start] = leb(plain, at + 1);
    const end = start + size;
    let body: ArrayLike<number> = plain.subarray(start, end);
    if (id === 2) {
      // The import section: entries of (module name, field name, kind, description).
      const [count, first] = leb(plain, start);
      const imports = toLeb(count);
      let i = first;
      for (let n = 0; n < count; n++) {
        const [modLen, m] = leb(plain, i);
        const [fieldLen, f] = leb(plain, m + modLen);
        const kind = f + fieldLen;
        // The kernels import one thing, their memory, with no maximum (flags 0, then initial pages).
        /* c8 ignore next */
        if (plain[kind] !== 2 || plain[kind + 1] !== 0) throw new Error('simplegrad wasm: the module imports something other than an unbounded memory');
        const [initial, after] = leb(plain, kind + 2);
        imports.push(...plain.subarray(i, kind + 1), 0x03, ...toLeb(initial), ...toLeb(MAX_PAGES)); // flags 3: shared, with a maximum
        i = after;
      }
      body = imports;
    }
    parts.push([id, ...toLeb(body.length)], body);
    at = end;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The compiled module, importing a shared memory when `shared` (compiled once, then reused). */
export function wasmModule(shared: boolean): WebAssembly.Module {
  let mod = modules.get(shared);
  if (mod === undefined) {
    mod = new WebAssembly.Module(shared ? sharedVariant(decode(PLAIN)) : decode(PLAIN));
    modules.set(shared, mod);
  }
  return mod;
}

let simd: boolean | undefined;

/**
 * Whether this runtime runs the WebAssembly SIMD kernels (fixed-width SIMD128 and bulk memory:
 * Node ≥ 16.4, every current browser). Checked once, by compiling the real module: validation alone
 * passes on pages whose Content-Security-Policy forbids compiling WebAssembly (no
 * `'wasm-unsafe-eval'`), where the js kernels then take over after a one-time warning.
 */
export function wasmSimdSupported(): boolean {
  if (simd === undefined) {
    simd = false;
    if (typeof WebAssembly === 'object' && WebAssembly.validate(decode(PLAIN))) {
      try {
        wasmModule(false);
        simd = true;
      } catch (e) {
        console.warn(`@simplegrad/core: WebAssembly cannot be compiled here (${e instanceof Error ? e.message : String(e)}); using the js kernels`);
      }
    }
  }
  return simd;
}

/**
 * Rounds a byte count up to a cache line, so regions never share one (no false sharing between
 * threads). In float arithmetic, not 32-bit masks: a count past 2 GB must stay too big (and be
 * refused by the memory), not wrap round to a small one.
 */
export function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/**
 * Lays out consecutive cache-aligned regions of the given byte sizes from the scratch base
 * ({@link scratchBase}): returns their addresses and, last, the total number of bytes they span
 * from the base (for {@link Engine.reserve}).
 */
export function regions(...bytes: number[]): number[] {
  return regionsFrom(scratchBase(), ...bytes);
}

/**
 * {@link regions} from byte address `start` (a 64-aligned address at or past the scratch base, such
 * as the end of a {@link Placed} result's call): the addresses, then the bytes from the base to the
 * last one's end.
 */
export function regionsFrom(start: number, ...bytes: number[]): number[] {
  const out: number[] = [];
  let at = start;
  for (const b of bytes) {
    out.push(at);
    at += align(b);
  }
  out.push(at - scratchBase());
  return out;
}

/**
 * A result a kernel leaves in the module for the next step there: its byte address, and the end of
 * the regions its call laid out (where the next step's own regions may start).
 */
export interface Placed {
  /** Byte address of the result. */
  readonly at: number;
  /** Byte address past the call's last region. */
  readonly end: number;
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
  /**
   * The job descriptor (op code, then arguments), refreshed whenever the memory grows. Kernels write
   * it with the generated writers of jobs.ts (`convForwardJob(e, { ... })`), never by slot number.
   */
  job: Int32Array;

  /** Where this engine's scratch regions start: HEAP, then past its pinned blocks. */
  scratch: number = HEAP;
  /** Pinned arrays and their addresses. */
  private readonly pinned = new WeakMap<Float32Array, number>();
  /** The bytes of each pinned block in use, by address. */
  private readonly blocks = new Map<number, number>();
  /** Free blocks below the scratch (pinned arrays collected or released), by address, none adjacent. */
  private readonly freeBlocks: { at: number; bytes: number }[] = [];

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

  /** Ensures `bytes` of scratch from the scratch base on, growing the memory (never shrinking it). */
  reserve(bytes: number): void {
    this.grow(this.scratch + bytes);
  }

  /** Makes this the engine whose scratch {@link regions} lay out (runtime.ts, for the engine the kernels use). */
  makeCurrent(): void {
    current = this;
  }

  /**
   * A zero-filled float32 array of `n` elements in this engine's memory, which the kernels read and
   * update in place (see {@link pinnedAddress}) instead of copying it in and out, or null where that
   * cannot be: an unshared memory (its views are detached when it grows), or no room left (pinned
   * blocks take at most half the memory's maximum, so the scratch keeps the other half). The block
   * is the first free one big enough (lowest address), else taken at the scratch base, which moves up
   * past it. {@link freePinned} gives it back.
   */
  allocatePinned(n: number): Float32Array | null {
    if (!this.shared || n <= 0) return null;
    const bytes = align(4 * n);
    const i = this.freeBlocks.findIndex((b) => b.bytes >= bytes);
    let at: number;
    if (i >= 0) {
      const block = this.freeBlocks[i];
      at = block.at;
      if (block.bytes === bytes) this.freeBlocks.splice(i, 1);
      else this.freeBlocks[i] = { at: at + bytes, bytes: block.bytes - bytes };
    } else {
      at = this.scratch;
      // Pinned blocks may take half of what the memory can hold: the other half stays the kernels' scratch.
      if (at + bytes > (MAX_PAGES * PAGE) / 2) return null;
      try {
        this.grow(at + bytes);
      } catch {
        return null; // the host refused the memory: a plain array serves as well
      }
      this.scratch = at + bytes;
    }
    // A freed block, or scratch, holds old values: cleared by the module (memset's speed, where a
    // fill of shared memory from JavaScript runs at a quarter of it).
    this.exports.zeroFill(at, bytes);
    const array = new Float32Array(this.memory.buffer, at, n);
    this.pinned.set(array, at);
    this.blocks.set(at, bytes);
    return array;
  }

  /** The byte address of `array` if it is one of this engine's pinned arrays (the whole of it), else −1. */
  pinnedAddress(array: Float32Array): number {
    return this.pinned.get(array) ?? -1;
  }

  /**
   * Returns the block at `at` of a pinned array that is no longer used, for reuse: merged with free
   * neighbours (the free list is kept by address), and given back to the scratch when it ends where
   * the scratch starts, so blocks freed together (a `tidy` scope's activations) make one again.
   */
  freePinned(at: number): void {
    const bytes = this.blocks.get(at);
    if (bytes === undefined) throw new Error(`simplegrad wasm: no pinned block at ${at} to free`);
    this.blocks.delete(at);
    const free = this.freeBlocks;
    let i = 0;
    while (i < free.length && free[i].at < at) i++;
    let block = { at, bytes };
    if (i > 0 && free[i - 1].at + free[i - 1].bytes === at) {
      block = { at: free[i - 1].at, bytes: free[i - 1].bytes + bytes };
      free.splice(--i, 1);
    }
    if (i < free.length && block.at + block.bytes === free[i].at) {
      block = { at: block.at, bytes: block.bytes + free[i].bytes };
      free.splice(i, 1);
    }
    if (block.at + block.bytes === this.scratch) this.scratch = block.at;
    else free.splice(i, 0, block);
  }

  /**
   * Frees the block of `array`, a pinned array of this engine that nothing will use again (a `tidy`
   * scope's released activation), now rather than when the collector finds it: the array is no
   * longer pinned, and its block goes to the next {@link allocatePinned}.
   */
  release(array: Float32Array): void {
    const at = this.pinnedAddress(array);
    if (at < 0) throw new Error('simplegrad wasm: release of an array this engine did not pin');
    this.pinned.delete(array);
    this.freePinned(at);
  }

  /** Grows the memory to at least `need` bytes. */
  private grow(need: number): void {
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      try {
        this.memory.grow(Math.ceil((need - have) / PAGE));
      } catch (e) {
        // Past MAX_PAGES (or what the host grants), say how much was asked for instead of a bare RangeError.
        if (!(e instanceof RangeError)) throw e;
        throw new ArgumentError('wasm', `a kernel needs ${need} bytes of WebAssembly memory but it holds at most ${MAX_PAGES * PAGE} (${have} in use now); use smaller batches or the 'js' backend`);
      }
      this.f32 = new Float32Array(this.memory.buffer);
      this.job = new Int32Array(this.memory.buffer, LAYOUT.JOB, JOB_WORDS);
    }
  }

  /**
   * Writes a raw job descriptor: `op`, then `args` from slot 1. Only for tests of the module's own
   * checks (an unknown op traps); kernels use the typed writers of jobs.ts, which name every slot.
   */
  setJob(op: number, args: readonly number[]): void {
    const job = this.job;
    job[0] = op;
    for (let i = 0; i < args.length; i++) job[i + 1] = args[i];
  }

  /** A view of `count` f64 values at byte address `ptr` (8-aligned), for a kernel's f64 parameters or sums; stale once the memory grows. */
  f64(ptr: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, count);
  }

  /** A view of `count` i32 values at byte address `ptr` (4-aligned), for tables and indices; stale once the memory grows. */
  i32(ptr: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }

  /**
   * Where a kernel reads `count` floats of `src` from `offset`: in place if `src` is one of this
   * engine's pinned arrays, else copied into the region at byte address `ptr` (returned). Only for
   * operands the kernel reads: the region stays the caller's to write, a pinned array is not.
   */
  place(ptr: number, src: Float32Array, offset: number, count: number): number {
    const at = this.pinnedAddress(src);
    if (at >= 0) return at + 4 * offset;
    this.put(ptr, src, offset, count);
    return ptr;
  }

  /**
   * Where a kernel writes all of `dst`'s values: in place if `dst` is one of this engine's pinned
   * arrays (a pinned parameter's gradient, see core's `gradStorage`), else the region at byte
   * address `ptr`, which {@link collect} then copies out. The counterpart of {@link place}, for
   * results; the kernel must overwrite every element (a pinned array holds old values).
   */
  target(ptr: number, dst: Float32Array): number {
    const at = this.pinnedAddress(dst);
    return at >= 0 ? at : ptr;
  }

  /** Copies a kernel's result at byte address `at` into `dst`, unless {@link target} had it written there. */
  collect(at: number, dst: Float32Array): void {
    if (at !== this.pinnedAddress(dst)) this.get(at, dst.length, dst, 0);
  }

  /** Copies `count` floats of `src` from `offset` into memory at byte address `ptr`. */
  put(ptr: number, src: Float32Array, offset: number, count: number): void {
    const t = tracer();
    const t0 = t === null ? 0 : performance.now();
    this.f32.set(src.subarray(offset, offset + count), ptr >> 2);
    t?.copy({ into: true, bytes: 4 * count, ms: performance.now() - t0 });
  }

  /** Copies `count` floats from memory at byte address `ptr` into `dst` at `offset`. */
  get(ptr: number, count: number, dst: Float32Array, offset: number): void {
    const t = tracer();
    const t0 = t === null ? 0 : performance.now();
    dst.set(this.f32.subarray(ptr >> 2, (ptr >> 2) + count), offset);
    t?.copy({ into: false, bytes: 4 * count, ms: performance.now() - t0 });
  }

  /** Bytes of memory in use (for memory-flatness checks). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
