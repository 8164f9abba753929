/**
 * A terminal progress bar for {@link fit}: a live bar redrawn in place on a TTY (at most 10 times
 * a second), one summary line per epoch everywhere (CI logs, files, pipes).
 */
import { ArgumentError, checkKnownOptions } from '@simplegrad/core';
import type { Callbacks } from './callbacks.js';
import type { EpochLogs } from './fit.js';

/** Where progress is written: `process.stdout` by default, or anything with `write`. */
export interface ProgressOutput {
  /** Writes `text` as is (no newline added). */
  write(text: string): unknown;
  /** A live bar is drawn only on a TTY. */
  readonly isTTY?: boolean;
  /** Terminal width; the bar line is cut to it so it never wraps (0 = unknown). */
  readonly columns?: number;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Where to write (default `process.stdout`). */
  out?: ProgressOutput;
  /** The clock in ms that throttles redraws (default `performance.now`; tests inject one). */
  now?: () => number;
}

/** `m:ss`, or `--:--` when unknown. */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Fractions in [0, 1] print as percentages, other values with 4 decimals. */
function fmtLog(key: string, v: number): string {
  return /accuracy/i.test(key) ? `${(v * 100).toFixed(2)}%` : v.toFixed(4);
}

const TIMING = new Set(['epoch', 'lr', 'seconds', 'samplesPerSec']);

/**
 * The line printed after an epoch: `epoch 2/3  loss 0.0500  accuracy 98.77%  valLoss 0.0412 …  40.0 s  1499 samples/s`.
 *
 * @example
 * epochLine(history.epochs[0], 3);
 */
export function epochLine(logs: EpochLogs, epochs: number): string {
  const values = Object.entries(logs).filter(([k]) => !TIMING.has(k)).map(([k, v]) => `${k} ${fmtLog(k, v)}`);
  return [`epoch ${logs.epoch}/${epochs}`, ...values, `${logs.seconds.toFixed(1)} s`, `${logs.samplesPerSec.toFixed(0)} samples/s`].join('  ');
}

/**
 * A {@link Callbacks} object that draws a progress bar with loss, samples/s and ETA on a TTY and
 * prints {@link epochLine} after every epoch.
 *
 * @example
 * await fit(model, loader, { optimizer, epochs: 2, callbacks: progressBar() });
 */
export function progressBar(options: ProgressBarOptions = {}): Callbacks {
  checkKnownOptions('progressBar', options, ['out', 'now']);
  const out = options.out ?? (globalThis as { process?: { stdout?: ProgressOutput } }).process?.stdout;
  if (out === undefined || typeof out.write !== 'function') throw new ArgumentError('progressBar', 'no output: pass options.out (anything with write(text))');
  const now = options.now ?? (() => performance.now());
  let epochs = 0;
  let lastDraw = -Infinity;
  return {
    onTrainBegin(logs) { epochs = logs.epochs; },
    onBatchEnd(batch, logs) {
      if (!out.isTTY) return;
      const t = now();
      if (t - lastDraw < 100 && batch !== logs.batches) return;
      lastDraw = t;
      const width = 24;
      const known = Number.isFinite(logs.batches);
      const filled = known ? Math.round((batch / logs.batches) * width) : 0;
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `epoch ${logs.epoch}/${epochs} ${bar} ${batch}/${known ? logs.batches : '?'}  loss ${logs.loss.toFixed(4)}  ${logs.samplesPerSec.toFixed(0)} samples/s  ETA ${fmtDuration(logs.etaSec)}`;
      // \r + erase-line redraws in place; cutting to the width keeps a narrow terminal from scrolling.
      const columns = out.columns || Infinity;
      out.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
    },
    onEpochEnd(_epoch, logs) {
      if (out.isTTY) out.write('\r\x1b[2K');
      out.write(`${epochLine(logs, epochs)}\n`);
    },
  };
}
