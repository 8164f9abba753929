/**
 * `npm run bench -- --profile ResNet-18`: a CPU profile of a few steps of one workload (after
 * warm-up, so start-up and JIT compilation stay out of it), written as a .cpuprofile file (open it
 * in Chrome DevTools) and summarised as the functions with the most self time. Taken on the main
 * thread through node:inspector: time inside the wasm workers shows up as the main thread waiting.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { renderTable } from './table.js';

/** The parts of a V8 CPU profile the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Posts one inspector command and waits for its result. */
function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Self time per function (name file:line), largest first, in milliseconds. */
export function selfTimes(profile: CpuProfile): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * Profiles `steps` calls of `step` and returns a table of the `top` functions by self time (ms per
 * step and share), after writing the full profile to `file`.
 */
export async function profileSteps(step: () => void, steps: number, file: string, top = 20): Promise<string> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  const t = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t) / steps;
  const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  const times = selfTimes(profile);
  const total = times.reduce((s, [, v]) => s + v, 0);
  const rows = times.slice(0, top).map(([k, v]) => [k, (v / steps).toFixed(1), `${((100 * v) / total).toFixed(1)} %`]);
  return `${ms.toFixed(0)} ms per step (${steps} steps profiled, written to ${file})\n${renderTable(['function (self time)', 'ms/step', 'share'], rows)}`;
}
