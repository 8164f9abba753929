/**
 * The optimizer base class: parameter groups with per-group hyperparameters, per-parameter state,
 * `zeroGrad`, and state dicts in PyTorch's layout. Subclasses only say how one group is updated,
 * which hyperparameters are valid, and how their per-parameter state is read back from a state dict.
 */
import { ArgumentError, ShapeError, Tensor, allocatePinned, fmtShape, readGrad, releaseGrad, sameShape } from '@simplegrad/core';
import type { FloatArray } from '@simplegrad/core';
import { checkNonNegative, fmtValue } from '@simplegrad/core';

/** Hyperparameters every optimizer has: the learning rate, which schedulers rewrite. */
export interface Hyperparameters {
  /** Learning rate. */
  lr: number;
}

/**
 * A parameter group as the optimizer holds it: its parameters plus every hyperparameter resolved
 * (group overrides over the optimizer's defaults). Mutable: schedulers write `lr`.
 */
export type ParamGroup<H extends Hyperparameters = Hyperparameters> = H & {
  /** The parameters this group updates, in the order given. */
  params: Tensor[];
  /** The lr when the first scheduler was attached (PyTorch's `initial_lr`); set by schedulers. */
  initialLr?: number;
};

/** A parameter group as passed to a constructor: parameters plus overrides of the defaults. */
export type ParamGroupInput<H extends Hyperparameters = Hyperparameters> = Partial<H> & {
  /** One tensor or an ordered collection of them (a `Set` keeps insertion order, so it is allowed). */
  params: Tensor | Iterable<Tensor>;
  /** See {@link ParamGroup.initialLr}. */
  initialLr?: number;
};

/** What optimizers accept: parameters (one group) or parameter groups with their own options. */
export type ParamsInput<H extends Hyperparameters = Hyperparameters> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** One entry of per-parameter optimizer state: a counter, a buffer in the parameter's dtype, or nothing. */
export type StateValue = number | FloatArray | null;

/** Per-parameter optimizer state, e.g. Adam's `{ step, expAvg, expAvgSq, maxExpAvgSq }`. */
export type ParamState = Record<string, StateValue>;

/** A state value as a state dict stores it: buffers become plain number arrays (JSON-ready). */
export type SavedStateValue = number | number[] | null;

/** A state value as {@link Optimizer.loadStateDict} accepts it: number arrays or typed arrays. */
export type LoadableStateValue = number | ArrayLike<number> | null;

/** A parameter group in a state dict: the hyperparameters, and parameter indices instead of tensors. */
export type SavedParamGroup = { params: number[] } & Record<string, unknown>;

/**
 * An optimizer's state in PyTorch's layout. Parameters are numbered across groups in order
 * (group 0's first parameter is 0); `state` holds entries only for parameters that were updated.
 * Plain data: `JSON.stringify` it and `JSON.parse` it back to resume bit-identically.
 */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by parameter index. */
  state: Record<number, Record<string, SavedStateValue>>;
  /** Every group's hyperparameters with its parameter indices. */
  paramGroups: SavedParamGroup[];
}

/** The input of {@link Optimizer.loadStateDict}: a state dict, possibly round-tripped through JSON. */
export interface LoadableStateDict {
  /** Per-parameter state keyed by index (string keys after JSON). */
  state: Record<number | string, Record<string, LoadableStateValue>>;
  /** Group hyperparameters and parameter indices. */
  paramGroups: ReadonlyArray<{ params: readonly number[] } & Record<string, unknown>>;
}

/** ` (param group 1)`, appended to messages about a group's options; empty for the defaults. */
export function groupSuffix(index: number | null): string {
  return index === null ? '' : ` (param group ${index})`;
}

/** Whether a gradient's data is a float array, as the optimizer kernels take (it is unless set by hand to an int tensor). */
export function isFloat(g: ArrayLike<number>): g is FloatArray {
  return g instanceof Float32Array || g instanceof Float64Array;
}

/**
 * A zero-filled buffer of the same dtype and length as `x` (torch's `zeros_like`), in pinned storage
 * (`allocatePinned`: the wasm kernels update optimizer state in place, no copies each step).
 */
export function zerosLike(x: FloatArray): FloatArray {
  return allocatePinned(x instanceof Float64Array ? 'float64' : 'float32', x.length) as FloatArray;
}

/**
 * Base class of the optimizers. A subclass implements {@link Optimizer.updateGroup} (one step for
 * one group, plain loops over `param.data`, no autograd), {@link Optimizer.validateGroup} and
 * {@link Optimizer.loadParamState}.
 *
 * Parameters whose `grad` is null are skipped: they get no update and no state, as in PyTorch, so
 * frozen layers can stay in the optimizer.
 */
export abstract class Optimizer<H extends Hyperparameters = Hyperparameters, S extends ParamState = ParamState> {
  /** The class name used in error messages, e.g. `'Adam'`. */
  readonly name: string;
  /** The options given to the constructor with defaults filled in; groups fall back to them. */
  readonly defaults: H;
  /** The parameter groups. Each is mutable: change `lr` (schedulers do) or other options between steps. */
  readonly paramGroups: Array<ParamGroup<H>> = [];
  /** Per-parameter state (momentum buffers, moment estimates...), created on a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  /**
   * @param name class name for error messages.
   * @param params tensors, or parameter groups `{ params, ...overrides }`.
   * @param defaults fully resolved hyperparameters.
   */
  protected constructor(name: string, params: ParamsInput<H>, defaults: H) {
    this.name = name;
    this.validateGroup(defaults, null);
    this.defaults = defaults;
    if (!isIterable(params)) {
      throw new ArgumentError(name, `params must be an iterable of tensors or of parameter groups, got ${fmtValue(params)}`);
    }
    const items: Array<Tensor | ParamGroupInput<H>> = [...params];
    if (items.length === 0) throw new ArgumentError(name, 'optimizer got an empty parameter list');
    if (items.every((p) => p instanceof Tensor)) {
      this.pushGroup(items, {});
    } else if (items.some((p) => p instanceof Tensor)) {
      throw new ArgumentError(name, 'params mixes tensors and parameter groups; pass either tensors or groups `{ params, ...options }`');
    } else {
      for (const g of items as Array<ParamGroupInput<H>>) this.addParamGroup(g);
    }
  }

  /**
   * Adds a parameter group (e.g. layers unfrozen during fine-tuning). Options it does not set come
   * from {@link Optimizer.defaults}. Throws if the group is empty, holds a non-float or non-leaf
   * tensor, or shares a parameter with another group.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (typeof group !== 'object' || group === null || !('params' in group)) {
      throw new ArgumentError(this.name, `a parameter group must be an object with a params field, got ${fmtValue(group)}${groupSuffix(this.paramGroups.length)}`);
    }
    const { params, ...overrides } = group;
    this.pushGroup(params, overrides);
  }

  private pushGroup(raw: unknown, options: object): void {
    const index = this.paramGroups.length;
    const where = groupSuffix(index);
    const params = raw instanceof Tensor ? [raw] : isIterable(raw) ? [...raw] : null;
    if (params === null) throw new ArgumentError(this.name, `params must be a tensor or an iterable of tensors, got ${fmtValue(raw)}${where}`);
    if (params.length === 0) throw new ArgumentError(this.name, `optimizer got an empty parameter list${where}`);
    const tensors: Tensor[] = [];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ArgumentError(this.name, `optimizer can only optimize tensors, but params[${i}] is ${fmtValue(p)}${where}`);
      if (p.dtype === 'int32') throw new ArgumentError(this.name, `optimizer can only optimize floating-point tensors, but params[${i}] is int32${where}`);
      // A computed tensor is rebuilt on every forward pass, so updating it in place would be lost (torch refuses too).
      if (!p.isLeaf && !p.retainsGrad) {
        throw new ArgumentError(this.name, `can't optimize a non-leaf tensor: params[${i}] was computed by an op; pass the leaf tensors it came from, or a detach() of it${where}`);
      }
      if (tensors.includes(p)) throw new ArgumentError(this.name, `params[${i}] appears twice in the same parameter group${where}`);
      tensors.push(p);
      const other = this.paramGroups.findIndex((g) => g.params.includes(p));
      if (other >= 0) throw new ArgumentError(this.name, `some parameters appear in more than one parameter group (params[${i}] of group ${index} is already in group ${other})`);
    });
    const overrides = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, copyValue(v)]),
    ) as Partial<H>;
    const full: ParamGroup<H> = { ...copyAll(this.defaults), ...overrides, params: tensors };
    this.validateGroup(full, index);
    this.paramGroups.push(full);
  }

  /**
   * Performs one optimization step on every group. `closure`, if given, is called first (to
   * re-evaluate the model) and its result returned, as in PyTorch.
   */
  step<T>(closure?: () => T): T | undefined {
    const loss = closure?.();
    for (const group of this.paramGroups) {
      this.updateGroup(group);
      // The update wrote into `param.data`: a graph that saved the old values must refuse to backward.
      for (const p of group.params) if (readGrad(p) !== null) p.bumpVersion();
    }
    return loss;
  }

  /**
   * Clears the gradients of all parameters: sets them to null (the default, as in PyTorch 2 and
   * `Module.zeroGrad`; a gradient nobody read gives its memory to the next step's, see
   * `releaseGrad`), or fills them with zeros in place with `{ setToNone: false }` (PyTorch
   * 1.13's default). A null gradient makes `step()` skip the parameter, while a zero gradient
   * still updates it (weight decay, momentum, Adam's moments all move).
   *
   * @example
   * opt.zeroGrad();                        // grads become null
   * opt.zeroGrad({ setToNone: false });    // grads keep their tensors, filled with 0
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) releaseGrad(p);
        else readGrad(p)?.data.fill(0);
      }
    }
  }

  /**
   * The optimizer's state as plain data (PyTorch's layout, camelCase keys): buffers are copied into
   * number arrays, so the result can go through `JSON.stringify` and later mutations of the
   * optimizer do not reach it.
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, Record<string, SavedStateValue>> = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: SavedParamGroup = { params: [] };
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyValue(v);
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined) {
          state[index] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, saveValue(v)]));
        }
        packed.params.push(index++);
      }
      return packed;
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state dict from {@link Optimizer.stateDict} (or its JSON round trip). The optimizer
   * must have been built with the same group structure; parameters are matched by position, the
   * group hyperparameters (including `lr` and `initialLr`) are replaced by the saved ones, and
   * buffers are copied into the parameters' dtype. Everything is validated before anything changes.
   *
   * To resume training, rebuild the model, the optimizer and its schedulers as at the start, then
   * load all three: building a scheduler rewrites the lrs (its step 0), and loading the optimizer
   * afterwards puts the saved lrs back.
   *
   * @example
   * const saved = JSON.stringify({ opt: opt.stateDict(), sched: sched.stateDict() });
   * // later, with a freshly built model, opt and sched:
   * const { opt: o, sched: s } = JSON.parse(saved);
   * opt.loadStateDict(o); sched.loadStateDict(s);
   */
  loadStateDict(sd: LoadableStateDict): void {
    const saved = sd?.paramGroups;
    if (!Array.isArray(saved) || typeof sd.state !== 'object' || sd.state === null) {
      throw new ArgumentError(this.name, 'loadStateDict expects { state, paramGroups } as returned by stateDict()');
    }
    if (saved.length !== this.paramGroups.length) {
      throw new ArgumentError(this.name, `loaded state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    // Saved index -> current parameter, matching by position as PyTorch does.
    const byIndex = new Map<string, Tensor>();
    const known = ['params', 'initialLr', ...Object.keys(this.defaults)];
    const groups = saved.map((sg: unknown, gi) => {
      if (typeof sg !== 'object' || sg === null || Array.isArray(sg)) {
        throw new ArgumentError(this.name, `loaded parameter group ${gi} must be an object { params, ...hyperparameters }, got ${fmtValue(sg)}`);
      }
      // A misspelled or foreign hyperparameter (another optimizer's `betas`, PyTorch's `weight_decay`) would otherwise be dropped silently.
      for (const k of Object.keys(sg)) {
        if (!known.includes(k)) throw new ArgumentError(this.name, `loaded parameter group ${gi} has unknown hyperparameter ${fmtKey(k)} (known: ${known.join(', ')})`);
      }
      const current = this.paramGroups[gi];
      const params: unknown = (sg as { params?: unknown }).params;
      if (!Array.isArray(params) || params.length !== current.params.length) {
        throw new ArgumentError(this.name, `loaded parameter group ${gi} has ${Array.isArray(params) ? params.length : 'no'} parameters but the optimizer's group has ${current.params.length}`);
      }
      params.forEach((k: unknown, j: number) => {
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || byIndex.has(String(k))) {
          throw new ArgumentError(this.name, `loaded parameter group ${gi} lists parameter index ${fmtValue(k)}, which is not a new integer >= 0`);
        }
        byIndex.set(String(k), current.params[j]);
      });
      const hyper = Object.fromEntries(
        Object.entries(sg).filter(([k]) => k !== 'params').map(([k, v]) => [k, copyValue(v)]),
      ) as Partial<H>;
      const group: ParamGroup<H> = { ...copyAll(this.defaults), ...hyper, params: current.params };
      this.validateGroup(group, gi);
      if (group.initialLr !== undefined) checkNonNegative(this.name, 'initialLr', group.initialLr, groupSuffix(gi));
      return group;
    });
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const param = byIndex.get(key);
      if (param === undefined) throw new ArgumentError(this.name, `loaded state has an entry for parameter ${key}, which no parameter group lists`);
      if (typeof entry !== 'object' || entry === null) throw new ArgumentError(this.name, `loaded state of parameter ${key} must be an object, got ${fmtValue(entry)}`);
      const reader = new StateReader(this.name, key, param, entry);
      state.set(param, this.loadParamState(reader));
      reader.checkAllRead();
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /**
   * The gradient of `param` as a typed array, or null when it has none (the step skips it).
   * Throws when the gradient's shape differs from the parameter's.
   */
  protected gradOf(param: Tensor): ArrayLike<number> | null {
    const grad = readGrad(param);
    if (grad === null) return null;
    if (!sameShape(grad.shape, param.shape)) {
      const gi = this.paramGroups.findIndex((g) => g.params.includes(param));
      const pi = this.paramGroups[gi].params.indexOf(param);
      throw new ShapeError(this.name, `the gradient of params[${pi}] of param group ${gi} has shape ${fmtShape(grad.shape)} but the parameter has shape ${fmtShape(param.shape)}`);
    }
    return grad.data;
  }

  /** Updates every parameter of `group` that has a gradient (one step). */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /**
   * Throws an `ArgumentError` when a hyperparameter is invalid; `index` is the group's index, or
   * null for the constructor's defaults (it goes into the message).
   */
  protected abstract validateGroup(group: H, index: number | null): void;

  /** Rebuilds one parameter's state from a state dict entry, validating it. */
  protected abstract loadParamState(reader: StateReader): S;
}

/**
 * Reads and validates one parameter's entry of a loaded state dict, so subclasses can say
 * `reader.counter('step')` or `reader.buffer('expAvg')` and get clear errors for bad input.
 */
export class StateReader {
  /**
   * @param op the optimizer's name for messages; @param key the parameter's index in the dict;
   * @param param the parameter the state belongs to; @param entry the raw saved state.
   */
  constructor(
    readonly op: string,
    readonly key: string,
    readonly param: Tensor,
    readonly entry: Record<string, LoadableStateValue>,
  ) {}

  /** The fields read so far, by their saved name (camelCase or PyTorch's snake_case). */
  private readonly read = new Set<string>();

  /**
   * The saved value of `name`, under our camelCase name or PyTorch's snake_case one
   * (`momentumBuffer` or `momentum_buffer`), so a state dict converted from PyTorch loads whole.
   */
  private get(name: string): unknown {
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(this.entry, k);
    if (snake !== name && has(name) && has(snake)) {
      throw new ArgumentError(this.op, `loaded state[${this.key}] has both ${name} and ${snake}; keep one`);
    }
    const k = has(snake) ? snake : name;
    this.read.add(k);
    return this.entry[k];
  }

  /**
   * Throws when the entry holds a field the optimizer did not read: dropping it would silently
   * restart that state (e.g. momentum), and a foreign field means another optimizer's state.
   */
  checkAllRead(): void {
    const unknown = Object.keys(this.entry).filter((k) => !this.read.has(k));
    if (unknown.length > 0) {
      throw new ArgumentError(this.op, `loaded state[${this.key}] has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 4).map(fmtKey).join(', ')}${unknown.length > 4 ? ', ...' : ''} (${this.op} keeps: ${[...this.read].join(', ')}); is it another optimizer's state?`);
    }
  }

  /** A non-negative integer counter such as Adam's `step`. */
  counter(name: string): number {
    const v = this.get(name);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ArgumentError(this.op, `loaded state[${this.key}].${name} must be an integer >= 0, got ${fmtValue(v)}`);
    }
    return v;
  }

  /** A buffer with one value per element of the parameter, copied into the parameter's dtype. */
  buffer(name: string): FloatArray {
    const v = this.optionalBuffer(name);
    if (v === null) throw new ArgumentError(this.op, `loaded state[${this.key}].${name} is missing`);
    return v;
  }

  /** Like {@link StateReader.buffer}, but null (or absent) is allowed and returned as null. */
  optionalBuffer(name: string): FloatArray | null {
    const v = this.get(name);
    if (v === null || v === undefined) return null;
    const typed = ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
    if (!typed && !Array.isArray(v)) {
      throw new ArgumentError(this.op, `loaded state[${this.key}].${name} must be an array of numbers, got ${fmtValue(v)}`);
    }
    const values = v as ArrayLike<unknown>;
    const size = this.param.data.length;
    if (values.length !== size) {
      throw new ArgumentError(this.op, `loaded state[${this.key}].${name} has ${values.length} values but parameter ${this.key} (shape ${fmtShape(this.param.shape)}) has ${size}`);
    }
    // `Float32Array.set` would coerce '0.5' to 0.5, null to 0 and true to 1: a corrupted moment, silently.
    if (!typed) {
      for (let i = 0; i < values.length; i++) {
        if (typeof values[i] !== 'number') {
          throw new ArgumentError(this.op, `loaded state[${this.key}].${name}[${i}] must be a number, got ${fmtValue(values[i])}`);
        }
      }
    }
    const out = zerosLike(this.param.data as FloatArray); // the optimizer only holds float tensors
    out.set(values as ArrayLike<number>);
    return out;
  }
}

/** A key from loaded data for a message: quoted and cut short (it may be arbitrarily long). */
function fmtKey(k: string): string {
  return `'${k.length > 64 ? `${k.slice(0, 64)}…` : k}'`;
}

/** True for arrays, Sets, generators...: what `params` arguments may be. */
export function isIterable(x: unknown): x is Iterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.iterator in x;
}

/** Copies arrays (e.g. `betas`) so groups and state dicts never alias each other's arrays. */
function copyValue<V>(v: V): V {
  return (Array.isArray(v) ? [...v] : v) as V;
}

/** A shallow copy of `h` whose array values are copied too. */
function copyAll<T extends object>(h: T): T {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, copyValue(v)])) as T;
}

function saveValue(v: StateValue): SavedStateValue {
  return typeof v === 'number' || v === null ? v : Array.from(v);
}
