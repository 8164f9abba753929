/** Terminal progress: a live bar on a TTY, one plain line per epoch otherwise (CI logs). */
import type { EpochEvent, StepEvent } from './train.js';

/** Where progress is written: `process.stdout`, or anything with `write` (tests). */
export interface Output {
  write(text: string): unknown;
  /** A live bar is drawn only on a TTY. */
  readonly isTTY?: boolean;
  /** Terminal width; the bar line is cut to it so it never wraps. */
  readonly columns?: number;
}

/** `m:ss`, or `--:--` before the rate is known. */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line of the epoch summary, the same on a TTY and in a log. */
export function epochLine(e: EpochEvent, epochs: number): string {
  return `epoch ${e.epoch}/${epochs}  train loss ${e.trainLoss.toFixed(4)}  test accuracy ${(e.testAccuracy * 100).toFixed(2)}%`
    + `  ${e.seconds.toFixed(1)} s  ${e.samplesPerSec.toFixed(0)} samples/s  (test ${e.evalSeconds.toFixed(1)} s)`;
}

/** Renders training events to an {@link Output}. */
export class Progress {
  private lastDraw = -Infinity;

  /**
   * `epochs` is the planned number of epochs, shown as `epoch 2/3`; `now` is the clock in ms that
   * throttles redraws (injected by tests).
   */
  constructor(private readonly out: Output, private readonly epochs: number, private readonly now: () => number = () => performance.now()) {}

  /** Redraws the bar (on a TTY, at most 10 times a second, and always for an epoch's last step). */
  step(e: StepEvent): void {
    if (!this.out.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && e.step !== e.steps) return;
    this.lastDraw = t;
    const width = 24;
    const filled = Math.round((e.step / e.steps) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `epoch ${e.epoch}/${this.epochs} ${bar} ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)}  ${e.samplesPerSec.toFixed(0)} samples/s  ETA ${fmtDuration(e.etaSec)}`
      + (e.epoch < this.epochs ? ` (run ${fmtDuration(e.runEtaSec)})` : '');
    // \r + erase-line redraws in place; cutting to the width keeps a narrow terminal from scrolling.
    // A pseudo-terminal without a size reports 0 columns: then the line is left whole.
    const columns = this.out.columns || Infinity;
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
  }

  /** Replaces the bar with the epoch's summary line. */
  epoch(e: EpochEvent): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
    this.out.write(`${epochLine(e, this.epochs)}\n`);
  }
}
