/**
 * Typed errors. Every message starts with the op's name, then says which argument broke which rule,
 * with the full shapes involved, e.g.
 * `conv2d: input has 1 channel but weight expects 3 (input [1, 1, 28, 28], weight [64, 3, 3, 3])`.
 */

/** Base class of every error simplegrad throws on purpose. `op` names the function that threw. */
export class SimplegradError extends Error {
  /** The op (function or method) that rejected its arguments, e.g. `'conv2d'`. */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together (broadcasting, matmul, conv2d channels, reshape sizes...). */
export class ShapeError extends SimplegradError {}

/** An argument with a bad value or type (negative padding, unknown pad mode, out-of-range dim...). */
export class ArgumentError extends SimplegradError {}

/** A tensor of the wrong dtype for the op (e.g. float class targets where int32 indices are required). */
export class DTypeError extends SimplegradError {}

/** Misuse of autograd (backward through a freed graph, non-scalar backward without a gradient...). */
export class AutogradError extends SimplegradError {}

/** Formats a shape the way error messages print it: `[2, 3, 4]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
