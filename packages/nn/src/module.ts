/**
 * `Module`, the base class of every layer and model. A module finds its parameters and child
 * modules by walking its own fields in the order they were assigned (class fields are assigned in
 * declaration order), so there is no registration call to forget, and it names them the way
 * PyTorch does (`conv1.weight`, `layers.0.bias`): those names are the state-dict keys, so
 * checkpoints cross to and from PyTorch.
 */
import { ArgumentError, Tensor, checkBoolean, checkKnownOptions, fmtShape, fmtValue, optionNames, readGrad, releaseGrad, sameShape } from '@simplegrad/core';
import { isAnomalyEnabled, popAnomalyScope, pushAnomalyScope } from '@simplegrad/core';
import type { DType } from '@simplegrad/core';
import { Parameter } from './parameter.js';
import { StateDictError, type ShapeMismatch } from './errors.js';
import { summary } from './summary.js';

/**
 * A model's state: parameters and persistent buffers under their dotted PyTorch names, in
 * registration order. The tensors share memory with the module (as PyTorch's `state_dict()`
 * does): clone them for a snapshot that later training must not change.
 */
export type StateDict = Map<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches are errors either way. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} returns: the keys that did not match (empty when strict). */
export interface LoadStateDictResult {
  /** Keys of the model that the state dict did not provide. */
  missingKeys: string[];
  /** Keys of the state dict that the model does not have. */
  unexpectedKeys: string[];
}

const LOAD_OPTIONS = optionNames<LoadStateDictOptions>({ strict: true });

/**
 * Throws unless every value of a float tensor bound for an int32 buffer (e.g. BatchNorm's
 * `num_batches_tracked`) is an integer int32 can hold: `Int32Array.set` would silently wrap 3e9 to
 * a negative count and turn NaN into 0.
 */
function checkInt32Values(key: string, value: Tensor): void {
  const d = value.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new ArgumentError('loadStateDict', `the value for "${key}" (shape ${fmtShape(value.shape)}) must hold integers in the int32 range for this int32 buffer, but element ${i} is ${v}`);
    }
  }
}

/** What {@link Module.planLoad} returns: the load's outcome, and the copy still to be done. */
export interface LoadPlan {
  /** The keys that did not match (as {@link Module.loadStateDict} returns them). */
  result: LoadStateDictResult;
  /** Copies the values into the module (cannot fail: everything was checked). */
  commit: () => void;
}

/** Options of {@link Module.registerBuffer}. */
export interface BufferOptions {
  /** Whether the buffer is part of the state dict (default true). */
  persistent?: boolean;
}

/** Options of the `named*` walks. */
export interface NamedOptions {
  /** A prefix for every name (default none). */
  prefix?: string;
  /** Include descendants' members (default true); false lists only this module's own. */
  recurse?: boolean;
  /** List a member reachable under two names once, under the first (default true). */
  removeDuplicate?: boolean;
}

/** Called after a module's forward with its inputs and output; a returned value replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/**
 * Called before a module's forward with its inputs; a returned array replaces the inputs (a single
 * non-array value replaces them with `[value]`).
 */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;

/** Returned by the hook registrations: call `remove()` to unregister. */
export interface HookHandle {
  /** Unregisters the hook (idempotent). */
  remove(): void;
}

/** Options of {@link Module.summary}. */
export interface SummaryOptions {
  /** dtype of the zero input (default float32). */
  dtype?: DType;
}

/** Per-module bookkeeping kept off the instance, so that the field walk and `console.log` see only user fields. */
interface Internals {
  buffers: Map<string, { tensor: Tensor | null; persistent: boolean }>;
  preHooks: Map<number, ForwardPreHook>;
  hooks: Map<number, ForwardHook>;
  /** The own `forward` descriptor that the hook wrapper shadows (null: the prototype's). */
  shadowed?: { own: PropertyDescriptor | undefined };
}

const internalsOf = new WeakMap<Module, Internals>();
let nextHookId = 0;

function internals(m: Module): Internals {
  let st = internalsOf.get(m);
  if (st === undefined) {
    st = { buffers: new Map(), preHooks: new Map(), hooks: new Map() };
    internalsOf.set(m, st);
  }
  return st;
}

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/**
 * A module's own parameters and child modules, in field order (no descendants, no dedupe): the
 * one field walk behind registration, the named walks, state dicts and the containers.
 */
export function ownMembers(m: Module): { params: [string, Parameter][]; modules: [string, Module][] } {
  const params: [string, Parameter][] = [];
  const modules: [string, Module][] = [];
  for (const key of Object.keys(m)) {
    const v = (m as unknown as Record<string, unknown>)[key];
    if (v instanceof Parameter) params.push([key, v]);
    else if (v instanceof Module) modules.push([key, v]);
  }
  return { params, modules };
}

/** The modules whose forward is running, outermost first, with their paths (only under anomaly detection). */
const forwardStack: { module: Module; path: string }[] = [];
/** Prototypes whose `forward` is already wrapped by {@link wrapForwards}. */
const wrappedPrototypes = new WeakSet<object>();

/**
 * Wraps the `forward` of `proto` and of its ancestors up to Module, once per class, so that under
 * anomaly detection each forward runs inside a scope named by its module path
 * (`Net.features.0 (Conv2d)`), which an AnomalyError then names. The prototype (not the instance)
 * is wrapped, so instances stay plain; with detection off the wrapper only tests a flag.
 */
function wrapForwards(proto: object): void {
  for (let p: object | null = proto; p !== null && p !== Module.prototype && !wrappedPrototypes.has(p); p = Object.getPrototypeOf(p) as object | null) {
    wrappedPrototypes.add(p);
    const desc = Object.getOwnPropertyDescriptor(p, 'forward');
    if (desc === undefined || typeof desc.value !== 'function') continue;
    const inner = desc.value as (...args: unknown[]) => unknown;
    const forward = function forward(this: Module, ...args: unknown[]): unknown {
      return isAnomalyEnabled() ? scopedForward(this, inner, args) : inner.apply(this, args);
    };
    Object.defineProperty(p, 'forward', { ...desc, value: forward });
  }
}

function scopedForward(m: Module, inner: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const top = forwardStack[forwardStack.length - 1];
  // `super.forward(x)` inside a subclass's forward: the same module, the same scope.
  if (top?.module === m) return inner.apply(m, args);
  const path = top === undefined ? m.constructor.name : `${top.path}.${childName(top.module, m)}`;
  forwardStack.push({ module: m, path });
  pushAnomalyScope(top === undefined ? path : `${path} (${m.constructor.name})`);
  try {
    return inner.apply(m, args);
  } finally {
    forwardStack.pop();
    popAnomalyScope();
  }
}

/** `child`'s name under `parent`: a direct field, else a dotted path to a descendant, else its class in brackets. */
function childName(parent: Module, child: Module): string {
  for (const [k, c] of ownMembers(parent).modules) if (c === child) return k;
  for (const [k, c] of parent.namedModules()) if (c === child) return k;
  return `<${child.constructor.name}>`;
}

/** A value's kind for error messages: its class name, or `null` / its typeof. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/**
 * Base class of layers and models (PyTorch's `nn.Module`).
 *
 * Assign `Parameter`s and child modules to fields and they register themselves, in declaration
 * order, under their field names; children's members get dotted names. Plain tensors are not
 * state: use {@link Module.registerBuffer} for tensors that should be saved but not trained (e.g.
 * BatchNorm's running statistics). Arrays of modules are not walked: use `ModuleList`.
 * Integer-like names (`'0'`, `'1'`, as `Sequential` uses) come first in ascending order, as
 * JavaScript orders such keys.
 *
 * JavaScript objects are not callable: run a module with `module.forward(x)`.
 *
 * @example
 * class Net extends Module {
 *   conv1 = new Conv2d(1, 8, 3);                 // conv1.weight [8, 1, 3, 3], conv1.bias [8]
 *   fc = new Linear(8 * 26 * 26, 10);            // fc.weight [10, 5408], fc.bias [10]
 *   forward(x: Tensor): Tensor { return this.fc.forward(sg.flatten(sg.relu(this.conv1.forward(x)), 1)); }
 * }
 * const net = new Net();
 * net.namedParameters().map(([name]) => name);   // ['conv1.weight', 'conv1.bias', 'fc.weight', 'fc.bias']
 */
export abstract class Module {
  /** Training mode (true) or evaluation mode (false): see {@link Module.train}. */
  training = true;

  /** Registers nothing; wraps the class's `forward` once for anomaly detection's module paths. */
  constructor() {
    wrapForwards(new.target.prototype as object);
  }

  /**
   * Runs the module. Subclasses define it with their own signature: a layer takes a Tensor, a loss
   * takes input and target. (The `any` here is what lets each subclass choose its own.)
   *
   * @example
   * new Linear(4, 2).forward(sg.zeros([3, 4])).shape;                 // [3, 2]
   * new MSELoss().forward(sg.zeros([3]), sg.ones([3])).item();        // 1
   */
  abstract forward(...inputs: any[]): any;

  // ---- registration ------------------------------------------------------------------------

  /**
   * Throws unless `name` may be registered as a `kind` (PyTorch's rules): a non-empty name without
   * '.', not already an attribute of another kind. Descriptors are inspected rather than read, so
   * a getter (how layers expose their buffers, e.g. a loss's `weight`) is never run here.
   */
  private checkName(op: string, name: string, kind: 'parameter' | 'module' | 'buffer'): void {
    const where = this.constructor.name;
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ArgumentError(op, `name must be a non-empty string without '.', got ${JSON.stringify(name)} (in ${where})`);
    }
    const isBuffer = internals(this).buffers.has(name);
    if (kind !== 'buffer' && isBuffer) throw new ArgumentError(op, `'${name}' is already a buffer of ${where}`);
    if (isBuffer) return;
    let desc: PropertyDescriptor | undefined;
    for (let o: object | null = this; o !== null && desc === undefined; o = Object.getPrototypeOf(o)) {
      desc = Object.getOwnPropertyDescriptor(o, name);
    }
    if (desc === undefined) return;
    const v: unknown = desc.value;
    const fits = 'value' in desc
      ? kind !== 'buffer' && (v === undefined || v === null || (kind === 'parameter' ? v instanceof Parameter : v instanceof Module))
      : kind === 'buffer';
    if (!fits) throw new ArgumentError(op, `attribute '${name}' already exists on ${where} and is not a ${kind}`);
  }

  /**
   * Registers `param` under a name chosen at run time (a field assignment does the same for
   * names known when writing the class). `null` leaves the slot empty, like PyTorch's `None`.
   *
   * @example
   * for (let i = 0; i < 3; i++) this.registerParameter(`w${i}`, new Parameter(sg.zeros([4])));
   */
  registerParameter(name: string, param: Parameter | null): void {
    this.checkName('registerParameter', name, 'parameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new ArgumentError('registerParameter', `'${name}' must be a Parameter or null, got ${describe(param)} (in ${this.constructor.name}); wrap a tensor with new Parameter(t)`);
    }
    Object.defineProperty(this, name, { value: param, enumerable: true, writable: true, configurable: true });
  }

  /**
   * Registers a child module under a name chosen at run time.
   *
   * @example
   * blocks.forEach((b, i) => this.registerModule(`block${i}`, b));
   */
  registerModule(name: string, module: Module | null): void {
    this.checkName('registerModule', name, 'module');
    if (module !== null && !(module instanceof Module)) {
      throw new ArgumentError('registerModule', `'${name}' must be a Module or null, got ${describe(module)} (in ${this.constructor.name})`);
    }
    Object.defineProperty(this, name, { value: module, enumerable: true, writable: true, configurable: true });
  }

  /**
   * Registers a tensor that is state but not a parameter (not trained), e.g. running statistics.
   * Persistent buffers are saved in the state dict; registering the name again replaces the tensor
   * in place of the old one's position. `null` declares the slot without a value (not saved).
   *
   * @example
   * this.registerBuffer('running_mean', sg.zeros([c]));
   * this.getBuffer('running_mean');               // the tensor
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: BufferOptions = {}): Tensor | null {
    this.checkName('registerBuffer', name, 'buffer');
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new ArgumentError('registerBuffer', `buffer '${name}' must be a Tensor or null, got ${describe(tensor)} (in ${this.constructor.name})`);
    }
    internals(this).buffers.set(name, { tensor, persistent: opts.persistent ?? true });
    return tensor;
  }

  /** Resolves a dotted path to a descendant module, throwing a helpful error when a step is missing. */
  private resolvePath(op: string, target: string): [Module, string] {
    // A module's own parameter or buffer (batch norm reads its running statistics every call).
    if (!target.includes('.')) return [this, target];
    const parts = target.split('.');
    const last = parts.pop() as string;
    let m: Module = this;
    let walked = '';
    for (const p of parts) {
      const next = (m as unknown as Record<string, unknown>)[p];
      if (!(next instanceof Module)) {
        throw new ArgumentError(op, `${m.constructor.name}${walked === '' ? '' : ` at '${walked}'`} has no submodule '${p}' (looking up '${target}')`);
      }
      walked = join(walked, p);
      m = next;
    }
    return [m, last];
  }

  /**
   * The descendant module at a dotted path (`''` is this module).
   *
   * @example
   * model.getSubmodule('features.0');             // the first layer of a Sequential field
   */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    const [m, last] = this.resolvePath('getSubmodule', target);
    const v = (m as unknown as Record<string, unknown>)[last];
    if (!(v instanceof Module)) throw new ArgumentError('getSubmodule', `${m.constructor.name} has no submodule '${last}' (looking up '${target}')`);
    return v;
  }

  /**
   * The parameter at a dotted path.
   *
   * @example
   * model.getParameter('fc.weight').shape;        // [10, 5408]
   */
  getParameter(target: string): Parameter {
    const [m, last] = this.resolvePath('getParameter', target);
    const v = (m as unknown as Record<string, unknown>)[last];
    if (!(v instanceof Parameter)) throw new ArgumentError('getParameter', `${m.constructor.name} has no parameter '${last}' (looking up '${target}')`);
    return v;
  }

  /**
   * The buffer at a dotted path (null if registered as null).
   *
   * @example
   * model.getBuffer('bn.running_mean');
   */
  getBuffer(target: string): Tensor | null {
    const [m, last] = this.resolvePath('getBuffer', target);
    const entry = internals(m).buffers.get(last);
    if (entry === undefined) throw new ArgumentError('getBuffer', `${m.constructor.name} has no buffer '${last}' (looking up '${target}')`);
    return entry.tensor;
  }

  // ---- walks -------------------------------------------------------------------------------

  /**
   * This module and its descendants in pre-order, with dotted names (`''` for this module).
   * A module reachable twice is listed once unless `removeDuplicate` is false.
   *
   * @example
   * model.namedModules().map(([n, m]) => `${n}: ${m.constructor.name}`);   // [': Net', 'conv1: Conv2d', ...]
   */
  namedModules(opts: Omit<NamedOptions, 'recurse'> = {}): [string, Module][] {
    const removeDuplicate = opts.removeDuplicate ?? true;
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    const path = new Set<Module>();
    // `path` (the modules on the current branch) stops cycles even when duplicates are listed.
    const visit = (m: Module, name: string): void => {
      if (removeDuplicate) {
        if (memo.has(m)) return;
        memo.add(m);
      }
      out.push([name, m]);
      path.add(m);
      for (const [key, child] of ownMembers(m).modules) {
        if (!path.has(child)) visit(child, join(name, key));
      }
      path.delete(m);
    };
    visit(this, opts.prefix ?? '');
    return out;
  }

  /**
   * This module and its descendants (pre-order, each once).
   *
   * @example
   * model.modules().filter((m) => m instanceof Conv2d).length;
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The direct children with their field names (each once).
   *
   * @example
   * seq.namedChildren();                          // [['0', Conv2d], ['1', ReLU]]
   */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [k, m] of ownMembers(this).modules) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([k, m]);
    }
    return out;
  }

  /**
   * The direct child modules.
   *
   * @example
   * for (const child of model.children()) console.log(child.constructor.name);
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private namedMembers<T>(opts: NamedOptions, own: (m: Module) => [string, T | null][]): [string, T][] {
    const removeDuplicate = opts.removeDuplicate ?? true;
    const prefix = opts.prefix ?? '';
    const mods: [string, Module][] = opts.recurse === false ? [[prefix, this]] : this.namedModules({ prefix, removeDuplicate });
    const memo = new Set<T>();
    const out: [string, T][] = [];
    for (const [mp, m] of mods) {
      for (const [k, v] of own(m)) {
        if (v === null || memo.has(v)) continue;
        if (removeDuplicate) memo.add(v);
        out.push([join(mp, k), v]);
      }
    }
    return out;
  }

  /**
   * Parameters with their dotted names: this module's own (in field order), then each child's,
   * depth-first, exactly PyTorch's order. A shared parameter appears once, under its first name.
   *
   * @example
   * new Linear(3, 2).namedParameters().map(([n, p]) => `${n} ${p.shape}`);   // ['weight 2,3', 'bias 2']
   */
  namedParameters(opts: NamedOptions = {}): [string, Parameter][] {
    return this.namedMembers(opts, (m) => ownMembers(m).params);
  }

  /**
   * All parameters (each once), e.g. for an optimizer.
   *
   * @example
   * const opt = new SGD(model.parameters(), { lr: 0.1 });
   */
  parameters(opts: Omit<NamedOptions, 'prefix'> = {}): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /**
   * Buffers (persistent or not, skipping null ones) with their dotted names.
   *
   * @example
   * bn.namedBuffers().map(([n]) => n);            // ['running_mean', 'running_var', 'num_batches_tracked']
   */
  namedBuffers(opts: NamedOptions = {}): [string, Tensor][] {
    return this.namedMembers(opts, (m) => [...internals(m).buffers].map(([k, b]) => [k, b.tensor] as [string, Tensor | null]));
  }

  /**
   * All buffers.
   *
   * @example
   * model.buffers().length;
   */
  buffers(opts: Omit<NamedOptions, 'prefix'> = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  // ---- modes and gradients -----------------------------------------------------------------

  /**
   * Sets training mode (`true`, the default) or evaluation mode on this module and every
   * descendant; layers such as Dropout and BatchNorm2d behave differently in each. Returns `this`.
   *
   * @example
   * model.train();   // dropout active, batch statistics
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError('train', `mode must be a boolean, got ${describe(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Evaluation mode: `train(false)`. Returns `this`.
   *
   * @example
   * model.eval();    // dropout off, BatchNorm uses running statistics
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of all parameters: to null (PyTorch's default; a gradient nobody read
   * gives its memory to the next step's, see `releaseGrad`) or, with `setToNone: false`, to zeros.
   *
   * @example
   * model.zeroGrad(); loss.backward();
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (opts.setToNone === false) readGrad(p)?.data.fill(0);
      else releaseGrad(p);
    }
  }

  /**
   * Sets `requiresGrad` on every parameter (false freezes the module). Returns `this`.
   *
   * @example
   * model.features.requiresGrad_(false);          // fine-tune only the head
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Calls `fn` on every descendant and then on this module (children first, as PyTorch does),
   * e.g. for custom initialisation. Returns `this`.
   *
   * @example
   * model.apply((m) => { if (m instanceof Linear) init.xavierUniform_(m.weight); });
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- state dicts -------------------------------------------------------------------------

  /**
   * Every state-dict key with the live tensor behind it: per module in pre-order, its parameters,
   * then its persistent buffers. Modules are not deduplicated, so a shared layer is saved under
   * every name it has, as in PyTorch.
   */
  private stateEntries(): [string, Tensor][] {
    return this.namedModules({ removeDuplicate: false }).flatMap(([name, m]) => {
      const out: [string, Tensor][] = ownMembers(m).params.map(([k, p]) => [join(name, k), p]);
      for (const [k, b] of internals(m).buffers) {
        if (b.persistent && b.tensor !== null) out.push([join(name, k), b.tensor]);
      }
      return out;
    });
  }

  /**
   * The parameters and persistent buffers under their dotted PyTorch names, as an ordered `Map`
   * (see {@link StateDict}). The tensors share memory with the module. A parameter shared by two
   * layers appears under both names, as in PyTorch.
   *
   * @example
   * const bytes = saveSafetensors(model.stateDict());
   * [...new Linear(3, 2).stateDict().keys()];      // ['weight', 'bias']
   */
  stateDict(): StateDict {
    return new Map(this.stateEntries().map(([k, t]) => [k, t.detach()]));
  }

  /**
   * Copies a state dict's tensors into this module's parameters and buffers, in place, so that an
   * optimizer holding the parameters keeps working. Nothing is copied unless everything fits: every
   * shape mismatch (and, when `strict`, every missing and unexpected key) is reported in one
   * {@link StateDictError}. Values are converted to each target's dtype.
   *
   * @example
   * model.loadStateDict(loadSafetensors(bytes));
   * const { missingKeys } = model.loadStateDict(partial, { strict: false });
   */
  loadStateDict(stateDict: StateDict | Readonly<Record<string, Tensor>>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const { result, commit } = this.planLoad(stateDict, opts);
    commit();
    return result;
  }

  /**
   * Validates `stateDict` against this module completely (throwing as {@link Module.loadStateDict}
   * does) without changing anything; `commit()` then copies. Lets a checkpoint check every part
   * before it changes any.
   *
   * @example
   * const { result, commit } = model.planLoad(sd);   // throws here if sd does not fit
   * commit();                                         // copies, cannot fail
   */
  planLoad(stateDict: StateDict | Readonly<Record<string, Tensor>>, opts: LoadStateDictOptions = {}): LoadPlan {
    const op = 'loadStateDict';
    checkKnownOptions(op, opts, LOAD_OPTIONS);
    const strict = opts.strict === undefined ? true : checkBoolean(op, 'strict', opts.strict);
    if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || stateDict instanceof Tensor) {
      throw new ArgumentError(op, `expects a state dict (a Map or an object of tensors by key), got ${fmtValue(stateDict)}`);
    }
    const source: Map<string, unknown> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const targets = new Map(this.stateEntries());
    const missingKeys = [...targets.keys()].filter((k) => !source.has(k));
    const unexpectedKeys = [...source.keys()].filter((k) => !targets.has(k));
    const mismatches: ShapeMismatch[] = [];
    const copies: [Tensor, Tensor][] = [];
    for (const [key, target] of targets) {
      // `has`, not `get() === undefined`: a key present with the value undefined is a bad value, not a missing key.
      if (!source.has(key)) continue;
      const value = source.get(key);
      if (!(value instanceof Tensor)) {
        throw new ArgumentError(op, `the value for "${key}" is not a Tensor (got ${value === null ? 'null' : typeof value})`);
      }
      if (!sameShape(value.shape, target.shape)) {
        mismatches.push({ key, expected: target.shape, got: value.shape });
        continue;
      }
      if (target.dtype === 'int32' && value.dtype !== 'int32') checkInt32Values(key, value);
      copies.push([target, value]);
    }
    if (mismatches.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      throw new StateDictError(this.constructor.name, strict ? missingKeys : [], strict ? unexpectedKeys : [], mismatches);
    }
    const commit = (): void => {
      for (const [target, value] of copies) {
        target.data.set(value.data);
        target.bumpVersion();
      }
    };
    return { result: { missingKeys, unexpectedKeys }, commit };
  }

  // ---- hooks -------------------------------------------------------------------------------

  /** Shadows `forward` on this instance with a wrapper that runs the hooks (only while any are registered). */
  private updateForwardWrapper(): void {
    const st = internals(this);
    const active = st.preHooks.size + st.hooks.size > 0;
    const self = this as unknown as { forward: (...args: unknown[]) => unknown };
    if (active && st.shadowed === undefined) {
      const own = Object.getOwnPropertyDescriptor(this, 'forward');
      const inner = self.forward;
      st.shadowed = { own };
      Object.defineProperty(this, 'forward', {
        configurable: true,
        writable: true,
        enumerable: false,
        value: (...args: unknown[]): unknown => {
          for (const h of [...st.preHooks.values()]) {
            const r: unknown = h(this, args);
            // As in PyTorch, a single returned value stands for a one-element argument list.
            if (r !== undefined) args = Array.isArray(r) ? r : [r];
          }
          let out = inner.apply(this, args);
          for (const h of [...st.hooks.values()]) {
            const r = h(this, args, out);
            if (r !== undefined) out = r;
          }
          return out;
        },
      });
    } else if (!active && st.shadowed !== undefined) {
      const own = st.shadowed.own;
      st.shadowed = undefined;
      if (own === undefined) delete (self as { forward?: unknown }).forward;
      else Object.defineProperty(this, 'forward', own);
    }
  }

  private addHook<H>(map: Map<number, H>, hook: H): HookHandle {
    const id = nextHookId++;
    map.set(id, hook);
    this.updateForwardWrapper();
    return {
      remove: () => {
        if (map.delete(id)) this.updateForwardWrapper();
      },
    };
  }

  /**
   * Registers `hook(module, inputs, output)` to run after every `forward` of this module (however
   * it is called); returning a value replaces the output. Used by {@link Module.summary}.
   *
   * @example
   * const h = model.conv1.registerForwardHook((_m, _in, out) => console.log((out as Tensor).shape));
   * model.forward(x); h.remove();
   */
  registerForwardHook(hook: ForwardHook): HookHandle {
    return this.addHook(internals(this).hooks, hook);
  }

  /**
   * Registers `hook(module, inputs)` to run before every `forward`; returning an array replaces
   * the inputs.
   *
   * @example
   * layer.registerForwardPreHook((_m, [x]) => [(x as Tensor).mul(2)]);
   */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    return this.addHook(internals(this).preHooks, hook);
  }

  // ---- display -----------------------------------------------------------------------------

  /**
   * A table of the modules a forward pass runs through: dotted name, type, output shape and
   * parameter count, then total / trainable / non-trainable parameter counts. It runs one forward
   * on zeros of `inputShape` (include the batch dimension) in eval mode without gradients, and
   * restores every module's mode afterwards, so it has no side effects.
   *
   * @example
   * console.log(model.summary([1, 1, 28, 28]));
   */
  summary(inputShape: readonly number[], opts: SummaryOptions = {}): string {
    return summary(this, inputShape, opts);
  }

  /**
   * The layer's settings for {@link Module.toString}, e.g. `'3, 2, bias=true'`. Override in
   * layers.
   *
   * @example
   * override extraRepr() { return `p=${this.p}`; }
   */
  extraRepr(): string {
    return '';
  }

  /**
   * A PyTorch-style nested description of the module tree.
   *
   * @example
   * String(new Sequential(new Linear(2, 3), new ReLU()));
   * // Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n)
   */
  toString(): string {
    const children = ownMembers(this).modules;
    const name = this.constructor.name;
    if (children.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = children.map(([k, m]) => `  (${k}): ${String(m).split('\n').join('\n  ')}`);
    const extra = this.extraRepr();
    return `${name}(${extra === '' ? '' : `\n  ${extra}`}\n${lines.join('\n')}\n)`;
  }
}
