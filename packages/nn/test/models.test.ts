/**
 * Whole-model parity with PyTorch (fixtures from tools/fixtures/models.py, which documents the
 * format): torchvision's ResNet-18 and MobileNetV2 against our builders, and a DCGAN, a small U-Net
 * and a net of the remaining new layers written here as a PyTorch user writes them. Every model:
 * state-dict keys, order and shapes equal torch's; after filling the parameters from the formula
 * both sides compute, one training step (train-mode outputs, loss, input gradients, every parameter
 * gradient, every BatchNorm running statistic) and an eval-mode forward match torch's float64
 * results within a small multiple of torch's own float32 error on the same quantity.
 *
 * Set PARITY_TABLE=1 to print the table (model, worst ratio of our error to torch's float32 error).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';
import type { Tensor } from '@simplegrad/core';
import {
  AdaptiveAvgPool2d, AdaptiveMaxPool2d, BCELoss, BatchNorm2d, Conv2d, ConvTranspose2d, GroupNorm, LayerNorm, LeakyReLU, Linear, MaxPool2d,
  Module, ModuleDict, ReLU, Sequential, Sigmoid, Tanh, Upsample, loadSafetensors, mobilenetV2, resnet18,
} from '../src/index.js';

// ---- fixtures -------------------------------------------------------------------------------------

interface Check { shape: number[]; count: number; ref: number[]; torchErr: number; proj: number; maxAbs: number }
interface ModelFixture {
  inputs: Record<string, { shape: number[]; b: number; requiresGrad: boolean }>;
  checks: Record<string, Check>;
  loaded?: { z: { shape: number[]; b: number }; output: { shape: number[]; data: number[] } };
}

const fixtureUrl = (name: string): URL => new URL(`../../../tools/fixtures/models/${name}`, import.meta.url);
const fixture = <T>(name: string): T => JSON.parse(readFileSync(fixtureUrl(name), 'utf8')) as T;

/** sin(a·i² + b) for i < n, in float64: the formula the fixture script uses for weights and inputs. */
function chirp(n: number, a: number, b: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(a * i * i + b);
  return out;
}

/** models.py's `fill_parameters`: every parameter from the formula, in namedParameters order. */
function fillParameters(model: Module): void {
  model.namedParameters().forEach(([name, p], k) => {
    const u = chirp(p.size, 0.37, 1.3 * k);
    const fanIn = p.ndim >= 2 ? p.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    for (let i = 0; i < p.size; i++) {
      p.data[i] = p.ndim >= 2 ? (u[i] * 2) / Math.sqrt(fanIn) : name.endsWith('weight') ? 1 + 0.2 * u[i] : 0.2 * u[i];
    }
  });
}

function makeInputs(fx: ModelFixture): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, { shape, b, requiresGrad }] of Object.entries(fx.inputs)) {
    const n = shape.reduce((a, c) => a * c, 1);
    out[k] = sg.tensor(chirp(n, 0.53, b), { shape, requiresGrad, dtype: 'float32' });
  }
  return out;
}

// ---- the comparison ---------------------------------------------------------------------------------

/** Our error may be this many times torch's own float32 error on the same quantity. */
const K = 8;
/**
 * Floor of the tolerance: float32's machine epsilon times the quantity's largest |value|, for the
 * quantities where torch's float32 result happens to be (nearly) exact.
 */
const EPS32 = 2 ** -23;

interface Row { model: string; checks: number; worst: string; ratio: number; err: number; torchErr: number }
const table: Row[] = [];

/** Compares every stored check with our tensors; fails naming the quantity, records the worst ratio. */
function compareAll(model: string, fx: ModelFixture, ours: Map<string, Tensor>): void {
  const keys = Object.keys(fx.checks);
  assert.equal([...ours.keys()].sort(), [...keys].sort(), `${model}: the checked quantities`);
  let worst = { key: '', ratio: 0, err: 0, torchErr: 0 };
  for (const key of keys) {
    const c = fx.checks[key];
    const t = ours.get(key) as Tensor;
    assert.equal(t.shape, c.shape, `${model} ${key}: shape`);
    const n = t.size;
    const floor = EPS32 * c.maxAbs;
    const tol = K * Math.max(c.torchErr, floor);
    const idx = n <= c.count ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: c.count }, (_, j) => Math.floor((j * n) / c.count));
    let err = 0;
    idx.forEach((i, j) => { err = Math.max(err, Math.abs(t.data[i] - c.ref[j])); });
    assert.ok(err <= tol, `${model} ${key}: max error ${err.toExponential(3)} > ${K} × torch's float32 error ${Math.max(c.torchErr, floor).toExponential(3)}`);
    // The whole tensor: |Σ (ours − ref)·c| ≤ ‖c‖·√n·max error (Cauchy–Schwarz), with c the stored projection's weights.
    const w = chirp(n, 0.71, 0.1);
    let proj = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) { proj += t.data[i] * w[i]; norm += w[i] * w[i]; }
    const projTol = tol * Math.sqrt(norm) * Math.sqrt(n) + 1e-12 * Math.abs(c.proj);
    assert.ok(Math.abs(proj - c.proj) <= projTol, `${model} ${key}: projection ${proj} vs ${c.proj} (tolerance ${projTol.toExponential(3)})`);
    const ratio = err / Math.max(c.torchErr, floor);
    if (ratio > worst.ratio) worst = { key, ratio, err, torchErr: c.torchErr };
  }
  table.push({ model, checks: keys.length, worst: worst.key, ratio: worst.ratio, err: worst.err, torchErr: worst.torchErr });
}

/**
 * One training step then an eval forward, as models.py's `run` does: `step` runs the forward and
 * returns named outputs and the loss.
 */
function runModel(
  name: string, model: Module, step: (m: Module, x: Record<string, Tensor>) => { outs: Record<string, Tensor>; loss: Tensor }, label = name,
): void {
  const fx = fixture<ModelFixture>(`${name}.json`);
  fillParameters(model);
  model.train();
  const inputs = makeInputs(fx);
  const { outs, loss } = step(model, inputs);
  loss.backward();
  const ours = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(outs)) ours.set(`train.${k}`, v);
  ours.set('loss', loss);
  for (const [k, t] of Object.entries(inputs)) if (t.requiresGrad) ours.set(`grad.${k}`, t.grad as Tensor);
  for (const [k, p] of model.namedParameters()) ours.set(`grad.${k}`, p.grad as Tensor);
  for (const [k, b] of model.namedBuffers()) if (b.dtype !== 'int32') ours.set(`buffer.${k}`, b);
  model.eval();
  const evalOuts = sg.noGrad(() => step(model, inputs).outs);
  for (const [k, v] of Object.entries(evalOuts)) ours.set(`eval.${k}`, v);
  compareAll(label, fx, ours);
  // Every BatchNorm saw exactly one training batch per forward it ran.
  for (const [k, b] of model.namedBuffers()) if (b.dtype === 'int32') assert.ok(b.data[0] >= 1, `${name} ${k}`);
}

const keysFixture = fixture<{ models: Record<string, [string, number[]][]> }>('keys.json').models;

function keyList(model: Module): [string, number[]][] {
  return [...model.stateDict()].map(([k, t]) => [k, [...t.shape]]);
}

const classify = (m: Module, x: Record<string, Tensor>): { outs: Record<string, Tensor>; loss: Tensor } => {
  const output = m.forward(x.x) as Tensor;
  const target = sg.tensor([3, 4], { dtype: 'int32' });
  return { outs: { output }, loss: sg.crossEntropy(output, target) };
};

// ---- torchvision's models ---------------------------------------------------------------------------

test('resnet18(): state-dict keys, order and shapes equal torchvision\'s (1000 and 10 classes)', () => {
  assert.equal(keyList(resnet18()), keysFixture.resnet18);
  assert.equal(keyList(resnet18({ numClasses: 10 })), keysFixture.resnet18_c10);
});

test('mobilenetV2(): state-dict keys, order and shapes equal torchvision\'s (width 1 / 1000 classes, width 0.5 / 10 classes)', () => {
  assert.equal(keyList(mobilenetV2()), keysFixture.mobilenet_v2);
  assert.equal(keyList(mobilenetV2({ numClasses: 10, widthMult: 0.5 })), keysFixture['mobilenet_v2_w0.5_c10']);
});

test('ResNet-18 (10 classes, x=[2,3,64,64]): training step and eval forward match torchvision', () => {
  runModel('resnet18', resnet18({ numClasses: 10 }), classify);
});

test('MobileNetV2 (widthMult 0.5, 10 classes, x=[2,3,64,64]): training step and eval forward match torchvision', () => {
  runModel('mobilenet_v2', mobilenetV2({ numClasses: 10, widthMult: 0.5, dropout: 0 }), classify);
});

test('ResNet-18 and MobileNetV2 on the other backend (the plain-TypeScript reference kernels if the default is WebAssembly) match torchvision too', () => {
  const other = sg.kernels() === sg.jsKernels ? 'wasm' : 'js';
  const prev = sg.useBackend(other);
  try {
    runModel('resnet18', resnet18({ numClasses: 10 }), classify, `resnet18 ${other}`);
    runModel('mobilenet_v2', mobilenetV2({ numClasses: 10, widthMult: 0.5, dropout: 0 }), classify, `mobilenet_v2 ${other}`);
  } finally {
    sg.setKernels(prev);
  }
});

// ---- a DCGAN, written as the PyTorch example writes it -----------------------------------------------

const [NZ, NGF, NDF, NC] = [16, 8, 8, 3];

class Generator extends Module {
  main = new Sequential(
    new ConvTranspose2d(NZ, NGF * 4, 4, { stride: 1, padding: 0, bias: false }), new BatchNorm2d(NGF * 4), new ReLU(),       // [N, 32, 4, 4]
    new ConvTranspose2d(NGF * 4, NGF * 2, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(NGF * 2), new ReLU(),  // [N, 16, 8, 8]
    new ConvTranspose2d(NGF * 2, NGF, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(NGF), new ReLU(),          // [N, 8, 16, 16]
    new ConvTranspose2d(NGF, NC, 4, { stride: 2, padding: 1, bias: false }), new Tanh(),                                       // [N, 3, 32, 32]
  );
  forward(z: Tensor): Tensor { return this.main.forward(z); }
}

class Discriminator extends Module {
  main = new Sequential(
    new Conv2d(NC, NDF, 4, { stride: 2, padding: 1, bias: false }), new LeakyReLU(0.2),                                      // [N, 8, 16, 16]
    new Conv2d(NDF, NDF * 2, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(NDF * 2), new LeakyReLU(0.2),       // [N, 16, 8, 8]
    new Conv2d(NDF * 2, NDF * 4, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(NDF * 4), new LeakyReLU(0.2),   // [N, 32, 4, 4]
    new Conv2d(NDF * 4, 1, 4, { stride: 1, padding: 0, bias: false }), new Sigmoid(),                                         // [N, 1, 1, 1]
  );
  forward(x: Tensor): Tensor { return this.main.forward(x).reshape([-1]); }
}

class GAN extends Module {
  netG = new Generator();
  netD = new Discriminator();
  forward(): never { throw new Error('unused'); }
}

const bce = new BCELoss();

test('DCGAN (ConvTranspose2d/BatchNorm/ReLU/Tanh generator, Conv2d/LeakyReLU(0.2)/Sigmoid discriminator, BCELoss): keys and one step match torch', () => {
  const gan = new GAN();
  assert.equal(keyList(gan), keysFixture.dcgan);
  runModel('dcgan', gan, (m, x) => {
    const { netG, netD } = m as GAN;
    const fake = netG.forward(x.z);
    const dFake = netD.forward(fake);
    const dReal = netD.forward(x.real);
    const loss = bce.forward(dFake, sg.onesLike(dFake)).add(bce.forward(dReal, sg.zerosLike(dReal)));
    return { outs: { fake, dFake, dReal }, loss };
  });
});

test('DCGAN generator: a torch-written safetensors file (running statistics included) loads strictly and gives torch\'s eval output', () => {
  const fx = fixture<ModelFixture>('dcgan.json');
  const netG = new Generator();
  netG.loadStateDict(loadSafetensors(readFileSync(fixtureUrl('dcgan_generator.safetensors'))));
  const { z, output } = fx.loaded!;
  const n = z.shape.reduce((a, c) => a * c, 1);
  const y = netG.eval().forward(sg.tensor(chirp(n, 0.53, z.b), { shape: z.shape, dtype: 'float32' }));
  assert.equal(y.shape, output.shape);
  let err = 0;
  output.data.forEach((v, i) => { err = Math.max(err, Math.abs(y.data[i] - v)); });
  assert.ok(err < 1e-5, `max error ${err}`);
});

// ---- a small U-Net ----------------------------------------------------------------------------------

class Block extends Module {
  net: Sequential;
  constructor(cin: number, cout: number, norm: (c: number) => Module) {
    super();
    this.net = new Sequential(
      new Conv2d(cin, cout, 3, { padding: 1, bias: false }), norm(cout), new ReLU(),
      new Conv2d(cout, cout, 3, { padding: 1, bias: false }), norm(cout), new ReLU(),
    );
  }
  forward(x: Tensor): Tensor { return this.net.forward(x); }
}

const gn = (c: number): Module => new GroupNorm(4, c);
const bn = (c: number): Module => new BatchNorm2d(c);

class UNet extends Module {
  enc1 = new Block(3, 8, gn);
  pool = new MaxPool2d(2);
  enc2 = new Block(8, 16, bn);
  bottleneck = new Block(16, 32, gn);
  up2 = new Sequential(new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }), new Conv2d(32, 16, 1));
  dec2 = new Block(32, 16, bn);
  up1 = new ConvTranspose2d(16, 8, 2, { stride: 2 });
  dec1 = new Block(16, 8, gn);
  head = new Conv2d(8, 2, 1);

  forward(x: Tensor): Tensor {
    const e1 = this.enc1.forward(x);                                   // [N, 8, 16, 16]
    const e2 = this.enc2.forward(this.pool.forward(e1));               // [N, 16, 8, 8]
    const b = this.bottleneck.forward(this.pool.forward(e2));          // [N, 32, 4, 4]
    const d2 = this.dec2.forward(sg.cat([this.up2.forward(b), e2], 1));  // [N, 16, 8, 8]
    const d1 = this.dec1.forward(sg.cat([this.up1.forward(d2), e1], 1)); // [N, 8, 16, 16]
    return this.head.forward(d1);                                      // [N, 2, 16, 16]
  }
}

test('U-Net (GroupNorm and BatchNorm blocks, MaxPool2d, bilinear Upsample, ConvTranspose2d, cat skips, MSE): keys and one step match torch', () => {
  const unet = new UNet();
  assert.equal(keyList(unet), keysFixture.unet);
  runModel('unet', unet, (m, x) => {
    const output = m.forward(x.x) as Tensor;
    return { outs: { output }, loss: sg.mseLoss(output, x.target) };
  });
});

// ---- the remaining layers ---------------------------------------------------------------------------

class Misc extends Module {
  stem = new Conv2d(3, 8, 3, { padding: 2, dilation: 2 });
  dw = new Conv2d(8, 16, 3, { stride: 2, padding: 1, groups: 8 });
  heads = new ModuleDict({
    up: new ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    pool: new AdaptiveMaxPool2d([3, 5]),
  });
  ln = new LayerNorm([8, 10, 10]);
  up = new Upsample({ scaleFactor: 2, mode: 'nearest' });
  resize = new Upsample({ size: [7, 9], mode: 'bilinear', alignCorners: true });
  ct = new ConvTranspose2d(8, 4, 3, { dilation: 2 });
  avg = new AdaptiveAvgPool2d([4, 3]);
  fc = new Linear(48, 5);

  forward(x: Tensor): Tensor {
    let y = sg.relu(this.stem.forward(x));                              // [N, 8, 10, 10]
    y = sg.relu(this.dw.forward(y));                                    // [N, 16, 5, 5]
    y = this.ln.forward(this.heads.get('up').forward(y) as Tensor);     // [N, 8, 10, 10]
    y = this.up.forward(this.heads.get('pool').forward(y) as Tensor);   // [N, 8, 6, 10]
    y = this.ct.forward(this.resize.forward(y));                        // [N, 4, 11, 13]
    return this.fc.forward(sg.flatten(this.avg.forward(y), 1));          // [N, 5]
  }
}

test('dilated / grouped / depthwise Conv2d, grouped ConvTranspose2d with outputPadding, dilated ConvTranspose2d, LayerNorm, adaptive pools, both Upsample modes, ModuleDict: keys and one step match torch', () => {
  const misc = new Misc();
  assert.equal(keyList(misc), keysFixture.misc);
  runModel('misc', misc, classify);
});

test.after(() => {
  if (process.env.PARITY_TABLE === undefined) return;
  console.log('\nmodel            checks  worst ratio  our error  torch f32 error  (quantity)');
  for (const r of table) {
    console.log(`${r.model.padEnd(16)} ${String(r.checks).padStart(6)}  ${r.ratio.toFixed(2).padStart(11)}  ${r.err.toExponential(2).padStart(9)}  ${r.torchErr.toExponential(2).padStart(15)}  (${r.worst})`);
  }
});

test.run();
