// The benchmark's workloads in TensorFlow.js 4.22 (tfjs-core with the cpu or wasm backend), for
// `npm run bench:peers`. Reads the workload specs and the timing budget as JSON on stdin and prints
// one JSON result per line: { workload, ms, note? } (ms null when the workload cannot run).
//
//   node tfjs.mjs --backend cpu|wasm [--threads N] [--patch auto|none|all] [--wasm-dir DIR]
//
// Run it bundled (examples/src/bench/peers.ts bundles it with esbuild): tfjs-core registers its
// gradients only from its extension-less ESM files, which Node cannot load as they are.
//
// TF.js's own layout is NHWC (filters [kH, kW, C, O]); the shapes are the same. Patching replaces
// conv2d's gradients with forward convolutions (tf.customGrad): TF.js's wasm backend has no
// Conv2DBackpropFilter kernel at all (and its Conv2DBackpropInput is a scalar loop), and the cpu
// backend's Conv2DBackpropFilter is a naive loop (a W2 step takes about 90 s), so as shipped neither
// trains a CNN at a usable speed. `auto` (the default) patches exactly where needed: every conv
// backward on wasm, the model workloads on cpu. Patched results say so in their note.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'cpu' }, threads: { type: 'string', default: '1' }, patch: { type: 'string', default: 'auto' }, 'wasm-dir': { type: 'string' } },
});
const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (d) => { text += d; });
  process.stdin.on('end', () => resolve(text));
}));
const { specs, budget } = input;

if (values.backend === 'wasm') {
  // Bundled, the backend cannot find its .wasm files next to itself: point it at the package.
  setWasmPaths(`${values['wasm-dir']}/`);
  setThreadsCount(Number(values.threads));
}
await tf.setBackend(values.backend);
await tf.ready();

/** Seeded normal data (TF.js's own generator), kept out of the timed region. */
let seed = 1;
const normal = (shape) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

/**
 * Explicit NHWC padding: TF.js's numeric `pad` mis-sizes the output of non-square filters (a 7×6
 * filter with pad 1 over 7×6 gives 3×2, not 3×3), which the dW convolution below has.
 */
const padding = (p) => [[0, 0], [p, p], [p, p], [0, 0]];

/** Plain conv2d, stride 1, symmetric padding `pad`. */
const shippedConv = (x, w, pad) => tf.conv2d(x, w, 1, padding(pad));

/**
 * conv2d (stride 1, symmetric padding `pad`) whose gradients are forward convolutions:
 * dW = conv(xᵀ, dyᵀ) with the batch as channels, dx = conv(dy, the filter rotated by 180° with its
 * channels swapped, padding k − 1 − pad).
 */
function patchedConv(x, w, pad) {
  const f = tf.customGrad((x, w, save) => {
    save([x, w]);
    return {
      value: shippedConv(x, w, pad),
      gradFunc: (dy, [x, w]) => {
        const [kH] = w.shape;
        const dw = tf.transpose(shippedConv(tf.transpose(x, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), pad), [1, 2, 0, 3]);
        const rotated = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
        const dx = shippedConv(dy, rotated, kH - 1 - pad);
        return [dx, dw];
      },
    };
  });
  return f(x, w);
}

/** Whether workload `spec` differentiates a convolution. */
const convBackward = (spec) => (spec.kind === 'model' ? spec.layers.some((l) => l.type === 'conv') : spec.kind === 'conv' && spec.backward);

/** Whether workload `spec` runs with the patched conv gradients (see the file comment). */
function patched(spec) {
  if (!convBackward(spec) || values.patch === 'none') return false;
  return values.patch === 'all' || values.backend === 'wasm' || spec.kind === 'model';
}

/** A model spec's layers as a function of the input, with its variables. */
function buildModel(layers, conv2d) {
  const vars = [];
  const ops = layers.map((l) => {
    switch (l.type) {
      case 'conv': {
        const w = tf.variable(tf.mul(normal([l.k, l.k, l.in, l.out]), Math.sqrt(1 / (l.in * l.k * l.k))));
        const b = tf.variable(tf.zeros([l.out]));
        vars.push(w, b);
        return (x) => tf.add(conv2d(x, w, l.pad), b);
      }
      case 'relu': return (x) => tf.relu(x);
      case 'maxpool': return (x) => tf.maxPool(x, l.k, l.k, 'valid');
      case 'flatten': return (x) => tf.reshape(x, [x.shape[0], -1]);
      case 'linear': {
        const w = tf.variable(tf.mul(normal([l.in, l.out]), Math.sqrt(1 / l.in)));
        const b = tf.variable(tf.zeros([l.out]));
        vars.push(w, b);
        return (x) => tf.add(tf.matMul(x, w), b);
      }
      default: throw new Error(`unknown layer ${l.type}`);
    }
  });
  return { forward: (x) => ops.reduce((h, op) => op(h), x), vars };
}

/** NCHW spec shape → NHWC. */
const nhwc = (s) => (s.length === 4 ? [s[0], s[2], s[3], s[1]] : s);

/** One iteration of `spec`, or throws if TF.js cannot run it. */
function stepOf(spec) {
  // tfjs-core has no model zoo, and a hand-written ResNet/MobileNet here would measure our port, not TF.js.
  if (spec.kind === 'arch') throw new Error('no TF.js build of torchvision architectures (tfjs-core has no model zoo)');
  const conv2d = patched(spec) ? patchedConv : shippedConv;
  if (spec.kind === 'conv') {
    const x = normal(nhwc(spec.x));
    const [o, c, kh, kw] = spec.w;
    const w = normal([kh, kw, c, o]);
    // Blocks return nothing: tf.tidy walks a returned value looking for tensors, element by element.
    if (!spec.backward) return () => tf.tidy(() => { conv2d(x, w, spec.pad).dataSync(); });
    const grads = tf.grads((x, w) => tf.sum(conv2d(x, w, spec.pad)));
    return () => tf.tidy(() => { grads([x, w]).forEach((g) => g.dataSync()); });
  }
  const model = buildModel(spec.layers, conv2d);
  const x = normal(nhwc(spec.input));
  const labels = tf.oneHot(tf.randomUniform([spec.input[0]], 0, spec.classes, 'int32', seed++), spec.classes);
  const loss = () => tf.losses.softmaxCrossEntropy(labels, model.forward(x));
  if (spec.optimizer === 'none') {
    return () => tf.tidy(() => { Object.values(tf.variableGrads(loss, model.vars).grads).forEach((g) => g.dataSync()); });
  }
  const opt = spec.optimizer === 'adam' ? tf.train.adam(1e-3) : tf.train.sgd(0.01);
  return () => tf.tidy(() => { opt.minimize(loss, true, model.vars).dataSync(); });
}

/** Milliseconds one call of `step` takes. */
function once(step) {
  const t = performance.now();
  step();
  return performance.now() - t;
}

/** Median ms per call, with the budget rules of examples/src/bench/measure.ts. */
function timeMs(step) {
  if (once(step) > budget.slowSeconds * 1000) return once(step);
  for (let i = 1; i < budget.warmup; i++) step();
  const times = [];
  const t0 = performance.now();
  do times.push(once(step));
  while (times.length < budget.maxReps && (times.length < budget.minReps || performance.now() - t0 < budget.seconds * 1000));
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

for (const spec of specs) {
  let result;
  try {
    result = { workload: spec.id, ms: timeMs(stepOf(spec)), ...(patched(spec) ? { note: 'conv gradients computed as forward convolutions (patched in)' } : {}) };
  } catch (e) {
    result = { workload: spec.id, ms: null, note: String(e?.message ?? e).split('\n')[0] };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
