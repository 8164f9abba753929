/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/):
 *
 * ```
 * byte 0-1   0x00 0x00                   (the magic number starts with two zero bytes)
 * byte 2     dtype code                  0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 * byte 3     number of dimensions n
 * 4 + 4·i    size of dimension i         uint32, big-endian
 * 4 + 4·n    the elements, row-major, big-endian
 * ```
 *
 * Everything is validated before anything is allocated: the header fixes the exact byte length, and
 * input that does not have it is refused. Gzip input is inflated with the platform's
 * `DecompressionStream` (Node ≥ 18, browsers, workers), so this module imports nothing from Node.
 */
import { ArgumentError, type DType, Tensor, fmtShape } from '@simplegrad/core';
import { IdxError } from './errors.js';

/** The typed array that holds the elements of each IDX dtype. */
export interface IdxDataTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** The element types IDX can store. */
export type IdxDType = keyof IdxDataTypes;

/** A parsed IDX file: `data` is row-major with `shape`, and its array type matches `dtype`. */
export type IdxArray = {
  [K in IdxDType]: { readonly dtype: K; readonly shape: number[]; readonly data: IdxDataTypes[K] };
}[IdxDType];

/** Options of {@link readIdx} and {@link readIdxSync}. */
export interface ReadIdxOptions {
  /** The file name or URL, used in error messages (default: none). */
  name?: string;
  /**
   * Largest inflated size accepted for gzip input, in bytes (default 1 GiB). It stops gzip bombs;
   * uncompressed input is already in memory and needs no cap.
   */
  maxBytes?: number;
}

/** IDX allows 255 dimensions; no real data set has more than a handful, so more is taken as corruption. */
export const IDX_MAX_NDIM = 8;

/** Default of {@link ReadIdxOptions.maxBytes}: 1 GiB. */
export const IDX_DEFAULT_MAX_BYTES = 2 ** 30;

interface IdxTypeInfo<K extends IdxDType> {
  readonly code: number;
  readonly bytes: number;
  /** Decodes `n` big-endian elements starting at the view's first byte. */
  decode(view: DataView, n: number): IdxDataTypes[K];
}

// DataView's getters read big-endian by default, which is IDX's byte order whatever the host's is.
// The one-byte types have no byte order, so they are views of the input rather than copies.
const IDX_TYPES: { readonly [K in IdxDType]: IdxTypeInfo<K> } = {
  uint8: { code: 0x08, bytes: 1, decode: (v, n) => new Uint8Array(v.buffer, v.byteOffset, n) },
  int8: { code: 0x09, bytes: 1, decode: (v, n) => new Int8Array(v.buffer, v.byteOffset, n) },
  int16: {
    code: 0x0b, bytes: 2,
    decode: (v, n) => { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = v.getInt16(2 * i); return a; },
  },
  int32: {
    code: 0x0c, bytes: 4,
    decode: (v, n) => { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = v.getInt32(4 * i); return a; },
  },
  float32: {
    code: 0x0d, bytes: 4,
    decode: (v, n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = v.getFloat32(4 * i); return a; },
  },
  float64: {
    code: 0x0e, bytes: 8,
    decode: (v, n) => { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = v.getFloat64(8 * i); return a; },
  },
};

const DTYPE_BY_CODE = new Map<number, IdxDType>(
  (Object.keys(IDX_TYPES) as IdxDType[]).map((k) => [IDX_TYPES[k].code, k]),
);

const KNOWN_CODES = (Object.keys(IDX_TYPES) as IdxDType[]).map((k) => `${hex(IDX_TYPES[k].code, 2)} ${k}`).join(', ');

/** Where an error happened: the public function's name and the caller's file name. */
interface Where { readonly fn: string; readonly file: string | undefined }

interface IdxHeader {
  readonly dtype: IdxDType;
  readonly shape: number[];
  readonly headerBytes: number;
  /** Element count; a float, so an absurd header cannot overflow into a small number. */
  readonly count: number;
  /** headerBytes + count · element size: the exact length a well-formed file has. */
  readonly totalBytes: number;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses and checks the header. With `complete` false (a gzip stream still arriving) a header that
 * is merely cut short gives undefined instead of an error; anything actually wrong still throws.
 */
function parseHeader(bytes: Uint8Array, where: Where, complete: boolean): IdxHeader | undefined {
  const fail = (message: string): never => { throw new IdxError(where.fn, where.file, message); };
  if (bytes.length < 4) {
    return complete ? fail(`input has ${bytes.length} bytes, too short for the 4-byte IDX magic number`) : undefined;
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = isGzip(bytes) ? '; the input is gzip-compressed, which only the async readIdx inflates' : '';
    fail(`bad magic ${hex(magic, 8)} (expected two zero bytes, a dtype code and a dimension count, e.g. 0x00000803 for uint8 images)${gz}`);
  }
  const dtype = DTYPE_BY_CODE.get(bytes[2]) ?? fail(`unknown dtype code ${hex(bytes[2], 2)} in magic ${hex(magic, 8)} (known: ${KNOWN_CODES})`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > IDX_MAX_NDIM) {
    fail(`magic ${hex(magic, 8)} gives ${ndim} dimensions; this reader accepts 1 to ${IDX_MAX_NDIM}`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    return complete ? fail(`header cut short: ${ndim} dimensions need a ${headerBytes}-byte header but the input has ${bytes.length} bytes`) : undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i);
    shape.push(d);
    count *= d;
  }
  // With data, the length check refuses a huge dimension; with a 0 beside it there is no data, yet a
  // size past int32 would break every op's indexing of the (empty) tensor.
  const big = shape.findIndex((d) => d > 2 ** 31 - 1);
  if (count === 0 && big >= 0) fail(`dimension ${big} of shape ${fmtShape(shape)} is larger than ${2 ** 31 - 1}`);
  return { dtype, shape, headerBytes, count, totalBytes: headerBytes + count * IDX_TYPES[dtype].bytes };
}

/** Parses complete, uncompressed IDX bytes; the length is checked against the header before decoding. */
function parseIdx(bytes: Uint8Array, where: Where): IdxArray {
  const h = parseHeader(bytes, where, true)!;
  const desc = `shape ${fmtShape(h.shape)} of ${h.dtype} needs exactly ${h.totalBytes} bytes (${h.headerBytes}-byte header + data)`;
  if (bytes.length < h.totalBytes) {
    throw new IdxError(where.fn, where.file, `data truncated: ${desc} but the input has ${bytes.length}`);
  }
  if (bytes.length > h.totalBytes) {
    throw new IdxError(where.fn, where.file, `${bytes.length - h.totalBytes} unexpected bytes after the data: ${desc} but the input has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.headerBytes, bytes.length - h.headerBytes);
  return decodeAs(h.dtype, view, h.count, h.shape);
}

// One generic helper keeps the dtype/data pairing typed without a cast per dtype.
function decodeAs<K extends IdxDType>(dtype: K, view: DataView, count: number, shape: number[]): IdxArray {
  const data = IDX_TYPES[dtype].decode(view, count);
  return { dtype, shape, data } as IdxArray;
}

function asBytes(fn: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  const got = bytes === null ? 'null' : ArrayBuffer.isView(bytes) ? bytes.constructor.name : typeof bytes;
  throw new ArgumentError(fn, `bytes must be a Uint8Array or an ArrayBuffer, got ${got}`);
}

function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/**
 * Inflates gzip input into ONE buffer of exactly the size the header claims (once the first bytes
 * give the header): no list of chunks and no concatenated copy, so the peak is the claimed size
 * (bounded by `maxBytes`) plus one chunk. Output past the claimed size stops the inflater at once;
 * output that falls short comes back shorter, and {@link parseIdx} says it is truncated.
 */
async function gunzip(bytes: Uint8Array, where: Where, maxBytes: number): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (typeof DS !== 'function') {
    throw new IdxError(where.fn, where.file, 'the input is gzip-compressed but this platform has no DecompressionStream; inflate it first and pass the raw bytes');
  }
  // Streams take only ArrayBuffer-backed views; a view of a SharedArrayBuffer is copied first.
  const chunk = bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes.slice();
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({ start(c) { c.enqueue(chunk); c.close(); } });
  const reader = source.pipeThrough(new DS('gzip')).getReader();
  // Until the header is complete (at most 36 bytes, usually the first chunk), chunks wait here.
  let pending: Uint8Array[] = [];
  let out: Uint8Array | null = null;
  let total = 0;
  let header: IdxHeader | undefined;
  let finished = false;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new IdxError(where.fn, where.file, `gzip data is corrupt or truncated (${(e as Error).message})`);
      }
      if (step.done) { finished = true; break; }
      const piece = step.value;
      if (out !== null) {
        if (total + piece.length > out.length) throw tooLong(where, header as IdxHeader);
        out.set(piece, total);
        total += piece.length;
        continue;
      }
      pending.push(piece);
      total += piece.length;
      const head = concatChunks(pending, total);
      pending = [head];
      header = parseHeader(head, where, false);
      if (header === undefined) {
        if (total > maxBytes) throw new IdxError(where.fn, where.file, `gzip input inflates to more than maxBytes = ${maxBytes}`);
        continue;
      }
      if (header.totalBytes > maxBytes) {
        throw new IdxError(where.fn, where.file, `header shape ${fmtShape(header.shape)} of ${header.dtype} implies ${header.totalBytes} bytes, more than maxBytes = ${maxBytes}`);
      }
      if (total > header.totalBytes) throw tooLong(where, header);
      out = allocateBytes(where, header);
      out.set(head);
      pending = [];
    }
  } finally {
    // Stop the inflater when we bail out early; it may already be errored, which is fine.
    if (!finished) await reader.cancel().catch(() => undefined);
  }
  return out === null ? concatChunks(pending, total) : out.subarray(0, total);
}

function tooLong(where: Where, header: IdxHeader): IdxError {
  return new IdxError(where.fn, where.file, `unexpected bytes after the data: shape ${fmtShape(header.shape)} of ${header.dtype} needs exactly ${header.totalBytes} bytes but the gzip input inflates to more`);
}

/** The output buffer of the claimed size, or a typed error saying how much was asked for. */
function allocateBytes(where: Where, header: IdxHeader): Uint8Array {
  try {
    return new Uint8Array(header.totalBytes);
  } catch {
    throw new IdxError(where.fn, where.file, `cannot allocate the ${header.totalBytes} bytes that shape ${fmtShape(header.shape)} of ${header.dtype} needs (more than this platform's typed arrays hold); lower maxBytes to refuse such input`);
  }
}

function checkMaxBytes(fn: string, maxBytes: number): number {
  if (!(maxBytes > 0)) throw new ArgumentError(fn, `maxBytes must be a positive number of bytes, got ${maxBytes}`);
  return maxBytes;
}

/**
 * Parses an IDX file (MNIST's format) from its bytes, inflating gzip input (recognised by its
 * 0x1F 0x8B signature) on the way. The header is validated and the length must match it exactly;
 * malformed input gives an {@link IdxError} naming `name`, never a crash or a huge allocation.
 * For uint8 and int8 data, `data` is a view of the (inflated) bytes, not a copy.
 *
 * *Shape*: whatever the header says, e.g. `[60000, 28, 28]` for MNIST's training images.
 *
 * @example
 * const bytes = new Uint8Array(await (await fetch('t10k-labels-idx1-ubyte.gz')).arrayBuffer());
 * const labels = await readIdx(bytes, { name: 't10k-labels-idx1-ubyte.gz' });
 * labels.shape;   // [10000]
 * labels.dtype;   // 'uint8'
 */
export async function readIdx(bytes: Uint8Array | ArrayBuffer, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const where: Where = { fn: 'readIdx', file: options.name };
  const maxBytes = checkMaxBytes('readIdx', options.maxBytes ?? IDX_DEFAULT_MAX_BYTES);
  const raw = asBytes('readIdx', bytes);
  return parseIdx(isGzip(raw) ? await gunzip(raw, where, maxBytes) : raw, where);
}

/**
 * The synchronous {@link readIdx} for uncompressed input (gzip input is refused with a hint, since
 * inflating in the browser is asynchronous).
 *
 * @example
 * // magic 0x00000801 (uint8, 1 dimension), size 3, then the data
 * const a = readIdxSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]));
 * a.shape;   // [3]
 * a.data;    // Uint8Array [7, 8, 9]
 */
export function readIdxSync(bytes: Uint8Array | ArrayBuffer, options: ReadIdxOptions = {}): IdxArray {
  return parseIdx(asBytes('readIdxSync', bytes), { fn: 'readIdxSync', file: options.name });
}

/** Options of {@link idxToTensor}. */
export interface IdxToTensorOptions {
  /** The tensor's dtype (default: int32 for the integer IDX types, float32/float64 for the float ones). */
  dtype?: DType;
}

/**
 * Converts a parsed IDX array to a tensor of the same shape. Core tensors are float32, float64 or
 * int32, so the small integer types widen to int32 unless `dtype` asks for a float (floats converted
 * to int32 truncate toward zero). The data is copied when the type changes, and wrapped otherwise.
 *
 * @example
 * const labels = idxToTensor(await readIdx(bytes));                       // int32 [N]
 * const images = idxToTensor(await readIdx(imgBytes), { dtype: 'float32' }); // float32 [N, 28, 28], 0..255
 */
export function idxToTensor(array: IdxArray, options: IdxToTensorOptions = {}): Tensor {
  const natural: DType = array.dtype === 'float32' || array.dtype === 'float64' ? array.dtype : 'int32';
  const dtype = options.dtype ?? natural;
  const src = array.data;
  switch (dtype) {
    case 'float32': return new Tensor(src instanceof Float32Array ? src : new Float32Array(src), array.shape);
    case 'float64': return new Tensor(src instanceof Float64Array ? src : new Float64Array(src), array.shape);
    case 'int32': return new Tensor(src instanceof Int32Array ? src : new Int32Array(src), array.shape);
    default: return dtype satisfies never;
  }
}
