/**
 * The model summary: one forward pass on zeros, observed through forward hooks, printed as a table
 * of modules, output shapes and parameter counts.
 */
import { Tensor, fmtShape, noGrad, zeros } from '@simplegrad/core';
import type { HookHandle, Module, SummaryOptions } from './module.js';

interface Row {
  name: string;
  type: string;
  output: string;
  params: string;
}

/** `1234567` → `'1,234,567'` (no locale data needed). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A forward output's shape(s): a tensor's shape, or a list of them for arrays. */
function describeOutput(out: unknown): string {
  if (out instanceof Tensor) return fmtShape(out.shape);
  if (Array.isArray(out)) return `[${out.map(describeOutput).join(', ')}]`;
  return typeof out;
}

/**
 * Runs `fn` with `model` in eval mode and without gradients, then restores every module's own
 * training flag (a model may deliberately mix modes).
 *
 * @example
 * const logits = withEvalMode(model, () => model.forward(x));
 */
export function withEvalMode<T>(model: Module, fn: () => T): T {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
}

/**
 * The table printed by `Module.summary`: every module a forward pass on zeros of `inputShape` runs
 * through (in call order, with its dotted name and type), its output shape and its own parameter
 * count (`-` for a container without parameters of its own, `(reused)` when a module runs again,
 * so the column sums to the total), then the totals. Eval mode is used so BatchNorm statistics and the random generator are untouched.
 *
 * @example
 * console.log(summary(model, [1, 1, 28, 28]));
 * // Layer (type)      Output shape      Param #
 * // conv1 (Conv2d)    [1, 8, 26, 26]    80
 * // ...
 * // Total params: 54,170
 */
export function summary(model: Module, inputShape: readonly number[], opts: SummaryOptions = {}): string {
  const rows: Row[] = [];
  const counted = new Set<Module>();
  const handles: HookHandle[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m === model) continue;
    // Rows whose forward has begun but not returned: a stack, as a module may run inside itself.
    const open: Row[] = [];
    handles.push(m.registerForwardPreHook(() => {
      const own = m.parameters({ recurse: false });
      const first = !counted.has(m);
      counted.add(m);
      const n = own.reduce((s, p) => s + p.size, 0);
      const row: Row = { name, type: m.constructor.name, output: '?', params: !first ? '(reused)' : own.length === 0 && m.children().length > 0 ? '-' : thousands(n) };
      rows.push(row);
      open.push(row);
    }));
    handles.push(m.registerForwardHook((_m, _inputs, out) => {
      (open.pop() as Row).output = describeOutput(out);
    }));
  }
  let output: unknown;
  try {
    output = withEvalMode(model, () => model.forward(zeros(inputShape, { dtype: opts.dtype })));
  } finally {
    for (const h of handles) h.remove();
  }

  const params = model.parameters();
  const total = params.reduce((s, p) => s + p.size, 0);
  const trainable = params.filter((p) => p.requiresGrad).reduce((s, p) => s + p.size, 0);
  const table: Row[] = [{ name: 'Layer', type: 'type', output: 'Output shape', params: 'Param #' }, ...rows];
  const first = table.map((r) => (r === table[0] ? 'Layer (type)' : `${r.name} (${r.type})`));
  const w0 = Math.max(...first.map((s) => s.length)) + 2;
  const w1 = Math.max(...table.map((r) => r.output.length)) + 2;
  const w2 = Math.max(...table.map((r) => r.params.length));
  const rule = (ch: string) => ch.repeat(w0 + w1 + w2);
  const lines = [
    `${model.constructor.name} summary, input ${fmtShape(inputShape)}`,
    rule('='),
    ...table.flatMap((r, i) => {
      const line = `${first[i].padEnd(w0)}${r.output.padEnd(w1)}${r.params.padStart(w2)}`;
      return i === 0 ? [line, rule('-')] : [line];
    }),
    rule('='),
    `Output shape: ${describeOutput(output)}`,
    `Total params: ${thousands(total)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(total - trainable)}`,
  ];
  return lines.join('\n');
}
