/**
 * @simplegrad/datasets: the IDX reader, MNIST and Fashion-MNIST, and PyTorch-style datasets and
 * data loaders. This entry is browser-safe (nothing here touches the file system); Node code that
 * reads local files imports `@simplegrad/datasets/node`, which re-exports all of this.
 *
 * @example
 * import { mnist, DataLoader, normalize } from '@simplegrad/datasets';
 * const train = await mnist({ split: 'train', source: '/data/mnist/' });   // images [60000, 1, 28, 28]
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, transform: normalize(0.1307, 0.3081) });
 * for (const { x, y } of loader) { ... }                                    // x [64, 1, 28, 28], y [64]
 */
export { DatasetError, IdxError } from './errors.js';
export {
  readIdx, readIdxSync, idxToTensor, IDX_MAX_NDIM, IDX_DEFAULT_MAX_BYTES,
  type IdxArray, type IdxDType, type IdxDataTypes, type ReadIdxOptions, type IdxToTensorOptions,
} from './idx.js';
export {
  type Dataset, type Sample, type SampleValue, type Batch, type DataLoaderOptions, type DataLoaderState,
  TensorDataset, DataLoader, normalize,
} from './data.js';
export {
  mnist, fashionMnist, fetchBytes, mnistFileNames, MnistDataset, MNIST_CLASSES, FASHION_MNIST_CLASSES,
  type MnistOptions, type MnistSource, type MnistSplit, type IdxSource, type FetchLike, type FetchResponseLike,
} from './mnist.js';
export { ImageError } from './errors.js';
export {
  decodeImage, decodeImageAsync, fromPixels, type DecodeImageOptions, type FromPixelsOptions, type ImageChannels, type PixelsLike,
} from './image.js';
export {
  cifar10, cifar10FromBytes, cifar10FileNames, CIFAR10_CLASSES, type Cifar10Options, type CifarFileSource,
} from './cifar.js';
export {
  compose, randomCrop, randomHorizontalFlip, randomResizedCrop, centerCrop, resize, colorJitter, withTransform,
  type Transform, type Size, type RandomCropOptions, type FlipOptions, type RandomResizedCropOptions,
  type ColorJitterOptions, type WithTransformOptions, type TransformedDataset,
} from './transforms.js';
