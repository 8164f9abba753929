// Times the WebAssembly convolution kernels (forward + input, weight and bias gradients) on the layer
// shapes of ResNet-18 and MobileNetV2 at batch 32 on 32×32 inputs (torchvision structure), on 1 and 2
// threads. A measurement script, not a test: wall-clock numbers vary with the machine and its load.
//
// Usage: node --conditions=@simplegrad/source --import tsx scripts/bench-conv.ts [--reps 3] [--warmup 20] [--only substring] [--json out.json]
//        [--strategy image|folded|winograd|dense] (forces that strategy wherever it applies) [--batch N] (default 32)
//        --crossover [--threads 1]: each pass (forward, input gradient, weight+bias gradient) under each
//        strategy, interleaved, best of --reps, on 3×3 and 1×1 convolutions over growing maps
//        --dense [--threads 1]: folded against dense per pass on the 1×1 and 2×2 maps, at batches 32, 8 and 2
import { writeFileSync } from 'node:fs';
import * as sg from '../packages/core/src/index.js';
import type { ConvGeometry } from '../packages/core/src/kernels/conv.js';
import { type ConvStrategy, forceConvStrategy } from '../packages/core/src/kernels/wasm/conv.js';

interface Shape { name: string; C: number; H: number; O: number; k: number; s: number; p: number; groups?: number }

const shapes: Shape[] = [
  { name: 'issue 512→512 3×3 @1×1', C: 512, H: 1, O: 512, k: 3, s: 1, p: 1 },
  { name: 'issue dw144 3×3 @8×8', C: 144, H: 8, O: 144, k: 3, s: 1, p: 1, groups: 144 },
  { name: 'issue dense 144→144 3×3 @8×8', C: 144, H: 8, O: 144, k: 3, s: 1, p: 1 },
  // ResNet-18
  { name: 'R conv1 3→64 7×7 s2 @32', C: 3, H: 32, O: 64, k: 7, s: 2, p: 3 },
  { name: 'R l1 64→64 3×3 @8', C: 64, H: 8, O: 64, k: 3, s: 1, p: 1 },
  { name: 'R l2 64→128 3×3 s2 @8', C: 64, H: 8, O: 128, k: 3, s: 2, p: 1 },
  { name: 'R l2 ds 64→128 1×1 s2 @8', C: 64, H: 8, O: 128, k: 1, s: 2, p: 0 },
  { name: 'R l2 128→128 3×3 @4', C: 128, H: 4, O: 128, k: 3, s: 1, p: 1 },
  { name: 'R l3 128→256 3×3 s2 @4', C: 128, H: 4, O: 256, k: 3, s: 2, p: 1 },
  { name: 'R l3 ds 128→256 1×1 s2 @4', C: 128, H: 4, O: 256, k: 1, s: 2, p: 0 },
  { name: 'R l3 256→256 3×3 @2', C: 256, H: 2, O: 256, k: 3, s: 1, p: 1 },
  { name: 'R l4 256→512 3×3 s2 @2', C: 256, H: 2, O: 512, k: 3, s: 2, p: 1 },
  { name: 'R l4 ds 256→512 1×1 s2 @2', C: 256, H: 2, O: 512, k: 1, s: 2, p: 0 },
  // MobileNetV2 (stem, then per block: expand 1×1, depthwise 3×3, project 1×1)
  { name: 'M stem 3→32 3×3 s2 @32', C: 3, H: 32, O: 32, k: 3, s: 2, p: 1 },
  { name: 'M dw32 @16', C: 32, H: 16, O: 32, k: 3, s: 1, p: 1, groups: 32 },
  { name: 'M pw 32→16 @16', C: 32, H: 16, O: 16, k: 1, s: 1, p: 0 },
  { name: 'M pw 16→96 @16', C: 16, H: 16, O: 96, k: 1, s: 1, p: 0 },
  { name: 'M dw96 s2 @16', C: 96, H: 16, O: 96, k: 3, s: 2, p: 1, groups: 96 },
  { name: 'M pw 96→24 @8', C: 96, H: 8, O: 24, k: 1, s: 1, p: 0 },
  { name: 'M pw 24→144 @8', C: 24, H: 8, O: 144, k: 1, s: 1, p: 0 },
  { name: 'M pw 144→24 @8', C: 144, H: 8, O: 24, k: 1, s: 1, p: 0 },
  { name: 'M dw144 s2 @8', C: 144, H: 8, O: 144, k: 3, s: 2, p: 1, groups: 144 },
  { name: 'M pw 144→32 @4', C: 144, H: 4, O: 32, k: 1, s: 1, p: 0 },
  { name: 'M pw 32→192 @4', C: 32, H: 4, O: 192, k: 1, s: 1, p: 0 },
  { name: 'M dw192 @4', C: 192, H: 4, O: 192, k: 3, s: 1, p: 1, groups: 192 },
  { name: 'M pw 192→32 @4', C: 192, H: 4, O: 32, k: 1, s: 1, p: 0 },
  { name: 'M dw192 s2 @4', C: 192, H: 4, O: 192, k: 3, s: 2, p: 1, groups: 192 },
  { name: 'M pw 192→64 @2', C: 192, H: 2, O: 64, k: 1, s: 1, p: 0 },
  { name: 'M pw 64→384 @2', C: 64, H: 2, O: 384, k: 1, s: 1, p: 0 },
  { name: 'M dw384 @2', C: 384, H: 2, O: 384, k: 3, s: 1, p: 1, groups: 384 },
  { name: 'M pw 384→64 @2', C: 384, H: 2, O: 64, k: 1, s: 1, p: 0 },
  { name: 'M pw 384→96 @2', C: 384, H: 2, O: 96, k: 1, s: 1, p: 0 },
  { name: 'M pw 96→576 @2', C: 96, H: 2, O: 576, k: 1, s: 1, p: 0 },
  { name: 'M dw576 @2', C: 576, H: 2, O: 576, k: 3, s: 1, p: 1, groups: 576 },
  { name: 'M pw 576→96 @2', C: 576, H: 2, O: 96, k: 1, s: 1, p: 0 },
  { name: 'M dw576 s2 @2', C: 576, H: 2, O: 576, k: 3, s: 2, p: 1, groups: 576 },
  { name: 'M pw 576→160 @1', C: 576, H: 1, O: 160, k: 1, s: 1, p: 0 },
  { name: 'M pw 160→960 @1', C: 160, H: 1, O: 960, k: 1, s: 1, p: 0 },
  { name: 'M dw960 @1', C: 960, H: 1, O: 960, k: 3, s: 1, p: 1, groups: 960 },
  { name: 'M pw 960→160 @1', C: 960, H: 1, O: 160, k: 1, s: 1, p: 0 },
  { name: 'M pw 320→1280 @1', C: 320, H: 1, O: 1280, k: 1, s: 1, p: 0 },
];

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i >= 0 && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) throw new Error(`bench-conv: ${name} needs a value`);
  return i < 0 ? undefined : argv[i + 1];
};
/** A positive integer option, or an error naming it (a typo would otherwise measure something else). */
const count = (name: string, fallback: number): number => {
  const v = Number(opt(name) ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench-conv: ${name} must be a positive integer, got ${opt(name)}`);
  return v;
};
const N = count('--batch', 32);
const reps = count('--reps', 3);
const WARMUP = count('--warmup', 20);
const only = opt('--only');
const jsonPath = opt('--json');
const STRATEGIES: readonly ConvStrategy[] = ['image', 'folded', 'winograd', 'dense'];
const forcedStrategy = opt('--strategy');
if (forcedStrategy !== undefined) {
  const known = STRATEGIES.find((st) => st === forcedStrategy);
  if (known === undefined) throw new Error(`bench-conv: --strategy must be one of ${STRATEGIES.join(', ')}, got ${forcedStrategy}`);
  forceConvStrategy(known);
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
}

/**
 * Best of `reps` runs of forward + backward, in ms, after `WARMUP` runs: V8 compiles WebAssembly
 * lazily and optimises hot functions after a while, in each worker too, so the first few calls on
 * two threads run partly unoptimised code (measured: a depthwise pass on two threads only beats one
 * thread from about its 20th call).
 */
function time(sh: Shape): number {
  const groups = sh.groups ?? 1;
  const out = Math.floor((sh.H + 2 * sh.p - sh.k) / sh.s) + 1;
  const g: ConvGeometry = {
    batch: N, channels: sh.C, height: sh.H, width: sh.H, outChannels: sh.O, kH: sh.k, kW: sh.k,
    strideH: sh.s, strideW: sh.s, padTop: sh.p, padLeft: sh.p, outH: out, outW: out, ...(groups !== 1 ? { groups } : {}),
  };
  const K = sg.wasmKernels;
  const x = rand(N * sh.C * sh.H * sh.H), w = rand(sh.O * (sh.C / groups) * sh.k * sh.k), b = rand(sh.O);
  const y = new Float32Array(N * sh.O * out * out), gy = rand(y.length);
  const gx = new Float32Array(x.length), gw = new Float32Array(w.length), gb = new Float32Array(sh.O);
  let best = Infinity;
  for (let r = 0; r < WARMUP + reps; r++) {
    const t0 = performance.now();
    K.conv2dForward(x, g, w, b, y);
    K.conv2dBackward(gy, x, g, w, gx, gw, gb);
    const t = performance.now() - t0;
    if (r >= WARMUP) best = Math.min(best, t);
  }
  return best;
}

/** Best of `reps` interleaved runs of each pass under each strategy, in ms: the crossover between them. */
function crossover(): void {
  sg.setWasmThreads(Number(opt('--threads') ?? 1));
  const K = sg.wasmKernels;
  const strategies = STRATEGIES;
  console.log('shape'.padEnd(30), 'pass'.padEnd(8), strategies.map((s) => s.padStart(9)).join(' '));
  for (const [C, O, k] of [[512, 512, 3], [256, 256, 3], [64, 64, 3], [128, 128, 3], [32, 64, 3], [16, 32, 3], [8, 16, 3], [256, 256, 1], [32, 64, 1]]) {
    for (const H of [1, 2, 3, 4, 6, 8, 10, 12, 16, 24]) {
      if (H === 24 && C * O > 64 * 64) continue; // W2's map size, for the narrow layers only: the wide ones take minutes there
      const p = (k - 1) / 2;
      const g: ConvGeometry = { batch: N, channels: C, height: H, width: H, outChannels: O, kH: k, kW: k, strideH: 1, strideW: 1, padTop: p, padLeft: p, outH: H, outW: H };
      const x = rand(N * C * H * H), w = rand(O * C * k * k), b = rand(O), gy = rand(N * O * H * H);
      const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length), gb = new Float32Array(O);
      const passes: [string, () => void][] = [
        ['forward', () => K.conv2dForward(x, g, w, b, y)],
        ['input', () => K.conv2dBackward(gy, x, g, w, gx, null, null)],
        ['weight', () => K.conv2dBackward(gy, x, g, w, null, gw, gb)],
      ];
      for (const [pass, run] of passes) {
        const best = strategies.map(() => Infinity);
        for (let r = 0; r <= reps; r++) {
          strategies.forEach((st, i) => {
            forceConvStrategy(st);
            const t0 = performance.now();
            run();
            const t = performance.now() - t0;
            if (r > 0) best[i] = Math.min(best[i], t);
          });
        }
        console.log(`${C}→${O} ${k}×${k} @${H}×${H}`.padEnd(30), pass.padEnd(8), best.map((t) => t.toFixed(2).padStart(9)).join(' '));
      }
    }
  }
  forceConvStrategy(null);
}
if (argv.includes('--crossover')) {
  crossover();
  process.exit(0);
}

/** Best of 3 interleaved runs of each pass, folded against dense, on the small maps where dense may win. */
function denseCrossover(): void {
  sg.setWasmThreads(Number(opt('--threads') ?? 1));
  const K = sg.wasmKernels;
  console.log('shape'.padEnd(20), 'pass: forward, input, weight (ms) folded | dense');
  for (const batch of [32, 8, 2]) {
    for (const [C, H, s] of [[512, 1, 1], [256, 2, 1], [256, 2, 2], [128, 2, 1], [64, 2, 1]]) {
      const oh = Math.floor((H + 2 - 3) / s) + 1;
      const g: ConvGeometry = {
        batch, channels: C, height: H, width: H, outChannels: C, kH: 3, kW: 3, strideH: s, strideW: s, padTop: 1, padLeft: 1, outH: oh, outW: oh,
      };
      const x = rand(batch * C * H * H), w = rand(C * C * 9), gy = rand(batch * C * oh * oh);
      const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
      const passes = [
        () => K.conv2dForward(x, g, w, null, y),
        () => K.conv2dBackward(gy, x, g, w, gx, null, null),
        () => K.conv2dBackward(gy, x, g, w, null, gw, null),
      ];
      const best: Record<string, number[]> = { folded: [Infinity, Infinity, Infinity], dense: [Infinity, Infinity, Infinity] };
      for (let r = 0; r <= reps; r++) {
        for (const how of ['folded', 'dense'] as const) {
          forceConvStrategy(how);
          passes.forEach((run, i) => {
            run();
            const t0 = performance.now();
            for (let k = 0; k < 5; k++) run();
            if (r > 0) best[how][i] = Math.min(best[how][i], (performance.now() - t0) / 5);
          });
        }
      }
      const fmt = (v: number[]): string => v.map((t) => t.toFixed(2)).join(' ');
      console.log(`N${batch} ${C}@${H}×${H} s${s}`.padEnd(20), fmt(best.folded), '|', fmt(best.dense));
    }
  }
  forceConvStrategy(null);
}
if (argv.includes('--dense')) {
  denseCrossover();
  process.exit(0);
}

const results: Record<string, [number, number]> = {};
const list = shapes.filter((s) => only === undefined || s.name.includes(only));
for (const threads of [1, 2]) {
  sg.setWasmThreads(threads);
  for (const sh of list) {
    const t = time(sh);
    (results[sh.name] ??= [0, 0])[threads - 1] = t;
  }
}
let sum1 = 0, sum2 = 0;
for (const sh of list) {
  const [a, b] = results[sh.name];
  sum1 += a;
  sum2 += b;
  console.log(`${sh.name.padEnd(32)} ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(9)}`);
}
console.log(`${'total'.padEnd(32)} ${sum1.toFixed(1).padStart(9)} ${sum2.toFixed(1).padStart(9)}`);
if (jsonPath !== undefined) writeFileSync(jsonPath, JSON.stringify(results, null, 1));
process.exit(0);
