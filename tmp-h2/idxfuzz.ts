import { fuzzIdxInputs } from '../packages/datasets/test/fuzz-inputs.js';
import { IdxError } from '../packages/datasets/src/errors.js';
const which = process.argv[2];
const mod = which === 'old' ? await import('./old-idx.js') : await import('../packages/datasets/src/idx.js');
const inputs = fuzzIdxInputs(7, 12000);
const c: Record<string, number> = { inputs: inputs.length, ok: 0, typed: 0, raw: 0 };
const t0 = performance.now();
for (const b of inputs) {
  try { await mod.readIdx(b, { maxBytes: 1 << 20 }); c.ok++; }
  catch (e) { if (e instanceof IdxError) c.typed++; else { c.raw++; console.log((e as Error).message); } }
}
console.log(which, JSON.stringify(c), 'ms', Math.round(performance.now() - t0));
