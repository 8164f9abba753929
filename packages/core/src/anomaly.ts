/**
 * Anomaly detection (PyTorch's `detect_anomaly`): while on, every recorded op checks its forward
 * output, and backward checks every gradient an op returns, for NaN and ±Infinity; the first one
 * found throws an {@link AnomalyError} naming the op, its input shapes and, inside a Module's
 * forward, the module path (nn pushes it with {@link pushAnomalyScope}). Off, it costs one boolean
 * test per op.
 */
import { ArgumentError, SimplegradError, fmtShape } from './errors.js';
import { type Tensor, RAW } from './tensor.js';

/**
 * Read by the autograd engine on every op: a property read, not a call, so "off" costs nothing
 * measurable. `inBackward` is set while an op's backward runs: the ops it composes check nothing
 * themselves, since the gradient they build is checked as a whole, under the op's own name.
 */
export const anomalyMode = { on: false, inBackward: false };

const scopes: string[] = [];

/**
 * The first NaN or ±Infinity of a run under anomaly detection, where it appeared.
 *
 * @example
 * try { sg.detectAnomaly(() => model.forward(x).sum().backward()); }
 * catch (e) { if (e instanceof sg.AnomalyError) console.log(e.phase, e.op, e.modulePath); }
 */
export class AnomalyError extends SimplegradError {
  /** `'forward'`: the op's output holds the value; `'backward'`: a gradient the op computed does. */
  readonly phase: 'forward' | 'backward';
  /** The shapes of the op's inputs. */
  readonly inputShapes: readonly (readonly number[])[];
  /** The module whose forward ran the op (e.g. `'Net.features.0 (Conv2d)'`), or null outside modules. */
  readonly modulePath: string | null;

  constructor(op: string, phase: 'forward' | 'backward', inputShapes: readonly (readonly number[])[], modulePath: string | null, what: string) {
    const where = modulePath === null ? '' : `; in module ${modulePath}`;
    super(op, `${what} (inputs ${inputShapes.map(fmtShape).join(', ') || 'none'}${where})`);
    this.phase = phase;
    this.inputShapes = inputShapes;
    this.modulePath = modulePath;
  }
}

/**
 * Turns anomaly detection on or off for everything that follows, and returns the previous
 * setting. On, each op scans its output (and backward each gradient) for NaN and ±Infinity, which
 * costs a pass over every tensor: a debugging aid, not for production runs. An op that yields
 * ±Infinity on purpose (padding with −Infinity) trips it as well.
 *
 * @example
 * sg.setDetectAnomaly(true);
 * loss.backward();   // throws AnomalyError at the first NaN / Infinity
 * sg.setDetectAnomaly(false);
 */
export function setDetectAnomaly(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new ArgumentError('setDetectAnomaly', `on must be true or false, got ${typeof on === 'string' ? `'${on}'` : String(on)}`);
  const prev = anomalyMode.on;
  anomalyMode.on = on;
  return prev;
}

/**
 * Runs `fn` with anomaly detection on (restoring the previous setting afterwards, also when it
 * throws) and returns its result, like `with torch.autograd.detect_anomaly():`.
 *
 * @example
 * sg.detectAnomaly(() => {
 *   const loss = model.forward(x).logSoftmax().mean();
 *   loss.backward();
 * });
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = setDetectAnomaly(true);
  try {
    return fn();
  } finally {
    anomalyMode.on = prev;
  }
}

/** True while anomaly detection is on. */
export function isAnomalyEnabled(): boolean {
  return anomalyMode.on;
}

/**
 * Enters a named scope (a module's forward) for anomaly messages; nn calls it around each
 * module's forward while detection is on. Pair with {@link popAnomalyScope}.
 *
 * @example
 * sg.pushAnomalyScope('Net.fc (Linear)'); try { ... } finally { sg.popAnomalyScope(); }
 */
export function pushAnomalyScope(label: string): void {
  scopes.push(label);
}

/** Leaves the scope entered last (see {@link pushAnomalyScope}). */
export function popAnomalyScope(): void {
  scopes.pop();
}

/** The innermost scope, or null. */
export function anomalyScope(): string | null {
  return scopes.length === 0 ? null : scopes[scopes.length - 1];
}

/** Index and kind of the first NaN / ±Infinity of `t`, or null when all are finite. */
function firstNonFinite(t: Tensor): [number, string] | null {
  if (t.dtype === 'int32') return null;
  const d = t[RAW];
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) return [i, Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'];
  }
  return null;
}

/** Forward check of a recorded op: throws when `out` holds NaN or ±Infinity. */
export function checkForward(op: string, out: Tensor, inputs: readonly Tensor[]): void {
  const bad = firstNonFinite(out);
  if (bad === null) return;
  const already = inputs.findIndex((t) => firstNonFinite(t) !== null);
  const note = already >= 0 ? `; input ${already} already holds non-finite values, so look at where it came from` : '';
  throw new AnomalyError(op, 'forward', inputs.map((t) => t.shape), anomalyScope(),
    `forward output of shape ${fmtShape(out.shape)} holds ${bad[1]} (first at element ${bad[0]})${note}`);
}

/** Backward check: throws when the gradient `g` an op computed for input `k` holds NaN or ±Infinity. */
export function checkBackward(op: string, g: Tensor, k: number, inputs: readonly Tensor[], scope: string | null): void {
  const bad = firstNonFinite(g);
  if (bad === null) return;
  throw new AnomalyError(op, 'backward', inputs.map((t) => t.shape), scope,
    `backward computed a gradient for input ${k} (shape ${fmtShape(g.shape)}) that holds ${bad[1]} (first at element ${bad[0]})`);
}
