/**
 * The whole MNIST job on simplegrad's high-level API: data, model, training with a progress bar,
 * evaluation. `npm run mnist:beautiful` runs it (one epoch, about 98.9 % test accuracy); the test
 * suite runs it on 3 000 images with an accuracy floor.
 */
import { fileURLToPath } from 'node:url';
import { manualSeed } from '@simplegrad/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@simplegrad/nn';
import { Adam } from '@simplegrad/optim';
import { DataLoader, TensorDataset, normalize } from '@simplegrad/datasets';
import { mnist } from '@simplegrad/datasets/node';
import { evaluate, fit, progressBar } from '@simplegrad/train';

/** Trains on the first `limit` training images for `epochs` and returns the test accuracy. */
export async function beautifulMnist({ epochs = 1, limit = 60000, quiet = false } = {}): Promise<number> {
  manualSeed(0);
  const [train, test] = await Promise.all([mnist(), mnist({ split: 'test' })]);
  const model = new Sequential(
    new Conv2d(1, 32, 5), new MaxPool2d(2), new ReLU(),    // [B, 32, 12, 12]
    new Conv2d(32, 64, 5), new MaxPool2d(2), new ReLU(),   // [B, 64, 4, 4]
    new Flatten(), new Linear(1024, 10),                   // [B, 10] logits
  );
  const transform = normalize(0.1307, 0.3081);
  const images = new TensorDataset(train.images.narrow(0, 0, limit), train.labels.narrow(0, 0, limit));
  await fit(model, new DataLoader(images, { batchSize: 64, shuffle: true, seed: 0, transform }), {
    optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
    epochs,
    callbacks: quiet ? [] : progressBar(),
  });
  const { accuracy } = await evaluate(model, new DataLoader(test, { batchSize: 1000, transform }));
  return accuracy;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const accuracy = await beautifulMnist();
  console.log(`test accuracy ${(accuracy * 100).toFixed(2)}%`);
}
