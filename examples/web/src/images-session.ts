/**
 * The "train on your own images" demo without any DOM: images in as RGBA pixels, a small CNN
 * trained with augmentation by `@simplegrad/train`'s `fitEvents`, predictions, and the model as one
 * safetensors file that carries its own recipe (architecture, input size, class names) in its
 * metadata, so a reloaded page rebuilds it from the bytes alone. The worker runs it; Node can too.
 */
import { type Tensor, defaultGenerator, manualSeed, noGrad, softmax, stack } from '@simplegrad/core';
import {
  type Batch, DataLoader, type Dataset, centerCrop, colorJitter, compose, normalize, randomHorizontalFlip,
  randomResizedCrop, resize, withTransform,
} from '@simplegrad/datasets';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential, loadSafetensors, mobilenetV2,
  safetensorsMetadata, saveSafetensors,
} from '@simplegrad/nn';
import { Adam } from '@simplegrad/optim';
import { evaluate, fitEvents, predict, updateBatchNormStats } from '@simplegrad/train';

/** The two networks offered: MobileNetV2 at width 0.35, or a 3-block CNN (about 24 k parameters). */
export type Arch = 'mobilenet' | 'cnn';

/** What a saved model needs to be rebuilt: its network, input size and class names. */
export interface ModelSpec {
  arch: Arch;
  /** Images are `size × size` RGB. */
  size: number;
  classes: string[];
}

/** One training run's settings. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** randomResizedCrop + horizontal flip + colour jitter on every training sample. */
  augment: boolean;
}

/** ImageNet's channel statistics, torchvision's convention for RGB input. */
const toInput = normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

/** A fresh network for `spec` (weights drawn from the global generator: seed first). */
export function buildModel(spec: ModelSpec): Module {
  const n = spec.classes.length;
  if (spec.arch === 'mobilenet') return mobilenetV2({ numClasses: n, widthMult: 0.35, dropout: 0.1 });
  const block = (i: number, o: number): Module[] => [new Conv2d(i, o, 3, { padding: 1, bias: false }), new BatchNorm2d(o), new ReLU()];
  return new Sequential(
    ...block(3, 16), new MaxPool2d(2),    // [B, 16, S/2, S/2]
    ...block(16, 32), new MaxPool2d(2),   // [B, 32, S/4, S/4]
    ...block(32, 64),                     // [B, 64, S/4, S/4]
    new AdaptiveAvgPool2d(1), new Flatten(), new Linear(64, n), // [B, n]
  );
}

/**
 * An image (`[C, H, W]` in [0, 1], e.g. from `fromPixels` or `decodeImage`) as the network's
 * `[3, size, size]` input: the shorter edge resized to `size`, then the centre cropped square.
 */
export function prepareImage(image: Tensor, size: number): Tensor {
  // Neither transform draws a random number; they take a generator only to be Transforms.
  return compose([resize(size), centerCrop(size)])(image, defaultGenerator());
}


/** The training events the page draws. */
export type TrainEvent =
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; totalSteps: number; loss: number; accuracy: number; samplesPerSec: number }
  | { type: 'epoch'; epoch: number; step: number; loss: number; accuracy: number; cleanAccuracy: number }
  | { type: 'done'; aborted: boolean; steps: number; samples: number; trainSeconds: number; samplesPerSec: number };

/** Class probabilities for each image and the most likely class. */
export interface Prediction {
  label: number;
  probs: number[];
}

/** A model for `spec`, trained and queried here; {@link ImageModel.load} rebuilds a saved one. */
export class ImageModel {
  constructor(readonly spec: ModelSpec, readonly model: Module) {}

  /** A new model from `seed`. */
  static create(spec: ModelSpec, seed: number): ImageModel {
    manualSeed(seed);
    return new ImageModel(spec, buildModel(spec));
  }

  /** Rebuilds a model from {@link ImageModel.save}'s bytes. */
  static load(bytes: Uint8Array): ImageModel {
    const meta = safetensorsMetadata(bytes);
    if (meta.simplegradImages === undefined) throw new Error('these bytes are not a model saved by the images demo (no simplegradImages metadata)');
    const spec = JSON.parse(meta.simplegradImages) as ModelSpec;
    const m = new ImageModel(spec, buildModel(spec));
    m.model.loadStateDict(loadSafetensors(bytes));
    return m;
  }

  /** The weights as safetensors (PyTorch key names) with the spec in the metadata. */
  save(): Uint8Array {
    return saveSafetensors(this.model.stateDict(), { metadata: { simplegradImages: JSON.stringify(this.spec) } });
  }

  /**
   * Trains on `images` (each `[3, size, size]`, from {@link prepareImage}) with class indices
   * `labels`, yielding an event per batch and per epoch; after each epoch the BatchNorm statistics
   * are re-estimated and the un-augmented images scored. `signal` stops it after the current batch.
   */
  async *train(images: readonly Tensor[], labels: readonly number[], settings: TrainSettings, signal?: AbortSignal): AsyncGenerator<TrainEvent> {
    const { size } = this.spec;
    const clean: Dataset = { length: images.length, get: (i) => [images[i], labels[i]] };
    const augment = compose([
      randomResizedCrop(size, { scale: [0.6, 1] }),
      randomHorizontalFlip(),
      colorJitter({ brightness: 0.3, contrast: 0.3, saturation: 0.3 }),
    ]);
    const train = settings.augment ? withTransform(clean, augment, { seed: settings.seed }) : clean;
    const loader = new DataLoader(train, { batchSize: settings.batchSize, shuffle: true, seed: settings.seed, transform: toInput });
    const cleanLoader = new DataLoader(clean, { batchSize: 64, transform: toInput });
    const optimizer = new Adam(this.model.parameters(), { lr: settings.lr });
    const totalSteps = loader.length * settings.epochs;
    let step = 0;
    let samples = 0;
    let trainMs = 0;
    let resumed = performance.now();
    for await (const e of fitEvents(this.model, loader, { optimizer, epochs: settings.epochs, signal, tidy: true })) {
      if (e.type === 'batchEnd') {
        trainMs += performance.now() - resumed;
        step++;
        samples += e.logs.size;
        yield {
          type: 'batch', epoch: e.logs.epoch, batch: e.logs.batch, batches: e.logs.batches, step, totalSteps, loss: e.logs.loss,
          accuracy: e.logs.accuracy, samplesPerSec: samples / (trainMs / 1000),
        };
      } else if (e.type === 'epochEnd') {
        updateBatchNormStats(this.model, cleanLoader);
        const { accuracy } = await evaluate(this.model, cleanLoader);
        yield { type: 'epoch', epoch: e.logs.epoch, step, loss: e.logs.loss, accuracy: e.logs.accuracy, cleanAccuracy: accuracy };
      } else if (e.type === 'trainEnd') {
        if (e.history.stopped !== 'completed') updateBatchNormStats(this.model, cleanLoader); // stopped mid-epoch
        yield { type: 'done', aborted: e.history.stopped === 'aborted', steps: step, samples, trainSeconds: trainMs / 1000, samplesPerSec: trainMs > 0 ? samples / (trainMs / 1000) : 0 };
      }
      // Time from here until the next batch event is training; what the consumer does meanwhile is not.
      resumed = performance.now();
    }
  }

  /** Predictions for prepared images (eval mode, no graph). */
  classify(images: readonly Tensor[]): Prediction[] {
    if (images.length === 0) return [];
    const probs = noGrad(() => softmax(predict(this.model, toInput(stack([...images]))), 1));
    const n = this.spec.classes.length;
    return images.map((_, i) => {
      const p = Array.from(probs.data.subarray(i * n, (i + 1) * n));
      return { label: p.indexOf(Math.max(...p)), probs: p };
    });
  }
}
