import { SafetensorsError } from '../packages/nn/src/errors.js';
const [which, kind] = process.argv.slice(2);
const mod = which === 'old' ? await import('./old-safetensors.js') : await import('../packages/nn/src/safetensors.js');
function metaFile(n: number): Uint8Array {
  const enc = new TextEncoder();
  const head = enc.encode('{"__metadata__":{');
  const parts: Uint8Array[] = [];
  let len = head.length;
  for (let i = 0; i < n; i++) { const p = enc.encode(`"${i.toString(36)}":"x",`); parts.push(p); len += p.length; }
  const out = new Uint8Array(8 + len + 1);
  new DataView(out.buffer).setUint32(0, len + 1, true);
  out.set(head, 8); let at = 8 + head.length;
  for (const p of parts) { out.set(p, at); at += p.length; }
  out.set(enc.encode('}}'), at - 1);
  return out;
}
const b = kind === 'meta4m' ? metaFile(4_000_000) : metaFile(8_500_000);
const base = process.memoryUsage().rss;
const t0 = performance.now();
let res: string;
try { mod.loadSafetensors(b); res = 'loaded'; } catch (e) { res = (e instanceof SafetensorsError ? 'typed ' : 'RAW ') + (e as Error).message.slice(0, 90); }
console.log(which, kind, `header ${(b.length / 1e6).toFixed(1)} MB`, res, `${Math.round(performance.now() - t0)} ms`, `rss before load ${Math.round(base / 1e6)} MB`);
