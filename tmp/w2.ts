import * as sg from '@simplegrad/core';
import { Conv2d, Linear, ReLU, MaxPool2d, Flatten, Sequential } from '@simplegrad/nn';
import { Adam } from '@simplegrad/optim';
const backend = (process.argv[2] ?? 'wasm') as 'js' | 'wasm';
const threads = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 20);
sg.useBackend(backend); sg.setWasmThreads(threads);
sg.manualSeed(0);
const model = new Sequential(new Conv2d(1, 32, 3), new ReLU(), new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(9216, 128), new ReLU(), new Linear(128, 10));
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const x = sg.uniform([64, 1, 28, 28]);
const y = sg.randint(0, 10, [64]);
const times: number[] = [];
for (let s = 0; s < steps; s++) {
  const t = performance.now();
  opt.zeroGrad();
  const loss = sg.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const med = times[times.length >> 1];
console.log(backend, threads, 'median ms', med.toFixed(1), 'samples/s', (64000 / med).toFixed(0));
