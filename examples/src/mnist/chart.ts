/** A dependency-free SVG chart of training loss and test accuracy per epoch. */

/** One point per epoch. */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  testAccuracy: number;
}

const esc = (s: string): string => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/**
 * Renders loss (left axis) and accuracy (right axis) against epoch as a standalone SVG document.
 * Optional `steps` draws the per-batch loss as a faint line under the epoch means.
 */
export function curvesSvg(points: readonly CurvePoint[], title = 'MNIST training', steps: readonly number[] = []): string {
  const W = 640, H = 360, L = 60, R = 60, T = 40, B = 50;
  const pw = W - L - R, ph = H - T - B;
  const maxEpoch = Math.max(1, ...points.map((p) => p.epoch));
  const losses = [...points.map((p) => p.trainLoss), ...steps];
  const maxLoss = Math.max(1e-9, ...losses) * 1.05;
  const accs = points.map((p) => p.testAccuracy);
  const accLo = Math.max(0, Math.floor((Math.min(1, ...accs) - 0.01) * 100) / 100);
  const x = (e: number): number => L + (e / maxEpoch) * pw;
  const yLoss = (v: number): number => T + ph - (v / maxLoss) * ph;
  const yAcc = (v: number): number => T + ph - ((v - accLo) / (1 - accLo || 1)) * ph;
  const path = (pts: [number, number][]): string => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (maxLoss * i) / 4;
    const a = accLo + ((1 - accLo) * i) / 4;
    out.push(`<text x="${L - 6}" y="${yLoss(v) + 4}" text-anchor="end" fill="#c0392b">${v.toFixed(3)}</text>`);
    out.push(`<text x="${W - R + 6}" y="${yAcc(a) + 4}" fill="#2471a3">${(a * 100).toFixed(1)}%</text>`);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${yLoss(v)}" y2="${yLoss(v)}" stroke="#eee"/>`);
  }
  for (let e = 0; e <= maxEpoch; e++) out.push(`<text x="${x(e)}" y="${H - B + 18}" text-anchor="middle">${e}</text>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 12}" text-anchor="middle">epoch</text>`);
  if (steps.length > 1) {
    out.push(`<path d="${path(steps.map((v, i) => [x(((i + 1) / steps.length) * maxEpoch), yLoss(v)]))}" fill="none" stroke="#c0392b" stroke-opacity="0.25"/>`);
  }
  if (points.length > 0) {
    out.push(`<path d="${path(points.map((p) => [x(p.epoch), yLoss(p.trainLoss)]))}" fill="none" stroke="#c0392b" stroke-width="2"/>`);
    out.push(`<path d="${path(points.map((p) => [x(p.epoch), yAcc(p.testAccuracy)]))}" fill="none" stroke="#2471a3" stroke-width="2"/>`);
    for (const p of points) {
      out.push(`<circle cx="${x(p.epoch)}" cy="${yLoss(p.trainLoss)}" r="3" fill="#c0392b"/>`);
      out.push(`<circle cx="${x(p.epoch)}" cy="${yAcc(p.testAccuracy)}" r="3" fill="#2471a3"/>`);
    }
  }
  out.push(`<text x="${L + 8}" y="${T + 16}" fill="#c0392b">training loss (mean per epoch)</text>`);
  out.push(`<text x="${W - R - 8}" y="${T + 16}" text-anchor="end" fill="#2471a3">test accuracy</text>`);
  out.push('</svg>');
  return out.join('\n');
}
