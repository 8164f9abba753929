/** A dependency-free SVG chart of training loss and test accuracy per epoch. */

/** One point per epoch. */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  testAccuracy: number;
}

/** Options of {@link curvesSvg}. */
export interface ChartOptions {
  /** The heading (default 'MNIST training'). */
  title?: string;
  /** Every batch's loss, in order; drawn faintly (averaged over windows) under the epoch means. */
  batchLosses?: readonly number[];
  /** A dashed reference line on the accuracy axis (default 0.99, the job's target). */
  target?: number;
}

const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Means of consecutive windows of about `values.length / points` values, each placed at its window's end. */
function windowMeans(values: readonly number[], points: number): { at: number; mean: number }[] {
  const k = Math.max(1, Math.round(values.length / points));
  const out: { at: number; mean: number }[] = [];
  for (let i = 0; i < values.length; i += k) {
    const w = values.slice(i, i + k);
    out.push({ at: (i + w.length) / values.length, mean: w.reduce((a, b) => a + b, 0) / w.length });
  }
  return out;
}

/** The smallest readable tick step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) that is at least `v`. */
function niceStep(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((step) => step >= v * (1 - 1e-9)) ?? 10 * p;
}

/** A tick label without float noise or trailing zeros: 0.6000000001 → '0.6'. */
const fmtTick = (v: number): string => String(Number(v.toPrecision(6)));

/**
 * Renders the training loss (left axis, red) and the test accuracy (right axis, blue) against the
 * epoch as a standalone SVG document, with tick labels, axis titles and a legend.
 *
 * @example
 * writeFileSync('curves.svg', curvesSvg(epochs, { title: 'seed 0', batchLosses }));
 */
export function curvesSvg(points: readonly CurvePoint[], options: ChartOptions = {}): string {
  const { title = 'MNIST training', batchLosses = [], target = 0.99 } = options;
  const W = 680, H = 380, L = 70, R = 70, T = 44, B = 52;
  const pw = W - L - R, ph = H - T - B;
  const LOSS = '#c0392b', ACC = '#2471a3';
  const maxEpoch = Math.max(1, ...points.map((p) => p.epoch));
  const steps = batchLosses.length > 1 ? windowMeans(batchLosses, 60 * maxEpoch) : [];
  const lossStep = niceStep(Math.max(1e-9, ...points.map((p) => p.trainLoss), ...steps.map((s) => s.mean)) / 4);
  const maxLoss = 4 * lossStep;
  // The accuracy axis ends at 100 % and spans a multiple of 4 %, so its 5 ticks fall on whole percents.
  const lowest = Math.min(1, target, ...points.map((p) => p.testAccuracy));
  const accLo = Math.max(0, 1 - 0.04 * Math.max(1, Math.ceil((1 - lowest + 0.002) / 0.04)));
  const x = (e: number): number => L + (e / maxEpoch) * pw;
  const yLoss = (v: number): number => T + ph - (v / maxLoss) * ph;
  const yAcc = (v: number): number => T + ph - ((v - accLo) / (1 - accLo || 1)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const path = (pts: readonly (readonly [number, number])[]): string => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${f(a)},${f(b)}`).join(' ');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (maxLoss * i) / 4;
    const a = accLo + ((1 - accLo) * i) / 4;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${f(yLoss(v))}" y2="${f(yLoss(v))}" stroke="#eee"/>`);
    out.push(`<text x="${L - 6}" y="${f(yLoss(v) + 4)}" text-anchor="end" fill="${LOSS}">${fmtTick(v)}</text>`);
    out.push(`<text x="${W - R + 6}" y="${f(yAcc(a) + 4)}" fill="${ACC}">${Math.round(a * 100)}%</text>`);
  }
  for (let e = 0; e <= maxEpoch; e++) {
    out.push(`<line x1="${f(x(e))}" x2="${f(x(e))}" y1="${T + ph}" y2="${T + ph + 5}" stroke="#999"/>`);
    out.push(`<text x="${f(x(e))}" y="${T + ph + 19}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 10}" text-anchor="middle">epoch</text>`);
  out.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle" fill="${LOSS}">training loss (cross-entropy)</text>`);
  out.push(`<text transform="translate(${W - 14} ${T + ph / 2}) rotate(90)" text-anchor="middle" fill="${ACC}">test accuracy</text>`);
  if (target > accLo && target < 1) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${f(yAcc(target))}" y2="${f(yAcc(target))}" stroke="${ACC}" stroke-dasharray="4 4" stroke-opacity="0.6"/>`);
    out.push(`<text x="${L + 8}" y="${f(yAcc(target) + 14)}" fill="${ACC}" font-size="11">${(target * 100).toFixed(1)}% target</text>`);
  }
  if (steps.length > 0) {
    out.push(`<path d="${path(steps.map((s) => [x(s.at * maxEpoch), yLoss(s.mean)]))}" fill="none" stroke="${LOSS}" stroke-opacity="0.3"/>`);
  }
  if (points.length > 0) {
    out.push(`<path d="${path(points.map((p) => [x(p.epoch), yLoss(p.trainLoss)]))}" fill="none" stroke="${LOSS}" stroke-width="2"/>`);
    out.push(`<path d="${path(points.map((p) => [x(p.epoch), yAcc(p.testAccuracy)]))}" fill="none" stroke="${ACC}" stroke-width="2"/>`);
    for (const p of points) {
      out.push(`<circle cx="${f(x(p.epoch))}" cy="${f(yLoss(p.trainLoss))}" r="3.5" fill="${LOSS}"><title>epoch ${p.epoch}: loss ${p.trainLoss.toFixed(4)}</title></circle>`);
      out.push(`<circle cx="${f(x(p.epoch))}" cy="${f(yAcc(p.testAccuracy))}" r="3.5" fill="${ACC}"><title>epoch ${p.epoch}: ${(p.testAccuracy * 100).toFixed(2)}%</title></circle>`);
    }
  }
  // Legend, top right inside the plot.
  const lx = W - R - 250, ly = T + 14;
  out.push(`<rect x="${lx - 8}" y="${ly - 12}" width="250" height="${steps.length > 0 ? 50 : 34}" fill="white" fill-opacity="0.85" stroke="#ddd"/>`);
  out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${LOSS}" stroke-width="2"/><text x="${lx + 26}" y="${ly}">training loss, mean per epoch</text>`);
  out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly + 12}" y2="${ly + 12}" stroke="${ACC}" stroke-width="2"/><text x="${lx + 26}" y="${ly + 16}">test accuracy after each epoch</text>`);
  if (steps.length > 0) {
    out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly + 28}" y2="${ly + 28}" stroke="${LOSS}" stroke-opacity="0.3"/><text x="${lx + 26}" y="${ly + 32}">training loss, batches (smoothed)</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
