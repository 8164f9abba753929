import { wasmGemm, setWasmThreads } from '../packages/core/src/kernels/wasm/index.ts';
import { gemm } from '../packages/core/src/kernels/gemm.ts';
const threads = Number(process.argv[2] ?? 1);
setWasmThreads(threads);
function rnd(n: number, s: number) { const a = new Float32Array(n); let x = s; for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x / 2147483648 - 0.5; } return a; }
for (const [ta, tb, m, n, k] of [[0,0,7,13,5],[1,0,13,7,65],[0,1,65,17,3],[1,1,5,33,9],[0,0,1,1,1],[1,1,66,35,300]] as const) {
  const a = rnd(m*k, 1), b = rnd(k*n, 2), c1 = rnd(m*n, 3), c2 = c1.slice();
  gemm(!!ta, !!tb, m, n, k, a, 0, b, 0, c1, 0, true);
  wasmGemm(!!ta, !!tb, m, n, k, a, 0, b, 0, c2, 0, true);
  let err = 0; for (let i = 0; i < c1.length; i++) err = Math.max(err, Math.abs(c1[i]-c2[i]));
  console.log(ta, tb, m, n, k, 'maxerr', err);
}
for (const [ta, tb, m, n, k] of [[0,0,64,576,288],[0,1,64,288,576],[1,0,288,576,64],[0,0,32,676,9],[0,1,64,128,9216],[0,0,64,128,9216],[1,0,9216,128,64]] as const) {
  const a = rnd(m*k, 1), b = rnd(k*n, 2), c = new Float32Array(m*n);
  const fl = 2*m*n*k; const reps = Math.max(3, Math.ceil(2e9 / fl));
  for (let r = 0; r < 3; r++) wasmGemm(!!ta, !!tb, m, n, k, a, 0, b, 0, c, 0, false);
  let t = performance.now(); for (let r = 0; r < reps; r++) wasmGemm(!!ta, !!tb, m, n, k, a, 0, b, 0, c, 0, false); t = performance.now() - t;
  let tj = performance.now(); const rj = Math.max(1, reps/10|0); for (let r = 0; r < rj; r++) gemm(!!ta, !!tb, m, n, k, a, 0, b, 0, c, 0, false); tj = performance.now() - tj;
  console.log(ta, tb, m, n, k, 'wasm GFLOP/s', (fl*reps/t/1e6).toFixed(1), 'js', (fl*rj/tj/1e6).toFixed(1));
}
