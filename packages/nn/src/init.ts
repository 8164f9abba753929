/**
 * Weight initialisation, PyTorch's `torch.nn.init` spelled in camelCase. Every function fills a
 * tensor in place (hence the trailing `_`), returns it, and draws from a seeded {@link Generator}
 * (the global one, seeded by `manualSeed`, unless `generator` is given), so the same seed builds
 * the same weights bit for bit, in Node and in browsers. The random draws use the same formulas as
 * core's `uniform` and `normal` factories.
 *
 * Imported as a namespace: `import { init } from '@simplegrad/nn'; init.kaimingUniform_(w)`.
 * Arguments read as PyTorch's: `init.uniform_(w, -0.1, 0.1)`, `init.normal_(w, 0, 0.02)`,
 * `init.kaimingNormal_(w, 0, 'fanOut', 'relu')`, or by name in a trailing options object.
 */
import {
  ArgumentError, Generator, checkChoice, checkFinite, checkFloat, checkNumber, defaultGenerator, fmtShape,
  fmtValue, optionNames, readArgs,
} from '@simplegrad/core';
import type { Shape, Tensor } from '@simplegrad/core';

/** Nonlinearities known to {@link calculateGain} (PyTorch's names in camelCase; `leaky_relu` also accepted). */
export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

/** Which fan Kaiming initialisation preserves: `fanIn` keeps forward activations' variance, `fanOut` the gradients'. */
export type FanMode = 'fanIn' | 'fanOut';

/** Options shared by the random initialisers. */
export interface InitOptions {
  /** The generator to draw from (default: the global one). */
  generator?: Generator;
}

/** Options of {@link uniform_}. */
export interface UniformInitOptions extends InitOptions {
  /** Lower bound (default 0). */
  a?: number;
  /** Upper bound (default 1). */
  b?: number;
}

/** Options of {@link normal_}. */
export interface NormalInitOptions extends InitOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 1). */
  std?: number;
}

/** Options of {@link xavierUniform_} and {@link xavierNormal_}. */
export interface XavierOptions extends InitOptions {
  /** Scale (default 1), e.g. `calculateGain('tanh')`. */
  gain?: number;
}

const UNIFORM_OPTIONS = optionNames<UniformInitOptions>({ a: true, b: true, generator: true });
const NORMAL_OPTIONS = optionNames<NormalInitOptions>({ mean: true, std: true, generator: true });
const XAVIER_OPTIONS = optionNames<XavierOptions>({ gain: true, generator: true });
const KAIMING_OPTION_NAMES = optionNames<KaimingOptions>({ a: true, mode: true, nonlinearity: true, generator: true });

function rng(op: string, opts: InitOptions): Generator {
  if (opts.generator === undefined) return defaultGenerator();
  if (!(opts.generator instanceof Generator)) throw new ArgumentError(op, `generator must be a Generator, got ${fmtValue(opts.generator)}`);
  return opts.generator;
}


/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear layers and
 * sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU (slope `param`, default
 * 0.01), 3/4 for SELU.
 *
 * @example
 * calculateGain('relu');              // 1.4142135623730951
 * calculateGain('leakyRelu', Math.sqrt(5));   // √(1/3), Linear's default
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new ArgumentError('calculateGain', `negative slope ${slope} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError('calculateGain', `unsupported nonlinearity ${JSON.stringify(nonlinearity satisfies never)}`);
  }
}

/**
 * Fan-in and fan-out of a weight (PyTorch's `_calculate_fan_in_and_fan_out`): for `[out, in, ...k]`
 * they are `in·∏k` and `out·∏k`. Needs at least 2 dimensions.
 *
 * @example
 * calculateFanInAndFanOut([16, 3, 5, 5]);   // { fanIn: 75, fanOut: 400 }
 */
export function calculateFanInAndFanOut(weight: Tensor | Shape): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(weight) ? (weight as Shape) : (weight as Tensor).shape;
  if (shape.length < 2) {
    throw new ArgumentError('calculateFanInAndFanOut', `fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(shape)})`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * Fills with `U(a, b)` draws (default `U(0, 1)`), PyTorch's `uniform_(tensor, a, b)`.
 *
 * @example
 * init.uniform_(b, -0.1, 0.1);
 * init.uniform_(b, { a: -0.1, b: 0.1 });   // the same
 */
export function uniform_<T extends Tensor>(
  t: T, ...args: [opts?: UniformInitOptions] | [a: number | undefined, opts?: Omit<UniformInitOptions, 'a'>] | [a: number | undefined, b: number, opts?: InitOptions]
): T {
  const opts = readArgs<UniformInitOptions>('uniform_', args, ['a', 'b'], UNIFORM_OPTIONS);
  checkFloat('uniform_', 'tensor', t);
  const a = checkFinite('uniform_', 'a', opts.a ?? 0);
  const b = checkFinite('uniform_', 'b', opts.b ?? 1);
  if (!(b >= a)) throw new ArgumentError('uniform_', `expected a <= b, got a=${a}, b=${b}`);
  const g = rng('uniform_', opts);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = a + (b - a) * g.random53();
  return t.bumpVersion(); // in place: a graph that saved the old values must refuse to backward
}

/**
 * Fills with `N(mean, std²)` draws (default `N(0, 1)`), PyTorch's `normal_(tensor, mean, std)`.
 *
 * @example
 * init.normal_(w, 0, 0.02);          // DCGAN's init
 * init.normal_(w, { std: 0.02 });    // the same
 */
export function normal_<T extends Tensor>(
  t: T, ...args: [opts?: NormalInitOptions] | [mean: number | undefined, opts?: Omit<NormalInitOptions, 'mean'>] | [mean: number | undefined, std: number, opts?: InitOptions]
): T {
  const opts = readArgs<NormalInitOptions>('normal_', args, ['mean', 'std'], NORMAL_OPTIONS);
  checkFloat('normal_', 'tensor', t);
  const mean = checkFinite('normal_', 'mean', opts.mean ?? 0);
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new ArgumentError('normal_', `std must be non-negative, got ${std}`);
  checkFinite('normal_', 'std', std);
  const g = rng('normal_', opts);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal();
  return t.bumpVersion();
}

/**
 * Fills with `value`.
 *
 * @example
 * init.constant_(bias, 0.1);
 */
export function constant_<T extends Tensor>(t: T, value: number): T {
  t.data.fill(checkNumber('constant_', 'value', value));
  return t.bumpVersion();
}

/**
 * Fills with zeros.
 *
 * @example
 * init.zeros_(layer.bias!);
 */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/**
 * Fills with ones.
 *
 * @example
 * init.ones_(bn.weight!);
 */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/** The accepted arguments of the Xavier initialisers: PyTorch's positional `gain`, then or instead options. */
export type XavierArgs = [opts?: XavierOptions] | [gain: number | undefined, opts?: InitOptions];

function xavierStd(op: string, t: Tensor, args: readonly unknown[]): { std: number; generator: Generator | undefined } {
  const opts = readArgs<XavierOptions>(op, args, ['gain'], XAVIER_OPTIONS);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const gain = checkFinite(op, 'gain', opts.gain ?? 1);
  return { std: gain * Math.sqrt(2 / (fanIn + fanOut)), generator: opts.generator };
}

/**
 * Xavier/Glorot uniform: `U(-a, a)` with `a = gain·√(6 / (fanIn + fanOut))`.
 *
 * @example
 * init.xavierUniform_(linear.weight, calculateGain('tanh'));
 * init.xavierUniform_(linear.weight, { gain: calculateGain('tanh') });   // the same
 */
export function xavierUniform_<T extends Tensor>(t: T, ...args: XavierArgs): T {
  const { std, generator } = xavierStd('xavierUniform_', t, args);
  const a = Math.sqrt(3) * std;
  return uniform_(t, { a: -a, b: a, generator });
}

/**
 * Xavier/Glorot normal: `N(0, std²)` with `std = gain·√(2 / (fanIn + fanOut))`.
 *
 * @example
 * init.xavierNormal_(linear.weight);
 */
export function xavierNormal_<T extends Tensor>(t: T, ...args: XavierArgs): T {
  const { std, generator } = xavierStd('xavierNormal_', t, args);
  return normal_(t, { mean: 0, std, generator });
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the following leaky ReLU (default 0). */
  a?: number;
  /** `'fanIn'` (default) or `'fanOut'`. */
  mode?: FanMode;
  /** The following nonlinearity (default `'leakyRelu'`, PyTorch's default). */
  nonlinearity?: Nonlinearity;
}

/**
 * The accepted arguments of the Kaiming initialisers: PyTorch's positional `(a, mode,
 * nonlinearity)`, then or instead options.
 */
export type KaimingArgs =
  | [opts?: KaimingOptions]
  | [a: number | undefined, opts?: Omit<KaimingOptions, 'a'>]
  | [a: number | undefined, mode: FanMode | undefined, opts?: Omit<KaimingOptions, 'a' | 'mode'>]
  | [a: number | undefined, mode: FanMode | undefined, nonlinearity: Nonlinearity, opts?: InitOptions];

function kaimingOptions(op: string, args: readonly unknown[]): KaimingOptions {
  const opts = readArgs<KaimingOptions>(op, args, ['a', 'mode', 'nonlinearity'], KAIMING_OPTION_NAMES);
  rng(op, opts);
  return opts;
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const mode = checkChoice(op, 'mode', opts.mode ?? 'fanIn', ['fanIn', 'fanOut']);
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  return calculateGain(opts.nonlinearity ?? 'leakyRelu', checkFinite(op, 'a', opts.a ?? 0)) / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform: `U(-bound, bound)` with `bound = gain·√(3 / fan)`. With `a: √5` (the
 * default of Linear and Conv2d) this is `U(±1/√fanIn)`. A tensor with a zero dimension is left
 * as is, as in PyTorch.
 *
 * @example
 * init.kaimingUniform_(conv.weight, { nonlinearity: 'relu' });
 */
export function kaimingUniform_<T extends Tensor>(t: T, ...args: KaimingArgs): T {
  const opts = kaimingOptions('kaimingUniform_', args);
  if (t.size === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, { a: -bound, b: bound, generator: opts.generator });
}

/**
 * Kaiming/He normal: `N(0, std²)` with `std = gain / √fan`.
 *
 * @example
 * init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 */
export function kaimingNormal_<T extends Tensor>(t: T, ...args: KaimingArgs): T {
  const opts = kaimingOptions('kaimingNormal_', args);
  if (t.size === 0) return t;
  return normal_(t, { mean: 0, std: kaimingStd('kaimingNormal_', t, opts), generator: opts.generator });
}

// The names without the trailing underscore, as the design document spells them (PyTorch keeps
// them as deprecated aliases). They are the same functions: they also fill in place.

/** Alias of {@link uniform_}. */
export const uniform = uniform_;
/** Alias of {@link normal_}. */
export const normal = normal_;
/** Alias of {@link constant_}. */
export const constant = constant_;
/** Alias of {@link zeros_}. */
export const zeros = zeros_;
/** Alias of {@link ones_}. */
export const ones = ones_;
/** Alias of {@link xavierUniform_}. */
export const xavierUniform = xavierUniform_;
/** Alias of {@link xavierNormal_}. */
export const xavierNormal = xavierNormal_;
/** Alias of {@link kaimingUniform_}. */
export const kaimingUniform = kaimingUniform_;
/** Alias of {@link kaimingNormal_}. */
export const kaimingNormal = kaimingNormal_;
