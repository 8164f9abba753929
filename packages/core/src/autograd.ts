/**
 * The autograd engine: how ops record themselves in the graph, the iterative backward pass, grad mode,
 * and the public API for user-defined differentiable ops ({@link defineOp}).
 */
import { ArgumentError, AutogradError, ShapeError, fmtShape } from './errors.js';
import { anomalyMode, anomalyScope, checkBackward, checkForward } from './anomaly.js';
import { Tensor, adoptGrad, readGrad, RAW } from './tensor.js';
import { sameShape, sizeOf } from './shape.js';
import { type TypedArray, allocateOutput } from './dtype.js';
import { isPinned } from './pinned.js';
import { kernels } from './kernels/backend.js';

/**
 * Maps the gradient of an op's output to the gradients of its inputs (null where none flows).
 * `gradOwned` is true when nothing but this call references `grad`'s buffer (the engine computed it
 * and drops it afterwards): an op recorded with `freshGrads` may then write its result into that
 * buffer and return it, saving an allocation.
 */
export type BackwardFn = (grad: Tensor, gradOwned?: boolean) => readonly (Tensor | null | undefined)[];

/** A recorded op: the node of the graph behind a non-leaf tensor's `gradFn`. */
export interface GradNode {
  /** The op's name, e.g. `'conv2d'` or `'mul'`. */
  readonly op: string;
  /** The op's tensor inputs, in the order `backward` returns their gradients. Emptied once freed. */
  inputs: readonly Tensor[];
  /** Vector–Jacobian product; null once the graph was freed by a backward pass. */
  backward: BackwardFn | null;
  /** Each input's {@link Tensor.version} when the op ran: backward refuses inputs changed since. */
  readonly versions?: readonly number[];
  /** Under anomaly detection: the module whose forward recorded the op, for backward's messages. */
  readonly scope?: string | null;
  /** `backward` returns buffers it allocated for the engine alone: see {@link record}'s `freshGrads`. */
  readonly freshGrads?: boolean;
}

let gradEnabled = true;

/** True unless inside {@link noGrad}. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording ops in the graph (like `torch.no_grad()`), and returns its result. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with gradient recording on, even inside {@link noGrad}. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Attaches `out` to the graph as the result of `op` on `inputs`, if grad mode is on and any input
 * requires a gradient. `backward` runs later under {@link noGrad}. Returns `out`.
 *
 * `freshGrads` promises that every gradient `backward` returns is a tensor over a buffer it has just
 * allocated (or, when called with `gradOwned`, the incoming gradient's buffer) and keeps no
 * reference to. The engine then hands such a buffer on without copying: it sums later gradients
 * into it in place, and a leaf takes it as its `.grad` (the engine still refuses any returned
 * gradient that shares a buffer with another one, an input or, unless owned, the incoming gradient).
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn, freshGrads = false): Tensor {
  if (anomalyMode.on && !anomalyMode.inBackward) checkForward(op, out, inputs);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    const versions = inputs.map((t) => t.version);
    out.gradFn = anomalyMode.on
      ? { op, inputs, backward, versions, scope: anomalyScope(), freshGrads }
      : { op, inputs, backward, versions, freshGrads };
  }
  return out;
}

/** Options of {@link runBackward}. */
export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again (default false: it is freed). */
  retainGraph?: boolean;
}

/**
 * Backpropagates from `root`. The graph is walked with an explicit stack (no recursion, so chains of
 * any length work), gradients are summed per tensor, accumulated into leaves' `.grad`, and each node
 * is freed as soon as it has been processed unless `retainGraph` is set.
 */
export function runBackward(root: Tensor, grad?: Tensor | BackwardOptions, opts: BackwardOptions = {}): void {
  // `backward({ retainGraph: true })`, as PyTorch users write `backward(retain_graph=True)`.
  if (grad !== undefined && !(grad instanceof Tensor)) {
    if (typeof grad !== 'object' || grad === null || Array.isArray(grad) || ArrayBuffer.isView(grad)) {
      throw new ArgumentError('backward', `grad must be a Tensor (or an options object { retainGraph }), got ${grad === null ? 'null' : Array.isArray(grad) ? 'an array' : typeof grad}`);
    }
    opts = grad;
    grad = undefined;
  }
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError('backward', `options must be an object such as { retainGraph: true }, got ${String(opts)}`);
  for (const k of Object.keys(opts)) {
    if (k !== 'retainGraph') throw new ArgumentError('backward', `unknown option '${k.slice(0, 64)}' (known: retainGraph)`);
  }
  if (opts.retainGraph !== undefined && typeof opts.retainGraph !== 'boolean') {
    throw new ArgumentError('backward', `retainGraph must be true or false, got ${String(opts.retainGraph)}`);
  }
  if (!root.requiresGrad) {
    throw new AutogradError('backward', `the tensor of shape ${fmtShape(root.shape)} does not require grad and has no gradFn`);
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (sizeOf(root.shape) !== 1) {
      throw new AutogradError('backward', `grad can be implicitly created only for a single-element output, got shape ${fmtShape(root.shape)}; pass a gradient of that shape`);
    }
    const ones = allocateOutput(root.dtype, 1);
    ones[0] = 1;
    seed = new Tensor(ones, root.shape);
  } else {
    if (!sameShape(grad.shape, root.shape)) {
      throw new ShapeError('backward', `gradient shape ${fmtShape(grad.shape)} does not match the output shape ${fmtShape(root.shape)}`);
    }
    seed = grad.dtype === root.dtype ? grad : grad.to(root.dtype);
  }

  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  // The tensors whose pending gradient (in `grads`) only the engine references: see record().
  const owned = new Set<Tensor>();
  const retain = opts.retainGraph === true;
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      grads.delete(t);
      if (g === undefined) continue;
      const gOwned = owned.delete(t);
      if (t.gradFn === null) {
        accumulateLeaf(t, g, gOwned);
        continue;
      }
      if (t.retainsGrad) accumulateLeaf(t, g, false);
      const node = t.gradFn;
      if (node.backward === null) {
        throw new AutogradError('backward', `trying to backward through the graph a second time (op '${node.op}'); its buffers were freed. Pass { retainGraph: true } to the first backward call`);
      }
      checkVersions(node);
      // Lend g's buffer only to ops that promised fresh results (and never under anomaly mode,
      // whose checks read g after the call).
      const lend = gOwned && node.freshGrads === true && !anomalyMode.on;
      const inputGrads = anomalyMode.on ? backwardUnchecked(node.backward, g) : node.backward(g, lend);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (anomalyMode.on) checkBackward(node.op, gi, k, node.inputs, node.scope ?? null);
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError('backward', `op '${node.op}' returned a gradient of shape ${fmtShape(gi.shape)} for input ${k} of shape ${fmtShape(input.shape)}`);
        }
        const fresh = node.freshGrads === true && handedOver(gi, k, inputGrads, node.inputs, lend ? null : g);
        const acc = grads.get(input);
        if (acc === undefined) {
          grads.set(input, gi);
          if (fresh) owned.add(input);
        } else if (owned.has(input) && acc.dtype === gi.dtype) {
          addInto(acc[RAW], gi[RAW]);
        } else if (fresh && acc.dtype === gi.dtype) {
          addInto(gi[RAW], acc[RAW]);
          grads.set(input, gi);
          owned.add(input);
        } else {
          // add() allocates its result, which nothing else can reach.
          grads.set(input, acc.add(gi));
          owned.add(input);
        }
      });
      if (!retain) {
        node.backward = null;
        node.inputs = [];
      }
    }
  } finally {
    gradEnabled = prev;
  }
}

/** Runs one op's backward with the forward checks of the ops it composes switched off. */
function backwardUnchecked(backward: BackwardFn, g: Tensor): readonly (Tensor | null | undefined)[] {
  const prev = anomalyMode.inBackward;
  anomalyMode.inBackward = true;
  try {
    return backward(g);
  } finally {
    anomalyMode.inBackward = prev;
  }
}

/**
 * Throws when an input of `node` was changed in place since the op ran (an optimizer step, an init
 * fill, loadStateDict): its backward would read the new values and return a wrong gradient.
 */
function checkVersions(node: GradNode): void {
  const { versions } = node;
  if (versions === undefined) return;
  node.inputs.forEach((t, k) => {
    if (t.version !== versions[k]) {
      throw new AutogradError('backward', `input ${k} (shape ${fmtShape(t.shape)}) of op '${node.op}' was modified in place after the op ran (version ${versions[k]}, now ${t.version}), so its gradient would be computed from the new values; run the forward pass again after an optimizer step, init fill or loadStateDict`);
    }
  });
}

/** Tensors reachable from `root` that need a gradient, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] >= inputs.length) {
      stack.pop();
      order.push(top[0]);
      continue;
    }
    const child = inputs[top[1]++];
    if (child.requiresGrad && !visited.has(child)) {
      visited.add(child);
      stack.push([child, 0]);
    }
  }
  return order;
}

/**
 * Whether `gi`, the gradient a `freshGrads` op returned for its input `k`, may be handed on without
 * a copy: its memory must not overlap another returned gradient's, an input's, or (when `g` is
 * given, i.e. the incoming gradient was not lent) the incoming gradient's.
 */
function handedOver(gi: Tensor, k: number, grads: readonly (Tensor | null | undefined)[], inputs: readonly Tensor[], g: Tensor | null): boolean {
  if (g !== null && overlaps(g[RAW], gi[RAW])) return false;
  for (let j = 0; j < grads.length; j++) {
    const o = grads[j];
    if (j !== k && o !== null && o !== undefined && overlaps(o[RAW], gi[RAW])) return false;
  }
  return inputs.every((x) => !overlaps(x[RAW], gi[RAW]));
}

/**
 * Whether two arrays share memory: the same buffer and overlapping bytes. Byte ranges, not just
 * buffers, because pinned arrays (a parameter and its gradient, see gradStorage) are disjoint
 * blocks of one buffer, the backend's memory.
 */
function overlaps(a: TypedArray, b: TypedArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * `dst[i] += src[i]` over equally long arrays of one dtype: a residual block's input gradient (the
 * sum of its two paths' gradients) on every ResNet step, summed by the kernels (in the module, on
 * both threads, for big float32 arrays; the same sums as a float32 loop).
 */
function addInto(dst: TypedArray, src: TypedArray): void {
  kernels().add(dst, src, dst);
}

/**
 * Adds `g` into `t.grad`, always into memory the leaf owns: a gradient may be shared by two inputs
 * or be a view of user data, so it is copied unless the engine `owned` it (see record()), in which
 * case the leaf takes the buffer over (the copy was 45 MB per step on ResNet-18).
 */
function accumulateLeaf(t: Tensor, g: Tensor, owned: boolean): void {
  const gd = g.dtype === t.dtype ? g : g.to(t.dtype);
  const acc = readGrad(t);
  if (acc === null) {
    // The buffer is the gradient's alone: the whole of a plain one, or a pinned block (gradStorage).
    const a = gd[RAW];
    const whole = a.length === t.size && (isPinned(a) || (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength));
    // A new tensor over memory nothing else holds: not handed out until someone reads `t.grad`.
    adoptGrad(t, new Tensor((owned || gd !== g) && whole ? a : a.slice(), t.shape));
  } else {
    addInto(acc[RAW], gd[RAW]);
  }
}

/** What a custom op's `forward` and `backward` share (like PyTorch's `ctx`). */
export interface OpContext {
  /** Saves tensors for backward. */
  save(...tensors: Tensor[]): void;
  /** The tensors passed to {@link OpContext.save}. */
  readonly saved: readonly Tensor[];
  /** For each input, whether a gradient for it is wanted (skip work for the others). */
  readonly needsInputGrad: readonly boolean[];
  /** Free-form storage for non-tensor values (shapes, options). */
  readonly values: Record<string, unknown>;
}

/** The definition of a user op: see {@link defineOp}. */
export interface OpDefinition<Args extends Tensor[]> {
  /** The op's name, used in errors and in `gradFn.op`. */
  name: string;
  /** Computes the output (runs without recording a graph). */
  forward(ctx: OpContext, ...inputs: Args): Tensor;
  /** Returns one gradient (or null) per input, given the gradient of the output. */
  backward(ctx: OpContext, grad: Tensor): readonly (Tensor | null | undefined)[];
}

/**
 * Defines a differentiable op from a forward and a backward function, like `torch.autograd.Function`.
 * The returned function records itself in the graph like any built-in op.
 *
 * @example
 * const cube = defineOp({
 *   name: 'cube',
 *   forward(ctx, x) { ctx.save(x); return x.mul(x).mul(x); },
 *   backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x.mul(x)).mul(3)]; },
 * });
 * cube(sg.tensor([2], { requiresGrad: true })).sum().backward();   // grad 12
 */
export function defineOp<Args extends Tensor[]>(def: OpDefinition<Args>): (...inputs: Args) => Tensor {
  return (...inputs: Args): Tensor => {
    const saved: Tensor[] = [];
    const ctx: OpContext = {
      save: (...ts) => { saved.push(...ts); },
      saved,
      needsInputGrad: inputs.map((t) => t.requiresGrad),
      values: {},
    };
    const out = noGrad(() => def.forward(ctx, ...inputs));
    if (!(out instanceof Tensor)) throw new AutogradError(def.name, 'forward must return a Tensor');
    // A new tensor over the forward's result (sharing its memory and version counter), so the graph
    // never attaches to a tensor someone else holds: forward may return an input as is, which must
    // stay what it was (a leaf that does not require grad, say), as PyTorch's custom Functions
    // return a new tensor there too.
    const result = out.detach();
    const versions = saved.map((t) => t.version);
    return record(def.name, result, inputs, (g) => {
      // The inputs are checked by the engine; tensors saved besides them (e.g. the output) here.
      saved.forEach((t, k) => {
        if (t.version !== versions[k]) {
          throw new AutogradError('backward', `saved tensor ${k} (shape ${fmtShape(t.shape)}) of op '${def.name}' was modified in place after the op ran (version ${versions[k]}, now ${t.version})`);
        }
      });
      return def.backward(ctx, g);
    });
  };
}
