/**
 * The benchmark's workloads, defined once as data (so TensorFlow.js and PyTorch run exactly the same
 * shapes, see bench/peers/) and built here for simplegrad.
 *
 * - W1: one conv2d, forward and forward+backward (gradients for the input and the weight).
 * - W2: the MNIST CNN of the speed issue, one Adam training step on a batch of 64.
 * - W3: a CIFAR-sized CNN, forward+backward (no optimizer step) on a batch of 32.
 * - W4: an MLP, one SGD training step on a batch of 128.
 * - MNIST: the MNIST example's default model (examples/src/mnist/model.ts), an Adam step on 64.
 * - ResNet-18, MobileNetV2: torchvision's architectures (nn's `resnet18` / `mobilenetV2`, 10
 *   classes), one SGD step with momentum 0.9 on a batch of 32 CIFAR-sized images (32×32×3).
 */
import * as sg from '@simplegrad/core';
import { Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential, mobilenetV2, resnet18 } from '@simplegrad/nn';
import { Adam, SGD } from '@simplegrad/optim';
import { mnistModel } from '../mnist/model.js';

/** One layer of a model spec: the vocabulary the peers implement too. */
export type LayerSpec =
  | { type: 'conv'; in: number; out: number; k: number; pad: number }
  | { type: 'relu' }
  | { type: 'maxpool'; k: number }
  | { type: 'flatten' }
  | { type: 'linear'; in: number; out: number };

/** A workload: a single conv2d, or a model trained (or differentiated) on random data. */
export type WorkloadSpec =
  | { id: string; kind: 'conv'; backward: boolean; x: number[]; w: number[]; pad: number }
  | { id: string; kind: 'model'; input: number[]; classes: number; layers: LayerSpec[]; optimizer: 'adam' | 'sgd' | 'none' }
  | { id: string; kind: 'arch'; arch: Arch; input: number[]; classes: number; optimizer: 'sgd-momentum' };

/** Named architectures, built by each runner from its own model zoo (torchvision's for PyTorch). */
export type Arch = 'resnet18' | 'mobilenetV2';

const conv = (cin: number, cout: number, k: number, pad = 0): LayerSpec => ({ type: 'conv', in: cin, out: cout, k, pad });
const relu: LayerSpec = { type: 'relu' };
const pool: LayerSpec = { type: 'maxpool', k: 2 };
const flatten: LayerSpec = { type: 'flatten' };
const linear = (i: number, o: number): LayerSpec => ({ type: 'linear', in: i, out: o });

const W1: [string, number[], number[], number][] = [
  ['W1a', [64, 1, 28, 28], [32, 1, 3, 3], 0],
  ['W1b', [64, 32, 26, 26], [64, 32, 3, 3], 0],
  ['W1c', [32, 3, 32, 32], [32, 3, 3, 3], 1],
];

/** Every workload, in table order. */
export const WORKLOADS: WorkloadSpec[] = [
  ...W1.flatMap(([id, x, w, pad]): WorkloadSpec[] => [
    { id: `${id} fwd`, kind: 'conv', backward: false, x, w, pad },
    { id: `${id} fwd+bwd`, kind: 'conv', backward: true, x, w, pad },
  ]),
  {
    id: 'W2', kind: 'model', input: [64, 1, 28, 28], classes: 10, optimizer: 'adam',
    layers: [conv(1, 32, 3), relu, conv(32, 64, 3), relu, pool, flatten, linear(9216, 128), relu, linear(128, 10)],
  },
  {
    id: 'W3', kind: 'model', input: [32, 3, 32, 32], classes: 10, optimizer: 'none',
    layers: [conv(3, 32, 3, 1), relu, pool, conv(32, 64, 3, 1), relu, pool, flatten, linear(4096, 512), relu, linear(512, 10)],
  },
  { id: 'W4', kind: 'model', input: [128, 784], classes: 10, optimizer: 'sgd', layers: [linear(784, 256), relu, linear(256, 10)] },
  // Read off the example's own model, so the peers train exactly what `npm run mnist` trains.
  { id: 'MNIST', kind: 'model', input: [64, 1, 28, 28], classes: 10, optimizer: 'adam', layers: layersOf(mnistModel()) },
  { id: 'ResNet-18', kind: 'arch', arch: 'resnet18', input: [32, 3, 32, 32], classes: 10, optimizer: 'sgd-momentum' },
  { id: 'MobileNetV2', kind: 'arch', arch: 'mobilenetV2', input: [32, 3, 32, 32], classes: 10, optimizer: 'sgd-momentum' },
];

/**
 * The layer specs of a Sequential built from the layers above (the MNIST example's model), or an
 * error naming the layer this vocabulary lacks.
 */
function layersOf(model: Module): LayerSpec[] {
  return model.children().map((m): LayerSpec => {
    if (m instanceof Conv2d) {
      const [k, kw] = m.kernelSize;
      const [pt, pb, pl, pr] = m.padding;
      if (k !== kw || [pb, pl, pr].some((p) => p !== pt) || m.stride.some((s) => s !== 1)) {
        throw new Error(`bench: the MNIST model's Conv2d(${m.inChannels}, ${m.outChannels}) is not square, stride 1, evenly padded`);
      }
      return conv(m.inChannels, m.outChannels, k, pt);
    }
    if (m instanceof MaxPool2d) {
      const [k, kw] = m.kernelSize;
      if (k !== kw || m.stride.some((s) => s !== k) || m.padding.some((p) => p !== 0)) {
        throw new Error(`bench: the MNIST model's MaxPool2d(${k}) is not square with stride = kernel and no padding`);
      }
      return { type: 'maxpool', k };
    }
    if (m instanceof ReLU) return relu;
    if (m instanceof Flatten) return flatten;
    if (m instanceof Linear) return linear(m.inFeatures, m.outFeatures);
    throw new Error(`bench: the MNIST model has a ${m.constructor.name}, which the peers' vocabulary lacks`);
  });
}

/** Floating-point operations of a conv workload's forward pass (2 per multiply-add). */
export function convFlops(spec: { x: number[]; w: number[]; pad: number }): number {
  const [n, , h, w] = spec.x;
  const [o, c, kh, kw] = spec.w;
  return 2 * n * o * (h + 2 * spec.pad - kh + 1) * (w + 2 * spec.pad - kw + 1) * c * kh * kw;
}

/** Builds a spec's layers as simplegrad modules. */
function buildModel(layers: LayerSpec[]): Module {
  return new Sequential(...layers.map((l): Module => {
    switch (l.type) {
      case 'conv': return new Conv2d(l.in, l.out, l.k, { padding: l.pad });
      case 'relu': return new ReLU();
      case 'maxpool': return new MaxPool2d(l.k);
      case 'flatten': return new Flatten();
      case 'linear': return new Linear(l.in, l.out);
      default: return l satisfies never;
    }
  }));
}

/** An architecture from nn's model builders, in training mode. */
function buildArch(arch: Arch, numClasses: number): Module {
  switch (arch) {
    case 'resnet18': return resnet18({ numClasses });
    case 'mobilenetV2': return mobilenetV2({ numClasses });
    default: return arch satisfies never;
  }
}

/**
 * One iteration of `spec` in simplegrad, on seeded random data: call it repeatedly to time it. The
 * MNIST workload uses the example's own model builder, so the benchmark measures exactly what
 * `npm run mnist` trains. A model's training step runs in `tidy` (as `npm run mnist`'s does), so
 * each step reuses the last one's memory; `{ tidy: false }` measures it without.
 */
export function simplegradStep(spec: WorkloadSpec, opts: { tidy?: boolean } = {}): () => void {
  sg.manualSeed(0);
  if (spec.kind === 'conv') {
    const x = sg.normal(spec.x, { requiresGrad: spec.backward });
    const w = sg.normal(spec.w, { requiresGrad: spec.backward });
    if (!spec.backward) return () => void sg.noGrad(() => sg.conv2d(x, w, { padding: spec.pad }));
    return () => {
      x.grad = w.grad = null;
      sg.conv2d(x, w, { padding: spec.pad }).sum().backward();
    };
  }
  const model = spec.kind === 'arch' ? buildArch(spec.arch, spec.classes)
    : spec.id === 'MNIST' ? mnistModel() : buildModel(spec.layers);
  const x = sg.normal(spec.input);
  const y = sg.randint(0, spec.classes, [spec.input[0]]);
  const opt = spec.optimizer === 'adam' ? new Adam(model.parameters(), { lr: 1e-3 })
    : spec.optimizer === 'sgd' ? new SGD(model.parameters(), { lr: 0.01 })
      : spec.optimizer === 'sgd-momentum' ? new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }) : null;
  const step = (): void => {
    model.zeroGrad();
    sg.crossEntropy(model.forward(x), y).backward();
    opt?.step();
  };
  return opts.tidy === false ? step : () => sg.tidy(step);
}
