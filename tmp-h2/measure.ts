import { fuzzInputs } from '../packages/nn/test/fuzz-inputs.js';
import { SafetensorsError } from '../packages/nn/src/errors.js';
const which = process.argv[2];
const mod = which === 'old' ? await import('./old-safetensors.js') : await import('../packages/nn/src/safetensors.js');
const inputs = fuzzInputs(1, 24000);
const c = { inputs: inputs.length, ok: 0, typed: 0, raw: 0 } as Record<string, number>;
const rawKinds: Record<string, number> = {};
const t0 = performance.now();
for (const b of inputs) {
  try { mod.loadSafetensors(b); mod.safetensorsMetadata(b); c.ok++; }
  catch (e) { if (e instanceof SafetensorsError) c.typed++; else { c.raw++; const k = (e as Error).name + ': ' + (e as Error).message.slice(0, 50); rawKinds[k] = (rawKinds[k] ?? 0) + 1; } }
}
console.log(which, JSON.stringify(c), 'ms', Math.round(performance.now() - t0), JSON.stringify(rawKinds));
