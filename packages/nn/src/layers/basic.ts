/**
 * Parameter-free utility layers: `Flatten`, `Identity`, `Dropout`, `Dropout2d`. Arguments read as PyTorch's
 * (`new Flatten(0, 2)`, `new Dropout(0.2)`), or by name in an options object.
 */
import { ArgumentError, Generator, checkProbability, dropout, dropout2d, flatten, fmtValue, optionNames, readArgs } from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import { Module } from '../module.js';

/** Options of {@link Flatten}. */
export interface FlattenOptions {
  /** First flattened dimension (default 1, keeping the batch dimension). */
  startDim?: number;
  /** Last flattened dimension, inclusive (default -1). */
  endDim?: number;
}
const FLATTEN_OPTIONS = optionNames<FlattenOptions>({ startDim: true, endDim: true });

/** Options of {@link Dropout}. */
export interface DropoutLayerOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Generator for the masks (default: the global one). */
  generator?: Generator;
}
const DROPOUT_OPTIONS = optionNames<DropoutLayerOptions>({ p: true, generator: true });

/** The accepted argument lists of the dropout layers: PyTorch's positional `p`, then or instead options. */
export type DropoutArgs = [p?: number, opts?: Omit<DropoutLayerOptions, 'p'>] | [opts: DropoutLayerOptions];

/** Reads and checks a dropout layer's `p` and `generator`. */
export function dropoutArgs(layer: string, args: readonly unknown[]): { p: number; generator: Generator | undefined } {
  const opts = readArgs<DropoutLayerOptions>(layer, args, ['p'], DROPOUT_OPTIONS);
  const p = checkProbability(layer, 'p', opts.p ?? 0.5);
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) {
    throw new ArgumentError(layer, `generator must be a Generator, got ${fmtValue(opts.generator)}`);
  }
  return { p, generator: opts.generator };
}

/** An integer dimension (negative counts from the end). */
function checkDim(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentError(layer, `${name} must be an integer, got ${fmtValue(v)}`);
  return v;
}

/**
 * Flattens dims `startDim..endDim` into one (default: everything but the batch dimension, as in
 * PyTorch's `nn.Flatten(start_dim, end_dim)`).
 *
 * Shape: `[N, C, H, W]` → `[N, C·H·W]`.
 *
 * @example
 * new Flatten().forward(sg.zeros([8, 32, 5, 5])).shape;   // [8, 800]
 */
export class Flatten extends Module {
  /** First flattened dimension. */
  readonly startDim: number;
  /** Last flattened dimension (inclusive). */
  readonly endDim: number;
  constructor(...args: [startDim?: number, endDim?: number] | [opts: FlattenOptions]) {
    super();
    const opts = readArgs<FlattenOptions>('Flatten', args, ['startDim', 'endDim'], FLATTEN_OPTIONS);
    this.startDim = checkDim('Flatten', 'startDim', opts.startDim ?? 1);
    this.endDim = checkDim('Flatten', 'endDim', opts.endDim ?? -1);
  }
  /** Flattens `x`. */
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/**
 * Returns its input unchanged: a placeholder, e.g. for an optional layer.
 *
 * @example
 * const norm = useBn ? new BatchNorm2d(16) : new Identity();
 */
export class Identity extends Module {
  // PyTorch's Identity ignores any arguments; here they are an error, like every ignored argument.
  constructor(...args: never[]) {
    super();
    readArgs('Identity', args, [], []);
  }
  /** Returns `x`. */
  forward(x: Tensor): Tensor { return x; }
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability `p` and the rest are
 * scaled by `1 / (1 − p)`, so the expected value is unchanged and evaluation needs no rescaling;
 * in eval mode it is the identity. The mask comes from the seeded generator.
 *
 * Shape: unchanged.
 *
 * @example
 * const drop = new Dropout(0.25);
 * drop.forward(x);            // training: masked and scaled by 4/3
 * drop.eval().forward(x);     // x itself
 * new Dropout({ p: 0.25, generator: new sg.Generator(1) });
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Generator for the masks (default: the global one). */
  readonly generator: Generator | undefined;
  constructor(...args: DropoutArgs) {
    super();
    ({ p: this.p, generator: this.generator } = dropoutArgs('Dropout', args));
  }
  /** Applies dropout when training. */
  forward(x: Tensor): Tensor { return dropout(x, this.p, { training: this.training, generator: this.generator }); }
  override extraRepr(): string { return `p=${this.p}`; }
}

/**
 * Channel dropout (PyTorch's `nn.Dropout2d(p)`): in training mode each channel of a feature map is
 * zeroed with probability `p` as a whole, the rest scaled by `1 / (1 − p)`; identity in eval mode.
 * Suits convolutional features, whose neighbouring pixels are too correlated for `Dropout`.
 *
 * Shape: `[N, C, H, W]` or `[C, H, W]`, unchanged.
 *
 * @example
 * const drop = new Dropout2d(0.2);
 * drop.forward(sg.ones([8, 16, 12, 12]));   // each of the 8 × 16 planes all 0 or all 1.25
 */
export class Dropout2d extends Module {
  /** Probability of zeroing a channel. */
  readonly p: number;
  /** Generator for the masks (default: the global one). */
  readonly generator: Generator | undefined;
  constructor(...args: DropoutArgs) {
    super();
    ({ p: this.p, generator: this.generator } = dropoutArgs('Dropout2d', args));
  }
  /** Applies channel dropout when training. */
  forward(x: Tensor): Tensor { return dropout2d(x, this.p, { training: this.training, generator: this.generator }); }
  override extraRepr(): string { return `p=${this.p}`; }
}
