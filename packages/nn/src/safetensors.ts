/**
 * Safetensors checkpoints (the format of Hugging Face's `safetensors` library, which PyTorch users
 * load with `safetensors.torch.load_file`):
 *
 * ```
 * [8 bytes]  N, the header length, unsigned 64-bit little-endian
 * [N bytes]  UTF-8 JSON: {"__metadata__": {string: string}?, key: {"dtype", "shape", "data_offsets": [start, end]}, ...}
 *            padded with spaces so the data starts 8-byte aligned (as the Rust library writes it)
 * [rest]     the tensors' raw little-endian, row-major bytes; offsets are relative to the data's start
 * ```
 *
 * Reading never trusts the bytes: every length and offset is checked against the file before
 * anything is allocated, so a malformed or hostile file gives a {@link SafetensorsError} naming the
 * problem, never a crash or an allocation larger than the file.
 */
import { Tensor, checkKnownOptions, sizeOf } from '@simplegrad/core';
import type { DType, TypedArray } from '@simplegrad/core';
import { SafetensorsError } from './errors.js';
import type { StateDict } from './module.js';

/** Options of {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** Free-form string pairs stored under `__metadata__` (e.g. `{ format: 'pt' }`); omitted by default. */
  metadata?: Readonly<Record<string, string>>;
}

/** The Rust library's header-size limit: a longer header is rejected before it is decoded. */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Bounds on what a header may cost, checked by a byte scan before the JSON is parsed: `JSON.parse`
 * of 4 million tiny metadata entries takes seconds and most of a gigabyte. A real header nests 3
 * deep (`{ key: { shape: [...] } }`) and has a handful of values per tensor; these limits are far
 * above any real checkpoint (a 1 GB model has hundreds to a few thousand tensors).
 */
const MAX_DEPTH = 3;
/** The most `,`-separated items in the whole header: about 150 000 tensors' entries. */
const MAX_ITEMS = 1 << 20;
/** The most `__metadata__` entries. */
const MAX_METADATA_ENTRIES = 1 << 16;
/** The most dimensions a shape may have (PyTorch's limit too). */
const MAX_DIMS = 64;
/** The largest dimension: what int32 indexing (and a typed array) can address. */
const MAX_DIM = 2 ** 31 - 1;

/** The safetensors dtype each simplegrad dtype is written as. */
const WRITTEN_AS = { float32: 'F32', float64: 'F64', int32: 'I32' } as const satisfies Record<DType, string>;

/**
 * Every dtype the format defines (the Rust library's `Dtype`), with its element size in bytes and
 * what it is read as: the same type where simplegrad has it, float32 for the 16-bit floats (exact),
 * int32 for the other integers and booleans (values outside the int32 range are rejected), or null
 * for the 8-bit floats, which are not read.
 */
const DTYPES = {
  BOOL: { size: 1, as: 'int32' },
  U8: { size: 1, as: 'int32' },
  I8: { size: 1, as: 'int32' },
  F8_E5M2: { size: 1, as: null },
  F8_E4M3: { size: 1, as: null },
  I16: { size: 2, as: 'int32' },
  U16: { size: 2, as: 'int32' },
  F16: { size: 2, as: 'float32' },
  BF16: { size: 2, as: 'float32' },
  I32: { size: 4, as: 'int32' },
  U32: { size: 4, as: 'int32' },
  F32: { size: 4, as: 'float32' },
  F64: { size: 8, as: 'float64' },
  I64: { size: 8, as: 'int32' },
  U64: { size: 8, as: 'int32' },
} as const satisfies Record<string, { size: number; as: DType | null }>;

type FileDType = keyof typeof DTYPES;
/** The dtypes that are read (all but the 8-bit floats). */
type ReadDType = Exclude<FileDType, 'F8_E5M2' | 'F8_E4M3'>;

const READABLE = (Object.keys(DTYPES) as FileDType[]).filter((d) => DTYPES[d].as !== null).join(', ');

/** One tensor's header entry, validated. */
interface Entry {
  key: string;
  dtype: ReadDType;
  shape: number[];
  start: number;
  end: number;
}

/** A parsed file: its metadata, its entries in data order, and a view of its data section. */
interface Parsed {
  metadata: Record<string, string>;
  entries: Entry[];
  data: DataView;
  bytes: Uint8Array;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * `bytes` (elements of `width` bytes) with each element's byte order reversed when this machine is
 * big-endian, so typed-array bytes become the file's little-endian bytes and back. On little-endian
 * machines (all mainstream ones) it is `bytes` itself, so data is copied once and NaN payloads survive.
 */
function littleEndian(bytes: Uint8Array, width: number): Uint8Array {
  if (HOST_LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  }
  return out;
}

function fail(op: string, message: string): never {
  throw new SafetensorsError(op, message);
}

/**
 * A short, printable rendering of an untrusted JSON value for error messages. Bounded by
 * construction: it never re-serialises a nested or long value (a header may nest thousands deep
 * or hold megabyte strings), only primitives and short flat arrays.
 */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 57 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) {
    const flat = v.length <= 8 && v.every((e) => e === null || typeof e !== 'object');
    return flat ? `[${v.map(show).join(',')}]` : `an array of ${v.length} elements`;
  }
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

/** A key of the file for a message: quoted and cut short (a key may be megabytes long). */
function q(key: string): string {
  return `"${key.length > 80 ? `${key.slice(0, 77)}...` : key}"`;
}

/**
 * Serialises a state dict as safetensors bytes, tensors in the state dict's order (the Rust
 * library sorts them by dtype and name instead; both are valid files and load the same). float32,
 * float64 and int32 tensors are written as F32, F64 and I32, bit for bit: `loadSafetensors` gives
 * back identical tensors, and PyTorch reads the file with `safetensors.torch.load_file`.
 *
 * @example
 * const bytes = saveSafetensors(model.stateDict(), { metadata: { format: 'pt' } });
 * writeFileSync('model.safetensors', bytes);     // Node; in a browser, offer it as a Blob
 */
export function saveSafetensors(stateDict: StateDict | Readonly<Record<string, Tensor>>, opts: SaveSafetensorsOptions = {}): Uint8Array {
  const op = 'saveSafetensors';
  checkKnownOptions(op, opts, ['metadata']);
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || stateDict instanceof Tensor) {
    fail(op, `expects a state dict (a Map or an object of tensors by key), got ${show(stateDict)}`);
  }
  const items: [unknown, unknown][] = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  const fields: string[] = [];
  if (opts.metadata !== undefined) {
    const md: unknown = opts.metadata;
    // A Map (or an array) would pass Object.entries as empty or numbered: refuse rather than drop it.
    if (typeof md !== 'object' || md === null || Array.isArray(md) || md instanceof Map) {
      fail(op, `metadata must be a plain object of strings, got ${md instanceof Map ? 'a Map' : show(md)}`);
    }
    const entries = Object.entries(md);
    for (const [k, v] of entries) {
      if (typeof v !== 'string') fail(op, `metadata values must be strings, but ${q(k)} is ${show(v)}`);
    }
    // Written from the checked pairs themselves, so what is written is exactly what was checked.
    fields.push(`"__metadata__":{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  const tensors: Tensor[] = [];
  let offset = 0;
  for (const [key, t] of items) {
    // JSON.stringify(1) is `1`: a non-string key would make a header the reader (and PyTorch) rejects.
    if (typeof key !== 'string') fail(op, `state dict keys must be strings, got ${typeof key === 'symbol' ? 'a symbol' : show(key)}`);
    if (key === '__metadata__') fail(op, 'the key "__metadata__" is reserved for the metadata and cannot name a tensor');
    if (!(t instanceof Tensor)) fail(op, `the value for ${q(key)} is not a Tensor (got ${t === null ? 'null' : typeof t})`);
    const tensor = t as Tensor;
    const end = offset + tensor.data.byteLength;
    // Built by hand, not with JSON.stringify of an object, which would move integer-like keys first.
    fields.push(`${JSON.stringify(key)}:{"dtype":"${WRITTEN_AS[tensor.dtype]}","shape":${JSON.stringify(tensor.shape)},"data_offsets":[${offset},${end}]}`);
    tensors.push(tensor);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(littleEndian(bytes, t.data.BYTES_PER_ELEMENT), pos);
    pos += bytes.length;
  }
  return out;
}

/**
 * Reads safetensors bytes (e.g. a file written by `safetensors.torch.save_file` or by
 * {@link saveSafetensors}) into a state dict, in the order of the tensors' data in the file, ready
 * for `module.loadStateDict`. F32, F64 and I32 are read as they are; F16 and BF16 become float32
 * (exactly); BOOL, U8, I8, I16, U16, U32, I64 and U64 become int32, and a value outside the int32
 * range is an error (PyTorch stores `num_batches_tracked` as I64). The 8-bit float dtypes are
 * rejected. Every structural problem (truncation, a header length beyond the file, bad UTF-8 or
 * JSON, a malformed entry, an unknown dtype, a shape that disagrees with its offsets, offsets out of
 * range, overlapping or leaving gaps, trailing bytes) throws a {@link SafetensorsError} that says
 * which tensor and which numbers are at fault.
 *
 * @example
 * model.loadStateDict(loadSafetensors(readFileSync('model.safetensors')));
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): StateDict {
  return readSafetensors('loadSafetensors', bytes).tensors;
}

/** The tensors and the metadata of safetensors bytes in one parse; `op` names the caller in errors. */
export function readSafetensors(op: string, bytes: Uint8Array | ArrayBuffer): { tensors: StateDict; metadata: Record<string, string> } {
  const file = parse(op, bytes);
  const tensors: StateDict = new Map();
  for (const e of file.entries) tensors.set(e.key, new Tensor(decode(op, file, e), e.shape));
  return { tensors, metadata: file.metadata };
}

/**
 * The `__metadata__` string map of safetensors bytes (`{}` when there is none), validated like
 * {@link loadSafetensors} but without decoding any tensor.
 *
 * @example
 * safetensorsMetadata(bytes);   // { format: 'pt' }
 */
export function safetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  return parse('safetensorsMetadata', bytes).metadata;
}

/** Validates the length field, the header and every entry against the file, without decoding data. */
function parse(op: string, input: Uint8Array | ArrayBuffer): Parsed {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else return fail(op, `expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
  if (bytes.length < 8) fail(op, `the file is ${bytes.length} bytes long, too short for the 8-byte header length`);
  const whole = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = whole.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) fail(op, `the header length ${length} exceeds the limit of ${MAX_HEADER_BYTES} bytes (not a safetensors file?)`);
  const n = Number(length);
  if (n > bytes.length - 8) fail(op, `the header length is ${n} bytes but only ${bytes.length - 8} bytes follow the length field (truncated file?)`);
  scanHeader(op, bytes.subarray(8, 8 + n));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail(op, 'the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(op, `the header must be a JSON object starting with '{', got ${show(text.slice(0, 40))}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return fail(op, `the header is not valid JSON (${(e as Error).message})`);
  }
  const dataLength = bytes.length - 8 - n;
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [key, info] of Object.entries(header)) {
    if (key === '__metadata__') readMetadata(op, info, metadata);
    else entries.push(readEntry(op, key, info, dataLength));
  }
  // The data must be covered exactly, tensor after tensor, as the Rust library requires.
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.start < pos) fail(op, `the data of ${q((prev as Entry).key)} [${(prev as Entry).start}, ${(prev as Entry).end}] and ${q(e.key)} [${e.start}, ${e.end}] overlap`);
    if (e.start > pos) fail(op, `bytes [${pos}, ${e.start}] of the data belong to no tensor (the data_offsets must be contiguous; ${q(e.key)} starts at ${e.start})`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLength) fail(op, `the data section has ${dataLength} bytes but the tensors cover only ${pos} (trailing bytes)`);
  // fromEntries defines properties (no setter runs), so a `__proto__` key stays an ordinary entry
  // instead of silently replacing the object's prototype, as `obj[k] = v` would.
  return { metadata: Object.fromEntries(metadata) as Record<string, string>, entries, data: new DataView(bytes.buffer, bytes.byteOffset + 8 + n, dataLength), bytes: bytes.subarray(8 + n) };
}

/**
 * Rejects, in one pass over the raw bytes and before anything is decoded or parsed, a header that
 * nests deeper than a safetensors header can or holds more items than {@link MAX_ITEMS}: the
 * cost of everything after this scan is then bounded. Malformed JSON is left to `JSON.parse`.
 */
function scanHeader(op: string, b: Uint8Array): void {
  let depth = 0;
  let items = 0;
  let inString = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte (it may be a quote)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) fail(op, `the header nests deeper than ${MAX_DEPTH} levels (at header byte ${i}), which no safetensors header does`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && ++items > MAX_ITEMS) {
      fail(op, `the header holds more than ${MAX_ITEMS} items (tensor entries, metadata entries and dimensions), more than this reader accepts`);
    }
  }
}

function readMetadata(op: string, info: unknown, into: [string, string][]): void {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) fail(op, `"__metadata__" must be an object of strings, got ${show(info)}`);
  const entries = Object.entries(info as Record<string, unknown>);
  if (entries.length > MAX_METADATA_ENTRIES) fail(op, `"__metadata__" has ${entries.length} entries, more than the ${MAX_METADATA_ENTRIES} this reader accepts`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') fail(op, `"__metadata__" values must be strings, but ${q(k)} is ${show(v)}`);
    into.push([k, v as string]);
  }
}

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function readEntry(op: string, key: string, info: unknown, dataLength: number): Entry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    fail(op, `the entry of ${q(key)} must be an object with dtype, shape and data_offsets, got ${show(info)}`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) fail(op, `${q(key)} has an unknown dtype ${show(dtype)}`);
  const spec = DTYPES[dtype as FileDType];
  if (spec.as === null) fail(op, `${q(key)} has dtype ${dtype}, which is not supported (readable dtypes: ${READABLE})`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) fail(op, `the shape of ${q(key)} must be an array of non-negative integers, got ${show(shape)}`);
  if (shape.length > MAX_DIMS) fail(op, `the shape of ${q(key)} has ${shape.length} dimensions, more than ${MAX_DIMS}`);
  // Each dimension alone must be addressable, and so must the product of the non-zero ones: an
  // empty tensor of shape [2^32, 2^32, 0] passes the size check (0 bytes) but breaks every op's indexing.
  let extent = 1;
  for (const d of shape as number[]) {
    if (d > MAX_DIM) fail(op, `the shape of ${q(key)} ${show(shape)} has a dimension ${d} larger than ${MAX_DIM}`);
    if (d > 0) extent *= d;
  }
  if (extent > Number.MAX_SAFE_INTEGER) fail(op, `the shape of ${q(key)} ${show(shape)} has more elements than can be counted exactly (its non-zero dimensions multiply past 2^53)`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    fail(op, `the data_offsets of ${q(key)} must be [start, end] with 0 <= start <= end, got ${show(offsets)}`);
  }
  const [start, end] = offsets as [number, number];
  if (end > dataLength) fail(op, `the data_offsets [${start}, ${end}] of ${q(key)} run past the end of the data section (${dataLength} bytes; truncated file?)`);
  // A float product: once it passes 2^53 it can never come back down to a span that fits in the file.
  const count = sizeOf(shape as number[]);
  if (count * spec.size !== end - start) {
    fail(op, `${q(key)} has dtype ${dtype} and shape [${(shape as number[]).join(', ')}] (${count * spec.size} bytes) but its data_offsets [${start}, ${end}] span ${end - start} bytes`);
  }
  return { key, dtype: dtype as ReadDType, shape: shape as number[], start, end };
}

/** One tensor's data as a fresh typed array of the dtype it is read as. */
function decode(op: string, file: Parsed, e: Entry): TypedArray {
  const v = file.data;
  const n = (e.end - e.start) / DTYPES[e.dtype].size;
  const raw = (make: (n: number) => TypedArray): TypedArray => {
    const out = make(n);
    new Uint8Array(out.buffer).set(littleEndian(file.bytes.subarray(e.start, e.end), out.BYTES_PER_ELEMENT));
    return out;
  };
  const ints = (read: (at: number) => number): Int32Array => {
    const out = new Int32Array(n);
    const size = DTYPES[e.dtype].size;
    for (let i = 0; i < n; i++) {
      const x = read(e.start + i * size);
      if (!(x >= -(2 ** 31) && x < 2 ** 31)) fail(op, `${q(e.key)} (${e.dtype}) holds ${x} at index ${i}, outside the int32 range it is read as`);
      out[i] = x;
    }
    return out;
  };
  switch (e.dtype) {
    case 'F32': return raw((k) => new Float32Array(k));
    case 'F64': return raw((k) => new Float64Array(k));
    case 'I32': return raw((k) => new Int32Array(k));
    case 'F16': return Float32Array.from({ length: n }, (_, i) => halfToFloat(v.getUint16(e.start + 2 * i, true)));
    case 'BF16': {
      const out = new Float32Array(n);
      // bfloat16 is the top half of a float32: shifting the bits keeps every value (and NaN) exact.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = v.getUint16(e.start + 2 * i, true) << 16;
      return out;
    }
    case 'BOOL': return ints((at) => {
      const b = v.getUint8(at);
      if (b > 1) fail(op, `${q(e.key)} (BOOL) holds the byte ${b} at index ${at - e.start}; booleans must be 0 or 1`);
      return b;
    });
    case 'U8': return ints((at) => v.getUint8(at));
    case 'I8': return ints((at) => v.getInt8(at));
    case 'I16': return ints((at) => v.getInt16(at, true));
    case 'U16': return ints((at) => v.getUint16(at, true));
    case 'U32': return ints((at) => v.getUint32(at, true));
    case 'I64': return ints((at) => v.getUint32(at, true) + v.getInt32(at + 4, true) * 2 ** 32);
    case 'U64': return ints((at) => v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32);
    default:
      return e.dtype satisfies never;
  }
}

/** The value of IEEE half-precision bits (exact in float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
