/**
 * Seeded randomness. Every random draw in simplegrad (factories, initialisation, dropout, shuffling)
 * goes through a {@link Generator} built on seedrandom's Alea PRNG, so the same seed gives the same
 * bits in Node, browsers and workers. The unseeded global RNG of JavaScript is never used.
 */
import seedrandom from 'seedrandom';
import { ArgumentError } from './errors.js';

/** A function returning uniform floats in [0, 1), with the signature of JavaScript's built-in RNG. */
export type Rng = () => number;

/** Serialisable state of a {@link Generator}, for resuming a run exactly. */
export interface GeneratorState {
  /** Alea's internal registers. */
  readonly alea: { c: number; s0: number; s1: number; s2: number };
  /** A cached second Box–Muller normal, if one is pending. */
  readonly spare: number | null;
}

interface AleaPrng {
  (): number;
  double(): number;
  int32(): number;
  state(): { c: number; s0: number; s1: number; s2: number };
}

/** The seed used before any call to {@link manualSeed}, so that runs are reproducible by default. */
export const DEFAULT_SEED = 0;

/**
 * A seeded pseudo-random generator (seedrandom's Alea), like `torch.Generator`.
 *
 * @example
 * const g = new Generator(7);
 * const a = sg.normal([2, 2], { generator: g });
 */
export class Generator {
  private prng!: AleaPrng;
  private spare: number | null = null;
  private seedValue!: number | string;

  /** Creates a generator seeded with `seed` (a number or string). */
  constructor(seed: number | string = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** Re-seeds this generator in place and returns it. */
  manualSeed(seed: number | string): this {
    if (typeof seed === 'number' && !Number.isFinite(seed)) throw new ArgumentError('manualSeed', `seed must be finite, got ${seed}`);
    this.seedValue = seed;
    this.prng = seedrandom.alea(String(seed), { state: true }) as unknown as AleaPrng;
    this.spare = null;
    return this;
  }

  /** The seed this generator was last seeded with. */
  initialSeed(): number | string {
    return this.seedValue;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  random(): number {
    return this.prng();
  }

  /** A uniform float in [0, 1) with 53 bits of randomness. */
  random53(): number {
    return this.prng.double();
  }

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.prng.double();
    const v = this.prng.double();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  randint(low: number, high: number): number {
    return low + Math.floor(this.prng.double() * (high - low));
  }

  /** A copy of the internal state (see {@link Generator.setState}). */
  getState(): GeneratorState {
    return { alea: { ...this.prng.state() }, spare: this.spare };
  }

  /** Restores a state returned by {@link Generator.getState}. */
  setState(state: GeneratorState): this {
    this.prng = seedrandom.alea('', { state: { ...state.alea } as never }) as unknown as AleaPrng;
    this.spare = state.spare;
    return this;
  }

  /** Returns `this` as a plain `() => number` function. */
  asRng(): Rng {
    return () => this.prng();
  }
}

const globalGenerator = new Generator(DEFAULT_SEED);

/** Seeds the global generator used by every random function that is not given a `generator`. */
export function manualSeed(seed: number | string): Generator {
  globalGenerator.manualSeed(seed);
  return globalGenerator;
}

/** The global generator (the default source of every random draw). */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/**
 * Resolves an optional generator to the global one. Anything else in its place (a seed number, an
 * RNG function) is an error rather than a silent fall-back to the global generator.
 */
export function resolveGenerator(generator?: Generator, op = 'generator'): Generator {
  if (generator === undefined) return globalGenerator;
  if (!(generator instanceof Generator)) {
    const got = generator === null ? 'null' : typeof generator;
    throw new ArgumentError(op, `generator must be a Generator (e.g. new Generator(seed)), got ${got}`);
  }
  return generator;
}
