/** Printing benchmark results: one table of all configurations, and the ratios against the peers. */
import { type WorkloadSpec, convFlops } from './workloads.js';

/** One measured cell: a workload run by one configuration (ms per iteration, or null if it cannot run). */
export interface Cell {
  workload: string;
  config: string;
  ms: number | null;
  /** Why `ms` is null, or a caveat about how the number was obtained. */
  note?: string;
}

/** Samples per second of a model workload, or GFLOP/s of a conv workload, from ms per iteration. */
export function throughput(spec: WorkloadSpec, ms: number): number {
  if (spec.kind === 'conv') return (convFlops(spec) * (spec.backward ? 3 : 1)) / (ms * 1e6);
  return (spec.input[0] * 1000) / ms;
}

/** The unit {@link throughput} is in. */
export function unit(spec: WorkloadSpec): string {
  return spec.kind === 'conv' ? 'GFLOP/s' : 'samples/s';
}

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Renders rows of cells as a fixed-width text table (first column left-aligned, the rest right-aligned). */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The main table: a row per workload, a column per configuration, each cell "ms (throughput)".
 * Conv workloads count the backward pass as twice the forward's flops (input and weight gradients).
 */
export function resultsTable(specs: WorkloadSpec[], configs: string[], cells: Cell[]): string {
  const at = (w: string, c: string) => cells.find((x) => x.workload === w && x.config === c);
  const rows = specs.filter((s) => cells.some((c) => c.workload === s.id)).map((s) => [
    s.id,
    unit(s),
    ...configs.map((c) => {
      const cell = at(s.id, c);
      if (cell === undefined) return '';
      if (cell.ms === null) return 'n/a';
      return `${fmt(cell.ms)} ms (${fmt(throughput(s, cell.ms))})${cell.note ? '*' : ''}`;
    }),
  ]);
  // One footnote per configuration and note, listing the workloads it applies to.
  const notes = new Map<string, string[]>();
  for (const c of cells) {
    if (!c.note) continue;
    const key = `${c.config}${c.ms === null ? ' (n/a)' : ' (*)'}: ${c.note}`;
    notes.set(key, [...(notes.get(key) ?? []), c.workload]);
  }
  const footnotes = [...notes].map(([key, ws]) => `  ${key} [${ws.join(', ')}]`);
  return renderTable(['workload', 'throughput', ...configs], rows) + (footnotes.length ? `\n${footnotes.join('\n')}` : '');
}

/**
 * Speed-ups of `ours` over each peer configuration it is paired with (same thread count):
 * peer ms / our ms, so > 1 means simplegrad is faster.
 */
export function ratioTable(specs: WorkloadSpec[], pairs: [ours: string, peer: string][], cells: Cell[]): string {
  const ms = (w: string, c: string) => cells.find((x) => x.workload === w && x.config === c)?.ms ?? null;
  const rows = specs.filter((s) => cells.some((c) => c.workload === s.id)).map((s) => [
    s.id,
    ...pairs.map(([ours, peer]) => {
      const a = ms(s.id, ours);
      const b = ms(s.id, peer);
      return a === null || b === null ? 'n/a' : `${fmt(b / a)}×`;
    }),
  ]);
  return renderTable(['workload', ...pairs.map(([o, p]) => `${o} vs ${p}`)], rows);
}
