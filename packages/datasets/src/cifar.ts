/**
 * CIFAR-10 from the official binary version (`cifar-10-binary.tar.gz`, extracted): five training
 * batches `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, each a run of 3 073-byte
 * records: one label byte, then 1 024 red, 1 024 green and 1 024 blue bytes of a 32 × 32 image.
 * Nothing is downloaded unless the caller gives URLs; Node reads a directory through
 * `@simplegrad/datasets/node`.
 */
import { ArgumentError, Tensor, checkKnownOptions } from '@simplegrad/core';
import { DatasetError } from './errors.js';
import { type FetchLike, MnistDataset, type MnistSplit, checkSplit, fetchBytes, joinUrl } from './mnist.js';

/** CIFAR-10's class names, in label order. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);

/** One batch file: a URL (absolute or relative to the page) or its bytes. */
export type CifarFileSource = string | URL | Uint8Array | ArrayBuffer;

/** Options of the browser-safe {@link cifar10}. */
export interface Cifar10Options {
  /** `'train'` (50 000 images, five files) or `'test'` (10 000, one file); default `'train'`. */
  split?: MnistSplit;
  /** A base URL holding the standard file names, or the split's files in order (URLs or bytes). */
  source?: string | URL | readonly CifarFileSource[];
  /** The function that downloads URLs (default: the global `fetch`). */
  fetch?: FetchLike;
}

const RECORD = 1 + 3 * 32 * 32;
const PIXEL = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * The standard file names of a split.
 *
 * @example
 * cifar10FileNames('test');   // ['test_batch.bin']
 */
export function cifar10FileNames(split: MnistSplit): string[] {
  return split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
}

/**
 * Builds the dataset from the split's batch files (validated: whole records, labels 0–9).
 *
 * *Shape*: `images` float32 `[N, 3, 32, 32]` in [0, 1], `labels` int32 `[N]`.
 *
 * @example
 * const test = cifar10FromBytes('test', [readFileSync('test_batch.bin')]);
 */
export function cifar10FromBytes(split: MnistSplit, files: readonly Uint8Array[], names: readonly string[] = cifar10FileNames(split)): MnistDataset {
  let n = 0;
  files.forEach((f, i) => {
    if (f.length === 0 || f.length % RECORD !== 0) {
      throw new DatasetError('cifar10', `${names[i] ?? `file ${i}`} has ${f.length} bytes, not a whole number of ${RECORD}-byte records (1 label + 3072 pixels)`);
    }
    n += f.length / RECORD;
  });
  const images = new Float32Array(n * 3072);
  const labels = new Int32Array(n);
  let k = 0;
  files.forEach((f, i) => {
    for (let r = 0; r < f.length; r += RECORD, k++) {
      const label = f[r];
      if (label > 9) throw new DatasetError('cifar10', `label ${label} in record ${r / RECORD} of ${names[i] ?? `file ${i}`} is not a class index (expected 0 to 9)`);
      labels[k] = label;
      const px = f.subarray(r + 1, r + RECORD);
      const base = k * 3072;
      for (let p = 0; p < 3072; p++) images[base + p] = PIXEL[px[p]];
    }
  });
  return new MnistDataset(new Tensor(images, [n, 3, 32, 32]), new Tensor(labels, [n]), split, CIFAR10_CLASSES);
}

/**
 * Loads CIFAR-10 from `source`: a base URL with the standard file names (see
 * {@link cifar10FileNames}), or the split's files (URLs or bytes) in order. In Node,
 * `@simplegrad/datasets/node`'s `cifar10({ dir })` reads a local directory.
 *
 * *Shape*: `images` float32 `[N, 3, 32, 32]` in [0, 1], `labels` int32 `[N]`; N = 50 000 or 10 000.
 *
 * @example
 * const test = await cifar10({ split: 'test', source: '/data/cifar-10-batches-bin/' });
 * test.classes[test.labels.data[0]];   // e.g. 'cat'
 */
export async function cifar10(options: Cifar10Options = {}): Promise<MnistDataset> {
  checkKnownOptions('cifar10', options, ['split', 'source', 'fetch']);
  const split = checkSplit('cifar10', options.split ?? 'train');
  const { source } = options;
  if (source === undefined) throw new ArgumentError('cifar10', "no source given; pass a base URL or the split's files, or in Node import { cifar10 } from '@simplegrad/datasets/node' and pass dir");
  const names = cifar10FileNames(split);
  let files: readonly CifarFileSource[];
  if (typeof source === 'string' || source instanceof URL) files = names.map((name) => joinUrl(source, name));
  else if (Array.isArray(source) && source.length === names.length) files = source;
  else throw new ArgumentError('cifar10', `source must be a base URL or an array of the split's ${names.length} file(s) (${names.join(', ')})`);
  const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  const bytes: Uint8Array[] = [];
  // One file at a time, in order: errors name the first bad file, whatever the network does.
  for (const f of files) {
    if (f instanceof Uint8Array) bytes.push(f);
    else if (f instanceof ArrayBuffer) bytes.push(new Uint8Array(f));
    else if (typeof f === 'string' || f instanceof URL) {
      if (typeof fetchFn !== 'function') throw new ArgumentError('cifar10', 'no fetch function to download the files; pass options.fetch');
      bytes.push(await fetchBytes('cifar10', f instanceof URL ? f.href : f, fetchFn));
    } else throw new ArgumentError('cifar10', 'each file must be a URL string, a URL, a Uint8Array or an ArrayBuffer');
  }
  return cifar10FromBytes(split, bytes, files.map((f, i) => (typeof f === 'string' ? f : f instanceof URL ? f.href : names[i])));
}
