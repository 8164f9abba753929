/**
 * Detects a second copy of @simplegrad/core in one JavaScript realm. Two copies (version skew in
 * node_modules, or the ESM and the CommonJS build both loaded) each have their own global seed,
 * kernels and `Tensor` class, so `manualSeed` from one does not reach the other and `instanceof
 * Tensor` fails across them. Each copy records itself under a global symbol at load; the second one
 * warns once, naming both.
 */

/** Set by the build to the package version (`rollup.config.mjs`); absent when running from the sources. */
declare const __SIMPLEGRAD_VERSION__: string | undefined;

/** The global symbol-registry key under which the first loaded core records itself. */
export const INSTANCE_KEY: unique symbol = Symbol.for('simplegrad.core') as never;

/** What a loaded copy of core records about itself. */
export interface CoreInstance {
  /** The package version, or `'source'` when running from the TypeScript sources. */
  version: string;
  /** The URL (or file) of the module that registered. */
  url: string;
}

interface Registry {
  first: CoreInstance;
  warned: boolean;
}

/**
 * Records this copy of core in `target` (the global object) under {@link INSTANCE_KEY}. Returns the
 * warning it printed (with `console.warn`) when another copy registered first, once per realm; else
 * null.
 *
 * @example
 * registerInstance({ version: '0.1.0', url: import.meta.url });   // null for the first copy
 */
export function registerInstance(self: CoreInstance, target: object = globalThis): string | null {
  const slot = target as Record<symbol, Registry | undefined>;
  const registry = slot[INSTANCE_KEY];
  if (registry === undefined) {
    Object.defineProperty(target, INSTANCE_KEY, { value: { first: self, warned: false } satisfies Registry, configurable: true });
    return null;
  }
  if (registry.warned) return null;
  registry.warned = true;
  const { first } = registry;
  const message = `@simplegrad/core: a second copy was loaded (${self.version} at ${self.url}; the first is ${first.version} at ${first.url}). `
    + 'Each copy has its own seed, kernels and Tensor class: manualSeed and instanceof Tensor do not cross between them. '
    + 'Install one copy (nn, optim and datasets take core as a peer dependency) and load it one way (ESM or require, not both).';
  console.warn(message);
  return message;
}

// The version is a build-time constant: from the sources this always takes the 'source' branch.
/* c8 ignore next */
registerInstance({ version: typeof __SIMPLEGRAD_VERSION__ === 'string' ? __SIMPLEGRAD_VERSION__ : 'source', url: import.meta.url });
