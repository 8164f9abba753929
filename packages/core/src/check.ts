/**
 * Argument checks shared by every package (core ops, nn layers and losses, optimizers, schedulers,
 * data loaders): one place that decides what a valid option is and how a rejection reads. Each
 * throws an `ArgumentError` naming the op, the option, the rule and the value it got, e.g.
 * `SGD: lr must be >= 0, got -0.1` or `conv2d: unknown option 'dilations' (known: bias, stride, ...)`.
 * `NaN` fails every numeric rule, because JavaScript's comparisons with `NaN` are false.
 */
import { ArgumentError, DTypeError, fmtShape } from './errors.js';
import { Tensor } from './tensor.js';
import type { GeneratorState } from './random.js';
import type { DType } from './dtype.js';

/**
 * Formats a rejected value for a message: numbers as JavaScript prints them, strings quoted,
 * arrays element by element, tensors by shape, anything else by its type.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  // Bounded: a message never re-serialises unbounded input (a long or deeply nested array).
  if (Array.isArray(v)) return v.length > 8 ? `an array of ${v.length} elements` : `[${v.map((e) => (Array.isArray(e) ? 'an array' : fmtValue(e))).join(', ')}]`;
  if (v instanceof Tensor) return `a tensor of shape ${fmtShape(v.shape)}`;
  return typeof v;
}

/**
 * The option names of an options type, from a table that must list each of them exactly once:
 * `optionNames<StepLROptions>({ stepSize: true, gamma: true })` fails to compile if one is missing.
 */
export function optionNames<T>(table: Record<keyof T, true>): string[] {
  return Object.keys(table);
}

/**
 * Rejects option names the caller misspelled, e.g. `Adam: unknown option 'weight_decay' (known:
 * lr, betas, ...)`: an option that is silently ignored is worse than an error. TypeScript catches
 * this in object literals, but not in options built at run time or coming from JSON.
 */
export function checkKnownOptions(op: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    throw new ArgumentError(op, `options must be an object such as { ${known[0]}: ... }, got ${fmtValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ArgumentError(op, `unknown option '${key.length > 64 ? `${key.slice(0, 64)}…` : key}' (known: ${known.join(', ')})`);
  }
}

/** A plain `{ ... }` object: what an options argument looks like (not an array, tensor or class instance). */
function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Reads arguments the way Python reads a PyTorch signature: the first few may be positional, in
 * PyTorch's order (`positional`), and any of them (and the rest, `known`) may be named in one
 * options object, which comes last. Rejected, each with a message naming `op`: a positional value
 * past `positional` (PyTorch would read it as something simplegrad does not take), an unknown
 * option name, a value given both ways, an options object that is not last.
 *
 * @example
 * const known = ['kernelSize', 'stride', 'padding'];
 * readArgs('MaxPool2d', [3, 2], known, known);                 // { kernelSize: 3, stride: 2 }
 * readArgs('MaxPool2d', [3, { padding: 1 }], known, known);    // { kernelSize: 3, padding: 1 }
 * readArgs('MaxPool2d', [{ kernel_size: 3 }], known, known);   // throws: unknown option 'kernel_size'
 */
export function readArgs<T extends object = Record<string, unknown>>(op: string, args: readonly unknown[], positional: readonly (keyof T & string)[], known: readonly string[]): Partial<T> {
  const last = args[args.length - 1];
  const named = args.length > 0 && isOptionsObject(last);
  const values = named ? args.slice(0, -1) : args;
  if (known.length === 0 && args.length > 0) {
    const shown = args.map((a) => (isOptionsObject(a) ? `{ ${Object.keys(a).join(', ')} }` : fmtValue(a)));
    throw new ArgumentError(op, `takes no arguments, got ${shown.join(', ')}`);
  }
  if (values.length > positional.length) {
    const got = `got ${values.length}: ${values.map(fmtValue).join(', ')}`;
    throw new ArgumentError(op, positional.length === 0
      ? `takes its options by name ({ ${known.join(', ')} }), not positionally; ${got}`
      : `takes at most ${positional.length} positional argument${positional.length === 1 ? '' : 's'} (${positional.join(', ')}, in PyTorch's order); ${got}; name the others in an options object`);
  }
  if (named) checkKnownOptions(op, last, known);
  const out: Record<string, unknown> = named ? { ...last } : {};
  values.forEach((v, i) => {
    if (isOptionsObject(v)) throw new ArgumentError(op, `the options object must be the last argument, got one at position ${i + 1} of ${args.length}`);
    if (v === undefined) return;
    const name = positional[i];
    if (out[name] !== undefined) throw new ArgumentError(op, `${name} is given twice: positionally (${fmtValue(v)}) and as an option (${fmtValue(out[name])})`);
    out[name] = v;
  });
  return out as Partial<T>;
}

/**
 * A number or a `[a, b]` pair of integers `>= min` (kernel sizes, strides, dilations, paddings),
 * returned as a pair; `ctx` (e.g. `(input [1, 3, 8, 8])`) ends the message.
 *
 * @example
 * checkPair('conv2d', 'stride', 2, 1);   // [2, 2]
 */
export function checkPair(op: string, name: string, v: unknown, min: number, ctx = ''): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= min)) {
    const kind = min === 1 ? 'positive integer' : min === 0 ? 'non-negative integer' : `integer >= ${min}`;
    fail(op, name, `be a ${kind} or a pair of them`, v, ctx ? ` ${ctx}` : '');
  }
  return [p[0], p[1]];
}

function fail(op: string, name: string, rule: string, v: unknown, where: string): never {
  throw new ArgumentError(op, `${name} must ${rule}, got ${fmtValue(v)}${where}`);
}

/** A finite number `>= 0` (learning rates, weight decay, momentum, eps...). */
export function checkNonNegative(op: string, name: string, v: unknown, where = ''): number {
  if (typeof v !== 'number') fail(op, name, 'be a number', v, where);
  if (!(v >= 0)) fail(op, name, 'be >= 0', v, where);
  if (v === Infinity) fail(op, name, 'be finite', v, where);
  return v;
}

/** A finite number of either sign (dampening, which PyTorch leaves unconstrained). */
export function checkFinite(op: string, name: string, v: unknown, where = ''): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, name, 'be a finite number', v, where);
  return v;
}

/** A number in `[0, 1)`: Adam's betas, ReduceLROnPlateau's factor. */
export function checkUnitInterval(op: string, name: string, v: unknown, where = ''): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(op, name, 'be in [0, 1)', v, where);
  return v;
}

/** A probability, a number in `[0, 1]` (dropout rates). */
export function checkProbability(op: string, name: string, v: unknown, where = ''): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(op, name, 'be in [0, 1]', v, where);
  return v;
}

/** An integer `>= min` (step sizes, patience, iteration counts). */
export function checkInteger(op: string, name: string, v: unknown, min: number, where = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail(op, name, min === 1 ? 'be a positive integer' : `be an integer >= ${min}`, v, where);
  }
  return v;
}

/**
 * A tensor of a floating dtype (float32 or float64), e.g. `matmul: a must be float32 or float64, got
 * int32 (shape [2])`; `ctx` replaces the default `(shape ...)` ending, e.g. with every operand's shape.
 */
export function checkFloat(op: string, name: string, t: Tensor, ctx?: string): void {
  // The default ending is formatted only for the error: every op on the hot path calls this.
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(op, `${name} must be float32 or float64, got ${t.dtype} ${ctx ?? `(shape ${fmtShape(t.shape)})`}`);
}

// Every dtype exactly once: adding one to `DType` fails to compile until it is listed here.
const DTYPES = Object.keys({ float32: true, float64: true, int32: true } satisfies Record<DType, true>) as DType[];

/** A dtype name, e.g. `zeros: dtype must be 'float32' or 'float64' or 'int32', got 'float16'`. */
export function checkDType(op: string, name: string, v: unknown): DType {
  return checkChoice(op, name, v, DTYPES);
}

/**
 * Any number, NaN and ±Infinity included (fill values and bounds, where PyTorch takes them too);
 * rejects strings, arrays and options objects, which typed arrays would coerce or turn into NaN.
 */
export function checkNumber(op: string, name: string, v: unknown, where = ''): number {
  if (typeof v !== 'number') fail(op, name, 'be a number', v, where);
  return v;
}

/** A boolean flag (catches `'false'` and `0` from untyped callers and JSON). */
export function checkBoolean(op: string, name: string, v: unknown, where = ''): boolean {
  if (typeof v !== 'boolean') fail(op, name, 'be true or false', v, where);
  return v;
}

/** One of a few strings, e.g. `mode must be 'min' or 'max', got 'mn'`. */
export function checkChoice<T extends string>(op: string, name: string, v: unknown, choices: readonly T[]): T {
  const found = choices.find((c) => c === v);
  if (found === undefined) fail(op, name, `be ${choices.map(fmtValue).join(' or ')}`, v, '');
  return found;
}

/** One number per parameter group (a scheduler's saved `baseLrs` / `lastLr`); returns a copy. */
export function checkPerGroup(op: string, name: string, v: unknown, groups: number): number[] {
  if (!Array.isArray(v) || v.length !== groups || v.some((x) => typeof x !== 'number')) {
    throw new ArgumentError(op, `${name} must be an array of ${groups} numbers (one per parameter group), got ${fmtValue(v)}`);
  }
  return [...v];
}

/**
 * A {@link GeneratorState} read back from a checkpoint or JSON: Alea's four registers as finite
 * numbers and a pending normal (a number or null). Returns a copy, safe to hand to `setState`.
 *
 * @example
 * g.setState(checkGeneratorState('loadCheckpoint', 'generator', JSON.parse(saved)));
 */
export function checkGeneratorState(op: string, name: string, v: unknown): GeneratorState {
  const bad = (): never => { throw new ArgumentError(op, `${name} must be a generator state { alea: { c, s0, s1, s2 }, spare } as Generator.getState() returns, got ${fmtValue(v)}`); };
  if (typeof v !== 'object' || v === null) return bad();
  const { alea, spare } = v as { alea?: unknown; spare?: unknown };
  if (typeof alea !== 'object' || alea === null) return bad();
  const r = alea as Record<string, unknown>;
  const regs = ['c', 's0', 's1', 's2'].map((k) => r[k]);
  if (!regs.every((x) => typeof x === 'number' && Number.isFinite(x))) return bad();
  if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) return bad();
  const [c, s0, s1, s2] = regs as number[];
  return { alea: { c, s0, s1, s2 }, spare: spare as number | null };
}
