/**
 * A small line chart on a 2-D canvas (no chart library): axes with round ticks, and series drawn as
 * lines or dots over a fixed x range, so a curve grows from the left while training runs.
 */

/** One curve. */
export interface Series {
  points: readonly (readonly [number, number])[];
  color: string;
  /** Line width in CSS pixels; 0 draws dots only. */
  width: number;
  /** Radius of a dot at each point (0: none). */
  dot?: number;
  label: string;
}

/** Axis ranges and labels of a chart. */
export interface ChartSpec {
  title: string;
  xMax: number;
  yMin: number;
  yMax: number;
  xLabel: string;
  /** Formats a y tick (e.g. as a percentage). */
  yFormat?: (v: number) => string;
}

/** Ticks at 1, 2 or 5 × 10^k giving about `count` intervals over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Redraws `canvas` (sized for the device pixel ratio) with `series` on the axes of `spec`. */
export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec, series: readonly Series[]): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const L = 48, R = 12, B = 34;
  // The legend sits right of the title, or on a second line when both do not fit (a narrow screen).
  ctx.font = 'bold 12px system-ui, sans-serif';
  const titleWidth = ctx.measureText(spec.title).width;
  ctx.font = '11px system-ui, sans-serif';
  const legendWidth = series.reduce((n, s) => n + ctx.measureText(s.label).width + 14, 0);
  const twoLines = titleWidth + 16 + legendWidth > w - L - R;
  const T = twoLines ? 40 : 26;
  const pw = w - L - R, ph = h - T - B;
  const xMax = Math.max(1, spec.xMax);
  const x = (v: number): number => L + (v / xMax) * pw;
  const y = (v: number): number => T + ph - ((v - spec.yMin) / (spec.yMax - spec.yMin || 1)) * ph;
  const fmt = spec.yFormat ?? ((v: number) => String(v));

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#e4e4e4';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(spec.yMin, spec.yMax, 4)) {
    ctx.beginPath(); ctx.moveTo(L, y(t)); ctx.lineTo(L + pw, y(t)); ctx.stroke();
    ctx.fillText(fmt(t), L - 6, y(t));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(0, xMax, 5)) ctx.fillText(String(t), x(t), T + ph + 5);
  ctx.fillText(spec.xLabel, L + pw / 2, T + ph + 19);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(L, T, pw, ph);

  ctx.textAlign = 'left';
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.fillText(spec.title, L, 6);
  let legendX = L + pw;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  for (const s of [...series].reverse()) {
    ctx.fillStyle = s.color;
    ctx.fillText(s.label, legendX, twoLines ? 22 : 7);
    legendX -= ctx.measureText(s.label).width + 14;
  }

  // Lines are clipped to the plot (a loss spike may exceed the axis); dots on its edge are not,
  // and dots beyond it (below a zoomed axis) are left out.
  for (const s of series) {
    ctx.strokeStyle = ctx.fillStyle = s.color;
    if (s.width > 0 && s.points.length > 1) {
      ctx.save();
      ctx.beginPath(); ctx.rect(L, T, pw, ph); ctx.clip();
      ctx.lineWidth = s.width;
      ctx.beginPath();
      s.points.forEach(([a, b], i) => (i === 0 ? ctx.moveTo(x(a), y(b)) : ctx.lineTo(x(a), y(b))));
      ctx.stroke();
      ctx.restore();
    }
    if (s.dot) {
      for (const [a, b] of s.points) {
        if (b < spec.yMin || b > spec.yMax) continue;
        ctx.beginPath(); ctx.arc(x(a), y(b), s.dot, 0, 2 * Math.PI); ctx.fill();
      }
    }
  }
}

/**
 * The y axis of an accuracy chart: 0-100 % until the best accuracy passes 90 %, then 90-100 % so
 * the last points (95 %, 98 %, 99 %) stay apart instead of merging into the top edge.
 */
export function accuracyAxis(accuracies: readonly number[]): { yMin: number; title: string; format: (v: number) => string } {
  const zoom = accuracies.some((a) => a > 0.9);
  return { yMin: zoom ? 0.9 : 0, title: zoom ? 'Test accuracy (axis from 90 %)' : 'Test accuracy', format: (v) => `${Math.round(v * 100)}%` };
}

/** Exponential moving average of `values` (bias-corrected, so the first points are not pulled to 0). */
export function ema(values: readonly number[], beta = 0.9): number[] {
  const out: number[] = [];
  let m = 0;
  values.forEach((v, i) => { m = beta * m + (1 - beta) * v; out.push(m / (1 - beta ** (i + 1))); });
  return out;
}
