// General max pooling (AssemblyScript), for src/kernels/wasm/pool.ts; imported by kernels.ts, whose
// runChunk runs it over a range of planes. The same comparisons in the same order as the reference
// loop in src/kernels/pool.ts: each window clipped to the image, scanned row by row; an element wins
// if it is greater than the best so far or NaN (so the first maximum wins ties and NaN propagates),
// starting from −∞ at the window's first real element.

/** Planes `p0 ≤ p < p1`: `out` (f32) and `argmax` (i32, the winner's `y·W + x` in its plane). */
export function maxPoolPlanes(
  x: usize, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, padH: i32, padW: i32, outH: i32, outW: i32,
  out: usize, argmax: usize, p0: i32, p1: i32,
): void {
  let o = (<usize>p0 * <usize>outH * <usize>outW) << 2;
  for (let p = p0; p < p1; p++) {
    const plane = x + ((<usize>p * <usize>H * <usize>W) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * sH - padH, 0);
      const y1 = min(oy * sH - padH + kH, H);
      for (let ox = 0; ox < outW; ox++, o += 4) {
        const x0 = max(ox * sW - padW, 0);
        const x1 = min(ox * sW - padW + kW, W);
        let best = -Infinity as f32;
        let at = y0 * W + x0;
        for (let y = y0; y < y1; y++) {
          const row = plane + (<usize>(y * W) << 2);
          for (let xi = x0; xi < x1; xi++) {
            const v = load<f32>(row + (<usize>xi << 2));
            if (v > best || v != v) {
              best = v;
              at = y * W + xi;
            }
          }
        }
        store<f32>(out + o, best);
        store<i32>(argmax + o, at);
      }
    }
  }
}
