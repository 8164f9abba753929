/** Containers: `Sequential` (a pipeline) and `ModuleList` (an indexable list of registered modules). */
import { ArgumentError, Tensor } from '@simplegrad/core';
import { runFused } from './fusion.js';
import { Module, ownMembers } from '../module.js';

/**
 * Modules held as own fields, in order: named `'0'`, `'1'`, ... (or, for a `Sequential` built from
 * an object, by its keys), so the field walk registers them with no extra bookkeeping.
 */
abstract class IndexedModules extends Module {
  /** The held modules with their names, in order (a module held twice is listed twice). */
  protected entries(): [string, Module][] {
    return ownMembers(this).modules;
  }

  /** Number of modules. */
  get length(): number {
    return this.entries().length;
  }

  /**
   * The module at `index` (negative counts from the end).
   *
   * @example
   * seq.at(-1);   // the last layer
   */
  at(index: number): Module {
    const all = this.entries();
    const i = index < 0 ? index + all.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= all.length) {
      throw new ArgumentError(`${this.constructor.name}.at`, `index ${index} is out of range for ${all.length} module${all.length === 1 ? '' : 's'}`);
    }
    return all[i][1];
  }

  /**
   * Appends a module, named by its position (`String(length)`, as PyTorch does). Returns `this`.
   *
   * @example
   * list.append(new Linear(8, 8));
   */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new ArgumentError(`${this.constructor.name}.append`, `expected a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  /** Iterates the modules in order. */
  *[Symbol.iterator](): IterableIterator<Module> {
    for (const [, m] of this.entries()) yield m;
  }
}

/**
 * Runs modules one after another, each on the previous one's output (PyTorch's `nn.Sequential`).
 * Children are named `'0'`, `'1'`, ... (`'0.weight'` in the state dict), or by the keys of an
 * object, which keep the object's key order.
 *
 * @example
 * const net = new Sequential(new Conv2d(1, 8, 3), new ReLU(), new Flatten(), new Linear(8 * 26 * 26, 10));
 * net.forward(sg.zeros([2, 1, 28, 28])).shape;   // [2, 10]
 * new Sequential({ fc: new Linear(4, 2), act: new Tanh() });   // keys 'fc.weight', 'fc.bias'
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[] | [Readonly<Record<string, Module>>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, m] of Object.entries(first as Record<string, Module>)) this.registerModule(name, checkModule(m, name));
    } else {
      (modules as Module[]).forEach((m, i) => this.registerModule(String(i), checkModule(m, String(i))));
    }
  }

  /**
   * Feeds `x` through every child in order (a module listed twice runs twice). A `Conv2d` or
   * BatchNorm followed by a `ReLU` or `ReLU6`, and a `Conv2d` with a `MaxPool2d` whose stride is its
   * window before or after that activation, run as one op (the same values and gradients, faster;
   * see fusion.ts), unless one of them has forward hooks or its own `forward`, or anomaly detection
   * is on (which names each module's ops).
   */
  forward(x: Tensor): Tensor {
    let out: unknown = x;
    const all = this.entries();
    const modules = all.map(([, m]) => m);
    for (let i = 0; i < all.length; i++) {
      const [key, m] = all[i];
      const run = out instanceof Tensor ? runFused(modules, i, out) : null;
      if (run !== null) {
        out = run.out;
        i = run.next - 1;
        continue;
      }
      out = m.forward(out);
      if (!(out instanceof Tensor)) {
        throw new ArgumentError('Sequential', `module '${key}' (${m.constructor.name}) returned ${typeof out}, not a Tensor`);
      }
    }
    return out as Tensor;
  }
}

/**
 * A list of modules that registers them (a plain array would not), named `'0'`, `'1'`, ...
 * It has no forward of its own: iterate it in the parent's forward.
 *
 * @example
 * class Tower extends Module {
 *   layers = new ModuleList([new Linear(8, 8), new Linear(8, 8)]);   // layers.0.weight, layers.1.weight
 *   forward(x: Tensor) { for (const l of this.layers) x = sg.relu(l.forward(x)); return x; }
 * }
 */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = [], ...rest: never[]) {
    super();
    // `new ModuleList(a, b)` (Sequential's calling style) would otherwise fail with "not iterable".
    if (rest.length > 0 || modules instanceof Module) {
      throw new ArgumentError('ModuleList', `takes one iterable of modules, e.g. new ModuleList([a, b]), got ${1 + rest.length} argument${rest.length === 0 ? '' : 's'}${modules instanceof Module ? ` starting with a ${modules.constructor.name}` : ''}`);
    }
    this.extend(modules);
  }

  /**
   * Appends every module of `modules`. Returns `this`.
   *
   * @example
   * list.extend([new ReLU(), new Linear(8, 2)]);
   */
  extend(modules: Iterable<Module>): this {
    if (typeof modules !== 'object' || modules === null || !(Symbol.iterator in modules)) {
      throw new ArgumentError('ModuleList', `expects an iterable of modules, got ${modules === null ? 'null' : typeof modules}`);
    }
    for (const m of modules) this.append(m);
    return this;
  }

  /** A ModuleList is not callable: iterate it instead. */
  forward(): never {
    throw new ArgumentError('ModuleList', 'a ModuleList has no forward; iterate its modules in the parent module\'s forward');
  }
}

function checkModule(m: unknown, name: string): Module {
  if (!(m instanceof Module)) throw new ArgumentError('Sequential', `entry '${name}' is not a Module (got ${m === null ? 'null' : typeof m})`);
  return m;
}
