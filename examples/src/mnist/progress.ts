/** Terminal progress: a live bar on a TTY, one plain line per epoch otherwise (CI logs). */
import type { EpochEvent, StepEvent } from './train.js';

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

/** Renders progress events to a stream. */
export class Progress {
  private lastDraw = 0;
  constructor(private readonly out: NodeJS.WriteStream, private readonly epochs: number) {}

  /** Draws the bar for a step (throttled to 10 redraws per second). */
  step(e: StepEvent): void {
    if (!this.out.isTTY) return;
    const t = performance.now();
    if (t - this.lastDraw < 100 && e.step !== e.steps) return;
    this.lastDraw = t;
    const width = 28;
    const filled = Math.round((e.step / e.steps) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.out.write(`\r\x1b[2Kepoch ${e.epoch}/${this.epochs} ${bar} ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)}  ${e.samplesPerSec.toFixed(0)} samples/s  ETA ${fmtTime(e.etaSec)}`);
  }

  /** Prints the epoch summary line. */
  epoch(e: EpochEvent): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
    this.out.write(`epoch ${e.epoch}/${this.epochs}  train loss ${e.trainLoss.toFixed(4)}  test accuracy ${(e.testAccuracy * 100).toFixed(2)}%  ${e.seconds.toFixed(1)} s  ${e.samplesPerSec.toFixed(0)} samples/s\n`);
  }
}
