/**
 * Elementwise ops with NumPy broadcasting: arithmetic, unary math, comparisons, casts. Each op's
 * forward and vector–Jacobian product sit together; gradients of broadcast operands are summed back
 * to the operand's shape by {@link sumTo}.
 */
import { type DType, allocateOutput, floatDType, isFloat, promote } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { type Shape, broadcastShapes, broadcastStrides, sameShape, sizeOf } from '../shape.js';
import { Tensor, type TensorLike, RAW } from '../tensor.js';
import { checkDType, checkNumber, fmtValue } from '../check.js';
import { record } from '../autograd.js';
import { kernels } from '../kernels/backend.js';
import { type ArithOp, type BinaryFn, arithBroadcast, binaryBroadcast, mapUnary } from '../kernels/elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

// The float check lives in check.ts with the other argument checks; this name stays for the op
// files that still import it from here (conv, loss, dropout).

/**
 * Turns a number into a scalar tensor; `like` picks the dtype (a non-integer never becomes int32).
 * Anything else is an error from `op`: a typed array would silently store `'2'` as 2 and `[1, 2]` as NaN.
 */
export function toTensor(x: TensorLike, like?: Tensor, op = 'toTensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ArgumentError(op, `expected a Tensor or a number, got ${fmtValue(x)}`);
  let dtype: DType = like?.dtype ?? 'float32';
  if (dtype === 'int32' && !Number.isInteger(x)) dtype = 'float32';
  const data = allocateOutput(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

/** Sums a (broadcast) gradient back down to `shape`. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length > 0 ? sum(g, dims, true) : g;
  return reshape(s, shape);
}

/**
 * Broadcasts `x` to `shape` by copying, outside autograd: the building block of backward passes.
 * The public, differentiable form is `broadcastTo` / `expand` in ops/shape.ts.
 */
export function broadcastCopy(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = allocateOutput(x.dtype, sizeOf(shape));
  const zero = allocateOutput(x.dtype, 1);
  binaryBroadcast(x[RAW], broadcastStrides(x.shape, shape), zero, shape.map(() => 0), shape, out, (v) => v);
  return new Tensor(out, shape);
}

/** Applies `f` elementwise to broadcast operands, producing `dtype`. */
function mapBinary(op: string, a: Tensor, b: Tensor, dtype: DType, f: BinaryFn | ArithOp): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocateOutput(dtype, sizeOf(shape));
  const as = broadcastStrides(a.shape, shape);
  const bs = broadcastStrides(b.shape, shape);
  // + − × ÷ have closure-free kernels: they run on every activation and gradient of a network. A
  // same-shape sum (a residual block's) is the kernels' own, run in the module on big float32 arrays.
  if (f === 'add' && a.size === out.length && b.size === out.length) kernels().add(a[RAW], b[RAW], out);
  else if (typeof f === 'string') arithBroadcast(f, a[RAW], as, b[RAW], bs, shape, out);
  else binaryBroadcast(a[RAW], as, b[RAW], bs, shape, out, f);
  return new Tensor(out, shape);
}

/** Defines a differentiable binary op from its scalar function (or closure-free kernel) and its VJP. */
function binaryOp(
  op: string, f: BinaryFn | ArithOp,
  vjp: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
  resultDType: (a: DType, b: DType) => DType = promote,
) {
  return (x: TensorLike, y: TensorLike): Tensor => {
    if (typeof x === 'number' && typeof y === 'number') x = toTensor(x);
    const a = toTensor(x, y instanceof Tensor ? y : undefined, op);
    const b = toTensor(y, a, op);
    const out = mapBinary(op, a, b, resultDType(a.dtype, b.dtype), f);
    return record(op, out, [a, b], (g) => {
      const [ga, gb] = vjp(g, a, b, out);
      return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
    });
  };
}

/** `a + b` with broadcasting. */
export const add = binaryOp('add', 'add', (g) => [g, g]);
/** `a - b` with broadcasting. */
export const sub = binaryOp('sub', 'sub', (g) => [g, neg(g)]);
/** `a * b` with broadcasting. */
export const mul = binaryOp('mul', 'mul', (g, a, b) => [mul(g, b), mul(g, a)]);
/** `a / b` with broadcasting (true division: int32 operands give float32). */
export const div = binaryOp(
  'div', 'div',
  (g, a, b, out) => [div(g, b), neg(mul(g, div(out, b)))],
  (a, b) => floatDType(promote(a, b)),
);
/** `a ** b` with broadcasting. The exponent's gradient is `out · ln a` (0 where a = 0 and out = 0). */
export const pow = binaryOp(
  'pow', (x, y) => x ** y,
  (g, a, b, out) => [
    mul(g, mul(b, pow(a, sub(b, 1)))),
    b.requiresGrad ? mul(g, mapBinary('pow', out, a, out.dtype, (o, x) => (o === 0 ? 0 : o * Math.log(x)))) : null,
  ],
);
/** Elementwise maximum; where equal, the gradient is split evenly (as in PyTorch). */
export const maximum = binaryOp('maximum', (x, y) => (x >= y ? x : y), (g, a, b) => [
  mul(g, mapBinary('maximum', a, b, g.dtype, (x, y) => (x > y ? 1 : x === y ? 0.5 : 0))),
  mul(g, mapBinary('maximum', a, b, g.dtype, (x, y) => (y > x ? 1 : x === y ? 0.5 : 0))),
]);
/** Elementwise minimum; where equal, the gradient is split evenly (as in PyTorch). */
export const minimum = binaryOp('minimum', (x, y) => (x <= y ? x : y), (g, a, b) => [
  mul(g, mapBinary('minimum', a, b, g.dtype, (x, y) => (x < y ? 1 : x === y ? 0.5 : 0))),
  mul(g, mapBinary('minimum', a, b, g.dtype, (x, y) => (y < x ? 1 : x === y ? 0.5 : 0))),
]);

/** Defines a comparison returning 0/1 in the operands' float dtype (no gradient). */
function comparison(op: string, f: (x: number, y: number) => boolean) {
  return (x: TensorLike, y: TensorLike): Tensor => {
    const a = toTensor(x, y instanceof Tensor ? y : undefined, op);
    const b = toTensor(y, a, op);
    return mapBinary(op, a, b, floatDType(promote(a.dtype, b.dtype)), (u, v) => (f(u, v) ? 1 : 0));
  };
}
/** `a == b` as 0/1. */
export const eq = comparison('eq', (x, y) => x === y);
/** `a != b` as 0/1. */
export const ne = comparison('ne', (x, y) => x !== y);
/** `a < b` as 0/1. */
export const lt = comparison('lt', (x, y) => x < y);
/** `a <= b` as 0/1. */
export const le = comparison('le', (x, y) => x <= y);
/** `a > b` as 0/1. */
export const gt = comparison('gt', (x, y) => x > y);
/** `a >= b` as 0/1. */
export const ge = comparison('ge', (x, y) => x >= y);

/** Elementwise `cond ? a : b` with broadcasting (cond is nonzero/zero). Differentiable in a and b. */
export function where(cond: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const a = toTensor(x, y instanceof Tensor ? y : undefined, 'where');
  const b = toTensor(y, a, 'where');
  const shape = broadcastShapes('where', cond.shape, broadcastShapes('where', a.shape, b.shape));
  const mask = broadcastCopy(cond, shape);
  const out = allocateOutput(promote(a.dtype, b.dtype), sizeOf(shape));
  const ad = broadcastCopy(a.detach(), shape)[RAW];
  const bd = broadcastCopy(b.detach(), shape)[RAW];
  const md = mask[RAW];
  for (let i = 0; i < out.length; i++) out[i] = md[i] !== 0 ? ad[i] : bd[i];
  return record('where', new Tensor(out, shape), [a, b], (g) => {
    const keep = (pick: boolean) => {
      const m = allocateOutput(g.dtype, g.size);
      const [md, gd] = [mask[RAW], g[RAW]];
      for (let i = 0; i < m.length; i++) m[i] = (md[i] !== 0) === pick ? gd[i] : 0;
      return new Tensor(m, shape);
    };
    return [a.requiresGrad ? sumTo(keep(true), a.shape) : null, b.requiresGrad ? sumTo(keep(false), b.shape) : null];
  });
}

/** Defines a differentiable unary float op from its scalar function and its VJP. */
function unaryOp(op: string, f: (v: number) => number, vjp: (g: Tensor, x: Tensor, out: Tensor) => Tensor) {
  return (x: TensorLike): Tensor => {
    const t = toTensor(x, undefined, op);
    const out = allocateOutput(floatDType(t.dtype), t.size);
    mapUnary(t[RAW], out, f);
    const result = new Tensor(out, t.shape);
    return record(op, result, [t], (g) => [vjp(g, t, result)]);
  };
}

/** `-x`. Keeps int32. */
export function neg(x: TensorLike): Tensor {
  const t = toTensor(x, undefined, 'neg');
  const out = allocateOutput(t.dtype, t.size);
  mapUnary(t[RAW], out, (v) => -v);
  return record('neg', new Tensor(out, t.shape), [t], (g) => [neg(g)]);
}
/** `e ** x`. */
export const exp = unaryOp('exp', Math.exp, (g, _x, out) => mul(g, out));
/** Natural logarithm. */
export const log = unaryOp('log', Math.log, (g, x) => div(g, x));
/** Square root. */
export const sqrt = unaryOp('sqrt', Math.sqrt, (g, _x, out) => div(g, mul(out, 2)));
/** Absolute value (gradient sign(x), 0 at 0). */
export function abs(x: TensorLike): Tensor {
  const t = toTensor(x, undefined, 'abs');
  const out = allocateOutput(t.dtype, t.size);
  mapUnary(t[RAW], out, Math.abs);
  return record('abs', new Tensor(out, t.shape), [t], (g) => [mul(g, mapSign(t, g.dtype))]);
}

function mapSign(t: Tensor, dtype: DType): Tensor {
  const out = allocateOutput(dtype, t.size);
  mapUnary(t[RAW], out, Math.sign);
  return new Tensor(out, t.shape);
}

/** Clamps into `[min, max]`; either bound may be omitted. The gradient passes where x is inside. */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  const t = toTensor(x, undefined, 'clamp');
  if (min === undefined && max === undefined) throw new ArgumentError('clamp', 'at least one of min and max must be given');
  // An options object ({ min: 0 }) or a string would otherwise compare false everywhere and clamp nothing.
  if (min !== undefined) checkNumber('clamp', 'min', min);
  if (max !== undefined) checkNumber('clamp', 'max', max);
  if (min !== undefined && max !== undefined && min > max) throw new ArgumentError('clamp', `min ${min} is greater than max ${max}`);
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const out = allocateOutput(t.dtype, t.size);
  mapUnary(t[RAW], out, (v) => (v < lo ? lo : v > hi ? hi : v));
  return record('clamp', new Tensor(out, t.shape), [t], (g) => {
    const m = allocateOutput(g.dtype, g.size);
    const [td, gd] = [t[RAW], g[RAW]];
    for (let i = 0; i < m.length; i++) m[i] = td[i] >= lo && td[i] <= hi ? gd[i] : 0;
    return [new Tensor(m, t.shape)];
  });
}

/** Converts to `dtype`; float→int truncates toward zero. Gradients flow between float dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  checkDType('cast', 'dtype', dtype);
  const out = allocateOutput(dtype, x.size);
  if (dtype === 'int32') mapUnary(x[RAW], out, Math.trunc);
  else out.set(x[RAW]);
  const result = new Tensor(out, x.shape);
  if (!isFloat(dtype)) return result;
  return record('cast', result, [x], (g) => [cast(g, x.dtype)]);
}

