/**
 * `node --conditions=@simplegrad/source --import tsx examples/src/custom/main.ts`: prints the custom model's
 * summary, trains it on the bars task and reports the loss falling and the accuracy on new images.
 */
import { Generator } from '@simplegrad/core';
import { withEvalMode } from '@simplegrad/nn';
import { TinyResNet } from './model.js';
import { bars, trainBars } from './train.js';

console.log(new TinyResNet().summary([1, 1, 8, 8]));
const { model, losses } = trainBars({ steps: 60 });
losses.forEach((loss, i) => { if (i % 10 === 0 || i === losses.length - 1) console.log(`step ${i + 1}  loss ${loss.toFixed(4)}`); });
const test = bars(200, new Generator(123));
const predicted = withEvalMode(model, () => model.forward(test.x).argmax(1));   // eval mode, no graph
const correct = [...predicted.data].filter((p, i) => p === test.y.data[i]).length;
console.log(`accuracy on 200 new images: ${(correct / 2).toFixed(1)}%`);
