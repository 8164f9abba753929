/** `ModuleDict`: modules registered under string keys, in insertion order (PyTorch's `nn.ModuleDict`). */
import { ArgumentError } from '@simplegrad/core';
import { Module, ownMembers } from '../module.js';

/**
 * Holds child modules under string keys, registered under those keys (`heads.cls.weight` in the
 * state dict), in insertion order; setting an existing key replaces the module in place, as a
 * Python dict does. It has no forward of its own: look modules up in the parent's forward.
 *
 * Keys are stored as fields, so JavaScript's property order applies: integer-like keys (`'0'`,
 * `'12'`) always come first, ascending. A key that would therefore not keep insertion order (e.g.
 * `'1'` after `'a'`, or `'1'` after `'2'`) is rejected rather than silently reordered, since the
 * order is the state dict's. Keys must be non-empty, contain no `'.'`, and not shadow a member of
 * the class (`'training'`, `'forward'`, `'get'`...). (An object literal's integer-like keys are
 * already first in `Object.entries`; pass a Map or pairs to state another order, which then throws.)
 *
 * @example
 * const heads = new ModuleDict({ cls: new Linear(64, 10), box: new Linear(64, 4) });
 * heads.get('cls').forward(features);
 * [...heads.stateDict().keys()];   // ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']
 */
export class ModuleDict extends Module {
  constructor(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]> = {}) {
    super();
    this.update(modules);
  }

  /** Number of modules. */
  get length(): number {
    return ownMembers(this).modules.length;
  }

  /**
   * The module under `key`; throws if there is none.
   *
   * @example
   * heads.get('cls');
   */
  get(key: string): Module {
    if (!this.has(key)) throw new ArgumentError('ModuleDict.get', `no module under key ${JSON.stringify(key)} (keys: ${this.keys().join(', ')})`);
    return (this as unknown as Record<string, Module>)[key];
  }

  /**
   * Whether a module is registered under `key`.
   *
   * @example
   * heads.has('cls');   // true
   */
  has(key: string): boolean {
    return ownMembers(this).modules.some(([k]) => k === key);
  }

  /**
   * Registers `module` under `key` (replacing, in place, a module already there). Returns `this`.
   *
   * @example
   * heads.set('aux', new Linear(64, 2));
   */
  set(key: string, module: Module): this {
    if (!(module instanceof Module)) {
      throw new ArgumentError('ModuleDict.set', `the value for key ${JSON.stringify(key)} must be a Module, got ${module === null ? 'null' : typeof module}`);
    }
    const before = this.keys();
    const expected = before.includes(key) ? before : [...before, key];
    this.registerModule(key, module);
    const after = this.keys();
    if (after.some((k, i) => k !== expected[i])) {
      delete (this as unknown as Record<string, unknown>)[key];
      throw new ArgumentError('ModuleDict.set', `key ${JSON.stringify(key)} would not keep insertion order: JavaScript lists integer-like keys first, ascending (keys so far: ${before.join(', ')})`);
    }
    return this;
  }

  /**
   * Removes the module under `key` and returns it (PyTorch's `pop`).
   *
   * @example
   * const aux = heads.pop('aux');
   */
  pop(key: string): Module {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  /**
   * Removes every module.
   *
   * @example
   * heads.clear();
   */
  clear(): void {
    for (const k of this.keys()) delete (this as unknown as Record<string, unknown>)[k];
  }

  /**
   * Registers every `[key, module]` of `modules` (an object, a Map or pairs), in their order. Returns `this`.
   *
   * @example
   * heads.update({ extra: new Linear(64, 3) });
   */
  update(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]>): this {
    if (typeof modules !== 'object' || modules === null || modules instanceof Module) {
      throw new ArgumentError('ModuleDict', `expected an object, a Map or [key, module] pairs, got ${modules === null ? 'null' : modules instanceof Module ? 'a Module' : typeof modules}`);
    }
    const pairs = Symbol.iterator in modules ? [...(modules as Iterable<readonly [string, Module]>)] : Object.entries(modules);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new ArgumentError('ModuleDict', `expected [key, module] pairs, got an entry ${Array.isArray(pair) ? `of length ${pair.length}` : typeof pair}`);
      }
      this.set(pair[0], pair[1]);
    }
    return this;
  }

  /**
   * The keys, in order.
   *
   * @example
   * heads.keys();   // ['cls', 'box']
   */
  keys(): string[] {
    return ownMembers(this).modules.map(([k]) => k);
  }

  /**
   * The modules, in order.
   *
   * @example
   * heads.values().length;
   */
  values(): Module[] {
    return ownMembers(this).modules.map(([, m]) => m);
  }

  /**
   * `[key, module]` pairs, in order (PyTorch's `items()`).
   *
   * @example
   * for (const [name, head] of heads.entries()) outputs[name] = head.forward(x);
   */
  entries(): [string, Module][] {
    return ownMembers(this).modules;
  }

  /** Iterates the keys, as iterating a Python dict does. */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.keys();
  }

  /** A ModuleDict is not callable: look its modules up instead. */
  forward(): never {
    throw new ArgumentError('ModuleDict', 'a ModuleDict has no forward; call its modules in the parent module\'s forward');
  }
}
