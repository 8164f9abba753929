/**
 * `tidy`: a scope whose intermediate tensors give their memory back when it ends, as TensorFlow.js's
 * `tf.tidy` does. simplegrad's tensors live in ordinary typed arrays, which the garbage collector
 * frees some time after the last reference goes; a training step makes a new array for every
 * activation and every gradient between layers (ResNet-18, batch 32: 28.9 MB a step), and a new
 * array costs a page fault on every first write: in Chromium copying a kernel's result into one ran
 * at ~2 GB/s against 20–30 GB/s into an array used before, 11 ms of a 100 ms two-thread step. Nothing can tell when an
 * intermediate is dead, because any code may still hold it; `tidy` is the caller's word that what the
 * step made and did not return will not be used again, and simplegrad holds it to that word:
 *
 * - Every tensor made while `fn` runs is the scope's. When `fn` returns, each one is *released*,
 *   except the tensors in what it returns (a tensor, or arrays, plain objects, Maps and Sets
 *   holding tensors, at any depth),
 *   those passed to {@link keep}, gradients (a `.grad`, which outlives the step by design) and
 *   leaves that require grad (parameters). A released tensor throws a `ReleasedError` on any use.
 *   A module's buffers (batch norm's running statistics) are plain tensors: one built inside a
 *   scope loses them when it ends, so build models outside.
 * - The memory of released tensors goes to the pool `allocate` draws from (recycle.ts), or back to
 *   the kernels' pinned storage (the wasm backend keeps a scope's bigger float32 results in its
 *   memory: see {@link scopeStorage}), but only an array allocated inside the scope whose every
 *   tensor was released and whose values never left simplegrad: reading a tensor's `data` hands its
 *   array out (as reading `.grad` does), and such an array is left to the collector. So no array
 *   anybody could still read is ever reused, and using a tensor of the scope afterwards fails loudly
 *   instead of reading another step's numbers.
 * - When a tensor the scope keeps is still part of a graph that `backward` has not run through (its
 *   op's saved tensors would be released under it), the scope releases nothing. (Ops only ever
 *   record onto tensors they make, so a graph that reaches the scope's tensors starts at one of
 *   them.)
 * - If `fn` throws, nothing is released (the collector frees it as before) and the error propagates;
 *   if it returns a promise, nothing is released and `tidy` throws (it runs synchronous code only).
 *
 * Scopes nest: what an inner scope keeps belongs to the outer one.
 */
import { ArgumentError, SimplegradError } from './errors.js';
import type { TypedArray } from './dtype.js';

/** Thrown when a tensor that a {@link tidy} scope released is used. */
export class ReleasedError extends SimplegradError {}

/** What a scope needs to know of a tensor: tensor.ts fills these in (see its static block). */
export interface ScopeHooks<T> {
  /** The tensor's array, without handing it out. */
  storage(t: T): TypedArray;
  /** Whether the tensor's array was handed out (its `data` read or assigned). */
  exposed(t: T): boolean;
  /** Marks the tensor released. */
  release(t: T): void;
  /** Whether the tensor is a gradient (some tensor's `.grad`), or a leaf that requires grad. */
  exempt(t: T): boolean;
  /** Whether the tensor is the result of an op whose backward has not run yet. */
  liveGraph(t: T): boolean;
  /** Whether `v` is a tensor. */
  isTensor(v: unknown): v is T;
  /**
   * What an array's memory belongs to, for telling whether two arrays share it: its buffer, or for
   * a pinned array (a block of the kernels' memory, whose `buffer` is all of it) the array itself.
   */
  owner(a: TypedArray): object;
  /** A zero-filled float32 array of `n` elements from the kernels' pinned storage for a scope's result, or null. */
  pin(n: number): Float32Array | null;
}

interface Scope<T> {
  /** The tensors made in the scope, in order. */
  tensors: T[];
  /** The arrays `allocate` made in the scope. */
  arrays: Set<TypedArray>;
  /** Tensors passed to {@link keep}. */
  kept: Set<T>;
}

/** The open scopes, innermost last. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const scopes: Scope<any>[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let hooks: ScopeHooks<any> | null = null;
let offer: ((array: TypedArray) => void) | null = null;

/** Called once, by tensor.ts: how to read tensors, and where released memory goes. */
export function connectScopes<T>(h: ScopeHooks<T>, recycle: (array: TypedArray) => void): void {
  hooks = h;
  offer = recycle;
}

/** Whether a scope is open (the hot paths test this before noting anything). */
export function inScope(): boolean {
  return scopes.length > 0;
}

/** Notes a tensor made while a scope is open (the Tensor constructor calls this). */
export function noteTensor(t: object): void {
  scopes[scopes.length - 1].tensors.push(t);
}

/** Notes an array `allocate` made while a scope is open. */
export function noteArray(a: TypedArray): void {
  scopes[scopes.length - 1].arrays.add(a);
}

/**
 * Float32 results of at least this many elements made in a scope come from the kernels' pinned
 * storage where they have one (the wasm backend on shared memory): the scope gives their blocks back
 * when it releases them, and in between the kernels read and write them in place, where a plain
 * array is copied into the module and out at every op (75 MB a ResNet-18 step, batch 32). Smaller
 * ones cost little to copy, and the kernels mostly leave them to JavaScript.
 */
const PIN_ELEMENTS = 4096;

/** Pinned storage for a float32 result of `n` elements made in the open scope, or null (then a plain array). */
export function scopeStorage(n: number): Float32Array | null {
  return n >= PIN_ELEMENTS ? hooks?.pin(n) ?? null : null;
}

/**
 * Runs `fn` and returns its result; afterwards the tensors `fn` made are released and their memory
 * reused, except what it returns, what it passed to {@link keep}, gradients and parameters (see the
 * module comment above for the whole contract). Use it around a training step, so that each step
 * reuses the last one's memory instead of allocating its own. `fn` must be synchronous.
 *
 * @example
 * for (let i = 0; i < steps; i++) {
 *   const loss = sg.tidy(() => {
 *     model.zeroGrad();
 *     const l = sg.crossEntropy(model.forward(x), y);
 *     l.backward();
 *     opt.step();
 *     return l.item();
 *   });
 * }
 */
export function tidy<R>(fn: () => R, ...rest: never[]): R {
  if (rest.length > 0) {
    // TensorFlow.js's tidy(name, fn): the name would be ignored here, so it is refused.
    const hint = typeof fn === 'string' ? ' (TensorFlow.js\'s tidy(name, fn): here there is no name, pass the function alone)' : '';
    throw new ArgumentError('tidy', `takes one argument, a function; got ${1 + rest.length}${hint}`);
  }
  if (typeof fn !== 'function') throw new ArgumentError('tidy', `fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const scope: Scope<unknown> = { tensors: [], arrays: new Set(), kept: new Set() };
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function')) {
    // Its tensors may still be in use by the pending work: release nothing, say so.
    throw new ArgumentError('tidy', 'fn returned a promise: tidy runs synchronous code only (the scope ended when fn returned; nothing was released)');
  }
  end(scope, result);
  return result;
}

/**
 * Keeps `t` (made inside a {@link tidy} scope) from being released when the scope ends; it then
 * belongs to the enclosing scope, if any. Returns `t`. Outside a scope it does nothing.
 *
 * @example
 * let features: sg.Tensor | null = null;
 * sg.tidy(() => { features = sg.keep(backbone.forward(x)); head.forward(features).sum().backward(); });
 */
export function keep<T>(t: T, ...rest: never[]): T {
  if (rest.length > 0) throw new ArgumentError('keep', `takes one tensor; got ${1 + rest.length} arguments`);
  if (hooks === null || !hooks.isTensor(t)) throw new ArgumentError('keep', `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  scopes[scopes.length - 1]?.kept.add(t);
  return t;
}

/** The tensors in a result: a tensor, or arrays and plain objects (any depth) holding tensors. */
function resultTensors<T>(h: ScopeHooks<T>, v: unknown, out: Set<T>, seen: Set<object>): void {
  if (h.isTensor(v)) {
    out.add(v);
    return;
  }
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) resultTensors(h, x, out, seen);
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      resultTensors(h, k, out, seen);
      resultTensors(h, x, out, seen);
    }
  } else if (v instanceof Set) {
    for (const x of v) resultTensors(h, x, out, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    for (const x of Object.values(v)) resultTensors(h, x, out, seen);
  }
}

/** Ends `scope`, whose `fn` returned `result`: releases what it may, hands the rest to the enclosing scope. */
function end<T>(scope: Scope<T>, result: unknown): void {
  const h = hooks as ScopeHooks<T>; // set when tensor.ts loads, before any tensor exists
  const keepers = new Set<T>(scope.kept);
  resultTensors(h, result, keepers, new Set());
  const outer = scopes[scopes.length - 1] as Scope<T> | undefined;
  const staying: T[] = [];
  const leaving: T[] = [];
  for (const t of scope.tensors) (keepers.has(t) || h.exempt(t) ? staying : leaving).push(t);
  // A graph still to be walked needs every tensor its ops saved: then nothing goes.
  if (staying.some((t) => h.liveGraph(t))) {
    if (outer !== undefined) {
      outer.tensors.push(...scope.tensors);
      for (const a of scope.arrays) outer.arrays.add(a);
    }
    return;
  }
  // An array may be reused when the scope allocated it and every tensor over its memory (views
  // included: compared by owner, see ScopeHooks.owner) is released, unread.
  const blocked = new Set<object>();
  for (const t of staying) blocked.add(h.owner(h.storage(t)));
  for (const t of leaving) if (h.exposed(t)) blocked.add(h.owner(h.storage(t)));
  const reusable: TypedArray[] = [];
  for (const t of leaving) {
    const a = h.storage(t);
    const owner = h.owner(a);
    if (scope.arrays.has(a) && !blocked.has(owner)) {
      reusable.push(a);
      blocked.add(owner); // once
    }
    h.release(t);
  }
  for (const a of reusable) offer?.(a);
  if (outer !== undefined) {
    outer.tensors.push(...staying);
    // What stays may be released by the outer scope, its arrays reused: they count as allocated there.
    for (const t of staying) {
      const a = h.storage(t);
      if (scope.arrays.has(a)) outer.arrays.add(a);
    }
  }
}
